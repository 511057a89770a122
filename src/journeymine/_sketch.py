"""Mergeable duration summaries: exact counts, sums, min, max, and a log-bucketed histogram.

Private module. Durations are int64 nanoseconds. The histogram puts a
duration ``d > 0`` in bucket ``ceil(log(d) / log(GAMMA))`` and zero in its own
bucket, so every quantile read from it is within ``RELATIVE_ERROR`` (1 %) of
the exact (linearly interpolated) quantile, and histograms of disjoint data add
up exactly. Discovered graphs use :func:`exact_quantiles`; only merged graphs
read their quantiles from the histogram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = np.log(GAMMA)
ZERO_BUCKET = -1
_PART_BITS = 21
_PART_MASK = (1 << _PART_BITS) - 1


def bucket_of(durations: np.ndarray) -> np.ndarray:
    """Histogram bucket of each duration (int64 ns, >= 0)."""
    d = np.asarray(durations, dtype=np.int64)
    out = np.full(d.shape, ZERO_BUCKET, dtype=np.int64)
    pos = d > 0
    out[pos] = np.ceil(np.log(d[pos].astype(np.float64)) / _LOG_GAMMA - 1e-12).astype(np.int64)
    return out


def bucket_value(buckets: np.ndarray) -> np.ndarray:
    """Representative duration (ns, float) of each bucket, within 1 % of its members."""
    b = np.asarray(buckets, dtype=np.float64)
    val = 2.0 * np.exp(b * _LOG_GAMMA) / (GAMMA + 1.0)
    return np.where(buckets == ZERO_BUCKET, 0.0, val)


def sum_parts(group: np.ndarray, durations: np.ndarray, n_groups: int) -> np.ndarray:
    """Exact per-group sums of int64 durations, as three 21-bit partial sums.

    Each part is summed in float64, which is exact while a group has fewer
    than 2**32 members; the parts add up exactly when merged.
    """
    d = np.asarray(durations, dtype=np.int64)
    parts = np.empty((n_groups, 3), dtype=np.float64)
    for k in range(3):
        piece = (d >> (_PART_BITS * k)) & _PART_MASK
        parts[:, k] = np.bincount(group, weights=piece, minlength=n_groups)
    return parts


def sorted_sum_parts(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """:func:`sum_parts` of durations already sorted by group (``counts`` per group).

    Each 21-bit part is summed exactly in int64 over the group's run, then
    held as float64 as :func:`sum_parts` holds it (exact below 2**53).
    """
    counts = np.asarray(counts, dtype=np.int64)
    parts = np.zeros((counts.size, 3), dtype=np.float64)
    has = counts > 0
    if not has.any():
        return parts
    starts = (np.cumsum(counts) - counts)[has]
    for k in range(3):
        piece = np.right_shift(ordered, _PART_BITS * k)
        piece &= _PART_MASK
        parts[has, k] = np.add.reduceat(piece, starts)
    return parts


def mean_from_parts(parts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean (ns, float64) from 21-bit partial sums; deterministic for equal sums."""
    total = (
        parts[:, 2] * float(1 << (2 * _PART_BITS))
        + parts[:, 1] * float(1 << _PART_BITS)
        + parts[:, 0]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def sorted_histogram(ordered: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    """Sparse histogram of durations sorted by (group, duration): one row per (group, bucket).

    The rows hold ``group``, ``bucket`` and ``count``, sorted. ``ordered`` holds the durations of group 0, then group 1, ..., each
    ascending, and ``counts`` the size of each group (as
    :func:`exact_quantiles` sorts them). Buckets grow with the duration, so
    equal (group, bucket) pairs are neighbours and are counted by run length,
    with no sort and no key range to allocate.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if ordered.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return pd.DataFrame({"group": empty, "bucket": empty, "count": empty})
    buckets = bucket_of(ordered)
    head = np.zeros(ordered.size, dtype=bool)
    head[0] = True
    np.not_equal(buckets[1:], buckets[:-1], out=head[1:])
    starts = np.cumsum(counts) - counts
    head[starts[counts > 0]] = True
    at = np.flatnonzero(head)
    size = np.diff(np.append(at, ordered.size))
    group = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    return pd.DataFrame({"group": group[at], "bucket": buckets[at], "count": size})


def _ranks(q: float, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For groups of ``n`` sorted values: the two ranks the q-quantile lies between, and its weight.

    Linear interpolation as numpy's default: position ``q * (n - 1)``, between
    ranks ``floor`` of it and the next one (the last for the maximum).
    """
    pos = q * np.maximum(n - 1, 0)
    below = np.floor(pos).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(n - 1, 0))
    return below, above, pos - below


def quantiles(
    hist: pd.DataFrame, n_groups: int, qs: tuple[float, ...], lo: np.ndarray, hi: np.ndarray
) -> list[np.ndarray]:
    """Quantiles per group from a sparse histogram sorted by (group, bucket).

    The q-quantile interpolates linearly between the elements of ranks
    ``floor(q * (n - 1))`` and the next one (0-based, ascending), as numpy's
    default does; each element is read from its bucket (within
    ``RELATIVE_ERROR`` of its value) and clamped to the group's exact
    [min, max]. A weighted mean of two values each within 1 % of their exact
    values is within 1 % of the exact weighted mean, so the quantile is within
    1 % of the exact one.
    """
    g = hist["group"].to_numpy(dtype=np.int64)
    c = hist["count"].to_numpy(dtype=np.int64)
    b = hist["bucket"].to_numpy(dtype=np.int64)
    cum = np.cumsum(c)
    n = np.bincount(g, weights=c, minlength=n_groups).astype(np.int64)
    base = np.zeros(n_groups, dtype=np.int64)
    np.cumsum(n[:-1], out=base[1:])
    vals = bucket_value(b)
    has = n > 0
    out = []
    for q in qs:
        below, above, frac = _ranks(q, n)
        res = np.full(n_groups, np.nan)
        if len(cum):
            v = []
            for rank in (below, above):
                idx = np.minimum(np.searchsorted(cum, base + rank + 1, side="left"), len(cum) - 1)
                v.append(np.clip(vals[idx[has]], lo[has], hi[has]))
            res[has] = v[0] + (v[1] - v[0]) * frac[has]
        out.append(res)
    return out


def exact_quantiles(
    group: np.ndarray,
    values: np.ndarray,
    counts: np.ndarray,
    qs: tuple[float, ...],
    *,
    keep_sorted: bool = False,
) -> list[np.ndarray]:
    """Exact per-group quantiles of int64 ``values``, interpolated linearly (numpy's default).

    ``group`` holds codes ``0..len(counts) - 1`` and ``counts`` the size of
    each group. One sort by (group, value); the quantile of a group of ``n``
    values lies between its elements of ranks ``floor(q * (n - 1))`` and the
    next one. NaN for empty groups. With ``keep_sorted=True`` the values
    sorted by (group, value) are appended to the list.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n_groups = counts.size
    values = np.asarray(values, dtype=np.int64)
    group = np.asarray(group, dtype=np.int64)
    low = int(values.min()) if values.size else 0
    value_bits = (int(values.max()) - low).bit_length() if values.size else 0
    group_bits = max(n_groups - 1, 0).bit_length()
    if value_bits + group_bits <= 63:
        # one int64 key (group, value - low): numpy's sort of plain int64 is the fastest;
        # built and sorted in place, and turned back into values in place
        key = np.left_shift(group, value_bits)
        # (group << bits) + (values - low); int64 arithmetic wraps around, so adding
        # values before subtracting low gives the same (in-range) result
        key += values
        key -= low
        key.sort()
        key &= (1 << value_bits) - 1
        key += low
        ordered = key
    elif n_groups <= np.iinfo(np.uint16).max:
        # sort by value (ties need no order: equal values), then a stable radix sort of
        # the 16-bit group codes: much faster than a lexsort of both keys
        by_value = np.argsort(values)
        by_group = np.argsort(np.asarray(group, dtype=np.uint16)[by_value], kind="stable")
        ordered = values[by_value[by_group]]
    else:
        ordered = values[np.lexsort((values, group))]
    base = np.zeros(n_groups, dtype=np.int64)
    np.cumsum(counts[:-1], out=base[1:])
    has = counts > 0
    out = []
    for q in qs:
        below, above, frac = _ranks(q, counts)
        res = np.full(n_groups, np.nan)
        a = ordered[(base + below)[has]]
        gap = ordered[(base + above)[has]] - a  # exact in int64
        res[has] = a + gap * frac[has]
        out.append(res)
    if keep_sorted:
        out.append(ordered)
    return out
