"""JourneyGraph: the directly-follows graph of a log, its simplification, merging and exports."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _sketch
from journeymine._validation import check_option
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    import matplotlib.axes
    import networkx


__all__ = ["GraphComparison", "JourneyGraph", "compare_graphs"]

DURATION_COLUMNS = (
    "mean_duration",
    "median_duration",
    "p90_duration",
    "min_duration",
    "max_duration",
)
_STAT_COLUMNS = ["source", "target", "s0", "s1", "s2", "min", "max"]


class _DeferredHistogram:
    """A discovered graph's duration histogram, built when a merge first needs it.

    It holds the durations that :func:`~journeymine.discover` sorted by
    (edge, duration) for the exact quantiles, so a graph that is never merged
    never buckets them. Serialising it (a Dask partition's partial result)
    builds the small histogram table and ships that instead.
    """

    def __init__(
        self, ordered: np.ndarray, counts: np.ndarray, source: np.ndarray, target: np.ndarray
    ) -> None:
        self.ordered, self.counts, self.source, self.target = ordered, counts, source, target

    def __call__(self) -> pd.DataFrame:
        h = _sketch.sorted_histogram(self.ordered, self.counts)
        g = h["group"].to_numpy()
        return pd.DataFrame(
            {
                "source": self.source[g],
                "target": self.target[g],
                "bucket": h["bucket"].to_numpy(),
                "count": h["count"].to_numpy(),
            }
        )

    def __reduce__(self) -> tuple[Any, tuple[pd.DataFrame]]:
        return _built, (self(),)


def _built(frame: pd.DataFrame) -> pd.DataFrame:
    """A serialised :class:`_DeferredHistogram` comes back as the table it built."""
    return frame


def _sort_labels(df: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    try:
        return df.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)
    except TypeError:
        return df.sort_values(
            by,
            ascending=ascending,
            kind="stable",
            key=lambda s: s.astype(str) if s.dtype == object else s,
        ).reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class _CaseState:
    """Per case, what merging two graphs exactly needs (compact integer arrays).

    ``first``/``last`` are node codes (into ``nodes``) of the case's first and
    last event that has a node, -1 when none; ``first_time``/``last_time``
    their int64 UTC nanosecond times. The distinct (case, node) pairs are
    kept as one int64 key each, ``case * len(nodes) + node``, and the
    distinct (case, edge) pairs as ``case * len(edge_nodes) + edge``, where
    ``edge_nodes`` holds each edge's (source, target) node codes; so cases
    shared by two graphs are counted once, at 8 bytes per pair.
    """

    cases: pd.Index
    nodes: pd.Index
    first: np.ndarray
    last: np.ndarray
    first_time: np.ndarray
    last_time: np.ndarray
    node_keys: np.ndarray
    edge_keys: np.ndarray
    edge_nodes: np.ndarray

    @classmethod
    def from_pairs(
        cls, node_pairs: np.ndarray, edge_pairs: np.ndarray, **fields: Any
    ) -> _CaseState:
        """Encode (case, node) rows and (case, source, target) rows as keys."""
        width = max(len(fields["nodes"]), 1)
        node_keys = node_pairs[:, 0] * width + node_pairs[:, 1]
        edge_code, where = np.unique(
            edge_pairs[:, 1] * width + edge_pairs[:, 2], return_inverse=True
        )
        n_edges = max(edge_code.size, 1)
        edge_keys = edge_pairs[:, 0] * n_edges + where.reshape(-1)
        edge_nodes = np.stack([edge_code // width, edge_code % width], axis=1)
        return cls(node_keys=node_keys, edge_keys=edge_keys, edge_nodes=edge_nodes, **fields)

    def node_pairs(self) -> np.ndarray:
        """The distinct (case, node) pairs as rows."""
        width = max(len(self.nodes), 1)
        return np.stack([self.node_keys // width, self.node_keys % width], axis=1)

    def edge_pairs(self) -> np.ndarray:
        """The distinct (case, source, target) triples as rows."""
        n_edges = max(len(self.edge_nodes), 1)
        edge = self.edge_keys % n_edges
        return np.column_stack([self.edge_keys // n_edges, self.edge_nodes[edge]]).reshape(-1, 3)


def _rows_key(rows: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """One int64 key per row of small non-negative ints (rows compare as keys)."""
    if rows.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    total = 1
    for d in dims:
        total *= max(int(d), 1)
    if total < (1 << 62):
        return np.ravel_multi_index(tuple(rows.T), tuple(max(int(d), 1) for d in dims)).astype(
            np.int64
        )
    # too many combinations for one int64: rank the rows instead (same order, same equality)
    _, inverse = np.unique(rows, axis=0, return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).reshape(-1)


def _merge_states(
    a: _CaseState, b: _CaseState
) -> tuple[_CaseState, dict[str, np.ndarray], np.ndarray]:
    """Merge the per-case state of two graphs whose logs may share cases.

    Returns the merged state, per-node corrections (``cases``, ``start``,
    ``end`` to subtract; indexed by the merged node codes), and the boundary
    edges ``(case, source, target, duration, new)`` joining a shared case's
    earlier part to its later part (``new``: the case did not have that edge
    in either graph). A shared case whose events of the two graphs interleave
    in time cannot be merged exactly and raises ParameterError.
    """
    nodes = a.nodes.append(b.nodes[~b.nodes.isin(a.nodes)])
    k = len(nodes)
    nmap_b = np.asarray(nodes.get_indexer(b.nodes), dtype=np.int64)
    pos = np.asarray(a.cases.get_indexer(b.cases), dtype=np.int64)
    fresh = pos < 0
    na = len(a.cases)
    cmap_b = np.where(fresh, na + np.cumsum(fresh) - 1, pos)
    cases = a.cases.append(b.cases[fresh])
    n = len(cases)

    def mapped(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
        return np.where(codes >= 0, table[np.maximum(codes, 0)], -1)

    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    first_time = np.zeros(n, dtype=np.int64)
    last_time = np.zeros(n, dtype=np.int64)
    first[:na], last[:na] = a.first, a.last
    first_time[:na], last_time[:na] = a.first_time, a.last_time
    bf, bl = mapped(b.first, nmap_b), mapped(b.last, nmap_b)
    new_rows = cmap_b[fresh]
    first[new_rows], last[new_rows] = bf[fresh], bl[fresh]
    first_time[new_rows], last_time[new_rows] = b.first_time[fresh], b.last_time[fresh]

    # shared cases: which part comes first (ties: the left graph's events first)
    sb = np.flatnonzero(~fresh)
    sa = pos[sb]
    has_a, has_b = a.first[sa] >= 0, b.first[sb] >= 0
    only_b = ~has_a & has_b
    rows = sa[only_b]
    first[rows], last[rows] = bf[sb[only_b]], bl[sb[only_b]]
    first_time[rows], last_time[rows] = b.first_time[sb[only_b]], b.last_time[sb[only_b]]
    both = has_a & has_b
    sa, sb = sa[both], sb[both]
    a_first = a.last_time[sa] <= b.first_time[sb]
    b_first = b.last_time[sb] < a.first_time[sa]
    clash = ~(a_first | b_first)
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        case = a.cases[sa[i]]
        case = case.item() if isinstance(case, np.generic) else case
        ts = [
            str(pd.Timestamp(int(t)))
            for t in (
                a.first_time[sa[i]],
                a.last_time[sa[i]],
                b.first_time[sb[i]],
                b.last_time[sb[i]],
            )
        ]
        raise ParameterError(
            f"Cannot merge the graphs exactly: {int(clash.sum())} case(s) have events in both "
            f"logs whose times interleave (e.g. case {case!r}: {ts[0]} .. {ts[1]} in "
            f"the left graph, {ts[2]} .. {ts[3]} in the right one), so the order of their "
            "events is unknown to the graphs. Split logs by case or by a time cut, or "
            "concatenate the events and discover the whole log."
        )
    e_last = np.where(a_first, a.last[sa], bl[sb])
    l_first = np.where(a_first, bf[sb], a.first[sa])
    gap = np.where(a_first, b.first_time[sb] - a.last_time[sa], a.first_time[sa] - b.last_time[sb])
    # the merged case runs from the earlier part's first event to the later part's last
    first[sa] = np.where(a_first, a.first[sa], bf[sb])
    first_time[sa] = np.where(a_first, a.first_time[sa], b.first_time[sb])
    last[sa] = np.where(a_first, bl[sb], a.last[sa])
    last_time[sa] = np.where(a_first, b.last_time[sb], a.last_time[sa])

    # distinct (case, node) pairs: a shared case visiting a node in both counts once
    pa, pb = a.node_pairs(), b.node_pairs()
    pb = np.stack([cmap_b[pb[:, 0]], nmap_b[pb[:, 1]]], axis=1) if len(pb) else pb.reshape(0, 2)
    keys_n = _rows_key(np.concatenate([pa, pb]), (n, k))
    ka, kb = keys_n[: len(pa)], keys_n[len(pa) :]
    dup = np.isin(kb, ka)
    node_overlap = np.bincount(pb[dup, 1], minlength=k) if dup.any() else np.zeros(k, np.int64)
    node_pairs = np.concatenate([pa, pb[~dup]])

    ea, eb = a.edge_pairs(), b.edge_pairs()
    if len(eb):
        eb = np.stack([cmap_b[eb[:, 0]], nmap_b[eb[:, 1]], nmap_b[eb[:, 2]]], axis=1)
    else:
        eb = eb.reshape(0, 3)
    boundary = np.stack([sa, e_last, l_first], axis=1) if len(sa) else np.empty((0, 3), np.int64)
    keys = _rows_key(np.concatenate([ea, eb, boundary]), (n, k, k))
    key_a, key_b, key_bd = np.split(keys, [len(ea), len(ea) + len(eb)])
    dup_e = np.isin(key_b, key_a)
    edge_union = np.concatenate([key_a, key_b[~dup_e]])
    new = ~np.isin(key_bd, edge_union)
    edge_pairs = np.concatenate([ea, eb[~dup_e], boundary[new]])

    start_fix = np.bincount(l_first, minlength=k) if len(sa) else np.zeros(k, np.int64)
    end_fix = np.bincount(e_last, minlength=k) if len(sa) else np.zeros(k, np.int64)
    edge_overlap = eb[dup_e]
    fixes = {
        "cases": node_overlap,
        "start": start_fix,
        "end": end_fix,
        "edge_overlap": edge_overlap,
    }
    state = _CaseState.from_pairs(
        node_pairs,
        edge_pairs,
        cases=cases,
        nodes=nodes,
        first=first,
        last=last,
        first_time=first_time,
        last_time=last_time,
    )
    bounds = np.column_stack([boundary, gap, new.astype(np.int64)]) if len(sa) else None
    return state, fixes, bounds if bounds is not None else np.empty((0, 5), np.int64)


@dataclass(frozen=True, eq=False, repr=False)
class JourneyGraph:
    """The directly-follows graph of a journey log, with frequencies and times.

    Build it with :func:`discover`. An edge ``(a, b)`` counts each time ``b``
    directly follows ``a`` within a case (``events``) and the number of cases
    where that happens at least once (``cases``); its durations are the
    times between the two events.

    Attributes
    ----------
    nodes : pandas.DataFrame
        One row per node: ``node``, ``events``, ``cases`` (cases with at
        least one event there), ``start`` and ``end`` (cases that start or
        end there), and ``stage`` when the log has a stage column.
    edges : pandas.DataFrame
        One row per edge: ``source``, ``target``, ``events``, ``cases`` and
        ``mean_duration``, ``median_duration``, ``p90_duration``,
        ``min_duration``, ``max_duration`` (:class:`pandas.Timedelta`).
        All are exact on a discovered graph (median and p90 interpolate
        linearly, as numpy, pandas and pm4py do); on a merged graph
        (``g1 + g2``, or a Dask log's graph) median and p90 are read from a
        mergeable log-bucketed histogram and are within 1 % of the exact value.
    by : str
        What the nodes are: ``"activity"``, ``"stage"``, ``"channel"`` or a column.
    n_cases, n_events : int
        Cases and events of the log the graph was discovered on.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 1, 2, 2], "a": ["ad", "view", "buy", "ad", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="h")})
    >>> g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> g.edges[["source", "target", "events", "cases"]]
      source target  events  cases
    0     ad   view       2      2
    1   view    buy       1      1
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    by: str
    n_cases: int
    n_events: int
    _stats: pd.DataFrame = field(repr=False)
    _hist: pd.DataFrame | _DeferredHistogram = field(repr=False)
    pruned: dict[str, float] | None = None
    _cases: _CaseState | None = field(default=None, repr=False)
    #: discovered by an engine whose pieces hold disjoint cases: merged without per-case state
    _disjoint: bool = field(default=False, repr=False)

    # -- construction -----------------------------------------------------
    @classmethod
    def _assemble(
        cls,
        *,
        by: str,
        nodes: pd.DataFrame,
        counts: pd.DataFrame,
        stats: pd.DataFrame,
        hist: pd.DataFrame | _DeferredHistogram,
        n_cases: int,
        n_events: int,
        cases: _CaseState | None = None,
        in_order: bool = False,
        disjoint: bool = False,
    ) -> JourneyGraph:
        """Build the public tables from label-keyed parts (shared by discover and merge).

        When ``stats`` has ``median`` and ``p90`` columns (exact values, from
        :func:`discover`) they are used; otherwise both are read from the
        histogram (a merged graph). ``in_order=True`` says that ``nodes`` and
        ``counts`` are sorted already (by events, most first, then label) and
        that ``stats`` holds the same edges in the same order.
        """
        if in_order:
            edges = pd.concat([counts, stats.drop(columns=["source", "target"])], axis=1)
        else:
            nodes = _sort_labels(nodes, ["events", "node"], [False, True])
            edges = counts.merge(stats, on=["source", "target"], how="left")
            edges = _sort_labels(edges, ["events", "source", "target"], [False, True, True])
        stats = edges[_STAT_COLUMNS].copy()
        lo = edges["min"].to_numpy(dtype=np.float64)
        hi = edges["max"].to_numpy(dtype=np.float64)
        if "median" in edges.columns:
            med = edges["median"].to_numpy(dtype=np.float64)
            p90 = edges["p90"].to_numpy(dtype=np.float64)
        else:
            n = len(edges)
            if isinstance(hist, _DeferredHistogram):
                hist = hist()
            key = pd.MultiIndex.from_frame(edges[["source", "target"]])
            group = key.get_indexer(pd.MultiIndex.from_frame(hist[["source", "target"]]))
            h = pd.DataFrame(
                {
                    "group": group,
                    "bucket": hist["bucket"].to_numpy(),
                    "count": hist["count"].to_numpy(),
                }
            )
            h = h.sort_values(["group", "bucket"], kind="stable")
            med, p90 = _sketch.quantiles(h, n, (0.5, 0.9), lo, hi)
        parts = edges[["s0", "s1", "s2"]].to_numpy(dtype=np.float64)
        mean = _sketch.mean_from_parts(parts, edges["events"].to_numpy(dtype=np.float64))
        public = edges[["source", "target", "events", "cases"]].copy()
        for name, values in zip(DURATION_COLUMNS, (mean, med, p90, lo, hi), strict=True):
            public[name] = pd.to_timedelta(np.round(values), unit="ns")
        public["events"] = public["events"].astype(np.int64)
        public["cases"] = public["cases"].astype(np.int64)
        return cls(
            nodes=nodes,
            edges=public,
            by=by,
            n_cases=int(n_cases),
            n_events=int(n_events),
            _stats=stats,
            _hist=hist if isinstance(hist, _DeferredHistogram) else hist.reset_index(drop=True),
            _cases=cases,
            _disjoint=disjoint,
        )

    def _histogram(self) -> pd.DataFrame:
        """The duration histogram by (source, target, bucket), built on first use."""
        hist = self._hist
        if isinstance(hist, _DeferredHistogram):
            hist = hist()
            object.__setattr__(self, "_hist", hist)  # a cache: the graph stays immutable
        return hist

    # -- merging ----------------------------------------------------------
    def __add__(self, other: JourneyGraph) -> JourneyGraph:
        """Merge the graphs of two logs: split by case, by time, or both.

        The result is the graph of the two logs' events together (the left
        graph's events first where times tie). Cases in both logs are
        counted once: the edge from a case's last event in the earlier log
        to its first event in the later one is added (with its duration),
        and its start and end are counted once. Counts, mean, min and max
        are exact; median and p90 come from the merged duration histograms,
        within 1 % of the exact values.

        Raises
        ------
        ParameterError
            If the graphs group nodes differently (``by``), if either was
            built without its per-case state (:meth:`from_pm4py`, after
            :meth:`prune`, or discovered on a Dask-backed log), or if a case has events in both logs whose times
            interleave (the merged order is then unknown).

        Examples
        --------
        >>> import numpy as np, journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> half = log.n_cases // 2
        >>> a = jm.discover(log.select_cases(np.arange(half)))
        >>> b = jm.discover(log.select_cases(np.arange(half, log.n_cases)))
        >>> cols = ["source", "target", "events", "cases"]
        >>> (a + b).edges[cols].equals(jm.discover(log).edges[cols])
        True
        """
        if not isinstance(other, JourneyGraph):
            return NotImplemented
        if other.by != self.by:
            raise ParameterError(
                f"Cannot merge a graph by {self.by!r} with a graph by {other.by!r}. "
                "Discover both with the same by=."
            )
        for side, g in (("left", self), ("right", other)):
            if g._cases is None:
                if g.pruned:
                    why = "it was pruned (prune after merging)"
                elif g._disjoint:
                    why = (
                        "it was discovered on a Dask-backed log (whose partitions hold "
                        "disjoint cases, so their graphs merge without it)"
                    )
                else:
                    why = "it was not discovered from a log (e.g. JourneyGraph.from_pm4py)"
                raise ParameterError(
                    f"Cannot merge the graphs exactly: the {side} graph has no per-case "
                    f"information because {why}, so cases shared by both logs would be "
                    "counted twice and the edges between their events lost. Merge graphs "
                    "that jm.discover() returned for in-memory logs, or discover one log "
                    "holding the events of both."
                )
        assert self._cases is not None and other._cases is not None
        state, fixes, bounds = _merge_states(self._cases, other._cases)
        return self._combine(other, state, fixes, bounds, len(state.cases))

    def _add_disjoint(self, other: JourneyGraph) -> JourneyGraph:
        """Merge the graphs of two logs known to share no case, without per-case state.

        The merge of an engine whose pieces hold disjoint sets of whole cases
        (a Dask log's partitions, ``LogMeta.disjoint_parts``): every count
        simply adds, so the partial results stay O(nodes + edges) however
        many cases the log has. The result has no per-case state either, so
        it cannot be merged with ``+`` (which must find shared cases).
        """
        if other.by != self.by:  # pragma: no cover - one kernel, one by
            raise ParameterError(f"Cannot merge a graph by {self.by!r} with one by {other.by!r}.")
        graph = self._combine(other, None, None, None, self.n_cases + other.n_cases)
        return replace(graph, _disjoint=True)

    def _combine(
        self,
        other: JourneyGraph,
        state: _CaseState | None,
        fixes: dict[str, np.ndarray] | None,
        bounds: np.ndarray | None,
        n_cases: int,
    ) -> JourneyGraph:
        """The tables of two graphs added up, less the corrections for shared cases (if any).

        ``state``, ``fixes`` and ``bounds`` come from :func:`_merge_states`;
        None for graphs of disjoint cases, whose counts simply add.
        """
        node_cols = ["events", "cases", "start", "end"]
        both = pd.concat([self.nodes, other.nodes], ignore_index=True)
        nodes = both.groupby("node", sort=False, dropna=False)[node_cols].sum().reset_index()
        if state is not None and fixes is not None:
            at = state.nodes.get_indexer(pd.Index(nodes["node"]))
            for col in ("cases", "start", "end"):
                nodes[col] = nodes[col].to_numpy() - fixes[col][at]
        if "stage" in both.columns:
            stage = both.dropna(subset=["stage"]).drop_duplicates("node").set_index("node")["stage"]
            nodes["stage"] = nodes["node"].map(stage)

        cols = ["source", "target", "events", "cases"]
        frames = [self.edges[cols], other.edges[cols]]
        overlap = fixes["edge_overlap"] if fixes is not None else np.empty((0, 3), np.int64)
        if len(overlap):
            assert state is not None
            labels = np.asarray(state.nodes, dtype=object)
            frames.append(
                pd.DataFrame(
                    {
                        "source": labels[overlap[:, 1]],
                        "target": labels[overlap[:, 2]],
                        "events": 0,
                        "cases": -1,
                    }
                )
            )
        stat_frames = [self._stats, other._stats]
        hist_frames = [self._histogram(), other._histogram()]
        if bounds is not None and len(bounds):
            assert state is not None
            labels = np.asarray(state.nodes, dtype=object)
            src, dst = labels[bounds[:, 1]], labels[bounds[:, 2]]
            gap = bounds[:, 3]
            one = np.arange(len(bounds))
            frames.append(
                pd.DataFrame({"source": src, "target": dst, "events": 1, "cases": bounds[:, 4]})
            )
            parts = _sketch.sum_parts(one, gap, len(bounds))
            stat_frames.append(
                pd.DataFrame(
                    {
                        "source": src,
                        "target": dst,
                        "s0": parts[:, 0],
                        "s1": parts[:, 1],
                        "s2": parts[:, 2],
                        "min": gap.astype(np.float64),
                        "max": gap.astype(np.float64),
                    }
                )
            )
            hist_frames.append(
                pd.DataFrame(
                    {"source": src, "target": dst, "bucket": _sketch.bucket_of(gap), "count": 1}
                )
            )
        e = pd.concat(frames, ignore_index=True)
        counts = e.groupby(["source", "target"], sort=False).sum().reset_index()
        s = pd.concat(stat_frames, ignore_index=True)
        stats = (
            s.groupby(["source", "target"], sort=False)
            .agg(
                s0=("s0", "sum"),
                s1=("s1", "sum"),
                s2=("s2", "sum"),
                min=("min", "min"),
                max=("max", "max"),
            )
            .reset_index()
        )
        h = pd.concat(hist_frames, ignore_index=True)
        hist = h.groupby(["source", "target", "bucket"], sort=False)["count"].sum().reset_index()
        return JourneyGraph._assemble(
            by=self.by,
            nodes=nodes,
            counts=counts,
            stats=stats,
            hist=hist,
            n_cases=n_cases,
            n_events=self.n_events + other.n_events,
            cases=state,
        )

    def __radd__(self, other: Any) -> JourneyGraph:
        if other == 0:  # so that sum(graphs) works
            return self
        return NotImplemented

    # -- simplification ---------------------------------------------------
    def prune(self, *, activities: float = 1.0, paths: float = 1.0) -> JourneyGraph:
        """Keep the most frequent nodes and edges, staying connected (Disco-style sliders).

        1. Nodes are ranked by events (ties by name); the first
           ``ceil(activities * n_nodes)`` are kept (at least one).
        2. Edges between kept nodes are ranked by events (ties by source,
           target); the first ``ceil(paths * n_edges)`` are kept.
        3. Repair: while a kept node cannot be reached from a start node
           (a node where some case starts), the most frequent dropped edge
           from a reachable node to it is added back; likewise, while a node
           cannot reach an end node, the most frequent dropped edge from it
           to a node that can is added back. A node that cannot be connected
           even with every edge between kept nodes is dropped.

        Counts of what is kept are unchanged (they are not recomputed on a
        filtered log); ``pruned`` records the shares asked for.

        Parameters
        ----------
        activities : float, default=1.0
            Share of nodes to keep, in (0, 1].
        paths : float, default=1.0
            Share of the remaining edges to keep, in [0, 1].

        Returns
        -------
        JourneyGraph

        Examples
        --------
        >>> import journeymine as jm
        >>> g = jm.discover(jm.datasets.load_shop())
        >>> small = g.prune(activities=0.5, paths=0.3)
        >>> len(small.nodes) <= len(g.nodes) and len(small.edges) <= len(g.edges)
        True
        """
        for name, value, low in (("activities", activities, 0.0), ("paths", paths, -1e-12)):
            if not isinstance(value, (int, float)) or not (low < value <= 1.0):
                raise ParameterError(
                    f"The {name!r} parameter of prune() must be a share in "
                    f"{'(0, 1]' if name == 'activities' else '[0, 1]'}. Got {value!r} instead."
                )
        nodes = self.nodes
        n_keep = max(1, math.ceil(activities * len(nodes)))
        kept = set(nodes["node"].iloc[:n_keep].tolist())
        cand = self.edges[self.edges["source"].isin(kept) & self.edges["target"].isin(kept)]
        cand = cand.reset_index(drop=True)
        n_edges = math.ceil(paths * len(cand))
        chosen = np.zeros(len(cand), dtype=bool)
        chosen[:n_edges] = True
        src = cand["source"].tolist()
        dst = cand["target"].tolist()
        starts = set(nodes.loc[nodes["node"].isin(kept) & (nodes["start"] > 0), "node"])
        ends = set(nodes.loc[nodes["node"].isin(kept) & (nodes["end"] > 0), "node"])
        if not starts:
            starts = {nodes["node"].iloc[0]}
        if not ends:
            ends = {nodes["node"].iloc[0]}

        def closure(seeds: set[Any], forward: bool) -> set[Any]:
            adj: dict[Any, list[Any]] = {}
            for i in np.flatnonzero(chosen):
                a, b = (src[i], dst[i]) if forward else (dst[i], src[i])
                adj.setdefault(a, []).append(b)
            seen, todo = set(seeds), list(seeds)
            while todo:
                for nxt in adj.get(todo.pop(), []):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            return seen

        for forward in (True, False):
            seeds = starts if forward else ends
            while True:
                ok = closure(seeds, forward)
                missing = kept - ok
                if not missing:
                    break
                fix = None
                for i in range(len(cand)):  # ranked by events, first hit is the best
                    if chosen[i]:
                        continue
                    a, b = (src[i], dst[i]) if forward else (dst[i], src[i])
                    if a in ok and b in missing:
                        fix = i
                        break
                if fix is None:
                    kept -= missing
                    chosen &= np.array(
                        [s in kept and t in kept for s, t in zip(src, dst, strict=True)], dtype=bool
                    )
                    break
                chosen[fix] = True
        edges = cand[chosen].reset_index(drop=True)
        keep_nodes = nodes[nodes["node"].isin(kept)].reset_index(drop=True)
        stats = self._stats.merge(edges[["source", "target"]], on=["source", "target"])
        hist = self._histogram().merge(edges[["source", "target"]], on=["source", "target"])
        return replace(
            self,
            nodes=keep_nodes,
            edges=edges,
            _stats=stats,
            _hist=hist,
            pruned={"activities": float(activities), "paths": float(paths)},
            _cases=None,
        )

    # -- exports ----------------------------------------------------------
    def to_networkx(self) -> networkx.DiGraph:
        """A :class:`networkx.DiGraph` with the node and edge tables as attributes.

        Durations are stored as seconds (float) under ``*_duration_s``.

        Examples
        --------
        >>> import journeymine as jm
        >>> G = jm.discover(jm.datasets.load_shop()).to_networkx()
        >>> G.number_of_nodes() > 5
        True
        """
        import networkx as nx

        G = nx.DiGraph(by=self.by, n_cases=self.n_cases, n_events=self.n_events)
        for row in self.nodes.to_dict("records"):
            node = row.pop("node")
            G.add_node(node, **_plain(row))
        for row in self._edge_records():
            G.add_edge(row.pop("source"), row.pop("target"), **row)
        return G

    def _edge_records(self) -> list[dict[str, Any]]:
        e = self.edges[["source", "target", "events", "cases"]].copy()
        for col in DURATION_COLUMNS:
            e[col + "_s"] = self.edges[col].dt.total_seconds()
        return [_plain(r) for r in e.to_dict("records")]

    def to_dot(self, *, weight: Literal["events", "cases"] = "cases", name: str = "journey") -> str:
        """Graphviz DOT text of the graph (no Graphviz binary needed to produce it).

        Parameters
        ----------
        weight : {"events", "cases"}, default="cases"
            Which count labels the edges and sets their pen width.
        name : str, default="journey"
            The graph's name.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.discover(jm.datasets.load_shop()).to_dot().startswith('digraph "journey"')
        True
        """
        check_option("weight", weight, ("events", "cases"), "to_dot")

        def q(x: Any) -> str:
            return '"' + str(x).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

        top = max(int(self.edges[weight].max()), 1) if len(self.edges) else 1
        lines = [f"digraph {q(name)} {{", "  rankdir=LR;", '  node [shape=box, style="rounded"];']
        # the synthetic start and end nodes get ids no activity has
        names = {str(n) for n in self.nodes["node"]}
        start_id, end_id = "__start__", "__end__"
        while start_id in names:
            start_id += "_"
        while end_id in names:
            end_id += "_"
        lines.append(f'  {q(start_id)} [shape=circle, label="", width=0.2, style=filled];')
        lines.append(f'  {q(end_id)} [shape=doublecircle, label="", width=0.2];')
        for r in self.nodes.itertuples(index=False):
            label = q(f"{r.node}\n{getattr(r, weight)}")
            lines.append(f"  {q(r.node)} [label={label}];")
            if r.start:
                lines.append(f'  {q(start_id)} -> {q(r.node)} [label="{r.start}", style=dashed];')
            if r.end:
                lines.append(f'  {q(r.node)} -> {q(end_id)} [label="{r.end}", style=dashed];')
        for r in self.edges.itertuples(index=False):
            w = getattr(r, weight)
            pen = 0.5 + 4.5 * w / top
            lines.append(f'  {q(r.source)} -> {q(r.target)} [label="{w}", penwidth={pen:.2f}];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_pm4py(self) -> tuple[dict[tuple[Any, Any], int], dict[Any, int], dict[Any, int]]:
        """pm4py's DFG triple ``(dfg, start_activities, end_activities)``.

        Examples
        --------
        >>> import journeymine as jm
        >>> dfg, start, end = jm.discover(jm.datasets.load_shop()).to_pm4py()
        >>> sum(start.values()) == jm.datasets.load_shop().n_cases
        True
        """
        dfg = {
            (s, t): int(c)
            for s, t, c in zip(
                self.edges["source"], self.edges["target"], self.edges["events"], strict=True
            )
        }
        start = {
            n: int(c) for n, c in zip(self.nodes["node"], self.nodes["start"], strict=True) if c
        }
        end = {n: int(c) for n, c in zip(self.nodes["node"], self.nodes["end"], strict=True) if c}
        return dfg, start, end

    @classmethod
    def from_pm4py(
        cls,
        dfg: dict[tuple[Any, Any], int],
        start_activities: dict[Any, int] | None = None,
        end_activities: dict[Any, int] | None = None,
    ) -> JourneyGraph:
        """Build a graph from pm4py's DFG triple (counts only: no cases, no durations).

        ``cases`` columns are unknown and set to the ``events`` count of the
        edge (an upper bound); durations are missing (NaT).

        Examples
        --------
        >>> import journeymine as jm
        >>> g = jm.JourneyGraph.from_pm4py({("a", "b"): 3}, {"a": 3}, {"b": 3})
        >>> g.edges["events"].tolist()
        [3]
        """
        start_activities = start_activities or {}
        end_activities = end_activities or {}
        edges = pd.DataFrame(
            [(s, t, int(c)) for (s, t), c in dfg.items()], columns=["source", "target", "events"]
        )
        names = sorted(
            set(edges["source"])
            | set(edges["target"])
            | set(start_activities)
            | set(end_activities),
            key=str,
        )
        ins = edges.groupby("target")["events"].sum()
        events = {n: int(ins.get(n, 0)) + int(start_activities.get(n, 0)) for n in names}
        nodes = pd.DataFrame(
            {
                "node": names,
                "events": [events[n] for n in names],
                "cases": [events[n] for n in names],
                "start": [int(start_activities.get(n, 0)) for n in names],
                "end": [int(end_activities.get(n, 0)) for n in names],
            }
        )
        counts = edges.assign(cases=edges["events"])
        stats = counts[["source", "target"]].assign(s0=0.0, s1=0.0, s2=0.0, min=np.nan, max=np.nan)
        hist = pd.DataFrame({"source": [], "target": [], "bucket": [], "count": []})
        g = cls._assemble(
            by="activity",
            nodes=nodes,
            counts=counts,
            stats=stats,
            hist=hist,
            n_cases=int(sum(start_activities.values())),
            n_events=int(nodes["events"].sum()),
        )
        e = g.edges.copy()
        for col in DURATION_COLUMNS:
            e[col] = pd.Series(pd.NaT, index=e.index, dtype="timedelta64[ns]")
        return replace(g, edges=e)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``by``, ``n_cases``, ``n_events``, ``nodes`` and ``edges`` records.

        Durations are in seconds.

        Examples
        --------
        >>> import journeymine as jm
        >>> d = jm.discover(jm.datasets.load_shop()).to_dict()
        >>> sorted(d)
        ['by', 'edges', 'n_cases', 'n_events', 'nodes']
        """
        return {
            "by": self.by,
            "n_cases": self.n_cases,
            "n_events": self.n_events,
            "nodes": [_plain(r) for r in self.nodes.to_dict("records")],
            "edges": self._edge_records(),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (keywords go to :func:`json.dumps`).

        Examples
        --------
        >>> import json, journeymine as jm
        >>> json.loads(jm.discover(jm.datasets.load_shop()).to_json())["by"]
        'activity'
        """
        return json.dumps(self.to_dict(), **kwargs)

    # -- pictures ---------------------------------------------------------
    def plot(self, ax: matplotlib.axes.Axes | None = None, **kwargs: Any) -> matplotlib.axes.Axes:
        """Draw the graph with matplotlib; see :func:`journeymine.plot_graph`.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import journeymine as jm
        >>> ax = jm.discover(jm.datasets.load_shop()).prune(activities=0.6).plot()
        """
        from journeymine.plot.graph import plot_graph

        return plot_graph(self, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        top = self.edges.head(8)
        rows = "".join(
            f"<tr><td>{html.escape(str(r.source))}</td><td>→</td><td>{html.escape(str(r.target))}</td>"
            f"<td style='text-align:right'>{r.events:,}</td><td style='text-align:right'>{r.cases:,}</td>"
            f"<td>{_fmt_td(r.median_duration)}</td></tr>"
            for r in top.itertuples(index=False)
        )
        note = f" (pruned: {self.pruned})" if self.pruned else ""
        return (
            f"<div><b>JourneyGraph</b> by {html.escape(self.by)}{html.escape(note)}: "
            f"{len(self.nodes)} nodes, {len(self.edges)} edges, {self.n_cases:,} cases, "
            f"{self.n_events:,} events"
            "<table><tr><th>source</th><th></th><th>target</th><th>events</th><th>cases</th>"
            f"<th>median time</th></tr>{rows}</table>"
            f"{'<i>... ' + str(len(self.edges) - 8) + ' more edges</i>' if len(self.edges) > 8 else ''}</div>"
        )

    def __repr__(self) -> str:
        note = f", pruned={self.pruned}" if self.pruned else ""
        return (
            f"JourneyGraph(by={self.by!r}, nodes={len(self.nodes)}, edges={len(self.edges)}, "
            f"n_cases={self.n_cases}, n_events={self.n_events}{note})"
        )

    def to_html(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the interactive journey map of this graph as a self-contained HTML page.

        The page pans and zooms, shows counts and times on hover, and has
        Disco-style sliders (activities, paths) and a frequency/time switch;
        all code is inline (no network access) and the static picture of
        :func:`journeymine.plot_graph` shows where scripts are off. It is the
        map of the HTML report's journey graph section.

        Parameters
        ----------
        path : str or path-like
            The file to write; missing folders are created.
        **kwargs
            ``model``, ``stages``, ``weight`` ("cases" or "events"),
            ``max_nodes`` (default 60) and ``title``.

        Returns
        -------
        pathlib.Path

        Examples
        --------
        >>> import tempfile, pathlib, journeymine as jm
        >>> g = jm.discover(jm.datasets.load_shop())
        >>> with tempfile.TemporaryDirectory() as d:
        ...     out = g.to_html(pathlib.Path(d) / "map.html")
        ...     "jm-map" in out.read_text(encoding="utf-8")
        True
        """
        from journeymine.plot.interactive import write_graph_map

        return write_graph_map(self, path, **kwargs)

    def compare(
        self, other: JourneyGraph, *, labels: tuple[str, str] = ("a", "b")
    ) -> GraphComparison:
        """Edge shares of this graph and ``other`` side by side, with ``.plot()``.

        Returns a :class:`~journeymine.GraphComparison`; see :func:`journeymine.compare`
        for comparing segments of one log.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> g = jm.discover(log)
        >>> g.compare(g).edges["diff"].abs().max()
        np.float64(0.0)
        """
        return compare_graphs(self, other, labels=labels)


def _fmt_td(value: Any) -> str:
    """A duration in a table's display: the one formatter ("3 min", "2 h 10 min")."""
    from journeymine._format import format_duration

    return format_duration(value)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Numpy scalars to Python ones, NaN/NaT to None, for JSON and networkx."""
    out: dict[str, Any] = {}
    for k, val in row.items():
        if isinstance(val, np.generic):
            val = val.item()
        if isinstance(val, float) and math.isnan(val):
            val = None
        elif val is pd.NaT or (not isinstance(val, (str, tuple, list)) and pd.isna(val)):
            val = None
        out[k] = val
    return out


# -- comparing two graphs -------------------------------------------------------------
@dataclass(frozen=True)
class GraphComparison:
    """Where the journeys of two graphs differ: edge shares side by side.

    Attributes
    ----------
    edges : pandas.DataFrame
        One row per edge of either graph: ``source``, ``target``,
        ``cases_a``, ``cases_b``, ``share_a`` and ``share_b`` (share of each
        graph's cases that take the edge) and ``diff`` (``share_a -
        share_b``), largest absolute difference first.
    labels : tuple of str
        Names of the two graphs, for plots.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> web = jm.discover(jm.filter_cases(log, where=lambda t: t["channel"] == "web"))
    >>> social = jm.discover(jm.filter_cases(log, where=lambda t: t["channel"] == "social"))
    >>> comparison = web.compare(social, labels=("web", "social"))
    >>> comparison.edges.columns.tolist()
    ['source', 'target', 'cases_a', 'cases_b', 'share_a', 'share_b', 'diff']
    >>> ax = comparison.plot(top=10)
    """

    edges: pd.DataFrame
    labels: tuple[str, str] = ("a", "b")

    def plot(
        self, ax: matplotlib.axes.Axes | None = None, *, top: int = 15
    ) -> matplotlib.axes.Axes:
        """Draw the edges whose shares differ most (see :func:`journeymine.plot_graph_compare`)."""
        from journeymine.plot.explore import plot_graph_compare

        return plot_graph_compare(self, ax=ax, top=top)

    def _repr_html_(self) -> str:
        return str(self.edges.head(20)._repr_html_())


def compare_graphs(
    graph_a: JourneyGraph, graph_b: JourneyGraph, *, labels: tuple[str, str] = ("a", "b")
) -> GraphComparison:
    """Edge shares of two graphs side by side (``graph_a.compare(graph_b)``).

    Parameters
    ----------
    graph_a, graph_b : JourneyGraph
        Graphs discovered on two groups of cases (e.g. two segments).
    labels : (str, str), default=("a", "b")
        Names of the groups, for plots.

    Returns
    -------
    GraphComparison

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 3, 3], "a": ["ad", "buy", "ad", "view", "ad", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=6, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> a = jm.discover(jm.filter_cases(log, where=pd.Series({1: True, 2: True})))
    >>> b = jm.discover(jm.filter_cases(log, where=pd.Series({3: True})))
    >>> a.compare(b).edges
      source target  cases_a  cases_b  share_a  share_b  diff
    0     ad    buy        1        1      0.5      1.0  -0.5
    1     ad   view        1        0      0.5      0.0   0.5
    """
    for name, g in (("graph_a", graph_a), ("graph_b", graph_b)):
        if not isinstance(g, JourneyGraph):
            raise ParameterError(
                f"compare() of graphs expects two JourneyGraphs; {name} is "
                f"{type(g).__name__}. Build them with jm.discover(log)."
            )
    if graph_a.by != graph_b.by:
        raise ParameterError(
            f"The graphs have different nodes (by={graph_a.by!r} and by={graph_b.by!r}); "
            "discover both with the same by=."
        )
    cols = ["source", "target", "cases"]
    a = graph_a.edges[cols].rename(columns={"cases": "cases_a"})
    b = graph_b.edges[cols].rename(columns={"cases": "cases_b"})
    out = a.merge(b, on=["source", "target"], how="outer")
    for col in ("cases_a", "cases_b"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["share_a"] = out["cases_a"] / max(graph_a.n_cases, 1)
    out["share_b"] = out["cases_b"] / max(graph_b.n_cases, 1)
    out["diff"] = out["share_a"] - out["share_b"]
    size = np.maximum(out["share_a"], out["share_b"])
    out = out.assign(_abs=out["diff"].abs(), _size=size)
    out = out.sort_values(["_abs", "_size"], ascending=False, kind="stable")
    out = out.drop(columns=["_abs", "_size"]).reset_index(drop=True)
    return GraphComparison(edges=out, labels=(str(labels[0]), str(labels[1])))
