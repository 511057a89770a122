"""Plain-Python reference implementations that the vectorised code is tested against.

Each section belongs to one module of journeymine. The references loop over
cases and events one at a time, in the most literal reading of
../shared/DESIGN.md, so that property tests can compare them with the
vectorised numpy versions on random small logs.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# -- patterns.py: find_loops, funnel -----------------------------------------


def order_events(
    cases: Sequence[Any], activities: Sequence[Any], times: Sequence[Any]
) -> dict[Any, list[tuple[Any, Any]]]:
    """Events per case as ``[(activity, time), ...]`` in log order.

    Cases come out sorted by id; the events of a case by time, ties keeping
    the input row order.
    """
    rows = sorted(range(len(cases)), key=lambda i: (cases[i], times[i], i))
    out: dict[Any, list[tuple[Any, Any]]] = {}
    for i in rows:
        out.setdefault(cases[i], []).append((activities[i], times[i]))
    return out


def reference_loops(
    journeys: Mapping[Any, Sequence[tuple[Any, Any]]],
    *,
    purchase: Iterable[Any] = (),
    returns: Iterable[Any] = (),
    stage_of: Mapping[Any, int] | None = None,
    allowed: Iterable[tuple[int, int]] = (),
) -> list[tuple[Any, int, str, Any]]:
    """Every loop as ``(case, position, kind, detail)``, sorted like ``find_loops``.

    ``detail`` is the run length for self-loops, the time since the previous
    purchase for repeat purchases, ``(from, to, allowed)`` stage indices for
    regressions, and None otherwise. ``stage_of`` maps activities to stage
    indices; activities missing from it are unknown.
    """
    kinds = ["self_loop", "rework", "return", "repeat_purchase", "stage_regression"]
    buy, ret, ok = set(purchase), set(returns), set(allowed)
    found: list[tuple[Any, int, str, Any]] = []
    for case, events in journeys.items():
        acts = [a for a, _ in events]
        # self-loops: maximal runs of length >= 2
        i = 0
        while i < len(acts):
            j = i
            while j + 1 < len(acts) and acts[j + 1] == acts[i]:
                j += 1
            if j > i:
                found.append((case, i, "self_loop", j - i + 1))
            i = j + 1
        # rework
        for i, act in enumerate(acts):
            if act in acts[:i] and acts[i - 1] != act:
                found.append((case, i, "rework", None))
        # returns and repeat purchases
        previous_purchase = None
        for i, (act, time) in enumerate(events):
            if act in ret and previous_purchase is not None:
                found.append((case, i, "return", None))
            if act in buy:
                if previous_purchase is not None:
                    found.append((case, i, "repeat_purchase", time - previous_purchase))
                previous_purchase = time
        # stage regressions between consecutive known events
        if stage_of is not None:
            last = None
            for i, act in enumerate(acts):
                if act not in stage_of:
                    continue
                stage = stage_of[act]
                if last is not None and stage < last:
                    found.append((case, i, "stage_regression", (last, stage, (last, stage) in ok)))
                last = stage
    cases_in_order = {case: k for k, case in enumerate(journeys)}
    found.sort(key=lambda row: (cases_in_order[row[0]], row[1], kinds.index(row[2])))
    return found


def reference_funnel(
    journeys: Mapping[Any, Sequence[tuple[Any, Any]]],
    stage_of: Mapping[Any, int],
    n_stages: int,
) -> list[dict[str, Any]]:
    """Per stage: ``reached``, ``dropped_out`` and ``median_time_to_reach``.

    The median is of the time from the case's first event to its first event
    in the stage, over the cases that reach it (None if no case does).
    """
    rows = []
    for stage in range(n_stages):
        reached, dropped, delays = 0, 0, []
        for events in journeys.values():
            stages = [stage_of[a] for a, _ in events if a in stage_of]
            times = [t for a, t in events if stage_of.get(a, -1) == stage]
            if times:
                reached += 1
                delays.append(times[0] - events[0][1])
            if stages and max(stages) == stage:
                dropped += 1
        rows.append(
            {
                "reached": reached,
                "dropped_out": dropped,
                "median_time_to_reach": statistics.median(delays) if delays else None,
            }
        )
    return rows
