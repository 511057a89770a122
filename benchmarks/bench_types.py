"""Time the journey-types analyses against their natural peers on a synthetic log.

Run from the repository root::

    python benchmarks/bench_types.py [--customers 1000000] [--peer-customers 100000]

One run each (no repeats), on the synthetic log of ``benchmarks/synthetic.py``
(~5 events per customer, about an hour between events):

* ``sessionize(gap="30min")`` against DuckDB SQL (``lag()`` over the
  customer's events, a running sum of the session starts): the session sizes
  must be equal;
* ``sequence_patterns`` against the ``prefixspan`` package (pure Python) on
  ``--peer-customers`` customers (it does not finish in reasonable time on a
  million), and ``sequence_patterns`` alone on all customers: the supports
  must be equal;
* ``cluster_journeys(k=5)`` against scikit-learn's own pipeline on the
  customers (``CountVectorizer`` over each customer's transitions as words,
  ``TfidfTransformer``, ``KMeans``): the adjusted Rand index between the two
  partitions is printed (the same objective, not the same initialisation).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import journeymine as jm  # noqa: E402
from benchmarks.run import COLS, load_average, versions  # noqa: E402
from benchmarks.synthetic import journey_log  # noqa: E402


def timed(fn):  # noqa: ANN001, ANN201 - a tiny helper
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def sessions(df: pd.DataFrame, log: jm.JourneyLog) -> list[tuple[str, float, str]]:
    import duckdb

    rows = []
    out, t = timed(lambda: jm.sessionize(log, gap="30min"))
    jm_sizes = np.sort(out.case_sizes)
    rows.append(("jm sessionize(gap='30min')", t, f"{out.n_cases:,} sessions"))
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    frame = df[list(COLS.values())].assign(row=np.arange(len(df)))
    con.register("events", frame)
    sql = """
        WITH marked AS (
            SELECT customer_id, timestamp, row,
                   CASE WHEN lag(timestamp) OVER w IS NULL
                          OR timestamp - lag(timestamp) OVER w > INTERVAL 30 MINUTE
                        THEN 1 ELSE 0 END AS new_session
            FROM events
            WINDOW w AS (PARTITION BY customer_id ORDER BY timestamp, row)
        ), numbered AS (
            SELECT customer_id, sum(new_session) OVER (
                PARTITION BY customer_id ORDER BY timestamp, row ROWS UNBOUNDED PRECEDING) AS k
            FROM marked
        )
        SELECT count(*) AS n FROM numbered GROUP BY customer_id, k
    """
    sizes, t = timed(lambda: con.execute(sql).fetchnumpy()["n"])
    same = np.array_equal(np.sort(np.asarray(sizes)), jm_sizes)
    rows.append(("DuckDB SQL lag() window", t, f"session sizes equal: {same}"))
    return rows


def patterns(df: pd.DataFrame, log: jm.JourneyLog, peer: int) -> list[tuple[str, float, str]]:
    rows = []
    out, t = timed(lambda: jm.sequence_patterns(log, min_support=0.05, max_length=4))
    rows.append((f"jm sequence_patterns, {log.n_cases:,} customers", t, f"{len(out)} patterns"))
    try:
        from prefixspan import PrefixSpan
    except ImportError:
        rows.append(("prefixspan", math.nan, "not installed"))
        return rows
    small = log.select_cases(np.arange(min(peer, log.n_cases)))
    mine, t = timed(lambda: jm.sequence_patterns(small, min_support=0.05, max_length=4))
    rows.append((f"jm sequence_patterns, {peer:,} customers", t, f"{len(mine)} patterns"))
    labels = np.asarray(small.activity_labels, dtype=object)
    seqs = np.split(labels[small.activity_codes], small.case_offsets[1:-1])
    db = [list(s) for s in seqs]

    def run() -> dict:
        ps = PrefixSpan(db)
        ps.maxlen = 4
        return {tuple(p): s for s, p in ps.frequent(math.ceil(0.05 * len(db) - 1e-9))}

    theirs, t = timed(run)
    same = theirs == dict(zip(mine["pattern"], mine["cases"], strict=True))
    rows.append((f"prefixspan package, {peer:,} customers", t, f"supports equal: {same}"))
    return rows


def clusters(log: jm.JourneyLog) -> list[tuple[str, float, str]]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.metrics import adjusted_rand_score

    rows = []
    out, t = timed(lambda: jm.cluster_journeys(log, k=5))
    rows.append(("jm cluster_journeys(k=5)", t, f"sizes {out.profiles['cases'].tolist()}"))

    def peer() -> np.ndarray:
        # each customer a document of transition words, as one would with pandas + sklearn
        ev = log.to_pandas()
        act = ev[log.activity].str.replace(" ", "_")
        case = ev[log.case]
        first = case.ne(case.shift())
        pair = (act + ">" + act.groupby(case).shift(-1)).fillna(act + ">(end)")
        start = ("(start)>" + act).where(first, "")
        docs = (start + " " + pair).groupby(case).agg(" ".join)
        x = CountVectorizer(token_pattern=r"\S+", lowercase=False).fit_transform(docs)
        x = TfidfTransformer().fit_transform(x)
        return KMeans(n_clusters=5, n_init=4, random_state=0).fit_predict(x)

    labels, t = timed(peer)
    ari = adjusted_rand_score(out.cases["cluster"], labels)
    rows.append(("scikit-learn pipeline (CountVectorizer, Tfidf, KMeans)", t, f"ARI {ari:.2f}"))
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--peer-customers", type=int, default=100_000)
    p.add_argument("--only", choices=["sessions", "patterns", "clusters"], default=None)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore", jm.JourneymineWarning)  # synthetic data repeats events
    print(f"# bench_types, {time.strftime('%Y-%m-%d %H:%M %Z')}; {load_average()}")
    print(f"# {versions()}")
    df = journey_log(args.customers)
    log = jm.from_pandas(df, **COLS)
    print(f"# {log.n_cases:,} customers, {log.n_events:,} events; one run each")
    rows = []
    if args.only in (None, "sessions"):
        rows += sessions(df, log)
    if args.only in (None, "patterns"):
        rows += patterns(df, log, args.peer_customers)
    if args.only in (None, "clusters"):
        rows += clusters(log)
    print("| step | seconds | check |\n|---|---:|---|")
    for name, t, note in rows:
        print(f"| {name} | {t:.2f} | {note} |", flush=True)
    print(f"# after: {load_average()}")


if __name__ == "__main__":
    main()
