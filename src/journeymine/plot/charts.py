"""Charts of journey tables: the funnel, the top variants, the time in stage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import ParameterError
from journeymine.plot._base import _BAR, _INK, _check_ax, _fmt_count, _mathtext_safe, _new_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.model import JourneyModel

__all__ = ["plot_funnel", "plot_stage_durations", "plot_variants"]


def _is_log(obj: Any) -> bool:
    from journeymine.log import JourneyLog

    return isinstance(obj, JourneyLog)


@v.validate_params({"model": [v.Model(), None], "title": [v.InstanceOf(str), None]})
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
        from journeymine.funnel import funnel

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
    over = False
    for i in range(n):
        text = f"{_fmt_count(reached[i])}  ({share[i]:.0%})"
        if i > 0 and not np.isnan(conv[i]):
            text += f"   {_fmt_pct(conv[i])} of previous"
            if conv[i] > 1:
                text += " *"
                over = True
        ax.text(reached[i] + top * 0.01, y[i], text, va="center", fontsize=8, color=_INK)
    ax.set_xlabel("cases reaching the stage")
    if over:
        ax.text(
            0.0,
            -0.16 - 0.35 / max(n, 1),
            "* more cases than at the previous stage: this funnel counts reach (an event in the "
            "stage, in any order), so cases can skip a stage. For a strict funnel use "
            "jm.funnel(log, model, ordered=True).",
            transform=ax.transAxes,
            fontsize=8,
            color=_INK,
            va="top",
            wrap=True,
        )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e4e7eb", zorder=0)
    ax.set_title(title or "Funnel: cases reaching each stage", fontsize=10, color=_INK)
    return ax


def _fmt_pct(value: float) -> str:
    """A conversion as '62.5 %' (one decimal, a space before the sign)."""
    return f"{value * 100:.1f} %"


def _activity_colours(activities: Sequence[Any]) -> dict[Any, Any]:
    from matplotlib import colormaps

    palette = [colormaps["tab20"](i) for i in range(20)] + [
        colormaps["tab20b"](i) for i in range(20)
    ]
    # tab20 pairs a dark and a light shade: use the dark ones first
    palette = palette[0:20:2] + palette[1:20:2] + palette[20:]
    return {a: palette[i % len(palette)] for i, a in enumerate(activities)}


@v.validate_params(
    {
        "top": [v.Interval(int, 1, None)],
        "max_length": [v.Interval(int, 1, None)],
        "title": [v.InstanceOf(str), None],
    }
)
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
                fontsize=8,
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
            fontsize=8,
            title="touchpoints",
            title_fontsize=9,
            ncol=1 if len(handles) <= 16 else 2,
        )
    ax.set_title(title or f"Top {k} variants", fontsize=10, color=_INK, loc="left")
    return ax


def _duration_unit(values: np.ndarray) -> tuple[float, str]:
    from journeymine._format import duration_unit
    from journeymine.plot._base import UNIT_WORDS

    name, seconds = duration_unit(values)
    return seconds, UNIT_WORDS[name]


@v.validate_params(
    {"model": [v.Model(), None], "log_scale": ["boolean"], "title": [v.InstanceOf(str), None]}
)
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
        from journeymine.funnel import stage_durations

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
