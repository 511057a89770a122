"""Pictures for slicing and exploring: path trees, step matrices, segment comparisons.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import DIFFERENCE, ENDED, NOT_STARTED
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes

    from journeymine.graph import GraphComparison

__all__ = ["plot_compare", "plot_graph_compare", "plot_paths", "plot_step_matrix"]

_END = "(end)"
_START = "(start)"


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def _colours(labels: list[Any]) -> dict[Any, Any]:
    """A stable colour per label (tab20), grey for the end and start markers."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    out = {}
    for i, label in enumerate(sorted({str(x) for x in labels})):
        out[label] = cmap(i % 20)
    out[_END] = out[_START] = (0.85, 0.85, 0.85, 1.0)
    return out


@v.validate_params(
    {"direction": [v.StrOptions(("after", "before"))], "min_share": [v.Interval(float, 0, 1)]}
)
def plot_paths(
    table: pd.DataFrame,
    *,
    anchor: Any = None,
    direction: str = "after",
    ax: matplotlib.axes.Axes | None = None,
    min_share: float = 0.02,
) -> matplotlib.axes.Axes:
    """Draw the result of :func:`journeymine.paths` as a tree (an icicle chart).

    The anchor is a full-height bar; each later column splits the cases by
    the activity at that step, nested in the bar of the path so far, with
    heights proportional to cases. Paths that end early show a grey
    ``(end)`` bar (``(start)`` going backwards). For ``direction="before"``
    the tree grows leftwards from the anchor.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.paths`.
    anchor : activity, optional
        The anchor, for the title and the root bar.
    direction : {"after", "before"}, default="after"
        The direction the paths were taken in.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    min_share : float, default=0.02
        Bars narrower than this share of the cases get no label.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> ax = jm.plot_paths(jm.paths(log, "Place order", direction="before"),
    ...                    anchor="Place order", direction="before")
    """
    if not {"path", "cases"} <= set(table.columns):
        raise ParameterError(
            "plot_paths() expects the table jm.paths() returns (columns 'path', 'cases'). "
            f"Got columns {list(table.columns)}."
        )
    ax = _axes(ax, (11, 6))
    total = float(table["cases"].sum())
    before = direction == "before"
    paths = [tuple(p) for p in table["path"]]
    counts = table["cases"].to_numpy(dtype=float)
    depth = max((len(p) for p in paths), default=0)
    fill = _START if before else _END
    # oriented away from the anchor, padded with one end marker
    oriented = [(tuple(reversed(p)) if before else p) for p in paths]
    acts = [a for p in paths for a in p]
    colour = _colours(acts)
    width, gap = 1.0, 0.25

    def x_of(step: int) -> float:
        return -(step * (width + gap)) if before else step * (width + gap)

    ax.barh(0.5, width, left=x_of(0), height=1.0, color="#4c72b0", edgecolor="white")
    ax.text(
        x_of(0) + width / 2,
        0.5,
        f"{anchor if anchor is not None else 'anchor'}\n{int(total):,} cases",
        ha="center",
        va="center",
        fontsize=9,
        color="white",
        fontweight="bold",
        rotation=90,
    )
    order = sorted(range(len(paths)), key=lambda i: (-counts[i], str(oriented[i])))
    # one nested interval per prefix: lay prefixes out level by level
    spans: dict[tuple[Any, ...], tuple[float, float]] = {(): (0.0, 1.0)}
    for step in range(1, depth + 1):
        groups: dict[tuple[Any, ...], float] = {}
        parents: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for i in order:
            p = oriented[i]
            if len(p) >= step:
                key = p[:step]
            elif len(p) == step - 1:  # the case ends (begins) here: a grey marker
                key = p + (fill,)
            else:
                continue
            groups[key] = groups.get(key, 0.0) + counts[i]
            parents[key] = key[:-1]
        cursor: dict[tuple[Any, ...], float] = {}
        for key in sorted(groups, key=lambda k: (tuple(map(str, k[:-1])), -groups[k], str(k[-1]))):
            parent = parents[key]
            if parent not in spans:
                continue
            top = cursor.get(parent, spans[parent][1])
            h = groups[key] / total
            spans[key] = (top - h, top)
            cursor[parent] = top - h
            label = key[-1]
            ax.barh(
                top - h / 2,
                width,
                left=x_of(step),
                height=h,
                color=colour.get(str(label), "#cccccc"),
                edgecolor="white",
                linewidth=0.8,
            )
            if h >= min_share:
                text = str(label)
                if len(text) > 18:
                    text = text[:17] + "…"
                ax.text(
                    x_of(step) + width / 2,
                    top - h / 2,
                    f"{text}\n{groups[key] / total:.0%}" if h >= 2.5 * min_share else text,
                    ha="center",
                    va="center",
                    fontsize=7,
                )
    lo = x_of(depth) if before else x_of(0)
    hi = x_of(0) + width if before else x_of(depth) + width
    ax.set_xlim(lo - 0.1, hi + 0.1)
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ticks = [x_of(s) + width / 2 for s in range(depth + 1)]
    names = ["anchor"] + [f"{'−' if before else '+'}{s}" for s in range(1, depth + 1)]
    ax.set_xticks(ticks, names)
    ax.set_xlabel("steps before the anchor" if before else "steps after the anchor")
    ax.set_ylabel("share of cases with the anchor")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    what = "before" if before else "after"
    name = f"“{anchor}”" if anchor is not None else "the anchor"
    ax.set_title(f"What customers do {what} {name} (first occurrence)")
    return ax


@v.validate_params({"annotate": ["boolean"]})
def plot_step_matrix(
    matrix: pd.DataFrame, *, ax: matplotlib.axes.Axes | None = None, annotate: bool = True
) -> matplotlib.axes.Axes:
    """Draw the result of :func:`journeymine.step_matrix` as a heatmap.

    Rows are ordered by the step at which each activity is most common
    (on average), with ``(not started)`` and ``(ended)`` last. A centred
    matrix (``anchor=``) marks step 0; a differential one (``groups=``) is
    drawn as its ``difference`` block, blue where the first group does an
    activity more often, red where the second does.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The result of :func:`journeymine.step_matrix`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    annotate : bool, default=True
        Write the percentage in cells of at least 1 % (in absolute value).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> ax = jm.plot_step_matrix(jm.step_matrix(log, steps=8))
    >>> ax = jm.plot_step_matrix(jm.step_matrix(log, steps=3, anchor="Add to cart"))
    >>> web = log.case_table().set_index("case")["channel"] == "web"
    >>> ax = jm.plot_step_matrix(jm.step_matrix(log, steps=3, groups=web))
    >>> ax.get_title()
    'Differential step matrix: True minus False'
    """
    added = (
        matrix.attrs.get("not_started", NOT_STARTED),
        matrix.attrs.get("ended", ENDED),
    )
    groups: list[Any] = []
    if isinstance(matrix.columns, pd.MultiIndex):
        groups = [g for g in matrix.columns.get_level_values(0).unique() if g != DIFFERENCE]
        matrix = matrix[DIFFERENCE]
    tail = [r for r in added if r in matrix.index]
    rows = [r for r in matrix.index if r not in tail]
    values = matrix.loc[rows].to_numpy(dtype=float)
    steps = np.asarray(matrix.columns, dtype=float)
    weight = np.abs(np.nan_to_num(values)).sum(axis=1)
    centre = (np.abs(np.nan_to_num(values)) * steps).sum(axis=1) / np.where(weight > 0, weight, 1)
    order = np.lexsort((-weight, centre))
    rows = [rows[i] for i in order] + tail
    data = matrix.loc[rows].to_numpy(dtype=float)
    ax = _axes(ax, (1.6 + 0.75 * data.shape[1], 1.2 + 0.32 * data.shape[0]))
    top = float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 0.0
    if groups:
        top = max(top, 1e-9)
        image = ax.imshow(data, aspect="auto", cmap="RdBu", vmin=-top, vmax=top)
    else:
        image = ax.imshow(data, aspect="auto", cmap="Blues", vmin=0, vmax=max(top, 1e-9))
    ax.set_xticks(range(data.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(data.shape[0]), [str(r) for r in rows])
    centred = bool((steps <= 0).any())
    if centred:
        zero = int(np.flatnonzero(steps == 0)[0])
        ax.axvline(zero - 0.5, color="grey", linewidth=1)
        ax.axvline(zero + 0.5, color="grey", linewidth=1)
        ax.set_xlabel("step (0: each case's first anchor event)")
    else:
        ax.set_xlabel("step (k-th event of the journey)")
    if annotate:
        cut = 0.6 * top
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                if np.isfinite(data[i, j]) and abs(data[i, j]) >= 0.01:
                    ax.text(
                        j,
                        i,
                        f"{data[i, j]:+.0%}" if groups else f"{data[i, j]:.0%}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if abs(data[i, j]) > cut else "black",
                    )
    if tail:
        ax.axhline(len(rows) - len(tail) - 0.5, color="grey", linewidth=1)
    if groups:
        label = f"share in {groups[0]} minus share in {groups[1]}"
        title = f"Differential step matrix: {groups[0]} minus {groups[1]}"
    else:
        label = "share of the cases" + (" with the anchor" if centred else "")
        title = "Step matrix: what customers do at each step"
    ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label=label)
    ax.set_title(title)
    return ax


def plot_compare(
    table: pd.DataFrame,
    *,
    metrics: list[str] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw the rates of :func:`journeymine.compare` per group, with their intervals.

    One row per metric (the proportions: conversion, conformance and the
    ``*_rate`` metrics that are not zero everywhere), a dot per group with
    its Wilson interval; a ring marks a difference to the other cases with
    an adjusted p-value (``p_adjusted``) below 0.05.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.compare`.
    metrics : list of str, optional
        The metrics to draw (proportions only).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> first_channel = log.case_table().set_index("case")["channel"]
    >>> ax = jm.plot_compare(jm.compare(log, first_channel, model=jm.datasets.shop_model()))
    """
    need = {"group", "metric", "value", "lo", "hi", "p_value"}
    if not need <= set(table.columns):
        raise ParameterError(
            "plot_compare() expects the table jm.compare() returns (columns "
            f"{sorted(need)}). Got columns {list(table.columns)}."
        )
    props = table[~table["metric"].isin(["median_duration", "median_events"])]
    if metrics is None:
        top = props.groupby("metric", sort=False)["value"].max()
        metrics = [m for m in top.index if top[m] > 0]
    props = props[props["metric"].isin(metrics)]
    groups = list(dict.fromkeys(props["group"]))
    ax = _axes(ax, (9, 1.2 + 0.45 * len(metrics) * max(1, len(groups)) ** 0.5))
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    spread = 0.6 / max(len(groups), 1)
    for gi, group in enumerate(groups):
        rows = props[props["group"] == group].set_index("metric").reindex(metrics)
        y = np.arange(len(metrics)) + (gi - (len(groups) - 1) / 2) * spread
        value = rows["value"].to_numpy(dtype=float)
        err = np.vstack([value - rows["lo"].to_numpy(float), rows["hi"].to_numpy(float) - value])
        ax.errorbar(
            value,
            y,
            xerr=err,
            fmt="o",
            color=cmap(gi % 10),
            label=str(group),
            capsize=2,
            markersize=4,
        )
        p_col = "p_adjusted" if "p_adjusted" in rows.columns else "p_value"
        sig = rows[p_col].to_numpy(dtype=float) < 0.05
        ax.scatter(value[sig], y[sig], s=80, facecolors="none", edgecolors=cmap(gi % 10))
    ax.set_yticks(range(len(metrics)), metrics)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("share of the group's cases (dot: value, bar: interval, ring: adjusted p < 0.05)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(title="group", fontsize=8, loc="best")
    ax.set_title("Segments compared")
    return ax


@v.validate_params({"top": [v.Interval(int, 1, None)]})
def plot_graph_compare(
    comparison: GraphComparison, *, ax: matplotlib.axes.Axes | None = None, top: int = 15
) -> matplotlib.axes.Axes:
    """Draw where two graphs differ: the edges whose case shares differ most.

    A diverging bar per edge, ``share_a - share_b`` in percentage points,
    with both shares written beside it.

    Parameters
    ----------
    comparison : GraphComparison
        The result of ``graph_a.compare(graph_b)``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    top : int, default=15
        How many edges to show.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> web = jm.filter_cases(log, where=lambda t: t["channel"] == "web")
    >>> app = jm.filter_cases(log, where=lambda t: t["channel"] != "web")
    >>> ax = jm.plot_graph_compare(jm.discover(web).compare(jm.discover(app)))
    """
    edges = comparison.edges.head(top)
    la, lb = comparison.labels
    ax = _axes(ax, (10, 1.2 + 0.38 * len(edges)))
    diff = edges["diff"].to_numpy(dtype=float) * 100
    names = [f"{s} → {t}" for s, t in zip(edges["source"], edges["target"], strict=True)]
    colours = np.where(diff >= 0, "#4c72b0", "#dd8452")
    y = np.arange(len(edges))
    ax.barh(y, diff, color=colours)
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    span = max(float(np.abs(diff).max()) if len(diff) else 1.0, 1.0)
    ax.set_xlim(-1.6 * span, 1.6 * span)
    for yi, d, sa, sb in zip(y, diff, edges["share_a"], edges["share_b"], strict=True):
        ax.text(
            d + (0.03 if d >= 0 else -0.03) * span,
            float(yi),
            f"{sa:.0%} vs {sb:.0%}",
            va="center",
            ha="left" if d >= 0 else "right",
            fontsize=7,
        )
    ax.set_xlabel(f"share of cases taking the edge: {la} minus {lb} (percentage points)")
    ax.set_title(f"Where the journeys of {la} and {lb} differ")
    ax.grid(axis="x", alpha=0.3)
    return ax
