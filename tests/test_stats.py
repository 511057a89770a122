"""_stats: the shared tests, intervals and p-value adjustments, against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from journeymine._stats import adjust_p, mover, two_proportion_p, wilson


def holm_reference(p: list[float]) -> list[float]:
    """Holm's step-down adjustment written from its definition."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def test_holm_matches_its_definition():
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = rng.uniform(0, 0.2, rng.integers(1, 12)).tolist()
        assert adjust_p(p) == pytest.approx(holm_reference(p))


def test_bh_is_scipy_and_nan_is_no_test():
    p = [0.01, 0.02, np.nan, 0.04, 0.5]
    got = adjust_p(p, "bh")
    assert np.isnan(got[2])
    want = stats.false_discovery_control([0.01, 0.02, 0.04, 0.5])
    assert np.delete(got, 2) == pytest.approx(want)
    assert np.isnan(adjust_p([np.nan])[0])
    assert adjust_p([]).size == 0


def test_wilson_at_zero_is_not_a_point():
    lo, hi = wilson([0, 5], [20, 0], 0.95)
    assert lo[0] == 0 and 0.1 < hi[0] < 0.2
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_two_proportion_p():
    assert two_proportion_p(150, 500, 200, 500) == pytest.approx(
        stats.chi2_contingency([[150, 350], [200, 300]], correction=False).pvalue
    )
    assert two_proportion_p(1, 4, 10, 20) == pytest.approx(
        stats.fisher_exact([[1, 3], [10, 10]]).pvalue
    )
    assert two_proportion_p(0, 5, 0, 7) == 1.0
    assert np.isnan(two_proportion_p(0, 0, 1, 2))


def test_mover_of_two_wilson_intervals_is_newcombe():
    # Newcombe (1998), example (a): 56/70 against 48/80 -> 0.0524 to 0.3339
    (l1,), (u1,) = wilson(56, 70, 0.95)
    (l0,), (u0,) = wilson(48, 80, 0.95)
    lo, hi = mover(56 / 70, l1, u1, 48 / 80, l0, u0)
    assert lo == pytest.approx(0.0524, abs=5e-4) and hi == pytest.approx(0.3339, abs=5e-4)
