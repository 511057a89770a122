"""Deviation impact: how much each kind of deviation changes the outcome of a journey."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.conformance import KINDS
from journeymine.engine import Kernel, LogMeta, run, run_local
from journeymine.errors import ParameterError
from journeymine.log import factorize
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["deviation_impact"]

#: bootstrap resamples behind every interval and p-value
N_BOOT = 2000

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
]


def deviation_impact(
    log: Any,
    model: JourneyModel,
    *,
    outcome: str | pd.Series | None = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """How much each kind of deviation from the designed journey changes the outcome.

    For every (kind, stage) of deviation found by :func:`journeymine.check`,
    the cases that have it are compared with the cases that got as far in
    the journey and never have it, stage by stage, so that deviations
    which only late journeys can show do not look good just because those
    cases got further (survivorship bias).

    Parameters
    ----------
    log : JourneyLog or DaskJourneyLog
        The event log.
    model : JourneyModel
        The designed journey.
    outcome : str or pandas.Series, optional
        What a case achieved. None (default): whether the case converted,
        i.e. has an event of a purchase activity of the model
        (``model.purchase``), as 0/1. A column name: a numeric column of
        the log summed over the case's events (e.g. revenue; missing
        values count as 0). A Series: one number per case, indexed by
        case id; every case of the log needs a value.
    ci : float, default=0.95
        Confidence level of the intervals.
    seed : int, numpy.random.Generator or None, default=0
        Seed of the bootstrap; the same seed gives the same intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (kind, stage) of deviation, most harmful (lowest
        ``impact``) first:

        ``kind``, ``stage``
            As in ``check(log, model).deviations`` (``stage`` None for
            unknown activities).
        ``cases_with``
            Cases with at least one such deviation (int64).
        ``cases_without``
            Comparison cases: reached the earliest matched context stage
            without having had the deviation by then (int64).
        ``outcome_with``
            Mean outcome of the cases with the deviation.
        ``outcome_without``
            Mean outcome of the comparison cases, stage by stage, averaged
            with the weights of ``diff``.
        ``diff``
            Difference of mean outcomes (with minus without), within
            context stages, averaged with the number of cases with the
            deviation at each stage as weights.
        ``lo``, ``hi``
            Stratified bootstrap percentile interval of ``diff``.
        ``p_value``
            Two-sided bootstrap p-value of ``diff`` = 0.
        ``impact``
            ``diff * cases_with``: outcome gained (positive) or lost
            (negative) by the cases with the deviation.
        ``unmatched``
            Cases with the deviation at a context stage no comparison case
            reached; they count in ``outcome_with`` but not in ``diff``.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel; if ``outcome`` is None and the
        model has no purchase activities; if ``outcome`` names a column
        the log does not have or that is not numeric; if an outcome Series
        is not numeric, lacks some cases of the log or has case ids the log
        does not have; if ``ci`` is not in (0, 1).

    See Also
    --------
    check : The deviations themselves.

    Notes
    -----
    A deviation's *context stage* is the furthest stage (model order) the
    case reached before the deviation's event (the first stage if none); a
    case with several deviations of one (kind, stage) counts once, at its
    first. A case *reached* stage ``c`` when its furthest stage is ``c`` or
    later. For each context stage ``c``, the cases with the deviation there
    are compared with the cases that reached ``c`` without having had the
    deviation by then (never, or first at a later context stage); the
    differences of mean outcomes are averaged with the number of deviating
    cases at each ``c`` as weights.

    A case that deviates only later stays a comparison case for the earlier
    stages, as in a landmark analysis. Leaving out every case that ever
    deviates would leave out more of the long journeys, which have more
    chances to deviate, and bias ``diff`` upwards: by 3 points of
    conversion in a simulation where 30 % of the cases get a harmless
    deviation.

    The interval resamples cases with replacement within strata (the cases
    with the deviation by context stage, the others together), each stratum
    keeping its size, and recomputes ``diff`` on each of 2,000 resamples;
    ``lo`` and ``hi`` are percentiles of these, and ``p_value`` is twice the
    smaller share of resampled differences on either side of 0 (with the
    usual +1 correction), the p-value the percentile interval inverts. A
    stratum is resampled through the multinomial counts of its distinct
    (furthest stage, outcome) pairs, which has the distribution of drawing
    its cases and costs as much as its number of distinct pairs, not of
    cases. ``scipy.stats.bootstrap`` has no strata, hence this.

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
    >>> impact[["kind", "stage", "cases_with", "outcome_with", "diff", "lo", "hi", "impact"]]
                   kind stage  cases_with  outcome_with  diff   lo   hi  impact
    0  unknown_activity  None          20           0.0  -1.0 -1.0 -1.0   -20.0
    """
    func = "deviation_impact"
    v.check_model(model, func)
    ci = v.level_arg(ci, func)
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
    elif not isinstance(outcome, str):
        raise ParameterError(
            "The 'outcome' parameter of deviation_impact() must be None (conversion), a "
            f"column name or a Series indexed by case id. Got {type(outcome).__name__} instead."
        )
    v.seed_arg(seed, func)
    return run(covered(_Impact(model, outcome, ci, seed), model), log)


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


class _Impact(Kernel[tuple[pd.DataFrame, pd.DataFrame], pd.DataFrame]):
    name = "deviation_impact"

    def __init__(self, model: JourneyModel, outcome: Any, ci: float, seed: Any) -> None:
        self.model = model
        self.outcome = outcome
        self.ci = ci
        self.seed = seed

    def check(self, meta: LogMeta) -> None:
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

    def part(self, log: JourneyLog) -> tuple[pd.DataFrame, pd.DataFrame]:
        from journeymine.conformance import _Check

        y = case_outcomes(log, self.model, self.outcome, self.name)
        before, furthest = context_stages(log, self.model)
        cases = pd.DataFrame({"case": log.case_labels, "furthest": furthest, "y": y})
        report = run_local(_Check(self.model, "stages"), log)  # no coverage warning per part
        dev = report.deviations
        # deviations are sorted by case in log order: their case codes from the counts
        per_case = report.cases["deviations"].to_numpy(np.int64)
        code = np.repeat(np.arange(log.n_cases, dtype=np.int64), per_case)
        ev = log.case_offsets[code] + dev["position"].to_numpy(np.int64)
        stage = pd.Categorical(dev["stage"], categories=list(self.model.stages)).codes
        stage = stage.astype(np.int64)
        kind = dev["kind"].cat.codes.to_numpy(np.int64)
        # first deviation of each (kind, stage) per case
        n_st = np.int64(len(self.model.stages) + 1)
        key = (code * np.int64(len(KINDS)) + kind) * n_st + stage + 1
        _, first = np.unique(key, return_index=True)
        first.sort()
        devs = pd.DataFrame(
            {
                "row": code[first],  # the case's row in ``cases``
                "kind": kind[first],
                "stage": stage[first],
                "context": np.maximum(before[ev[first]], 0) if first.size else ev[first],
            }
        )
        return cases, devs

    def merge(
        self, a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        moved = b[1].assign(row=b[1]["row"].to_numpy() + len(a[0]))
        return (
            pd.concat([a[0], b[0]], ignore_index=True),
            pd.concat([a[1], moved], ignore_index=True),
        )

    def finish(self, merged: tuple[pd.DataFrame, pd.DataFrame], meta: LogMeta) -> pd.DataFrame:
        cases, devs = merged
        # cases in the order of one log (sorted ids), whatever the partitions were
        codes, _ = factorize(cases["case"])
        perm = np.argsort(codes, kind="stable")
        where = np.empty_like(perm)
        where[perm] = np.arange(perm.size)
        cases = cases.iloc[perm].reset_index(drop=True)
        if isinstance(self.outcome, pd.Series):
            y = series_outcomes(self.outcome, cases["case"], self.name)
        else:
            y = cases["y"].to_numpy(np.float64)
        furthest = cases["furthest"].to_numpy(np.int64)
        idx = where[devs["row"].to_numpy(np.int64)]
        kind_code = devs["kind"].to_numpy(np.int64)
        stage = devs["stage"].to_numpy(np.int64)
        context = devs["context"].to_numpy(np.int64)
        values, y_code = np.unique(y, return_inverse=True)
        rng = np.random.default_rng(self.seed)
        n_stages = len(self.model.stages)
        rows = []
        type_key = kind_code * np.int64(n_stages + 1) + stage + 1
        for t in np.unique(type_key):  # one pass per deviation type (a handful), not per case
            k, s = divmod(int(t), n_stages + 1)
            sel = type_key == t
            stats = _compare(
                y,
                values,
                y_code.reshape(-1),
                furthest,
                idx[sel],
                context[sel],
                n_stages,
                rng,
                self.ci,
            )
            rows.append((KINDS[k], self.model.stages[s - 1] if s else None, *stats))
        out = pd.DataFrame(rows, columns=_COLUMNS)
        out = out.astype({"cases_with": np.int64, "cases_without": np.int64, "unmatched": np.int64})
        for col in ("outcome_with", "outcome_without", "diff", "lo", "hi", "p_value", "impact"):
            out[col] = out[col].astype(np.float64)
        out["kind"] = pd.Series([r[0] for r in rows], dtype=object)
        out["stage"] = pd.Series([r[1] for r in rows], dtype=object)
        order = np.lexsort((np.arange(len(out)), out["impact"].fillna(np.inf).to_numpy()))
        return out.iloc[order].reset_index(drop=True)


def _compare(
    y: np.ndarray,
    values: np.ndarray,
    y_code: np.ndarray,
    furthest: np.ndarray,
    with_idx: np.ndarray,
    context: np.ndarray,
    n_stages: int,
    rng: np.random.Generator,
    ci: float,
) -> tuple[Any, ...]:
    """The row statistics of one deviation type (see :func:`deviation_impact`).

    Every case falls in a stratum (F, G): F = its furthest stage + 1 (0 = no
    known event), G = the context stage of its first deviation of this type
    (``n_stages`` = none). The cases with the deviation at stage c are those
    with G = c; the comparison cases at c those with F > c and G > c. All
    the counting goes through one bincount over (G, F, outcome value).
    """
    size = n_stages + 1
    n_y = values.size
    g = np.full(y.size, n_stages, dtype=np.int64)
    g[with_idx] = context
    cells = np.bincount(
        (g * size + furthest + 1) * n_y + y_code, minlength=size * size * n_y
    ).reshape(size, size, n_y)  # [G, F, value]
    count = cells.sum(axis=2).T.astype(np.float64)  # [F, G]
    total = (cells @ values).T  # [F, G]
    upper = np.triu(np.ones((size, size), dtype=bool), k=1)  # G > c, per (c, G)
    later = np.tril(np.ones((size, size), dtype=bool), k=-1)  # F > c, per (F, c)

    def comparison(block: np.ndarray) -> np.ndarray:
        # per stage c < n_stages: sum of block[F, G] over F > c and G > c
        f_gt = later.T.astype(np.float64) @ block  # [c, G]: F > c
        return (f_gt * upper)[:n_stages].sum(axis=-1)

    n_c = count[:, :n_stages].sum(axis=0)
    sum_c = total[:, :n_stages].sum(axis=0)
    m_c = comparison(count)
    s_c = comparison(total)
    matched = (n_c > 0) & (m_c > 0)
    unmatched = int(n_c[(n_c > 0) & ~matched].sum())
    y_with = y[with_idx]
    nan = float("nan")
    if not matched.any():
        return (with_idx.size, 0, float(y_with.mean()), nan, nan, nan, nan, nan, nan, unmatched)
    cs = np.flatnonzero(matched)
    w = n_c[cs]
    without_c = s_c[cs] / m_c[cs]
    diff = float(np.sum(w * (sum_c[cs] / n_c[cs] - without_c)) / w.sum())
    without = float(np.sum(w * without_c) / w.sum())
    c0 = int(cs.min())
    cases_without = int(count[c0 + 1 :, c0 + 1 :].sum())
    # stratified bootstrap: resample cases within each G stratum (the deviating cases by
    # context stage, the others together); F, and so comparison membership, is resampled too
    boot_n = np.zeros((N_BOOT, size, size))
    boot_s = np.zeros((N_BOOT, size, size))
    for stratum in np.flatnonzero(count.sum(axis=0)):  # at most stages + 1 strata
        n_draw, n_sum = _resampled_by_stage(cells[stratum], values, rng)
        boot_n[:, :, stratum] = n_draw
        boot_s[:, :, stratum] = n_sum
    boot_with = boot_s[:, :, cs].sum(axis=1)
    pick = (later[:, :n_stages], upper[:n_stages])
    m_boot = np.einsum("fc,bfg,cg->bc", pick[0], boot_n, pick[1])[:, cs]
    s_boot = np.einsum("fc,bfg,cg->bc", pick[0], boot_s, pick[1])[:, cs]
    with np.errstate(invalid="ignore", divide="ignore"):
        d_boot = (boot_with / n_c[cs] - s_boot / m_boot) @ w / w.sum()
    d_boot = d_boot[np.isfinite(d_boot)]  # resamples without a comparison case
    alpha = 1 - ci
    lo, hi = np.quantile(d_boot, [alpha / 2, 1 - alpha / 2])
    below = np.count_nonzero(d_boot <= 0)
    above = np.count_nonzero(d_boot >= 0)
    p = min(1.0, 2 * (min(below, above) + 1) / (d_boot.size + 1))
    return (
        with_idx.size,
        cases_without,
        float(y_with.mean()),
        without,
        diff,
        float(lo),
        float(hi),
        p,
        diff * with_idx.size,
        unmatched,
    )


def _resampled_by_stage(
    cells: np.ndarray, values: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``N_BOOT`` resamples (with replacement, same size) of the cases of one stratum.

    ``cells[F, v]`` counts the stratum's cases with furthest stage F - 1 and
    outcome ``values[v]``. Returns the resampled number of cases and sum of
    outcomes per F (``N_BOOT x stages + 1`` each). Drawing the multinomial
    counts of the (F, value) cells has the distribution of drawing the cases
    themselves, at a cost set by the number of cells.
    """
    f, v = np.nonzero(cells)
    counts = cells[f, v]
    n = counts.sum()
    draws = rng.multinomial(n, counts / n, size=N_BOOT)
    onehot = np.zeros((f.size, cells.shape[0]))
    onehot[np.arange(f.size), f] = 1.0
    return draws @ onehot, draws @ (onehot * values[v][:, None])
