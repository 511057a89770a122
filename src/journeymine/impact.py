"""Deviation impact: how much each kind of deviation changes the outcome of a journey."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import first_event
from journeymine._stats import ADJUST_METHODS, adjust_p
from journeymine.conformance import KINDS
from journeymine.engine import Kernel, LogMeta, bind, inner_part, run
from journeymine.errors import JourneymineWarning, ParameterError, user_stacklevel
from journeymine.log import factorize
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["deviation_impact"]

_COLUMNS = [
    "kind",
    "stage",
    "cases_with",
    "cases_without",
    "outcome_with",
    "outcome_without",
    "diff",
    "lo",
    "hi",
    "p_value",
    "impact",
    "unmatched",
    "note",
]


@v.validate_params(
    {
        "model": [v.Model()],
        "outcome": [v.InstanceOf(str), v.InstanceOf(pd.Series, "a pandas Series"), None],
        "min_cases": [v.Interval(int, 1, None)],
        "ci": v.LEVEL,
        "seed": v.SEED,
        "adjust": [v.StrOptions(ADJUST_METHODS)],
    }
)
def deviation_impact(
    log: Any,
    model: JourneyModel,
    outcome: str | pd.Series | None = None,
    *,
    strata: str | pd.Series | None = None,
    min_cases: int = 10,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    adjust: Literal["holm", "bh"] = "holm",
) -> pd.DataFrame:
    """How much each kind of deviation from the designed journey changes the outcome.

    For every (kind, stage) of deviation found by :func:`journeymine.check`,
    each case with it is compared with the cases that were *at the same
    point of their journey* without having had it: same furthest stage
    reached, same number of events so far (activity) and the same
    ``strata`` value. Only what happens from that point on (the
    *landmark*) counts, so that a deviation is never credited with an
    outcome that came before it, and long, active journeys, which have more
    chances to deviate, do not make it look good.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    model : JourneyModel
        The designed journey.
    outcome : str or pandas.Series, optional
        What a case achieved. None (default): whether the case converted
        (has an event of a purchase activity of ``model.purchase``), as
        0/1; a deviation then counts only when it happens before the case's
        first conversion. A column name: a numeric column of the log (e.g.
        revenue; missing values count as 0), summed over the case's events
        *from the landmark on*. A Series: one number per case, indexed by
        case id (every case needs a value); it cannot be split in time, so
        it counts whole.
    strata : str or pandas.Series, optional
        A case-level confounder to compare within, e.g. the device: a
        column of the log (its value on the case's first event) or a Series
        indexed by case id. Its values are combined with the context stage
        and the activity stratum; missing values are a stratum of their own.
    min_cases : int, default=10
        Rows with fewer comparable cases with the deviation keep their
        counts and means but get no interval and no p-value (NaN), and a
        ``note`` saying why.
    ci : float, default=0.95
        Confidence level of the intervals.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the bootstrap (numeric outcomes); the same seed gives the
        same intervals.
    adjust : {"holm", "bh"}, default="holm"
        How ``p_adjusted`` accounts for testing every row: Holm (the chance
        of any false positive among the rows, whatever their dependence) or
        Benjamini–Hochberg (the expected share of false positives among the
        rows it flags).

    Returns
    -------
    pandas.DataFrame
        One row per (kind, stage) of deviation, most harmful (lowest
        ``impact``) first:

        ``kind``, ``stage``
            As in ``check(log, model).deviations`` (``stage`` None for
            unknown activities).
        ``cases_with``
            Cases with at least one such deviation (before their first
            conversion, for conversion) (int64).
        ``cases_without``
            Comparison cases: distinct cases that were at a landmark of a
            deviating case without having had the deviation by then (int64).
        ``outcome_with``
            Mean outcome of the cases with the deviation, from their
            landmark on.
        ``outcome_without``
            Mean outcome of the comparison cases from their landmark on,
            standardised to the strata of the deviating cases.
        ``diff``
            ``outcome_with`` (of the compared cases) minus
            ``outcome_without``: the average effect on the cases with the
            deviation.
        ``lo``, ``hi``
            Confidence interval of ``diff`` (see Notes); NaN below
            ``min_cases``.
        ``p_value``
            Two-sided p-value of ``diff`` = 0, the one the interval inverts;
            NaN below ``min_cases``.
        ``p_adjusted``
            ``p_value`` adjusted for the number of rows (``adjust``): the
            one to read when looking for the deviations that matter.
        ``impact``
            ``diff * cases_with``: outcome gained (positive) or lost
            (negative) by the cases with the deviation.
        ``unmatched``
            Cases with the deviation at a landmark no comparison case
            shares; they count in ``outcome_with`` but not in ``diff``.
        ``note``
            Why a row has no interval (too few cases, nobody to compare
            with); empty otherwise.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel; if ``outcome`` is None and the
        model has no purchase activities; if ``outcome`` names a column
        the log does not have or that is not numeric; if an outcome Series
        is not numeric, lacks some cases of the log or has case ids the log
        does not have; if ``strata`` is not a column or a Series with one
        value per case; if ``min_cases`` is not a positive integer, ``ci``
        not in (0, 1) or ``adjust`` not "holm" or "bh".

    See Also
    --------
    check : The deviations themselves.

    Notes
    -----
    **Landmark design.** A case's landmark for a (kind, stage) of
    deviation is the event of its first such deviation. The *context* of an
    event is the furthest stage (model order) the case reached before it
    (the first stage if none) and its *activity* the number of events
    before it, exact up to 7, then in bins about 19 % wide. A comparison
    landmark is the first event of a case in a (context, activity bin,
    ``strata``) stratum at which it has not had this deviation yet (and,
    for conversion, has not converted yet); a case can be a comparison case
    in several strata, and a deviating case is one before it deviates. In
    each stratum the outcome of the deviating cases is compared with that
    of the comparison cases from their landmarks on, and the comparison
    means are averaged with the number of deviating cases in each stratum
    as weights (direct standardisation, the effect on the deviating
    cases). A case's activity alone, or an outcome that came before the
    deviation, cannot then make a deviation look good or bad. Matching
    on what was observed cannot remove confounders that were not: pass
    them as ``strata``.

    **Intervals.** The interval of ``diff`` combines an interval of each
    side by the MOVER method (Zou and Donner, 2008): for 0/1 outcomes the
    Wilson score interval of the deviating cases' rate and a Wilson
    interval of the standardised comparison rate at its effective size,
    which is Newcombe's (1998) hybrid score interval, stratified; it keeps
    its coverage with 10 deviating cases and with rates of 0 or 1. For
    numeric outcomes the deviating cases' mean gets a studentized
    (bootstrap-t) interval from 1,999 resamples of those cases, never
    narrower than Student's t and with a standard error no smaller than the
    comparison cases' within-stratum spread (so equal outcomes do not give
    a zero-width interval); the comparison mean a normal interval. The
    comparison side's variance is cluster-robust: a case in several strata
    counts once (its influence summed over its strata). ``p_value`` is the
    smallest ``1 - level`` whose interval excludes 0 (found on a grid of
    levels; values below 1e-8 are reported as 1e-8). In simulations with a
    known truth (``tests/test_calibration.py``, the user guide's "How
    journeymine draws conclusions") the 95 % interval covers the truth in
    at least 94 % of runs and fewer than 6 % of null runs are flagged, from
    10 deviating cases on.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> model = jm.JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ...     purchase=["buy"],
    ... )
    >>> rows = []
    >>> for i in range(40):
    ...     path = ["ad", "chat", "view"] if i % 2 else ["ad", "view", "buy"]
    ...     rows += [(i, a, f"2025-01-0{k + 1}") for k, a in enumerate(path)]
    >>> df = pd.DataFrame(rows, columns=["customer", "touchpoint", "ts"])
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> impact = jm.deviation_impact(log, model)
    >>> impact[["kind", "cases_with", "outcome_with", "outcome_without", "diff"]]
                   kind  cases_with  outcome_with  outcome_without  diff
    0  unknown_activity          20           0.0              1.0  -1.0
    >>> impact[["lo", "hi", "p_adjusted"]].round(3)
        lo     hi  p_adjusted
    0 -1.0 -0.772         0.0
    """
    ci = float(ci)
    if outcome is None:
        if not model.purchase:
            raise ParameterError(
                "deviation_impact() measures conversion by default, but the model lists no "
                "purchase activities. Build the model with purchase=['Place order'], or pass "
                "outcome='<numeric column>' or a Series of outcomes indexed by case id."
            )
    elif isinstance(outcome, pd.Series):
        if not (pd.api.types.is_numeric_dtype(outcome) or pd.api.types.is_bool_dtype(outcome)):
            raise ParameterError(
                f"The 'outcome' Series of deviation_impact() must be numeric (or boolean). "
                f"Got dtype {outcome.dtype} instead; convert it with pd.to_numeric(outcome)."
            )
        if outcome.index.has_duplicates:
            dup = outcome.index[outcome.index.duplicated()].unique()[:5].tolist()
            raise ParameterError(
                f"The 'outcome' Series of deviation_impact() has duplicate case ids {dup}; "
                "give one outcome per case, e.g. outcome.groupby(level=0).sum()."
            )
    return run(impact_kernel(model, outcome, ci, seed, strata, int(min_cases), adjust), log)


def impact_kernel(
    model: JourneyModel,
    outcome: Any = None,
    ci: float = 0.95,
    seed: Any = 0,
    strata: Any = None,
    min_cases: int = 10,
    adjust: str = "holm",
) -> Kernel[Any, pd.DataFrame]:
    """The kernel of :func:`deviation_impact`, a member of an :class:`~journeymine.engine.Bundle`."""
    return covered(_Impact(model, outcome, ci, seed, strata, min_cases, adjust), model)


def context_stages(log: JourneyLog, model: JourneyModel) -> tuple[np.ndarray, np.ndarray]:
    """Per event, the furthest stage reached strictly before it in its case (-1 if none),
    and per case its furthest stage overall (-1 without known events)."""
    st = model.event_stages(log)
    n = log.n_events
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    big = np.int64(len(model.stages) + 2)
    # running max within case, via an offset that makes cases increasing
    run_max = np.maximum.accumulate(log.case_codes * big + (st + 1)) - log.case_codes * big - 1
    before = np.full(n, -1, dtype=np.int64)
    before[1:] = run_max[:-1]
    before[log.case_offsets[:-1]] = -1
    furthest = run_max[log.case_offsets[1:] - 1]
    return before, furthest


def case_outcomes(log: JourneyLog, model: JourneyModel, outcome: Any, func: str) -> np.ndarray:
    """Outcome per case (float) for conversion or a numeric column; NaN for a Series."""
    if outcome is None:
        buy = model.activity_mask(log, model.purchase).astype(np.float64)
        return _case_sum(log, buy) > 0
    if isinstance(outcome, pd.Series):
        return np.full(log.n_cases, np.nan)
    values = log.column(outcome)
    if not (pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == bool):
        sample = [v for v in values[:3]]
        raise ParameterError(
            f"The 'outcome' column {outcome!r} of {func}() must be numeric (e.g. revenue), but "
            f"it holds {values.dtype} values such as {sample}. Convert it with pd.to_numeric "
            "before building the log, or pass a Series of outcomes indexed by case id."
        )
    return _case_sum(log, np.nan_to_num(values.astype(np.float64), nan=0.0))


def _case_sum(log: JourneyLog, x: np.ndarray) -> np.ndarray:
    if log.n_cases == 0:
        return np.empty(0, dtype=np.float64)
    return np.add.reduceat(x, log.case_offsets[:-1]).astype(np.float64)


def series_outcomes(outcome: pd.Series, cases: pd.Series, func: str) -> np.ndarray:
    """Values of an outcome Series for ``cases``; every case needs one, no unknown ids."""
    index = pd.Index(cases)
    unknown = outcome.index.difference(index)
    if len(unknown):
        raise ParameterError(
            f"The 'outcome' Series of {func}() has {len(unknown)} case ids that are not in "
            f"the log, e.g. {unknown[:5].tolist()}. Index it by the log's case ids (log.cases), "
            "e.g. outcome.reindex(log.cases)."
        )
    values = outcome.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        raise ParameterError(
            f"The 'outcome' Series of {func}() has no value for {int(missing.sum())} cases of "
            f"the log, e.g. {index[missing][:5].tolist()}. Give every case an outcome, e.g. "
            "outcome.reindex(log.cases, fill_value=0)."
        )
    return values


def _check_strata(strata: Any, meta: LogMeta) -> None:
    """``strata=``: a column of the log (not the case or timestamp) or a Series by case id."""
    if isinstance(strata, pd.Series):
        if not strata.index.is_unique:
            dupes = strata.index[strata.index.duplicated()].unique()[:3].tolist()
            raise ParameterError(
                "The 'strata' Series of deviation_impact() must have one value per case id, "
                f"but its index repeats {dupes}. Build it with one row per case, e.g. "
                "log.case_table().set_index('case')['<column>']."
            )
        return
    if not isinstance(strata, str) or strata not in meta.columns:
        raise ParameterError(
            "The 'strata' parameter of deviation_impact() must be a column of the log or a "
            f"pandas Series indexed by case id. Got {strata!r} instead; columns: "
            f"{list(meta.columns)}."
        )
    if strata in (meta.case, meta.timestamp):
        raise ParameterError(
            f"The 'strata' parameter of deviation_impact() cannot be the case or timestamp "
            f"column ({strata!r}). Pass a case-level column such as the device or the region."
        )


def activity_bins(position: np.ndarray) -> np.ndarray:
    """Activity stratum of a landmark from the number of events before it.

    Exact for 0..7 earlier events, then quarter-octave bins (about 19 % wide):
    ``floor(4 * log2(k))`` (12 for k = 8, 13 for k = 10, ...).
    """
    k = np.asarray(position, dtype=np.int64)
    out = k.copy()
    big = k >= 8
    out[big] = np.floor(4 * np.log2(k[big])).astype(np.int64)
    return out


@dataclass(frozen=True)
class _Impact(Kernel[dict, pd.DataFrame]):
    model: JourneyModel
    outcome: Any = None
    ci: float = 0.95
    seed: Any = 0
    strata: Any = None
    min_cases: int = 10
    adjust: str = "holm"
    inner: Any = None  # the conformance kernel, bound by check

    name = "deviation_impact"

    def check(self, meta: LogMeta) -> _Impact:
        from journeymine.conformance import _Check

        if isinstance(self.outcome, str) and self.outcome not in meta.columns:
            raise ParameterError(
                f"The 'outcome' parameter of deviation_impact() names the column "
                f"{self.outcome!r}, which the log does not have. Columns: "
                f"{list(meta.columns)}."
            )
        if isinstance(self.outcome, str) and self.outcome in (
            meta.case,
            meta.activity,
            meta.timestamp,
        ):
            raise ParameterError(
                f"The 'outcome' parameter of deviation_impact() cannot be the case, activity or "
                f"timestamp column ({self.outcome!r}); pass a numeric column such as revenue."
            )
        if self.strata is not None:
            _check_strata(self.strata, meta)
        return replace(self, inner=bind(_Check(self.model, "stages"), meta))

    def part(self, log: JourneyLog) -> dict:
        model = self.model
        n_cases = log.n_cases
        before, _ = context_stages(log, model)
        ctx = np.maximum(before, 0)
        pos = log.position.astype(np.int64)
        bins = activity_bins(pos)
        case = log.case_codes
        big = np.iinfo(np.int64).max
        conv_pos = np.full(n_cases, big, dtype=np.int64)
        after = np.zeros(log.n_events)
        if self.outcome is None:
            first = first_event(log, model.activity_mask(log, model.purchase))
            conv_pos[first >= 0] = pos[first[first >= 0]]
            y = (conv_pos < big).astype(np.float64)
        elif isinstance(self.outcome, str):
            y = case_outcomes(log, model, self.outcome, self.name)
            values = np.nan_to_num(log.column(self.outcome).astype(np.float64), nan=0.0)
            if log.n_events:  # what the case gains from each event on (the event included)
                upto = np.cumsum(values) - values
                start = upto[log.case_offsets[:-1]]
                after = y[case] - (upto - start[case])
        else:
            y = np.full(n_cases, np.nan)  # a Series: its values come in finish
        # landmarks are the moments between events: state k of a case is after its first k
        # events (k = 0: before any), its context the furthest stage reached by then
        st = model.event_stages(log)
        k_state = np.concatenate([np.zeros(n_cases, dtype=np.int64), pos + 1])
        ctx_state = np.concatenate(
            [np.zeros(n_cases, dtype=np.int64), np.maximum(np.maximum(before, st), 0)]
        )
        case_state = np.concatenate([np.arange(n_cases, dtype=np.int64), case])
        after_next = np.zeros(log.n_events)  # gained from the next event on: 0 after the last
        after_next[:-1] = after[1:]
        after_next[log.case_offsets[1:] - 1] = 0.0
        after_state = np.concatenate([after[log.case_offsets[:-1]], after_next])
        order = np.lexsort((k_state, case_state))
        k_state, ctx_state, case_state, after_state = (
            x[order] for x in (k_state, ctx_state, case_state, after_state)
        )
        bin_state = activity_bins(k_state)
        # one landmark row per (case, context, activity bin): its first state there, before
        # the case converted
        first_here = np.ones(k_state.size, dtype=bool)
        first_here[1:] = (
            (case_state[1:] != case_state[:-1])
            | (ctx_state[1:] != ctx_state[:-1])
            | (bin_state[1:] != bin_state[:-1])
        )
        rows = np.flatnonzero(first_here & (k_state <= conv_pos[case_state]))
        risk = pd.DataFrame(
            {
                "row": case_state[rows],
                "ctx": ctx_state[rows],
                "bin": bin_state[rows],
                "pos": k_state[rows],
                "after": after_state[rows],
            }
        )
        # the first deviation of each (kind, stage) per case, before its first conversion
        dev = inner_part(self.inner, log)["deviations"]
        code = log.case_labels.get_indexer(pd.Index(dev["case"])).astype(np.int64)
        dpos = dev["position"].to_numpy(np.int64)
        ev = log.case_offsets[code] + dpos
        stage = pd.Categorical(dev["stage"], categories=list(model.stages)).codes.astype(np.int64)
        kind = pd.Categorical(dev["kind"].astype(str), categories=list(KINDS)).codes
        kind = kind.astype(np.int64)
        dtype = kind * np.int64(len(model.stages) + 1) + stage + 1
        keep = dpos < conv_pos[code]
        order = np.lexsort((dpos[keep], dtype[keep], code[keep]))
        code, dtype, ev, dpos = (x[keep][order] for x in (code, dtype, ev, dpos))
        firsts = np.ones(code.size, dtype=bool)
        firsts[1:] = (code[1:] != code[:-1]) | (dtype[1:] != dtype[:-1])
        ev = ev[firsts]
        devs = pd.DataFrame(
            {
                "row": code[firsts],
                "type": dtype[firsts],
                "ctx": ctx[ev],
                "bin": bins[ev],
                "pos": dpos[firsts],
                "after": after[ev],
            }
        )
        cases = pd.DataFrame({"case": log.case_labels, "y": y})
        if isinstance(self.strata, str):
            cases["stratum"] = log.column(self.strata)[log.case_offsets[:-1]]
        missing = 0
        if isinstance(self.outcome, str) and log.n_events:
            missing = int(np.isnan(log.column(self.outcome).astype(np.float64)).sum())
        return {"cases": cases, "risk": risk, "devs": devs, "missing": missing}

    def merge(self, a: dict, b: dict) -> dict:
        shift = len(a["cases"])
        return {
            "missing": a.get("missing", 0) + b.get("missing", 0),
            "cases": pd.concat([a["cases"], b["cases"]], ignore_index=True),
            "risk": pd.concat(
                [a["risk"], b["risk"].assign(row=b["risk"]["row"].to_numpy() + shift)],
                ignore_index=True,
            ),
            "devs": pd.concat(
                [a["devs"], b["devs"].assign(row=b["devs"]["row"].to_numpy() + shift)],
                ignore_index=True,
            ),
        }

    def finish(self, merged: dict, meta: LogMeta) -> pd.DataFrame:
        if merged.get("missing"):
            warnings.warn(
                f"deviation_impact(): {merged['missing']:,} events have no value in the "
                f"outcome column {self.outcome!r}; they count as 0 (no revenue). If a missing "
                "value means something else, fill it before building the log, or pass a "
                "Series of outcomes by case id.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        cases = merged["cases"]
        # cases in the order of one log (sorted ids), whatever the partitions were
        codes, _ = factorize(cases["case"])
        perm = np.argsort(codes, kind="stable")
        where = np.empty_like(perm)
        where[perm] = np.arange(perm.size)
        cases = cases.iloc[perm].reset_index(drop=True)
        numeric_after = isinstance(self.outcome, str)
        if isinstance(self.outcome, pd.Series):
            y = series_outcomes(self.outcome, cases["case"], self.name)
        else:
            y = cases["y"].to_numpy(np.float64)
        if self.strata is None:
            user = np.zeros(len(cases), dtype=np.int64)
        else:
            values = (
                self.strata.reindex(cases["case"]).to_numpy()
                if isinstance(self.strata, pd.Series)
                else cases["stratum"].to_numpy()
            )
            user, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
            user = np.asarray(user, dtype=np.int64)
        n_user = int(user.max()) + 1 if user.size else 1

        def table(frame: pd.DataFrame) -> dict[str, np.ndarray]:
            idx = where[frame["row"].to_numpy(np.int64)]
            out = {
                "case": idx,
                "ctx": frame["ctx"].to_numpy(np.int64),
                "bin": frame["bin"].to_numpy(np.int64),
                "pos": frame["pos"].to_numpy(np.int64),
                "y": frame["after"].to_numpy(np.float64) if numeric_after else y[idx],
            }
            out["user"] = user[idx]
            return out

        risk, devs = table(merged["risk"]), table(merged["devs"])
        devs["type"] = merged["devs"]["type"].to_numpy(np.int64)
        n_bins = int(max(risk["bin"].max(initial=0), devs["bin"].max(initial=0))) + 1
        for t in (risk, devs):
            t["key"] = (t["ctx"] * n_bins + t["bin"]) * n_user + t["user"]
        rng = np.random.default_rng(self.seed)
        binary = self.outcome is None or bool(np.isin(y, (0.0, 1.0)).all() and not numeric_after)
        n_stages = len(self.model.stages)
        rows = []
        for t in np.unique(devs["type"]):  # one pass per deviation type (a handful), not per case
            k, s = divmod(int(t), n_stages + 1)
            sel = devs["type"] == t
            dcase = devs["case"][sel]
            order = np.argsort(dcase, kind="stable")  # deviators in case order: seeded draws
            dev_pos = np.full(len(cases), np.iinfo(np.int64).max)
            dev_pos[dcase] = devs["pos"][sel]
            cmp = risk["pos"] < dev_pos[risk["case"]]  # not yet deviated at the landmark
            stats = _landmark_row(
                devs["key"][sel][order],
                devs["y"][sel][order],
                risk["key"][cmp],
                risk["y"][cmp],
                risk["case"][cmp],
                binary,
                self.ci,
                self.min_cases,
                rng,
            )
            rows.append((KINDS[k], self.model.stages[s - 1] if s else None, *stats))
        out = pd.DataFrame(rows, columns=_COLUMNS)
        out = out.astype({"cases_with": np.int64, "cases_without": np.int64, "unmatched": np.int64})
        for col in ("outcome_with", "outcome_without", "diff", "lo", "hi", "p_value", "impact"):
            out[col] = out[col].astype(np.float64)
        out["kind"] = pd.Series([r[0] for r in rows], dtype=object)
        out["stage"] = pd.Series([r[1] for r in rows], dtype=object)
        out["note"] = pd.Series([r[-1] for r in rows], dtype=object)
        out.insert(
            out.columns.get_loc("p_value") + 1,
            "p_adjusted",
            adjust_p(out["p_value"].to_numpy(), self.adjust),  # type: ignore[arg-type]
        )
        order = np.lexsort((np.arange(len(out)), out["impact"].fillna(np.inf).to_numpy()))
        return out.iloc[order].reset_index(drop=True)


#: levels at which an interval is computed to find the p-value that inverts it
_ALPHAS = np.concatenate([np.geomspace(1e-8, 1e-2, 400, endpoint=False), np.linspace(1e-2, 1, 991)])
#: studentized bootstrap resamples of the deviating cases' mean (numeric outcomes)
N_BOOT = 1999
#: above this many deviating cases their mean's interval is Student's t (no bootstrap)
_BOOT_MAX = 5000


def _landmark_row(
    dkey: np.ndarray,
    dy: np.ndarray,
    ckey: np.ndarray,
    cy: np.ndarray,
    ccase: np.ndarray,
    binary: bool,
    ci: float,
    min_cases: int,
    rng: np.random.Generator,
) -> tuple[Any, ...]:
    """The statistics of one deviation type from its landmark rows (see deviation_impact).

    ``dkey``/``dy``: stratum and outcome of each deviating case at its
    landmark; ``ckey``/``cy``/``ccase``: stratum, outcome and case of each
    comparison landmark (a case can be one in several strata).
    """
    nan = float("nan")
    n_all = dkey.size
    mean_all = float(dy.mean()) if n_all else nan
    dcode, ccode, n_keys = _stratum_codes(dkey, ckey)
    n_s = np.bincount(dcode, minlength=n_keys).astype(np.float64)
    m_s = np.bincount(ccode, minlength=n_keys).astype(np.float64)
    matched = (n_s > 0) & (m_s > 0)
    dm = matched[dcode]
    n1 = int(dm.sum())
    unmatched = n_all - n1
    if n1 == 0:
        note = "no comparison case was where these cases deviated (same stage and activity)"
        return (n_all, 0, mean_all, nan, nan, nan, nan, nan, nan, unmatched, note)
    cm = matched[ccode]
    ccode, cy, ccase = ccode[cm], cy[cm], ccase[cm]
    w = np.where(matched, n_s, 0.0)
    mean0_s = np.bincount(ccode, weights=cy, minlength=n_keys) / np.maximum(m_s, 1)
    y1 = float(dy[dm].mean())
    y0 = float(w @ mean0_s / n1)
    diff = y1 - y0
    cases_without = int(np.count_nonzero(np.bincount(ccase)))
    # variance of the standardised comparison mean, robust to a case being in several strata
    resid = cy - mean0_s[ccode]
    m_r = m_s[ccode]
    factor = np.sqrt(np.where(m_r > 1, m_r / np.maximum(m_r - 1, 1), 1.0))
    influence = np.bincount(ccase, weights=(w[ccode] / (n1 * m_r)) * resid * factor)
    var0 = float(np.sum(influence**2))
    dof = float(np.sum(np.maximum(m_s[matched] - 1, 0)))
    pooled = float(np.sum(resid**2) / dof) if dof > 0 else float(np.var(cy))
    single = matched & (m_s == 1)
    var0 += float(np.sum((w[single] / n1) ** 2)) * pooled
    impact = diff * n_all
    if n1 < min_cases:
        note = (
            f"only {n1} case{'s' if n1 != 1 else ''} with this deviation could be compared "
            f"(min_cases={min_cases}): too few for an interval or a p-value"
        )
        return (n_all, cases_without, mean_all, y0, diff, nan, nan, nan, impact, unmatched, note)
    alphas = np.append(_ALPHAS, 1 - ci)
    if binary:
        kish = n1**2 / float(np.sum(w[matched] ** 2 / m_s[matched]))
        n_eff = kish if var0 <= 0 or y0 in (0.0, 1.0) else min(kish, y0 * (1 - y0) / var0)
        lo1, hi1 = _wilson_z(y1, n1, alphas)
        lo0, hi0 = _wilson_z(y0, n_eff, alphas)
    else:
        lo1, hi1 = _mean_bootstrap_t(dy[dm], pooled, alphas, rng)
        from scipy import stats

        half = stats.norm.isf(alphas / 2) * np.sqrt(var0)
        lo0, hi0 = y0 - half, y0 + half
    lo = diff - np.sqrt((y1 - lo1) ** 2 + (hi0 - y0) ** 2)
    hi = diff + np.sqrt((hi1 - y1) ** 2 + (y0 - lo0) ** 2)
    excluded = (lo[:-1] > 0) | (hi[:-1] < 0)
    p = float(_ALPHAS[np.argmax(excluded)]) if excluded.any() else 1.0
    return (n_all, cases_without, mean_all, y0, diff, float(lo[-1]), float(hi[-1]), p, impact) + (
        unmatched,
        "",
    )


def _stratum_codes(dkey: np.ndarray, ckey: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes ``0..k-1`` of the strata (keys >= 0) used by either side, in key order.

    What ``np.unique(..., return_inverse=True)`` gives, by counting over the
    key range when it is not much wider than the rows (no sort).
    """
    both = np.concatenate([dkey, ckey])
    top = int(both.max()) + 1 if both.size else 0
    if top > 4 * both.size + (1 << 20):
        keys, inv = np.unique(both, return_inverse=True)
        inv = inv.reshape(-1)
        return inv[: dkey.size], inv[dkey.size :], int(keys.size)
    used = np.bincount(both, minlength=top) > 0
    rank = np.cumsum(used) - 1
    return rank[dkey], rank[ckey], int(used.sum())


def _wilson_z(p: float, n: float, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``p`` of ``n`` (``n`` may be an effective size)."""
    from scipy import stats

    z = stats.norm.isf(alphas / 2)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return centre - half, centre + half


def _mean_bootstrap_t(
    x: np.ndarray, pooled: float, alphas: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Studentized bootstrap interval of the mean of ``x`` at each level of ``alphas``.

    The standard error uses ``max(variance of x, pooled)``, ``pooled`` being
    the comparison cases' within-stratum variance, so that a handful of equal
    outcomes does not give a zero-width interval; the quantiles of the
    bootstrap t are widened to Student's t with n - 1 degrees of freedom
    where those are wider (a few cases never give a narrower interval than
    the t interval).
    """
    from scipy import stats

    n = x.size
    mean = float(x.mean())
    var = max(float(x.var(ddof=1)) if n > 1 else 0.0, pooled)
    se = np.sqrt(var / n)
    t_hi = stats.t.isf(alphas / 2, max(n - 1, 1))
    q_lo, q_hi = -t_hi, t_hi
    if 1 < n <= _BOOT_MAX and se > 0:
        tstar = np.empty(N_BOOT)
        chunk = max(1, 2_000_000 // n)
        for b in range(0, N_BOOT, chunk):  # a loop over blocks of resamples, not cases
            draw = x[rng.integers(0, n, size=(min(chunk, N_BOOT - b), n))]
            m = draw.mean(axis=1)
            v = np.maximum(draw.var(axis=1, ddof=1), pooled)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (m - mean) / np.sqrt(v / n)
            tstar[b : b + m.size] = np.clip(np.nan_to_num(t, nan=0.0), -1e12, 1e12)
        q_lo = np.minimum(q_lo, np.quantile(tstar, alphas / 2))
        q_hi = np.maximum(q_hi, np.quantile(tstar, 1 - alphas / 2))
    return mean - q_hi * se, mean - q_lo * se
