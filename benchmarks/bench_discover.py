"""Time discovery: journeymine vs a bare numpy pass vs pm4py, on one synthetic log.

Run ``python benchmarks/bench_discover.py --customers 1000000`` (needs the
``pm4py`` extra for the pm4py rows; ``--no-pm4py`` skips them).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.synthetic import journey_log  # noqa: E402


def measure(fn, repeat=1, memory=True):
    """Best wall time of ``repeat`` untraced runs, then peak traced memory of one more run.

    tracemalloc slows numpy and pandas down a lot, so time and memory are
    measured in separate runs. Peak memory counts what numpy, pandas and
    Python allocate during the call (pyarrow buffers are not traced).
    """
    best = float("inf")
    out = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    peak = float("nan")
    if memory:
        gc.collect()
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out, best, peak


def bare_numpy(df: pd.DataFrame) -> np.ndarray:
    """The floor: factorize case and activity, lexsort, bincount of directly-follows pairs."""
    case, _ = pd.factorize(df["customer_id"])
    act, acts = pd.factorize(df["touchpoint"])
    t = df["timestamp"].to_numpy().view("int64")
    order = np.lexsort((t, case))
    c, a = case[order], act[order]
    same = c[1:] == c[:-1]
    k = len(acts)
    return np.bincount(a[:-1][same] * k + a[1:][same], minlength=k * k)


def sorted_floor(df: pd.DataFrame) -> np.ndarray:
    """The floor on rows already sorted by case and time: factorize, then one pass."""
    case, _ = pd.factorize(df["customer_id"])
    act, acts = pd.factorize(df["touchpoint"])
    same = case[1:] == case[:-1]
    k = len(acts)
    return np.bincount(act[:-1][same] * k + act[1:][same], minlength=k * k)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--no-pm4py", action="store_true")
    p.add_argument(
        "--no-pm4py-memory",
        action="store_true",
        help="skip the (slow, traced) memory run of the pm4py rows",
    )
    p.add_argument("--repeat", type=int, default=3, help="best of N for the fast rows")
    args = p.parse_args(argv)

    df = journey_log(args.customers)
    cols = df[["customer_id", "touchpoint", "timestamp"]]
    input_mb = cols.memory_usage(deep=True, index=False).sum() / 2**20
    print(
        f"# synthetic log: {args.customers:,} customers, {len(df):,} events, unsorted rows; "
        f"input columns {input_mb:,.0f} MiB"
    )
    rows = []

    def best(fn):
        return measure(fn, repeat=args.repeat)

    _, t_np, m_np = best(lambda: bare_numpy(cols))
    rows.append(("bare numpy (factorize + lexsort + bincount)", t_np, m_np))

    def jm_discover():
        log = jm.from_pandas(cols, case="customer_id", activity="touchpoint", timestamp="timestamp")
        return log, jm.discover(log)

    (log, graph), t_jm, m_jm = best(jm_discover)
    rows.append(("journeymine from_pandas + discover", t_jm, m_jm))
    _, t_var, m_var = best(lambda: jm.variants(log))
    rows.append(("journeymine variants", t_var, m_var))
    dense = bare_numpy(cols)
    assert int(dense.sum()) == int(graph.edges["events"].sum())

    t_pm = None
    if not args.no_pm4py:
        import pm4py

        def pm_discover():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = pm4py.format_dataframe(
                    cols.copy(),
                    case_id="customer_id",
                    activity_key="touchpoint",
                    timestamp_key="timestamp",
                )
                dfg = pm4py.discover_dfg(f)
                perf = pm4py.discover_performance_dfg(f)
            return f, dfg, perf

        (f, dfg, _), t_pm, m_pm = measure(pm_discover, memory=not args.no_pm4py_memory)
        rows.append(("pm4py format + dfg + performance dfg", t_pm, m_pm))
        assert dict(dfg[0]) == graph.to_pm4py()[0], "pm4py and journeymine disagree"
        _, t_pmv, m_pmv = measure(lambda: pm4py.get_variants(f), memory=not args.no_pm4py_memory)
        rows.append(("pm4py get_variants", t_pmv, m_pmv))

    print(f"{'step':<46} {'seconds':>9} {'x numpy':>8} {'peak MiB':>9} {'x input':>8}")
    for name, t, m in rows:
        print(f"{name:<46} {t:9.3f} {t / t_np:8.2f} {m / 2**20:9.0f} {m / 2**20 / input_mb:8.2f}")
    if t_pm is not None:
        print(f"# pm4py discovery / journeymine discovery: {t_pm / t_jm:.1f}x")


if __name__ == "__main__":
    main()
