"""Read an event log of any supported format, chosen by the file's extension."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, cast

from journeymine import _validation as v
from journeymine.errors import ParameterError
from journeymine.log import JourneyLog, OnError

__all__ = ["log_format", "read_log"]

Format = Literal["csv", "parquet", "xes"]
_PARQUET = (".parquet", ".pq", ".parq")
_XES = (".xes", ".xes.gz")


def log_format(path: str | os.PathLike[str]) -> Format:
    """The reader a file name calls for: ``"xes"``, ``"parquet"`` or ``"csv"`` (the rest)."""
    name = Path(path).name.lower()
    if name.endswith(_XES):
        return "xes"
    if name.endswith(_PARQUET):
        return "parquet"
    return "csv"


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def read_log(
    path: str | os.PathLike[str],
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
    """Read an event log from a CSV, Parquet or XES file, chosen by its extension.

    ``.xes`` and ``.xes.gz`` files go to :func:`read_xes`; ``.parquet``,
    ``.pq`` and ``.parq`` to :func:`read_parquet`; every other file to
    :func:`read_csv` (which also decompresses ``.gz``, ``.zip``, ...).

    Parameters
    ----------
    path : str or path-like
        The log file.
    case, activity, timestamp, stage, channel : str, optional
        Column names, as in :func:`from_pandas` (XES keys for XES files by
        default).
    timestamp_format : str, optional
        Format of text timestamps (CSV and Parquet only).
    on_error : {"raise", "collect"}, default="raise"
        What to do with bad rows, as in :func:`from_pandas`.
    **kwargs
        Passed to the reader: :func:`pandas.read_csv` options for CSV files
        (``sep``, ``encoding``, ...), :func:`pandas.read_parquet` options for
        Parquet files; none for XES files.

    Returns
    -------
    JourneyLog

    Raises
    ------
    ParameterError
        An option that does not apply to the file's format.
    LogError
        As the reader of that format.

    See Also
    --------
    read_csv, read_parquet, read_xes

    Examples
    --------
    >>> import tempfile, pathlib, journeymine as jm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = path.write_text("customer,touchpoint,ts\\nc1,visit,2025-01-01\\nc1,buy,2025-01-02\\n")
    >>> jm.read_log(path, case="customer", activity="touchpoint", timestamp="ts").n_events
    2
    """
    kind = log_format(path)
    columns: dict[str, Any] = {
        k: val
        for k, val in (
            ("case", case),
            ("activity", activity),
            ("timestamp", timestamp),
            ("stage", stage),
            ("channel", channel),
        )
        if val is not None
    }
    if kind == "xes":
        from journeymine.io.xes import read_xes

        extra = [k for k in kwargs if k not in ("_progress", "limits")]
        if timestamp_format is not None:
            extra.insert(0, "timestamp_format")
        if extra:
            raise ParameterError(
                f"{', '.join(f'{k}=' for k in extra)} "
                f"{'does' if len(extra) == 1 else 'do'} not apply to XES files "
                f"({Path(path).name}): XES stores typed values. Drop "
                f"{'it' if len(extra) == 1 else 'them'}."
            )
        return read_xes(path, on_error=on_error, **columns, **kwargs)
    if timestamp_format is not None:
        columns["timestamp_format"] = timestamp_format
    if kind == "parquet":
        from journeymine.io.tabular import read_parquet

        if "limits" in kwargs:
            kwargs.pop("limits")  # Parquet readers read only the columns' pages they need
        if "sep" in kwargs:
            raise ParameterError(
                f"sep= does not apply to Parquet files ({Path(path).name}). Drop it."
            )
        # engine="dask" gives a DaskJourneyLog, which has the same interface
        return cast(JourneyLog, read_parquet(path, on_error=on_error, **columns, **kwargs))
    from journeymine.io.tabular import read_csv

    return read_csv(path, on_error=on_error, **columns, **kwargs)
