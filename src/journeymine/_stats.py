"""The few statistical tests and intervals the analyses share, written once.

Used by :mod:`journeymine.compare`, :mod:`journeymine.drift` and
:mod:`journeymine.impact`; scipy is imported inside the functions to keep
``import journeymine`` fast.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

__all__ = ["ADJUST_METHODS", "adjust_p", "mover", "two_proportion_p", "wilson"]

#: the p-value adjustments ``adjust=`` takes
ADJUST_METHODS = ("holm", "bh")


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value that the proportions k1/n1 and k2/n2 are equal.

    Pearson's chi-square test of the 2x2 table without continuity
    correction (the two-proportion z test), or Fisher's exact test when an
    expected count is below 5 (both from ``scipy.stats``). 1.0 when both
    groups are all successes or all failures; NaN when a group is empty.
    """
    from scipy import stats

    if n1 <= 0 or n2 <= 0:
        return float("nan")
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]], dtype=np.int64)
    col = table.sum(axis=0)
    if (col == 0).any():
        return 1.0  # everyone (or no one) has it: no difference can show
    expected = np.outer(table.sum(axis=1), col) / table.sum()
    if (expected < 5).any():
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def adjust_p(p: Any, method: Literal["holm", "bh"] = "holm") -> np.ndarray:
    """p-values adjusted for the number of tests among ``p`` (NaNs are no test and stay NaN).

    ``"holm"``: Holm's step-down adjustment, which controls the chance of
    at least one false positive among the tests (family-wise error rate)
    whatever their dependence. ``"bh"``: Benjamini–Hochberg
    (``scipy.stats.false_discovery_control``), which controls the expected
    share of false positives among the rejections (false discovery rate)
    for independent or positively dependent tests.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    q = np.clip(p[ok], 0.0, 1.0)
    if method == "bh":
        from scipy import stats

        out[ok] = stats.false_discovery_control(q, method="bh")
        return out
    order = np.argsort(q, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    out[ok] = adjusted
    return out


def wilson(k: Any, n: Any, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k/n per element, vectorised; NaN where n = 0.

    The arithmetic of ``scipy.stats.binomtest(k, n).proportion_ci(ci,
    method="wilson")`` (Newcombe 1998, without continuity correction): the
    bounds equal scipy's (tests/test_retention.py checks it on a grid). Valid
    at 0 and n successes too (then one end is 0 or 1, the other not).
    """
    from scipy.special import ndtri

    k = np.atleast_1d(np.asarray(k, dtype=np.int64))
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z = ndtri(0.5 + 0.5 * ci)
        denom = 2 * (n + z**2)
        center = (2 * n * p + z**2) / denom
        delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
        lo = np.where(k == 0, 0.0, center - delta)
        hi = np.where(k == n, 1.0, center + delta)
    empty = n == 0
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def mover(
    est1: float, lo1: float, hi1: float, est0: float, lo0: float, hi0: float
) -> tuple[float, float]:
    """Interval of ``est1 - est0`` from intervals of each (MOVER, Zou and Donner 2008).

    With Wilson intervals for two proportions this is Newcombe's (1998)
    hybrid score interval of their difference, which keeps its coverage with
    few cases and at rates of 0 or 1, where a Wald interval collapses.
    """
    d = est1 - est0
    lo = d - np.sqrt((est1 - lo1) ** 2 + (hi0 - est0) ** 2)
    hi = d + np.sqrt((hi1 - est1) ** 2 + (est0 - lo0) ** 2)
    return float(lo), float(hi)
