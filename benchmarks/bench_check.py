"""Time conformance checking: ``jm.check`` vs the bare numpy pass vs pm4py token replay.

Run from the repository root::

    python benchmarks/bench_check.py [--customers 1000000] [--replay-cases 20000]
    python benchmarks/bench_check.py --cli grocery [--folder /tmp/jm-check]
    python benchmarks/bench_check.py --cli synthetic --customers 1000000

``--cli`` times the command line instead: it writes the log (CSV for the
grocery-sized log, Parquet for the synthetic one) and its model (YAML) to
``--folder``, then runs ``journeymine check LOG MODEL --out DIR --profile``
once in a child process under ``/usr/bin/time -v`` (wall, user + sys CPU and
peak RSS) and prints its profile. ``grocery`` is a log of the size of the
grocery households log the issue measured (about 160 k events of 2,500
households over two years, 3-stage model, shopping departments the model
does not know), generated here (the real one is not in ``../shared/data``).

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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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

GROCERY_STAGES = {
    "Mailer": ["Receive mailer", "Open mailer", "Clip coupon"],
    "Basket": ["Produce", "Grocery", "Meat", "Deli", "Dairy", "Bakery", "Frozen", "Drinks"],
    "Purchase": ["Checkout", "Redeem coupon", "Pay"],
}
# departments a household shops in that the designed journey does not name
GROCERY_OTHER = [
    "Kiosk-Gas", "Drug GM", "Pastry", "Floral", "Seafood", "Nutrition", "Spirits",
    "Salad bar", "Travel & leisure", "Cosmetics", "Garden center", "Pharmacy",
    "Photo", "Video", "Restaurant", "Coupon/misc", "Chef shoppe", "Toys",
]  # fmt: skip


def grocery_log(households: int = 2_500, events: int = 160_000, seed: int = 0) -> pd.DataFrame:
    """A grocery-households-sized log: trips of mailer, departments and checkout over 2 years."""
    rng = np.random.default_rng(seed)
    mailer, basket, purchase = GROCERY_STAGES.values()
    acts: list[np.ndarray] = []
    trip_len = 7.47  # events per trip on average
    trips = int(events / trip_len)
    hh = np.sort(rng.integers(0, households, trips))
    for _ in range(trips):
        parts = []
        if rng.random() < 0.3:
            parts += list(rng.choice(mailer, rng.integers(1, 3), replace=False))
        depts = rng.choice(basket + GROCERY_OTHER, rng.integers(2, 9), p=_dept_weights())
        parts += list(depts)
        if rng.random() < 0.05:  # back to a mailer after shopping: a deviation
            parts.append(mailer[0])
        if rng.random() < 0.9:
            parts += ["Checkout"] + (["Redeem coupon"] if rng.random() < 0.2 else []) + ["Pay"]
        acts.append(np.asarray(parts, dtype=object))
    sizes = np.array([len(a) for a in acts])
    case = np.repeat(hh, sizes)
    trip_start = pd.Timestamp("2024-01-01").value + rng.integers(0, 730 * 86400, trips) * 10**9
    within = np.concatenate([np.cumsum(rng.integers(20, 400, n)) for n in sizes]) * 10**9
    time = np.repeat(trip_start, sizes) + within
    return pd.DataFrame(
        {
            "household": pd.Series(np.char.add("H", np.char.zfill(case.astype(str), 4))),
            "department": pd.Series(np.concatenate(acts), dtype="str"),
            "timestamp": pd.to_datetime(time, unit="ns"),
        }
    )


def _dept_weights() -> np.ndarray:
    n_basket = len(GROCERY_STAGES["Basket"])
    w = np.r_[np.full(n_basket, 8.0), np.linspace(3.0, 0.2, len(GROCERY_OTHER))]
    return w / w.sum()


def grocery_model() -> jm.JourneyModel:
    return jm.JourneyModel(
        name="grocery",
        stages=list(GROCERY_STAGES),
        activities={a: s for s, acts in GROCERY_STAGES.items() for a in acts},
        loops=[("Purchase", "Mailer"), ("Purchase", "Basket"), ("Basket", "Mailer")],
        purchase=["Pay"],
    )


def run_cli(which: str, customers: int, folder: Path) -> None:
    """Write the log and model, run ``journeymine check --profile`` once under /usr/bin/time -v."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    if which == "grocery":
        df, model, cols = grocery_log(), grocery_model(), ("household", "department", "timestamp")
        path = folder / "grocery.csv"
        df.to_csv(path, index=False)
    else:
        df, model, cols = journey_log(customers), synthetic_model(), tuple(COLS.values())
        path = folder / f"journeys_{customers}.parquet"
        if not path.exists():
            df.to_parquet(path, index=False)
    model_path = folder / f"{which}_model.yaml"
    model.to_yaml(model_path)
    print(f"# {which}: {len(df):,} events, {df[cols[0]].nunique():,} cases -> {path}")
    del df
    cmd = [
        "/usr/bin/time", "-v", sys.executable, "-m", "journeymine", "check", str(path),
        "--case", cols[0], "--activity", cols[1], "--timestamp", cols[2],
        "--model", str(model_path), "--out", str(folder / f"out-{which}"), "--profile", "--quiet",
    ]  # fmt: skip
    print("# " + " ".join(cmd[2:]))
    print(f"# before: {load_average()}")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    print(done.stdout + done.stderr)
    print(f"# after: {load_average()}")


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
    p.add_argument("--cli", choices=["grocery", "synthetic"], default=None)
    p.add_argument("--folder", type=Path, default=Path("/tmp/jm-check"))
    args = p.parse_args(argv)
    if args.cli is not None:
        run_cli(args.cli, args.customers, args.folder)
        return

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
