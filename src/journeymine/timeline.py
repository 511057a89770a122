"""How busy the journeys are over time: events and active, new and ended cases per period."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import cases_per_key
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import ParameterError
from journeymine.log import JourneyLog

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["activity_over_time"]

_COUNTS = ("events", "active_cases", "new_cases", "ended_cases")


def period_codes(ns: np.ndarray, freq: str) -> np.ndarray:
    """The pandas Period ordinal (at ``freq``) of int64 UTC nanosecond times."""
    index = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return np.asarray(index.to_period(freq).asi8, dtype=np.int64)


@dataclass(frozen=True)
class _ActivityOverTime(Kernel[pd.DataFrame, pd.DataFrame]):
    """activity_over_time: counts per (period, value of ``by``); cases add up over partitions."""

    freq: str
    by: str | None = None
    by_column: str | None = None
    name: str = field(default="activity_over_time", init=False, repr=False)

    def check(self, meta: LogMeta) -> _ActivityOverTime:
        v.period_freq(self.freq, self.name)
        v.check_period_count(self.freq, meta, self.name)
        if self.by is None:
            return self
        if self.by in (meta.case, meta.timestamp):
            raise ParameterError(
                f"The 'by' parameter of activity_over_time() cannot be the case or timestamp "
                f"column ({self.by!r}); pass e.g. by='{meta.activity}' or a channel column."
            )
        column = self.by
        if column not in meta.columns and column == "channel" and meta.channel is not None:
            column = meta.channel
        else:
            column = v.check_column(meta, column, "requested")
        return _ActivityOverTime(self.freq, self.by, column)

    def part(self, log: JourneyLog) -> pd.DataFrame:
        """One row per (period, value) seen: the period ordinal, the value and the counts."""
        period = period_codes(log.time, self.freq)
        if self.by_column is None:
            value = np.zeros(log.n_events, dtype=np.int64)
            labels = pd.Index([""], dtype=object)  # one value: no split
        else:
            value, labels = log.codes(self.by_column)
        ok = value >= 0  # events without a value are left out
        lo = int(period.min()) if period.size else 0
        n_p = int(period.max()) - lo + 1 if period.size else 0
        n_v = len(labels)
        size = n_p * n_v
        cell = (period - lo) * n_v + value
        events = np.bincount(cell[ok], minlength=size)
        active = cases_per_key(log.case_codes[ok], cell[ok], size)  # each case once per cell
        firsts, lasts = log.case_offsets[:-1], log.case_offsets[1:] - 1
        new = np.bincount(cell[firsts][ok[firsts]], minlength=size)
        ended = np.bincount(cell[lasts][ok[lasts]], minlength=size)
        seen = np.flatnonzero(events)
        return pd.DataFrame(
            {
                "period": (seen // n_v + lo) if n_v else seen,
                "value": pd.Series(np.asarray(labels, dtype=object)[seen % n_v], dtype=object)
                if n_v
                else pd.Series([], dtype=object),
                "events": events[seen],
                "active_cases": active[seen],
                "new_cases": new[seen],
                "ended_cases": ended[seen],
            }
        )

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        both = pd.concat([a, b], ignore_index=True)
        if both.empty:
            return both
        keys = both[["period"]].assign(value=both["value"].astype(str))
        summed = both[list(_COUNTS)].groupby([keys["period"], keys["value"]], sort=False).sum()
        first = both.groupby([keys["period"], keys["value"]], sort=False)["value"].first()
        return pd.DataFrame(
            {
                "period": summed.index.get_level_values(0).to_numpy(np.int64),
                "value": pd.Series(first.to_numpy(), dtype=object),
                **{c: summed[c].to_numpy(np.int64) for c in _COUNTS},
            }
        )

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        merged = self.merge(merged, merged.iloc[:0])  # one row per (period, value)
        dtype = pd.PeriodDtype(self.freq)
        if merged.empty:
            out = pd.DataFrame({"period": pd.Series([], dtype=dtype)})
            if self.by is not None:
                out[self.by] = pd.Series([], dtype=object)
            for c in _COUNTS:
                out[c] = pd.Series([], dtype=np.int64)
            return out
        from journeymine._codes import factorize

        codes, values = factorize(pd.Series(merged["value"].to_numpy(), dtype=object))
        lo, hi = int(merged["period"].min()), int(merged["period"].max())
        n_p, n_v = hi - lo + 1, len(values)
        grid = np.zeros((len(_COUNTS), n_p * n_v), dtype=np.int64)
        at = (merged["period"].to_numpy(np.int64) - lo) * n_v + np.asarray(codes)
        for i, c in enumerate(_COUNTS):
            grid[i, at] = merged[c].to_numpy(np.int64)
        ordinals = np.repeat(np.arange(lo, hi + 1, dtype=np.int64), n_v)
        out = pd.DataFrame({"period": pd.PeriodIndex.from_ordinals(ordinals, freq=self.freq)})
        if self.by is not None:
            out[self.by] = pd.Series(np.tile(np.asarray(values, dtype=object), n_p), dtype=object)
        for i, c in enumerate(_COUNTS):
            out[c] = grid[i]
        return out


@v.validate_params({"by": [v.InstanceOf(str), None]})
def activity_over_time(log: LogLike, freq: str = "W", *, by: str | None = None) -> pd.DataFrame:
    """How many events, active, new and ended cases each period has.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    freq : str, default="W"
        The period: a pandas period frequency such as ``"D"``, ``"W"``
        (weeks ending on Sunday), ``"M"``, ``"Q"`` or ``"Y"``. Periods are
        taken in UTC.
    by : str, optional
        Split every count by a column of the log (e.g. the activity column
        or ``"channel"``): each event counts under its own value, a case is
        active for a value when it has an event with that value in the
        period, and it is new (ended) under the value of its first (last)
        event. Events without a value are left out.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first event's to the last event's (per
        value of ``by`` too, every period for every value, zeros included),
        in time order, with the columns:

        ``period``
            The period (pandas ``Period`` of ``freq``).
        the ``by`` column
            Only with ``by``: its value.
        ``events``
            Events in the period (int64).
        ``active_cases``
            Cases with at least one event in the period (int64).
        ``new_cases``
            Cases whose first event is in the period (int64).
        ``ended_cases``
            Cases whose last event is in the period (int64).

    Raises
    ------
    ParameterError
        If ``freq`` is not a pandas period frequency or ``by`` not a column
        name.
    LogError
        If ``by`` is not a column of the log.

    See Also
    --------
    plot_activity_over_time : Draw the table.
    conformance_drift : How conformance changes over time.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 2], "a": ["ad", "buy", "ad", "view", "buy"],
    ...                    "t": ["2025-01-01", "2025-01-09", "2025-01-02", "2025-01-03",
    ...                          "2025-01-20"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.activity_over_time(log, "W")  # doctest: +NORMALIZE_WHITESPACE
                      period  events  active_cases  new_cases  ended_cases
    0  2024-12-30/2025-01-05       3             2          2            0
    1  2025-01-06/2025-01-12       1             1          0            1
    2  2025-01-13/2025-01-19       0             0          0            0
    3  2025-01-20/2025-01-26       1             1          0            1
    >>> jm.activity_over_time(log, "M", by="a")  # doctest: +NORMALIZE_WHITESPACE
        period     a  events  active_cases  new_cases  ended_cases
    0  2025-01    ad       2             2          2            0
    1  2025-01   buy       2             2          0            2
    2  2025-01  view       1             1          0            0
    """
    return run(_ActivityOverTime(freq, by), log)


# -- the data behind the two process-mining views of time (drawn in journeymine.plot.time) --
def in_memory(log: Any, func: str) -> JourneyLog:
    """An in-memory log: a Dask-backed one is collected (its cases must fit in memory)."""
    if isinstance(log, JourneyLog):
        return log
    collect = getattr(log, "compute", None)
    if collect is not None:
        out = collect()
        if isinstance(out, JourneyLog):
            return out
    raise ParameterError(
        f"{func}() expects a JourneyLog as its first argument, got {type(log).__name__}. Build "
        "one with jm.from_pandas(df, case=..., activity=..., timestamp=...) or jm.read_csv(...)."
    )


def dotted_points(
    log: JourneyLog, *, sort: str, max_cases: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, int]:
    """The cases of a dotted chart, top row first, and the event indices they show.

    Returns ``(case codes in row order, event indices (in log order of the shown cases),
    number of cases in the log)``. Above ``max_cases`` cases a fixed-seed sample of
    ``max_cases`` cases is shown (the same every time).
    """
    n = log.n_cases
    chosen = np.arange(n, dtype=np.int64)
    if n > max_cases:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(n, size=max_cases, replace=False))
    firsts, lasts = log.case_offsets[:-1], log.case_offsets[1:] - 1
    if sort == "start":
        key = log.time[firsts][chosen]
    elif sort == "duration":
        key = (log.time[lasts] - log.time[firsts])[chosen]
    else:  # events
        key = log.case_sizes[chosen]
    rows = chosen[np.argsort(key, kind="stable")]
    shown = np.zeros(n, dtype=bool)
    shown[chosen] = True
    return rows, np.flatnonzero(shown[log.case_codes]), n


def segment_occurrences(log: JourneyLog, segments: list[tuple[Any, Any]]) -> pd.DataFrame:
    """Every occurrence of each segment ``(a, b)``: ``a`` directly followed by ``b`` in a case.

    One row per occurrence, by segment then log order: ``segment`` (its place in
    ``segments``), ``case`` (code), ``start`` and ``end`` (int64 UTC ns) and ``duration``.
    """
    frames = []
    same = log.case_codes[1:] == log.case_codes[:-1]
    labels = log.activity_labels
    for i, (a, b) in enumerate(segments):  # a loop over the segments asked for, not cases
        ca, cb = (labels.get_indexer(pd.Index([x], dtype=object))[0] for x in (a, b))
        if ca < 0 or cb < 0 or log.n_events < 2:
            at = np.empty(0, dtype=np.int64)
        else:
            at = np.flatnonzero(
                same & (log.activity_codes[:-1] == ca) & (log.activity_codes[1:] == cb)
            )
        frames.append(
            pd.DataFrame(
                {
                    "segment": np.full(at.size, i, dtype=np.int64),
                    "case": log.case_codes[at],
                    "start": log.time[at],
                    "end": log.time[at + 1],
                    "duration": log.time[at + 1] - log.time[at],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
