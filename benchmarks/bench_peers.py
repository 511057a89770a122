"""Every public analysis of journeymine beside the peer an analyst would otherwise use.

Run from the repository root (``python -m benchmarks peers`` is the same)::

    python benchmarks/bench_peers.py --customers 1000000 --repeat 3
    python benchmarks/bench_peers.py --growth 100000,1000000,4000000   # growth exponents

One synthetic log (``benchmarks/synthetic.py``: ~5 events per customer, 18
touchpoints in six stages, rows shuffled, a ``channel`` column added) is
built once as a ``JourneyLog`` and loaded once into DuckDB (a native table
with the input row number ``rid``, 2 threads, as journeymine has 2 cores);
neither load is timed here (``python -m benchmarks`` times them). Retention
runs on ``bench_retention``'s log of the same number of customers. Each row
computes one answer both ways, asserts the answers equal (the first run of
each side; point estimates for statistical tables, the adjusted Rand index
for clustering, shares within a stated tolerance for Markov attribution),
and prints the best of ``--repeat`` wall times, their ratio and the CPU
time of the best runs. Each side's timed call returns its own answer as it
comes (a DataFrame, a fetched result, a log); turning it into the compared
form (a dict, a sorted list) happens outside the timing. The first run of
each side is the one checked, and counts among the timed runs. Peers marked ``1 run`` are timed once (pm4py,
prefixspan, scikit-learn, ChannelAttribution take seconds to minutes); a
row with ``on N customers`` runs both sides on the first N customers only
(the peer does not finish on all of them in reasonable time).

The peers: DuckDB SQL where an analyst would write SQL (a ``row_number()``
window for the event order, timestamp then input row, as journeymine and
pm4py order events), pm4py where it has the analysis, ChannelAttribution
for Markov attribution, prefixspan for sequential patterns, scikit-learn's
own pipeline for clustering, else the pandas code an analyst would write.

With ``--growth`` every journeymine row runs at each size (peers do not)
and the script prints the growth exponent ``log(t_large / t_small) /
log(n_large / n_small)`` over the events: 1 is linear, about 1.05-1.1 is
n log n at these sizes, 2 is quadratic.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")

import journeymine as jm  # noqa: E402
from benchmarks.run import load_average, versions  # noqa: E402
from benchmarks.synthetic import STAGE_OF, STAGES, journey_log  # noqa: E402

CHANNELS = ("web", "app", "email", "store")
ORDER = "row_number() over (partition by customer_id order by timestamp, rid)"
STAGE_LIST = list(STAGES)
SUBSET = 100_000  # customers both sides run on when the peer cannot take all of them
ALIGN_CUSTOMERS = 1_000  # pm4py aligns ~15-30 ms per case

# Public names that are not analyses, so have no row: types, errors, the bundled
# data, readers and constructors (timed by `python -m benchmarks`, bench_xes and
# bench_csv), the `stages` helper module, plots and the report (bench_plot).
NOT_ANALYSES = frozenset(
    {
        "ConformanceReport",
        "DaskJourneyLog",
        "GraphComparison",
        "JourneyClusters",
        "JourneyGraph",
        "JourneyLog",
        "JourneyModel",
        "ReadLimits",
        "JourneymineError",
        "JourneymineWarning",
        "LogLike",
        "LogError",
        "MissingDependencyError",
        "ModelError",
        "ParameterError",
        "datasets",
        "stages",
        "from_arrow",
        "from_dask",
        "from_pandas",
        "from_pm4py",
        "from_polars",
        "read_csv",
        "read_log",
        "read_parquet",
        "read_xes",
        "write_report",
    }
)


def not_an_analysis(name: str) -> bool:
    """True for the public names the table leaves out (see NOT_ANALYSES)."""
    return name in NOT_ANALYSES or name.startswith("plot_")


# -- the data both sides run on ---------------------------------------------------------
def frame(customers: int, seed: int = 0) -> pd.DataFrame:
    df = journey_log(customers, seed=seed)
    rng = np.random.default_rng(seed + 1)
    df["channel"] = pd.Series(np.asarray(CHANNELS, dtype=object)[rng.integers(0, 4, len(df))])
    return df


def model() -> jm.JourneyModel:
    return jm.JourneyModel(
        stages=STAGE_LIST,
        activities=STAGE_OF,
        purchase=["Place order"],
        returns=["Return item"],
        loops=[(b, a) for a, b in zip(STAGE_LIST, STAGE_LIST[1:], strict=False)],
    )


def build(df: pd.DataFrame) -> jm.JourneyLog:
    return jm.from_pandas(
        df,
        case="customer_id",
        activity="touchpoint",
        timestamp="timestamp",
        stage="stage",
        channel="channel",
    )


class Data:
    """The inputs of both sides for one number of customers, built on first use."""

    def __init__(self, customers: int) -> None:
        self.customers = customers
        self.model = model()
        self._subsets: dict[int, Data] = {}

    @cached_property
    def df(self) -> pd.DataFrame:
        return frame(self.customers)

    @cached_property
    def log(self) -> jm.JourneyLog:
        return build(self.df)

    @cached_property
    def con(self) -> Any:
        import duckdb

        con = duckdb.connect()
        con.execute("set threads = 2")
        events = self.df.assign(rid=np.arange(len(self.df)), rn=np.arange(len(self.df)))
        con.register("frame_view", events)
        con.execute("create table events as select * from frame_view")
        con.unregister("frame_view")
        return con

    @cached_property
    def raw(self) -> pd.DataFrame:
        """The three columns as they arrive, rows shuffled: from_pandas + discover start here."""
        return self.df[["customer_id", "touchpoint", "timestamp"]].copy()

    @cached_property
    def raw_sorted(self) -> pd.DataFrame:
        """The same rows sorted by case and time, as many exports arrive."""
        return self.raw.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(
            drop=True
        )

    @cached_property
    def raw_registered(self) -> Any:
        """DuckDB scanning the two pandas frames in place, each with its input row number."""
        con = self.con
        con.register("raw_shuffled", self.raw.assign(rid=np.arange(len(self.raw))))
        con.register("raw_sorted", self.raw_sorted.assign(rid=np.arange(len(self.raw))))
        return con

    @cached_property
    def ordered(self) -> pd.DataFrame:
        """The events in journeymine's order (case, time, input row): pandas peers start here."""
        df = self.df.assign(rid=np.arange(len(self.df)))
        return df.sort_values(["customer_id", "timestamp", "rid"], kind="stable").reset_index(
            drop=True
        )

    def subset(self, customers: int) -> Data:
        """The first ``customers`` customers, for peers too slow for all of them."""
        if customers >= self.customers:
            return self
        if customers not in self._subsets:
            small = Data(customers)
            ids = self.log.cases[:customers]
            small.__dict__["df"] = (
                self.df[self.df["customer_id"].isin(ids)].reset_index(drop=True).copy()
            )
            self._subsets[customers] = small
        return self._subsets[customers]

    @cached_property
    def pm4py_df(self) -> pd.DataFrame:
        import pm4py

        return pm4py.format_dataframe(
            self.df.assign(customer_id=self.df["customer_id"].astype(object)),
            case_id="customer_id",
            activity_key="touchpoint",
            timestamp_key="timestamp",
        )

    @cached_property
    def retention_df(self) -> pd.DataFrame:
        from benchmarks.bench_retention import retention_log

        return retention_log(self.customers)

    @cached_property
    def retention_log(self) -> jm.JourneyLog:
        from benchmarks.bench_retention import COLS

        return jm.from_pandas(self.retention_df, **COLS)

    @cached_property
    def retention_con(self) -> Any:
        import duckdb

        con = duckdb.connect()
        con.execute("set threads = 2")
        con.register("df", self.retention_df)
        return con


# -- comparing answers -------------------------------------------------------------------
def _counts(pairs: Any) -> dict[Any, int]:
    return {k: int(v) for k, v in pairs}


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a = a.reset_index(drop=True).astype(str)
    b = b.reset_index(drop=True).astype(str)
    return a.shape == b.shape and bool((a.to_numpy() == b.to_numpy()).all())


def _close(a: dict[Any, float], b: dict[Any, float], tol: float = 1e-9) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= tol for k in a)


# -- discover ----------------------------------------------------------------------------
def _edges_key(g: Any) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    e = g.edges
    secs = [e[c].dt.total_seconds().to_numpy() for c in ("mean_duration", "median_duration")]
    p90 = e["p90_duration"].dt.total_seconds().to_numpy()
    return {
        (s, t): (int(n), round(m, 3), round(md, 3), round(p, 3))
        for s, t, n, m, md, p in zip(e["source"], e["target"], e["events"], *secs, p90, strict=True)
    }


def discover_ours(d: Data) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    return _edges_key(jm.discover(d.log))


_EDGE_SQL = (
    "select src, dst, count(*), avg(s), median(s), quantile_cont(s, 0.9) from ("
    "select touchpoint as src, lead(touchpoint) over w as dst, "
    "epoch_us(lead(timestamp) over w - timestamp) / 1e6 as s from {table} "
    "window w as (partition by customer_id order by timestamp, rid)) "
    "where dst is not null group by all"
)


def _edge_rows(con: Any, table: str) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    rows = con.execute(_EDGE_SQL.format(table=table)).fetchall()
    return {(s, t): (int(n), round(m, 3), round(md, 3), round(p, 3)) for s, t, n, m, md, p in rows}


def discover_sql(d: Data) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    return _edge_rows(d.con, "events")


def _from_pandas_discover(df: pd.DataFrame) -> Any:
    log = jm.from_pandas(df, case="customer_id", activity="touchpoint", timestamp="timestamp")
    return jm.discover(log)


def fp_discover_ours(d: Data) -> Any:
    return _from_pandas_discover(d.raw)


def fp_discover_sql(d: Data) -> Any:
    return d.raw_registered.execute(_EDGE_SQL.format(table="raw_shuffled")).fetchall()


def fp_discover_sorted_ours(d: Data) -> Any:
    return _from_pandas_discover(d.raw_sorted)


def fp_discover_sorted_sql(d: Data) -> Any:
    return d.raw_registered.execute(_EDGE_SQL.format(table="raw_sorted")).fetchall()


def _edge_rows_key(rows: Any) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    return {(s, t): (int(n), round(m, 3), round(md, 3), round(p, 3)) for s, t, n, m, md, p in rows}


# -- variants, case table ----------------------------------------------------------------
def variants_ours(d: Data) -> pd.DataFrame:
    return jm.variants(d.log)


def variants_key(table: pd.DataFrame) -> dict[str, int]:
    return _counts(zip(table["variant"].map(">".join), table["cases"], strict=True))


def variants_sql(d: Data) -> list[tuple[str, int]]:
    return d.con.execute(
        "select path, count(*) from (select customer_id, string_agg(touchpoint, '>' "
        "order by timestamp, rid) as path from events group by customer_id) group by path"
    ).fetchall()


def variants_pm4py(d: Data) -> dict[tuple[str, ...], int]:
    import pm4py

    return pm4py.get_variants(d.pm4py_df)


def variants_pm4py_key(found: dict[tuple[str, ...], int]) -> dict[str, int]:
    return {">".join(v): int(n) for v, n in found.items()}


def case_table_ours(d: Data) -> pd.DataFrame:
    return jm.case_table(d.log)


def case_table_key(t: pd.DataFrame) -> pd.DataFrame:
    return t[["case", "events", "first_activity", "last_activity"]].sort_values("case")


def case_table_sql(d: Data) -> pd.DataFrame:
    return d.con.execute(
        "select customer_id as case, count(*) as events, "
        "arg_min(touchpoint, (timestamp, rid)) as first_activity, "
        "arg_max(touchpoint, (timestamp, rid)) as last_activity "
        "from events group by customer_id"
    ).df()


def case_table_sql_key(t: pd.DataFrame) -> pd.DataFrame:
    return t.sort_values("case")


# -- conformance: check, drift, impact -----------------------------------------------------
def _conforms_pandas(o: pd.DataFrame) -> pd.Series:
    """Per case: True when no move skips a stage not visited yet or goes back more than one.

    The synthetic model requires every stage, lists no start stages and allows
    each one-stage-back loop; every activity has a stage.
    """
    k = o["stage"].map({s: i for i, s in enumerate(STAGE_LIST)}).to_numpy()
    case = o["customer_id"]
    s = pd.Series(k, index=o.index)
    prev = s.groupby(case).shift(1)
    reach = s.groupby(case).cummax().groupby(case).shift(1)
    bad = ((s - prev) <= -2) | (s > reach + 1)
    return ~bad.groupby(case).any().rename("conforms")


def check_ours(d: Data) -> Any:
    return jm.check(d.log, d.model)


def check_key(report: Any) -> dict[str, bool]:
    c = report.cases
    return dict(zip(c["case"], c["conforms"].astype(bool), strict=True))


def check_pandas(d: Data) -> pd.Series:
    return _conforms_pandas(d.ordered)


def conforms_key(s: pd.Series) -> dict[str, bool]:
    return {str(k): bool(v) for k, v in s.items()}


def model_net() -> tuple[Any, Any, Any]:
    """The synthetic model as a Petri net whose fitting traces are the conforming cases.

    Two tokens: one in ``at s`` (the stage of the last event), one in
    ``max m`` (the furthest stage reached). Silent transitions lead from
    ``at i`` into stage ``j`` when the move is allowed: ``j = i`` (stay),
    ``j = i - 1`` (the loop one stage back), ``i < j <= m + 1`` (forward,
    skipping only stages visited before; ``j = m + 1`` moves the max token).
    Then the activity's own transition fires. Any stage may come first; a
    silent exit from every (stage, max) pair ends the trace.
    """
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    net = PetriNet("journey model")
    start, end = PetriNet.Place("start"), PetriNet.Place("end")
    at = [PetriNet.Place(f"at {s}") for s in STAGE_LIST]
    into = [PetriNet.Place(f"into {s}") for s in STAGE_LIST]
    top = [PetriNet.Place(f"max {s}") for s in STAGE_LIST]
    for p in (start, end, *at, *into, *top):
        net.places.add(p)

    def transition(name: str, label: str | None, src: list[Any], dst: list[Any]) -> None:
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        for p in src:
            add_arc_from_to(p, t, net)
        for p in dst:
            add_arc_from_to(t, p, net)

    n = len(STAGE_LIST)
    for j, stage in enumerate(STAGE_LIST):
        transition(f"start->{j}", None, [start], [into[j], top[j]])
        for a in STAGES[stage]:
            transition(a, a, [into[j]], [at[j]])
    for m in range(n):
        for i in range(m + 1):
            transition(f"{i},{m}->end", None, [at[i], top[m]], [end])
            for j in range(max(i - 1, 0), min(m + 1, n - 1) + 1):
                new = top[j] if j == m + 1 else top[m]
                transition(f"{i},{m}->{j}", None, [at[i], top[m]], [into[j], new])
    return net, Marking({start: 1}), Marking({end: 1})


def check_pm4py(d: Data) -> dict[str, bool]:
    """pm4py's alignments of each case with :func:`model_net`: fitness 1 is conforming.

    Token-based replay cannot be used on this net: its search for silent
    transitions assumes one input place each and rejects conforming cases
    (1,092 of 3,000 wrongly at 3,000 customers).
    """
    import pm4py

    net, im, fm = model_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pm4py.conformance_diagnostics_alignments(
            d.pm4py_df, net, im, fm, return_diagnostics_dataframe=True
        )
    return {str(c): bool(f == 1.0) for c, f in zip(res["case_id"], res["fitness"], strict=True)}


def _period_start(t: pd.Series, freq: str) -> pd.Series:
    return t.dt.to_period(freq).dt.start_time


def drift_ours(d: Data) -> dict[Any, tuple[int, int]]:
    t = jm.conformance_drift(d.log, d.model)
    starts = [pd.Timestamp(p.split("/")[0]) for p in t["period"].astype(str)]
    return {
        s: (int(c), int(k)) for s, c, k in zip(starts, t["cases"], t["conforming"], strict=True)
    }


def drift_pandas(d: Data) -> dict[Any, tuple[int, int]]:
    o = d.ordered
    first = o.groupby("customer_id", sort=True)["timestamp"].first()
    ok = _conforms_pandas(o).reindex(first.index)
    week = _period_start(first, "W")
    g = pd.DataFrame({"week": week.to_numpy(), "ok": ok.to_numpy()}).groupby("week")["ok"]
    return {pd.Timestamp(w): (int(n), int(k)) for w, n, k in zip(*_agg(g), strict=True)}


def _agg(g: Any) -> tuple[Any, Any, Any]:
    a = g.agg(["size", "sum"])
    return a.index, a["size"], a["sum"]


def impact_ours(d: Data) -> int:
    return len(jm.deviation_impact(d.log, d.model))


# -- loops, stages ----------------------------------------------------------------------
def loops_ours(d: Data) -> dict[str, int]:
    t = jm.find_loops(d.log, model=d.model)
    return _counts(t.groupby("kind", observed=True).size().items())


def _runs(o: pd.DataFrame, col: str) -> pd.Series:
    """True where an event starts a new run of ``col`` within its case."""
    case = o["customer_id"]
    return (o[col] != o[col].shift()) | (case != case.shift())


def loops_pandas(d: Data) -> dict[str, int]:
    o = d.ordered
    case = o["customer_id"]
    same_case = case == case.shift()
    # a self-loop: a run of one activity longer than one event
    new_run = _runs(o, "touchpoint")
    run_id = new_run.cumsum()
    run_len = run_id.map(run_id.value_counts())
    self_loops = int((new_run & (run_len > 1)).sum())
    k = o["stage"].map({s: i for i, s in enumerate(STAGE_LIST)})
    regressions = int((same_case & (k < k.shift())).sum())
    return {"self_loop": self_loops, "stage_regression": regressions}


def loop_summary_ours(d: Data) -> dict[str, int]:
    t = jm.loop_summary(d.log, model=d.model)
    return {"purchases": int(t["purchases"].sum()), "returns": int(t["returns"].sum())}


def loop_summary_pandas(d: Data) -> dict[str, int]:
    o = d.ordered
    buy = o["touchpoint"] == "Place order"
    ret = o["touchpoint"] == "Return item"
    # a return counts after a purchase of the same case
    bought = buy.groupby(o["customer_id"]).cumsum() > 0
    return {"purchases": int(buy.sum()), "returns": int((ret & bought).sum())}


def visits_ours(d: Data) -> dict[str, int]:
    t = jm.stage_visits(d.log, d.model)
    return _counts(t.groupby("stage", observed=True).size().items())


def visits_sql(d: Data) -> dict[str, int]:
    return _counts(
        d.con.execute(
            "select stage, count(*) from (select stage, lag(stage) over "
            "(partition by customer_id order by timestamp, rid) as prev from events) "
            "where prev is null or prev <> stage group by stage"
        ).fetchall()
    )


def durations_ours(d: Data) -> pd.DataFrame:
    return jm.stage_durations(d.log, d.model)


def durations_key(t: pd.DataFrame) -> list[tuple[str, str, int]]:
    ns = t["entered"].to_numpy("datetime64[ns]").view(np.int64)
    return sorted(zip(t["case"], t["stage"].astype(str), ns.tolist(), strict=True))


def durations_pandas(d: Data) -> pd.Series:
    return d.ordered.groupby(["customer_id", "stage"])["timestamp"].min()


def durations_pandas_key(first: pd.Series) -> list[tuple[str, str, int]]:
    ns = first.to_numpy("datetime64[ns]").view(np.int64)
    cases = first.index.get_level_values(0)
    stages = first.index.get_level_values(1).astype(str)
    return sorted(zip(cases, stages, ns.tolist(), strict=True))


# -- funnels, paths, steps ---------------------------------------------------------------
def reach_ours(d: Data) -> dict[str, int]:
    f = jm.funnel(d.log, d.model)
    return _counts(zip(f["stage"], f["reached"], strict=True))


def reach_sql(d: Data) -> dict[str, int]:
    return _counts(
        d.con.execute(
            "select stage, count(distinct customer_id) from events group by stage"
        ).fetchall()
    )


def strict_ours(d: Data) -> dict[str, int]:
    f = jm.funnel(d.log, d.model, ordered=True, within="30D")
    return _counts(zip(f["stage"], f["reached"], strict=True))


def strict_sql(d: Data) -> dict[str, int]:
    parts = [
        f"e as (select customer_id as c, stage as s, timestamp as t, {ORDER} as p from events)",
        f"s0 as (select c, min(p) as p, arg_min(t, p) as t0 from e where s = '{STAGE_LIST[0]}' "
        "group by c)",
    ]
    for k in range(1, len(STAGE_LIST)):
        parts.append(
            f"s{k} as (select e.c, min(e.p) as p, any_value(s{k - 1}.t0) as t0 from e join "
            f"s{k - 1} on e.c = s{k - 1}.c where e.s = '{STAGE_LIST[k]}' and e.p > s{k - 1}.p "
            f"and e.t <= s{k - 1}.t0 + interval 30 day group by e.c)"
        )
    union = " union all ".join(
        f"select '{s}' as stage, count(*) as n from s{k}" for k, s in enumerate(STAGE_LIST)
    )
    return _counts(d.con.execute(f"with {', '.join(parts)} {union}").fetchall())


def paths_ours(d: Data) -> dict[str, int]:
    p = jm.paths(d.log, "Place order", steps=3)
    return _counts(zip(p["path"].map(">".join), p["cases"], strict=True))


def paths_sql(d: Data) -> dict[str, int]:
    return _counts(
        d.con.execute(
            f"with e as (select customer_id as c, touchpoint as a, {ORDER} as p from events), "
            "f as (select c, min(p) as p from e where a = 'Place order' group by c) "
            "select path, count(*) from (select f.c, coalesce(string_agg(e.a, '>' order by "
            "e.p), '') as path from f left join e on e.c = f.c and e.p > f.p and "
            "e.p <= f.p + 3 group by f.c) group by path"
        ).fetchall()
    )


def steps_ours(d: Data) -> dict[tuple[str, int], float]:
    m = jm.step_matrix(d.log, steps=10).drop(index="(ended)", errors="ignore")
    s = m.stack()
    return {(str(a), int(k)): round(float(v), 12) for (a, k), v in s.items() if v > 0}


def steps_sql(d: Data) -> dict[tuple[str, int], float]:
    n = d.con.execute("select count(distinct customer_id) from events").fetchone()[0]
    rows = d.con.execute(
        f"with e as (select touchpoint as a, {ORDER} as p from events) "
        "select a, p, count(*) from e where p <= 10 group by a, p"
    ).fetchall()
    return {(a, int(p)): round(c / n, 12) for a, p, c in rows}


# -- filters, trim, sessions -------------------------------------------------------------
def has_ours(d: Data) -> int:
    return jm.filter_cases(d.log, has="Place order").n_events


def _kept(d: Data, select: str) -> int:
    """Materialise the kept events as a table (as a filter makes a new log), count them."""
    d.con.execute(f"create or replace temp table kept as {select}")
    return d.con.execute("select count(*) from kept").fetchone()[0]


def has_sql(d: Data) -> int:
    return _kept(
        d,
        "select * from events where customer_id in "
        "(select customer_id from events where touchpoint = 'Place order')",
    )


def has_pm4py(d: Data) -> int:
    import pm4py

    kept = pm4py.filter_event_attribute_values(
        d.pm4py_df, "concept:name", ["Place order"], level="case", retain=True
    )
    return len(kept)


def events_ours(d: Data) -> int:
    return jm.filter_events(d.log, activities=["See social ad"], keep=False).n_events


def events_sql(d: Data) -> int:
    # the cases left without events disappear from both
    return _kept(d, "select * from events where touchpoint <> 'See social ad'")


def events_pm4py(d: Data) -> int:
    import pm4py

    kept = pm4py.filter_event_attribute_values(
        d.pm4py_df, "concept:name", ["See social ad"], level="event", retain=False
    )
    return len(kept)


TIME_WINDOW = ("2025-03-01", "2025-06-01")


def time_ours(d: Data) -> int:
    return jm.filter_time(d.log, *TIME_WINDOW).n_events


def time_sql(d: Data) -> int:
    lo, hi = TIME_WINDOW
    return _kept(
        d,
        "select * from events where customer_id in (select customer_id from events "
        f"group by customer_id having min(timestamp) >= '{lo}' and max(timestamp) < '{hi}')",
    )


def time_pm4py(d: Data) -> int:
    import pm4py

    lo, hi = TIME_WINDOW
    # pm4py's bounds are inclusive, in whole seconds (as the synthetic times are)
    hi_incl = str(pd.Timestamp(hi) - pd.Timedelta(1, "s"))
    lo = str(pd.Timestamp(lo))
    kept = pm4py.filter_time_range(d.pm4py_df, lo, hi_incl, mode="traces_contained")
    return len(kept)


def trim_ours(d: Data) -> int:
    return jm.trim(d.log, "Add to cart", "Place order").n_events


def trim_sql(d: Data) -> int:
    return _kept(
        d,
        f"with e as (select *, {ORDER} as p from events), "
        "s as (select customer_id as c, min(p) as p0 from e where touchpoint = 'Add to cart' "
        "group by c), x as (select s.c, s.p0, min(e.p) as p1 from s join e on "
        "e.customer_id = s.c and e.p >= s.p0 and e.touchpoint = 'Place order' group by s.c, "
        "s.p0) select e.* from e join x on e.customer_id = x.c and e.p between x.p0 and x.p1",
    )


def sessions_ours(d: Data) -> Any:
    return jm.sessionize(d.log, gap="30min")


def sessions_key(log: Any) -> list[int]:
    return np.sort(log.case_sizes).tolist()


def sessions_sql(d: Data) -> np.ndarray:
    return d.con.execute(
        "with m as (select customer_id, timestamp, rid, case when lag(timestamp) over w is null "
        "or timestamp - lag(timestamp) over w > interval 30 minute then 1 else 0 end as new "
        "from events window w as (partition by customer_id order by timestamp, rid)), "
        "k as (select customer_id, sum(new) over (partition by customer_id order by "
        "timestamp, rid rows unbounded preceding) as k from m) "
        "select count(*) as n from k group by customer_id, k"
    ).fetchnumpy()["n"]


def sessions_sql_key(sizes: np.ndarray) -> list[int]:
    return np.sort(np.asarray(sizes)).tolist()


# -- time series, returns, repurchase ----------------------------------------------------
def over_time_ours(d: Data) -> dict[Any, tuple[int, int, int, int]]:
    t = jm.activity_over_time(d.log, "W")
    starts = [pd.Timestamp(p.split("/")[0]) for p in t["period"].astype(str)]
    cols = [t[c] for c in ("events", "active_cases", "new_cases", "ended_cases")]
    return {s: tuple(int(x) for x in v) for s, *v in zip(starts, *cols, strict=True)}


def over_time_sql(d: Data) -> dict[Any, tuple[int, int, int, int]]:
    rows = d.con.execute(
        "with e as (select customer_id as c, date_trunc('week', timestamp) as w from events), "
        "b as (select c, min(w) as w0, max(w) as w1 from e group by c), "
        "ev as (select w, count(*) as n, count(distinct c) as a from e group by w), "
        "nw as (select w0 as w, count(*) as n from b group by w0), "
        "en as (select w1 as w, count(*) as n from b group by w1), "
        "allw as (select range as w from range((select min(w) from e), "
        "(select max(w) from e) + interval 1 week, interval 1 week)) "
        "select allw.w, coalesce(ev.n, 0), coalesce(ev.a, 0), coalesce(nw.n, 0), "
        "coalesce(en.n, 0) from allw left join ev using (w) left join nw using (w) "
        "left join en using (w) order by 1"
    ).fetchall()
    return {pd.Timestamp(w): (int(a), int(b), int(c), int(e)) for w, a, b, c, e in rows}


def ttr_ours(d: Data) -> tuple[int, int, float]:
    t = jm.time_to_return(d.log, start="Place order", back="Place order", curve=True)
    return int(t["at_risk"].iloc[0]), int(t["returned"].sum()), round(float(t["survival"].min()), 9)


def ttr_pandas(d: Data) -> tuple[int, int, float]:
    """Time from a customer's first purchase to the next, censored at the last event (scipy KM)."""
    from scipy import stats

    o = d.ordered
    buys = o.loc[o["touchpoint"] == "Place order", ["customer_id", "timestamp"]]
    g = buys.groupby("customer_id", sort=False)["timestamp"]
    t0 = g.transform("min")
    nxt = buys["timestamp"].where(buys["timestamp"] > t0).groupby(buys["customer_id"]).min()
    start = g.min()
    end = o["timestamp"].max()
    back = nxt.notna()
    seconds = ((nxt.where(back, end) - start).dt.total_seconds()).to_numpy()
    km = stats.ecdf(
        stats.CensoredData(uncensored=seconds[back.to_numpy()], right=seconds[~back.to_numpy()])
    )
    # the Kaplan-Meier curve's last value: the share of buyers never back
    return int(len(start)), int(back.sum()), round(float(km.sf.probabilities.min()), 9)


def repurchase_ours(d: Data) -> tuple[int, int, float]:
    t = jm.repurchase(d.log, d.model).iloc[0]
    return int(t["buyers"]), int(t["repeat_buyers"]), round(float(t["purchases_per_buyer"]), 12)


def repurchase_pandas(d: Data) -> tuple[int, int, float]:
    o = d.df
    buys = o.loc[o["touchpoint"] == "Place order", ["customer_id", "timestamp"]]
    per = buys.drop_duplicates().groupby("customer_id").size()
    return int(len(per)), int((per > 1).sum()), round(float(per.mean()), 12)


def retention_ours(d: Data) -> pd.DataFrame:
    from benchmarks.bench_retention import AS_OF, PERIOD, PERIODS

    return jm.retention(
        d.retention_log,
        start="purchase",
        back="purchase",
        period=PERIOD,
        periods=PERIODS,
        cohort="M",
        as_of=AS_OF,
    )


def retention_sql(d: Data) -> pd.DataFrame:
    from benchmarks.bench_retention import duckdb_table

    return duckdb_table(d.retention_con)


def retention_same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    from benchmarks.bench_retention import check_equal

    check_equal(a, b)
    return True


# -- attribution -------------------------------------------------------------------------
def last_touch_ours(d: Data) -> dict[str, int]:
    t = jm.attribution(d.log, model=d.model, models=["last"], ci=None)
    return {k: int(v) for k, v in zip(t["touch"], t["conversions"], strict=True) if v > 0}


def last_touch_sql(d: Data) -> dict[str, int]:
    from benchmarks.bench_attribution import LAST_TOUCH_SQL

    return _counts(d.con.execute(LAST_TOUCH_SQL).fetchall())


# the paths to conversion as an analyst builds them for ChannelAttribution (see
# jm.attribution's notes): a conversion's touches after the previous conversion and
# within 30 days before it; a case's touches after its last conversion (or, with none,
# within 30 days of its last event) make a non-converting path
PATHS_SQL = """
with e as (
    select customer_id as c, timestamp as t, channel as ch, touchpoint = 'Place order' as conv,
           row_number() over (partition by customer_id order by timestamp, rid) as p
    from events
), s as (
    select *, coalesce(sum(conv::int) over (partition by c order by p
                rows between unbounded preceding and 1 preceding), 0) as seg,
           sum(conv::int) over (partition by c) as total,
           max(t) over (partition by c) as last_t
    from e
), cv as (select c, seg, t as ct from s where conv),
conv_paths as (
    select string_agg(s.ch, ' > ' order by s.p) as path
    from cv left join s on s.c = cv.c and s.seg = cv.seg and not s.conv
        and s.ch is not null and s.t >= cv.ct - interval 30 day
    group by cv.c, cv.seg
), null_paths as (
    select string_agg(ch, ' > ' order by p) as path from s
    where not conv and ch is not null and seg = total
      and (total > 0 or t >= last_t - interval 30 day)
    group by c
)
select path, sum(cv)::bigint as conv, sum(nl)::bigint as "null" from (
    select path, 1 as cv, 0 as nl from conv_paths where path is not null
    union all select path, 0, 1 from null_paths
) group by path
"""


def conversion_paths_ours(d: Data) -> dict[str, tuple[int, int]]:
    t = jm.conversion_paths(d.log, model=d.model)
    return {
        " > ".join(p): (int(c), int(n))
        for p, c, n in zip(t["path"], t["conversions"], t["non_conversions"], strict=True)
    }


def conversion_paths_sql(d: Data) -> dict[str, tuple[int, int]]:
    t = d.con.execute(PATHS_SQL).df().sort_values(["conv", "path"], ascending=[False, True])
    return {p: (int(c), int(n)) for p, c, n in zip(t["path"], t["conv"], t["null"], strict=True)}


def conversion_paths_same(
    ours: dict[str, tuple[int, int]], sql: dict[str, tuple[int, int]]
) -> bool:
    # the top 20 of journeymine, each with the counts SQL found for it
    return all(sql.get(p) == v for p, v in ours.items()) and len(ours) == min(20, len(sql))


MARKOV_TOLERANCE = 0.02  # shares; ChannelAttribution simulates the chain


def markov_ours(d: Data) -> dict[str, float]:
    t = jm.attribution(d.log, model=d.model, models=["markov"], ci=None)
    return dict(zip(t["touch"], t["share"].astype(float), strict=True))


def markov_peer(d: Data) -> dict[str, float]:
    from ChannelAttribution import markov_model

    data = d.con.execute(PATHS_SQL).df()
    with contextlib.redirect_stdout(io.StringIO()):  # its banners
        res = markov_model(data, "path", "conv", var_null="null", order=1, verbose=0)
    res = res.set_index("channel_name")["total_conversions"]
    return (res / res.sum()).to_dict()


def markov_same(a: dict[str, float], b: dict[str, float]) -> tuple[bool, str]:
    gap = max(abs(a[k] - b.get(k, 0.0)) for k in a)
    return set(b) <= set(a) and gap <= MARKOV_TOLERANCE, f"largest share gap {gap:.4f}"


# -- compare, features -------------------------------------------------------------------
def compare_ours(d: Data) -> dict[tuple[str, str], tuple[int, float]]:
    t = jm.compare(d.log, "channel", model=d.model)
    t = t[t["metric"].isin(["conversion", "conformance"])]
    return {
        (str(g), str(m)): (int(n), round(float(v), 12))
        for g, m, n, v in zip(t["group"], t["metric"], t["cases"], t["value"], strict=True)
    }


def compare_pandas(d: Data) -> dict[tuple[str, str], tuple[int, float]]:
    """Conversion and conformance rate per channel (a case's channel: its first event's)."""
    o = d.ordered
    g = o.groupby("customer_id", sort=False)
    first = g["channel"].first()
    bought = (o["touchpoint"] == "Place order").groupby(o["customer_id"], sort=False).any()
    conforms = _conforms_pandas(o)
    t = pd.DataFrame({"group": first, "conversion": bought, "conformance": conforms})
    out = {}
    for metric in ("conversion", "conformance"):
        for k, n, m in zip(*_agg_mean(t.groupby("group")[metric]), strict=True):
            out[(str(k), metric)] = (int(n), round(float(m), 12))
    return out


def _agg_mean(g: Any) -> tuple[Any, Any, Any]:
    a = g.agg(["size", "mean"])
    return a.index, a["size"], a["mean"]


def features_ours(d: Data) -> dict[str, int]:
    t = jm.journey_features(d.log, model=d.model)
    cols = [c for c in t.columns if c.startswith("activity:")]
    return {"n_events": int(t["n_events"].sum())} | {
        c.split(":", 1)[1]: int((t[c] > 0).sum()) for c in cols
    }


def features_pandas(d: Data) -> dict[str, int]:
    o = d.df
    n = o.groupby("customer_id").size()
    x = pd.crosstab(o["customer_id"], o["touchpoint"])
    return {"n_events": int(n.sum())} | {str(c): int((x[c] > 0).sum()) for c in x.columns}


# -- patterns, clusters ------------------------------------------------------------------
def patterns_ours(d: Data) -> dict[tuple[str, ...], int]:
    t = jm.sequence_patterns(d.log, min_support=0.05, max_length=4)
    return dict(zip(t["pattern"], t["cases"].astype(int), strict=True))


def patterns_prefixspan(d: Data) -> dict[tuple[str, ...], int]:
    from prefixspan import PrefixSpan

    o = d.ordered
    db = o.groupby("customer_id", sort=False)["touchpoint"].agg(list).tolist()
    ps = PrefixSpan(db)
    ps.maxlen = 4
    return {tuple(p): s for s, p in ps.frequent(math.ceil(0.05 * len(db) - 1e-9))}


def clusters_ours(d: Data) -> np.ndarray:
    return jm.cluster_journeys(d.log, k=5).cases["cluster"].to_numpy()


def clusters_sklearn(d: Data) -> np.ndarray:
    """Each customer a document of transition words, then scikit-learn's own pipeline."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    o = d.ordered
    act = o["touchpoint"].str.replace(" ", "_")
    case = o["customer_id"]
    first = case.ne(case.shift())
    pair = (act + ">" + act.groupby(case).shift(-1)).fillna(act + ">(end)")
    start = ("(start)>" + act).where(first, "")
    docs = (start + " " + pair).groupby(case).agg(" ".join)
    x = CountVectorizer(token_pattern=r"\S+", lowercase=False).fit_transform(docs)
    x = TfidfTransformer().fit_transform(x)
    return KMeans(n_clusters=5, n_init=4, random_state=0).fit_predict(x)


ARI_FLOOR = 0.5


def clusters_same(a: np.ndarray, b: np.ndarray) -> tuple[bool, str]:
    from sklearn.metrics import adjusted_rand_score

    ari = adjusted_rand_score(a, b)
    return ari >= ARI_FLOOR, f"ARI {ari:.2f}"


def representatives_ours(d: Data) -> int:
    return len(jm.representatives(d.log))


def simulate_ours(d: Data) -> int:
    return jm.simulate(d.model, cases=d.customers, seed=0).n_events


def channel_switches_ours(d: Data) -> dict[tuple[str, str], int]:
    t = jm.channel_switches(d.log, summary=True)
    return {
        (a, b): int(n)
        for a, b, n in zip(t["from_channel"], t["to_channel"], t["switches"], strict=True)
    }


def channel_switches_sql(d: Data) -> dict[tuple[str, str], int]:
    rows = d.con.execute(
        "select prev, channel, count(*) from (select channel, lag(channel) over "
        "(partition by customer_id order by timestamp, rid) as prev from events) "
        "where prev is not null and prev <> channel group by all"
    ).fetchall()
    return {(a, b): int(n) for a, b, n in rows}


# -- the table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One analysis: journeymine's call, the peer's, and how to compare their answers."""

    analysis: str  # its public name in jm.__all__
    call: str  # the call as shown in the table
    ours: Callable[[Data], Any]
    peer_name: str = ""
    peer: Callable[[Data], Any] | None = None
    same: Callable[[Any, Any], Any] | None = None  # -> bool or (bool, note)
    # turn each side's answer into the compared form, outside the timed call
    key: Callable[[Any], Any] | None = None
    peer_key: Callable[[Any], Any] | None = None
    note: str = ""
    needs: str | None = None  # the peer's modules (comma-separated), to skip a row without them
    slow: bool = False  # the peer runs once
    subset: int = 0  # if > 0: both sides on the first `subset` customers only


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


ROWS: list[Row] = [
    Row(
        "discover",
        "discover",
        discover_ours,
        "DuckDB lead() + count/avg/median/p90",
        discover_sql,
        needs="duckdb",
    ),
    Row(
        "discover",
        "from_pandas + discover (rows shuffled)",
        fp_discover_ours,
        "DuckDB on the pandas frame: lead() + count/avg/median/p90",
        fp_discover_sql,
        key=_edges_key,
        peer_key=_edge_rows_key,
        needs="duckdb",
    ),
    Row(
        "discover",
        "from_pandas + discover (rows sorted)",
        fp_discover_sorted_ours,
        "DuckDB on the pandas frame: lead() + count/avg/median/p90",
        fp_discover_sorted_sql,
        key=_edges_key,
        peer_key=_edge_rows_key,
        needs="duckdb",
    ),
    Row(
        "variants",
        "variants",
        variants_ours,
        "DuckDB string_agg",
        variants_sql,
        key=variants_key,
        peer_key=_counts,
        needs="duckdb",
    ),
    Row(
        "variants",
        "variants",
        variants_ours,
        "pm4py get_variants",
        variants_pm4py,
        key=variants_key,
        peer_key=variants_pm4py_key,
        needs="pm4py",
        slow=True,
    ),
    Row(
        "case_table",
        "case_table",
        case_table_ours,
        "DuckDB group by",
        case_table_sql,
        _same_frame,
        key=case_table_key,
        peer_key=case_table_sql_key,
        needs="duckdb",
    ),
    Row(
        "check",
        "check (conforms per case)",
        check_ours,
        "pandas groupby cummax",
        check_pandas,
        key=check_key,
        peer_key=conforms_key,
    ),
    Row(
        "check",
        "check (conforms per case)",
        check_ours,
        "pm4py alignments, model as Petri net",
        check_pm4py,
        key=check_key,
        needs="pm4py",
        slow=True,
        subset=ALIGN_CUSTOMERS,
        note="token replay cannot replay this net (see check_pm4py)",
    ),
    Row(
        "conformance_drift",
        "conformance_drift (weekly)",
        drift_ours,
        "pandas groupby by first week",
        drift_pandas,
    ),
    Row(
        "deviation_impact",
        "deviation_impact",
        impact_ours,
        note="no peer: matched comparison of cases with and without each deviation",
    ),
    Row(
        "find_loops",
        "find_loops (self loops, regressions)",
        loops_ours,
        "pandas shift + runs",
        loops_pandas,
        lambda a, b: all(a.get(k, 0) == v for k, v in b.items()),
    ),
    Row(
        "loop_summary",
        "loop_summary (purchases, returns)",
        loop_summary_ours,
        "pandas groupby cumsum",
        loop_summary_pandas,
    ),
    Row(
        "stage_visits",
        "stage_visits (visits per stage)",
        visits_ours,
        "DuckDB lag()",
        visits_sql,
        needs="duckdb",
    ),
    Row(
        "stage_durations",
        "stage_durations (entered)",
        durations_ours,
        "pandas groupby min",
        durations_pandas,
        key=durations_key,
        peer_key=durations_pandas_key,
    ),
    Row("funnel", "funnel (reach)", reach_ours, "DuckDB count distinct", reach_sql, needs="duckdb"),
    Row(
        "funnel",
        "funnel (strict, 30D)",
        strict_ours,
        "DuckDB window + 5 joins",
        strict_sql,
        needs="duckdb",
    ),
    Row("paths", "paths(after, 3)", paths_ours, "DuckDB window + join", paths_sql, needs="duckdb"),
    Row(
        "step_matrix",
        "step_matrix(10)",
        steps_ours,
        "DuckDB window + group by",
        steps_sql,
        needs="duckdb",
    ),
    Row(
        "filter_cases", "filter_cases(has=)", has_ours, "DuckDB semi-join", has_sql, needs="duckdb"
    ),
    Row(
        "filter_cases",
        "filter_cases(has=)",
        has_ours,
        "pm4py filter_event_attribute_values",
        has_pm4py,
        needs="pm4py",
        slow=True,
    ),
    Row(
        "filter_events",
        "filter_events(keep=False)",
        events_ours,
        "DuckDB where",
        events_sql,
        needs="duckdb",
    ),
    Row(
        "filter_events",
        "filter_events(keep=False)",
        events_ours,
        "pm4py filter_event_attribute_values",
        events_pm4py,
        needs="pm4py",
        slow=True,
    ),
    Row(
        "filter_time",
        "filter_time (contained)",
        time_ours,
        "DuckDB group by + semi-join",
        time_sql,
        needs="duckdb",
    ),
    Row(
        "filter_time",
        "filter_time (contained)",
        time_ours,
        "pm4py filter_time_range",
        time_pm4py,
        needs="pm4py",
        slow=True,
    ),
    Row("trim", "trim(cart, order)", trim_ours, "DuckDB window + join", trim_sql, needs="duckdb"),
    Row(
        "sessionize",
        "sessionize(30min)",
        sessions_ours,
        "DuckDB lag() + running sum",
        sessions_sql,
        key=sessions_key,
        peer_key=sessions_sql_key,
        needs="duckdb",
    ),
    Row(
        "activity_over_time",
        "activity_over_time(W)",
        over_time_ours,
        "DuckDB date_trunc",
        over_time_sql,
        needs="duckdb",
    ),
    Row(
        "channel_switches",
        "channel_switches(summary)",
        channel_switches_ours,
        "DuckDB lag()",
        channel_switches_sql,
        needs="duckdb",
    ),
    Row(
        "retention",
        "retention (30D x 12, monthly)",
        retention_ours,
        "DuckDB SQL (bench_retention)",
        retention_sql,
        retention_same,
        needs="duckdb",
        note="bench_retention's purchase/visit log",
    ),
    Row(
        "time_to_return",
        "time_to_return (Kaplan-Meier curve)",
        ttr_ours,
        "pandas groupby + scipy.stats.ecdf",
        ttr_pandas,
    ),
    Row(
        "repurchase",
        "repurchase (point estimates)",
        repurchase_ours,
        "pandas groupby",
        repurchase_pandas,
    ),
    Row(
        "attribution",
        "attribution(last)",
        last_touch_ours,
        "DuckDB window (bench_attribution)",
        last_touch_sql,
        needs="duckdb",
    ),
    Row(
        "attribution",
        "attribution(markov)",
        markov_ours,
        "DuckDB paths + ChannelAttribution",
        markov_peer,
        markov_same,
        needs="ChannelAttribution,duckdb",
        slow=True,
        note=f"shares within {MARKOV_TOLERANCE}",
    ),
    Row(
        "conversion_paths",
        "conversion_paths (top 20)",
        conversion_paths_ours,
        "DuckDB paths + group by",
        conversion_paths_sql,
        conversion_paths_same,
        needs="duckdb",
    ),
    Row(
        "compare",
        "compare(channel) conversion, conformance",
        compare_ours,
        "pandas groupby mean + cummax check",
        compare_pandas,
    ),
    Row("journey_features", "journey_features", features_ours, "pandas crosstab", features_pandas),
    Row(
        "sequence_patterns",
        "sequence_patterns(0.05, 4)",
        patterns_ours,
        "prefixspan",
        patterns_prefixspan,
        needs="prefixspan",
        slow=True,
        subset=SUBSET,
    ),
    Row(
        "cluster_journeys",
        "cluster_journeys(k=5)",
        clusters_ours,
        "scikit-learn CountVectorizer + Tfidf + KMeans",
        clusters_sklearn,
        clusters_same,
        needs="sklearn",
        slow=True,
        note=f"equal = ARI >= {ARI_FLOOR}",
    ),
    Row(
        "representatives",
        "representatives",
        representatives_ours,
        note="no peer: no library finds representative journeys",
    ),
    Row(
        "simulate",
        "simulate (as many cases)",
        simulate_ours,
        note="no peer: draws a log from a model",
    ),
]


def available(modules: str | None) -> bool:
    """Whether every module a peer needs (comma-separated names) is installed."""
    if modules is None:
        return True
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in modules.split(","))


# -- timing ------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """One run: its answer, wall seconds and process CPU seconds (all threads)."""
    c, t = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def best_of(fn: Callable[[], Any], repeat: int, first: Any = None) -> tuple[float, float]:
    """Best wall time (and its CPU time) over ``repeat`` runs; ``first`` is a run already made."""
    runs = [] if first is None else [first]
    while len(runs) < repeat:
        runs.append(timed(fn)[1:])
    return min(runs)


@dataclass
class Result:
    row: Row
    t_ours: float
    cpu_ours: float
    t_peer: float | None = None
    cpu_peer: float | None = None
    equal: str = "–"
    note: str = ""


def run_row(row: Row, data: Data, repeat: int) -> Result:
    """Check the answers equal (first run of each side), then time the best of ``repeat``."""
    d = data.subset(row.subset) if row.subset else data
    ours, t, c = timed(lambda: row.ours(d))
    note = row.note
    if row.subset:
        note = f"on {d.customers:,} customers" + (f"; {note}" if note else "")
    if row.peer is None or not available(row.needs):
        t_o, c_o = best_of(lambda: row.ours(d), repeat, (t, c))
        if row.peer is not None:
            note = f"{row.needs} not installed" + (f"; {note}" if note else "")
        return Result(row, t_o, c_o, note=note)
    theirs, tp, cp = timed(lambda: row.peer(d))
    if row.key is not None:
        ours = row.key(ours)
    if row.peer_key is not None:
        theirs = row.peer_key(theirs)
    same = (row.same or _eq)(ours, theirs)
    if isinstance(same, tuple):  # (equal?, what was measured)
        same, measured = same
        note = f"{note}; {measured}" if note else measured
    assert same, f"{row.call}: journeymine and {row.peer_name} disagree ({note})"
    t_o, c_o = best_of(lambda: row.ours(d), repeat, (t, c))
    t_p, c_p = best_of(lambda: row.peer(d), 1 if row.slow else repeat, (tp, cp))
    if row.slow:
        note = "peer 1 run" + (f"; {note}" if note else "")
    return Result(row, t_o, c_o, t_p, c_p, "yes", note)


def table(results: list[Result]) -> str:
    lines = [
        "| analysis | journeymine s (cpu) | peer | peer s (cpu) | × peer | equal | target | note |",
        "|---|---:|---|---:|---:|---|---|---|",
    ]
    for r in results:
        if r.t_peer is None:
            peer, ratio, target = "–", "–", "no peer"
        else:
            peer = f"{r.t_peer:.3f} ({r.cpu_peer:.2f})"
            x = r.t_ours / r.t_peer
            ratio = f"{x:.2f}"
            target = "met" if x <= 1.0 else "**missed**"
        lines.append(
            f"| `{r.row.call}` | {r.t_ours:.3f} ({r.cpu_ours:.2f}) | {r.row.peer_name or '–'} "
            f"| {peer} | {ratio} | {r.equal} | {target} | {r.note} |"
        )
    return "\n".join(lines)


def profile_top(fn: Callable[[], Any], n: int = 3) -> list[str]:
    """The ``n`` functions with the most own time in one profiled run of ``fn``."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    total = sum(v[2] for v in stats.values())
    out = []
    for (file, line, func), (_, calls, own, cum, _) in top:
        where = f"{Path(file).name}:{line}" if line else file
        out.append(
            f"{func} ({where}) {own:.2f} s own of {total:.2f} s, {cum:.2f} s cum, {calls:,} calls"
        )
    return out


def uptime() -> str:
    return f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; {load_average()}"


def compare_peers(customers: int, repeat: int, only: list[str] | None = None) -> list[Result]:
    """Print (and return) the table of every row at ``customers`` customers."""
    data = Data(customers)
    rows = [r for r in ROWS if not only or r.analysis in only]
    print(f"# every analysis beside its peer, start {uptime()}")
    print(f"# {versions()}")
    print(
        f"# {customers:,} customers, {data.log.n_events:,} events; best of {repeat} "
        "(peers marked '1 run' once); seconds wall (cpu: all threads)\n",
        flush=True,
    )
    results = []
    for row in rows:
        results.append(run_row(row, data, repeat))
        print(table(results[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(results))
    print(f"\n# end {uptime()}")
    missed = [r for r in results if r.t_peer is not None and r.t_ours > r.t_peer]
    if missed:
        print("\n# cProfile of journeymine's side of each missed row (top 3 by own time)")
    for r in missed:
        d = data.subset(r.row.subset) if r.row.subset else data
        print(f"# {r.row.call}:")
        for line in profile_top(lambda r=r, d=d: r.row.ours(d)):
            print(f"#   {line}")
    return results


def slope(events: list[int], ts: list[float]) -> float:
    """The least-squares slope of log(time) over log(events): the growth exponent."""
    return float(np.polyfit(np.log(events), np.log(np.maximum(ts, 1e-6)), 1)[0])


def growth(sizes: list[int], repeat: int, only: list[str] | None = None) -> dict[str, Any]:
    """Time every journeymine row at each size and print its growth exponents.

    The exponent is the log-log slope fitted over all sizes, of the wall time
    and of the process CPU time (steadier on a shared machine); ``last`` is the
    CPU slope between the two largest sizes, where constant overheads matter least.
    """
    rows: dict[str, Row] = {}
    for r in ROWS:
        if (not only or r.analysis in only) and r.call not in rows:
            rows[r.call] = r
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in rows}
    events: list[int] = []
    print(f"# growth over the events, start {uptime()}", flush=True)
    for customers in sizes:
        data = Data(customers)
        events.append(data.log.n_events)
        for call, row in rows.items():
            try:
                times[call].append(best_of(lambda row=row, data=data: row.ours(data), repeat))
            except jm.JourneymineError as err:  # e.g. a limit refusing the size: say so
                times[call].append((math.nan, math.nan))
                print(f"#   {customers:,} customers: {call} refused: {err}", flush=True)
                continue
            wall, cpu = times[call][-1]
            print(f"#   {customers:,} customers: {call} {wall:.3f} s (cpu {cpu:.3f})", flush=True)
        del data
    head = " | ".join(f"{e:,} events" for e in events)
    print(f"\n## Growth over the events (best of {repeat}; end {uptime()})\n")
    print(f"| analysis | {head} | exponent wall | exponent cpu | last cpu | target |")
    print("|---|" + "---:|" * (len(events) + 3) + "---|")
    exponents = {}
    for call, ts in times.items():
        ok = [i for i, t in enumerate(ts) if not math.isnan(t[0])]  # sizes it ran at
        walls, cpus = [ts[i][0] for i in ok], [ts[i][1] for i in ok]
        ev = [events[i] for i in ok]
        many = len(ok) > 1
        x_wall = slope(ev, walls) if many else math.nan
        x_cpu = slope(ev, cpus) if many else math.nan
        last = slope(ev[-2:], cpus[-2:]) if many else math.nan
        exponents[call] = x_cpu
        cells = " | ".join(f"{w:.3f} s ({c:.2f})" for w, c in ts)
        verdict = "met" if x_cpu <= 1.1 else "**missed**" if many else "–"
        if len(ok) < len(ts):
            verdict += f"; refused at {len(ts) - len(ok)} size(s)"
        print(f"| `{call}` | {cells} | {x_wall:.2f} | {x_cpu:.2f} | {last:.2f} | {verdict} |")
    return {"events": events, "times": times, "exponents": exponents}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--growth", default=None, help="comma-separated customer counts")
    parser.add_argument("--only", default=None, help="comma-separated analyses")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", jm.JourneymineWarning)
    only = args.only.split(",") if args.only else None
    if args.growth:
        growth([int(s) for s in args.growth.split(",")], args.repeat, only)
    else:
        compare_peers(args.customers, args.repeat, only)


if __name__ == "__main__":
    main()
