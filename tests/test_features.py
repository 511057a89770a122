"""journey_features: one numeric row per case, checked against plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

from strategies import journey_frames, spread_duplicates


def reference_features(
    df: pd.DataFrame, case: str, activity: str, timestamp: str, top: int
) -> pd.DataFrame:
    """n_events, duration, activity counts and the top transitions' counts, with pandas."""
    df = df.reset_index(drop=True).assign(_row=lambda d: range(len(d)))
    df = df.sort_values([case, timestamp, "_row"], kind="stable")
    g = df.groupby(case, sort=True)
    out = pd.DataFrame(
        {
            "n_events": g.size().astype("int64"),
            "duration": (g[timestamp].max() - g[timestamp].min()).dt.total_seconds(),
        }
    )
    acts = pd.crosstab(df[case], df[activity]).reindex(columns=sorted(df[activity].unique()))
    out = out.join(acts.add_prefix("activity:").astype("int64"))
    nxt = g[activity].shift(-1)
    pairs = pd.DataFrame({"case": df[case], "from": df[activity], "to": nxt}).dropna()
    totals = pairs.groupby(["from", "to"]).size().reset_index(name="n")
    totals = totals.sort_values(["n", "from", "to"], ascending=[False, True, True]).head(top)
    for a, b in zip(totals["from"], totals["to"], strict=True):
        hit = pairs[(pairs["from"] == a) & (pairs["to"] == b)].groupby("case").size()
        out[f"transition:{a} -> {b}"] = hit.reindex(out.index, fill_value=0).astype("int64")
    out.index.name = "case"
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=journey_frames(), top=st.integers(0, 30))
def test_features_equal_pandas_on_random_logs(frame: pd.DataFrame, top: int) -> None:
    frame = spread_duplicates(frame, "case", "activity", "timestamp")
    log = jm.from_pandas(frame, case="case", activity="activity", timestamp="timestamp")
    got = jm.journey_features(log, top_transitions=top)
    want = reference_features(frame, "case", "activity", "timestamp", top)
    pd.testing.assert_frame_equal(got[want.columns], want, check_names=False)
    loops = jm.loop_summary(log)
    for kind, col in [("self_loop", "self_loops"), ("rework", "reworks")]:
        np.testing.assert_array_equal(got[f"loops:{kind}"], loops[col])
    assert [c for c in got.columns if c.startswith("loops:")] == [
        "loops:self_loop", "loops:rework", "loops:return", "loops:repeat_purchase",
        "loops:stage_regression",
    ]  # fmt: skip
    assert all(np.issubdtype(t, np.number) for t in got.dtypes)


def test_features_equal_pandas_on_the_shop_data_with_a_model() -> None:
    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    got = jm.journey_features(log, model=model, top_transitions=20)
    want = reference_features(log.to_pandas(), log.case, log.activity, log.timestamp, 20)
    pd.testing.assert_frame_equal(got[want.columns], want, check_names=False)
    report = jm.check(log, model).cases.set_index("case")
    for kind in ["unknown_activity", "skipped_stage", "stage_regression"]:
        np.testing.assert_array_equal(got[f"deviations:{kind}"], report[kind])
    stage_of = {s: i for i, s in enumerate(model.stages)}
    furthest = report["furthest_stage"].map(stage_of).fillna(-1).astype("int64")
    np.testing.assert_array_equal(got["furthest_stage"], furthest)
    events = log.to_pandas()
    bought = events[events[log.activity].isin(model.purchase)][log.case].unique()
    np.testing.assert_array_equal(got["converted"], got.index.isin(bought).astype("int64"))
    loops = jm.loop_summary(log, model=model)
    np.testing.assert_array_equal(got["loops:repeat_purchase"], loops["repeat_purchases"])
    assert got.columns[-2:].tolist() == ["furthest_stage", "converted"]


@pytest.mark.parametrize("top", [-1, 2.5, True])
def test_bad_top_transitions_is_refused(top: object) -> None:
    with pytest.raises(jm.ParameterError, match="'top_transitions' parameter"):
        jm.journey_features(jm.datasets.load_shop(), top_transitions=top)
