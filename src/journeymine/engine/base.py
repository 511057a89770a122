"""The engine seam: the protocol every log implements, and the kernel machinery.

Every analysis of journeymine is a :class:`Kernel`, in the shape of Dask's own
``dd.Aggregation(chunk, agg, finalize)``:

* :meth:`Kernel.check` validates the arguments against :class:`LogMeta`, the
  metadata both log kinds expose (columns, stage/channel names, time range),
  once, on the client, and returns the bound kernel (kernels are frozen
  dataclasses: ``check`` returns ``dataclasses.replace(self, ...)``);
* :meth:`Kernel.part` runs on an in-memory :class:`~journeymine.JourneyLog`
  holding whole cases (the whole log, or one Dask partition) and returns a
  partial result;
* :meth:`Kernel.merge` combines two partial results; it is associative, so
  ``merge(part(A), part(B))`` equals ``part(A + B)`` for logs ``A`` and ``B``
  with disjoint cases;
* :meth:`Kernel.finish` turns the merged partial result into the public table.

A log declares its engine in ``__journeymine_engine__`` (networkx's
``__networkx_backend__`` is the model) and implements :class:`LogLike`.
:func:`run` is the one door: it looks the engine up in :data:`ENGINES` and
hands it the kernel. The memory engine computes ``finish(part(log))``; the
Dask engine maps ``part`` over partitions, merges with :func:`tree_merge`'s
tree and runs the same ``finish``. Analyses never name an engine.
"""

from __future__ import annotations

import contextvars
import dataclasses
import importlib
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
import pandas as pd

from journeymine.errors import ParameterError, once_per_call

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = [
    "ENGINES",
    "Bundle",
    "Coded",
    "Kernel",
    "LogLike",
    "LogMeta",
    "Segmented",
    "bind",
    "case_groups",
    "check_log",
    "check_segment",
    "filter_log",
    "inner_part",
    "run",
    "run_all",
    "run_local",
    "segmented",
    "share_inner",
    "tree_merge",
]

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
    disjoint_parts : bool
        Whether the engine runs ``part`` on pieces holding disjoint sets of
        whole cases and merges those partial results only with each other (the
        Dask engine's partitions). A kernel may then leave out the per-case
        state that merging with results of other, possibly overlapping logs
        would need (``discover``'s graphs), keeping its partials small. False
        for in-memory logs, whose result a user may merge with others.
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
    disjoint_parts: bool = False

    def timestamp_of(self, ns: int) -> pd.Timestamp:
        """An int64 nanosecond time as a Timestamp in the log's convention (UTC-aware or naive)."""
        return pd.Timestamp(int(ns), tz="UTC" if self.tz_aware else None)


class Kernel(Generic[P, R]):
    """One analysis, written once for every engine.

    Subclasses are frozen dataclasses (``@dataclass(frozen=True)``) whose
    fields are the arguments; they implement :meth:`part`, :meth:`merge` and
    :meth:`finish`; :meth:`check` is optional and returns a bound copy.
    Kernels serialise, so a distributed cluster can ship them. ``part`` must accept an empty log (no events), and
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


# -- the protocol both logs implement, and the one door ------------------------------
@runtime_checkable
class LogLike(Protocol):
    """What an analysis may use of a log, whichever engine holds its events.

    :class:`~journeymine.JourneyLog` (memory) and
    :class:`~journeymine.DaskJourneyLog` implement it. Analyses
    type their input as ``LogLike``, read :attr:`meta` (and the names below)
    on the client, and hand the work to the engine with
    ``journeymine.engine.run(kernel, log)`` (or ``log.reduce(kernel)``) and,
    for filters, ``journeymine.engine.filter_log`` (or
    ``log.filter(mask, *args)``).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_shop()
    >>> isinstance(log, jm.LogLike), log.__journeymine_engine__
    (True, 'memory')
    """

    #: the engine that holds the events: a key of ``journeymine.engine.ENGINES``
    __journeymine_engine__: str

    @property
    def case(self) -> str:
        """Name of the case id column."""
        ...

    @property
    def activity(self) -> str:
        """Name of the activity column."""
        ...

    @property
    def timestamp(self) -> str:
        """Name of the timestamp column."""
        ...

    @property
    def stage(self) -> str | None:
        """Name of the stage column, if any."""
        ...

    @property
    def channel(self) -> str | None:
        """Name of the channel column, if any."""
        ...

    @property
    def tz_aware(self) -> bool:
        """Whether the timestamps are time-zone aware."""
        ...

    @property
    def meta(self) -> LogMeta:
        """Columns, names and time range, known without reading events."""
        ...

    @property
    def columns(self) -> list[str]:
        """The user's columns."""
        ...

    @property
    def activities(self) -> list[Any]:
        """The distinct activities, sorted."""
        ...

    @property
    def n_events(self) -> int:
        """Number of events."""
        ...

    @property
    def n_cases(self) -> int:
        """Number of cases."""
        ...

    def reduce(self, kernel: Kernel[Any, R]) -> R:
        """Run ``kernel`` on this log (``run(kernel, self)``)."""
        ...

    def filter(self, mask: Callable[..., np.ndarray], *args: Any) -> LogLike:
        """A log of the same kind with the events ``mask(in_memory_log, *args)`` keeps."""
        ...

    def case_table(self) -> pd.DataFrame:
        """One row per case."""
        ...


#: engine name (``log.__journeymine_engine__``) -> module with ``reduce(kernel, log)``
#: and ``filter(log, mask, *args)``; imported on first use (Dask is optional)
ENGINES: dict[str, str] = {
    "memory": "journeymine.engine.memory",
    "dask": "journeymine.engine.dask",
}


def _engine(log: Any, func: str, position: str = "first") -> Any:
    """The engine module of ``log``, or a ParameterError saying what a log is."""
    name = getattr(type(log), "__journeymine_engine__", None)
    if name not in ENGINES:
        raise ParameterError(
            f"{func}() expects a JourneyLog as its {position} argument, got "
            f"{type(log).__name__}. Build one with jm.from_pandas(df, case=..., activity=..., "
            "timestamp=...) or jm.read_csv(...)."
        )
    return importlib.import_module(ENGINES[name])


def check_log(log: Any, func: str) -> None:
    """Raise the ParameterError of :func:`run` when ``log`` is not a journey log."""
    _engine(log, func)


def run(kernel: Kernel[P, R], log: Any) -> R:
    """Run ``kernel`` on ``log``: the one door to every engine.

    The log declares its engine (``__journeymine_engine__``); that engine
    checks the kernel against ``log.meta`` (:func:`bind`), runs ``part`` on
    its in-memory pieces, merges and finishes.
    """
    return _engine(log, kernel.name).reduce(kernel, log)


def filter_log(log: Any, mask: Callable[..., np.ndarray], func: str, *args: Any) -> Any:
    """The events of ``log`` that ``mask(in_memory_log, *args)`` keeps, on the log's engine.

    ``mask`` judges each case on its own events (a Dask partition holds
    whole cases), so the Dask engine applies it lazily, partition by
    partition. The result is a log of the same kind.
    """
    return _engine(log, func).filter(log, mask, *args)


@dataclass(frozen=True)
class Coded:
    """A column given as integer codes into distinct, sorted labels: ``labels[codes]``.

    What a :func:`transform_log` function may return for a column instead of
    the values: the memory engine then takes the codes as they are (a new case
    column is not factorized again), other engines write out the values.
    ``labels`` must be distinct and in the order the log sorts them.
    """

    codes: np.ndarray
    labels: pd.Index

    def values(self) -> np.ndarray:
        """The values, ``labels[codes]``, as a numpy array."""
        return np.asarray(self.labels.take(self.codes))


def transform_log(
    log: Any,
    fn: Callable[..., dict[str, Any]],
    meta_fn: Callable[[Any, str], Any],
    func: str,
    *args: Any,
) -> Any:
    """``log`` with columns rewritten by ``fn(in_memory_log, *args)``, on the log's engine.

    ``fn`` returns new or replaced columns (arrays in the piece's log order,
    or :class:`Coded` columns) computed from whole cases, so the Dask engine applies it lazily,
    partition by partition; ``meta_fn(meta_frame, case_column)`` describes
    the result's columns for Dask. Every event is kept. The result is a log
    of the same kind (``sessionize`` is built on it).
    """
    return _engine(log, func).transform(log, fn, meta_fn, *args)


def run_local(kernel: Kernel[P, R], log: JourneyLog) -> R:
    """``finish(part(log))`` after ``check`` on an in-memory log (the memory engine)."""
    meta = log.meta
    kernel = bind(kernel, meta)
    return kernel.finish(kernel.part(log), meta)


def bind(kernel: Kernel[P, R], meta: LogMeta) -> Kernel[P, R]:
    """``kernel.check(meta)``: the bound kernel, arguments validated."""
    bound = kernel.check(meta)
    return kernel if bound is None else bound


def tree_merge(
    merge: Kernel[Any, Any] | Callable[[Any, Any], Any],
    parts: Sequence[Any],
    split_every: int = 2,
) -> Any:
    """Merge ``parts`` in a tree, ``split_every`` at a time: the one reduction of every engine.

    ``merge`` is a kernel's (``kernel.merge``) or any associative function of
    two items. The Dask engine merges the partitions' partials with it on the
    client, as each arrives from the workers; tests pass plain partial
    results.
    """
    combine = merge.merge if isinstance(merge, Kernel) else merge
    items = list(parts)
    if not items:
        raise ValueError("tree_merge() needs at least one part")
    while len(items) > 1:
        out = []
        for i in range(0, len(items), split_every):
            acc = items[i]
            items[i] = None  # let go of each input once merged: a level is held about once
            for j in range(i + 1, min(i + split_every, len(items))):
                acc = combine(acc, items[j])
                items[j] = None
            out.append(acc)
        items = out
    return items[0]


# -- composition: analyses that share an inner per-case result ---------------------
#: while a :class:`Bundle` runs ``part`` on a piece: ``(id(kernel), id(piece))`` ->
#: ``(kernel, weak reference to the piece, partial)``; None outside a bundle
_SHARED: contextvars.ContextVar[dict[tuple[int, int], tuple[Any, Any, Any]] | None] = (
    contextvars.ContextVar("journeymine_shared_parts", default=None)
)


def inner_part(kernel: Kernel[P, Any], log: JourneyLog) -> P:
    """``kernel.part(log)``, computed once per piece when a :class:`Bundle` shares ``kernel``.

    Every kernel calls the ``part`` of an inner kernel (and :class:`Bundle`
    of its members) through this function. Outside a bundle it is
    ``kernel.part(log)``. Inside a bundle's ``part``, the first call for a
    (bound kernel object, piece) pair computes the partial and later calls
    return that same object: :meth:`Bundle.check` makes equal inner kernels
    one object (:func:`share_inner`), so every analysis of the bundle that
    needs, say, the conformance kernel's per-case table reads one
    computation. Callers must not modify a partial they get here.
    """
    memo = _SHARED.get()
    if memo is None:
        return kernel.part(log)
    key = (id(kernel), id(log))
    hit = memo.get(key)
    # the kernel is held by the entry; the piece by a weak reference, so a sub-log that
    # is gone (its id reused by a new one) is never mistaken for the new one
    if hit is not None and hit[0] is kernel and hit[1]() is log:
        return hit[2]
    out = kernel.part(log)
    memo[key] = (kernel, weakref.ref(log), out)
    return out


def _same(a: Any, b: Any) -> bool:
    """Whether two bound kernels are equal (same class, equal fields); False if undecidable."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. a pandas Series field: equal only when the same
        return False


def share_inner(kernels: Sequence[Kernel[Any, Any]]) -> tuple[Kernel[Any, Any], ...]:
    """``kernels`` with every pair of equal (inner) kernels made one object.

    Walks each kernel and the kernels it holds in its dataclass fields (a
    kernel, or a tuple of kernels), innermost first; a kernel equal (``==``,
    same class and fields) to one seen before is replaced by that one, and its
    holder rebuilt with :func:`dataclasses.replace`. Kernels whose fields
    cannot be compared (a pandas Series, say) are shared only when they are
    the same object. Run it on bound kernels: binding may derive fields.
    """
    seen: list[Kernel[Any, Any]] = []

    def canon(kernel: Kernel[Any, Any]) -> Kernel[Any, Any]:
        if dataclasses.is_dataclass(kernel):
            changes: dict[str, Any] = {}
            for f in dataclasses.fields(kernel):
                if not f.init:
                    continue
                value = getattr(kernel, f.name)
                if isinstance(value, Kernel):
                    new: Any = canon(value)
                elif (
                    isinstance(value, tuple) and value and all(isinstance(x, Kernel) for x in value)
                ):
                    new = tuple(canon(x) for x in value)
                    if all(x is y for x, y in zip(new, value, strict=True)):
                        new = value
                else:
                    continue
                if new is not value:
                    changes[f.name] = new
            if changes:
                kernel = dataclasses.replace(kernel, **changes)
        for other in seen:
            if _same(other, kernel):
                return other
        seen.append(kernel)
        return kernel

    return tuple(canon(k) for k in kernels)


@dataclass(frozen=True)
class Bundle(Kernel[tuple[Any, ...], tuple[Any, ...]]):
    """Several analyses in one pass over the log, sharing their inner per-case results.

    ``Bundle((k1, k2, ...))`` is a kernel whose result is the tuple of its
    members' results, ``(finish1, finish2, ...)``, each equal to
    ``run(k, log)`` on its own. :meth:`check` binds the members and makes
    equal inner kernels one object (:func:`share_inner`); :meth:`part` runs
    each member's ``part`` on the piece while :func:`inner_part` remembers
    the partials, so an inner kernel that several members hold (the
    conformance kernel of ``check``, ``compare``, ``deviation_impact`` and
    ``conformance_drift``) runs once per piece, on every engine. Partials
    are the tuple of the members' partials, merged member by member.
    :func:`run_all` is the short way to run one.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.engine import Bundle, run
    >>> from journeymine.conformance import check_kernel
    >>> from journeymine.drift import drift_kernel
    >>> log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    >>> report, drift = run(Bundle((check_kernel(model), drift_kernel(model, "M"))), log)
    >>> report.conformance_rate == jm.check(log, model).conformance_rate
    True
    """

    #: for messages (a bundle is run by :func:`run_all`)
    name = "run_all"

    members: tuple[Kernel[Any, Any], ...]

    def check(self, meta: LogMeta) -> Bundle:
        bound = [bind(k, meta) for k in self.members]
        return dataclasses.replace(self, members=share_inner(bound))

    def part(self, log: JourneyLog) -> tuple[Any, ...]:
        if _SHARED.get() is not None:  # a bundle within a bundle: one memo for the piece
            return tuple(inner_part(k, log) for k in self.members)
        token = _SHARED.set({})
        try:
            return tuple(inner_part(k, log) for k in self.members)
        finally:
            _SHARED.reset(token)

    def merge(self, a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(k.merge(x, y) for k, x, y in zip(self.members, a, b, strict=True))

    def finish(self, merged: tuple[Any, ...], meta: LogMeta) -> tuple[Any, ...]:
        return tuple(k.finish(m, meta) for k, m in zip(self.members, merged, strict=True))


@once_per_call
def run_all(kernels: Sequence[Kernel[Any, Any]], log: Any) -> tuple[Any, ...]:
    """Run several analyses' kernels in one pass (a :class:`Bundle`): their results, in order.

    Each result equals ``run(kernel, log)``; inner per-case results that the
    kernels share (equal inner kernels) are computed once per piece of the log.
    A warning that several analyses give (a model that hardly fits the log)
    shows once.
    """
    _engine(log, "run_all", "second")
    return run(Bundle(tuple(kernels)), log)


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


@dataclass(frozen=True)
class Segmented(Kernel[tuple[dict, Any, dict], pd.DataFrame]):
    """Run ``inner`` once per group of cases and stack the results with a leading ``group`` column.

    A case's group is its value of ``segment`` on its first event (or its value
    in a Series indexed by case id). The partial result is a dict group ->
    inner partial; groups merge key by key, so ``segment=`` works on every
    engine for every kernel whose finish returns a DataFrame. Cases without a
    group are left out. Groups come out sorted (by their text when the
    labels cannot be compared).
    """

    inner: Kernel[Any, pd.DataFrame]
    segment: Any

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.inner.name

    def check(self, meta: LogMeta) -> Segmented:
        check_segment(self.segment, meta, self.name)
        return dataclasses.replace(self, inner=bind(self.inner, meta))

    def part(self, log: JourneyLog) -> tuple[dict, Any, dict]:
        codes, labels = case_groups(log, self.segment)
        if len(labels) > MAX_GROUPS:
            raise ParameterError(
                f"The 'segment' parameter of {self.name}() gives {len(labels):,} groups (e.g. "
                f"{labels[:3].tolist()!r}); at most {MAX_GROUPS:,} are analysed one by one. "
                "segment= is for a few groups (a channel, a region, a cohort): pass a coarser "
                "column, or bin this one first."
            )
        out = {}
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
        for g, label in enumerate(labels):  # a loop over groups, not cases
            piece = log.select_cases(order[bounds[g] : bounds[g + 1]])
            out[label] = inner_part(self.inner, piece)
        lost = np.flatnonzero(codes < 0)
        seen = {"cases": log.n_cases, "lost": int(lost.size)}
        seen["examples"] = log.case_labels[lost[:3]].tolist()
        # the partial of no case at all, to finish a table with no group
        return out, self.inner.part(log.select_cases(np.empty(0, dtype=np.int64))), seen

    def merge(self, a: tuple[dict, Any, dict], b: tuple[dict, Any, dict]) -> tuple[dict, Any, dict]:
        out = dict(a[0])
        for key, value in b[0].items():
            out[key] = self.inner.merge(out[key], value) if key in out else value
        seen = {
            "cases": a[2]["cases"] + b[2]["cases"],
            "lost": a[2]["lost"] + b[2]["lost"],
            "examples": (a[2]["examples"] + b[2]["examples"])[:3],
        }
        return out, a[1], seen

    def finish(self, merged_: tuple[dict, Any, dict], meta: LogMeta) -> pd.DataFrame:
        merged, nothing, seen = merged_
        if seen["lost"]:
            _warn_unmatched(self.segment, self.name, seen)
        keys = list(merged)
        try:
            keys.sort()
        except TypeError:
            keys.sort(key=str)
        frames = []
        for key in keys:
            table = self.inner.finish(merged[key], meta)
            table.insert(0, self.column, pd.Series([key] * len(table), dtype=object).values)
            frames.append(table)
        if not frames:
            empty = self.inner.finish(nothing, meta)
            empty.insert(0, self.column, pd.Series([], dtype=object))
            return empty
        out = pd.concat(frames, ignore_index=isinstance(frames[0].index, pd.RangeIndex))
        combined = self.combine_attrs([f.attrs for f in frames])
        if combined is not None:
            out.attrs = combined
        return out

    #: the name of the leading column
    column: ClassVar[str] = "group"

    def combine_attrs(self, attrs: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The ``attrs`` of the stacked table from each group's (None: as pandas concat keeps)."""
        return None


#: the most groups a ``segment=`` analyses one by one
MAX_GROUPS = 1_000


def _warn_unmatched(segment: Any, func: str, seen: dict) -> None:
    """Say that ``segment=`` gave no group to some (or all) cases, with examples and a cause."""
    import warnings

    from journeymine.errors import JourneymineWarning, user_stacklevel

    lost, cases = seen["lost"], seen["cases"]
    everyone = lost == cases
    if isinstance(segment, pd.Series):
        what = (
            f"the 'segment' Series matches none of the {cases:,} cases"
            if everyone
            else f"the 'segment' Series has no value for {lost:,} of the {cases:,} cases"
        )
        ids = {type(x).__name__ for x in segment.index[:100]}
        got = {type(x).__name__ for x in seen["examples"]}
        cause = (
            f" Its index holds {'/'.join(sorted(ids))} ids and the log's are "
            f"{'/'.join(sorted(got))}: convert one, e.g. series.index = series.index.astype(str)."
            if ids and got and ids != got
            else f" Its index holds e.g. {segment.index[:3].tolist()!r}."
        )
    else:
        what = f"the segment column {segment!r} is empty on the first event of " + (
            f"all {cases:,} cases" if everyone else f"{lost:,} of the {cases:,} cases"
        )
        cause = " Fill the column, or pass a Series of groups indexed by case id."
    warnings.warn(
        f"{func}(): {what} (e.g. {seen['examples']!r}); those cases are left "
        f"out of every group.{cause}",
        JourneymineWarning,
        stacklevel=user_stacklevel(),
    )


def segmented(kernel: Kernel[Any, pd.DataFrame], segment: Any) -> Kernel[Any, pd.DataFrame]:
    """``kernel`` itself when ``segment`` is None, else :class:`Segmented` over it."""
    return kernel if segment is None else Segmented(kernel, segment)
