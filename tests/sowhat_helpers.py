"""Shared by the tests of the so-what analyses: simulated journeys with a known truth,
and the engine checks every kernel must pass (split by cases, Dask partitions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import journeymine as jm
from journeymine._kernel import Kernel, bind, tree_merge
from journeymine.log import JourneyLog

#: five stages, one activity each; "a4" (stage S4) is the purchase
SIM_MODEL = jm.JourneyModel(
    stages=[f"S{i}" for i in range(5)],
    activities={f"a{i}": f"S{i}" for i in range(5)},
    purchase=["a4"],
)
MONDAY = pd.Timestamp("2025-01-06")


def journeys(
    n: int,
    seed: int,
    *,
    p_dev: float = 0.3,
    halve: bool = False,
    cont: float = 0.75,
    weeks: int = 10,
    change_week: int | None = None,
    p_after: float | None = None,
) -> pd.DataFrame:
    """``n`` journeys through SIM_MODEL's stages, with injected unknown activities.

    Each case starts at a uniform time over ``weeks`` weeks (from a Monday),
    moves from stage s to s + 1 with probability ``cont`` and otherwise drops
    out; it converts when it reaches S4. With probability ``p_dev`` (``p_after``
    for cases starting in week ``change_week`` or later) the case is assigned a
    deviation at a uniform stage s in 0..3; if it reaches s, an event of the
    unknown activity "x" follows its stage-s event. Without ``halve`` the
    deviation changes nothing; with it, the chances to move on after s shrink
    so that a deviating case converts half as often as one without.
    Columns: case, activity, timestamp, channel.
    """
    rng = np.random.default_rng(seed)
    start = MONDAY + pd.to_timedelta(rng.uniform(0, weeks * 7 * 86400, n), unit="s")
    week = ((start - MONDAY) // pd.Timedelta(days=7)).to_numpy()
    p = np.full(n, p_dev)
    if change_week is not None:
        p = np.where(week >= change_week, p_after, p_dev)
    has = rng.random(n) < p
    s_dev = rng.integers(0, 4, n)
    factor = np.where(has & halve, 0.5 ** (1.0 / (4 - s_dev)), 1.0)
    step = np.arange(4)
    prob = cont * np.where(step[None, :] >= s_dev[:, None], factor[:, None], 1.0)
    go = rng.random((n, 4)) < prob
    last = np.cumprod(go, axis=1).sum(axis=1)  # furthest stage index reached
    realized = has & (s_dev <= last)
    k = last + 1
    case = np.repeat(np.arange(n), k)
    stage = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    t = np.repeat(start.to_numpy(), k) + (stage * 86400).astype("timedelta64[s]")
    acts = np.char.add("a", stage.astype(str)).astype(object)
    xc = np.flatnonzero(realized)
    x_t = start.to_numpy()[xc] + (s_dev[xc] * 86400 + 3600).astype("timedelta64[s]")
    df = pd.DataFrame(
        {
            "case": np.r_[case, xc],
            "activity": np.r_[acts, np.full(xc.size, "x", dtype=object)],
            "timestamp": np.r_[t, x_t],
        }
    )
    df["channel"] = np.where(df["case"].to_numpy() % 2 == 0, "web", "store")
    return df


def shop_frame(rows: int) -> pd.DataFrame:
    """The first ``rows`` events of the shop data, without its exact duplicate events
    (from_pandas warns about those, and the test config turns warnings into errors)."""
    df = jm.datasets.load_shop().to_pandas().head(rows)
    return df.drop_duplicates(["customer_id", "touchpoint", "timestamp"]).reset_index(drop=True)


def sim_log(df: pd.DataFrame) -> JourneyLog:
    return jm.from_pandas(
        df, case="case", activity="activity", timestamp="timestamp", channel="channel"
    )


def split_merge(kernel: Kernel[Any, Any], log: JourneyLog, cuts: list[int]) -> Any:
    """``finish(merge(part(A), part(B), ...))`` over a split of ``log`` at case codes ``cuts``."""
    kernel = bind(kernel, log.meta)
    bounds = [0, *sorted(set(cuts)), log.n_cases]
    parts = [
        kernel.part(log.select_cases(np.arange(a, b)))
        for a, b in zip(bounds[:-1], bounds[1:], strict=False)
    ]
    return kernel.finish(tree_merge(kernel, parts), log.meta)


def dask_log(df: pd.DataFrame, npartitions: int, **names: Any) -> Any:
    """The same events as a Dask log with ``npartitions`` partitions."""
    import dask.dataframe as dd

    from journeymine.scale import from_dask

    return from_dask(dd.from_pandas(df, npartitions=npartitions), npartitions=npartitions, **names)


def assert_equal(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            assert_equal(x, y)
        return
    pd.testing.assert_frame_equal(a, b)


def engines_agree(func: Callable[[Any], Any], df: pd.DataFrame, **names: Any) -> None:
    """``func`` gives the same result on an in-memory log and on Dask logs of 1 and 3 partitions."""
    import dask

    want = func(jm.from_pandas(df, **names))
    with dask.config.set({"scheduler": "sync"}):
        for k in (1, 3):
            assert_equal(func(dask_log(df, k, **names)), want)
