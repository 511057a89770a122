"""Path exploration: what customers do right after (or before) an activity, step by step."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import filters as _f
from journeymine._tables import DIFFERENCE, ENDED, NOT_STARTED
from journeymine._validation import Interval, StrOptions, validate_params
from journeymine.engine import Kernel, LogMeta, case_groups, run
from journeymine.errors import JourneymineWarning, ParameterError, user_stacklevel
from journeymine.log import JourneyLog, factorize

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["DIFFERENCE", "ENDED", "NOT_STARTED", "paths", "step_matrix"]

#: the row of :func:`step_matrix` for cases that have ended before a step


def _sorted_labels(labels: list[Any]) -> list[Any]:
    """Labels in the order a log sorts them (by text when they cannot be compared)."""
    if not labels:
        return []
    _, uniques = factorize(pd.Series(labels, dtype=object))
    return list(uniques)


# -- paths ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Paths(Kernel[tuple[int, int, dict], pd.DataFrame]):
    name = "paths"

    anchor: Any
    direction: str
    steps: int
    top: int | None

    def part(self, log: JourneyLog) -> tuple[int, int, dict]:
        """(cases, cases with the anchor, {path: cases})."""
        code = log.activity_labels.get_indexer(pd.Index([self.anchor], dtype=object))[0]
        if code < 0 or log.n_events == 0:
            return log.n_cases, 0, {}
        idx = np.flatnonzero(log.activity_codes == code)
        case = log.case_codes[idx]
        first = np.ones(idx.size, dtype=bool)
        first[1:] = case[1:] != case[:-1]
        idx, case = idx[first], case[first]  # each case's first anchor event
        lo, hi = log.case_offsets[case], log.case_offsets[case + 1]
        width = min(self.steps, int(log.case_sizes.max()))  # no case has a longer path
        if self.direction == "after":
            at = idx[:, None] + np.arange(1, width + 1)[None, :]
        else:  # the events before, in time order, ending just before the anchor
            at = idx[:, None] - np.arange(width, 0, -1)[None, :]
        inside = (at >= lo[:, None]) & (at < hi[:, None])
        matrix = np.where(inside, log.activity_codes[np.clip(at, 0, max(log.n_events - 1, 0))], -1)
        rows, counts = np.unique(matrix, axis=0, return_counts=True)
        labels = np.asarray(log.activity_labels, dtype=object)
        out = {}
        for row, n in zip(rows, counts, strict=True):  # one per distinct path, not per case
            out[tuple(labels[row[row >= 0]].tolist())] = int(n)
        return log.n_cases, int(idx.size), out

    def merge(self, a: tuple[int, int, dict], b: tuple[int, int, dict]) -> tuple[int, int, dict]:
        paths = dict(a[2])
        for key, n in b[2].items():
            paths[key] = paths.get(key, 0) + n
        return a[0] + b[0], a[1] + b[1], paths

    def finish(self, merged: tuple[int, int, dict], meta: LogMeta) -> pd.DataFrame:
        n_cases, n_anchor, found = merged
        if n_cases == 0:
            raise _f.no_cases_error("paths")
        items = sorted(found.items(), key=lambda kv: (-kv[1], tuple(str(x) for x in kv[0])))
        if self.top is not None:
            items = items[: self.top]
        counts = np.array([n for _, n in items], dtype=np.int64)
        return pd.DataFrame(
            {
                "path": pd.Series([p for p, _ in items], dtype=object),
                "cases": counts,
                "share": counts / n_anchor if n_anchor else counts.astype(float),
            }
        )


@validate_params(
    {
        "direction": [StrOptions(("after", "before"))],
        "steps": [Interval(int, 1, _f.MAX_STEPS)],
        "top": [Interval(int, 1, None), None],
    }
)
def paths(
    log: LogLike,
    anchor: Any,
    *,
    direction: Literal["after", "before"] = "after",
    steps: int = 3,
    top: int | None = None,
) -> pd.DataFrame:
    """The paths customers take right after (or before) an activity.

    For every case containing ``anchor``, the up to ``steps`` activities
    directly after its first occurrence (or directly before it), shorter
    when the case ends (or begins) sooner.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    anchor : activity
        The activity the paths start from (or lead to).
    direction : {"after", "before"}, default="after"
        Follow the events after the anchor, or those before it.
    steps : int, default=3
        How many events to follow (at least 1).
    top : int, optional
        Return only the ``top`` most frequent paths.

    Returns
    -------
    pandas.DataFrame
        One row per distinct path, most frequent first (ties by the path's
        text): ``path`` (a tuple of activities in time order, without the
        anchor; ``()`` when the case ends right after, or begins with, the
        anchor), ``cases`` and ``share`` of the cases that contain the
        anchor.

    Raises
    ------
    ParameterError
        If ``anchor`` is not an activity of the log (the message names the
        closest one), or ``steps`` is not a positive int.
    LogError
        If the log has no cases.

    See Also
    --------
    step_matrix : What customers do at each step from the start.
    plot_paths : Draw the paths as a tree.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 1, 2, 2, 3], "a": ["ad", "view", "buy", "ad", "buy", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=6, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.paths(log, "ad", steps=2)
              path  cases  share
    0       (buy,)      1    0.5
    1  (view, buy)      1    0.5
    >>> jm.paths(log, "buy", direction="before", steps=1)
          path  cases  share
    0    (ad,)      1    0.5
    1  (view,)      1    0.5
    """
    func = "paths"
    _f._check_log(log, func)
    if isinstance(anchor, (list, tuple, set)):
        raise ParameterError(
            f"The 'anchor' parameter of {func}() must be one activity. Got {anchor!r} instead."
        )
    known = log.activities
    if known:  # an empty log says so below, after the kernel
        _f.check_known_activities(log, [anchor], "anchor", func, known)
    return run(_Paths(anchor, direction, int(steps), None if top is None else int(top)), log)


# -- step matrix ---------------------------------------------------------------------

# per group: (cases counted, {activity: cases per step}, not started per step, ended per step)
_Counts = tuple[int, dict, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _StepMatrix(Kernel[tuple[int, dict], pd.DataFrame]):
    """step_matrix: per group of cases, how many cases do each activity at each step."""

    steps: int
    anchor: Any = None
    groups: Any = None
    name: str = field(default="step_matrix", init=False, repr=False)

    @property
    def offsets(self) -> np.ndarray:
        """The steps: ``1..steps``, or ``-steps..steps`` around the anchor."""
        k = self.steps
        return np.arange(-k if self.anchor is not None else 1, k + 1, dtype=np.int64)

    def check(self, meta: LogMeta) -> _StepMatrix:
        groups = self.groups
        if groups is None:
            return self
        if isinstance(groups, pd.Series):
            if not groups.index.is_unique:
                raise ParameterError(
                    "The 'groups' Series of step_matrix() must have one value per case id, but "
                    "its index repeats some. Build it with one row per case, e.g. "
                    "log.case_table().set_index('case')['<column>'] == '<value>'."
                )
            return self
        if not isinstance(groups, str) or groups not in meta.columns:
            raise ParameterError(
                "The 'groups' parameter of step_matrix() must be a column of the log (a case's "
                "group is its value on its first event) or a boolean pandas Series indexed by "
                f"case id. Got {groups!r} instead; columns: {list(meta.columns)}."
            )
        if groups in (meta.case, meta.timestamp, meta.activity):
            raise ParameterError(
                f"The 'groups' parameter of step_matrix() cannot be the case, activity or "
                f"timestamp column ({groups!r}). Pass a column that splits cases in two."
            )
        return self

    def part(self, log: JourneyLog) -> tuple[int, dict]:
        """(cases, {group: (cases counted, {activity: cases per step}, not started per step,
        ended per step)})."""
        offsets = self.offsets
        n_off, lowest = offsets.size, int(offsets[0])
        if self.groups is None:
            codes = np.zeros(log.n_cases, dtype=np.int64)
            labels: list[Any] = [None]
        else:
            codes, index = case_groups(log, self.groups)
            labels = list(index)
        # each case's anchor position (-1: a virtual anchor just before the first event)
        anchor_pos = np.full(log.n_cases, -1, dtype=np.int64)
        counted = codes >= 0
        if self.anchor is not None:
            code = log.activity_labels.get_indexer(pd.Index([self.anchor], dtype=object))[0]
            anchor_pos = np.full(log.n_cases, np.iinfo(np.int64).max, dtype=np.int64)
            if code >= 0:
                hit = np.flatnonzero(log.activity_codes == code)
                np.minimum.at(anchor_pos, log.case_codes[hit], log.position[hit])
            counted &= anchor_pos < np.iinfo(np.int64).max
        n_groups, n_act = len(labels), len(log.activity_labels)
        # the events inside the window: (group, activity, step) counts
        ev_case = log.case_codes
        offset = log.position - anchor_pos[ev_case]
        inside = counted[ev_case] & (offset >= lowest) & (offset <= offsets[-1])
        key = (codes[ev_case[inside]] * n_act + log.activity_codes[inside]) * n_off + (
            offset[inside] - lowest
        )
        cells = np.bincount(key, minlength=n_groups * n_act * n_off).reshape(n_groups, n_act, n_off)
        # cases not started (step before the first event) and ended (after the last)
        cg = codes[counted]
        before = anchor_pos[counted]  # events before the anchor
        after = log.case_sizes[counted] - 1 - anchor_pos[counted]  # events after it
        out: dict[Any, _Counts] = {}
        act_labels = np.asarray(log.activity_labels, dtype=object)
        for g, label in enumerate(labels):  # a loop over groups (few), not cases
            mine = cg == g
            n = int(mine.sum())
            b, a = before[mine], after[mine]
            not_started = np.array([(b < -o).sum() if o < 0 else 0 for o in offsets])
            ended = np.array([(a < o).sum() if o > 0 else 0 for o in offsets])
            used = np.flatnonzero(cells[g].sum(axis=1) > 0)
            table = {act_labels[i]: cells[g, i].astype(np.int64) for i in used}
            if n or self.groups is None:
                out[label] = (n, table, not_started.astype(np.int64), ended.astype(np.int64))
        return log.n_cases, out

    def merge(self, a_: tuple[int, dict], b_: tuple[int, dict]) -> tuple[int, dict]:
        a, b = a_[1], b_[1]
        out = dict(a)
        for key, (n, table, ns, en) in b.items():
            if key not in out:
                out[key] = (n, table, ns, en)
                continue
            n0, t0, ns0, en0 = out[key]
            merged = dict(t0)
            for act, counts in table.items():
                merged[act] = merged[act] + counts if act in merged else counts
            out[key] = (n0 + n, merged, ns0 + ns, en0 + en)
        return a_[0] + b_[0], out

    def finish(self, merged_: tuple[int, dict], meta: LogMeta) -> pd.DataFrame:
        n_cases, merged = merged_
        if n_cases == 0:
            raise _f.no_cases_error("step_matrix")
        offsets = self.offsets
        columns = pd.Index(offsets.tolist(), name="step")
        labels = _sorted_labels(sorted({a for v in merged.values() for a in v[1]}, key=str))
        not_started, ended = _synthetic_rows(labels, anchored=self.anchor is not None)
        extra = ([not_started] if self.anchor is not None else []) + [ended]
        index = pd.Index(pd.Series(labels + extra, dtype=object), name="activity")

        def matrix(counts: _Counts) -> pd.DataFrame:
            n, table, not_started, ended = counts
            zero = np.zeros(offsets.size, dtype=np.int64)
            rows = [table.get(a, zero) for a in labels]
            rows += ([not_started] if self.anchor is not None else []) + [ended]
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.vstack(rows) / n if n else np.full((len(rows), offsets.size), np.nan)
            table = pd.DataFrame(values, index=index, columns=columns)
            table.attrs.update(rows_added)
            return table

        rows_added = {"ended": ended}
        if self.anchor is not None:
            rows_added["not_started"] = not_started

        if self.groups is None:
            return matrix(merged[None])
        keys = list(merged)
        if set(keys) == {True, False} and all(isinstance(k, (bool, np.bool_)) for k in keys):
            keys = [True, False]
        else:
            keys = _sorted_labels(keys)
        if len(keys) != 2:
            seen = "no group" if not keys else f"{len(keys)} groups: {keys[:5]!r}"
            raise ParameterError(
                "The 'groups' parameter of step_matrix() must split the cases"
                f"{' that have the anchor' if self.anchor is not None else ''} in exactly two "
                f"groups; it gives {seen}. Pass a boolean Series by case id, e.g. "
                "groups=log.case_table().set_index('case')['channel'] == 'web'."
            )
        first, second = (matrix(merged[k]) for k in keys)
        both = pd.concat(
            [first, second, first - second], axis=1, keys=[*keys, DIFFERENCE], names=["group"]
        )
        both.attrs.update(rows_added)
        return both


def _synthetic_rows(labels: list[Any], *, anchored: bool) -> tuple[str, str]:
    """The labels of the ``(not started)`` and ``(ended)`` rows, never an activity's.

    An activity literally named ``(ended)`` keeps its name; the added row
    then gets a star per clash (``(ended)*``), and a warning says so.
    """
    taken = {str(a) for a in labels}
    out = []
    for base in (NOT_STARTED, ENDED):
        label = base
        while label in taken:
            label += "*"
        if label != base and (anchored or base == ENDED):
            warnings.warn(
                f"step_matrix(): the log has an activity named {base!r}, so the row the "
                f"matrix adds for cases {'not started yet' if base == NOT_STARTED else 'that ended'}"
                f" is named {label!r} (also in df.attrs).",
                JourneymineWarning,
                stacklevel=user_stacklevel(),
            )
        out.append(label)
    return out[0], out[1]


@validate_params({"steps": [Interval(int, 1, _f.MAX_STEPS)]})
def step_matrix(
    log: LogLike,
    *,
    steps: int = 10,
    anchor: Any = None,
    groups: str | pd.Series | None = None,
) -> pd.DataFrame:
    """What share of customers does what at each step of their journey.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    steps : int, default=10
        Number of steps (events from the start of each case) to show; with
        ``anchor``, the number of steps on each side of it.
    anchor : activity, optional
        Centre the matrix on each case's first event of this activity: it
        is step 0, and the steps run from ``-steps`` to ``+steps`` (step -1
        is the event just before it). Cases without the anchor are left
        out, and the shares are over the cases that have it.
    groups : str or boolean pandas.Series, optional
        A differential step matrix (retentioneering's): a column of the log
        (a case's group is its value on its first event; it must take two
        values) or a boolean Series indexed by case id (cases it lacks are
        left out). The result holds the matrix of each group and their
        difference.

    Returns
    -------
    pandas.DataFrame
        Rows: the activities that occur in the steps shown for some case
        (sorted), then ``"(not started)"`` (only with ``anchor``) and
        ``"(ended)"``; columns: the steps ``1..steps`` (with ``anchor``:
        ``-steps..steps``). A cell is the share of the cases whose event at
        that step is that activity; in ``"(not started)"``, of those whose
        first event comes after that step; in ``"(ended)"``, of those whose
        last event comes before it. Each column sums to 1 (NaN when no case
        counts).

        With ``groups``: the columns have two levels, ``group`` and ``step``:
        the matrix of the first group, of the second, and ``"difference"``
        (first minus second; rows are the union of the groups' rows). With
        a boolean Series the first group is ``True``; otherwise the groups
        come in sorted order.

    Raises
    ------
    ParameterError
        If ``steps`` is not a positive int, ``anchor`` is not an activity
        of the log, or ``groups`` is not a column or a Series, or does not
        split the cases in two.
    LogError
        If the log has no cases.

    See Also
    --------
    paths : The paths after or before one activity.
    plot_step_matrix : Draw it as a heatmap.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": [1, 1, 2], "a": ["ad", "buy", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=3, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> jm.step_matrix(log, steps=2)  # doctest: +NORMALIZE_WHITESPACE
    step       1    2
    activity
    ad       0.5  0.0
    buy      0.0  0.5
    view     0.5  0.0
    (ended)  0.0  0.5

    Centred on the purchase, over the one case that has it:

    >>> jm.step_matrix(log, steps=1, anchor="buy")  # doctest: +NORMALIZE_WHITESPACE
    step            -1    0    1
    activity
    ad             1.0  0.0  0.0
    buy            0.0  1.0  0.0
    (not started)  0.0  0.0  0.0
    (ended)        0.0  0.0  1.0

    Differential, between the cases that saw the ad and the others:

    >>> saw_ad = pd.Series({1: True, 2: False})
    >>> jm.step_matrix(log, steps=1, groups=saw_ad)["difference"]  # doctest: +NORMALIZE_WHITESPACE
    step        1
    activity
    ad        1.0
    view     -1.0
    (ended)   0.0
    """
    func = "step_matrix"
    _f._check_log(log, func)
    k = int(steps)
    if anchor is not None:
        if isinstance(anchor, (list, tuple, set)):
            raise ParameterError(
                f"The 'anchor' parameter of {func}() must be one activity. Got {anchor!r} instead."
            )
        known = log.activities
        if known:  # an empty log says so below, after the kernel
            _f.check_known_activities(log, [anchor], "anchor", func, known)
    return run(_StepMatrix(k, anchor, groups), log)
