"""Sessions: a customer's events split where they were inactive for longer than a gap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.engine import Coded, check_log, transform_log
from journeymine.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.engine import LogLike
    from journeymine.log import JourneyLog

__all__ = ["sessionize"]

#: the event column that keeps the case a session came from
PARENT = "parent_case"


@v.validate_params({"gap": [v.Duration()]})
def sessionize(log: LogLike, gap: Any = "30min") -> Any:
    """Split each case into sessions where the time since its previous event exceeds ``gap``.

    A new session starts at a case's first event and at every event that
    comes more than ``gap`` after the case's previous event (an event exactly
    ``gap`` later stays in the session; events at the same time always do).
    This is how web analytics tools cut a visitor's clicks into visits.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log; a Dask log is sessionized partition by partition
        (lazily: nothing is computed until an analysis runs).
    gap : str or pandas.Timedelta, default="30min"
        The longest inactivity within one session, a non-negative duration.

    Returns
    -------
    JourneyLog (in memory or on Dask)
        The same events (of the same kind of log) whose cases are the
        sessions: the case column holds ``f"{case}#{k}"`` (text), ``k = 1,
        2, ...`` the sessions of a case in time order, and a new event column
        ``parent_case`` holds the original case id (so it is also in
        :meth:`~journeymine.JourneyLog.case_table`). Every other column is
        kept, as are the stage and channel columns.

    Raises
    ------
    ParameterError
        If ``gap`` is not a non-negative duration, or the log already has a
        ``parent_case`` column (rename it first).

    See Also
    --------
    representatives : on a session-level log, journeys repeat far more often.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({
    ...     "visitor": ["v1", "v1", "v1", "v1", "v2"],
    ...     "page": ["home", "shoe", "home", "cart", "home"],
    ...     "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:10", "2025-01-01 18:00",
    ...                           "2025-01-01 18:30", "2025-01-02 09:00"]),
    ... })
    >>> log = jm.from_pandas(df, case="visitor", activity="page", timestamp="ts")
    >>> sessions = jm.sessionize(log, gap="30min")
    >>> sessions.to_pandas()
      visitor  page                  ts parent_case
    0    v1#1  home 2025-01-01 10:00:00          v1
    1    v1#1  shoe 2025-01-01 10:10:00          v1
    2    v1#2  home 2025-01-01 18:00:00          v1
    3    v1#2  cart 2025-01-01 18:30:00          v1
    4    v2#1  home 2025-01-02 09:00:00          v2
    >>> sessions.case_table()[["case", "events", "parent_case"]]
       case  events parent_case
    0  v1#1       2          v1
    1  v1#2       2          v1
    2  v2#1       1          v2
    """
    func = "sessionize"
    gap_ns = v.duration_ns(gap, "gap", func)
    check_log(log, func)
    if PARENT in log.columns:
        raise ParameterError(
            f"{func}() adds a {PARENT!r} column, but the log has one already (is it "
            "sessionized?). Rename that column before building the log, or sessionize the "
            "original log with the gap you want."
        )
    return transform_log(log, _session_columns, _session_meta, func, gap_ns)


def session_numbers(log: JourneyLog, gap_ns: int) -> np.ndarray:
    """The 1-based session number ``k`` of each event within its case, in log order."""
    n = log.n_events
    new = np.ones(n, dtype=bool)
    if n > 1:
        same = log.case_codes[1:] == log.case_codes[:-1]
        new[1:] = ~same | (np.diff(log.time) > gap_ns)
    run = np.cumsum(new)  # global session index, 1-based
    first_of_case = run[log.case_offsets[:-1]] if n else np.empty(0, dtype=np.int64)
    return (run - first_of_case[log.case_codes] + 1).astype(np.int64)


def _session_labels(log: JourneyLog, gap_ns: int) -> Coded:
    """``f"{case}#{k}"`` of every event as codes into the sorted session ids.

    Each label is written once per session, not per event. Sessions come in
    (case, k) order; the ids sort that way too unless ``k`` reaches 10
    (``"#10"`` sorts before ``"#2"``), so the sessions of a case are ranked
    by the text of ``k``, and only if the ids are still not increasing
    (case ids that sort differently once ``#k`` is appended) sorted as text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = log.n_events
    k = session_numbers(log, gap_ns)
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (log.case_codes[1:] != log.case_codes[:-1]) | (k[1:] != k[:-1])
    heads = np.flatnonzero(new)
    session = np.cumsum(new) - 1  # the session of each event, in (case, k) order
    parent, k_heads = log.case_codes[heads], k[heads]
    cases = _case_text(log.case_labels)
    labels = pc.binary_join_element_wise(
        cases.take(pa.array(parent)), pc.cast(pa.array(k_heads), pa.string()), "#"
    )
    order = None
    top = int(k_heads.max()) if len(k_heads) else 0
    if top >= 10:  # rank the sessions of a case by the text of k
        text_rank = np.empty(top + 1, dtype=np.int64)
        text_rank[np.argsort(np.arange(top + 1).astype(str), kind="stable")] = np.arange(top + 1)
        order = np.lexsort((text_rank[k_heads], parent))
    ordered = labels if order is None else labels.take(pa.array(order))
    m = len(ordered)
    if m > 1 and not pc.all(pc.less(ordered.slice(0, m - 1), ordered.slice(1))).as_py():
        order = np.asarray(pc.sort_indices(labels), dtype=np.int64)
        ordered = labels.take(pa.array(order))
    if order is None:
        codes = session
    else:
        rank = np.empty(m, dtype=np.int64)
        rank[order] = np.arange(m, dtype=np.int64)
        codes = rank[session]
    return Coded(codes, pd.Index(pd.array(ordered, dtype="str")))


def _case_text(labels: pd.Index) -> Any:
    """The case ids as Arrow text (``str(case)``)."""
    import pyarrow as pa

    if isinstance(labels.dtype, pd.StringDtype):
        return pa.array(labels.array).cast(pa.string())
    text = pd.Series(np.asarray(labels, dtype=object)).astype(str)
    return pa.array(text.array).cast(pa.string())


def _session_columns(log: JourneyLog, gap_ns: int) -> dict[str, Any]:
    """The new case column and ``parent_case``, in log order."""
    return {
        log.case: _session_labels(log, gap_ns),
        PARENT: Coded(log.case_codes, log.case_labels),
    }


def _session_meta(meta: pd.DataFrame, case: str) -> pd.DataFrame:
    """The empty frame describing a sessionized partition (Dask's ``meta``)."""
    out = meta.copy()
    out[PARENT] = out[case]
    out[case] = pd.Series([], dtype="str")
    return out
