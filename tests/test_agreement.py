"""Exact agreement with pm4py on the real logs in ../shared/data.

For every log: events, cases, activities, every directly-follows count,
start and end counts, every variant with its case count, and every edge's
mean, median, min and max duration (pm4py's ``discover_performance_dfg``)
must equal pm4py's. pm4py reads each XES file itself, so the XES reader is checked too.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import JourneymineWarning

from conftest import shared_data

pm4py = pytest.importorskip("pm4py")

XES = [
    "roadtraffic100traces.xes",
    "receipt.xes.gz",
    "sepsis.xes.gz",
    "bpic2013_closed_problems.xes.gz",
    "bpic2013_open_problems.xes.gz",
    "bpic2019_1t_per_variant.xes.gz",
    "road_traffic_fines.xes.gz",
]

# figures from ../shared/data/MANIFEST.md: events, cases, activities, DFG edges, variants
MANIFEST = {
    "roadtraffic100traces.xes": (390, 100, 10, 18, 10),
    "receipt.xes.gz": (8577, 1434, 27, 99, 116),
    "sepsis.xes.gz": (15214, 1050, 16, 115, 846),
    "sepsis_eventdatar.csv": (15214, 1050, 16, 115, 846),
    "bpic2013_closed_problems.xes.gz": (6660, 1487, 4, 10, 183),
    "bpic2013_open_problems.xes.gz": (2351, 819, 3, 6, 108),
    "hospital_billing.csv.gz": (49950, 9999, 16, 87, 288),
    "bpic2019_1t_per_variant.xes.gz": (338247, 11973, 42, 498, 11973),
    "road_traffic_fines.xes.gz": (561470, 150370, 11, 70, 231),
}


# what journeymine rightly warns about on each log (issue 13 item 6): exact duplicate
# events, or lifecycle transitions mixed in one activity column
WARNS = {
    "sepsis.xes.gz": r"4 events .* repeat the event just before",
    "sepsis_eventdatar.csv": r"4 events .* repeat the event just before",
    "bpic2013_closed_problems.xes.gz": r"mixes lifecycle transitions in column 'lifecycle:transition'",
    "bpic2013_open_problems.xes.gz": r"mixes lifecycle transitions in column 'lifecycle:transition'",
    "bpic2019_1t_per_variant.xes.gz": r"173,895 events .* repeat the event just before",
    "road_traffic_fines.xes.gz": r"30 events .* repeat the event just before",
    "hospital_billing.csv.gz": r"98 events .* repeat the event just before",
}


def expect_warnings(name: str):
    """``pytest.warns`` for the warnings a log should give, or a context that allows none."""
    if name in WARNS:
        return pytest.warns(JourneymineWarning, match=WARNS[name])
    return warnings.catch_warnings()


def pm4py_figures(df: pd.DataFrame):
    dfg, start, end = pm4py.discover_dfg(df)
    variants = pm4py.get_variants(df)
    variants = {k: (v if isinstance(v, int) else len(v)) for k, v in variants.items()}
    return dfg, start, end, variants


def assert_agrees(log: jm.JourneyLog, pm_df: pd.DataFrame, name: str) -> None:
    graph = jm.discover(log)
    dfg, start, end = graph.to_pm4py()
    pm_dfg, pm_start, pm_end, pm_variants = pm4py_figures(pm_df)
    assert log.n_events == len(pm_df)
    assert log.n_cases == pm_df["case:concept:name"].nunique()
    assert set(log.activities) == set(pm_df["concept:name"].unique())
    assert dfg == dict(pm_dfg)
    assert start == dict(pm_start)
    assert end == dict(pm_end)
    v = jm.variants(log)
    assert dict(zip(v["variant"], v["cases"], strict=True)) == pm_variants
    events, cases, acts, edges, n_variants = MANIFEST[name]
    assert (log.n_events, log.n_cases, len(log.activities), len(graph.edges), len(v)) == (
        events,
        cases,
        acts,
        edges,
        n_variants,
    )
    assert graph.edges["events"].sum() == log.n_events - log.n_cases
    assert_durations_agree(graph, pm_df)


def assert_durations_agree(graph: jm.JourneyGraph, pm_df: pd.DataFrame) -> None:
    """Mean, median, min and max of every edge equal pm4py's (seconds, to the microsecond)."""
    perf, _, _ = pm4py.discover_performance_dfg(pm_df, perf_aggregation_key="all")
    edges = graph.edges.set_index(["source", "target"])
    assert set(perf) == set(edges.index)
    rows = [(key, m, value[m]) for key, value in perf.items() for m in MEASURES]
    got = [edges.at[key, f"{m}_duration"].total_seconds() for key, m, _ in rows]
    want = [float(v) for _, _, v in rows]
    bad = [(r[:2], g, w) for r, g, w in zip(rows, got, want, strict=True) if abs(g - w) > 1e-6]
    assert not bad, f"{len(bad)} of {len(rows)} durations differ, e.g. {bad[:3]}"


MEASURES = ("mean", "median", "min", "max")


@pytest.mark.parametrize("name", XES)
def test_xes_logs_agree_with_pm4py(name):
    path = shared_data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm_df = pm4py.read_xes(str(path), show_progress_bar=False)
    with expect_warnings(name):
        log = jm.read_xes(path)
    assert_agrees(log, pm_df, name)


def test_sepsis_csv_agrees_with_pm4py_and_with_xes():
    path = shared_data("sepsis_eventdatar.csv")
    kw = {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"}
    with expect_warnings("sepsis_eventdatar.csv"):
        log = jm.read_csv(path, sep=";", timestamp_format="%Y/%m/%d %H:%M:%S.%f", **kw)
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    raw["Complete Timestamp"] = pd.to_datetime(
        raw["Complete Timestamp"], format="%Y/%m/%d %H:%M:%S.%f"
    )
    pm_df = pm4py.format_dataframe(
        raw, case_id=kw["case"], activity_key=kw["activity"], timestamp_key=kw["timestamp"]
    )
    assert_agrees(log, pm_df, "sepsis_eventdatar.csv")
    with expect_warnings("sepsis.xes.gz"):
        xes = jm.read_xes(shared_data("sepsis.xes.gz"))
    g_csv, g_xes = jm.discover(log), jm.discover(xes)
    pd.testing.assert_frame_equal(g_csv.nodes, g_xes.nodes)
    cols = ["source", "target", "events", "cases"]
    pd.testing.assert_frame_equal(g_csv.edges[cols], g_xes.edges[cols])
    pd.testing.assert_frame_equal(
        jm.variants(log)[["variant", "cases"]], jm.variants(xes)[["variant", "cases"]]
    )


def test_hospital_billing_agrees_with_pm4py():
    path = shared_data("hospital_billing.csv.gz")
    with pytest.warns(JourneymineWarning) as caught:
        log = jm.read_csv(
            path, case="case_id", activity="activity", timestamp="timestamp", on_error="collect"
        )
    messages = [str(w.message) for w in caught]
    assert any("1 of 49,951 rows" in m for m in messages)
    assert any(re.match(WARNS["hospital_billing.csv.gz"], m) for m in messages)
    raw = pd.read_csv(path)
    raw["timestamp"] = pd.to_datetime(raw["timestamp"], format="ISO8601")
    pm_df = pm4py.format_dataframe(
        raw, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )
    assert_agrees(log, pm_df, "hospital_billing.csv.gz")
