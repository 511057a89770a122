"""Read event logs from CSV and Parquet files."""

from __future__ import annotations

import bz2
import codecs
import difflib
import gzip
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import LogError, ParameterError
from journeymine.io.limits import ReadLimits, check_limits
from journeymine.log import JourneyLog, OnError, from_pandas

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine.dask import DaskJourneyLog

__all__ = ["read_csv", "read_parquet"]

PathLike = str | os.PathLike


def _check_path(path: PathLike, func: str) -> Path:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            f"The 'path' parameter of {func}() must be a str or path-like object. "
            f"Got {type(path).__name__} instead."
        )
    p = Path(path)
    if not p.exists():
        raise LogError(
            f"File {str(p)!r} not found. Check the path (working directory: {os.getcwd()}).",
            path=str(p),
        )
    if p.is_dir():
        raise LogError(
            f"{str(p)!r} is a folder, not a file. Pass one file (for a folder of Parquet files "
            "use read_parquet(..., engine='dask')).",
            path=str(p),
        )
    return p


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def read_csv(
    path: PathLike,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
    limits: ReadLimits | None = None,
    **kwargs: Any,
) -> JourneyLog:
    """Read an event log from a CSV file (plain or compressed).

    Case ids, activities, stages and channels are read as text, and only
    empty or blank (white space only) fields count as missing: a customer
    literally called ``NA`` or ``null`` stays a customer.

    Parameters
    ----------
    path : str or path-like
        The CSV file; ``.gz``, ``.bz2``, ``.zip``, ``.xz`` and ``.zst`` are
        decompressed.
    case, activity, timestamp, stage, channel : str, optional
        Column names, as in :func:`from_pandas`.
    timestamp_format : str, optional
        Format of the timestamps, as in :func:`from_pandas`.
    on_error : {"raise", "collect"}, default="raise"
        What to do with bad rows, as in :func:`from_pandas`.
    limits : ReadLimits, optional
        The largest (decompressed) file and the longest line the reader
        accepts (:class:`journeymine.ReadLimits`; None: its defaults). A
        compressed file is decompressed once more, as a stream, to check them
        before it is parsed.
    **kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``encoding``, ...).

    Returns
    -------
    JourneyLog

    Raises
    ------
    LogError
        The file is missing, is not a readable CSV (the first undecodable
        byte and its line are given), has duplicate or missing columns, has
        bad rows (0-based row numbers are given, plus file line numbers
        when every row is one line of the file), or goes past ``limits``.
    ParameterError
        ``path`` is not a path, a keyword is neither journeymine's nor
        pandas' (the closest one is suggested), or ``encoding`` is unknown.

    Notes
    -----
    A plain UTF-8 file (or its ``.gz``) read with no pandas keyword other
    than a one-character ``sep`` and ``encoding="utf-8"`` goes through
    Arrow's multi-threaded CSV reader for the text columns and ISO 8601
    timestamps, with pandas reading any other column; the result is the
    frame pandas' reader gives. Whatever Arrow refuses is read by pandas'
    reader, which reports the problem.

    Examples
    --------
    >>> import tempfile, pathlib, journeymine as jm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = path.write_text("customer,touchpoint,ts\\nNA,visit,2025-01-01\\nNA,buy,2025-01-02\\n")
    >>> log = jm.read_csv(path, case="customer", activity="touchpoint", timestamp="ts")
    >>> log.cases.tolist(), log.n_events
    (['NA'], 2)
    """
    _check_whole_file(kwargs)
    p = _check_path(path, "read_csv")
    src = str(p)
    _check_limits(p, check_limits(limits, "read_csv"), kwargs)
    header = _read_header(p, kwargs)
    header_lines = _header_lines(kwargs)
    # Empty names are pandas' "Unnamed: N" columns (e.g. trailing commas from
    # spreadsheets), which pandas keeps apart; only real names can clash.
    dupes = sorted({c for c in header if c.strip() and header.count(c) > 1})
    if dupes and header_lines == 1:
        raise LogError(
            f"Duplicate column names in {src}: {dupes}. Each column must have a unique name; "
            "rename the duplicates in the header.",
            column=str(dupes[0]),
            path=src,
        )
    text_cols = [c for c in (case, activity, stage, channel) if c is not None and c in header]
    for key in (v.XES_CASE, v.XES_ACTIVITY):
        if key in header:
            text_cols.append(key)
    options: dict[str, Any] = {
        "keep_default_na": False,
        "na_values": [""],
        "dtype": {c: str for c in text_cols},
    }
    options.update(kwargs)
    stamp = timestamp if timestamp is not None else v.XES_TIMESTAMP
    df = _read_csv_arrow(p, header, text_cols, stamp, kwargs)
    if df is None:
        df = _read(lambda: pd.read_csv(p, **options), src, "CSV", kwargs, "read_csv")
    if len(df.columns) == 1 and "sep" not in kwargs and len(header) == 1:
        only = str(df.columns[0])
        for sep in (";", "\t", "|"):
            if sep in only:
                raise LogError(
                    f"{src} was read as a single column {only[:60]!r}: the separator looks like "
                    f"{sep!r}, not ','. Pass sep={sep!r}.",
                    path=src,
                )

    def build(line_offset: int | None) -> JourneyLog:
        return from_pandas(
            df,
            case=case,
            activity=activity,
            timestamp=timestamp,
            stage=stage,
            channel=channel,
            timestamp_format=timestamp_format,
            on_error=on_error,
            _source=src,
            _line_offset=line_offset,
        )

    offset = None if header_lines is None else header_lines + 1
    try:
        return build(offset)
    except LogError as exc:
        # Row r sits on file line r + offset only if no row spans several lines
        # (quoted line breaks) and no blank line was skipped; otherwise give the
        # (always exact) row numbers alone rather than wrong line numbers.
        if offset is None or exc.rows is None or _one_line_per_row(p, len(df), offset - 1, kwargs):
            raise
    return build(None)


# Arrow's multi-threaded CSV reader is tried first (tests switch it off to compare)
_ARROW_CSV = True
# file name endings pandas decompresses; of these Arrow is given only .gz
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def _read_csv_arrow(
    p: Path, header: list[str], text_cols: list[str], timestamp: str, kwargs: dict[str, Any]
) -> pd.DataFrame | None:
    """The frame pandas' reader would give, read by Arrow's multi-threaded reader; else None.

    Only for the plain case: a UTF-8 file (or its .gz) with a one-character
    separator (``sep`` or ``delimiter``, the only pandas keywords allowed
    besides ``encoding="utf-8"``) and a header of distinct non-empty names. The
    text columns (case, activity, stage, channel) are read by Arrow as
    strings, as pandas reads them with ``dtype=str``; so is the timestamp
    column when every value has one ISO 8601 layout (text pandas never takes
    for a number). Any other column is read by pandas itself, alone. Whatever
    Arrow refuses (ragged rows, line breaks inside quotes, bytes that are not
    UTF-8, ...) returns None, and pandas' reader then reads the file and
    reports the problem as before.
    """
    suffix = p.suffix.lower()
    if not _ARROW_CSV or not header or (suffix in _COMPRESSED and suffix != ".gz"):
        return None
    sep = _plain_separator(kwargs)
    if sep is None:
        return None
    if len(set(header)) != len(header) or not all(header):
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow comes with pandas 3
        return None
    from journeymine.io.arrow import _to_pandas

    arrow_cols = list(dict.fromkeys(c for c in [*text_cols, timestamp] if c in header))
    try:
        with pa.input_stream(str(p), compression="gzip" if suffix == ".gz" else None) as stream:
            table = pacsv.read_csv(
                stream,
                parse_options=pacsv.ParseOptions(delimiter=sep),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in header},
                    include_columns=arrow_cols,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
    except (pa.ArrowException, OSError, ValueError):
        return None
    if table.column_names != arrow_cols or table.num_rows == 0:
        return None
    if timestamp in arrow_cols and timestamp not in text_cols:
        stamps = table.column(timestamp).combine_chunks()
        if not v.iso_layout(stamps):
            table = table.drop_columns([timestamp])
    frame = _to_pandas(table)
    rest = [c for c in header if c not in frame.columns]
    if rest:
        try:
            others = pd.read_csv(p, usecols=rest, keep_default_na=False, na_values=[""], **kwargs)
        except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError):
            return None
        if len(others) != len(frame) or any(d == np.dtype(object) for d in others.dtypes):
            return None  # rows pandas counts differently, or a column of mixed types
        frame = pd.concat([frame, others], axis=1)
    return frame[header]


def _plain_separator(kwargs: dict[str, Any]) -> str | None:
    """The one-character separator of a CSV read with only these keywords, else None.

    Allowed: ``sep`` or ``delimiter`` (one character other than a quote or a
    line end; longer ones are regular expressions to pandas) and
    ``encoding`` naming UTF-8.
    """
    if set(kwargs) - {"sep", "delimiter", "encoding"} or (
        "sep" in kwargs and "delimiter" in kwargs
    ):
        return None
    encoding = kwargs.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    sep = kwargs.get("sep", kwargs.get("delimiter", ","))
    if not isinstance(sep, str) or len(sep) != 1 or sep in '"\r\n':
        return None
    return sep


def _parquet_frame(p: Path, kwargs: dict[str, Any]) -> pd.DataFrame:
    """The frame :func:`pandas.read_parquet` gives, read into Arrow and wrapped without copies.

    With pandas keywords, pandas reads the file itself.
    """
    if kwargs:
        return pd.read_parquet(p, **kwargs)
    import pyarrow.parquet as pq

    from journeymine.io.arrow import _to_pandas

    return _to_pandas(pq.read_table(p))


def _check_whole_file(kwargs: dict[str, Any]) -> None:
    """Refuse pandas' options that return a reader of pieces instead of one frame."""
    pieces = {
        k: kwargs[k]
        for k in ("chunksize", "iterator")
        if k in kwargs and kwargs[k] is not None and kwargs[k] is not False
    }
    if pieces:
        given = ", ".join(f"{k}={val!r}" for k, val in pieces.items())
        raise ParameterError(
            f"read_csv() got {given}: a journey log is built from the whole file at once, "
            "so pandas' chunked reading cannot be used. Drop the keyword; for a file larger "
            "than memory, read it with Dask: jm.from_dask(dask.dataframe.read_csv(path), ...)."
        )


# pandas.read_csv options after which data row r is no longer on line r + header + 1
_LINE_SHIFTING = ("skiprows", "skipfooter", "comment", "lineterminator", "chunksize", "iterator")


def _header_lines(kwargs: dict[str, Any]) -> int | None:
    """Lines before the first data row (1 or 0), or None if the options make it unknown."""
    if any(k in kwargs for k in _LINE_SHIFTING):
        return None
    header = kwargs.get("header", "infer")
    if isinstance(header, str) and header == "infer":
        return 0 if kwargs.get("names") is not None else 1
    if header is None:
        return 0
    if isinstance(header, int) and not isinstance(header, bool) and header == 0:
        return 1
    return None


def _open_binary(p: Path, compression: Any) -> IO[bytes] | gzip.GzipFile | None:
    """The decompressed bytes of ``p`` as pandas would see them, or None if unsupported."""
    if isinstance(compression, dict):
        compression = compression.get("method")
    if compression == "infer":
        compression = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}.get(
            p.suffix.lower(), None if p.suffix.lower() not in (".zst", ".tar") else "other"
        )
    if compression is None:
        return open(p, "rb")
    if compression == "gzip":
        return gzip.open(p, "rb")
    if compression == "bz2":
        return bz2.open(p, "rb")
    if compression == "xz":
        return lzma.open(p, "rb")
    if compression == "zip":
        archive = zipfile.ZipFile(p)
        names = archive.namelist()
        return archive.open(names[0]) if len(names) == 1 else None
    return None


def _check_limits(p: Path, limits: ReadLimits, kwargs: dict[str, Any]) -> None:
    """Refuse a CSV file past ``limits``: its size, or (compressed) its content and longest line.

    A plain file's size is its size on disk (its memory is bounded by it). A
    compressed file can hold far more than it weighs, so its content is
    streamed once, in chunks, counting bytes and the longest line, and the
    reader stops at the first chunk past a limit.
    """
    src = str(p)
    compression = kwargs.get("compression", "infer")
    plain = compression is None or (compression == "infer" and p.suffix.lower() not in _COMPRESSED)
    if plain:
        size = p.stat().st_size
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise limits.exceeded("max_bytes", f"it has {size:,} bytes", src)
        return
    if limits.max_bytes is None and limits.max_value_bytes is None:
        return
    try:
        stream = _open_binary(p, compression)
    except (OSError, ValueError, zipfile.BadZipFile):
        return  # the reader itself reports a file it cannot open
    if stream is None:
        return
    total = run = 0
    try:
        with stream:
            for chunk in _chunks(stream):
                total += len(chunk)
                if limits.max_bytes is not None and total > limits.max_bytes:
                    raise limits.exceeded(
                        "max_bytes", f"its content, decompressed, is over {total:,} bytes", src
                    )
                breaks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                if breaks.size:
                    inner = int(np.diff(breaks).max(initial=0))
                    longest = max(run + int(breaks[0]), inner)
                    run = len(chunk) - int(breaks[-1]) - 1
                else:
                    longest = run = run + len(chunk)
                if limits.max_value_bytes is not None and longest > limits.max_value_bytes:
                    raise limits.exceeded(
                        "max_value_bytes",
                        f"a line of its decompressed content has over {longest:,} bytes "
                        f"(within its first {total:,} bytes)",
                        src,
                    )
    except (OSError, EOFError, zlib.error, lzma.LZMAError):
        return  # a broken archive: the reader reports it with its own message


def _chunks(stream: IO[bytes] | gzip.GzipFile) -> Iterator[bytes]:
    while chunk := stream.read(1 << 20):
        yield chunk


def _one_line_per_row(p: Path, n_rows: int, header_lines: int, kwargs: dict[str, Any]) -> bool:
    """Whether the file has exactly ``header_lines + n_rows`` non-trailing lines.

    Blank lines (skipped by pandas) and quoted line breaks only ever add
    lines, so equal counts mean data row ``r`` is on line ``r + header_lines + 1``.
    Called only on the error path.
    """
    try:
        stream = _open_binary(p, kwargs.get("compression", "infer"))
        if stream is None:
            return False
        decoder = codecs.getincrementaldecoder(kwargs.get("encoding") or "utf-8")(errors="replace")
        newlines = returns = 0
        tail = ""
        with stream:
            for chunk in _chunks(stream):
                text = decoder.decode(chunk)
                newlines += text.count("\n")
                returns += text.count("\r")
                tail = (tail + text)[-4096:]
            text = decoder.decode(b"", final=True)
            newlines += text.count("\n")
            returns += text.count("\r")
            tail = (tail + text)[-4096:]
    except (OSError, EOFError, LookupError, ValueError, zipfile.BadZipFile):
        return False
    breaks, mark = (newlines, "\n") if newlines else (returns, "\r")
    stripped = tail.rstrip("\r\n")
    trailing = tail[len(stripped) :].count(mark)
    lines = breaks - trailing + (1 if stripped else 0)
    return lines == header_lines + n_rows


def _read_header(p: Path, kwargs: dict[str, Any]) -> list[str]:
    keys = ("sep", "delimiter", "encoding", "encoding_errors", "compression", "skiprows")
    opts = {k: kwargs[k] for k in keys if k in kwargs}
    head = _read(
        lambda: pd.read_csv(p, nrows=1, header=None, dtype=str, keep_default_na=False, **opts),
        str(p),
        "CSV",
        kwargs,
        "read_csv",
    )
    return [str(x) for x in head.iloc[0].tolist()] if len(head) else []


_OWN_KEYWORDS = (
    "case",
    "activity",
    "timestamp",
    "stage",
    "channel",
    "timestamp_format",
    "on_error",
)


def _read(
    reader: Callable[[], pd.DataFrame],
    src: str,
    kind: str,
    kwargs: dict[str, Any],
    func: str,
) -> pd.DataFrame:
    try:
        return reader()
    except pd.errors.EmptyDataError as exc:
        raise LogError(f"{src} is empty: no header and no rows. Check the file.", path=src) from exc
    except UnicodeDecodeError as exc:
        encoding = kwargs.get("encoding") or "utf-8"
        raise LogError(
            f"{src} is not valid text in the {encoding!r} encoding: "
            f"{_decode_error_where(src, encoding, kwargs, exc)}"
            f". {_encoding_hint(src, kind)}.",
            path=src,
        ) from exc
    except pd.errors.ParserError as exc:
        raise LogError(
            f"{src} could not be parsed as {kind}: {_text(exc)}. Check the separator (sep=) and "
            "quoting, or that the file really is a CSV file.",
            path=src,
        ) from exc
    except LookupError as exc:  # an unknown encoding= name
        raise ParameterError(
            f"{func}() got encoding={kwargs.get('encoding')!r}, which Python does not know "
            f"({_text(exc)}). Pass a codec name such as 'utf-8', 'latin-1' or 'cp1252'."
        ) from exc
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        raise _unknown_keyword(exc, kwargs, func) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise LogError(
            f"{src} could not be read as {kind}: {_text(exc)}. Check that the file is really "
            f"{kind} and not truncated.",
            path=src,
        ) from exc


def _text(exc: BaseException) -> str:
    """An exception's message on one line, without a final period."""
    return " ".join(str(exc).split()).rstrip(".")


def _unknown_keyword(exc: TypeError, kwargs: dict[str, Any], func: str) -> ParameterError:
    """A ParameterError naming the closest keyword to a misspelled one."""
    bad = str(exc).rsplit("'", 2)[-2] if str(exc).count("'") >= 2 else None
    if bad not in kwargs:
        bad = next(iter(kwargs), bad)
    reader = pd.read_csv if func == "read_csv" else pd.read_parquet
    import inspect

    known = list(_OWN_KEYWORDS) + list(inspect.signature(reader).parameters)
    close = difflib.get_close_matches(str(bad), known, n=1, cutoff=0.6)
    fix = f"Did you mean {close[0]}=?" if close else "Check the spelling."
    return ParameterError(
        f"{func}() got an unexpected keyword argument {bad!r}: it is not a journeymine "
        f"keyword ({', '.join(_OWN_KEYWORDS)}) and pandas does not accept it either. {fix}"
    )


def _decode_error_where(
    src: str, encoding: str, kwargs: dict[str, Any], exc: UnicodeDecodeError
) -> str:
    """Where the first undecodable byte is, as ``<reason> at byte N (line L)``."""
    try:
        stream = _open_binary(Path(src), kwargs.get("compression", "infer"))
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except (OSError, LookupError, ValueError, zipfile.BadZipFile):
        stream = None
    if stream is not None:
        consumed = newlines = 0
        try:
            with stream:
                for chunk in _chunks(stream):
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as err:
                        # the decoder may hold back a few bytes of the previous chunk
                        start = max(err.start - (len(err.object) - len(chunk)), 0)
                        line = newlines + chunk[:start].count(b"\n") + 1
                        return f"{err.reason} at byte {consumed + start} (line {line})"
                    consumed += len(chunk)
                    newlines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            return f"{err.reason} at byte {consumed - (len(err.object) - err.start)} (end of file)"
        except (OSError, EOFError, ValueError, zipfile.BadZipFile):
            pass
    return str(exc.reason)


def _encoding_hint(src: str, kind: str) -> str:
    """How to fix a decoding error, from the file's first bytes (byte-order marks)."""
    try:
        with open(src, "rb") as f:
            start = f.read(4)
    except OSError:
        start = b""
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "It starts with a UTF-32 byte-order mark: pass encoding='utf-32'"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "It starts with a UTF-16 byte-order mark: pass encoding='utf-16'"
    return (
        f"If it is a {kind} file in another encoding, pass encoding= (e.g. 'latin-1' or "
        f"'cp1252'); if it is not a {kind} file, use the matching reader"
    )


@v.validate_params(
    {"on_error": [v.StrOptions(("raise", "collect"))], "engine": [v.StrOptions(("pandas", "dask"))]}
)
def read_parquet(
    path: PathLike,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
    engine: Literal["pandas", "dask"] = "pandas",
    **kwargs: Any,
) -> JourneyLog | DaskJourneyLog:
    """Read an event log from a Parquet file.

    Parameters
    ----------
    path : str or path-like
        The Parquet file (or, with ``engine="dask"``, a folder of them).
    case, activity, timestamp, stage, channel : str, optional
        Column names, as in :func:`from_pandas`.
    timestamp_format : str, optional
        Format of text timestamps, as in :func:`from_pandas`.
    on_error : {"raise", "collect"}, default="raise"
        What to do with bad rows, as in :func:`from_pandas`.
    engine : {"pandas", "dask"}, default="pandas"
        Read into memory, or build a Dask-backed log (needs the ``dask`` extra).
    **kwargs
        Passed to :func:`pandas.read_parquet` (e.g. ``columns=``, ``filters=``).

    Returns
    -------
    JourneyLog

    Raises
    ------
    LogError
        The file is missing or is not a Parquet file, or its data is invalid.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, journeymine as jm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.parquet"
    >>> pd.DataFrame({"c": ["a", "a"], "t": ["x", "y"],
    ...               "ts": pd.to_datetime(["2025-01-01", "2025-01-02"])}).to_parquet(path)
    >>> jm.read_parquet(path, case="c", activity="t", timestamp="ts").n_events
    2
    """
    if engine == "dask":
        from journeymine.engine import dask as dask_engine

        return dask_engine.read_parquet(
            path,
            case=case,
            activity=activity,
            timestamp=timestamp,
            stage=stage,
            channel=channel,
            timestamp_format=timestamp_format,
            on_error=on_error,
            **kwargs,
        )
    p = _check_path(path, "read_parquet")
    src = str(p)
    df = _read(lambda: _parquet_frame(p, kwargs), src, "Parquet", kwargs, "read_parquet")
    return from_pandas(
        df,
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        timestamp_format=timestamp_format,
        on_error=on_error,
        _source=src,
    )
