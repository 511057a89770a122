"""How durations read to a person: one formatter for tables, plots, the report and the CLI.

At most two units, the largest first: ``"42 s"``, ``"3 min 20 s"``,
``"2 h 10 min"``, ``"4.2 d"``. Axes use :func:`duration_unit`, which picks
one unit for a whole range of values so that ticks read in it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DURATION_UNITS", "duration_unit", "format_duration", "to_seconds"]

#: (name, seconds) from the smallest to the largest unit used in pictures
DURATION_UNITS: tuple[tuple[str, float], ...] = (
    ("s", 1.0),
    ("min", 60.0),
    ("h", 3600.0),
    ("d", 86400.0),
)


def to_seconds(value: Any) -> float:
    """Seconds in ``value``: a Timedelta, a timedelta, numpy timedelta64 or a number of seconds."""
    if value is None:
        return math.nan
    if isinstance(value, (pd.Timedelta, np.timedelta64)) or hasattr(value, "total_seconds"):
        td = pd.Timedelta(value)
        return math.nan if pd.isna(td) else td.total_seconds()
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def format_duration(value: Any) -> str:
    """A duration as a person reads it, in at most two units.

    Parameters
    ----------
    value : Timedelta, timedelta, numpy.timedelta64 or float
        The duration; a plain number is in seconds. NaN/NaT/None give ``"–"``.

    Returns
    -------
    str

    Examples
    --------
    >>> from journeymine._format import format_duration
    >>> format_duration(180), format_duration(7800), format_duration(4.2 * 86400)
    ('3 min', '2 h 10 min', '4.2 d')
    >>> format_duration(0.25), format_duration(42), format_duration(200)
    ('0.25 s', '42 s', '3 min 20 s')
    """
    s = to_seconds(value)
    if math.isnan(s):
        return "–"
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s == 0:
        return "0 s"
    if s < 0.00995:  # below a hundredth of a second (log times can be that fine)
        for name, per in (("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
            if s >= per * 0.995 or name == "ns":
                x = s / per
                return f"{sign}{x:.3g} {name}" if x >= 99.5 else f"{sign}{x:.2g} {name}"
    if s < 1:
        return f"{sign}{s:.2g} s"
    if s < 59.5:
        return f"{sign}{s:.0f} s"
    if s < 600 - 0.5:  # under ten minutes: minutes and seconds
        minutes, seconds = divmod(round(s), 60)
        return f"{sign}{minutes} min" + (f" {seconds} s" if seconds else "")
    if s < 3600 - 30:  # whole minutes, up to 59
        return f"{sign}{round(s / 60)} min"
    if s < 86400 - 30:
        hours, minutes = divmod(round(s / 60), 60)
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    days = s / 86400
    if days < 9.95:
        return f"{sign}{days:.1f} d"
    return f"{sign}{days:,.0f} d"


def duration_unit(seconds: Any) -> tuple[str, float]:
    """One unit for an axis of durations: ``(name, seconds per unit)``.

    The largest unit in which the typical (median of the finite, positive)
    value is at least 1.

    Examples
    --------
    >>> from journeymine._format import duration_unit
    >>> duration_unit([30, 90, 300])
    ('min', 60.0)
    >>> duration_unit([])
    ('d', 86400.0)
    """
    values = np.asarray(seconds, dtype=float).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return DURATION_UNITS[-1]
    typical = float(np.median(values))
    chosen = DURATION_UNITS[0]
    for unit in DURATION_UNITS:
        if typical >= unit[1]:
            chosen = unit
    return chosen
