"""Stage visits: each maximal stay of a case in one stage, and Kaplan–Meier time in stage."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import known_moves, run_heads
from journeymine._tables import NAT, concat_by_case, datetimes, timedeltas
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import ParameterError
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.log import JourneyLog

__all__ = ["stage_visits"]


@v.validate_params({"model": [v.Model()], "open_window": [v.Duration(), None]})
def stage_visits(
    log: Any,
    model: JourneyModel,
    *,
    as_of: Any = None,
    open_window: Any = None,
) -> pd.DataFrame:
    """One row per stage visit: a maximal run of a case's consecutive known events in one stage.

    Parameters
    ----------
    log : JourneyLog or LogLike
        The event log.
    model : JourneyModel
        The designed journey: its stages in order and the stage of each
        activity. Events of activities it does not know are skipped: they
        neither end a visit nor start one.
    as_of : timestamp or str, optional
        When the data was extracted (naive times are taken as UTC); not
        before the log's last event. With it, only the last visit of a case
        active within ``open_window`` before ``as_of`` is open.
    open_window : timedelta or str, optional
        With ``as_of``: how recent a case's last event must be for the case
        to still be under way (default 30 days).

    Returns
    -------
    pandas.DataFrame
        One row per visit, sorted by case (in log order) and time:

        ``case``
            The case id.
        ``stage``
            The stage (categorical, ordered as in the model).
        ``visit``
            0-based number of the visit among the case's visits to that
            stage (int64).
        ``enter``
            Time of the visit's first event.
        ``leave``
            Time of the next known event after the visit (in another
            stage); NaT for the case's last visit.
        ``duration``
            ``leave - enter``. For the last visit of a case: if it is open,
            the time so far (to ``as_of``, or without it to the log's last
            event), a lower bound of the true time in stage; if it is not
            open (the case went quiet), up to the case's last event.
        ``open``
            The case has not left the stage yet: the last visit of a case,
            and with ``as_of`` only when the case's last event is within
            ``open_window`` before ``as_of``.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel, ``as_of`` is not a time or is
        before the log's last event, or ``open_window`` is not a
        non-negative duration or is given without ``as_of``.

    See Also
    --------
    stage_durations : Time in stage per stage, with Kaplan–Meier medians.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> model = jm.JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ...     loops=[("Consideration", "Awareness")],
    ... )
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "a", "a"],
    ...     "touchpoint": ["ad", "view", "ad", "view", "buy"],
    ...     "ts": ["2025-01-01", "2025-01-02", "2025-01-04", "2025-01-05", "2025-01-09"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> jm.stage_visits(log, model)[["stage", "visit", "enter", "duration", "open"]]
               stage  visit      enter duration   open
    0      Awareness      0 2025-01-01   1 days  False
    1  Consideration      0 2025-01-02   2 days  False
    2      Awareness      1 2025-01-04   1 days  False
    3  Consideration      1 2025-01-05   4 days  False
    4       Purchase      0 2025-01-09   0 days   True
    """
    func = "stage_visits"
    if open_window is not None and as_of is None:
        raise ParameterError(
            "The 'open_window' parameter of stage_visits() needs as_of=, the time the data "
            "was extracted, e.g. stage_visits(log, model, as_of='2026-01-01', "
            "open_window='30D')."
        )
    window = v.window_ns(open_window, func)
    return run(covered(_Visits(model, as_of, window), model), log)


def visit_arrays(log: JourneyLog, model: JourneyModel) -> dict[str, np.ndarray]:
    """The visits of an in-memory log as parallel arrays, in log order.

    Keys: ``case`` (code), ``stage`` (index), ``visit``, ``first`` (index
    of the visit's first event), ``enter`` and ``leave`` (int64 ns,
    ``leave`` = int64 min when none), ``last`` (the case's last event time,
    any activity) and ``is_last`` (the case's last visit).
    """
    m = known_moves(log.case_codes, model.event_stages(log))
    known = m.known
    heads = run_heads(m)  # a visit is a run of one stage among the case's known events
    case, stage = m.case_of[heads], m.value[heads]
    enter = log.time[known[heads]]
    is_last = np.ones(heads.size, dtype=bool)
    is_last[:-1] = case[1:] != case[:-1]
    leave = np.full(heads.size, NAT, dtype=np.int64)
    leave_idx = np.flatnonzero(~is_last)
    leave[leave_idx] = log.time[known[heads[leave_idx + 1]]]
    # visit number within (case, stage): rank among runs of that pair
    n_stages = np.int64(max(len(model.stages), 1))
    key = case * n_stages + stage
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    group_start = np.ones(order.size, dtype=bool)
    group_start[1:] = sorted_key[1:] != sorted_key[:-1]
    first_pos = np.maximum.accumulate(np.where(group_start, np.arange(order.size), 0))
    visit = np.empty(order.size, dtype=np.int64)
    visit[order] = np.arange(order.size) - first_pos
    last = log.time[log.case_offsets[1:] - 1] if log.n_cases else np.empty(0, dtype=np.int64)
    return {
        "case": case,
        "stage": stage,
        "visit": visit,
        "first": known[heads],
        "enter": enter,
        "leave": leave,
        "last": last[case] if case.size else np.empty(0, dtype=np.int64),
        "is_last": is_last,
    }


def close_visits(
    v: dict[str, np.ndarray], as_of_ns: int | None, window_ns: int, end_ns: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(duration ns, open)`` of each visit (see :func:`stage_visits`)."""
    is_open = v["is_last"].copy()
    if as_of_ns is not None:
        is_open &= v["last"] >= as_of_ns - window_ns
    until = np.where(is_open, as_of_ns if as_of_ns is not None else end_ns, v["last"])
    duration = np.where(v["is_last"], until, v["leave"]) - v["enter"]
    return duration, is_open


@dataclass(frozen=True)
class _Visits(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "stage_visits"

    model: JourneyModel
    as_of: Any
    window: int

    def check(self, meta: LogMeta) -> _Visits:
        if self.as_of is not None:
            v.as_of_ns(self.as_of, meta, self.name)
        return self

    def part(self, log: JourneyLog) -> pd.DataFrame:
        arr = visit_arrays(log, self.model)
        return pd.DataFrame(
            {
                "case": log.case_labels.take(arr["case"]),
                "stage": arr["stage"],
                "visit": arr["visit"],
                "enter": arr["enter"],
                "leave": arr["leave"],
                "_last": arr["last"],
                "_is_last": arr["is_last"],
            }
        )

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        t = concat_by_case([merged])
        as_of_ns = None if self.as_of is None else v.as_of_ns(self.as_of, meta, self.name)
        arr = {
            "enter": t["enter"].to_numpy(np.int64),
            "leave": t["leave"].to_numpy(np.int64),
            "last": t["_last"].to_numpy(np.int64),
            "is_last": t["_is_last"].to_numpy(bool),
        }
        duration, is_open = close_visits(arr, as_of_ns, self.window, meta.time_max or 0)
        stage_dtype = pd.CategoricalDtype(list(self.model.stages), ordered=True)
        return pd.DataFrame(
            {
                "case": t["case"].to_numpy(),
                "stage": pd.Categorical.from_codes(
                    t["stage"].to_numpy(np.int64), dtype=stage_dtype
                ),
                "visit": t["visit"].to_numpy(np.int64),
                "enter": datetimes(meta.tz_aware, arr["enter"]),
                "leave": datetimes(meta.tz_aware, arr["leave"]),
                "duration": timedeltas(duration),
                "open": is_open,
            }
        )


# -- Kaplan–Meier summary -------------------------------------------------------------
def km_summary(
    duration: np.ndarray,
    is_open: np.ndarray,
    stage: np.ndarray,
    stages: Any,
    ci: float = 0.95,
    case: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per stage: visits, open, Kaplan–Meier median with its interval, and p90.

    ``duration`` is int64 ns, ``is_open`` marks right-censored visits. The
    survival curve is ``scipy.stats.ecdf`` on ``CensoredData``. Without
    ``case``, the median's interval is where the pointwise confidence band
    of the survival function (log-log method) crosses one half, which
    assumes independent visits. With ``case`` (a code per visit, the same
    for the visits of one case), it is a case (cluster) bootstrap
    percentile interval: :func:`cluster_median_interval`. Quantiles the
    curve never reaches (too many open visits) are NaT.
    """
    rows = []
    for s, name in enumerate(stages):  # a loop over stages, not cases
        sel = stage == s
        d, o = duration[sel], is_open[sel]
        q = _km_quantiles(d, o, ci)
        if case is not None and d.size and not o.all():
            rng = np.random.default_rng(s)  # seeded per stage: the same table every run
            lo, hi = cluster_median_interval(d, o, case[sel], ci, rng)
            q = (q[0], lo, hi, q[3])
        rows.append((name, int(sel.sum()), int(o.sum()), *q))
    out = pd.DataFrame(
        rows, columns=["stage", "visits", "open", "median", "median_lo", "median_hi", "p90"]
    )
    for col in ("median", "median_lo", "median_hi", "p90"):
        out[col] = pd.to_timedelta(out[col].astype("float64"), unit="ns").astype("timedelta64[ns]")
    out["stage"] = pd.Categorical(out["stage"], categories=list(stages), ordered=True)
    out["visits"] = out["visits"].astype(np.int64)
    out["open"] = out["open"].astype(np.int64)
    return out


#: case-bootstrap resamples behind a median's interval, and the most distinct times used
CLUSTER_RESAMPLES = 400
_TIME_GRID = 1024


def cluster_median_interval(
    duration: np.ndarray,
    is_open: np.ndarray,
    case: np.ndarray,
    ci: float,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Percentile interval of the Kaplan–Meier median from resampling *cases*, not visits.

    A case's visits stay together in a resample (each case is drawn with
    its multinomial count, its visits weighted by it), so an interval stays
    valid when cases visit a stage many times and differ from each other.
    The weighted survival curves are computed on the distinct times (on
    1,024 quantiles of the times when there are more; the interval's ends
    are then rounded up to that grid). Returns NaN for an end the resampled
    curves do not reach.

    Cases whose visits fall on the same grid times (and are open alike) are
    interchangeable in a resample, so the work is per such *pattern*, not
    per case: a resample draws the patterns' counts from one multinomial
    (``n_cases`` draws, each pattern with its share of the cases), which is
    the same distribution as drawing every case.
    """
    from scipy import sparse

    d = duration.astype(np.float64)
    times = np.unique(d)
    if times.size > _TIME_GRID:
        times = np.unique(np.quantile(d, np.linspace(0, 1, _TIME_GRID + 1)))
    col = np.searchsorted(times, d)  # rounded up to the grid
    _, codes = np.unique(case, return_inverse=True)
    codes = codes.reshape(-1)
    n_cases = int(codes.max()) + 1
    pattern, sizes = _case_patterns(codes, col * 2 + is_open, n_cases, 2 * times.size)
    # patterns shared by several cases first, then the cases alone in their pattern
    by_kind = np.argsort(sizes == 1, kind="stable")
    rank = np.empty_like(by_kind)
    rank[by_kind] = np.arange(by_kind.size)
    pattern, sizes = rank[pattern], sizes[by_kind]
    n_pat = sizes.size
    n_shared = int((sizes > 1).sum())
    first = np.full(n_pat, -1, dtype=np.int64)  # one case standing for each pattern
    first[pattern[::-1]] = np.arange(n_cases - 1, -1, -1, dtype=np.int64)
    is_first = np.zeros(n_cases, dtype=bool)
    is_first[first] = True
    keep = is_first[codes]
    row, kept_col = pattern[codes[keep]], col[keep]
    shape = (n_pat, times.size)
    ended = sparse.csr_matrix(((~is_open[keep]).astype(np.float64), (row, kept_col)), shape=shape)
    left = sparse.csr_matrix((np.ones(row.size), (row, kept_col)), shape=shape)
    # a resample's counts: one multinomial over the shared patterns and "alone", whose
    # draws then fall uniformly on the cases alone (the same as drawing every case)
    share = np.append(sizes[:n_shared], n_pat - n_shared) / n_cases
    n_alone = n_pat - n_shared
    medians = np.empty(CLUSTER_RESAMPLES)
    chunk = max(1, 2_000_000 // max(n_pat, times.size))
    for b in range(0, CLUSTER_RESAMPLES, chunk):  # blocks of resamples
        m = min(chunk, CLUSTER_RESAMPLES - b)
        counts = rng.multinomial(n_cases, share, size=m)
        weights = np.empty((m, n_pat), dtype=np.float64)  # resample x pattern
        weights[:, :n_shared] = counts[:, :n_shared]
        if n_alone:
            to_alone = counts[:, n_shared]
            draws = rng.integers(0, n_alone, size=int(to_alone.sum()))
            draws += np.repeat(np.arange(m, dtype=np.int64) * n_alone, to_alone)
            weights[:, n_shared:] = np.bincount(draws, minlength=m * n_alone).reshape(m, n_alone)
        dead = np.asarray(ended.T @ weights.T).T  # resample x time
        out = np.asarray(left.T @ weights.T).T
        at_risk = np.cumsum(out[:, ::-1], axis=1)[:, ::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(at_risk > 0, 1 - dead / at_risk, 1.0)
        surv = np.cumprod(factor, axis=1)
        below = surv <= 0.5 + 1e-12
        reached = below.any(axis=1)
        medians[b : b + m] = np.where(reached, times[np.argmax(below, axis=1)], np.inf)
    alpha = 1 - ci
    lo, hi = np.quantile(medians, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    return (float(lo) if np.isfinite(lo) else float("nan")), (
        float(hi) if np.isfinite(hi) else float("nan")
    )


def _case_patterns(
    codes: np.ndarray, cell: np.ndarray, n_cases: int, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """The pattern of each case (its visits' cells as a multiset) and each pattern's cases.

    ``codes`` is the case (``0..n_cases-1``) of each visit and ``cell`` its
    grid cell (``0..n_cells-1``). Returns ``(pattern per case, cases per
    pattern)``; two cases share a pattern exactly when their cells are equal
    as multisets. A case with more visits than fit in one int64 key keeps a
    pattern of its own.
    """
    base = n_cells + 1
    fits = max(1, int(62 // np.log2(base)))  # visits whose cells fit in one int64 key
    order = np.lexsort((cell, codes))
    c, x = codes[order], cell[order]
    counts = np.bincount(c, minlength=n_cases)
    starts = np.cumsum(counts) - counts
    pos = np.arange(c.size, dtype=np.int64) - starts[c]
    power = base ** np.minimum(pos, fits - 1)
    digits = np.where(pos < fits, (x.astype(np.int64) + 1) * power, 0)
    key = np.zeros(n_cases, dtype=np.int64)
    present = counts > 0  # a case's visits are contiguous: sum them in one pass
    key[present] = np.add.reduceat(digits, starts[present])
    long = counts > fits
    key[long] = -1 - np.flatnonzero(long)  # a pattern of its own
    _, pattern, sizes = np.unique(key, return_inverse=True, return_counts=True)
    return pattern.reshape(-1).astype(np.int64), sizes


def _km_quantiles(d: np.ndarray, o: np.ndarray, ci: float) -> tuple[float, float, float, float]:
    """Median, its interval and the 90th percentile of a censored sample (ns, NaN if none)."""
    from scipy import stats

    nan = float("nan")
    if d.size == 0 or o.all():
        return nan, nan, nan, nan
    data = stats.CensoredData(uncensored=d[~o].astype(np.float64), right=d[o].astype(np.float64))
    res = stats.ecdf(data)
    times = res.sf.quantiles
    sf = res.sf.probabilities
    with warnings.catch_warnings():  # the log-log band is undefined where sf is 0 or 1
        warnings.simplefilter("ignore", RuntimeWarning)
        band = res.sf.confidence_interval(confidence_level=ci, method="log-log")
    lo_sf = np.where(np.isnan(band.low.probabilities), sf, band.low.probabilities)
    hi_sf = np.where(np.isnan(band.high.probabilities), sf, band.high.probabilities)

    def first_below(curve: np.ndarray, level: float) -> float:
        hit = np.flatnonzero(curve <= level + 1e-12)
        return float(times[hit[0]]) if hit.size else nan

    return (
        first_below(sf, 0.5),
        first_below(lo_sf, 0.5),
        first_below(hi_sf, 0.5),
        first_below(sf, 0.1),
    )


# -- stage flow: visits and moves between stages, for plot_stage_flow --------------------
_FlowPart = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _StageFlow(Kernel[_FlowPart, tuple[pd.DataFrame, pd.DataFrame]]):
    """stage_flow_table: visits, starts and ends per stage and moves per stage pair (counts)."""

    name = "stage_flow_table"

    model: JourneyModel

    def check(self, meta: LogMeta) -> _StageFlow:
        v.check_model(self.model, self.name)
        return self

    def part(self, log: JourneyLog) -> _FlowPart:
        k = len(self.model.stages)
        m = known_moves(log.case_codes, self.model.event_stages(log))
        stage = m.value
        across = m.src != m.dst  # a move from one visit to the next
        pair = m.src[across] * k + m.dst[across]
        return (
            np.bincount(stage[run_heads(m)], minlength=k),
            np.bincount(stage[m.first], minlength=k),
            np.bincount(stage[m.last], minlength=k),
            np.bincount(pair, minlength=k * k),
        )

    def merge(self, a: _FlowPart, b: _FlowPart) -> _FlowPart:
        return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]

    def finish(self, merged: _FlowPart, meta: LogMeta) -> tuple[pd.DataFrame, pd.DataFrame]:
        stages = list(self.model.stages)
        k = len(stages)
        visits, starts, ends, moves = merged
        table = pd.DataFrame(
            {
                "stage": stages,
                "visits": visits.astype(np.int64),
                "starts": starts.astype(np.int64),
                "ends": ends.astype(np.int64),
            }
        )
        counts = moves.astype(np.int64).reshape(k, k)
        src, dst = np.nonzero(counts)
        flows = pd.DataFrame(
            {
                "source": [stages[i] for i in src],
                "target": [stages[j] for j in dst],
                "moves": counts[src, dst],
            }
        )
        flows = flows.sort_values("moves", ascending=False, kind="stable").reset_index(drop=True)
        return table, flows


def stage_flow_table(log: LogLike, model: JourneyModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage visits and moves of a log: ``(stages, flows)``, on any engine.

    A visit is a maximal run of consecutive known events of one case in one
    stage (events of activities the model does not know are skipped).
    ``stages``: one row per model stage, ``stage, visits, starts, ends``
    (visits that open or close a case). ``flows``: ``source, target, moves``
    for every pair of consecutive visits of a case, most moves first.
    :func:`journeymine.plot_stage_flow` draws it.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.visits import stage_flow_table
    >>> table, flows = stage_flow_table(jm.datasets.load_shop(), jm.datasets.shop_model())
    >>> table.columns.tolist(), flows.columns.tolist()
    (['stage', 'visits', 'starts', 'ends'], ['source', 'target', 'moves'])
    """
    return run(_StageFlow(model), log)
