"""compare(): references, interval coverage, kernels, Dask; graph comparisons."""

from __future__ import annotations

import warnings

import dask
import matplotlib
import numpy as np
import pandas as pd
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import journeymine as jm
from journeymine.compare import _Compare, _proportion, median_interval, two_proportion_p
from journeymine.errors import JourneymineWarning, ParameterError

from slice_support import dask_log, shop_frame, split_equal, to_log, traces
from strategies import journey_frames

matplotlib.use("Agg")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def first_channel(df: pd.DataFrame) -> pd.Series:
    ordered = df.sort_values(["case", "timestamp"], kind="stable")
    return ordered.groupby("case")["channel"].first()


@SETTINGS
@given(journey_frames())
def test_compare_matches_reference(df):
    assume("buy" in set(df["activity"]))
    log = to_log(df)
    segment = first_channel(df)
    table = jm.compare(log, segment, outcome="buy")
    ref = traces(df)
    groups = sorted(segment.unique())
    assert list(dict.fromkeys(table["group"])) == groups
    for g in groups:
        mine = [c for c in ref if segment[c] == g]
        rest = [c for c in ref if segment[c] != g]
        rows = table[table["group"] == g].set_index("metric")
        conv = [any(a == "buy" for a, _ in ref[c]) for c in mine]
        assert rows.loc["conversion", "cases"] == len(mine)
        assert rows.loc["conversion", "value"] == pytest.approx(np.mean(conv))
        selfloop = [
            any(x[0] == y[0] for x, y in zip(ref[c], ref[c][1:], strict=False)) for c in mine
        ]
        assert rows.loc["self_loop_rate", "value"] == pytest.approx(np.mean(selfloop))
        assert rows.loc["median_events", "value"] == np.median([len(ref[c]) for c in mine])
        days = [(ref[c][-1][1] - ref[c][0][1]) / pd.Timedelta(days=1) for c in mine]
        assert rows.loc["median_duration", "value"] == pytest.approx(np.median(days))
        lo, hi = rows.loc["conversion", ["lo", "hi"]]
        assert lo <= rows.loc["conversion", "value"] <= hi
        if rest:
            other = np.mean([any(a == "buy" for a, _ in ref[c]) for c in rest])
            assert rows.loc["conversion", "diff"] == pytest.approx(np.mean(conv) - other)
        else:
            assert np.isnan(rows.loc["conversion", "diff"])


@SETTINGS
@given(journey_frames(), st.lists(st.integers(0, 8), max_size=3))
def test_kernel_splits(df, cut):
    kernel = _Compare(first_channel(df), None, ("buy",), 0.95, 0)
    split_equal(kernel, to_log(df), cut, tm.assert_frame_equal)


def test_conversion_by_first_channel_reproduces_groupby():
    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    with pytest.warns(JourneymineWarning, match=r"'channel'.*changes within .* first event"):
        table = jm.compare(log, "channel", model=model)
    events = log.to_pandas()
    per_case = events.groupby("customer_id", sort=True).agg(
        channel=("channel", "first"),
        converted=("touchpoint", lambda s: s.isin(model.purchase).any()),
    )
    expected = per_case.groupby("channel")["converted"].agg(["mean", "size"])
    got = table[table["metric"] == "conversion"].set_index("group")
    assert got.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(got["value"], expected["mean"])
    assert (got["cases"] == expected["size"]).all()
    conformance = table[table["metric"] == "conformance"]["value"]
    assert ((conformance >= 0) & (conformance <= 1)).all()


def test_wilson_interval_coverage():
    rng = np.random.default_rng(7)
    p, n = 0.3, 60
    covered = 0
    for _ in range(200):
        k = rng.binomial(n, p)
        _, _, lo, hi, _, _ = _proportion(np.array([k]), np.array([n]), 0, 0.95, False)
        covered += lo <= p <= hi
    assert covered / 200 >= 0.90


@pytest.mark.parametrize("n, draws", [(150, 100), (30_000, 40)])
def test_bootstrap_median_coverage(n, draws):
    """Seeded bootstrap (and its exact limit for large groups) covers the true median."""
    rng = np.random.default_rng(11)
    true = np.log(2)  # median of Exp(1)
    covered = 0
    for _ in range(draws):
        lo, hi = median_interval(rng.exponential(size=n), 0.95, rng)
        covered += lo <= true <= hi
    assert covered / draws >= 0.85 if n > 10_000 else covered / draws >= 0.90


def test_exact_bootstrap_agrees_with_resampling():
    rng = np.random.default_rng(3)
    values = rng.exponential(size=20_001)
    exact = median_interval(np.concatenate([values, values[:1]]), 0.95, rng)
    res = stats.bootstrap(
        (values,), np.median, n_resamples=999, method="percentile", rng=rng, vectorized=True
    )
    ci = res.confidence_interval
    assert exact[0] == pytest.approx(ci.low, rel=0.02)
    assert exact[1] == pytest.approx(ci.high, rel=0.02)


def test_two_proportion_test_uses_fisher_for_small_counts():
    assert two_proportion_p(1, 4, 10, 20) == pytest.approx(
        stats.fisher_exact([[1, 3], [10, 10]]).pvalue
    )
    z = (0.3 - 0.4) / np.sqrt(0.35 * 0.65 * (1 / 500 + 1 / 500))
    assert two_proportion_p(150, 500, 200, 500) == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_segment_series_and_missing_groups():
    df = shop_frame(100)
    log = to_log(df)
    segment = first_channel(df).iloc[:50]  # half the cases get no group
    table = jm.compare(log, segment)
    assert table.groupby("group")["cases"].first().sum() == 50
    assert set(table["metric"]) == {
        "self_loop_rate",
        "rework_rate",
        "median_duration",
        "median_events",
    }


def test_errors():
    log = to_log(shop_frame(40))
    with pytest.raises(ParameterError, match="'segment'.*column"):
        jm.compare(log, "no such column")
    with pytest.warns(JourneymineWarning, match="'outcome'.*'Place ordr'.*conversion is 0"):
        table = jm.compare(log, log.case_table().set_index("case")["channel"], outcome="Place ordr")
    assert (table.loc[table["metric"] == "conversion", "value"] == 0).all()
    with pytest.raises(ParameterError, match="'ci'"):
        jm.compare(log, "stage", ci=95)
    with pytest.raises(ParameterError, match="'model'"):
        jm.compare(log, "stage", model="shop")
    with pytest.raises(ParameterError, match="no case a group"):
        jm.compare(log, pd.Series({"nobody": "x"}))


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_dask_equals_in_memory(npartitions):
    df = shop_frame(30)  # 8 partitions: one is empty
    model = jm.datasets.shop_model()
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = dask_log(df, npartitions, channel="channel", stage="stage")
        mem = to_log(df, channel="channel", stage="stage")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JourneymineWarning)
            tm.assert_frame_equal(
                jm.compare(dlog, "channel", model=model), jm.compare(mem, "channel", model=model)
            )


def test_graph_compare_and_plots(tmp_path):
    log = jm.datasets.load_shop()
    web = jm.filter_cases(log, where=lambda t: t["channel"] == "web")
    rest = jm.filter_cases(log, where=lambda t: t["channel"] != "web")
    ga, gb = jm.discover(web), jm.discover(rest)
    comp = ga.compare(gb, labels=("web", "other"))
    edges = comp.edges
    assert {"share_a", "share_b", "diff"} <= set(edges.columns)
    row = edges.iloc[0]
    a = ga.edges.set_index(["source", "target"]).loc[(row["source"], row["target"]), "cases"]
    assert row["share_a"] == pytest.approx(a / web.n_cases)
    assert row["diff"] == pytest.approx(row["share_a"] - row["share_b"])
    assert (edges["diff"].abs().diff().dropna() <= 0).all()
    comp.plot().figure.savefig(tmp_path / "graph_compare.png")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JourneymineWarning)
        table = jm.compare(log, "channel", model=jm.datasets.shop_model())
    jm.plot_compare(table).figure.savefig(tmp_path / "compare.png")
    with pytest.raises(ParameterError, match="same by="):
        ga.compare(jm.discover(rest, by="channel"))


def test_report_and_cli_segment_section(tmp_path):
    from journeymine.cli import main

    log = jm.datasets.load_shop()
    with pytest.warns(JourneymineWarning, match="first event"):
        path = jm.write_report(
            log,
            tmp_path / "r.html",
            model=jm.datasets.shop_model(),
            segment="channel",
            out_dir=tmp_path,
        )
    page = path.read_text(encoding="utf-8")
    assert "<section id='segments'>" in page and "href='#segments'" in page
    assert "web (3,039 cases)" in page
    assert (tmp_path / "segments.csv").exists() and (tmp_path / "segments.png").exists()
    assert main(["demo", "--segment", "stage", "--out", str(tmp_path / "cli"), "-q"]) == 0
    assert "id='segments'" in (tmp_path / "cli" / "report.html").read_text(encoding="utf-8")


@SETTINGS
@given(journey_frames(), journey_frames())
def test_graph_compare_matches_reference(df_a, df_b):
    def edge_cases(df):
        found = {}
        for case, events in traces(df).items():
            for (x, _), (y, _) in zip(events, events[1:], strict=False):
                found.setdefault((x, y), set()).add(case)
        return {k: len(v) for k, v in found.items()}, len(traces(df))

    comp = jm.discover(to_log(df_a)).compare(jm.discover(to_log(df_b)))
    (ea, na), (eb, nb) = edge_cases(df_a), edge_cases(df_b)
    got = {
        (r.source, r.target): (r.share_a, r.share_b, r.diff)
        for r in comp.edges.itertuples(index=False)
    }
    assert set(got) == set(ea) | set(eb)
    for key, (sa, sb, diff) in got.items():
        assert sa == pytest.approx(ea.get(key, 0) / na)
        assert sb == pytest.approx(eb.get(key, 0) / nb)
        assert diff == pytest.approx(sa - sb)
    assert (np.diff(comp.edges["diff"].abs().to_numpy()) <= 1e-12).all()


# -- issue 22: adjusted p-values per family, ties ---------------------------------------------
def test_p_adjusted_is_holm_within_each_metric_family():
    from journeymine._stats import adjust_p

    log = jm.datasets.load_shop()
    segment = log.case_table().set_index("case")["channel"]
    table = jm.compare(log, segment, model=jm.datasets.shop_model())
    families = {
        "conversion": ["conversion"],
        "loops": ["self_loop_rate", "rework_rate", "return_rate", "repeat_purchase_rate"],
        "medians": ["median_duration", "median_events"],
    }
    families["conformance"] = sorted(
        set(table["metric"]) - {m for ms in families.values() for m in ms}
    )
    assert "conformance" in families["conformance"]
    for metrics in families.values():
        rows = table[table["metric"].isin(metrics)]
        np.testing.assert_allclose(rows["p_adjusted"], adjust_p(rows["p_value"]), equal_nan=True)
    bh = jm.compare(log, segment, model=jm.datasets.shop_model(), adjust="bh")
    rows = bh[bh["metric"] == "conversion"]
    np.testing.assert_allclose(rows["p_adjusted"], adjust_p(rows["p_value"], "bh"))
    with pytest.raises(ParameterError, match="'adjust'"):
        jm.compare(log, segment, adjust="none")


def test_a_median_interval_of_one_tied_value_says_so():
    # 40 cases: 30 with 2 events, 10 with 3; the median is 2 and nearly every resample too
    rows = [(c, a) for c in range(40) for a in (["ad", "view"] + (["buy"] if c < 10 else []))]
    df = pd.DataFrame(rows, columns=["c", "a"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(df)), unit="h")
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    table = jm.compare(log, pd.Series(["x", "y"] * 20, index=range(40)), outcome="buy")
    events = table[table["metric"] == "median_events"]
    tied = events[(events["lo"] == events["hi"])]
    assert len(tied) and tied["note"].str.contains("known only to the data's steps").all()
    assert (table.loc[table["metric"] == "conversion", "note"] == "").all()
