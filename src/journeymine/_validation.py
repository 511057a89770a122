"""Checks at the public boundary: columns, parameters, timestamps.

Private module. Every function here raises a :mod:`journeymine.errors`
subclass with a message that says what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

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


def format_rows(
    rows: Sequence[int] | np.ndarray, *, line_offset: int | None = None, total: int | None = None
) -> str:
    """Describe up to five 0-based row numbers, e.g. ``rows 3, 17 and 2 more``.

    ``total`` is the number of rows when ``rows`` holds only the first of them.
    """
    count = len(rows) if total is None else total
    rows = [int(r) for r in rows[:5]]
    shown = ", ".join(str(r) for r in rows)
    more = f" and {count - 5} more" if count > 5 else ""
    noun = "row" if count == 1 else "rows"
    text = f"{noun} {shown}{more}"
    if line_offset is not None:
        lines = ", ".join(str(r + line_offset) for r in rows[:5])
        text += f" (file line{'s' if count > 1 else ''} {lines}{more and ', ...'})"
    return text


# -- bad rows: one classifier, one message ---------------------------------------
#: kinds of bad row, in the order they are reported
NO_CASE, NO_ACTIVITY, NO_TIME, BAD_TIME, OUT_OF_RANGE = range(5)
KEEP_ROWS = 100  # row numbers kept per kind (for LogError.rows and messages)
_WHAT = {
    NO_CASE: ("no case id", "missing case id"),
    NO_ACTIVITY: ("no activity", "missing activity"),
    NO_TIME: ("no timestamp", "missing timestamp"),
    BAD_TIME: ("a timestamp that cannot be parsed", "unparseable timestamp"),
    OUT_OF_RANGE: ("a timestamp out of range", "timestamp out of range"),
}


@dataclass
class RowReport:
    """What is wrong with the rows of a frame (or of one partition): mergeable.

    ``problems`` maps a kind to ``(count, first row numbers, sample values)``;
    ``bad`` holds every rejected row number and ``reasons`` the reason of each
    (the first kind that applies). Row numbers are 0-based from the start of
    the input once reports are merged in input order with :meth:`merge`.
    """

    n: int
    columns: tuple[str, str, str]
    problems: dict[int, tuple[int, np.ndarray, list[Any]]] = field(default_factory=dict)
    bad: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    reasons: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    def merge(self, other: RowReport) -> RowReport:
        """The report of this frame followed by ``other`` (its rows numbered after ours)."""
        problems = dict(self.problems)
        for kind, (count, rows, sample) in other.problems.items():
            if kind in problems:
                c0, r0, s0 = problems[kind]
                rows = np.concatenate([r0, rows + self.n])[:KEEP_ROWS]
                problems[kind] = (c0 + count, rows, (s0 + sample)[:3])
            else:
                problems[kind] = (count, rows + self.n, sample)
        return RowReport(
            self.n + other.n,
            self.columns,
            dict(sorted(problems.items())),
            np.concatenate([self.bad, other.bad + self.n]),
            np.concatenate([self.reasons, other.reasons]),
        )

    def error(self, source: str | None, line_offset: int | None = None) -> LogError:
        """The LogError for the first kind of bad row (the report must have one)."""
        kind = min(self.problems)
        count, rows, sample = self.problems[kind]
        case, activity, timestamp = self.columns
        col = case if kind == NO_CASE else activity if kind == NO_ACTIVITY else timestamp
        what = _WHAT[kind][0]
        if kind in (BAD_TIME, OUT_OF_RANGE):
            what += f" (e.g. {sample_repr(sample[:3])})"
        fix = bad_rows_fix(
            unparseable=kind in (BAD_TIME, OUT_OF_RANGE),
            datetimes=kind == OUT_OF_RANGE,
            samples=sample[:3] if kind == BAD_TIME else (),
        )
        return LogError(
            f"{count} event{'s' if count != 1 else ''}{where(source)} "
            f"{'has' if count == 1 else 'have'} {what}: "
            f"{format_rows(rows, line_offset=line_offset, total=count)}, column {col!r}. {fix}",
            column=col,
            rows=[int(r) for r in rows[:KEEP_ROWS]],
            path=source,
        )

    def all_rejected(self, source: str | None) -> LogError:
        """The LogError when no row is left."""
        return LogError(
            f"All {self.n} rows{where(source)} were rejected ({self.reasons[0]}, ...); "
            "no event is left. Check the column mapping.",
            path=source,
        )


def classify_rows(
    masks: dict[int, np.ndarray],
    timestamps: pd.Series,
    columns: tuple[str, str, str],
) -> tuple[RowReport, np.ndarray]:
    """Report the bad rows given one boolean mask per kind; also returns the bad-row mask.

    Kinds without a mask (or with an all-False one) are fine; ``timestamps``
    gives the sample values shown for unparseable and out-of-range times.
    """
    n = len(timestamps)
    bad = np.zeros(n, dtype=bool)
    reasons = np.full(n, None, dtype=object)
    problems: dict[int, tuple[int, np.ndarray, list[Any]]] = {}
    for kind in sorted(masks):
        mask = masks[kind]
        if not mask.any():
            continue
        idx = np.flatnonzero(mask)
        sample = timestamps.iloc[idx[:3]].tolist() if kind in (BAD_TIME, OUT_OF_RANGE) else []
        problems[kind] = (int(idx.size), idx[:KEEP_ROWS], sample)
        col = columns[min(kind, 2)]
        reasons[mask & ~bad] = f"{_WHAT[kind][1]} in column {col!r}"
        bad |= mask
    at = np.flatnonzero(bad)
    return RowReport(n, columns, problems, at, reasons[at].astype(str)), bad


def timestamp_masks(
    values: pd.Series, bad: np.ndarray, out_of_range: np.ndarray
) -> dict[int, np.ndarray]:
    """Split the rows :func:`parse_timestamps` marked bad into the three timestamp kinds."""
    if not bad.any():
        return {}
    raw_null = null_mask(values)
    return {
        NO_TIME: bad & raw_null,
        BAD_TIME: bad & ~raw_null & ~out_of_range,
        OUT_OF_RANGE: out_of_range & ~raw_null,
    }


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
    elif not columns:
        fix = (
            "The data has no column at all: is the file empty, or does a path pattern "
            "(e.g. 'events/*.parquet') match no file?"
        )
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


def check_bytes(values: Any, column: str, source: str | None) -> None:
    """Raise LogError if ``values`` (object dtype) hold bytes that are not UTF-8 text.

    pandas decodes bytes as UTF-8 when it treats them as text; other bytes
    would end in a raw ``UnicodeDecodeError``.
    """
    if not pd.api.types.is_object_dtype(getattr(values, "dtype", None)):
        return
    if pd.api.types.infer_dtype(values, skipna=True) not in ("bytes", "mixed"):
        return
    for row, value in enumerate(values):
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise LogError(
                    f"Column {column!r}{where(source)} holds bytes that are not UTF-8 text "
                    f"(e.g. {value[:20]!r}: {exc.reason} at byte {exc.start}). Decode them "
                    f"with their encoding first, e.g. df[{column!r}] = "
                    f"df[{column!r}].str.decode('latin-1'), or turn them into text ids with "
                    f"df[{column!r}].map(bytes.hex).",
                    column=column,
                    rows=[row] if isinstance(values, pd.Series) else None,
                    path=source,
                ) from None


def null_mask(values: pd.Series) -> np.ndarray:
    """Missing values: NA/NaN/None, and empty or blank strings."""
    mask = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        as_str = values.astype("string")
        blank = as_str.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        mask = mask | blank
    return mask


def _blank_labels(labels: pd.Index) -> np.ndarray:
    """:func:`null_mask` of distinct labels; Arrow text is screened without Python objects.

    A blank label is empty or starts with whitespace or a control character;
    only labels that are empty or start with a byte outside printable ASCII
    are looked at one by one.
    """
    from journeymine._codes import arrow_strings

    arr = arrow_strings(pd.Series(labels, copy=False)) if len(labels) > 1000 else None
    if arr is None:
        return null_mask(pd.Series(labels, dtype=object))
    maybe = _suspect_first_bytes(arr)
    blank = np.zeros(len(labels), dtype=bool)
    if maybe.size:
        blank[maybe] = null_mask(pd.Series(labels[maybe], dtype=object))
    return blank


def _suspect_first_bytes(arr: Any) -> np.ndarray:
    """Positions of Arrow strings that are null, empty or start outside printable ASCII."""
    import pyarrow as pa
    import pyarrow.compute as pc

    large = pa.types.is_large_string(arr.type)
    if arr.null_count or not (large or pa.types.is_string(arr.type)):
        return np.flatnonzero(
            np.asarray(pc.match_substring_regex(arr, r"^([^\x21-\x7e]|$)").fill_null(True))
        )
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1]
    filled = offsets[1:] > offsets[:-1]
    first = np.zeros(len(arr), dtype=np.uint8)
    if filled.any():
        first[filled] = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[:-1][filled]]
    return np.flatnonzero(~filled | (first < 0x21) | (first > 0x7E))


def missing_codes(codes: np.ndarray, labels: pd.Index) -> np.ndarray:
    """Rows that :func:`null_mask` would flag, from factorized ``codes`` and their ``labels``.

    Missing values have code -1; blank text is checked on the distinct labels
    only, which is much cheaper than on every row.
    """
    missing = codes < 0
    if labels.dtype == object or pd.api.types.is_string_dtype(labels.dtype):
        blank = _blank_labels(labels)
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
) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray]:
    """Parse a timestamp column to int64 nanoseconds since the epoch (UTC).

    Returns ``(ns, bad, aware, out_of_range)``: ``bad`` marks rows that could not
    be parsed or lie outside the nanosecond range (their ``ns`` is undefined),
    ``out_of_range`` the latter.
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
            return (*_epoch_ns(values, fmt), True, _epoch_out_of_range(values, fmt))
    elif fmt in _UNITS:
        # epoch numbers stored as text
        numbers = pd.to_numeric(values.astype("string"), errors="coerce")
        return (*_epoch_ns(numbers, fmt), True, _epoch_out_of_range(numbers, fmt))
    else:
        parsed, aware = _parse_strings(values, column, fmt, source, line_offset)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    ns, bad, out_of_range = _to_ns(parsed)
    return ns, bad, aware, out_of_range


_UNITS = ("s", "ms", "us", "ns")
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _epoch_ns(values: pd.Series, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Epoch numbers to int64 nanoseconds, and the rows that are missing or out of range.

    Integers are scaled in int64 (no float64 detour, so nanoseconds stay
    exact); other numbers are converted through float64.
    """
    per = _NS_PER[unit]
    hi = pd.Timestamp.max.value // per
    lo = -hi
    if pd.api.types.is_integer_dtype(values.dtype):
        missing = values.isna().to_numpy()
        if pd.api.types.is_unsigned_integer_dtype(values.dtype):
            big = values.to_numpy(dtype=np.uint64, na_value=0)
            bad = missing | (big > hi)
            raw = np.where(bad, 0, big).astype(np.int64)
        else:
            raw = values.to_numpy(dtype=np.int64, na_value=0)
            bad = missing | (raw > hi) | (raw < lo)
        return np.where(bad, 0, raw) * per, bad
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    arr = numbers.to_numpy(na_value=np.nan)
    ok = np.isfinite(arr) & (arr <= hi) & (arr >= lo)
    parsed = pd.to_datetime(numbers.where(ok), unit=unit, errors="coerce").to_numpy()
    nat = np.isnat(parsed)
    return np.where(nat, 0, parsed.view(np.int64)), nat


def _epoch_out_of_range(values: pd.Series, unit: str) -> np.ndarray:
    """Epoch numbers that are finite but outside the nanosecond range."""
    hi = pd.Timestamp.max.value // _NS_PER[unit]
    if pd.api.types.is_unsigned_integer_dtype(values.dtype):
        return values.to_numpy(dtype=np.uint64, na_value=0) > hi
    if pd.api.types.is_integer_dtype(values.dtype):
        raw = values.to_numpy(dtype=np.int64, na_value=0)
        return (raw > hi) | (raw < -hi)
    numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.isfinite(numbers) & (np.abs(numbers) > hi)


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
    if fmt is None:
        fast = _plain_iso(values)
        if fast is not None:
            return fast, False
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


# the shapes of naive ISO 8601 text the Arrow fast path reads: length -> separators
_ISO_SHAPES = {
    10: {4: b"-", 7: b"-"},
    16: {4: b"-", 7: b"-", 10: b" T", 13: b":"},
    19: {4: b"-", 7: b"-", 10: b" T", 13: b":", 16: b":"},
    **{
        n: {4: b"-", 7: b"-", 10: b" T", 13: b":", 16: b":", 19: b"."}
        for n in (21, 22, 23, 24, 25, 26, 27, 28, 29)
    },
}


def _plain_iso(values: pd.Series) -> pd.Series | None:
    """Naive ISO 8601 text of one fixed layout parsed by Arrow; None to take pandas' path.

    The fast path is taken only when the values are Arrow strings in one
    layout (:func:`iso_layout`) and Arrow parses every value: then both
    parsers read the same instant. Anything else (time zones, other layouts,
    invalid dates, years outside the nanosecond range, blanks) goes to
    pandas, which reports the bad rows.
    """
    from journeymine._codes import arrow_strings

    arr = arrow_strings(values)
    if arr is None or not iso_layout(arr):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        parsed = pc.cast(arr, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = np.asarray(parsed.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    return pd.Series(out, index=values.index, name=values.name, copy=False)


def iso_layout(arr: Any) -> bool:
    """Whether every present value of an Arrow string array has one naive ISO 8601 layout.

    The layout is ``YYYY-MM-DD[( |T)hh:mm[:ss[.f...]]]``, the same length
    for every value, with the separators in place; at least one value is
    present. Such text is never a number (pandas' CSV reader keeps it as
    text), and Arrow's ISO 8601 parser demands digits everywhere else.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    present = arr.drop_null() if arr.null_count else arr
    if not len(present) or not (
        pa.types.is_string(present.type) or pa.types.is_large_string(present.type)
    ):
        return False
    bufs = present.buffers()
    large = pa.types.is_large_string(present.type)
    offsets = np.frombuffer(bufs[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[present.offset : present.offset + len(present) + 1]
    width = int(offsets[1] - offsets[0])
    shape = _ISO_SHAPES.get(width)
    if shape is None or int(offsets[-1] - offsets[0]) != width * len(present):
        return False
    bounds = pc.min_max(pc.binary_length(present)).as_py()
    if bounds["min"] != width or bounds["max"] != width:
        return False
    matrix = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, width)
    for j, allowed in shape.items():
        column = matrix[:, j]
        ok = column == allowed[0]
        if len(allowed) > 1:
            ok |= column == allowed[1]
        if not ok.all():
            return False
    return True


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


def time_ns(value: Any, name: str, func: str) -> int | None:
    """``None``, or a point in time as int64 UTC nanoseconds (naive times are taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.number)):
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a timestamp or a date string. "
            f"Got {value!r} instead, e.g. {name}='2025-01-01'."
        )
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a timestamp or a date string. "
            f"Got {value!r} instead ({exc}), e.g. {name}='2025-01-01'."
        ) from exc
    if ts is pd.NaT:
        raise ParameterError(f"The {name!r} parameter of {func}() must not be NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    if not _TIME_MIN <= ts <= _TIME_MAX:
        raise ParameterError(
            f"The {name!r} parameter of {func}() is {value!r}, outside the times journeymine "
            f"can represent ({_TIME_MIN} to {_TIME_MAX}, nanoseconds since 1970 in 64 bits). "
            f"Pass a time in that range, e.g. {name}='{_TIME_MAX.year - 1}-01-01'."
        )
    return int(ts.as_unit("ns").value)


# the representable range of int64 nanosecond times (pandas' datetime64[ns])
_TIME_MIN = pd.Timestamp.min.as_unit("ns")
_TIME_MAX = pd.Timestamp.max.as_unit("ns")
_DURATION_MAX = pd.Timedelta.max.as_unit("ns")


def as_of_ns(as_of: Any, meta: Any, func: str) -> int:
    """``as_of`` as int64 UTC nanoseconds (naive times are taken as UTC), not before the log ends."""
    ns = time_ns(as_of, "as_of", func)
    if ns is None:
        raise ParameterError(f"The 'as_of' parameter of {func}() must be a timestamp, not None.")
    if meta.time_max is not None and ns < meta.time_max:
        last = meta.timestamp_of(meta.time_max)
        raise ParameterError(
            f"The 'as_of' parameter of {func}() is {pd.Timestamp(ns)} (UTC), before the log's "
            f"last event at {last}. as_of is when the data was extracted: pass a time at or "
            f"after the last event, e.g. as_of={str(last.ceil('D').date())!r}, or select the "
            "events up to as_of first."
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
    if window > _DURATION_MAX:
        raise ParameterError(
            f"The {name!r} parameter of {func}() is {window}, longer than the longest duration "
            f"journeymine can represent ({_DURATION_MAX.days:,} days, nanoseconds in 64 bits). "
            f"Pass at most that, e.g. {name}='36500D' (100 years), or None for no bound."
        )
    return int(window.as_unit("ns").value)


def window_ns(open_window: Any, func: str) -> int:
    """``open_window`` (default 30 days) as int64 nanoseconds."""
    return duration_ns(open_window, "open_window", func, default=_DEFAULT_OPEN_WINDOW)


def check_column(meta: Any, name: str, role: str) -> str:
    """``name`` if it is a column of the log described by ``meta``; else a LogError with a fix."""
    frame = pd.DataFrame(columns=list(meta.columns))
    return str(resolve_column(frame, name, role, source=meta.source))


def optional_duration_ns(value: Any, name: str, func: str) -> int | None:
    """``None``, or a non-negative duration (Timedelta or a string such as '30D') as int64 ns."""
    return None if value is None else duration_ns(value, name, func)


# -- declared parameter checks (scikit-learn's validate_params is the model) ------------------
class Constraint:
    """One accepted kind of value for a parameter; a parameter accepts any of its list."""

    def is_satisfied_by(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def bad_value(self) -> Any:
        """A value this constraint refuses (for the common test of every declared check)."""
        return object()

    def fix(self) -> str:
        """How to make a value this constraint takes, added to the message ("" for none)."""
        return ""


@dataclass(frozen=True)
class Interval(Constraint):
    """Numbers of a kind (``int`` or ``float``; a float accepts ints) in a range.

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``; None
    bounds are unbounded. Booleans are never numbers here.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        kinds: tuple[type, ...] = (int, np.integer)
        if self.kind is float:
            kinds += (float, np.floating)
        if not isinstance(value, kinds) or value != value:  # NaN is no number in a range
            return False
        x = float(cast(Any, value))  # parameters are far below 2**53
        lo_ok = self.left is None or (
            x >= self.left if self.closed in ("both", "left") else x > self.left
        )
        hi_ok = self.right is None or (
            x <= self.right if self.closed in ("both", "right") else x < self.right
        )
        return bool(lo_ok and hi_ok)

    def describe(self) -> str:
        name = "an int" if self.kind is int else "a float"
        lo = "-inf" if self.left is None else repr(self.left)
        hi = "inf" if self.right is None else repr(self.right)
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{name} in the range {lb}{lo}, {hi}{rb}"

    def bad_value(self) -> Any:
        if self.left is not None:
            return self.left - 1
        return self.right + 1 if self.right is not None else "not a number"


@dataclass(frozen=True)
class StrOptions(Constraint):
    """One of a few strings."""

    options: tuple[str, ...]

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def describe(self) -> str:
        return f"a str among {{{', '.join(repr(o) for o in self.options)}}}"

    def bad_value(self) -> Any:
        return "no such option"


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of a class (named in messages by ``what``, default the class name).

    ``how`` is how to build one, added to the message (e.g. "Build one with ...").
    """

    cls: type
    what: str | None = None
    how: str = ""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.cls) and not (
            self.cls is not bool and isinstance(value, bool) and not issubclass(bool, self.cls)
        )

    def describe(self) -> str:
        return self.what or f"a {self.cls.__name__}"

    def bad_value(self) -> Any:
        return object()

    def fix(self) -> str:
        return self.how


@dataclass(frozen=True)
class Model(Constraint):
    """A :class:`~journeymine.JourneyModel` (imported when checked: no import circle)."""

    def is_satisfied_by(self, value: Any) -> bool:
        from journeymine.model import JourneyModel

        return isinstance(value, JourneyModel)

    def describe(self) -> str:
        return "a JourneyModel"

    def fix(self) -> str:
        return (
            "Build one with jm.JourneyModel(stages=[...], activities={...}) or "
            "jm.JourneyModel.from_yaml(path)."
        )


@dataclass(frozen=True)
class Activities(Constraint):
    """An activity label (str or int) or a list (any iterable but a str) of labels."""

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        if isinstance(value, (str, int, np.integer)):
            return True
        return isinstance(value, Iterable) and not isinstance(value, (bytes, dict))

    def describe(self) -> str:
        return "an activity or a list of activities"

    def bad_value(self) -> Any:
        return 1.5


@dataclass(frozen=True)
class Duration(Constraint):
    """A non-negative duration: a Timedelta, a datetime.timedelta or a string such as '30D'.

    Numbers are refused (a bare number has no unit), as are NaT and durations
    longer than int64 nanoseconds hold. ``positive`` also refuses zero.
    """

    positive: bool = False

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, (bool, int, float, np.number)) or value is None:
            return False
        try:
            window = pd.Timedelta(value)
        except (TypeError, ValueError, OverflowError):
            return False
        if window is pd.NaT or window > _DURATION_MAX:
            return False
        return window > pd.Timedelta(0) if self.positive else window >= pd.Timedelta(0)

    def describe(self) -> str:
        sign = "positive" if self.positive else "non-negative"
        return (
            f"a {sign} duration of at most {_DURATION_MAX.days:,} days "
            "(a Timedelta or a string such as '30D')"
        )

    def bad_value(self) -> Any:
        return "not a duration"


@dataclass(frozen=True)
class _NoneConstraint(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


@dataclass(frozen=True)
class _Boolean(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "True or False"

    def bad_value(self) -> Any:
        return "yes"


@dataclass(frozen=True)
class _Callable(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a function"

    def bad_value(self) -> Any:
        return 1


#: accepted constraint shorthands: None (the value None), "boolean" (True or False) and
#: "callable" (a function or any object that can be called)
_SHORTHANDS: dict[Any, Constraint] = {
    None: _NoneConstraint(),
    "boolean": _Boolean(),
    "callable": _Callable(),
}


def _constraint(c: Any) -> Constraint:
    return c if isinstance(c, Constraint) else _SHORTHANDS[c]


def parameter_message(func: str, name: str, constraints: Sequence[Any], value: Any) -> str:
    """The message of a refused parameter, in scikit-learn's words."""
    kinds = [_constraint(c) for c in constraints]
    texts = [c.describe() for c in kinds]
    # None last, as scikit-learn writes it
    texts.sort(key=lambda t: t == "None")
    shown = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
    fixes = "".join(f" {c.fix()}" for c in kinds if c.fix())
    return f"The {name!r} parameter of {func}() must be {shown}. Got {_short_repr(value)} instead.{fixes}"


def _short_repr(value: Any) -> str:
    """``repr(value)``, or its type when that is long (a DataFrame passed by mistake)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the parameter error
        text = ""
    if not text or len(text) > 80 or "\n" in text:
        return f"a {type(value).__name__}"
    return text


def check_params(func: str, constraints: dict[str, Sequence[Any]], values: dict[str, Any]) -> None:
    """Raise ParameterError for the first value of ``values`` that none of its constraints takes."""
    for name, allowed in constraints.items():
        if name not in values:
            continue
        value = values[name]
        if not any(_constraint(c).is_satisfied_by(value) for c in allowed):
            raise ParameterError(parameter_message(func, name, allowed, value))


F = TypeVar("F", bound=Callable[..., Any])


def validate_params(constraints: dict[str, Sequence[Any]]) -> Callable[[F], F]:
    """Declare a public function's parameter constraints once; they are checked on every call.

    ``constraints`` maps a parameter name to a list of accepted kinds
    (:class:`Interval`, :class:`StrOptions`, :class:`InstanceOf`, :class:`Model`,
    :class:`Duration`, :class:`Activities`, ``None``, ``"boolean"``, ``"callable"``); a value
    passes when one of them takes it. The message says which parameter, what
    it must be and what it got. The declaration stays readable on the
    function as ``__jm_constraints__`` (a common test feeds each a bad value).
    """
    import functools
    import inspect

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        unknown = set(constraints) - set(sig.parameters)
        if unknown:  # pragma: no cover - a mistake in a declaration
            raise TypeError(f"{fn.__name__}: constraints for unknown parameters {unknown}")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return fn(*args, **kwargs)  # Python's own error for a wrong call
            check_params(fn.__name__, constraints, bound.arguments)
            return fn(*args, **kwargs)

        wrapper.__jm_constraints__ = dict(constraints)  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


#: the accepted kinds of a ``seed`` parameter (STYLE: int, numpy Generator or None)
SEED: list[Any] = [
    Interval(int, 0, None),
    InstanceOf(np.random.Generator, "a numpy.random.Generator"),
    None,
]
#: a confidence level (``ci=``, ``level=``)
LEVEL: list[Any] = [Interval(float, 0, 1, closed="neither")]


# -- periods ------------------------------------------------------------------------------
#: the most periods an analysis by period builds (conformance_drift, activity_over_time)
MAX_PERIODS = 100_000


def period_freq(freq: Any, func: str) -> str:
    """``freq`` if pandas can make periods of it; else a ParameterError with examples."""
    if not isinstance(freq, str):
        raise ParameterError(
            f"The 'freq' parameter of {func}() must be a pandas period frequency such as 'D', "
            f"'W', 'M', 'Q' or 'Y'. Got {freq!r} instead."
        )
    try:
        pd.Period("2025-01-01", freq=freq)
    except (ValueError, TypeError) as err:
        raise ParameterError(
            f"The 'freq' parameter of {func}() must be a pandas period frequency such as 'D', "
            f"'W', 'M', 'Q' or 'Y'. Got {freq!r} instead ({err})."
        ) from None
    return freq


def check_period_count(freq: str, meta: Any, func: str) -> None:
    """Refuse a ``freq`` that would cut the log's time span into more than MAX_PERIODS periods."""
    if meta.time_min is None or meta.time_max is None:
        return
    span_ns = int(meta.time_max) - int(meta.time_min)
    try:
        one = pd.Period("2025-01-01", freq=freq)
        step_ns = int(((one + 1).start_time - one.start_time).value)
    except (ValueError, TypeError, OverflowError):  # pragma: no cover - checked by period_freq
        return
    count = span_ns // max(step_ns, 1) + 1
    if count > MAX_PERIODS:
        raise ParameterError(
            f"The 'freq' parameter of {func}() is {freq!r}, which cuts the log's "
            f"{pd.Timedelta(span_ns)} into about {count:,} periods; at most {MAX_PERIODS:,} are "
            "built. Pass a coarser frequency, e.g. freq='D', 'W' or 'M', or select a shorter "
            "time range first (jm.filter_time)."
        )
