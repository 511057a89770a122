"""JourneyModel: the designed reference journey, its stage templates and loaders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from journeymine.errors import ModelError

__all__ = ["JourneyModel"]


@dataclass(frozen=True, eq=True, repr=False)
class JourneyModel:
    """The designed ("to-be") customer journey: stages in order and the touchpoints in each.

    Parameters
    ----------
    stages : sequence of str
        The stages in their designed order.
    activities : mapping of str to str
        The stage of each activity (touchpoint). Activities not listed are
        ``unknown_activity`` deviations when checking a log.
    required : sequence of str, optional
        Stages a journey must not skip. Default: every stage.
    start : sequence of str, optional
        Stages a journey may start in. Default: any.
    loops : sequence of (str, str), optional
        Allowed backward moves ``(from_stage, to_stage)``.
    transitions : sequence of (str, str), optional
        If given, the only allowed directly-follows activity pairs.
    purchase, returns : sequence of str, optional
        Activities that are purchases and returns.
    name : str, optional
        A name for reports.

    Examples
    --------
    >>> import journeymine as jm
    >>> model = jm.JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ...     purchase=["buy"],
    ... )
    >>> model.stage_of("view")
    'Consideration'
    """

    stages: tuple[str, ...]
    activities: Mapping[str, str]
    required: tuple[str, ...] | None = None
    start: tuple[str, ...] | None = None
    loops: tuple[tuple[str, str], ...] = ()
    transitions: frozenset[tuple[str, str]] | None = None
    purchase: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()
    name: str | None = None
    petri_net: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "stages", tuple(self.stages))
        set_(self, "activities", dict(self.activities))
        set_(self, "required", tuple(self.stages if self.required is None else self.required))
        if self.start is not None:
            set_(self, "start", tuple(self.start))
        set_(self, "loops", tuple(tuple(p) for p in self.loops))
        if self.transitions is not None:
            set_(self, "transitions", frozenset(tuple(p) for p in self.transitions))
        set_(self, "purchase", _as_tuple(self.purchase))
        set_(self, "returns", _as_tuple(self.returns))
        self._validate()

    def _validate(self) -> None:
        if not self.stages:
            raise ModelError("A JourneyModel needs at least one stage; got stages=[].")
        seen: set[str] = set()
        for s in self.stages:
            if s in seen:
                raise ModelError(f"Stage {s!r} is listed twice in stages={list(self.stages)}.")
            seen.add(s)
        known = set(self.stages)
        for act, stage in self.activities.items():
            if stage not in known:
                raise ModelError(
                    f"Activity {act!r} is mapped to stage {stage!r}, which is not in stages="
                    f"{list(self.stages)}. Add the stage or fix the mapping."
                )
        for what, items in (("required", self.required), ("start", self.start or ())):
            for s in items:
                if s not in known:
                    raise ModelError(
                        f"{what} lists stage {s!r}, which is not in stages={list(self.stages)}."
                    )
        for pair in self.loops:
            if len(pair) != 2 or any(s not in known for s in pair):
                raise ModelError(
                    f"Loop {pair!r} must be a (from_stage, to_stage) pair of stages in "
                    f"{list(self.stages)}."
                )

    # -- lookups ----------------------------------------------------------
    def stage_of(self, activity: Any) -> str | None:
        """The stage of an activity, or None if the model does not know it."""
        return self.activities.get(activity)

    def stage_index(self, stage: str) -> int:
        """Position of a stage in :attr:`stages`."""
        return self.stages.index(stage)

    def event_stages(self, log: Any) -> np.ndarray:
        """Stage index (in :attr:`stages`) of each event of a log; -1 for unknown activities.

        Parameters
        ----------
        log : JourneyLog

        Returns
        -------
        numpy.ndarray
            int64, one per event, in log order.
        """
        order = {s: i for i, s in enumerate(self.stages)}
        table = np.array(
            [order.get(self.activities.get(a), -1) for a in log.activity_labels], dtype=np.int64
        )
        if table.size == 0:
            return np.empty(0, dtype=np.int64)
        return table[log.activity_codes]

    def activity_mask(self, log: Any, activities: Iterable[Any]) -> np.ndarray:
        """Boolean mask of the events whose activity is in ``activities``."""
        wanted = set(activities)
        table = np.array([a in wanted for a in log.activity_labels], dtype=bool)
        return table[log.activity_codes] if table.size else np.zeros(0, dtype=bool)

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"JourneyModel({name}stages={list(self.stages)}, "
            f"activities={len(self.activities)}, loops={len(self.loops)})"
        )


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
