"""Every analysis beside the peer an analyst would otherwise use, checked equal, then timed.

Run from the repository root::

    python benchmarks/bench_peers.py --customers 1000000 --repeat 3
    python benchmarks/bench_peers.py --growth 100000,1000000,4000000   # growth exponents

For one synthetic log (``benchmarks/synthetic.py``, ~5 events per customer,
rows shuffled, a ``channel`` column added) it builds the journeymine log
once and loads the same rows into DuckDB once (a native table with the input
row number ``rid``, 2 threads, as journeymine has 2 cores); neither load is
timed here (``bench_discover`` and ``python -m benchmarks`` time them). Each
row then computes one answer both ways, asserts that the answers are equal,
and prints the best of ``--repeat`` wall times and their ratio. The SQL is
what an analyst would write: a ``row_number()`` window for the event order
(timestamp, then input row, as journeymine and pm4py order events), then
joins and aggregates.

With ``--growth`` every journeymine analysis runs at each size and the
script prints the growth exponent ``log(t_large / t_small) / log(n_large /
n_small)`` over the events: 1 is linear, about 1.05-1.1 is n log n at these
sizes, 2 is quadratic.

Analyses added by later work (retention, attribution, sessions, sequence
patterns, clustering) register a row in :data:`ROWS` the same way.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.run import load_average, versions  # noqa: E402
from benchmarks.synthetic import STAGE_OF, STAGES, journey_log  # noqa: E402

CHANNELS = ("web", "app", "email", "store")
ORDER = "row_number() over (partition by customer_id order by timestamp, rid)"


@dataclass(frozen=True)
class Row:
    """One analysis: journeymine's call, the peer's, and how to compare their answers."""

    name: str
    ours: Callable[[Any, Any], Any]  # (log, model) -> answer
    peer_name: str
    peer: Callable[[Any], Any] | None  # (Peers) -> answer
    same: Callable[[Any, Any], bool] | None = None  # (ours, peer) -> equal?


def _frame(customers: int, seed: int = 0) -> pd.DataFrame:
    df = journey_log(customers, seed=seed)
    rng = np.random.default_rng(seed + 1)
    df["channel"] = pd.Series(np.asarray(CHANNELS, dtype=object)[rng.integers(0, 4, len(df))])
    return df


def _model() -> jm.JourneyModel:
    return jm.JourneyModel(
        stages=list(STAGES),
        activities=STAGE_OF,
        purchase=["Place order"],
        returns=["Return item"],
        loops=[(b, a) for a, b in zip(list(STAGES), list(STAGES)[1:], strict=False)],
    )


# -- answers in one shape -------------------------------------------------------------
def _counts(pairs: Any) -> dict[Any, int]:
    return {k: int(v) for k, v in pairs}


def _variants_ours(log: Any, model: Any) -> dict[str, int]:
    table = jm.variants(log)
    return _counts(zip(table["variant"].map(">".join), table["cases"], strict=True))


def _variants_sql(con: Any) -> dict[str, int]:
    rows = con.execute(
        "select path, count(*) from (select customer_id, string_agg(touchpoint, '>' "
        "order by timestamp, rid) as path from events group by customer_id) group by path"
    ).fetchall()
    return _counts(rows)


def _case_table_ours(log: Any, model: Any) -> pd.DataFrame:
    t = jm.case_table(log)
    return t[["case", "events", "first_activity", "last_activity"]].sort_values("case")


def _case_table_sql(con: Any) -> pd.DataFrame:
    return con.execute(
        "select customer_id as case, count(*) as events, "
        "arg_min(touchpoint, (timestamp, rid)) as first_activity, "
        "arg_max(touchpoint, (timestamp, rid)) as last_activity "
        "from events group by customer_id order by customer_id"
    ).df()


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a = a.reset_index(drop=True).astype(str)
    b = b.reset_index(drop=True).astype(str)
    return a.shape == b.shape and bool((a.to_numpy() == b.to_numpy()).all())


def _has_ours(log: Any, model: Any) -> int:
    return jm.filter_cases(log, has="Place order").n_events


def _has_sql(con: Any) -> int:
    return con.execute(
        "select count(*) from events where customer_id in "
        "(select customer_id from events where touchpoint = 'Place order')"
    ).fetchone()[0]


def _reach_ours(log: Any, model: Any) -> dict[str, int]:
    f = jm.funnel(log, model)
    return _counts(zip(f["stage"], f["reached"], strict=True))


def _reach_sql(con: Any) -> dict[str, int]:
    return _counts(
        con.execute(
            "select stage, count(distinct customer_id) from events group by stage"
        ).fetchall()
    )


def _strict_ours(log: Any, model: Any) -> dict[str, int]:
    f = jm.funnel(log, model, ordered=True, within="30D")
    return _counts(zip(f["stage"], f["reached"], strict=True))


def _strict_sql(con: Any) -> dict[str, int]:
    stages = list(STAGES)
    parts = [
        f"e as (select customer_id as c, stage as s, timestamp as t, {ORDER} as p from events)",
        f"s0 as (select c, min(p) as p, arg_min(t, p) as t0 from e where s = '{stages[0]}' "
        "group by c)",
    ]
    for k in range(1, len(stages)):
        parts.append(
            f"s{k} as (select e.c, min(e.p) as p, any_value(s{k - 1}.t0) as t0 from e join "
            f"s{k - 1} on e.c = s{k - 1}.c where e.s = '{stages[k]}' and e.p > s{k - 1}.p "
            f"and e.t <= s{k - 1}.t0 + interval 30 day group by e.c)"
        )
    union = " union all ".join(
        f"select '{s}' as stage, count(*) as n from s{k}" for k, s in enumerate(stages)
    )
    return _counts(con.execute(f"with {', '.join(parts)} {union}").fetchall())


def _paths_ours(log: Any, model: Any) -> dict[str, int]:
    p = jm.paths(log, "Place order", steps=3)
    return _counts(zip(p["path"].map(">".join), p["cases"], strict=True))


def _paths_sql(con: Any) -> dict[str, int]:
    rows = con.execute(
        f"with e as (select customer_id as c, touchpoint as a, {ORDER} as p from events), "
        "f as (select c, min(p) as p from e where a = 'Place order' group by c) "
        "select path, count(*) from (select f.c, coalesce(string_agg(e.a, '>' order by e.p), '') "
        "as path from f left join e on e.c = f.c and e.p > f.p and e.p <= f.p + 3 group by f.c) "
        "group by path"
    ).fetchall()
    return _counts(rows)


def _steps_ours(log: Any, model: Any) -> dict[tuple[str, int], float]:
    m = jm.step_matrix(log, steps=10).drop(index="(ended)", errors="ignore")
    s = m.stack()
    return {(str(a), int(k)): round(float(v), 12) for (a, k), v in s.items() if v > 0}


def _steps_sql(con: Any) -> dict[tuple[str, int], float]:
    n = con.execute("select count(distinct customer_id) from events").fetchone()[0]
    rows = con.execute(
        f"with e as (select touchpoint as a, {ORDER} as p from events) "
        "select a, p, count(*) from e where p <= 10 group by a, p"
    ).fetchall()
    return {(a, int(p)): round(c / n, 12) for a, p, c in rows}


@dataclass
class Peers:
    """What the peers run on: a DuckDB connection holding ``events``, the frame pm4py formats."""

    con: Any
    pm4py_df: pd.DataFrame | None = None


def _sql(fn: Callable[[Any], Any]) -> Callable[[Peers], Any]:
    return lambda peers: fn(peers.con)


def _variants_pm4py(peers: Peers) -> dict[str, int]:
    import pm4py

    found = pm4py.get_variants(peers.pm4py_df)
    return {">".join(v): int(n) for v, n in found.items()}


def _has_pm4py(peers: Peers) -> int:
    import pm4py

    kept = pm4py.filter_event_attribute_values(
        peers.pm4py_df, "concept:name", ["Place order"], level="case", retain=True
    )
    return len(kept)


ROWS: list[Row] = [
    Row("variants", _variants_ours, "DuckDB string_agg", _sql(_variants_sql)),
    Row("case_table", _case_table_ours, "DuckDB group by", _sql(_case_table_sql), _same_frame),
    Row("filter_cases(has=)", _has_ours, "DuckDB semi-join", _sql(_has_sql)),
    Row("funnel (reach)", _reach_ours, "DuckDB count distinct", _sql(_reach_sql)),
    Row("funnel (strict, 30D)", _strict_ours, "DuckDB window + 6 joins", _sql(_strict_sql)),
    Row("paths(after, 3)", _paths_ours, "DuckDB window + join", _sql(_paths_sql)),
    Row("step_matrix(10)", _steps_ours, "DuckDB window + group by", _sql(_steps_sql)),
    Row("variants", _variants_ours, "pm4py get_variants", _variants_pm4py),
    Row("filter_cases(has=)", _has_ours, "pm4py filter_event_attribute_values", _has_pm4py),
]


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def _duckdb(df: pd.DataFrame) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("set threads = 2")
    events = df.assign(rid=np.arange(len(df)))  # noqa: F841 - scanned by name below
    con.execute("create table events as select * from events")
    return con


def compare_peers(customers: int, repeat: int) -> None:
    df = _frame(customers)
    log = jm.from_pandas(
        df,
        case="customer_id",
        activity="touchpoint",
        timestamp="timestamp",
        stage="stage",
        channel="channel",
    )
    model = _model()
    peers = Peers(_duckdb(df))
    try:
        import pm4py

        peers.pm4py_df = pm4py.format_dataframe(
            df.assign(customer_id=df["customer_id"].astype(object)),
            case_id="customer_id",
            activity_key="touchpoint",
            timestamp_key="timestamp",
        )
    except ImportError:
        pass
    print(
        f"\n## Analyses beside their peers: {customers:,} customers, {len(df):,} events "
        f"(best of {repeat}; {load_average()})\n"
    )
    print("| analysis | journeymine s | peer | peer s | × peer | equal |")
    print("|---|---:|---|---:|---:|---|")
    for row in ROWS:
        ours, t_ours = best_of(lambda row=row: row.ours(log, model), repeat)
        if row.peer is None:
            print(f"| `{row.name}` | {t_ours:.3f} | {row.peer_name} | – | – | – |")
            continue
        if "pm4py" in row.peer_name and peers.pm4py_df is None:
            continue
        repeats = 1 if "pm4py" in row.peer_name else repeat  # pm4py takes tens of seconds
        theirs, t_peer = best_of(lambda row=row: row.peer(peers), repeats)
        equal = (row.same or (lambda a, b: a == b))(ours, theirs)
        assert equal, f"{row.name}: journeymine and {row.peer_name} disagree"
        print(
            f"| `{row.name}` | {t_ours:.3f} | {row.peer_name} | {t_peer:.3f} | "
            f"{t_ours / t_peer:.2f} | yes |"
        )
    print(f"\nafter: {load_average()}; {versions()}")


def growth(sizes: list[int], repeat: int) -> None:
    model = _model()
    times: dict[str, list[float]] = {row.name: [] for row in ROWS}
    events = []
    for customers in sizes:
        df = _frame(customers)
        events.append(len(df))
        log = jm.from_pandas(
            df,
            case="customer_id",
            activity="touchpoint",
            timestamp="timestamp",
            stage="stage",
            channel="channel",
        )
        del df
        for row in ROWS:
            if row.name in times and len(times[row.name]) == len(events):
                continue  # the same analysis beside another peer
            times[row.name].append(
                best_of(lambda row=row, log=log: row.ours(log, model), repeat)[1]
            )
    head = " | ".join(f"{e:,} events" for e in events)
    print(f"\n## Growth over the events (best of {repeat}; {load_average()})\n")
    print(f"| analysis | {head} | exponent |")
    print("|---|" + "---:|" * (len(events) + 1))
    for name, ts in times.items():
        exponent = math.log(ts[-1] / ts[0]) / math.log(events[-1] / events[0])
        cells = " | ".join(f"{t:.3f} s" for t in ts)
        print(f"| `{name}` | {cells} | {exponent:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--growth", default=None, help="comma-separated customer counts")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", jm.JourneymineWarning)
    if args.growth:
        growth([int(s) for s in args.growth.split(",")], args.repeat)
    else:
        compare_peers(args.customers, args.repeat)


if __name__ == "__main__":
    main()
