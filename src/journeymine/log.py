"""The validated, ordered, integer-coded event log every algorithm works on."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd

from journeymine import _quality as quality
from journeymine import _validation as v
from journeymine._codes import factorize, group_events, order_within_cases
from journeymine._threads import second_thread, take
from journeymine.errors import (
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ParameterError,
)
from journeymine.errors import user_stacklevel as _stacklevel

if TYPE_CHECKING:  # pragma: no cover
    import pm4py  # noqa: F401

    from journeymine.engine.base import Kernel, LogMeta

R = TypeVar("R")

__all__ = ["JourneyLog", "from_pandas", "from_pm4py"]

OnError = Literal["raise", "collect"]


@dataclass(frozen=True, eq=False, repr=False)
class JourneyLog:
    """A validated event log, ordered by case, timestamp and input row.

    Build it with :func:`from_pandas`, :func:`read_csv`, :func:`read_parquet`,
    :func:`read_xes` or :func:`from_pm4py` rather than directly. The user's
    columns are kept under their own names; the log adds integer codes for
    cases and activities and int64 UTC nanosecond timestamps, so every
    algorithm is a vectorised pass over numpy arrays.

    Attributes
    ----------
    case, activity, timestamp : str
        Names of the case id, activity and timestamp columns.
    stage, channel : str or None
        Names of the optional stage and channel columns.
    case_codes : numpy.ndarray
        Case code of each event (int64), non-decreasing along the log.
    case_labels : pandas.Index
        The case id of each code, sorted.
    activity_codes : numpy.ndarray
        Activity code of each event (int64).
    activity_labels : pandas.Index
        The activity of each code, sorted.
    time : numpy.ndarray
        Timestamps as int64 nanoseconds since the epoch, UTC.
    case_offsets : numpy.ndarray
        ``case_offsets[c]`` is the index of case ``c``'s first event; the last
        entry is ``n_events``.
    rows : numpy.ndarray
        The 0-based input row of each event.
    rejected : pandas.DataFrame
        Rows set aside by ``on_error="collect"``: the input columns plus a
        ``reason`` column (``_reason`` if the input has one), indexed by the
        0-based input row number (index name ``row``). Empty when nothing
        was rejected.
    source : str or None
        The file the log was read from, if any.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "customer": ["b", "a", "a", "b"],
    ...     "touchpoint": ["visit", "visit", "buy", "email"],
    ...     "ts": ["2025-01-02", "2025-01-01", "2025-01-03", "2025-01-01"],
    ... })
    >>> log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")
    >>> log.n_cases, log.n_events
    (2, 4)
    >>> log.to_pandas()["touchpoint"].tolist()
    ['visit', 'buy', 'email', 'visit']
    """

    _frame: pd.DataFrame
    _order: np.ndarray
    case: str
    activity: str
    timestamp: str
    stage: str | None
    channel: str | None
    case_codes: np.ndarray
    case_labels: pd.Index
    activity_codes: np.ndarray
    activity_labels: pd.Index
    time: np.ndarray
    case_offsets: np.ndarray
    tz_aware: bool
    rejected: pd.DataFrame
    source: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, compare=False)

    #: the engine that runs this log's kernels (see :func:`journeymine.engine.run`)
    __journeymine_engine__ = "memory"

    # -- sizes and labels -------------------------------------------------
    @property
    def n_events(self) -> int:
        """Number of events (rows kept).

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.datasets.load_shop().n_events > 0
        True
        """
        return int(self.time.shape[0])

    @property
    def n_cases(self) -> int:
        """Number of distinct cases.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.datasets.load_shop().n_cases >= 5000
        True
        """
        return int(self.case_labels.shape[0])

    @property
    def activities(self) -> list[Any]:
        """The distinct activities, sorted.

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> df = pd.DataFrame({"c": [1, 1], "a": ["y", "x"], "t": ["2025-01-01", "2025-01-02"]})
        >>> jm.from_pandas(df, case="c", activity="a", timestamp="t").activities
        ['x', 'y']
        """
        return self.activity_labels.tolist()

    @property
    def n_activities(self) -> int:
        """Number of distinct activities (as the log's repr shows it).

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> df = pd.DataFrame({"c": [1, 1, 2], "a": ["y", "x", "y"], "t": ["2025-01-01"] * 3})
        >>> jm.from_pandas(df, case="c", activity="a", timestamp="t").n_activities
        2
        """
        return int(self.activity_labels.shape[0])

    @property
    def cases(self) -> pd.Index:
        """The distinct case ids, sorted.

        Examples
        --------
        >>> import pandas as pd, journeymine as jm
        >>> df = pd.DataFrame({"c": ["k2", "k1"], "a": ["x", "x"], "t": ["2025-01-01"] * 2})
        >>> jm.from_pandas(df, case="c", activity="a", timestamp="t").cases.tolist()
        ['k1', 'k2']
        """
        return self.case_labels

    @property
    def rows(self) -> np.ndarray:
        """The 0-based input row number of each event, in log order."""
        return self._order

    @property
    def input_rows(self) -> np.ndarray:
        """The 0-based row of each event in the whole input, in log order.

        :attr:`rows`, except in the in-memory log of one Dask partition, whose
        rows count within the partition: there the engine records each row's
        number in the whole input, for messages that name rows.
        """
        numbers = self._cache.get("input_row_numbers")
        return self._order if numbers is None else numbers[self._order]

    @property
    def columns(self) -> list[str]:
        """The user's columns, as given."""
        return [str(c) for c in self._frame.columns]

    @property
    def meta(self) -> LogMeta:
        """What the log knows without reading its events: columns, names, time range.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.datasets.load_shop().meta.stage
        'stage'
        """
        if "meta" not in self._cache:
            from journeymine.engine.base import LogMeta

            self._cache["meta"] = LogMeta(
                columns=tuple(self.columns),
                case=self.case,
                activity=self.activity,
                timestamp=self.timestamp,
                stage=self.stage,
                channel=self.channel,
                tz_aware=self.tz_aware,
                time_min=int(self.time.min()) if self.time.size else None,
                time_max=int(self.time.max()) if self.time.size else None,
                source=self.source,
            )
        return self._cache["meta"]

    def reduce(self, kernel: Kernel[Any, R]) -> R:
        """Run an analysis kernel on this log (``journeymine.engine.run(kernel, self)``).

        Examples
        --------
        >>> import journeymine as jm
        >>> from journeymine._percase import CaseTable
        >>> len(jm.datasets.load_shop().reduce(CaseTable()))
        6000
        """
        from journeymine.engine.base import run

        return run(kernel, self)

    def filter(self, mask: Callable[..., np.ndarray], *args: Any) -> JourneyLog:
        """A log with the events where ``mask(self, *args)`` (one bool per event) is true.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> log.filter(lambda lg: lg.position == 0).n_events == log.n_cases
        True
        """
        from journeymine.engine.base import filter_log

        return filter_log(self, mask, "filter", *args)

    @property
    def position(self) -> np.ndarray:
        """0-based index of each event within its case."""
        if "position" not in self._cache:
            pos = np.arange(self.n_events, dtype=np.int64) - self.case_offsets[self.case_codes]
            self._cache["position"] = pos
        return self._cache["position"]

    @property
    def case_sizes(self) -> np.ndarray:
        """Number of events of each case, indexed by case code."""
        return np.diff(self.case_offsets)

    # -- columns ----------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """Values of one user column in log order (a numpy array).

        Parameters
        ----------
        name : str
            A column of the log.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> len(log.column("channel")) == log.n_events
        True
        """
        if name not in self._frame.columns:
            v.resolve_column(self._frame, name, "requested", source=self.source)
        if name == self.timestamp:
            return self.timestamps().to_numpy()
        return self._frame[name].to_numpy()[self._order]

    def codes(self, name: str) -> tuple[np.ndarray, pd.Index]:
        """Integer codes (``-1`` for missing) and sorted labels of a column.

        Parameters
        ----------
        name : str
            A column of the log; the activity column gives the stored codes.

        Returns
        -------
        codes : numpy.ndarray
            One int64 code per event, in log order.
        labels : pandas.Index
            The label of each code.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> codes, labels = log.codes("stage")
        >>> codes.shape[0] == log.n_events
        True
        """
        if name == self.activity:
            return self.activity_codes, self.activity_labels
        if name == self.case:
            return self.case_codes, self.case_labels
        key = "codes:" + name
        if key not in self._cache:
            values = self._frame[name] if name in self._frame.columns else None
            if values is None:
                v.resolve_column(self._frame, name, "requested", source=self.source)
            assert values is not None
            codes, labels = factorize(values.to_numpy())
            self._cache[key] = (codes[self._order], labels)
        return self._cache[key]

    def timestamps(self) -> pd.Series:
        """Timestamps in log order as pandas datetimes (UTC-aware if the input was)."""
        ts = pd.Series(self.time.view("datetime64[ns]"), name=self.timestamp)
        return ts.dt.tz_localize("UTC") if self.tz_aware else ts

    def to_pandas(self) -> pd.DataFrame:
        """The events as a DataFrame with the user's columns, in log order.

        The timestamp column holds parsed datetimes; the index is 0..n-1.

        Examples
        --------
        >>> import journeymine as jm
        >>> df = jm.datasets.load_shop().to_pandas()
        >>> list(df.columns)
        ['customer_id', 'touchpoint', 'timestamp', 'channel', 'stage']
        """
        out = self._frame.take(self._order).reset_index(drop=True)
        out[self.timestamp] = self.timestamps()
        return out

    def to_pm4py(self) -> pd.DataFrame:
        """The events as a pm4py-formatted DataFrame (needs the ``pm4py`` extra).

        Columns ``case:concept:name``, ``concept:name`` and ``time:timestamp``
        are added beside the user's columns, as :func:`pm4py.format_dataframe`
        does, with ties kept in log order.

        Examples
        --------
        >>> import journeymine as jm
        >>> df = jm.datasets.load_shop().to_pm4py()
        >>> df["concept:name"].nunique() == len(jm.datasets.load_shop().activities)
        True
        """
        try:
            import pm4py
        except ImportError as exc:
            raise MissingDependencyError(
                'to_pm4py() needs pm4py. Install it with: pip install "journeymine[pm4py]".'
            ) from exc
        df = self.to_pandas()
        df["case:concept:name"] = df[self.case].astype(str)
        df["concept:name"] = df[self.activity].astype(str)
        ts = self.timestamps()
        df["time:timestamp"] = ts if self.tz_aware else ts.dt.tz_localize("UTC")
        return pm4py.format_dataframe(
            df,
            case_id="case:concept:name",
            activity_key="concept:name",
            timestamp_key="time:timestamp",
        )

    def case_table(self) -> pd.DataFrame:
        """One row per case: size, start, end, duration, first and last activity, first values.

        See :func:`journeymine.case_table` for the columns.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.datasets.load_shop().case_table().columns[:5].tolist()
        ['case', 'events', 'start', 'end', 'duration']
        """
        from journeymine._percase import CaseTable
        from journeymine.engine.base import run

        return run(CaseTable(), self)

    def select_cases(self, case_codes: Any) -> JourneyLog:
        """A new log with only the given cases, keeping everything else.

        Parameters
        ----------
        case_codes : array-like of int, or array-like of bool
            Case codes (positions in :attr:`cases`, ``0 .. n_cases - 1``; order
            and repeats do not matter), or a boolean mask with one entry per case.

        Returns
        -------
        JourneyLog

        Raises
        ------
        ParameterError
            For codes out of range (negative codes too), floats, or a mask of
            the wrong length.

        Examples
        --------
        >>> import numpy as np, journeymine as jm
        >>> log = jm.datasets.load_shop()
        >>> log.select_cases(np.array([0, 1])).n_cases
        2
        >>> log.select_cases(log.case_sizes > 20).n_cases == int((log.case_sizes > 20).sum())
        True
        """
        keep = self._case_mask(case_codes)
        mask = keep[self.case_codes]
        order = self._order[mask]
        return _build(
            self._frame,
            order,
            self.time[mask],
            self.case,
            self.activity,
            self.timestamp,
            self.stage,
            self.channel,
            self.tz_aware,
            self.rejected,
            self.source,
        )

    def _case_mask(self, case_codes: Any) -> np.ndarray:
        """A boolean mask over cases from codes or a mask (see :meth:`select_cases`)."""
        n = self.n_cases
        how = (
            f"Pass case codes (ints in 0..{n - 1}, positions in log.cases) or a boolean mask "
            f"of length n_cases={n}; to select by case id, use "
            "np.flatnonzero(log.cases.isin(ids))."
        )
        values = np.asarray(case_codes)
        if values.ndim != 1:
            raise ParameterError(
                f"select_cases() expects a 1-d array; got shape {values.shape}. {how}"
            )
        if values.dtype == bool:
            if values.size != n:
                raise ParameterError(
                    f"select_cases() got a boolean mask of length {values.size}, but the log "
                    f"has {n} cases. {how}"
                )
            return values.copy()
        if values.size == 0:
            return np.zeros(n, dtype=bool)
        if not np.issubdtype(values.dtype, np.integer):
            raise ParameterError(
                f"select_cases() expects integer case codes or a boolean mask; got "
                f"{values.dtype} values (e.g. {values[0]!r}). {how}"
            )
        bad = (values < 0) | (values >= n)
        if bad.any():
            raise ParameterError(
                f"select_cases() got {int(bad.sum())} case code(s) out of range (e.g. "
                f"{int(values[bad][0])}); the log has {n} cases. {how}"
            )
        keep = np.zeros(n, dtype=bool)
        keep[values.astype(np.int64)] = True
        return keep

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={getattr(self, k)!r}" for k in ("stage", "channel") if getattr(self, k)
        )
        rej = f", rejected={len(self.rejected)}" if len(self.rejected) else ""
        return (
            f"JourneyLog(n_events={self.n_events}, n_cases={self.n_cases}, "
            f"n_activities={len(self.activity_labels)}, case={self.case!r}, "
            f"activity={self.activity!r}, timestamp={self.timestamp!r}{extra}{rej})"
        )

    def _repr_html_(self) -> str:
        if self.n_events:
            t0 = pd.Timestamp(int(self.time.min()))
            t1 = pd.Timestamp(int(self.time.max()))
            span = f"{t0:%Y-%m-%d} – {t1:%Y-%m-%d}"
        else:
            span = "–"
        rows = [
            ("events", f"{self.n_events:,}"),
            ("cases", f"{self.n_cases:,}"),
            ("activities", f"{len(self.activity_labels):,}"),
            ("time span", span),
            ("columns", ", ".join(self.columns)),
            ("rejected rows", f"{len(self.rejected):,}"),
        ]
        # every value is escaped: column names (and the file name) are user text
        body = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(val)}</td></tr>"
            for k, val in rows
        )
        return f"<table><caption>JourneyLog</caption>{body}</table>"


def _build(
    frame: pd.DataFrame,
    rows: np.ndarray,
    time: np.ndarray,
    case: str,
    activity: str,
    timestamp: str,
    stage: str | None,
    channel: str | None,
    tz_aware: bool,
    rejected: pd.DataFrame,
    source: str | None,
    coded: Sequence[tuple[np.ndarray, pd.Index]] | None = None,
    ordered: _Ordered | None = None,
) -> JourneyLog:
    """Code and order the kept ``rows`` of ``frame`` (``time`` given per kept row).

    ``coded`` holds the case and activity codes of every row of ``frame``
    when the caller has them already (see :func:`_factorize_column`), and
    ``ordered`` what :func:`_order_all_rows` gave for every row, when every
    row is kept.
    """
    if coded is None:
        coded = [_factorize_column(frame[col], col, source) for col in (case, activity)]
    every_row = len(rows) == len(frame) and (
        len(rows) == 0 or (rows[0] == 0 and bool((rows[1:] - rows[:-1] == 1).all()))
    )
    (case_codes, case_labels), (act_codes, act_labels) = (
        _codes_of_rows(codes, labels, None if every_row else rows) for codes, labels in coded
    )
    if ordered is None or not every_row:
        ordered = _order_all_rows(case_codes, len(case_labels), time)
    assert ordered is not None
    counts, sort = ordered
    offsets = np.zeros(len(case_labels) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if sort is not None:
        order, time = sort
        rows = order if every_row else rows[order]
        act_codes = take(act_codes, order)
        case_codes = np.repeat(np.arange(len(case_labels), dtype=np.int64), counts)
    return JourneyLog(
        _frame=frame,
        _order=np.asarray(rows, dtype=np.int64),
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        case_codes=case_codes,
        case_labels=case_labels,
        activity_codes=act_codes,
        activity_labels=act_labels,
        time=np.ascontiguousarray(time, dtype=np.int64),
        case_offsets=offsets,
        tz_aware=tz_aware,
        rejected=rejected,
        source=source,
    )


# a log's case sizes, and order_events' (permutation, sorted times) or None if in order
_Ordered = tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]


def _order_all_rows(case_codes: np.ndarray, n_cases: int, time: np.ndarray) -> _Ordered | None:
    """Case sizes and the (case, time, row) order of rows; None if some row has no case or time."""
    grouped = _group_all_rows(case_codes, n_cases, time)
    return None if grouped is None else _order_grouped(grouped)


# case sizes, and group_events' (permutation, times) or None if the rows are in order
_Grouped = tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]


def _group_all_rows(case_codes: np.ndarray, n_cases: int, time: np.ndarray) -> _Grouped | None:
    """Case sizes and the rows grouped by case; None if some row has no case or time."""
    if len(time) != len(case_codes) or (len(case_codes) and int(case_codes.min()) < 0):
        return None
    counts = np.bincount(case_codes, minlength=n_cases)
    return counts, group_events(case_codes, time, counts)


def _order_grouped(grouped: _Grouped, pool: Executor | None = None) -> _Ordered:
    """:func:`_group_all_rows`' result ordered by time within cases (halves on two threads)."""
    counts, rows = grouped
    return counts, None if rows is None else order_within_cases(*rows, counts, pool)


def _factorize_column(
    values: pd.Series, column: str, source: str | None
) -> tuple[np.ndarray, pd.Index]:
    """:func:`factorize` a case or activity column, with a LogError for unhashable values."""
    try:
        codes, labels = factorize(values)
        v.check_bytes(labels, column, source)
        return codes, labels
    except TypeError as exc:
        raise LogError(
            f"Column {column!r}{v.where(source)} holds values that cannot be compared or hashed "
            f"({exc}); case ids and activities must be text or numbers. Convert the column, "
            "e.g. df[col].astype(str).",
            column=column,
            path=source,
        ) from None


def _codes_of_rows(
    codes: np.ndarray, labels: pd.Index, rows: np.ndarray | None
) -> tuple[np.ndarray, pd.Index]:
    """Codes and labels restricted to ``rows`` (labels no kept row uses are dropped).

    ``rows=None`` means every row, in input order.
    """
    if rows is None:
        return codes, labels
    codes = codes[rows]
    used = np.bincount(codes, minlength=len(labels)) > 0
    if used.all():
        return codes, labels
    remap = np.cumsum(used) - 1
    return remap[codes], labels[used]


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def from_pandas(
    df: pd.DataFrame,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
    _source: str | None = None,
    _line_offset: int | None = None,
    _quality: bool = True,
) -> JourneyLog:
    """Build a :class:`JourneyLog` from a pandas DataFrame.

    The caller's frame is never modified. Events are ordered by case, then
    timestamp, then input row (a stable sort, as pm4py does).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per event.
    case, activity, timestamp : str, optional
        Column names. When omitted, the XES keys ``case:concept:name``,
        ``concept:name`` and ``time:timestamp`` are used if present.
    stage, channel : str, optional
        Optional columns with each event's journey stage and channel.
    timestamp_format : str, optional
        A :func:`pandas.to_datetime` format for text timestamps (ISO 8601 is
        parsed without one), or the unit (``"s"``, ``"ms"``, ``"us"``,
        ``"ns"``) of numeric epoch timestamps. Naive timestamps are taken as UTC.
    on_error : {"raise", "collect"}, default="raise"
        What to do with rows that have no case id, no activity or an
        unparseable timestamp: raise a :class:`LogError` naming them, or set
        them aside in ``log.rejected`` with a reason each (a
        :class:`JourneymineWarning` says how many).

    Returns
    -------
    JourneyLog

    Raises
    ------
    LogError
        Missing or duplicate columns, an empty frame, bad rows (with
        ``on_error="raise"``), or mixed time-zone-aware and naive timestamps.
    ParameterError
        An argument of the wrong type or value.

    See Also
    --------
    read_csv, read_parquet, read_xes, from_pm4py

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "customer": ["c1", "c1", None],
    ...     "touchpoint": ["ad", "buy", "ad"],
    ...     "ts": ["2025-01-01 10:00", "2025-01-01 11:00", "2025-01-02"],
    ... })
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     log = jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts",
    ...                          on_error="collect")
    >>> log.n_events, len(log.rejected)
    (2, 1)
    >>> log.rejected["reason"].tolist()
    ["missing case id in column 'customer'"]
    >>> str(caught[0].message)
    '1 of 3 rows were rejected (see log.rejected for the rows and the reason for each).'
    """
    src = _source
    df = v.check_frame(df, src)
    case_col = v.resolve_column(df, case, "case", default=v.XES_CASE, source=src)
    act_col = v.resolve_column(df, activity, "activity", default=v.XES_ACTIVITY, source=src)
    ts_col = v.resolve_column(df, timestamp, "timestamp", default=v.XES_TIMESTAMP, source=src)
    stage_col = v.resolve_column(df, stage, "stage", required=False, source=src) if stage else None
    chan_col = (
        v.resolve_column(df, channel, "channel", required=False, source=src) if channel else None
    )
    assert case_col is not None and act_col is not None and ts_col is not None
    roles = {"case": case_col, "activity": act_col, "timestamp": ts_col}
    seen: dict[str, str] = {}
    for role, col in roles.items():
        if col in seen:
            raise ParameterError(
                f"The same column {col!r} is given as both {seen[col]} and {role}. "
                "Each role needs its own column."
            )
        seen[col] = role

    frame = df.copy(deep=False)
    n = len(frame)

    case_values = frame[case_col]  # columns are taken here, never from two threads

    def code_cases() -> tuple[np.ndarray, pd.Index]:
        return _factorize_column(case_values, case_col, src)

    def group_rows(ns: np.ndarray) -> _Grouped | None:
        codes, labels = cases.result()
        return _group_all_rows(codes, len(labels), ns)

    # The case ids (the costliest column) are coded, then the rows grouped by
    # case (in case no row is rejected, the usual case), on a second thread
    # while this one parses the timestamps and codes the activities; then both
    # threads order half of the cases each. numpy, pandas and pyarrow release
    # the GIL in the heavy loops.
    with second_thread(n) as pool:
        cases = pool.submit(code_cases)
        ns, bad_ts, aware, out_of_range = v.parse_timestamps(
            frame[ts_col],
            column=ts_col,
            fmt=timestamp_format,
            source=src,
            line_offset=_line_offset,
        )
        rows_grouped = pool.submit(group_rows, ns) if not bad_ts.any() else None
        acts = _factorize_column(frame[act_col], act_col, src)
        coded = [cases.result(), acts]
        grouped = rows_grouped.result() if rows_grouped is not None else None
        ordered = None if grouped is None else _order_grouped(grouped, pool)
    masks = {
        v.NO_CASE: v.missing_codes(*coded[0]),
        v.NO_ACTIVITY: v.missing_codes(*coded[1]),
        **v.timestamp_masks(frame[ts_col], bad_ts, out_of_range),
    }
    report, bad = v.classify_rows(masks, frame[ts_col], (case_col, act_col, ts_col))
    rejected = _empty_rejected(frame)
    if report.problems:
        if on_error == "raise":
            raise report.error(src, _line_offset)
        rejected = _rejected_rows(frame, report)
        warnings.warn(
            f"{len(report.bad):,} of {n:,} rows{v.where(src)} were rejected (see log.rejected "
            "for the rows and the reason for each).",
            JourneymineWarning,
            stacklevel=_stacklevel(),
        )
        if len(report.bad) == n:
            raise report.all_rejected(src)
    keep = np.flatnonzero(~bad) if report.problems else np.arange(n, dtype=np.int64)
    log = _build(
        frame,
        keep,
        ns[keep] if report.problems else ns,
        case_col,
        act_col,
        ts_col,
        stage_col,
        chan_col,
        aware,
        rejected,
        src,
        coded,
        None if report.problems else ordered,
    )
    if _quality:  # the Dask engine checks the whole log once, not each partition
        quality.check_log(log, stacklevel=_stacklevel() + 1)  # overflowing spans, duplicates
    return log


def _reason_column(frame: pd.DataFrame) -> str:
    name = "reason"
    while name in frame.columns:
        name = "_" + name
    return name


def _rejected_rows(frame: pd.DataFrame, report: v.RowReport) -> pd.DataFrame:
    """The rejected rows of ``frame``, indexed by row number, with their reasons."""
    rejected = frame.take(report.bad)
    rejected.index = pd.Index(report.bad, name="row")
    rejected[_reason_column(frame)] = report.reasons
    return rejected


def _empty_rejected(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.iloc[0:0].copy()
    out.index = pd.Index(np.empty(0, dtype=np.int64), name="row")
    out[_reason_column(frame)] = pd.Series([], dtype=object)
    return out


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def from_pm4py(
    log: Any,
    *,
    case: str = "case:concept:name",
    activity: str = "concept:name",
    timestamp: str = "time:timestamp",
    stage: str | None = None,
    channel: str | None = None,
    on_error: OnError = "raise",
) -> JourneyLog:
    """Build a :class:`JourneyLog` from a pm4py EventLog or pm4py-formatted DataFrame.

    Parameters
    ----------
    log : pm4py.objects.log.obj.EventLog or pandas.DataFrame
        A pm4py event log, or a DataFrame with pm4py's XES keys.
    case, activity, timestamp : str
        Column names, pm4py's XES keys by default.
    stage, channel : str, optional
        Optional stage and channel columns.
    on_error : {"raise", "collect"}, default="raise"
        As in :func:`from_pandas`.

    Returns
    -------
    JourneyLog

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"case:concept:name": ["1", "1"], "concept:name": ["a", "b"],
    ...                    "time:timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True)})
    >>> jm.from_pm4py(df).n_events
    2
    """
    if isinstance(log, pd.DataFrame):
        df = log
    else:
        try:
            import pm4py
        except ImportError as exc:
            raise MissingDependencyError(
                "from_pm4py() with an EventLog needs pm4py. Install it with: "
                'pip install "journeymine[pm4py]".'
            ) from exc
        try:
            df = pm4py.convert_to_dataframe(log)
        except Exception as exc:  # pm4py raises bare exceptions
            raise ParameterError(
                f"from_pm4py() expects a pm4py EventLog or a DataFrame; got "
                f"{type(log).__name__} ({exc})."
            ) from exc
    return from_pandas(
        df,
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        on_error=on_error,
    )
