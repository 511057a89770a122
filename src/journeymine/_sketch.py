"""Mergeable duration summaries: exact counts, sums, min, max, and a log-bucketed histogram.

Private module. Durations are int64 nanoseconds. The histogram puts a
duration ``d > 0`` in bucket ``ceil(log(d) / log(GAMMA))`` and zero in its own
bucket, so every quantile read from it is within ``RELATIVE_ERROR`` (1 %) of
a value of the data, and histograms of disjoint data add up exactly: a
quantile computed at once equals the one computed from merged parts.
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
_DENSE_KEYS = 1 << 24  # count histogram keys with bincount up to this range


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


def mean_from_parts(parts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean (ns, float64) from 21-bit partial sums; deterministic for equal sums."""
    total = (
        parts[:, 2] * float(1 << (2 * _PART_BITS))
        + parts[:, 1] * float(1 << _PART_BITS)
        + parts[:, 0]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def histogram(group: np.ndarray, durations: np.ndarray) -> pd.DataFrame:
    """Sparse histogram: one row per (group, bucket) with its count, sorted.

    ``group`` holds non-negative integer codes. Each (group, bucket) pair is
    one integer key; keys are counted with ``bincount`` while the key range
    is small (a few thousand buckets per group at most), else by sorting.
    """
    buckets = bucket_of(durations)
    group = np.asarray(group, dtype=np.int64)
    if buckets.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return pd.DataFrame({"group": empty, "bucket": empty, "count": empty})
    lo = int(buckets.min())
    span = int(buckets.max()) - lo + 1
    key = group * np.int64(span) + (buckets - lo)
    n_keys = (int(group.max()) + 1) * span
    if n_keys <= _DENSE_KEYS:
        counts = np.bincount(key, minlength=n_keys)
        keys = np.flatnonzero(counts)
        counts = counts[keys]
    else:
        keys, counts = np.unique(key, return_counts=True)
    return pd.DataFrame(
        {
            "group": keys // span,
            "bucket": keys % span + lo,
            "count": counts.astype(np.int64),
        }
    )


def quantiles(
    hist: pd.DataFrame, n_groups: int, qs: tuple[float, ...], lo: np.ndarray, hi: np.ndarray
) -> list[np.ndarray]:
    """Quantiles per group from a sparse histogram sorted by (group, bucket).

    The q-quantile is the value of the element of rank ``floor(q * (n - 1))``
    (0-based, ascending), read from its bucket and clamped to the group's
    exact [min, max].
    """
    g = hist["group"].to_numpy(dtype=np.int64)
    c = hist["count"].to_numpy(dtype=np.int64)
    b = hist["bucket"].to_numpy(dtype=np.int64)
    cum = np.cumsum(c)
    n = np.bincount(g, weights=c, minlength=n_groups).astype(np.int64)
    base = np.zeros(n_groups, dtype=np.int64)
    np.cumsum(n[:-1], out=base[1:])
    vals = bucket_value(b)
    out = []
    for q in qs:
        rank = np.floor(q * np.maximum(n - 1, 0)).astype(np.int64)
        idx = np.searchsorted(cum, base + rank + 1, side="left")
        idx = np.minimum(idx, len(cum) - 1) if len(cum) else idx
        res = np.full(n_groups, np.nan)
        has = n > 0
        if len(cum):
            res[has] = np.clip(vals[idx[has]], lo[has], hi[has])
        out.append(res)
    return out
