"""One entry point for the journeymine benchmarks: ``python -m benchmarks``.

For each log size (synthetic journey logs, ~5 events per customer, cached as
Parquet under ``benchmarks/.cache/``) it prints one table: best wall time and
peak traced memory of every journeymine step next to the bare numpy floor
(factorize + lexsort + bincount), pm4py and DuckDB. It checks that
journeymine, the numpy floor, DuckDB and pm4py find the same directly-follows
counts. Then it times the XES readers on the road-traffic-fines log and,
on request, the Dask engine (``--dask``, ``--out-of-core``).

Examples
--------
    python -m benchmarks --quick                 # 100 k events, about a minute
    python -m benchmarks --sizes 1M              # one size
    python -m benchmarks --sizes 10M --dask      # + Dask on 2 local workers
    python -m benchmarks --out-of-core --sizes none --no-xes   # 50 M events on disk
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")  # read by pm4py at import
os.environ.setdefault("POLARS_MAX_THREADS", "2")  # read by polars at import: as DuckDB

import journeymine as jm  # noqa: E402
from benchmarks.bench_discover import bare_numpy, measure, sorted_floor  # noqa: E402
from benchmarks.synthetic import STAGE_OF, STAGES, journey_log  # noqa: E402

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
XES = DATA / "road_traffic_fines.xes.gz"
COLS = dict(case="customer_id", activity="touchpoint", timestamp="timestamp")
EVENTS_PER_CASE = 5
# stage regressions the synthetic generator produces on purpose (one stage back)
LOOPS = [(b, a) for a, b in zip(list(STAGES), list(STAGES)[1:], strict=False)]
PURCHASE = ["Place order"]
RETURNS = ["Return item"]
SAMPLE_CASES = 10_000  # cases used to discover pm4py's Petri net for token replay

Row = tuple[str, float | None, float | None, str]  # step, seconds, peak bytes, note


# ----------------------------------------------------------------------------- helpers


def parse_size(text: str) -> int:
    """``"100k"`` -> 100_000 events, ``"1M"`` -> 1_000_000, ``"2.5M"`` ..."""
    t = text.strip().lower().replace("_", "")
    scale = {"k": 10**3, "m": 10**6, "g": 10**9}.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in "kmg" else t
    return int(float(number) * scale)


def label(events: int) -> str:
    if events >= 10**6 and events % 10**6 == 0:
        return f"{events // 10**6}M"
    if events >= 10**3 and events % 10**3 == 0:
        return f"{events // 10**3}k"
    return str(events)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def versions() -> str:
    out = [f"python {sys.version.split()[0]}", f"journeymine {jm.__version__}"]
    for name in ("pandas", "numpy", "pyarrow", "pm4py", "duckdb", "dask", "distributed"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = __import__(name)
            out.append(f"{name} {mod.__version__}")
        except ImportError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def machine() -> str:
    try:
        import psutil

        mem = psutil.virtual_memory().total / 2**30
    except ImportError:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, {load_average()}"


def cached_log(events: int) -> Path:
    """The Parquet file of the synthetic log with ~``events`` events (generated once)."""
    customers = max(events // EVENTS_PER_CASE, 1)
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"journeys_{customers}.parquet"
    if not path.exists():
        t = time.perf_counter()
        df = journey_log(customers, seed=0)
        tmp = path.with_suffix(".tmp")
        df.to_parquet(tmp, index=False)
        tmp.rename(path)
        print(f"# generated {path.name}: {len(df):,} events in {time.perf_counter() - t:.1f} s")
    return path


def synthetic_model() -> jm.JourneyModel:
    return jm.JourneyModel(
        stages=list(STAGES),
        activities=STAGE_OF,
        loops=LOOPS,
        purchase=PURCHASE,
        returns=RETURNS,
    )


def check_function() -> Callable[..., Any] | None:
    """``jm.check`` when the conformance module is importable, else None."""
    fn = getattr(jm, "check", None)
    if fn is not None:
        return fn
    try:
        from journeymine.conformance import check
    except ImportError:
        return None
    return check


def dfg_counts_jm(graph: jm.JourneyGraph) -> dict[tuple[str, str], int]:
    e = graph.edges
    return {(s, t): int(n) for s, t, n in zip(e["source"], e["target"], e["events"], strict=True)}


def dfg_counts_numpy(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    dense = bare_numpy(df)
    _, acts = pd.factorize(df["touchpoint"])
    k = len(acts)
    return {(acts[i // k], acts[i % k]): int(dense[i]) for i in np.flatnonzero(dense)}


# The tie-breaker on the input row makes the order stable (as in journeymine and
# pm4py): the synthetic logs have equal timestamps within a case (zero gaps), and
# without it DuckDB orders ties arbitrarily, so its counts differ run to run.
DUCKDB_DFG = (
    "SELECT src, dst, count(*) AS n FROM (SELECT touchpoint AS src, lead(touchpoint) "
    "OVER (PARTITION BY customer_id ORDER BY timestamp, {row}) AS dst FROM {source}) "
    "WHERE dst IS NOT NULL GROUP BY ALL"
)


def fmt_table(title: str, rows: list[Row], t_ref: float | None, input_bytes: float) -> str:
    """One fixed-width table: step, seconds, x numpy, peak MiB, x input, note.

    Without ``t_ref`` the ratio column is left empty.
    """
    head = f"{'step':<52} {'seconds':>9} {'x numpy':>8} {'peak MiB':>9} {'x input':>8}  note"
    lines = [title, head, "-" * (len(head) + 4)]
    for name, t, m, note in rows:
        if t is None:
            lines.append(f"{name:<52} {'skipped':>9} {'':>8} {'':>9} {'':>8}  {note}")
            continue
        mem = "n/a" if m is None or m != m else f"{m / 2**20:,.0f}"
        xin = "" if m is None or m != m else f"{m / input_bytes:.2f}"
        ratio = f"{t / t_ref:.2f}" if t_ref else ""
        lines.append(f"{name:<52} {t:9.3f} {ratio:>8} {mem:>9} {xin:>8}  {note}".rstrip())
    return "\n".join(lines)


def measure_cpu(
    fn: Callable[[], Any], repeat: int, memory: bool
) -> tuple[Any, float, float | None, float]:
    """``measure`` plus the least process CPU time of the timed runs (all threads).

    On a shared machine the wall time depends on the other jobs; the CPU time
    much less (it still grows a little with contention for caches and memory).
    """
    cpu: list[float] = []

    def timed() -> Any:
        start = time.process_time()
        out = fn()
        cpu.append(time.process_time() - start)
        return out

    result, t, m = measure(timed, repeat=repeat, memory=memory)
    return result, t, m, min(cpu[:repeat])


def quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


# ----------------------------------------------------------------------------- one size


def bench_size(events: int, args: argparse.Namespace) -> dict[str, Any]:
    """Print the table of one log size and return its figures."""
    path = cached_log(events)
    repeat = args.repeat if args.repeat else (1 if events > 10_000_000 else 3)
    run_pm4py = not args.no_pm4py and (events < 10_000_000 or args.pm4py_all)
    load_before = load_average()

    df = pd.read_parquet(path)
    cols = df[["customer_id", "touchpoint", "timestamp"]]
    del df
    input_bytes = float(cols.memory_usage(deep=True, index=False).sum())
    n_events, n_cases = len(cols), cols["customer_id"].nunique()
    rows: list[Row] = []
    out: dict[str, Any] = {"events": n_events, "cases": n_cases}

    def add(
        name: str,
        fn: Callable[[], Any],
        note: str = "",
        memory: bool = True,
        times: int | None = None,
    ) -> Any:
        runs = times or repeat
        result, t, m, cpu = measure_cpu(fn, runs, memory and not args.no_memory)
        rows.append((name, t, m, f"cpu {cpu:.2f} s; {note}" if note else f"cpu {cpu:.2f} s"))
        out[name] = (t, m, cpu)
        print(f"#   {name}: {t:.3f} s", flush=True)
        return result

    print(
        f"# {label(events)}: {n_events:,} events, {n_cases:,} customers, best of {repeat}",
        flush=True,
    )
    dense = add("bare numpy (factorize + lexsort + bincount)", lambda: bare_numpy(cols))
    t_np = out["bare numpy (factorize + lexsort + bincount)"][0]
    del dense

    add(
        "jm read_parquet (file -> JourneyLog)",
        lambda: jm.read_parquet(path, **COLS),
        "pyarrow buffers not traced",
    )
    log = add("jm from_pandas", lambda: jm.from_pandas(cols, **COLS))
    graph = add("jm discover", lambda: jm.discover(log))
    add(
        "jm from_pandas + discover",
        lambda: jm.discover(jm.from_pandas(cols, **COLS)),
        "target <= 1.0x DuckDB (2 threads)",
    )
    add("jm variants", lambda: jm.variants(log))
    model = synthetic_model()
    check = check_function()
    if check is None:
        rows.append(("jm check", None, None, "journeymine.conformance not importable yet"))
    else:
        try:
            add("jm check", lambda: check(log, model), "target <= 2x numpy")
        except Exception as exc:  # a module still being written: record, do not abort
            rows.append(("jm check", None, None, f"failed: {type(exc).__name__}: {exc}"[:90]))
    add(
        "jm find_loops",
        lambda: jm.find_loops(log, purchase=PURCHASE, returns=RETURNS),
        "target <= 2x numpy",
    )
    add("jm funnel", lambda: jm.funnel(log, model), "target <= 2x numpy")

    counts = dfg_counts_jm(graph)
    assert counts == dfg_counts_numpy(cols), "journeymine and the numpy pass disagree"

    # DuckDB: the window-function query, on the in-memory frame and on the file
    try:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.register("df", cols.assign(row=np.arange(n_events)))
        q_mem = DUCKDB_DFG.format(source="df", row="row")
        q_file = DUCKDB_DFG.format(
            source=f"read_parquet('{path}', file_row_number = true)", row="file_row_number"
        )
        res = add(
            "DuckDB lead() window, pandas frame",
            lambda: con.execute(q_mem).fetchall(),
            "2 threads; native memory not traced",
            memory=False,
        )
        duck = {(s, t): int(n) for s, t, n in res}
        assert duck == counts, "DuckDB and journeymine disagree"
        add(
            "DuckDB lead() window, Parquet file",
            lambda: con.execute(q_file).fetchall(),
            "native memory not traced",
            memory=False,
        )
        con.close()
    except ImportError:
        rows.append(("DuckDB", None, None, "duckdb not installed"))

    polars_row(cols, counts, add, rows)

    # pm4py
    pm_names = [
        "pm4py format + dfg + performance dfg",
        "pm4py get_variants",
        "pm4py token-based replay",
    ]
    if not run_pm4py:
        why = "--no-pm4py" if args.no_pm4py else "at 10M+ unless --pm4py-all"
        rows.extend((n, None, None, why) for n in pm_names)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pm4py
        pm_memory = not args.no_pm4py_memory

        def pm_discover() -> Any:
            f = pm4py.format_dataframe(
                cols.copy(),
                case_id="customer_id",
                activity_key="touchpoint",
                timestamp_key="timestamp",
            )
            return f, pm4py.discover_dfg(f), pm4py.discover_performance_dfg(f)

        f, dfg, _ = add(pm_names[0], quiet(pm_discover), memory=pm_memory)
        assert {k: int(v) for k, v in dfg[0].items()} == counts, "pm4py and journeymine disagree"
        add(pm_names[1], quiet(lambda: pm4py.get_variants(f)), memory=pm_memory)
        # a Petri net for the model: inductive miner on a sample of cases
        ids = f["case:concept:name"].drop_duplicates().iloc[:SAMPLE_CASES]
        sample = f[f["case:concept:name"].isin(ids)]
        net, im, fm = quiet(lambda: pm4py.discover_petri_net_inductive(sample))()
        if args.no_replay:
            rows.append((pm_names[2], None, None, "--no-replay"))
        else:
            # slow: one timed run; the traced memory run only up to 100k events
            add(
                pm_names[2],
                quiet(lambda: pm4py.conformance_diagnostics_token_based_replay(f, net, im, fm)),
                f"1 run; net: inductive miner on {SAMPLE_CASES:,} cases",
                memory=pm_memory and events <= 100_000,
                times=1,
            )
        del f

    out["load"] = (load_before, load_average())
    title = (
        f"## {label(events)} events ({n_events:,} events, {n_cases:,} customers; "
        f"input columns {input_bytes / 2**20:,.0f} MiB; best of {repeat}; "
        f"{load_before}; after: {load_average().split('average ')[1]})"
    )
    table = fmt_table(title, rows, t_np, input_bytes)
    t_jm, _, c_jm = out["jm from_pandas + discover"]
    duck = out.get("DuckDB lead() window, pandas frame")
    if duck:
        table += (
            f"\n# jm from_pandas + discover: {t_jm / duck[0]:.2f}x DuckDB in wall time "
            f"(target <= 1.0x), {c_jm / duck[2]:.2f}x in CPU time"
        )
    print(
        table
        + "\n# DFG counts identical: journeymine == numpy == DuckDB"
        + (" == pm4py" if run_pm4py else "")
        + "\n",
        flush=True,
    )
    out["table"] = table
    out["sorted"] = bench_sorted(cols, counts, events, repeat, args)
    return out


def polars_row(
    cols: pd.DataFrame, counts: dict[tuple[str, str], int], add: Callable[..., Any], rows: list[Row]
) -> None:
    """Polars: sort by case, time and row, shift the activity over each case, count pairs."""
    try:
        import polars as pl
    except ImportError:
        rows.append(("Polars sort + shift over case", None, None, "polars not installed"))
        return
    frame = pl.from_pandas(cols).with_row_index("row")

    def dfg() -> Any:
        return (
            frame.sort(["customer_id", "timestamp", "row"])
            .with_columns(pl.col("touchpoint").shift(-1).over("customer_id").alias("dst"))
            .filter(pl.col("dst").is_not_null())
            .group_by(["touchpoint", "dst"])
            .len()
        )

    res = add("Polars sort + shift over case", dfg, "2 threads", memory=False)
    got = {(s, t): int(n) for s, t, n in res.iter_rows()}
    assert got == counts, "Polars and journeymine disagree"


def bench_sorted(
    shuffled: pd.DataFrame,
    counts: dict[tuple[str, str], int],
    events: int,
    repeat: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The same log with rows sorted by case and time: journeymine vs the sorted floor."""
    cols = shuffled.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(drop=True)
    input_bytes = float(cols.memory_usage(deep=True, index=False).sum())
    rows: list[Row] = []
    out: dict[str, Any] = {}
    load_before = load_average()

    def add(name: str, fn: Callable[[], Any], note: str = "", memory: bool = True) -> Any:
        result, t, m, cpu = measure_cpu(fn, repeat, memory and not args.no_memory)
        rows.append((name, t, m, f"cpu {cpu:.2f} s; {note}" if note else f"cpu {cpu:.2f} s"))
        out[name] = (t, m, cpu)
        print(f"#   sorted, {name}: {t:.3f} s", flush=True)
        return result

    dense = add("sorted floor (factorize + one pass)", lambda: sorted_floor(cols))
    t_floor = out["sorted floor (factorize + one pass)"][0]
    add("bare numpy (factorize + lexsort + bincount)", lambda: bare_numpy(cols))
    add("jm from_pandas", lambda: jm.from_pandas(cols, **COLS))
    graph = add(
        "jm from_pandas + discover",
        lambda: jm.discover(jm.from_pandas(cols, **COLS)),
        "target <= 1.5x the sorted floor",
    )
    assert dfg_counts_jm(graph) == counts, "sorted and shuffled rows disagree"
    assert int(dense.sum()) == sum(counts.values())
    try:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.register("df", cols.assign(row=np.arange(len(cols))))
        res = add(
            "DuckDB lead() window, pandas frame",
            lambda: con.execute(DUCKDB_DFG.format(source="df", row="row")).fetchall(),
            "2 threads; native memory not traced",
            memory=False,
        )
        assert {(s, t): int(n) for s, t, n in res} == counts, "DuckDB and journeymine disagree"
        con.close()
    except ImportError:
        rows.append(("DuckDB", None, None, "duckdb not installed"))
    polars_row(cols, counts, add, rows)
    t_jm, _, c_jm = out["jm from_pandas + discover"]
    c_floor = out["sorted floor (factorize + one pass)"][2]
    duck = out.get("DuckDB lead() window, pandas frame")
    title = (
        f"## {label(events)} events, rows sorted by case and time (x floor = over the sorted "
        f"floor; best of {repeat}; {load_before}; after: {load_average().split('average ')[1]})"
    )
    table = fmt_table(title, rows, t_floor, input_bytes).replace("x numpy", "x floor")
    summary = (
        f"# jm from_pandas + discover: {t_jm / t_floor:.2f}x the sorted floor in wall time "
        f"(target <= 1.5x), {c_jm / c_floor:.2f}x in CPU time"
    )
    if duck:
        summary += f"; {t_jm / duck[0]:.2f}x DuckDB (wall), {c_jm / duck[2]:.2f}x (CPU)"
    print(table + "\n" + summary + "\n", flush=True)
    out["table"] = table
    return out


# ----------------------------------------------------------------------------- XES


def bench_xes_readers(args: argparse.Namespace) -> None:
    """Time jm.read_xes against pm4py.read_xes, each in a fresh process (bench_xes)."""
    from benchmarks import bench_xes

    if not XES.is_file():
        print(f"# {XES} not found: XES benchmark skipped\n")
        return
    readers = ["jm read_xes", "pm4py.read_xes"]
    if args.no_pm4py:
        readers = readers[:1]
    res = {}
    for r in readers:
        runs = [bench_xes._in_subprocess(r, str(XES)) for _ in range(max(args.xes_repeat, 1))]
        res[r] = min(runs, key=lambda x: x["seconds"])
        print(f"#   {r}: {res[r]['seconds']:.2f} s", flush=True)
    ref = res.get("pm4py.read_xes", {}).get("seconds")
    print(
        f"## XES: {XES.name} ({XES.stat().st_size / 2**20:.1f} MiB), one process per run, "
        f"best of {max(args.xes_repeat, 1)}; {load_average()}"
    )
    head = f"{'reader':<18} {'events':>9} {'seconds':>8} {'x faster':>9} {'peak RSS MiB':>13}"
    print(head + "\n" + "-" * len(head))
    for r, x in res.items():
        speed = f"{ref / x['seconds']:.1f}" if ref else "-"
        print(
            f"{r:<18} {int(x['events']):>9,} {x['seconds']:>8.2f} {speed:>9} "
            f"{x['peak_rss']:>13,.0f}"
        )
    print()


# ----------------------------------------------------------------------------- Dask


class TreeRSS:
    """Sample the resident memory of this process and all its children every 0.5 s."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            import psutil

            me = psutil.Process()
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            return total
        except ImportError:
            return _proc_tree_rss(os.getpid())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _proc_tree_rss(pid: int) -> int:
    """VmRSS of ``pid`` and its descendants from /proc (no psutil)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for t in Path(f"/proc/{p}/task").iterdir():
                kids = (t / "children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            pass
    return total


def dask_available() -> str | None:
    """None when the Dask engine can run, else why not."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return "dask / distributed not installed"
    try:
        import journeymine.engine.dask  # noqa: F401
    except ImportError as exc:
        return f"journeymine.engine.dask not importable ({exc})"
    return None


def local_cluster() -> Any:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    return cluster, Client(cluster)


def dask_steps(
    source: Path, check: Callable[..., Any] | None, rows: list[Row], t_ref: dict[str, float]
) -> None:
    """Time read + discover (+ check) with the Dask engine on ``source`` (a file or folder)."""
    model = synthetic_model()
    t = time.perf_counter()
    dlog = jm.read_parquet(source, engine="dask", **COLS)
    t_read = time.perf_counter() - t
    rows.append(("dask read_parquet (lazy)", t_read, None, ""))
    t = time.perf_counter()
    graph = jm.discover(dlog)
    t_disc = time.perf_counter() - t
    note = ""
    if "discover" in t_ref:
        ratio = (t_read + t_disc) / t_ref["discover"]
        note = f"read + discover = {ratio:.2f}x in-memory read + discover (target <= 3x)"
    rows.append(("dask discover", t_disc, None, note))
    t_ref["dask_edges"] = float(graph.edges["events"].sum())
    if check is None:
        rows.append(("dask check", None, None, "journeymine.conformance not importable"))
        return
    how = "jm.check on the Dask log"
    try:
        t = time.perf_counter()
        check(dlog, model)
        t_chk = time.perf_counter() - t
        note = how
        if "check" in t_ref:
            ratio = (t_read + t_chk) / t_ref["check"]
            note += f"; read + check = {ratio:.2f}x in-memory read + check"
        rows.append(("dask check", t_chk, None, note))
    except Exception as exc:
        rows.append(("dask check", None, None, f"{how} failed: {type(exc).__name__}: {exc}"[:90]))


def bench_dask(args: argparse.Namespace) -> None:
    """Dask on 2 local workers vs in memory, on the 10 M-event log."""
    why = dask_available()
    if why:
        print(f"## Dask: skipped, {why}\n")
        return
    events = parse_size(args.dask_size)
    path = cached_log(events)
    check = check_function()
    model = synthetic_model()
    rows: list[Row] = []
    t_ref: dict[str, float] = {}
    # in-memory reference: read the same file, discover / check
    t = time.perf_counter()
    log = jm.read_parquet(path, **COLS)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    graph = jm.discover(log)
    t_ref["discover"] = t_read + time.perf_counter() - t
    rows.append(("in-memory read_parquet + discover", t_ref["discover"], None, ""))
    if check is not None:
        try:
            t = time.perf_counter()
            check(log, model)
            t_ref["check"] = t_read + time.perf_counter() - t
            rows.append(("in-memory read_parquet + check", t_ref["check"], None, ""))
        except Exception as exc:
            rows.append(("in-memory check", None, None, f"failed: {exc}"[:90]))
    n_edges = float(graph.edges["events"].sum())
    del log, graph
    gc.collect()
    cluster, client = local_cluster()
    try:
        with TreeRSS() as rss:
            dask_steps(path, check, rows, t_ref)
    except Exception as exc:
        rows.append(("dask", None, None, f"failed: {type(exc).__name__}: {exc}"[:120]))
        rss = None
    finally:
        client.close()
        cluster.close()
    if "dask_edges" in t_ref:
        assert t_ref["dask_edges"] == n_edges, "Dask and in-memory DFGs disagree"
    print(
        f"## Dask, 2 local workers (1 thread each), {label(events)} events from {path.name}; "
        f"{load_average()}"
    )
    print(
        fmt_table("", rows, t_ref["discover"], 1.0).split("\n", 1)[1].replace("x numpy", "x in-mem")
    )
    if rss is not None:
        print(f"# peak RSS of client + scheduler + workers: {rss.peak / 2**30:.2f} GiB")
    print()


def out_of_core_dataset(
    chunks: int = 10, customers_per_chunk: int = 1_000_000, files_per_chunk: int = 5
) -> Path:
    """A folder of Parquet files, ~50 M events, written chunk by chunk (never all in memory)."""
    folder = CACHE / f"ooc_{chunks}x{customers_per_chunk}"
    done = folder / "_complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    for i in range(chunks):
        df = journey_log(customers_per_chunk, seed=100 + i)
        # distinct id ranges per chunk: C<chunk><8-digit id>
        df["customer_id"] = f"C{i:02d}" + df["customer_id"].str.slice(1)
        for j, part in enumerate(np.array_split(np.arange(len(df)), files_per_chunk)):
            df.iloc[part].to_parquet(folder / f"part-{i:02d}-{j}.parquet", index=False)
        print(f"#   chunk {i + 1}/{chunks}: {len(df):,} events", flush=True)
        del df
        gc.collect()
    done.touch()
    print(f"# generated {folder.name} in {time.perf_counter() - t:.0f} s")
    return folder


def bench_out_of_core(args: argparse.Namespace) -> None:
    """Dask discover (+ check) over ~50 M events on disk, peak RSS of the whole tree."""
    why = dask_available()
    if why:
        print(f"## Out-of-core: skipped, {why}\n")
        return
    folder = out_of_core_dataset()
    n_files = len(list(folder.glob("*.parquet")))
    import pyarrow.parquet as pq

    n_events = sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("*.parquet"))
    rows: list[Row] = []
    t_ref: dict[str, float] = {}
    gc.collect()
    with TreeRSS() as rss:
        cluster, client = local_cluster()
        try:
            t = time.perf_counter()
            dask_steps(folder, check_function(), rows, t_ref)
            total = time.perf_counter() - t
        except Exception as exc:
            rows.append(("dask", None, None, f"failed: {type(exc).__name__}: {exc}"[:120]))
            total = float("nan")
        finally:
            client.close()
            cluster.close()
    print(
        f"## Out-of-core: {n_events:,} events in {n_files} Parquet files, Dask on 2 local "
        f"workers; {load_average()}"
    )
    print(fmt_table("", rows, None, 1.0).split("\n", 1)[1].replace("x numpy", "       "))
    print(
        f"# whole run {total:.0f} s; peak RSS of client + scheduler + workers: "
        f"{rss.peak / 2**30:.2f} GiB (target < 8 GiB: "
        f"{'met' if rss.peak < 8 * 2**30 else 'missed'})\n"
    )


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    # the synthetic logs hold a few exact duplicates on purpose; timing, not data quality
    warnings.filterwarnings("ignore", "[0-9,]+ events? repeats? the event", jm.JourneymineWarning)
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        default="100k,1M,10M",
        help="comma-separated event counts (default 100k,1M,10M; 'none' for no table)",
    )
    p.add_argument("--quick", action="store_true", help="100k events only, no Dask")
    p.add_argument(
        "--repeat",
        type=int,
        default=0,
        help="best of N timed runs (default 3, and 1 above 10M events)",
    )
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    p.add_argument("--no-pm4py", action="store_true", help="no pm4py rows")
    p.add_argument("--pm4py-all", action="store_true", help="run pm4py at 10M events too")
    p.add_argument(
        "--no-pm4py-memory", action="store_true", help="skip the (slow) traced memory runs of pm4py"
    )
    p.add_argument("--no-replay", action="store_true", help="skip pm4py token-based replay")
    p.add_argument("--no-xes", action="store_true", help="skip the XES reader benchmark")
    p.add_argument("--xes-repeat", type=int, default=1)
    p.add_argument("--dask", action="store_true", help="Dask on 2 local workers vs in memory")
    p.add_argument("--dask-size", default="10M", help="log size for --dask (default 10M)")
    p.add_argument(
        "--out-of-core",
        action="store_true",
        help="Dask over a 50M-event folder of Parquet files, whole-run peak RSS",
    )
    args = p.parse_args(argv)
    sizes = (
        []
        if args.sizes.strip().lower() == "none"
        else [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    )
    if args.quick:
        sizes = [100_000]

    print(f"# journeymine benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"# machine: {machine()}")
    print(f"# {versions()}\n", flush=True)
    for events in sizes:
        bench_size(events, args)
        gc.collect()
    if not args.no_xes:
        bench_xes_readers(args)
    if args.dask and not args.quick:
        bench_dask(args)
    if args.out_of_core and not args.quick:
        bench_out_of_core(args)


if __name__ == "__main__":
    main()
