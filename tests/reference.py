"""Plain-Python reference implementations that the vectorised code is tested against.

Each section belongs to one module of journeymine and loops over cases and
events one at a time, in the most literal reading of ../shared/DESIGN.md,
so that property tests can compare them with the vectorised numpy versions
on random small logs. Keep each module's functions grouped under its own
header.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# -- shared helpers -----------------------------------------------------------


def journeys(
    log_df: pd.DataFrame,
    case: str = "case",
    activity: str = "activity",
    timestamp: str = "timestamp",
) -> dict[Any, list[Any]]:
    """The activities of each case, cases sorted by id, events by (timestamp, input row)."""
    cases = log_df[case].tolist()
    acts = log_df[activity].tolist()
    times = pd.to_datetime(log_df[timestamp]).tolist()
    rows = sorted(range(len(cases)), key=lambda i: (cases[i], times[i], i))
    out: dict[Any, list[Any]] = {}
    for i in rows:
        out.setdefault(cases[i], []).append(acts[i])
    return out


# -- conformance.py: check(method="stages") -----------------------------------

CONFORMANCE_KINDS = (
    "unknown_activity",
    "wrong_start",
    "skipped_stage",
    "stage_regression",
    "forbidden_transition",
)


def _case_deviations(case: Any, acts: list[Any], model: Any) -> list[tuple[Any, ...]]:
    """Deviations of one case, in (position, kind, stage) order."""
    stages = list(model.stages)
    required = set(model.required or ())
    loops = set(model.loops)
    rows: list[tuple[Any, ...]] = []
    prev: tuple[Any, int] | None = None  # (activity, stage index) of the previous known event
    visited: set[int] = set()
    for pos, act in enumerate(acts):
        stage = model.activities.get(act)
        prev_act = prev[0] if prev else None
        prev_stage = stages[prev[1]] if prev else None
        if stage is None:
            rows.append((case, pos, "unknown_activity", act, None, prev_act, prev_stage))
            continue
        j = stages.index(stage)
        if prev is None:
            if model.start is not None and stage not in model.start:
                rows.append((case, pos, "wrong_start", act, stage, None, None))
        else:
            i = prev[1]
            if j > i + 1:
                for k in range(i + 1, j):
                    if stages[k] in required and k not in visited:
                        rows.append(
                            (case, pos, "skipped_stage", act, stages[k], prev_act, prev_stage)
                        )
            if j < i and (stages[i], stages[j]) not in loops:
                rows.append((case, pos, "stage_regression", act, stage, prev_act, prev_stage))
            if model.transitions is not None and (prev_act, act) not in model.transitions:
                rows.append((case, pos, "forbidden_transition", act, stage, prev_act, prev_stage))
        visited.add(j)
        prev = (act, j)
    return rows


def reference_deviations(log_df: pd.DataFrame, model: Any) -> list[tuple[Any, ...]]:
    """Every deviation as ``(case, position, kind, activity, stage, previous_activity,
    previous_stage)``, sorted like ``check(...).deviations``.

    ``log_df`` has the columns ``case``, ``activity`` and ``timestamp``.
    """
    rows: list[tuple[Any, ...]] = []
    for case, acts in journeys(log_df).items():
        rows.extend(_case_deviations(case, acts, model))
    return rows


def reference_cases(log_df: pd.DataFrame, model: Any) -> list[tuple[Any, ...]]:
    """Per case ``(case, events, deviations, fitness, conforms, furthest_stage,
    first_deviation)``, in the order of ``check(...).cases``."""
    stages = list(model.stages)
    out = []
    for case, acts in journeys(log_df).items():
        devs = _case_deviations(case, acts, model)
        known = [stages.index(model.activities[a]) for a in acts if a in model.activities]
        furthest = stages[max(known)] if known else None
        fitness = max(0.0, 1.0 - len(devs) / len(acts))
        first = devs[0][2] if devs else None
        out.append((case, len(acts), len(devs), fitness, not devs, furthest, first))
    return out
