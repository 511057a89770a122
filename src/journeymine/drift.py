"""Conformance drift: the share of conforming journeys period by period, with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.engine import Kernel, LogMeta, run, run_local, segmented
from journeymine.errors import ParameterError
from journeymine.model import JourneyModel, covered

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.log import JourneyLog

__all__ = ["conformance_drift"]

#: p-value below which a period's conformance ``changed`` from the previous one
ALPHA_CHANGED = 0.01


def conformance_drift(
    log: Any,
    model: JourneyModel,
    *,
    freq: str = "W",
    segment: str | pd.Series | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """How conformance to the designed journey changes over time.

    Parameters
    ----------
    log : JourneyLog or DaskJourneyLog
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

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last (periods without
        cases included), in time order:

        ``period``
            The period (``pandas.Period``; times in UTC).
        ``cases``, ``conforming``
            Cases starting in the period, and those without deviation.
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
        ``changed``
            ``p_value < 0.01``.

    Raises
    ------
    ParameterError
        If ``model`` is not a JourneyModel, ``freq`` is not a pandas
        period frequency, ``ci`` is not in (0, 1), or ``segment`` is not a
        column or a Series.

    See Also
    --------
    check : The deviations of each case.

    Notes
    -----
    Comparing each period with the previous one at p < 0.01 flags about
    one period in a hundred by chance: over a year of weeks, expect a
    false flag now and then, and read flags together with the intervals.

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
    v.check_model(model, func)
    ci = v.level_arg(ci, func)
    freq = freq_arg(freq, func)
    return run(covered(segmented(_Drift(model, freq, ci), segment), model), log)


def freq_arg(freq: Any, func: str) -> str:
    """``freq`` if pandas accepts it as a period frequency."""
    try:
        if not isinstance(freq, str):
            raise TypeError("not a string")
        pd.Period("2025-01-01", freq=freq)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'freq' parameter of {func}() must be a pandas period frequency such as "
            f"'D', 'W', 'M' or 'Q'. Got {freq!r} instead ({exc})."
        ) from exc
    return freq


def case_periods(log: JourneyLog, freq: str) -> np.ndarray:
    """Period ordinal of each case's first event (UTC)."""
    first = log.time[log.case_offsets[:-1]]
    return pd.DatetimeIndex(first.view("datetime64[ns]")).to_period(freq).asi8.astype(np.int64)


class _Drift(Kernel[pd.DataFrame, pd.DataFrame]):
    name = "conformance_drift"

    def __init__(self, model: JourneyModel, freq: str, ci: float) -> None:
        self.model = model
        self.freq = freq
        self.ci = ci

    def part(self, log: JourneyLog) -> pd.DataFrame:
        from journeymine.conformance import KINDS, _Check

        cases = run_local(_Check(self.model, "stages"), log).cases  # no coverage warning per part
        table = pd.DataFrame({"period": case_periods(log, self.freq), "cases": 1})
        table["conforming"] = cases["conforms"].to_numpy(np.int64)
        for kind in KINDS:
            table[kind] = (cases[kind].to_numpy() > 0).astype(np.int64)
        return table.groupby("period").sum()

    def merge(self, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return a.add(b, fill_value=0).astype(np.int64)

    def finish(self, merged: pd.DataFrame, meta: LogMeta) -> pd.DataFrame:
        from scipy import stats

        from journeymine.conformance import KINDS

        if len(merged):
            full = np.arange(merged.index.min(), merged.index.max() + 1)
            merged = merged.reindex(full, fill_value=0)
        n = merged["cases"].to_numpy(np.int64)
        k = merged["conforming"].to_numpy(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = k / n
        lo = np.full(n.size, np.nan)
        hi = np.full(n.size, np.nan)
        p = np.full(n.size, np.nan)
        for i in np.flatnonzero(n > 0):  # a loop over periods, not cases
            band = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(
                confidence_level=self.ci, method="wilson"
            )
            lo[i], hi[i] = band.low, band.high
            if i > 0 and n[i - 1] > 0:
                p[i] = two_proportion_p(int(k[i - 1]), int(n[i - 1]), int(k[i]), int(n[i]))
        out = pd.DataFrame(
            {
                "period": pd.PeriodIndex.from_ordinals(merged.index.to_numpy(), freq=self.freq)
                if len(merged)
                else pd.PeriodIndex([], freq=self.freq),
                "cases": n,
                "conforming": k,
                "rate": rate.astype(np.float64),
                "lo": lo,
                "hi": hi,
            }
        )
        for kind in KINDS:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{kind}_rate"] = merged[kind].to_numpy(np.float64) / n
        out["p_value"] = p
        out["changed"] = np.nan_to_num(p, nan=1.0) < ALPHA_CHANGED
        return out


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of equal proportions k1/n1 and k2/n2.

    Pearson's chi-square on the 2x2 table (the two-proportion z-test), or
    Fisher's exact test when an expected count is below 5.
    """
    from scipy import stats

    table = np.array([[k1, n1 - k1], [k2, n2 - k2]])
    if (table.sum(axis=0) == 0).any():
        return 1.0  # both all-conforming or both all-deviating
    expected = stats.contingency.expected_freq(table)
    if (expected < 5).any():
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table, correction=False).pvalue)
