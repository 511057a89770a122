"""Designed against actual: the designed journey, the conformance overlay, the stage flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine.errors import ParameterError
from journeymine.plot._base import (
    _BOTH,
    _BOX_H,
    _BOX_W,
    _COL_DX,
    _DESIGNED_ONLY,
    _INCH_PER_UNIT,
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
    _new_axes,
    _wrap,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.model import JourneyModel

__all__ = ["designed_moves", "plot_conformance", "plot_model", "plot_stage_flow"]


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
        rate = getattr(report, "conformance_rate", None)
        if isinstance(rate, (int, float, np.number)) and not np.isnan(rate):
            title += f": {rate:.1%} of cases conform"
    return _stage_row(ax, order, moves, title=title, legend=list(_STATUS_STYLE))


def plot_stage_flow(*a, **k):  # stub
    raise NotImplementedError
