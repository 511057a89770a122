"""Check a log against the designed journey: per-case fitness and one row per deviation."""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import (
    KnownMoves,
    cases_per_key,
    first_per_case,
    known_moves,
    previous_event,
)
from journeymine._tables import concat_by_case, names
from journeymine.engine import Kernel, LogMeta, case_groups, check_segment, run
from journeymine.errors import (
    JourneymineWarning,
    MissingDependencyError,
    ModelError,
    ParameterError,
    user_stacklevel,
)
from journeymine.log import JourneyLog
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.engine import LogLike

__all__ = ["ALIGNMENT_KINDS", "KINDS", "ConformanceReport", "check"]

#: The kinds of deviation found by ``check(method="stages")``, in the order
#: deviations at one event are sorted.
KINDS: tuple[str, ...] = (
    "unknown_activity",
    "wrong_start",
    "skipped_stage",
    "stage_regression",
    "forbidden_transition",
)

#: The kinds of deviation found by ``check(method="alignments")``.
ALIGNMENT_KINDS: tuple[str, ...] = ("log_move", "model_move")

Method = Literal["stages", "alignments"]

_UNKNOWN, _WRONG_START, _SKIPPED, _REGRESSION, _FORBIDDEN = range(5)
_LOG_MOVE, _MODEL_MOVE = range(2)
_SKIP = ">>"  # pm4py's "no move" symbol in an alignment
_GROUP = "__group__"  # column of a case's group while checking with segment=
_PM4PY_HINT = 'Install it with: pip install "journeymine[pm4py]".'


# -- the report -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ConformanceReport:
    """The result of :func:`check`: how a log conforms to a designed journey.

    Build it with :func:`check` rather than directly.

    Attributes
    ----------
    cases : pandas.DataFrame
        One row per case, in log order (case ids sorted): ``case``,
        ``events``, ``deviations``, ``fitness``, ``conforms``,
        ``furthest_stage``, ``first_deviation`` and one count column per
        kind of deviation.
    deviations : pandas.DataFrame
        One row per deviation: ``case``, ``position``, ``timestamp``,
        ``kind``, ``activity``, ``stage``, ``previous_activity``,
        ``previous_stage``.
    summary : pandas.DataFrame
        Headline figures in one ``value`` column, indexed by
        ``(section, item)``: section ``"overall"`` (cases, conforming cases,
        conformance rate, mean fitness, deviations), ``"kind"`` (deviations
        of each kind) and ``"stage"`` (deviations by their ``stage`` column:
        the skipped stage, the stage moved back to, ...). With
        ``check(..., segment=...)``, one block of these rows per group, with
        a leading ``group`` column (index ``(section, item)`` repeated).
    compare : pandas.DataFrame
        The designed edges against the observed ones: ``level``, ``source``,
        ``target``, ``status`` (``both``, ``designed_only``,
        ``observed_only``), ``events``, ``cases``.
    model : JourneyModel
        The model the log was checked against.
    method : {"stages", "alignments"}
        How the log was checked.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.conformance import check
    >>> df = pd.DataFrame({"c": [1, 1, 2], "a": ["ad", "buy", "buy"],
    ...                    "t": ["2025-01-01", "2025-01-02", "2025-01-01"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> model = jm.JourneyModel(stages=["Awareness", "Purchase"],
    ...                         activities={"ad": "Awareness", "buy": "Purchase"},
    ...                         start=["Awareness"])
    >>> report = check(log, model)
    >>> report
    ConformanceReport(method='stages', cases=2, conforming=1 (50.0%), fitness=0.5, deviations=1)
    >>> report.conformance_rate
    0.5
    """

    cases: pd.DataFrame
    deviations: pd.DataFrame
    summary: pd.DataFrame
    compare: pd.DataFrame
    model: JourneyModel
    method: str

    @property
    def conformance_rate(self) -> float:
        """Share of the cases that have no deviation (NaN for a log without cases).

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> from journeymine.conformance import check
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["ad", "chat"], "t": ["2025-01-01"] * 2})
        >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
        >>> check(log, jm.JourneyModel(stages=["A"], activities={"ad": "A"})).conformance_rate
        0.5
        """
        if len(self.cases) == 0:
            return float("nan")
        return float(self.cases["conforms"].mean())

    @property
    def fitness(self) -> float:
        """Mean fitness over the cases (NaN for a log without cases).

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> from journeymine.conformance import check
        >>> df = pd.DataFrame({"c": [1, 1, 2], "a": ["ad", "chat", "ad"],
        ...                    "t": ["2025-01-01", "2025-01-02", "2025-01-01"]})
        >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
        >>> check(log, jm.JourneyModel(stages=["A"], activities={"ad": "A"})).fitness
        0.75
        """
        if len(self.cases) == 0:
            return float("nan")
        return float(self.cases["fitness"].mean())

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the report with :func:`journeymine.plot_conformance`.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure by default.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> from journeymine.conformance import check
        >>> df = pd.DataFrame({"c": [1], "a": ["ad"], "t": ["2025-01-01"]})
        >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
        >>> report = check(log, jm.JourneyModel(stages=["A"], activities={"ad": "A"}))
        >>> ax = report.plot()  # doctest: +SKIP
        """
        from journeymine.plot import plot_conformance

        return plot_conformance(self, ax=ax)

    def __repr__(self) -> str:
        n = len(self.cases)
        conforming = int(self.cases["conforms"].sum()) if n else 0
        share = f"{conforming / n:.1%}" if n else "n/a"
        return (
            f"ConformanceReport(method={self.method!r}, cases={n}, conforming={conforming} "
            f"({share}), fitness={self.fitness:.4g}, deviations={len(self.deviations)})"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        n = len(self.cases)
        conforming = int(self.cases["conforms"].sum()) if n else 0
        rate = f"{conforming / n:.1%}" if n else "n/a"
        head = [
            ("method", esc(self.method)),
            ("cases", f"{n:,}"),
            ("conforming", f"{conforming:,} ({rate})"),
            ("mean fitness", f"{self.fitness:.3f}"),
            ("deviations", f"{len(self.deviations):,}"),
        ]
        head_rows = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td style='text-align:right'>{val}</td></tr>"
            for k, val in head
        )
        counts = self.deviations["kind"].value_counts(sort=False)
        kind_rows = "".join(
            f"<tr><td style='text-align:left'>{esc(str(k))}</td>"
            f"<td style='text-align:right'>{int(c):,}</td></tr>"
            for k, c in counts.items()
        )
        top = _top_deviations(self.deviations, 5)
        top_rows = "".join(
            f"<tr><td style='text-align:left'>{esc(kind)}</td><td style='text-align:left'>"
            f"{esc(what)}</td><td style='text-align:right'>{c:,}</td></tr>"
            for kind, what, c in top
        )
        model = f" against {esc(repr(self.model.name))}" if self.model.name else ""
        parts = [
            f"<table><caption>ConformanceReport{model}</caption>{head_rows}</table>",
            "<table><caption>deviations by kind</caption>"
            f"<thead><tr><th>kind</th><th>count</th></tr></thead><tbody>{kind_rows}</tbody>"
            "</table>",
        ]
        if top_rows:
            parts.append(
                "<table><caption>most frequent deviations</caption><thead><tr><th>kind</th>"
                f"<th>where</th><th>count</th></tr></thead><tbody>{top_rows}</tbody></table>"
            )
        return "<div>" + "".join(parts) + "</div>"


def _top_deviations(dev: pd.DataFrame, k: int) -> list[tuple[str, str, int]]:
    """The ``k`` most frequent deviations as ``(kind, description, count)``."""
    if len(dev) == 0:
        return []
    cols = ["kind", "activity", "stage", "previous_activity", "previous_stage"]
    sizes = dev[cols].astype(object).groupby(cols, dropna=False, sort=False).size()
    found: dict[tuple[str, str], int] = {}
    for (kind, act, stage, prev_act, prev_stage), count in sizes.items():
        if kind == "stage_regression":
            what = f"{prev_stage} → {stage}"
        elif kind == "forbidden_transition":
            what = f"{prev_act} → {act}"
        elif kind in ("wrong_start", "skipped_stage"):
            what = str(stage)
        else:
            what = str(act)
        key = (str(kind), what)
        found[key] = found.get(key, 0) + int(count)
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [(kind, what, count) for (kind, what), count in ranked[:k]]


# -- check ----------------------------------------------------------------------
@v.validate_params({"model": [v.Model()], "method": [v.StrOptions(("stages", "alignments"))]})
def check(
    log: LogLike,
    model: JourneyModel,
    *,
    method: Method = "stages",
    segment: Any = None,
) -> ConformanceReport:
    """Check a log against the designed journey.

    Parameters
    ----------
    log : JourneyLog
        The event log ("as-is").
    model : JourneyModel
        The designed journey ("to-be").
    method : {"stages", "alignments"}, default="stages"
        ``"stages"`` judges each case by the model's stages, required
        stages, start stages, allowed loops and (if given) allowed
        transitions, in one vectorised pass. ``"alignments"`` aligns each
        trace with the model's Petri net (``model.petri_net``) using pm4py.
    segment : str or pandas.Series, optional
        Group the cases for ``report.summary``: a column (a case's group is
        its value on its first event) or a Series indexed by case id. The
        summary then has one block of rows per group (groups sorted) with a
        leading ``group`` column; the other tables are unchanged.

    Returns
    -------
    ConformanceReport
        With the tables ``cases``, ``deviations``, ``summary`` and
        ``compare``.

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog, ``model`` not a JourneyModel,
        ``method`` is unknown, or ``method="alignments"`` is asked of a model
        without a Petri net.
    MissingDependencyError
        If ``method="alignments"`` and pm4py is not installed.
    ModelError
        If pm4py cannot align traces with the model's Petri net.

    See Also
    --------
    journeymine.find_loops : Loops, returns and stage regressions, allowed or not.
    journeymine.funnel : How many cases reach each stage.

    Notes
    -----
    With ``method="stages"`` each event gets the stage of its activity;
    events whose activity the model does not know are ``unknown_activity``
    deviations and are otherwise ignored, so moves are judged between
    consecutive *known* events of a case. The kinds of deviation, with the
    event (``position``) each is reported at:

    ``unknown_activity``
        The activity has no stage in the model (at the event).
    ``wrong_start``
        The model lists start stages and the case's first known event is in
        another stage (at that event).
    ``skipped_stage``
        A move forward from stage *i* to stage *j > i + 1* passes over a
        required stage *k* (*i < k < j*) that the case has not visited
        before this move: one row per such *k*, with ``stage`` = *k* (at the
        event making the move). There is no skip "into" the first known
        event: a case starting late is a ``wrong_start`` (if the model lists
        start stages), and leaving early is a drop-out, not a deviation.
    ``stage_regression``
        A move from stage *i* back to stage *j < i* that is not an allowed
        loop ``(stages[i], stages[j])``.
    ``forbidden_transition``
        The model lists allowed transitions and the activity pair of two
        consecutive known events is not among them.

    Moves within one stage are never deviations, except forbidden
    transitions. Deviations are sorted by case (in log order), position,
    kind (in the order above) and stage. ``stage`` is the stage of the
    event (the skipped stage for ``skipped_stage``, None for an unknown
    activity); ``previous_activity`` and ``previous_stage`` are those of the
    case's previous known event (None if there is none, and always for
    ``wrong_start``). A case's fitness is ``1 - deviations / events``,
    floored at 0.

    With ``method="alignments"`` the deviations are the alignment's moves
    on the log only (``log_move``, at the event) and visible moves on the
    model only (``model_move``, at the position of the next event; after
    the last event, at position ``events`` with the last event's time);
    ``activity`` is the event's or the model transition's label and
    ``previous_*`` describe the case's previous event. Fitness is pm4py's
    per-trace alignment fitness. Each distinct trace (variant) is aligned
    once.

    The ``compare`` table lists stage-to-stage edges that are designed
    (``i -> i+1``, forward skips over optional stages only, and allowed
    loops) or observed (moves between consecutive known events in
    different stages); with ``model.transitions``, also activity-to-activity
    edges (``level="activity"``, designed = the allowed transitions).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.conformance import check
    >>> model = jm.JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ...     start=["Awareness"],
    ... )
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "b"],
    ...     "touchpoint": ["ad", "view", "buy", "ad", "chat", "buy"],
    ...     "ts": pd.date_range("2025-01-01", periods=6, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> report = check(log, model)
    >>> report.cases[["case", "events", "deviations", "fitness", "furthest_stage"]]
      case  events  deviations   fitness furthest_stage
    0    a       3           0  1.000000       Purchase
    1    b       3           2  0.333333       Purchase
    >>> report.deviations[["case", "position", "kind", "activity", "stage"]]
      case  position              kind activity          stage
    0    b         1  unknown_activity     chat           None
    1    b         2     skipped_stage      buy  Consideration
    """
    return run(check_kernel(model, method, segment), log)


def check_kernel(
    model: JourneyModel, method: Method = "stages", segment: Any = None
) -> Kernel[Any, ConformanceReport]:
    """The kernel of :func:`check` (``run(check_kernel(...), log)`` is ``check(log, ...)``).

    A member of an :class:`~journeymine.engine.Bundle`: its conformance
    kernel is the one ``compare``, ``deviation_impact`` and
    ``conformance_drift`` hold, so a bundle of them checks each case once.
    """
    return covered(_Check(model, method, segment), model)


@dataclass(frozen=True)
class _Check(Kernel[dict, ConformanceReport]):
    """check: per-case and per-deviation rows, and observed stage/activity move counts."""

    name = "check"

    model: Any
    method: Any
    segment: Any = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The deviation kinds of the method."""
        return KINDS if self.method == "stages" else ALIGNMENT_KINDS

    def check(self, meta: LogMeta) -> _Check:
        if self.segment is not None:
            check_segment(self.segment, meta, "check")
        if self.method == "alignments" and self.model.petri_net is None:
            raise ParameterError(
                'check(method="alignments") needs a model with a Petri net, but this model has '
                "none (model.petri_net is None). Build the model with "
                "JourneyModel.from_bpmn(path) or JourneyModel.from_petri_net(net, im, fm), or "
                'use method="stages".'
            )
        return self

    def part(self, log: JourneyLog) -> dict:
        model = self.model
        st = model.event_stages(log)
        moves = known_moves(log.case_codes, st)
        if self.method == "stages":
            dev, fitness = _stage_deviations(log, model, st, moves), None
        else:
            dev, fitness = _alignment_deviations(log, model, st)
        cases = _case_table(log, model, st, dev, self.kinds, fitness)
        if self.segment is not None:  # each case's group, for the summary per group
            codes, labels = case_groups(log, self.segment)
            cases[_GROUP] = pd.Series(names(labels, codes), dtype=object).values
        return {
            "cases": cases,
            "deviations": _deviation_table(log, model, st, dev, self.kinds),
            "observed": _observed(log, model, moves),
        }

    def merge(self, a: dict, b: dict) -> dict:
        observed = dict(a["observed"])
        for key, (e, c) in b["observed"].items():
            e0, c0 = observed.get(key, (0, 0))
            observed[key] = (e0 + e, c0 + c)
        return {
            "cases": pd.concat([a["cases"], b["cases"]], ignore_index=True),
            "deviations": pd.concat([a["deviations"], b["deviations"]], ignore_index=True),
            "observed": observed,
        }

    def finish(self, merged: dict, meta: LogMeta) -> ConformanceReport:
        cases = concat_by_case([merged["cases"]])
        deviations = concat_by_case([merged["deviations"]])
        if self.segment is None:
            summary = _summary(self.model, cases, deviations, self.kinds)
        else:
            summary = self._group_summaries(cases, deviations)
            cases = cases.drop(columns=_GROUP)
        return ConformanceReport(
            cases=cases,
            deviations=deviations,
            summary=summary,
            compare=_compare(self.model, merged["observed"]),
            model=self.model,
            method=self.method,
        )

    def _group_summaries(self, cases: pd.DataFrame, deviations: pd.DataFrame) -> pd.DataFrame:
        """One summary block per group of cases, groups sorted, with a leading group column."""
        groups = cases[_GROUP]
        keys = list(groups.dropna().unique())
        try:
            keys.sort()
        except TypeError:
            keys.sort(key=str)
        dev_group = deviations["case"].map(pd.Series(groups.values, index=cases["case"].values))
        blocks = []
        for key in keys:  # a loop over groups, not cases
            block = _summary(
                self.model,
                cases[groups.values == key],
                deviations[dev_group.values == key],
                self.kinds,
            )
            block.insert(0, "group", pd.Series([key] * len(block), dtype=object).values)
            blocks.append(block)
        if not blocks:
            empty = _summary(self.model, cases.iloc[:0], deviations.iloc[:0], self.kinds)
            empty.insert(0, "group", pd.Series([], dtype=object))
            return empty.iloc[:0]
        return pd.concat(blocks)


# -- deviations of the stage method ------------------------------------------------
def _stage_deviations(
    log: JourneyLog, model: JourneyModel, st: np.ndarray, m: KnownMoves
) -> dict[str, Any]:
    """All stage-method deviations as parallel arrays, sorted."""
    n_stages = len(model.stages)
    index = {s: i for i, s in enumerate(model.stages)}
    empty = np.empty(0, dtype=np.int64)
    parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []  # ev, kind, stage, prev

    unknown = np.flatnonzero(st < 0)
    if unknown.size:
        prev = previous_event(log, st >= 0)[unknown]
        parts.append((unknown, _UNKNOWN, np.full(unknown.size, -1, dtype=np.int64), prev))

    if model.start is not None:
        ok = np.zeros(n_stages, dtype=bool)
        ok[[index[s] for s in model.start]] = True
        wrong = m.known[m.first & ~ok[m.value]]
        parts.append((wrong, _WRONG_START, st[wrong], np.full(wrong.size, -1, dtype=np.int64)))

    # skipped stages: forward moves over a required stage not visited before the move
    cand = np.flatnonzero(m.dst > m.src + 1)
    if cand.size:
        n_cases = log.n_cases
        far = np.iinfo(np.int64).max
        for k in sorted(index[s] for s in model.required or ()):
            sel = cand[(m.src[cand] < k) & (m.dst[cand] > k)]
            if sel.size == 0:
                continue
            at_k = np.flatnonzero(m.value == k)  # known-event indices in stage k
            first = first_per_case(m.case_of[at_k], n_cases)
            first_at_k = np.full(n_cases, far, dtype=np.int64)
            if at_k.size:
                first_at_k = np.where(first >= 0, at_k[first], far)
            skipped = sel[first_at_k[m.case[sel]] > m.move[sel]]
            parts.append(
                (
                    m.cur[skipped],
                    _SKIPPED,
                    np.full(skipped.size, k, dtype=np.int64),
                    m.prev[skipped],
                )
            )

    allowed = np.zeros((n_stages, n_stages), dtype=bool)
    for a, b in model.loops:
        allowed[index[a], index[b]] = True
    back = np.flatnonzero((m.dst < m.src) & ~allowed[m.src, m.dst])
    parts.append((m.cur[back], _REGRESSION, m.dst[back], m.prev[back]))

    if model.transitions is not None:
        forbidden = _forbidden(log, model, m)
        parts.append((m.cur[forbidden], _FORBIDDEN, m.dst[forbidden], m.prev[forbidden]))

    ev = np.concatenate([p[0] for p in parts] + [empty]).astype(np.int64, copy=False)
    kind = np.concatenate([np.full(p[0].size, p[1], dtype=np.int8) for p in parts] + [empty])
    stage = np.concatenate([p[2] for p in parts] + [empty]).astype(np.int64, copy=False)
    prev = np.concatenate([p[3] for p in parts] + [empty]).astype(np.int64, copy=False)
    # each part is sorted by event already: a stable sort merges the runs quickly
    key = (ev * np.int64(len(KINDS)) + kind) * np.int64(n_stages + 1) + (stage + 1)
    order = np.argsort(key, kind="stable")
    ev, kind, stage, prev = ev[order], kind[order].astype(np.int8), stage[order], prev[order]
    return {
        "case": log.case_codes[ev],
        "position": log.position[ev],
        "event": ev,
        "kind": kind,
        "activity": log.activity_labels.take(log.activity_codes[ev]),
        "stage": stage,
        "prev": prev,
    }


def _forbidden(log: JourneyLog, model: JourneyModel, m: KnownMoves) -> np.ndarray:
    """Indices of the moves whose activity pair is not an allowed transition."""
    assert model.transitions is not None
    acts = {a: i for i, a in enumerate(model.activities)}
    n_acts = np.int64(max(len(acts), 1))
    table = np.array([acts.get(a, -1) for a in log.activity_labels], dtype=np.int64)
    a_prev = table[log.activity_codes[m.prev]]
    a_cur = table[log.activity_codes[m.cur]]
    allowed = np.array(
        sorted(acts[a] * n_acts + acts[b] for a, b in model.transitions), dtype=np.int64
    )
    return np.flatnonzero(~np.isin(a_prev * n_acts + a_cur, allowed))


# -- alignments -------------------------------------------------------------------
def _alignment_deviations(
    log: JourneyLog, model: JourneyModel, st: np.ndarray
) -> tuple[dict[str, Any], np.ndarray]:
    """Log and model moves of pm4py alignments (one per variant), and per-case fitness."""
    if model.petri_net is None:
        raise ParameterError(
            'check(method="alignments") needs a model with a Petri net, but this model has '
            "none (model.petri_net is None). Build the model with "
            "JourneyModel.from_bpmn(path) or JourneyModel.from_petri_net(net, im, fm), or use "
            'method="stages".'
        )
    try:
        import pm4py
        from pm4py.objects.log.obj import Event, EventLog, Trace
    except ImportError as exc:
        raise MissingDependencyError(
            f'check() with method="alignments" needs pm4py. {_PM4PY_HINT}'
        ) from exc
    from journeymine.discovery import variant_ids

    net, im, fm = model.petri_net
    vid, rep = variant_ids(log)
    off, codes = log.case_offsets, log.activity_codes
    labels = np.asarray(log.activity_labels, dtype=object)
    traces = EventLog()
    for r in rep:
        trace = Trace()
        for code in codes[off[r] : off[r + 1]]:
            trace.append(Event({"concept:name": str(labels[code])}))
        traces.append(trace)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aligned = pm4py.conformance_diagnostics_alignments(
                traces, net, im, fm, multi_processing=False, show_progress_bar=False
            )
    except Exception as exc:  # pm4py raises bare exceptions, e.g. for unsound nets
        raise ModelError(
            f"pm4py could not align the log with the model's Petri net: "
            f"{type(exc).__name__}: {exc}. Alignments need an easy-sound net (a final "
            "marking reachable from the initial one); check the net, or use "
            'method="stages".'
        ) from exc

    stage_index = {s: i for i, s in enumerate(model.stages)}
    stage_of = {a: stage_index[s] for a, s in model.activities.items()}
    var_fit = np.full(rep.size, np.nan)
    d_var: list[int] = []
    d_pos: list[int] = []
    d_kind: list[int] = []
    d_act: list[Any] = []
    d_stage: list[int] = []
    failed = 0
    for v_id, (r, result) in enumerate(zip(rep, aligned, strict=True)):
        if result is None:
            failed += 1
            continue
        var_fit[v_id] = float(result["fitness"])
        pos = 0
        for log_label, model_label in result["alignment"]:
            if log_label == _SKIP:
                if model_label is None or model_label == _SKIP:
                    continue  # silent (tau) transition
                d_var.append(v_id)
                d_pos.append(pos)
                d_kind.append(_MODEL_MOVE)
                d_act.append(model_label)
                d_stage.append(stage_of.get(model_label, -1))
                continue
            if model_label == _SKIP:
                event = off[r] + pos
                d_var.append(v_id)
                d_pos.append(pos)
                d_kind.append(_LOG_MOVE)
                d_act.append(labels[codes[event]])
                d_stage.append(int(st[event]))
            pos += 1
    if failed:
        warnings.warn(
            f"pm4py found no alignment for {failed} of {rep.size} distinct traces; their "
            "cases have fitness NaN and no deviations.",
            JourneymineWarning,
            stacklevel=user_stacklevel(),
        )

    # Expand the deviations of each variant to all of its cases.
    n_var = rep.size
    count = np.bincount(vid, minlength=n_var)
    by_variant = np.argsort(vid, kind="stable")
    start = np.zeros(n_var + 1, dtype=np.int64)
    np.cumsum(count, out=start[1:])
    dv = np.asarray(d_var, dtype=np.int64)
    step = np.arange(dv.size, dtype=np.int64)  # alignment order within a variant
    reps = count[dv]
    row = np.repeat(np.arange(dv.size, dtype=np.int64), reps)
    block = np.zeros(dv.size + 1, dtype=np.int64)
    np.cumsum(reps, out=block[1:])
    within = np.arange(row.size, dtype=np.int64) - block[:-1][row]
    case = by_variant[start[dv[row]] + within]
    order = np.lexsort((step[row], case))
    row, case = row[order], case[order]

    position = np.asarray(d_pos, dtype=np.int64)[row]
    case_size = log.case_sizes[case]
    event = off[:-1][case] + np.minimum(position, case_size - 1)
    prev = np.where(position > 0, off[:-1][case] + position - 1, -1)
    dev = {
        "case": case,
        "position": position,
        "event": event,
        "kind": np.asarray(d_kind, dtype=np.int8)[row],
        "activity": pd.Index(np.asarray(d_act + [None], dtype=object)[:-1][row]),
        "stage": np.asarray(d_stage, dtype=np.int64)[row],
        "prev": prev,
    }
    return dev, var_fit[vid]


# -- tables -----------------------------------------------------------------------
def _deviation_table(
    log: JourneyLog,
    model: JourneyModel,
    st: np.ndarray,
    dev: dict[str, Any],
    kinds: tuple[str, ...],
) -> pd.DataFrame:
    ev, prev = dev["event"], dev["prev"]
    has_prev = prev >= 0
    p = np.where(has_prev, prev, 0)
    prev_act = log.activity_codes[p] if p.size else np.empty(0, dtype=np.int64)
    prev_act = np.where(has_prev, prev_act, -1)
    st_prev = st[p] if p.size else np.empty(0, dtype=np.int64)
    st_prev = np.where(has_prev, st_prev, -1)
    times = np.asarray(log.time[ev], dtype=np.int64).view("datetime64[ns]")
    timestamp = pd.DatetimeIndex(times)
    if log.tz_aware:
        timestamp = timestamp.tz_localize("UTC")
    return pd.DataFrame(
        {
            "case": log.case_labels.take(dev["case"]),
            "position": np.asarray(dev["position"], dtype=np.int64),
            "timestamp": timestamp,
            "kind": pd.Categorical.from_codes(dev["kind"], categories=list(kinds)),
            "activity": dev["activity"],
            "stage": pd.Series(names(model.stages, dev["stage"]), dtype=object),
            "previous_activity": pd.Series(names(log.activity_labels, prev_act), dtype=object),
            "previous_stage": pd.Series(names(model.stages, st_prev), dtype=object),
        }
    )


def _case_table(
    log: JourneyLog,
    model: JourneyModel,
    st: np.ndarray,
    dev: dict[str, Any],
    kinds: tuple[str, ...],
    fitness: np.ndarray | None,
) -> pd.DataFrame:
    n_cases, n_kinds = log.n_cases, len(kinds)
    events = log.case_sizes.astype(np.int64)
    case, kind = dev["case"], dev["kind"].astype(np.int64)
    counts = np.bincount(case * n_kinds + kind, minlength=n_cases * n_kinds)
    counts = counts.reshape(n_cases, n_kinds).astype(np.int64)
    total = counts.sum(axis=1)
    if fitness is None:
        fitness = np.maximum(0.0, 1.0 - total / np.maximum(events, 1))
    first = first_per_case(case, n_cases)  # deviations are sorted by case
    first_kind = np.where(first >= 0, kind[first] if kind.size else -1, -1)
    if log.n_events:
        furthest = np.maximum.reduceat(st, log.case_offsets[:-1])
    else:
        furthest = np.empty(0, dtype=np.int64)
    out = pd.DataFrame(
        {
            "case": log.case_labels,
            "events": events,
            "deviations": total,
            "fitness": np.asarray(fitness, dtype=np.float64),
            "conforms": total == 0,
            "furthest_stage": pd.Series(names(model.stages, furthest), dtype=object),
            "first_deviation": pd.Series(names(kinds, first_kind), dtype=object),
        }
    )
    for i, name in enumerate(kinds):
        out[name] = counts[:, i]
    return out


def _summary(
    model: JourneyModel,
    cases: pd.DataFrame,
    dev: pd.DataFrame,
    kinds: tuple[str, ...],
) -> pd.DataFrame:
    n = len(cases)
    conforming = int(cases["conforms"].sum())
    rows: list[tuple[str, str, Any]] = [
        ("overall", "cases", n),
        ("overall", "conforming cases", conforming),
        ("overall", "conformance rate", conforming / n if n else float("nan")),
        ("overall", "mean fitness", float(cases["fitness"].mean()) if n else float("nan")),
        ("overall", "deviations", len(dev)),
    ]
    by_kind = np.bincount(dev["kind"].cat.codes.to_numpy(), minlength=len(kinds))
    rows += [("kind", k, int(c)) for k, c in zip(kinds, by_kind, strict=True)]
    stage_codes = pd.Index(list(model.stages)).get_indexer(dev["stage"].dropna())
    by_stage = np.bincount(stage_codes[stage_codes >= 0], minlength=len(model.stages))
    rows += [("stage", s, int(c)) for s, c in zip(model.stages, by_stage, strict=True)]
    index = pd.MultiIndex.from_tuples([(a, b) for a, b, _ in rows], names=["section", "item"])
    return pd.DataFrame(
        {"value": pd.Series([c for _, _, c in rows], dtype=object).values}, index=index
    )


def _edge_counts(case: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys with their number of occurrences and of distinct cases."""
    if key.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    span = int(key.max()) + 1
    if span <= 1 << 22:
        events = np.bincount(key, minlength=span)
        keys = np.flatnonzero(events)
        return keys, events[keys], cases_per_key(case, key, span)[keys]
    keys, compact, events = np.unique(key, return_inverse=True, return_counts=True)
    return keys, events, cases_per_key(case, compact.reshape(-1), keys.size)


def _observed(
    log: JourneyLog, model: JourneyModel, m: KnownMoves
) -> dict[tuple[str, int, int], tuple[int, int]]:
    """Observed moves between stages (and between model activities with transitions).

    Keys are ``(level, i, j)`` with model positions (stage order, or the order
    of ``model.activities``), values ``(events, cases)``: counts that add up
    over logs with disjoint cases.
    """
    n_stages = len(model.stages)
    across = m.src != m.dst
    keys, events, cases = _edge_counts(
        m.case[across], m.src[across] * np.int64(n_stages) + m.dst[across]
    )
    observed = {
        ("stage", int(k // n_stages), int(k % n_stages)): (int(e), int(c))
        for k, e, c in zip(keys, events, cases, strict=True)
    }
    if model.transitions is not None:
        a_index = {a: i for i, a in enumerate(model.activities)}
        n_acts = np.int64(max(len(a_index), 1))
        table = np.array([a_index.get(a, -1) for a in log.activity_labels], dtype=np.int64)
        a_prev = table[log.activity_codes[m.prev]] if table.size else m.prev
        a_cur = table[log.activity_codes[m.cur]] if table.size else m.cur
        keys, events, cases = _edge_counts(m.case, a_prev * n_acts + a_cur)
        observed.update(
            {
                ("activity", int(k // n_acts), int(k % n_acts)): (int(e), int(c))
                for k, e, c in zip(keys, events, cases, strict=True)
            }
        )
    return observed


def _compare(
    model: JourneyModel, observed: dict[tuple[str, int, int], tuple[int, int]]
) -> pd.DataFrame:
    """The designed-vs-observed edge table from the observed counts."""
    stages = list(model.stages)
    index = {s: i for i, s in enumerate(stages)}
    designed = {(index[a], index[b]) for a, b in model.designed_moves()}
    seen = {(i, j) for level, i, j in observed if level == "stage"}
    rows: list[tuple[str, Any, Any, str, int, int]] = []
    for i, j in sorted(designed | seen):
        e, c = observed.get(("stage", i, j), (0, 0))
        rows.append(("stage", stages[i], stages[j], _status((i, j) in designed, e > 0), e, c))
    if model.transitions is not None:
        acts = list(model.activities)
        a_index = {a: i for i, a in enumerate(acts)}
        designed_acts = {(a_index[a], a_index[b]) for a, b in model.transitions}
        seen_acts = {(i, j) for level, i, j in observed if level == "activity"}
        for i, j in sorted(designed_acts | seen_acts):
            e, c = observed.get(("activity", i, j), (0, 0))
            status = _status((i, j) in designed_acts, e > 0)
            rows.append(("activity", acts[i], acts[j], status, e, c))
    return pd.DataFrame(
        {
            "level": pd.Series([r[0] for r in rows], dtype=object),
            "source": pd.Series([r[1] for r in rows], dtype=object),
            "target": pd.Series([r[2] for r in rows], dtype=object),
            "status": pd.Categorical(
                [r[3] for r in rows], categories=["both", "designed_only", "observed_only"]
            ),
            "events": np.array([r[4] for r in rows], dtype=np.int64),
            "cases": np.array([r[5] for r in rows], dtype=np.int64),
        }
    )


def _status(designed: bool, observed: bool) -> str:
    if designed and observed:
        return "both"
    return "designed_only" if designed else "observed_only"
