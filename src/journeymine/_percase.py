"""Per-case primitives: the case table, first/last/any per case, written once.

Every analysis that needs a per-case value builds it from these (vectorised
over ``log.case_offsets`` and ``log.case_codes``, no per-case Python loops).
The engines use :class:`CaseTable` for ``log.case_table()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeymine._tables import concat_by_case, datetimes
from journeymine.engine.base import Kernel, LogMeta

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = [
    "CaseTable",
    "case_firsts",
    "case_lasts",
    "case_table_part",
    "per_case_any",
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
