"""Figures as SVG text or PNG bytes, for notebooks, the HTML report and the command line."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from journeymine import _validation as v
from journeymine.errors import ParameterError
from journeymine.plot._base import detached_figures

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_svg", "to_png", "to_svg"]


@v.validate_params({"close": ["boolean"]})
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


@v.validate_params({"dpi": [v.Interval(int, 1, None)], "close": ["boolean"]})
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
    from journeymine.model import JourneyModel
    from journeymine.plot.graph import is_graph, plot_graph
    from journeymine.plot.overlay import plot_conformance, plot_model

    with detached_figures():
        if is_graph(obj):
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
