"""Discover the journey graph and the trace variants of a log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from journeymine import _sketch
from journeymine import _validation as v
from journeymine._percase import distinct_pairs, pair_counts, sequence_keys
from journeymine._threads import second_thread
from journeymine.engine import Kernel, LogMeta, Segmented, run
from journeymine.errors import ParameterError
from journeymine.graph import JourneyGraph, _CaseState, _DeferredHistogram
from journeymine.log import JourneyLog, factorize

__all__ = ["discover", "variants"]

_DENSE_LIMIT = 1 << 22  # use bincount over pair keys up to this many cells


def _resolve_by(meta: LogMeta, by: Any) -> str:
    """The column whose values are the nodes, checked against the log's metadata."""
    if by == "activity":
        return meta.activity
    if by in ("stage", "channel"):
        col = getattr(meta, by)
        if col is None:
            if by in meta.columns:
                return by
            raise ParameterError(
                f"discover(by={by!r}) needs a {by} column, but the log has none. Build the log "
                f"with {by}='<column>' (columns: {list(meta.columns)}), or pass by='<column>'."
            )
        return col
    if by in (meta.case, meta.timestamp):
        raise ParameterError(f"discover(by={by!r}): the case or timestamp column cannot be a node.")
    if by not in meta.columns:
        # a LogError naming the closest column
        v.resolve_column(pd.DataFrame(columns=list(meta.columns)), by, "by", source=meta.source)
    return by


def _remainder(keys: np.ndarray, width: int) -> np.ndarray:
    """``keys % width`` for non-negative keys; numpy divides by a scalar much faster than % does."""
    return keys - keys // width * width


@dataclass(frozen=True)
class _Discover(Kernel[tuple[JourneyGraph, "pd.DataFrame | None"], JourneyGraph]):
    """discover() as a kernel: a partition's graph, merged with ``+``.

    With ``per_case`` (the default) each graph carries its per-case state, so
    the graphs of logs that share cases merge exactly, and the graph a user
    gets can be merged with others. An engine whose pieces hold disjoint
    whole cases says so (``LogMeta.disjoint_parts``, the Dask engine) and
    :meth:`check` then drops the state: the partials' counts simply add, and
    a partial is O(nodes + edges) instead of O(cases).

    The partial result also carries (activity, stage, events) counts, so the
    modal stage of each activity is taken over the whole log in ``finish``.
    """

    name = "discover"

    by: str
    per_case: bool = True

    def check(self, meta: LogMeta) -> _Discover:
        _resolve_by(meta, self.by)
        if self.per_case and meta.disjoint_parts:
            return replace(self, per_case=False)
        return self

    def part(self, log: JourneyLog) -> tuple[JourneyGraph, pd.DataFrame | None]:
        graph = _graph(log, self.by, _resolve_by(log.meta, self.by), per_case=self.per_case)
        table = None
        if self.by == "activity" and log.stage is not None:
            scodes, slabels = log.codes(log.stage)
            keep = scodes >= 0
            pairs = pd.DataFrame(
                {
                    "activity": log.activity_labels.take(log.activity_codes[keep]),
                    "stage": slabels.take(scodes[keep]),
                }
            )
            table = pairs.groupby(["activity", "stage"], sort=False).size().rename("n")
            table = table.reset_index()
        return graph, table

    def merge(
        self,
        a: tuple[JourneyGraph, pd.DataFrame | None],
        b: tuple[JourneyGraph, pd.DataFrame | None],
    ) -> tuple[JourneyGraph, pd.DataFrame | None]:
        tables = [t for t in (a[1], b[1]) if t is not None]
        table = None
        if tables:
            table = pd.concat(tables).groupby(["activity", "stage"], sort=False)["n"].sum()
            table = table.reset_index()
        if self.per_case:
            return a[0] + b[0], table
        return a[0]._add_disjoint(b[0]), table

    def finish(
        self, merged: tuple[JourneyGraph, pd.DataFrame | None], meta: LogMeta
    ) -> JourneyGraph:
        graph, table = merged
        if self.by == "activity" and meta.stage is not None:
            nodes = graph.nodes.copy()
            nodes["stage"] = _modal_stage(nodes["node"], table)
            graph = replace(graph, nodes=nodes)
        return graph


@v.validate_params({"by": [v.InstanceOf(str)]})
def discover(log: Any, *, by: str = "activity") -> JourneyGraph:
    """Discover the directly-follows graph of a log, with frequencies and times.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    by : str, default="activity"
        What the nodes are: ``"activity"``, ``"stage"``, ``"channel"`` (the
        log's stage or channel column) or the name of any column. Events with
        no value in that column are skipped, so edges link the consecutive
        events that have one.

    Returns
    -------
    JourneyGraph
        Counts, and mean, median, p90, min and max durations per edge, all
        exact: median and p90 interpolate linearly between the two nearest
        durations, as :func:`numpy.quantile`, pandas and pm4py do. (A
        Dask-backed log's graph merges its partitions' graphs, so its median
        and p90 are within 1 % of the exact values; it keeps no per-case
        state, so it cannot be merged with ``+`` again.)

    Notes
    -----
    One vectorised pass over the log's integer codes: consecutive events of
    the same case form the directly-follows pairs, counted with
    :func:`numpy.bincount` (or a sort when there are too many distinct
    nodes for a dense count), and the durations are sorted once by
    (edge, duration) for the quantiles. No dense node-by-node matrix is
    allocated when there are many distinct nodes.

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
    return run(_Discover(by), log)


def _graph(log: JourneyLog, by: str, col: str, *, per_case: bool = True) -> JourneyGraph:
    """The graph of an in-memory log (the kernel's part), with exact quantiles.

    ``per_case=False`` leaves out the per-case state that ``+`` needs to
    merge graphs of logs sharing cases (see ``_Discover``).

    The (case, node) pairs and the (edge, duration) sort run on a second
    thread while this one counts the edges and their cases.
    """
    codes, labels = log.codes(col)
    cases = log.case_codes
    time = log.time
    if (codes < 0).any():
        keep = codes >= 0
        codes, cases, time = codes[keep], cases[keep], time[keep]
    k = len(labels)
    n = codes.size
    width = max(k, 1)
    with second_thread(n) as pool:
        node_keys_done = pool.submit(distinct_pairs, cases, codes, k)

        # nodes: events, start, end (cases from node_keys)
        events = np.bincount(codes, minlength=k)
        boundary = np.ones(n + 1, dtype=bool)
        if n:
            np.not_equal(cases[1:], cases[:-1], out=boundary[1:-1])
        first_idx = np.flatnonzero(boundary[:-1])
        last_idx = np.flatnonzero(boundary[1:])
        start = np.bincount(codes[first_idx], minlength=k)
        end = np.bincount(codes[last_idx], minlength=k)

        # edges: consecutive events of the same case
        source = np.flatnonzero(~boundary[1:-1])  # the first event of each pair
        target = source + 1
        pair_key = np.take(codes, source)  # the source node, then (source, target) in place
        pair_key *= np.int64(k)
        pair_key += np.take(codes, target)
        dur = np.take(time, target)
        dur -= np.take(time, source)
        del source
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
        # one sort by (edge, duration) gives the exact extremes, quantiles and sums of every edge
        quantiles_done = pool.submit(
            _sketch.exact_quantiles,
            edge_id,
            dur,
            edge_events,
            (0.0, 0.5, 0.9, 1.0),
            keep_sorted=True,
        )
        edge_pair_keys = distinct_pairs(np.take(cases, target), edge_id, n_edges)
        edge_cases = pair_counts(edge_pair_keys, n_edges)
        if per_case:
            first, last, first_time, last_time = _ends(
                log.n_cases, cases, codes, time, first_idx, last_idx
            )
        node_keys = node_keys_done.result()
        mins, med, p90, maxs, ordered = quantiles_done.result()
        del dur, edge_id, pair_key
        parts = _sketch.sorted_sum_parts(ordered, edge_events)

    node_cases = pair_counts(node_keys, k)
    # labels are sorted, so code order is label order: most events first, then label
    present = np.flatnonzero(events > 0)
    at = present[np.lexsort((present, -events[present]))]
    nodes = pd.DataFrame(
        {
            "node": labels.take(at),
            "events": events[at].astype(np.int64),
            "cases": node_cases[at].astype(np.int64),
            "start": start[at].astype(np.int64),
            "end": end[at].astype(np.int64),
        }
    )

    lab = np.asarray(labels, dtype=object)
    source = lab[edge_keys // width]
    target = lab[_remainder(edge_keys, width)]
    hist = _DeferredHistogram(ordered, edge_events, source, target)
    # edge keys grow with (source, target) label order: most events first, then labels
    at = np.lexsort((edge_keys, -edge_events))
    counts_df = pd.DataFrame(
        {
            "source": source[at],
            "target": target[at],
            "events": edge_events[at].astype(np.int64),
            "cases": edge_cases[at].astype(np.int64),
        }
    )
    stats = pd.DataFrame(
        {
            "source": source[at],
            "target": target[at],
            "s0": parts[at, 0],
            "s1": parts[at, 1],
            "s2": parts[at, 2],
            "min": mins[at],
            "max": maxs[at],
            "median": med[at],
            "p90": p90[at],
        }
    )

    n_cases = log.n_cases
    if not per_case:
        return JourneyGraph._assemble(
            by=by,
            nodes=nodes,
            counts=counts_df,
            stats=stats,
            hist=hist,
            n_cases=n_cases,
            n_events=log.n_events,
            in_order=True,
            disjoint=True,
        )
    # per case, what merging with another graph needs
    state = _CaseState(
        cases=log.case_labels,
        nodes=pd.Index(labels),
        first=first,
        last=last,
        first_time=first_time,
        last_time=last_time,
        node_keys=node_keys,
        edge_keys=edge_pair_keys,
        edge_nodes=np.stack([edge_keys // width, edge_keys % width], axis=1),
    )
    return JourneyGraph._assemble(
        by=by,
        nodes=nodes,
        counts=counts_df,
        stats=stats,
        hist=hist,
        n_cases=n_cases,
        n_events=log.n_events,
        cases=state,
        in_order=True,
    )


def _ends(
    n_cases: int,
    cases: np.ndarray,
    codes: np.ndarray,
    time: np.ndarray,
    first_idx: np.ndarray,
    last_idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each case's first and last node and their times (-1 and 0 for a case with no event).

    ``first_idx`` and ``last_idx`` are the positions of each case's first and
    last event among the events that have a node.
    """
    if len(first_idx) == n_cases:  # every case has an event: case c is the c-th run
        return codes[first_idx], codes[last_idx], time[first_idx], time[last_idx]
    first = np.full(n_cases, -1, dtype=np.int64)
    last = np.full(n_cases, -1, dtype=np.int64)
    first_time = np.zeros(n_cases, dtype=np.int64)
    last_time = np.zeros(n_cases, dtype=np.int64)
    first[cases[first_idx]] = codes[first_idx]
    last[cases[last_idx]] = codes[last_idx]
    first_time[cases[first_idx]] = time[first_idx]
    last_time[cases[last_idx]] = time[last_idx]
    return first, last, first_time, last_time


def _modal_stage(nodes: pd.Series, table: pd.DataFrame | None) -> np.ndarray:
    """The most frequent stage of each activity in ``nodes`` (ties: first stage in sorted order).

    ``table`` holds (activity, stage, n) event counts; None where an activity
    never has a stage.
    """
    out = np.full(len(nodes), None, dtype=object)
    if table is None or not len(table):
        return out
    codes, labels = factorize(table["stage"].to_numpy())
    ns = len(labels)
    row = pd.Index(nodes).get_indexer(table["activity"])
    ok = row >= 0
    counts = np.zeros((len(nodes), max(ns, 1)), dtype=np.int64)
    np.add.at(counts, (row[ok], codes[ok]), table["n"].to_numpy()[ok])
    has = counts.sum(axis=1) > 0
    out[has] = np.asarray(labels, dtype=object)[counts[has].argmax(axis=1)]
    return out


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
    # exactness comes from the event-by-event check below, not from the key
    key = sequence_keys(log.activity_codes, log.case_offsets)
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


class _VariantsPart:
    """A partial variants result: each variant's sequence and length; each case's variant and duration."""

    __slots__ = ("duration", "lengths", "rank", "seqs", "vid")

    def __init__(
        self,
        seqs: list[tuple[Any, ...]],
        lengths: np.ndarray,
        vid: np.ndarray,
        duration: np.ndarray,
        rank: np.ndarray | None,
    ) -> None:
        self.seqs = seqs
        self.lengths = lengths
        self.vid = vid
        self.duration = duration
        self.rank = rank  # the variants' order by sequence, when known (one part)


@dataclass(frozen=True)
class _Variants(Kernel[_VariantsPart, pd.DataFrame]):
    """variants() as a kernel: variants per part, merged by sequence; medians over all cases.

    A partial result holds one sequence per variant and one (variant,
    duration) per case, so the median duration is exact on every engine.
    """

    name = "variants"

    top: int | None

    def check(self, meta: LogMeta) -> _Variants:
        v.check_params("variants", {"top": [v.Interval(int, 1, None), None]}, {"top": self.top})
        return self

    def part(self, log: JourneyLog) -> _VariantsPart:
        vid, rep = variant_ids(log)
        off = log.case_offsets
        labels = np.asarray(log.activity_labels, dtype=object)
        seqs = [tuple(labels[log.activity_codes[off[r] : off[r + 1]]].tolist()) for r in rep]
        duration = log.time[off[1:] - 1] - log.time[off[:-1]]
        return _VariantsPart(
            seqs, log.case_sizes[rep].astype(np.int64), vid, duration, _sequence_rank(log, rep)
        )

    def merge(self, a: _VariantsPart, b: _VariantsPart) -> _VariantsPart:
        if not a.seqs:
            return b
        if not b.seqs:
            return a
        index = {seq: i for i, seq in enumerate(a.seqs)}
        seqs = list(a.seqs)
        lengths = list(a.lengths.tolist())
        glob = np.empty(len(b.seqs), dtype=np.int64)
        for i, seq in enumerate(b.seqs):  # a loop over variants, not cases
            g = index.get(seq)
            if g is None:
                g = index[seq] = len(seqs)
                seqs.append(seq)
                lengths.append(int(b.lengths[i]))
            glob[i] = g
        return _VariantsPart(
            seqs,
            np.asarray(lengths, dtype=np.int64),
            np.concatenate([a.vid, glob[b.vid]]),
            np.concatenate([a.duration, b.duration]),
            None,
        )

    def finish(self, merged: _VariantsPart, meta: LogMeta) -> pd.DataFrame:
        seqs, vid = merged.seqs, merged.vid
        n_var = len(seqs)
        cases = np.bincount(vid, minlength=n_var)
        med = pd.Series(merged.duration, dtype=np.float64).groupby(vid).median()
        med = med.reindex(range(n_var)).to_numpy()
        rank = merged.rank
        if rank is None:
            try:
                order = sorted(range(n_var), key=seqs.__getitem__)
            except TypeError:  # labels that do not compare: by their text, as the log sorts them
                order = sorted(range(n_var), key=lambda i: tuple(map(str, seqs[i])))
            rank = np.empty(n_var, dtype=np.int64)
            rank[np.asarray(order, dtype=np.int64)] = np.arange(n_var)
        out = pd.DataFrame(
            {
                "variant": pd.Series(seqs, dtype=object),
                "length": merged.lengths.astype(np.int64),
                "cases": cases.astype(np.int64),
                "share": cases / max(vid.size, 1),
                "median_duration": pd.to_timedelta(np.round(med), unit="ns"),
            }
        )
        out = out.iloc[np.lexsort((rank, -cases))].reset_index(drop=True)
        if self.top is not None:
            out = out.head(int(self.top))
        return out


@v.validate_params({"top": [v.Interval(int, 1, None), None]})
def variants(log: Any, *, top: int | None = None, segment: Any = None) -> pd.DataFrame:
    """The trace variants of a log: distinct activity sequences and how many cases follow each.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    top : int, optional
        Return only the ``top`` most frequent variants (per group with
        ``segment=``).
    segment : str or pandas.Series, optional
        Split the cases into groups: a column (a case's group is its value on
        the case's first event) or a Series indexed by case id. The result
        then has one block of rows per group, with a leading ``group``
        column, and ``share`` is the share of the group's cases.

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
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D"),
    ...                    "region": ["N", "N", "S", "S", "S"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.variants(log)
         variant  length  cases     share median_duration
    0  (ad, buy)       2      2  0.666667          1 days
    1      (ad,)       1      1  0.333333          0 days
    >>> jm.variants(log, segment="region")[["group", "variant", "cases", "share"]]
      group    variant  cases  share
    0     N  (ad, buy)      1    1.0
    1     S      (ad,)      1    0.5
    2     S  (ad, buy)      1    0.5
    """
    kernel: Kernel[Any, pd.DataFrame] = _Variants(top)
    if segment is not None:
        kernel = Segmented(kernel, segment)
    return run(kernel, log)
