"""Tests for simulate(): reproducibility, conformance at noise=0, and the injected truth."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine.errors import JourneymineWarning, ModelError, ParameterError
from journeymine.log import JourneyLog
from journeymine.model import JourneyModel
from journeymine.simulate import simulate
from journeymine.stages import CLASSIC

from strategies import examples


def reference_deviations(log: JourneyLog, model: JourneyModel) -> list[tuple[str, int, str]]:
    """A plain-Python checker following the DESIGN "Deviations" table, one case at a time.

    Returns ``(case, position, kind)`` per deviation (``skipped_stage``: one per stage).
    """
    df = log.to_pandas()
    order = {s: i for i, s in enumerate(model.stages)}
    required = set(model.required)
    out = []
    for case, events in df.groupby("case", sort=True):
        prev_act = prev_stage = None
        visited: set[int] = set()
        for pos, act in enumerate(events["activity"]):
            stage = model.stage_of(act)
            if stage is None:
                out.append((case, pos, "unknown_activity"))
                continue
            j = order[stage]
            if prev_stage is None:
                if model.start is not None and stage not in model.start:
                    out.append((case, pos, "wrong_start"))
            else:
                i = prev_stage
                if j > i + 1:
                    for k in range(i + 1, j):
                        if model.stages[k] in required and k not in visited:
                            out.append((case, pos, "skipped_stage"))
                if j < i and (model.stages[i], model.stages[j]) not in model.loops:
                    out.append((case, pos, "stage_regression"))
                if model.transitions is not None and (prev_act, act) not in model.transitions:
                    out.append((case, pos, "forbidden_transition"))
            visited.add(j)
            prev_act, prev_stage = act, j
    return out


SHOPLIKE = JourneyModel(
    stages=CLASSIC,
    activities={
        "ad": "Awareness",
        "search": "Awareness",
        "blog": "Awareness",
        "view": "Consideration",
        "compare": "Consideration",
        "reviews": "Consideration",
        "cart": "Decision",
        "coupon": "Decision",
        "order": "Purchase",
        "pay": "Purchase",
        "delivery": "Retention",
        "support": "Retention",
        "return": "Retention",
        "review": "Advocacy",
        "refer": "Advocacy",
    },
    required=["Awareness", "Consideration", "Decision", "Purchase"],
    start=["Awareness"],
    loops=[("Decision", "Consideration"), ("Retention", "Consideration"), ("Advocacy", "Purchase")],
    purchase=["order"],
    returns=["return"],
    name="shoplike",
)

WITH_TRANSITIONS = JourneyModel.from_dict(
    {
        "name": "flow",
        "stages": {
            "A": ["a1", "a2"],
            "B": ["b1", "b2", "b3"],
            "C": ["c1"],
            "D": ["d1", "d2"],
        },
        "required": ["A", "B", "D"],
        "loops": [["D", "B"]],
        "transitions": {
            "a1": ["a2", "b1"],
            "a2": ["b2"],
            "b1": ["b2", "c1", "d1"],
            "b2": ["b3", "c1"],
            "b3": ["d1", "b1"],
            "c1": ["d1", "d2"],
            "d1": ["d2", "b1"],
            "d2": ["d1"],
        },
    }
)

NO_START_OPTIONAL_FIRST = JourneyModel(
    stages=["Discovery", "Evaluation", "Purchase", "Loyalty"],
    activities={
        "ad": "Discovery",
        "demo": "Evaluation",
        "trial": "Evaluation",
        "buy": "Purchase",
        "renew": "Loyalty",
    },  # fmt: skip
    required=["Evaluation", "Purchase"],
    loops=[("Loyalty", "Purchase")],
)

MODELS = [SHOPLIKE, WITH_TRANSITIONS, NO_START_OPTIONAL_FIRST]


# -- basics --------------------------------------------------------------------
def test_columns_and_labels():
    log = simulate(SHOPLIKE, cases=20, seed=3)
    df = log.to_pandas()
    assert list(df.columns) == ["case", "activity", "timestamp", "stage", "channel"]
    assert (log.case, log.activity, log.timestamp, log.stage, log.channel) == (
        "case",
        "activity",
        "timestamp",
        "stage",
        "channel",
    )
    assert log.n_cases == 20
    assert log.cases[0] == "case_000001" and log.cases[-1] == "case_000020"
    assert set(df["channel"]) <= {"web", "app", "email", "store"}
    assert (df["stage"] == df["activity"].map(SHOPLIKE.activities)).all()
    assert pd.api.types.is_datetime64_dtype(df["timestamp"])
    assert df["timestamp"].min() >= pd.Timestamp("2025-01-01")
    # strictly increasing times within a case
    same = df["case"].to_numpy()[1:] == df["case"].to_numpy()[:-1]
    assert (np.diff(df["timestamp"].to_numpy())[same] > np.timedelta64(0)).all()


def test_same_seed_same_log_and_generator_seed():
    a = simulate(SHOPLIKE, cases=200, seed=7, noise=0.3).to_pandas()
    b = simulate(SHOPLIKE, cases=200, seed=7, noise=0.3).to_pandas()
    pd.testing.assert_frame_equal(a, b)
    c = simulate(SHOPLIKE, cases=200, seed=8, noise=0.3).to_pandas()
    assert not a.equals(c)
    g1 = simulate(SHOPLIKE, cases=50, seed=np.random.default_rng(1)).to_pandas()
    g2 = simulate(SHOPLIKE, cases=50, seed=np.random.default_rng(1)).to_pandas()
    pd.testing.assert_frame_equal(g1, g2)


def test_start_time_and_time_zone():
    df = simulate(SHOPLIKE, cases=30, seed=0, start="2024-06-01 08:00+02:00").to_pandas()
    assert df["timestamp"].dt.tz is not None  # aware (the log keeps UTC)
    assert df["timestamp"].min() >= pd.Timestamp("2024-06-01 08:00+02:00")
    assert df["timestamp"].min() < pd.Timestamp("2024-07-02", tz="UTC")


def test_gaps_minutes_within_stage_hours_between():
    df = simulate(SHOPLIKE, cases=500, seed=1).to_pandas()
    same_case = df["case"].to_numpy()[1:] == df["case"].to_numpy()[:-1]
    same_stage = df["stage"].to_numpy()[1:] == df["stage"].to_numpy()[:-1]
    gaps = np.diff(df["timestamp"].to_numpy()) / np.timedelta64(1, "m")
    assert 1 < np.median(gaps[same_case & same_stage]) < 30
    assert 5 * 60 < np.median(gaps[same_case & ~same_stage]) < 3 * 24 * 60


def test_channels_sequence_and_mapping():
    df = simulate(SHOPLIKE, cases=100, seed=0, channels=["web", "shop"]).to_pandas()
    assert set(df["channel"]) == {"web", "shop"}
    spec = {"order": "store", "pay": ["store", "phone"], "ad": ["social"]}
    df = simulate(SHOPLIKE, cases=200, seed=0, channels=spec).to_pandas()
    assert set(df.loc[df["activity"] == "order", "channel"]) == {"store"}
    assert set(df.loc[df["activity"] == "pay", "channel"]) <= {"store", "phone"}
    assert set(df.loc[df["activity"] == "ad", "channel"]) == {"social"}
    assert set(df["channel"]) <= {"store", "phone", "social"}


def test_journey_shape():
    log = simulate(SHOPLIKE, cases=2000, seed=5)
    df = log.to_pandas()
    reached = df.groupby("stage")["case"].nunique().reindex(list(CLASSIC), fill_value=0)
    # everyone starts in Awareness; the funnel narrows (drop-out) but not to nothing
    assert reached["Awareness"] == 2000
    assert list(reached.iloc[:4]) == sorted(reached.iloc[:4], reverse=True)
    assert 0 < reached["Advocacy"] < reached["Purchase"] < 2000
    # 1-3 activities per stage visit
    runs = df.assign(run=(df["stage"] != df["stage"].shift()) | (df["case"] != df["case"].shift()))
    sizes = runs.groupby(runs["run"].cumsum()).size()
    assert sizes.min() >= 1 and sizes.max() <= 3
    # allowed loops are taken sometimes; Retention (optional) sometimes skipped
    devs = reference_deviations(log, SHOPLIKE)
    assert devs == []
    stage_idx = df["stage"].map({s: i for i, s in enumerate(CLASSIC)}).to_numpy()
    same = df["case"].to_numpy()[1:] == df["case"].to_numpy()[:-1]
    assert (np.diff(stage_idx)[same] < 0).any()
    skipped_retention = ((stage_idx[:-1] == 3) & (stage_idx[1:] == 5) & same).any()
    assert skipped_retention


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name or "nostart")
def test_noise_zero_conforms(model):
    log = simulate(model, cases=600, seed=11)
    assert set(log.activities) <= set(model.activities)
    assert reference_deviations(log, model) == []


@pytest.mark.parametrize(
    ("model", "kinds"),
    [
        (SHOPLIKE, {"unknown_activity", "wrong_start", "skipped_stage", "stage_regression"}),
        # its transitions leave no room for a skip or a regression without a second deviation
        (WITH_TRANSITIONS, {"unknown_activity", "forbidden_transition"}),
        (NO_START_OPTIONAL_FIRST, {"unknown_activity", "skipped_stage", "stage_regression"}),
    ],
    ids=["shoplike", "flow", "nostart"],
)
def test_noise_one_injects_exactly_the_truth(model, kinds):
    log, truth = simulate(model, cases=600, seed=2, noise=1.0, return_truth=True)
    assert list(truth.columns) == ["case", "position", "kind", "activity"]
    assert len(truth) == 600 and truth["case"].is_unique
    found = sorted(reference_deviations(log, model))
    expected = sorted(zip(truth["case"], truth["position"], truth["kind"], strict=False))
    assert found == expected
    df = log.to_pandas()
    for case, pos, act in zip(truth["case"], truth["position"], truth["activity"], strict=False):
        assert df.loc[df["case"] == case, "activity"].iloc[pos] == act
    counts = Counter(truth["kind"])
    assert set(counts) == kinds
    # every kind gets a fair share, unknown_activity also catches the cases with no room
    assert min(counts.values()) > 600 / len(kinds) / 4


def test_noise_rate_and_truth_when_no_noise():
    log, truth = simulate(SHOPLIKE, cases=2000, seed=4, noise=0.2, return_truth=True)
    assert 300 < len(truth) < 500
    assert sorted(reference_deviations(log, SHOPLIKE)) == sorted(
        zip(truth["case"], truth["position"], truth["kind"], strict=False)
    )
    unknown = truth.loc[truth["kind"] == "unknown_activity", "activity"]
    assert unknown.str.startswith("Unlisted touchpoint").all()
    df = log.to_pandas()
    assert df.loc[~df["activity"].isin(list(SHOPLIKE.activities)), "stage"].isna().all()
    _, none = simulate(SHOPLIKE, cases=10, seed=0, return_truth=True)
    assert none.empty and list(none.columns) == ["case", "position", "kind", "activity"]


def test_unknown_names_avoid_model_activities():
    model = JourneyModel(stages=["A"], activities={"Unlisted touchpoint 1": "A", "x": "A"})
    log, truth = simulate(model, cases=100, seed=0, noise=1.0, return_truth=True)
    assert set(truth["kind"]) == {"unknown_activity"}
    assert sorted(reference_deviations(log, model)) == sorted(
        zip(truth["case"], truth["position"], truth["kind"], strict=False)
    )


def test_single_stage_and_dropout_parameters():
    one = JourneyModel(stages=["Only"], activities={"x": "Only", "y": "Only"})
    df = simulate(one, cases=50, seed=0).to_pandas()
    assert set(df["activity"]) <= {"x", "y"}
    # no drop-out and no skipping: everyone reaches the last stage
    log = simulate(SHOPLIKE, cases=300, seed=0, dropout=0.0, skip=0.0, loop=0.0)
    df = log.to_pandas()
    assert df.groupby("stage")["case"].nunique().to_dict() == {s: 300 for s in CLASSIC}
    always = simulate(SHOPLIKE, cases=300, seed=0, dropout=1.0, loop=0.0).to_pandas()
    assert set(always["stage"]) == {"Awareness"}


def test_required_stage_without_activities_warns():
    model = JourneyModel(stages=["A", "B", "C"], activities={"a": "A", "c": "C"})
    with pytest.warns(JourneymineWarning, match=r"Required stage 'B' has no activity"):
        log = simulate(model, cases=50, seed=0)
    assert set(log.activities) == {"a"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(JourneyModel(stages=["A", "B", "C"], activities={"a": "A", "c": "C"},
                              required=["A", "C"]), cases=5, seed=0)  # fmt: skip


def test_10k_cases_with_noise():
    log = simulate(SHOPLIKE, cases=10_000, seed=0, noise=0.1)
    assert log.n_cases == 10_000
    assert log.case_sizes.min() >= 1


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (
            dict(model="m"),
            ParameterError,
            r"'model' parameter of simulate\(\) must be a JourneyModel",
        ),
        (
            dict(cases=0),
            ParameterError,
            r"'cases' parameter .* an int in the range \[1, (inf\)|[0-9]+\]). Got 0",
        ),
        (dict(cases=2.5), ParameterError, r"'cases' parameter"),
        (dict(cases=True), ParameterError, r"'cases' parameter"),
        (dict(noise=1.5), ParameterError, r"'noise' parameter .* \[0, 1\]. Got 1.5"),
        (dict(noise="0.1"), ParameterError, r"'noise' parameter"),
        (dict(dropout=-0.1), ParameterError, r"'dropout' parameter"),
        (dict(skip=2), ParameterError, r"'skip' parameter"),
        (dict(loop=None), ParameterError, r"'loop' parameter"),
        (dict(seed="abc"), ParameterError, r"'seed' parameter .* Got 'abc'"),
        (
            dict(seed=-1),
            ParameterError,
            r"'seed' parameter of simulate\(\) must be an int in the range \[0, inf\)",
        ),
        (dict(start="not a date"), ParameterError, r"'start' parameter .* Got 'not a date'"),
        (dict(channels=[]), ParameterError, r"'channels' parameter .* non-empty list"),
        (dict(channels={}), ParameterError, r"'channels' parameter .* empty mapping"),
        (dict(channels={"ad": 3}), ParameterError, r"Got 3 for activity 'ad'"),
        (dict(return_truth="yes"), ParameterError, r"'return_truth' parameter"),
        (
            dict(model=JourneyModel(stages=["A"], activities={})),
            ModelError,
            r"needs a model with activities",
        ),
        (
            dict(model=JourneyModel(stages=["A", "B"], activities={"b": "B"}, start=["A"])),
            ModelError,
            r"none of the start stages \['A'\] has an activity",
        ),
    ],
)
def test_parameter_errors(kwargs, exc, match):
    args = {"model": SHOPLIKE, "cases": 5}
    args.update(kwargs)
    model = args.pop("model")
    with pytest.raises(exc, match=match):
        simulate(model, **args)


# -- property: any valid model, noise 0 conforms and noise 1 matches the truth ----
@st.composite
def models(draw):
    n = draw(st.integers(1, 5))
    stages = [f"S{k}" for k in range(n)]
    acts = [f"a{k}" for k in range(draw(st.integers(1, 8)))]
    activities = {a: draw(st.sampled_from(stages)) for a in acts}
    required = draw(st.lists(st.sampled_from(stages), unique=True))
    start = draw(st.none() | st.lists(st.sampled_from(stages), min_size=1, unique=True))
    back = [(stages[i], stages[j]) for i in range(n) for j in range(i)]
    loops = draw(st.lists(st.sampled_from(back), unique=True)) if back else []
    pairs = [(a, b) for a in acts for b in acts]
    transitions = draw(st.none() | st.lists(st.sampled_from(pairs), unique=True))
    return JourneyModel(
        stages=stages, activities=activities, required=required, start=start, loops=loops,
        transitions=transitions,
    )  # fmt: skip


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(0, 2**32 - 1))
def test_random_models_conform_at_noise_zero_and_match_truth(model, seed):
    if model.start is not None and not set(model.start) & set(model.activities.values()):
        with pytest.raises(ModelError, match=r"none of the start stages"):
            simulate(model, cases=40, seed=seed)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JourneymineWarning)
        log = simulate(model, cases=40, seed=seed)
        assert reference_deviations(log, model) == []
        log, truth = simulate(model, cases=40, seed=seed, noise=1.0, return_truth=True)
    assert len(truth) == 40
    assert sorted(reference_deviations(log, model)) == sorted(
        zip(truth["case"], truth["position"], truth["kind"], strict=False)
    )
