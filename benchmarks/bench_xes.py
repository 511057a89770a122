"""Benchmark journeymine's XES reader against pm4py's default importer.

Each reader runs in a fresh Python process, so that its peak resident memory
is its own; imports are done before the clock starts. Run from the
repository root::

    python benchmarks/bench_xes.py [PATH] [--repeat N] [--skip-pm4py]

PATH defaults to ``../shared/data/road_traffic_fines.xes.gz`` beside the
checkout. Times are the best of ``--repeat`` runs (each in its own process).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "road_traffic_fines.xes.gz"

READERS = {
    "pm4py.read_xes": "pm4py's default importer, to a DataFrame",
    "jm read_xes_frame": "journeymine, to a DataFrame",
    "jm read_xes": "journeymine, to a validated JourneyLog",
}


def _rss_mib() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _run_one(reader: str, path: str) -> dict[str, float]:
    """Time one reader in this process and return its figures."""
    if reader == "pm4py.read_xes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pm4py

        def call() -> int:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return len(pm4py.read_xes(path, show_progress_bar=False))

    elif reader == "jm read_xes_frame":
        from journeymine.io.xes import read_xes_frame

        def call() -> int:
            return len(read_xes_frame(path))

    else:
        from journeymine.io.xes import read_xes

        def call() -> int:
            return read_xes(path).n_events

    baseline = _rss_mib()
    start = time.perf_counter()
    events = call()
    seconds = time.perf_counter() - start
    peak = _rss_mib()
    return {"seconds": seconds, "peak_rss": peak, "growth": peak - baseline, "events": events}


def _in_subprocess(reader: str, path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, path, "--one", reader],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT), help="XES file to read")
    parser.add_argument("--repeat", type=int, default=1, help="runs per reader (best time kept)")
    parser.add_argument("--skip-pm4py", action="store_true", help="do not run pm4py")
    parser.add_argument("--one", choices=list(READERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # child process: one measurement, as JSON
        print(json.dumps(_run_one(args.one, args.path)))
        return

    path = Path(args.path)
    if not path.is_file():
        sys.exit(f"{path} not found: pass the path of an .xes or .xes.gz file.")
    readers = [r for r in READERS if not (args.skip_pm4py and r.startswith("pm4py"))]
    results: dict[str, dict[str, float]] = {}
    for reader in readers:
        runs = [_in_subprocess(reader, str(path)) for _ in range(max(args.repeat, 1))]
        results[reader] = min(runs, key=lambda r: r["seconds"])

    reference = results.get("pm4py.read_xes", {}).get("seconds")
    print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MiB on disk)")
    print(
        f"python {sys.version.split()[0]}, best of {max(args.repeat, 1)} run(s), one process each"
    )
    print()
    header = f"{'reader':<20} {'events':>9} {'seconds':>8} {'speed-up':>9} {'peak RSS MiB':>13} {'RSS growth MiB':>15}"
    print(header)
    print("-" * len(header))
    for reader, r in results.items():
        ratio = f"{reference / r['seconds']:.1f}x" if reference else "-"
        print(
            f"{reader:<20} {int(r['events']):>9,} {r['seconds']:>8.2f} {ratio:>9} "
            f"{r['peak_rss']:>13.0f} {r['growth']:>15.0f}"
        )
    print()
    print(
        "speed-up: pm4py's time divided by the reader's; RSS growth: peak RSS minus RSS after imports"
    )


if __name__ == "__main__":
    main()
