"""Dask on a real cluster (issue 28): two worker processes with a memory limit each.

Run from the repository root::

    python benchmarks/bench_cluster.py [--events 100M] [--memory-limit 4GiB] [--dir PATH]

It writes a folder of Parquet files with ``--events`` synthetic journey events
(``benchmarks.synthetic.journey_log``, ~5 events per customer), one chunk of
at most 1 M customers at a time, so the 100 M events are never all in memory;
a folder that is already complete (it holds ``_complete``) is reused. Then it
starts a ``distributed.LocalCluster`` of two worker processes, one thread
each, with ``--memory-limit`` per worker, reads the folder with
``jm.read_parquet(folder, engine="dask")`` (one validation pass, which also
sees that each file holds its own range of customers, so the events need no
shuffle by case: every file is a partition of whole cases) and runs,
each once, on the Dask-backed log: ``jm.discover``, ``jm.check`` against a
model of the synthetic stages, ``jm.funnel`` over those stages and
``jm.retention`` (clock started at ``Place order``, a return is any later
Retention or Advocacy touchpoint, 1-hour periods). The log is not persisted:
every analysis reads the Parquet files again, as a log larger than the
cluster's memory must (were the files to mix customers, every analysis would
also shuffle all events by case again).

Per step it records the wall time, each worker's peak resident memory
(sampled every 0.2 s with psutil from the worker process ids), the client's
peak, the bytes the workers spilled to disk (``SpillBuffer`` write metrics)
and the memory warnings in the worker logs; it fails if a worker went above
its limit or was restarted (a restarted worker's new process is not
sampled: the run is reported as failed anyway). With ``--verify`` (the default up to 10 M
events) the four results are checked equal to the in-memory engine's first.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.run import label, load_average, parse_size, versions  # noqa: E402
from benchmarks.synthetic import STAGE_OF, STAGES, journey_log  # noqa: E402

COLS = dict(case="customer_id", activity="touchpoint", timestamp="timestamp")
EVENTS_PER_CASE = 5
CUSTOMERS_PER_CHUNK = 1_000_000  # ~5 M events, ~0.5 GiB as a DataFrame
FILES_PER_CHUNK = 5  # ~1 M events per Parquet file
LAYOUT = "each file one range of customers"  # in _complete: older folders mixed them
LOOPS = [(b, a) for a, b in zip(list(STAGES), list(STAGES)[1:], strict=False)]
RETENTION = dict(
    start="Place order",
    back=STAGES["Retention"] + STAGES["Advocacy"],
    period="1h",
    periods=12,
    cohort="M",
)
GiB = 2**30


def model() -> jm.JourneyModel:
    return jm.JourneyModel(
        stages=list(STAGES),
        activities=STAGE_OF,
        loops=LOOPS,
        purchase=["Place order"],
        returns=["Return item"],
    )


# ----------------------------------------------------------------------------- data


def dataset(folder: Path, events: int) -> Path:
    """Write ``events`` synthetic events to ``folder`` chunk by chunk (reused when complete)."""
    done = folder / "_complete"
    if done.exists() and LAYOUT in done.read_text():
        print(f"# reusing {folder} ({done.read_text().strip()})", flush=True)
        return folder
    if folder.exists():
        shutil.rmtree(folder)  # an earlier run stopped half way
    folder.mkdir(parents=True)
    customers = max(1, events // EVENTS_PER_CASE)
    t = time.perf_counter()
    written = 0
    for i, start in enumerate(range(0, customers, CUSTOMERS_PER_CHUNK)):
        n = min(CUSTOMERS_PER_CHUNK, customers - start)
        df = journey_log(n, seed=1000 + i)
        # distinct ids per chunk: C<3-digit chunk><8-digit customer>
        # each file holds the events of its own range of customers (rows shuffled within it),
        # as an export partitioned by customer would
        number = df["customer_id"].str.slice(1).astype(np.int64).to_numpy()
        df["customer_id"] = f"C{i:03d}" + df["customer_id"].str.slice(1)
        which = number * FILES_PER_CHUNK // max(n, 1)
        for j in range(FILES_PER_CHUNK):
            rows = np.flatnonzero(which == j)
            df.iloc[rows].to_parquet(folder / f"part-{i:03d}-{j}.parquet", index=False)
        written += len(df)
        print(f"#   chunk {i + 1}: {written:,} events written", flush=True)
        del df
        gc.collect()
    done.write_text(f"{written:,} events, {customers:,} customers, {LAYOUT}\n")
    print(f"# wrote {written:,} events to {folder} in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


# ----------------------------------------------------------------------------- monitoring


class WorkerMemory:
    """Sample the resident memory of the worker processes (and the client) every ``interval`` s.

    Peaks are kept per step (:meth:`step`); a worker process that disappears
    (killed by its nanny, or restarted) is recorded in :attr:`lost`.
    """

    def __init__(self, pids: dict[str, int], interval: float = 0.2) -> None:
        import psutil

        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.me = psutil.Process()
        self.interval = interval
        self.peaks: dict[str, dict[str, int]] = {}
        self.current = "start"
        self.lost: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def step(self, name: str) -> None:
        with self._lock:
            self.current = name
            self.peaks.setdefault(name, {})

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            sample = {"client": self.me.memory_info().rss}
            for name, proc in self.procs.items():
                try:
                    sample[name] = proc.memory_info().rss
                except psutil.Error:
                    if name not in self.lost:
                        self.lost.append(name)
            with self._lock:
                peaks = self.peaks.setdefault(self.current, {})
                for k, v in sample.items():
                    peaks[k] = max(peaks.get(k, 0), v)
            self._stop.wait(self.interval)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _spill_metrics(dask_worker: Any) -> tuple[float, float]:
    """(bytes ever written to disk by the spill buffer, bytes on disk now) of one worker."""
    data = dask_worker.data
    written = float(getattr(data, "cumulative_metrics", {}).get(("disk-write", "bytes"), 0.0))
    try:
        now = float(data.spilled_total.disk)
    except AttributeError:
        now = 0.0
    return written, now


def _worker_identity(dask_worker: Any) -> tuple[int, str]:
    return os.getpid(), dask_worker.name


# ----------------------------------------------------------------------------- benchmark


def analyses(jm_model: jm.JourneyModel) -> list[tuple[str, Callable[[Any], Any]]]:
    return [
        ("discover", lambda log: jm.discover(log)),
        ("check", lambda log: jm.check(log, jm_model)),
        ("funnel", lambda log: jm.funnel(log, jm_model)),
        ("retention", lambda log: jm.retention(log, **RETENTION)),
    ]


def _seconds(s: Any) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_timedelta64_dtype(s):
        return s.dt.total_seconds().to_numpy(dtype="float64")
    return s.to_numpy(dtype="float64")


def assert_same(name: str, got: Any, want: Any) -> None:
    """The Dask result equals the in-memory one (tables column by column)."""
    import pandas as pd

    def frames(x: Any) -> list[pd.DataFrame]:
        if isinstance(x, pd.DataFrame):
            return [x]
        if name == "discover":
            return [x.edges, x.nodes]
        return [x.cases, x.deviations, x.summary]

    for g, w in zip(frames(got), frames(want), strict=True):
        g, w = g.reset_index(drop=True), w.reset_index(drop=True)
        # medians and p90s of a merged graph come from mergeable histograms: within 1 %
        approx = [c for c in g.columns if name == "discover" and ("median" in c or "p90" in c)]
        pd.testing.assert_frame_equal(g.drop(columns=approx), w.drop(columns=approx))
        for c in approx:
            a, b = _seconds(g[c]), _seconds(w[c])
            assert np.allclose(a, b, rtol=0.01, equal_nan=True), f"{name}: {c} off by > 1 %"


def reference(folder: Path, steps: list[tuple[str, Callable[[Any], Any]]]) -> dict[str, Any]:
    """The in-memory engine's results on the same files."""
    import pandas as pd

    df = pd.read_parquet(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        log = jm.from_pandas(df, **COLS)
        return {name: fn(log) for name, fn in steps}


def progress(row: tuple[str, float, dict[str, int], float], mem: WorkerMemory) -> None:
    """One line per finished step, as it happens (the table comes at the end)."""
    from dask.utils import format_bytes

    peaks = mem.peaks.get(row[0], {})
    print(
        f"# {datetime.now(UTC):%H:%M:%S} {row[0]}: {row[1]:.1f} s, peaks "
        + ", ".join(f"{k} {format_bytes(v)}" for k, v in sorted(peaks.items()))
        + f", spilled {format_bytes(int(row[3]))}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    events = parse_size(args.events)
    folder = Path(args.dir or f"/tmp/jm-cluster-{label(events)}")
    limit = parse_bytes(args.memory_limit)
    dataset(folder, events)
    import pyarrow.parquet as pq

    files = sorted(folder.glob("*.parquet"))
    n_events = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    steps = analyses(model())
    verify = args.verify if args.verify is not None else n_events <= 10_000_000
    want = reference(folder, steps) if verify else {}
    gc.collect()

    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load_average()
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=limit,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    rows: list[tuple[str, float, dict[str, int], float]] = []
    problems: list[str] = []
    try:
        idents = client.run(_worker_identity)
        pids = {f"worker {name}": pid for pid, name in idents.values()}
        spilled0 = sum(w for w, _ in client.run(_spill_metrics).values())
        with WorkerMemory(pids) as mem:
            mem.step("read_parquet (validate)")
            t = time.perf_counter()
            log = jm.read_parquet(folder, engine="dask", **COLS)
            rows.append(("read_parquet (validate)", time.perf_counter() - t, {}, 0.0))
            progress(rows[-1], mem)
            nparts = log.npartitions
            shuffled = log._shuffled
            for name, fn in steps:
                gc.collect()
                mem.step(name)
                t = time.perf_counter()
                try:
                    got = fn(log)
                except Exception as exc:  # e.g. KilledWorker: record it, go on
                    problems.append(f"{name} failed: {type(exc).__name__}: {exc}"[:300])
                    got = None
                seconds = time.perf_counter() - t
                spilled1 = sum(w for w, _ in client.run(_spill_metrics).values())
                rows.append((name, seconds, {}, spilled1 - spilled0))
                progress(rows[-1], mem)
                spilled0 = spilled1
                if verify and got is not None:
                    assert_same(name, got, want[name])
                del got
        peaks = mem.peaks
        rows = [(n, s, peaks.get(n, {}), sp) for n, s, _, sp in rows]
        lost = list(mem.lost)
        now = {f"worker {name}": pid for pid, name in client.run(_worker_identity).values()}
        if lost or now != pids:
            problems.append(f"worker restarted or lost: before {pids}, after {now}, lost {lost}")
        logs = client.get_worker_logs()
    finally:
        client.close()
        cluster.close()
    load_after = load_average()

    # --- the table
    workers = sorted(pids)
    print(
        f"## Dask on a LocalCluster: {n_events:,} events in {len(files)} Parquet files "
        f"({folder}), {nparts} partitions; 2 worker processes x 1 thread, memory_limit {format_bytes(limit)} each"
    )
    how = "yes (P2P, by every analysis)" if shuffled else "no (each file holds its own customers)"
    print(f"# events shuffled by case: {how}")
    print(f"# {started}; {load_before}; after: {load_after}")
    print(f"# {versions()}")
    why = "--no-verify" if args.verify is False else "above 10 M events"
    print(f"# verified equal to the in-memory engine: {'yes' if verify else f'no ({why})'}")
    head = ["step", "wall s"] + [f"peak {w}" for w in workers] + ["peak client", "spilled"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    total = 0.0
    for name, seconds, peak, spilled in rows:
        total += seconds
        cells = [name, f"{seconds:.1f}"]
        cells += [format_bytes(peak.get(w, 0)) for w in workers]
        cells += [format_bytes(peak.get("client", 0)), format_bytes(int(spilled))]
        print("| " + " | ".join(cells) + " |")
        for w in workers:
            if peak.get(w, 0) > limit:
                problems.append(f"{w} went above its limit in {name}: {format_bytes(peak[w])}")
    print(f"# total {total:.0f} s")
    memory_lines = [
        f"{addr}: {msg.strip()[:160]}"
        for addr, records in logs.items()
        for level, msg in records
        if level in ("WARNING", "ERROR", "CRITICAL")
        and any(k in msg.lower() for k in ("memory", "spill", "pause", "restart", "kill"))
    ]
    print(f"# worker log lines about memory: {len(memory_lines)}")
    for line in memory_lines[:10]:
        print(f"#   {line}")
    for p in problems:
        print(f"# PROBLEM: {p}")
    if problems:
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    warnings.filterwarnings("ignore", "[0-9,]+ events? repeats? the event", jm.JourneymineWarning)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", default="100M", help="events to write (default 100M)")
    p.add_argument("--memory-limit", default="4GiB", help="per worker (default 4GiB)")
    p.add_argument("--dir", default=None, help="data folder (default /tmp/jm-cluster-<events>)")
    p.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="check every result against the in-memory engine (default: up to 10M events)",
    )
    run(p.parse_args(argv))


if __name__ == "__main__":
    main()
