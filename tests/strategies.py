"""Hypothesis strategies for journeymine's property tests.

The strategies themselves ship with the library, in :mod:`journeymine.testing`
(so users can property-test their own pipelines with what the suite uses);
this file gives them the names the tests have always used. Add a new general
strategy to ``journeymine.testing``; a strategy only the tests need can live
here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from journeymine.model import JourneyModel
from journeymine.testing import (
    ACTIVITY_POOL,
    CHANNELS,
    JOURNEY_ACTIVITIES,
    UNKNOWN_ACTIVITIES,
    event_frames,
    logs_from_model,
    models,
    spread_duplicates,
)

__all__ = [
    "ACTIVITY_POOL",
    "SLICE_ACTIVITIES",
    "SLICE_CHANNELS",
    "UNKNOWN_ACTIVITIES",
    "journey_frames",
    "logs_for",
    "models",
    "spread_duplicates",
]

SLICE_ACTIVITIES = JOURNEY_ACTIVITIES
SLICE_CHANNELS = CHANNELS


def logs_for(
    model: JourneyModel, *, max_cases: int = 4, max_events: int = 8
) -> st.SearchStrategy[pd.DataFrame]:
    """Event tables for ``model`` (:func:`journeymine.testing.logs_from_model`, as frames)."""
    return logs_from_model(model, max_cases=max_cases, max_events=max_events, as_frame=True)


def journey_frames(max_cases: int = 8, max_events: int = 7) -> Any:
    """Event tables ``case, activity, timestamp, channel`` (:func:`journeymine.testing.event_frames`)."""
    return event_frames(max_cases=max_cases, max_events=max_events)
