"""Strict funnel exclusion steps (exclude=) and held properties (hold=): references, Dask, errors."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import LogError, ParameterError

from slice_support import dask_log, shop_frame, to_log
from strategies import SLICE_ACTIVITIES, journey_frames

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STAGE_OF = {"ad": "Awareness", "view": "Consideration", "cart": "Decision", "buy": "Purchase"}
MODEL = jm.JourneyModel(
    stages=["Awareness", "Consideration", "Decision", "Purchase"], activities=STAGE_OF
)


def reference(df: pd.DataFrame, steps, within, exclude, hold, stage_of=None) -> list[int]:
    """Plain Python from the contract: walk the steps greedily; an excluded event between two
    steps' events, or (with hold) a different held value, stops the case."""
    stage_of = STAGE_OF if stage_of is None else stage_of
    window = pd.Timedelta(within) if within is not None else None
    reached = [0] * len(steps)
    df = df.assign(_row=range(len(df))).sort_values(["case", "timestamp", "_row"], kind="stable")
    for _, events in df.groupby("case", sort=False):
        acts = events["activity"].tolist()
        times = events["timestamp"].tolist()
        held = events[hold].tolist() if hold else None
        at, t0, value = -1, None, None
        for k, stage in enumerate(steps):
            nxt = None
            for j in range(at + 1, len(acts)):
                if stage_of.get(acts[j]) != stage:
                    continue
                if k > 0 and hold and (pd.isna(value) or held[j] != value):
                    continue
                nxt = j
                break
            if nxt is None:
                break
            if k == 0:
                t0 = times[nxt]
                value = held[nxt] if hold else None
            else:
                if window is not None and times[nxt] - t0 > window:
                    break
                if any(acts[i] in exclude for i in range(at + 1, nxt)):
                    break
            at = nxt
            reached[k] += 1
    return reached


step_lists = st.permutations(MODEL.stages).flatmap(
    lambda p: st.integers(1, len(p)).map(lambda k: list(p[:k]))
)


def with_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Some events without a channel: a missing held value equals nothing."""
    out = df.copy()
    out.loc[(out["activity"] == "return") & (out["channel"] == "store"), "channel"] = None
    return out


@SETTINGS
@given(
    journey_frames(),
    step_lists,
    st.sampled_from([None, "12h", "2D"]),
    st.lists(st.sampled_from(SLICE_ACTIVITIES), max_size=2, unique=True),
    st.sampled_from([None, "channel"]),
)
def test_exclude_and_hold_match_reference(df, steps, within, exclude, hold):
    df = with_missing(df)
    log = to_log(df)
    exclude = [a for a in exclude if a in set(df["activity"])]
    got = jm.funnel(
        log,
        MODEL,
        steps=steps,
        ordered=True,
        within=within,
        exclude=exclude or None,
        hold=hold,
    )
    assert got["reached"].tolist() == reference(df, steps, within, exclude, hold)


def test_events_reaching_steps_are_not_rechosen():
    df = pd.DataFrame(
        {
            "case": ["a"] * 4 + ["b"] * 3,
            "activity": ["view", "ad", "view", "cart", "view", "view", "cart"],
            "timestamp": pd.date_range("2025-01-01", periods=7, freq="h"),
            "channel": ["web", "web", "web", "web", "web", "app", "app"],
        }
    )
    log = to_log(df)
    steps = ["Consideration", "Decision"]
    got = jm.funnel(log, MODEL, steps=steps, ordered=True, exclude="ad")
    assert got["reached"].tolist() == [2, 1]  # s1, x, s1, s2 does not reach step 2
    held = jm.funnel(log, MODEL, steps=steps, ordered=True, hold="channel")
    assert held["reached"].tolist() == [2, 1]  # b's cart is on app, its first view on web
    assert held["dropped_out"].tolist() == [1, 1]


def test_shop_data_and_dask():
    df = shop_frame(200).drop_duplicates(["case", "activity", "timestamp"])
    model = jm.datasets.shop_model()
    mem = to_log(df, channel="channel", stage="stage")
    kw = {"ordered": True, "exclude": ["Contact support"], "hold": "channel", "within": "30D"}
    want = jm.funnel(mem, model, **kw)
    for n in (1, 3):
        got = jm.funnel(dask_log(df, n, channel="channel", stage="stage"), model, **kw)
        pd.testing.assert_frame_equal(got, want)
    # the reference on the shop data, with stages from the model
    want_reached = reference(
        df, list(model.stages), "30D", ["Contact support"], "channel", dict(model.activities)
    )
    assert want["reached"].tolist() == want_reached
    plain = jm.funnel(mem, model, ordered=True, within="30D")
    assert (want["reached"] <= plain["reached"]).all()
    assert (want["reached"] < plain["reached"]).any()


def test_errors():
    log = to_log(shop_frame(30), channel="channel")
    model = jm.datasets.shop_model()
    with pytest.raises(ParameterError, match="'exclude' parameter of funnel.*ordered=True"):
        jm.funnel(log, model, exclude="Contact support")
    with pytest.raises(ParameterError, match="'hold' parameter of funnel.*ordered=True"):
        jm.funnel(log, model, hold="channel")
    with pytest.raises(ParameterError, match="Did you mean 'Contact support'"):
        jm.funnel(log, model, ordered=True, exclude="Contact suport")
    with pytest.raises(LogError, match="nope"):
        jm.funnel(log, model, ordered=True, hold="nope")
    with pytest.raises(ParameterError, match="case or timestamp"):
        jm.funnel(log, model, ordered=True, hold="case")
