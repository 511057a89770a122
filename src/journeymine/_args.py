"""Argument checks shared by the so-what analyses (impact, drift, channels, visits, ...).

Each check validates one argument at the public boundary and raises a
:class:`~journeymine.ParameterError` whose message says what was given and
how to fix it. They work on :class:`~journeymine._kernel.LogMeta` so both log
kinds are checked the same way, before any event is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from journeymine._kernel import LogMeta
from journeymine.errors import ParameterError
from journeymine.model import JourneyModel

DEFAULT_OPEN_WINDOW = pd.Timedelta(days=30)


def model_arg(model: Any, func: str, *, optional: bool = False) -> JourneyModel | None:
    """``model`` if it is a JourneyModel (or None when optional)."""
    if model is None and optional:
        return None
    if not isinstance(model, JourneyModel):
        raise ParameterError(
            f"The 'model' parameter of {func}() must be a JourneyModel"
            f"{' or None' if optional else ''}. Got {type(model).__name__} instead. Build one "
            "with jm.JourneyModel(stages=[...], activities={...}) or "
            "jm.JourneyModel.from_yaml(path)."
        )
    return model


def bool_arg(value: Any, name: str, func: str) -> bool:
    """``value`` if it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be True or False. Got {value!r} instead."
        )
    return bool(value)


def activity_list(value: Any, name: str, func: str) -> tuple[Any, ...] | None:
    """None, or the activities given as one label or an iterable of labels."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        return tuple(value)
    raise ParameterError(
        f"The {name!r} parameter of {func}() must be an activity or a list of activities. "
        f"Got {value!r} instead, e.g. pass {name}=['Place order']."
    )


def level_arg(ci: Any, func: str, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(ci, bool) or not isinstance(ci, (int, float, np.number)) or not 0 < ci < 1:
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a confidence level between 0 and 1 "
            f"(exclusive). Got {ci!r} instead, e.g. {name}=0.95."
        )
    return float(ci)


def as_of_arg(as_of: Any, meta: LogMeta, func: str) -> int:
    """``as_of`` as int64 UTC nanoseconds, not before the log's last event."""
    if isinstance(as_of, (bool, int, float, np.number)):
        raise ParameterError(
            f"The 'as_of' parameter of {func}() must be a timestamp or a date string. "
            f"Got {as_of!r} instead, e.g. as_of='2026-01-01'."
        )
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'as_of' parameter of {func}() must be a timestamp or a date string. "
            f"Got {as_of!r} instead ({exc}), e.g. as_of='2026-01-01'."
        ) from exc
    if ts is pd.NaT:
        raise ParameterError(f"The 'as_of' parameter of {func}() must not be NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    ns = int(ts.as_unit("ns").value)
    if meta.time_max is not None and ns < meta.time_max:
        last = meta.timestamp_of(meta.time_max)
        raise ParameterError(
            f"The 'as_of' parameter of {func}() is {ts} (UTC), before the log's last event at "
            f"{last}. as_of is when the data was extracted: pass a time at or after the last "
            f"event, e.g. as_of={str(last.ceil('D').date())!r}, or select the events up to "
            "as_of first."
        )
    return ns


def window_arg(open_window: Any, func: str) -> int:
    """``open_window`` as non-negative int64 nanoseconds (30 days by default)."""
    if open_window is None:
        return int(DEFAULT_OPEN_WINDOW.value)
    if isinstance(open_window, (bool, int, float, np.number)):
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {open_window!r} instead."
        )
    try:
        window = pd.Timedelta(open_window)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {open_window!r} instead ({exc})."
        ) from exc
    if window is pd.NaT or window < pd.Timedelta(0):
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a non-negative duration. "
            f"Got {open_window!r} instead."
        )
    return int(window.value)


def datetimes(ns: np.ndarray, tz_aware: bool) -> pd.DatetimeIndex:
    """int64 UTC nanoseconds (int64 min = NaT) as datetimes, UTC-aware if asked."""
    out = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return out.tz_localize("UTC") if tz_aware else out
