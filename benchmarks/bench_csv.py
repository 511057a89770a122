"""Time reading a CSV event log: journeymine vs pandas, DuckDB and Polars, one synthetic log.

Run ``python benchmarks/bench_csv.py --events 5M`` from the repository root.
The synthetic log (``benchmarks/synthetic.py``, rows shuffled) is written once
as a plain CSV under ``benchmarks/.cache/``. Every row reads the file and
builds what the next step needs: journeymine a validated ``JourneyLog``, the
others a frame with parsed timestamps; ``+ DFG`` rows also count the
directly-follows pairs, and the table ends with a check that all found the
same counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.bench_discover import measure  # noqa: E402
from benchmarks.run import CACHE, cached_log, dfg_counts_jm, label, parse_size  # noqa: E402

COLS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "timestamp"}
DUCK_DFG = (
    "SELECT src, dst, count(*) AS n FROM (SELECT touchpoint AS src, lead(touchpoint) OVER "
    "(PARTITION BY customer_id ORDER BY timestamp, row) AS dst FROM (SELECT *, row_number() "
    "OVER () AS row FROM read_csv('{path}', timestampformat = '%Y-%m-%d %H:%M:%S'))) "
    "WHERE dst IS NOT NULL GROUP BY ALL"
)


def csv_file(events: int) -> Path:
    """The synthetic log with ~``events`` events as a CSV file (written once)."""
    parquet = cached_log(events)
    path = CACHE / parquet.with_suffix(".csv").name
    if not path.exists():
        import pandas as pd

        frame = pd.read_parquet(parquet)
        frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False)
        tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", default="5M", help="log size in events, e.g. 1M, 5M, 10M")
    p.add_argument("--repeat", type=int, default=3, help="best of N")
    args = p.parse_args(argv)
    events = parse_size(args.events)
    path = csv_file(events)
    size = path.stat().st_size / 2**20
    print(
        f"# CSV read, {label(events)} events: {path.name} ({size:,.0f} MiB), best of "
        f"{args.repeat}, load average {os.getloadavg()[0]:.2f}"
    )
    rows: list[tuple[str, float, str]] = []
    counts: dict[str, dict[tuple[str, str], int]] = {}

    def add(name: str, fn, note: str = "") -> object:
        out, t, _ = measure(fn, repeat=args.repeat, memory=False)
        rows.append((name, t, note))
        print(f"#   {name}: {t:.3f} s", flush=True)
        return out

    def jm_read(arrow: bool):
        from journeymine.io import tabular

        def read():
            tabular._ARROW_CSV = arrow
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return jm.read_csv(path, **COLS)
            finally:
                tabular._ARROW_CSV = True

        return read

    add("jm read_csv (Arrow reader)", jm_read(True), "validated JourneyLog")
    add("jm read_csv (pandas reader)", jm_read(False), "the same, pandas' C reader")
    log = jm_read(True)()
    graph = add("jm read_csv + discover", lambda: jm.discover(jm_read(True)()))
    counts["journeymine"] = dfg_counts_jm(graph)
    del log

    import pandas as pd

    add(
        "pandas read_csv + to_datetime",
        lambda: pd.read_csv(path).assign(timestamp=lambda d: pd.to_datetime(d["timestamp"])),
        "no validation, no log",
    )
    try:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads=2")
        res = add(
            "DuckDB read_csv + lead() window",
            lambda: con.execute(DUCK_DFG.format(path=path)).fetchall(),
            "2 threads",
        )
        counts["DuckDB"] = {(s, t): int(n) for s, t, n in res}
    except ImportError:
        rows.append(("DuckDB", float("nan"), "duckdb not installed"))
    try:
        import polars as pl

        add(
            "Polars read_csv (parse dates)",
            lambda: pl.read_csv(path, try_parse_dates=True),
            f"{os.environ.get('POLARS_MAX_THREADS', 'all')} threads",
        )
    except ImportError:
        rows.append(("Polars", float("nan"), "polars not installed"))

    ref = rows[0][1]
    print(f"{'step':<40} {'seconds':>8} {'x jm':>6}  note")
    print("-" * 80)
    for name, t, note in rows:
        print(f"{name:<40} {t:8.3f} {t / ref:6.2f}  {note}")
    first = next(iter(counts.values()))
    assert all(c == first for c in counts.values()), "directly-follows counts differ"
    print(f"# DFG counts identical: {' == '.join(counts)}")


if __name__ == "__main__":
    main()
