"""Pictures of attribution: the models side by side per touch, and the top conversion paths.

Every function takes ``ax=None`` and returns the Axes it drew on; none calls
``plt.show()``. They draw what :func:`journeymine.attribution` and
:func:`journeymine.conversion_paths` computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import ParameterError
from journeymine.plot.explain import _axes, _need, _tight

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_attribution", "plot_conversion_paths"]

_INK = "#1f2933"
_MODEL_COLOURS = {
    "first": "#3e7cb1",
    "last": "#c53030",
    "linear": "#2f855a",
    "time_decay": "#b7791f",
    "position": "#6b46c1",
    "shapley": "#319795",
    "markov": "#52606d",
}


def plot_attribution(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each touch's share of the conversions under each model, side by side, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.attribution` (without ``segment=``,
        or one segment's rows).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``table`` is not an attribution table.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> table = jm.attribution(log, model=jm.datasets.shop_model(), ci=None)
    >>> ax = jm.plot_attribution(table)
    >>> ax.get_xlabel()
    'share of conversions'
    """
    func = "plot_attribution"
    table = _need(table, ["touch", "model", "share", "lo", "hi"], func, "jm.attribution()")
    if "segment" in table.columns and table["segment"].nunique() > 1:
        raise ParameterError(
            f"{func}() draws one segment; the table has {table['segment'].nunique()}. Pass "
            "table[table.segment == <value>]."
        )
    touches = list(dict.fromkeys(table["touch"]))
    models = list(dict.fromkeys(table["model"]))
    n_bars = len(touches) * max(len(models), 1)
    ax = _axes(ax, func, (8.0, max(3.0, 1.0 + 0.14 * n_bars + 0.2 * len(touches))))
    n_m = max(len(models), 1)
    height = 0.8 / n_m
    y_base = np.arange(len(touches))[::-1].astype(float)
    index = table.set_index(["touch", "model"])
    for j, model in enumerate(models):
        rows = index.xs(model, level="model").reindex(touches)
        y = y_base + 0.4 - height * (j + 0.5)
        share = rows["share"].to_numpy(float)
        colour = _MODEL_COLOURS.get(str(model), "#7b8794")
        ax.barh(y, np.nan_to_num(share), height=height * 0.9, color=colour, label=str(model))
        lo, hi = rows["lo"].to_numpy(float), rows["hi"].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(
                share[ok],
                y[ok],
                xerr=[np.clip(share[ok] - lo[ok], 0, None), np.clip(hi[ok] - share[ok], 0, None)],
                fmt="none",
                ecolor=_INK,
                elinewidth=0.8,
                capsize=2,
            )
    ax.set_yticks(y_base)
    ax.set_yticklabels([str(t) for t in touches], fontsize=9)
    ax.set_xlabel("share of conversions")
    ax.set_xlim(0, None)
    ax.xaxis.set_major_formatter(_percent())
    ax.legend(
        fontsize=8,
        title="model",
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    ax.set_title("Which touchpoints earn the conversion", fontsize=10, color=_INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _tight(ax)
    return ax


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


@v.validate_params({"top": [v.Interval(int, 1, None)]})
def plot_conversion_paths(table: pd.DataFrame, *, top: int = 10, ax: Axes | None = None) -> Axes:
    """The most frequent conversion paths: conversions, with the conversion rate written beside.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.conversion_paths`.
    top : int, default=10
        How many paths to draw (the table's first rows).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``table`` is not a conversion-paths table.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> paths = jm.conversion_paths(log, model=jm.datasets.shop_model())
    >>> ax = jm.plot_conversion_paths(paths, top=5)
    >>> len(ax.patches)
    5
    """
    func = "plot_conversion_paths"
    table = _need(
        table,
        ["path", "conversions", "non_conversions", "conversion_rate", "median_lag"],
        func,
        "jm.conversion_paths()",
    )
    rows = table.head(int(top))
    labels = [_path_label(p) for p in rows["path"]]
    ax = _axes(ax, func, (8.0, max(2.5, 0.9 + 0.38 * len(rows))))
    y = np.arange(len(rows))[::-1]
    conv = rows["conversions"].to_numpy(float)
    ax.barh(y, conv, height=0.7, color="#3e7cb1")
    peak = float(conv.max()) if len(conv) else 1.0
    for yi, c, rate, lag in zip(y, conv, rows["conversion_rate"], rows["median_lag"], strict=True):
        text = f"{rate:.0%} convert"
        if not pd.isna(lag):
            from journeymine._format import format_duration

            text += f", median lag {format_duration(lag)}"
        ax.text(c + peak * 0.01, yi, text, va="center", fontsize=8, color=_INK)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=9)
    ax.set_xlabel("conversions")
    ax.set_xlim(0, peak * 1.45 if peak else 1.0)
    ax.set_title("Top conversion paths", fontsize=10, color=_INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _tight(ax)
    return ax


def _path_label(path: Any, limit: int = 48) -> str:
    """``a > b > c``, runs of one touch written ``web x3``, cut to ``limit`` characters."""
    parts: list[str] = []
    items = list(path)
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[i]:
            j += 1
        n = j - i + 1
        parts.append(f"{items[i]} x{n}" if n > 1 else str(items[i]))
        i = j + 1
    text = " > ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
