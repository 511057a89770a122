"""Conformance drift: the share of conforming journeys period by period, with intervals."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine._stats import ADJUST_METHODS, adjust_p, two_proportion_p, wilson
from journeymine.engine import Kernel, LogMeta, bind, inner_part, run, segmented
from journeymine.errors import ParameterError
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["conformance_drift"]

#: p-value below which a period's conformance ``changed`` from the previous one
ALPHA_CHANGED = 0.01


@v.validate_params(
    {
        "model": [v.Model()],
        "ci": v.LEVEL,
        "open_window": [v.Duration(), None],
        "adjust": [v.StrOptions(ADJUST_METHODS)],
    }
)
def conformance_drift(
    log: Any,
    model: JourneyModel,
    *,
    freq: str = "W",
    segment: str | pd.Series | None = None,
    ci: float = 0.95,
    as_of: Any = None,
    open_window: Any = None,
    adjust: Literal["holm", "bh"] = "holm",
) -> pd.DataFrame:
    """How conformance to the designed journey changes over time.

    Parameters
    ----------
    log : JourneyLog (in memory or on Dask)
        The event log.
    model : JourneyModel
        The designed journey.
    freq : str, default="W"
        A pandas period frequency (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ...).
        Each case belongs to the period of its first event.
    segment : str or pandas.Series, optional
        One block of rows per group of cases, with a leading ``group``
        column: a column of the log (a case's group is its value on the
        case's first event) or a Series indexed by case id.
    ci : float, default=0.95
        Confidence level of the intervals.
    as_of : timestamp or str, optional
        When the data was extracted (naive times are taken as UTC); not
        before the log's last event. With it, the cases still *open* (their
        last event within ``open_window`` before ``as_of``) are left out of
        every rate and counted in ``open``: a journey under way has had
        less time to deviate and would make recent periods look conforming.
    open_window : timedelta or str, optional
        With ``as_of``: how recent a case's last event must be for the case
        to count as still under way (default 30 days), as in
        :func:`journeymine.funnel`.
    adjust : {"holm", "bh"}, default="holm"
        How ``p_adjusted`` accounts for testing every period: Holm's
        adjustment (family-wise error rate) or Benjamini–Hochberg (false
        discovery rate), over the periods of the table (of each group).

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last (periods without
        cases included), in time order:

        ``period``
            The period (``pandas.Period``; times in UTC).
        ``cases``, ``conforming``
            Finished cases starting in the period (all of them without
            ``as_of``), and those without deviation.
        ``open``
            Cases starting in the period still under way at ``as_of``, left
            out of ``cases`` and of the rates (0 without ``as_of``).
        ``rate``, ``lo``, ``hi``
            Share of conforming cases with its Wilson interval (NaN for an
            empty period).
        ``<kind>_rate``
            One column per deviation kind: share of the period's cases
            with at least one deviation of that kind.
        ``p_value``
            Two-sided test of equal conformance with the previous period
            (chi-square on the 2x2 table, Fisher's exact test when an
            expected count is below 5); NaN for the first period or when
            either period is empty.
        ``p_adjusted``
            ``p_value`` adjusted for the number of periods tested (``adjust``).
        ``changed``
            ``p_adjusted < 0.01``.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel, ``freq`` is not a pandas
        period frequency, ``ci`` is not in (0, 1), ``segment`` is not a
        column or a Series, ``as_of`` is before the log's last event,
        ``open_window`` is given without ``as_of`` or ``adjust`` is not
        "holm" or "bh".

    See Also
    --------
    check : The deviations of each case.

    Notes
    -----
    Each period is compared with the previous one; ``changed`` uses the
    adjusted p-value, so that over a year of weekly tests the chance of any
    false flag stays about 1 % (Holm) instead of the 40 % that 52 tests at
    p < 0.01 each give. A case belongs to the period of its first event; a
    recent period holds many journeys still under way, which had less time
    to deviate: pass ``as_of`` (and ``open_window``) to leave them out.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> model = jm.JourneyModel(stages=["A", "B"], activities={"a": "A", "b": "B"},
    ...                         start=["A"])
    >>> df = pd.DataFrame({
    ...     "case": [1, 1, 2, 2, 3, 3],
    ...     "activity": ["a", "b", "b", "a", "a", "b"],
    ...     "ts": ["2025-01-06", "2025-01-07", "2025-01-07", "2025-01-08",
    ...            "2025-01-14", "2025-01-15"],
    ... })
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> drift = jm.conformance_drift(log, model, freq="W")
    >>> drift[["period", "cases", "conforming", "rate", "wrong_start_rate", "changed"]]
                      period  cases  conforming  rate  wrong_start_rate  changed
    0  2025-01-06/2025-01-12      2           1   0.5               0.5    False
    1  2025-01-13/2025-01-19      1           1   1.0               0.0    False
    """
    func = "conformance_drift"
    ci = float(ci)
    freq = v.period_freq(freq, func)
    if open_window is not None and as_of is None:
        raise ParameterError(
            "The 'open_window' parameter of conformance_drift() needs as_of=, the time the "
            "data was extracted, e.g. conformance_drift(log, model, as_of='2026-01-01', "
            "open_window='30D')."
        )
    return run(drift_kernel(model, freq, segment, ci, as_of, open_window, adjust), log)


def drift_kernel(
    model: JourneyModel,
    freq: str = "W",
    segment: Any = None,
    ci: float = 0.95,
    as_of: Any = None,
    open_window: Any = None,
    adjust: str = "holm",
) -> Kernel[Any, pd.DataFrame]:
    """The kernel of :func:`conformance_drift`, a member of an :class:`~journeymine.engine.Bundle`."""
    kernel = _Drift(model, freq, ci, as_of, open_window, adjust)
    return covered(segmented(kernel, segment), model)


def case_periods(log: JourneyLog, freq: str) -> np.ndarray:
    """Period ordinal of each case's first event (UTC)."""
    first = log.time[log.case_offsets[:-1]]
    return pd.DatetimeIndex(first.view("datetime64[ns]")).to_period(freq).asi8.astype(np.int64)


@dataclass(frozen=True)
class _Drift(Kernel[pd.DataFrame, pd.DataFrame]):
    model: JourneyModel
    freq: str
    ci: float = 0.95
    as_of: Any = None
    open_window: Any = None
    adjust: str = "holm"
    inner: Any = None  # the conformance kernel, bound by check
    as_of_ns: int | None = None  # derived by check
    window_ns: int = 0

    name = "conformance_drift"

    def check(self, meta: LogMeta) -> _Drift:
        from journeymine.conformance import _Check

        v.check_period_count(self.freq, meta, self.name)
        as_of_ns = None if self.as_of is None else v.as_of_ns(self.as_of, meta, self.name)
        window = v.window_ns(self.open_window, self.name)
        inner = bind(_Check(self.model, "stages"), meta)
        return replace(self, inner=inner, as_of_ns=as_of_ns, window_ns=window)

    def part(self, log: JourneyLog) -> pd.DataFrame:
        from journeymine.conformance import KINDS

        cases = inner_part(self.inner, log)["cases"]  # per case, in log order
        table = pd.DataFrame({"period": case_periods(log, self.freq), "cases": 1})
        is_open = np.zeros(log.n_cases, dtype=bool)
        if self.as_of_ns is not None and log.n_cases:
            last = log.time[log.case_offsets[1:] - 1]
            is_open = last >= self.as_of_ns - self.window_ns
        closed = (~is_open).astype(np.int64)
        table["cases"] = closed
        table["open"] = is_open.astype(np.int64)
        table["conforming"] = cases["conforms"].to_numpy(np.int64) * closed
        for kind in KINDS:
            table[kind] = (cases[kind].to_numpy() > 0).astype(np.int64) * closed
        return table.groupby("period").sum()

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return a.add(b, fill_value=0).astype(np.int64)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        from journeymine.conformance import KINDS

        if len(merged):
            full = np.arange(merged.index.min(), merged.index.max() + 1)
            merged = merged.reindex(full, fill_value=0)
        n = merged["cases"].to_numpy(np.int64)
        k = merged["conforming"].to_numpy(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = k / n
        lo, hi = wilson(k, n, self.ci)
        p = np.full(n.size, np.nan)
        for i in np.flatnonzero(n[1:] > 0) + 1:  # a loop over periods, not cases
            if n[i - 1] > 0:
                p[i] = two_proportion_p(int(k[i - 1]), int(n[i - 1]), int(k[i]), int(n[i]))
        out = pd.DataFrame(
            {
                "period": pd.PeriodIndex.from_ordinals(merged.index.to_numpy(), freq=self.freq)
                if len(merged)
                else pd.PeriodIndex([], freq=self.freq),
                "cases": n,
                "conforming": k,
                "open": merged["open"].to_numpy(np.int64),
                "rate": rate.astype(np.float64),
                "lo": lo[: n.size],
                "hi": hi[: n.size],
            }
        )
        for kind in KINDS:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{kind}_rate"] = merged[kind].to_numpy(np.float64) / n
        out["p_value"] = p
        out["p_adjusted"] = adjust_p(p, self.adjust)  # type: ignore[arg-type]
        out["changed"] = np.nan_to_num(out["p_adjusted"].to_numpy(), nan=1.0) < ALPHA_CHANGED
        return out
