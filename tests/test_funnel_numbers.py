"""Funnel numbers a person can trust: shares never above 100 %, strict times within the window.

References are plain Python over each case's events (slice_support.traces), written
from the contract: a reach funnel's conversion is the share of the previous step's
cases that also reach the step; a strict funnel's time to reach runs from the event
by which the case reached step 1.
"""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

from slice_support import to_log, traces
from strategies import journey_frames

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
step_lists = st.permutations(MODEL.stages).flatmap(
    lambda p: st.integers(1, len(p)).map(lambda k: list(p[:k]))
)


def reference_reach(df, steps):
    """Per step: cases reaching it, cases reaching it and the step before."""
    seen = [{STAGE_OF.get(a) for a, _ in events} for events in traces(df).values()]
    reached = [sum(s in stages for stages in seen) for s in steps]
    both = [reached[0]] + [
        sum(a in stages and b in stages for stages in seen)
        for a, b in zip(steps, steps[1:], strict=False)
    ]
    return reached, both


@SETTINGS
@given(journey_frames(), step_lists)
def test_reach_funnel_conversion_counts_cases_and_never_exceeds_one(df, steps):
    got = jm.funnel(to_log(df), MODEL, steps=steps)
    reached, both = reference_reach(df, steps)
    n = df["case"].nunique()
    assert got["reached"].tolist() == reached
    assert got["without_previous"].tolist() == [r - b for r, b in zip(reached, both, strict=True)]
    previous = [n] + reached[:-1]
    want = [b / p if p else np.nan for b, p in zip(both, previous, strict=True)]
    np.testing.assert_allclose(got["conversion"].to_numpy(float), want)
    for column in ("share", "conversion"):
        values = got[column].dropna()
        assert ((values >= 0) & (values <= 1)).all(), column
    assert ("note" in got.attrs) == bool(sum(r - b for r, b in zip(reached, both, strict=True)))


def test_reach_funnel_says_when_cases_skip_a_step():
    # 7 cases buy without ever viewing, 1 views then buys: reached grows 1 -> 8,
    # conversion stays the share of viewers who bought (100 %), never 800 %
    rows = [("v", "view", "2025-01-01"), ("v", "buy", "2025-01-02")]
    rows += [(f"b{i}", "buy", "2025-01-01") for i in range(7)]
    df = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    got = jm.funnel(to_log(df), MODEL, steps=["Consideration", "Purchase"])
    assert got["reached"].tolist() == [1, 8]
    assert got["conversion"].tolist() == [1 / 8, 1.0]
    assert got["without_previous"].tolist() == [0, 7]
    note = got.attrs["note"]
    assert "7 cases" in note and "'Purchase'" in note and "ordered=True" in note


def test_shop_funnels_show_no_share_above_one():
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    for kwargs in ({}, {"ordered": True}, {"ordered": True, "within": "30D"}):
        got = jm.funnel(log, model, **kwargs)
        assert (got[["share", "conversion"]].dropna() <= 1).all().all(), kwargs


def reference_strict_times(df, steps, within):
    """Per step: times from the event reaching step 1 to the event reaching the step."""
    window = pd.Timedelta(within) if within is not None else None
    times: list[list[pd.Timedelta]] = [[] for _ in steps]
    for events in traces(df).values():
        at, t0 = -1, None
        for k, stage in enumerate(steps):
            nxt = next(
                (j for j in range(at + 1, len(events)) if STAGE_OF.get(events[j][0]) == stage),
                None,
            )
            if nxt is None:
                break
            t = events[nxt][1]
            if k == 0:
                t0 = t
            elif window is not None and t - t0 > window:
                break
            times[k].append(t - t0)
            at = nxt
    return [statistics.median_low(t) if t else None for t in times], times


@SETTINGS
@given(journey_frames(), step_lists, st.sampled_from([None, "0h", "12h", "2D"]))
def test_strict_funnel_time_to_reach_runs_from_step_one_and_stays_within(df, steps, within):
    got = jm.funnel(to_log(df), MODEL, steps=steps, ordered=True, within=within)
    _, times = reference_strict_times(df, steps, within)
    medians = got["median_time_to_reach"]
    for k, t in enumerate(times):
        if not t:
            assert pd.isna(medians.iloc[k])
            continue
        assert medians.iloc[k] == pd.Series(t).median()
        if within is not None:
            assert medians.iloc[k] <= pd.Timedelta(within)
    if times[0]:
        assert medians.iloc[0] == pd.Timedelta(0)


def test_strict_funnel_within_30_days_never_reports_more_than_30_days():
    # every case starts 200 days before it enters the funnel: from the case's first event
    # the median would be 200+ days; within the funnel it is 10 days
    rows = []
    for i in range(5):
        rows += [
            (f"c{i}", "ad", "2024-01-01"),
            (f"c{i}", "view", "2024-07-19"),
            (f"c{i}", "buy", "2024-07-29"),
        ]
    df = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    steps = ["Consideration", "Purchase"]
    got = jm.funnel(to_log(df), MODEL, steps=steps, ordered=True, within="30D")
    assert got["median_time_to_reach"].tolist() == [pd.Timedelta(0), pd.Timedelta(days=10)]
    shop = jm.funnel(jm.datasets.load_shop(), jm.datasets.shop_model(), ordered=True, within="30D")
    assert (shop["median_time_to_reach"].dropna() <= pd.Timedelta("30D")).all()
