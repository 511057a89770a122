"""Checks run once on every new log: what would silently distort every result.

Private module. :func:`check_log` is called at the end of
:func:`journeymine.from_pandas` (so by every reader). It raises a
:class:`LogError` when a case spans more time than int64 nanoseconds hold
(its durations would overflow to negative values), and warns with counts and
the fix when the log has exact duplicate events or mixes lifecycle
transitions (both show up as self-loops and extra edges). All checks are
vectorised passes over the log's integer codes, written once as the
:class:`Quality` kernel so a Dask log can run them over its partitions and
warn once with the counts of the whole log.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from journeymine import _validation as v
from journeymine._kernel import Kernel, LogMeta
from journeymine.errors import JourneymineWarning, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["Quality", "check_log"]

#: a regular expression matching the duplicate-events warning (for warnings filters)
DUPLICATES_WARNING = r".* the event just before (it|them) in the same case"
#: a regular expression matching the mixed-lifecycles warning (for warnings filters)
LIFECYCLE_WARNING = r"The log.* mixes lifecycle transitions"

#: the XES key of an event's lifecycle transition, checked when the log has it
LIFECYCLE = "lifecycle:transition"


class Quality(Kernel["dict[str, Any]", "list[str]"]):
    """The checks as a kernel, so a Dask log can run them once over its partitions.

    ``part`` counts per partition (cases spanning too long, with a few
    examples; exact duplicates; events per lifecycle transition), ``merge``
    adds the counts, and ``finish`` raises the LogError for overflowing
    spans or returns the warning texts. :func:`check_log` is the in-memory
    case, ``finish(part(log))``.
    """

    name = "quality check"

    def __init__(self, lifecycle: str | None = None) -> None:
        self.lifecycle = lifecycle

    def part(self, log: JourneyLog) -> dict[str, Any]:
        return {
            "spans": _span_counts(log),
            "duplicates": _duplicate_counts(log),
            "lifecycle": _lifecycle_counts(log, self.lifecycle),
        }

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("spans", "duplicates"):
            x, y = a[key], b[key]
            out[key] = {
                "n": x["n"] + y["n"],
                "cases": x["cases"] + y["cases"],
                "example": x["example"] if x["example"] is not None else y["example"],
                "rows": (x["rows"] + y["rows"])[:100],
            }
        la, lb = a["lifecycle"], b["lifecycle"]
        if la is None or lb is None:
            out["lifecycle"] = la if lb is None else lb
        else:
            counts = dict(la[1])
            for k, n in lb[1].items():
                counts[k] = counts.get(k, 0) + n
            out["lifecycle"] = (la[0], counts)
        return out

    def finish(self, merged: dict[str, Any], meta: LogMeta) -> list[str]:
        spans = merged["spans"]
        if spans["n"]:
            raise _span_error(spans, meta)
        texts = [_duplicate_text(merged["duplicates"], meta)]
        texts.append(_lifecycle_text(merged["lifecycle"], meta))
        return [t for t in texts if t is not None]


def check_log(
    log: JourneyLog, *, lifecycle: str | None = None, stacklevel: int | None = None
) -> None:
    """Raise for overflowing case spans; warn for duplicate events and mixed lifecycles.

    Parameters
    ----------
    log : JourneyLog
        A newly built log.
    lifecycle : str, optional
        The column holding lifecycle transitions; default ``lifecycle:transition``
        when the log has it.
    stacklevel : int, optional
        For the warnings; by default the user's line (the first frame outside
        journeymine).
    """
    from journeymine.errors import user_stacklevel

    kernel = Quality(lifecycle)
    level = user_stacklevel() if stacklevel is None else stacklevel
    for text in kernel.finish(kernel.part(log), log.meta):
        warnings.warn(text, JourneymineWarning, stacklevel=level)


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _no_counts() -> dict[str, Any]:
    return {"n": 0, "cases": 0, "example": None, "rows": []}


def _span_counts(log: JourneyLog) -> dict[str, Any]:
    """Cases whose last event is 2**63 ns or more after their first.

    Durations are int64 nanoseconds; ``last - first`` is computed with
    wrap-around: as the true span is non-negative and below 2**64, it
    overflowed exactly when the wrapped result is negative.
    """
    if log.n_events == 0:
        return _no_counts()
    off = log.case_offsets
    first = log.time[off[:-1]]
    last = log.time[off[1:] - 1]
    with np.errstate(over="ignore"):
        span = last - first
    bad = np.flatnonzero(span < 0)
    if bad.size == 0:
        return _no_counts()
    c = int(bad[0])
    rows = np.sort(log.rows[np.concatenate([off[bad[:50]], off[bad[:50] + 1] - 1])])
    example = (_label(log.case_labels[c]), int(first[c]), int(last[c]))
    return {"n": int(bad.size), "cases": int(bad.size), "example": example, "rows": rows.tolist()}


def _span_error(spans: dict[str, Any], meta: LogMeta) -> LogError:
    n = spans["n"]
    case, first, last = spans["example"]
    return LogError(
        f"{n} case{'s' if n != 1 else ''}{v.where(meta.source)} "
        f"span{'s' if n == 1 else ''} more than 292 years, the longest duration "
        f"nanosecond timestamps can hold (e.g. case {case!r} runs from "
        f"{meta.timestamp_of(first)} to {meta.timestamp_of(last)}), so its durations would "
        "overflow. Such dates are usually placeholders for an unknown time (e.g. 1678-01-01 "
        f"or 2261-12-31): set them to missing in column {meta.timestamp!r} and pass "
        'on_error="collect", or drop those events.',
        column=meta.timestamp,
        rows=spans["rows"][:100],
        path=meta.source,
    )


def _duplicate_counts(log: JourneyLog) -> dict[str, Any]:
    """Events equal to the previous event of their case (same activity and timestamp)."""
    if log.n_events < 2:
        return _no_counts()
    dup = (
        (log.case_codes[1:] == log.case_codes[:-1])
        & (log.activity_codes[1:] == log.activity_codes[:-1])
        & (log.time[1:] == log.time[:-1])
    )
    n = int(np.count_nonzero(dup))
    if n == 0:
        return _no_counts()
    idx = np.flatnonzero(dup) + 1
    i = int(idx[0])
    example = (
        _label(log.case_labels[log.case_codes[i]]),
        _label(log.activity_labels[log.activity_codes[i]]),
        int(log.time[i]),
    )
    cases = int(np.unique(log.case_codes[idx]).size)
    return {"n": n, "cases": cases, "example": example, "rows": []}


def _duplicate_text(dups: dict[str, Any], meta: LogMeta) -> str | None:
    """The warning text for exact duplicates (they usually come from loading data twice)."""
    n, cases = dups["n"], dups["cases"]
    if n == 0:
        return None
    case, activity, ns = dups["example"]
    return (
        f"{n:,} event{'s' if n != 1 else ''}{v.where(meta.source)} "
        f"{'repeat' if n != 1 else 'repeats'} the event just before "
        f"{'them' if n != 1 else 'it'} in the same case (same activity and timestamp), "
        f"in {cases:,} case{'s' if cases != 1 else ''} (e.g. case {case!r}: {activity!r} at "
        f"{meta.timestamp_of(ns)}). Such exact duplicates usually come from loading data "
        "twice and show up as self-loops. Drop them with jm.filter_events(log, dedupe=True)."
    )


def _lifecycle_counts(log: JourneyLog, column: str | None) -> tuple[str, dict[str, int]] | None:
    """(column, events per case-folded transition) when the log has a lifecycle column."""
    if column is None:
        if LIFECYCLE not in log.columns:
            return None
        column = LIFECYCLE
    codes, labels = log.codes(column)
    keep = codes >= 0
    folded = [str(x).strip().casefold() for x in labels]
    per_label = np.bincount(codes[keep], minlength=len(labels))
    counts: dict[str, int] = {}
    for label, n in zip(folded, per_label.tolist(), strict=True):
        if n:
            counts[label] = counts.get(label, 0) + n
    return column, counts


def _lifecycle_text(found: tuple[str, dict[str, int]] | None, meta: LogMeta) -> str | None:
    """The warning text when a log mixes lifecycle transitions (e.g. start and complete)."""
    if found is None or len(found[1]) < 2:
        return None
    column, counts = found
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k}: {n:,}" for k, n in ordered)
    keep_value = "complete" if "complete" in counts else ordered[0][0]
    return (
        f"The log{v.where(meta.source)} mixes lifecycle transitions in column {column!r} "
        f"(events per transition: {shown}): an activity then appears once per transition, "
        "which shows up as self-loops and extra edges. Keep one transition with "
        f'jm.filter_events(log, lifecycle="{keep_value}"), or, if the column holds a '
        "sub-status rather than a transition, make it part of the activity."
    )
