"""discover(), variants() and JourneyGraph: hand-checked cases and invariants."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import LogError, ParameterError

from strategies import examples, spread_duplicates


def log_of(rows, **kw):
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="min")
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", **kw)


@pytest.fixture
def small():
    return log_of(
        [
            (1, "ad", 0),
            (1, "view", 10),
            (1, "view", 30),
            (1, "buy", 40),
            (2, "ad", 0),
            (2, "buy", 5),
            (3, "view", 0),
        ]
    )


def test_nodes_by_hand(small):
    g = jm.discover(small)
    nodes = g.nodes.set_index("node")
    assert nodes.loc["view"].tolist() == [3, 2, 1, 1]  # events, cases, start, end
    assert nodes.loc["ad"].tolist() == [2, 2, 2, 0]
    assert nodes.loc["buy"].tolist() == [2, 2, 0, 2]
    assert g.n_cases == 3 and g.n_events == 7


def test_edges_by_hand(small):
    e = jm.discover(small).edges.set_index(["source", "target"])
    assert e.loc[("ad", "view"), "events"] == 1
    assert e.loc[("view", "view"), "events"] == 1
    assert e.loc[("ad", "buy"), "median_duration"] == pd.Timedelta(minutes=5)
    assert e.loc[("view", "buy"), "mean_duration"] == pd.Timedelta(minutes=10)
    assert len(e) == 4


def test_edge_cases_counts_distinct_cases():
    g = jm.discover(
        log_of([(1, "a", 0), (1, "b", 1), (1, "a", 2), (1, "b", 3), (2, "a", 0), (2, "b", 9)])
    )
    e = g.edges.set_index(["source", "target"])
    assert e.loc[("a", "b"), "events"] == 3 and e.loc[("a", "b"), "cases"] == 2
    assert e.loc[("a", "b"), "min_duration"] == pd.Timedelta(minutes=1)
    assert e.loc[("a", "b"), "max_duration"] == pd.Timedelta(minutes=9)
    assert e.loc[("a", "b"), "median_duration"] == pd.Timedelta(minutes=1)


def test_median_of_two_durations_is_their_midpoint():
    # issue 13 item 1: 1 day and 4 days give a median of 2.5 days, as numpy/pandas/pm4py say
    day = 24 * 60
    g = jm.discover(log_of([(1, "a", 0), (1, "b", day), (2, "a", 0), (2, "b", 4 * day)]))
    e = g.edges.iloc[0]
    assert e["median_duration"] == pd.Timedelta(days=2.5)
    assert e["p90_duration"] == pd.Timedelta(days=3.7)


@pytest.mark.parametrize("n", [1, 2, 3, 500, 501])
def test_quantiles_are_exact(n):
    rng = np.random.default_rng(n)
    minutes = rng.integers(1, 10_000, n)
    rows = []
    for i, m in enumerate(minutes):
        rows += [(i, "a", 0), (i, "b", int(m)), (i, "c", int(m) + int(m) % 7)]
    e = jm.discover(log_of(rows)).edges.set_index(["source", "target"])
    for (src, dst), values in (
        (("a", "b"), minutes),
        (("b", "c"), minutes % 7),
    ):
        ns = values.astype(np.int64) * 60_000_000_000
        row = e.loc[(src, dst)]
        assert row["median_duration"].value == round(np.quantile(ns, 0.5))
        assert row["p90_duration"].value == round(np.quantile(ns, 0.9))
        assert row["median_duration"] == pd.Series(pd.to_timedelta(ns)).median()
        assert abs(row["mean_duration"].value - ns.mean()) <= 0.5


def test_by_stage_and_channel(tiny_df):
    tiny_df["stage"] = tiny_df["touchpoint"].map(
        {"ad": "Awareness", "view": "Consideration", "buy": "Purchase"}
    )
    log = jm.from_pandas(
        tiny_df,
        case="customer",
        activity="touchpoint",
        timestamp="ts",
        stage="stage",
        channel="channel",
    )
    g = jm.discover(log, by="stage")
    assert set(g.nodes["node"]) == {"Awareness", "Consideration", "Purchase"}
    assert jm.discover(log, by="channel").by == "channel"
    assert "stage" in jm.discover(log).nodes.columns


def test_by_errors(small):
    with pytest.raises(ParameterError, match="needs a stage column"):
        jm.discover(small, by="stage")
    with pytest.raises(LogError, match="not found"):
        jm.discover(small, by="nope")
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        jm.discover(pd.DataFrame())


def test_by_column_with_missing_values_skips_them():
    df = pd.DataFrame(
        {
            "c": [1, 1, 1],
            "a": ["x", "y", "z"],
            "t": pd.date_range("2025", periods=3, freq="h"),
            "ch": ["web", None, "app"],
        }
    )
    g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"), by="ch")
    assert g.edges[["source", "target", "events"]].values.tolist() == [["web", "app", 1]]


def test_many_activities_no_dense_matrix():
    n = 100_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "c": np.repeat(np.arange(n // 2), 2),
            "a": rng.permutation(n).astype(str),
            "t": np.tile([0, 1], n // 2),
        }
    )
    df["t"] = pd.to_datetime(df["t"], unit="s")
    g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    assert len(g.nodes) == n and len(g.edges) == n // 2 and g.edges["events"].sum() == n // 2


def test_variants_by_hand(small):
    v = jm.variants(small)
    assert v["variant"].tolist() == [("ad", "buy"), ("ad", "view", "view", "buy"), ("view",)]
    assert v["cases"].tolist() == [1, 1, 1]
    assert v["median_duration"].tolist() == [
        pd.Timedelta(minutes=5),
        pd.Timedelta(minutes=40),
        pd.Timedelta(0),
    ]
    assert jm.variants(small, top=1).shape[0] == 1
    with pytest.raises(ParameterError, match="top"):
        jm.variants(small, top=0)


def test_prune_keeps_connected(small):
    g = jm.discover(jm.datasets.load_shop())
    for a in (1.0, 0.7, 0.4, 0.1):
        for p in (1.0, 0.5, 0.0):
            pr = g.prune(activities=a, paths=p)
            G = pr.to_networkx()
            starts = [n for n, d in G.nodes(data=True) if d["start"] > 0] or list(G.nodes)[:1]
            ends = [n for n, d in G.nodes(data=True) if d["end"] > 0] or list(G.nodes)[:1]
            reach = set().union(*(nx.descendants(G, s) | {s} for s in starts))
            coreach = set().union(*(nx.ancestors(G, e) | {e} for e in ends))
            assert set(G.nodes) <= reach and set(G.nodes) <= coreach
            assert pr.pruned == {"activities": a, "paths": p}
    assert len(g.prune(activities=1.0, paths=1.0).edges) == len(g.edges)
    with pytest.raises(ParameterError, match="share"):
        g.prune(activities=0)


def test_exports(small):
    g = jm.discover(small)
    G = g.to_networkx()
    assert G.number_of_edges() == len(g.edges) and G.nodes["view"]["events"] == 3
    assert G.edges["ad", "buy"]["median_duration_s"] == 300
    dot = g.to_dot()
    assert dot.startswith('digraph "journey" {') and dot.rstrip().endswith("}")
    assert (
        dot.count(" -> ")
        == len(g.edges) + (g.nodes["start"] > 0).sum() + (g.nodes["end"] > 0).sum()
    )
    d = json.loads(g.to_json())
    assert len(d["edges"]) == 4 and d["n_cases"] == 3
    dfg, start, end = g.to_pm4py()
    assert start == {"ad": 2, "view": 1} and end == {"buy": 2, "view": 1}
    back = jm.JourneyGraph.from_pm4py(dfg, start, end)
    assert back.to_pm4py() == (dfg, start, end)


def test_dot_escapes_quotes():
    g = jm.discover(log_of([(1, 'say "hi"', 0), (1, "b\\c", 1)]))
    assert '"say \\"hi\\""' in g.to_dot()


# -- invariants -------------------------------------------------------------------


@st.composite
def frames(draw, min_cases=1):
    n_cases = draw(st.integers(min_cases, 6))
    rows = []
    for c in range(n_cases):
        k = draw(st.integers(1, 7))
        acts = draw(st.lists(st.sampled_from("abcde"), min_size=k, max_size=k))
        mins = draw(st.lists(st.integers(0, 4), min_size=k, max_size=k))
        rows += [(f"c{c}", a, m) for a, m in zip(acts, sorted(mins), strict=True)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="min")
    return spread_duplicates(df, "c", "a", "t")  # exact duplicates warn


def disc(df, **kw):
    return jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"), **kw)


@settings(max_examples=examples(80), deadline=None)
@given(frames())
def test_edge_events_sum_to_events_minus_cases(df):
    g = disc(df)
    assert g.edges["events"].sum() == len(df) - df["c"].nunique()
    assert g.nodes["start"].sum() == g.nodes["end"].sum() == df["c"].nunique()
    assert g.nodes["events"].sum() == len(df)


def assert_merged_equals_whole(merged, whole):
    """Counts, mean, min and max exactly; median and p90 within the histogram's 1 % bound."""
    pd.testing.assert_frame_equal(merged.nodes, whole.nodes)
    exact = ["source", "target", "events", "cases", "mean_duration", "min_duration"]
    exact.append("max_duration")
    pd.testing.assert_frame_equal(merged.edges[exact], whole.edges[exact])
    for col in ("median_duration", "p90_duration"):
        got = merged.edges[col].to_numpy(dtype=np.int64).astype(float)
        want = whole.edges[col].to_numpy(dtype=np.int64).astype(float)
        assert (np.abs(got - want) <= 0.01 * want + 1).all(), col
    assert (merged.n_cases, merged.n_events) == (whole.n_cases, whole.n_events)


@settings(max_examples=examples(80), deadline=None)
@given(frames(min_cases=2), st.data())
def test_merge_equals_union_split_by_case_or_time(df, data):
    # issue 13 item 8: split by case, or by a time cut (same customers before and after)
    if data.draw(st.booleans(), label="by time"):
        times = sorted(df["t"].unique())
        cut = data.draw(st.sampled_from(times), label="cut")
        left, right = df[df["t"] < cut], df[df["t"] >= cut]
        if left.empty:
            left, right = right.iloc[:1], right.iloc[1:]
            if right.empty or right["t"].min() < left["t"].max():
                return
    else:
        cases = sorted(df["c"].unique())
        cut = data.draw(st.integers(1, len(cases) - 1))
        left = df[df["c"].isin(cases[:cut])]
        right = df[~df["c"].isin(cases[:cut])]
    whole = disc(df)
    merged = disc(left) + disc(right)
    assert_merged_equals_whole(merged, whole)
    assert_merged_equals_whole(sum([disc(left), disc(right)]), whole)


def test_graph_sent_between_processes_merges_the_same():
    """A graph's deferred histogram is built when the graph is serialised (Dask partials)."""
    import pickle

    from journeymine.graph import _DeferredHistogram

    log = jm.datasets.load_shop()
    half = log.n_cases // 2
    a = jm.discover(log.select_cases(np.arange(half)))
    b = jm.discover(log.select_cases(np.arange(half, log.n_cases)))
    assert isinstance(a._hist, _DeferredHistogram)
    a2, b2 = (pickle.loads(pickle.dumps(g)) for g in (a, b))
    assert isinstance(a2._hist, pd.DataFrame)
    pd.testing.assert_frame_equal((a2 + b2).edges, (a + b).edges)
    pd.testing.assert_frame_equal(a2._histogram(), a._histogram())


def test_merge_yesterday_and_today_counts_cases_once():
    # the same two customers on two days: one boundary edge each, cases counted once
    day = 24 * 60
    rows = [(1, "ad", 0), (1, "view", 5), (2, "ad", 1), (1, "buy", day), (2, "buy", day + 1)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="min")
    today = df["t"] >= pd.Timestamp("2025-01-02")
    merged = disc(df[~today]) + disc(df[today])
    assert merged.n_cases == 2
    e = merged.edges.set_index(["source", "target"])
    assert e.loc[("view", "buy"), "events"] == 1 and e.loc[("ad", "buy"), "cases"] == 1
    assert merged.nodes.set_index("node")["start"].to_dict() == {"ad": 2, "buy": 0, "view": 0}
    assert_merged_equals_whole(merged, disc(df))
    # the later graph on the left works too
    assert_merged_equals_whole(disc(df[today]) + disc(df[~today]), disc(df))


def test_merge_refuses_what_it_cannot_do_exactly():
    a = log_of([(1, "a", 0), (1, "b", 10)])
    b = log_of([(1, "c", 5)])
    with pytest.raises(ParameterError, match="interleave.*case 1"):
        jm.discover(a) + jm.discover(b)
    dfg = jm.JourneyGraph.from_pm4py({("a", "b"): 1}, {"a": 1}, {"b": 1})
    with pytest.raises(ParameterError, match="from_pm4py"):
        jm.discover(a) + dfg
    with pytest.raises(ParameterError, match="pruned"):
        jm.discover(a).prune(paths=0.5) + jm.discover(b)


@settings(max_examples=examples(40), deadline=None)
@given(frames(min_cases=2), st.data())
def test_kernels_merge_like_the_whole_log(df, data):
    from journeymine.discovery import _Discover, _Variants
    from journeymine.engine import tree_merge

    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    cuts = sorted(data.draw(st.sets(st.integers(1, log.n_cases - 1), max_size=3)))
    bounds = [0, *cuts, log.n_cases]
    parts = [
        log.select_cases(np.arange(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    meta = log.meta
    k = _Variants(None)
    pd.testing.assert_frame_equal(
        k.finish(tree_merge(k, [k.part(p) for p in parts]), meta), k.finish(k.part(log), meta)
    )
    d = _Discover("activity")
    merged = d.finish(tree_merge(d, [d.part(p) for p in parts]), meta)
    assert_merged_equals_whole(merged, d.finish(d.part(log), meta))


def test_variants_by_segment():
    df = pd.DataFrame(
        {
            "c": [1, 1, 2, 2, 3, 4],
            "a": ["ad", "buy", "ad", "buy", "ad", "ad"],
            "t": pd.date_range("2025-01-01", periods=6, freq="D"),
            "region": ["N", "N", "S", "S", "S", "N"],
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    got = jm.variants(log, segment="region")
    assert got.columns.tolist() == ["group", *jm.variants(log).columns]
    assert got[["group", "variant", "cases"]].values.tolist() == [
        ["N", ("ad",), 1],
        ["N", ("ad", "buy"), 1],
        ["S", ("ad",), 1],
        ["S", ("ad", "buy"), 1],
    ]
    by_series = jm.variants(log, segment=pd.Series({1: "x", 2: "x", 3: "y", 4: "y"}))
    assert by_series.groupby("group")["cases"].sum().to_dict() == {"x": 2, "y": 2}
    with pytest.raises(ParameterError, match="segment"):
        jm.variants(log, segment="nope")


@settings(max_examples=examples(60), deadline=None)
@given(frames(), st.randoms())
def test_shuffle_and_rename_change_nothing(df, rnd):
    # only distinct (case, time) pairs: with ties, input order legitimately decides
    df = df.drop_duplicates(["c", "t"])
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    shuffled = df.iloc[perm].rename(columns={"c": "customer", "a": "touch", "t": "when"})
    g1 = disc(df)
    g2 = jm.discover(jm.from_pandas(shuffled, case="customer", activity="touch", timestamp="when"))
    pd.testing.assert_frame_equal(g1.edges, g2.edges)
    pd.testing.assert_frame_equal(g1.nodes, g2.nodes)
    v1 = jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    v2 = jm.variants(jm.from_pandas(shuffled, case="customer", activity="touch", timestamp="when"))
    pd.testing.assert_frame_equal(v1, v2)


STAGE = {"a": "S1", "b": "S1", "c": "S2", "d": "S3", "e": "S3"}


@settings(max_examples=examples(60), deadline=None)
@given(frames())
def test_stage_graph_is_contracted_activity_graph(df):
    df = df.assign(stage=df["a"].map(STAGE))
    g_act = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    g_stage = jm.discover(
        jm.from_pandas(df, case="c", activity="a", timestamp="t", stage="stage"), by="stage"
    )
    e = g_act.edges.assign(
        source=g_act.edges["source"].map(STAGE), target=g_act.edges["target"].map(STAGE)
    )
    contracted = e.groupby(["source", "target"])["events"].sum()
    assert contracted.to_dict() == g_stage.edges.set_index(["source", "target"])["events"].to_dict()
    n = (
        g_act.nodes.assign(node=g_act.nodes["node"].map(STAGE))
        .groupby("node")[["events", "start", "end"]]
        .sum()
    )
    assert n.to_dict() == g_stage.nodes.set_index("node")[["events", "start", "end"]].to_dict()


def _histogram_reference(group: np.ndarray, dur: np.ndarray) -> pd.DataFrame:
    """Plain pandas: the (group, bucket) counts, sorted."""
    from journeymine import _sketch

    frame = pd.DataFrame({"group": group, "bucket": _sketch.bucket_of(dur)})
    want = frame.groupby(["group", "bucket"]).size().rename("count").reset_index()
    return want.astype("int64")


def _sorted_histogram(group: np.ndarray, dur: np.ndarray) -> pd.DataFrame:
    from journeymine import _sketch

    order = np.lexsort((dur, group))
    counts = np.bincount(group, minlength=int(group.max()) + 1 if group.size else 0)
    return _sketch.sorted_histogram(dur[order], counts)


def test_histogram_counts_every_group_and_bucket():
    rng = np.random.default_rng(1)
    group = rng.integers(0, 7, 5_000)
    dur = np.where(rng.random(5_000) < 0.1, 0, rng.integers(1, 10**15, 5_000))
    got = _sorted_histogram(group, dur)
    pd.testing.assert_frame_equal(got, _histogram_reference(group, dur))
    empty = _sorted_histogram(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    assert list(empty.columns) == ["group", "bucket", "count"] and len(empty) == 0


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.just(0), st.integers(1, 10**15))), max_size=200
    )
)
def test_histogram_of_sorted_durations_equals_the_histogram(pairs):
    """The run-length histogram of (group, duration)-sorted values = a pandas groupby."""
    from journeymine import _sketch

    group = np.array([g for g, _ in pairs], dtype=np.int64)
    dur = np.array([d for _, d in pairs], dtype=np.int64)
    counts = np.bincount(group, minlength=7)
    *_, ordered = _sketch.exact_quantiles(group, dur, counts, (0.5,), keep_sorted=True)
    got = _sketch.sorted_histogram(ordered, counts)
    pd.testing.assert_frame_equal(got, _histogram_reference(group, dur))
    np.testing.assert_array_equal(
        _sketch.sorted_sum_parts(ordered, counts), _sketch.sum_parts(group, dur, len(counts))
    )


@pytest.mark.parametrize("low", [0, -(2**40), 2**61, 2**62 + 12345])
def test_exact_quantiles_of_values_far_from_zero(low):
    """The in-place (group, value - low) key stays exact whatever the values' offset."""
    from journeymine import _sketch

    rng = np.random.default_rng(3)
    group = rng.integers(0, 5, 400)
    values = low + rng.integers(0, 10**6, 400)
    counts = np.bincount(group, minlength=6)
    got = _sketch.exact_quantiles(group, values, counts, (0.0, 0.5, 1.0))
    for g in range(5):
        mine = values[group == g]
        assert [got[i][g] for i in range(3)] == pytest.approx(
            [np.quantile(mine, q) for q in (0.0, 0.5, 1.0)], rel=0, abs=1e-3 * max(abs(low), 1)
        )
        assert got[0][g] == mine.min() and got[2][g] == mine.max()
    assert np.isnan(got[1][5])


def _variants_reference(df: pd.DataFrame) -> list[tuple[tuple[str, ...], int]]:
    """Plain Python: each case's sequence, counted, most frequent first, ties by sequence."""
    ordered = df.assign(_row=range(len(df))).sort_values(["c", "t", "_row"], kind="stable")
    counts: dict[tuple[str, ...], int] = {}
    for _, part in ordered.groupby("c", sort=False):
        seq = tuple(part["a"])
        counts[seq] = counts.get(seq, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.parametrize("matrix_bytes", [1 << 28, 0])
@settings(max_examples=examples(60), deadline=None)
@given(df=frames())
def test_variants_match_a_plain_python_reference(df, matrix_bytes):
    from journeymine import discovery

    old = discovery._RANK_MATRIX_BYTES
    discovery._RANK_MATRIX_BYTES = matrix_bytes  # 0: the Python-sort path for long cases
    try:
        got = jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    finally:
        discovery._RANK_MATRIX_BYTES = old
    assert list(zip(got["variant"], got["cases"], strict=True)) == _variants_reference(df)


def test_variants_with_many_activities_sort_by_sequence():
    # 300 activities: two bytes per code in the sort key
    names = [f"a{i:03d}" for i in range(300)]
    rows = [("x", names[299], 0), ("x", names[0], 1), ("y", names[299], 0), ("z", names[256], 0)]
    rows += [(f"w{i}", names[i], 0) for i in range(300)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="min")
    got = jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    assert list(zip(got["variant"], got["cases"], strict=True)) == _variants_reference(df)
    assert got["variant"].iloc[0] == (names[256],) and got["cases"].iloc[0] == 2
