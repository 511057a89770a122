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
    import matplotlib.axes
    import networkx

    from journeymine.compare import GraphComparison

__all__ = ["JourneyGraph"]

DURATION_COLUMNS = (
    "mean_duration",
    "median_duration",
    "p90_duration",
    "min_duration",
    "max_duration",
)
_STAT_COLUMNS = ["source", "target", "s0", "s1", "s2", "min", "max"]


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
        Mean, min and max are exact; median and p90 are read from a
        log-bucketed histogram and are within 1 % of the exact value.
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
    _hist: pd.DataFrame = field(repr=False)
    pruned: dict[str, float] | None = None

    # -- construction -----------------------------------------------------
    @classmethod
    def _assemble(
        cls,
        *,
        by: str,
        nodes: pd.DataFrame,
        counts: pd.DataFrame,
        stats: pd.DataFrame,
        hist: pd.DataFrame,
        n_cases: int,
        n_events: int,
    ) -> JourneyGraph:
        """Build the public tables from label-keyed parts (shared by discover and merge)."""
        nodes = _sort_labels(nodes, ["events", "node"], [False, True])
        edges = counts.merge(stats, on=["source", "target"], how="left")
        edges = _sort_labels(edges, ["events", "source", "target"], [False, True, True])
        stats = edges[_STAT_COLUMNS].copy()
        n = len(edges)
        key = pd.MultiIndex.from_frame(edges[["source", "target"]])
        group = key.get_indexer(pd.MultiIndex.from_frame(hist[["source", "target"]]))
        h = pd.DataFrame(
            {"group": group, "bucket": hist["bucket"].to_numpy(), "count": hist["count"].to_numpy()}
        )
        h = h.sort_values(["group", "bucket"], kind="stable")
        lo = edges["min"].to_numpy(dtype=np.float64)
        hi = edges["max"].to_numpy(dtype=np.float64)
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
            _hist=hist.reset_index(drop=True),
        )

    # -- merging ----------------------------------------------------------
    def __add__(self, other: JourneyGraph) -> JourneyGraph:
        """Merge the graphs of two logs over disjoint sets of cases.

        The result equals :func:`discover` on the union of the two logs:
        counts, mean, min and max exactly, and median and p90 too (the
        duration histograms add up exactly).

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> half = log.n_cases // 2
        >>> import numpy as np
        >>> a = jm.discover(log.select_cases(np.arange(half)))
        >>> b = jm.discover(log.select_cases(np.arange(half, log.n_cases)))
        >>> (a + b).edges.equals(jm.discover(log).edges)
        True
        """
        if not isinstance(other, JourneyGraph):
            return NotImplemented
        if other.by != self.by:
            raise ParameterError(
                f"Cannot merge a graph by {self.by!r} with a graph by {other.by!r}. "
                "Discover both with the same by=."
            )
        node_cols = ["events", "cases", "start", "end"]
        both = pd.concat([self.nodes, other.nodes], ignore_index=True)
        nodes = both.groupby("node", sort=False, dropna=False)[node_cols].sum().reset_index()
        if "stage" in both.columns:
            stage = both.dropna(subset=["stage"]).drop_duplicates("node").set_index("node")["stage"]
            nodes["stage"] = nodes["node"].map(stage)
        e = pd.concat(
            [
                self.edges[["source", "target", "events", "cases"]],
                other.edges[["source", "target", "events", "cases"]],
            ],
            ignore_index=True,
        )
        counts = e.groupby(["source", "target"], sort=False).sum().reset_index()
        s = pd.concat([self._stats, other._stats], ignore_index=True)
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
        h = pd.concat([self._hist, other._hist], ignore_index=True)
        hist = h.groupby(["source", "target", "bucket"], sort=False)["count"].sum().reset_index()
        return JourneyGraph._assemble(
            by=self.by,
            nodes=nodes,
            counts=counts,
            stats=stats,
            hist=hist,
            n_cases=self.n_cases + other.n_cases,
            n_events=self.n_events + other.n_events,
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
        hist = self._hist.merge(edges[["source", "target"]], on=["source", "target"])
        return replace(
            self,
            nodes=keep_nodes,
            edges=edges,
            _stats=stats,
            _hist=hist,
            pruned={"activities": float(activities), "paths": float(paths)},
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
        lines.append('  "__start__" [shape=circle, label="", width=0.2, style=filled];')
        lines.append('  "__end__" [shape=doublecircle, label="", width=0.2];')
        for r in self.nodes.itertuples(index=False):
            label = q(f"{r.node}\n{getattr(r, weight)}")
            lines.append(f"  {q(r.node)} [label={label}];")
            if r.start:
                lines.append(f'  "__start__" -> {q(r.node)} [label="{r.start}", style=dashed];')
            if r.end:
                lines.append(f'  {q(r.node)} -> "__end__" [label="{r.end}", style=dashed];')
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
        from journeymine.plot import plot_graph

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

    def compare(
        self, other: JourneyGraph, *, labels: tuple[str, str] = ("a", "b")
    ) -> GraphComparison:
        """Edge shares of this graph and ``other`` side by side, with ``.plot()``.

        See :func:`journeymine.compare.compare_graphs`.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> g = jm.discover(log)
        >>> g.compare(g).edges["diff"].abs().max()
        np.float64(0.0)
        """
        from journeymine.compare import compare_graphs

        return compare_graphs(self, other, labels=labels)


def _fmt_td(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(pd.Timedelta(value).round("s"))


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
