"""Retention and repeat purchase: cohort tables, time to return and repurchase, open journeys open.

Every function here takes ``as_of``, the moment the data was extracted
(default: the log's last event). What happens after it does not exist yet:
a cohort cell that not all of its cases could have lived through is NaN,
never 0, and a customer without a return so far is censored, not lost.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._stats import wilson
from journeymine.engine import Kernel, LogMeta, case_groups, check_segment, run
from journeymine.errors import JourneymineWarning, ParameterError, user_stacklevel

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["repurchase", "retention", "time_to_return"]

_MIN = np.iinfo(np.int64).min
_MAX = np.iinfo(np.int64).max
_LIMIT = 2**62  # period × periods must stay well inside int64 nanoseconds (146 years)


# -- shared steps (vectorised over events; no loop over cases) ---------------------------
def _mask(log: JourneyLog, acts: tuple[Any, ...] | None) -> np.ndarray:
    """Events whose activity is one of ``acts`` (every event when ``acts`` is None)."""
    if acts is None:
        return np.ones(log.n_events, dtype=bool)
    wanted = set(acts)
    table = np.array([a in wanted for a in log.activity_labels], dtype=bool)  # per label
    return table[log.activity_codes] if table.size else np.zeros(0, dtype=bool)


def _firsts(sorted_codes: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each value in a non-decreasing array."""
    if sorted_codes.size == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])


def _starts(
    log: JourneyLog, start: tuple[Any, ...] | None, as_of_ns: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cases that start by ``as_of``, their start event, and how many live cases do not start.

    A case's start is its first event (in log order) among ``start`` at or
    before ``as_of``. A case with no event at or before ``as_of`` does not
    exist yet and is not counted at all.
    """
    alive = log.time <= as_of_ns
    hit = np.flatnonzero(alive & _mask(log, start))
    first = hit[_firsts(log.case_codes[hit])]
    live = log.case_codes[alive]
    n_live = _firsts(live).size
    return log.case_codes[first], first, n_live - first.size


def _returns(
    log: JourneyLog,
    back: tuple[Any, ...] | None,
    cases: np.ndarray,
    t0: np.ndarray,
    as_of_ns: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Returns: ``(row, lag)`` of every ``back`` event strictly after its case's start, by ``as_of``.

    ``row`` indexes ``cases``; events stay in log order (by case, then time).
    """
    t0_of = np.full(log.n_cases, _MAX, dtype=np.int64)
    row_of = np.full(log.n_cases, -1, dtype=np.int64)
    t0_of[cases] = t0
    row_of[cases] = np.arange(cases.size, dtype=np.int64)
    ev = np.flatnonzero((log.time <= as_of_ns) & _mask(log, back))
    code = log.case_codes[ev]
    ok = log.time[ev] > t0_of[code]  # cases without a start have t0 = int64 max
    ev, code = ev[ok], code[ok]
    return row_of[code], log.time[ev] - t0_of[code]


def _values_at(log: JourneyLog, column: Any, events: np.ndarray, cases: np.ndarray) -> np.ndarray:
    """A grouping per case as objects: a column's value at ``events``, or a Series by case id."""
    if isinstance(column, pd.Series):
        return column.reindex(log.case_labels.take(cases)).to_numpy(dtype=object)
    return np.asarray(log.column(column)[events], dtype=object)


def _sorted_order(*columns: Any) -> np.ndarray:
    """Row order sorting by the given columns (by their text when values cannot be compared)."""
    rows = list(zip(*columns, strict=True))
    idx = list(range(len(rows)))
    try:
        idx.sort(key=lambda i: rows[i])
    except TypeError:
        idx.sort(key=lambda i: tuple(str(x) for x in rows[i]))
    return np.asarray(idx, dtype=np.int64)


def _as_of(as_of: Any, meta: LogMeta, func: str) -> int:
    """``as_of`` as int64 UTC ns; default the log's last event (int64 min for an empty log)."""
    ns = v.time_ns(as_of, "as_of", func)
    if ns is None:
        return meta.time_max if meta.time_max is not None else _MIN
    return ns


def _check_by(by: Any, meta: LogMeta, func: str) -> None:
    """``by``: None, a column of the log or a Series indexed by case id."""
    if by is None:
        return
    try:
        check_segment(by, meta, func)
    except ParameterError as exc:
        raise ParameterError(str(exc).replace("'segment'", "'by'")) from None


# -- retention ----------------------------------------------------------------------------
@v.validate_params(
    {
        "start": [v.Activities(), None],
        "back": [v.Activities(), None],
        "period": [v.Duration(positive=True)],
        "periods": [v.Interval(int, 1, None)],
        "mode": [v.StrOptions(("n_day", "unbounded"))],
        "ci": v.LEVEL,
    }
)
def retention(
    log: Any,
    *,
    start: Any = None,
    back: Any = None,
    period: str | pd.Timedelta = "7D",
    periods: int = 12,
    cohort: str = "M",
    mode: Literal["n_day", "unbounded"] = "n_day",
    as_of: Any = None,
    segment: str | pd.Series | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Cohort retention: of the cases that started in each cohort, the share that came back.

    Parameters
    ----------
    log : JourneyLog
        The event log, in memory or on Dask (:func:`~journeymine.from_dask`);
        the result is the same.
    start : activity or list of activities, optional
        A case's clock starts at its first event among these (its time is
        ``t0``); default: the case's first event. Cases with no start event
        by ``as_of`` are left out and counted in ``attrs["no_start"]``.
    back : activity or list of activities, optional
        The events that count as a return (default: any activity). A
        return is a ``back`` event strictly later than ``t0``.
    period : str or pandas.Timedelta, default="7D"
        The length of a period: a return at time ``t`` falls in period
        ``k = floor((t - t0) / period)``.
    periods : int, default=12
        Periods ``0 … periods - 1`` are reported.
    cohort : str, default="M"
        A pandas period frequency applied to ``t0`` (``"M"``, ``"W"``,
        ``"D"``, ``"Q"``; times in UTC), or the name of a column of the log
        (a case's cohort is its value on the start event; cases where it is
        missing are left out and counted in ``attrs["no_cohort"]``). A
        column of that name wins over a frequency.
    mode : {"n_day", "unbounded"}, default="n_day"
        ``"n_day"``: a case is retained in period ``k`` when it has a
        return in period ``k``. ``"unbounded"``: when it has a return in
        period ``k`` or later (up to ``as_of``).
    as_of : timestamp or str, optional
        When the data was extracted (naive times are taken as UTC); default
        the log's last event. It may be earlier than the last event: events
        after it do not exist, so a case starting after it is in no cohort
        and later returns are not counted.
    segment : str or pandas.Series, optional
        Group the cases: a column (a case's segment is its value on its
        first event) or a Series indexed by case id. The table then has a
        leading ``segment`` column and cohorts within each segment; cases
        without a segment are left out (``attrs["no_segment"]``).
    ci : float, default=0.95
        Confidence level of ``lo`` and ``hi``.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (per segment and cohort with ``segment``) and
        period, sorted by (segment,) cohort and period:

        ``segment``
            Only with ``segment=``.
        ``cohort``
            The cohort: a ``pandas.Period`` for a frequency, else the
            column's value.
        ``period``
            ``k``, from 0 to ``periods - 1`` (int64).
        ``cases``
            Cases in the cohort (int64).
        ``retained``
            Cases retained in the period (float64: NaN when the cell is not
            observable, see Notes).
        ``rate``
            ``retained / cases``; NaN when not observable.
        ``lo``, ``hi``
            Wilson score interval of ``rate``: scipy's
            (``scipy.stats.binomtest(retained, cases).proportion_ci(method="wilson")``),
            computed for all cells at once with the same arithmetic.

        ``attrs`` holds ``no_start``, ``no_cohort``, ``no_segment`` (cases
        left out), ``period`` (a Timedelta), ``mode`` and ``as_of`` (a
        Timestamp, or None for an empty log).

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog, ``period`` is not a positive
        duration, ``periods`` not a positive int, ``cohort`` neither a
        column nor a period frequency, ``mode`` unknown, ``as_of`` not a
        time, ``segment`` not a column or Series, or ``ci`` not in (0, 1).

    Warns
    -----
    JourneymineWarning
        When the log has cases but none has a start event.

    See Also
    --------
    time_to_return : When customers come back, with open journeys censored.
    repurchase : Repeat buyers and the time between purchases.
    journeymine.plot_retention : The cohort triangle and the curves.

    Notes
    -----
    A cell ``(cohort, k)`` is observable when every case of the cohort has
    lived through period ``k`` by ``as_of``: ``t0 + (k + 1) × period <=
    as_of`` for its latest ``t0``. Otherwise the customers of the cohort
    still had time to come back in period ``k``, so counting them as not
    retained would call the newest cohorts lost; the cell is NaN (the row
    stays, with ``cases``). The cohort table is therefore a triangle.

    In ``"n_day"`` mode a cell counts the cases active in that very period;
    in ``"unbounded"`` mode the cases active in it or any later period by
    ``as_of``, so rates never rise with ``k``.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "event": ["buy", "visit", "buy", "buy", "visit", "buy"],
    ...     "ts": pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-09",
    ...                           "2025-01-02", "2025-01-12", "2025-02-01"]),
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="event", timestamp="ts")
    >>> jm.retention(log, start="buy", period="7D", periods=3, cohort="M")
        cohort  period  cases  retained  rate        lo        hi
    0  2025-01       0      2       1.0   0.5  0.094531  0.905469
    1  2025-01       1      2       2.0   1.0  0.342380  1.000000
    2  2025-01       2      2       0.0   0.0  0.000000  0.657620
    3  2025-02       0      1       NaN   NaN       NaN       NaN
    4  2025-02       1      1       NaN   NaN       NaN       NaN
    5  2025-02       2      1       NaN   NaN       NaN       NaN

    The February cohort has not had a week yet on 1 February: its cells are
    blank, not zero. In ``"unbounded"`` mode a later return counts in every
    period before it:

    >>> jm.retention(log, start="buy", period="7D", periods=3,
    ...              mode="unbounded")["retained"].tolist()[:3]
    [2.0, 2.0, 0.0]

    On the bundled shop data, the first purchase starts the clock and a
    later purchase is a return:

    >>> shop = jm.datasets.load_shop()
    >>> table = jm.retention(shop, start="Place order", back="Place order",
    ...                      period="30D", periods=6, cohort="Q")
    >>> table.head(3)[["cohort", "period", "cases", "retained"]]
       cohort  period  cases  retained
    0  2025Q1       0    412      21.0
    1  2025Q1       1    412      48.0
    2  2025Q1       2    412      33.0
    """
    kernel = _Retention(
        start=start,
        back=back,
        period=period,
        periods=periods,
        cohort=cohort,
        mode=mode,
        as_of=as_of,
        segment=segment,
        ci=ci,
    )
    return run(kernel, log)


@dataclass(frozen=True, eq=False)
class _Retention(Kernel[tuple[pd.DataFrame, np.ndarray], pd.DataFrame]):
    """retention(): per (segment, cohort) counts of cases, latest t0 and retained per period.

    The partial result is a small frame, one row per (segment, cohort) seen
    in the piece: ``cases``, ``max_t0`` (for the ``as_of`` rule) and
    ``r0 … r{periods-1}`` (retained counts), plus the counts of cases left
    out. Pieces with disjoint cases merge by summing counts and taking the
    larger ``max_t0`` per key.
    """

    start: Any = None
    back: Any = None
    period: Any = "7D"
    periods: Any = 12
    cohort: Any = "M"
    mode: Any = "n_day"
    as_of: Any = None
    segment: Any = None
    ci: Any = 0.95
    name: str = "retention"
    # derived in check()
    start_acts: tuple[Any, ...] | None = None
    back_acts: tuple[Any, ...] | None = None
    period_ns: int = 0
    freq: str | None = None
    as_of_ns: int = 0

    def check(self, meta: LogMeta) -> _Retention:
        func = self.name
        start_acts = v.activity_list(self.start, "start", func)
        back_acts = v.activity_list(self.back, "back", func)
        period_ns = v.duration_ns(self.period, "period", func)
        n = self.periods
        if period_ns * (int(n) + 1) >= _LIMIT:
            raise ParameterError(
                f"{func}() with period={self.period!r} and periods={n} spans more than a "
                "century; pass a shorter period or fewer periods."
            )
        freq = _cohort_arg(self.cohort, meta, func)
        if self.segment is not None:
            check_segment(self.segment, meta, func)
        ci = float(self.ci)
        return replace(
            self,
            start_acts=start_acts,
            back_acts=back_acts,
            period_ns=period_ns,
            periods=int(n),
            freq=freq,
            as_of_ns=_as_of(self.as_of, meta, func),
            ci=ci,
        )

    def _empty(self) -> pd.DataFrame:
        cols: dict[str, Any] = {}
        if self.segment is not None:
            cols["segment"] = pd.Series([], dtype=object)
        cols["cohort"] = pd.Series([], dtype=np.int64 if self.freq else object)
        cols["cases"] = pd.Series([], dtype=np.int64)
        cols["max_t0"] = pd.Series([], dtype=np.int64)
        for k in range(self.periods):
            cols[f"r{k}"] = pd.Series([], dtype=np.int64)
        return pd.DataFrame(cols)

    def part(self, log: JourneyLog) -> tuple[pd.DataFrame, np.ndarray]:
        cases, first, no_start = _starts(log, self.start_acts, self.as_of_ns)
        t0 = log.time[first]
        keep = np.ones(cases.size, dtype=bool)
        # the cohort of each started case
        if self.freq is not None:
            coh = pd.DatetimeIndex(t0.view("datetime64[ns]")).to_period(self.freq).asi8
            coh_codes, coh_labels = pd.factorize(coh, sort=False)
        else:
            coh_codes, coh_labels = pd.factorize(
                pd.Series(_values_at(log, self.cohort, first, cases), dtype=object),
                use_na_sentinel=True,
            )
        no_cohort = int((coh_codes < 0).sum())
        keep &= coh_codes >= 0
        no_segment = 0
        n_seg = 1
        if self.segment is not None:
            seg_all, seg_labels = case_groups(log, self.segment)
            seg_codes = seg_all[cases]
            no_segment = int((keep & (seg_codes < 0)).sum())
            keep &= seg_codes >= 0
            n_seg = max(len(seg_labels), 1)
        else:
            seg_codes = np.zeros(cases.size, dtype=np.int64)
        key = np.where(keep, coh_codes.astype(np.int64) * n_seg + seg_codes, -1)
        # the distinct keys are small ints: renumber them with a bincount (no sort, no hash)
        kept_key = key[keep]
        present = np.bincount(kept_key) > 0 if kept_key.size else np.zeros(0, dtype=bool)
        groups = np.flatnonzero(present)
        g = (np.cumsum(present) - 1)[kept_key]
        n_groups = groups.size
        grp = np.full(cases.size, -1, dtype=np.int64)
        grp[keep] = g
        counts = np.array([no_start, no_cohort, no_segment], dtype=np.int64)
        if n_groups == 0:
            return self._empty(), counts

        n_cases = np.bincount(g, minlength=n_groups).astype(np.int64)
        max_t0 = np.full(n_groups, _MIN, dtype=np.int64)
        np.maximum.at(max_t0, g, t0[keep])

        row, lag = _returns(log, self.back_acts, cases, t0, self.as_of_ns)
        in_group = grp[row] >= 0
        row, lag = row[in_group], lag[in_group]
        k = lag // self.period_ns
        P = self.periods
        # returns are in log order (by case, then time), so row * P + k never decreases
        if self.mode == "n_day":
            pair = row[k < P] * P + k[k < P]
            pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if pair.size else pair  # once each
            cell = grp[pair // P] * P + pair % P
            retained = np.bincount(cell, minlength=n_groups * P).reshape(n_groups, P)
        else:
            ends = np.r_[row[1:] != row[:-1], True] if row.size else row > 0
            last_row, last_k = row[ends], np.minimum(k[ends], P - 1)  # each case's last return
            at = np.bincount(grp[last_row] * P + last_k, minlength=n_groups * P)
            # retained in k when the last return's period is k or later
            retained = np.cumsum(at.reshape(n_groups, P)[:, ::-1], axis=1)[:, ::-1]

        out: dict[str, Any] = {}
        coh_of_group = groups // n_seg
        if self.segment is not None:
            out["segment"] = np.asarray(seg_labels, dtype=object)[groups % n_seg]
        if self.freq is not None:
            out["cohort"] = np.asarray(coh_labels, dtype=np.int64)[coh_of_group]
        else:
            out["cohort"] = np.asarray(coh_labels, dtype=object)[coh_of_group]
        out["cases"] = n_cases
        out["max_t0"] = max_t0
        for j in range(P):
            out[f"r{j}"] = retained[:, j].astype(np.int64)
        return pd.DataFrame(out), counts

    def merge(
        self, a: tuple[pd.DataFrame, np.ndarray], b: tuple[pd.DataFrame, np.ndarray]
    ) -> tuple[pd.DataFrame, np.ndarray]:
        if not len(a[0]) or not len(b[0]):
            frame = a[0] if len(a[0]) else b[0]
        else:
            frame = pd.concat([a[0], b[0]], ignore_index=True)
            keys = ["segment", "cohort"] if self.segment is not None else ["cohort"]
            if frame.duplicated(keys).any():
                how = {c: ("max" if c == "max_t0" else "sum") for c in frame.columns[len(keys) :]}
                frame = frame.groupby(keys, sort=False, as_index=False).agg(how)
        return frame, a[1] + b[1]

    def finish(self, merged: tuple[pd.DataFrame, np.ndarray], meta: LogMeta) -> pd.DataFrame:
        frame, counts = merged
        P = self.periods
        has_seg = self.segment is not None
        if has_seg:
            order = _sorted_order(frame["segment"], frame["cohort"])
        else:
            order = _sorted_order(frame["cohort"])
        frame = frame.iloc[order]
        n_rows = len(frame)
        rep = np.repeat(np.arange(n_rows), P)
        k = np.tile(np.arange(P, dtype=np.int64), n_rows)
        cases = frame["cases"].to_numpy(np.int64)[rep]
        max_t0 = frame["max_t0"].to_numpy(np.int64)[rep]
        counts_kp = frame[[f"r{j}" for j in range(P)]].to_numpy(np.int64).reshape(-1)
        # observable: every case of the cohort lived through period k by as_of
        seen = (max_t0 <= self.as_of_ns) & (self.as_of_ns - max_t0 >= (k + 1) * self.period_ns)
        retained = np.where(seen, counts_kp.astype(np.float64), np.nan)
        rate = np.where(seen, counts_kp / np.maximum(cases, 1), np.nan)
        lo, hi = wilson(counts_kp, cases, self.ci)
        lo, hi = np.where(seen, lo, np.nan), np.where(seen, hi, np.nan)
        out: dict[str, Any] = {}
        if has_seg:  # labels stay objects, as the user's values were
            out["segment"] = pd.Series(frame["segment"].to_numpy(dtype=object)[rep], dtype=object)
        if self.freq is not None:
            ordinals = frame["cohort"].to_numpy(np.int64)[rep]
            out["cohort"] = pd.PeriodIndex.from_ordinals(ordinals, freq=self.freq)
        else:
            out["cohort"] = pd.Series(frame["cohort"].to_numpy(dtype=object)[rep], dtype=object)
        out.update(period=k, cases=cases, retained=retained, rate=rate, lo=lo, hi=hi)
        table = pd.DataFrame(out)
        no_start, no_cohort, no_segment = (int(x) for x in counts)
        if n_rows == 0 and no_start:
            warnings.warn(
                f"retention(): none of the {no_start:,} cases has a start event "
                f"{list(self.start_acts or ())} by as_of. Check the activity names "
                "(log.activities lists them) or pass start=None to start at each case's "
                "first event.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        table.attrs.update(
            no_start=no_start,
            no_cohort=no_cohort,
            no_segment=no_segment,
            period=pd.Timedelta(self.period_ns),
            mode=self.mode,
            as_of=meta.timestamp_of(self.as_of_ns) if self.as_of_ns != _MIN else None,
        )
        return table


def _cohort_arg(cohort: Any, meta: LogMeta, func: str) -> str | None:
    """None when ``cohort`` names a column of the log, else the period frequency."""
    if isinstance(cohort, str) and cohort in meta.columns:
        if cohort in (meta.case, meta.timestamp):
            raise ParameterError(
                f"The 'cohort' parameter of {func}() cannot be the case or timestamp column "
                f"({cohort!r}). Pass a period frequency such as 'M', or a column that groups "
                "cases."
            )
        return None
    try:
        if not isinstance(cohort, str):
            raise TypeError("not a string")
        pd.Period("2025-01-01", freq=cohort)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'cohort' parameter of {func}() must be a pandas period frequency such as "
            f"'D', 'W', 'M' or 'Q', or a column of the log. Got {cohort!r} instead ({exc}); "
            f"columns: {list(meta.columns)}."
        ) from None
    return cohort


# -- Kaplan–Meier -----------------------------------------------------------------------------
def _km_band(d: np.ndarray, o: np.ndarray, ci: float) -> tuple[Any, ...]:
    """scipy's Kaplan–Meier fit of durations ``d`` (ns, ``o`` = censored): times, sf, band."""
    from scipy import stats

    data = stats.CensoredData(uncensored=d[~o].astype(np.float64), right=d[o].astype(np.float64))
    res = stats.ecdf(data)
    sf = res.sf.probabilities
    with warnings.catch_warnings():  # the log-log band is undefined where sf is 0 or 1
        warnings.simplefilter("ignore", RuntimeWarning)
        band = res.sf.confidence_interval(confidence_level=ci, method="log-log")
    lo = np.where(np.isnan(band.low.probabilities), sf, band.low.probabilities)
    hi = np.where(np.isnan(band.high.probabilities), sf, band.high.probabilities)
    return res.sf.quantiles, sf, lo, hi


def _km_summary(d: np.ndarray, o: np.ndarray, ci: float) -> tuple[float, float, float, float]:
    """Median, its interval and the 90th percentile (ns as float; NaN when not reached)."""
    nan = float("nan")
    if d.size == 0 or o.all():
        return nan, nan, nan, nan
    times, sf, lo, hi = _km_band(d, o, ci)

    def first_below(curve: np.ndarray, level: float) -> float:
        hit = np.flatnonzero(curve <= level + 1e-12)
        return float(times[hit[0]]) if hit.size else nan

    return first_below(sf, 0.5), first_below(lo, 0.5), first_below(hi, 0.5), first_below(sf, 0.1)


def _km_curve(d: np.ndarray, o: np.ndarray, ci: float) -> pd.DataFrame:
    """The survival curve at each return time: at risk, returned, survival and its band."""
    if d.size == 0 or o.all():
        times = np.empty(0)
        sf = lo = hi = np.empty(0)
    else:
        times, sf, lo, hi = _km_band(d, o, ci)
    ends = np.sort(d.astype(np.float64))
    events = np.sort(d[~o].astype(np.float64))
    at_risk = ends.size - np.searchsorted(ends, times, side="left")
    returned = np.searchsorted(events, times, side="right") - np.searchsorted(
        events, times, side="left"
    )
    return pd.DataFrame(
        {
            "time": _td(times),
            "at_risk": at_risk.astype(np.int64),
            "returned": returned.astype(np.int64),
            "survival": np.asarray(sf, dtype=np.float64),
            "lo": np.asarray(lo, dtype=np.float64),
            "hi": np.asarray(hi, dtype=np.float64),
        }
    )


def _td(ns: Any) -> Any:
    """Nanoseconds as float (NaN for missing) to timedelta64[ns]."""
    return pd.to_timedelta(np.asarray(ns, dtype=np.float64), unit="ns").astype("timedelta64[ns]")


def _grouped(frame: pd.DataFrame, by: bool) -> list[tuple[Any, np.ndarray]]:
    """``(label, row positions)`` per group of ``frame["by"]`` in sorted order (one group if not ``by``)."""
    if not by:
        return [(None, np.arange(len(frame)))]
    codes, labels = pd.factorize(frame["by"], use_na_sentinel=True)
    order = _sorted_order(list(labels))
    sort_idx = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[sort_idx], np.arange(len(labels) + 1))
    return [(labels[g], sort_idx[bounds[g] : bounds[g + 1]]) for g in order]


def _by_name(by: Any) -> str:
    if isinstance(by, pd.Series):
        return str(by.name) if by.name is not None else "by"
    return str(by)


# -- time to return -----------------------------------------------------------------------------
@v.validate_params(
    {
        "start": [v.Activities(), None],
        "back": [v.Activities(), None],
        "curve": ["boolean"],
        "ci": v.LEVEL,
    }
)
def time_to_return(
    log: Any,
    *,
    start: Any = None,
    back: Any = None,
    by: str | pd.Series | None = None,
    as_of: Any = None,
    curve: bool = False,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Time from the start to the first return, with customers not back yet censored.

    Parameters
    ----------
    log : JourneyLog
        The event log, in memory or on Dask (:func:`~journeymine.from_dask`);
        the result is the same.
    start, back : activity or list of activities, optional
        As in :func:`retention`: the clock starts at a case's first
        ``start`` event (default its first event), and a return is a
        ``back`` event (default any) strictly later.
    by : str or pandas.Series, optional
        Group the cases: a column (its value on the start event) or a
        Series indexed by case id. The table then has a leading column of
        that name; cases without a value are left out.
    as_of : timestamp or str, optional
        When the data was extracted; default the log's last event. Cases
        without a return by then are censored at ``as_of - t0``; events
        after it do not exist.
    curve : bool, default=False
        Return the whole survival curve instead of the summary.
    ci : float, default=0.95
        Confidence level of the median's interval and of the curve's band.

    Returns
    -------
    pandas.DataFrame
        The summary, one row per group (one row without ``by``):

        ``cases``, ``returned``
            Cases that started, and those with a return (int64).
        ``median``, ``median_lo``, ``median_hi``
            Kaplan–Meier median time to return and its interval; NaT when
            the curve (or its band) never gets down to one half.
        ``p90``
            Time by which 90 % have returned; NaT when not reached.

        With ``curve=True``, one row per distinct time at which a case
        returned or was censored (per group): ``time``, ``at_risk`` (cases
        not returned nor censored before ``time``), ``returned`` (at
        ``time``; 0 where only censored cases end), ``survival`` (the share not
        yet back) and ``lo``, ``hi`` (its pointwise band).

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog, ``by`` is not a column or Series,
        ``as_of`` is not a time, ``curve`` not a bool or ``ci`` not in (0, 1).

    See Also
    --------
    retention : Cohort tables of returns per period.
    journeymine.plot_time_to_return : The survival curves.

    Notes
    -----
    The curve is ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``
    (Kaplan–Meier): a return is an observed time, a case without one a
    right-censored time. Its band is scipy's pointwise log-log interval
    (where it is undefined, at survival 1 or 0, the curve itself). The
    median is the first time the curve is at or below one half;
    ``median_lo`` is the first time the band's lower edge is, ``median_hi``
    the first time its upper edge is (the interval of the median read off
    the band, as Brookmeyer and Crowley do).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "b", "c"],
    ...     "event": ["buy", "buy", "buy", "buy", "buy"],
    ...     "ts": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-01-02",
    ...                           "2025-01-12", "2025-01-10"]),
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="event", timestamp="ts")
    >>> jm.time_to_return(log)
       cases  returned median median_lo median_hi     p90
    0      3         2 4 days    4 days   10 days 10 days

    Customer c, who started on 10 January, is censored two days later
    (the log's last event): the curve steps at returns only.

    >>> jm.time_to_return(log, curve=True)[["time", "at_risk", "returned", "survival"]]
         time  at_risk  returned  survival
    0  2 days        3         0       1.0
    1  4 days        2         1       0.5
    2 10 days        1         1       0.0

    Readmissions in the bundled Sepsis sample, from release to return:

    >>> sepsis = jm.datasets.load_sepsis()
    >>> releases = [a for a in sepsis.activities if a.startswith("Release")]
    >>> t = jm.time_to_return(sepsis, start=releases, back="Return ER")
    >>> t[["cases", "returned"]]
       cases  returned
    0    224        90
    """
    return run(_TimeToReturn(start=start, back=back, by=by, as_of=as_of, curve=curve, ci=ci), log)


@dataclass(frozen=True, eq=False)
class _TimeToReturn(Kernel[pd.DataFrame, pd.DataFrame]):
    """time_to_return(): one row per started case (duration, returned, group); concat merges."""

    start: Any = None
    back: Any = None
    by: Any = None
    as_of: Any = None
    curve: bool = False
    ci: Any = 0.95
    name: str = "time_to_return"
    start_acts: tuple[Any, ...] | None = None
    back_acts: tuple[Any, ...] | None = None
    as_of_ns: int = 0

    def check(self, meta: LogMeta) -> _TimeToReturn:
        func = self.name
        _check_by(self.by, meta, func)
        return replace(
            self,
            start_acts=v.activity_list(self.start, "start", func),
            back_acts=v.activity_list(self.back, "back", func),
            as_of_ns=_as_of(self.as_of, meta, func),
            ci=float(self.ci),
        )

    def part(self, log: JourneyLog) -> pd.DataFrame:
        cases, first, _ = _starts(log, self.start_acts, self.as_of_ns)
        t0 = log.time[first]
        row, lag = _returns(log, self.back_acts, cases, t0, self.as_of_ns)
        firsts = _firsts(row)  # the first return of each case (log order is time order)
        duration = self.as_of_ns - t0
        returned = np.zeros(cases.size, dtype=bool)
        duration[row[firsts]] = lag[firsts]
        returned[row[firsts]] = True
        out = pd.DataFrame({"duration": duration, "returned": returned})
        if self.by is not None:
            out["by"] = _values_at(log, self.by, first, cases)
        return out

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        d_all = merged["duration"].to_numpy(np.int64)
        r_all = merged["returned"].to_numpy(bool)
        frames = []
        rows = []
        for label, idx in _grouped(merged, self.by is not None):  # a loop over groups
            order = np.argsort(d_all[idx], kind="stable")
            d, o = d_all[idx][order], ~r_all[idx][order]
            if self.curve:
                table = _km_curve(d, o, self.ci)
                if self.by is not None:
                    table.insert(
                        0, _by_name(self.by), pd.Series([label] * len(table), dtype=object)
                    )
                frames.append(table)
            else:
                rows.append((label, int(d.size), int((~o).sum()), *_km_summary(d, o, self.ci)))
        if self.curve:
            if not frames:
                out = _km_curve(np.empty(0, np.int64), np.empty(0, bool), self.ci)
                out.insert(0, _by_name(self.by), pd.Series([], dtype=object))
                return out
            return pd.concat(frames, ignore_index=True)
        cols = ["by", "cases", "returned", "median", "median_lo", "median_hi", "p90"]
        out = pd.DataFrame(rows, columns=cols)
        for col in ("median", "median_lo", "median_hi", "p90"):
            out[col] = _td(out[col].astype(np.float64))
        for col in ("cases", "returned"):
            out[col] = out[col].astype(np.int64)
        if self.by is None:
            return out.drop(columns="by")
        out["by"] = out["by"].astype(object)
        return out.rename(columns={"by": _by_name(self.by)})


# -- repeat purchase ----------------------------------------------------------------------------
@v.validate_params({"model": [v.Model()], "ci": v.LEVEL})
def repurchase(
    log: Any,
    model: JourneyModel,
    *,
    as_of: Any = None,
    by: str | pd.Series | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Repeat buyers, purchases per buyer and the time between purchases, censored at ``as_of``.

    Parameters
    ----------
    log : JourneyLog
        The event log, in memory or on Dask (:func:`~journeymine.from_dask`);
        the result is the same.
    model : JourneyModel
        A model that declares its purchase activities (``purchase=``).
    as_of : timestamp or str, optional
        When the data was extracted; default the log's last event. Events
        after it do not exist.
    by : str or pandas.Series, optional
        Group the buyers: a column (its value on the case's first purchase)
        or a Series indexed by case id; a leading column of that name.
    ci : float, default=0.95
        Confidence level of the median gap's interval.

    Returns
    -------
    pandas.DataFrame
        One row per group (one row without ``by``):

        ``buyers``
            Cases with a purchase (int64).
        ``repeat_buyers``
            Buyers with two purchases or more (int64).
        ``repeat_rate``
            ``repeat_buyers / buyers``.
        ``purchases_per_buyer``
            Purchases divided by buyers.
        ``median_gap``, ``median_gap_lo``, ``median_gap_hi``
            Kaplan–Meier median time from a purchase to the buyer's next
            one, and its interval (as in :func:`time_to_return`); a
            buyer's last purchase counts as censored at ``as_of``. NaT
            where the curve or its band stays above one half.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel or declares no purchase
        activities, or an argument is malformed.

    See Also
    --------
    retention : Cohorts by first purchase with ``start=back=`` the purchase activities.

    Notes
    -----
    A purchase is a distinct time at which a case has a purchase event:
    several purchase events at the same time (an order of several items)
    are one purchase. Each purchase gives one gap, to the next purchase of
    the same case, or censored at ``as_of`` for the last one, so a buyer
    who has not bought again yet counts as not yet, not as never.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> model = jm.JourneyModel(stages=["Browse", "Buy"],
    ...                         activities={"view": "Browse", "buy": "Buy"}, purchase=["buy"])
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "event": ["buy", "buy", "buy", "view", "buy", "view"],
    ...     "ts": pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-31",
    ...                           "2025-01-02", "2025-01-03", "2025-01-04"]),
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="event", timestamp="ts")
    >>> jm.repurchase(log, model)[["buyers", "repeat_buyers", "repeat_rate", "purchases_per_buyer"]]
       buyers  repeat_buyers  repeat_rate  purchases_per_buyer
    0       2              1          0.5                  2.0
    >>> jm.repurchase(log, model)["median_gap"]
    0   20 days
    Name: median_gap, dtype: timedelta64[ns]

    On the bundled shop data, by the channel of the first purchase:

    >>> shop = jm.datasets.load_shop()
    >>> jm.repurchase(shop, jm.datasets.shop_model(), by="channel")[
    ...     ["channel", "buyers", "repeat_buyers"]]
           channel  buyers  repeat_buyers
    0          app     617            158
    1  marketplace     176             56
    2        store     145             32
    3          web     726            164
    """
    if not model.purchase:
        raise ParameterError(
            "repurchase() needs the model's purchase activities, but the model lists none. "
            "Build the model with purchase=['Place order'] (or add purchase: [...] to its YAML)."
        )
    return run(_Repurchase(purchase=tuple(model.purchase), as_of=as_of, by=by, ci=ci), log)


@dataclass(frozen=True, eq=False)
class _Repurchase(Kernel[pd.DataFrame, pd.DataFrame]):
    """repurchase(): one row per purchase (gap to the next, censored, first); concat merges."""

    purchase: tuple[Any, ...] = ()
    as_of: Any = None
    by: Any = None
    ci: Any = 0.95
    name: str = "repurchase"
    as_of_ns: int = 0

    def check(self, meta: LogMeta) -> _Repurchase:
        func = self.name
        _check_by(self.by, meta, func)
        return replace(self, as_of_ns=_as_of(self.as_of, meta, func), ci=float(self.ci))

    def part(self, log: JourneyLog) -> pd.DataFrame:
        ev = np.flatnonzero((log.time <= self.as_of_ns) & _mask(log, self.purchase))
        code, t = log.case_codes[ev], log.time[ev]
        new = np.r_[True, (code[1:] != code[:-1]) | (t[1:] != t[:-1])] if ev.size else ev > 0
        ev, code, t = ev[new], code[new], t[new]  # one row per (case, purchase time)
        n = ev.size
        first = np.r_[True, code[1:] != code[:-1]] if n else np.zeros(0, dtype=bool)
        last = np.r_[code[1:] != code[:-1], True] if n else np.zeros(0, dtype=bool)
        nxt = np.r_[t[1:], 0] if n else t
        gap = np.where(last, self.as_of_ns - t, nxt - t)
        out = pd.DataFrame({"gap": gap.astype(np.int64), "censored": last, "first": first})
        if self.by is not None:
            first_ev = ev[first]
            values = _values_at(log, self.by, first_ev, code[first])
            out["by"] = values[np.cumsum(first) - 1] if n else values
        return out

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        gap_all = merged["gap"].to_numpy(np.int64)
        cen_all = merged["censored"].to_numpy(bool)
        first_all = merged["first"].to_numpy(bool)
        rows = []
        for label, idx in _grouped(merged, self.by is not None):  # a loop over groups
            order = np.argsort(gap_all[idx], kind="stable")
            d, o, f = gap_all[idx][order], cen_all[idx][order], first_all[idx][order]
            buyers = int(f.sum())
            repeat = int((f & ~o).sum())
            median, lo, hi, _ = _km_summary(d, o, self.ci)
            rows.append(
                (
                    label,
                    buyers,
                    repeat,
                    repeat / buyers if buyers else np.nan,
                    d.size / buyers if buyers else np.nan,
                    median,
                    lo,
                    hi,
                )
            )
        cols = [
            "by",
            "buyers",
            "repeat_buyers",
            "repeat_rate",
            "purchases_per_buyer",
            "median_gap",
            "median_gap_lo",
            "median_gap_hi",
        ]
        out = pd.DataFrame(rows, columns=cols)
        for col in ("buyers", "repeat_buyers"):
            out[col] = out[col].astype(np.int64)
        for col in ("repeat_rate", "purchases_per_buyer"):
            out[col] = out[col].astype(np.float64)
        for col in ("median_gap", "median_gap_lo", "median_gap_hi"):
            out[col] = _td(out[col].astype(np.float64))
        if self.by is None:
            return out.drop(columns="by")
        out["by"] = out["by"].astype(object)
        return out.rename(columns={"by": _by_name(self.by)})


# -- pooling cohorts into one curve (for the pictures) --------------------------------------
def pooled_curve(table: pd.DataFrame, by: str | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Pool the observable cells of a :func:`retention` table into one curve per ``by`` value.

    For each period the curve adds up ``retained`` and ``cases`` over the
    cohorts whose cell is observable, so later periods rest on fewer, older
    cohorts; the rate gets a Wilson interval again. ``by`` is ``"cohort"``
    (one curve per cohort, the table's own rows), ``"segment"`` (one curve per
    segment) or None (one curve). Periods no cohort can show yet are left out.
    Columns: ``curve``, ``period``, ``cases``, ``retained``, ``rate``, ``lo``, ``hi``.
    """
    seen = table[table["retained"].notna()]
    key = pd.Series("all", index=seen.index, dtype=object) if by is None else seen[by]
    frame = pd.DataFrame(
        {
            "curve": key.to_numpy(dtype=object),
            "period": seen["period"].to_numpy(),
            "cases": seen["cases"].to_numpy(),
            "retained": seen["retained"].to_numpy(),
        }
    )
    out = frame.groupby(["curve", "period"], sort=True, as_index=False)[["cases", "retained"]].sum()
    out["rate"] = out["retained"] / out["cases"]
    lo, hi = wilson(out["retained"].to_numpy(np.int64), out["cases"].to_numpy(np.int64), ci)
    out["lo"] = lo
    out["hi"] = hi
    return out
