"""Journey features: one row of numbers per case, to feed journeys into one's own models."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._percase import per_case_any
from journeymine._tables import concat_by_case
from journeymine.engine import Kernel, LogMeta, bind, inner_part, run

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["journey_features"]

#: loop kinds (find_loops' names) and the loop_summary columns that count them
LOOP_COLUMNS = {
    "self_loop": "self_loops",
    "rework": "reworks",
    "return": "returns",
    "repeat_purchase": "repeat_purchases",
    "stage_regression": "stage_regressions",
}
ARROW = " -> "  # between the two activities of a transition column


@v.validate_params({"model": [v.Model(), None], "top_transitions": [v.Interval(int, 0, None)]})
def journey_features(
    log: LogLike,
    *,
    model: JourneyModel | None = None,
    top_transitions: int = 50,
) -> pd.DataFrame:
    """One row of numeric features per case, ready for scikit-learn and the like.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    model : JourneyModel, optional
        Adds the deviations from the model by kind, the furthest stage and
        whether the case converted.
    top_transitions : int, default=50
        How many transition columns: the most frequent transitions of the
        log (directly consecutive activities), by occurrences over all cases.
        0 for none.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``case`` (every case, sorted), with these columns in this
        order, all numeric (int64 except ``duration``):

        ``n_events``
            Events of the case.
        ``duration``
            Seconds from its first to its last event (float64).
        ``activity:<activity>``
            How many times the case did each activity of the log (one
            column per activity, in the log's sorted activity order).
        ``transition:<a> -> <b>``
            How many times ``b`` directly followed ``a`` in the case, for
            the ``top_transitions`` most frequent transitions (most frequent
            first; ties in the activities' order).
        ``loops:<kind>``
            Loops of each kind :func:`find_loops` reports, in its order:
            ``self_loop``, ``rework``, ``return``, ``repeat_purchase``,
            ``stage_regression`` (the purchase and return kinds count only
            with a model that names purchase and return activities).

        With a model, also:

        ``deviations:<kind>``
            Deviations of each kind :func:`check` reports
            (``unknown_activity``, ``wrong_start``, ``skipped_stage``,
            ``stage_regression``, ``forbidden_transition``).
        ``furthest_stage``
            0-based index, in ``model.stages``, of the furthest stage the case
            reached; -1 when none of its activities is in the model.
        ``converted``
            1 when the case did one of ``model.purchase``, else 0.

    Raises
    ------
    ParameterError
        If ``top_transitions`` is not an int >= 0 or ``model`` is not a
        JourneyModel.

    See Also
    --------
    loop_summary, check, case_table

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"case": ["a", "a", "a", "b", "b"],
    ...                    "activity": ["view", "view", "buy", "view", "cart"],
    ...                    "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:05",
    ...                                          "2025-01-01 10:30", "2025-01-02 00:00",
    ...                                          "2025-01-03 00:00"])})
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> features = jm.journey_features(log, top_transitions=2)
    >>> features.columns.tolist()[:5]
    ['n_events', 'duration', 'activity:buy', 'activity:cart', 'activity:view']
    >>> features.columns.tolist()[5:]  # doctest: +NORMALIZE_WHITESPACE
    ['transition:view -> buy', 'transition:view -> cart', 'loops:self_loop', 'loops:rework',
     'loops:return', 'loops:repeat_purchase', 'loops:stage_regression']
    >>> features[["n_events", "duration", "activity:view", "loops:self_loop"]].reset_index()
      case  n_events  duration  activity:view  loops:self_loop
    0    a         3    1800.0              2                1
    1    b         2   86400.0              1                0
    """
    return run(_Features(model, int(top_transitions)), log)


# per-case columns (indexed by case), (case, activity, count), (case, from, to, count)
_Partial = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def counts_part(log: JourneyLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long tables of each case's activity counts and transition counts (labels, not codes)."""
    n_act = len(log.activity_labels)
    key = log.case_codes * n_act + log.activity_codes
    uniq, count = np.unique(key, return_counts=True)
    acts = pd.DataFrame(
        {
            "case": log.case_labels.take(uniq // max(n_act, 1)),
            "activity": log.activity_labels.take(uniq % max(n_act, 1)),
            "count": count.astype(np.int64),
        }
    )
    same = log.case_codes[1:] == log.case_codes[:-1]
    src, dst = log.activity_codes[:-1][same], log.activity_codes[1:][same]
    case = log.case_codes[1:][same]
    key = (case * n_act + src) * n_act + dst
    uniq, count = np.unique(key, return_counts=True)
    pair = uniq % max(n_act * n_act, 1)
    trans = pd.DataFrame(
        {
            "case": log.case_labels.take(uniq // max(n_act * n_act, 1)),
            "from": log.activity_labels.take(pair // max(n_act, 1)),
            "to": log.activity_labels.take(pair % max(n_act, 1)),
            "count": count.astype(np.int64),
        }
    )
    return acts, trans


def pivot_counts(
    index: pd.Index, cases: pd.Series, columns: np.ndarray, n_columns: int, count: np.ndarray
) -> np.ndarray:
    """A dense (cases x columns) int64 matrix from long (case, column code, count) rows."""
    out = np.zeros((len(index), n_columns), dtype=np.int64)
    keep = columns >= 0
    rows = index.get_indexer(cases)[keep]
    np.add.at(out, (rows, columns[keep]), count[keep])
    return out


def top_pairs(trans: pd.DataFrame, labels: pd.Index, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The code of each transition row among the ``top`` most frequent, and those pairs' names.

    Codes are -1 for rows outside the top; ties go by the activities' order.
    """
    n = len(labels)
    src = labels.get_indexer(trans["from"])
    dst = labels.get_indexer(trans["to"])
    key = src * n + dst
    total = np.bincount(key, weights=trans["count"].to_numpy(np.float64), minlength=n * n)
    present = np.flatnonzero(total > 0)
    order = present[np.lexsort((present, -total[present]))][:top]
    code = np.full(n * n, -1, dtype=np.int64)
    code[order] = np.arange(order.size)
    names = np.array(
        [f"transition:{labels[k // n]}{ARROW}{labels[k % n]}" for k in order], dtype=object
    )
    return code[key], names


@dataclass(frozen=True)
class _Features(Kernel[_Partial, pd.DataFrame]):
    model: Any
    top: int
    loops: Any = None
    conformance: Any = None
    name: str = "journey_features"

    def check(self, meta: LogMeta) -> _Features:
        from journeymine.conformance import _Check
        from journeymine.loops import _LoopSummary

        loops = bind(_LoopSummary(self.name, self.model, None, None, None), meta)
        conformance = None if self.model is None else bind(_Check(self.model, "stages"), meta)
        return replace(self, loops=loops, conformance=conformance)

    def part(self, log: JourneyLog) -> _Partial:
        off = log.case_offsets
        n = log.n_cases
        duration = (log.time[off[1:] - 1] - log.time[off[:-1]]) if n else np.empty(0, np.int64)
        base = pd.DataFrame(
            {"n_events": log.case_sizes.astype(np.int64), "duration": duration / 1e9},
            index=pd.Index(log.case_labels, name="case"),
        )
        loops = inner_part(self.loops, log)
        for kind, column in LOOP_COLUMNS.items():
            base[f"loops:{kind}"] = loops[column].to_numpy(np.int64)
        if self.conformance is not None:
            from journeymine.conformance import KINDS

            model = self.model
            cases = inner_part(self.conformance, log)["cases"]
            for kind in KINDS:
                base[f"deviations:{kind}"] = cases[kind].to_numpy(np.int64)
            stage_index = {s: i for i, s in enumerate(model.stages)}
            furthest = cases["furthest_stage"].map(stage_index).fillna(-1)
            base["furthest_stage"] = furthest.to_numpy(np.int64)
            bought = model.activity_mask(log, model.purchase)
            converted = per_case_any(log, bought)
            base["converted"] = converted.astype(np.int64)
        acts, trans = counts_part(log)
        return base, acts, trans

    def merge(self, a: _Partial, b: _Partial) -> _Partial:
        return (
            pd.concat([a[0], b[0]]),
            pd.concat([a[1], b[1]], ignore_index=True),
            pd.concat([a[2], b[2]], ignore_index=True),
        )

    def finish(self, merged: _Partial, meta: LogMeta) -> pd.DataFrame:
        from journeymine._codes import factorize

        base, acts, trans = merged
        base = concat_by_case([base], case="index")
        _, labels = factorize(acts["activity"].drop_duplicates().to_numpy())
        act_counts = pivot_counts(
            base.index, acts["case"], labels.get_indexer(acts["activity"]), len(labels),
            acts["count"].to_numpy(np.int64),
        )  # fmt: skip
        code, names = top_pairs(trans, labels, self.top)
        trans_counts = pivot_counts(
            base.index, trans["case"], code, len(names), trans["count"].to_numpy(np.int64)
        )
        blocks = [
            base[["n_events", "duration"]],
            pd.DataFrame(act_counts, index=base.index, columns=[f"activity:{a}" for a in labels]),
            pd.DataFrame(trans_counts, index=base.index, columns=list(names)),
            base.drop(columns=["n_events", "duration"]),
        ]
        out = pd.concat(blocks, axis=1)
        out.index.name = "case"
        return out
