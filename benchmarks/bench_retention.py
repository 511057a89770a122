"""Time ``jm.retention`` against a DuckDB SQL query computing the same cohort table.

Run from the repository root::

    python benchmarks/bench_retention.py [--customers 1000000] [--repeat 2]

The log: ``--customers`` customers, each with a first event at a random
second of 2025 and a geometric number of later events (mean 2) after
exponential gaps (mean 20 days); an event is a ``purchase`` with
probability 0.4 (the first one 0.6), else a ``visit``. The table: clock
started at the first purchase, a return is a later purchase, 30-day periods,
12 of them, monthly cohorts, ``n_day`` mode, ``as_of`` the end of 2025
(later events ignored), 95 % Wilson intervals. DuckDB computes the same table in one SQL query (cells not
observable at ``as_of`` NULL, Wilson by its formula) on the registered
pandas frame, with 2 threads; the two tables are checked equal (counts
exactly, intervals to 1e-12) before anything is timed.
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
from benchmarks.run import fmt_table, load_average, versions  # noqa: E402

COLS = dict(case="customer_id", activity="touchpoint", timestamp="timestamp")
PERIOD, PERIODS = "30D", 12
AS_OF = "2025-12-31 23:59:59"  # the data is "extracted" at the end of 2025: later events ignored
Z = 1.959963984540054  # the normal quantile of a 95 % interval


def retention_log(customers: int, seed: int = 0) -> pd.DataFrame:
    """The synthetic log described in the module docstring (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    extra = rng.geometric(1 / 3, customers) - 1  # later events per customer, mean 2
    sizes = 1 + extra
    n = int(sizes.sum())
    case = np.repeat(np.arange(customers), sizes)
    starts = np.cumsum(sizes) - sizes
    first = np.zeros(n, dtype=bool)
    first[starts] = True
    year = 365 * 86400
    t0 = rng.integers(0, year, customers)
    gaps = np.where(first, 0, rng.exponential(20 * 86400, n).astype(np.int64))
    gaps[starts] = t0
    seconds = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[starts] - t0, sizes)
    buy = np.where(first, rng.random(n) < 0.6, rng.random(n) < 0.4)
    perm = rng.permutation(n)
    return pd.DataFrame(
        {
            "customer_id": case[perm],
            "touchpoint": np.where(buy, "purchase", "visit")[perm].astype(object),
            "timestamp": (pd.Timestamp("2025-01-01") + pd.to_timedelta(seconds[perm], unit="s")),
        }
    )


SQL = """
WITH bounds AS (SELECT epoch_us(TIMESTAMP '{as_of}') AS as_of),
ev AS (
    SELECT customer_id AS c, touchpoint AS a, epoch_us(timestamp) AS t FROM df
    WHERE epoch_us(timestamp) <= (SELECT as_of FROM bounds)
),
starts AS (
    SELECT c, min(t) AS t0 FROM ev WHERE a = 'purchase' GROUP BY c
),
coh AS (
    SELECT c, t0, date_trunc('month', make_timestamp(t0)) AS cohort FROM starts
),
rets AS (
    SELECT DISTINCT e.c, (e.t - s.t0) // {period_us} AS k
    FROM ev e JOIN coh s USING (c)
    WHERE e.a = 'purchase' AND e.t > s.t0
),
sizes AS (SELECT cohort, count(*) AS cases, max(t0) AS max_t0 FROM coh GROUP BY cohort),
kept AS (
    SELECT s.cohort, r.k, count(*) AS retained
    FROM rets r JOIN coh s USING (c) WHERE r.k < {periods} GROUP BY ALL
),
cells AS (
    SELECT z.cohort, p.k AS period, z.cases,
           CASE WHEN z.max_t0 + (p.k + 1) * {period_us} <= (SELECT as_of FROM bounds)
                THEN coalesce(kept.retained, 0) END AS retained
    FROM sizes z CROSS JOIN range({periods}) p(k)
    LEFT JOIN kept ON kept.cohort = z.cohort AND kept.k = p.k
)
SELECT cohort, period, cases, retained::DOUBLE AS retained, retained / cases AS rate,
       (retained + {z2} / 2) / (cases + {z2})
         - {z} * sqrt(retained * (cases - retained) / cases + {z2} / 4) / (cases + {z2}) AS lo,
       (retained + {z2} / 2) / (cases + {z2})
         + {z} * sqrt(retained * (cases - retained) / cases + {z2} / 4) / (cases + {z2}) AS hi
FROM cells ORDER BY cohort, period
"""


def duckdb_table(con: object) -> pd.DataFrame:
    period_us = pd.Timedelta(PERIOD) // pd.Timedelta(microseconds=1)
    query = SQL.format(period_us=period_us, periods=PERIODS, z=Z, z2=Z * Z, as_of=AS_OF)
    return con.execute(query).df()  # type: ignore[attr-defined]


def check_equal(jm_table: pd.DataFrame, sql: pd.DataFrame) -> None:
    """Counts equal exactly, the unobservable cells NaN in both, intervals to 1e-12."""
    a = jm_table.reset_index(drop=True)
    b = sql.reset_index(drop=True)
    assert len(a) == len(b), (len(a), len(b))
    cohorts = a["cohort"].dt.start_time.to_numpy()
    assert (cohorts == pd.to_datetime(b["cohort"]).to_numpy()).all()
    assert (a["period"].to_numpy() == b["period"].to_numpy()).all()
    assert (a["cases"].to_numpy() == b["cases"].to_numpy()).all()
    for col in ("retained", "rate", "lo", "hi"):
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        assert (np.isnan(x) == np.isnan(y)).all(), col
        ok = ~np.isnan(x)
        if col == "retained":
            assert (x[ok] == y[ok]).all()
        else:
            assert np.allclose(x[ok], y[ok], rtol=0, atol=1e-12), col


def main(argv: list[str] | None = None) -> None:
    import duckdb

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=2, help="best of N")
    p.add_argument("--no-memory", action="store_true", help="skip the traced-memory run")
    args = p.parse_args(argv)
    memory = not args.no_memory
    warnings.simplefilter("ignore", jm.JourneymineWarning)

    print(f"# bench_retention, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    df = retention_log(args.customers)
    print(f"# {args.customers:,} customers, {len(df):,} events")
    kw = dict(
        start="purchase", back="purchase", period=PERIOD, periods=PERIODS, cohort="M", as_of=AS_OF
    )
    log = jm.from_pandas(df, **COLS)
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("df", df)

    want = jm.retention(log, **kw)
    check_equal(want, duckdb_table(con))
    print(f"# checked: the {len(want)} cells equal DuckDB's ({want['retained'].isna().sum()} NaN)")

    rows = []
    _, t_log, m_log = measure(lambda: jm.from_pandas(df, **COLS), args.repeat, memory)
    _, t_ret, m_ret = measure(lambda: jm.retention(log, **kw), args.repeat, memory)
    rows.append(("jm retention (built JourneyLog)", t_ret, m_ret, ""))
    rows.append(("jm from_pandas + retention", t_log + t_ret, max(m_log, m_ret), "sum of the two"))
    _, t_sql, _ = measure(lambda: duckdb_table(con), args.repeat, memory=False)
    rows.append(("DuckDB SQL on the pandas frame (2 threads)", t_sql, None, "memory not traced"))
    input_bytes = float(df.memory_usage(deep=True).sum())
    print(fmt_table("", rows, t_sql, input_bytes).split("\n", 1)[1].replace("x numpy", "x duckdb"))


if __name__ == "__main__":
    main()
