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

from journeymine._percase import case_firsts, case_lasts, per_case_any, sequence_keys
from journeymine._validation import check_bool, check_option, optional_duration_ns, time_ns
from journeymine.cases import case_table
from journeymine.engine import check_log, filter_log
from journeymine.errors import JourneymineWarning, LogError, ParameterError
from journeymine.log import JourneyLog

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["filter_cases", "filter_events", "filter_time"]

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
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        out = tuple(value)
        if not out:
            raise ParameterError(
                f"The {name!r} parameter of {func}() lists no activity. Pass one or more "
                f"activities, e.g. {name}=['Place order'], or leave it out."
            )
        return out
    raise ParameterError(
        f"The {name!r} parameter of {func}() must be an activity or a list of activities. "
        f"Got {value!r} instead, e.g. {name}=['Place order']."
    )


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


def check_steps(steps: Any, func: str) -> int:
    """``steps`` as a positive int, or a ParameterError."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise ParameterError(
            f"The 'steps' parameter of {func}() must be a positive int (the number of events to "
            f"follow). Got {steps!r} instead, e.g. steps=3."
        )
    return int(steps)


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
            stacklevel=3,
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
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(
            f"The {name!r} parameter of filter_cases() must be a non-negative int. "
            f"Got {value!r} instead."
        )
    return int(value)


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
    if cond.get("follows") is not None:
        a, b = cond["follows"]
        is_a, is_b = activity_in(log, [a]), activity_in(log, [b])
        pair = is_a[:-1] & is_b[1:] & (log.case_codes[:-1] == log.case_codes[1:])
        hit = np.zeros(log.n_events, dtype=bool)
        hit[:-1] = pair
        keep &= per_case_any(log, hit)
    if cond.get("eventually") is not None:
        a, b = cond["eventually"]
        pos = np.arange(log.n_events, dtype=np.int64)
        first_a = np.full(n_cases, _INT64_MAX, dtype=np.int64)
        is_a = activity_in(log, [a])
        np.minimum.at(first_a, log.case_codes[is_a], pos[is_a])
        last_b = np.full(n_cases, -1, dtype=np.int64)
        is_b = activity_in(log, [b])
        np.maximum.at(last_b, log.case_codes[is_b], pos[is_b])
        keep &= last_b > first_a
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
    return where


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
        Keep cases in which ``b`` directly follows ``a`` somewhere.
    eventually : (a, b), optional
        Keep cases with a ``b`` somewhere after their first ``a``.
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
    for name, value in (("min_events", min_events), ("max_events", max_events)):
        cond[name] = _count_arg(value, name)
    for name, value in (("min_duration", min_duration), ("max_duration", max_duration)):
        cond[name] = optional_duration_ns(value, name, func)
    if variants is not None:
        if isinstance(variants, (int, np.integer)) and not isinstance(variants, bool):
            if variants < 1:
                raise ParameterError(
                    "The 'variants' parameter of filter_cases() must be a positive int k (the k "
                    f"most frequent variants) or a list of activity tuples. Got {variants!r}."
                )
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
    check_option("mode", mode, _TIME_MODES, func)
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
    check_bool(keep, "keep", func)
    check_bool(dedupe, "dedupe", func)
    if lifecycle is not None:
        if not isinstance(lifecycle, str):
            raise ParameterError(
                f"The 'lifecycle' parameter of {func}() must be a string such as 'complete'. "
                f"Got {lifecycle!r} instead."
            )
        if lifecycle_column not in log.columns:
            raise ParameterError(
                f"filter_events(lifecycle={lifecycle!r}) needs a lifecycle column, but the log has "
                f"no column {lifecycle_column!r} (columns: {list(log.columns)}). Pass "
                "lifecycle_column='<column>'."
            )
    return _apply(
        log, _event_mask, func, acts, bool(keep), bool(dedupe), lifecycle, lifecycle_column
    )
