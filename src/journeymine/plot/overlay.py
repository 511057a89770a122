"""Designed against actual: the designed journey, the conformance overlay, the stage flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import ParameterError
from journeymine.plot._base import (
    _BACKWARD,
    _BOTH,
    _BOX_H,
    _BOX_W,
    _COL_DX,
    _DESIGNED_ONLY,
    _INK,
    _OBSERVED_ONLY,
    _bezier_extent,
    _bezier_mid,
    _bezier_top,
    _check_ax,
    _draw_arrow,
    _draw_box,
    _edge_label,
    _fit_font,
    _fmt_count,
    _mathtext_safe,
    _wrap,
    new_figure,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.model import JourneyModel

__all__ = ["plot_conformance", "plot_model", "plot_stage_flow"]


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
        # 0.7 inch per unit: stage names at 9 pt fill their boxes; the axes take the
        # whole width (the title above and the legend below get their own inches)
        inch = 0.7
        w_ax, h_ax = (x1 - x0) * inch, (y1 - y0) * inch
        fig_w, fig_h = max(figsize_min, w_ax), h_ax + 1.1
        fig_new = new_figure((fig_w, fig_h))
        ax = fig_new.add_axes(
            ((fig_w - w_ax) / 2 / fig_w, 0.55 / fig_h, w_ax / fig_w, h_ax / fig_h)
        )
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
            _edge_label(
                ax, _bezier_mid(a, b, rad), _fmt_count(r.count), max(fs * 0.9, min(fs, 8.0)), colour
            )
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
            fontsize=max(8.0, fs),
        )
    ax.set_title(_mathtext_safe(title), fontsize=max(9.0, fs * 1.2), color=_INK)
    return ax


@v.validate_params({"model": [v.Model()], "title": [v.InstanceOf(str), None]})
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

    _check_ax(ax, "plot_model")
    moves = pd.DataFrame(model.designed_moves(), columns=["source", "target"])
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


@v.validate_params({"model": [v.Model(), None], "title": [v.InstanceOf(str), None]})
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
        rate = getattr(report, "conformance_rate", None)
        if isinstance(rate, (int, float, np.number)) and not np.isnan(rate):
            title += f": {rate:.1%} of cases conform"
    return _stage_row(ax, order, moves, title=title, legend=list(_STATUS_STYLE))


@v.validate_params({"model": [v.Model()], "title": [v.InstanceOf(str), None]})
def plot_stage_flow(
    log: Any, model: JourneyModel, ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Draw how customers flow from stage to stage, sankey style.

    Each stage of the model is a bar as tall as its number of visits (a
    visit is a run of consecutive events in one stage). Bands from a bar's
    right side to a later stage's left side are moves forward, as wide as
    their number; moves back to an earlier stage are dashed orange arcs
    below the bars. On each bar, the part that starts cases is marked
    green on the left and the part where cases end grey on the right.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model : JourneyModel
        The designed journey: its stages, in order, and the stage of each
        touchpoint (events of other touchpoints are left out).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog or ``model`` not a JourneyModel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> ax = jm.plot_stage_flow(jm.datasets.load_shop(), jm.datasets.shop_model())
    >>> len([p for p in ax.patches if p.get_gid() == "stage-bar"])
    6
    """
    from matplotlib.patches import FancyArrowPatch, PathPatch, Rectangle
    from matplotlib.path import Path as MplPath

    from journeymine.engine import check_log
    from journeymine.plot.layout import text_size
    from journeymine.visits import stage_flow_table

    check_log(log, "plot_stage_flow")
    _check_ax(ax, "plot_stage_flow")
    table, flows = stage_flow_table(log, model)
    stages = list(model.stages)
    k = len(stages)
    col_dx, bar_w, tall = 2.0, 0.28, 3.0  # inches
    top = max(int(table["visits"].max()) if k else 1, 1)
    unit = tall / top
    back = flows[
        [
            stages.index(s) > stages.index(t)
            for s, t in zip(flows["source"], flows["target"], strict=True)
        ]
    ]
    depth = 0.35 + 0.18 * min(len(back), 6)
    x0, x1 = -0.9, (k - 1) * col_dx + 0.9
    y0, y1 = -tall - 0.75 * depth - 0.3, 0.75
    if ax is None:
        fig_w, fig_h = max(6.0, x1 - x0 + 0.4), y1 - y0 + 1.0
        fig_new = new_figure((fig_w, fig_h))
        ax = fig_new.add_axes(
            (
                (fig_w - (x1 - x0)) / 2 / fig_w,
                0.55 / fig_h,
                (x1 - x0) / fig_w,
                (y1 - y0) / fig_h,
            )
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    ax.apply_aspect()
    fig: Any = ax.figure
    ppi = ax.get_position().width * fig.get_figwidth() / max(x1 - x0, 1e-9)
    fs = 9.0 * (1.0 if ppi > 0.995 else ppi)
    colours = [
        "#3e7cb1",
        "#2f855a",
        "#b7791f",
        "#805ad5",
        "#c05621",
        "#2c7a7b",
        "#d53f8c",
        "#4a5568",
    ]
    # bars: top-aligned at y = 0
    out_y = {i: 0.0 for i in range(k)}  # next free height on the right side
    in_y = {i: 0.0 for i in range(k)}
    for i, r in enumerate(table.itertuples(index=False)):
        h = r.visits * unit
        x = i * col_dx
        bar = Rectangle(
            (x - bar_w / 2, -h),
            bar_w,
            h,
            facecolor=colours[i % len(colours)],
            edgecolor="none",
            alpha=0.9,
            zorder=3,
        )
        bar.set_gid("stage-bar")
        ax.add_patch(bar)
        starts_h = r.starts * unit
        if starts_h > 0:  # cases starting here enter at the top of the left side
            ax.add_patch(
                Rectangle(
                    (x - bar_w / 2 - 0.07, -starts_h),
                    0.07,
                    starts_h,
                    facecolor="#2f855a",
                    edgecolor="none",
                    zorder=3,
                )
            )
            in_y[i] = starts_h
        ends_h = r.ends * unit
        if ends_h > 0:  # cases ending here leave at the bottom of the right side
            ax.add_patch(
                Rectangle(
                    (x + bar_w / 2, -h),
                    0.07,
                    ends_h,
                    facecolor="#9aa5b1",
                    edgecolor="none",
                    zorder=3,
                )
            )
        t = ax.text(
            x,
            0.42,
            _mathtext_safe(_wrap(stages[i], 18, 1)),
            ha="center",
            va="center",
            fontsize=fs * 1.1,
            fontweight="bold",
            color=_INK,
        )
        t.set_gid("stage-label")
        t = ax.text(
            x,
            0.16,
            f"{_fmt_count(r.visits)} visits",
            ha="center",
            va="center",
            fontsize=fs,
            color="#52606d",
        )
        t.set_gid("stage-count")
    # forward bands, ordered so that bands leave and arrive without crossing needlessly
    forward = np.array(
        [
            stages.index(s) < stages.index(t)
            for s, t in zip(flows["source"], flows["target"], strict=True)
        ],
        dtype=bool,
    )
    fwd = flows.loc[forward]  # a mask, even when there is no flow at all
    fwd = fwd.assign(
        i=[stages.index(s) for s in fwd["source"]], j=[stages.index(t) for t in fwd["target"]]
    )
    placed: list[tuple[float, float, float, float]] = []
    for r in fwd.sort_values(["i", "j"], kind="stable").itertuples(index=False):
        h = r.moves * unit
        xa, xb = r.i * col_dx + bar_w / 2, r.j * col_dx - bar_w / 2
        ya, yb = -out_y[r.i], -in_y[r.j]
        out_y[r.i] += h
        in_y[r.j] += h
        mx = (xa + xb) / 2
        verts = [
            (xa, ya),
            (mx, ya),
            (mx, yb),
            (xb, yb),
            (xb, yb - h),
            (mx, yb - h),
            (mx, ya - h),
            (xa, ya - h),
            (xa, ya),
        ]
        codes = (
            [MplPath.MOVETO]
            + [MplPath.CURVE4] * 3
            + [MplPath.LINETO]
            + [MplPath.CURVE4] * 3
            + [MplPath.CLOSEPOLY]
        )
        band = PathPatch(
            MplPath(verts, codes),
            facecolor=colours[r.i % len(colours)],
            edgecolor="none",
            alpha=0.35,
            zorder=1,
        )
        band.set_gid("flow")
        ax.add_patch(band)
        text = _fmt_count(r.moves)
        tw, th = text_size(text, fs)
        if h >= th * 0.9 and r.j == r.i + 1:
            cx, cy = (xa + xb) / 2, (ya + yb) / 2 - h / 2
            rect = (cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2)
            if not any(
                a < rect[2] and rect[0] < c and b < rect[3] and rect[1] < d for a, b, c, d in placed
            ):
                placed.append(rect)
                lab = ax.text(
                    cx, cy, text, ha="center", va="center", fontsize=fs, color=_INK, zorder=5
                )
                lab.set_gid("flow-label")
    # moves back: arcs below the bars, heaviest first, labelled
    for n, r in enumerate(back.head(6).itertuples(index=False)):
        i, j = stages.index(r.source), stages.index(r.target)
        ya = -table["visits"].iloc[i] * unit
        yb = -table["visits"].iloc[j] * unit
        low = -tall - 0.25 - 0.18 * n
        a, b = (i * col_dx, ya), (j * col_dx, yb)
        verts = [a, (a[0], low), (b[0], low), b]
        arrow = FancyArrowPatch(
            path=MplPath(verts, [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4]),
            arrowstyle="-|>,head_length=0.4,head_width=0.25",
            mutation_scale=10,
            color=_BACKWARD,
            lw=0.8 + 2.2 * r.moves / max(int(back["moves"].max()), 1),
            linestyle="--",
            alpha=0.8,
            zorder=2,
        )
        arrow.set_gid("flow-back")
        ax.add_patch(arrow)
        cx, cy = (a[0] + b[0]) / 2, 0.125 * (a[1] + b[1]) + 0.75 * low
        text = _fmt_count(r.moves)
        tw, th = text_size(text, fs)
        rect = (cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2)
        if any(
            p < rect[2] and rect[0] < q and u < rect[3] and rect[1] < v for p, u, q, v in placed
        ):
            continue
        placed.append(rect)
        lab = ax.text(
            cx,
            cy,
            text,
            ha="center",
            va="center",
            fontsize=fs,
            color=_BACKWARD,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
        lab.set_gid("flow-label")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor="#9fb3c8", alpha=0.6, label="moves forward (width = number)"),
        Line2D([], [], color=_BACKWARD, ls="--", lw=2, label="moves back"),
        Patch(facecolor="#2f855a", label="cases start"),
        Patch(facecolor="#9aa5b1", label="cases end"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=4,
        frameon=False,
        fontsize=fs,
    )
    ax.set_title(
        _mathtext_safe(title or f"Stage flow: {log.n_cases:,} cases, stage visits and moves"),
        fontsize=fs * 1.25,
        color=_INK,
    )
    return ax
