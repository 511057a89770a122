"""The memory engine: a kernel runs once on the whole in-memory log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from journeymine.engine.base import Kernel, run_local

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
    """``log`` with the columns ``fn(log, *args)`` gives (in log order); every event kept."""
    from journeymine._codes import factorize
    from journeymine.log import _build

    frame = log.to_pandas()  # the user's columns in log order, timestamps parsed
    columns = fn(log, *args)
    for name, values in columns.items():
        frame[name] = values
    case = factorize(frame[log.case]) if log.case in columns else (log.case_codes, log.case_labels)
    return _build(
        frame,
        np.arange(log.n_events, dtype=np.int64),
        log.time,
        log.case,
        log.activity,
        log.timestamp,
        log.stage,
        log.channel,
        log.tz_aware,
        log.rejected,
        log.source,
        [case, (log.activity_codes, log.activity_labels)],
    )


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
