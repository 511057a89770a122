"""The views of time: the dotted chart, the performance spectrum and activity over time.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._format import duration_unit, format_duration
from journeymine.errors import ParameterError
from journeymine.plot._base import _INK, _check_ax, _mathtext_safe, _new_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.log import JourneyLog

__all__ = ["plot_activity_over_time", "plot_dotted_chart", "plot_performance_spectrum"]

_MAX_COLOURS = 20  # tab20; further values are drawn grey as "other"
_OTHER = "(other)"


def _label(value: Any) -> str:
    return _mathtext_safe("(missing)" if value is None or pd.isna(value) else str(value))


def _as_dates(ns: np.ndarray) -> np.ndarray:
    """int64 UTC ns as datetime64 for matplotlib's date axis (UTC, naive)."""
    return np.asarray(ns, dtype=np.int64).view("datetime64[ns]")


# -- dotted chart ----------------------------------------------------------------------
@v.validate_params(
    {
        "x": [v.StrOptions(("absolute", "relative"))],
        "sort": [v.StrOptions(("start", "duration", "events"))],
        "max_cases": [v.Interval(int, 1, None)],
    }
)
def plot_dotted_chart(
    log: JourneyLog,
    *,
    x: Literal["absolute", "relative"] = "absolute",
    color: str = "activity",
    sort: Literal["start", "duration", "events"] = "start",
    max_cases: int = 2000,
    ax: Axes | None = None,
) -> Axes:
    """Draw every event as a dot: one row per case, time along the x axis.

    The dotted chart of pm4py and bupaR: the rows are the cases, sorted,
    the dots their events, coloured by activity or by another column.

    Parameters
    ----------
    log : JourneyLog
        The event log (a Dask-backed log is collected first).
    x : {"absolute", "relative"}, default="absolute"
        The event's time (UTC), or the time since its case's first event.
    color : str, default="activity"
        ``"activity"`` or a column of the log; each value gets a colour (the
        20 most frequent; the rest are grey, as ``(other)``).
    sort : {"start", "duration", "events"}, default="start"
        Order of the rows, top to bottom: by the case's first event, its
        duration (first to last event) or its number of events, ascending
        (ties in log order).
    max_cases : int, default=2000
        Draw at most this many cases. With more, a sample of ``max_cases``
        cases drawn with a fixed seed (the same every time) is shown, and
        the title says so.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        An unknown ``x`` or ``sort``, a ``max_cases`` that is not a positive
        int, or a log that is not a JourneyLog.
    LogError
        If ``color`` is not a column of the log.

    See Also
    --------
    plot_performance_spectrum : The time between two activities, occurrence by occurrence.
    activity_over_time : Events and cases per period.

    Examples
    --------
    >>> import journeymine as jm
    >>> ax = jm.plot_dotted_chart(jm.datasets.load_shop(), x="relative", sort="duration",
    ...                           max_cases=200)
    >>> ax.get_title()
    'Dotted chart: 200 of 6,000 cases (sampled with a fixed seed), by duration'
    """
    from journeymine.timeline import dotted_points, in_memory

    func = "plot_dotted_chart"
    max_cases = int(max_cases)
    _check_ax(ax, func)
    log = in_memory(log, func)
    column = log.activity if color == "activity" else color
    if column not in log.columns and color == "channel" and log.channel is not None:
        column = log.channel
    v.check_column(log.meta, column, "requested")
    rows, events, n_total = dotted_points(log, sort=sort, max_cases=max_cases)
    row_of = np.full(log.n_cases, -1, dtype=np.int64)
    row_of[rows] = np.arange(rows.size)
    case = log.case_codes[events]
    y = row_of[case]
    if x == "absolute":
        xs: np.ndarray = _as_dates(log.time[events])
        unit_name = ""
    else:
        since = log.time[events] - log.time[log.case_offsets[:-1]][case]
        unit_name, per = duration_unit(since / 1e9)
        xs = since / 1e9 / per
    codes, labels = log.codes(column)
    codes = codes[events]
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    top = [int(i) for i in np.argsort(-counts, kind="stable")[:_MAX_COLOURS] if counts[i] > 0]
    if len(top) == _MAX_COLOURS and (counts > 0).sum() > _MAX_COLOURS:
        top = top[: _MAX_COLOURS - 1]
    top.sort()  # legend in the labels' order

    import matplotlib

    cmap = matplotlib.colormaps["tab20" if len(top) > 10 else "tab10"]
    height = min(9.0, 3.0 + rows.size * 0.02)
    ax = ax if ax is not None else _new_axes((10.0, height))
    size = float(np.clip(3000.0 / max(rows.size, 1), 2.0, 30.0))
    drawn = np.zeros(events.size, dtype=bool)
    for k, code in enumerate(top):
        mine = codes == code
        drawn |= mine
        ax.scatter(
            xs[mine], y[mine], s=size, color=cmap(k % cmap.N), label=_label(labels[code]), lw=0
        )
    if (~drawn).any():
        ax.scatter(xs[~drawn], y[~drawn], s=size, color="#b0b7bf", label=_OTHER, lw=0)
    ax.set_ylim(rows.size - 0.5, -0.5)  # the first case at the top
    ax.set_yticks([])
    ax.set_ylabel(f"cases ({rows.size:,}), sorted by {sort}", fontsize=9)
    ax.set_xlabel(
        "time (UTC)" if x == "absolute" else f"time since the case's first event ({unit_name})",
        fontsize=9,
    )
    shown = (
        f"{rows.size:,} of {n_total:,} cases (sampled with a fixed seed)"
        if rows.size < n_total
        else f"{n_total:,} cases"
    )
    ax.set_title(f"Dotted chart: {shown}, by {sort}", fontsize=10)
    ax.legend(
        title=_label(color),
        fontsize=8,
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        markerscale=max(1.0, 20.0 / size) ** 0.5,
    )
    if x == "absolute":
        ax.figure.autofmt_xdate()
    ax.tick_params(labelsize=8)
    return ax


# -- performance spectrum --------------------------------------------------------------
@v.validate_params({"classify": [v.StrOptions(("quartile", "none"))]})
def plot_performance_spectrum(
    log: JourneyLog,
    segments: Sequence[tuple[Any, Any]],
    *,
    classify: Literal["quartile", "none"] = "quartile",
    ax: Axes | None = None,
) -> Axes:
    """Draw how long each step between two activities took, occurrence by occurrence.

    For each segment ``(a, b)``, every occurrence of ``a`` directly followed
    by ``b`` in a case is a line from its time on the segment's upper axis
    (``a``) to its time on the lower axis (``b``): steep lines are fast,
    slanted ones slow, and bands of lines show batching, queues and
    changes over time (Denisov et al.'s performance spectrum, bupaR's
    psmineR).

    Parameters
    ----------
    log : JourneyLog
        The event log (a Dask-backed log is collected first).
    segments : list of (a, b)
        The pairs of activities, drawn top to bottom.
    classify : {"quartile", "none"}, default="quartile"
        Colour the lines by the quartile of their duration within their
        segment (fastest quarter to slowest), or draw them all alike.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        ``segments`` that is not a list of pairs, an activity the log does
        not have, or an unknown ``classify``.

    See Also
    --------
    plot_dotted_chart : Every event of every case.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> ax = jm.plot_performance_spectrum(log, [("Start checkout", "Pay"), ("Pay", "Place order")])
    >>> len(ax.collections)  # one set of lines per segment and quartile
    8
    """
    from journeymine.filters import check_known_activities
    from journeymine.timeline import in_memory, segment_occurrences

    func = "plot_performance_spectrum"
    _check_ax(ax, func)
    pairs = _segments_arg(segments, func)
    log = in_memory(log, func)
    check_known_activities(log, [a for p in pairs for a in p], "segments", func)
    occ = segment_occurrences(log, pairs)

    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.dates import date2num

    gap = 0.35  # between one segment's lower axis and the next one's upper axis
    height = 1.0
    ax = ax if ax is not None else _new_axes((10.0, 1.0 + 1.6 * len(pairs)))
    cmap = matplotlib.colormaps["viridis"]
    names = ["fastest 25%", "25-50%", "50-75%", "slowest 25%"]
    colours = [cmap(v) for v in (0.9, 0.62, 0.35, 0.05)]
    lo_t = occ["start"].min() if len(occ) else (log.time.min() if log.n_events else 0)
    hi_t = occ["end"].max() if len(occ) else (log.time.max() if log.n_events else 1)
    ticks, tick_labels = [], []
    used_class = set()
    for i, (a, b) in enumerate(pairs):
        top = i * (height + gap)
        bottom = top + height
        mine = occ[occ["segment"] == i]
        ticks += [top, bottom]
        tick_labels += [_label(a), _label(b)]
        ax.axhline(top, color="#9aa5b1", lw=0.6)
        ax.axhline(bottom, color="#9aa5b1", lw=0.6)
        start = date2num(_as_dates(mine["start"].to_numpy()))
        end = date2num(_as_dates(mine["end"].to_numpy()))
        lines = (
            np.stack(
                [
                    np.column_stack([start, np.full(start.size, top)]),
                    np.column_stack([end, np.full(end.size, bottom)]),
                ],
                axis=1,
            )
            if start.size
            else np.empty((0, 2, 2))
        )
        if classify == "none":
            ax.add_collection(LineCollection(list(lines), colors=_INK, linewidths=0.6, alpha=0.5))
            continue
        cls = _quartile_class(mine["duration"].to_numpy())
        for q in range(4):
            part = lines[cls == q]
            label = names[q] if q not in used_class and part.size else None
            if label:
                used_class.add(q)
            ax.add_collection(
                LineCollection(
                    list(part), colors=[colours[q]], linewidths=0.6, alpha=0.6, label=label
                )
            )
        if len(mine):
            median = format_duration(pd.Timedelta(int(np.median(mine["duration"])), "ns"))
            ax.text(
                1.005,
                1 - (top + height / 2) / (len(pairs) * (height + gap) - gap),
                f"{len(mine):,} times\nmedian {median}",
                transform=ax.transAxes,
                fontsize=8,
                va="center",
                color=_INK,
            )
    span = max(int(hi_t) - int(lo_t), 1)
    ax.set_xlim(date2num(_as_dates(np.array([int(lo_t) - span // 50, int(hi_t) + span // 50]))))
    ax.xaxis_date()
    ax.set_ylim(len(pairs) * (height + gap) - gap + 0.05, -0.05)
    ax.set_yticks(ticks, tick_labels, fontsize=8)
    ax.set_xlabel("time (UTC)", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(
        f"Performance spectrum: {len(occ):,} occurrences of {len(pairs)} segment"
        f"{'s' if len(pairs) != 1 else ''}",
        fontsize=10,
    )
    if classify == "quartile" and used_class:
        ax.legend(
            title="duration within its segment",
            fontsize=8,
            title_fontsize=8,
            loc="upper left",
            bbox_to_anchor=(0.0, -0.18),
            ncols=4,
            frameon=False,
        )
    ax.figure.autofmt_xdate()
    return ax


def _quartile_class(duration: np.ndarray) -> np.ndarray:
    """0..3: the quartile of each duration among its segment's (ties to the lower class)."""
    if duration.size == 0:
        return np.empty(0, dtype=np.int64)
    cuts = np.quantile(duration.astype(float), [0.25, 0.5, 0.75])
    return np.searchsorted(cuts, duration.astype(float), side="left").astype(np.int64)


def _segments_arg(segments: Any, func: str) -> list[tuple[Any, Any]]:
    bad = (
        isinstance(segments, (str, bytes))
        or not isinstance(segments, Sequence)
        or len(segments) == 0
        or any(
            isinstance(p, (str, bytes)) or not isinstance(p, Sequence) or len(p) != 2
            for p in segments
        )
    )
    if bad:
        raise ParameterError(
            f"The 'segments' parameter of {func}() must be a non-empty list of pairs of "
            f"activities (a, b). Got {segments!r} instead, e.g. "
            "segments=[('Start checkout', 'Pay')]."
        )
    return [(p[0], p[1]) for p in segments]


# -- activity over time ----------------------------------------------------------------
def plot_activity_over_time(
    data: Any,
    *,
    freq: str = "W",
    by: str | None = None,
    column: str = "active_cases",
    ax: Axes | None = None,
) -> Axes:
    """Draw events and cases per period: the table of :func:`journeymine.activity_over_time`.

    Parameters
    ----------
    data : pandas.DataFrame or JourneyLog
        A table from :func:`journeymine.activity_over_time`, or a log (then
        the table is computed with ``freq`` and ``by``).
    freq : str, default="W"
        With a log: the period.
    by : str, optional
        With a log: split by this column.
    column : str, default="active_cases"
        With a split table: the count drawn, one line per value. Without a
        split, ``active_cases``, ``new_cases`` and ``ended_cases`` are drawn
        as lines and ``events`` as grey bars on a second scale.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ParameterError
        A table without the columns of ``activity_over_time``, or an unknown
        ``column``.

    Examples
    --------
    >>> import journeymine as jm
    >>> ax = jm.plot_activity_over_time(jm.datasets.load_shop(), freq="W")
    >>> [line.get_label() for line in ax.get_lines()]
    ['active cases', 'new cases', 'ended cases']
    """
    from journeymine.timeline import activity_over_time

    func = "plot_activity_over_time"
    _check_ax(ax, func)
    counts = ("events", "active_cases", "new_cases", "ended_cases")
    if not isinstance(data, pd.DataFrame):  # a log of either kind (else the analysis says so)
        data = activity_over_time(data, freq, by=by)
    if not isinstance(data, pd.DataFrame) or not {"period", *counts} <= set(data.columns):
        raise ParameterError(
            f"{func}() draws the table of jm.activity_over_time(log) (columns period, events, "
            f"active_cases, new_cases, ended_cases) or a log. Got {type(data).__name__}"
            f"{' with columns ' + str(list(data.columns)) if isinstance(data, pd.DataFrame) else ''}."
        )
    v.check_option("column", column, counts, func)
    extra = [c for c in data.columns if c not in ("period", *counts)]
    starts = pd.PeriodIndex(data["period"]).start_time
    ax = ax if ax is not None else _new_axes((10.0, 4.2))
    if extra:
        split = extra[0]
        import matplotlib

        cmap = matplotlib.colormaps["tab10"]
        for k, (value, rows) in enumerate(data.groupby(split, sort=False)):
            ax.plot(
                starts[rows.index],
                rows[column],
                marker=".",
                color=cmap(k % 10),
                label=_label(value),
            )
        ax.set_ylabel(column.replace("_", " "), fontsize=9)
        ax.legend(
            title=_label(split),
            fontsize=8,
            title_fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
    else:
        bars = ax.twinx()
        width = np.diff(starts.to_numpy()).min() * 0.8 if len(starts) > 1 else pd.Timedelta("1D")
        bars.bar(starts, data["events"], width=width, align="edge", color="#d9dee4", zorder=0)
        bars.set_ylabel("events (grey bars)", fontsize=9, color="#7b8794")
        bars.tick_params(labelsize=8, colors="#7b8794")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        for name, colour in (
            ("active_cases", "#243b53"),
            ("new_cases", "#2f855a"),
            ("ended_cases", "#c53030"),
        ):
            ax.plot(starts, data[name], marker=".", color=colour, label=name.replace("_", " "))
        ax.set_ylabel("cases", fontsize=9)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    freqstr = getattr(data["period"].dtype, "freq", None)
    ax.set_xlabel(
        f"period start{f' ({freqstr.freqstr})' if freqstr is not None else ''}", fontsize=9
    )
    ax.set_title("Activity over time", fontsize=10)
    ax.tick_params(labelsize=8)
    ax.figure.autofmt_xdate()
    return ax
