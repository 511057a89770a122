"""Path exploration: what customers do right after (or before) an activity, step by step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import filters as _f
from journeymine._tables import ENDED
from journeymine._validation import Interval, StrOptions, validate_params
from journeymine.engine import Kernel, LogMeta, run
from journeymine.errors import ParameterError
from journeymine.log import JourneyLog, factorize

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike

__all__ = ["ENDED", "paths", "step_matrix"]

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
        if self.direction == "after":
            at = idx[:, None] + np.arange(1, self.steps + 1)[None, :]
        else:  # the events before, in time order, ending just before the anchor
            at = idx[:, None] - np.arange(self.steps, 0, -1)[None, :]
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
        "steps": [Interval(int, 1, None)],
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
@dataclass(frozen=True)
class _StepMatrix(Kernel[tuple[int, dict, np.ndarray], pd.DataFrame]):
    name = "step_matrix"

    steps: int

    def part(self, log: JourneyLog) -> tuple[int, dict, np.ndarray]:
        """(cases, {activity: cases per step}, cases ended per step)."""
        k = self.steps
        sizes = log.case_sizes
        ended = np.array([(sizes < s).sum() for s in range(1, k + 1)], dtype=np.int64)
        pos = log.position
        early = pos < k
        n_act = len(log.activity_labels)
        counts = np.bincount(
            log.activity_codes[early] * k + pos[early], minlength=n_act * k
        ).reshape(n_act, k)
        used = counts.sum(axis=1) > 0
        labels = np.asarray(log.activity_labels, dtype=object)
        table = {labels[i]: counts[i].astype(np.int64) for i in np.flatnonzero(used)}
        return log.n_cases, table, ended

    def merge(
        self, a: tuple[int, dict, np.ndarray], b: tuple[int, dict, np.ndarray]
    ) -> tuple[int, dict, np.ndarray]:
        table = dict(a[1])
        for key, counts in b[1].items():
            table[key] = table[key] + counts if key in table else counts
        return a[0] + b[0], table, a[2] + b[2]

    def finish(self, merged: tuple[int, dict, np.ndarray], meta: LogMeta) -> pd.DataFrame:
        n_cases, table, ended = merged
        if n_cases == 0:
            raise _f.no_cases_error("step_matrix")
        labels = _sorted_labels(list(table))
        values = np.vstack([table[a] for a in labels] + [ended]) / n_cases
        index = pd.Index(pd.Series(labels + [ENDED], dtype=object), name="activity")
        columns = pd.Index(range(1, self.steps + 1), name="step")
        return pd.DataFrame(values, index=index, columns=columns)


@validate_params({"steps": [Interval(int, 1, None)]})
def step_matrix(log: LogLike, *, steps: int = 10) -> pd.DataFrame:
    """What share of customers does what at each step of their journey.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).
    steps : int, default=10
        Number of steps (events from the start of each case) to show.

    Returns
    -------
    pandas.DataFrame
        Rows: the activities that occur in the first ``steps`` events of
        some case (sorted), then ``"(ended)"``; columns: the steps
        ``1..steps``. A cell is the share of all cases whose k-th event is
        that activity, or, in the ``"(ended)"`` row, that have fewer than
        k events. Each column sums to 1.

    Raises
    ------
    ParameterError
        If ``steps`` is not a positive int.
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
    >>> matrix = jm.step_matrix(jm.from_pandas(df, case="c", activity="a", timestamp="t"), steps=2)
    >>> matrix  # doctest: +NORMALIZE_WHITESPACE
    step       1    2
    activity
    ad       0.5  0.0
    buy      0.0  0.5
    view     0.5  0.0
    (ended)  0.0  0.5
    """
    _f._check_log(log, "step_matrix")
    return run(_StepMatrix(int(steps)), log)
