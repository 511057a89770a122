"""Time the filters and compare on a built log against the bare numpy pass for the same answer.

Run from the repository root::

    python benchmarks/bench_slice.py [--customers 1000000] [--repeat 3]

The synthetic log (``benchmarks/synthetic.py``, ~5 events per customer) is
built once with ``jm.from_pandas`` (not timed here; see bench_discover). Each
row times one call on the built in-memory log and, beside it, its numpy
floor: the least numpy work that computes the same selection from the log's
integer arrays (a mask per event or per case, and taking the kept events of
the four event arrays), with no validation, no error messages and no new
``JourneyLog`` (whose construction checks the order and counts the cases).
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
from benchmarks.bench_discover import measure  # noqa: E402
from benchmarks.run import load_average, versions  # noqa: E402
from benchmarks.synthetic import STAGE_OF, STAGES, journey_log  # noqa: E402


def _take(log: jm.JourneyLog, mask: np.ndarray) -> int:
    """The floor's last step: keep the masked events of the four event arrays."""
    kept = [a[mask] for a in (log.case_codes, log.activity_codes, log.time, log.rows)]
    return int(kept[0].size)


def _code(log: jm.JourneyLog, activity: str) -> int:
    return int(log.activity_labels.get_loc(activity))


def floor_has(log: jm.JourneyLog) -> int:
    hit = log.activity_codes == _code(log, "Place order")
    keep = np.bincount(log.case_codes[hit], minlength=log.n_cases) > 0
    return _take(log, keep[log.case_codes])


def floor_follows(log: jm.JourneyLog) -> int:
    a, b = _code(log, "Add to cart"), _code(log, "Start checkout")
    acts, cases = log.activity_codes, log.case_codes
    pair = (acts[:-1] == a) & (acts[1:] == b) & (cases[:-1] == cases[1:])
    keep = np.bincount(cases[:-1][pair], minlength=log.n_cases) > 0
    return _take(log, keep[cases])


def floor_duration(log: jm.JourneyLog) -> int:
    off = log.case_offsets
    keep = log.time[off[1:] - 1] - log.time[off[:-1]] >= pd.Timedelta("1h").value
    return _take(log, keep[log.case_codes])


def floor_time(log: jm.JourneyLog, lo: int, hi: int) -> int:
    return _take(log, (log.time >= lo) & (log.time < hi))


def floor_contained(log: jm.JourneyLog, lo: int, hi: int) -> int:
    off = log.case_offsets
    first, last = log.time[off[:-1]], log.time[off[1:] - 1]
    keep = (first >= lo) & (first < hi) & (last >= lo) & (last < hi)
    return _take(log, keep[log.case_codes])


def floor_drop(log: jm.JourneyLog) -> int:
    return _take(log, log.activity_codes != _code(log, "See social ad"))


def floor_compare(log: jm.JourneyLog, group: np.ndarray) -> float:
    """Conversion per group (bincount) and the median events and duration per group."""
    hit = log.activity_codes == _code(log, "Place order")
    converted = np.bincount(log.case_codes[hit], minlength=log.n_cases) > 0
    k = int(group.max()) + 1
    np.bincount(group, weights=converted, minlength=k)
    off = log.case_offsets
    duration = log.time[off[1:] - 1] - log.time[off[:-1]]
    sizes = np.diff(off)
    order = np.lexsort((duration, group))
    order2 = np.lexsort((sizes, group))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=k))])
    mids = (bounds[:-1] + bounds[1:]) // 2
    return float(duration[order][mids].sum() + sizes[order2][mids].sum())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3, help="best of N")
    args = p.parse_args(argv)

    print(f"# bench_slice, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    df = journey_log(args.customers)
    rng = np.random.default_rng(1)
    first_channel = rng.choice(["web", "app", "store", "email"], size=args.customers)
    df["channel"] = first_channel[df["customer_id"].str[1:].astype(np.int64).to_numpy()]
    log = jm.from_pandas(
        df, case="customer_id", activity="touchpoint", timestamp="timestamp", channel="channel"
    )
    del df
    print(f"# {log.n_cases:,} customers, {log.n_events:,} events")
    model = jm.JourneyModel(
        stages=list(STAGES), activities=STAGE_OF, purchase=["Place order"], returns=["Return item"]
    )
    t_lo, t_hi = pd.Timestamp("2025-03-01").value, pd.Timestamp("2025-06-01").value
    codes, _ = log.codes("channel")
    group = codes[log.case_offsets[:-1]]

    rows = [
        (
            "filter_cases(has='Place order')",
            lambda: jm.filter_cases(log, has="Place order"),
            lambda: floor_has(log),
        ),
        (
            "filter_cases(follows=(cart, checkout))",
            lambda: jm.filter_cases(log, follows=("Add to cart", "Start checkout")),
            lambda: floor_follows(log),
        ),
        (
            "filter_cases(min_duration='1h')",
            lambda: jm.filter_cases(log, min_duration="1h"),
            lambda: floor_duration(log),
        ),
        (
            "filter_cases(variants=10)",
            lambda: jm.filter_cases(log, variants=10),
            None,
        ),
        (
            "filter_time(mode='contained')",
            lambda: jm.filter_time(log, "2025-03-01", "2025-06-01"),
            lambda: floor_contained(log, t_lo, t_hi),
        ),
        (
            "filter_time(mode='trim')",
            lambda: jm.filter_time(log, "2025-03-01", "2025-06-01", mode="trim"),
            lambda: floor_time(log, t_lo, t_hi),
        ),
        (
            "filter_events(activities=ad, keep=False)",
            lambda: jm.filter_events(log, activities="See social ad", keep=False),
            lambda: floor_drop(log),
        ),
        (
            "compare(log, 'channel', outcome='Place order')",
            lambda: jm.compare(log, "channel", outcome="Place order"),
            lambda: floor_compare(log, group),
        ),
        (
            "compare(log, 'channel', model=model)",
            lambda: jm.compare(log, "channel", model=model),
            lambda: floor_compare(log, group),
        ),
    ]
    head = f"{'step':<48} {'seconds':>8} {'numpy floor':>12} {'x floor':>8}"
    print(head)
    print("-" * len(head))
    for name, fn, floor in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, t, _ = measure(fn, repeat=args.repeat, memory=False)
        if floor is None:
            print(f"{name:<48} {t:>8.2f} {'-':>12} {'-':>8}")
            continue
        _, tf, _ = measure(floor, repeat=args.repeat, memory=False)
        print(f"{name:<48} {t:>8.2f} {tf:>12.2f} {t / tf:>8.1f}")


if __name__ == "__main__":
    main()
