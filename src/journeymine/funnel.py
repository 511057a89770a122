"""How far journeys get and how long they take: the funnel and the time in each stage."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._tables import NAT, concat_by_case, datetimes, first_and_last, timedeltas
from journeymine.engine import Kernel, LogMeta, run, segmented
from journeymine.errors import ParameterError
from journeymine.log import JourneyLog, factorize
from journeymine.model import JourneyModel, covered
from journeymine.visits import close_visits, km_summary, visit_arrays

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["funnel", "stage_durations"]


def _first_visits(
    log: JourneyLog, st: np.ndarray, n_stages: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct (case, stage) among known events, sorted by (case, stage).

    Returns the case codes, stage indices, the event index of the first and
    the last event in the stage, and the known-event positions of the last
    events (for finding the next known event).
    """
    known = np.flatnonzero(st >= 0)
    key = log.case_codes[known] * np.int64(n_stages) + st[known]
    uniq, first, last = first_and_last(key)
    return uniq // n_stages, uniq % n_stages, known[first], known[last], known


@v.validate_params(
    {
        "model": [v.Model()],
        "open_window": [v.Duration(), None],
        "ordered": ["boolean"],
        "within": [v.Duration(), None],
        "exclude": [v.Activities(), None],
        "hold": [v.InstanceOf(str), None],
    }
)
def funnel(
    log: LogLike,
    model: JourneyModel,
    *,
    as_of: Any = None,
    open_window: str | pd.Timedelta | _dt.timedelta | None = None,
    segment: Any = None,
    steps: Sequence[Any] | None = None,
    ordered: bool = False,
    within: str | pd.Timedelta | _dt.timedelta | None = None,
    exclude: Any = None,
    hold: str | None = None,
) -> pd.DataFrame:
    """How many cases reach each stage, how fast, and where they stop.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model : JourneyModel
        The designed journey: its stages in order and the stage of each
        activity. Events of activities it does not know are ignored.
    as_of : timestamp or str, optional
        When the data was extracted (naive times are taken as UTC; aware
        ones are compared in UTC). It must not be before the log's last
        event. With it, cases whose last event is recent are counted as
        ``open`` rather than as drop-outs.
    open_window : str or Timedelta, default="30D"
        With ``as_of``: a case is open when its last event (of any
        activity) is at most this long before ``as_of``.
    segment : str or pandas.Series, optional
        Group the cases: a column (a case's group is its value on its first
        event) or a Series indexed by case id. The table then has a leading
        ``group`` column and one block of stages per group.
    steps : list of stages, optional
        The funnel's steps, each a stage of the model, in funnel order; by
        default the model's stages.
    ordered : bool, default=False
        ``False`` counts reach: a case reaches a step when it has an event in
        that stage, in any order. ``True`` gives a strict (fallout) funnel,
        as Adobe Analytics and Amplitude draw them: a case reaches step k
        when it has an event in step k's stage after the event by which it
        reached step k-1 (step 1: its first event in step 1's stage). Then
        ``reached`` never increases and ``conversion`` is at most 1.
    within : str or Timedelta, optional
        Only with ``ordered=True``: the conversion window. A step counts only
        when reached no later than ``within`` after the event by which the
        case reached step 1, e.g. ``"30D"``.
    exclude : activity or list of activities, optional
        Only with ``ordered=True``: exclusion steps (as Mixpanel's). A case
        with an event of one of them between the event by which it reached
        step k and the one by which it would reach step k+1 does not reach
        step k+1 (nor any later step). The events that reach the steps are
        chosen as without ``exclude``, never re-chosen: with ``x``
        excluded, ``s1, x, s1, s2`` does not reach step 2.
    hold : str, optional
        Only with ``ordered=True``: a column of the log held constant (as
        Mixpanel's "hold property constant"), e.g. ``"channel"``. Step k
        (k > 1) is reached by the case's next event in its stage whose
        value in that column equals the value on the event that reached
        step 1; a missing value equals nothing. Exclusions apply whatever
        the excluded event's value.

    Returns
    -------
    pandas.DataFrame
        One row per stage of the model, in model order, with the columns:

        ``stage``
            The stage.
        ``reached``
            Cases with at least one event in the stage (int64); with
            ``ordered=True``, cases that reached the step in order.
        ``share``
            ``reached`` over all cases of the log (float).
        ``conversion``
            The share of the cases that reached the previous stage that
            also reach this one (cases, not events, so at most 1); for the
            first stage, ``reached`` over all cases (so it equals
            ``share``). NaN when the previous stage has no case.
        ``median_time_to_reach``
            Median, over the cases that reach the stage, of the time from
            the case's first event (of any activity) to its first event in
            the stage (NaT when no case reaches it). With ``ordered=True``,
            from the event by which the case reached step 1 to the event by
            which it reached this step, so never more than ``within``
            (0 at step 1).
        ``dropped_out``
            Cases whose furthest stage (the latest in model order among
            their known events, as ``report.cases.furthest_stage``) is this
            one (int64), excluding open ones with ``as_of``. At the last
            stage these are the cases that went all the way. With ``steps``
            only the listed stages count; with ``ordered=True`` it is the
            last step the case reached in order.
        ``without_previous``
            Only with ``ordered=False`` (the reach funnel): cases that reach
            this stage without reaching the previous one (int64; 0 at the
            first stage). They are why ``reached`` can grow from one stage
            to the next.
        ``open``
            Only with ``as_of``: cases whose furthest stage is this one and
            whose last event is within ``open_window`` before ``as_of``
            (int64).

        When some case reaches a stage without the one before, the table's
        ``attrs["note"]`` says so in words (the report shows it): a reach
        funnel counts stages in any order, and steps can be skipped or
        repeated.

        Cases without any known event reach no stage and are counted in
        no row, but count in the denominator of ``share``.

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog or ``model`` not a JourneyModel, if
        ``as_of`` is not a time or is before the log's last event, if
        ``open_window`` is not a non-negative duration, if
        ``open_window`` is given without ``as_of``, if a step is not a
        stage of the model, if ``within`` is not a duration, if ``within``,
        ``exclude`` or ``hold`` is given without ``ordered=True``, or if
        ``exclude`` names an activity the log does not have.
    LogError
        If ``hold`` is not a column of the log.

    See Also
    --------
    stage_durations : How long cases stay in each stage.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.funnel import funnel
    >>> from journeymine.model import JourneyModel, covered
    >>> model = JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ... )
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "touchpoint": ["ad", "view", "buy", "ad", "view", "ad"],
    ...     "ts": ["2025-01-01", "2025-01-02", "2025-01-04", "2025-01-01", "2025-01-03",
    ...            "2025-01-01"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> result = funnel(log, model)
    >>> result[["stage", "reached", "share", "conversion", "dropped_out"]].round(2)
               stage  reached  share  conversion  dropped_out
    0      Awareness        3   1.00        1.00            1
    1  Consideration        2   0.67        0.67            1
    2       Purchase        1   0.33        0.50            1
    >>> result["median_time_to_reach"].astype(str).tolist()
    ['0 days 00:00:00', '1 days 12:00:00', '3 days 00:00:00']

    With ``as_of``, the cases active in the last ``open_window`` are open:

    >>> funnel(log, model, as_of="2025-01-05", open_window="2D")[["dropped_out", "open"]]
       dropped_out  open
    0            1     0
    1            0     1
    2            0     1

    A strict funnel: case ``d`` buys before it views, so it converts in the
    reach funnel but not in the ordered one:

    >>> df2 = pd.concat([df, pd.DataFrame({"customer": ["d", "d"], "touchpoint": ["buy", "view"],
    ...                                    "ts": ["2025-01-01", "2025-01-02"]})])
    >>> log2 = jm.from_pandas(df2, case="customer", activity="touchpoint", timestamp="ts")
    >>> funnel(log2, model, steps=["Consideration", "Purchase"])[["stage", "reached"]]
               stage  reached
    0  Consideration        3
    1       Purchase        2
    >>> strict = funnel(log2, model, steps=["Consideration", "Purchase"], ordered=True,
    ...                 within="7D")
    >>> strict[["stage", "reached", "conversion"]].round(3)
               stage  reached  conversion
    0  Consideration        3       0.750
    1       Purchase        1       0.333

    Exclusion steps: a case with an ``ad`` between its view and its
    purchase does not count as converting:

    >>> df3 = pd.DataFrame({"customer": ["e", "e", "e", "f", "f"],
    ...                     "touchpoint": ["view", "ad", "buy", "view", "buy"],
    ...                     "ts": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01",
    ...                            "2025-01-02"]})
    >>> log3 = jm.from_pandas(df3, case="customer", activity="touchpoint", timestamp="ts")
    >>> funnel(log3, model, steps=["Consideration", "Purchase"], ordered=True,
    ...        exclude="ad")[["stage", "reached"]]
               stage  reached
    0  Consideration        2
    1       Purchase        1
    """
    if exclude is not None:
        from journeymine.filters import activities_arg, check_known_activities

        exclude = activities_arg(exclude, "exclude", "funnel")
        if hasattr(log, "activities") and exclude:
            check_known_activities(log, exclude, "exclude", "funnel")
    kernel = _Funnel(
        model,
        as_of,
        open_window,
        steps=steps,
        ordered=ordered,
        within=within,
        exclude=exclude,
        hold=hold,
    )
    return run(covered(segmented(kernel, segment), model), log)


@dataclass(frozen=True)
class _Funnel(Kernel[dict, pd.DataFrame]):
    """funnel: per-stage counts that add up, and each case's time to reach each stage."""

    name = "funnel"

    model: Any
    as_of: Any
    open_window: Any
    steps: Any = field(default=None, kw_only=True)
    ordered: bool = field(default=False, kw_only=True)
    within: Any = field(default=None, kw_only=True)
    exclude: tuple[Any, ...] | None = field(default=None, kw_only=True)
    hold: str | None = field(default=None, kw_only=True)
    # bound by check()
    step_stages: Any = field(default=(), kw_only=True, repr=False)
    within_ns: Any = field(default=None, kw_only=True, repr=False)
    as_of_ns: Any = field(default=None, kw_only=True, repr=False)
    window_ns: Any = field(default=None, kw_only=True, repr=False)
    hold_col: Any = field(default=None, kw_only=True, repr=False)

    def check(self, meta: LogMeta) -> _Funnel:
        step_stages, within_ns = _check_steps(self.model, self.steps, self.ordered, self.within)
        if self.open_window is not None and self.as_of is None:
            raise ParameterError(
                "The 'open_window' parameter of funnel() needs as_of=, the time the data was "
                "extracted, e.g. funnel(log, model, as_of='2026-01-01', open_window='30D')."
            )
        return replace(
            self,
            step_stages=step_stages,
            within_ns=within_ns,
            as_of_ns=v.as_of_ns(self.as_of, meta, "funnel") if self.as_of is not None else None,
            window_ns=v.window_ns(self.open_window, "funnel"),
            hold_col=_check_strict_options(meta, self.ordered, self.exclude, self.hold),
        )

    def part(self, log: JourneyLog) -> dict:
        model = self.model
        n_stages, n_cases = len(self.step_stages), log.n_cases
        # the step of each event: its stage's place among the steps (-1 if not a step)
        step_of = np.full(len(model.stages) + 1, -1, dtype=np.int64)
        step_of[[model.stages.index(s) for s in self.step_stages]] = np.arange(n_stages)
        st = step_of[model.event_stages(log)]  # stage -1 (unknown) maps to the last slot: -1
        if self.ordered:
            case, stage, first_ev, furthest = _ordered_reach(
                log, st, n_stages, self.within_ns, self.exclude, self.hold_col
            )
        else:
            case, stage, first_ev, _, _ = _first_visits(log, st, n_stages)
            starts = log.case_offsets[:-1]
            furthest = (
                np.maximum.reduceat(st, starts) if n_cases else np.empty(0, dtype=np.int64)
            )  # -1 when the case has no known event
        has_stage = furthest >= 0
        is_open = np.zeros(n_cases, dtype=bool)
        if self.as_of_ns is not None:
            last = log.time[log.case_offsets[1:] - 1]
            is_open = last >= self.as_of_ns - self.window_ns
        # (case, step) pairs are sorted and distinct: a case reached step k and step k-1
        # when the pair just before (case, k) is (case, k-1)
        after_previous = np.zeros(stage.size, dtype=bool)
        after_previous[1:] = (case[1:] == case[:-1]) & (stage[1:] == stage[:-1] + 1)
        if self.ordered:
            # the strict funnel's clock starts at the event by which the case entered it
            # (reached step 1), as its window does: the times never exceed `within`.
            # Every reached case has its step-1 pair first among its sorted pairs.
            entry = np.flatnonzero(stage == 0)
            own_entry = entry[np.searchsorted(entry, np.arange(stage.size), side="right") - 1]
            origin = log.time[first_ev[own_entry]]
        else:
            origin = log.time[log.case_offsets[case]]
        return {
            "cases": n_cases,
            "stage": stage,
            "both": np.bincount(stage[after_previous], minlength=n_stages),
            "to_reach": log.time[first_ev] - origin,
            "dropped": np.bincount(furthest[has_stage & ~is_open], minlength=n_stages),
            "open": np.bincount(furthest[has_stage & is_open], minlength=n_stages),
        }

    def merge(self, a: dict, b: dict) -> dict:
        return {
            "cases": a["cases"] + b["cases"],
            "stage": np.concatenate([a["stage"], b["stage"]]),
            "both": a["both"] + b["both"],
            "to_reach": np.concatenate([a["to_reach"], b["to_reach"]]),
            "dropped": a["dropped"] + b["dropped"],
            "open": a["open"] + b["open"],
        }

    def finish(self, merged: dict, meta: LogMeta) -> pd.DataFrame:
        n_stages, n_cases = len(self.step_stages), merged["cases"]
        stage = merged["stage"]
        reached = np.bincount(stage, minlength=n_stages).astype(np.int64)
        to_reach = pd.Series(timedeltas(merged["to_reach"]))
        median = to_reach.groupby(stage).median().reindex(range(n_stages))
        previous = np.concatenate([[n_cases], reached[:-1]]).astype(float)
        # cases that reached this step and the one before (all of them at step 1): a share
        # of the previous step's cases, so never above 1 even when cases skip a step
        both = merged["both"].astype(np.int64)
        if n_stages:
            both[0] = reached[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = reached / n_cases if n_cases else np.full(n_stages, np.nan)
            conversion = np.where(previous > 0, both / np.maximum(previous, 1), np.nan)
        out = pd.DataFrame(
            {
                "stage": list(self.step_stages),
                "reached": reached,
                "share": np.asarray(share, dtype=float),
                "conversion": conversion.astype(float),
                "median_time_to_reach": median.to_numpy(dtype="timedelta64[ns]"),
                "dropped_out": merged["dropped"].astype(np.int64),
            }
        )
        if not self.ordered:  # a strict funnel reaches no step without the one before
            out["without_previous"] = reached - both
            skipped = int(out["without_previous"].sum())
            if skipped:
                out.attrs["note"] = _skip_note(out, skipped)
        if self.as_of_ns is not None:
            out["open"] = merged["open"].astype(np.int64)
        return out


def _skip_note(table: pd.DataFrame, skipped: int) -> str:
    """What a reach funnel says when cases reach steps without the step before."""
    worst = table.loc[table["without_previous"].idxmax()]
    return (
        f"Steps can be skipped or repeated in this reach funnel (any order): {skipped:,} "
        f"times a case reached a step without the one before (most at {worst['stage']!r}: "
        f"{int(worst['without_previous']):,} cases, see without_previous). conversion counts "
        "only the cases that reached both; for a strict funnel, in order, pass ordered=True."
    )


def _check_steps(
    model: JourneyModel, steps: Any, ordered: Any, within: Any
) -> tuple[list[Any], int | None]:
    """The funnel's steps (stages of the model) and the window in ns, validated."""

    if within is not None and not ordered:
        raise ParameterError(
            "The 'within' parameter of funnel() is a conversion window for a strict funnel: pass "
            "ordered=True with it, e.g. funnel(log, model, ordered=True, within='30D')."
        )
    window = v.optional_duration_ns(within, "within", "funnel")
    if steps is None:
        return list(model.stages), window
    if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) == 0:
        raise ParameterError(
            "The 'steps' parameter of funnel() must be a non-empty list of stages of the model, "
            f"in funnel order. Got {steps!r} instead, e.g. steps={list(model.stages[:3])!r}."
        )
    unknown = [s for s in steps if s not in model.stages]
    if unknown:
        raise ParameterError(
            f"The 'steps' parameter of funnel() lists {unknown!r}, which {'is' if len(unknown) == 1 else 'are'} "
            f"not a stage of the model. Stages: {list(model.stages)!r}."
        )
    dupes = sorted({str(s) for s in steps if list(steps).count(s) > 1})
    if dupes:
        raise ParameterError(
            f"The 'steps' parameter of funnel() lists {dupes} more than once; each step is a "
            "different stage."
        )
    return list(steps), window


def _check_strict_options(meta: LogMeta, ordered: Any, exclude: Any, hold: Any) -> str | None:
    """Validate ``exclude=`` and ``hold=`` of a strict funnel; the held column's name."""
    for name, value in (("exclude", exclude), ("hold", hold)):
        if value is not None and not ordered:
            raise ParameterError(
                f"The {name!r} parameter of funnel() applies to a strict funnel: pass "
                f"ordered=True with it, e.g. funnel(log, model, ordered=True, {name}=...)."
            )
    if hold is None:
        return None
    if hold not in meta.columns and hold == "channel" and meta.channel is not None:
        return meta.channel
    if hold in (meta.case, meta.timestamp):
        raise ParameterError(
            f"The 'hold' parameter of funnel() cannot be the case or timestamp column ({hold!r}); "
            "pass a property of the events, e.g. hold='channel'."
        )
    return v.check_column(meta, hold, "requested")


def _next_matching(
    events: np.ndarray, groups: np.ndarray, query_group: np.ndarray, after: np.ndarray, n: int
) -> np.ndarray:
    """For each query, the first of ``events`` (indices, sorted) in ``query_group`` with an
    index above ``after`` (-1 when there is none); ``groups`` is each event's group."""
    out = np.full(query_group.size, -1, dtype=np.int64)
    if events.size == 0 or query_group.size == 0:
        return out
    uniq, rank = np.unique(groups, return_inverse=True)
    width = np.int64(n + 1)
    keys = rank.astype(np.int64) * width + events  # sorted by (group, event index)
    order = np.argsort(keys, kind="stable")
    keys, events = keys[order], events[order]
    r = np.minimum(np.searchsorted(uniq, query_group), uniq.size - 1)
    known = uniq[r] == query_group
    at = np.searchsorted(keys, r * width + after + 1, side="left")
    hit = known & (at < keys.size)
    at = np.minimum(at, keys.size - 1)
    hit &= keys[at] // width == r
    out[hit] = events[at[hit]]
    return out


def _ordered_reach(
    log: JourneyLog,
    st: np.ndarray,
    n_steps: int,
    within_ns: int | None,
    exclude: tuple[Any, ...] | None = None,
    hold: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Strict-funnel reach: per step, each case's first event in the step's stage after the
    event by which it reached the previous step (and within the window of step 1's event).

    Returns the case and step of every (case, step) reached, sorted by (case, step), the
    event by which it was reached, and per case the last step reached (-1: none). One
    vectorised pass per step (a searchsorted over that stage's events), no per-case loop.
    """
    n_cases = log.n_cases
    ends = log.case_offsets[1:]
    cases = np.arange(n_cases, dtype=np.int64)
    current = np.full(n_cases, -1, dtype=np.int64)  # event reaching the previous step
    start_time = np.zeros(n_cases, dtype=np.int64)
    alive = np.ones(n_cases, dtype=bool)
    got_case, got_step, got_event = [], [], []
    held, n_held = None, np.int64(1)
    if hold is not None:
        held, held_labels = log.codes(hold)
        n_held = np.int64(len(held_labels) + 1)
    target = np.full(n_cases, -1, dtype=np.int64)  # held value of the step-1 event
    if exclude:
        from journeymine.filters import activity_in

        excluded = np.flatnonzero(activity_in(log, exclude))
    for k in range(n_steps):
        events = np.flatnonzero(st == k)  # sorted: by case, then position
        if k == 0:
            after = log.case_offsets[:-1] - 1  # anything in the case
        else:
            after = current
        if held is not None and k > 0:
            events = events[held[events] >= 0]
            groups = log.case_codes[events] * n_held + held[events]
            query = cases * n_held + target
            ev = _next_matching(events, groups, query, after, log.n_events)
            ok = alive & (ev >= 0) & (target >= 0)
        else:
            at = np.searchsorted(events, after, side="right")
            ok = alive & (at < events.size)
            ev = (
                np.where(ok, events[np.minimum(at, max(events.size - 1, 0))], -1)
                if events.size
                else at
            )
            ok &= ev < ends  # the event belongs to the same case
        if k == 0:
            start_time = np.where(ok, log.time[np.maximum(ev, 0)] if log.n_events else 0, 0)
            if held is not None:
                target = np.where(ok, held[np.maximum(ev, 0)] if log.n_events else -1, -1)
        elif within_ns is not None:
            ok &= log.time[np.maximum(ev, 0)] - start_time <= within_ns
        if exclude and k > 0:  # an excluded event strictly between the two steps' events
            between = np.searchsorted(excluded, ev, side="left") - np.searchsorted(
                excluded, after, side="right"
            )
            ok &= between <= 0
        alive = ok
        current = np.where(ok, ev, -1)
        got_case.append(cases[ok])
        got_step.append(np.full(int(ok.sum()), k, dtype=np.int64))
        got_event.append(current[ok])
    case = np.concatenate(got_case) if got_case else np.empty(0, dtype=np.int64)
    step = np.concatenate(got_step) if got_step else np.empty(0, dtype=np.int64)
    event = np.concatenate(got_event) if got_event else np.empty(0, dtype=np.int64)
    order = np.lexsort((step, case))
    furthest = np.full(n_cases, -1, dtype=np.int64)
    np.maximum.at(furthest, case, step)
    return case[order], step[order], event[order], furthest


# -- stage durations ------------------------------------------------------
@v.validate_params(
    {
        "model": [v.Model()],
        "by": [v.InstanceOf(str), None],
        "summary": ["boolean"],
        "open_window": [v.Duration(), None],
        "ci": v.LEVEL,
    }
)
def stage_durations(
    log: LogLike,
    model: JourneyModel,
    *,
    by: str | None = None,
    as_of: Any = None,
    summary: bool = False,
    segment: Any = None,
    open_window: Any = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """How long cases stay in each stage: per case and stage, or per stage over visits.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model : JourneyModel
        The designed journey: its stages in order and the stage of each
        activity. Events of activities it does not know are ignored.
    by : str, optional
        Also report a column of the entering event: ``"channel"`` (the
        log's channel column, reported as ``channel``) or the name of any
        column of the log (reported under that name).
    as_of : timestamp or str, optional
        When the data was extracted (naive times are taken as UTC). It must
        not be before the log's last event. With it, a stage the case has
        not left is ``open`` and its duration runs to ``as_of``.
    summary : bool, default=False
        Return Kaplan–Meier statistics of the stage *visits* per stage (and
        per ``by`` value) instead of one row per case and stage.
    segment : str or pandas.Series, optional
        Group the cases: a column (a case's group is its value on its first
        event) or a Series indexed by case id. The table then has a leading
        ``group`` column and one block per group.
    open_window : timedelta or str, optional
        Only with ``summary=True`` and ``as_of``: a case's last visit is
        open when its last event is within ``open_window`` before ``as_of``
        (default 30 days), as in :func:`stage_visits`.
    ci : float, default=0.95
        With ``summary=True``: confidence level of ``median_lo`` and
        ``median_hi``.

    Returns
    -------
    pandas.DataFrame
        By default, one row per case and stage reached, sorted by case (in
        log order) and time of entry, with the columns:

        ``case``
            The case id.
        ``stage``
            The stage (categorical, ordered as in the model).
        ``entered``
            Time of the case's first event in the stage.
        ``left``
            Time of the first known event after the case's last event in
            the stage (necessarily in another stage); NaT if there is none.
        ``duration``
            ``left - entered``. When the case has not left the stage: NaT,
            or with ``as_of``, ``as_of - entered``.
        ``channel`` (or the ``by`` column)
            Only with ``by``: its value at the entering event.
        ``open``
            Only with ``as_of``: True when the case has not left the stage.

        With ``summary=True``, one row per stage in model order (per stage
        and ``by`` value with ``by``, the value at the visit's first event),
        summarising the visits of :func:`stage_visits`:

        ``stage`` (and the ``by`` column)
            The stage, categorical in model order (and the ``by`` value).
        ``visits``
            Number of visits (int64).
        ``open``
            Visits not over yet, right-censored in the statistics (int64).
        ``median``, ``median_lo``, ``median_hi``
            Kaplan–Meier median time in stage and its confidence interval
            from resampling cases (see Notes); NaT where the survival curve
            (or the resampled curves) never gets down to one half, e.g. when
            most visits are open.
        ``p90``
            Kaplan–Meier 90th percentile; NaT when the curve stays above 0.1.

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog or ``model`` not a JourneyModel, if
        ``as_of`` is not a time or is before the log's last event, if ``by``
        is ``"channel"`` for a log without a channel column, or if
        ``open_window`` or ``ci`` is given without ``summary=True``.
    LogError
        If ``by`` is not a column of the log.

    See Also
    --------
    funnel : How many cases reach each stage.
    stage_visits : One row per visit to a stage.

    Notes
    -----
    The per-case table measures a stage from the case's first entry into it
    to the moment the case moves on after its last event there, so going
    back to a stage extends its visit. The summary counts each visit
    separately instead (a customer buying every month has twelve short
    Purchase visits, not one of a year), and keeps the visits that are not
    over: they are right-censored, their time so far a lower bound, and
    ``scipy.stats.ecdf`` estimates the survival curve of the time in stage
    from all visits (Kaplan–Meier). Leaving open visits out would bias the
    times low. The median is the first time the curve is at or below one
    half. Its interval resamples *cases*, not visits (a case bootstrap: 400
    resamples, each case drawn with all its visits, seeded so the table is
    the same every run; ends rounded up to a grid of 1,024 time quantiles
    on large logs; cases whose visits fall on the same grid times are drawn
    together, as one multinomial count, which is the same distribution and
    keeps the work per distinct pattern of visits, not per case): the visits of one customer are alike, and treating them
    as independent gives intervals that cover the truth about 77 % of the
    time instead of 95 % when customers visit a stage four times each. Without ``as_of`` every case's last visit is open and
    censored at the log's last event; pass ``as_of`` (and ``open_window``)
    so that cases that went quiet count as having left.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.funnel import stage_durations
    >>> from journeymine.model import JourneyModel, covered
    >>> model = JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
    ... )
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "a"],
    ...     "touchpoint": ["ad", "view", "view", "buy"],
    ...     "ts": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> stage_durations(log, model)[["stage", "entered", "left", "duration"]]
               stage    entered       left duration
    0      Awareness 2025-01-01 2025-01-02   1 days
    1  Consideration 2025-01-02 2025-01-06   4 days
    2       Purchase 2025-01-06        NaT      NaT
    >>> stage_durations(log, model, summary=True)[["stage", "visits", "open", "median"]]
               stage  visits  open median
    0      Awareness       1     0 1 days
    1  Consideration       1     0 4 days
    2       Purchase       1     1    NaT
    """
    if summary:
        kernel: Kernel[Any, pd.DataFrame] = _VisitSummary(model, by, as_of, open_window, ci)
    else:
        if open_window is not None or ci != 0.95:
            raise ParameterError(
                "The 'open_window' and 'ci' parameters of stage_durations() apply to the "
                "summary of visits: pass summary=True (and as_of= for open_window)."
            )
        kernel = _StageDurations(model, by, as_of)
    return run(covered(segmented(kernel, segment), model), log)


@dataclass(frozen=True)
class _VisitSummary(Kernel[pd.DataFrame, pd.DataFrame]):
    """stage_durations(summary=True): Kaplan–Meier statistics of the stage visits."""

    name = "stage_durations"

    model: Any
    by: Any
    as_of: Any
    open_window: Any
    ci: Any
    # bound by check()
    window: Any = field(default=None, kw_only=True, repr=False)
    level: float = field(default=0.95, kw_only=True, repr=False)
    by_col: str | None = field(default=None, kw_only=True, repr=False)
    by_name: str | None = field(default=None, kw_only=True, repr=False)
    as_of_ns: int | None = field(default=None, kw_only=True, repr=False)

    def check(self, meta: LogMeta) -> _VisitSummary:
        window = v.window_ns(self.open_window, "stage_durations")
        level = float(self.ci)
        if self.open_window is not None and self.as_of is None:
            raise ParameterError(
                "The 'open_window' parameter of stage_durations() needs as_of=, the time the "
                "data was extracted, e.g. stage_durations(log, model, summary=True, "
                "as_of='2026-01-01', open_window='30D')."
            )
        by_col, by_name = _resolve_by(meta, self.by)
        as_of_ns = (
            v.as_of_ns(self.as_of, meta, "stage_durations") if self.as_of is not None else None
        )
        return replace(
            self, window=window, level=level, by_col=by_col, by_name=by_name, as_of_ns=as_of_ns
        )

    def part(self, log: JourneyLog) -> pd.DataFrame:
        arr = visit_arrays(log, self.model)
        out = pd.DataFrame(
            {
                "case": log.case_labels.take(arr["case"]),  # cases are resampled, not visits
                "stage": arr["stage"],
                "enter": arr["enter"],
                "leave": arr["leave"],
                "last": arr["last"],
                "is_last": arr["is_last"],
            }
        )
        if self.by_col is not None:
            out["by"] = log.column(self.by_col)[arr["first"]]
        return out

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        arr = {c: merged[c].to_numpy() for c in ("enter", "leave", "last", "is_last")}
        end = meta.time_max if meta.time_max is not None else 0
        duration, is_open = close_visits(arr, self.as_of_ns, self.window, end)
        stages = list(self.model.stages)
        stage = merged["stage"].to_numpy(np.int64)
        case, _ = factorize(merged["case"])  # by sorted case id: the same on every engine
        if self.by_col is None:
            return km_summary(duration, is_open, stage, stages, self.level, case)
        codes, labels = pd.factorize(merged["by"], sort=True)
        n_by = max(len(labels), 1)
        key = stage * n_by + codes
        ok = codes >= 0  # visits whose by value is missing are left out
        cells = np.unique(key[ok])  # (stage, by value) pairs that occur
        cell = np.searchsorted(cells, key[ok])
        table = km_summary(duration[ok], is_open[ok], cell, list(cells), self.level, case[ok])
        out = table.drop(columns="stage")
        out.insert(
            0, "stage", pd.Categorical.from_codes(cells // n_by, categories=stages, ordered=True)
        )
        out.insert(1, self.by_name, np.asarray(labels, dtype=object)[cells % n_by])
        return out


@dataclass(frozen=True)
class _StageDurations(Kernel[pd.DataFrame, pd.DataFrame]):
    """stage_durations: one row per case and stage reached."""

    name = "stage_durations"

    model: Any
    by: Any
    as_of: Any
    # bound by check()
    by_col: str | None = field(default=None, kw_only=True, repr=False)
    by_name: str | None = field(default=None, kw_only=True, repr=False)
    as_of_ns: int | None = field(default=None, kw_only=True, repr=False)

    def check(self, meta: LogMeta) -> _StageDurations:
        by_col, by_name = _resolve_by(meta, self.by)
        as_of_ns = (
            v.as_of_ns(self.as_of, meta, "stage_durations") if self.as_of is not None else None
        )
        return replace(self, by_col=by_col, by_name=by_name, as_of_ns=as_of_ns)

    def part(self, log: JourneyLog) -> pd.DataFrame:
        model, as_of_ns = self.model, self.as_of_ns
        n_stages = len(model.stages)
        st = model.event_stages(log)
        case, stage, first_ev, last_ev, known = _first_visits(log, st, n_stages)
        # The next known event after the last event in the stage, if in the same case.
        nxt = np.searchsorted(known, last_ev) + 1
        nxt_ev = known[np.minimum(nxt, known.size - 1)] if known.size else nxt
        has_next = (nxt < known.size) & (log.case_codes[nxt_ev] == case)
        entered = log.time[first_ev]
        left = np.where(has_next, log.time[nxt_ev], NAT)
        if as_of_ns is not None:
            duration = np.where(has_next, left - entered, as_of_ns - entered)
        else:
            duration = np.where(has_next, left - entered, NAT)

        order = np.lexsort((first_ev, case))  # by case, then entry (first events are distinct)
        stage_dtype = pd.CategoricalDtype(list(model.stages), ordered=True)
        out = pd.DataFrame(
            {
                "case": log.case_labels.take(case[order]),
                "stage": pd.Categorical.from_codes(stage[order], dtype=stage_dtype),
                "entered": datetimes(log.tz_aware, entered[order]),
                "left": datetimes(log.tz_aware, left[order]),
                "duration": timedeltas(duration[order]),
            }
        )
        if self.by_col is not None:
            out[self.by_name] = log.column(self.by_col)[first_ev[order]]
        if as_of_ns is not None:
            out["open"] = ~has_next[order]
        return out

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged])


def _resolve_by(log: LogMeta, by: Any) -> tuple[str | None, str]:
    """The log column to report, and the name of the result column."""
    if by is None:
        return None, ""
    if by == "channel":
        if log.channel is not None:
            return log.channel, "channel"
        if "channel" in log.columns:
            return "channel", "channel"
        raise ParameterError(
            "stage_durations(by='channel') needs a channel column, but the log has none. "
            f"Build the log with channel='<column>' (columns: {list(log.columns)}), or pass "
            "by='<column>'."
        )
    if by in (log.case, log.timestamp):
        raise ParameterError(
            f"stage_durations(by={by!r}): the case or timestamp column cannot be a grouping."
        )
    v.check_column(log, by, "requested")
    return by, by
