"""The strict (ordered) funnel, steps= and within=: reference, shop data, Dask, errors."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import ParameterError

from slice_support import dask_log, shop_frame, to_log, traces
from strategies import examples, journey_frames

SETTINGS = settings(
    max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
STAGE_OF = {
    "ad": "Awareness",
    "view": "Consideration",
    "cart": "Decision",
    "buy": "Purchase",
    "return": "Retention",
}
MODEL = jm.JourneyModel(
    stages=["Awareness", "Consideration", "Decision", "Purchase", "Retention"],
    activities=STAGE_OF,
    purchase=["buy"],
)


def reference_ordered(df, steps, within):
    """Plain Python: per case, walk the steps greedily from the first event in step 1."""
    window = pd.Timedelta(within) if within is not None else None
    reached = [0] * len(steps)
    last = {}
    for case, events in traces(df).items():
        stages = [STAGE_OF.get(a) for a, _ in events]
        times = [t for _, t in events]
        at = -1
        t0 = None
        got = -1
        for k, stage in enumerate(steps):
            nxt = next((j for j in range(at + 1, len(stages)) if stages[j] == stage), None)
            if nxt is None:
                break
            if k == 0:
                t0 = times[nxt]
            elif window is not None and times[nxt] - t0 > window:
                break
            at, got = nxt, k
            reached[k] += 1
        last[case] = got
    return reached, last


step_lists = st.permutations(MODEL.stages).flatmap(
    lambda p: st.integers(1, len(p)).map(lambda k: list(p[:k]))
)


@SETTINGS
@given(journey_frames(), step_lists, st.sampled_from([None, "0h", "12h", "2D"]))
def test_ordered_funnel_matches_reference(df, steps, within):
    log = to_log(df)
    got = jm.funnel(log, MODEL, steps=steps, ordered=True, within=within)
    reached, last = reference_ordered(df, steps, within)
    assert got["stage"].tolist() == steps
    assert got["reached"].tolist() == reached
    assert (np.diff(got["reached"]) <= 0).all()
    conv = got["conversion"].dropna()
    assert ((conv >= 0) & (conv <= 1)).all()
    dropped = [sum(1 for v in last.values() if v == k) for k in range(len(steps))]
    assert got["dropped_out"].tolist() == dropped


@SETTINGS
@given(journey_frames(), step_lists)
def test_unordered_steps_are_the_reach_counts(df, steps):
    log = to_log(df)
    full = jm.funnel(log, MODEL).set_index("stage")
    got = jm.funnel(log, MODEL, steps=steps)
    assert got["reached"].tolist() == full.loc[steps, "reached"].tolist()


def test_shop_strict_funnel_is_non_increasing():
    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    reach = jm.funnel(log, model)
    strict = jm.funnel(log, model, ordered=True, within="30D")
    assert (np.diff(strict["reached"]) <= 0).all()
    assert (strict["conversion"].dropna() <= 1).all()
    assert (strict["reached"] <= reach["reached"]).all()
    assert (strict["reached"] < reach["reached"]).any()  # order and the window bite
    by_channel = jm.funnel(log, model, ordered=True, within="30D", segment="channel")
    for _, block in by_channel.groupby("group"):
        assert (np.diff(block["reached"]) <= 0).all()


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_dask_equals_in_memory(npartitions):
    df = shop_frame(30).assign(stage=lambda d: d["stage"])  # 8 partitions: one is empty
    model = jm.datasets.shop_model()
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = dask_log(df, npartitions)
        mem = to_log(df)
        for kwargs in (
            {"ordered": True},
            {"ordered": True, "within": "3D", "steps": ["Consideration", "Purchase"]},
            {"steps": ["Purchase", "Decision"]},
        ):
            tm.assert_frame_equal(jm.funnel(dlog, model, **kwargs), jm.funnel(mem, model, **kwargs))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"ordered": True, "within": 30}, "'within'.*Timedelta or a string"),
        ({"ordered": True, "within": "a month"}, "'within'.*Timedelta or a string"),
        ({"within": "30D"}, "'within'.*ordered=True"),
        ({"steps": ["Purchase", "Nope"]}, "'steps'.*'Nope'.*not a stage"),
        ({"steps": []}, "'steps'.*non-empty"),
        ({"steps": "Purchase"}, "'steps'"),
        ({"steps": ["Purchase", "Purchase"]}, "'steps'.*more than once"),
        ({"ordered": "yes"}, "'ordered'"),
    ],
)
def test_errors(kwargs, match):
    log = to_log(shop_frame(20))
    with pytest.raises(ParameterError, match=match):
        jm.funnel(log, jm.datasets.shop_model(), **kwargs)
