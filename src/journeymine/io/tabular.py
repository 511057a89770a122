"""Read event logs from CSV and Parquet files."""

from __future__ import annotations

import bz2
import codecs
import difflib
import gzip
import io
import lzma
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from journeymine import _validation as v
from journeymine.errors import LogError, ParameterError
from journeymine.log import JourneyLog, OnError, from_pandas

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
        raise LogError(f"File {str(p)!r} not found. Check the path (working directory: {os.getcwd()}).", path=str(p))
    if p.is_dir():
        raise LogError(
            f"{str(p)!r} is a folder, not a file. Pass one file (for a folder of Parquet files "
            "use read_parquet(..., engine='dask')).",
            path=str(p),
        )
    return p


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
    **kwargs: Any,
) -> JourneyLog:
    """Read an event log from a CSV file (plain or compressed).

    Case ids, activities, stages and channels are read as text, and only
    empty fields count as missing: a customer literally called ``NA`` or
    ``null`` stays a customer.

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
    **kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``encoding``, ...).

    Returns
    -------
    JourneyLog

    Raises
    ------
    LogError
        The file is missing, is not a readable CSV, has duplicate or missing
        columns, or has bad rows (row and file line numbers are given).

    Examples
    --------
    >>> import tempfile, pathlib, journeymine as jm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = path.write_text("customer,touchpoint,ts\\nNA,visit,2025-01-01\\nNA,buy,2025-01-02\\n")
    >>> log = jm.read_csv(path, case="customer", activity="touchpoint", timestamp="ts")
    >>> log.cases.tolist(), log.n_events
    (['NA'], 2)
    """
    p = _check_path(path, "read_csv")
    src = str(p)
    header = _read_header(p, kwargs)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
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
    df = _read(lambda: pd.read_csv(p, **options), src, "CSV")
    if len(df.columns) == 1 and "sep" not in kwargs and len(header) == 1:
        only = str(df.columns[0])
        for sep in (";", "\t", "|"):
            if sep in only:
                raise LogError(
                    f"{src} was read as a single column {only[:60]!r}: the separator looks like "
                    f"{sep!r}, not ','. Pass sep={sep!r}.",
                    path=src,
                )
    return from_pandas(
        df, case=case, activity=activity, timestamp=timestamp, stage=stage, channel=channel,
        timestamp_format=timestamp_format, on_error=on_error, _source=src,
        _line_offset=2 if kwargs.get("header", "infer") in ("infer", 0) else None,
    )


def _read_header(p: Path, kwargs: dict[str, Any]) -> list[str]:
    opts = {k: kwargs[k] for k in ("sep", "delimiter", "encoding", "compression", "skiprows") if k in kwargs}
    head = _read(
        lambda: pd.read_csv(p, nrows=1, header=None, dtype=str, keep_default_na=False, **opts),
        str(p),
        "CSV",
    )
    return [str(x) for x in head.iloc[0].tolist()] if len(head) else []


def _read(reader: Any, src: str, kind: str) -> pd.DataFrame:
    try:
        return reader()
    except pd.errors.EmptyDataError as exc:
        raise LogError(f"{src} is empty: no header and no rows. Check the file.", path=src) from exc
    except UnicodeDecodeError as exc:
        raise LogError(
            f"{src} is not valid text in the expected encoding ({exc.reason} at byte "
            f"{exc.start}). If it is a {kind} file in another encoding, pass encoding= "
            "(e.g. 'latin-1'); if it is not a CSV file, use the matching reader.",
            path=src,
        ) from exc
    except pd.errors.ParserError as exc:
        raise LogError(
            f"{src} could not be parsed as {kind}: {exc}. Check the separator (sep=) and "
            "quoting, or that the file really is a CSV file.",
            path=src,
        ) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise LogError(
            f"{src} could not be read as {kind}: {exc}. Check that the file is really {kind} "
            "and not truncated.",
            path=src,
        ) from exc


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
) -> JourneyLog:
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
    v.check_option("engine", engine, ("pandas", "dask"), "read_parquet")
    if engine == "dask":
        from journeymine.scale import read_parquet_dask

        return read_parquet_dask(
            path, case=case, activity=activity, timestamp=timestamp, stage=stage,
            channel=channel, timestamp_format=timestamp_format, on_error=on_error, **kwargs,
        )
    p = _check_path(path, "read_parquet")
    src = str(p)
    df = _read(lambda: pd.read_parquet(p, **kwargs), src, "Parquet")
    return from_pandas(
        df, case=case, activity=activity, timestamp=timestamp, stage=stage, channel=channel,
        timestamp_format=timestamp_format, on_error=on_error, _source=src,
    )
