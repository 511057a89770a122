"""Time conformance checking: ``jm.check`` vs the bare numpy pass vs pm4py token replay.

Run from the repository root::

    python benchmarks/bench_check.py [--customers 1000000] [--replay-cases 20000]

The synthetic log (``benchmarks/synthetic.py``, ~5 events per customer) is
checked against the journey model built from its own stages, with the
one-stage-back loops the generator produces allowed. pm4py's token-based
replay runs against a Petri net found by the inductive miner on 10,000 cases;
it is slow, so by default it replays only the first ``--replay-cases`` cases
and its time for the whole log is extrapolated linearly (marked as such).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")  # read by pm4py at import

import journeymine as jm  # noqa: E402
from benchmarks.bench_discover import bare_numpy, measure  # noqa: E402
from benchmarks.run import (  # noqa: E402
    COLS,
    SAMPLE_CASES,
    check_function,
    fmt_table,
    load_average,
    synthetic_model,
    versions,
)
from benchmarks.synthetic import journey_log  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3, help="best of N for the fast rows")
    p.add_argument(
        "--replay-cases",
        type=int,
        default=20_000,
        help="cases pm4py replays (0 = all; the time is scaled to the whole log)",
    )
    p.add_argument("--no-pm4py", action="store_true")
    args = p.parse_args(argv)

    print(f"# bench_check, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    df = journey_log(args.customers)
    cols = df[["customer_id", "touchpoint", "timestamp"]]
    del df
    input_bytes = float(cols.memory_usage(deep=True, index=False).sum())
    rows = []

    _, t_np, m_np = measure(lambda: bare_numpy(cols), repeat=args.repeat)
    rows.append(("bare numpy (factorize + lexsort + bincount)", t_np, m_np, ""))
    log, t_log, m_log = measure(lambda: jm.from_pandas(cols, **COLS), repeat=args.repeat)
    rows.append(("jm from_pandas", t_log, m_log, ""))
    model = synthetic_model()
    check = check_function()
    if check is None:
        rows.append(("jm check", None, None, "journeymine.conformance not importable"))
    else:
        report, t_chk, m_chk = measure(lambda: check(log, model), repeat=args.repeat)
        rows.append(("jm check (on a JourneyLog)", t_chk, m_chk, "target <= 2x numpy"))
        rows.append(("jm from_pandas + check (sum)", t_log + t_chk, None, ""))
        n_dev = len(report.deviations)
        conform = float(report.cases["conforms"].mean()) if "conforms" in report.cases else None
        extra = f", {conform:.1%} of cases conform" if conform is not None else ""
        print(f"# jm check: {n_dev:,} deviations{extra}")

    if not args.no_pm4py:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pm4py

            f = pm4py.format_dataframe(
                cols.copy(),
                case_id="customer_id",
                activity_key="touchpoint",
                timestamp_key="timestamp",
            )
            key = "case:concept:name"
            ids = f[key].drop_duplicates()
            sample = f[f[key].isin(ids.iloc[:SAMPLE_CASES])]
            net, im, fm = pm4py.discover_petri_net_inductive(sample)
            n_replay = len(ids) if args.replay_cases <= 0 else min(args.replay_cases, len(ids))
            part = f if n_replay == len(ids) else f[f[key].isin(ids.iloc[:n_replay])]
            t = time.perf_counter()
            pm4py.conformance_diagnostics_token_based_replay(part, net, im, fm)
            t_pm = time.perf_counter() - t
        scale = len(ids) / n_replay
        note = (
            f"{n_replay:,} cases replayed in {t_pm:.1f} s, x{scale:.0f} extrapolated"
            if scale > 1
            else "whole log, 1 run"
        )
        rows.append(("pm4py token-based replay", t_pm * scale, None, note))

    print(
        f"## check, {args.customers:,} customers, {len(cols):,} events "
        f"(input columns {input_bytes / 2**20:,.0f} MiB; best of {args.repeat}); "
        f"after: {load_average()}"
    )
    print(fmt_table("", rows, t_np, input_bytes).split("\n", 1)[1])


if __name__ == "__main__":
    main()
