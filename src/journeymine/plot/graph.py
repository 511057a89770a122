"""Drawing a journey graph with matplotlib: boxes, routed arrows, labels that never collide.

The geometry comes from :mod:`journeymine.plot.layout` (in inches); this
module turns it into patches and texts. A figure made here is as large as
the layout needs, so every text is 8 points or more at any resolution;
large graphs are cut to their most frequent part, and the picture says what
was left out.

This module never imports :mod:`journeymine.graph` (whose ``plot`` method
imports it): a graph is recognised by its tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

import journeymine.plot.layout as _layout
from journeymine import _validation as v
from journeymine.errors import MissingDependencyError, ParameterError, user_stacklevel
from journeymine.plot._base import (
    _BACKWARD,
    _END,
    _FORWARD,
    _INK,
    _START,
    _UNKNOWN_COLUMN,
    _WITHIN,
    _check_ax,
    _fmt_count,
    _mathtext_safe,
    _wrap,
    fmt_duration,
    new_figure,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.graph import JourneyGraph
    from journeymine.model import JourneyModel

__all__ = ["graph_stages", "is_graph", "plot_graph", "shown_part"]

FONT = 8.0  # points: node and edge labels
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 0.35, 0.25, 0.2  # inches around the drawing


def resolve_engine(engine: str, func: str, staged: bool = False) -> Literal["builtin", "dot"]:
    """The layout engine to use.

    ``"auto"`` is Graphviz for a graph without stage columns when it is
    installed, else the built-in layout (Graphviz's rank constraints for
    stage columns draw long detours, the built-in columns do not).
    """
    if engine == "builtin" or (engine == "auto" and staged):
        return "builtin"
    if _layout.dot_available():
        return "dot"
    if engine == "dot":
        raise MissingDependencyError(
            f'{func}() with engine="dot" needs Graphviz and pydot. Install them with: '
            'pip install "journeymine[graphviz]" and your system\'s graphviz package '
            '(apt-get install graphviz, brew install graphviz), or pass engine="builtin".'
        )
    return "builtin"


def is_graph(obj: Any) -> bool:
    """True for a JourneyGraph (recognised by its tables, without importing its module)."""
    return (
        isinstance(getattr(obj, "nodes", None), pd.DataFrame)
        and isinstance(getattr(obj, "edges", None), pd.DataFrame)
        and hasattr(obj, "prune")
        and hasattr(obj, "by")
    )


def _template_order(found: Sequence[Any]) -> list[Any] | None:
    from journeymine import stages as templates

    wanted = set(found)
    for order in list(templates.TEMPLATES.values()) + [templates.CLASSIC + ("Service",)]:
        if wanted <= set(order):
            return [s for s in order if s in wanted]
    return None


def graph_stages(
    graph: JourneyGraph, stages: Sequence[Any] | None, model: JourneyModel | None
) -> tuple[dict[Any, Any], list[Any], set[Any]] | None:
    """(stage of each node, ordered stages, nodes the model does not know), or None without stages."""
    names = graph.nodes["node"].tolist()
    log_stage: dict[Any, Any] = {}
    if "stage" in graph.nodes.columns:
        log_stage = {
            n: s
            for n, s in zip(names, graph.nodes["stage"], strict=True)
            if s is not None and not (isinstance(s, float) and math.isnan(s))
        }
    unknown: set[Any] = set()
    if model is not None:
        order = list(model.stages)
        if graph.by == "stage":
            mapping = {n: n for n in names}
        else:
            mapping = {}
            for n in names:
                st = model.activities.get(n)
                if st is None:
                    unknown.add(n)
                    st = log_stage.get(n)
                mapping[n] = st
    elif graph.by == "stage":
        mapping = {n: n for n in names}
        order = list(stages) if stages is not None else (_template_order(names) or [])
        if not order:
            return None
    else:
        if not log_stage:
            return None
        mapping = dict(log_stage)
        if stages is not None:
            order = list(stages)
        else:
            order = _template_order(list(set(log_stage.values()))) or []
            if not order:
                order = _order_by_depth(graph, mapping)
    if stages is not None and model is not None:
        order = list(stages)
    mapping = {n: (s if s in order else _UNKNOWN_COLUMN) for n, s in mapping.items()}
    for n in names:
        mapping.setdefault(n, _UNKNOWN_COLUMN)
    if any(s == _UNKNOWN_COLUMN for s in mapping.values()):
        order = [*order, _UNKNOWN_COLUMN]
    used = set(mapping.values())
    return mapping, [s for s in order if s in used], unknown


def _start_order(graph: JourneyGraph) -> list[Any]:
    st = graph.nodes.sort_values(["start", "events"], ascending=False, kind="stable")
    return st.loc[st["start"] > 0, "node"].tolist()


def _order_by_depth(graph: JourneyGraph, mapping: dict[Any, Any]) -> list[Any]:
    """Order stages by the event-weighted mean layer of their nodes."""
    names = graph.nodes["node"].tolist()
    pairs = list(zip(graph.edges["source"], graph.edges["target"], strict=True))
    layer = _layout._layers(names, pairs, _start_order(graph))
    weight = dict(zip(names, graph.nodes["events"], strict=True))
    acc: dict[Any, list[float]] = {}
    for n, s in mapping.items():
        a = acc.setdefault(s, [0.0, 0.0])
        a[0] += layer[n] * weight[n]
        a[1] += weight[n]
    return sorted(acc, key=lambda s: (acc[s][0] / max(acc[s][1], 1), str(s)))


def shown_part(
    graph: JourneyGraph, max_nodes: int, max_edges: int | None
) -> tuple[JourneyGraph, str]:
    """The part of ``graph`` to draw and a sentence saying what was left out ("" if nothing)."""
    n_before, m_total = len(graph.nodes), len(graph.edges)
    notes = []
    if n_before > max_nodes:
        graph = graph.prune(activities=(max_nodes - 0.5) / n_before)
        kept = graph.nodes["events"].sum()
        total = max(int(getattr(graph, "n_events", 0) or 0), 1)
        what = "touchpoints" if graph.by == "activity" else f"{graph.by} values"
        notes.append(
            f"showing {len(graph.nodes):,} of {n_before:,} {what} ({kept / total:.0%} of events)"
        )
    elif graph.pruned:
        notes.append(f"pruned ({graph.pruned})")
    if max_edges is not None and len(graph.edges) > max_edges:
        m_before = len(graph.edges)
        graph = graph.prune(paths=max_edges / m_before)
        notes.append(f"the {len(graph.edges):,} most frequent of {m_before:,} moves")
    if not notes:
        return graph, ""
    hint = "see prune() or by="
    if n_before > max_nodes and graph.by == "activity" and "stage" in graph.nodes.columns:
        hint = 'a coarser view: by="stage"; or prune()'
    elif m_total and not n_before > max_nodes:
        hint = "see prune()"
    return graph, f"{', '.join(notes)}; {hint}"


@v.validate_params(
    {
        "layout": [v.StrOptions(("stages", "layered"))],
        "weight": [v.StrOptions(("cases", "events"))],
        "label": [v.StrOptions(("count", "median", "none"))],
        "max_nodes": [v.Interval(int, 1, None)],
        "model": [v.Model(), None],
        "max_edges": [v.Interval(int, 1, None), None],
        "max_edge_labels": [v.Interval(int, 0, None)],
        "title": [v.InstanceOf(str), None],
        "engine": [v.StrOptions(("auto", "builtin", "dot"))],
    }
)
def plot_graph(
    graph: JourneyGraph,
    ax: Axes | None = None,
    *,
    layout: Literal["stages", "layered"] = "stages",
    weight: Literal["cases", "events"] = "cases",
    label: Literal["count", "median", "none"] = "count",
    max_nodes: int = 40,
    stages: Sequence[Any] | None = None,
    model: JourneyModel | None = None,
    max_edges: int | None = 90,
    max_edge_labels: int = 60,
    title: str | None = None,
    engine: Literal["auto", "builtin", "dot"] = "auto",
) -> Axes:
    """Draw a journey graph: rounded boxes for touchpoints, arrows for directly-follows moves.

    The layout is layered, forward flow left to right. With stages, the
    columns are the stages in journey order; without, they are the layers of
    a longest-path layering from the start nodes, after turning round the
    edges that close a cycle. Inside a column the order minimises crossings.
    Forward moves are grey, moves back to an earlier column dashed orange,
    moves within a stage and repeats of one touchpoint blue; an arrow that
    spans several columns runs between the boxes of the columns it passes,
    never through a box. Widths follow the frequency; green and red marks
    show where cases start and end. Edge labels are placed where they touch
    no box, header or other label (an edge with no such place keeps its
    arrow, unlabelled; the title says how many).

    A figure made here grows with the graph, so that text is 8 points or
    more at any resolution. Graphs larger than ``max_nodes`` are cut to
    their most frequent part, and the title says what was left out.

    Parameters
    ----------
    graph : JourneyGraph
        The graph, from :func:`journeymine.discover`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the layout. On a
        given Axes the text shrinks with the Axes.
    layout : {"stages", "layered"}, default="stages"
        ``"stages"`` puts nodes in stage columns when stages are known (the
        graph has a ``stage`` column, or ``stages`` or ``model`` is given,
        or the graph is by stage), and falls back to ``"layered"`` when
        they are not.
    weight : {"cases", "events"}, default="cases"
        Which count sets widths and labels.
    label : {"count", "median", "none"}, default="count"
        What edges are labelled with: the count, the median time between
        the two touchpoints, or nothing.
    max_nodes : int, default=40
        Graphs with more nodes are first pruned to the most frequent
        ``max_nodes`` with :meth:`JourneyGraph.prune`; the title says how
        many were kept and what share of the events they hold.
    stages : sequence, optional
        The stages in journey order (for a graph with a ``stage`` column).
    model : JourneyModel, optional
        The designed journey: its stages give the columns and their order,
        and its activity map the stage of each touchpoint. Touchpoints it
        does not know get a dashed box.
    max_edges : int or None, default=90
        Graphs with more edges (after pruning nodes) keep only about this
        many of the most frequent edges (``prune(paths=...)``, which keeps
        every node connected); the title says so. None keeps them all.
    max_edge_labels : int, default=60
        At most this many edges, the most frequent, get a label.
    title : str, optional
        The title; by default it says what is drawn.
    engine : {"auto", "builtin", "dot"}, default="auto"
        Who places boxes and arrows: ``"dot"`` is Graphviz, through its
        Python binding pydot (``pip install "journeymine[graphviz]"`` plus
        the Graphviz programs); ``"builtin"`` the layered layout of
        ``journeymine.plot.layout``, which needs nothing more;
        ``"auto"`` takes Graphviz when both are installed and the graph has
        no stage columns (for stage columns the built-in layout draws
        shorter routes). Labels are placed by journeymine either way, with
        the same no-overlap rule.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If an option has an unknown value or ``graph`` is not a JourneyGraph.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.plot import plot_graph
    >>> df = pd.DataFrame({"c": [1, 1, 1, 2, 2, 2], "a": ["ad", "view", "buy", "ad", "buy", "ad"],
    ...                    "t": pd.date_range("2025-01-01", periods=6, freq="h")})
    >>> g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> ax = plot_graph(g, layout="layered")
    >>> len([p for p in ax.patches if p.get_gid() == "node-box"])
    3
    """

    if not is_graph(graph):
        raise ParameterError(
            f"plot_graph() expects a JourneyGraph, got {type(graph).__name__}. "
            "Make one with jm.discover(log)."
        )
    resolve_engine(engine, "plot_graph")  # raises early if dot is asked for and missing
    _check_ax(ax, "plot_graph")

    graph, note = shown_part(graph, int(max_nodes), max_edges)
    names = graph.nodes["node"].tolist()
    node_w = dict(zip(names, graph.nodes[weight].astype(float), strict=True))
    edges_df = graph.edges
    edge_list = list(
        zip(edges_df["source"], edges_df["target"], edges_df[weight].astype(float), strict=True)
    )
    staged = graph_stages(graph, stages, model) if layout == "stages" else None
    unknown: set[Any] = set()
    column = None
    headers: list[str] = []
    if staged is not None:
        mapping, order, unknown = staged
        col_of_stage = {s: i for i, s in enumerate(order)}
        column = {n: col_of_stage[mapping[n]] for n in names}
        headers = [_wrap(s, 22, 1) for s in order] if graph.by != "stage" else []

    texts: dict[int, str] = {}
    if label != "none":
        ranked = sorted(range(len(edge_list)), key=lambda i: -edge_list[i][2])
        medians = edges_df["median_duration"].tolist()
        for i in ranked[: max(0, int(max_edge_labels))]:
            text = _fmt_count(edge_list[i][2]) if label == "count" else fmt_duration(medians[i])
            if text:
                texts[i] = text
    lay = _layout.layout_graph(
        names,
        [node_w[n] for n in names],
        edge_list,
        column=column,
        headers=headers,
        first=_start_order(graph),
        label_texts=texts,
        fontsize=FONT,
        engine=resolve_engine(engine, "plot_graph", staged=column is not None),
    )
    x0, x1, y0, y1 = lay.extent
    if lay.dropped_labels:
        extra = f"{lay.dropped_labels} smaller move{'s' if lay.dropped_labels > 1 else ''} unlabelled (no free room)"
        note = f"{note}; {extra}" if note else extra
    if title is None:
        what = f" by {graph.by}" if graph.by != "activity" else ""
        title = (
            f"Journey graph{what}: {len(names)} nodes, {len(edge_list)} moves, widths by {weight}"
        )
    width_in = max(x1 - x0 + 2 * MARGIN_SIDE, 6.0)
    legend_rows = 2 if width_in < 9 else 1
    note_lines = _wrap_note(note, width_in)
    full_title = title + ("\n" + "\n".join(note_lines) if note_lines else "")
    title_in = (1 + len(note_lines)) * 0.2 + 0.15
    if ax is None:
        height_in = y1 - y0 + MARGIN_TOP + title_in + MARGIN_BOTTOM + 0.26 * legend_rows + 0.15
        fig = new_figure((width_in, height_in))
        left = (width_in - (x1 - x0)) / 2
        bottom = MARGIN_BOTTOM + 0.26 * legend_rows + 0.15
        ax = fig.add_axes(
            (left / width_in, bottom / height_in, (x1 - x0) / width_in, (y1 - y0) / height_in)
        )
        scale = 1.0
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    scale = _points_per_inch(ax) / 72.0
    scale = 1.0 if scale > 0.995 else scale  # a figure made here: exactly 8 pt
    fs = FONT * min(scale, 1.0)
    if fs < 8.0 - 1e-6:  # the user's axes are too small for readable text: say what fits
        import warnings

        from journeymine.errors import JourneymineWarning

        need_w = (x1 - x0) / max(scale, 1e-9) * 8.0 / FONT
        fig_any: Any = ax.figure
        fig_w, fig_h = fig_any.get_size_inches()
        pos = ax.get_position()
        warnings.warn(
            f"plot_graph(): the axes given are too small for this graph: its labels would be "
            f"{fs:.1f} pt (8 pt is the smallest readable). Give the axes about "
            f"{need_w:.1f} × {need_w * (y1 - y0) / (x1 - x0):.1f} inches (the figure is "
            f"{fig_w:.1f} × {fig_h:.1f}, the axes take {pos.width:.0%} × {pos.height:.0%} of it), "
            "let plot_graph() make the figure (ax=None), or show fewer touchpoints with "
            "max_nodes= or graph.prune().",
            JourneymineWarning,
            stacklevel=user_stacklevel(),
        )
    _draw(ax, graph, lay, names, node_w, edge_list, texts, unknown, headers, fs, min(scale, 1.0))
    _legend(ax, lay, unknown, weight, fs, 4 if legend_rows == 1 else 3)
    ax.set_title(_mathtext_safe(full_title), fontsize=max(fs * 1.2, 5.0), color=_INK)
    return ax


def _wrap_note(note: str, width_in: float) -> list[str]:
    if not note:
        return []
    import textwrap

    chars = max(40, int(width_in * 72 / (9.6 * 0.6)))
    return textwrap.wrap(f"({note})", width=chars)


def _points_per_inch(ax: Axes) -> float:
    """Display points per layout inch, after the aspect is applied."""
    ax.apply_aspect()
    fig: Any = ax.figure
    width_in = ax.get_position().width * fig.get_figwidth()
    x0, x1 = ax.get_xlim()
    return width_in * 72.0 / max(abs(x1 - x0), 1e-9)


def _draw(
    ax: Axes,
    graph: JourneyGraph,
    lay: _layout.GraphLayout,
    names: list[Any],
    node_w: dict[Any, float],
    edge_list: list[tuple[Any, Any, float]],
    texts: dict[int, str],
    unknown: set[Any],
    headers: list[str],
    fs: float,
    scale: float,
) -> None:
    from matplotlib import colormaps
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
    from matplotlib.path import Path

    bw, bh = lay.box
    x0, x1, y0, y1 = lay.extent
    # stage bands and headers
    for c in range(0, len(headers), 2):
        left, right = lay.header_span[c]
        band = Rectangle(
            (left, y0),
            right - left,
            y1 - y0,
            facecolor="#f4f6f8",
            edgecolor="none",
            zorder=0,
        )
        band.set_gid("stage-band")
        ax.add_patch(band)
    for hx, hy, text in lay.headers:
        t = ax.text(
            hx,
            hy,
            _mathtext_safe(text),
            ha="center",
            va="center",
            fontsize=fs * 1.15,
            fontweight="bold",
            color="#7b8794" if text == _UNKNOWN_COLUMN else _INK,
        )
        t.set_gid("stage-label")
    # edges
    top_w = max((w for *_, w in edge_list), default=1.0) or 1.0
    colours = {"forward": _FORWARD, "within": _WITHIN, "self": _WITHIN, "backward": _BACKWARD}
    for rt in lay.routes:
        lw = (0.6 + 3.4 * rt.weight / top_w) * scale
        head = 3.0 + 1.2 * lw
        arrow = FancyArrowPatch(
            path=Path(np.asarray(rt.vertices, dtype=float), rt.codes),
            arrowstyle=f"-|>,head_length={head * 0.09:.3f},head_width={head * 0.055:.3f}",
            mutation_scale=10 * scale,
            color=colours[rt.kind],
            linewidth=lw,
            linestyle="--" if rt.kind == "backward" else "-",
            alpha=0.75 if rt.kind == "backward" else 0.85,
            zorder=2 if rt.kind == "forward" else 1,
        )
        arrow.set_gid("edge")
        ax.add_patch(arrow)
    for i, (cx, cy, _, _) in lay.labels.items():
        kind = lay.routes[i].kind
        t = ax.text(
            cx,
            cy,
            texts[i],
            ha="center",
            va="center",
            fontsize=fs,
            color=_BACKWARD if kind == "backward" else _INK,
            zorder=5,
            bbox={
                "boxstyle": "round,pad=0.12",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
        )
        t.set_gid("edge-label")
    # nodes
    top_n = max(node_w.values(), default=1.0) or 1.0
    blues = colormaps["Blues"]
    pad = 0.06
    for n in names:
        x, y = lay.pos[n]
        share = node_w[n] / top_n
        box = FancyBboxPatch(
            (x - bw / 2 + pad, y - bh / 2 + pad),
            bw - 2 * pad,
            bh - 2 * pad,
            boxstyle=f"round,pad={pad},rounding_size=0.1",
            facecolor="white" if n in unknown else blues(0.08 + 0.42 * share),
            edgecolor="#486581",
            linewidth=0.9 * max(scale, 0.5),
            linestyle="--" if n in unknown else "-",
            zorder=3,
        )
        box.set_gid("node-box")
        ax.add_patch(box)
        t = ax.text(
            x,
            y,
            _mathtext_safe(f"{_wrap(n, 20, 2)}\n{_fmt_count(node_w[n])}"),
            ha="center",
            va="center",
            fontsize=fs,
            color=_INK,
            zorder=4,
            linespacing=1.1,
        )
        t.set_gid("node-label")
    # start and end marks
    st = graph.nodes.set_index("node")
    ms = 5.0 * scale
    sx = [lay.pos[n][0] - bw / 2 - 0.05 for n in names if st.at[n, "start"] > 0]
    sy = [lay.pos[n][1] + bh / 2 - 0.07 for n in names if st.at[n, "start"] > 0]
    ex = [lay.pos[n][0] + bw / 2 + 0.05 for n in names if st.at[n, "end"] > 0]
    ey = [lay.pos[n][1] + bh / 2 - 0.07 for n in names if st.at[n, "end"] > 0]
    ax.plot(sx, sy, ls="none", marker=">", color=_START, ms=ms, zorder=4, gid="start-marks")
    ax.plot(ex, ey, ls="none", marker="s", color=_END, ms=ms * 0.8, zorder=4, gid="end-marks")


def _legend(
    ax: Axes, lay: _layout.GraphLayout, unknown: set[Any], weight: str, fs: float, ncol: int
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    present = {rt.kind for rt in lay.routes}
    handles: list[Any] = [Line2D([], [], color=_FORWARD, lw=2, label="forward")]
    if "within" in present:
        handles.append(Line2D([], [], color=_WITHIN, lw=2, label="within a stage"))
    if "self" in present:
        handles.append(Line2D([], [], color=_WITHIN, lw=1.5, label="repeat (loop on a box)"))
    if "backward" in present:
        handles.append(
            Line2D([], [], color=_BACKWARD, lw=2, ls="--", label="backward (loop, regression)")
        )
    handles.append(
        Patch(facecolor="#9ecae1", edgecolor="#486581", label=f"darker box: more {weight}")
    )
    if unknown:
        handles.append(
            Patch(facecolor="white", edgecolor="#486581", ls="--", label="not in the design")
        )
    handles += [
        Line2D([], [], ls="none", marker=">", color=_START, label="cases start"),
        Line2D([], [], ls="none", marker="s", color=_END, label="cases end"),
    ]
    leg = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=min(ncol, len(handles)),
        frameon=False,
        fontsize=fs,
        handlelength=2.0,
        borderaxespad=0.2,
    )
    leg.set_gid("graph-legend")
