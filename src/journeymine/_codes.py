"""Integer codes and the (case, time, row) order: the hot path of building a log.

Private module. :func:`factorize` turns a column into sorted integer codes;
:func:`order_events` orders events by case, then time, then input row. Both
give exactly what ``pd.factorize(sort=True)`` and
``np.lexsort((rows, time, case))`` give, only faster:

- Text held as Arrow strings (pandas' default ``str`` dtype, Parquet, Arrow
  and Polars input) is coded without Python objects. Short ids (at most
  :data:`_MAX_WIDTH` bytes, the usual case of customer ids) become one
  order-preserving integer per row: each byte position is mapped to the rank
  of its byte among the bytes seen at that position (a mixed-radix number),
  so integer order is string order and no hashing or string sort is needed.
  Other text goes through Arrow's hash-based dictionary encoding, and only
  the distinct labels are sorted.
- Case ids that come in runs of equal neighbours (rows sorted by case) are
  coded once per run.
- Events are grouped by case with a stable counting sort (O(n)). Each event
  then gets a key, its time's offset within its case plus the spans of the
  cases before it, that increases from case to case; one stable sort of the
  keys (timsort merges the sorted runs in about linear time) orders events
  within cases. When the keys would overflow (cases spanning centuries in
  nanoseconds), only cases whose events are out of time order are sorted,
  row-wise in blocks of cases of equal length, by an odd-even transposition
  sort that swaps only strictly greater times (so ties keep the input order).
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["arrow_strings", "factorize", "group_events", "order_events", "order_within_cases"]

# text ids up to this many bytes get the mixed-radix integer path
_MAX_WIDTH = 32
# events of cases longer than this are ordered with one lexsort instead
_MAX_ROW_SORT = 64
# runs of equal neighbours are looked for in columns of at least this many rows,
# and coded once per run when this share of a sample of rows repeats its neighbour
_RUNS_MIN_ROWS = 1 << 16
_RUNS_SAMPLE = 1 << 16
_RUNS_MIN_SHARE = 0.25


def factorize(values: Any) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (``-1`` for missing) and sorted unique labels of ``values``.

    Labels are sorted so that codes do not depend on row order; labels of
    mixed types that cannot be compared are sorted by their text. Values
    that come in runs of equal neighbours (case ids of rows sorted by case)
    are coded once per run. Categorical values are sorted by value too,
    not in their categories' order, and only the categories present are kept.
    """
    coded = _categorical(values)
    if coded is not None:
        return coded
    heads = _run_heads(values)
    if heads is not None:
        taken = values.iloc[heads] if isinstance(values, pd.Series) else values[heads]
        coded = _increasing(taken)
        codes, labels = coded if coded is not None else _factorize(taken)
        return np.repeat(codes, np.diff(np.append(heads, len(values)))), labels
    return _factorize(values)


def _categorical(values: Any) -> tuple[np.ndarray, pd.Index] | None:
    """:func:`factorize` of categorical values from their codes (None for other values)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array
    elif isinstance(values, pd.Categorical):
        cat = values
    else:
        return None
    codes = np.asarray(cat.codes, dtype=np.int64)
    used = np.zeros(len(cat.categories), dtype=bool)
    used[codes[codes >= 0]] = True
    kept = np.flatnonzero(used)
    # the categories are distinct, so their own codes are their ranks by value
    ranks, labels = _factorize(pd.Series(cat.categories[kept]))
    remap = np.full(len(cat.categories), -1, dtype=np.int64)
    remap[kept] = ranks
    return np.where(codes >= 0, remap[np.maximum(codes, 0)], -1), labels


def _increasing(values: Any) -> tuple[np.ndarray, pd.Index] | None:
    """Codes ``0..n-1`` and the values as labels if they strictly increase (sorted ids); else None.

    Only Arrow strings without missing values and plain numpy numbers are
    looked at, in the order pandas sorts them (code points; numbers).
    """
    arrow = arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        if arrow.null_count:
            return None
        n = len(arrow)
        if n > 1 and not pc.all(pc.less(arrow.slice(0, n - 1), arrow.slice(1))).as_py():
            return None
        labels = pd.Index(pd.array(arrow, dtype=values.dtype))
    else:
        array = values.to_numpy() if isinstance(values, pd.Series) else values
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "iuf":
            return None
        if not (array[1:] > array[:-1]).all():  # NaN compares False
            return None
        labels = pd.Index(array)
    return np.arange(len(labels), dtype=np.int64), labels


def _run_heads(values: Any) -> np.ndarray | None:
    """Where each run of equal neighbours starts, if runs are long enough to pay; else None.

    Only text held as Arrow strings and plain numpy numbers are looked at:
    comparing neighbours is one vectorised pass for them. A sample of the
    first rows decides whether the full pass is worth it.
    """
    n = len(values)
    if n < max(_RUNS_MIN_ROWS, 2):
        return None
    arrow = arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        def neighbours_equal(lo: int, hi: int) -> np.ndarray:
            same = pc.equal(arrow.slice(lo + 1, hi - lo - 1), arrow.slice(lo, hi - lo - 1))
            return np.asarray(same.fill_null(False), dtype=bool)
    else:
        array = values.to_numpy() if isinstance(values, pd.Series) else values
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "iufb":
            return None

        def neighbours_equal(lo: int, hi: int) -> np.ndarray:
            part = array[lo:hi]
            return np.asarray(part[1:] == part[:-1])

    if neighbours_equal(0, min(n, _RUNS_SAMPLE)).mean() < _RUNS_MIN_SHARE:
        return None
    head = np.empty(n, dtype=bool)
    head[0] = True
    np.logical_not(neighbours_equal(0, n), out=head[1:])
    return np.flatnonzero(head)


def _factorize(values: Any) -> tuple[np.ndarray, pd.Index]:
    """:func:`factorize` without looking for runs."""
    arrow = arrow_strings(values)
    if arrow is not None:
        coded = _factorize_arrow(values, arrow)
        if coded is not None:
            return coded
    try:
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    except TypeError:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        order = np.argsort(np.asarray([str(u) for u in uniques], dtype=object), kind="stable")
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        uniques = pd.Index(np.asarray(uniques, dtype=object)[order])
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def arrow_strings(values: Any) -> Any:
    """The Arrow string array behind a pandas Series, or None if it is not one."""
    if not isinstance(values, pd.Series):
        return None
    dtype = values.dtype
    storage = getattr(dtype, "storage", None)
    pa_type = getattr(dtype, "pyarrow_dtype", None)
    if not (
        (isinstance(dtype, pd.StringDtype) and storage == "pyarrow")
        or (pa_type is not None and str(pa_type) in ("string", "large_string", "string_view"))
    ):
        return None
    try:
        import pyarrow as pa

        arr = values.array.__arrow_array__()
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        if pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.large_string())
        return arr
    except Exception:  # pragma: no cover - an Arrow layout this code does not know
        return None


def _factorize_arrow(values: pd.Series, arr: Any) -> tuple[np.ndarray, pd.Index] | None:
    """Sorted codes of Arrow strings: mixed-radix integers, else dictionary encoding."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    valid = None
    if arr.null_count:
        valid = np.asarray(arr.is_valid())
        present = np.flatnonzero(valid)
        arr = arr.filter(pa.array(valid))
    else:
        present = None
    radix = None if _few_distinct(arr) else _radix_keys(arr)
    if radix is not None:
        key, span = radix.key, radix.span
        if span <= 4 * len(key) + 1024:
            seen = np.zeros(span, dtype=bool)
            seen[key] = True
            rank = np.cumsum(seen, dtype=np.int64) - 1
            codes = rank[key]
            used = np.flatnonzero(seen) if radix.fixed is not None else None
        else:
            codes, used = pd.factorize(key, sort=True)
            codes = np.asarray(codes, dtype=np.int64)
        if radix.fixed is not None:  # one width: the labels are rebuilt from their keys
            label_arr = radix.strings(np.asarray(used))
        else:
            n_labels = int(codes.max()) + 1 if len(codes) else 0
            first = np.empty(n_labels, dtype=np.int64)
            first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1, dtype=np.int64)
            label_arr = arr.take(pa.array(first))
    else:
        encoded = pc.dictionary_encode(arr)
        dictionary = encoded.dictionary
        by_text = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
        rank = np.empty(len(by_text), dtype=np.int64)
        rank[by_text] = np.arange(len(by_text), dtype=np.int64)
        codes = rank[np.asarray(encoded.indices, dtype=np.int64)]
        label_arr = dictionary.take(pa.array(by_text))
    if present is not None:
        full = np.full(n, -1, dtype=np.int64)
        full[present] = codes
        codes = full
    labels = pd.Index(pd.array(label_arr, dtype=values.dtype))
    return codes, labels


def _few_distinct(arr: Any) -> bool:
    """Whether a sample of ``arr`` has few distinct values (then hashing is cheapest)."""
    import pyarrow.compute as pc

    sample = (
        arr.slice(0, 1 << 16)
        if len(arr) <= 1 << 20
        else arr.take(np.linspace(0, len(arr) - 1, 1 << 16).astype(np.int64))
    )
    return int(pc.count_distinct(sample).as_py()) * 20 < len(sample)


class _Radix:
    """Order-preserving integer keys of short strings (see :func:`_radix_keys`).

    ``key`` holds one integer per string; ``digits`` the varying byte
    positions with the lowest byte and the number of byte values each
    takes (the key is the mixed-radix number of the bytes minus their
    lowest value); ``width`` the longest string and ``fixed`` the bytes of
    the first string, for positions that never vary, when every string has
    that width.
    """

    def __init__(
        self,
        key: np.ndarray,
        span: int,
        digits: list[tuple[int, int, int]],
        width: int,
        fixed: np.ndarray | None,
    ) -> None:
        self.key, self.span, self.digits, self.width, self.fixed = key, span, digits, width, fixed

    def strings(self, keys: np.ndarray) -> Any:
        """The strings of the given keys, as an Arrow array (only when all have one width)."""
        import pyarrow as pa

        assert self.fixed is not None
        n = len(keys)
        matrix = np.empty((n, self.width), dtype=np.uint8)
        matrix[:] = self.fixed
        rest = np.asarray(keys, dtype=np.int64).copy()
        for j, low, base in reversed(self.digits):
            rest, digit = np.divmod(rest, base)
            matrix[:, j] = digit + low
        large = (n + 1) * self.width >= 2**31
        offsets = np.arange(
            0, (n + 1) * self.width, self.width, dtype=np.int64 if large else np.int32
        )
        return pa.Array.from_buffers(
            pa.large_string() if large else pa.string(),
            n,
            [None, pa.py_buffer(offsets), pa.py_buffer(matrix)],
        )


def _radix_keys(arr: Any) -> _Radix | None:
    """Order-preserving integer keys of short strings, and their range; None if impossible.

    Strings are compared byte by byte (UTF-8 byte order is code point order,
    the order pandas and Arrow sort text in). Shorter strings are padded with
    zero bytes, which sort before every other byte: this keeps the order and
    keeps distinct strings apart as long as no string holds a zero byte.
    Each byte position that varies is one digit, its byte minus the lowest
    byte seen there, in base (highest - lowest + 1).
    """
    import pyarrow as pa

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or not len(arr):
        return None
    bufs = arr.buffers()
    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type)[arr.offset : arr.offset + len(arr) + 1]
    n = len(arr)
    first, total = int(offsets[0]), int(offsets[-1]) - int(offsets[0])
    width = int(offsets[1]) - first
    fixed_width = total == width * n and bool((np.diff(offsets) == width).all())
    if not fixed_width:
        offsets = offsets.astype(np.int64)
        lengths = np.diff(offsets)
        width = int(lengths.max())
    if width > _MAX_WIDTH or bufs[2] is None and width:
        return None
    data = (
        np.frombuffer(bufs[2], dtype=np.uint8)[first : first + total]
        if width
        else np.empty(0, dtype=np.uint8)
    )
    if width and not data.all():  # a zero byte: padding would be ambiguous
        return None
    if width == 0:
        return _Radix(np.zeros(n, dtype=np.int64), 1, [], 0, None)
    if fixed_width:
        matrix = data.reshape(n, width)

        def column(j: int) -> np.ndarray:
            return matrix[:, j]
    else:
        starts = offsets[:-1] - offsets[0]
        padded = np.concatenate([data, np.zeros(width, dtype=np.uint8)])

        def column(j: int) -> np.ndarray:
            out = padded[starts + j]
            out[lengths <= j] = 0
            return out

    digits: list[tuple[int, int, int]] = []
    columns = []
    span = 1
    for j in range(width):
        byte = column(j)
        low, high = int(byte.min()), int(byte.max())
        if low == high:
            continue  # the same byte in every row: it orders nothing
        base = high - low + 1
        span *= base
        if span >= 1 << 62:
            return None
        digits.append((j, low, base))
        columns.append(byte)
    dtype = np.int32 if span < 1 << 31 else np.int64
    key = np.zeros(n, dtype=dtype)
    lowest = 0
    for (_, low, base), byte in zip(digits, columns, strict=True):
        key *= base
        np.add(key, byte, out=key, casting="unsafe")
        lowest = lowest * base + low
    # the raw mixed-radix number may wrap around the integer type; subtracting the
    # lowest one modulo 2**bits gives the exact key, which lies in [0, span)
    bits = 8 * key.itemsize
    wrapped = lowest % (1 << bits)
    key -= dtype(wrapped - (1 << bits) if wrapped >= 1 << (bits - 1) else wrapped)
    fixed = data[:width].copy() if fixed_width else None
    return _Radix(key, span, digits, width, fixed)


def order_events(
    case_codes: np.ndarray, time: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Order events by (case, time, input order); None if they are in that order already.

    ``counts`` holds the number of events of each case. Returns the
    permutation, equal to ``np.lexsort((np.arange(n), time, case_codes))``,
    and ``time`` in that order.
    """
    grouped = group_events(case_codes, time, counts)
    return None if grouped is None else order_within_cases(*grouped, counts)


def group_events(
    case_codes: np.ndarray, time: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Events grouped by case, in input order within cases: (permutation, times); None if in order.

    The first half of :func:`order_events`: a stable O(n) counting sort.
    """
    n = len(case_codes)
    if n == 0 or _is_sorted(case_codes, time):
        return None
    order = _group_by_case(case_codes, len(counts))
    return order, time[order]


def order_within_cases(
    order: np.ndarray, t: np.ndarray, counts: np.ndarray, pool: Executor | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Events grouped by case (``order``, ``t`` from :func:`group_events`) ordered by time within cases.

    The second half of :func:`order_events`. With an executor, the first half
    of the cases is ordered on its thread while this one orders the second:
    the keys increase from case to case, so the halves are independent.
    """
    n_cases = len(counts)
    starts = np.zeros(n_cases + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    out_order = np.empty_like(order)
    out_t = np.empty_like(t)

    def part(a: int, b: int) -> bool:  # cases a..b-1
        lo, hi = int(starts[a]), int(starts[b])
        return _sort_by_keys(
            order[lo:hi],
            t[lo:hi],
            counts[a:b],
            starts[a : b + 1] - lo,
            out_order[lo:hi],
            out_t[lo:hi],
        )

    if pool is not None and n_cases >= 2:
        first = pool.submit(part, 0, n_cases // 2)
        fitted = part(n_cases // 2, n_cases) & first.result()
    else:
        fitted = part(0, n_cases)
    if fitted:
        return out_order, out_t
    return _sort_rows_of_cases(order, t, counts, starts)


def _sort_by_keys(
    order: np.ndarray,
    t: np.ndarray,
    counts: np.ndarray,
    starts: np.ndarray,
    out_order: np.ndarray,
    out_t: np.ndarray,
) -> bool:
    """Order grouped events within cases by one stable sort of keys into ``out_*``; False if keys overflow."""
    if not len(t):
        return True
    key = _within_case_keys(t, counts, starts)
    if key is None:
        return False
    if not (key[1:] < key[:-1]).any():
        out_order[:] = order
        out_t[:] = t
        return True
    within = np.argsort(key, kind="stable")
    del key
    np.take(order, within, out=out_order)
    np.take(t, within, out=out_t)
    return True


def _sort_rows_of_cases(
    order: np.ndarray, t: np.ndarray, counts: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The fallback when keys would overflow: sort only the cases out of time order, row-wise."""
    n = len(t)
    n_cases = len(counts)
    order = order.copy()
    t = t.copy()
    descent = np.flatnonzero(t[1:] < t[:-1])
    if descent.size:
        # a descent at i is inside a case unless i + 1 starts a case
        first_of_case = np.zeros(n + 1, dtype=bool)
        first_of_case[starts] = True
        descent = descent[~first_of_case[descent + 1]]
    if descent.size == 0:
        return order, t
    unsorted = np.zeros(n_cases, dtype=bool)
    unsorted[np.searchsorted(starts, descent, side="right") - 1] = True
    cases = np.flatnonzero(unsorted)
    sizes = counts[cases]
    short = sizes <= _MAX_ROW_SORT
    for size in np.unique(sizes[short]):
        block = cases[sizes == size]
        idx = starts[block][:, None] + np.arange(size, dtype=np.int64)
        values, perm = _sort_rows(t[idx], idx)
        order[idx] = order[perm]
        t[idx] = values
    if not short.all():
        block = cases[~short]
        lens = counts[block]
        idx = np.repeat(starts[block] - (np.cumsum(lens) - lens), lens) + np.arange(
            int(lens.sum()), dtype=np.int64
        )
        within = idx[np.lexsort((t[idx], np.repeat(np.arange(len(block)), lens)))]
        order[idx] = order[within]
        t[idx] = t[within]
    return order, t


def _within_case_keys(t: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> np.ndarray | None:
    """Keys whose stable sort orders events grouped by case by time within each case.

    Each time becomes its offset from its case's first time (divided by the
    times' greatest common divisor when needed) plus the total span of the
    cases before it: an int64 key that increases from case to case, so it is
    out of order within cases only and numpy's stable sort (timsort, which
    merges sorted runs) orders it in about linear time. None when the keys
    would not fit in 62 bits.
    """
    if not counts.all():  # cases without events take no part
        counts = counts[counts > 0]
        starts = np.concatenate([[0], np.cumsum(counts)])
    heads = starts[:-1]
    low = np.minimum.reduceat(t, heads)
    high = np.maximum.reduceat(t, heads)
    with np.errstate(over="ignore"):
        spans = high - low
    if (spans < 0).any():  # a case spanning more than int64 nanoseconds
        return None
    key = np.repeat(low, counts)
    np.subtract(t, key, out=key)  # offsets within the case
    if float(spans.sum(dtype=np.float64)) + len(spans) >= 2.0**62:
        step = int(np.gcd.reduce(key))
        if step > 1:
            np.floor_divide(key, step, out=key)
            spans //= step
        if float(spans.sum(dtype=np.float64)) + len(spans) >= 2.0**62:
            return None
    spans += 1
    key += np.repeat(np.cumsum(spans) - spans, counts)
    return key


def _sort_rows(values: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``values`` sorted, and ``idx`` moved alike; equal values keep their order.

    An odd-even transposition sort over the columns: ``k`` passes sort rows of
    ``k`` values, each pass a vectorised compare-and-swap of neighbouring
    columns. Swapping only strictly greater values keeps it stable.
    """
    values = values.copy()
    idx = idx.copy()
    k = values.shape[1]
    for p in range(k):
        for j in range(p % 2, k - 1, 2):
            left = values[:, j]
            right = values[:, j + 1]
            swap = np.flatnonzero(left > right)
            if swap.size:
                moved = left[swap]
                left[swap] = right[swap]
                right[swap] = moved
                moved = idx[swap, j]
                idx[swap, j] = idx[swap, j + 1]
                idx[swap, j + 1] = moved
    return values, idx


def _group_by_case(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Stable O(n) counting sort of integer codes in [0, n_groups)."""
    try:
        from pandas._libs.algos import groupsort_indexer
    except ImportError:  # pragma: no cover - private pandas API moved
        return np.argsort(codes, kind="stable")
    indexer, _ = groupsort_indexer(np.asarray(codes, dtype=np.intp), int(n_groups))
    return np.asarray(indexer, dtype=np.int64)


def _is_sorted(case_codes: np.ndarray, time: np.ndarray) -> bool:
    """Whether events are already ordered by case, then time."""
    step = case_codes[1:] - case_codes[:-1]
    if (step < 0).any():
        return False
    back = time[1:] < time[:-1]
    return not (back & (step == 0)).any()
