"""The memory engine: a kernel runs once on the whole in-memory log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from journeymine._threads import second_thread, take
from journeymine.engine.base import Coded, Kernel, run_local

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["filter", "reduce", "select_events", "transform"]

R = TypeVar("R")


def reduce(kernel: Kernel[Any, R], log: JourneyLog) -> R:
    """``finish(part(log))`` after ``check``: the one-partition case of every engine."""
    return run_local(kernel, log)


def filter(log: JourneyLog, mask: Callable[..., np.ndarray], *args: Any) -> JourneyLog:  # noqa: A001
    """The events of ``log`` where ``mask(log, *args)`` is true."""
    return select_events(log, mask(log, *args))


def transform(
    log: JourneyLog, fn: Callable[..., dict[str, Any]], meta_fn: Any, *args: Any
) -> JourneyLog:
    """``log`` with the columns ``fn(log, *args)`` gives (in log order); every event kept.

    Nothing is validated or factorized again: the activity codes and times
    are the log's, a new case column given as :class:`Coded` keeps its codes
    (other values are factorized), and events are moved only when the new
    cases are not in the old order (a stable sort by new case, then by time
    if a new case took events from several old ones).
    """
    from journeymine._codes import factorize
    from journeymine.log import JourneyLog

    columns = fn(log, *args)
    n = log.n_events
    frame, rows = log._frame, log.rows
    if len(frame) != n:  # rows set aside: the new frame holds the log's rows, in log order
        frame = frame.take(rows).reset_index(drop=True)
        rows = np.arange(n, dtype=np.int64)
    where = np.empty(n, dtype=np.int64)  # input row -> its event's position in the log
    where[rows] = np.arange(n, dtype=np.int64)

    def values_by_row(values: Any) -> Any:
        if isinstance(values, Coded):
            return values.labels.take(take(values.codes, where))
        return take(np.asarray(values), where)

    names = list(columns)
    with second_thread(n) as pool:  # Arrow's take of text runs on the second core meanwhile
        first = pool.submit(values_by_row, columns[names[0]]) if names else None
        new = {name: values_by_row(columns[name]) for name in names[1:]}
        if first is not None:
            new[names[0]] = first.result()
    frame = frame.assign(**{name: new[name] for name in names})
    case_codes, case_labels = log.case_codes, log.case_labels
    order = None
    if log.case in columns:
        col = columns[log.case]
        case_codes, case_labels = (
            (np.asarray(col.codes, dtype=np.int64), col.labels)
            if isinstance(col, Coded)
            else factorize(pd.Series(col))
        )
        order = _regroup(case_codes, log.time)
    offsets = np.zeros(len(case_labels) + 1, dtype=np.int64)
    np.cumsum(np.bincount(case_codes, minlength=len(case_labels)), out=offsets[1:])
    act, time = log.activity_codes, log.time
    if order is not None:
        rows, case_codes, act, time = (take(a, order) for a in (rows, case_codes, act, time))
    return JourneyLog(
        _frame=frame,
        _order=np.asarray(rows, dtype=np.int64),
        case=log.case,
        activity=log.activity,
        timestamp=log.timestamp,
        stage=log.stage,
        channel=log.channel,
        case_codes=case_codes,
        case_labels=case_labels,
        activity_codes=act,
        activity_labels=log.activity_labels,
        time=time,
        case_offsets=offsets,
        tz_aware=log.tz_aware,
        rejected=log.rejected,
        source=log.source,
    )


def _regroup(codes: np.ndarray, time: np.ndarray) -> np.ndarray | None:
    """The order of events by (new case code, time, old position); None if they are in it.

    The events are in (old case, time) order, so a stable sort by the new
    code is enough unless a new case gathers events of several old cases.
    """
    n = len(codes)
    if n < 2:
        return None
    order = None if bool((codes[1:] >= codes[:-1]).all()) else np.argsort(codes, kind="stable")
    c, t = (codes, time) if order is None else (codes[order], time[order])
    if bool(((c[1:] != c[:-1]) | (t[1:] >= t[:-1])).all()):
        return order
    return np.lexsort((np.arange(n), time, codes))


def select_events(log: JourneyLog, mask: np.ndarray) -> JourneyLog:
    """A new log with only the events where ``mask`` (in log order) is true.

    Labels keep their values (labels no event uses any more are dropped, as
    :meth:`JourneyLog.select_cases` does); ``rejected`` is kept. The codes
    the log holds are reused, so nothing is factorized again.
    """
    from journeymine.log import _build

    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return log
    n = len(log._frame)
    coded = []
    for codes, labels in (
        (log.case_codes, log.case_labels),
        (log.activity_codes, log.activity_labels),
    ):
        full = np.zeros(n, dtype=np.int64)
        full[log.rows] = codes
        coded.append((full, labels))
    return _build(
        log._frame,
        log.rows[mask],
        log.time[mask],
        log.case,
        log.activity,
        log.timestamp,
        log.stage,
        log.channel,
        log.tz_aware,
        log.rejected,
        log.source,
        coded,
    )
