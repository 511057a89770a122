"""Time jm.attribution (all seven models, no bootstrap) beside a DuckDB SQL last-touch query.

Run from the repository root::

    python benchmarks/bench_attribution.py [--customers 1000000]

The synthetic log (``benchmarks/synthetic.py``, ~5 events per customer) gets
a channel per event (web, app, email, store, social; drawn at random, 2 % of
events without one). Conversions are the ``Place order`` events; paths use
the 30-day lookback. DuckDB computes last-touch credit on the same paths
with window functions over the raw table (the case's most recent touch before
each conversion, if it lies within the lookback and after the case's
previous conversion); its counts are checked equal to journeymine's
``last`` column before anything is timed. Each step runs once.
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
from benchmarks.run import COLS, fmt_table, load_average, synthetic_model, versions  # noqa: E402
from benchmarks.synthetic import journey_log  # noqa: E402

CHANNELS = np.array(["web", "app", "email", "store", "social"], dtype=object)

LAST_TOUCH_SQL = """
WITH ev AS (
    SELECT customer_id AS c, "timestamp" AS t, rn, channel,
           touchpoint = 'Place order' AS conv
    FROM events
),
ordered AS (
    SELECT *, row_number() OVER (PARTITION BY c ORDER BY t, rn) AS pos FROM ev
),
marked AS (
    SELECT conv, t,
        last_value(CASE WHEN NOT conv AND channel IS NOT NULL THEN channel END IGNORE NULLS)
            OVER w AS last_channel,
        last_value(CASE WHEN NOT conv AND channel IS NOT NULL THEN t END IGNORE NULLS)
            OVER w AS last_t,
        last_value(CASE WHEN NOT conv AND channel IS NOT NULL THEN pos END IGNORE NULLS)
            OVER w AS last_pos,
        last_value(CASE WHEN conv THEN pos END IGNORE NULLS) OVER w AS prev_conv
    FROM ordered
    WINDOW w AS (PARTITION BY c ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT last_channel AS touch, count(*) AS conversions
FROM marked
WHERE conv AND last_channel IS NOT NULL AND last_t >= t - INTERVAL 30 DAY
  AND (prev_conv IS NULL OR last_pos > prev_conv)
GROUP BY 1
ORDER BY 1
"""


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore", jm.JourneymineWarning)  # synthetic data repeats events
    import duckdb

    print(f"# bench_attribution, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    df = journey_log(args.customers)
    rng = np.random.default_rng(0)
    channel = CHANNELS[rng.integers(0, CHANNELS.size, len(df))]
    channel[rng.random(len(df)) < 0.02] = None
    df["channel"] = channel
    input_bytes = float(df[[*COLS.values(), "channel"]].memory_usage(deep=True, index=False).sum())
    model = synthetic_model()
    log = jm.from_pandas(df, **COLS, channel="channel")

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    events = df.assign(rn=np.arange(len(df)))
    con.register("events", events)

    def sql() -> pd.DataFrame:
        return con.execute(LAST_TOUCH_SQL).df()

    # the same answer first
    want = jm.attribution(log, model=model, models=["last"], ci=None)
    got = sql().set_index("touch")["conversions"]
    mine = want.set_index("touch")["conversions"]
    mine = mine[mine > 0]
    assert got.index.tolist() == mine.index.tolist(), (got, mine)
    assert np.array_equal(got.to_numpy(np.float64), mine.to_numpy()), (got, mine)
    print(f"# last-touch credit identical: journeymine == DuckDB ({int(mine.sum()):,} conversions)")

    rows = []
    _, t_sql, m_sql = measure(sql, repeat=1, memory=False)
    rows.append(("DuckDB SQL last touch (window functions)", t_sql, m_sql, "floor"))
    out, t_all, m_all = measure(
        lambda: jm.attribution(log, model=model, ci=None), repeat=1, memory=False
    )
    rows.append(("jm attribution, all 7 models, ci=None", t_all, m_all, ""))
    _, t_last, m_last = measure(
        lambda: jm.attribution(log, model=model, models=["last"], ci=None), repeat=1, memory=False
    )
    rows.append(("jm attribution, last only, ci=None", t_last, m_last, ""))
    _, t_paths, m_paths = measure(
        lambda: jm.conversion_paths(log, model=model), repeat=1, memory=False
    )
    rows.append(("jm conversion_paths (top 20)", t_paths, m_paths, ""))
    print(
        f"## attribution, {args.customers:,} customers, {len(df):,} events, "
        f"{out.attrs['no_touch']:,} conversions without touch (input columns "
        f"{input_bytes / 2**20:,.0f} MiB; one run each); after: {load_average()}"
    )
    # the ratio column is over DuckDB's time here
    print(fmt_table("", rows, t_sql, input_bytes).split("\n", 1)[1].replace("x numpy", "x duckdb"))


if __name__ == "__main__":
    main()
