"""The case table: one row per case, with its size, time span and first-event values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeymine._kernel import Kernel, LogMeta, run
from journeymine._tables import concat_by_case, datetimes

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog
    from journeymine.scale import DaskJourneyLog

__all__ = ["case_table"]


def _case_table(log: JourneyLog) -> pd.DataFrame:
    firsts, lasts = log.case_offsets[:-1], log.case_offsets[1:] - 1
    start = log.time[firsts]
    end = log.time[lasts]
    labels = np.asarray(log.activity_labels, dtype=object)
    out = pd.DataFrame(
        {
            "case": log.case_labels,
            "events": log.case_sizes.astype(np.int64),
            "start": datetimes(log.tz_aware, start),
            "end": datetimes(log.tz_aware, end),
            "duration": pd.to_timedelta(end - start, unit="ns"),
            "first_activity": pd.Series(labels[log.activity_codes[firsts]], dtype=object),
            "last_activity": pd.Series(labels[log.activity_codes[lasts]], dtype=object),
        }
    )
    rows = log.rows[firsts]
    for col in log.columns:
        if col in (log.case, log.activity, log.timestamp):
            continue
        name = col if col not in out.columns else f"{col}_first"
        out[name] = log._frame[col].take(rows).reset_index(drop=True)
    return out


class _CaseTable(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "case_table"

    def part(self, log: JourneyLog) -> pd.DataFrame:
        return _case_table(log)

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        return concat_by_case([merged])


def case_table(log: JourneyLog | DaskJourneyLog) -> pd.DataFrame:
    """One row per case: its size, time span, first and last activity and first-event values.

    Also reached as ``log.case_table()``.

    Parameters
    ----------
    log : JourneyLog
        The event log (in memory or Dask-backed).

    Returns
    -------
    pandas.DataFrame
        One row per case, in case order (sorted case ids), with the columns
        ``case`` (the case id), ``events``, ``start`` and ``end`` (times of
        the first and last event), ``duration`` (``end - start``),
        ``first_activity``, ``last_activity``, and every other column of the
        log with its value on the case's first event (a column whose name
        clashes with these gets the suffix ``_first``).

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> df = pd.DataFrame({"c": ["b", "a", "a"], "a": ["ad", "ad", "buy"],
    ...                    "t": ["2025-01-03", "2025-01-01", "2025-01-02"],
    ...                    "channel": ["web", "app", "store"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> table = log.case_table()
    >>> table[["case", "events", "start", "duration", "last_activity", "channel"]]
      case  events      start duration last_activity channel
    0    a       2 2025-01-01   1 days           buy     app
    1    b       1 2025-01-03   0 days            ad     web
    """
    return run(_CaseTable(), log)
