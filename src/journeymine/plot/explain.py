"""Pictures of the so-what analyses: deviation impact, conformance drift, channel switches,
representative journeys and time in stage.

Every function takes ``ax=None`` and returns the Axes it drew on; none calls
``plt.show()``. :mod:`matplotlib.pyplot` is imported only when a new figure is
needed (through :mod:`journeymine.plot`).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.model import JourneyModel

__all__ = [
    "duration_unit",
    "plot_channel_switches",
    "plot_drift",
    "plot_impact",
    "plot_representatives",
    "plot_time_in_stage",
]

_INK = "#1f2933"
_GREY = "#9aa5b1"
_BAD = "#c53030"
_GOOD = "#2f855a"
_BAR = "#3e7cb1"
_STAGE_COLOURS = ["#3e7cb1", "#2f855a", "#b7791f", "#c53030", "#6b46c1", "#319795", "#975a16"]


def _axes(ax: Any, func: str, figsize: tuple[float, float]) -> Axes:
    from journeymine.plot._base import _check_ax, _new_axes

    _check_ax(ax, func)
    return ax if ax is not None else _new_axes(figsize)


def _tight(ax: Axes) -> None:
    fig: Any = ax.figure
    if hasattr(fig, "tight_layout"):
        fig.tight_layout()


def _need(table: Any, columns: list[str], func: str, source: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or not set(columns) <= set(table.columns):
        got = list(table.columns) if isinstance(table, pd.DataFrame) else type(table).__name__
        raise ParameterError(
            f"{func}() draws the table of {source}, with the columns {columns}. Got {got} "
            f"instead; pass the result of {source}."
        )
    return table


def duration_unit(values: Any) -> tuple[str, pd.Timedelta]:
    """The unit (name, length) in which typical durations read as numbers of 1 or more.

    :func:`journeymine._format.duration_unit` (one unit chooser for every
    axis), with the length as a Timedelta; chosen from the median of the
    non-missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymine.plot.explain import duration_unit
    >>> duration_unit(pd.to_timedelta(["3h", "20h"]))[0]
    'hours'
    """
    from journeymine._format import duration_unit as _unit
    from journeymine.plot._base import UNIT_WORDS

    td = pd.to_timedelta(pd.Series(np.asarray(values).ravel())).dropna()
    name, seconds = _unit(td.dt.total_seconds().to_numpy(dtype=float))
    return UNIT_WORDS[name], pd.Timedelta(seconds=seconds)


# -- deviation impact -------------------------------------------------------------
@v.validate_params({"top": [v.Interval(int, 1, None)], "title": [v.InstanceOf(str), None]})
def plot_impact(
    table: pd.DataFrame, ax: Axes | None = None, *, top: int = 15, title: str | None = None
) -> Axes:
    """Rank deviations by their impact, with the interval of their effect.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.deviation_impact`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    top : int, default=15
        Draw the ``top`` deviations with the largest absolute impact.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes
        One row per (kind, stage): a dot at ``diff`` (with minus without)
        and a line from ``lo`` to ``hi``, red when the deviation lowers the
        outcome with an *adjusted* p-value (``p_adjusted``) below 0.05,
        green when it raises it, grey otherwise (a legend says so); the
        impact (diff x cases with it) is written on the right. Rows below
        ``min_cases`` (no interval) are not drawn.

    Raises
    ------
    ParameterError
        If ``table`` lacks the columns of ``deviation_impact``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    >>> ax = jm.plot_impact(jm.deviation_impact(log, model))
    >>> len(ax.get_yticklabels()) > 0
    True
    """
    cols = ["kind", "stage", "cases_with", "diff", "lo", "hi", "impact"]
    table = _need(table, cols, "plot_impact", "jm.deviation_impact(log, model)")
    shown = table.dropna(subset=["diff", "lo", "hi"])
    shown = shown.reindex(shown["impact"].abs().sort_values(ascending=False).index)[:top]
    shown = shown.iloc[::-1]  # the largest at the top
    ax = _axes(ax, "plot_impact", (8.5, 0.42 * max(len(shown), 3) + 1.4))
    y = np.arange(len(shown))
    # significance on the adjusted p-value only (the raw one, for tables from older versions)
    p_col = "p_adjusted" if "p_adjusted" in shown.columns else "p_value"
    sig = shown[p_col].to_numpy(dtype=float) < 0.05 if p_col in shown.columns else shown["lo"] > 0
    sig = np.asarray(sig, dtype=bool)
    colour = np.where(
        sig & (shown["hi"] < 0), _BAD, np.where(sig & (shown["lo"] > 0), _GOOD, _GREY)
    )
    ax.hlines(y, shown["lo"], shown["hi"], colors=list(colour), linewidth=2.5)
    ax.scatter(shown["diff"], y, color=list(colour), zorder=3, s=36)
    ax.axvline(0, color=_INK, linewidth=0.8)
    labels = [
        f"{k} · {s if s is not None and s == s else '(unknown)'}  (n={n:,})"
        for k, s, n in zip(shown["kind"], shown["stage"], shown["cases_with"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    for yi, impact in zip(y, shown["impact"], strict=True):
        ax.annotate(
            f"{impact:+,.1f}",
            xy=(1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=_INK,
        )
    ax.annotate(
        "impact",
        xy=(1.0, 1.0),
        xycoords="axes fraction",
        xytext=(6, 4),
        textcoords="offset points",
        fontsize=9,
        color=_INK,
        weight="bold",
    )
    ax.set_xlabel("difference in mean outcome, with minus without (interval)")
    ax.set_title(title or "Deviations ranked by impact")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=c, marker="o", linewidth=2.5, label=text)
        for c, text in (
            (_BAD, "lowers it (adjusted p < 0.05)"),
            (_GOOD, "raises it (adjusted p < 0.05)"),
            (_GREY, "not shown to matter"),
        )
    ]
    ax.legend(
        handles=handles,
        frameon=False,
        fontsize=9,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16 if len(shown) > 4 else -0.3),
        ncol=3,
    )
    ax.grid(axis="x", color="#e4e7eb")
    _tight(ax)
    return ax


# -- conformance drift ------------------------------------------------------------
@v.validate_params({"title": [v.InstanceOf(str), None]})
def plot_drift(table: pd.DataFrame, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Draw the conformance rate per period with its interval, changes marked.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.conformance_drift` (with or
        without ``segment=``: one line per group).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes
        The rate (in %) at each period's start, the Wilson interval as a
        band, and a red ring around the periods flagged ``changed`` (Holm-
        adjusted p-value below 0.01; the legend says so).

    Raises
    ------
    ParameterError
        If ``table`` lacks the columns of ``conformance_drift``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    >>> ax = jm.plot_drift(jm.conformance_drift(log, model, freq="M"))
    >>> ax.get_ylabel()
    'conforming cases (%)'
    """
    cols = ["period", "cases", "rate", "lo", "hi", "changed"]
    table = _need(table, cols, "plot_drift", "jm.conformance_drift(log, model)")
    ax = _axes(ax, "plot_drift", (9, 4))
    groups = [(None, table)] if "group" not in table.columns else list(table.groupby("group"))
    for i, (name, block) in enumerate(groups):
        colour = _STAGE_COLOURS[i % len(_STAGE_COLOURS)]
        x = pd.PeriodIndex(block["period"]).start_time
        ax.fill_between(x, 100 * block["lo"], 100 * block["hi"], color=colour, alpha=0.18, lw=0)
        ax.plot(x, 100 * block["rate"], marker="o", ms=3.5, color=colour, label=name)
        flagged = block["changed"].to_numpy(bool)
        if flagged.any():
            ax.scatter(
                x[flagged],
                100 * block["rate"].to_numpy()[flagged],
                s=120,
                facecolors="none",
                edgecolors=_BAD,
                linewidths=1.8,
                zorder=4,
                label="changed (adjusted p < 0.01)" if i == 0 else None,
            )
    ax.set_ylabel("conforming cases (%)")
    ax.set_xlabel("period (first event of the case)")
    ax.set_title(title or "Conformance over time (Wilson interval)")
    ax.grid(color="#e4e7eb")
    if len(groups) > 1 or table["changed"].any():
        ax.legend(frameon=False, fontsize=9)
    getattr(ax.figure, "autofmt_xdate", lambda: None)()
    _tight(ax)
    return ax


# -- channel switches -----------------------------------------------------------
@v.validate_params({"title": [v.InstanceOf(str), None]})
def plot_channel_switches(data: Any, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Draw the channel-to-channel switches as a matrix.

    Parameters
    ----------
    data : pandas.DataFrame or JourneyLog
        The table of ``jm.channel_switches(log, summary=True)``, or a log
        with a channel column.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes
        Rows are the channel switched from, columns the channel switched
        to; each cell holds the number of switches, shaded by it.

    Raises
    ------
    ParameterError
        If ``data`` is neither such a table nor a log with a channel column.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> ax = jm.plot_channel_switches(jm.datasets.load_shop())
    >>> ax.get_xlabel()
    'to channel'
    """
    if not isinstance(data, pd.DataFrame):
        from journeymine.channels import channel_switches

        data = channel_switches(data, summary=True)
    table = _need(
        data,
        ["from_channel", "to_channel", "switches"],
        "plot_channel_switches",
        "jm.channel_switches(log, summary=True)",
    )
    matrix = table.pivot_table(
        index="from_channel", columns="to_channel", values="switches", aggfunc="sum", fill_value=0
    )
    names = sorted(set(matrix.index) | set(matrix.columns), key=str)
    matrix = matrix.reindex(index=names, columns=names, fill_value=0)
    n = len(names)
    ax = _axes(ax, "plot_channel_switches", (1.0 * n + 2.5, 0.8 * n + 1.8))
    values = matrix.to_numpy(dtype=float)
    ax.imshow(values, cmap="Blues", vmin=0, vmax=max(values.max(), 1))
    top = values.max() if values.size else 0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            v = int(values[i, j])
            ax.text(
                j,
                i,
                f"{v:,}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if v > 0.6 * top else _INK,
            )
    ax.set_xticks(range(n), names, rotation=30, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("to channel")
    ax.set_ylabel("from channel")
    ax.set_title(title or "Channel switches (consecutive events)")
    _tight(ax)
    return ax


# -- representative journeys -----------------------------------------------------
@v.validate_params(
    {
        "model": [v.Model(), None],
        "max_steps": [v.Interval(int, 1, None)],
        "title": [v.InstanceOf(str), None],
        "by_stage": ["boolean"],
    }
)
def plot_representatives(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    model: JourneyModel | None = None,
    max_steps: int = 14,
    title: str | None = None,
    by_stage: bool = True,
) -> Axes:
    """Draw a journey map: one lane per representative journey.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.representatives`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    model : JourneyModel, optional
        With a model, the stages are the columns: each activity is drawn in
        its stage's column (activities the model does not know in a last
        ``other`` column) and moves back to an earlier stage are orange.
        Without one, the activities follow each other step by step.
    max_steps : int, default=14
        Draw at most this many activities of each journey.
    title : str, optional
        The title.
    by_stage : bool, default=True
        With a model: place each activity in its stage's column (True), or
        step after step, coloured by stage with a legend (False; narrower,
        as the HTML report draws it).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``table`` lacks the columns of ``representatives``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> reps = jm.representatives(jm.datasets.load_shop(), k=4)
    >>> ax = jm.plot_representatives(reps, model=jm.datasets.shop_model())
    >>> len(ax.patches) > 0
    True
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    table = _need(
        table,
        ["rep", "sequence", "cases", "share"],
        "plot_representatives",
        "jm.representatives(log)",
    )
    lanes = [tuple(s)[:max_steps] for s in table["sequence"]]
    model_stages = list(model.stages) if model is not None else []
    stage_of: dict[Any, int] = {}
    columns: list[str] = []
    colour_of: dict[Any, str] = {}
    rank_of: dict[Any, int] = {}
    if model is not None:
        index = {s: i for i, s in enumerate(model.stages)}
        rank_of = {a: index[s] for a, s in model.activities.items()}
        colour_of = {
            a: _STAGE_COLOURS[index[s] % len(_STAGE_COLOURS)] for a, s in model.activities.items()
        }
    if model is not None and not by_stage:
        shown = {model.activities[a] for lane in lanes for a in lane if a in model.activities}
        legend = [s for s in model.stages if s in shown]
        model = None  # step after step below; colours and legend from the stages
    else:
        legend = []
    if model is not None:
        columns = [str(s) for s in model.stages]
        index = {s: i for i, s in enumerate(model.stages)}
        stage_of = {a: index[s] for a, s in model.activities.items()}
        has_other = any(a not in stage_of for lane in lanes for a in lane)
        if has_other:
            columns.append("other")
    # x slot of each box: with a model, (stage column, slot within the column)
    placed: list[list[tuple[float, Any, int]]] = []
    slots_per_col = np.ones(max(len(columns), 1), dtype=np.int64)
    for lane in lanes:
        boxes = []
        used: dict[int, int] = {}
        for step, act in enumerate(lane):
            if model is None:
                boxes.append((float(step), act, -1))
                continue
            col = stage_of.get(act, len(columns) - 1)
            k = used.get(col, 0)
            used[col] = k + 1
            boxes.append((col, act, k))
        for col, k in used.items():
            slots_per_col[col] = max(slots_per_col[col], k)
        placed.append(boxes)
    slot = 1.55
    if model is not None:
        col_w = slot * slots_per_col + 0.5
        col_x = np.r_[0.0, np.cumsum(col_w)]
        right: float = float(col_x[-1])
    else:
        right = slot * max((len(lane) for lane in lanes), default=1)
    height = len(lanes)
    ax = _axes(ax, "plot_representatives", (min(3.0 + 0.72 * right, 40), 0.95 * height + 1.8))
    box_w, box_h = 1.35, 0.7
    any_back = False
    for r, boxes in enumerate(placed):
        y = float(height - 1 - r)
        row: list[tuple[float, float, int]] = []
        for pos, act, k in boxes:
            x: float = col_x[int(pos)] + k * slot + 0.25 if model is not None else pos * slot
            colour = colour_of.get(act, _GREY)
            ax.add_patch(
                FancyBboxPatch(
                    (x, y - box_h / 2),
                    box_w,
                    box_h,
                    boxstyle="round,pad=0.02,rounding_size=0.12",
                    facecolor=colour,
                    edgecolor="none",
                    alpha=0.9,
                )
            )
            parts = textwrap.wrap(str(act), 11, break_long_words=True) or [""]
            if len(parts) > 3:
                parts = parts[:2] + [parts[2][:10] + "…"]
            ax.text(
                x + box_w / 2,
                y,
                "\n".join(parts),
                ha="center",
                va="center",
                fontsize=8.5,
                color="white",
                linespacing=1.1,
            )
            row.append((float(x), float(y), int(pos)))
        for k_step, ((x0, y0, c0), (x1, y1, c1)) in enumerate(zip(row, row[1:], strict=False)):
            back = model is not None and c1 < c0
            a0, a1 = lanes[r][k_step], lanes[r][k_step + 1]
            regress = a0 in rank_of and a1 in rank_of and rank_of[a1] < rank_of[a0]
            if regress and not back:  # step after step: a move back to an earlier stage
                any_back = True
                arrow = FancyArrowPatch(
                    (x0 + box_w, y0),
                    (x1, y1),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    color="#dd6b20",
                    lw=1.4,
                    linestyle="--",
                )
            elif back:
                arrow = FancyArrowPatch(
                    (x0 + box_w / 2, y0 + box_h / 2),
                    (x1 + box_w / 2, y1 + box_h / 2),
                    connectionstyle="arc3,rad=0.35",
                    arrowstyle="-|>",
                    mutation_scale=9,
                    color="#dd6b20",
                    lw=1.2,
                )
            else:
                arrow = FancyArrowPatch(
                    (x0 + box_w, y0),
                    (x1, y1),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    color=_INK,
                    lw=0.9,
                    connectionstyle="arc3,rad=-0.25" if x1 <= x0 else "arc3,rad=0",
                )
            ax.add_patch(arrow)
        if len(table["sequence"].iloc[r]) > max_steps:
            ax.text(row[-1][0] + box_w + 0.1, y, "…", va="center", fontsize=12, color=_INK)
    labels = [
        f"#{int(rep)}  {share:.0%}  ({int(n):,} cases)"
        for rep, share, n in zip(table["rep"], table["share"], table["cases"], strict=True)
    ]
    ax.set_yticks(np.arange(height)[::-1], labels)
    if model is not None:
        for i, name in enumerate(columns):
            x0, x1 = col_x[i], col_x[i + 1]
            if i % 2 == 0:
                ax.axvspan(x0, x1, color="#f5f7fa", zorder=0)
            ax.text(
                (x0 + x1) / 2,
                height - 0.35,
                name,
                ha="center",
                va="bottom",
                fontsize=9,
                weight="bold",
                color=_INK,
            )
    ax.set_xlim(-0.2, right + 0.4)
    ax.set_ylim(-0.7, height + 0.2 if columns else height - 0.35)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    covered = float(table["share"].sum()) if len(table) else 0.0
    if legend:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        ax.legend(
            handles=[
                Patch(color=_STAGE_COLOURS[i % len(_STAGE_COLOURS)], label=str(st))
                for i, st in enumerate(model_stages)
                if st in legend
            ]
            + (
                [Patch(color=_GREY, label="not in the design")]
                if any(a not in colour_of for lane in lanes for a in lane)
                else []
            )
            + (
                [Line2D([], [], color="#dd6b20", ls="--", lw=1.4, label="back to an earlier stage")]
                if any_back
                else []
            ),
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(7, len(legend) + 1),
            frameon=False,
            fontsize=9,
        )
    ax.set_title(title or f"Representative journeys ({covered:.0%} of cases)", pad=18)
    _tight(ax)
    return ax


# -- time in stage ----------------------------------------------------------------
@v.validate_params({"log_scale": ["boolean", None], "title": [v.InstanceOf(str), None]})
def plot_time_in_stage(
    summary: pd.DataFrame,
    ax: Axes | None = None,
    *,
    log_scale: bool | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the Kaplan–Meier median time in each stage with its interval, and the p90.

    Parameters
    ----------
    summary : pandas.DataFrame
        The result of ``jm.stage_durations(log, model, summary=True)``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    log_scale : bool, optional
        A logarithmic time axis; by default when the times drawn span more
        than two orders of magnitude.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes
        One row per stage: the median (dot), its interval (thick line) and
        the 90th percentile (tick), in the unit ``duration_unit`` picks
        (on a log axis, ticks at round durations, each in its own unit);
        each row's label gives its median as a duration.

    Raises
    ------
    ParameterError
        If ``summary`` lacks the columns of the summary.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    >>> summary = jm.stage_durations(log, model, summary=True, as_of="2026-01-01")
    >>> ax = jm.plot_time_in_stage(summary)  # minutes to weeks: a log axis, ticks as durations
    >>> ax.get_xscale(), [t.get_text() for t in ax.get_xticklabels()][:2]
    ('log', ['10 min', '1 h'])
    """
    cols = ["stage", "visits", "open", "median", "median_lo", "median_hi", "p90"]
    summary = _need(summary, cols, "plot_time_in_stage", "jm.stage_durations(..., summary=True)")
    if "group" in summary.columns:
        raise ParameterError(
            "plot_time_in_stage() draws one block of stages; select one group first, e.g. "
            "summary[summary['group'] == 'web']."
        )
    unit, size = duration_unit(pd.concat([summary["median"], summary["p90"]]))
    ax = _axes(ax, "plot_time_in_stage", (8, 0.7 * max(len(summary), 3) + 1.2))
    y = np.arange(len(summary))[::-1]

    def scaled(col: str) -> np.ndarray:
        return (pd.to_timedelta(summary[col]) / size).to_numpy(dtype=float)

    med, lo, hi, p90 = scaled("median"), scaled("median_lo"), scaled("median_hi"), scaled("p90")
    hi_draw = np.where(np.isnan(hi) & ~np.isnan(lo), np.nanmax(np.r_[p90, med, lo, 0]), hi)
    ax.hlines(y, lo, hi_draw, colors=_BAR, linewidth=5, alpha=0.35)
    ax.scatter(med, y, color=_BAR, zorder=3, s=40, label="median")
    ax.scatter(p90, y, marker="|", color=_INK, s=160, zorder=3, label="90th percentile")
    from journeymine._format import format_duration

    labels = [
        f"{s}: median {format_duration(m)}\n({v:,} visits, {o:,} open)"
        for s, m, v, o in zip(
            summary["stage"], summary["median"], summary["visits"], summary["open"], strict=True
        )
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"time in stage ({unit}, Kaplan–Meier; open visits censored)")
    drawn = np.r_[med, lo, hi, p90]
    positive = drawn[np.isfinite(drawn) & (drawn > 0)]
    if log_scale is None:
        log_scale = positive.size > 1 and positive.max() / positive.min() > 100
    if log_scale and positive.size:
        ax.set_xscale("log")
        lo_x, hi_x = positive.min() / 2, positive.max() * 1.5
        ax.set_xlim(lo_x, hi_x)
        # ticks at round durations, each written in its own unit (2 min, 1 h, 7 d)
        step = size.total_seconds()
        nice = np.array([1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400])
        ticks = nice[(nice / step >= lo_x) & (nice / step <= hi_x)] / step
        if ticks.size >= 2:
            ax.set_xticks(ticks, [format_duration(t * step) for t in ticks])
            ax.minorticks_off()
            ax.set_xlabel("time in stage (Kaplan–Meier; open visits censored)")
    else:
        ax.set_xlim(left=0)
    ax.set_title(title or "Time in stage per visit", loc="left")
    ax.grid(axis="x", color="#e4e7eb")
    # the legend sits in the title's row: below the axis it would meet the axis label
    ax.legend(frameon=False, fontsize=9, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    _tight(ax)
    return ax
