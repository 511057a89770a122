"""Per-case primitives, each rule written once.

* first/last/any per case (:func:`case_firsts`, :func:`case_lasts`,
  :func:`per_case_any`, :func:`first_event`, :func:`last_event`,
  :func:`first_per_case`, :func:`last_per_case`, :func:`previous_event`);
* distinct (case, key) pairs and the number of cases per key
  (:func:`distinct_pairs`, :func:`pair_counts`, :func:`cases_per_key`):
  node and edge cases in discovery, observed moves in conformance;
* moves between consecutive *known* events of a case and runs of one value
  (:class:`KnownMoves`, :func:`known_moves`, :func:`run_heads`): the moves
  conformance judges, loops' stage regressions, stage visits and the
  stage-flow table;
* the sequence hash (:func:`sequence_keys`): variants and sequence filters;
* the case table (:class:`CaseTable`), which the engines use for
  ``log.case_table()``.

Every analysis that needs a per-case value builds it from these (vectorised
over ``log.case_offsets`` and ``log.case_codes``, no per-case Python loops).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeymine._tables import concat_by_case, datetimes
from journeymine.engine.base import Kernel, LogMeta

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = [
    "CaseTable",
    "KnownMoves",
    "case_firsts",
    "case_lasts",
    "case_table_part",
    "cases_per_key",
    "distinct_pairs",
    "first_event",
    "first_per_case",
    "known_moves",
    "last_event",
    "last_per_case",
    "pair_counts",
    "per_case_any",
    "previous_event",
    "run_heads",
    "run_starts",
    "sequence_keys",
]

#: (multiplier, position salt) of the two independent 64-bit hashes of a sequence
_HASH_KEYS = (
    (0x9E3779B97F4A7C15, 0x632BE59BD9B4E019),
    (0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9),
)


def case_firsts(log: JourneyLog) -> np.ndarray:
    """Index of each case's first event."""
    return log.case_offsets[:-1]


def case_lasts(log: JourneyLog) -> np.ndarray:
    """Index of each case's last event."""
    return log.case_offsets[1:] - 1


def per_case_any(log: JourneyLog, mask: np.ndarray) -> np.ndarray:
    """For each case, whether ``mask`` is true on one of its events."""
    if log.n_cases == 0:
        return np.zeros(0, dtype=bool)
    return np.bincount(log.case_codes[mask], minlength=log.n_cases) > 0


def first_per_case(case: np.ndarray, n_cases: int) -> np.ndarray:
    """Index of the first item of each case among items whose ``case`` is non-decreasing; -1 if none.

    ``case`` holds the case code of selected items in log order (e.g. the
    events of one activity), so a case's first item is where its run starts.
    """
    out = np.full(n_cases, -1, dtype=np.int64)
    if case.size:
        head = np.ones(case.size, dtype=bool)
        np.not_equal(case[1:], case[:-1], out=head[1:])
        at = np.flatnonzero(head)
        out[case[at]] = at
    return out


def last_per_case(case: np.ndarray, n_cases: int) -> np.ndarray:
    """Index of the last item of each case among items whose ``case`` is non-decreasing; -1 if none."""
    out = np.full(n_cases, -1, dtype=np.int64)
    if case.size:
        tail = np.ones(case.size, dtype=bool)
        np.not_equal(case[1:], case[:-1], out=tail[:-1])
        at = np.flatnonzero(tail)
        out[case[at]] = at
    return out


def first_event(log: JourneyLog, mask: np.ndarray) -> np.ndarray:
    """Event index of each case's first event where ``mask`` is true; -1 if it has none."""
    where = np.flatnonzero(mask)
    first = first_per_case(log.case_codes[where], log.n_cases)
    return np.where(first >= 0, where[first] if where.size else -1, -1)


def last_event(log: JourneyLog, mask: np.ndarray) -> np.ndarray:
    """Event index of each case's last event where ``mask`` is true; -1 if it has none."""
    where = np.flatnonzero(mask)
    last = last_per_case(log.case_codes[where], log.n_cases)
    return np.where(last >= 0, where[last] if where.size else -1, -1)


def previous_event(log: JourneyLog, mask: np.ndarray) -> np.ndarray:
    """For each event, the index of the latest earlier event of its case where ``mask`` is
    true (-1 when there is none): e.g. the previous known event of each event."""
    n = log.n_events
    idx = np.where(mask, np.arange(n, dtype=np.int64), -1)
    if n == 0:
        return idx
    running = np.maximum.accumulate(idx)  # indices grow with the case codes
    out = np.full(n, -1, dtype=np.int64)
    out[1:] = running[:-1]
    firsts = log.case_offsets[:-1]
    out[out < np.repeat(firsts, np.diff(log.case_offsets))] = -1  # not in the event's case
    return out


# -- distinct (case, key) pairs -------------------------------------------------------
#: pair keys ``case * width + key`` stay below this (else keys are compacted or sorted)
_PAIR_LIMIT = 1 << 62
#: up to this many items per case (on average) the stable sort of pair keys is the faster
_STABLE_RUNS = 256


def distinct_pairs(case: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """The distinct (case, key) pairs as sorted int64 keys ``case * max(n_keys, 1) + key``.

    ``case`` and ``key`` are non-negative integers, ``key < n_keys``, and
    ``(max(case) + 1) * n_keys`` must stay below 2**62 (:func:`cases_per_key`
    handles bigger spaces). Keys are 32-bit when they fit. With ``case`` in
    log order (non-decreasing) and short cases the pair keys are nearly
    sorted, which numpy's stable sort (a merge sort that finds the sorted
    runs) handles 2-5 times faster than its default one; for long cases the
    default (vectorised) sort is faster, and equal keys need no order.
    """
    width = max(int(n_keys), 1)
    if case.size == 0:
        return np.empty(0, dtype=np.int64)
    top = (int(case.max()) + 1) * width
    if top >= _PAIR_LIMIT:
        raise ValueError(f"distinct_pairs(): {top:,} pair keys do not fit in int64")
    dtype = np.int32 if top < 2**31 else np.int64
    pairs = case.astype(dtype)  # the only full-size copy: the rest is done in place
    pairs *= dtype(width)
    np.add(pairs, key, out=pairs, casting="unsafe")  # key < width: fits
    per_case = pairs.size / (top // width)
    pairs.sort(kind="stable" if per_case <= _STABLE_RUNS else None)
    first = np.empty(pairs.size, dtype=bool)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return pairs[first].astype(np.int64)


def pair_counts(pairs: np.ndarray, n_keys: int) -> np.ndarray:
    """Number of distinct pairs per key, from :func:`distinct_pairs`' keys (length ``n_keys``)."""
    width = max(int(n_keys), 1)
    key = pairs - pairs // width * width  # ``% width``: numpy divides by a scalar faster
    return np.bincount(key, minlength=n_keys).astype(np.int64, copy=False)


def cases_per_key(case: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key ``0 .. n_keys - 1``, the number of distinct cases it occurs in.

    ``case`` and ``key`` are parallel arrays of non-negative integers
    (``key < n_keys``); a key counts once per case however often the case
    has it. Any key space works: when ``case * n_keys`` would overflow,
    the keys are compacted to the ones present first, and past that the
    pairs are sorted without combining them.
    """
    case = np.asarray(case, dtype=np.int64)
    key = np.asarray(key, dtype=np.int64)
    if key.size == 0:
        return np.zeros(n_keys, dtype=np.int64)
    top = int(case.max()) + 1
    if top * max(int(n_keys), 1) < _PAIR_LIMIT:
        return pair_counts(distinct_pairs(case, key, n_keys), n_keys)
    present, compact = np.unique(key, return_inverse=True)
    out = np.zeros(n_keys, dtype=np.int64)
    if top * present.size < _PAIR_LIMIT:
        out[present] = pair_counts(
            distinct_pairs(case, compact.reshape(-1), present.size), present.size
        )
        return out
    order = np.lexsort((case, key))
    k, c = key[order], case[order]
    new = np.ones(k.size, dtype=bool)
    new[1:] = (k[1:] != k[:-1]) | (c[1:] != c[:-1])
    uniq, counts = np.unique(k[new], return_counts=True)
    out[uniq] = counts
    return out


# -- moves between consecutive known events, and runs ---------------------------------
@dataclass(frozen=True)
class KnownMoves:
    """The known events of a log (``value >= 0``) and the moves between consecutive ones.

    Events with a negative value (an activity the model does not know) are
    skipped: a move goes from a case's known event to its next known event,
    whatever unknown events lie between. Build it with :func:`known_moves`.
    """

    #: event index of each known event, in log order
    known: np.ndarray
    #: value (e.g. the stage) and case code of each known event
    value: np.ndarray
    case_of: np.ndarray

    @cached_property
    def first(self) -> np.ndarray:
        """Whether each known event is the first known event of its case."""
        out = np.ones(self.known.size, dtype=bool)
        np.not_equal(self.case_of[1:], self.case_of[:-1], out=out[1:])
        return out

    @cached_property
    def last(self) -> np.ndarray:
        """Whether each known event is the last known event of its case."""
        out = np.ones(self.known.size, dtype=bool)
        out[:-1] = self.first[1:]
        return out

    @cached_property
    def move(self) -> np.ndarray:
        """Index (into the known events) of each known event that makes a move."""
        return np.flatnonzero(~self.first[1:]) + 1

    @cached_property
    def cur(self) -> np.ndarray:
        """Event index of the event making each move."""
        return self.known[self.move]

    @cached_property
    def prev(self) -> np.ndarray:
        """Event index of the known event before each move."""
        return self.known[self.move - 1]

    @cached_property
    def src(self) -> np.ndarray:
        """Value moved from."""
        return self.value[self.move - 1]

    @cached_property
    def dst(self) -> np.ndarray:
        """Value moved to."""
        return self.value[self.move]

    @cached_property
    def case(self) -> np.ndarray:
        """Case code of each move."""
        return self.case_of[self.move]


def known_moves(case_codes: np.ndarray, value: np.ndarray) -> KnownMoves:
    """The known events (``value >= 0``) of events with ``case_codes`` in log order, and their moves."""
    known = np.flatnonzero(value >= 0)
    return KnownMoves(known=known, value=value[known], case_of=case_codes[known])


def run_starts(case: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Whether each item starts a run: a maximal stretch of one case's items with one value.

    ``case`` and ``value`` are parallel, in log order (self-loops: the
    events of a log with their activity codes).
    """
    start = np.ones(case.size, dtype=bool)
    if case.size > 1:
        np.not_equal(case[1:], case[:-1], out=start[1:])
        start[1:] |= value[1:] != value[:-1]
    return start


def run_heads(moves: KnownMoves) -> np.ndarray:
    """Index (into the known events) of the first event of each run of one value among a
    case's known events (a stage visit, with stages as values); see :func:`run_starts`."""
    return np.flatnonzero(run_starts(moves.case_of, moves.value))


def sequence_keys(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit key per sequence of codes (``offsets`` delimit the sequences; none empty).

    Two independent polynomial hashes of (code, position) and the length:
    equal sequences get equal keys, unequal ones collide with negligible
    probability. Callers that need exactness (variants, filters on
    sequences) compare candidates element by element.
    """
    n_seq = len(offsets) - 1
    if codes.size == 0:
        return np.zeros(n_seq, dtype=np.uint64)
    sizes = np.diff(offsets)
    seq = np.repeat(np.arange(n_seq), sizes)
    pos = (np.arange(codes.size) - offsets[seq]).astype(np.uint64)
    out = []
    with np.errstate(over="ignore"):
        for mult, salt in _HASH_KEYS:
            m = np.uint64(mult)
            # each code mixed with its position, so order matters
            x = (codes.astype(np.uint64) + np.uint64(1)) * m + pos * np.uint64(salt)
            x ^= x >> np.uint64(29)
            x *= m
            x ^= x >> np.uint64(32)
            out.append(np.add.reduceat(x, offsets[:-1]))
        return out[0] ^ (out[1] * np.uint64(_HASH_KEYS[0][0])) ^ sizes.astype(np.uint64)


def case_table_part(log: JourneyLog) -> pd.DataFrame:
    """The case table of an in-memory log (see :func:`journeymine.case_table`)."""
    firsts, lasts = case_firsts(log), case_lasts(log)
    start = log.time[firsts]
    end = log.time[lasts]
    labels = np.asarray(log.activity_labels, dtype=object)
    out = pd.DataFrame(
        {
            "case": log.case_labels,
            "events": log.case_sizes.astype(np.int64),
            "start": datetimes(log.tz_aware, start),
            "end": datetimes(log.tz_aware, end),
            "duration": pd.to_timedelta(end - start, unit="ns"),
            "first_activity": pd.Series(labels[log.activity_codes[firsts]], dtype=object),
            "last_activity": pd.Series(labels[log.activity_codes[lasts]], dtype=object),
        }
    )
    rows = log.rows[firsts]
    for col in log.columns:
        if col in (log.case, log.activity, log.timestamp):
            continue
        name = col if col not in out.columns else f"{col}_first"
        out[name] = log._frame[col].take(rows).reset_index(drop=True)
    return out


@dataclass(frozen=True)
class CaseTable(Kernel[pd.DataFrame, pd.DataFrame]):
    """The case table as a kernel: one row per case, merged by concatenation."""

    name = "case_table"

    def part(self, log: JourneyLog) -> pd.DataFrame:
        return case_table_part(log)

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged])
