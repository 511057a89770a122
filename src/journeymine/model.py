"""JourneyModel: the designed reference journey, its stage templates and loaders."""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from journeymine import model_io
from journeymine.engine import Kernel, bind, inner_part
from journeymine.errors import (
    JourneymineWarning,
    ModelError,
    ParameterError,
    user_stacklevel,
)
from journeymine.model_io import MODEL_KEYS, YAML_MAX_NODES

__all__ = ["MODEL_KEYS", "YAML_MAX_NODES", "JourneyModel"]


@dataclass(frozen=True, eq=True, repr=False)
class JourneyModel:
    """The designed ("to-be") customer journey: stages in order and the touchpoints in each.

    Parameters
    ----------
    stages : sequence of str
        The stages in their designed order.
    activities : mapping of str to str, optional
        The stage of each activity (touchpoint). Activities not listed are
        ``unknown_activity`` deviations when checking a log. Default: none
        yet (every activity of a log is then unknown, and the analyses warn).
    required : sequence of str, optional
        Stages a journey must not skip. Default: every stage.
    start : sequence of str, optional
        Stages a journey may start in. Default: any.
    loops : sequence of (str, str), optional
        Allowed backward moves ``(from_stage, to_stage)``; ``from_stage``
        must come after ``to_stage``.
    transitions : sequence of (str, str), optional
        If given, the only allowed directly-follows activity pairs.
    purchase, returns : sequence of str, optional
        Activities that are purchases and returns. They must be activities
        of the model (a typo would otherwise silently find no purchase).
    name : str, optional
        A name for reports.
    petri_net : tuple, optional
        A pm4py ``(net, initial_marking, final_marking)`` for
        alignment-based checking; set by :meth:`from_petri_net` and
        :meth:`from_bpmn`. It takes no part in equality and is not written
        by :meth:`to_dict` / :meth:`to_yaml`.

    Raises
    ------
    ModelError
        If the model is inconsistent; the message names the offending stage,
        activity, loop or transition.

    Notes
    -----
    ``required`` and ``start`` are stored in stage order, so two models
    listing the same stages in another order are equal. ``loops``,
    ``purchase`` and ``returns`` keep the order given.

    Examples
    --------
    >>> from journeymine.model import JourneyModel
    >>> model = JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ...     purchase=["buy"],
    ... )
    >>> model.stage_of("view")
    'Consideration'
    >>> model.required
    ('Awareness', 'Consideration', 'Purchase')
    """

    stages: tuple[str, ...]
    activities: Mapping[str, str] = field(default_factory=dict)
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
        if isinstance(self.stages, str) or not isinstance(self.stages, Iterable):
            raise ModelError(
                f"stages must be a list of stage names, got {self.stages!r}. "
                f"Write stages=[{self.stages!r}] for a single stage."
            )
        set_(self, "stages", tuple(self.stages))
        if not isinstance(self.activities, Mapping):
            raise ModelError(
                "activities must be a mapping of activity -> stage, got "
                f"{type(self.activities).__name__}. To list the activities of each stage, use "
                "JourneyModel.from_dict({'stages': {stage: [activity, ...], ...}})."
            )
        set_(self, "activities", dict(self.activities))
        set_(
            self,
            "required",
            self.stages if self.required is None else _names("required", self.required),
        )
        if self.start is not None:
            set_(self, "start", _names("start", self.start))
        set_(self, "loops", _pairs("loops", self.loops, "(from_stage, to_stage)"))
        if self.transitions is not None:
            set_(
                self,
                "transitions",
                frozenset(_pairs("transitions", self.transitions, "(activity, next_activity)")),
            )
        set_(self, "purchase", _names("purchase", self.purchase))
        set_(self, "returns", _names("returns", self.returns))
        if self.name is not None and not isinstance(self.name, str):
            raise ModelError(f"name must be a string or None, got {self.name!r}.")
        self._validate()
        # required and start are sets of stages: store them in stage order.
        order = {s: i for i, s in enumerate(self.stages)}
        set_(self, "required", tuple(sorted(self.required or (), key=order.__getitem__)))
        if self.start is not None:
            set_(self, "start", tuple(sorted(self.start, key=order.__getitem__)))

    def _validate(self) -> None:
        if not self.stages:
            raise ModelError("A JourneyModel needs at least one stage; got stages=[].")
        seen: set[str] = set()
        for s in self.stages:
            if not isinstance(s, str) or not s.strip():
                hint = (
                    " (YAML reads unquoted yes/no/on/off/true/false as booleans: quote the name)"
                    if isinstance(s, bool)
                    else ""
                )
                raise ModelError(
                    f"Stage names must be non-empty strings; got {s!r} in stages="
                    f"{list(self.stages)}{hint}."
                )
            if s in seen:
                raise ModelError(
                    f"Stage {s!r} is listed twice in stages={list(self.stages)}. "
                    "Each stage must appear once."
                )
            seen.add(s)
        known = set(self.stages)
        for act, stage in self.activities.items():
            if not isinstance(stage, str) or stage not in known:
                hint = (
                    " activities maps each activity to one stage name; to list the activities "
                    "of each stage, use "
                    "JourneyModel.from_dict({'stages': {stage: [activity, ...]}})."
                    if not isinstance(stage, str)
                    else " Add the stage or fix the mapping."
                )
                raise ModelError(
                    f"Activity {act!r} is mapped to stage {stage!r}, which is not in stages="
                    f"{list(self.stages)}.{hint}"
                )
        for what, items in (("required", self.required or ()), ("start", self.start or ())):
            for s in items:
                if s not in known:
                    raise ModelError(
                        f"{what} lists stage {s!r}, which is not in stages={list(self.stages)}."
                    )
        if self.start is not None and not self.start:
            raise ModelError(
                "start=[] allows no start stage, so every journey would start wrong. "
                "Pass start=None to allow any start stage."
            )
        order = {s: i for i, s in enumerate(self.stages)}
        for pair in self.loops:
            unknown = [s for s in pair if s not in known]
            if unknown:
                raise ModelError(
                    f"Loop {pair!r} names stage {unknown[0]!r}, which is not in stages="
                    f"{list(self.stages)}. A loop is a (from_stage, to_stage) pair of stages."
                )
            if order[pair[0]] <= order[pair[1]]:
                raise ModelError(
                    f"Loop {pair!r} does not go back: a loop is an allowed move from a later "
                    f"stage to an earlier one, as (from_stage, to_stage). Stage order: "
                    f"{list(self.stages)}. Moves forward and within a stage need no loop."
                )
        for what, acts in (("purchase", self.purchase), ("returns", self.returns)):
            for a in acts:
                if a not in self.activities:
                    raise ModelError(
                        f"{what} lists activity {a!r}, which is not among the model's "
                        f"activities. Map it to a stage in activities, or fix its spelling."
                    )
        for pair in sorted(self.transitions or (), key=repr):
            unknown = [a for a in pair if a not in self.activities]
            if unknown:
                raise ModelError(
                    f"Transition {pair!r} names activity {unknown[0]!r}, which is not among "
                    "the model's activities. Map it to a stage in activities, or fix its spelling."
                )

    def __hash__(self) -> int:
        return hash(
            (
                self.stages,
                frozenset(self.activities.items()),
                self.required,
                self.start,
                self.loops,
                self.transitions,
                self.purchase,
                self.returns,
                self.name,
            )
        )

    # -- lookups ----------------------------------------------------------
    def stage_of(self, activity: Any) -> str | None:
        """The stage of an activity, or None if the model does not know it.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel(stages=["A", "B"], activities={"ad": "A", "buy": "B"})
        >>> m.stage_of("buy"), m.stage_of("chat")
        ('B', None)
        """
        return self.activities.get(activity)

    def stage_index(self, stage: str) -> int:
        """Position of a stage in :attr:`stages`.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> JourneyModel(stages=["A", "B"], activities={}).stage_index("B")
        1
        """
        return self.stages.index(stage)

    def stage_activities(self, stage: str) -> list[str]:
        """The activities mapped to one stage, in the order of ``activities``.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel(stages=["A", "B"], activities={"ad": "A", "blog": "A", "buy": "B"})
        >>> m.stage_activities("A")
        ['ad', 'blog']
        """
        if stage not in self.stages:
            raise ParameterError(
                f"Stage {stage!r} is not in the model. Its stages are {list(self.stages)}."
            )
        return [a for a, s in self.activities.items() if s == stage]

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
        index = {a: order[s] for a, s in self.activities.items() if s in order}
        table = np.array([index.get(a, -1) for a in log.activity_labels], dtype=np.int64)
        if table.size == 0:
            return np.empty(0, dtype=np.int64)
        return table[log.activity_codes]

    def activity_mask(self, log: Any, activities: Iterable[Any]) -> np.ndarray:
        """Boolean mask of the events whose activity is in ``activities``."""
        wanted = set(activities)
        table = np.array([a in wanted for a in log.activity_labels], dtype=bool)
        return table[log.activity_codes] if table.size else np.zeros(0, dtype=bool)

    def designed_moves(self) -> list[tuple[Any, Any]]:
        """The stage moves the model designs: to the next stage, over optional stages, loops.

        A forward move from stage *i* to *j > i* is designed when every stage
        strictly between them is optional (not in ``required``); a move
        back is designed when it is one of ``loops``. This is the one
        definition conformance, the pictures and the Dask engine use.

        Returns
        -------
        list of (stage, stage)
            Forward moves in stage order, then the loops in the model's order.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel(stages=["A", "B", "C"], activities={}, required=["A", "C"],
        ...                  loops=[("C", "A")])
        >>> m.designed_moves()
        [('A', 'B'), ('A', 'C'), ('B', 'C'), ('C', 'A')]
        """
        stages = list(self.stages)
        required = set(self.required if self.required is not None else stages)
        moves: list[tuple[Any, Any]] = []
        for i in range(len(stages)):
            for j in range(i + 1, len(stages)):
                moves.append((stages[i], stages[j]))
                if stages[j] in required:
                    break
        moves += [(a, b) for a, b in self.loops if (a, b) not in moves]
        return moves

    # -- construction -----------------------------------------------------
    @classmethod
    def from_template(
        cls, name: str, activities: Mapping[Any, Any] | None = None, /, **kwargs: Any
    ) -> JourneyModel:
        """A model whose stages are a ready-made template of :mod:`journeymine.stages`.

        Parameters
        ----------
        name : {"classic", "buying_cycle", "lifecycle", "three_phase"}
            The template (positional only, so that ``name=`` can still name the model).
        activities : mapping, optional
            Either ``{activity: stage}`` or ``{stage: [activity, ...]}``.
        **kwargs
            Any other :class:`JourneyModel` argument (``required``, ``start``,
            ``loops``, ``transitions``, ``purchase``, ``returns``, ``name``).

        Returns
        -------
        JourneyModel

        Raises
        ------
        ParameterError
            If ``name`` is not a template.
        ModelError
            If the model is not valid.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel.from_template(
        ...     "lifecycle", {"Acquisition": ["signup"], "Onboarding": ["tutorial"]},
        ...     required=["Acquisition"], name="app",
        ... )
        >>> m.stages
        ('Acquisition', 'Onboarding', 'Engagement', 'Retention')
        >>> m.stage_of("tutorial")
        'Onboarding'
        """
        from journeymine.stages import template

        if "stages" in kwargs:
            raise ParameterError(
                "from_template() takes its stages from the template; do not pass stages=. "
                "Use JourneyModel(stages=...) for your own stages."
            )
        stages = template(name)
        acts = dict(activities or {})
        if acts and all(
            isinstance(v, (list, tuple, set, frozenset)) or v is None for v in acts.values()
        ):
            pairs = [(a, s) for s, members in acts.items() for a in (members or ())]
            acts = model_io.unique_mapping(pairs)
        return cls(stages=stages, activities=acts, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JourneyModel:
        """Build a model from a plain dict (as read from YAML or JSON).

        Parameters
        ----------
        d : mapping
            Keys ``name``, ``stages``, ``activities``, ``required``,
            ``start``, ``loops``, ``purchase``, ``returns``,
            ``transitions`` (only ``stages`` is needed). ``stages`` is a list
            of stage names, a list whose items may be
            ``{"name": stage, "activities": [activity, ...]}`` dicts, or a
            mapping ``{stage: [activity, ...]}``. ``activities`` maps
            ``{activity: stage}``; both forms may be combined, but each
            activity must be listed once. ``loops`` is a list of
            ``[from_stage, to_stage]`` pairs; ``transitions`` a list of
            ``[activity, next_activity]`` pairs or a mapping
            ``{activity: [next_activity, ...]}``, or null for no constraint.

        Returns
        -------
        JourneyModel

        Raises
        ------
        ModelError
            Unknown keys (the message lists the valid ones), an activity
            listed twice, or an invalid model.

        See Also
        --------
        to_dict, from_yaml

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel.from_dict({
        ...     "stages": [{"name": "Awareness", "activities": ["ad"]},
        ...                {"name": "Purchase", "activities": ["buy"]}],
        ...     "purchase": ["buy"],
        ... })
        >>> m.activities
        {'ad': 'Awareness', 'buy': 'Purchase'}
        >>> JourneyModel.from_dict(m.to_dict()) == m
        True
        """
        return cls(**model_io.model_args(d))

    def to_dict(self) -> dict[str, Any]:
        """The model as a plain dict of lists and strings, ready for YAML or JSON.

        ``JourneyModel.from_dict(model.to_dict()) == model`` always holds. The
        ``petri_net`` is not included.

        Returns
        -------
        dict
            Keys ``name``, ``stages``, ``activities``, ``required``,
            ``start``, ``loops``, ``purchase``, ``returns``, ``transitions``.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel(stages=["A", "B"], activities={"ad": "A", "buy": "B"},
        ...                     loops=[("B", "A")])
        >>> m.to_dict()["loops"]
        [['B', 'A']]
        """
        return model_io.model_dict(self)

    @classmethod
    def from_yaml(cls, source: str | Path | Any) -> JourneyModel:
        """Load a model from a YAML file or YAML text.

        The document is read with :func:`yaml.safe_load` rules: Python tags
        (``!!python/...``) are refused, never run. Anchors and aliases are
        allowed, but a document that expands to more than 200,000 nodes
        (an "alias bomb") is refused before it is expanded.

        Parameters
        ----------
        source : str, path-like or file-like
            A path to a ``.yaml`` / ``.yml`` file, an open file, or the
            YAML text itself (any string with a line break or a colon).
            The document holds the keys of :meth:`from_dict`.

        Returns
        -------
        JourneyModel

        Raises
        ------
        ModelError
            If the file does not exist, the YAML is invalid or unsafe, a
            mapping repeats a key, or the model is not valid; the message
            names the file and line.

        See Also
        --------
        to_yaml, from_dict

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel.from_yaml('''
        ... name: mini
        ... stages: [Awareness, Purchase]
        ... activities: {ad: Awareness, buy: Purchase}
        ... purchase: [buy]
        ... ''')
        >>> m.name, m.stage_of("buy")
        ('mini', 'Purchase')
        """
        data, where = model_io.read_yaml(source)
        try:
            return cls.from_dict(data)
        except ModelError as exc:
            if where is None:
                raise
            raise ModelError(f"In {where}: {exc}") from None

    def to_yaml(self, path: str | Path | None = None) -> str | None:
        """Write the model as YAML; ``from_yaml`` reads it back to an equal model.

        Parameters
        ----------
        path : str or path-like, optional
            The file to write (UTF-8). When omitted, the YAML text is returned.

        Returns
        -------
        str or None
            The YAML text when ``path`` is None, else None.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel(stages=["A", "B"], activities={"ad": "A", "buy": "B"},
        ...                     loops=[("B", "A")], name="mini")
        >>> print(m.to_yaml())
        name: mini
        stages:
        - A
        - B
        activities:
          ad: A
          buy: B
        required:
        - A
        - B
        start: null
        loops:
        - [B, A]
        purchase: []
        returns: []
        transitions: null
        <BLANKLINE>
        >>> JourneyModel.from_yaml(m.to_yaml()) == m
        True
        """
        return model_io.write_yaml(self, path)

    @classmethod
    def from_petri_net(
        cls,
        net: Any,
        im: Any,
        fm: Any,
        *,
        stages: Iterable[str] | None = None,
        activities: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> JourneyModel:
        """A model from a pm4py Petri net; the net is kept for alignment-based checking.

        The model's activities are the labels of the net's visible
        transitions. Their stages are derived from the net unless given:
        each visible transition gets a *level*, the least number of visible
        transitions fired before it on a path from the initial marking
        (a breadth-first search in which silent transitions cost nothing),
        and each level becomes a stage named ``"Stage 1"``, ``"Stage 2"``, ...
        Alternatives at the same depth thus share a stage, and a step
        between directly following activities never goes more than one
        stage forward, so every stage is required. Moves back along the
        net's arcs (its loops) become the model's ``loops``; ``start`` is
        the stage of the activities that can come first. The net itself is
        stored as ``petri_net=(net, im, fm)``.

        Parameters
        ----------
        net, im, fm : pm4py PetriNet, Marking, Marking
            The net and its initial and final markings.
        stages : sequence of str, optional
            Names for the derived levels (as many names as levels), or, with
            ``activities``, the stage order.
        activities : mapping of str to str, optional
            The stage of each visible label; all labels must be mapped. When
            given without ``stages``, stages are ordered by their first level.
        **kwargs
            Other :class:`JourneyModel` arguments (``name``, ``required``,
            ``start``, ``loops``, ``purchase``, ``returns``, ``transitions``);
            they replace the derived values.

        Returns
        -------
        JourneyModel

        Raises
        ------
        MissingDependencyError
            If pm4py is not installed.
        ModelError
            If the net has no visible transition, a label is not mapped, or
            ``stages`` does not fit the derived levels.

        Notes
        -----
        Concurrent branches of unequal length interleave in a log, which a
        stage order cannot express: use ``check(..., method="alignments")``
        for such nets.

        Examples
        --------
        >>> import pm4py  # doctest: +SKIP
        >>> from journeymine.model import JourneyModel
        >>> tree = pm4py.parse_process_tree(
        ...     "->('ad', X('view', 'compare'), 'buy')")  # doctest: +SKIP
        >>> net, im, fm = pm4py.convert_to_petri_net(tree)  # doctest: +SKIP
        >>> JourneyModel.from_petri_net(net, im, fm).stages  # doctest: +SKIP
        ('Stage 1', 'Stage 2', 'Stage 3')
        """
        from journeymine import model_pm4py

        params = model_pm4py.petri_net_args(net, im, fm, stages=stages, activities=activities)
        params.update(kwargs)
        return cls(petri_net=(net, im, fm), **params)

    @classmethod
    def from_bpmn(cls, path: str | Path, **kwargs: Any) -> JourneyModel:
        """A model from a BPMN 2.0 file, read and converted to a Petri net with pm4py.

        Parameters
        ----------
        path : str or path-like
            The ``.bpmn`` file.
        **kwargs
            Passed to :meth:`from_petri_net` (``stages``, ``activities``,
            ``name``, ...). ``name`` defaults to the file's stem.

        Returns
        -------
        JourneyModel
            With the converted net in ``petri_net``.

        Raises
        ------
        MissingDependencyError
            If pm4py is not installed.
        ModelError
            If the file does not exist or is not valid BPMN.

        See Also
        --------
        from_petri_net : how stages are derived.

        Examples
        --------
        >>> from journeymine.model import JourneyModel
        >>> m = JourneyModel.from_bpmn("journey.bpmn")  # doctest: +SKIP
        """
        from journeymine import model_pm4py

        net, im, fm, stem = model_pm4py.read_bpmn(path)
        kwargs.setdefault("name", stem)
        return cls.from_petri_net(net, im, fm, **kwargs)

    # -- display ----------------------------------------------------------
    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"JourneyModel({name}stages={list(self.stages)}, "
            f"activities={len(self.activities)}, loops={len(self.loops)})"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        required = set(self.required or ())
        start = set(self.start or ())
        rows = []
        for i, stage in enumerate(self.stages, 1):
            tags = []
            if stage not in required:
                tags.append("optional")
            if stage in start:
                tags.append("start")
            tag = f" <small>({', '.join(tags)})</small>" if tags else ""
            acts = self.stage_activities(stage)
            shown = ", ".join(esc(str(a)) for a in acts[:6])
            if len(acts) > 6:
                shown += f", … <small>(+{len(acts) - 6} more)</small>"
            rows.append(
                f"<tr><td>{i}</td><td style='text-align:left'><b>{esc(stage)}</b>{tag}</td>"
                f"<td style='text-align:left'>{shown or '<i>none</i>'}</td></tr>"
            )
        loops = ", ".join(f"{esc(a)} → {esc(b)}" for a, b in self.loops[:8])
        if len(self.loops) > 8:
            loops += f", … (+{len(self.loops) - 8} more)"
        extra = [
            ("loops", loops or "none"),
            ("purchase", ", ".join(esc(str(a)) for a in self.purchase) or "–"),
            ("returns", ", ".join(esc(str(a)) for a in self.returns) or "–"),
            (
                "transitions",
                "any" if self.transitions is None else f"{len(self.transitions)} allowed pairs",
            ),
        ]
        foot = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td colspan='2' style='text-align:left'>"
            f"{val}</td></tr>"
            for k, val in extra
        )
        title = f"JourneyModel {esc(repr(self.name))}" if self.name else "JourneyModel"
        caption = f"{title}: {len(self.stages)} stages, {len(self.activities)} activities" + (
            ", Petri net attached" if self.petri_net is not None else ""
        )
        return (
            f"<table><caption>{caption}</caption>"
            "<thead><tr><th>#</th><th>stage</th><th>activities</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table>"
        )


# -- does a model fit a log? -----------------------------------------------------
#: below this share of a log's events with an activity of the model, the analyses warn
COVERAGE_WARN_SHARE = 0.05


def _examples(values: Iterable[Any], k: int = 3) -> str:
    items = list(values)
    if not items:
        return "none"
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in items[:k])
    return shown + (f", ... ({len(items):,} in all)" if len(items) > k else "")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _coverage_warning(
    model: JourneyModel, activities: Iterable[Any], n_known: int, n_events: int
) -> str | None:
    """The warning text when a model hardly fits a log, else None.

    ``activities`` are the log's distinct activities, ``n_known`` the number
    of its events whose activity the model maps to a stage and ``n_events``
    all its events. The text names examples from both sides and the likely
    cause: numbers on one side and text on the other (a YAML file that reads
    ``101`` as a number while the CSV has the text ``"101"``), names that
    differ only in upper/lower case or spaces, or a model made for another log.
    """
    if n_events <= 0 or n_known >= COVERAGE_WARN_SHARE * n_events:
        return None
    log_acts = list(activities)
    model_acts = list(model.activities)
    name = f"model {model.name!r}" if model.name else "the model"
    if n_known == 0:
        what = (
            f"None of the log's {len(log_acts):,} activities is an activity of {name}, so "
            "every event is an unknown activity: conformance is 0 %, and funnel and stage "
            "times are empty."
        )
    else:
        what = (
            f"Only {n_known:,} of {n_events:,} events ({n_known / n_events:.1%}) have an "
            f"activity of {name}; the others are unknown activities."
        )
    sides = f" Log activities: {_examples(log_acts)}; model activities: {_examples(model_acts)}."
    if not model_acts:
        return (
            f"{what}{sides} The model lists no activities: map each activity to its stage "
            "(activities={activity: stage}, or stages: {stage: [activity, ...]} in YAML)."
        )
    log_text = {str(a) for a in log_acts}
    model_numbers = [a for a in model_acts if _is_number(a)]
    log_numbers = [a for a in log_acts if _is_number(a)]
    if model_numbers and {str(a) for a in model_numbers} & log_text:
        cause = (
            " The model's activities are numbers while the log's are text (YAML reads an "
            "unquoted 101 as a number): quote them in the YAML file ('101': Awareness, or "
            "stages: {Awareness: ['101', '102']})."
        )
    elif log_numbers and {str(a) for a in model_acts} & {str(a) for a in log_numbers}:
        cause = (
            " The log's activities are numbers while the model's are text: read the log "
            "with the activity column as text (e.g. jm.read_csv(path, dtype={column: str}) "
            "or df[column].astype(str)), or write the model's activities as numbers."
        )
    else:

        def norm(x: Any) -> str:
            return " ".join(str(x).split()).casefold()

        exact = set(model_acts) & set(log_acts)
        if len({norm(a) for a in model_acts} & {norm(a) for a in log_acts}) > len(exact):
            cause = (
                " Some names differ only in upper/lower case or spaces: activity names "
                "must match exactly."
            )
        else:
            cause = (
                " Check that the model was written for this log and that activity= names "
                "the column with the touchpoints."
            )
    return what + sides + cause


def warn_coverage(
    model: JourneyModel,
    activities: Iterable[Any],
    n_known: int,
    n_events: int,
    *,
    stacklevel: int | None = None,
) -> None:
    """Warn (:class:`JourneymineWarning`) when a model hardly fits a log; see :func:`_coverage_warning`.

    ``stacklevel`` defaults to the user's line (the first frame outside journeymine).
    """
    text = _coverage_warning(model, activities, n_known, n_events)
    if text is not None:
        level = user_stacklevel() if stacklevel is None else stacklevel
        warnings.warn(text, JourneymineWarning, stacklevel=level)


def log_coverage(model: JourneyModel, log: Any) -> tuple[list[Any], int, int]:
    """``(activities, n_known, n_events)`` of an in-memory log, for :func:`warn_coverage`."""
    known = int((model.event_stages(log) >= 0).sum())
    return list(log.activity_labels), known, int(log.n_events)


# -- helpers ------------------------------------------------------------------
def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _names(what: str, value: Any) -> tuple[Any, ...]:
    """A tuple of names (a lone string is one name); duplicates are refused."""
    if value is not None and (isinstance(value, Mapping) or not isinstance(value, (str, Iterable))):
        raise ModelError(f"{what} must be a list of names, got {value!r}.")
    items = _as_tuple(value)
    seen: set[Any] = set()
    for item in items:
        try:
            dup = item in seen
        except TypeError:
            raise ModelError(f"{what} must be a list of names; got the item {item!r}.") from None
        if dup:
            raise ModelError(f"{what} lists {item!r} twice. List each once.")
        seen.add(item)
    return items


def _pairs(what: str, value: Any, shape: str) -> tuple[tuple[Any, Any], ...]:
    """A tuple of 2-tuples, each checked; duplicates are refused."""
    if value is None:
        return ()
    if isinstance(value, (str, Mapping)) or not isinstance(value, Iterable):
        raise ModelError(f"{what} must be a list of {shape} pairs, got {value!r}.")
    out: list[tuple[Any, Any]] = []
    seen: set[tuple[Any, Any]] = set()
    for item in value:
        if isinstance(item, (str, Mapping)) or not isinstance(item, Iterable):
            pair = None
        else:
            pair = tuple(item)
        if pair is None or len(pair) != 2:
            raise ModelError(
                f"{what} must be a list of {shape} pairs; got the item {item!r}. "
                f"Write e.g. {what}=[('a', 'b')] for a single pair."
            )
        try:
            dup = pair in seen
        except TypeError:
            raise ModelError(f"{what} holds an invalid pair {item!r}.") from None
        if dup:
            if what == "transitions":
                continue
            raise ModelError(f"{what} lists {pair!r} twice. List each pair once.")
        seen.add(pair)
        out.append(pair)
    return tuple(out)


@dataclass(frozen=True)
class _Covered(Kernel[tuple[Any, tuple[list[Any], int, int]], Any]):
    """Any kernel of an analysis with a model, plus the model's coverage of the log.

    The partial result carries, next to the analysis's own, the log's distinct
    activities (their union over partitions, so the warning's count is exact)
    and the counts of known and all events, which add up over partitions;
    ``finish`` warns once (see :func:`warn_coverage`) when the model hardly
    fits the log, then finishes the analysis.
    """

    inner: Kernel[Any, Any]
    model: JourneyModel
    _SAMPLE: ClassVar[int] = 20  # activities kept per partial, for the warning's examples

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.inner.name

    def check(self, meta: Any) -> Any:
        return replace(self, inner=bind(self.inner, meta))

    def part(self, log: Any) -> tuple[Any, tuple[list[Any], int, int]]:
        acts, known, events = log_coverage(self.model, log)
        return inner_part(self.inner, log), (acts, known, events)

    def merge(self, a: Any, b: Any) -> Any:
        (pa, (acts_a, ka, na)), (pb, (acts_b, kb, nb)) = a, b
        acts = list(dict.fromkeys([*acts_a, *acts_b]))  # the union, in first-seen order
        return self.inner.merge(pa, pb), (acts, ka + kb, na + nb)

    def finish(self, merged: Any, meta: Any) -> Any:
        inner, (acts, known, events) = merged
        warn_coverage(self.model, acts, known, events)
        return self.inner.finish(inner, meta)


def covered(kernel: Kernel[Any, Any], model: Any) -> Kernel[Any, Any]:
    """``kernel`` that also warns when ``model`` hardly fits the log (``kernel`` if no model)."""
    return _Covered(kernel, model) if isinstance(model, JourneyModel) else kernel
