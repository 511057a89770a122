"""Loops, returns, repeat purchases, stage regressions, the funnel and stage durations."""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from journeymine.errors import JourneymineWarning, ParameterError
from journeymine.log import JourneyLog
from journeymine.model import JourneyModel
from journeymine.scale import DaskJourneyLog

__all__ = ["KINDS", "find_loops", "funnel", "loop_summary", "stage_durations"]

#: The kinds of :func:`find_loops` rows, in the order rows of one event are sorted.
KINDS: tuple[str, ...] = ("self_loop", "rework", "return", "repeat_purchase", "stage_regression")

_KIND_DTYPE = pd.CategoricalDtype(list(KINDS))
_SELF, _REWORK, _RETURN, _REPEAT, _REGRESSION = range(5)
_DEFAULT_OPEN_WINDOW = pd.Timedelta(days=30)
_NAT = np.iinfo(np.int64).min  # the int64 view of NaT


# -- validation -----------------------------------------------------------
def _check_log(log: Any, func: str) -> JourneyLog:
    if not isinstance(log, JourneyLog):
        raise ParameterError(
            f"{func}() expects a JourneyLog as its first argument, got {type(log).__name__}. "
            "Build one with jm.from_pandas(df, case=..., activity=..., timestamp=...) or "
            "jm.read_csv(...)."
        )
    return log


def _check_model(model: Any, func: str, *, optional: bool) -> JourneyModel | None:
    if model is None and optional:
        return None
    if not isinstance(model, JourneyModel):
        raise ParameterError(
            f"The 'model' parameter of {func}() must be a JourneyModel"
            f"{' or None' if optional else ''}. Got {type(model).__name__} instead. Build one "
            "with jm.JourneyModel(stages=[...], activities={...}) or "
            "jm.JourneyModel.from_yaml(path)."
        )
    return model


def _activity_list(value: Any, name: str, func: str) -> tuple[Any, ...] | None:
    """``None``, or the activities given as one label or an iterable of labels."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        return tuple(value)
    raise ParameterError(
        f"The {name!r} parameter of {func}() must be an activity or a list of activities. "
        f"Got {value!r} instead, e.g. pass {name}=['Place order']."
    )


def _stage_list(value: Any, func: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ParameterError(
            f"The 'stages' parameter of {func}() must be a list of stages in journey order. "
            f"Got {value!r} instead, e.g. stages=['Awareness', 'Consideration', 'Purchase']."
        )
    stages = list(value)
    dupes = sorted({str(s) for s in stages if stages.count(s) > 1})
    if dupes:
        raise ParameterError(
            f"The 'stages' parameter of {func}() lists {dupes} more than once; each stage "
            "must appear once, in journey order."
        )
    return stages


def _as_of_ns(as_of: Any, log: JourneyLog, func: str) -> int:
    """``as_of`` as int64 UTC nanoseconds (naive times are taken as UTC)."""
    if isinstance(as_of, (bool, int, float, np.number)):
        raise ParameterError(
            f"The 'as_of' parameter of {func}() must be a timestamp or a date string. "
            f"Got {as_of!r} instead, e.g. as_of='2026-01-01'."
        )
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'as_of' parameter of {func}() must be a timestamp or a date string. "
            f"Got {as_of!r} instead ({exc}), e.g. as_of='2026-01-01'."
        ) from exc
    if ts is pd.NaT:
        raise ParameterError(f"The 'as_of' parameter of {func}() must not be NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    ns = int(ts.as_unit("ns").value)
    if log.n_events and ns < int(log.time.max()):
        last = pd.Timestamp(int(log.time.max()), tz="UTC" if log.tz_aware else None)
        raise ParameterError(
            f"The 'as_of' parameter of {func}() is {ts} (UTC), before the log's last event at "
            f"{last}. as_of is when the data was extracted: pass a time at or after the last "
            f"event, e.g. as_of={str(last.ceil('D').date())!r}, or select the events up to "
            "as_of first."
        )
    return ns


def _window_ns(open_window: Any, func: str) -> int:
    if open_window is None:
        return int(_DEFAULT_OPEN_WINDOW.value)
    if isinstance(open_window, (bool, int, float, np.number)):
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {open_window!r} instead."
        )
    try:
        window = pd.Timedelta(open_window)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {open_window!r} instead ({exc})."
        ) from exc
    if window is pd.NaT or window < pd.Timedelta(0):
        raise ParameterError(
            f"The 'open_window' parameter of {func}() must be a non-negative duration. "
            f"Got {open_window!r} instead."
        )
    return int(window.value)


# -- small array helpers --------------------------------------------------
def _activity_mask(log: JourneyLog, activities: Sequence[Any]) -> np.ndarray:
    if not activities or log.n_events == 0:
        return np.zeros(log.n_events, dtype=bool)
    wanted = set(activities)
    table = np.fromiter((a in wanted for a in log.activity_labels), dtype=bool)
    return table[log.activity_codes]


def _datetimes(log: JourneyLog, ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 UTC nanoseconds as pandas datetimes, UTC-aware if the log is."""
    out = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return out.tz_localize("UTC") if log.tz_aware else out


def _timedeltas(ns: np.ndarray) -> np.ndarray:
    """int64 nanoseconds (``_NAT`` for missing) as ``timedelta64[ns]``."""
    return np.asarray(ns, dtype=np.int64).view("timedelta64[ns]")


def _first_and_last(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct keys, and the index of each one's first and last occurrence."""
    uniq, first = np.unique(key, return_index=True)
    _, rev_first = np.unique(key[::-1], return_index=True)
    last = key.shape[0] - 1 - rev_first
    return uniq, first, last


def _stages(
    log: JourneyLog, model: JourneyModel | None, stages: Any, func: str
) -> tuple[np.ndarray, list[Any], np.ndarray] | None:
    """Stage index per event (-1 unknown), the stage names and the allowed-loop matrix."""
    if model is not None:
        if stages is not None:
            raise ParameterError(
                f"{func}() got both model= and stages=. The model gives the stages and their "
                "order; pass stages= only without a model, to order the log's stage column."
            )
        names = list(model.stages)
        index = {s: i for i, s in enumerate(names)}
        allowed = np.zeros((len(names), len(names)), dtype=bool)
        for src, dst in model.loops:
            allowed[index[src], index[dst]] = True
        return model.event_stages(log), names, allowed
    if stages is None:
        return None
    names = _stage_list(stages, func)
    if log.stage is None:
        raise ParameterError(
            f"{func}(stages=...) orders the log's stage column, but the log has none. Build "
            f"the log with stage='<column>' (columns: {log.columns}), or pass model= instead."
        )
    codes, labels = log.codes(log.stage)
    index = {s: i for i, s in enumerate(names)}
    table = np.array([index.get(label, -1) for label in labels], dtype=np.int64)
    missing = [label for label, i in zip(labels, table, strict=True) if i < 0]
    if missing:
        warnings.warn(
            f"Values {missing[:5]}{' ...' if len(missing) > 5 else ''} of the stage column "
            f"{log.stage!r} are not in stages={names}; {func}() ignores their events for stage "
            "regressions. Add them to stages= if they are stages.",
            JourneymineWarning,
            stacklevel=4,
        )
    st = np.where(codes >= 0, table[np.maximum(codes, 0)] if table.size else -1, -1)
    return np.asarray(st, dtype=np.int64), names, np.zeros((len(names), len(names)), dtype=bool)


# -- find_loops -----------------------------------------------------------
def _detect(
    log: JourneyLog,
    model: JourneyModel | None,
    purchase: Any,
    returns: Any,
    stages: Any,
    func: str,
) -> dict[str, Any]:
    """All loop occurrences as parallel arrays (unsorted), plus the purchase mask."""
    _check_log(log, func)
    model = _check_model(model, func, optional=True)
    buy = _activity_list(purchase, "purchase", func)
    ret = _activity_list(returns, "returns", func)
    if buy is None:
        buy = model.purchase if model is not None else ()
    if ret is None:
        ret = model.returns if model is not None else ()
    stage_info = _stages(log, model, stages, func)

    n = log.n_events
    c, a, t = log.case_codes, log.activity_codes, log.time
    empty = np.empty(0, dtype=np.int64)

    # Self-loops: maximal runs of one activity within a case.
    cont = np.zeros(n, dtype=bool)  # same case and activity as the event before
    if n > 1:
        cont[1:] = (c[1:] == c[:-1]) & (a[1:] == a[:-1])
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
        known = np.flatnonzero(st >= 0)
        if known.size > 1:
            sk, ck = st[known], c[known]
            back = np.flatnonzero((ck[1:] == ck[:-1]) & (sk[1:] < sk[:-1])) + 1
            reg_idx, reg_from, reg_to = known[back], sk[back - 1], sk[back]
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
        "since": fill(_REPEAT, repeat_since, _NAT, np.int64),
        "from": fill(_REGRESSION, reg_from, -1, np.int64),
        "to": fill(_REGRESSION, reg_to, -1, np.int64),
        "allowed": fill(_REGRESSION, reg_allowed.astype(np.int8), -1, np.int8),
        "names": names,
        "is_buy": is_buy,
    }


def find_loops(
    log: JourneyLog | DaskJourneyLog,
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
    >>> from journeymine.patterns import find_loops
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
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import find_loops_dask

        return find_loops_dask(log, model=model, purchase=purchase, returns=returns, stages=stages)
    found = _detect(log, model, purchase, returns, stages, "find_loops")
    order = np.lexsort((found["kind"], found["idx"]))
    idx = found["idx"][order]
    names = np.array(found["names"] + [None], dtype=object)  # code -1 -> None
    length = found["length"][order]
    allowed = found["allowed"][order]
    return pd.DataFrame(
        {
            "case": log.case_labels.take(log.case_codes[idx]),
            "position": log.position[idx],
            "timestamp": _datetimes(log, log.time[idx]),
            "activity": log.activity_labels.take(log.activity_codes[idx]),
            "kind": pd.Categorical.from_codes(found["kind"][order], dtype=_KIND_DTYPE),
            "length": pd.arrays.IntegerArray(np.maximum(length, 0), length < 0),
            "since_previous": _timedeltas(found["since"][order]),
            "from_stage": pd.Series(names[found["from"][order]], dtype=object),
            "to_stage": pd.Series(names[found["to"][order]], dtype=object),
            "allowed": pd.arrays.BooleanArray(allowed == 1, allowed < 0),
        }
    )


def loop_summary(
    log: JourneyLog | DaskJourneyLog,
    *,
    model: JourneyModel | None = None,
    purchase: str | Sequence[str] | None = None,
    returns: str | Sequence[str] | None = None,
    stages: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Count the loops of each case: one row per case, ready to join to a customer table.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model, purchase, returns, stages
        As in :func:`find_loops`.

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
    >>> from journeymine.patterns import loop_summary
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
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import loop_summary_dask

        return loop_summary_dask(
            log, model=model, purchase=purchase, returns=returns, stages=stages
        )
    found = _detect(log, model, purchase, returns, stages, "loop_summary")
    n_cases = log.n_cases
    case_of = log.case_codes[found["idx"]]
    counts = np.zeros((len(KINDS), n_cases), dtype=np.int64)
    np.add.at(counts, (found["kind"].astype(np.int64), case_of), 1)
    purchases = np.bincount(log.case_codes[found["is_buy"]], minlength=n_cases).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_purchase = np.where(purchases > 0, counts[_RETURN] / np.maximum(purchases, 1), np.nan)
    repeat = found["kind"] == _REPEAT
    since = pd.Series(_timedeltas(found["since"][repeat]))
    median = since.groupby(case_of[repeat]).median().reindex(range(n_cases))
    out = pd.DataFrame(
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
    return out


# -- funnel ---------------------------------------------------------------
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
    uniq, first, last = _first_and_last(key)
    return uniq // n_stages, uniq % n_stages, known[first], known[last], known


def funnel(
    log: JourneyLog | DaskJourneyLog,
    model: JourneyModel,
    *,
    as_of: Any = None,
    open_window: str | pd.Timedelta | _dt.timedelta | None = None,
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

    Returns
    -------
    pandas.DataFrame
        One row per stage of the model, in model order, with the columns:

        ``stage``
            The stage.
        ``reached``
            Cases with at least one event in the stage (int64).
        ``share``
            ``reached`` over all cases of the log (float).
        ``conversion``
            ``reached`` over the previous stage's ``reached``; for the first
            stage, over all cases (so it equals ``share``). NaN when the
            previous stage has no case. It can exceed 1 when cases skip the
            previous stage.
        ``median_time_to_reach``
            Median, over the cases that reach the stage, of the time from
            the case's first event (of any activity) to its first event in
            the stage (NaT when no case reaches it).
        ``dropped_out``
            Cases whose furthest stage (the latest in model order among
            their known events, as ``report.cases.furthest_stage``) is this
            one (int64), excluding open ones with ``as_of``. At the last
            stage these are the cases that went all the way.
        ``open``
            Only with ``as_of``: cases whose furthest stage is this one and
            whose last event is within ``open_window`` before ``as_of``
            (int64).

        Cases without any known event reach no stage and are counted in
        no row, but count in the denominator of ``share``.

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog or ``model`` not a JourneyModel, if
        ``as_of`` is not a time or is before the log's last event, if
        ``open_window`` is not a non-negative duration, or if
        ``open_window`` is given without ``as_of``.

    See Also
    --------
    stage_durations : How long cases stay in each stage.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.patterns import funnel
    >>> from journeymine.model import JourneyModel
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
    """
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import funnel_dask

        return funnel_dask(log, model, as_of=as_of, open_window=open_window)
    _check_log(log, "funnel")
    _check_model(model, "funnel", optional=False)
    if open_window is not None and as_of is None:
        raise ParameterError(
            "The 'open_window' parameter of funnel() needs as_of=, the time the data was "
            "extracted, e.g. funnel(log, model, as_of='2026-01-01', open_window='30D')."
        )
    as_of_ns = _as_of_ns(as_of, log, "funnel") if as_of is not None else None
    window_ns = _window_ns(open_window, "funnel")

    n_stages, n_cases = len(model.stages), log.n_cases
    st = model.event_stages(log)
    case, stage, first_ev, _, _ = _first_visits(log, st, n_stages)
    reached = np.bincount(stage, minlength=n_stages).astype(np.int64)
    to_reach = pd.Series(_timedeltas(log.time[first_ev] - log.time[log.case_offsets[case]]))
    median = to_reach.groupby(stage).median().reindex(range(n_stages))

    starts = log.case_offsets[:-1]
    furthest = (
        np.maximum.reduceat(st, starts) if n_cases else np.empty(0, dtype=np.int64)
    )  # -1 when the case has no known event
    has_stage = furthest >= 0
    is_open = np.zeros(n_cases, dtype=bool)
    if as_of_ns is not None:
        last = log.time[log.case_offsets[1:] - 1]
        is_open = last >= as_of_ns - window_ns
    dropped = np.bincount(furthest[has_stage & ~is_open], minlength=n_stages).astype(np.int64)

    previous = np.concatenate([[n_cases], reached[:-1]]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = reached / n_cases if n_cases else np.full(n_stages, np.nan)
        conversion = np.where(previous > 0, reached / np.maximum(previous, 1), np.nan)
    out = pd.DataFrame(
        {
            "stage": list(model.stages),
            "reached": reached,
            "share": np.asarray(share, dtype=float),
            "conversion": conversion.astype(float),
            "median_time_to_reach": median.to_numpy(dtype="timedelta64[ns]"),
            "dropped_out": dropped,
        }
    )
    if as_of_ns is not None:
        out["open"] = np.bincount(furthest[has_stage & is_open], minlength=n_stages).astype(
            np.int64
        )
    return out


# -- stage durations ------------------------------------------------------
def stage_durations(
    log: JourneyLog | DaskJourneyLog,
    model: JourneyModel,
    *,
    by: str | None = None,
    as_of: Any = None,
    summary: bool = False,
) -> pd.DataFrame:
    """How long each case stays in each stage it reaches.

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
        Return the distribution per stage (and per ``by`` value) instead of
        one row per case and stage.

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

        With ``summary=True``, one row per stage in model order (per
        stage and ``by`` value with ``by``): ``stage``, the ``by`` column,
        ``count`` (stage visits that ended, i.e. have a ``left`` time),
        and the ``mean``, ``median`` and ``p90`` (90th percentile, linear
        interpolation) of their durations; with ``as_of`` also ``open``,
        the number of visits still open, which are not in the statistics.

    Raises
    ------
    ParameterError
        If ``log`` is not a JourneyLog or ``model`` not a JourneyModel, if
        ``as_of`` is not a time or is before the log's last event, or if
        ``by`` is ``"channel"`` for a log without a channel column.
    LogError
        If ``by`` is not a column of the log.

    See Also
    --------
    funnel : How many cases reach each stage.

    Notes
    -----
    A stage's visit runs from the first entry into it to the moment the
    case moves on after its last event there, so going back to a stage
    extends its visit rather than starting a new one. Moving on means the
    next event whose activity the model knows; a stage is never left by an
    event of an unknown activity.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.patterns import stage_durations
    >>> from journeymine.model import JourneyModel
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
    >>> stage_durations(log, model, summary=True)
               stage  count   mean median    p90
    0      Awareness      1 1 days 1 days 1 days
    1  Consideration      1 4 days 4 days 4 days
    2       Purchase      0    NaT    NaT    NaT
    """
    if isinstance(log, DaskJourneyLog):
        from journeymine.scale import stage_durations_dask

        return stage_durations_dask(log, model, by=by, as_of=as_of, summary=summary)
    _check_log(log, "stage_durations")
    _check_model(model, "stage_durations", optional=False)
    if not isinstance(summary, (bool, np.bool_)):
        raise ParameterError(
            f"The 'summary' parameter of stage_durations() must be True or False. "
            f"Got {summary!r} instead."
        )
    by_col, by_name = _resolve_by(log, by)
    as_of_ns = _as_of_ns(as_of, log, "stage_durations") if as_of is not None else None

    n_stages = len(model.stages)
    st = model.event_stages(log)
    case, stage, first_ev, last_ev, known = _first_visits(log, st, n_stages)
    # The next known event after the last event in the stage, if in the same case.
    nxt = np.searchsorted(known, last_ev) + 1
    nxt_ev = known[np.minimum(nxt, known.size - 1)] if known.size else nxt
    has_next = (nxt < known.size) & (log.case_codes[nxt_ev] == case)
    entered = log.time[first_ev]
    left = np.where(has_next, log.time[nxt_ev], _NAT)
    if as_of_ns is not None:
        duration = np.where(has_next, left - entered, as_of_ns - entered)
    else:
        duration = np.where(has_next, left - entered, _NAT)

    order = np.lexsort((first_ev, case))  # by case, then entry (first events are distinct)
    stage_dtype = pd.CategoricalDtype(list(model.stages), ordered=True)
    out = pd.DataFrame(
        {
            "case": log.case_labels.take(case[order]),
            "stage": pd.Categorical.from_codes(stage[order], dtype=stage_dtype),
            "entered": _datetimes(log, entered[order]),
            "left": _datetimes(log, left[order]),
            "duration": _timedeltas(duration[order]),
        }
    )
    if by_col is not None:
        out[by_name] = log.column(by_col)[first_ev[order]]
    if as_of_ns is not None:
        out["open"] = ~has_next[order]
    if summary:
        return _summarise(out, by_name if by_col is not None else None, as_of_ns is not None)
    return out


def _resolve_by(log: JourneyLog, by: Any) -> tuple[str | None, str]:
    """The log column to report, and the name of the result column."""
    if by is None:
        return None, ""
    if not isinstance(by, str):
        raise ParameterError(
            f"The 'by' parameter of stage_durations() must be None, 'channel' or a column "
            f"name. Got {by!r} instead."
        )
    if by == "channel":
        if log.channel is not None:
            return log.channel, "channel"
        if "channel" in log.columns:
            return "channel", "channel"
        raise ParameterError(
            "stage_durations(by='channel') needs a channel column, but the log has none. "
            f"Build the log with channel='<column>' (columns: {log.columns}), or pass "
            "by='<column>'."
        )
    if by in (log.case, log.timestamp):
        raise ParameterError(
            f"stage_durations(by={by!r}): the case or timestamp column cannot be a grouping."
        )
    log.codes(by)  # raises a LogError naming the closest column when missing
    return by, by


def _exact_quantile(frame: pd.DataFrame, keys: list[str], q: Fraction) -> pd.Series:
    """Per-group quantile of the ``duration`` column (linear interpolation), in whole ns.

    pandas interpolates in float64, which is off by a few nanoseconds on
    durations of months; this interpolates the int64 nanoseconds with the
    exact fraction ``q`` instead.
    """
    grouped = frame.groupby(keys, observed=True, sort=True)
    index = grouped.size().index
    values = frame["duration"].to_numpy().view(np.int64)
    if values.size == 0:
        return pd.Series(np.empty(0, dtype="timedelta64[ns]"), index=index)
    group = grouped.ngroup().to_numpy()
    order = np.lexsort((values, group))
    values = values[order]
    counts = np.bincount(group, minlength=len(index))
    starts = np.cumsum(counts) - counts
    num, den = q.numerator, q.denominator
    lo, rem = np.divmod((counts - 1) * num, den)
    hi = np.minimum(lo + 1, counts - 1)
    low, high = values[starts + lo], values[starts + hi]
    result = low + ((high - low) * rem + den // 2) // den
    return pd.Series(_timedeltas(result), index=index)


def _summarise(durations: pd.DataFrame, by: str | None, with_open: bool) -> pd.DataFrame:
    keys = ["stage"] if by is None else ["stage", by]
    ended = durations["left"].notna()
    closed = durations.loc[ended, keys + ["duration"]]
    grouped = closed.groupby(keys, observed=True, sort=True)["duration"]
    stats = pd.DataFrame(
        {
            "count": grouped.size().astype(np.int64),
            "mean": grouped.mean(),
            "median": grouped.median(),
            "p90": _exact_quantile(closed, keys, Fraction(9, 10)),
        }
    )
    if with_open:
        opened = durations.loc[durations["open"], keys].groupby(keys, observed=True).size()
        stats = stats.join(opened.rename("open"), how="outer")
    if by is None:
        stats = stats.reindex(
            pd.CategoricalIndex(
                durations["stage"].cat.categories, dtype=durations["stage"].dtype, name="stage"
            )
        )
    else:
        stats = stats.sort_index()
    stats["count"] = stats["count"].fillna(0).astype(np.int64)
    if with_open:
        stats["open"] = stats["open"].fillna(0).astype(np.int64)
    for col in ("mean", "median", "p90"):
        stats[col] = stats[col].astype("timedelta64[ns]")
    return stats.reset_index()
