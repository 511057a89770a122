"""Shared pieces of the pictures: colours, text helpers, boxes and arrows, figure making.

:mod:`matplotlib.pyplot` is imported only inside functions, and only when a
new figure has to be made outside :func:`detached_figures`.
"""

from __future__ import annotations

import contextlib
import contextvars
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A new figure: pyplot's, or one pyplot never sees within :func:`detached_figures`."""
    if _DETACHED.get():
        from matplotlib.figure import Figure

        return Figure(figsize=figsize)
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def _new_axes(figsize: tuple[float, float]) -> Axes:
    return new_figure(figsize).add_subplot()


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


#: the words of :data:`journeymine._format.DURATION_UNITS` for axis labels
UNIT_WORDS = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days"}


def fmt_duration(value: Any) -> str:
    """A short text for a duration, in at most two units: ``42 s``, ``3 min``, ``2 h 10 min``.

    The one formatter of :func:`journeymine._format.format_duration`, with
    an empty text (not a dash) for NaT, so that a missing label draws nothing.
    """
    if value is None or pd.isna(value):
        return ""
    from journeymine._format import format_duration

    return format_duration(value)


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
