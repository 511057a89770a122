"""Loops in journeys: self-loops, rework, returns, repeat purchases, stage regressions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import known_moves, run_starts
from journeymine._tables import NAT, concat_by_case, datetimes, timedeltas
from journeymine.engine import Kernel, LogMeta, run, segmented
from journeymine.errors import JourneymineWarning, ParameterError, user_stacklevel
from journeymine.log import JourneyLog
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["KINDS", "find_loops", "loop_summary"]

#: The kinds of :func:`find_loops` rows, in the order rows of one event are sorted.
KINDS: tuple[str, ...] = ("self_loop", "rework", "return", "repeat_purchase", "stage_regression")

_KIND_DTYPE = pd.CategoricalDtype(list(KINDS))
_SELF, _REWORK, _RETURN, _REPEAT, _REGRESSION = range(5)


# -- arguments ------------------------------------------------------------
@dataclass(frozen=True)
class _LoopArgs:
    """The arguments find_loops and loop_summary share, checked against the log's metadata."""

    name: str
    model: Any
    purchase: Any
    returns: Any
    stages: Any
    # bound by check()
    buy: tuple[Any, ...] = field(default=(), kw_only=True, repr=False)
    ret: tuple[Any, ...] = field(default=(), kw_only=True, repr=False)
    stage_names: list[Any] | None = field(default=None, kw_only=True, repr=False)

    def check(self, meta: LogMeta) -> Any:
        func = self.name
        model = self.model
        buy = v.activity_list(self.purchase, "purchase", func)
        ret = v.activity_list(self.returns, "returns", func)
        buy = buy if buy is not None else (model.purchase if model is not None else ())
        ret = ret if ret is not None else (model.returns if model is not None else ())
        stage_names = None
        if model is not None and self.stages is not None:
            raise ParameterError(
                f"{func}() got both model= and stages=. The model gives the stages and their "
                "order; pass stages= only without a model, to order the log's stage column."
            )
        if self.stages is not None:
            stage_names = v.stage_list(self.stages, func)
            if meta.stage is None:
                raise ParameterError(
                    f"{func}(stages=...) orders the log's stage column, but the log has none. "
                    f"Build the log with stage='<column>' (columns: {list(meta.columns)}), or "
                    "pass model= instead."
                )
        return replace(self, buy=buy, ret=ret, stage_names=stage_names)

    def detect(self, log: JourneyLog) -> dict[str, Any]:
        return _detect(log, self.model, self.buy, self.ret, self._stage_info(log), self.name)

    def _stage_info(self, log: JourneyLog) -> tuple[np.ndarray, list[Any], np.ndarray] | None:
        """Stage index per event (-1 unknown), the stage names and the allowed-loop matrix."""
        model = self.model
        if model is not None:
            names = list(model.stages)
            index = {s: i for i, s in enumerate(names)}
            allowed = np.zeros((len(names), len(names)), dtype=bool)
            for src, dst in model.loops:
                allowed[index[src], index[dst]] = True
            return model.event_stages(log), names, allowed
        if self.stages is None:
            return None
        assert self.stage_names is not None  # bound by check() when stages= is given
        names = self.stage_names
        assert log.stage is not None
        codes, labels = log.codes(log.stage)
        index = {s: i for i, s in enumerate(names)}
        table = np.array([index.get(label, -1) for label in labels], dtype=np.int64)
        missing = [label for label, i in zip(labels, table, strict=True) if i < 0]
        if missing:
            warnings.warn(
                f"Values {missing[:5]}{' ...' if len(missing) > 5 else ''} of the stage column "
                f"{log.stage!r} are not in stages={names}; {self.name}() ignores their events "
                "for stage regressions. Add them to stages= if they are stages.",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        st = np.where(codes >= 0, table[np.maximum(codes, 0)] if table.size else -1, -1)
        return np.asarray(st, dtype=np.int64), names, np.zeros((len(names),) * 2, dtype=bool)


# -- detection ------------------------------------------------------------
def _activity_mask(log: JourneyLog, activities: Sequence[Any]) -> np.ndarray:
    if not activities or log.n_events == 0:
        return np.zeros(log.n_events, dtype=bool)
    wanted = set(activities)
    table = np.fromiter((a in wanted for a in log.activity_labels), dtype=bool)
    return table[log.activity_codes]


def _detect(
    log: JourneyLog,
    model: JourneyModel | None,
    buy: Sequence[Any],
    ret: Sequence[Any],
    stage_info: tuple[np.ndarray, list[Any], np.ndarray] | None,
    func: str,
) -> dict[str, Any]:
    """All loop occurrences as parallel arrays (unsorted), plus the purchase mask."""

    n = log.n_events
    c, a, t = log.case_codes, log.activity_codes, log.time
    empty = np.empty(0, dtype=np.int64)

    # Self-loops: maximal runs of one activity within a case.
    cont = ~run_starts(c, a)  # same case and activity as the event before
    run_start = np.flatnonzero(~cont)
    run_len = np.diff(np.append(run_start, n))
    long_run = run_len >= 2
    self_idx, self_len = run_start[long_run], run_len[long_run]

    # Rework: not the first event of its (case, activity) pair, nor inside a run.
    n_act = max(len(log.activity_labels), 1)
    key = c * np.int64(n_act) + a
    order = np.argsort(key, kind="stable")
    first_sorted = np.ones(n, dtype=bool)
    if n > 1:
        sorted_key = key[order]
        first_sorted[1:] = sorted_key[1:] != sorted_key[:-1]
    first = np.empty(n, dtype=bool)
    first[order] = first_sorted
    rework_idx = np.flatnonzero(~first & ~cont)

    # Purchases and returns, by the number of purchases so far in the case.
    is_buy = _activity_mask(log, buy)
    is_ret = _activity_mask(log, ret)
    cum = np.cumsum(is_buy, dtype=np.int64)
    before_case = (cum - is_buy)[log.case_offsets[:-1]] if n else empty
    rank = cum - before_case[c] if n else empty  # purchases up to and including the event
    return_idx = np.flatnonzero(is_ret & (rank - is_buy >= 1))
    buy_idx = np.flatnonzero(is_buy)
    repeat_idx = np.flatnonzero(is_buy & (rank >= 2))
    prev_buy = buy_idx[np.searchsorted(buy_idx, repeat_idx) - 1]
    repeat_since = t[repeat_idx] - t[prev_buy]

    # Stage regressions between consecutive known events.
    reg_idx, reg_from, reg_to = empty, empty, empty
    reg_allowed = np.empty(0, dtype=bool)
    names: list[Any] = []
    if stage_info is not None:
        st, names, allowed = stage_info
        moves = known_moves(c, st)
        back = np.flatnonzero(moves.dst < moves.src)
        reg_idx, reg_from, reg_to = moves.cur[back], moves.src[back], moves.dst[back]
        reg_allowed = allowed[reg_from, reg_to]

    parts = [
        (self_idx, _SELF),
        (rework_idx, _REWORK),
        (return_idx, _RETURN),
        (repeat_idx, _REPEAT),
        (reg_idx, _REGRESSION),
    ]
    idx = np.concatenate([p for p, _ in parts]).astype(np.int64, copy=False)
    kind = np.concatenate([np.full(p.size, k, dtype=np.int8) for p, k in parts])
    m = idx.size

    def fill(kind_code: int, values: np.ndarray, missing: Any, dtype: Any) -> np.ndarray:
        out = np.full(m, missing, dtype=dtype)
        out[kind == kind_code] = values
        return out

    return {
        "idx": idx,
        "kind": kind,
        "length": fill(_SELF, self_len, -1, np.int64),
        "since": fill(_REPEAT, repeat_since, NAT, np.int64),
        "from": fill(_REGRESSION, reg_from, -1, np.int64),
        "to": fill(_REGRESSION, reg_to, -1, np.int64),
        "allowed": fill(_REGRESSION, reg_allowed.astype(np.int8), -1, np.int8),
        "names": names,
        "is_buy": is_buy,
    }


@v.validate_params(
    {
        "model": [v.Model(), None],
        "purchase": [v.Activities(), None],
        "returns": [v.Activities(), None],
    }
)
def find_loops(
    log: LogLike,
    *,
    model: JourneyModel | None = None,
    purchase: str | Sequence[str] | None = None,
    returns: str | Sequence[str] | None = None,
    stages: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Find where customers loop: self-loops, rework, returns, repeat purchases, regressions.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model : JourneyModel, optional
        The designed journey. It gives the purchase and return activities
        (``model.purchase``, ``model.returns``), the stage of each activity
        and the allowed loops between stages.
    purchase, returns : str or sequence of str, optional
        The activities that are purchases and returns. When given, they
        replace the model's lists; without a model and without them there
        are no returns nor repeat purchases.
    stages : sequence, optional
        Only without a model: the journey's stages in order, to find stage
        regressions from the log's own stage column (a log built with
        ``stage=``). Without a model and without ``stages``, no stage
        regressions are looked for. Stage values not listed are ignored,
        with a :class:`~journeymine.JourneymineWarning`.

    Returns
    -------
    pandas.DataFrame
        One row per occurrence, sorted by case (in log order), position and
        kind (``self_loop``, ``rework``, ``return``, ``repeat_purchase``,
        ``stage_regression``), with the columns:

        ``case``
            The case id, as in the input.
        ``position``
            0-based index of the event within its case (int64).
        ``timestamp``
            The event's time (UTC-aware if the log's timestamps were).
        ``activity``
            The event's activity.
        ``kind``
            Categorical: ``self_loop``, ``rework``, ``return``,
            ``repeat_purchase`` or ``stage_regression``.
        ``length``
            Self-loops: the number of events in the run (Int64); else NA.
        ``since_previous``
            Repeat purchases: the time since the case's previous purchase
            event; else NaT.
        ``from_stage``, ``to_stage``
            Stage regressions: the stage of the previous known event and of
            this one (object); else None.
        ``allowed``
            Stage regressions: whether the model lists ``(from_stage,
            to_stage)`` as an allowed loop (always False with ``stages=``);
            else NA (boolean).

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog, ``model`` not a JourneyModel, both
        ``model`` and ``stages`` are given, ``stages`` is given for a log
        without a stage column, or an argument has the wrong type.

    See Also
    --------
    loop_summary : The same, counted per case.

    Notes
    -----
    The kinds, with events of a case in log order:

    ``self_loop``
        One row per maximal run of two or more consecutive events with the
        same activity, at the run's first event.
    ``rework``
        An event whose activity occurred earlier in the case, when the
        event just before it has a different activity: ``A B A`` has one
        rework (the second ``A``), ``A A`` none (it is a self-loop), and
        ``A A B A A`` one rework (the fourth event) and two self-loops.
    ``return``
        An event with a return activity that comes after the case's first
        purchase event; a return before any purchase is not counted.
    ``repeat_purchase``
        A purchase event after the case's first purchase event.
    ``stage_regression``
        A move to an earlier stage between consecutive events whose stage
        is known; events of activities the model does not know (or with a
        stage not in ``stages=``) are skipped, as in :func:`check`.

    One event can be several kinds at once, e.g. a rework that is also a
    repeat purchase: it then has one row per kind.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.loops import find_loops
    >>> df = pd.DataFrame({
    ...     "customer": ["a"] * 6,
    ...     "touchpoint": ["view", "view", "buy", "return", "view", "buy"],
    ...     "ts": pd.date_range("2025-01-01", periods=6, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> loops = find_loops(log, purchase="buy", returns="return")
    >>> loops[["position", "activity", "kind", "length", "since_previous"]]
       position activity             kind  length since_previous
    0         0     view        self_loop       2            NaT
    1         3   return           return    <NA>            NaT
    2         4     view           rework    <NA>            NaT
    3         5      buy           rework    <NA>            NaT
    4         5      buy  repeat_purchase    <NA>         3 days
    """
    return run(covered(_FindLoops("find_loops", model, purchase, returns, stages), model), log)


@dataclass(frozen=True)
class _FindLoops(_LoopArgs, Kernel[pd.DataFrame, pd.DataFrame]):
    """find_loops: one row per occurrence, in log order."""

    def part(self, log: JourneyLog) -> pd.DataFrame:
        found = self.detect(log)
        order = np.lexsort((found["kind"], found["idx"]))
        idx = found["idx"][order]
        names = np.array(found["names"] + [None], dtype=object)  # code -1 -> None
        length = found["length"][order]
        allowed = found["allowed"][order]
        return pd.DataFrame(
            {
                "case": log.case_labels.take(log.case_codes[idx]),
                "position": log.position[idx],
                "timestamp": datetimes(log.tz_aware, log.time[idx]),
                "activity": log.activity_labels.take(log.activity_codes[idx]),
                "kind": pd.Categorical.from_codes(found["kind"][order], dtype=_KIND_DTYPE),
                "length": pd.arrays.IntegerArray(np.maximum(length, 0), length < 0),
                "since_previous": timedeltas(found["since"][order]),
                "from_stage": pd.Series(names[found["from"][order]], dtype=object),
                "to_stage": pd.Series(names[found["to"][order]], dtype=object),
                "allowed": pd.arrays.BooleanArray(allowed == 1, allowed < 0),
            }
        )

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged])


@v.validate_params(
    {
        "model": [v.Model(), None],
        "purchase": [v.Activities(), None],
        "returns": [v.Activities(), None],
    }
)
def loop_summary(
    log: LogLike,
    *,
    model: JourneyModel | None = None,
    purchase: str | Sequence[str] | None = None,
    returns: str | Sequence[str] | None = None,
    stages: Sequence[Any] | None = None,
    segment: Any = None,
) -> pd.DataFrame:
    """Count the loops of each case: one row per case, ready to join to a customer table.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model, purchase, returns, stages
        As in :func:`find_loops`.
    segment : str or pandas.Series, optional
        Group the cases: a column (a case's group is its value on its first
        event) or a Series indexed by case id. The table then has a leading
        ``group`` column, one block of cases per group.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``case`` (the case ids, sorted, every case of the log),
        with the columns:

        ``self_loops``, ``reworks``, ``returns``, ``repeat_purchases``, ``stage_regressions``
            The number of :func:`find_loops` rows of each kind (int64).
        ``purchases``
            The number of purchase events (int64).
        ``returns_per_purchase``
            ``returns / purchases`` (float; NaN without a purchase).
        ``median_time_between_purchases``
            The median time between consecutive purchase events (NaT with
            fewer than two purchases).

    Raises
    ------
    ParameterError
        As :func:`find_loops`.

    See Also
    --------
    find_loops : One row per occurrence.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.loops import loop_summary
    >>> df = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "a", "b"],
    ...     "touchpoint": ["buy", "return", "buy", "buy", "view"],
    ...     "ts": ["2025-01-01", "2025-01-02", "2025-01-05", "2025-01-06", "2025-01-01"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> summary = loop_summary(log, purchase="buy", returns="return")
    >>> cols = ["returns", "repeat_purchases", "purchases", "median_time_between_purchases"]
    >>> summary[cols]  # doctest: +NORMALIZE_WHITESPACE
          returns  repeat_purchases  purchases median_time_between_purchases
    case
    a           1                 2          3               2 days 12:00:00
    b           0                 0          0                           NaT
    """
    kernel = _LoopSummary("loop_summary", model, purchase, returns, stages)
    return run(covered(segmented(kernel, segment), model), log)


@dataclass(frozen=True)
class _LoopSummary(_LoopArgs, Kernel[pd.DataFrame, pd.DataFrame]):
    """loop_summary: one row per case, indexed by case id."""

    def part(self, log: JourneyLog) -> pd.DataFrame:
        found = self.detect(log)
        n_cases = log.n_cases
        case_of = log.case_codes[found["idx"]]
        counts = np.zeros((len(KINDS), n_cases), dtype=np.int64)
        np.add.at(counts, (found["kind"].astype(np.int64), case_of), 1)
        purchases = np.bincount(log.case_codes[found["is_buy"]], minlength=n_cases)
        purchases = purchases.astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_purchase = np.where(
                purchases > 0, counts[_RETURN] / np.maximum(purchases, 1), np.nan
            )
        repeat = found["kind"] == _REPEAT
        since = pd.Series(timedeltas(found["since"][repeat]))
        median = since.groupby(case_of[repeat]).median().reindex(range(n_cases))
        return pd.DataFrame(
            {
                "self_loops": counts[_SELF],
                "reworks": counts[_REWORK],
                "returns": counts[_RETURN],
                "repeat_purchases": counts[_REPEAT],
                "stage_regressions": counts[_REGRESSION],
                "purchases": purchases,
                "returns_per_purchase": per_purchase.astype(float),
                "median_time_between_purchases": median.to_numpy(dtype="timedelta64[ns]"),
            },
            index=pd.Index(log.case_labels, name="case"),
        )

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b])

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged], case="index")
