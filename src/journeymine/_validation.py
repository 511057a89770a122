"""Checks at the public boundary: columns, parameters, timestamps.

Private module. Every function here raises a :mod:`journeymine.errors`
subclass with a message that says what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from journeymine.errors import LogError, ParameterError

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"

_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)\s*$", re.IGNORECASE)


def where(source: str | None) -> str:
    """Return `` in <file>`` for messages, or an empty string."""
    return f" in {source}" if source else ""


def sample_repr(values: Sequence[Any]) -> str:
    """``repr`` of a few input values for a message, even where ``repr`` itself fails.

    pandas cannot print a Timestamp outside Python's datetime range (e.g. year
    -1, which ISO 8601 parsing accepts); such a value is shown as its numpy
    datetime64.
    """
    parts = []
    for value in values:
        try:
            parts.append(repr(value))
        except (NotImplementedError, ValueError, OverflowError):
            asm8 = getattr(value, "asm8", None)
            parts.append(repr(asm8) if asm8 is not None else f"<{type(value).__name__}>")
    return "[" + ", ".join(parts) + "]"


def bad_rows_fix(*, unparseable: bool, datetimes: bool, samples: Sequence[Any] = ()) -> str:
    """How to fix rows with a missing value or, if ``unparseable``, a bad timestamp.

    ``datetimes`` says the column already holds datetimes (as from XES or
    Parquet), where no format can help: such values are out of range.
    ``samples`` are bad values the message shows: a ``timestamp_format`` is
    suggested only if it parses every one of them (:func:`suggest_format`).
    """
    if unparseable and datetimes:
        return (
            "They lie outside 1677-09-21 .. 2262-04-11, the range of nanosecond "
            'timestamps. Fix them, or pass on_error="collect" to set them aside.'
        )
    if unparseable:
        fmt = suggest_format(samples)
        how = (
            f"pass timestamp_format={fmt!r} (it reads {str(samples[0]).strip()!r})"
            if fmt is not None
            else "pass timestamp_format= with their strftime format"
        )
        return f'Fix the values, {how}, or pass on_error="collect" to set them aside.'
    return 'Drop or fill them, or pass on_error="collect" to set them aside.'


#: formats :func:`suggest_format` tries, most common first (day first before month first)
_FORMATS = tuple(
    date + time
    for date in (
        "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y",
        "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y",
        "%Y%m%d", "%d-%b-%Y", "%d-%b-%y",
    )
    for time in ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S")
)  # fmt: skip


def suggest_format(samples: Sequence[Any]) -> str | None:
    """A strftime format that parses every one of ``samples`` (text), or None.

    Tried in the order of ``_FORMATS``; a suggestion is only made when it
    is verified on the values themselves, so a hint never proposes a format
    that fails on the values it is shown with.
    """
    texts = [s.strip() for s in samples if isinstance(s, str) and s.strip()]
    if not texts or len(texts) != len(samples):
        return None
    values = pd.Series(texts, dtype=object)
    for fmt in _FORMATS:
        try:
            pd.to_datetime(values, format=fmt, errors="raise")
        except (ValueError, TypeError, OverflowError):
            continue
        return fmt
    return None


def format_rows(rows: Sequence[int] | np.ndarray, *, line_offset: int | None = None) -> str:
    """Describe up to five 0-based row numbers, e.g. ``rows 3, 17 and 2 more``."""
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    noun = "row" if len(rows) == 1 else "rows"
    text = f"{noun} {shown}{more}"
    if line_offset is not None:
        lines = ", ".join(str(r + line_offset) for r in rows[:5])
        text += f" (file line{'s' if len(rows) > 1 else ''} {lines}{more and ', ...'})"
    return text


def check_option(name: str, value: Any, allowed: Iterable[Any], func: str) -> None:
    """Raise ParameterError unless ``value`` is one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be one of "
            f"{', '.join(repr(a) for a in allowed)}. Got {value!r} instead."
        )


def check_unique_columns(columns: pd.Index, source: str | None = None) -> None:
    """Raise LogError if two columns share a name."""
    dupes = columns[columns.duplicated()].unique().tolist()
    if dupes:
        raise LogError(
            f"Duplicate column names{where(source)}: {dupes}. Each column must have a unique "
            "name; rename or drop the duplicates.",
            column=str(dupes[0]),
            path=source,
        )


def check_frame(df: Any, source: str | None = None) -> pd.DataFrame:
    """Check that ``df`` is a non-empty DataFrame with unique column names."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(
            f"Expected a pandas DataFrame, got {type(df).__name__}. "
            "Build one with pandas.DataFrame(...) or use jm.read_csv / jm.read_parquet."
        )
    check_unique_columns(df.columns, source)
    if len(df) == 0:
        raise LogError(
            f"The event log{where(source)} is empty: it has columns {list(df.columns)} but no "
            "rows. Check the file or the filter that produced it.",
            path=source,
        )
    return df


def resolve_column(
    df: pd.DataFrame,
    value: str | None,
    role: str,
    *,
    default: str | None = None,
    required: bool = True,
    source: str | None = None,
) -> str | None:
    """Return the column for ``role`` (case, activity, ...), checking it exists.

    ``value`` is what the user passed; ``default`` the XES key tried when the
    user passed nothing.
    """
    columns = [str(c) for c in df.columns]
    if value is None:
        if default is not None and default in df.columns:
            return default
        if not required:
            return None
        hint = _guess(columns, role)
        raise LogError(
            f"No {role} column given and none could be detected{where(source)}. "
            f"Columns in data: {columns}. Pass {role}={hint!r}.",
            path=source,
        )
    if not isinstance(value, str):
        raise ParameterError(
            f"The {role!r} parameter must be a column name (str). Got {value!r} instead."
        )
    if value in df.columns:
        return value
    other_keys = {XES_CASE, XES_ACTIVITY, XES_TIMESTAMP} - {value}
    candidates = [c for c in columns if c not in other_keys]
    close = difflib.get_close_matches(
        value.lower(), [c.lower() for c in candidates], n=1, cutoff=0.5
    )
    if close:
        match = next(c for c in columns if c.lower() == close[0])
        fix = f"Did you mean {role}={match!r}?"
    else:
        fix = f"Pass {role}= one of the columns."
    raise LogError(
        f"Column {value!r} (the {role} column) not found{where(source)}. "
        f"Columns in data: {columns}. {fix}",
        column=value,
        path=source,
    )


_ROLE_WORDS = {
    "case": ("case", "customer", "user", "session", "id", "client"),
    "activity": ("activity", "touchpoint", "event", "action", "step", "concept"),
    "timestamp": ("time", "timestamp", "date", "ts"),
}


def _guess(columns: list[str], role: str) -> str:
    for word in _ROLE_WORDS.get(role, (role,)):
        for c in columns:
            if word in c.lower():
                return c
    return columns[0] if columns else role


def null_mask(values: pd.Series) -> np.ndarray:
    """Missing values: NA/NaN/None, and empty or blank strings."""
    mask = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        as_str = values.astype("string")
        blank = as_str.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        mask = mask | blank
    return mask


def missing_codes(codes: np.ndarray, labels: pd.Index) -> np.ndarray:
    """Rows that :func:`null_mask` would flag, from factorized ``codes`` and their ``labels``.

    Missing values have code -1; blank text is checked on the distinct labels
    only, which is much cheaper than on every row.
    """
    missing = codes < 0
    if labels.dtype == object or pd.api.types.is_string_dtype(labels.dtype):
        blank = null_mask(pd.Series(labels, dtype=object))
        if blank.any():
            missing |= blank[np.maximum(codes, 0)] & ~missing
    return missing


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    fmt: str | None,
    source: str | None,
    line_offset: int | None,
) -> tuple[np.ndarray, np.ndarray, bool, str | None]:
    """Parse a timestamp column to int64 nanoseconds since the epoch (UTC).

    Returns ``(ns, bad, aware, reason)``: ``bad`` marks rows that could not be
    parsed (their ``ns`` is undefined) and ``reason`` says why for the message.
    Raises LogError for problems of the whole column (mixed time zones, numbers
    without a unit).
    """
    dtype = values.dtype
    if fmt is not None and not isinstance(fmt, str):
        raise ParameterError(
            "The 'timestamp_format' parameter must be a str (a strftime format such as "
            f"'%d/%m/%Y %H:%M', or an epoch unit 's', 'ms', 'us', 'ns'). Got {fmt!r} instead."
        )
    if isinstance(dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC")
        aware = True
    elif pd.api.types.is_datetime64_dtype(dtype):
        parsed = values
        aware = False
    elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if fmt is not None and fmt not in _UNITS:
            # e.g. 20250131 with timestamp_format="%Y%m%d": parse the digits as text
            parsed, aware = _parse_strings(
                _numbers_as_text(values, column, fmt, source), column, fmt, source, line_offset
            )
        elif fmt is None:
            raise LogError(
                f"Column {column!r}{where(source)} holds numbers, not dates. If they are epoch "
                "times, pass timestamp_format='s' (or 'ms', 'us', 'ns') to say their unit; if "
                "they are dates written as digits (20250131), pass timestamp_format='%Y%m%d'.",
                column=column,
                path=source,
            )
        else:
            parsed = _from_epoch(values, fmt)
            aware = True
    elif fmt in _UNITS:
        # epoch numbers stored as text
        parsed = _from_epoch(pd.to_numeric(values.astype("string"), errors="coerce"), fmt)
        aware = True
    else:
        parsed, aware = _parse_strings(values, column, fmt, source, line_offset)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    ns, bad, out_of_range = _to_ns(parsed)
    reason = None
    if out_of_range.any():
        reason = (
            "timestamps outside the range pandas can store in nanoseconds "
            f"({pd.Timestamp.min:%Y-%m-%d} to {pd.Timestamp.max:%Y-%m-%d})"
        )
    return ns, bad, aware, reason


_UNITS = ("s", "ms", "us", "ns")
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _from_epoch(values: pd.Series, unit: str) -> pd.Series:
    """Epoch numbers to UTC datetimes; non-finite and out-of-range values become NaT."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    limit = 2**63 / _NS_PER[unit]
    finite = np.isfinite(numbers.to_numpy()) & (numbers.abs().to_numpy() < limit)
    numbers = numbers.where(finite)
    return pd.to_datetime(numbers, unit=unit, utc=True, errors="coerce")


def _numbers_as_text(values: pd.Series, column: str, fmt: str, source: str | None) -> pd.Series:
    """Integers (or integral floats) as digit strings, for a strftime ``fmt``."""
    numbers = pd.to_numeric(values, errors="coerce")
    finite = numbers.notna() & np.isfinite(numbers.astype("float64"))
    integral = finite & (numbers.astype("float64") % 1 == 0)
    if bool((finite & ~integral).any()):
        raise LogError(
            f"Column {column!r}{where(source)} holds fractional numbers, which cannot be read "
            f"with timestamp_format={fmt!r}. For epoch times pass timestamp_format='s' (or "
            "'ms', 'us', 'ns').",
            column=column,
            path=source,
        )
    text = pd.Series(pd.NA, index=values.index, dtype="string")
    text[integral] = numbers[integral].astype("float64").astype("int64").astype(str)
    return text


def _to_ns(parsed: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int64 nanoseconds of naive datetimes, with NaT and out-of-range values marked bad.

    pandas may parse to a coarser unit (``us``, ``s``) that holds dates a
    nanosecond timestamp cannot (before 1677 or after 2262): those are marked
    ``out_of_range`` (and bad) instead of overflowing.
    """
    arr = np.asarray(parsed.to_numpy())
    if arr.dtype.kind != "M":
        arr = pd.to_datetime(parsed, errors="coerce").to_numpy()
    nat = np.isnat(arr)
    unit = np.datetime_data(arr.dtype)[0]
    raw = arr.view("int64")
    if unit == "ns":
        return raw.copy(), nat, np.zeros(len(arr), dtype=bool)
    per = _NS_PER.get(unit)
    if per is None:  # coarser than seconds (D, M, Y...): go through seconds
        arr = arr.astype("datetime64[s]")
        raw, per = arr.view("int64"), _NS_PER["s"]
    lo = -(-pd.Timestamp.min.value // per)  # ceiling division: raw * per >= min
    hi = pd.Timestamp.max.value // per
    out_of_range = ~nat & ((raw < lo) | (raw > hi))
    bad = nat | out_of_range
    ns = np.where(bad, 0, raw).astype(np.int64) * per
    return ns, bad, out_of_range


def _parse_strings(
    values: pd.Series, column: str, fmt: str | None, source: str | None, line_offset: int | None
) -> tuple[pd.Series, bool]:
    text = values.astype("string")
    fmt_arg = fmt or "ISO8601"
    try:
        parsed = pd.to_datetime(text, format=fmt_arg)
    except ValueError as exc:
        if "mixed time" not in str(exc).lower() and "tz-naive" not in str(exc).lower():
            # Some values do not parse: coerce them to NaT, the caller reports the rows.
            return _coerce(text, fmt_arg, column, source, line_offset)
        return _parse_mixed(text, fmt_arg, column, source, line_offset)
    aware = isinstance(parsed.dtype, pd.DatetimeTZDtype)
    return parsed, aware


def _coerce(
    text: pd.Series, fmt: str, column: str, source: str | None, line_offset: int | None
) -> tuple[pd.Series, bool]:
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError as exc:
        if "mixed time" in str(exc).lower() or "tz-naive" in str(exc).lower():
            return _parse_mixed(text, fmt, column, source, line_offset)
        raise ParameterError(
            f"timestamp_format={fmt!r} cannot be used to read column {column!r}"
            f"{where(source)}: {' '.join(str(exc).split())}. Pass a strftime format such as "
            "'%d/%m/%Y %H:%M' (see the table of codes in the Python datetime docs), or "
            "'s', 'ms', 'us', 'ns' for epoch numbers."
        ) from None
    return parsed, isinstance(parsed.dtype, pd.DatetimeTZDtype)


def _parse_mixed(
    text: pd.Series, fmt: str, column: str, source: str | None, line_offset: int | None
) -> tuple[pd.Series, bool]:
    present = text.notna() & text.str.strip().ne("")
    has_tz = text.str.contains(_TZ_SUFFIX, regex=True).fillna(False) & present
    naive = present & ~has_tz
    if naive.any() and has_tz.any():
        n_aware, n_naive = int(has_tz.sum()), int(naive.sum())
        minority = naive if n_naive <= n_aware else has_tz
        rows = np.flatnonzero(minority.to_numpy())
        kind = "without" if n_naive <= n_aware else "with"
        raise LogError(
            f"Column {column!r}{where(source)} mixes time-zone-aware ({n_aware}) and naive "
            f"({n_naive}) timestamps; e.g. {format_rows(rows, line_offset=line_offset)} are "
            f"{kind} a time zone. journeymine cannot guess the zone of the naive ones: make "
            "them all aware (add an offset such as +00:00) or all naive.",
            column=column,
            rows=rows[:100].tolist(),
            path=source,
        )
    parsed = pd.to_datetime(text, format=fmt, utc=True, errors="coerce")
    return parsed, True


# -- arguments of the analyses (checked once, against the log's metadata) ---------------
_DEFAULT_OPEN_WINDOW = pd.Timedelta(days=30)


def check_model(model: Any, func: str, *, optional: bool = False) -> Any:
    """``model`` if it is a JourneyModel (or None when ``optional``); else a ParameterError."""
    from journeymine.model import JourneyModel

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


def activity_list(value: Any, name: str, func: str) -> tuple[Any, ...] | None:
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


def stage_list(value: Any, func: str) -> list[Any]:
    """The stages given in journey order, each once."""
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


def as_of_ns(as_of: Any, meta: Any, func: str) -> int:
    """``as_of`` as int64 UTC nanoseconds (naive times are taken as UTC), not before the log ends."""
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
    if meta.time_max is not None and ns < meta.time_max:
        last = meta.timestamp_of(meta.time_max)
        raise ParameterError(
            f"The 'as_of' parameter of {func}() is {ts} (UTC), before the log's last event at "
            f"{last}. as_of is when the data was extracted: pass a time at or after the last "
            f"event, e.g. as_of={str(last.ceil('D').date())!r}, or select the events up to "
            "as_of first."
        )
    return ns


def duration_ns(value: Any, name: str, func: str, *, default: Any = None) -> int:
    """A non-negative duration (Timedelta, timedelta or a string such as '30D') as int64 ns."""
    if value is None:
        value = default
    if isinstance(value, (bool, int, float, np.number)):
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {value!r} instead."
        )
    try:
        window = pd.Timedelta(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a Timedelta or a string such as "
            f"'30D'. Got {value!r} instead ({exc})."
        ) from exc
    if window is pd.NaT or window < pd.Timedelta(0):
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a non-negative duration. "
            f"Got {value!r} instead."
        )
    return int(window.value)


def window_ns(open_window: Any, func: str) -> int:
    """``open_window`` (default 30 days) as int64 nanoseconds."""
    return duration_ns(open_window, "open_window", func, default=_DEFAULT_OPEN_WINDOW)


def check_bool(value: Any, name: str, func: str) -> None:
    """Raise unless ``value`` is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be True or False. Got {value!r} instead."
        )


def check_column(meta: Any, name: str, role: str) -> str:
    """``name`` if it is a column of the log described by ``meta``; else a LogError with a fix."""
    frame = pd.DataFrame(columns=list(meta.columns))
    return str(resolve_column(frame, name, role, source=meta.source))
