"""Checks run once on every new log: what would silently distort every result.

Private module. :func:`check_log` is called at the end of
:func:`journeymine.from_pandas` (so by every reader). It raises a
:class:`LogError` when a case spans more time than int64 nanoseconds hold
(its durations would overflow to negative values), and warns with counts and
the fix when the log has exact duplicate events or mixes lifecycle
transitions (both show up as self-loops and extra edges). All checks are
vectorised passes over the log's integer codes.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import JourneymineWarning, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["check_log"]

#: a regular expression matching the duplicate-events warning (for warnings filters)
DUPLICATES_WARNING = r".* the event just before (it|them) in the same case"

#: the XES key of an event's lifecycle transition, checked when the log has it
LIFECYCLE = "lifecycle:transition"


def check_log(log: JourneyLog, *, lifecycle: str | None = None, stacklevel: int = 3) -> None:
    """Raise for overflowing case spans; warn for duplicate events and mixed lifecycles.

    Parameters
    ----------
    log : JourneyLog
        A newly built log.
    lifecycle : str, optional
        The column holding lifecycle transitions; default ``lifecycle:transition``
        when the log has it.
    stacklevel : int
        For the warnings, so they point at the user's call.
    """
    check_spans(log)
    for text in (duplicate_warning(log), lifecycle_warning(log, lifecycle)):
        if text is not None:
            warnings.warn(text, JourneymineWarning, stacklevel=stacklevel)


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _ts(log: JourneyLog, ns: int) -> str:
    return str(pd.Timestamp(int(ns), tz="UTC" if log.tz_aware else None))


def check_spans(log: JourneyLog) -> None:
    """Raise a LogError when a case's last event is more than ~292 years after its first.

    Durations are int64 nanoseconds; a span of 2**63 ns or more wraps around
    to a negative number. ``last - first`` is computed with wrap-around: as
    the true span is non-negative and below 2**64, it overflowed exactly when
    the wrapped result is negative.
    """
    if log.n_events == 0:
        return
    off = log.case_offsets
    first = log.time[off[:-1]]
    last = log.time[off[1:] - 1]
    with np.errstate(over="ignore"):
        span = last - first
    bad = np.flatnonzero(span < 0)
    if bad.size == 0:
        return
    c = int(bad[0])
    rows = np.sort(log.rows[np.concatenate([off[bad[:50]], off[bad[:50] + 1] - 1])])
    raise LogError(
        f"{bad.size} case{'s' if bad.size != 1 else ''}{v.where(log.source)} "
        f"span{'s' if bad.size == 1 else ''} more than 292 years, the longest duration "
        f"nanosecond timestamps can hold (e.g. case {_label(log.case_labels[c])!r} runs from "
        f"{_ts(log, first[c])} to {_ts(log, last[c])}), so its durations would overflow. "
        "Such dates are usually placeholders for an unknown time (e.g. 1678-01-01 or 2261-12-31): "
        f'set them to missing in column {log.timestamp!r} and pass on_error="collect", or '
        "drop those events.",
        column=log.timestamp,
        rows=rows[:100].tolist(),
        path=log.source,
    )


def duplicate_warning(log: JourneyLog) -> str | None:
    """The warning text when events repeat the previous event of their case exactly, else None.

    Exact duplicates (same case, activity and timestamp, one right after the
    other in log order) usually come from loading the same data twice; they
    show up as self-loops and inflate counts.
    """
    if log.n_events < 2:
        return None
    dup = (
        (log.case_codes[1:] == log.case_codes[:-1])
        & (log.activity_codes[1:] == log.activity_codes[:-1])
        & (log.time[1:] == log.time[:-1])
    )
    n = int(np.count_nonzero(dup))
    if n == 0:
        return None
    idx = np.flatnonzero(dup) + 1
    cases = np.unique(log.case_codes[idx])
    i = int(idx[0])
    example = (
        f"case {_label(log.case_labels[log.case_codes[i]])!r}: "
        f"{_label(log.activity_labels[log.activity_codes[i]])!r} at {_ts(log, log.time[i])}"
    )
    return (
        f"{n:,} event{'s' if n != 1 else ''}{v.where(log.source)} "
        f"{'repeat' if n != 1 else 'repeats'} the event just before "
        f"{'them' if n != 1 else 'it'} in the same case (same activity and timestamp), "
        f"in {cases.size:,} case{'s' if cases.size != 1 else ''} (e.g. {example}). Such exact "
        "duplicates usually come from loading data twice and show up as self-loops. Drop "
        "them with jm.filter_events(log, dedupe=True)."
    )


def lifecycle_warning(log: JourneyLog, column: str | None = None) -> str | None:
    """The warning text when the log mixes lifecycle transitions (e.g. start and complete), else None.

    ``column`` names the lifecycle column; by default ``lifecycle:transition``
    is checked when the log has it. Values are compared case-insensitively.
    """
    if column is None:
        if LIFECYCLE not in log.columns:
            return None
        column = LIFECYCLE
    codes, labels = log.codes(column)
    keep = codes >= 0
    if not keep.any():
        return None
    folded = pd.Index([str(x).strip().casefold() for x in labels])
    fcodes, flabels = pd.factorize(folded)
    counts = np.bincount(np.asarray(fcodes)[codes[keep]], minlength=len(flabels))
    if np.count_nonzero(counts) < 2:
        return None
    order = np.argsort(-counts, kind="stable")
    shown = ", ".join(f"{flabels[j]!s}: {counts[j]:,}" for j in order if counts[j])
    keep_value = "complete" if "complete" in set(flabels) else str(flabels[order[0]])
    return (
        f"The log{v.where(log.source)} mixes lifecycle transitions in column {column!r} "
        f"(events per transition: {shown}): an activity then appears once per transition, which shows up "
        "as self-loops and extra edges. Keep one transition with "
        f'jm.filter_events(log, lifecycle="{keep_value}"), or, if the column holds a '
        "sub-status rather than a transition, make it part of the activity."
    )
