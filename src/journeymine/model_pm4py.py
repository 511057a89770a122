"""Designed journeys from pm4py Petri nets and BPMN files (pm4py is imported on use).

:meth:`JourneyModel.from_petri_net <journeymine.JourneyModel.from_petri_net>` and
:meth:`~journeymine.JourneyModel.from_bpmn` call these functions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from journeymine.errors import MissingDependencyError, ModelError, ParameterError
from journeymine.model_io import sort_key

__all__ = ["petri_net_args", "read_bpmn"]

_PM4PY_HINT = 'Install it with: pip install "journeymine[pm4py]".'


def petri_net_args(
    net: Any,
    im: Any,
    fm: Any,
    *,
    stages: Iterable[str] | None = None,
    activities: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The :class:`~journeymine.JourneyModel` arguments of a Petri net (see ``from_petri_net``)."""
    _require_pm4py("JourneyModel.from_petri_net()")
    if not hasattr(net, "transitions") or not hasattr(net, "places"):
        raise ParameterError(
            "The 'net' parameter of from_petri_net() must be a pm4py PetriNet. "
            f"Got {type(net).__name__} instead."
        )
    levels, succ = _net_levels(net, im)
    if not levels:
        raise ModelError(
            "The Petri net has no visible (labelled) transition, so the model would have no "
            "activity. Label the transitions with the touchpoints."
        )
    labels = sorted(levels, key=lambda a: (levels[a], sort_key(a)))
    stage_names = None if stages is None else list(stages)
    if activities is None:
        n_levels = max(levels.values()) + 1
        if stage_names is None:
            stage_names = [f"Stage {k + 1}" for k in range(n_levels)]
        elif len(stage_names) != n_levels:
            raise ModelError(
                f"The Petri net has {n_levels} levels (depths of its visible transitions), "
                f"but {len(stage_names)} stage names were given: {stage_names}. Pass "
                f"{n_levels} names, or pass activities={{label: stage}} for your own grouping."
            )
        mapping = {a: stage_names[levels[a]] for a in labels}
    else:
        mapping = dict(activities)
        missing = [a for a in labels if a not in mapping]
        if missing:
            raise ModelError(
                f"The Petri net's visible transitions {missing} have no stage in "
                "activities. Map every label to a stage."
            )
        if stage_names is None:
            first: dict[str, int] = {}
            for a in labels:
                first.setdefault(mapping[a], levels[a])
            extra = [s for s in mapping.values() if s not in first]
            stage_names = sorted(first, key=first.__getitem__) + list(dict.fromkeys(extra))
    order = {s: i for i, s in enumerate(stage_names)}
    loops: list[tuple[str, str]] = []
    for a in labels:
        for b in sorted(succ[a], key=sort_key):
            sa, sb = mapping[a], mapping[b]
            if sa in order and sb in order and order[sb] < order[sa] and (sa, sb) not in loops:
                loops.append((sa, sb))
    first_stages = {mapping[a] for a in labels if levels[a] == 0}
    params: dict[str, Any] = {
        "loops": loops,
        "start": [s for s in stage_names if s in first_stages],
    }
    params["stages"] = tuple(stage_names)
    params["activities"] = mapping
    return params


def read_bpmn(path: str | Path) -> tuple[Any, Any, Any, str]:
    """A BPMN file as a Petri net ``(net, im, fm)`` and the file's stem."""
    pm4py = _require_pm4py("JourneyModel.from_bpmn()")
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"BPMN file {str(p)!r} not found. Check the path.")
    _refuse_declarations(p)
    try:
        bpmn = pm4py.read_bpmn(str(p))
        net, im, fm = pm4py.convert_to_petri_net(bpmn)
    except Exception as exc:  # pm4py raises bare exceptions on bad files
        raise ModelError(
            f"Could not read {str(p)!r} as a BPMN 2.0 model: {type(exc).__name__}: {exc}"
        ) from exc
    return net, im, fm, p.stem


def _refuse_declarations(p: Path) -> None:
    """Refuse a BPMN file that declares a DTD or entities, before any other parser sees it.

    External entities read local files or URLs and nested ones blow up in
    memory (XXE, billion laughs). BPMN files never need them, so the file is
    read first by Python's expat with handlers that stop at the first
    declaration, and is handed to pm4py's parser only when it has none:
    safety does not depend on that parser's defaults.
    """
    from xml.parsers import expat

    def refuse(name: str, *_: Any) -> None:
        raise ModelError(
            f"BPMN file {str(p)!r} declares a DTD or entity ({name!r} at line "
            f"{parser.CurrentLineNumber}), which journeymine refuses for safety (external and "
            "nested entities can read local files or exhaust memory). Remove the <!DOCTYPE> "
            "and <!ENTITY> declarations; BPMN 2.0 files do not need them."
        )

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse

    def external(context: str, *_: Any) -> int:
        refuse(context)
        return 0

    parser.ExternalEntityRefHandler = external
    try:
        with open(p, "rb") as f:
            parser.ParseFile(f)
    except expat.ExpatError as exc:
        raise ModelError(
            f"Could not read {str(p)!r} as a BPMN 2.0 model: it is not well-formed XML "
            f"({expat.ErrorString(exc.code)} at line {exc.lineno}). Export it again."
        ) from None


def _require_pm4py(what: str) -> Any:
    try:
        import pm4py
    except ImportError as exc:
        raise MissingDependencyError(f"{what} needs pm4py. {_PM4PY_HINT}") from exc
    return pm4py


def _net_levels(net: Any, im: Any) -> tuple[dict[Any, int], dict[Any, set[Any]]]:
    """Level of each visible label (visible transitions before it) and its visible successors."""
    INF = float("inf")
    dist: dict[Any, float] = {}
    queue: deque[tuple[Any, int]] = deque()
    for p in im:
        dist[p] = 0
        queue.append((p, 0))
    # 0-1 BFS over places: firing a visible transition costs 1, a silent one 0.
    level: dict[Any, int] = {}
    while queue:
        p, d = queue.popleft()
        if d > dist.get(p, INF):
            continue
        for arc in p.out_arcs:
            t = arc.target
            visible = t.label is not None
            if visible and d < level.get(t.label, INF):
                level[t.label] = d
            nd = d + (1 if visible else 0)
            for out in t.out_arcs:
                q = out.target
                if nd < dist.get(q, INF):
                    dist[q] = nd
                    if visible:
                        queue.append((q, nd))
                    else:
                        queue.appendleft((q, nd))
    labels = {t.label for t in net.transitions if t.label is not None}
    top = max(level.values(), default=-1)
    for lab in sorted(labels - set(level), key=sort_key):  # unreachable: put them last
        level[lab] = top + 1
    # Visible successors: follow output places through silent transitions only.
    succ: dict[Any, set[Any]] = {lab: set() for lab in labels}
    for t in net.transitions:
        if t.label is None:
            continue
        seen_places: set[Any] = set()
        stack = [arc.target for arc in t.out_arcs]
        while stack:
            p = stack.pop()
            if p in seen_places:
                continue
            seen_places.add(p)
            for arc in p.out_arcs:
                u = arc.target
                if u.label is not None:
                    succ[t.label].add(u.label)
                else:
                    stack.extend(a.target for a in u.out_arcs)
    return level, succ
