"""Pictures of retention: the cohort triangle, retention curves and time-to-return survival curves.

Every function takes ``ax=None`` and returns the Axes it drew on; none calls
``plt.show()``. :mod:`matplotlib.pyplot` is imported only when a new figure is
needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._format import duration_unit
from journeymine.errors import ParameterError
from journeymine.plot.explain import _axes, _need, _tight

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_retention", "plot_time_to_return"]

_INK = "#1f2933"
_GREY = "#9aa5b1"
_COLOURS = [
    "#3e7cb1",
    "#c05621",
    "#2f855a",
    "#6b46c1",
    "#b83280",
    "#319795",
    "#975a16",
    "#4a5568",
]
_RETENTION_COLS = ["cohort", "period", "cases", "retained", "rate", "lo", "hi"]


@v.validate_params(
    {
        "kind": [v.StrOptions(("triangle", "curves"))],
        "by": [v.StrOptions(("cohort", "segment")), None],
        "title": [v.InstanceOf(str), None],
    }
)
def plot_retention(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    kind: Literal["triangle", "curves"] = "triangle",
    by: Literal["cohort", "segment"] | None = None,
    title: str | None = None,
) -> Axes:
    """Draw a retention table: the cohort triangle as a heatmap, or retention curves with bands.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`journeymine.retention`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    kind : {"triangle", "curves"}, default="triangle"
        ``"triangle"``: one row per cohort, one column per period, the
        colour and the number the retention rate; cells not observable at
        ``as_of`` are left blank and hatched (with a ``segment`` column the
        segments are added up per cohort). ``"curves"``: retention rate
        against period with its Wilson band.
    by : {"cohort", "segment"}, optional
        Only for ``kind="curves"``: one curve per cohort (the triangle's
        rows), or per segment (the observable cohorts of each segment
        pooled period by period). Default: per segment when the table has
        segments, else all cohorts pooled into one curve.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        If ``table`` is not a retention table, ``kind`` or ``by`` is
        unknown, or ``by="segment"`` for a table without segments.

    See Also
    --------
    journeymine.retention : The table drawn.

    Notes
    -----
    A pooled curve at period ``k`` adds up the cohorts that have lived
    through period ``k`` by ``as_of``: the early periods rest on every
    cohort, the late ones on the oldest cohorts only, so the curve can
    differ from any one row of the triangle (and its band widens to the
    right).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> shop = jm.datasets.load_shop()
    >>> table = jm.retention(shop, start="Place order", back="Place order",
    ...                      period="30D", periods=6, cohort="Q")
    >>> jm.plot_retention(table).get_xlabel()
    'period since the start (30 days each)'
    >>> jm.plot_retention(table, kind="curves").get_ylabel()
    'retained (share of the cohort)'
    """
    func = "plot_retention"
    table = _need(table, _RETENTION_COLS, func, "jm.retention(log, ...)")
    if by == "segment" and "segment" not in table.columns:
        raise ParameterError(
            f"{func}(by='segment') needs a table with segments: compute it with "
            "jm.retention(log, ..., segment='<column>')."
        )
    if kind == "triangle":
        return _triangle(table, ax, title)
    return _curves(table, ax, by, title)


def _triangle(table: pd.DataFrame, ax: Any, title: str | None) -> Axes:
    from matplotlib.patches import Patch, Rectangle

    grouped = table.groupby(["cohort", "period"], sort=True, dropna=False)
    cells = grouped.agg(cases=("cases", "sum"), retained=("retained", "sum"))
    # a cohort cell is observable only when it is in every segment
    cells["retained"] = cells["retained"].where(
        ~grouped["retained"].apply(lambda s: s.isna().any())
    )
    rate = (cells["retained"] / cells["cases"]).unstack("period")
    cases = cells["cases"].unstack("period").iloc[:, 0] if len(cells) else pd.Series(dtype=float)
    n_rows, n_cols = rate.shape
    ax = _axes(
        ax,
        "plot_retention",
        (min(max(2.4 + 0.62 * n_cols, 6.5), 16), 1.6 + 0.38 * max(n_rows, 3)),
    )
    values = np.ma.masked_invalid(rate.to_numpy(dtype=float))
    image = ax.imshow(
        values,
        cmap="Blues",
        vmin=0,
        vmax=max(float(np.nanmax(rate.to_numpy(dtype=float), initial=0)), 1e-9),
        aspect="auto",
    )
    blank = np.isnan(rate.to_numpy(dtype=float))
    for i, j in zip(*np.nonzero(blank), strict=True):
        ax.add_patch(
            Rectangle(
                (j - 0.5, i - 0.5),
                1,
                1,
                facecolor="white",
                edgecolor="#cbd2d9",
                hatch="///",
                linewidth=0.0,
            )
        )
    vmax = float(np.nanmax(values.filled(np.nan), initial=0)) if values.count() else 1.0
    if n_rows * n_cols <= 400:
        for i, j in zip(*np.nonzero(~blank), strict=True):
            r = float(rate.iat[i, j])
            ax.text(
                j,
                i,
                f"{r:.0%}" if r >= 0.01 or r == 0 else "<1%",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if vmax and r > 0.6 * vmax else _INK,
            )
    ax.set_xticks(np.arange(n_cols), [str(k) for k in rate.columns])
    ax.set_yticks(
        np.arange(n_rows), [f"{c}  ({int(n):,})" for c, n in zip(rate.index, cases, strict=True)]
    )
    ax.set_xlabel(f"period since the start{_unit_note(table)}")
    ax.set_ylabel("cohort (cases)")
    ax.tick_params(labelsize=8.5)
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.ax.tick_params(labelsize=8)
    colorbar.ax.yaxis.set_major_formatter(_percent())
    colorbar.set_label("share of the cohort retained", fontsize=9)
    ax.legend(
        handles=[
            Patch(
                facecolor="white",
                edgecolor="#9aa5b1",
                hatch="///",
                label="not observable yet (blank, not 0)",
            )
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14 if n_cols else -0.1),
        frameon=False,
        fontsize=8.5,
    )
    ax.set_title(title or "Retention by cohort", fontsize=11)
    _tight(ax)
    return ax


def _unit_note(table: pd.DataFrame) -> str:
    period = table.attrs.get("period")
    if period is None:
        return ""
    days = pd.Timedelta(period) / pd.Timedelta(days=1)
    if days >= 1 and days == int(days):
        return f" ({int(days)} day{'s' if days != 1 else ''} each)"
    return f" ({pd.Timedelta(period)} each)"


def _curves(table: pd.DataFrame, ax: Any, by: Any, title: str | None) -> Axes:
    from journeymine.retention import pooled_curve

    if by is None:
        by = "segment" if "segment" in table.columns else None
    if by == "cohort" and "segment" in table.columns:
        # the segments of a cohort together: sum first, keeping unobservable cells blank
        table = _sum_segments(table)
    curves = pooled_curve(table, by=by)
    ax = _axes(ax, "plot_retention", (7.5, 4.2))
    labels = list(dict.fromkeys(curves["curve"]))
    alpha = 0.15 if len(labels) <= 3 else 0.06  # many bands: fainter, so the lines stay readable
    for i, label in enumerate(labels):
        c = curves[curves["curve"] == label]
        colour = _COLOURS[i % len(_COLOURS)]
        name = "all cohorts" if by is None else str(label)
        ax.plot(c["period"], c["rate"], marker="o", ms=3.5, color=colour, label=name, lw=1.6)
        ax.fill_between(c["period"], c["lo"], c["hi"], color=colour, alpha=alpha, lw=0)
    ax.set_xlabel(f"period since the start{_unit_note(table)}")
    ax.set_ylabel("retained (share of the cohort)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(_percent())
    ax.grid(color="#e4e7eb")
    if labels and (by is not None):
        ax.legend(frameon=False, fontsize=8, ncol=1 + len(labels) // 8, loc="upper right")
    how = "pooled over the cohorts observable at each period" if by != "cohort" else "by cohort"
    ax.set_title(title or f"Retention curve ({how}; bands: 95 % Wilson)", fontsize=10)
    _tight(ax)
    return ax


def _sum_segments(table: pd.DataFrame) -> pd.DataFrame:
    grouped = table.groupby(["cohort", "period"], sort=True)
    out = grouped.agg(cases=("cases", "sum"), retained=("retained", "sum")).reset_index()
    blank = grouped["retained"].apply(lambda s: s.isna().any()).to_numpy()
    out.loc[blank, "retained"] = np.nan
    out.attrs = dict(table.attrs)
    return out


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


@v.validate_params({"title": [v.InstanceOf(str), None]})
def plot_time_to_return(
    curve: pd.DataFrame, ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """Draw Kaplan–Meier curves of the share of customers not back yet, with their bands.

    Parameters
    ----------
    curve : pandas.DataFrame
        The result of ``jm.time_to_return(log, ..., curve=True)``, with or
        without a leading ``by`` column (one curve per value).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
        The title.

    Returns
    -------
    matplotlib.axes.Axes
        Steps from 1 at time 0 down at each return; shaded: the pointwise
        confidence band; a dashed line at one half (where the median is read).

    Raises
    ------
    ParameterError
        If ``curve`` lacks the columns of a survival curve.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import journeymine as jm
    >>> sepsis = jm.datasets.load_sepsis()
    >>> releases = [a for a in sepsis.activities if a.startswith("Release")]
    >>> curve = jm.time_to_return(sepsis, start=releases, back="Return ER", curve=True)
    >>> jm.plot_time_to_return(curve).get_ylabel()
    'not returned yet'
    """
    cols = ["time", "at_risk", "returned", "survival", "lo", "hi"]
    curve = _need(curve, cols, "plot_time_to_return", "jm.time_to_return(log, curve=True)")
    extra = [c for c in curve.columns if c not in cols]
    key = extra[0] if extra else None
    seconds = pd.to_timedelta(curve["time"]).dt.total_seconds().to_numpy(dtype=float)
    unit, size = duration_unit(seconds)
    ax = _axes(ax, "plot_time_to_return", (7.5, 4.2))
    groups = [(None, curve)] if key is None else list(curve.groupby(key, sort=False))
    for i, (label, c) in enumerate(groups):
        colour = _COLOURS[i % len(_COLOURS)]
        x = np.r_[0.0, pd.to_timedelta(c["time"]).dt.total_seconds().to_numpy(float) / size]
        ax.step(
            x,
            np.r_[1.0, c["survival"]],
            where="post",
            color=colour,
            lw=1.6,
            label=None if key is None else str(label),
        )
        ax.fill_between(
            x, np.r_[1.0, c["lo"]], np.r_[1.0, c["hi"]], step="post", color=colour, alpha=0.15, lw=0
        )
    ax.axhline(0.5, color=_GREY, lw=0.8, ls="--")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(_percent())
    words = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days"}
    ax.set_xlabel(
        f"time since the start ({words.get(unit, unit)}; customers not back yet censored)"
    )
    ax.set_ylabel("not returned yet")
    ax.grid(color="#e4e7eb")
    if key is not None:
        ax.legend(frameon=False, fontsize=8, title=str(key), title_fontsize=8)
    ax.set_title(title or "Time to return (Kaplan–Meier, 95 % band)", fontsize=10)
    _tight(ax)
    return ax
