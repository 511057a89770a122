"""Time the so-what analyses against the bare numpy floor on a synthetic log.

Run from the repository root::

    python benchmarks/bench_sowhat.py [--customers 1000000] [--variants 10000]

The synthetic log (``benchmarks/synthetic.py``, ~5 events per customer) gets
a channel per event (web, app, email, store; drawn at random). Each analysis
runs on the built ``JourneyLog``; its ``x numpy`` is its time over the bare
numpy pass over the raw table (``bench_discover.bare_numpy``). The
representative journeys are timed on a log of as many customers whose
journeys are copies of ``--variants`` distinct sequences: the cost follows
the variants, not the cases.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.bench_discover import bare_numpy, measure  # noqa: E402
from benchmarks.run import COLS, fmt_table, load_average, synthetic_model, versions  # noqa: E402
from benchmarks.synthetic import journey_log  # noqa: E402

CHANNELS = np.array(["web", "app", "email", "store"], dtype=object)


def variant_log(customers: int, n_variants: int, seed: int = 1) -> pd.DataFrame:
    """``customers`` journeys that are copies of ``n_variants`` distinct sequences."""
    base = journey_log(max(4 * n_variants, 1000), seed=seed, shuffle=False)
    log = jm.from_pandas(base, **COLS)
    from journeymine.discovery import variant_ids

    vid, rep = variant_ids(log)
    rep = rep[:n_variants]
    off = log.case_offsets
    sizes = off[rep + 1] - off[rep]
    # customer i follows variant i % n_variants
    which = np.arange(customers) % rep.size
    k = sizes[which]
    start = np.repeat(off[rep][which], k)
    step = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    src = start + step
    return pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(customers), k),
            "touchpoint": np.asarray(log.activity_labels, dtype=object)[log.activity_codes[src]],
            "timestamp": log.time[src].view("datetime64[ns]"),
        }
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--variants", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=2, help="best of N")
    p.add_argument("--no-memory", action="store_true", help="skip the traced-memory run")
    args = p.parse_args(argv)
    memory = not args.no_memory
    warnings.simplefilter("ignore", jm.JourneymineWarning)  # synthetic data repeats events

    print(f"# bench_sowhat, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    analyses(args, memory)
    representatives(args)


def analyses(args: argparse.Namespace, memory: bool) -> None:
    """The table of the analyses that scan the log once, against the numpy floor."""
    df = journey_log(args.customers)
    rng = np.random.default_rng(0)
    df["channel"] = CHANNELS[rng.integers(0, CHANNELS.size, len(df))]
    input_bytes = float(df[list(COLS.values())].memory_usage(deep=True, index=False).sum())
    model = synthetic_model()
    rows = []
    _, t_np, m_np = measure(lambda: bare_numpy(df), repeat=args.repeat, memory=memory)
    rows.append(("bare numpy (factorize + lexsort + bincount)", t_np, m_np, ""))
    log, t_log, m_log = measure(
        lambda: jm.from_pandas(df, **COLS, channel="channel"), repeat=1, memory=memory
    )
    rows.append(("jm from_pandas (not part of the rows below)", t_log, m_log, ""))
    target = "target <= 2x numpy"
    cases = [
        ("jm deviation_impact (conversion)", lambda: jm.deviation_impact(log, model), target),
        ("jm conformance_drift (weekly)", lambda: jm.conformance_drift(log, model), target),
        ("jm channel_switches (per case)", lambda: jm.channel_switches(log, model=model), target),
        ("jm channel_switches (summary)", lambda: jm.channel_switches(log, summary=True), target),
        ("jm stage_visits", lambda: jm.stage_visits(log, model), target),
        (
            "jm stage_durations(summary=True) (Kaplan-Meier)",
            lambda: jm.stage_durations(log, model, summary=True),
            "",
        ),
        ("jm check (for reference)", lambda: jm.check(log, model), ""),
    ]
    for name, fn, note in cases:
        _, t, m = measure(fn, repeat=args.repeat, memory=memory)
        rows.append((name, t, m, note))
    print(
        f"## so-what analyses, {args.customers:,} customers, {len(df):,} events "
        f"(input columns {input_bytes / 2**20:,.0f} MiB; best of {args.repeat}); "
        f"after: {load_average()}"
    )
    print(fmt_table("", rows, t_np, input_bytes).split("\n", 1)[1])


def representatives(args: argparse.Namespace) -> None:
    """representatives on ``--variants`` variants, one case each and over ``--customers``."""
    vdf = variant_log(args.customers, args.variants)
    vlog = jm.from_pandas(vdf, **COLS)
    n_var = len(jm.variants(vlog))
    small = jm.from_pandas(vdf[vdf["customer_id"] < n_var], **COLS)
    reps = []
    for label, lg in (("one case per variant", small), (f"{vlog.n_cases:,} cases", vlog)):
        out, t, m = measure(lambda lg=lg: jm.representatives(lg), repeat=1, memory=False)
        reps.append((f"jm representatives, {label}", t, m, f"{len(out)} journeys"))
    print(f"## representatives, {n_var:,} variants; after: {load_average()}")
    print(fmt_table("", reps, None, 1.0).split("\n", 1)[1])


if __name__ == "__main__":
    main()
