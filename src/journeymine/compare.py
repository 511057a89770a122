"""Compare segments of customers: conversion, conformance, loops and durations, with intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine import filters as _f
from journeymine._stats import ADJUST_METHODS, adjust_p, two_proportion_p, wilson
from journeymine.engine import (
    Kernel,
    LogMeta,
    bind,
    case_groups,
    check_segment,
    inner_part,
    run,
)
from journeymine.errors import JourneymineWarning, ParameterError, once_per_call, user_stacklevel
from journeymine.log import JourneyLog
from journeymine.model import covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.model import JourneyModel

__all__ = ["compare"]

_LOOP_KINDS_ALWAYS = ("self_loop", "rework")
_LOOP_KINDS_MODEL = ("return", "repeat_purchase")
#: groups above this many cases get the exact (infinitely many resamples) bootstrap of the median
_EXACT_BOOTSTRAP_ABOVE = 20_000
_RESAMPLES = 999
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class _Part:
    """Per-case values of one partition (cases without a group left out)."""

    group: np.ndarray  # group of each case: an index into labels
    labels: list[Any]  # group labels
    flags: dict[str, np.ndarray]  # metric -> bool per case
    duration: np.ndarray  # int64 ns per case
    events: np.ndarray  # int64 per case
    varying: int  # cases whose segment value changes within the case
    example: tuple[Any, Any, Any] | None  # (case, first value, another value)
    n_cases: int


def _varying(log: JourneyLog, column: str) -> tuple[int, tuple[Any, Any, Any] | None]:
    """Cases whose ``column`` takes more than one value, and one example."""
    if log.n_events == 0:
        return 0, None
    codes, labels = log.codes(column)
    starts = log.case_offsets[:-1]
    lo = np.minimum.reduceat(codes, starts)
    hi = np.maximum.reduceat(codes, starts)
    varies = lo != hi
    n = int(varies.sum())
    if not n:
        return 0, None
    c = int(np.flatnonzero(varies)[0])
    seg = codes[log.case_offsets[c] : log.case_offsets[c + 1]]
    other = seg[seg != seg[0]][0]

    def label(code: int) -> Any:
        return labels[code] if code >= 0 else None

    return n, (log.case_labels[c], label(int(seg[0])), label(int(other)))


@dataclass(frozen=True)
class _Compare(Kernel[_Part, pd.DataFrame]):
    segment: Any
    model: JourneyModel | None
    outcome: tuple[Any, ...] | None
    ci: float = 0.95
    seed: Any = 0
    adjust: str = "holm"
    conformance: Any = None  # inner kernels, bound by check
    loops: Any = None

    name = "compare"

    def check(self, meta: LogMeta) -> _Compare:
        from journeymine.conformance import _Check
        from journeymine.loops import _FindLoops

        check_segment(self.segment, meta, "compare")
        conformance = None
        if self.model is not None:
            conformance = bind(_Check(self.model, "stages"), meta)
        loops = bind(_FindLoops("compare", self.model, None, None, None), meta)
        return replace(self, conformance=conformance, loops=loops)

    def metrics(self) -> list[str]:
        out = []
        if self.outcome is not None or self.model is not None:
            out.append("conversion")
        if self.model is not None:
            from journeymine.conformance import KINDS

            out += ["conformance"] + [f"{k}_rate" for k in KINDS]
            out += [f"{k}_rate" for k in _LOOP_KINDS_ALWAYS + _LOOP_KINDS_MODEL]
        else:
            out += [f"{k}_rate" for k in _LOOP_KINDS_ALWAYS]
        return out

    def part(self, log: JourneyLog) -> _Part:
        if isinstance(self.segment, str):  # the cached codes of the column, at first events
            ev_codes, ev_labels = log.codes(self.segment)
            codes = ev_codes[_f.case_firsts(log)]
            used = np.unique(codes[codes >= 0])  # labels of this partition's cases only
            remap = np.full(len(ev_labels) + 1, -1, dtype=np.int64)
            remap[used] = np.arange(used.size)
            codes = remap[codes]  # -1 stays -1 (the last slot)
            labels = list(ev_labels[used])
        else:
            codes, index = case_groups(log, self.segment)
            labels = list(index)
        has = codes >= 0
        varying, example = (
            _varying(log, self.segment) if isinstance(self.segment, str) else (0, None)
        )
        flags: dict[str, np.ndarray] = {}
        if self.outcome is not None or self.model is not None:
            acts = self.outcome if self.outcome is not None else self.model.purchase  # type: ignore[union-attr]
            flags["conversion"] = _f.per_case_any(log, _f.activity_in(log, acts))
        if self.model is not None and log.n_cases:
            from journeymine.conformance import KINDS

            cases = inner_part(self.conformance, log)["cases"]  # per case, in log order
            flags["conformance"] = cases["conforms"].to_numpy(dtype=bool)
            for kind in KINDS:
                flags[f"{kind}_rate"] = cases[kind].to_numpy() > 0
        kinds = _LOOP_KINDS_ALWAYS + (_LOOP_KINDS_MODEL if self.model is not None else ())
        if log.n_cases:
            loops = inner_part(self.loops, log)
            where = log.case_labels.get_indexer(pd.Index(loops["case"]))
            kind = loops["kind"].astype(str).to_numpy()
            for k in kinds:
                flag = np.zeros(log.n_cases, dtype=bool)
                flag[where[kind == k]] = True
                flags[f"{k}_rate"] = flag
        for m in self.metrics():
            flags.setdefault(m, np.zeros(log.n_cases, dtype=bool))
        firsts, lasts = _f.case_firsts(log), _f.case_lasts(log)
        return _Part(
            group=codes[has],
            labels=labels,
            flags={k: v[has] for k, v in flags.items()},
            duration=(log.time[lasts] - log.time[firsts])[has],
            events=log.case_sizes[has].astype(np.int64),
            varying=varying,
            example=example,
            n_cases=log.n_cases,
        )

    def merge(self, a: _Part, b: _Part) -> _Part:
        where = {label: i for i, label in enumerate(a.labels)}
        labels = list(a.labels)
        remap = np.empty(len(b.labels), dtype=np.int64)
        for j, label in enumerate(b.labels):  # a loop over groups, not cases
            if label not in where:
                where[label] = len(labels)
                labels.append(label)
            remap[j] = where[label]
        return _Part(
            group=np.concatenate([a.group, remap[b.group]]),
            labels=labels,
            flags={k: np.concatenate([a.flags[k], b.flags[k]]) for k in a.flags},
            duration=np.concatenate([a.duration, b.duration]),
            events=np.concatenate([a.events, b.events]),
            varying=a.varying + b.varying,
            example=a.example or b.example,
            n_cases=a.n_cases + b.n_cases,
        )

    def finish(self, merged: _Part, meta: LogMeta) -> pd.DataFrame:
        if merged.n_cases == 0:
            raise _f.no_cases_error("compare")
        if merged.varying:
            case, first, other = merged.example  # type: ignore[misc]
            warnings.warn(
                f"The 'segment' column {self.segment!r} of compare() changes within "
                f"{merged.varying:,} cases (e.g. case {case!r}: {first!r}, later {other!r}); each "
                "case is put in the group of its first event. To group cases otherwise, pass "
                "segment= a Series indexed by case id (e.g. built from log.case_table()), or "
                "select cases first with jm.filter_cases(log, where=...).",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        from journeymine.log import factorize

        order_codes, glabels = factorize(pd.Series(merged.labels, dtype=object))
        gcodes = order_codes[merged.group] if merged.group.size else merged.group
        n_groups = len(glabels)
        if n_groups == 0:
            raise ParameterError(
                f"The 'segment' parameter of compare() gives no case a group ({self.segment!r} "
                "is missing on every case's first event, or the Series lists none of the log's "
                "cases). Pass a column or Series with values for the cases."
            )
        rows = []
        sizes = np.bincount(gcodes, minlength=n_groups)
        rng = np.random.default_rng(self.seed)
        for metric in self.metrics():  # loops over groups and metrics, not cases
            flag = merged.flags[metric]
            hits = np.bincount(gcodes, weights=flag, minlength=n_groups).astype(np.int64)
            for g in range(n_groups):
                rows.append(
                    (glabels[g], metric, *_proportion(hits, sizes, g, self.ci, n_groups > 1), "")
                )
        for metric, values in (
            ("median_duration", merged.duration),
            ("median_events", merged.events),
        ):
            order = np.lexsort((values, gcodes))  # sorted within groups: order-free resampling
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            ordered = values[order]
            for g in range(n_groups):
                mine = ordered[bounds[g] : bounds[g + 1]]
                others = np.concatenate([ordered[: bounds[g]], ordered[bounds[g + 1] :]])
                value, lo, hi, diff, p = _median_row(mine, others, self.ci, rng)
                scale = _NS_PER_DAY if metric == "median_duration" else 1
                note = ""
                if lo == hi and mine.size > 1 and mine.min() != mine.max():
                    note = _TIED_NOTE
                rows.append(
                    (glabels[g], metric, int(sizes[g]), value / scale, lo / scale, hi / scale)
                    + (diff / scale, p, note)
                )
        out = pd.DataFrame(
            rows,
            columns=["group", "metric", "cases", "value", "lo", "hi", "diff", "p_value", "note"],
        )
        metric_order = {m: i for i, m in enumerate(self.metrics() + ["median_duration"])}
        metric_order["median_events"] = len(metric_order)
        out["_g"] = out["group"].map({label: i for i, label in enumerate(glabels)})
        out["_m"] = out["metric"].map(metric_order)
        out = out.sort_values(["_g", "_m"], kind="stable").drop(columns=["_g", "_m"])
        out["group"] = pd.Series(out["group"].tolist(), dtype=object).to_numpy()
        out["cases"] = out["cases"].astype(np.int64)
        for col in ("value", "lo", "hi", "diff", "p_value"):
            out[col] = out[col].astype(float)
        out = out.reset_index(drop=True)
        family = out["metric"].map(_family).to_numpy()
        adjusted = np.full(len(out), np.nan)
        for fam in np.unique(family):  # a handful of metric families
            sel = family == fam
            adjusted[sel] = adjust_p(out["p_value"].to_numpy()[sel], self.adjust)  # type: ignore[arg-type]
        out.insert(out.columns.get_loc("p_value") + 1, "p_adjusted", adjusted)
        out["note"] = out["note"].astype(object)
        return out


_TIED_NOTE = (
    "most resampled medians fall on this one value (many cases share it, e.g. whole "
    "numbers): the median is known only to the data's steps, not exactly"
)


def _family(metric: str) -> str:
    """The family of tests a metric's p-value is adjusted within (see compare)."""
    if metric == "conversion":
        return "conversion"
    if metric.startswith("median_"):
        return "medians"
    if metric in {f"{k}_rate" for k in _LOOP_KINDS_ALWAYS + _LOOP_KINDS_MODEL}:
        return "loops"
    return "conformance"  # conformance and the deviation kinds


def _proportion(
    hits: np.ndarray, sizes: np.ndarray, g: int, ci: float, others: bool
) -> tuple[int, float, float, float, float, float]:
    """cases, value, Wilson interval, difference to the other cases and its two-sided p-value."""

    k, n = int(hits[g]), int(sizes[g])
    value = k / n
    lo, hi = wilson(k, n, ci)
    k_o, n_o = int(hits.sum() - k), int(sizes.sum() - n)
    if not others or n_o == 0:
        return n, value, float(lo[0]), float(hi[0]), np.nan, np.nan
    return (
        n,
        value,
        float(lo[0]),
        float(hi[0]),
        value - k_o / n_o,
        two_proportion_p(k, n, k_o, n_o),
    )


def median_interval(values: np.ndarray, ci: float, rng: np.random.Generator) -> tuple[float, float]:
    """Bootstrap percentile interval of the median of ``values``.

    ``scipy.stats.bootstrap`` with 999 resamples, seeded by ``rng``; for
    more than 20,000 values the exact bootstrap distribution of the median
    (its limit for infinitely many resamples, from the binomial law of the
    number of resampled values at or below each value) is used instead.
    """
    from scipy import stats

    n = values.size
    if n == 0:
        return np.nan, np.nan
    if n == 1 or values.min() == values.max():
        return float(values[0]), float(values[0])
    if n <= _EXACT_BOOTSTRAP_ABOVE:
        res = stats.bootstrap(
            (values.astype(float),),
            np.median,
            confidence_level=ci,
            n_resamples=_RESAMPLES,
            method="percentile",
            vectorized=True,
            axis=-1,
            rng=rng,
        )
        return float(res.confidence_interval.low), float(res.confidence_interval.high)
    ordered = np.sort(values)
    distinct, last = np.unique(ordered, return_index=False, return_counts=True)
    at_or_below = np.cumsum(last)
    m = (n + 1) // 2  # the resampled median is the m-th smallest resampled value
    cdf = stats.binom.sf(m - 1, n, at_or_below / n)
    alpha = 1 - ci
    last_index = distinct.size - 1
    lo = distinct[min(int(np.searchsorted(cdf, alpha / 2)), last_index)]
    hi = distinct[min(int(np.searchsorted(cdf, 1 - alpha / 2)), last_index)]
    return float(lo), float(hi)


def _median_row(
    mine: np.ndarray, others: np.ndarray, ci: float, rng: np.random.Generator
) -> tuple[float, float, float, float, float]:
    from scipy import stats

    value = float(np.median(mine))
    lo, hi = median_interval(mine, ci, rng)
    if others.size == 0:
        return value, lo, hi, np.nan, np.nan
    diff = value - float(np.median(others))
    try:
        p = float(stats.median_test(mine, others).pvalue)
    except ValueError:  # every value on one side of the grand median
        p = 1.0
    return value, lo, hi, diff, p


@once_per_call
@v.validate_params(
    {
        "model": [v.Model(), None],
        "outcome": [v.Activities(), None],
        "ci": v.LEVEL,
        "seed": v.SEED,
        "adjust": [v.StrOptions(ADJUST_METHODS)],
    }
)
def compare(
    log: LogLike,
    segment: str | pd.Series,
    *,
    model: JourneyModel | None = None,
    outcome: Any = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    adjust: Literal["holm", "bh"] = "holm",
) -> pd.DataFrame:
    """Compare groups of cases on conversion, conformance, loops and durations.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    segment : str or pandas.Series
        A column of the log (a case's group is its value on the case's first
        event) or a Series indexed by case id. Cases without a group are left
        out.
    model : JourneyModel, optional
        The designed journey: gives the purchase activities (conversion),
        conformance and the deviation kinds.
    outcome : activity or list of activities, optional
        The activities that count as converting (instead of the model's
        purchase activities).
    ci : float, default=0.95
        Confidence level of the intervals.
    seed : int, numpy.random.Generator or None, default=0
        Randomness of the bootstrap.
    adjust : {"holm", "bh"}, default="holm"
        How ``p_adjusted`` accounts for the many tests of the table: Holm's
        adjustment (chance of any false positive within a family, whatever
        the dependence) or Benjamini–Hochberg (expected share of false
        positives among the flagged rows).

    Returns
    -------
    pandas.DataFrame
        One row per (group, metric), groups sorted, with the columns
        ``group, metric, cases, value, lo, hi, diff, p_value, p_adjusted,
        note``. ``diff`` is the group's value minus that of all other
        (grouped) cases, ``p_value`` the two-sided test of that difference
        and ``p_adjusted`` that p-value adjusted (``adjust``) over the rows
        of its *metric family*: conversion; conformance with the deviation
        kinds; the loop kinds; the two medians. Read ``p_adjusted`` when
        looking for the groups that differ: among 10 groups and 5 metrics
        some raw p-value is below 0.05 in most tables without any real
        difference. ``note`` says when a median's interval is a single
        value although the group's values differ (many tied values, e.g.
        whole numbers of events); it is empty otherwise. Metrics:

        ``conversion`` (with a model or ``outcome``)
            Share of cases with a purchase (outcome) activity.
        ``conformance`` (with a model)
            Share of cases without deviation.
        ``<kind>_rate``
            Share of cases with at least one deviation of that kind (with a
            model: ``unknown_activity``, ``wrong_start``, ``skipped_stage``,
            ``stage_regression``, ``forbidden_transition``) or loop of that
            kind (``self_loop``, ``rework``; with a model also ``return``
            and ``repeat_purchase``).
        ``median_duration``
            Median time from first to last event, **in days**.
        ``median_events``
            Median number of events.

        Proportions get Wilson score intervals
        (``scipy.stats.binomtest`` ``proportion_ci``; also at 0 %, e.g.
        a day without conversions) and the
        two-proportion z test (Fisher's exact test when an expected count
        is below 5); medians a seeded bootstrap percentile interval
        (``scipy.stats.bootstrap``, 999 resamples; its exact limit
        above 20,000 cases) and Mood's median test
        (``scipy.stats.median_test``).

    Raises
    ------
    ParameterError
        A segment that is not a column or a Series, ``ci`` outside (0, 1)
        or ``adjust`` not "holm" or "bh".
    LogError
        If the log has no cases.

    Warns
    -----
    JourneymineWarning
        When the segment column changes value within some cases: the
        message names one, and says each case is put in the group of its
        first event. When no event of the log has an ``outcome`` activity
        (a typo, or a day without conversions): conversion is then 0.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 3, 3, 4], "a": ["ad", "buy", "ad", "ad", "buy", "ad"],
    ...                    "t": pd.date_range("2025-01-01", periods=6, freq="D"),
    ...                    "ch": ["web", "web", "web", "app", "app", "app"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> table = jm.compare(log, "ch", outcome="buy")
    >>> table[table["metric"] == "conversion"][["group", "cases", "value", "diff"]]
      group  cases  value  diff
    0   app      2    0.5   0.0
    5   web      2    0.5   0.0
    """
    func = "compare"
    _f._check_log(log, func)
    acts = _f.activities_arg(outcome, "outcome", func)
    if acts is not None:
        try:
            _f.check_known_activities(log, acts, "outcome", func)
        except ParameterError as exc:  # a day without conversions is a result, not an error
            warnings.warn(
                f"{exc} They count as conversions but no case has them: conversion is 0.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
    return run(compare_kernel(segment, model, acts, float(ci), seed, adjust), log)


def compare_kernel(
    segment: Any,
    model: JourneyModel | None = None,
    outcome: tuple[Any, ...] | None = None,
    ci: float = 0.95,
    seed: Any = 0,
    adjust: str = "holm",
) -> Kernel[Any, pd.DataFrame]:
    """The kernel of :func:`compare` (``outcome`` as a tuple of activities), a Bundle member."""
    kernel = _Compare(segment, model, outcome, ci, seed, adjust)
    return kernel if model is None else covered(kernel, model)
