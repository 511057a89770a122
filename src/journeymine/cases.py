"""The case table: one row per case, with its size, time span and first-event values."""

from __future__ import annotations

import pandas as pd

from journeymine._percase import CaseTable
from journeymine.engine import LogLike, run

__all__ = ["case_table"]


def case_table(log: LogLike) -> pd.DataFrame:
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
    return run(CaseTable(), log)
