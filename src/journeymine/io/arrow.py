"""Build logs from Arrow tables and Polars frames without copying their text."""

from __future__ import annotations

from typing import Any

import pandas as pd

from journeymine import _validation as v
from journeymine.errors import MissingDependencyError, ParameterError
from journeymine.log import JourneyLog, OnError, from_pandas

__all__ = ["from_arrow", "from_polars"]


def _string_dtype() -> pd.StringDtype:
    """pandas' default text dtype when it is Arrow-backed, else ``string[pyarrow]``."""
    default = pd.Series(["a"]).dtype
    if isinstance(default, pd.StringDtype) and default.storage == "pyarrow":
        return default
    return pd.StringDtype("pyarrow")


def _to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table as a DataFrame whose text columns wrap the Arrow buffers."""
    import pyarrow as pa

    text = _string_dtype()
    casts = {}
    for i, column in enumerate(table.schema):
        if pa.types.is_string_view(column.type):
            casts[i] = pa.large_string()
        elif pa.types.is_binary_view(column.type):
            casts[i] = pa.large_binary()
    for i, to in casts.items():
        table = table.set_column(i, table.schema.field(i).with_type(to), table.column(i).cast(to))

    def mapper(dtype: Any) -> Any:
        if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
            return text
        return None

    frame = table.to_pandas(types_mapper=mapper, split_blocks=True)
    # Arrow wraps numbers and times of a numpy array without copying them, so the
    # caller changing that array would change the log: the log owns a copy of
    # them. Text stays in Arrow's buffers, which Arrow never changes.
    for name in frame.columns:
        if not isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].copy(deep=True)
    return frame


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def from_arrow(
    table: Any,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
) -> JourneyLog:
    """Build a :class:`JourneyLog` from a ``pyarrow.Table``.

    Text columns stay in their Arrow buffers (pandas' Arrow-backed string
    dtype) and are coded without Python objects; the result equals
    :func:`from_pandas` on ``table.to_pandas()``. Number and time columns
    are copied: changing the arrays the table was built from afterwards does
    not change the log.

    Parameters
    ----------
    table : pyarrow.Table or pyarrow.RecordBatch
        One row per event.
    case, activity, timestamp, stage, channel, timestamp_format, on_error
        As in :func:`from_pandas`.

    Returns
    -------
    JourneyLog

    Raises
    ------
    ParameterError
        ``table`` is not an Arrow table.
    LogError
        As :func:`from_pandas`.

    See Also
    --------
    from_pandas, from_polars, read_parquet

    Examples
    --------
    >>> import pyarrow as pa, journeymine as jm
    >>> table = pa.table({"customer": ["b", "a", "a"], "touchpoint": ["ad", "ad", "buy"],
    ...                   "ts": ["2025-01-02", "2025-01-01", "2025-01-03"]})
    >>> log = jm.from_arrow(table, case="customer", activity="touchpoint", timestamp="ts")
    >>> log.cases.tolist(), log.n_events
    (['a', 'b'], 3)
    """
    import pyarrow as pa

    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if not isinstance(table, pa.Table):
        raise ParameterError(
            f"from_arrow() expects a pyarrow.Table, got {type(table).__name__}. For a pandas "
            "DataFrame use jm.from_pandas, for a Polars DataFrame jm.from_polars."
        )
    return from_pandas(
        _to_pandas(table),
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        timestamp_format=timestamp_format,
        on_error=on_error,
    )


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def from_polars(
    df: Any,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
) -> JourneyLog:
    """Build a :class:`JourneyLog` from a ``polars.DataFrame`` (polars is optional).

    The frame is handed over through Arrow (``polars.DataFrame.to_arrow()``),
    so text is not turned into Python objects: numbers and timestamps are
    not copied, and text, which polars holds as string views, is copied
    once by Arrow into contiguous strings. The result equals
    :func:`from_pandas` on ``df.to_pandas()``.

    Parameters
    ----------
    df : polars.DataFrame or polars.LazyFrame
        One row per event (a LazyFrame is collected).
    case, activity, timestamp, stage, channel, timestamp_format, on_error
        As in :func:`from_pandas`.

    Returns
    -------
    JourneyLog

    Raises
    ------
    ParameterError
        ``df`` is not a Polars frame.
    LogError
        As :func:`from_pandas`.

    See Also
    --------
    from_pandas, from_arrow

    Examples
    --------
    >>> import polars as pl, journeymine as jm
    >>> df = pl.DataFrame({"customer": ["b", "a", "a"], "touchpoint": ["ad", "ad", "buy"],
    ...                    "ts": ["2025-01-02", "2025-01-01", "2025-01-03"]})
    >>> jm.from_polars(df, case="customer", activity="touchpoint", timestamp="ts").n_cases
    2
    """
    module = type(df).__module__.split(".")[0]
    if module != "polars":
        raise ParameterError(
            f"from_polars() expects a polars.DataFrame, got {type(df).__name__}. For a pandas "
            "DataFrame use jm.from_pandas, for an Arrow table jm.from_arrow."
        )
    try:
        import polars as pl
    except ImportError as exc:  # pragma: no cover - df is a polars object, so polars imports
        raise MissingDependencyError("from_polars() needs polars: pip install polars.") from exc
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    if not isinstance(df, pl.DataFrame):
        raise ParameterError(
            f"from_polars() expects a polars.DataFrame, got {type(df).__name__}. "
            "Build one with polars.DataFrame(...) or polars.read_parquet(...)."
        )
    return from_arrow(
        df.to_arrow(),
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        timestamp_format=timestamp_format,
        on_error=on_error,
    )
