"""Building result tables: int64 nanoseconds as datetimes and timedeltas, codes as labels.

Private module; every analysis builds its columns with these, so result
tables look the same whatever produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from journeymine._codes import factorize

NAT = np.iinfo(np.int64).min  # the int64 view of NaT
ENDED = "(ended)"  # the step of a journey that has ended (paths, step matrix)
NOT_STARTED = "(not started)"  # the step of a journey not started yet (centred step matrix)
DIFFERENCE = "difference"  # the block of a differential step matrix holding the difference


def datetimes(tz_aware: bool, ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 UTC nanoseconds as pandas datetimes, UTC-aware when ``tz_aware``."""
    out = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return out.tz_localize("UTC") if tz_aware else out


def timedeltas(ns: np.ndarray) -> np.ndarray:
    """int64 nanoseconds (:data:`NAT` for missing) as ``timedelta64[ns]``."""
    return np.asarray(ns, dtype=np.int64).view("timedelta64[ns]")


def names(values: Any, codes: np.ndarray) -> np.ndarray:
    """``values[codes]`` as an object array, with code -1 giving None."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = list(values)
    table[-1] = None
    return table[codes]


def first_and_last(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct keys, and the index of each one's first and last occurrence."""
    uniq, first = np.unique(key, return_index=True)
    _, rev_first = np.unique(key[::-1], return_index=True)
    last = key.shape[0] - 1 - rev_first
    return uniq, first, last


def concat_by_case(frames: Sequence[pd.DataFrame], case: str = "case") -> pd.DataFrame:
    """Concatenate per-partition per-case tables and order them by case as one log would.

    A log orders cases by their sorted ids and each partial table is already
    in log order, so a stable sort by the global order of the case ids gives
    the table of the whole log. The index is reset.
    """
    frames = [f for f in frames if f is not None]
    out = pd.concat(frames) if len(frames) > 1 else frames[0]
    if len(out):
        keys = out.index if case == "index" else out[case]
        if _non_decreasing(keys):  # one partition: in log order already
            return out if case == "index" else out.reset_index(drop=True)
        codes, _ = factorize(keys)
        if (np.diff(codes) < 0).any():
            out = out.iloc[np.argsort(codes, kind="stable")]
    return out if case == "index" else out.reset_index(drop=True)


def _non_decreasing(keys: Any) -> bool:
    """Whether case ids are in non-decreasing order (False when they cannot be compared).

    Arrow-backed strings are compared by pyarrow in place (code-point order, as
    Python compares str), numbers by numpy; other values by pandas.
    """
    values = keys.array if isinstance(keys, (pd.Series, pd.Index)) else keys
    if len(values) < 2:
        return True
    try:
        if hasattr(values, "__arrow_array__"):  # pandas' Arrow-backed arrays
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = pa.array(values)
            if arr.null_count == 0:
                return bool(
                    pc.all(pc.greater_equal(arr.slice(1), arr.slice(0, len(arr) - 1))).as_py()
                )
        if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
            return bool((values[1:] >= values[:-1]).all())
        return bool(pd.Index(values).is_monotonic_increasing)
    except (TypeError, ValueError, NotImplementedError):  # mixed types: ordered by their text
        return False
