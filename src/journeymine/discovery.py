"""Discover the journey graph and the trace variants of a log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journeymine import _sketch
from journeymine.errors import ParameterError
from journeymine.graph import JourneyGraph
from journeymine.log import JourneyLog
from journeymine.scale import DaskJourneyLog

__all__ = ["discover", "variants"]

_DENSE_LIMIT = 1 << 22  # use bincount over pair keys up to this many cells


def _check_log(log: Any, func: str) -> JourneyLog | DaskJourneyLog:
    if isinstance(log, (JourneyLog, DaskJourneyLog)):
        return log
    raise ParameterError(
        f"{func}() expects a JourneyLog as its first argument, got {type(log).__name__}. "
        "Build one with jm.from_pandas(df, case=..., activity=..., timestamp=...) or jm.read_csv(...)."
    )


def _resolve_by(log: JourneyLog, by: str) -> str:
    if by == "activity":
        return log.activity
    if by in ("stage", "channel"):
        col = getattr(log, by)
        if col is None:
            if by in log.columns:
                return by
            raise ParameterError(
                f"discover(by={by!r}) needs a {by} column, but the log has none. Build the log "
                f"with {by}='<column>' (columns: {log.columns}), or pass by='<column>'."
            )
        return col
    if by in (log.case, log.timestamp):
        raise ParameterError(f"discover(by={by!r}): the case or timestamp column cannot be a node.")
    if by not in log.columns:
        log.codes(by)  # raises a LogError naming the closest column
    return by


def _distinct_count(major: np.ndarray, minor: np.ndarray, n_minor: int) -> np.ndarray:
    """For each minor code, the number of distinct majors it occurs with.

    ``major`` (the case) must be non-decreasing, so the pair keys are sorted
    already but for the order within a case, which timsort handles in
    near-linear time.
    """
    width = np.int64(max(n_minor, 1))
    key = np.sort(major * width + minor, kind="stable")
    if key.size:
        first = np.empty(key.size, dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        key = key[first]
    return np.bincount(key % width, minlength=n_minor)


def discover(log: JourneyLog | DaskJourneyLog, *, by: str = "activity") -> JourneyGraph:
    """Discover the directly-follows graph of a log, with frequencies and times.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    by : str, default="activity"
        What the nodes are: ``"activity"``, ``"stage"``, ``"channel"`` (the
        log's stage or channel column) or the name of any column. Events with
        no value in that column are skipped, so edges link the consecutive
        events that have one.

    Returns
    -------
    JourneyGraph

    Notes
    -----
    One vectorised pass over the log's integer codes: consecutive events of
    the same case form the directly-follows pairs, counted with
    :func:`numpy.bincount` (or a sort when there are too many distinct
    nodes for a dense count). No dense node-by-node matrix is allocated when
    there are many distinct nodes.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 1, 2, 2], "a": ["ad", "view", "view", "ad", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> g.nodes
       node  events  cases  start  end
    0    ad       2      2      2    0
    1  view       2      1      0    1
    2   buy       1      1      0    1
    >>> g.edges[["source", "target", "events", "median_duration"]]
      source target  events median_duration
    0     ad    buy       1          1 days
    1     ad   view       1          1 days
    2   view   view       1          1 days
    """
    log = _check_log(log, "discover")
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import discover_dask

        return discover_dask(log, by=by)
    col = _resolve_by(log, by)
    codes, labels = log.codes(col)
    cases = log.case_codes
    time = log.time
    if (codes < 0).any():
        keep = codes >= 0
        codes, cases, time = codes[keep], cases[keep], time[keep]
    k = len(labels)
    n = codes.size
    n_cases_total = log.n_cases

    # nodes: events, cases, start, end
    events = np.bincount(codes, minlength=k)
    if n:
        boundary = np.empty(n + 1, dtype=bool)
        boundary[0] = boundary[-1] = True
        np.not_equal(cases[1:], cases[:-1], out=boundary[1:-1])
        first_idx = np.flatnonzero(boundary[:-1])
        last_idx = np.flatnonzero(boundary[1:])
    else:
        first_idx = last_idx = np.empty(0, dtype=np.int64)
    start = np.bincount(codes[first_idx], minlength=k)
    end = np.bincount(codes[last_idx], minlength=k)
    node_cases = _distinct_count(cases, codes, k)
    nodes = pd.DataFrame(
        {
            "node": labels,
            "events": events.astype(np.int64),
            "cases": node_cases.astype(np.int64),
            "start": start.astype(np.int64),
            "end": end.astype(np.int64),
        }
    )
    if by == "activity" and log.stage is not None:
        nodes["stage"] = _modal_stage(log, labels)
    nodes = nodes[nodes["events"] > 0]

    # edges
    same = cases[1:] == cases[:-1]
    src = codes[:-1][same]
    dst = codes[1:][same]
    dur = (time[1:] - time[:-1])[same]
    pair_case = cases[1:][same]
    pair_key = src * np.int64(k) + dst
    if k * k <= _DENSE_LIMIT:
        counts = np.bincount(pair_key, minlength=k * k)
        edge_keys = np.flatnonzero(counts)
        edge_events = counts[edge_keys]
        remap = np.full(k * k, -1, dtype=np.int64)
        remap[edge_keys] = np.arange(edge_keys.size)
        edge_id = remap[pair_key]
    else:
        edge_keys, edge_id, edge_events = np.unique(
            pair_key, return_inverse=True, return_counts=True
        )
        edge_id = edge_id.reshape(-1)
    n_edges = edge_keys.size
    edge_cases = _distinct_count(pair_case, edge_id, n_edges)
    parts = _sketch.sum_parts(edge_id, dur, n_edges)
    mins, maxs = _group_min_max(edge_id, dur, n_edges)
    hist = _sketch.histogram(edge_id, dur)

    lab = np.asarray(labels, dtype=object)
    source = lab[edge_keys // max(k, 1)]
    target = lab[edge_keys % max(k, 1)]
    counts_df = pd.DataFrame(
        {
            "source": source,
            "target": target,
            "events": edge_events.astype(np.int64),
            "cases": edge_cases.astype(np.int64),
        }
    )
    stats = pd.DataFrame(
        {
            "source": source,
            "target": target,
            "s0": parts[:, 0],
            "s1": parts[:, 1],
            "s2": parts[:, 2],
            "min": mins,
            "max": maxs,
        }
    )
    g = hist["group"].to_numpy()
    hist_df = pd.DataFrame(
        {
            "source": source[g],
            "target": target[g],
            "bucket": hist["bucket"].to_numpy(),
            "count": hist["count"].to_numpy(),
        }
    )
    return JourneyGraph._assemble(
        by=by,
        nodes=nodes,
        counts=counts_df,
        stats=stats,
        hist=hist_df,
        n_cases=n_cases_total,
        n_events=log.n_events,
    )


def _group_min_max(group: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact per-group minimum and maximum of int64 ``values`` (NaN for empty groups)."""
    lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, group, values)
    np.maximum.at(hi, group, values)
    empty = np.bincount(group, minlength=n) == 0
    lo_f, hi_f = lo.astype(np.float64), hi.astype(np.float64)
    lo_f[empty] = hi_f[empty] = np.nan
    return lo_f, hi_f


def _modal_stage(log: JourneyLog, labels: pd.Index) -> np.ndarray:
    """The most frequent stage of each activity (None where it never has one)."""
    assert log.stage is not None
    scodes, slabels = log.codes(log.stage)
    acodes = log.activity_codes
    keep = scodes >= 0
    out = np.full(len(labels), None, dtype=object)
    if not keep.any():
        return out
    ns = len(slabels)
    table = np.bincount(acodes[keep] * ns + scodes[keep], minlength=len(labels) * ns)
    table = table.reshape(len(labels), ns)
    has = table.sum(axis=1) > 0
    out[has] = np.asarray(slabels, dtype=object)[table[has].argmax(axis=1)]
    return out


def _case_hash(codes: np.ndarray, log: JourneyLog) -> np.ndarray:
    """Two independent 64-bit polynomial hashes of each case's activity sequence."""
    pos = log.position.astype(np.uint64)
    out = []
    for mult, salt in (
        (0x9E3779B97F4A7C15, 0x632BE59BD9B4E019),
        (0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9),
    ):
        m = np.uint64(mult)
        # value of each event mixed with its position, so order matters
        x = (codes.astype(np.uint64) + np.uint64(1)) * m + pos * np.uint64(salt)
        x ^= x >> np.uint64(29)
        x *= m
        x ^= x >> np.uint64(32)
        starts = log.case_offsets[:-1]
        out.append(np.add.reduceat(x, starts) if len(x) else np.empty(0, dtype=np.uint64))
    return np.stack(out, axis=1)


_RANK_MATRIX_BYTES = 1 << 28  # pad sequences into a byte matrix up to this size


def _sequence_rank(log: JourneyLog, rep: np.ndarray) -> np.ndarray:
    """Lexicographic rank of the activity sequences of the cases ``rep``.

    Sequences compare as tuples of activity codes (the order of
    ``log.activity_labels``), a prefix before its extensions. Each sequence
    becomes a fixed-width byte string (code + 1, big-endian, zero-padded), and
    numpy sorts those; when the padded matrix would be too large (a very long
    case), Python sorts the tuples instead.
    """
    off = log.case_offsets
    lengths = log.case_sizes[rep]
    n_var = rep.size
    if n_var == 0:
        return np.empty(0, dtype=np.int64)
    width = 1 if len(log.activity_labels) < 255 else (2 if len(log.activity_labels) < 65535 else 4)
    longest = int(lengths.max())
    if n_var * longest * width > _RANK_MATRIX_BYTES:
        seqs = [tuple(log.activity_codes[off[r] : off[r + 1]].tolist()) for r in rep]
        order = np.asarray(sorted(range(n_var), key=seqs.__getitem__), dtype=np.int64)
    else:
        dtype = {1: ">u1", 2: ">u2", 4: ">u4"}[width]
        matrix = np.zeros((n_var, longest), dtype=dtype)
        row = np.repeat(np.arange(n_var), lengths)
        start = np.repeat(off[rep], lengths)
        col = np.arange(row.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        matrix[row, col] = log.activity_codes[start + col] + 1
        text = matrix.view(f"S{longest * width}").ravel()
        order = np.argsort(text, kind="stable")
    rank = np.empty(n_var, dtype=np.int64)
    rank[order] = np.arange(n_var)
    return rank


def variant_ids(log: JourneyLog) -> tuple[np.ndarray, np.ndarray]:
    """Group identical traces: ``(variant of each case, representative case of each variant)``.

    Exact: cases are grouped by length and two 64-bit hashes of their
    sequence, then every case is compared event by event with its group's
    representative; on the (astronomically unlikely) event of a collision it
    falls back to grouping the sequences themselves.
    """
    sizes = log.case_sizes
    with np.errstate(over="ignore"):
        h = _case_hash(log.activity_codes, log)
        # one 64-bit key per case from both hashes and the length; exactness
        # comes from the event-by-event check below, not from the key
        key = h[:, 0] ^ (h[:, 1] * np.uint64(0x9E3779B97F4A7C15)) ^ sizes.astype(np.uint64)
    vid, _ = pd.factorize(key)
    vid = np.asarray(vid, dtype=np.int64)
    n_var = int(vid.max()) + 1 if vid.size else 0
    rep = np.full(n_var, -1, dtype=np.int64)
    rep[vid[::-1]] = np.arange(len(vid) - 1, -1, -1)  # first case of each variant
    same = np.array_equal(sizes[rep[vid]], sizes)
    if same:
        ev_rep_case = rep[vid[log.case_codes]]
        ev_rep_idx = log.case_offsets[ev_rep_case] + log.position
        same = np.array_equal(log.activity_codes[ev_rep_idx], log.activity_codes)
    if not same:
        seqs = [
            tuple(log.activity_codes[a:b])
            for a, b in zip(log.case_offsets[:-1], log.case_offsets[1:], strict=True)
        ]
        vid, _ = pd.factorize(pd.Series(seqs, dtype=object))
        vid = np.asarray(vid, dtype=np.int64)
        n_var = int(vid.max()) + 1
        rep = np.full(n_var, -1, dtype=np.int64)
        rep[vid[::-1]] = np.arange(len(vid) - 1, -1, -1)
    return vid, rep


def variants(log: JourneyLog | DaskJourneyLog, *, top: int | None = None) -> pd.DataFrame:
    """The trace variants of a log: distinct activity sequences and how many cases follow each.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    top : int, optional
        Return only the ``top`` most frequent variants.

    Returns
    -------
    pandas.DataFrame
        One row per variant, most frequent first (ties by the sequence, in
        the order of ``log.activity_labels``):
        ``variant`` (tuple of activities), ``length``, ``cases``, ``share``
        of all cases, and ``median_duration`` (first to last event).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 3], "a": ["ad", "buy", "ad", "buy", "ad"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
         variant  length  cases     share median_duration
    0  (ad, buy)       2      2  0.666667          1 days
    1      (ad,)       1      1  0.333333          0 days
    """
    log = _check_log(log, "variants")
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import variants_dask

        return variants_dask(log, top=top)
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise ParameterError(
            f"The 'top' parameter of variants() must be a positive int. Got {top!r} instead."
        )
    vid, rep = variant_ids(log)
    n_var = rep.size
    cases = np.bincount(vid, minlength=n_var)
    off = log.case_offsets
    duration = log.time[off[1:] - 1] - log.time[off[:-1]]
    med = pd.Series(duration).groupby(vid).median().to_numpy()
    labels = np.asarray(log.activity_labels, dtype=object)
    seqs = [tuple(labels[log.activity_codes[off[r] : off[r + 1]]].tolist()) for r in rep]
    order = np.lexsort((_sequence_rank(log, rep), -cases))
    out = pd.DataFrame(
        {
            "variant": pd.Series(seqs, dtype=object),
            "length": log.case_sizes[rep].astype(np.int64),
            "cases": cases.astype(np.int64),
            "share": cases / max(log.n_cases, 1),
            "median_duration": pd.to_timedelta(np.round(med), unit="ns"),
        }
    )
    out = out.iloc[order].reset_index(drop=True)
    if top is not None:
        out = out.head(int(top))
    return out
