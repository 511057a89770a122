"""Analyses defined once: a step per partition, an associative merge, a finish.

Every analysis of journeymine is a :class:`Kernel`, in the shape of Dask's own
``dd.Aggregation(chunk, agg, finalize)``:

* :meth:`Kernel.check` validates the arguments against :class:`LogMeta`, the
  metadata both log kinds expose (columns, stage/channel names, time range),
  once, on the client;
* :meth:`Kernel.part` runs on an in-memory :class:`~journeymine.JourneyLog`
  holding whole cases (the whole log, or one Dask partition) and returns a
  partial result;
* :meth:`Kernel.merge` combines two partial results; it is associative, so
  ``merge(part(A), part(B))`` equals ``part(A + B)`` for logs ``A`` and ``B``
  with disjoint cases;
* :meth:`Kernel.finish` turns the merged partial result into the public table.

``JourneyLog._run(kernel)`` computes ``finish(part(log))``; a
``DaskJourneyLog`` maps ``part`` over its partitions, merges the results in a
tree and runs the same ``finish`` on the client. The in-memory result is the
one-partition case of the distributed one, so the engines cannot drift.

Analyses never import the Dask engine: the log object they are given decides
how the kernel runs (networkx's backend dispatch is the model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import pandas as pd

from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["Kernel", "LogMeta", "Segmented", "bind", "run", "run_local", "segmented", "tree_merge"]

P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class LogMeta:
    """What every log kind knows without reading its events: to validate arguments.

    Attributes
    ----------
    columns : tuple of str
        The user's columns.
    case, activity, timestamp : str
        Names of the case id, activity and timestamp columns.
    stage, channel : str or None
        Names of the optional stage and channel columns.
    tz_aware : bool
        Whether the timestamps are time-zone aware.
    time_min, time_max : int or None
        First and last event time (int64 UTC nanoseconds); None for an empty log.
    source : str or None
        The file the log was read from.
    """

    columns: tuple[str, ...]
    case: str
    activity: str
    timestamp: str
    stage: str | None
    channel: str | None
    tz_aware: bool
    time_min: int | None
    time_max: int | None
    source: str | None = None

    def timestamp_of(self, ns: int) -> pd.Timestamp:
        """An int64 nanosecond time as a Timestamp in the log's convention (UTC-aware or naive)."""
        return pd.Timestamp(int(ns), tz="UTC" if self.tz_aware else None)


class Kernel(Generic[P, R]):
    """One analysis, written once for every engine.

    Subclasses keep their arguments as attributes (set in ``__init__``) and
    implement :meth:`part`, :meth:`merge` and :meth:`finish`; :meth:`check`
    is optional. ``part`` must accept an empty log (no events), and
    ``merge`` must be associative. A partial result should be small
    (counts per node, per stage, one row per case at most) since the Dask
    engine brings it to the client.
    """

    #: the public function's name, for messages
    name: str = "analysis"

    def check(self, meta: LogMeta) -> Kernel[P, R] | None:
        """Validate the arguments against the log's metadata; return the bound kernel.

        Kernels are frozen dataclasses: ``check`` never assigns to ``self`` but
        returns ``dataclasses.replace(self, ...)`` with the values it derived
        (or ``self``). Raise ParameterError on bad arguments.
        """
        return self

    def part(self, log: JourneyLog) -> P:  # pragma: no cover - abstract
        """The partial result of an in-memory log holding whole cases."""
        raise NotImplementedError

    def merge(self, a: P, b: P) -> P:  # pragma: no cover - abstract
        """Combine two partial results of logs with disjoint cases (associative)."""
        raise NotImplementedError

    def finish(self, merged: P, meta: LogMeta) -> R:  # pragma: no cover - abstract
        """The public result from the merged partial result."""
        raise NotImplementedError


def run_local(kernel: Kernel[P, R], log: JourneyLog) -> R:
    """Run ``kernel`` on an in-memory log: ``finish(part(log))`` after ``check``."""
    meta = log.meta
    kernel = bind(kernel, meta)
    return kernel.finish(kernel.part(log), meta)


def bind(kernel: Kernel[P, R], meta: LogMeta) -> Kernel[P, R]:
    """``kernel.check(meta)``: the bound kernel (kernels not yet frozen return None: themselves)."""
    bound = kernel.check(meta)
    return kernel if bound is None else bound


def run(kernel: Kernel[P, R], log: Any) -> R:
    """Run ``kernel`` on any log kind; the log object chooses the engine."""
    runner = getattr(log, "_run", None)
    if runner is None:
        raise ParameterError(
            f"{kernel.name}() expects a JourneyLog as its first argument, got "
            f"{type(log).__name__}. Build one with jm.from_pandas(df, case=..., activity=..., "
            "timestamp=...) or jm.read_csv(...)."
        )
    return runner(kernel)


def tree_merge(kernel: Kernel[P, Any], parts: Sequence[P]) -> P:
    """Merge partial results pairwise, as the Dask engine's tree does (for tests)."""
    items = list(parts)
    while len(items) > 1:
        items = [
            kernel.merge(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
            for i in range(0, len(items), 2)
        ]
    return items[0]


# -- segments -------------------------------------------------------------------------
def case_groups(log: JourneyLog, segment: Any) -> tuple[np.ndarray, pd.Index]:
    """The group of each case of ``log`` for ``segment=``: ``(codes per case, group labels)``.

    ``segment`` is a column name (a case's group is its value on the case's
    first event) or a Series indexed by case id. Cases with no group get
    code -1.
    """
    firsts = log.case_offsets[:-1]
    if isinstance(segment, pd.Series):
        values = segment.reindex(log.case_labels).to_numpy()
    else:
        values = log.column(segment)[firsts]
    codes, labels = pd.factorize(pd.Series(values, dtype=object), sort=False, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(labels)


def check_segment(segment: Any, meta: LogMeta, func: str) -> None:
    """Validate ``segment=``: a column of the log or a Series indexed by case id."""
    if isinstance(segment, pd.Series):
        if not segment.index.is_unique:
            dupes = segment.index[segment.index.duplicated()].unique()[:3].tolist()
            raise ParameterError(
                f"The 'segment' Series of {func}() must have one value per case id, but its "
                f"index repeats {dupes}. Build it with one row per case, e.g. "
                "log.case_table().set_index('case')['<column>']."
            )
        return
    if not isinstance(segment, str) or segment not in meta.columns:
        raise ParameterError(
            f"The 'segment' parameter of {func}() must be a column of the log or a pandas "
            f"Series indexed by case id. Got {segment!r} instead; columns: {list(meta.columns)}."
        )
    if segment in (meta.case, meta.timestamp):
        raise ParameterError(
            f"The 'segment' parameter of {func}() cannot be the case or timestamp column "
            f"({segment!r}). Pass a column that groups cases, e.g. a channel or a region."
        )


class Segmented(Kernel[tuple[dict, Any], pd.DataFrame]):
    """Run ``inner`` once per group of cases and stack the results with a leading ``group`` column.

    A case's group is its value of ``segment`` on its first event (or its value
    in a Series indexed by case id). The partial result is a dict group ->
    inner partial; groups merge key by key, so ``segment=`` works on every
    engine for every kernel whose finish returns a DataFrame. Cases without a
    group are left out. Groups come out sorted (by their text when the
    labels cannot be compared).
    """

    def __init__(self, inner: Kernel[Any, pd.DataFrame], segment: Any) -> None:
        self.inner = inner
        self.segment = segment
        self.name = inner.name

    def check(self, meta: LogMeta) -> Segmented:
        check_segment(self.segment, meta, self.name)
        return Segmented(bind(self.inner, meta), self.segment)

    def part(self, log: JourneyLog) -> tuple[dict, Any]:
        codes, labels = case_groups(log, self.segment)
        out = {}
        for g, label in enumerate(labels):  # a loop over groups, not cases
            out[label] = self.inner.part(log.select_cases(np.flatnonzero(codes == g)))
        # the partial of no case at all, to finish a table with no group
        return out, self.inner.part(log.select_cases(np.empty(0, dtype=np.int64)))

    def merge(self, a: tuple[dict, Any], b: tuple[dict, Any]) -> tuple[dict, Any]:
        out = dict(a[0])
        for key, value in b[0].items():
            out[key] = self.inner.merge(out[key], value) if key in out else value
        return out, a[1]

    def finish(self, merged_: tuple[dict, Any], meta: LogMeta) -> pd.DataFrame:
        merged, nothing = merged_
        keys = list(merged)
        try:
            keys.sort()
        except TypeError:
            keys.sort(key=str)
        frames = []
        for key in keys:
            table = self.inner.finish(merged[key], meta)
            table.insert(0, "group", pd.Series([key] * len(table), dtype=object).values)
            frames.append(table)
        if not frames:
            empty = self.inner.finish(nothing, meta)
            empty.insert(0, "group", pd.Series([], dtype=object))
            return empty
        return pd.concat(frames, ignore_index=isinstance(frames[0].index, pd.RangeIndex))


def segmented(kernel: Kernel[Any, pd.DataFrame], segment: Any) -> Kernel[Any, pd.DataFrame]:
    """``kernel`` itself when ``segment`` is None, else :class:`Segmented` over it."""
    return kernel if segment is None else Segmented(kernel, segment)
