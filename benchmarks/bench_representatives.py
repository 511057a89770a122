"""Time ``jm.representatives`` beside ``jm.discover`` on the synthetic journey log.

Run from the repository root::

    python benchmarks/bench_representatives.py [--customers 100000 300000 1000000]

For each size, ``synthetic.journey_log(customers)`` (~5 events per customer,
shuffled) is built once with ``jm.from_pandas``; then ``jm.discover(log)`` and
``jm.representatives(log)`` (defaults: coverage 0.8, tolerance 0.3) each run
once, untraced, and the table prints both times, their ratio (issue 28's
target: at most 10x at 1 M customers), the variants, the journeys chosen,
the share of cases they represent, and, from ``table.attrs``, the candidates,
rounds and candidate-variant pairs compared (blank for a version without
them). The representative journeys cost grows with the variants, not the
cases; one run each because the slowest versions take minutes.

To time another checkout's code with the same script, put its ``src`` first:
``PYTHONPATH=/path/to/other/src python benchmarks/bench_representatives.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.run import load_average, versions  # noqa: E402
from benchmarks.synthetic import journey_log  # noqa: E402

COLS = dict(case="customer_id", activity="touchpoint", timestamp="timestamp")


def one_size(customers: int) -> list[str]:
    df = journey_log(customers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate events of the generator, candidate rounds
        log = jm.from_pandas(df, **COLS)
        del df
        start = time.perf_counter()
        jm.discover(log)
        t_discover = time.perf_counter() - start
        start = time.perf_counter()
        table = jm.representatives(log)
        t_reps = time.perf_counter() - start
    from journeymine.discovery import variant_ids

    attrs = table.attrs
    return [
        f"{customers:,}",
        f"{log.n_events:,}",
        f"{variant_ids(log)[1].size:,}",
        f"{t_discover:.2f} s",
        f"{t_reps:.2f} s",
        f"{t_reps / t_discover:.1f}x",
        f"{len(table):,}",
        f"{table['cumulative_share'].iloc[-1]:.3f}" if len(table) else "0",
        f"{attrs['candidates']:,}" if "candidates" in attrs else "",
        str(attrs.get("rounds", "")),
        f"{attrs['pairs']:,}" if "pairs" in attrs else "",
    ]


def text_table(head: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, columns padded to their widest cell."""
    width = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(r, width, strict=True)) + " |"
        for r in [head, *rows]
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 1) + ":" for w in width) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    args = parser.parse_args(argv)
    print(versions())
    print(f"journeymine from {Path(jm.__file__).parent}")
    print(load_average(), "(before)")
    rows = [one_size(n) for n in args.customers]
    head = [
        "customers",
        "events",
        "variants",
        "discover",
        "representatives",
        "x discover",
        "journeys",
        "represented",
        "candidates",
        "rounds",
        "pairs compared",
    ]
    print(text_table(head, rows))
    print(load_average(), "(after)")


if __name__ == "__main__":
    main()
