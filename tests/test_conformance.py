"""Tests for journeymine.conformance: check() and ConformanceReport."""

from __future__ import annotations

import dataclasses
import sys
import types
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.conformance import ALIGNMENT_KINDS, KINDS, ConformanceReport, check
from journeymine.errors import (
    JourneymineWarning,
    MissingDependencyError,
    ModelError,
    ParameterError,
)
from journeymine.log import JourneyLog, from_pandas
from journeymine.model import JourneyModel

from reference import reference_cases, reference_deviations
from strategies import examples, logs_for, models

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

STAGES = ["A", "B", "C", "D"]
ACTS = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "d1": "D"}
DEV_COLUMNS = [
    "case",
    "position",
    "timestamp",
    "kind",
    "activity",
    "stage",
    "previous_activity",
    "previous_stage",
]


def make_df(*journeys: list[str], tz: str | None = None) -> pd.DataFrame:
    """Cases c0, c1, ... with one event a day, in order."""
    rows = []
    for c, acts in enumerate(journeys):
        for i, a in enumerate(acts):
            rows.append((f"c{c}", a, pd.Timestamp("2025-01-01", tz=tz) + pd.Timedelta(days=i)))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp"])


def make_log(*journeys: list[str], tz: str | None = None) -> JourneyLog:
    return from_pandas(
        make_df(*journeys, tz=tz), case="case", activity="activity", timestamp="timestamp"
    )


def make_model(**kwargs) -> JourneyModel:
    return JourneyModel(stages=STAGES, activities=ACTS, **kwargs)


def rows(report: ConformanceReport) -> list[tuple]:
    """Deviations as (case, position, kind, stage) tuples."""
    d = report.deviations
    return list(zip(d["case"], d["position"], d["kind"].astype(str), d["stage"], strict=True))


# -- hand-checked cases, one per rule -------------------------------------------
def test_conforming_log_has_no_deviations():
    log = make_log(["a1", "b1", "c1", "d1"], ["a2", "b2", "b1", "c1"])
    report = check(log, make_model(start=["A"]))
    assert list(report.deviations.columns) == DEV_COLUMNS
    assert len(report.deviations) == 0
    assert list(report.deviations["kind"].cat.categories) == list(KINDS)
    assert report.cases["conforms"].all()
    assert report.cases["fitness"].tolist() == [1.0, 1.0]
    assert report.cases["first_deviation"].tolist() == [None, None]
    assert report.cases["furthest_stage"].tolist() == ["D", "C"]
    assert report.conformance_rate == 1.0
    assert report.fitness == 1.0
    assert report.summary.loc[("overall", "deviations"), "value"] == 0


def test_cases_table_columns_and_values():
    log = make_log(["a1", "x", "c1"], ["y"])
    report = check(log, make_model())
    cases = report.cases
    assert list(cases.columns) == [
        "case",
        "events",
        "deviations",
        "fitness",
        "conforms",
        "furthest_stage",
        "first_deviation",
        *KINDS,
    ]
    assert cases["case"].tolist() == ["c0", "c1"]
    assert cases["events"].tolist() == [3, 1]
    assert cases["deviations"].tolist() == [2, 1]  # unknown + skipped B; unknown
    assert cases["fitness"].tolist() == pytest.approx([1 / 3, 0.0])
    assert cases["furthest_stage"].tolist() == ["C", None]
    assert cases["first_deviation"].tolist() == ["unknown_activity", "unknown_activity"]
    assert cases["unknown_activity"].tolist() == [1, 1]
    assert cases["skipped_stage"].tolist() == [1, 0]


def test_unknown_first_event_then_wrong_start_on_first_known():
    log = make_log(["x", "b1", "c1"], ["x", "a1", "b1"])
    report = check(log, make_model(start=["A"]))
    assert rows(report) == [
        ("c0", 0, "unknown_activity", None),
        ("c0", 1, "wrong_start", "B"),
        ("c1", 0, "unknown_activity", None),
    ]
    first = report.deviations.iloc[1]
    assert first["activity"] == "b1"
    assert first["previous_activity"] is None and first["previous_stage"] is None


def test_no_wrong_start_without_start_stages():
    report = check(make_log(["c1", "d1"]), make_model())
    assert rows(report) == []


def test_unknown_events_are_skipped_when_judging_moves():
    report = check(make_log(["a1", "x", "b1"], ["a1", "y", "c1"]), make_model())
    assert rows(report) == [
        ("c0", 1, "unknown_activity", None),
        ("c1", 1, "unknown_activity", None),
        ("c1", 2, "skipped_stage", "B"),
    ]
    d = report.deviations
    # previous_* describe the previous *known* event
    assert d["previous_activity"].tolist() == ["a1", "a1", "a1"]
    assert d["previous_stage"].tolist() == ["A", "A", "A"]
    assert d["activity"].tolist() == ["x", "y", "c1"]


def test_skip_over_optional_stage_is_not_a_deviation():
    model = make_model(required=["A", "C", "D"])
    assert rows(check(make_log(["a1", "c1"]), model)) == []
    report = check(make_log(["a1", "d1"]), model)
    assert rows(report) == [("c0", 1, "skipped_stage", "C")]


def test_skip_over_required_stage():
    report = check(make_log(["a1", "c1"]), make_model())
    assert rows(report) == [("c0", 1, "skipped_stage", "B")]
    dev = report.deviations.iloc[0]
    assert (dev["activity"], dev["previous_activity"], dev["previous_stage"]) == ("c1", "a1", "A")


def test_skip_over_two_required_stages_gives_two_rows():
    report = check(make_log(["a1", "d1"]), make_model())
    assert rows(report) == [("c0", 1, "skipped_stage", "B"), ("c0", 1, "skipped_stage", "C")]
    assert report.cases["skipped_stage"].tolist() == [2]


def test_skip_over_stage_visited_earlier_is_not_a_deviation():
    model = make_model(loops=[("B", "A")])
    assert rows(check(make_log(["a1", "b1", "a2", "c1"]), model)) == []
    # only the stage not visited before counts
    report = check(make_log(["a1", "b1", "a2", "d1"]), make_model(loops=[("B", "A")]))
    assert rows(report) == [("c0", 3, "skipped_stage", "C")]


def test_visit_after_the_skip_does_not_undo_it():
    report = check(make_log(["a1", "c1", "b1"]), make_model(loops=[("C", "B")]))
    assert rows(report) == [("c0", 1, "skipped_stage", "B")]


def test_regression_right_after_a_skip():
    report = check(make_log(["a1", "c1", "b1"]), make_model())
    assert rows(report) == [("c0", 1, "skipped_stage", "B"), ("c0", 2, "stage_regression", "B")]
    reg = report.deviations.iloc[1]
    assert (reg["activity"], reg["previous_activity"], reg["previous_stage"]) == ("b1", "c1", "C")


def test_allowed_loop_versus_not_allowed():
    model = make_model(loops=[("C", "B")])
    assert rows(check(make_log(["a1", "b1", "c1", "b2", "c1"]), model)) == []
    report = check(make_log(["a1", "b1", "c1", "a1"]), model)
    assert rows(report) == [("c0", 3, "stage_regression", "A")]


def test_moves_within_a_stage_are_never_deviations():
    report = check(make_log(["a1", "a2", "a1", "b1", "b2", "b1", "b1"]), make_model(start=["A"]))
    assert rows(report) == []


def test_transitions_given_versus_not():
    journey = ["a1", "b1", "b2", "b2", "c1"]
    assert rows(check(make_log(journey), make_model())) == []
    model = make_model(transitions=[("a1", "b1"), ("b1", "b2"), ("b2", "c1")])
    report = check(make_log(journey), model)
    # b2 -> b2 is not listed: forbidden even within a stage and for a repeat
    assert rows(report) == [("c0", 3, "forbidden_transition", "B")]
    dev = report.deviations.iloc[0]
    assert (dev["activity"], dev["previous_activity"]) == ("b2", "b2")


def test_forbidden_transition_is_judged_between_known_events():
    model = make_model(transitions=[("a1", "b1")])
    assert rows(check(make_log(["a1", "x", "b1"]), model)) == [("c0", 1, "unknown_activity", None)]


def test_kinds_at_one_event_are_sorted_in_table_order():
    model = make_model(transitions=[("a1", "b1")])
    report = check(make_log(["a1", "d1", "b1"]), model)
    assert rows(report) == [
        ("c0", 1, "skipped_stage", "B"),
        ("c0", 1, "skipped_stage", "C"),
        ("c0", 1, "forbidden_transition", "D"),
        ("c0", 2, "stage_regression", "B"),
        ("c0", 2, "forbidden_transition", "B"),
    ]
    assert report.cases["first_deviation"].tolist() == ["skipped_stage"]


def test_fitness_is_floored_at_zero():
    # a wrong start and two skipped stages: 3 deviations over 2 events
    report = check(make_log(["a1", "d1"], ["a1", "b1"]), make_model(start=["B"]))
    assert report.cases["deviations"].tolist() == [3, 1]
    assert report.cases["fitness"].tolist() == [0.0, 0.5]
    assert report.cases["conforms"].tolist() == [False, False]


def test_case_ids_keep_their_type_and_log_order():
    df = make_df(["a1", "c1"], ["a1"], ["x"])
    df["case"] = df["case"].map({"c0": 30, "c1": 4, "c2": 100})
    log = from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    report = check(log, make_model())
    assert report.cases["case"].tolist() == [4, 30, 100]
    assert report.deviations["case"].tolist() == [30, 100]


@pytest.mark.parametrize("tz", [None, "Europe/Madrid"])
def test_timestamps_keep_the_logs_tz_awareness(tz):
    log = make_log(["a1", "c1"], tz=tz)
    report = check(log, make_model())
    ts = report.deviations["timestamp"]
    assert ts.dtype == log.timestamps().dtype
    assert ts.iloc[0] == log.timestamps().iloc[1]


def test_deviation_dtypes():
    report = check(make_log(["a1", "c1"]), make_model())
    d = report.deviations
    assert d["position"].dtype == np.int64
    assert isinstance(d["kind"].dtype, pd.CategoricalDtype)
    assert d["stage"].dtype == object


def test_summary_counts():
    report = check(make_log(["a1", "c1", "x"], ["a1", "b1"]), make_model())
    s = report.summary["value"]
    assert s[("overall", "cases")] == 2
    assert s[("overall", "conforming cases")] == 1
    assert s[("overall", "conformance rate")] == 0.5
    assert s[("overall", "mean fitness")] == pytest.approx((1 / 3 + 1) / 2)
    assert s[("overall", "deviations")] == 2
    assert s[("kind", "skipped_stage")] == 1
    assert s[("kind", "unknown_activity")] == 1
    assert s[("stage", "B")] == 1
    assert s[("stage", "A")] == 0
    assert list(report.summary.index.names) == ["section", "item"]
    assert "conformance rate" in str(report.summary)


def test_compare_stage_edges():
    model = make_model(required=["A", "B", "D"], loops=[("D", "B")])
    log = make_log(["a1", "b1", "d1"], ["a1", "b1", "c1", "a1"], ["a1", "a2", "c1"])
    cmp = check(log, model).compare
    assert list(cmp.columns) == ["level", "source", "target", "status", "events", "cases"]
    got = {(r.source, r.target): (r.status, r.events, r.cases) for r in cmp.itertuples(index=False)}
    assert got == {
        ("A", "B"): ("both", 2, 2),
        ("A", "C"): ("observed_only", 1, 1),  # a skip over the required B
        ("B", "C"): ("both", 1, 1),
        ("B", "D"): ("both", 1, 1),  # C is optional
        ("C", "A"): ("observed_only", 1, 1),
        ("C", "D"): ("designed_only", 0, 0),
        ("D", "B"): ("designed_only", 0, 0),  # an allowed loop
    }
    assert set(cmp["level"]) == {"stage"}


def test_compare_activity_edges_with_transitions():
    model = make_model(transitions=[("a1", "b1"), ("b1", "c1")])
    cmp = check(make_log(["a1", "b1", "b1"], ["a1", "b1"]), model).compare
    act = cmp[cmp["level"] == "activity"]
    got = {(r.source, r.target): (r.status, r.events, r.cases) for r in act.itertuples()}
    assert got == {
        ("a1", "b1"): ("both", 2, 2),
        ("b1", "b1"): ("observed_only", 1, 1),
        ("b1", "c1"): ("designed_only", 0, 0),
    }


def test_report_is_frozen_and_has_a_repr():
    report = check(make_log(["a1", "c1"], ["a1"]), make_model())
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.method = "alignments"  # type: ignore[misc]
    assert repr(report) == (
        "ConformanceReport(method='stages', cases=2, conforming=1 (50.0%), fitness=0.75, "
        "deviations=1)"
    )
    page = report._repr_html_()
    assert "50.0%" in page and "skipped_stage" in page and "<table" in page
    assert report.model is not None and report.method == "stages"


def test_plot_delegates_to_plot_conformance(monkeypatch):
    calls = []
    fake = types.ModuleType("journeymine.plot")
    fake.plot_conformance = lambda report, ax=None: calls.append((report, ax)) or "axes"
    monkeypatch.setitem(sys.modules, "journeymine.plot", fake)
    report = check(make_log(["a1"]), make_model())
    assert report.plot(ax="my-ax") == "axes"
    assert calls == [(report, "my-ax")]


# -- errors ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((pd.DataFrame(), make_model()), {}, "expects a JourneyLog"),
        ((None, make_model()), {}, "expects a JourneyLog"),
        ((make_log(["a1"]), {"stages": ["A"]}), {}, "'model' parameter of check"),
        ((make_log(["a1"]), make_model()), {"method": "tokens"}, "'method' parameter of check"),
        ((make_log(["a1"]), make_model()), {"method": "alignments"}, "from_bpmn"),
    ],
)
def test_errors(args, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        check(*args, **kwargs)


def test_alignments_without_pm4py_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "pm4py", None)
    model = JourneyModel(stages=STAGES, activities=ACTS, petri_net=("net", "im", "fm"))
    with pytest.raises(MissingDependencyError, match=r'pip install "journeymine\[pm4py\]"'):
        check(make_log(["a1"]), model, method="alignments")


# -- property test against the plain-Python reference ------------------------------
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_check_agrees_with_reference(data):
    model = data.draw(models())
    df = data.draw(logs_for(model))
    log = from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    report = check(log, model)
    d = report.deviations
    got = list(
        zip(
            d["case"],
            d["position"],
            d["kind"].astype(str),
            d["activity"],
            d["stage"],
            d["previous_activity"],
            d["previous_stage"],
            strict=True,
        )
    )
    assert got == reference_deviations(df, model)
    c = report.cases
    got_cases = list(
        zip(
            c["case"],
            c["events"],
            c["deviations"],
            c["fitness"],
            c["conforms"],
            c["furthest_stage"],
            c["first_deviation"],
            strict=True,
        )
    )
    assert got_cases == reference_cases(df, model)
    assert (c[list(KINDS)].sum(axis=1) == c["deviations"]).all()
    # compare: observed stage edges add up to the moves across stages
    stage_edges = report.compare[report.compare["level"] == "stage"]
    assert stage_edges["events"].sum() == _cross_stage_moves(df, model)


def _cross_stage_moves(df: pd.DataFrame, model: JourneyModel) -> int:
    from reference import journeys

    n = 0
    for acts in journeys(df).values():
        known = [model.activities[a] for a in acts if a in model.activities]
        n += sum(1 for s, t in zip(known, known[1:], strict=False) if s != t)
    return n


# -- smoke check on the demo data --------------------------------------------------
def test_shop_smoke():
    datasets = pytest.importorskip("journeymine.datasets")
    try:
        log, model = datasets.load_shop(), datasets.shop_model()
    except Exception as exc:  # the demo data is written by another engineer
        pytest.skip(f"shop data not available: {exc}")
    report = check(log, model)
    assert len(report.cases) == log.n_cases
    assert 0 < report.conformance_rate < 1
    assert set(report.deviations["kind"].astype(str)) <= set(KINDS)
    assert report.cases["deviations"].sum() == len(report.deviations)


# -- alignments --------------------------------------------------------------------
def _pm4py():
    return pytest.importorskip("pm4py")


def _sequence_model(pm4py):
    tree = pm4py.parse_process_tree("->('a', 'b', 'c')")
    net, im, fm = pm4py.convert_to_petri_net(tree)
    return JourneyModel(
        stages=["S1", "S2", "S3"],
        activities={"a": "S1", "b": "S2", "c": "S3"},
        petri_net=(net, im, fm),
    )


def test_alignments_log_and_model_moves():
    pm4py = _pm4py()
    model = _sequence_model(pm4py)
    log = make_log(list("abc"), list("ac"), list("abxc"), list("ab"), list("ac"))
    report = check(log, model, method="alignments")
    assert report.method == "alignments"
    d = report.deviations
    assert list(d.columns) == DEV_COLUMNS
    assert list(d["kind"].cat.categories) == list(ALIGNMENT_KINDS)
    got = list(
        zip(
            d["case"],
            d["position"],
            d["kind"].astype(str),
            d["activity"],
            d["stage"],
            d["previous_activity"],
            strict=True,
        )
    )
    assert got == [
        ("c1", 1, "model_move", "b", "S2", "a"),
        ("c2", 2, "log_move", "x", None, "b"),
        ("c3", 2, "model_move", "c", "S3", "b"),  # after the last event
        ("c4", 1, "model_move", "b", "S2", "a"),
    ]
    # a model move is stamped with the next event's time, or the last one's at the end
    times = log.timestamps()
    assert d["timestamp"].iloc[0] == times.iloc[4]  # c1's second event
    assert d["timestamp"].iloc[2] == times.iloc[10]  # c3's last event
    cases = report.cases
    assert cases["conforms"].tolist() == [True, False, False, False, False]
    assert cases["log_move"].tolist() == [0, 0, 1, 0, 0]
    assert cases["model_move"].tolist() == [0, 1, 0, 1, 1]
    assert cases["fitness"].iloc[0] == 1.0
    assert cases["fitness"].iloc[1] == cases["fitness"].iloc[4] < 1.0
    assert report.summary.loc[("kind", "model_move"), "value"] == 3


def _pm4py_fitness(pm4py, pm_df, net, im, fm) -> dict[str, float]:
    """pm4py's per-trace alignment fitness on the full log, by case id."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        event_log = pm4py.convert_to_event_log(pm_df)
        aligned = pm4py.conformance_diagnostics_alignments(
            event_log, net, im, fm, multi_processing=False, show_progress_bar=False
        )
    return {
        str(trace.attributes["concept:name"]): a["fitness"]
        for trace, a in zip(event_log, aligned, strict=True)
    }


@pytest.mark.parametrize(
    "name",
    [
        "bpic2013_open_problems.xes.gz",
        "bpic2013_closed_problems.xes.gz",
        # pm4py needs about a minute per alignment pass on receipt's noise-0.2 net (and the
        # test makes two): the net comes from the whole log, the alignments from 400 cases
        pytest.param("receipt.xes.gz", marks=pytest.mark.slow),
    ],
)
def test_alignment_fitness_equals_pm4py(name):
    pm4py = _pm4py()
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: the shared logs live in ../shared/data")
    from journeymine.io import read_xes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm_df = pm4py.read_xes(str(path), show_progress_bar=False)
        net, im, fm = pm4py.discover_petri_net_inductive(pm_df, noise_threshold=0.2)
    mixed = name.startswith("bpic2013")  # sub-statuses in lifecycle:transition: warned
    with pytest.warns(JourneymineWarning, match="mixes lifecycle") if mixed else nullcontext():
        log = read_xes(path)
    if name.startswith("receipt"):
        log = log.select_cases(np.arange(400))
        pm_df = pm_df[pm_df["case:concept:name"].isin(set(log.cases))]
    acts = sorted({str(a) for a in log.activities})
    model = JourneyModel(
        stages=["all"], activities=dict.fromkeys(acts, "all"), petri_net=(net, im, fm)
    )
    report = check(log, model, method="alignments")
    expected = _pm4py_fitness(pm4py, pm_df, net, im, fm)
    got = dict(zip(report.cases["case"].astype(str), report.cases["fitness"], strict=True))
    assert got.keys() == expected.keys()
    diff = max(abs(got[k] - expected[k]) for k in got)
    assert diff <= 1e-9
    # deviations add up and conforming cases are exactly the perfectly fitting ones
    assert report.cases["deviations"].sum() == len(report.deviations)
    assert (report.cases["conforms"] == (report.cases["fitness"] == 1.0)).all()


def test_alignments_on_an_unsound_net_raise_model_error():
    pm4py = _pm4py()
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet("broken")
    p0, p1, p2 = PetriNet.Place("p0"), PetriNet.Place("p1"), PetriNet.Place("p2")
    t = PetriNet.Transition("t", "a")
    for x in (p0, p1, p2):
        net.places.add(x)
    net.transitions.add(t)
    petri_utils.add_arc_from_to(p0, t, net)
    petri_utils.add_arc_from_to(t, p1, net)
    im, fm = Marking({p0: 1}), Marking({p2: 1})  # p2 is never reached
    model = JourneyModel(stages=["S"], activities={"a": "S"}, petri_net=(net, im, fm))
    del pm4py
    with pytest.raises(ModelError, match="could not align"):
        check(make_log(["a"]), model, method="alignments")


def test_check_summary_by_segment_equals_checking_each_group():
    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    report = jm.check(log, model, segment="channel")
    whole = jm.check(log, model)
    pd.testing.assert_frame_equal(report.cases, whole.cases)
    pd.testing.assert_frame_equal(report.deviations, whole.deviations)
    firsts = log.column("channel")[log.case_offsets[:-1]]
    assert sorted(report.summary["group"].unique()) == sorted(set(firsts))
    for group in ("web", "store"):
        sub = log.select_cases(np.flatnonzero(firsts == group))
        got = report.summary[report.summary["group"] == group].drop(columns="group")
        pd.testing.assert_frame_equal(got, jm.check(sub, model).summary)


def test_check_segment_must_be_a_column():
    log = jm.datasets.load_shop()
    with pytest.raises(jm.ParameterError, match="'segment' parameter of check"):
        jm.check(log, jm.datasets.shop_model(), segment="region")
