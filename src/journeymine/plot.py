"""Matplotlib pictures of journeys: graphs, designed-vs-actual overlays, funnels, variants.

Every function takes ``ax=None`` and returns the :class:`matplotlib.axes.Axes`
it drew on; none calls ``plt.show()``. Nothing here needs Graphviz: the
layouts are computed in Python. :mod:`matplotlib.pyplot` is imported only
inside the functions, and only when they have to create a figure.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import math
import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine._validation import check_option
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journeymine.graph import JourneyGraph
    from journeymine.model import JourneyModel

__all__ = [
    "plot_conformance",
    "plot_funnel",
    "plot_graph",
    "plot_model",
    "plot_stage_durations",
    "plot_svg",
    "plot_variants",
    "to_svg",
]

# -- colours and sizes ------------------------------------------------------
_INK = "#1f2933"
_FORWARD = "#52606d"
_WITHIN = "#7b93b5"
_BACKWARD = "#dd6b20"
_START = "#2f855a"
_END = "#c53030"
_BOTH = "#243b53"
_DESIGNED_ONLY = "#9aa5b1"
_OBSERVED_ONLY = "#e12d39"
_BAR = "#3e7cb1"
_UNKNOWN_COLUMN = "not in model"

_BOX_W, _BOX_H = 1.7, 0.62  # node box, data units
_COL_DX, _ROW_DY = 2.6, 0.95  # column and row spacing
_INCH_PER_UNIT = 0.6  # figure size per data unit when the function makes the figure

# When set (by the HTML report and the CLI), new figures are plain
# matplotlib.figure.Figure objects that pyplot never sees.
_DETACHED: contextvars.ContextVar[bool] = contextvars.ContextVar("_DETACHED", default=False)


@contextlib.contextmanager
def detached_figures() -> Iterator[None]:
    """Within this block, plot functions called with ``ax=None`` bypass pyplot.

    They then draw on a new :class:`matplotlib.figure.Figure` that pyplot
    does not track (nothing to close, nothing shown by ``plt.show()``).
    The HTML report and the command line use it. Outside the block, figures
    are made with :func:`matplotlib.pyplot.subplots`, so that notebooks,
    ``plt.show()`` and sphinx-gallery see them.
    """
    token = _DETACHED.set(True)
    try:
        yield
    finally:
        _DETACHED.reset(token)


def _new_axes(figsize: tuple[float, float]) -> Axes:
    if _DETACHED.get():
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        return fig.add_subplot()
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _check_ax(ax: Any, func: str) -> None:
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ParameterError(
            f"The 'ax' parameter of {func}() must be a matplotlib Axes or None. "
            f"Got {type(ax).__name__} instead. Make one with fig, ax = plt.subplots()."
        )


# -- text helpers -----------------------------------------------------------
def _fmt_count(n: Any) -> str:
    n = int(n)
    if abs(n) >= 100_000:
        return f"{n / 1000:,.0f}k"
    return f"{n:,}"


def fmt_duration(value: Any) -> str:
    """A short text for a duration: ``45s``, ``12m``, ``5.2h``, ``3.1d`` (empty for NaT)."""
    if value is None or pd.isna(value):
        return ""
    s = pd.Timedelta(value).total_seconds()
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    if s < 86400 * 100:
        return f"{s / 86400:.1f}d"
    return f"{s / 86400:,.0f}d"


def _wrap(name: Any, width: int = 16, lines: int = 2) -> str:
    text = str(name)
    parts = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1] + "…"
    return "\n".join(parts)


def _mathtext_safe(text: str) -> str:
    """Keep matplotlib from reading ``$...$`` in user text as math."""
    return text.replace("$", r"\$")


# -- geometry helpers -------------------------------------------------------
def _bezier_mid(a: tuple[float, float], b: tuple[float, float], rad: float) -> tuple[float, float]:
    """The midpoint of matplotlib's ``arc3`` curve from a to b (equal aspect)."""
    (x1, y1), (x2, y2) = a, b
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = mx + rad * (y2 - y1), my - rad * (x2 - x1)
    return 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2


def _bezier_extent(a: tuple[float, float], b: tuple[float, float], rad: float) -> float:
    """The lowest y of an ``arc3`` curve (for the axes limits)."""
    return min(a[1], b[1], _bezier_mid(a, b, rad)[1])


def _bezier_top(a: tuple[float, float], b: tuple[float, float], rad: float) -> float:
    return max(a[1], b[1], _bezier_mid(a, b, rad)[1])


def _points_per_unit(ax: Axes) -> float:
    """Display points per data unit along x, after the aspect is applied."""
    ax.apply_aspect()
    fig: Any = ax.figure  # a Figure here: journeymine draws no subfigures
    width_in = ax.get_position().width * fig.get_figwidth()
    x0, x1 = ax.get_xlim()
    return width_in * 72.0 / max(abs(x1 - x0), 1e-9)


def _fit_font(ax: Axes, lines: int, chars: int, base: float = 8.0) -> float:
    ppu = _points_per_unit(ax)
    by_height = _BOX_H * ppu / (lines * 1.3 + 0.3)
    by_width = _BOX_W * ppu / (chars * 0.6 + 1)
    return float(max(3.5, min(base, by_height, by_width)))


def _draw_box(
    ax: Axes,
    x: float,
    y: float,
    *,
    face: str,
    edge: str,
    dashed: bool = False,
    lw: float = 1.0,
    gid: str = "node-box",
) -> Any:
    from matplotlib.patches import FancyBboxPatch

    pad = 0.08
    box = FancyBboxPatch(
        (x - _BOX_W / 2 + pad, y - _BOX_H / 2 + pad),
        _BOX_W - 2 * pad,
        _BOX_H - 2 * pad,
        boxstyle=f"round,pad={pad},rounding_size=0.12",
        facecolor=face,
        edgecolor=edge,
        linewidth=lw,
        linestyle="--" if dashed else "-",
        zorder=3,
    )
    box.set_gid(gid)
    ax.add_patch(box)
    return box


def _draw_arrow(
    ax: Axes,
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    rad: float,
    color: str,
    lw: float,
    style: str = "-",
    alpha: float = 0.85,
    gid: str = "edge",
    zorder: float = 1,
) -> Any:
    from matplotlib.patches import FancyArrowPatch

    head = 3.0 + 1.2 * lw
    arrow = FancyArrowPatch(
        a,
        b,
        connectionstyle=f"arc3,rad={rad:.4f}",
        arrowstyle=f"-|>,head_length={head * 0.09:.3f},head_width={head * 0.055:.3f}",
        mutation_scale=10,
        color=color,
        linewidth=lw,
        linestyle=style,
        alpha=alpha,
        shrinkA=0,
        shrinkB=1.5,
        zorder=zorder,
    )
    arrow.set_gid(gid)
    ax.add_patch(arrow)
    return arrow


def _edge_label(ax: Axes, xy: tuple[float, float], text: str, fontsize: float, color: str) -> None:
    t = ax.text(
        xy[0],
        xy[1],
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        color=color,
        zorder=5,
        bbox={
            "boxstyle": "round,pad=0.15",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.8,
        },
    )
    t.set_gid("edge-label")


# -- graph layouts ------------------------------------------------------------
def _bfs_layers(
    graph: JourneyGraph, names: list[Any], edges: list[tuple[Any, Any, float]]
) -> dict[Any, int]:
    """Breadth-first layers from the main start nodes (those where >= 5 % of cases start).

    Nodes not reached from them are layered from every start node, then
    from any node left.
    """
    starts = graph.nodes.sort_values(["start", "events"], ascending=False, kind="stable")
    starts = starts[starts["start"] > 0]
    main = starts.loc[starts["start"] >= 0.05 * max(starts["start"].sum(), 1), "node"].tolist()
    succ: dict[Any, list[Any]] = {n: [] for n in names}
    for s, t, _ in edges:
        if s != t:
            succ[s].append(t)
    layer: dict[Any, int] = {}
    for seeds in (main, starts["node"].tolist(), names):
        frontier = [n for n in seeds if n not in layer]
        for n in frontier:
            layer[n] = 0
        while frontier:
            nxt = []
            for n in frontier:
                for t in succ[n]:
                    if t not in layer:
                        layer[t] = layer[n] + 1
                        nxt.append(t)
            frontier = nxt
    return layer


def _template_order(found: Sequence[Any]) -> list[Any] | None:
    from journeymine import stages as templates

    wanted = set(found)
    for order in list(templates.TEMPLATES.values()) + [
        templates.CLASSIC + ("Service",),
    ]:
        if wanted <= set(order):
            return [s for s in order if s in wanted]
    return None


def _stage_of_nodes(
    graph: JourneyGraph, stages: Sequence[Any] | None, model: JourneyModel | None
) -> tuple[dict[Any, Any], list[Any], set[Any]] | None:
    """(stage of each node, ordered stages, nodes the model does not know) or None."""
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


def _order_by_depth(graph: JourneyGraph, mapping: dict[Any, Any]) -> list[Any]:
    """Order stages by the event-weighted mean layer of their nodes."""
    names = graph.nodes["node"].tolist()
    edges = list(
        zip(graph.edges["source"], graph.edges["target"], graph.edges["events"], strict=True)
    )
    layer = _bfs_layers(graph, names, edges)
    weight = dict(zip(names, graph.nodes["events"], strict=True))
    acc: dict[Any, list[float]] = {}
    for n, s in mapping.items():
        a = acc.setdefault(s, [0.0, 0.0])
        a[0] += layer[n] * weight[n]
        a[1] += weight[n]
    return sorted(acc, key=lambda s: (acc[s][0] / max(acc[s][1], 1), str(s)))


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
    max_edge_labels: int = 40,
    title: str | None = None,
) -> Axes:
    """Draw a journey graph: rounded boxes for touchpoints, arrows for directly-follows moves.

    With stages, nodes stand in one column per stage in journey order
    (rows within a column by frequency, most frequent on top); forward moves
    are grey arrows from left to right, moves within a stage curve on the
    side, and backward moves (returns, repeat purchases, regressions) are
    dashed orange arcs below the boxes. Without stages, columns are layers
    of a longest-path layering from the start nodes, after removing the
    edges that close a cycle (which are then drawn as backward arcs). Edge
    widths follow the frequency; small green and red marks show where cases
    start and end.

    Parameters
    ----------
    graph : JourneyGraph
        The graph, from :func:`journeymine.discover`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the layout.
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
        ``max_nodes`` with :meth:`JourneyGraph.prune`; the title says so.
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
    max_edge_labels : int, default=40
        Only the most frequent edges get a label, to stay readable.
    title : str, optional
        The title; by default it says what is drawn.

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
    from journeymine.graph import JourneyGraph
    from journeymine.model import JourneyModel

    if not isinstance(graph, JourneyGraph):
        raise ParameterError(
            f"plot_graph() expects a JourneyGraph, got {type(graph).__name__}. "
            "Make one with jm.discover(log)."
        )
    check_option("layout", layout, ("stages", "layered"), "plot_graph")
    check_option("weight", weight, ("cases", "events"), "plot_graph")
    check_option("label", label, ("count", "median", "none"), "plot_graph")
    for name, value in (
        ("max_nodes", max_nodes),
        ("max_edges", max_edges),
        ("max_edge_labels", max_edge_labels),
    ):
        if value is None and name == "max_edges":
            continue
        if (
            not isinstance(value, (int, np.integer))
            or isinstance(value, bool)
            or value < 0
            or (value == 0 and name != "max_edge_labels")
        ):
            raise ParameterError(
                f"The {name!r} parameter of plot_graph() must be a positive int. Got {value!r} "
                "instead."
            )
    if model is not None and not isinstance(model, JourneyModel):
        raise ParameterError(
            f"The 'model' parameter of plot_graph() must be a JourneyModel or None. Got "
            f"{type(model).__name__} instead."
        )
    _check_ax(ax, "plot_graph")

    n_before = len(graph.nodes)
    note = ""
    if n_before > max_nodes:
        graph = graph.prune(activities=(max_nodes - 0.5) / n_before)
        note = f"pruned to the {len(graph.nodes)} most frequent of {n_before} nodes"
    elif graph.pruned:
        note = "pruned"
    if max_edges is not None and len(graph.edges) > max_edges:
        m_before = len(graph.edges)
        share = max_edges / m_before
        graph = graph.prune(paths=share)
        edge_note = f"the {len(graph.edges)} most frequent of {m_before} edges"
        note = f"{note}, {edge_note}" if note else f"showing {edge_note}"

    names = graph.nodes["node"].tolist()
    node_w = dict(zip(names, graph.nodes[weight].astype(float), strict=True))
    edges_df = graph.edges
    edge_list = list(
        zip(edges_df["source"], edges_df["target"], edges_df[weight].astype(float), strict=True)
    )

    staged = _stage_of_nodes(graph, stages, model) if layout == "stages" else None
    unknown: set[Any] = set()
    if staged is not None:
        mapping, order, unknown = staged
        col_of_stage = {s: i for i, s in enumerate(order)}
        column = {n: col_of_stage[mapping[n]] for n in names}
        headers = [str(s) for s in order] if graph.by != "stage" else []
        bands = len(order)
    else:
        column = _bfs_layers(graph, names, edge_list)
        headers = []
    n_cols = max(column.values(), default=0) + 1
    if staged is None:
        bands = 0
    rows: dict[Any, int] = {}
    for c in range(n_cols):
        members = [n for n in names if column[n] == c]
        members.sort(key=lambda n: (-node_w[n], str(n)))
        for r, n in enumerate(members):
            rows[n] = r
    max_rows = max(rows.values(), default=0) + 1
    pos = {n: (column[n] * _COL_DX, -rows[n] * _ROW_DY) for n in names}

    # edges: geometry first (for limits), drawing after the aspect is set
    top_w = max((w for *_, w in edge_list), default=1.0) or 1.0
    hw, hh = _BOX_W / 2, _BOX_H / 2
    shapes = []
    for s, t, w in edge_list:
        (xs, ys), (xt, yt) = pos[s], pos[t]
        lw = 0.5 + 4.5 * w / top_w
        if s == t:
            a, b, rad, kind = (xs - hw * 0.35, ys + hh), (xs + hw * 0.35, ys + hh), -0.9, "self"
        elif column[t] > column[s]:
            span = column[t] - column[s]
            rad = 0.08 if span == 1 else 0.9 / (span * _COL_DX)
            a, b, kind = (xs + hw, ys), (xt - hw, yt), "forward"
        elif column[t] == column[s]:
            if yt < ys:
                a, b = (xs + hw, ys), (xt + hw, yt)
            else:
                a, b = (xs - hw, ys), (xt - hw, yt)
            rad, kind = -0.45, "within"
        else:
            span = column[s] - column[t]
            a, b = (xs - hw * 0.3, ys - hh), (xt + hw * 0.3, yt - hh)
            rad, kind = -(1 + 0.5 * span) / (_COL_DX * span), "backward"
        shapes.append((s, t, w, a, b, rad, kind, lw))

    low = min(
        [-(max_rows - 1) * _ROW_DY - hh]
        + [_bezier_extent(a, b, r) for *_, a, b, r, k, _ in shapes if k == "backward"]
    )
    high = max([hh] + [_bezier_top(a, b, r) + 0.12 for *_, a, b, r, k, _ in shapes if k == "self"])
    head_y = high + 0.22
    x0, x1 = -hw - 0.45, (n_cols - 1) * _COL_DX + hw + 0.45
    y0, y1 = low - 0.25, head_y + (0.3 if headers else 0.0)

    if ax is None:
        w_in = (x1 - x0) * _INCH_PER_UNIT + 0.4
        h_in = (y1 - y0) * _INCH_PER_UNIT + 0.9
        scale = min(1.0, 18 / w_in, 14 / h_in)
        ax = _new_axes((max(4.0, w_in * scale), max(2.5, h_in * scale)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    fs = _fit_font(ax, lines=3, chars=16)
    small = max(3.5, fs * 0.85)

    # stage columns: light bands and headers
    from matplotlib.patches import Rectangle

    for c in range(0, bands, 2):
        band = Rectangle(
            (c * _COL_DX - _COL_DX / 2, y0),
            _COL_DX,
            y1 - y0,
            facecolor="#f4f6f8",
            edgecolor="none",
            zorder=0,
        )
        band.set_gid("stage-band")
        ax.add_patch(band)
    for c, head in enumerate(headers):
        t = ax.text(
            c * _COL_DX,
            head_y,
            _mathtext_safe(_wrap(head, 22, 1)),
            ha="center",
            va="center",
            fontsize=fs * 1.1,
            fontweight="bold",
            color="#7b8794" if head == _UNKNOWN_COLUMN else _INK,
        )
        t.set_gid("stage-label")

    # edges
    labelled = {
        (s, t) for s, t, *_ in sorted(shapes, key=lambda e: -e[2])[: max(0, max_edge_labels)]
    }
    medians = dict(
        zip(
            zip(edges_df["source"], edges_df["target"], strict=True),
            edges_df["median_duration"],
            strict=True,
        )
    )
    colours = {"forward": _FORWARD, "within": _WITHIN, "self": _WITHIN, "backward": _BACKWARD}
    for s, t, w, a, b, rad, kind, lw in shapes:
        _draw_arrow(
            ax,
            a,
            b,
            rad=rad,
            color=colours[kind],
            lw=lw,
            style="--" if kind == "backward" else "-",
            alpha=0.75 if kind == "backward" else 0.85,
        )
        if label != "none" and (s, t) in labelled:
            text = _fmt_count(w) if label == "count" else fmt_duration(medians[(s, t)])
            if text:
                _edge_label(
                    ax,
                    _bezier_mid(a, b, rad),
                    text,
                    small,
                    _BACKWARD if kind == "backward" else _INK,
                )

    # nodes
    top_n = max(node_w.values(), default=1.0) or 1.0
    from matplotlib import colormaps

    blues = colormaps["Blues"]
    for n in names:
        x, y = pos[n]
        share = node_w[n] / top_n
        _draw_box(
            ax, x, y, face=blues(0.08 + 0.42 * share), edge="#486581", dashed=n in unknown, lw=0.9
        )
        t = ax.text(
            x,
            y,
            _mathtext_safe(f"{_wrap(n)}\n{_fmt_count(node_w[n])}"),
            ha="center",
            va="center",
            fontsize=fs,
            color=_INK,
            zorder=4,
            linespacing=1.15,
        )
        t.set_gid("node-label")

    # start and end marks
    st = graph.nodes.set_index("node")
    sx = [pos[n][0] - hw for n in names if st.at[n, "start"] > 0]
    sy = [pos[n][1] for n in names if st.at[n, "start"] > 0]
    ex = [pos[n][0] + hw for n in names if st.at[n, "end"] > 0]
    ey = [pos[n][1] for n in names if st.at[n, "end"] > 0]
    ms = max(2.5, fs * 0.6)
    ax.plot(sx, sy, ls="none", marker=">", color=_START, ms=ms, zorder=4, gid="start-marks")
    ax.plot(ex, ey, ls="none", marker="s", color=_END, ms=ms * 0.8, zorder=4, gid="end-marks")

    # legend for the edge kinds present
    from matplotlib.lines import Line2D

    present = {k for *_, k, _ in shapes}
    handles = [Line2D([], [], color=_FORWARD, lw=2, label="forward")]
    if present & {"within", "self"}:
        handles.append(
            Line2D(
                [],
                [],
                color=_WITHIN,
                lw=2,
                label="within a stage" if bands else "same column, repeat",
            )
        )
    if "backward" in present:
        handles.append(
            Line2D([], [], color=_BACKWARD, lw=2, ls="--", label="backward (loop, regression)")
        )
    handles += [
        Line2D([], [], ls="none", marker=">", color=_START, label="cases start"),
        Line2D([], [], ls="none", marker="s", color=_END, label="cases end"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=max(5.0, fs),
        handlelength=2.2,
    )

    if title is None:
        what = f" by {graph.by}" if graph.by != "activity" else ""
        title = (
            f"Journey graph{what}: {len(names)} nodes, {len(edge_list)} edges, widths by {weight}"
        )
        if note:
            title += f"\n({note})"
    ax.set_title(_mathtext_safe(title), fontsize=max(7.0, fs * 1.3), color=_INK)
    return ax


# -- designed journey and conformance overlay ---------------------------------
_STATUS_STYLE = {
    "both": (_BOTH, "-", "both: designed and taken"),
    "designed_only": (_DESIGNED_ONLY, "--", "designed_only: designed, never taken"),
    "observed_only": (_OBSERVED_ONLY, "-", "observed_only: taken, not designed"),
}


def _stage_row(
    ax: Axes | None,
    stages: list[Any],
    moves: pd.DataFrame,
    *,
    title: str,
    legend: list[str],
    figsize_min: float = 6.0,
) -> Axes:
    """Stages as boxes in a row, moves (source, target, status, count) as arcs."""
    index = {s: i for i, s in enumerate(stages)}
    hw, hh = _BOX_W / 2, _BOX_H / 2
    counted = moves.loc[moves["count"].notna(), "count"]
    top = float(counted.max()) if len(counted) and counted.max() > 0 else 1.0
    shapes = []
    for r in moves.itertuples(index=False):
        i, j = index[r.source], index[r.target]
        x_i, x_j = i * _COL_DX, j * _COL_DX
        if i == j:
            a, b, rad = (x_i - hw * 0.35, hh), (x_i + hw * 0.35, hh), -0.9
        elif j == i + 1:
            a, b, rad = (x_i + hw, 0.0), (x_j - hw, 0.0), 0.0
        elif j > i:
            span = j - i
            a, b = (x_i + hw * 0.3, hh), (x_j - hw * 0.3, hh)
            rad = -(0.5 + 0.35 * span) / (_COL_DX * span)
        else:
            span = i - j
            a, b = (x_i - hw * 0.3, -hh), (x_j + hw * 0.3, -hh)
            rad = -(0.5 + 0.35 * span) / (_COL_DX * span)
        shapes.append((r, a, b, rad))
    low = min([-hh] + [_bezier_extent(a, b, rad) for _, a, b, rad in shapes])
    high = max([hh] + [_bezier_top(a, b, rad) for _, a, b, rad in shapes])
    x0, x1 = -hw - 0.4, (len(stages) - 1) * _COL_DX + hw + 0.4
    y0, y1 = low - 0.3, high + 0.3
    if ax is None:
        w_in = (x1 - x0) * _INCH_PER_UNIT * 1.1 + 0.4
        h_in = (y1 - y0) * _INCH_PER_UNIT * 1.1 + 1.2
        scale = min(1.0, 18 / w_in)
        ax = _new_axes((max(figsize_min, w_in * scale), max(2.5, h_in * scale)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    fs = _fit_font(ax, lines=2, chars=14, base=9.0)
    for r, a, b, rad in shapes:
        colour, style, _ = _STATUS_STYLE[r.status]
        lw = 1.2 if pd.isna(r.count) or r.count <= 0 else 0.8 + 4.2 * float(r.count) / top
        _draw_arrow(ax, a, b, rad=rad, color=colour, lw=lw, style=style, alpha=0.9)
        if not pd.isna(r.count) and r.count > 0:
            _edge_label(ax, _bezier_mid(a, b, rad), _fmt_count(r.count), fs * 0.85, colour)
    for s in stages:
        _draw_box(ax, index[s] * _COL_DX, 0.0, face="#e6eef7", edge="#334e68", lw=1.1)
        t = ax.text(
            index[s] * _COL_DX,
            0.0,
            _mathtext_safe(_wrap(s, 14, 2)),
            ha="center",
            va="center",
            fontsize=fs,
            color=_INK,
            zorder=4,
            fontweight="bold",
        )
        t.set_gid("node-label")
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            color=_STATUS_STYLE[k][0],
            ls=_STATUS_STYLE[k][1],
            lw=2,
            label=_STATUS_STYLE[k][2],
        )
        for k in legend
    ]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=len(handles),
            frameon=False,
            fontsize=max(5.5, fs * 0.9),
        )
    ax.set_title(_mathtext_safe(title), fontsize=max(7.0, fs * 1.2), color=_INK)
    return ax


def designed_moves(model: JourneyModel) -> list[tuple[Any, Any]]:
    """The stage moves a model allows: next stage, jumps over optional stages, loops."""
    stages = list(model.stages)
    required = set(model.required if model.required is not None else stages)
    moves = []
    for i in range(len(stages)):
        for j in range(i + 1, len(stages)):
            moves.append((stages[i], stages[j]))
            if stages[j] in required:
                break
    moves += [(a, b) for a, b in model.loops]
    return moves


def plot_model(model: JourneyModel, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Draw a designed journey: its stages in a row, the moves it allows as arrows.

    Forward moves go to the next stage (or over optional stages, as arcs
    above); the allowed loops back to earlier stages are arcs below.

    Parameters
    ----------
    model : JourneyModel
        The designed journey.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    title : str, optional
        The title; by default the model's name and size.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from journeymine.model import JourneyModel
    >>> from journeymine.plot import plot_model
    >>> m = JourneyModel(stages=["Awareness", "Purchase", "Retention"],
    ...                  activities={"ad": "Awareness", "buy": "Purchase", "mail": "Retention"},
    ...                  loops=[("Retention", "Purchase")])
    >>> ax = plot_model(m)
    >>> len([p for p in ax.patches if p.get_gid() == "edge"])
    3
    """
    from journeymine.model import JourneyModel

    if not isinstance(model, JourneyModel):
        raise ParameterError(
            f"plot_model() expects a JourneyModel, got {type(model).__name__}. Build one with "
            "jm.JourneyModel(stages=[...], activities={...}) or jm.JourneyModel.from_yaml(path)."
        )
    _check_ax(ax, "plot_model")
    moves = pd.DataFrame(designed_moves(model), columns=["source", "target"])
    moves["status"] = "both"
    moves["count"] = np.nan
    if title is None:
        name = f"{model.name}: " if model.name else ""
        title = (
            f"Designed journey {name}{len(model.stages)} stages, "
            f"{len(model.activities)} touchpoints"
        )
    ax = _stage_row(ax, list(model.stages), moves, title=title, legend=[])
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    return ax


def plot_conformance(
    report: Any,
    ax: Axes | None = None,
    *,
    model: JourneyModel | None = None,
    title: str | None = None,
) -> Axes:
    """Overlay the designed journey and the actual one, stage move by stage move.

    The model's stages stand in a row. Each stage move of ``report.compare``
    is an arrow in one of three styles: taken and designed (``both``, solid
    dark), designed but never taken (``designed_only``, dashed grey), taken
    although not designed (``observed_only``, red). Forward moves beyond the
    next stage curve above the row, backward moves below; widths and labels
    give the number of cases.

    Parameters
    ----------
    report : ConformanceReport
        From :func:`journeymine.check`; its ``compare`` table (``source``,
        ``target``, ``level``, ``status``, ``events``, ``cases``) is drawn,
        the rows with ``level == "stage"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    model : JourneyModel, optional
        The designed journey, for the order of the stages, when the report
        does not carry it (``report.model``).
    title : str, optional
        The title; by default it gives the share of conforming cases.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``report`` has no ``compare`` table of the expected shape.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from journeymine.plot import plot_conformance
    >>> compare = pd.DataFrame({"source": ["A", "B", "A"], "target": ["B", "C", "C"],
    ...     "level": "stage", "status": ["both", "designed_only", "observed_only"],
    ...     "events": [5, 0, 2], "cases": [4, 0, 2]})
    >>> ax = plot_conformance(SimpleNamespace(compare=compare))
    >>> [t.get_text().split(":")[0] for t in ax.get_legend().get_texts()]
    ['both', 'designed_only', 'observed_only']
    """
    compare = getattr(report, "compare", None)
    if isinstance(report, pd.DataFrame):
        compare = report
    need = {"source", "target", "status"}
    if not isinstance(compare, pd.DataFrame) or not need <= set(compare.columns):
        raise ParameterError(
            "plot_conformance() expects a ConformanceReport from jm.check(log, model) (or its "
            "compare table with columns source, target, status). Got "
            f"{type(report).__name__} instead."
        )
    _check_ax(ax, "plot_conformance")
    moves = compare
    if "level" in moves.columns:
        moves = moves[moves["level"] == "stage"]
    moves = moves[moves["status"].isin(list(_STATUS_STYLE))]
    count_col = "cases" if "cases" in moves.columns else "events"
    count = moves[count_col] if count_col in moves.columns else pd.Series(np.nan, index=moves.index)
    moves = pd.DataFrame(
        {
            "source": moves["source"].to_numpy(),
            "target": moves["target"].to_numpy(),
            "status": moves["status"].astype(str).to_numpy(),
            "count": pd.to_numeric(count, errors="coerce").to_numpy(dtype=float),
        }
    )
    model = model if model is not None else getattr(report, "model", None)
    order: list[Any] = list(getattr(model, "stages", ()) or ())
    for s in pd.unique(pd.concat([moves["source"], moves["target"]], ignore_index=True)):
        if s not in order:
            order.append(s)
    if not order:
        raise ParameterError("plot_conformance(): the report has no stage moves to draw.")
    if title is None:
        title = "Designed vs actual journey"
        rate = conformance_rate(report)
        if rate is not None:
            title += f": {rate:.1%} of cases conform"
    return _stage_row(ax, order, moves, title=title, legend=list(_STATUS_STYLE))


def conformance_rate(report: Any) -> float | None:
    """The share of conforming cases of a conformance report, or None if unknown."""
    rate = getattr(report, "conformance_rate", None)
    if isinstance(rate, (int, float, np.number)) and not isinstance(rate, bool):
        return None if math.isnan(float(rate)) else float(rate)
    cases = getattr(report, "cases", None)
    if isinstance(cases, pd.DataFrame) and "conforms" in cases.columns and len(cases):
        return float(cases["conforms"].astype(bool).mean())
    summary = getattr(report, "summary", None)
    if isinstance(summary, pd.DataFrame) and len(summary) == 1:
        summary = summary.iloc[0]
    if isinstance(summary, (dict, pd.Series)):
        for key in (
            "conforming_share",
            "conformance_rate",
            "share_conforming",
            "conforming_rate",
            "conformance",
        ):
            if key in summary:
                try:
                    return float(summary[key])
                except (TypeError, ValueError):
                    return None
    return None


# -- funnel, variants, durations ----------------------------------------------
def _is_log(obj: Any) -> bool:
    from journeymine.log import JourneyLog

    return isinstance(obj, JourneyLog)


def plot_funnel(
    data: Any,
    ax: Axes | None = None,
    *,
    model: JourneyModel | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the funnel: one horizontal bar per stage, with shares and conversions.

    Parameters
    ----------
    data : pandas.DataFrame or JourneyLog
        A table from :func:`journeymine.funnel` (columns ``stage``,
        ``reached``, ``share``, ``conversion``), or a log, with ``model``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure. ``plot_funnel(log, model)``
        also works: a model in this place is taken as ``model``.
    model : JourneyModel, optional
        The designed journey, when ``data`` is a log.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``data`` is a log without a model, or a table without the columns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from journeymine.plot import plot_funnel
    >>> f = pd.DataFrame({"stage": ["Awareness", "Purchase"], "reached": [10, 4],
    ...                   "share": [1.0, 0.4], "conversion": [1.0, 0.4]})
    >>> ax = plot_funnel(f)
    >>> len(ax.containers[0])
    2
    """
    from journeymine.model import JourneyModel

    if isinstance(ax, JourneyModel) and model is None:
        ax, model = None, ax
    _check_ax(ax, "plot_funnel")
    if _is_log(data):
        if model is None:
            raise ParameterError(
                "plot_funnel(log) needs the designed journey: pass model=JourneyModel(...), or "
                "pass the table of jm.funnel(log, model)."
            )
        from journeymine.patterns import funnel

        data = funnel(data, model)
    need = {"stage", "reached"}
    if not isinstance(data, pd.DataFrame) or not need <= set(data.columns):
        raise ParameterError(
            "plot_funnel() expects the table of jm.funnel(log, model) (columns stage, reached, "
            f"share, conversion) or a JourneyLog with model=. Got {type(data).__name__} instead."
        )
    n = len(data)
    if ax is None:
        ax = _new_axes((8.0, 0.9 + 0.5 * max(n, 1)))
    reached = data["reached"].to_numpy(dtype=float)
    share = (
        data["share"].to_numpy(dtype=float) if "share" in data else reached / max(reached.max(), 1)
    )
    conv = data["conversion"].to_numpy(dtype=float) if "conversion" in data else np.full(n, np.nan)
    y = np.arange(n)
    bars = ax.barh(y, reached, color=_BAR, height=0.62, zorder=2)
    for bar in bars:
        bar.set_gid("funnel-bar")
    ax.set_yticks(y, [_mathtext_safe(str(s)) for s in data["stage"]])
    ax.invert_yaxis()
    top = max(float(reached.max()) if n else 1.0, 1.0)
    ax.set_xlim(0, top * 1.38)
    for i in range(n):
        text = f"{_fmt_count(reached[i])}  ({share[i]:.0%})"
        if i > 0 and not np.isnan(conv[i]):
            text += f"   ↓ {conv[i]:.0%} from previous"
        ax.text(reached[i] + top * 0.01, y[i], text, va="center", fontsize=8, color=_INK)
    ax.set_xlabel("cases reaching the stage")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e4e7eb", zorder=0)
    ax.set_title(title or "Funnel: cases reaching each stage", fontsize=10, color=_INK)
    return ax


def _activity_colours(activities: Sequence[Any]) -> dict[Any, Any]:
    from matplotlib import colormaps

    palette = [colormaps["tab20"](i) for i in range(20)] + [
        colormaps["tab20b"](i) for i in range(20)
    ]
    # tab20 pairs a dark and a light shade: use the dark ones first
    palette = palette[0:20:2] + palette[1:20:2] + palette[20:]
    return {a: palette[i % len(palette)] for i, a in enumerate(activities)}


def plot_variants(
    data: Any,
    ax: Axes | None = None,
    *,
    top: int = 10,
    max_length: int = 30,
    title: str | None = None,
) -> Axes:
    """Draw the most common variants as rows of coloured touchpoint blocks.

    Like a variant explorer: one row per variant, most frequent on top, one
    block per event coloured by touchpoint, and on the right the number and
    share of cases that follow it; a legend names the touchpoints.

    Parameters
    ----------
    data : JourneyLog or pandas.DataFrame
        A log, or the table of :func:`journeymine.variants` (columns
        ``variant``, a tuple of activities, and ``cases``; ``share``
        optional).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    top : int, default=10
        How many variants to draw.
    max_length : int, default=30
        Longer variants are cut, with the number of events left out.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``data`` is neither a log nor a variants table, or ``top`` is not
        a positive int.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.plot import plot_variants
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 3], "a": ["ad", "buy", "ad", "buy", "ad"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> ax = plot_variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> len(ax.get_yticks())
    2
    """
    for name, value in (("top", top), ("max_length", max_length)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ParameterError(
                f"The {name!r} parameter of plot_variants() must be a positive int. Got "
                f"{value!r} instead."
            )
    _check_ax(ax, "plot_variants")
    n_cases = None
    if _is_log(data):
        from journeymine.discovery import variants

        n_cases = data.n_cases
        data = variants(data, top=top)
    if not isinstance(data, pd.DataFrame) or not {"variant", "cases"} <= set(data.columns):
        raise ParameterError(
            "plot_variants() expects a JourneyLog or the table of jm.variants(log) (columns "
            f"variant, cases). Got {type(data).__name__} instead."
        )
    shown = data.head(int(top)).reset_index(drop=True)
    seqs = [tuple(v) for v in shown["variant"]]
    k = len(seqs)
    freq: dict[Any, int] = {}
    for seq, c in zip(seqs, shown["cases"], strict=True):
        for a in seq[:max_length]:
            freq[a] = freq.get(a, 0) + int(c)
    acts = sorted(freq, key=lambda a: (-freq[a], str(a)))
    colours = _activity_colours(acts)
    longest = min(max((len(s) for s in seqs), default=1), max_length)
    if ax is None:
        ax = _new_axes((min(18.0, 4.8 + 0.42 * longest), 1.1 + 0.42 * max(k, 1)))
    from matplotlib.patches import Patch, Rectangle

    for i, seq in enumerate(seqs):
        for j, a in enumerate(seq[:max_length]):
            r = Rectangle(
                (j + 0.04, i - 0.34),
                0.92,
                0.68,
                facecolor=colours[a],
                edgecolor="white",
                linewidth=0.5,
            )
            r.set_gid("variant-block")
            ax.add_patch(r)
        if len(seq) > max_length:
            ax.text(
                max_length + 0.1,
                i,
                f"… +{len(seq) - max_length}",
                va="center",
                fontsize=7,
                color="#616e7c",
            )
    share = (
        shown["share"].to_numpy(dtype=float)
        if "share" in shown
        else shown["cases"].to_numpy(dtype=float) / (n_cases or max(shown["cases"].sum(), 1))
    )
    x_text = longest + (1.6 if any(len(s) > max_length for s in seqs) else 0.3)
    for i in range(k):
        t = ax.text(
            x_text,
            i,
            f"{_fmt_count(shown['cases'].iloc[i])} cases ({share[i]:.1%})",
            va="center",
            fontsize=8,
            color=_INK,
        )
        t.set_gid("variant-count")
    ax.set_xlim(0, x_text + 3.2)
    ax.set_ylim(k - 0.5, -0.5)
    ax.set_yticks(np.arange(k), [f"#{i + 1}" for i in range(k)])
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles = [Patch(facecolor=colours[a], label=_mathtext_safe(str(a))) for a in acts[:40]]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=7,
            title="touchpoints",
            title_fontsize=8,
            ncol=1 if len(handles) <= 16 else 2,
        )
    ax.set_title(title or f"Top {k} variants", fontsize=10, color=_INK, loc="left")
    return ax


def _duration_unit(values: np.ndarray) -> tuple[float, str]:
    med = float(np.median(values)) if values.size else 0.0
    if med < 2 * 3600:
        return 60.0, "minutes"
    if med < 2 * 86400:
        return 3600.0, "hours"
    return 86400.0, "days"


def plot_stage_durations(
    data: Any,
    ax: Axes | None = None,
    *,
    model: JourneyModel | None = None,
    log_scale: bool = False,
    title: str | None = None,
) -> Axes:
    """Draw how long cases stay in each stage: one box plot per stage.

    Parameters
    ----------
    data : pandas.DataFrame or JourneyLog
        The table of :func:`journeymine.stage_durations` (columns ``stage``
        and ``duration``), or a log, with ``model``. Visits still open
        (no ``duration``) are left out.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure. A model in this place is
        taken as ``model``.
    model : JourneyModel, optional
        The designed journey: the order of the stages, and needed when
        ``data`` is a log.
    log_scale : bool, default=False
        Use a logarithmic time axis (durations are often heavy-tailed).
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``data`` is a log without a model, or a table without the columns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from journeymine.plot import plot_stage_durations
    >>> d = pd.DataFrame({"case": [1, 1, 2], "stage": ["A", "B", "A"],
    ...                   "duration": pd.to_timedelta(["1h", "3h", "2h"])})
    >>> ax = plot_stage_durations(d)
    >>> [t.get_text().split("\\n")[0] for t in ax.get_xticklabels()]
    ['A', 'B']
    """
    from journeymine.model import JourneyModel

    if isinstance(ax, JourneyModel) and model is None:
        ax, model = None, ax
    _check_ax(ax, "plot_stage_durations")
    if _is_log(data):
        if model is None:
            raise ParameterError(
                "plot_stage_durations(log) needs the designed journey: pass "
                "model=JourneyModel(...), or pass the table of jm.stage_durations(log, model)."
            )
        from journeymine.patterns import stage_durations

        data = stage_durations(data, model)
    if not isinstance(data, pd.DataFrame) or not {"stage", "duration"} <= set(data.columns):
        raise ParameterError(
            "plot_stage_durations() expects the table of jm.stage_durations(log, model) (columns "
            f"stage, duration) or a JourneyLog with model=. Got {type(data).__name__} instead."
        )
    stage = data["stage"]
    if model is not None:
        order = [s for s in model.stages if (stage == s).any()]
    elif isinstance(stage.dtype, pd.CategoricalDtype):
        order = [s for s in stage.cat.categories if (stage == s).any()]
    else:
        order = list(pd.unique(stage.dropna()))
    seconds = pd.to_timedelta(data["duration"]).dt.total_seconds()
    groups = [seconds[(stage == s).to_numpy()].dropna().to_numpy(dtype=float) for s in order]
    allv = np.concatenate(groups) if groups else np.empty(0)
    per, unit = _duration_unit(allv)
    if ax is None:
        ax = _new_axes((max(5.0, 1.3 * len(order) + 1.5), 4.0))
    values = [g / per if g.size else np.array([np.nan]) for g in groups]
    if log_scale:
        floor = 1.0 / per
        values = [np.maximum(v, floor) for v in values]
    pos = np.arange(1, len(order) + 1)
    if len(order):
        parts = ax.boxplot(
            values,
            positions=pos,
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": _INK, "linewidth": 1.4},
        )
        for box in parts["boxes"]:
            box.set_facecolor("#bcccdc")
            box.set_edgecolor("#486581")
            box.set_gid("duration-box")
    ax.set_xticks(
        pos, [f"{_mathtext_safe(str(s))}\nn={g.size:,}" for s, g in zip(order, groups, strict=True)]
    )
    ax.tick_params(axis="x", labelsize=8)
    if log_scale:
        ax.set_yscale("log")
    ax.set_ylabel(f"time in stage ({unit})")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e4e7eb")
    ax.set_axisbelow(True)
    ax.set_title(
        title or "Time in stage (visits that ended; outliers hidden)", fontsize=10, color=_INK
    )
    return ax


# -- SVG for notebooks and reports ------------------------------------------
def to_svg(fig: Figure | Axes | Any, *, close: bool = True) -> str:
    """Render a figure (or the figure of an Axes) as SVG text, ready to inline in HTML.

    Text is kept as SVG text (not paths), so the result is small, searchable
    and escapes its strings; the XML prologue is removed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
        What to render.
    close : bool, default=True
        If the figure is managed by pyplot, close it afterwards.

    Returns
    -------
    str
        An ``<svg ...>...</svg>`` element.

    Raises
    ------
    ParameterError
        If ``fig`` is neither a Figure nor an Axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from journeymine.plot import to_svg
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> to_svg(fig).startswith("<svg")
    True
    """
    figure = _figure_of(fig, "to_svg")
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "journeymine"}):
        figure.savefig(buf, format="svg", bbox_inches="tight", facecolor="white")
    text = buf.getvalue()
    start = text.find("<svg")
    if close:
        _close(figure)
    return text[start:] if start >= 0 else text


def to_png(fig: Figure | Axes | Any, *, dpi: int = 110, close: bool = True) -> bytes:
    """Render a figure (or the figure of an Axes) as PNG bytes."""
    figure = _figure_of(fig, "to_png")
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    if close:
        _close(figure)
    return buf.getvalue()


def _figure_of(obj: Any, func: str) -> Any:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    if isinstance(obj, Axes):
        return obj.get_figure(root=True) if hasattr(obj, "get_figure") else obj.figure
    if isinstance(obj, SubFigure):
        return obj.figure
    if isinstance(obj, Figure):
        return obj
    raise ParameterError(
        f"{func}() expects a matplotlib Figure or Axes. Got {type(obj).__name__} instead."
    )


def _close(figure: Any) -> None:
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and figure in [plt.figure(n) for n in plt.get_fignums()]:
        plt.close(figure)


def plot_svg(obj: Any, **kwargs: Any) -> str:
    """Draw a JourneyGraph, ConformanceReport or JourneyModel and return it as SVG text.

    Meant for ``_repr_html_`` / ``_repr_svg_`` in notebooks: the figure is
    never seen by pyplot, so nothing else is displayed and nothing leaks.

    Parameters
    ----------
    obj : JourneyGraph, ConformanceReport or JourneyModel
        What to draw, with :func:`plot_graph`, :func:`plot_conformance` or
        :func:`plot_model`.
    **kwargs
        Passed to that function.

    Returns
    -------
    str
        An ``<svg ...>...</svg>`` element.

    Raises
    ------
    ParameterError
        If ``obj`` is none of those.

    Examples
    --------
    >>> from journeymine.model import JourneyModel
    >>> from journeymine.plot import plot_svg
    >>> m = JourneyModel(stages=["A", "B"], activities={"ad": "A", "buy": "B"})
    >>> plot_svg(m).startswith("<svg")
    True
    """
    from journeymine.graph import JourneyGraph
    from journeymine.model import JourneyModel

    with detached_figures():
        if isinstance(obj, JourneyGraph):
            ax = plot_graph(obj, **kwargs)
        elif isinstance(obj, JourneyModel):
            ax = plot_model(obj, **kwargs)
        elif hasattr(obj, "compare"):
            ax = plot_conformance(obj, **kwargs)
        else:
            raise ParameterError(
                "plot_svg() draws a JourneyGraph, a ConformanceReport or a JourneyModel. Got "
                f"{type(obj).__name__} instead."
            )
    return to_svg(ax)
