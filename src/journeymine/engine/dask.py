"""The Dask engine: journey logs that outgrow one machine, mined partition by partition.

A :class:`DaskJourneyLog` keeps the events in a Dask DataFrame, hash-partitioned
by case so that every partition holds whole cases (input partitions whose case
ids fall in ranges that do not overlap hold whole cases already and are kept
as they are). It runs every analysis through the analysis's kernel
(:mod:`journeymine.engine.base`): the kernel's ``part`` runs on an in-memory
:class:`~journeymine.JourneyLog` built from each partition on the workers, the
partial results are merged in a tree on the client (where the result goes
anyway), and the same ``finish`` as in memory builds the result. The events
themselves are never collected onto the client, except by
:meth:`DaskJourneyLog.compute` and :meth:`DaskJourneyLog.to_pandas`, which say so.

Results equal those of the in-memory functions on the same data (same
columns, dtypes, order and values; a discovered graph's median and p90 come
from the mergeable summary, within 1 %): pass a :class:`DaskJourneyLog` to any
analysis of :mod:`journeymine`. This module holds the engine only: the log
class, its constructor and how kernels (:func:`reduce`) and filters
(:func:`filter`) run over partitions; :func:`journeymine.engine.run` reaches
them through ``DaskJourneyLog.__journeymine_engine__``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import CaseTable
from journeymine.engine.base import Coded, Kernel, LogMeta, bind, run, tree_merge
from journeymine.errors import (
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ParameterError,
)
from journeymine.log import JourneyLog, factorize, from_pandas

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd

__all__ = ["DaskJourneyLog", "filter", "from_dask", "reduce", "transform"]

OnError = Literal["raise", "collect"]
R = TypeVar("R")

_DASK_HINT = 'Install it with: pip install "journeymine[dask]".'


def _import_dask(func: str) -> Any:
    try:
        import dask
        import dask.dataframe  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(f"{func}() needs Dask. {_DASK_HINT}") from exc
    return dask


# -- small helpers shipped to the workers ---------------------------------------
@dataclass(frozen=True)
class _Spec:
    """What a worker needs to turn a partition into an in-memory JourneyLog."""

    row: str
    case: str
    activity: str
    timestamp: str
    stage: str | None
    channel: str | None
    timestamp_format: str | None
    source: str | None
    aware: bool = False


def _default_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Dask's NA-valued string columns as pandas' default string dtype.

    Dask turns text columns into ``string[pyarrow]`` (missing values ``pd.NA``);
    pandas itself reads text as its default ``str`` dtype. Converting back
    makes the labels in every result table have the dtype the in-memory
    engine gives on the same data.
    """
    default = pd.Series(["a"]).dtype
    cols = [
        c
        for c, dt in df.dtypes.items()
        if isinstance(dt, pd.StringDtype) and dt.na_value is pd.NA and dt != default
    ]
    if not cols:
        return df
    return df.astype(dict.fromkeys(cols, default))


def _part_log(part: pd.DataFrame, spec: _Spec) -> JourneyLog | None:
    """The in-memory log of one partition (whole cases), or None if it is empty."""
    if len(part) == 0:
        return None
    part = part.sort_values(spec.row, kind="stable")  # input order: ties keep it
    numbers = part[spec.row].to_numpy(dtype=np.int64)
    part = _default_strings(part.drop(columns=spec.row).reset_index(drop=True))
    with warnings.catch_warnings():  # data-quality warnings are from_dask's to give, once
        warnings.simplefilter("ignore", JourneymineWarning)
        log = from_pandas(
            part,
            case=spec.case,
            activity=spec.activity,
            timestamp=spec.timestamp,
            stage=spec.stage,
            channel=spec.channel,
            timestamp_format=spec.timestamp_format,
            _source=spec.source,
            _quality=False,  # from_dask runs the checks once over the whole log
        )
    if spec.aware and not log.tz_aware:
        # naive text in a partition of a log whose other partitions have time zones: the
        # in-memory reader takes naive values as UTC then, which gives the same times
        log = replace(log, tz_aware=True, _cache={})
    log._cache["input_row_numbers"] = numbers  # rows of the whole input, for messages
    return log


def _call(
    func: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, list[tuple[type, str]]]:
    """Call ``func``, returning its result and the warnings it raised (to re-raise later)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def _rewarn(found: Sequence[list[tuple[type, str]]]) -> None:
    """Re-raise, once each, the warnings the partitions raised."""
    from journeymine.errors import user_stacklevel

    seen: set[tuple[type, str]] = set()
    for batch in found:
        for category, message in batch:
            if (category, message) not in seen:
                seen.add((category, message))
                warnings.warn(message, category, stacklevel=user_stacklevel())


# -- validation pass --------------------------------------------------------------
def _validate_part(df: pd.DataFrame, spec: _Spec, collect: bool) -> dict[str, Any]:
    """Validate one input partition as :func:`from_pandas` does, without raising for bad rows.

    Returns the partition's row report (``_validation.classify_rows``), its
    time-zone information, the time range of the good rows, and (when
    ``collect``) the rejected rows.
    """
    df = _default_strings(df)
    n = len(df)
    columns = (spec.case, spec.activity, spec.timestamp)
    out: dict[str, Any] = {"report": v.RowReport(n, columns), "aware": None}
    out["tmin"] = out["tmax"] = out["rejected"] = None
    out["cases"] = ()
    if n == 0:
        return out
    out["cases"] = _case_range(df[spec.case])
    ts = df[spec.timestamp]
    for col in (spec.case, spec.activity):
        v.check_bytes(df[col], col, spec.source)
    if _is_text(ts, spec.timestamp_format):
        # classify text timestamps as from_pandas does when it finds mixed time zones
        text = ts.astype("string")
        present = (text.notna() & text.str.strip().ne("")).to_numpy(dtype=bool)
        has_tz = text.str.contains(v._TZ_SUFFIX, regex=True).fillna(False).to_numpy(dtype=bool)
        has_tz &= present
        naive = present & ~has_tz
        out["zones"] = (
            int(has_tz.sum()),
            int(naive.sum()),
            np.flatnonzero(has_tz)[: v.KEEP_ROWS],
            np.flatnonzero(naive)[: v.KEEP_ROWS],
        )
    try:
        ns, bad_ts, aware, out_of_range = v.parse_timestamps(
            ts,
            column=spec.timestamp,
            fmt=spec.timestamp_format,
            source=spec.source,
            line_offset=None,
        )
    except LogError as exc:
        if exc.rows is None or "zones" not in out:  # a problem of the whole column
            raise
        out["mixed"] = True  # aware and naive text mixed here: raised for the whole input
        return out
    out["aware"] = bool(aware)
    out["parsed"] = int((~bad_ts).sum())
    masks = {
        v.NO_CASE: v.null_mask(df[spec.case]),
        v.NO_ACTIVITY: v.null_mask(df[spec.activity]),
        **v.timestamp_masks(ts, bad_ts, out_of_range),
    }
    report, bad = v.classify_rows(masks, ts, columns)
    out["report"] = report
    good = ~bad
    if good.any():
        out["tmin"], out["tmax"] = int(ns[good].min()), int(ns[good].max())
    if collect and bad.any():
        out["rejected"] = df.take(report.bad)
    return out


def _case_range(values: pd.Series) -> tuple[Any, Any] | tuple[()] | None:
    """The smallest and largest case id of a partition; ``()`` if none, None if unordered.

    Categorical and boolean ids, and ids of types that do not compare
    (e.g. numbers mixed with text), give None: such input is shuffled.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    present = values.dropna()
    if len(present) == 0:
        return ()
    try:
        lo, hi = present.min(), present.max()
        if not bool(lo <= hi):
            return None
    except (TypeError, ValueError):
        return None
    return lo, hi


def _split_by_case(ranges: Sequence[tuple[Any, Any] | tuple[()] | None]) -> bool:
    """Whether partitions with these case-id ranges share no case (ranges do not overlap).

    Then each input partition already holds whole cases, and no shuffle is
    needed. Any partition whose range is unknown (None) says no, and so do
    ranges that cannot be compared with each other.
    """
    if any(r is None for r in ranges):
        return False
    spans = [r for r in ranges if r]
    try:
        spans.sort(key=lambda r: r[0])
        return all(bool(a[1] < b[0]) for a, b in zip(spans, spans[1:], strict=False))
    except (TypeError, ValueError):
        return False


def _is_text(values: pd.Series, fmt: str | None) -> bool:
    """Whether the timestamps are parsed as text (where time zones can be mixed)."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return False
    return fmt not in ("s", "ms", "us", "ns")


def _raise_mixed_zones(results: list[dict[str, Any]], offsets: np.ndarray, spec: _Spec) -> None:
    """Raise from_pandas' error for mixed aware and naive text timestamps, over all partitions.

    from_pandas looks for mixed zones only when pandas cannot parse the whole
    column at once (some values parse aware, some naive), then classifies the
    text by a trailing offset; this does the same over the partitions, so the
    same input raises, or not, in both engines.
    """
    kinds = {r["aware"] for r in results if r.get("parsed")}
    if not (any(r.get("mixed") for r in results) or len(kinds) > 1):
        return
    n_aware = n_naive = 0
    aware_rows: list[np.ndarray] = []
    naive_rows: list[np.ndarray] = []
    for off, r in zip(offsets, results, strict=True):
        if "zones" in r:
            a, n, ar, nr = r["zones"]
            n_aware, n_naive = n_aware + a, n_naive + n
            aware_rows.append(np.asarray(ar) + off)
            naive_rows.append(np.asarray(nr) + off)
    if not (n_aware and n_naive):
        return
    minority = naive_rows if n_naive <= n_aware else aware_rows
    total = n_naive if n_naive <= n_aware else n_aware
    rows = np.concatenate(minority)[: v.KEEP_ROWS] if minority else np.empty(0, dtype=np.int64)
    kind = "without" if n_naive <= n_aware else "with"
    raise LogError(
        f"Column {spec.timestamp!r}{v.where(spec.source)} mixes time-zone-aware ({n_aware}) "
        f"and naive ({n_naive}) timestamps; e.g. {v.format_rows(rows, total=total)} are {kind} a "
        "time zone. journeymine cannot guess the zone of the naive ones: make them all aware "
        "(add an offset such as +00:00) or all naive.",
        column=spec.timestamp,
        rows=rows.tolist(),
        path=spec.source,
    )


def _reason_column(columns: Sequence[Any]) -> str:
    name = "reason"
    while name in columns:
        name = "_" + name
    return name


def _number_rows(part: pd.DataFrame, offset: int, bad: np.ndarray | None, row: str) -> pd.DataFrame:
    """Add the global input row number, dropping the rejected rows (positions ``bad``)."""
    out = part.assign(**{row: np.arange(offset, offset + len(part), dtype=np.int64)})
    if bad is not None and len(bad):
        keep = np.ones(len(part), dtype=bool)
        keep[bad] = False
        out = out.iloc[np.flatnonzero(keep)]
    return out


# -- the log ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class DaskJourneyLog:
    """A journey log backed by a Dask DataFrame, partitioned so each partition holds whole cases.

    Build it with :func:`journeymine.from_dask` or
    ``jm.read_parquet(path, engine="dask")``. Pass it to any analysis
    (:func:`journeymine.discover`, :func:`journeymine.check`, the filters,
    ...) like an in-memory :class:`~journeymine.JourneyLog`: each partition
    is mined in memory on the workers and the partial results are merged.

    Attributes
    ----------
    case, activity, timestamp : str
        Names of the case id, activity and timestamp columns.
    stage, channel : str or None
        Names of the optional stage and channel columns.
    rejected : pandas.DataFrame
        Rows set aside by ``on_error="collect"``, as ``JourneyLog.rejected``,
        indexed by the 0-based row number in the whole input.
    tz_aware : bool
        Whether the timestamps are time-zone aware.
    source : str or None
        The file or folder the log was read from, if any.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, journeymine as jm
    >>> from journeymine import from_dask
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2], "a": ["ad", "buy", "ad", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="D")})
    >>> dlog = from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a", timestamp="t")
    >>> dlog.n_events, dlog.n_cases, dlog.activities
    (4, 2, ['ad', 'buy', 'view'])
    """

    _input: Any = field(repr=False)
    _events: Any = field(repr=False)
    _spec: _Spec = field(repr=False)
    case: str
    activity: str
    timestamp: str
    stage: str | None
    channel: str | None
    timestamp_format: str | None
    on_error: str
    tz_aware: bool
    rejected: pd.DataFrame
    source: str | None
    _n_events: int
    _time_max: int
    _time_min: int = 0
    #: False when the input partitions held whole cases already (ranges of case ids
    #: that do not overlap), so the events were not shuffled by case
    _shuffled: bool = True
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    #: the engine that runs this log's kernels (see :func:`journeymine.engine.run`)
    __journeymine_engine__ = "dask"

    # -- sizes and labels -------------------------------------------------
    @property
    def ddf(self) -> dd.DataFrame:
        """The valid events as a Dask DataFrame with the user's columns, partitioned by case.

        Rejected rows are left out; within a partition rows are in no
        particular order (the log orders them by case, time and input row).
        """
        return self._events.drop(columns=self._spec.row)

    @property
    def npartitions(self) -> int:
        """Number of partitions of :attr:`ddf`."""
        return int(self._events.npartitions)

    @property
    def columns(self) -> list[str]:
        """The user's columns, as given."""
        return [str(c) for c in self._input.columns]

    @property
    def n_events(self) -> int:
        """Number of events (rows kept); known without computing anything.

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["x", "y"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=1), case="c", activity="a",
        ...           timestamp="t").n_events
        2
        """
        if self._n_events < 0:  # a filtered log: counted on first use
            return int(self._stats()["n_events"])
        return self._n_events

    @property
    def n_cases(self) -> int:
        """Number of distinct cases (computed on first use, then cached).

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2, 1], "a": ["x", "y", "x"], "t": ["2025-01-01", "2025-01-01", "2025-01-02"]})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").n_cases
        2
        """
        if "n_cases" not in self._cache:
            self._labels()
        return int(self._cache["n_cases"])

    @property
    def activities(self) -> list[Any]:
        """The distinct activities, sorted (computed on first use, then cached).

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["y", "x"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").activities
        ['x', 'y']
        """
        if "activities" not in self._cache:
            self._labels()
        return list(self._cache["activities"])

    @property
    def n_activities(self) -> int:
        """Number of distinct activities (computed on first use, then cached).

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["y", "x"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").n_activities
        2
        """
        return len(self.activities)

    def _labels(self) -> None:
        """Count the cases and list the activities, in one pass over the partitions."""
        dask = _import_dask("DaskJourneyLog")
        parts = [dask.delayed(_part_labels)(p, self._spec) for p in self._events.to_delayed()]
        found = dask.compute(*parts)
        self._cache["n_cases"] = sum(n for n, _ in found)
        acts = [a for _, a in found if a is not None]
        if acts:
            _, labels = factorize(pd.concat(acts, ignore_index=True).drop_duplicates())
            self._cache["activities"] = labels.tolist()
        else:  # pragma: no cover - a log always has events
            self._cache["activities"] = []

    @property
    def meta(self) -> LogMeta:
        """What the log knows without reading its events: columns, names, time range."""
        return LogMeta(
            columns=tuple(self.columns),
            case=self.case,
            activity=self.activity,
            timestamp=self.timestamp,
            stage=self.stage,
            channel=self.channel,
            tz_aware=self.tz_aware,
            time_min=self._stats()["time_min"],
            time_max=self._stats()["time_max"],
            source=self.source,
            disjoint_parts=True,  # every partition holds whole cases, no case in two
        )

    def _stats(self) -> dict[str, Any]:
        """Events and time range: known from the input, or counted once for a filtered log."""
        if self._n_events >= 0:
            return {
                "n_events": self._n_events,
                "time_min": self._time_min,
                "time_max": self._time_max,
            }
        if "stats" not in self._cache:
            dask = _import_dask("DaskJourneyLog")
            found = dask.compute(
                *[dask.delayed(_part_stats)(p, self._spec) for p in self._events.to_delayed()]
            )
            tmins = [lo for _, lo, _ in found if lo is not None]
            tmaxs = [hi for _, _, hi in found if hi is not None]
            self._cache["stats"] = {
                "n_events": sum(n for n, _, _ in found),
                "time_min": min(tmins) if tmins else None,
                "time_max": max(tmaxs) if tmaxs else None,
            }
        return self._cache["stats"]

    def filter(self, mask: Callable[..., np.ndarray], *args: Any) -> DaskJourneyLog:
        """A lazily filtered copy: ``mask(partition_log, *args)`` gives each partition's events.

        Partitions keep whole cases, so a filter that judges each case on its
        own events runs partition-wise. Sizes and the time range of the
        result are counted on first use.
        """
        return filter(self, mask, *args)

    def _transform(
        self,
        fn: Callable[..., dict[str, Any]],
        meta_fn: Callable[[pd.DataFrame, str], pd.DataFrame],
        *args: Any,
    ) -> DaskJourneyLog:
        """A lazily rewritten copy with the same events: ``fn(partition_log, *args)`` gives columns.

        The hook of :func:`journeymine.sessionize`: ``fn`` returns new or
        replaced columns (arrays in the partition log's order) computed from
        each partition's whole cases, which must stay whole in their
        partition; ``meta_fn(meta, case)`` describes the result's columns
        from the current (empty) meta frame. Every event is kept, so the
        sizes and time range stay known.
        """
        meta = meta_fn(self._events._meta, self.case)
        events = self._events.map_partitions(
            _transform_part, self._spec, fn, meta, *args, meta=meta
        )
        row = self._spec.row
        inputs = events.map_partitions(_input_order, row, meta=meta.drop(columns=row))
        return replace(self, _input=inputs, _events=events, _cache={})

    def case_table(self) -> pd.DataFrame:
        """One row per case, as :func:`journeymine.case_table`."""
        return run(CaseTable(), self)

    def reduce(self, kernel: Kernel[Any, R]) -> R:
        """Run an analysis kernel on this log (``journeymine.engine.run(kernel, self)``)."""
        return run(kernel, self)

    # -- conversions ------------------------------------------------------
    def compute(self) -> JourneyLog:
        """Collect the whole log onto the client as an in-memory :class:`~journeymine.JourneyLog`.

        This brings every event into local memory: use it only for logs that fit.

        Returns
        -------
        JourneyLog
            The log :func:`journeymine.from_pandas` builds from the same data.

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["x", "y"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").compute()
        JourneyLog(n_events=2, n_cases=2, n_activities=2, case='c', activity='a', timestamp='t')
        """
        df = _default_strings(self._input.compute())
        if len(df) == 0:  # a filter kept nothing: an empty log, as in memory
            return _empty_log(self.meta)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JourneymineWarning)  # said already by from_dask
            return from_pandas(
                df,
                case=self.case,
                activity=self.activity,
                timestamp=self.timestamp,
                stage=self.stage,
                channel=self.channel,
                timestamp_format=self.timestamp_format,
                on_error=self.on_error,  # type: ignore[arg-type]
                _source=self.source,
            )

    def to_pandas(self) -> pd.DataFrame:
        """The events as a pandas DataFrame in log order (collects everything onto the client).

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [2, 1], "a": ["x", "y"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").to_pandas()["c"].tolist()
        [1, 2]
        """
        return self.compute().to_pandas()

    def persist(self) -> DaskJourneyLog:
        """A copy whose partitioned events are kept in (cluster) memory, for repeated analyses.

        Examples
        --------
        >>> import pandas as pd, dask.dataframe as dd
        >>> from journeymine import from_dask
        >>> df = pd.DataFrame({"c": [1, 2], "a": ["x", "y"], "t": ["2025-01-01"] * 2})
        >>> from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a",
        ...           timestamp="t").persist().n_cases
        2
        """
        return replace(self, _events=self._events.persist(), _cache=dict(self._cache))

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={getattr(self, k)!r}" for k in ("stage", "channel") if getattr(self, k)
        )
        cases = f", n_cases={self._cache['n_cases']}" if "n_cases" in self._cache else ""
        if self._n_events < 0 and "stats" not in self._cache:
            return (
                f"DaskJourneyLog(npartitions={self.npartitions}, filtered (sizes not counted yet), "
                f"case={self.case!r}, activity={self.activity!r}, timestamp={self.timestamp!r})"
            )
        rej = f", rejected={len(self.rejected)}" if len(self.rejected) else ""
        return (
            f"DaskJourneyLog(npartitions={self.npartitions}, n_events={self.n_events}{cases}, "
            f"case={self.case!r}, activity={self.activity!r}, timestamp={self.timestamp!r}"
            f"{extra}{rej})"
        )


def _filter_part(
    part: pd.DataFrame, spec: _Spec, fn: Callable[..., np.ndarray], *args: Any
) -> pd.DataFrame:
    """The rows of one partition whose events ``fn(partition_log, *args)`` keeps."""
    log = _part_log(part, spec)
    if log is None:
        return part
    mask = fn(log, *args)
    return part.sort_values(spec.row, kind="stable").iloc[log.rows[mask]]


def _transform_part(
    part: pd.DataFrame,
    spec: _Spec,
    fn: Callable[..., dict[str, Any]],
    meta: pd.DataFrame,
    *args: Any,
) -> pd.DataFrame:
    """One partition with the columns ``fn(partition_log, *args)`` gives, in log order."""
    log = _part_log(part, spec)
    if log is None:
        return meta
    rows = part.sort_values(spec.row, kind="stable").iloc[log.rows].reset_index(drop=True)
    new = {k: v.values() if isinstance(v, Coded) else v for k, v in fn(log, *args).items()}
    return rows.assign(**{k: pd.Series(v, index=rows.index) for k, v in new.items()})[
        list(meta.columns)
    ]


def _input_order(part: pd.DataFrame, row: str) -> pd.DataFrame:
    """A filtered partition as input rows (for ``compute``): input order, no row numbers."""
    return part.sort_values(row, kind="stable").drop(columns=row)


def _part_stats(part: pd.DataFrame, spec: _Spec) -> tuple[int, int | None, int | None]:
    """Events and first and last time (int64 UTC ns) of one partition."""
    log = _part_log(part, spec)
    if log is None:
        return 0, None, None
    return log.n_events, int(log.time.min()), int(log.time.max())


def _part_labels(part: pd.DataFrame, spec: _Spec) -> tuple[int, pd.Series | None]:
    if len(part) == 0:
        return 0, None
    part = _default_strings(part)
    _, cases = factorize(part[spec.case])
    return len(cases), part[spec.activity].drop_duplicates()


def _apply(
    part: pd.DataFrame, spec: _Spec, func: Callable[..., Any], *args: Any
) -> tuple[Any, list[tuple[type, str]], int] | None:
    """Run ``func`` on the in-memory log of a partition: (result, warnings, n_cases)."""
    log = _part_log(part, spec)
    if log is None:
        return None
    result, caught = _call(func, log, *args)
    return result, caught, log.n_cases


def _merge_parts(kernel: Kernel[Any, Any], a: Any, b: Any) -> Any:
    """Merge two ``_apply`` results (partial, warnings, n_cases); None is an empty partition."""
    if a is None:
        return b
    if b is None:
        return a
    return kernel.merge(a[0], b[0]), a[1] + b[1], a[2] + b[2]


def _empty_log(meta: LogMeta) -> JourneyLog:
    """An empty in-memory log with the columns of ``meta`` (to finish a kernel with no data)."""
    frame = pd.DataFrame({c: pd.Series(["x"], dtype=object) for c in meta.columns})
    frame[meta.timestamp] = [meta.timestamp_of(meta.time_max or 0)]
    one = from_pandas(
        frame,
        case=meta.case,
        activity=meta.activity,
        timestamp=meta.timestamp,
        stage=meta.stage,
        channel=meta.channel,
    )
    return one.select_cases(np.empty(0, dtype=np.int64))


# -- the engine: kernels and filters over partitions -----------------------------------
def _merge_on_client(kernel: Kernel[Any, Any], parts: list[Any]) -> Any:
    """Merge ``_apply`` results with :func:`~journeymine.engine.base.tree_merge`, on the client.

    ``tree_merge`` lets go of each input as soon as it is merged, so a
    partial of one row per case (``check``'s case table) is held about twice
    at most, not once per level.
    """
    if not parts:
        return None
    return tree_merge(lambda a, b: _merge_parts(kernel, a, b), parts)


def _compute_parts(dask: Any, items: list[Any]) -> list[Any]:
    """Compute the partitions' results, in order; on a cluster, gather each as it is done.

    With a ``distributed`` client as the scheduler, every result is fetched
    and let go as soon as its partition is done, so a worker never holds more
    than a few partials (``dask.compute`` would keep all of them in the
    workers' memory until the last is done, spilling to disk).
    """
    from dask.base import get_scheduler

    client = getattr(get_scheduler(), "__self__", None)  # client.get, when a cluster runs
    if client is None:
        return list(dask.compute(*items))
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - a bound get of another scheduler
        return list(dask.compute(*items))
    if not isinstance(client, Client):
        return list(dask.compute(*items))

    futures = client.compute(items)
    where: dict[Any, list[int]] = {}
    for i, fut in enumerate(futures):
        where.setdefault(fut.key, []).append(i)
    out: list[Any] = [None] * len(items)
    for fut, result in as_completed(futures, loop=client.loop, with_results=True):
        for i in where[fut.key]:
            out[i] = result
        fut.release()
    return out


def reduce(kernel: Kernel[Any, R], log: DaskJourneyLog) -> R:
    """Run a kernel: ``part`` on every partition on the workers, ``merge`` and ``finish`` here.

    Arguments are checked once, on the client, against ``log.meta``. Empty
    partitions are skipped; if every partition is empty, ``part`` runs on
    an empty log. Warnings raised on the workers are raised again here.

    The partial results are merged on the client, not in a tree on the
    workers: the result comes to the client anyway, and a partial that grows
    with the cases (one row per case, as ``check``'s) merged on a worker
    would hold the whole log's rows in that one worker process, past its
    memory limit on a large log. On a ``distributed`` cluster each partial
    is gathered as soon as it is done (:func:`_compute_parts`).
    """
    meta = log.meta
    kernel = bind(kernel, meta)
    dask = _import_dask(kernel.name)
    items: list[Any] = [
        dask.delayed(_apply)(p, log._spec, kernel.part) for p in log._events.to_delayed()
    ]
    found = _merge_on_client(kernel, _compute_parts(dask, items))
    if found is None:
        merged = kernel.part(_empty_log(meta))
    else:
        merged, caught, n_cases = found
        _rewarn([caught])
        log._cache.setdefault("n_cases", n_cases)
    return kernel.finish(merged, meta)


def transform(
    log: DaskJourneyLog, fn: Callable[..., dict[str, Any]], meta_fn: Any, *args: Any
) -> DaskJourneyLog:
    """A lazily rewritten copy of ``log``: ``fn(partition_log, *args)`` gives new columns."""
    return log._transform(fn, meta_fn, *args)


def filter(log: DaskJourneyLog, mask: Callable[..., np.ndarray], *args: Any) -> DaskJourneyLog:  # noqa: A001
    """A lazily filtered copy of ``log``: ``mask(partition_log, *args)`` per partition."""
    meta = log._events._meta
    events = log._events.map_partitions(_filter_part, log._spec, mask, *args, meta=meta)
    row = log._spec.row
    inputs = events.map_partitions(_input_order, row, meta=meta.drop(columns=row))
    return replace(log, _input=inputs, _events=events, _n_events=-1, _cache={})


# -- building -----------------------------------------------------------------------
@v.validate_params(
    {
        "on_error": [v.StrOptions(("raise", "collect"))],
        "npartitions": [v.Interval(int, 1, None), None],
    }
)
def from_dask(
    ddf: dd.DataFrame,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
    npartitions: int | None = None,
    _source: str | None = None,
) -> DaskJourneyLog:
    """Build a Dask-backed journey log from a Dask DataFrame.

    The same API as :func:`journeymine.from_pandas`, for logs that do not
    fit in one machine's memory. The data is read once here, to validate
    it (bad rows raise or are set aside exactly as in memory) and to number
    the rows; the events are then shuffled by case, so that every partition
    holds whole cases (unless they do already, see Notes), and the
    data-quality checks of
    :func:`journeymine.from_pandas` (cases spanning more than 292 years,
    exact duplicate events, mixed lifecycle transitions) run once over the
    whole log, raising or warning with the same messages.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per event.
    case, activity, timestamp : str, optional
        Column names. When omitted, the XES keys ``case:concept:name``,
        ``concept:name`` and ``time:timestamp`` are used if present.
    stage, channel : str, optional
        Optional columns with each event's stage and channel.
    timestamp_format : str, optional
        As in :func:`journeymine.from_pandas`.
    on_error : {"raise", "collect"}, default="raise"
        Raise a :class:`~journeymine.LogError` naming the bad rows, or set
        them aside in ``log.rejected`` (collected onto the client).
    npartitions : int, optional
        Number of partitions after the shuffle by case; by default that of
        ``ddf``. Giving a different number always shuffles.

    Returns
    -------
    DaskJourneyLog

    Raises
    ------
    MissingDependencyError
        If Dask is not installed.
    LogError
        As :func:`journeymine.from_pandas`: missing or duplicate columns, an
        empty log, bad rows (with ``on_error="raise"``), mixed aware and
        naive timestamps. Row numbers count from the start of the whole
        input.
    ParameterError
        An argument of the wrong type or value.

    See Also
    --------
    journeymine.read_parquet, journeymine.from_pandas

    Notes
    -----
    Events are ordered by case, timestamp and input row, as in memory: each
    row carries its global input row number through the shuffle.

    The validation pass also notes each input partition's smallest and
    largest case id. When these ranges do not overlap (e.g. Parquet files
    written one range of customers each), every partition already holds
    whole cases and the shuffle is skipped: each analysis then reads the
    partitions as they are, instead of moving every event between workers.
    Case ids that cannot be ordered (categorical, or of mixed types) are
    always shuffled. Dask's
    ``string[pyarrow]`` text columns are read as pandas' default string
    dtype, as :func:`pandas.read_parquet` does, so result tables match
    those of the in-memory engine.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, journeymine as jm
    >>> from journeymine import from_dask
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2, 1], "a": ["ad", "view", "ad", "buy", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> dlog = from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a", timestamp="t")
    >>> jm.discover(dlog).edges[["source", "target", "events", "cases"]]
      source target  events  cases
    0     ad    buy       1      1
    1     ad   view       1      1
    2   view    buy       1      1
    """
    dask = _import_dask("from_dask")
    import dask.dataframe as dd

    src = _source
    if not isinstance(ddf, dd.DataFrame):
        raise ParameterError(
            f"from_dask() expects a dask DataFrame, got {type(ddf).__name__}. Build one with "
            "dask.dataframe.read_parquet(...) or dask.dataframe.from_pandas(df, npartitions=...); "
            "for a pandas DataFrame use jm.from_pandas."
        )
    meta = ddf._meta
    v.check_unique_columns(meta.columns, src)
    case_col = v.resolve_column(meta, case, "case", default=v.XES_CASE, source=src)
    act_col = v.resolve_column(meta, activity, "activity", default=v.XES_ACTIVITY, source=src)
    ts_col = v.resolve_column(meta, timestamp, "timestamp", default=v.XES_TIMESTAMP, source=src)
    stage_col = (
        v.resolve_column(meta, stage, "stage", required=False, source=src) if stage else None
    )
    chan_col = (
        v.resolve_column(meta, channel, "channel", required=False, source=src) if channel else None
    )
    assert case_col is not None and act_col is not None and ts_col is not None
    seen: dict[str, str] = {}
    for role, col in (("case", case_col), ("activity", act_col), ("timestamp", ts_col)):
        if col in seen:
            raise ParameterError(
                f"The same column {col!r} is given as both {seen[col]} and {role}. "
                "Each role needs its own column."
            )
        seen[col] = role
    row = "_row"
    while row in meta.columns:
        row = "_" + row
    spec = _Spec(row, case_col, act_col, ts_col, stage_col, chan_col, timestamp_format, src)

    # one pass: row counts, bad rows, time zones, time range
    collect = on_error == "collect"
    try:
        parts = ddf.to_delayed()
        results = list(
            dask.compute(*[dask.delayed(_validate_part)(p, spec, collect) for p in parts])
        )
    except UnicodeDecodeError as exc:  # Dask turns bytes into text while building partitions
        raise LogError(
            f"The data{v.where(src)} holds bytes that are not UTF-8 text (e.g. "
            f"{exc.object[:20]!r}: {exc.reason} at byte {exc.start}), which Dask cannot turn "
            "into strings. Decode the column with its encoding first, e.g. "
            "ddf[col] = ddf[col].str.decode('latin-1'), or turn the bytes into text ids with "
            "bytes.hex.",
            path=src,
        ) from None
    lengths = np.array([r["report"].n for r in results], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    n = int(lengths.sum())
    if n == 0:
        v.check_frame(meta, src)  # raises: the log is empty
    _raise_mixed_zones(results, offsets, spec)
    report = functools.reduce(v.RowReport.merge, [r["report"] for r in results])
    if report.problems and not collect:
        raise report.error(src)

    reason_col = _reason_column(list(meta.columns))
    rejected_parts = [r["rejected"] for r in results if r["rejected"] is not None]
    if rejected_parts:
        rejected = pd.concat(rejected_parts)
        rejected.index = pd.Index(report.bad, name="row")
        rejected[reason_col] = report.reasons
    else:
        rejected = _default_strings(meta).iloc[0:0].copy()
        rejected.index = pd.Index(np.empty(0, dtype=np.int64), name="row")
        rejected[reason_col] = pd.Series([], dtype=object)
    n_bad = len(rejected)
    if n_bad:
        from journeymine.log import _stacklevel

        warnings.warn(
            f"{n_bad:,} of {n:,} rows{v.where(src)} were rejected (see log.rejected for "
            "the rows and the reason for each).",
            JourneymineWarning,
            stacklevel=_stacklevel(),
        )
        if n_bad == n:
            raise report.all_rejected(src)

    aware = any(r["aware"] for r in results if r["aware"] is not None)
    spec = replace(spec, aware=aware)
    tmax = max(r["tmax"] for r in results if r["tmax"] is not None)
    tmin = min(r["tmin"] for r in results if r["tmin"] is not None)
    numbered_meta = meta.assign(**{row: np.array([], dtype=np.int64)})
    numbered = dd.from_delayed(
        [
            dask.delayed(_number_rows)(p, int(off), r["report"].bad, row)
            for p, off, r in zip(parts, offsets, results, strict=True)
        ],
        meta=numbered_meta,
        verify_meta=False,
    )
    # input partitions whose case ids fall in ranges that do not overlap (files written
    # per range of customers) hold whole cases already: the events need no shuffle
    shuffled = not (
        npartitions in (None, ddf.npartitions) and _split_by_case([r["cases"] for r in results])
    )
    if shuffled:
        events = numbered.shuffle(on=case_col, npartitions=npartitions or ddf.npartitions)
    else:
        events = numbered
    log = DaskJourneyLog(
        _input=ddf,
        _events=events,
        _spec=spec,
        case=case_col,
        activity=act_col,
        timestamp=ts_col,
        stage=stage_col,
        channel=chan_col,
        timestamp_format=timestamp_format,
        on_error=on_error,
        tz_aware=aware,
        rejected=rejected,
        source=src,
        _n_events=n - n_bad,
        _time_max=int(tmax),
        _time_min=int(tmin),
        _shuffled=shuffled,
    )
    from journeymine import _quality
    from journeymine.log import _stacklevel

    _quality.check_log(log, stacklevel=_stacklevel() + 1)  # as from_pandas: spans, duplicates, ...
    return log


def read_parquet(
    path: Any,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    timestamp_format: str | None = None,
    on_error: OnError = "raise",
    npartitions: int | None = None,
    **kwargs: Any,
) -> DaskJourneyLog:
    """Read a Parquet file, or a folder of them, into a Dask-backed journey log.

    The Dask side of ``jm.read_parquet(path, engine="dask")`` (the public door).

    Parameters
    ----------
    path : str or path-like
        A Parquet file, a folder of Parquet files, or a glob or URL that
        :func:`dask.dataframe.read_parquet` accepts.
    case, activity, timestamp, stage, channel, timestamp_format, on_error, npartitions
        As in :func:`from_dask`.
    **kwargs
        Passed to :func:`dask.dataframe.read_parquet` (e.g. ``columns=``,
        ``filters=``).

    Returns
    -------
    DaskJourneyLog

    Raises
    ------
    MissingDependencyError
        If Dask is not installed.
    LogError
        If the path does not exist or cannot be read as Parquet, or its data
        is invalid (as :func:`from_dask`).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, journeymine as jm
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for i in range(2):
    ...     pd.DataFrame({"c": ["a", "b"], "t": ["x", "y"],
    ...                   "ts": pd.to_datetime([f"2025-01-0{i + 1}"] * 2)}).to_parquet(
    ...         folder / f"part{i}.parquet")
    >>> dlog = jm.read_parquet(folder, case="c", activity="t", timestamp="ts", engine="dask")
    >>> dlog.n_events, dlog.n_cases
    (4, 2)
    """
    _import_dask("read_parquet")
    import os

    import dask.dataframe as dd

    src = os.fspath(path) if isinstance(path, (str, os.PathLike)) else str(path)
    if "://" not in src and not any(ch in src for ch in "*?[") and not os.path.exists(src):
        raise LogError(
            f"File or folder {src!r} not found (working directory: {os.getcwd()}). Check the path.",
            path=src,
        )
    try:
        ddf = dd.read_parquet(path, **kwargs)
    except TypeError as exc:
        raise ParameterError(
            f"read_parquet() could not pass the keywords {sorted(kwargs)} to "
            f"dask.dataframe.read_parquet: {exc}."
        ) from exc
    except Exception as exc:  # pyarrow and fsspec raise many kinds
        raise LogError(
            f"Could not read {src!r} as Parquet: {type(exc).__name__}: {exc}. Check that it is "
            "a Parquet file or a folder of Parquet files.",
            path=src,
        ) from exc
    return from_dask(
        ddf,
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        timestamp_format=timestamp_format,
        on_error=on_error,
        npartitions=npartitions,
        _source=src,
    )
