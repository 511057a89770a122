"""Hypothesis strategies for journeymine's property tests.

Keep each strategy small and documented; others may add to this file.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from journeymine.model import JourneyModel

# -- how many examples ------------------------------------------------------------------

#: ``JOURNEYMINE_EXAMPLES=full`` (CI) runs every property test with the examples it asks
#: for; by default (a contributor's quick run) each runs a fifth of them, at least 5.
FULL_EXAMPLES = os.environ.get("JOURNEYMINE_EXAMPLES", "fast") == "full"


def examples(n: int) -> int:
    """The ``max_examples`` of a property test that asks for ``n`` (see FULL_EXAMPLES)."""
    return n if FULL_EXAMPLES else max(5, n // 5)


# -- helpers -------------------------------------------------------------------


def spread_duplicates(df: pd.DataFrame, case: str, activity: str, timestamp: str) -> pd.DataFrame:
    """Move exact duplicate events (same case, activity and time) apart by whole seconds.

    journeymine warns about exact duplicates (they usually come from loading
    data twice), and the tests treat that warning as an error; the k-th copy
    of an event moves k seconds later, so ties between different activities
    and runs of one activity (self-loops) stay in the data.
    """
    k = df.groupby([case, activity, timestamp], sort=False).cumcount().to_numpy()
    if not k.any():
        return df
    out = df.copy()
    out[timestamp] = out[timestamp] + pd.to_timedelta(k, unit="s")
    return out


# -- models and the logs they judge -------------------------------------------

ACTIVITY_POOL = ("a", "b", "c", "d", "e", "f")
UNKNOWN_ACTIVITIES = ("x", "y")


@st.composite
def models(draw: Any, max_stages: int = 5) -> JourneyModel:
    """Small random JourneyModels: stages ``S0..``, activities from ``a..f``.

    Each has a random subset of required stages (maybe none), start stages
    or None, allowed loops among the backward stage pairs, and allowed
    transitions or None.
    """
    n = draw(st.integers(1, max_stages))
    stages = [f"S{i}" for i in range(n)]
    acts = draw(st.lists(st.sampled_from(ACTIVITY_POOL), unique=True, max_size=len(ACTIVITY_POOL)))
    activities = {a: draw(st.sampled_from(stages)) for a in acts}
    required = draw(st.lists(st.sampled_from(stages), unique=True))
    start = draw(st.none() | st.lists(st.sampled_from(stages), unique=True, min_size=1))
    backward = [(stages[i], stages[j]) for i in range(n) for j in range(i)]
    loops = draw(st.lists(st.sampled_from(backward), unique=True)) if backward else []
    transitions = None
    if acts and draw(st.booleans()):
        pairs = [(a, b) for a in acts for b in acts]
        transitions = draw(st.lists(st.sampled_from(pairs), unique=True))
    return JourneyModel(
        stages=stages,
        activities=activities,
        required=required,
        start=start,
        loops=loops,
        transitions=transitions,
    )


def logs_for(
    model: JourneyModel, *, max_cases: int = 4, max_events: int = 8
) -> st.SearchStrategy[pd.DataFrame]:
    """Small event tables for ``model``: columns ``case``, ``activity``, ``timestamp``.

    Activities are the model's plus a few it does not know; timestamps are
    minutes with many ties (exact duplicates spread by seconds, see
    :func:`spread_duplicates`), and the rows are shuffled.
    """
    pool = sorted(model.activities) + list(UNKNOWN_ACTIVITIES)

    @st.composite
    def _logs(draw: Any) -> pd.DataFrame:
        n_cases = draw(st.integers(1, max_cases))
        cases: list[str] = []
        acts: list[str] = []
        minutes: list[int] = []
        for c in range(n_cases):
            size = draw(st.integers(1, max_events))
            cases += [f"c{c}"] * size
            acts += draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
            minutes += draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))
        perm = draw(st.permutations(range(len(cases))))
        df = pd.DataFrame(
            {
                "case": [cases[i] for i in perm],
                "activity": [acts[i] for i in perm],
                "timestamp": pd.Timestamp("2025-01-01")
                + pd.to_timedelta([minutes[i] for i in perm], unit="min"),
            }
        )
        return spread_duplicates(df, "case", "activity", "timestamp")

    return _logs()


# -- plain journeys with a channel, for slicing ------------------------------------------

SLICE_ACTIVITIES = ("ad", "view", "cart", "buy", "return")
SLICE_CHANNELS = ("web", "app", "store")


@st.composite
def journey_frames(draw: Any, max_cases: int = 8, max_events: int = 7) -> pd.DataFrame:
    """Event tables ``case, activity, timestamp, channel``: few activities, ties in time, and a
    channel that sometimes changes within a case; rows shuffled."""
    n_cases = draw(st.integers(1, max_cases))
    rows: list[tuple[str, str, pd.Timestamp, str]] = []
    for c in range(n_cases):
        size = draw(st.integers(1, max_events))
        day = draw(st.integers(0, 20))
        for _ in range(size):
            rows.append(
                (
                    f"c{c}",
                    draw(st.sampled_from(SLICE_ACTIVITIES)),
                    pd.Timestamp("2025-01-01")
                    + pd.Timedelta(days=day)
                    + pd.Timedelta(hours=draw(st.integers(0, 60))),
                    draw(st.sampled_from(SLICE_CHANNELS)),
                )
            )
    perm = draw(st.permutations(range(len(rows))))
    return pd.DataFrame(
        [rows[i] for i in perm], columns=["case", "activity", "timestamp", "channel"]
    )
