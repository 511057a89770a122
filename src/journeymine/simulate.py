"""Simulate event logs of customer journeys drawn from a :class:`JourneyModel`."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import JourneymineWarning, ModelError, ParameterError, user_stacklevel
from journeymine.log import JourneyLog, from_pandas
from journeymine.model import JourneyModel

__all__ = ["simulate", "DEVIATION_KINDS"]

#: The deviation kinds ``simulate(noise=...)`` injects, as named by :func:`journeymine.check`.
DEVIATION_KINDS: tuple[str, ...] = (
    "unknown_activity",
    "wrong_start",
    "skipped_stage",
    "stage_regression",
    "forbidden_transition",
)

DEFAULT_CHANNELS: tuple[str, ...] = ("web", "app", "email", "store")

_UNKNOWN_NAMES = ("Unlisted touchpoint 1", "Unlisted touchpoint 2", "Unlisted touchpoint 3")
_MAX_LOOPS = 2  # backward moves per case
_SPREAD_DAYS = 30  # case start times are spread over this many days
_ATTEMPT = 0.3  # chance per step that a noisy case injects its deviation now
_CHUNK = 50_000  # cases walked at once

_Truth = tuple[np.ndarray, np.ndarray, np.ndarray]

# action codes
_STAY, _ADVANCE, _LOOP, _STOP = 0, 1, 2, 3
# pending-deviation codes: index into DEVIATION_KINDS, -1 for none
_UNKNOWN, _WRONG_START, _SKIP, _REGRESSION, _FORBIDDEN = range(5)


#: the most cases one call simulates (about 8 events each)
MAX_CASES = 50_000_000
_ROOM_DAYS = 36_500  # room left after ``start`` for the simulated journeys (100 years)


@v.validate_params(
    {
        "model": [v.Model()],
        "cases": [v.Interval(int, 1, MAX_CASES)],
        "seed": [*v.SEED, v.InstanceOf(np.random.SeedSequence, "a numpy.random.SeedSequence")],
        "noise": [v.Interval(float, 0, 1)],
        "dropout": [v.Interval(float, 0, 1)],
        "skip": [v.Interval(float, 0, 1)],
        "loop": [v.Interval(float, 0, 1)],
        "return_truth": ["boolean"],
    }
)
def simulate(
    model: JourneyModel,
    *,
    cases: int = 1000,
    seed: int | np.random.Generator | None = None,
    noise: float = 0.0,
    start: str | pd.Timestamp = "2025-01-01",
    channels: Iterable[str] | Mapping[Any, Any] | None = None,
    dropout: float = 0.15,
    skip: float = 0.3,
    loop: float = 0.1,
    return_truth: bool = False,
) -> JourneyLog | tuple[JourneyLog, pd.DataFrame]:
    """Draw an event log of customer journeys from a model.

    Each case walks the model's stages in order. It starts in a start stage
    (or, if the model lists none, in the first stage, possibly skipping
    optional ones), visits one to three activities of each stage it passes,
    sometimes skips an optional (non-required) stage, sometimes takes an
    allowed loop back to an earlier stage and goes forward again (at most
    twice), and may drop out after any stage. When the model lists allowed
    transitions, every step follows one of them. Events of a stage are
    minutes apart, stages hours to days apart; cases start over 30 days.

    With ``noise=0`` every journey conforms to the model: checking the log
    against it finds no deviation. With ``noise > 0`` each case, with that
    probability, gets exactly one deviation of a kind drawn at random among
    those the model allows: ``unknown_activity`` (an event whose activity
    the model does not know, e.g. ``"Unlisted touchpoint 1"``),
    ``wrong_start`` (only if the model lists start stages),
    ``skipped_stage`` (a move over exactly one unvisited required stage),
    ``stage_regression`` (a move back that is not an allowed loop) and
    ``forbidden_transition`` (only if the model lists transitions). When
    the chosen kind finds no room in the case (say, a case that drops out
    before any required stage could be skipped), it becomes an
    ``unknown_activity``.

    Parameters
    ----------
    model : JourneyModel
        The designed journey; it needs at least one activity.
    cases : int, default=1000
        Number of cases (journeys).
    seed : int, numpy.random.Generator or None, default=None
        Source of randomness; the same int gives the same log.
    noise : float, default=0.0
        Probability in [0, 1] that a case gets one deviation.
    start : str or pandas.Timestamp, default="2025-01-01"
        The earliest case start. A time-zone-aware start gives aware timestamps.
    channels : sequence of str or mapping, optional
        The channels events are drawn from (default ``web``, ``app``,
        ``email``, ``store``); each case prefers one. A mapping
        ``{activity: channel or [channels]}`` fixes the channels of those
        activities; the others draw from all channels named.
    dropout : float, default=0.15
        Probability that a case stops after a stage (before its last).
    skip : float, default=0.3
        Probability of skipping each optional stage.
    loop : float, default=0.1
        Probability of taking an allowed loop after a stage.
    return_truth : bool, default=False
        Also return the injected deviations.

    Returns
    -------
    JourneyLog
        Columns ``case`` (``"case_000001"``, ...), ``activity``,
        ``timestamp``, ``stage`` (missing for unknown activities) and
        ``channel``, with ``stage="stage"`` and ``channel="channel"`` set.
    pandas.DataFrame
        Only with ``return_truth=True``: one row per injected deviation,
        columns ``case``, ``position`` (of the event where the deviation
        shows, as in ``check``), ``kind`` and ``activity``.

    Raises
    ------
    ParameterError
        If an argument is out of range or of the wrong type.
    ModelError
        If the model has no activity.

    Warns
    -----
    JourneymineWarning
        If a required stage has no activity: no case can pass it, so all
        journeys drop out before it.

    Examples
    --------
    >>> from journeymine.model import JourneyModel
    >>> from journeymine.simulate import simulate
    >>> model = JourneyModel(
    ...     stages=["Awareness", "Consideration", "Purchase"],
    ...     activities={"ad": "Awareness", "view": "Consideration",
    ...                 "compare": "Consideration", "buy": "Purchase"},
    ...     start=["Awareness"],
    ... )
    >>> log = simulate(model, cases=50, seed=1)
    >>> log.n_cases
    50
    >>> sorted(log.activities)
    ['ad', 'buy', 'compare', 'view']
    >>> log, truth = simulate(model, cases=50, seed=1, noise=0.5, return_truth=True)
    >>> list(truth.columns)
    ['case', 'position', 'kind', 'activity']
    """
    rng, n, t0, chan_spec = _check_args(
        model, cases, seed, noise, start, channels, dropout, skip, loop, return_truth
    )
    sim = _Walker(model, rng, noise, dropout, skip, loop)
    ev_case, ev_act, truth = sim.run_chunked(n)

    # Events come out step by step; order them by case, keeping step order.
    order = np.argsort(ev_case, kind="stable")
    ev_case = ev_case[order]
    ev_act = ev_act[order]
    n_ev = len(ev_case)
    starts = np.flatnonzero(np.r_[True, ev_case[1:] != ev_case[:-1]])
    first = np.zeros(n_ev, dtype=bool)
    first[starts] = True
    case_first = np.repeat(starts, np.diff(np.r_[starts, n_ev]))
    position = np.arange(n_ev) - case_first

    known = ev_act >= 0
    ev_stage = np.where(known, sim.act_stage[np.maximum(ev_act, 0)], -1)
    timestamps = _times(rng, n, ev_case, ev_stage, first, starts, t0)
    channel = _channels(rng, n, ev_case, ev_act, sim.acts, sim.unknown_names, chan_spec)

    act_labels = np.asarray(list(sim.acts) + list(sim.unknown_names), dtype=object)
    act_index = np.where(known, ev_act, len(sim.acts) + (-ev_act - 1))
    stage_labels = np.asarray(list(model.stages) + [None], dtype=object)
    width = max(6, len(str(n)))
    case_labels = np.asarray([f"case_{k + 1:0{width}d}" for k in range(n)], dtype=object)
    df = pd.DataFrame(
        {
            "case": case_labels[ev_case],
            "activity": act_labels[act_index],
            "timestamp": timestamps,
            "stage": stage_labels[ev_stage],
            "channel": channel,
        }
    )
    log = from_pandas(
        df,
        case="case",
        activity="activity",
        timestamp="timestamp",
        stage="stage",
        channel="channel",
    )
    if not return_truth:
        return log
    t_case, t_step_index, t_kind = truth
    # Map each deviation's event (its index in emission order) to its position.
    inverse = np.empty(n_ev, dtype=np.int64)
    inverse[order] = np.arange(n_ev)
    at = inverse[t_step_index]
    truth_df = pd.DataFrame(
        {
            "case": case_labels[t_case],
            "position": position[at].astype(np.int64),
            "kind": np.asarray(DEVIATION_KINDS, dtype=object)[t_kind],
            "activity": act_labels[act_index[at]],
        }
    )
    truth_df = truth_df.sort_values(["case", "position"], kind="stable").reset_index(drop=True)
    return log, truth_df


def _check_args(
    model: Any,
    cases: Any,
    seed: Any,
    noise: Any,
    start: Any,
    channels: Any,
    dropout: Any,
    skip: Any,
    loop: Any,
    return_truth: Any,
) -> tuple[np.random.Generator, int, pd.Timestamp, Any]:
    if not model.activities:
        raise ModelError(
            "simulate() needs a model with activities; this one maps none to its stages. "
            "Pass activities={activity: stage, ...}."
        )
    rng = np.random.default_rng(int(seed) if isinstance(seed, numbers.Integral) else seed)
    try:
        t0 = pd.Timestamp(start)
    except (TypeError, ValueError):
        t0 = pd.NaT
    if t0 is pd.NaT:
        raise ParameterError(
            "The 'start' parameter of simulate() must be a date or timestamp such as "
            f"'2025-01-01'. Got {start!r} instead."
        )
    naive = t0.tz_convert("UTC").tz_localize(None) if t0.tzinfo is not None else t0
    latest = pd.Timestamp.max.as_unit("ns") - pd.Timedelta(days=_ROOM_DAYS)
    if not pd.Timestamp.min.as_unit("ns") <= naive <= latest:
        raise ParameterError(
            f"The 'start' parameter of simulate() is {start!r}; simulated journeys need it "
            f"between {pd.Timestamp.min.as_unit('ns').date()} and {latest.date()} (nanosecond "
            f"times end in {pd.Timestamp.max.year}, and the journeys need {_ROOM_DAYS:,} days "
            "after the start). Pass e.g. start='2025-01-01'."
        )
    t0 = t0.as_unit("ns")
    if channels is None:
        chan_spec: Any = DEFAULT_CHANNELS
    elif isinstance(channels, Mapping):
        spec = {}
        for act, chans in channels.items():
            if isinstance(chans, str):
                names: tuple[Any, ...] = (chans,)
            elif isinstance(chans, Iterable) and not isinstance(chans, Mapping):
                names = tuple(chans)
            else:
                names = ()
            if not names or not all(isinstance(c, str) for c in names):
                raise ParameterError(
                    "The 'channels' parameter of simulate() maps each activity to a channel "
                    f"name or a list of them. Got {chans!r} for activity {act!r}."
                )
            spec[act] = names
        if not spec:
            raise ParameterError(
                "The 'channels' parameter of simulate() is an empty mapping. Pass channel "
                "names, or None for the default ones."
            )
        chan_spec = spec
    else:
        chans = (channels,) if isinstance(channels, str) else tuple(channels)
        if not chans or not all(isinstance(c, str) for c in chans):
            raise ParameterError(
                "The 'channels' parameter of simulate() must be a non-empty list of channel "
                f"names, a mapping activity -> channels, or None. Got {channels!r} instead."
            )
        chan_spec = tuple(dict.fromkeys(chans))
    return rng, int(cases), t0, chan_spec


class _Walker:
    """All cases walk the model in lockstep: one event per living case per step."""

    def __init__(
        self,
        model: JourneyModel,
        rng: np.random.Generator,
        noise: float,
        dropout: float,
        skip: float,
        loop: float,
    ) -> None:
        self.rng = rng
        self.noise = noise
        self.dropout = dropout
        self.skip = skip
        self.loop = loop
        order = {s: i for i, s in enumerate(model.stages)}
        self.acts = list(model.activities)
        self.act_stage = np.array([order[model.activities[a]] for a in self.acts], dtype=np.int64)
        S = self.S = len(model.stages)
        A = len(self.acts)
        self.has_acts = np.bincount(self.act_stage, minlength=S) > 0
        self.req = np.array([s in set(model.required or ()) for s in model.stages])
        self.start_ok = (
            np.ones(S, dtype=bool)
            if model.start is None
            else np.array([s in set(model.start) for s in model.stages])
        )
        self.has_start = model.start is not None
        self.loop_ok = np.zeros((S, S), dtype=bool)
        for a, b in model.loops:
            self.loop_ok[order[a], order[b]] = True
        index = {a: k for k, a in enumerate(self.acts)}
        if model.transitions is None:
            self.T = np.ones((A, A), dtype=bool)
        else:
            self.T = np.zeros((A, A), dtype=bool)
            for a, b in model.transitions:
                self.T[index[a], index[b]] = True
        self.has_transitions = model.transitions is not None
        # next stage with activities after s, for s = -1 .. S-1 (S when none)
        nxt = np.full(S + 1, S, dtype=np.int64)
        for s in range(S - 2, -2, -1):
            nxt[s + 1] = s + 1 if self.has_acts[s + 1] else nxt[s + 2]
        self.nxt = nxt
        self.pop = rng.gamma(2.0, 1.0, A) + 0.2  # activity popularity
        names = []
        for name in _UNKNOWN_NAMES:
            while name in model.activities:
                name += "*"
            names.append(name)
        self.unknown_names = names
        if self.has_start and not (self.start_ok & self.has_acts).any():
            raise ModelError(
                f"simulate() cannot draw a journey that starts right: none of the start stages "
                f"{list(model.start or ())} has an activity. Map activities to a start stage or "
                "change start."
            )
        blocked = [s for s in range(S) if self.req[s] and not self.has_acts[s]]
        if blocked and blocked[0] < S - 1:
            warnings.warn(
                f"Required stage {model.stages[blocked[0]]!r} has no activity, so no simulated "
                "journey can pass it: all drop out before it. Map activities to it or make it "
                "optional.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        # Deviation kinds this model leaves room for.
        kinds = [_UNKNOWN]
        if self.has_start and (~self.start_ok[self.act_stage]).any():
            kinds.append(_WRONG_START)
        # ... judged over the activity pairs a step may take (every pair without transitions)
        sx, sy = self.act_stage[:, None], self.act_stage[None, :]
        req_before = np.concatenate([[0], np.cumsum(self.req)])  # required stages in [0, s)
        passes_required = (sy > sx + 1) & (req_before[sy] - req_before[np.minimum(sx + 1, S)] > 0)
        if (self.T & passes_required).any():
            kinds.append(_SKIP)
        if (self.T & (sy < sx) & ~self.loop_ok[sx, sy]).any():
            kinds.append(_REGRESSION)
        if self.has_transitions and not self.T.all():
            kinds.append(_FORBIDDEN)
        self.kinds = np.array(kinds, dtype=np.int64)

    # -- helpers ------------------------------------------------------------
    def _sample(self, weights: np.ndarray) -> np.ndarray:
        """One column per row, drawn with the given (non-negative) weights."""
        cum = np.cumsum(weights, axis=1)
        u = self.rng.random(len(weights)) * cum[:, -1]
        return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)

    def _advance_target(self, i: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """The stage a case moves forward to from ``i``, optional ones maybe skipped; -1: none."""
        t = self.nxt[i + 1]
        t = np.where(t <= bound, t, self.S)
        deciding = t < self.S  # rows still deciding whether to skip their stage t
        for _ in range(self.S):
            tt = np.minimum(t, self.S - 1)
            after = self.nxt[tt + 1]
            can = deciding & ~self.req[tt] & (after <= bound) & (after < self.S)
            if not can.any():
                break
            go = can & (self.rng.random(len(t)) < self.skip)
            t = np.where(go, after, t)
            deciding = go
        return np.where(t < self.S, t, -1)

    # -- the walk -------------------------------------------------------------
    def run_chunked(self, n: int) -> tuple[np.ndarray, np.ndarray, _Truth]:
        """:meth:`run` over chunks of cases, to bound memory; case and event indices are global."""
        cases, acts, truths = [], [], []
        done = emitted = 0
        while done < n:
            size = min(_CHUNK, n - done)
            ev_case, ev_act, (t_case, t_event, t_kind) = self.run(size)
            cases.append(ev_case + done)
            acts.append(ev_act)
            truths.append((t_case + done, t_event + emitted, t_kind))
            done += size
            emitted += len(ev_case)
        truth = tuple(np.concatenate([t[k] for t in truths]) for k in range(3))
        return np.concatenate(cases), np.concatenate(acts), truth  # type: ignore[return-value]

    def run(self, n: int) -> tuple[np.ndarray, np.ndarray, _Truth]:
        """Walk ``n`` cases: event case and activity codes (-1-k: unknown name k), in emission
        order, and the injected deviations as (case, event index, kind code)."""
        rng, S, A = self.rng, self.S, len(self.acts)
        cur_act = np.full(n, -1, dtype=np.int64)
        cur_stage = np.full(n, -1, dtype=np.int64)
        visited = np.zeros((n, S), dtype=bool)
        n_in = np.zeros(n, dtype=np.int64)
        target = np.zeros(n, dtype=np.int64)
        used = np.zeros((n, A), dtype=bool)
        loops = np.zeros(n, dtype=np.int64)
        pending = np.full(n, -1, dtype=np.int64)
        noisy = rng.random(n) < self.noise
        pending[noisy] = self.kinds[rng.integers(0, len(self.kinds), int(noisy.sum()))]

        ev_case: list[np.ndarray] = []
        ev_act: list[np.ndarray] = []
        emitted = 0
        tr_case: list[np.ndarray] = []
        tr_event: list[np.ndarray] = []
        tr_kind: list[np.ndarray] = []

        def emit(rows: np.ndarray, acts: np.ndarray, kind: int | None = None) -> None:
            nonlocal emitted
            ev_case.append(rows)
            ev_act.append(acts)
            if kind is not None:
                tr_case.append(rows)
                tr_event.append(np.arange(emitted, emitted + len(rows)))
                tr_kind.append(np.full(len(rows), kind, dtype=np.int64))
            emitted += len(rows)

        def move(rows: np.ndarray, b: np.ndarray) -> None:
            j = self.act_stage[b]
            i = cur_stage[rows]
            new = j != i
            n_in[rows] = np.where(new, 1, n_in[rows] + 1)
            target[rows] = np.where(
                new, rng.choice(3, len(rows), p=[0.4, 0.4, 0.2]) + 1, target[rows]
            )
            used[rows[new]] = False
            used[rows, b] = True
            visited[rows, j] = True
            loops[rows] += (j < i) & (i >= 0)
            cur_act[rows] = b
            cur_stage[rows] = j

        # -- first event ----------------------------------------------------
        every = np.arange(n)
        is_ws = pending == _WRONG_START
        ws = every[is_ws]
        rest = every[~is_ws]
        if len(ws):
            w = np.where(~self.start_ok[self.act_stage], self.pop, 0.0)
            b = self._sample(np.broadcast_to(w, (len(ws), A)))
            emit(ws, b, _WRONG_START)
            move(ws, b)
            pending[ws] = -1
        if self.has_start:
            cand = np.flatnonzero(self.start_ok & self.has_acts)
            p = np.where(np.arange(len(cand)) == 0, 1.0, 0.25)
            s0 = cand[rng.choice(len(cand), len(rest), p=p / p.sum())]
        else:
            s0 = self._advance_target(np.full(len(rest), -1), np.full(len(rest), S - 1))
        w = np.where(self.act_stage[None, :] == s0[:, None], self.pop[None, :], 0.0)
        b = self._sample(w)
        emit(rest, b)
        move(rest, b)

        alive = np.ones(n, dtype=bool)
        max_steps = 3 * S * (_MAX_LOOPS + 1) + 2 * S + 4
        arange_s = np.arange(S)
        for step in range(1, max_steps + 1):
            rows = np.flatnonzero(alive)
            if len(rows) == 0:
                break
            m = len(rows)
            a, i = cur_act[rows], cur_stage[rows]
            vis = visited[rows]
            unvisited_req = self.req[None, :] & ~vis & (arange_s[None, :] > i[:, None])
            r = np.where(unvisited_req.any(axis=1), unvisited_req.argmax(axis=1), S)
            J = self.act_stage[None, :]
            cur = i[:, None]
            Tm = self.T[a]
            same = J == cur
            fwd = (J > cur) & (J <= r[:, None])
            loop_back = (J < cur) & self.loop_ok[i][:, self.act_stage]
            allowed = Tm & (same | fwd | loop_back)

            # choose an action
            done = n_in[rows] >= target[rows]
            adv = self._advance_target(i, np.minimum(r, S - 1))
            can_loop = (loops[rows] < _MAX_LOOPS) & (allowed & loop_back).any(axis=1)
            u = rng.random(m)
            action = np.full(m, _STAY)
            action[done & (adv >= 0)] = _ADVANCE
            action[done & (adv < 0)] = _STOP
            action[done & (u < self.loop) & can_loop] = _LOOP
            action[done & (adv >= 0) & (u >= self.loop) & (u < self.loop + self.dropout)] = _STOP
            if step == max_steps:
                action[:] = _STOP

            to_adv = J == adv[:, None]
            new_here = same & ~used[rows]
            t1 = np.where(
                (action == _STAY)[:, None],
                new_here,
                np.where((action == _ADVANCE)[:, None], to_adv, loop_back),
            )
            t2 = np.where((action == _STAY)[:, None], to_adv, (action == _ADVANCE)[:, None] & fwd)
            t3 = np.where((action == _STAY)[:, None], fwd, (action == _ADVANCE)[:, None] & new_here)
            t4 = (action == _ADVANCE)[:, None] & same
            w = allowed * self.pop[None, :] * (1e9 * t1 + 1e6 * t2 + 1e3 * t3 + 1.0 * t4)
            w[action == _STOP] = 0.0
            total = w.sum(axis=1)
            stops = total <= 0

            # deviations waiting to be injected
            pend = pending[rows]
            attempt = (pend >= 0) & ((rng.random(m) < _ATTEMPT) | stops)
            handled = np.zeros(m, dtype=bool)
            if attempt.any():
                k = np.flatnonzero(attempt)
                kind = pend[k]
                cand = np.zeros((len(k), A), dtype=bool)
                sk = kind == _SKIP
                if sk.any():
                    free = (self.req[None, :] & ~vis[k[sk]]).astype(np.int64)
                    cu = np.cumsum(free, axis=1)
                    ik = i[k[sk]]
                    jj = np.maximum(self.act_stage - 1, 0)
                    between = cu[:, jj] - cu[np.arange(len(ik)), ik][:, None]
                    cand[sk] = Tm[k[sk]] & (J > ik[:, None] + 1) & (between == 1)
                rg = kind == _REGRESSION
                if rg.any():
                    ik = i[k[rg]]
                    cand[rg] = Tm[k[rg]] & (J < ik[:, None]) & ~self.loop_ok[ik][:, self.act_stage]
                fb = kind == _FORBIDDEN
                if fb.any():
                    kf = k[fb]
                    cand[fb] = ~Tm[kf] & (same[kf] | fwd[kf] | loop_back[kf])
                has = cand.any(axis=1)
                # a move that makes the deviation
                dev = k[has]
                if len(dev):
                    b = self._sample(cand[has] * self.pop[None, :])
                    for kd in np.unique(kind[has]):
                        sel = kind[has] == kd
                        emit(rows[dev[sel]], b[sel], int(kd))
                    move(rows[dev], b)
                    pending[rows[dev]] = -1
                    handled[dev] = True
                # an unknown activity: wanted, or the fallback of a case about to stop
                unk = k[~has & ((kind == _UNKNOWN) | stops[k])]
                if len(unk):
                    names = rng.integers(0, len(self.unknown_names), len(unk))
                    emit(rows[unk], -1 - names, _UNKNOWN)
                    pending[rows[unk]] = -1
                    handled[unk] = True
                    alive[rows[unk[stops[unk]]]] = False

            go = ~handled & ~stops
            if go.any():
                b = self._sample(w[go])
                emit(rows[go], b)
                move(rows[go], b)
            alive[rows[~handled & stops]] = False

        if tr_case:
            truth = (np.concatenate(tr_case), np.concatenate(tr_event), np.concatenate(tr_kind))
        else:
            empty = np.zeros(0, dtype=np.int64)
            truth = (empty, empty, empty)
        return np.concatenate(ev_case), np.concatenate(ev_act), truth


def _times(
    rng: np.random.Generator,
    n: int,
    ev_case: np.ndarray,
    ev_stage: np.ndarray,
    first: np.ndarray,
    starts: np.ndarray,
    t0: pd.Timestamp,
) -> pd.Series:
    """Timestamps: minutes between events of a stage, hours to days between stages."""
    n_ev = len(ev_case)
    # stage of the last known event before each event (unknown events keep the stage)
    known_idx = np.where(ev_stage >= 0, np.arange(n_ev), -1)
    last_known = np.maximum.accumulate(known_idx)
    prev_stage = np.full(n_ev, -1)
    prev_stage[1:] = np.where(last_known[:-1] >= 0, ev_stage[np.maximum(last_known[:-1], 0)], -1)
    within = (ev_stage < 0) | (ev_stage == prev_stage)
    minutes = rng.lognormal(np.log(4 * 60), 0.9, n_ev)
    hours = rng.lognormal(np.log(18 * 3600), 1.1, n_ev)
    gap = np.maximum(np.round(np.where(within, minutes, hours)), 1).astype(np.int64)
    gap[first] = 0
    csum = np.cumsum(gap)
    offset = csum - csum[starts][ev_case]
    case_start = rng.integers(0, _SPREAD_DAYS * 86400, n)
    seconds = case_start[ev_case] + offset
    base = t0.tz_convert("UTC").tz_localize(None) if t0.tzinfo is not None else t0
    values = base.as_unit("ns").to_datetime64() + seconds.astype("timedelta64[s]")
    ts = pd.Series(values.astype("datetime64[ns]"))
    return ts.dt.tz_localize("UTC").dt.tz_convert(t0.tzinfo) if t0.tzinfo is not None else ts


def _channels(
    rng: np.random.Generator,
    n: int,
    ev_case: np.ndarray,
    ev_act: np.ndarray,
    acts: list[Any],
    unknown: list[str],
    spec: Any,
) -> np.ndarray:
    """A channel per event: each case prefers one channel, activities may fix theirs."""
    if isinstance(spec, dict):
        names = list(dict.fromkeys(c for chans in spec.values() for c in chans))
    else:
        names = list(spec)
    C = len(names)
    col = {c: k for k, c in enumerate(names)}
    A = len(acts)
    allowed = np.ones((A + len(unknown), C), dtype=bool)
    if isinstance(spec, dict):
        for k, act in enumerate(acts):
            if act in spec:
                allowed[k] = False
                allowed[k, [col[c] for c in spec[act]]] = True
    preferred = rng.integers(0, C, n)
    row = np.where(ev_act >= 0, ev_act, A + (-ev_act - 1))
    w = allowed[row].astype(float)
    w[np.arange(len(row)), preferred[ev_case]] *= 4.0  # the case's favourite channel
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(row)) * cum[:, -1]
    pick = np.minimum((cum <= u[:, None]).sum(axis=1), C - 1)
    return np.asarray(names, dtype=object)[pick]
