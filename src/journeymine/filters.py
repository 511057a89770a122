"""Slice a log: the case table, and filters on cases, time and events.

Every filter returns a log of the same kind as it is given (an in-memory
:class:`~journeymine.JourneyLog` or a Dask-backed log), with the user's
labels unchanged and ``rejected`` kept, so filters compose: the result of
one is the log of the next. Filters judge each case on its own events, so
a Dask-backed log is filtered lazily, partition by partition (each
partition holds whole cases); the two conditions that need the whole log
(``variants=k`` and a callable ``where=``) are computed first and then
applied per partition.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import (
    case_firsts,
    case_lasts,
    first_event,
    last_event,
    per_case_any,
    previous_event,
    sequence_keys,
)
from journeymine._validation import optional_duration_ns, time_ns
from journeymine.cases import case_table
from journeymine.engine import check_log, filter_log
from journeymine.errors import JourneymineWarning, LogError, ParameterError, user_stacklevel
from journeymine.log import JourneyLog

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["filter_cases", "filter_events", "filter_time", "trim"]

TimeMode = Literal["contained", "intersecting", "started", "completed", "trim"]
_TIME_MODES = ("contained", "intersecting", "started", "completed", "trim")
_INT64_MIN = np.iinfo(np.int64).min
_INT64_MAX = np.iinfo(np.int64).max


# -- helpers other slicing modules share ------------------------------------------
def activity_codes_of(log: JourneyLog, activities: Iterable[Any]) -> np.ndarray:
    """Codes in ``log`` of the given activity labels (those it does not hold are left out)."""
    codes = log.activity_labels.get_indexer(pd.Index(list(activities), dtype=object))
    return codes[codes >= 0]


def activity_in(log: JourneyLog, activities: Iterable[Any]) -> np.ndarray:
    """Boolean mask of the events whose activity is one of ``activities``."""
    table = np.zeros(len(log.activity_labels), dtype=bool)
    table[activity_codes_of(log, activities)] = True
    return table[log.activity_codes]


def activities_arg(value: Any, name: str, func: str) -> tuple[Any, ...] | None:
    """``None``, or the activities given as one label or a list of labels."""
    if value is None:
        return None
    if isinstance(value, (str, int, np.integer)) and not isinstance(value, bool):
        return (value,)
    out = tuple(value)  # callers declare it: v.Activities() takes labels and iterables only
    if not out:
        raise ParameterError(
            f"The {name!r} parameter of {func}() lists no activity. Pass one or more "
            f"activities, e.g. {name}=['Place order'], or leave it out."
        )
    return out


def check_known_activities(
    log: Any, wanted: Iterable[Any], name: str, func: str, known: Sequence[Any] | None = None
) -> None:
    """Raise ParameterError naming the activities of ``wanted`` that the log does not have."""
    have = list(log.activities if known is None else known)
    have_set = set(have)
    missing = [a for a in dict.fromkeys(wanted) if a not in have_set]
    if not missing:
        return
    texts = [str(a) for a in have]
    hints = []
    for a in missing[:3]:
        close = difflib.get_close_matches(str(a), texts, n=1)
        if close:
            hints.append(f"{close[0]!r} (for {a!r})")
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    shown = ", ".join(repr(a) for a in have[:12]) + (", ..." if len(have) > 12 else "")
    raise ParameterError(
        f"The {name!r} parameter of {func}() names activities the log does not have: "
        f"{', '.join(repr(a) for a in missing)}.{hint} Activities in the log: {shown}."
    )


#: the most steps paths() and step_matrix() follow
MAX_STEPS = 10_000


def no_cases_error(func: str) -> LogError:
    """The error an analysis raises on a log without cases."""
    return LogError(
        f"{func}() was given a log with no cases, so there is nothing to analyse. If it comes "
        "from jm.filter_cases, jm.filter_time or jm.filter_events, the filter kept no case: "
        "loosen it (check the activity names, the time range and the other conditions)."
    )


def _check_log(log: Any, func: str) -> None:
    """Raise ParameterError when ``log`` is not a journey log (of any engine)."""
    check_log(log, func)


def _apply(log: Any, fn: Callable[..., np.ndarray], func: str, *args: Any) -> Any:
    """Apply an event-mask function on the log's engine (lazily per partition on Dask)."""
    out = filter_log(log, fn, func, *args)
    if isinstance(out, JourneyLog) and out.n_events == 0:
        warnings.warn(
            f"{func}() kept no event: the resulting log has no cases, so tables of it are "
            "empty (and compare, paths and step_matrix refuse it). Loosen the filter: check "
            "the activity names, the time range and the other conditions.",
            JourneymineWarning,
            stacklevel=user_stacklevel(),
        )
    return out


# -- filter_cases ------------------------------------------------------------------------
def cases_with_sequence(log: JourneyLog, sequences: Sequence[tuple[Any, ...]]) -> np.ndarray:
    """For each case, whether its activity sequence is one of ``sequences`` (exact)."""
    out = np.zeros(log.n_cases, dtype=bool)
    if log.n_cases == 0 or not sequences:
        return out
    index = log.activity_labels
    enc = []
    for s in sequences:  # a loop over the wanted sequences (few), not over cases
        codes = index.get_indexer(pd.Index(list(s), dtype=object))
        if len(s) and (codes >= 0).all():
            enc.append(codes.astype(np.int64))
    if not enc:
        return out
    w_off = np.concatenate([[0], np.cumsum([len(e) for e in enc])]).astype(np.int64)
    w_codes = np.concatenate(enc)
    w_keys = sequence_keys(w_codes, w_off)
    keys = sequence_keys(log.activity_codes, log.case_offsets)
    order = np.argsort(w_keys, kind="stable")
    at = np.searchsorted(w_keys[order], keys)
    at = np.minimum(at, len(order) - 1)
    cand = np.flatnonzero(w_keys[order][at] == keys)
    if cand.size == 0:
        return out
    which = order[at[cand]]
    sizes = log.case_sizes[cand]
    ok = sizes == np.diff(w_off)[which]
    cand, which, sizes = cand[ok], which[ok], sizes[ok]
    # element-wise check of the candidates against their wanted sequence
    rep = np.repeat(np.arange(cand.size), sizes)
    within = np.arange(rep.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    same = (
        log.activity_codes[log.case_offsets[cand][rep] + within]
        == w_codes[w_off[which][rep] + within]
    )
    bad = np.bincount(rep[~same], minlength=cand.size) > 0
    out[cand[~bad]] = True
    return out


def _pair_arg(value: Any, name: str) -> tuple[Any, Any] | None:
    if value is None:
        return None
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or len(value) != 2
        or any(isinstance(x, (list, tuple, set)) for x in value)
    ):
        raise ParameterError(
            f"The {name!r} parameter of filter_cases() must be a pair of activities (a, b). "
            f"Got {value!r} instead, e.g. {name}=('Add to cart', 'Place order')."
        )
    return value[0], value[1]


def _count_arg(value: Any, name: str) -> int | None:
    return None if value is None else int(value)  # declared: a non-negative int or None


def _case_mask(log: JourneyLog, cond: dict[str, Any]) -> np.ndarray:
    """Event mask of the cases meeting every condition of ``cond`` (validated already)."""
    n_cases = log.n_cases
    keep = np.ones(n_cases, dtype=bool)
    if n_cases == 0:
        return np.zeros(0, dtype=bool)
    firsts, lasts = case_firsts(log), case_lasts(log)
    for a in cond.get("has") or ():
        keep &= per_case_any(log, activity_in(log, [a]))
    if cond.get("lacks"):
        keep &= ~per_case_any(log, activity_in(log, cond["lacks"]))
    if cond.get("starts_with"):
        keep &= activity_in(log, cond["starts_with"])[firsts]
    if cond.get("ends_with"):
        keep &= activity_in(log, cond["ends_with"])[lasts]
    within = cond.get("within")
    if cond.get("follows") is not None:
        a, b = cond["follows"]
        is_a, is_b = activity_in(log, [a]), activity_in(log, [b])
        pair = is_a[:-1] & is_b[1:] & (log.case_codes[:-1] == log.case_codes[1:])
        if within is not None:
            pair &= log.time[1:] - log.time[:-1] <= within
        hit = np.zeros(log.n_events, dtype=bool)
        hit[:-1] = pair
        keep &= per_case_any(log, hit)
    if cond.get("eventually") is not None:
        a, b = cond["eventually"]
        is_a, is_b = activity_in(log, [a]), activity_in(log, [b])
        if within is None:
            first_a = first_event(log, is_a)
            keep &= (first_a >= 0) & (last_event(log, is_b) > first_a)
        else:
            # the closest a before each event is the latest one: times grow along a case
            prev_a = previous_event(log, is_a)
            ok = is_b & (prev_a >= 0)
            gap = log.time - log.time[np.maximum(prev_a, 0)]
            keep &= per_case_any(log, ok & (gap <= within))
    sizes = log.case_sizes
    if cond.get("min_events") is not None:
        keep &= sizes >= cond["min_events"]
    if cond.get("max_events") is not None:
        keep &= sizes <= cond["max_events"]
    duration = log.time[lasts] - log.time[firsts]
    if cond.get("min_duration") is not None:
        keep &= duration >= cond["min_duration"]
    if cond.get("max_duration") is not None:
        keep &= duration <= cond["max_duration"]
    if cond.get("sequences") is not None:
        keep &= cases_with_sequence(log, cond["sequences"])
    if cond.get("where") is not None:
        keep &= _where_mask(log, cond["where"])
    return keep[log.case_codes]


def _where_mask(log: JourneyLog, where: pd.Series) -> np.ndarray:
    """Cases selected by a boolean Series indexed by case id (cases it lacks are dropped)."""
    values = where.reindex(log.case_labels)
    return values.fillna(False).to_numpy(dtype=bool)


def _where_series(log: Any, where: Any) -> pd.Series:
    """``where=`` as a boolean Series indexed by case id (a callable sees the whole case table)."""
    if callable(where) and not isinstance(where, pd.Series):
        table = case_table(log)
        got = where(table)
        if isinstance(got, (pd.Series, np.ndarray)) and len(got) == len(table):
            values = np.asarray(got)
            if values.dtype != bool:
                raise ParameterError(
                    "The 'where' parameter of filter_cases() is a callable that must return one "
                    f"boolean per row of log.case_table(); it returned values of dtype "
                    f"{values.dtype}. Return e.g. lambda t: t['events'] > 3."
                )
            return pd.Series(values, index=pd.Index(table["case"]))
        raise ParameterError(
            "The 'where' parameter of filter_cases() is a callable that must return a boolean "
            f"Series with one value per row of log.case_table(); it returned {type(got).__name__}"
            f"{f' of length {len(got)}' if hasattr(got, '__len__') else ''} for "
            f"{len(table)} cases. Return e.g. lambda t: t['events'] > 3."
        )
    if not isinstance(where, pd.Series) or not (
        pd.api.types.is_bool_dtype(where.dtype) or where.dtype == object
    ):
        raise ParameterError(
            "The 'where' parameter of filter_cases() must be a boolean pandas Series indexed by "
            "case id, or a callable taking log.case_table() and returning one. Got "
            f"{type(where).__name__} instead, e.g. where=lambda t: t['channel'] == 'web'."
        )
    if where.index.has_duplicates:
        raise ParameterError(
            "The 'where' parameter of filter_cases() is a Series whose index repeats case ids; "
            "give one value per case, e.g. series.groupby(level=0).any()."
        )
    if where.dtype == object:
        odd = [x for x in where.dropna().unique()[:1000] if not isinstance(x, (bool, np.bool_))]
        if odd:
            raise ParameterError(
                "The 'where' parameter of filter_cases() must hold booleans (True/False), but "
                f"its values include {odd[:3]!r} (dtype object); text such as 'no' or 'False' "
                "would count as true. Compare first, e.g. where=series == 'yes'."
            )
        where = where.astype("boolean")
    if isinstance(log, JourneyLog):
        # a Series of only the selected cases (all True) is a selection, not a mismatch
        partial_ok = bool(where.fillna(False).astype(bool).all())
        check_case_ids(where.index, log.case_labels, "where", "filter_cases", partial_ok)
    return where


def check_case_ids(
    index: pd.Index, cases: pd.Index, name: str, func: str, partial_ok: bool = False
) -> None:
    """Warn when a Series by case id matches none or only some of the log's cases.

    The usual cause is a type mismatch (case ids read as text, the Series
    keyed by int), which would otherwise give an empty or partial result
    without a word.
    """
    matched = int(cases.isin(index).sum()) if len(cases) else 0
    if matched == len(cases) or (partial_ok and matched > 0):
        return
    extra = index[~index.isin(cases)]
    missing = cases[~cases.isin(index)]
    types = {type(x).__name__ for x in index[:100]}, {type(x).__name__ for x in cases[:100]}
    cause = (
        f" The Series' ids are {'/'.join(sorted(types[0]))} and the log's are "
        f"{'/'.join(sorted(types[1]))}: convert one, e.g. series.index = "
        "series.index.astype(str)."
        if types[0] != types[1]
        else ""
    )
    how = "none" if matched == 0 else f"only {matched:,} of the {len(cases):,}"
    warnings.warn(
        f"The {name!r} Series of {func}() matches {how} of the log's cases (e.g. log cases "
        f"{missing[:3].tolist()!r} are not in it"
        + (f"; its ids {extra[:3].tolist()!r} are not in the log" if len(extra) else "")
        + f"); cases without a value are treated as not selected.{cause}",
        JourneymineWarning,
        stacklevel=user_stacklevel(),
    )


_ACTIVITIES = [v.Activities(), None]


@v.validate_params(
    {
        "has": _ACTIVITIES,
        "lacks": _ACTIVITIES,
        "starts_with": _ACTIVITIES,
        "ends_with": _ACTIVITIES,
        "min_events": [v.Interval(int, 0, None), None],
        "max_events": [v.Interval(int, 0, None), None],
        "min_duration": [v.Duration(), None],
        "max_duration": [v.Duration(), None],
        "variants": [
            v.Interval(int, 1, None),
            v.InstanceOf(Iterable, "a list of activity tuples"),
            None,
        ],
        "within": [v.Duration(), None],
    }
)
def filter_cases(
    log: LogLike,
    *,
    has: Any = None,
    lacks: Any = None,
    starts_with: Any = None,
    ends_with: Any = None,
    follows: tuple[Any, Any] | None = None,
    eventually: tuple[Any, Any] | None = None,
    min_events: int | None = None,
    max_events: int | None = None,
    min_duration: str | pd.Timedelta | _dt.timedelta | None = None,
    max_duration: str | pd.Timedelta | _dt.timedelta | None = None,
    variants: int | Sequence[tuple[Any, ...]] | None = None,
    where: pd.Series | Callable[[pd.DataFrame], pd.Series] | None = None,
    within: str | pd.Timedelta | _dt.timedelta | None = None,
) -> Any:
    """Keep the whole cases that meet every condition given.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    has : activity or list of activities, optional
        Keep cases in which every listed activity occurs.
    lacks : activity or list of activities, optional
        Keep cases in which none of them occurs.
    starts_with, ends_with : activity or list of activities, optional
        Keep cases whose first (last) event is one of them.
    follows : (a, b), optional
        Keep cases in which ``b`` directly follows ``a`` somewhere (with
        ``within``: at most that long after it).
    eventually : (a, b), optional
        Keep cases with a ``b`` somewhere after their first ``a``. With
        ``within``: cases where some ``b`` comes after some ``a`` (in log
        order) with ``0 <= t_b - t_a <= within``.
    min_events, max_events : int, optional
        Bounds (inclusive) on the number of events of a case.
    min_duration, max_duration : str or Timedelta, optional
        Bounds (inclusive) on the time from a case's first to its last
        event, e.g. ``"7D"``.
    variants : int or list of tuples, optional
        An int ``k`` keeps the cases of the ``k`` most frequent variants
        (ranked as :func:`journeymine.variants` ranks them); a list of
        activity tuples keeps the cases that follow one of them.
    where : boolean Series or callable, optional
        A boolean Series indexed by case id (cases it does not list are
        dropped), or a callable taking :meth:`JourneyLog.case_table` and
        returning such a Series (or one boolean per row).
    within : str or Timedelta, optional
        Only with ``follows`` or ``eventually``: the longest time allowed
        from ``a`` to ``b`` (inclusive), e.g. ``"7D"``; it applies to both
        when both are given.

    Returns
    -------
    JourneyLog
        A log of the same kind, with the user's labels unchanged and
        ``rejected`` kept. It may be empty (a :class:`JourneymineWarning`
        says so in memory); analyses of an empty log say it has no cases.

    Raises
    ------
    ParameterError
        An activity the log does not have (with the closest one), or an
        argument of the wrong type.

    Notes
    -----
    One vectorised pass over the log's codes. On a Dask-backed log the
    filter is lazy and runs per partition; ``variants=k`` first ranks the
    variants of the whole log and a callable ``where`` first computes the
    whole case table.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 3], "a": ["ad", "buy", "ad", "view", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.filter_cases(log, has="buy").cases.tolist()
    [1, 3]
    >>> jm.filter_cases(log, starts_with="ad", lacks="buy").cases.tolist()
    [2]
    >>> jm.filter_cases(log, where=lambda t: t["events"] > 1).cases.tolist()
    [1, 2]

    Time-bounded sequences: a ``buy`` at most a day after an ``ad``:

    >>> jm.filter_cases(log, eventually=("ad", "buy"), within="1D").cases.tolist()
    [1]
    >>> jm.filter_cases(log, follows=("ad", "view"), within="1D").cases.tolist()
    [2]
    """
    func = "filter_cases"
    _check_log(log, func)
    cond: dict[str, Any] = {}
    wanted: list[tuple[str, tuple[Any, ...]]] = []
    for name, value in (
        ("has", has),
        ("lacks", lacks),
        ("starts_with", starts_with),
        ("ends_with", ends_with),
    ):
        acts = activities_arg(value, name, func)
        if acts is not None:
            cond[name] = acts
            wanted.append((name, acts))
    for name, value in (("follows", follows), ("eventually", eventually)):
        pair = _pair_arg(value, name)
        if pair is not None:
            cond[name] = pair
            wanted.append((name, pair))
    if wanted:
        known = list(log.activities)
        for name, acts in wanted:
            check_known_activities(log, acts, name, func, known)
    if within is not None and follows is None and eventually is None:
        raise ParameterError(
            "The 'within' parameter of filter_cases() bounds the time from a to b in follows= or "
            "eventually=: pass one of them, e.g. filter_cases(log, eventually=('Add to cart', "
            "'Place order'), within='7D')."
        )
    cond["within"] = optional_duration_ns(within, "within", func)
    for name, value in (("min_events", min_events), ("max_events", max_events)):
        cond[name] = _count_arg(value, name)
    for name, value in (("min_duration", min_duration), ("max_duration", max_duration)):
        cond[name] = optional_duration_ns(value, name, func)
    if variants is not None:
        if isinstance(variants, (int, np.integer)) and not isinstance(variants, bool):
            from journeymine.discovery import variants as _variants

            table = _variants(log, top=int(variants))
            cond["sequences"] = list(table["variant"])
        elif isinstance(variants, Iterable) and not isinstance(variants, (str, bytes, dict)):
            seqs = [tuple(s) for s in variants]
            if any(isinstance(s, str) for s in variants):
                raise ParameterError(
                    "The 'variants' parameter of filter_cases() must be a list of activity tuples, "
                    f"e.g. variants=[('ad', 'buy')]. Got {variants!r} instead."
                )
            cond["sequences"] = seqs
        else:
            raise ParameterError(
                "The 'variants' parameter of filter_cases() must be a positive int k or a list of "
                f"activity tuples. Got {variants!r} instead."
            )
    if where is not None:
        cond["where"] = _where_series(log, where)
    return _apply(log, _case_mask, func, cond)


# -- filter_time -----------------------------------------------------------------------
def _time_mask(log: JourneyLog, lo: int, hi: int, mode: str) -> np.ndarray:
    inside = (log.time >= lo) & (log.time < hi)
    if mode == "trim":
        return inside
    if log.n_cases == 0:
        return inside
    firsts, lasts = case_firsts(log), case_lasts(log)
    if mode == "contained":
        keep = inside[firsts] & inside[lasts]
    elif mode == "intersecting":
        keep = per_case_any(log, inside)
    elif mode == "started":
        keep = inside[firsts]
    else:  # completed
        keep = inside[lasts]
    return keep[log.case_codes]


@v.validate_params({"mode": [v.StrOptions(_TIME_MODES)]})
def filter_time(
    log: LogLike,
    start: Any = None,
    end: Any = None,
    *,
    mode: TimeMode = "contained",
) -> Any:
    """Keep the cases (or events) in the time interval ``[start, end)``.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    start, end : timestamp or str, optional
        The interval, start included, end excluded; an open side when None.
        Naive times are taken as UTC, as the log's times are.
    mode : {"contained", "intersecting", "started", "completed", "trim"}, default="contained"
        ``contained`` keeps the cases whose first and last events lie in the
        interval; ``intersecting`` those with some event in it; ``started``
        those whose first event is in it; ``completed`` those whose last
        event is in it; ``trim`` keeps only the events in it (cases left
        without events disappear).

    Returns
    -------
    JourneyLog
        A log of the same kind (possibly empty).

    Raises
    ------
    ParameterError
        A time that cannot be parsed, ``end`` before ``start``, or an
        unknown ``mode``.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2], "a": ["ad", "buy", "ad", "buy"],
    ...                    "t": ["2025-01-01", "2025-01-05", "2025-01-03", "2025-01-04"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.filter_time(log, "2025-01-02", "2025-01-10").cases.tolist()
    [2]
    >>> jm.filter_time(log, "2025-01-02", "2025-01-10", mode="intersecting").cases.tolist()
    [1, 2]
    >>> jm.filter_time(log, "2025-01-02", "2025-01-10", mode="trim").n_events
    3
    """
    func = "filter_time"
    _check_log(log, func)
    lo = time_ns(start, "start", func)
    hi = time_ns(end, "end", func)
    if lo is not None and hi is not None and hi < lo:
        raise ParameterError(
            f"The 'end' parameter of filter_time() ({end!r}) is before 'start' ({start!r}); the "
            "interval is [start, end). Swap them."
        )
    return _apply(
        log,
        _time_mask,
        func,
        _INT64_MIN if lo is None else lo,
        _INT64_MAX if hi is None else hi,
        mode,
    )


# -- filter_events ---------------------------------------------------------------------
def _event_mask(
    log: JourneyLog,
    activities: tuple[Any, ...] | None,
    keep: bool,
    dedupe: bool,
    lifecycle: str | None,
    lifecycle_column: str,
) -> np.ndarray:
    mask = np.ones(log.n_events, dtype=bool)
    if lifecycle is not None:
        values = pd.Series(log.column(lifecycle_column), dtype=object).astype(str).str.lower()
        mask &= (values == lifecycle.lower()).to_numpy(dtype=bool)
    if activities is not None:
        listed = activity_in(log, activities)
        mask &= listed if keep else ~listed
    if dedupe:
        idx = np.flatnonzero(mask)
        if idx.size > 1:
            same = (
                (log.case_codes[idx[1:]] == log.case_codes[idx[:-1]])
                & (log.activity_codes[idx[1:]] == log.activity_codes[idx[:-1]])
                & (log.time[idx[1:]] == log.time[idx[:-1]])
            )
            mask[idx[1:][same]] = False
    return mask


@v.validate_params(
    {
        "activities": _ACTIVITIES,
        "keep": ["boolean"],
        "dedupe": ["boolean"],
        "lifecycle": [v.InstanceOf(str), None],
        "lifecycle_column": [v.InstanceOf(str)],
    }
)
def filter_events(
    log: LogLike,
    *,
    activities: Any = None,
    keep: bool = True,
    dedupe: bool = False,
    lifecycle: str | None = None,
    lifecycle_column: str = "lifecycle:transition",
) -> Any:
    """Keep some events of every case: by activity, without duplicates, by lifecycle.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    activities : activity or list of activities, optional
        The activities to keep (``keep=True``) or to drop (``keep=False``).
    keep : bool, default=True
        Whether ``activities`` lists what to keep or what to drop.
    dedupe : bool, default=False
        Drop an event equal to the previous kept event of its case in
        activity and timestamp (duplicate rows of an export).
    lifecycle : str, optional
        Keep the events whose lifecycle column equals it, case-insensitively
        (e.g. ``"complete"``).
    lifecycle_column : str, default="lifecycle:transition"
        The lifecycle column (the XES key by default).

    Returns
    -------
    JourneyLog
        A log of the same kind; cases left without events disappear.

    Raises
    ------
    ParameterError
        An activity the log does not have, or ``lifecycle`` without a
        lifecycle column.

    Notes
    -----
    ``lifecycle`` and ``activities`` are applied first, then ``dedupe`` on
    the events they keep.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 1, 2], "a": ["ad", "ad", "buy", "ad"],
    ...                    "t": ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03"]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:  # the log says it has a duplicate
    ...     warnings.simplefilter("always")
    ...     log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> "jm.filter_events(log, dedupe=True)" in str(caught[0].message)
    True
    >>> jm.filter_events(log, dedupe=True).n_events
    3
    >>> jm.filter_events(log, activities="ad", keep=False).cases.tolist()
    [1]
    """
    func = "filter_events"
    _check_log(log, func)
    acts = activities_arg(activities, "activities", func)
    if acts is not None:
        check_known_activities(log, acts, "activities", func)
    if lifecycle is not None:
        if lifecycle_column not in log.columns:
            raise ParameterError(
                f"filter_events(lifecycle={lifecycle!r}) needs a lifecycle column, but the log has "
                f"no column {lifecycle_column!r} (columns: {list(log.columns)}). Pass "
                "lifecycle_column='<column>'."
            )
    return _apply(
        log, _event_mask, func, acts, bool(keep), bool(dedupe), lifecycle, lifecycle_column
    )


# -- trim ------------------------------------------------------------------------------
def _trim_mask(
    log: JourneyLog, start: tuple[Any, ...], end: tuple[Any, ...], end_at: str
) -> np.ndarray:
    """Events from each case's first ``start`` event through its chosen ``end`` event."""
    n_cases = log.n_cases
    if n_cases == 0:
        return np.zeros(0, dtype=bool)
    is_s, is_e = activity_in(log, start), activity_in(log, end)
    begin = first_event(log, is_s)
    has_start = begin >= 0
    stop = np.full(n_cases, -1, dtype=np.int64)
    ends = np.flatnonzero(is_e)
    if end_at == "last":
        stop = last_event(log, is_e)
    elif ends.size:  # the first end event at or after the case's first start event
        at = np.searchsorted(ends, np.where(has_start, begin, 0), side="left")
        found = ends[np.minimum(at, ends.size - 1)]
        inside = (at < ends.size) & (found < log.case_offsets[1:])
        stop = np.where(inside, found, -1)
    keep = has_start & (stop >= begin)
    pos = np.arange(log.n_events, dtype=np.int64)
    case = log.case_codes
    return keep[case] & (pos >= begin[case]) & (pos <= stop[case])


@v.validate_params(
    {
        "start": [v.Activities()],
        "end": [v.Activities()],
        "end_at": [v.StrOptions(("first", "last"))],
    }
)
def trim(
    log: LogLike,
    start: Any,
    end: Any,
    *,
    end_at: Literal["first", "last"] = "first",
) -> Any:
    """Keep, in every case, the events from its first ``start`` event through an ``end`` event.

    Per case, the kept events run from the first event whose activity is
    one of ``start`` through the first event at or after it whose activity
    is one of ``end`` (``end_at="last"``: the last such event), both
    included. Cases without such a pair are dropped, as any filter drops
    cases. "After" follows the log's event order (case, timestamp, input
    row).

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    start, end : activity or list of activities
        The activities that open and close the kept part of a case.
    end_at : {"first", "last"}, default="first"
        Close at the first ``end`` event at or after the start (pm4py's
        ``filter_between`` keeps this first pair), or at the last one
        (bupaR's ``filter_trim``).

    Returns
    -------
    JourneyLog
        A log of the same kind, with the user's labels unchanged and
        ``rejected`` kept (possibly empty: a :class:`JourneymineWarning`
        says so in memory).

    Raises
    ------
    ParameterError
        An activity the log does not have (with the closest one), or an
        unknown ``end_at``.

    See Also
    --------
    filter_cases : Keep whole cases.
    filter_time : Keep cases or events in a time interval.

    Notes
    -----
    When ``start`` and ``end`` share an activity, an event of it can open
    and close a case's kept part at once (``end`` "at or after" the start).
    On a Dask-backed log the trim is lazy and runs per partition.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 1, 1, 1, 2, 2],
    ...                    "a": ["ad", "view", "cart", "view", "cart", "view", "ad"],
    ...                    "t": pd.date_range("2025-01-01", periods=7, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.trim(log, "view", "cart").to_pandas()["a"].tolist()
    ['view', 'cart']
    >>> jm.trim(log, "view", "cart", end_at="last").to_pandas()["a"].tolist()
    ['view', 'cart', 'view', 'cart']
    >>> jm.trim(log, "ad", ["cart", "ad"]).cases.tolist()  # case 2: its "ad" opens and closes
    [1, 2]
    """
    func = "trim"
    _check_log(log, func)
    acts: dict[str, tuple[Any, ...]] = {}
    for name, value in (("start", start), ("end", end)):
        acts[name] = activities_arg(value, name, func) or ()
    known = list(log.activities)
    for name, value in acts.items():
        check_known_activities(log, value, name, func, known)
    return _apply(log, _trim_mask, func, acts["start"], acts["end"], end_at)
