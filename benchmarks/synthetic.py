"""Synthetic journey logs of any size, for benchmarks (seeded, vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd

STAGES = {
    "Awareness": ["See social ad", "Search engine visit", "Read blog post"],
    "Consideration": ["Browse catalogue", "View product", "Compare products", "Read reviews"],
    "Decision": ["Add to cart", "Apply coupon", "Start checkout"],
    "Purchase": ["Place order", "Pay"],
    "Retention": ["Receive delivery", "Contact support", "Return item", "Open newsletter"],
    "Advocacy": ["Write review", "Refer a friend"],
}
TOUCHPOINTS = [t for ts in STAGES.values() for t in ts]
STAGE_OF = {t: s for s, ts in STAGES.items() for t in ts}


def journey_log(
    customers: int = 1_000_000, *, events_per_case: float = 5.0, seed: int = 0, shuffle: bool = True
) -> pd.DataFrame:
    """A synthetic customer-journey log with ~``events_per_case`` events per customer.

    Touchpoints drift forward through the stages with some back-steps, so the
    graph has a realistic shape (~20 touchpoints, a few hundred edges).
    Rows are shuffled unless ``shuffle=False``.
    """
    rng = np.random.default_rng(seed)
    sizes = rng.geometric(1.0 / events_per_case, customers)
    n = int(sizes.sum())
    case = np.repeat(np.arange(customers), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(n) - starts
    k = len(TOUCHPOINTS)
    level = np.clip(pos * 3 + rng.integers(-3, 4, n), 0, k - 1)
    act = np.clip(level + rng.integers(-2, 3, n), 0, k - 1)
    t0 = pd.Timestamp("2025-01-01").value + rng.integers(0, 300 * 86400, customers) * 10**9
    gaps = rng.exponential(3600.0, n).astype(np.int64) * 10**9
    gaps[pos == 0] = 0
    gap_cum = np.cumsum(gaps)
    time = t0[case] + gap_cum - np.repeat(gap_cum[np.cumsum(sizes) - sizes], sizes)
    df = pd.DataFrame(
        {
            "customer_id": pd.Series(np.char.add("C", np.char.zfill(case.astype(str), 8))),
            "touchpoint": pd.Series(np.asarray(TOUCHPOINTS, dtype=object)[act]),
            "timestamp": pd.to_datetime(time, unit="ns"),
        }
    )
    df["stage"] = df["touchpoint"].map(STAGE_OF)
    if shuffle:
        df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    return df
