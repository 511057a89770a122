"""Tests for JourneyModel (validation, templates, dict/YAML, BPMN/Petri nets) and stages."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine import stages as st_templates
from journeymine.errors import MissingDependencyError, ModelError, ParameterError
from journeymine.log import from_pandas
from journeymine.model import MODEL_KEYS, JourneyModel
from journeymine.stages import (
    BUYING_CYCLE,
    CLASSIC,
    LIFECYCLE,
    TEMPLATES,
    THREE_PHASE,
    THREE_PHASE_GROUPS,
    template,
)

from strategies import examples

MODELS = Path(__file__).parent / "data" / "models"
SHOP_YAML = (
    Path(__file__).resolve().parents[1] / "src" / "journeymine" / "datasets" / "shop_model.yaml"
)


def mini(**kwargs):
    args = dict(
        stages=["A", "B", "C"],
        activities={"a": "A", "b": "B", "b2": "B", "c": "C"},
    )
    args.update(kwargs)
    return JourneyModel(**args)


# -- construction and validation ----------------------------------------------
def test_defaults_and_normalisation():
    m = mini(required=["C", "A"], start=["B", "A"], loops=[["C", "A"]], purchase="c")
    assert m.required == ("A", "C")  # stored in stage order
    assert m.start == ("A", "B")
    assert m.loops == (("C", "A"),)
    assert m.purchase == ("c",)
    assert m.returns == ()
    assert m.transitions is None
    assert mini().required == ("A", "B", "C")
    assert mini(required=[]).required == ()
    assert mini(transitions=[("a", "b"), ["b", "c"]]).transitions == frozenset(
        {("a", "b"), ("b", "c")}
    )


def test_equality_and_hash_ignore_order_of_sets_and_the_petri_net():
    m1 = mini(required=["A", "C"], petri_net="net")
    m2 = mini(required=["C", "A"])
    assert m1 == m2
    assert hash(m1) == hash(m2)
    assert mini() != mini(name="other")
    assert len({m1, m2}) == 1


def test_lookups():
    m = mini()
    assert m.stage_of("b2") == "B"
    assert m.stage_of("zzz") is None
    assert m.stage_index("C") == 2
    assert m.stage_activities("B") == ["b", "b2"]
    with pytest.raises(ParameterError, match=r"Stage 'D' is not in the model"):
        m.stage_activities("D")


def test_event_stages_and_activity_mask_on_a_tiny_log():
    df = pd.DataFrame(
        {
            "c": ["x", "x", "x", "y"],
            "act": ["a", "chat", "c", "b"],
            "t": ["2025-01-01 10:00", "2025-01-01 11:00", "2025-01-01 12:00", "2025-01-02"],
        }
    )
    log = from_pandas(df, case="c", activity="act", timestamp="t")
    m = mini()
    assert m.event_stages(log).tolist() == [0, -1, 2, 1]
    assert m.activity_mask(log, ["c", "b"]).tolist() == [False, False, True, True]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(stages=[]), r"at least one stage"),
        (dict(stages="Awareness"), r"list of stage names.*stages=\['Awareness'\]"),
        (dict(stages=["A", "B", "A"]), r"Stage 'A' is listed twice"),
        (dict(stages=["A", ""]), r"non-empty strings; got ''"),
        (dict(stages=["A", True]), r"booleans: quote the name"),
        (dict(activities={"a": "Z"}), r"Activity 'a' is mapped to stage 'Z'.*not in stages"),
        (dict(activities={"A": ["a"]}), r"Activity 'A' is mapped to stage \['a'\].*from_dict"),
        (dict(activities=[("a", "A")]), r"activities must be a mapping"),
        (dict(required=["A", "Z"]), r"required lists stage 'Z'"),
        (dict(required=["A", "A"]), r"required lists 'A' twice"),
        (dict(start=["Q"]), r"start lists stage 'Q'"),
        (dict(start=[]), r"start=\[\] allows no start stage"),
        (dict(loops=[("C", "Z")]), r"Loop \('C', 'Z'\) names stage 'Z'"),
        (dict(loops=[("A", "C")]), r"Loop \('A', 'C'\) does not go back"),
        (dict(loops=[("B", "B")]), r"Loop \('B', 'B'\) does not go back"),
        (dict(loops=[("C", "A"), ("C", "A")]), r"loops lists \('C', 'A'\) twice"),
        (dict(loops=("C", "A")), r"loops must be a list of \(from_stage, to_stage\) pairs"),
        (dict(loops=[("C", "B", "A")]), r"pairs; got the item \('C', 'B', 'A'\)"),
        (dict(purchase=["pay"]), r"purchase lists activity 'pay'.*not among the model's"),
        (dict(returns=["refund"]), r"returns lists activity 'refund'"),
        (dict(purchase=["c", "c"]), r"purchase lists 'c' twice"),
        (dict(transitions=[("a", "zz")]), r"Transition \('a', 'zz'\) names activity 'zz'"),
        (dict(transitions=[("a",)]), r"transitions must be a list of \(activity, next_activity\)"),
        (dict(name=3), r"name must be a string"),
    ],
)
def test_validation_errors_name_the_offending_item(kwargs, match):
    with pytest.raises(ModelError, match=match):
        mini(**kwargs)


def test_duplicate_transitions_collapse():
    assert len(mini(transitions=[("a", "b"), ("a", "b")]).transitions) == 1


def test_repr_and_html():
    m = JourneyModel.from_dict(
        {
            "name": "<shop>",
            "stages": {"A": [f"act{k}" for k in range(10)], "B & C": ["x"], "D": []},
            "required": ["A"],
            "start": ["A"],
            "loops": [["B & C", "A"]],
            "purchase": ["x"],
        }
    )
    assert repr(m) == "JourneyModel('<shop>', stages=['A', 'B & C', 'D'], activities=11, loops=1)"
    out = m._repr_html_()
    assert out.index("<b>A</b>") < out.index("<b>B &amp; C</b>") < out.index("<b>D</b>")
    assert "&lt;shop&gt;" in out and "<shop>" not in out
    assert "act5" in out and "act6" not in out and "+4 more" in out
    assert "(start)" in out and "(optional)" in out
    assert "B &amp; C → A" in out
    assert "transitions</th><td colspan='2' style='text-align:left'>any" in out
    assert len(out) < 3000


# -- templates -----------------------------------------------------------------
def test_templates():
    assert CLASSIC == (
        "Awareness",
        "Consideration",
        "Decision",
        "Purchase",
        "Retention",
        "Advocacy",
    )
    assert BUYING_CYCLE == ("Discovery", "Evaluation", "Purchase", "Post-sale service", "Loyalty")
    assert LIFECYCLE == ("Acquisition", "Onboarding", "Engagement", "Retention")
    assert THREE_PHASE == ("Before the purchase", "Purchase", "After the purchase")
    assert tuple(THREE_PHASE_GROUPS) == THREE_PHASE
    grouped = [s for phase in THREE_PHASE for s in THREE_PHASE_GROUPS[phase]]
    assert [s for s in grouped if s in CLASSIC] == list(CLASSIC)  # every classic stage, in order
    assert dict(TEMPLATES) == {
        "classic": CLASSIC,
        "buying_cycle": BUYING_CYCLE,
        "lifecycle": LIFECYCLE,
        "three_phase": THREE_PHASE,
    }
    assert template("classic") is CLASSIC
    assert template("Buying cycle") == BUYING_CYCLE
    assert template("three-phase") == THREE_PHASE
    assert st_templates.__all__


@pytest.mark.parametrize("bad", ["aida", "", None, 3])
def test_template_unknown_name(bad):
    with pytest.raises(ParameterError, match=r"must be one of 'classic', 'buying_cycle'.*Got"):
        template(bad)


def test_from_template_both_activity_forms():
    by_act = JourneyModel.from_template(
        "classic", {"ad": "Awareness", "buy": "Purchase"}, required=["Purchase"], name="shop"
    )
    by_stage = JourneyModel.from_template(
        "classic",
        {"Awareness": ["ad"], "Purchase": ["buy"], "Advocacy": []},
        required=["Purchase"],
        name="shop",
    )
    assert by_act == by_stage
    assert by_act.stages == CLASSIC and by_act.name == "shop"
    assert JourneyModel.from_template("lifecycle").activities == {}


def test_from_template_errors():
    with pytest.raises(ParameterError, match=r"'lifecycle', 'three_phase'. Got 'crm'"):
        JourneyModel.from_template("crm", {})
    with pytest.raises(ParameterError, match=r"takes its stages from the template"):
        JourneyModel.from_template("classic", {}, stages=["A"])
    with pytest.raises(ModelError, match=r"Activity 'ad' is mapped to stages 'Awareness' and"):
        JourneyModel.from_template("classic", {"Awareness": ["ad"], "Decision": ["ad"]})


# -- dicts ---------------------------------------------------------------------
def test_from_dict_forms_agree():
    expected = mini(loops=[("C", "A")], purchase=["c"])
    plain = {
        "stages": ["A", "B", "C"],
        "activities": {"a": "A", "b": "B", "b2": "B", "c": "C"},
        "loops": [["C", "A"]],
        "purchase": ["c"],
    }
    items = {
        "stages": [
            {"name": "A", "activities": ["a"]},
            {"name": "B", "activities": ["b", "b2"]},
            "C",
        ],
        "activities": {"c": "C"},
        "loops": [("C", "A")],
        "purchase": "c",
    }
    mapping = {"stages": {"A": ["a"], "B": ["b", "b2"], "C": "c"}, "loops": [["C", "A"]],
               "purchase": ["c"]}  # fmt: skip
    for d in (plain, items, mapping):
        assert JourneyModel.from_dict(d) == expected


def test_from_dict_transitions_mapping():
    m = JourneyModel.from_dict(
        {"stages": {"A": ["a"], "B": ["b", "b2"]}, "transitions": {"a": ["b", "b2"], "b": "b2"}}
    )
    assert m.transitions == frozenset({("a", "b"), ("a", "b2"), ("b", "b2")})


@pytest.mark.parametrize(
    ("d", "match"),
    [
        (["A"], r"must be a mapping with keys \['name', 'stages'"),
        (
            {"stages": ["A"], "stage": 1, "loop": []},
            r"Unknown keys \['stage', 'loop'\].*Valid keys",
        ),
        ({"activities": {"a": "A"}}, r"has no 'stages'"),
        ({"stages": "A"}, r"'stages' must be a list"),
        ({"stages": ["A"], "activities": ["a"]}, r"'activities' must map each activity"),
        (
            {"stages": [{"name": "A", "activities": ["a"]}, {"name": "B", "activities": ["a"]}]},
            r"Activity 'a' is mapped to stages 'A' and 'B'",
        ),
        (
            {"stages": {"A": ["a", "a"]}},
            r"Activity 'a' is mapped twice to stage 'A'",
        ),
        (
            {"stages": [{"name": "A", "activities": ["a"]}], "activities": {"a": "A"}},
            r"Activity 'a' is mapped twice",
        ),
        ({"stages": [{"title": "A"}]}, r"keys 'name' and optionally 'activities'; got keys"),
        ({"stages": [{"name": "A", "activities": {"a": 1}}]}, r"Stage 'A' must list its"),
        ({"stages": {"A": {"a": 1}}}, r"Stage 'A' must list its activities as a list"),
        ({"stages": {"A": [True]}}, r"Activity True .* is a boolean"),
        ({"stages": {"A": [["a"]]}}, r"Activity names must be strings"),
    ],
)
def test_from_dict_errors(d, match):
    with pytest.raises(ModelError, match=match):
        JourneyModel.from_dict(d)


def test_to_dict_is_plain_and_round_trips():
    m = mini(
        required=["A", "B"], start=["A"], loops=[("C", "B"), ("B", "A")],
        transitions=[("b", "c"), ("a", "b")], purchase=["c"], returns=["b2"], name="m",
    )  # fmt: skip
    d = m.to_dict()
    assert list(d) == list(MODEL_KEYS)
    assert d["loops"] == [["C", "B"], ["B", "A"]]
    assert d["transitions"] == [["a", "b"], ["b", "c"]]  # sorted, for stable files
    assert d["start"] == ["A"]
    assert JourneyModel.from_dict(d) == m
    assert mini().to_dict()["transitions"] is None
    assert JourneyModel.from_dict(mini().to_dict()) == mini()


# -- YAML ----------------------------------------------------------------------
def test_yaml_round_trip_text_and_file(tmp_path):
    m = mini(loops=[("C", "A")], transitions=[("a", "b")], purchase=["c"], name="m")
    text = m.to_yaml()
    assert "- [C, A]" in text
    assert JourneyModel.from_yaml(text) == m
    path = tmp_path / "m.yaml"
    assert m.to_yaml(path) is None
    assert path.read_text(encoding="utf-8") == text
    assert JourneyModel.from_yaml(path) == m
    assert JourneyModel.from_yaml(str(path)) == m
    with open(path, encoding="utf-8") as fh:
        assert JourneyModel.from_yaml(fh) == m
    assert JourneyModel.from_yaml(io.BytesIO(text.encode())) == m


def test_yaml_fixture_and_shop_model():
    m = JourneyModel.from_yaml(MODELS / "mini.yaml")
    assert m.name == "mini"
    assert m.stage_activities("Retention") == ["support", "return"]
    assert m.required == ("Awareness", "Consideration", "Purchase")
    assert ("support", "view") in m.transitions and len(m.transitions) == 12
    if SHOP_YAML.exists():
        shop = JourneyModel.from_yaml(SHOP_YAML)
        assert shop.stages == CLASSIC
        assert shop.transitions is None
        assert JourneyModel.from_yaml(shop.to_yaml()) == shop


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"The YAML model is empty"),
        ("# nothing\n", r"The YAML model is empty"),
        ("- A\n- B\n", r"must be a mapping .* got a list"),
        ("stages: [A, B\n", r"not valid YAML at line 2"),
        ("stages: [A]\nstages: [B]\n", r"repeats the key 'stages' \(lines 1 and 2\)"),
        ("stages: [A]\nactivities:\n  a: A\n  a: A\n", r"repeats the key 'a' \(lines 3 and 4\)"),
        ("stages: [A, B]\ncolour: red\n", r"Unknown key \['colour'\]"),
        ("stages: [Awareness, no]\n", r"got False.*quote the name"),
        ("stages: [A]\nname: !!python/name:os.system\n", r"uses a Python tag at line 2"),
        ("stages: [A]\nx: *nope\n", r"not valid YAML.*undefined alias"),
    ],
)
def test_from_yaml_errors(text, match):
    with pytest.raises(ModelError, match=match):
        JourneyModel.from_yaml(text)


def test_from_yaml_file_errors(tmp_path):
    with pytest.raises(ModelError, match=r"Model file 'missing.yaml' not found"):
        JourneyModel.from_yaml("missing.yaml")
    with pytest.raises(ModelError, match=r"not found"):
        JourneyModel.from_yaml(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [A]\nloops: [[A, B]]\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"In .*bad.yaml: Loop \('A', 'B'\) names stage 'B'"):
        JourneyModel.from_yaml(bad)
    with pytest.raises(ParameterError, match=r"must be a path, a file object or YAML text"):
        JourneyModel.from_yaml(42)


def test_python_tag_is_refused_and_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match=r"uses a Python tag at line 1.*safe_load"):
        JourneyModel.from_yaml(MODELS / "python_tag.yaml")
    assert not (tmp_path / "pwned_by_yaml").exists()


def test_alias_bomb_fails_fast():
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match=r"expands to more than 200,000 nodes.*alias bomb"):
        JourneyModel.from_yaml(MODELS / "alias_bomb.yaml")
    assert time.perf_counter() - t0 < 1.0


def test_small_aliases_are_fine():
    text = "stages: &s [A, B]\nrequired: *s\nactivities: {a: A, b: B}\n"
    assert JourneyModel.from_yaml(text).required == ("A", "B")


# -- property: random valid models round-trip exactly --------------------------
_names = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=10
).filter(lambda s: s.strip() != "")


@st.composite
def models(draw):
    stages = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    acts = draw(st.lists(_names, max_size=8, unique=True))
    activities = {a: draw(st.sampled_from(stages)) for a in acts}
    required = draw(st.lists(st.sampled_from(stages), unique=True))
    start = draw(st.none() | st.lists(st.sampled_from(stages), min_size=1, unique=True))
    back = [(stages[i], stages[j]) for i in range(len(stages)) for j in range(i)]
    loops = draw(st.lists(st.sampled_from(back), unique=True)) if back else []
    pairs = [(a, b) for a in acts for b in acts]
    transitions = draw(st.none() | st.lists(st.sampled_from(pairs), unique=True)) if pairs else None
    purchase = draw(st.lists(st.sampled_from(acts), unique=True)) if acts else []
    returns = draw(st.lists(st.sampled_from(acts), unique=True)) if acts else []
    name = draw(st.none() | _names)
    return JourneyModel(
        stages=stages, activities=activities, required=required, start=start, loops=loops,
        transitions=transitions, purchase=purchase, returns=returns, name=name,
    )  # fmt: skip


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_models_round_trip_exactly(m):
    assert JourneyModel.from_dict(m.to_dict()) == m
    back = JourneyModel.from_yaml(m.to_yaml())
    assert back == m
    assert back.to_dict() == m.to_dict()  # orders kept too


# -- pm4py ---------------------------------------------------------------------
def _net(tree_text):
    pm4py = pytest.importorskip("pm4py")
    return pm4py.convert_to_petri_net(pm4py.parse_process_tree(tree_text))


def test_from_petri_net_derives_stages_by_depth():
    net, im, fm = _net("->('ad', X('view', 'compare'), 'buy')")
    m = JourneyModel.from_petri_net(net, im, fm, name="n")
    assert m.stages == ("Stage 1", "Stage 2", "Stage 3")
    assert m.activities == {
        "ad": "Stage 1",
        "compare": "Stage 2",
        "view": "Stage 2",
        "buy": "Stage 3",
    }
    assert m.start == ("Stage 1",) and m.loops == () and m.name == "n"
    assert m.petri_net == (net, im, fm)


def test_from_petri_net_loops_and_silent_skips():
    net, im, fm = _net("->('ad', *('view', 'back'), X('buy', tau), 'review')")
    m = JourneyModel.from_petri_net(net, im, fm)
    assert m.activities["view"] == "Stage 2"
    assert m.activities["review"] == m.activities["buy"] == "Stage 3"  # buy can be skipped
    assert m.loops == (("Stage 3", "Stage 2"),)  # back -> view


def test_from_petri_net_with_names_and_mappings():
    net, im, fm = _net("->('ad', X('view', 'compare'), 'buy')")
    named = JourneyModel.from_petri_net(net, im, fm, stages=["Awareness", "Consideration", "Buy"])
    assert named.stage_of("compare") == "Consideration"
    mapped = JourneyModel.from_petri_net(
        net, im, fm, activities={"ad": "Pre", "view": "Pre", "compare": "Pre", "buy": "Post"},
        purchase=["buy"],
    )  # fmt: skip
    assert mapped.stages == ("Pre", "Post") and mapped.purchase == ("buy",)
    with pytest.raises(ModelError, match=r"has 3 levels .* but 2 stage names were given"):
        JourneyModel.from_petri_net(net, im, fm, stages=["A", "B"])
    with pytest.raises(ModelError, match=r"visible transitions \['buy'\] have no stage"):
        JourneyModel.from_petri_net(
            net, im, fm, activities={"ad": "A", "view": "A", "compare": "A"}
        )
    with pytest.raises(ParameterError, match=r"must be a pm4py PetriNet. Got dict"):
        JourneyModel.from_petri_net({}, im, fm)


def test_from_petri_net_without_visible_transitions():
    pm4py = pytest.importorskip("pm4py")
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet("empty")
    p0, p1 = PetriNet.Place("p0"), PetriNet.Place("p1")
    t = PetriNet.Transition("t", None)
    net.places.update({p0, p1})
    net.transitions.add(t)
    petri_utils.add_arc_from_to(p0, t, net)
    petri_utils.add_arc_from_to(t, p1, net)
    assert pm4py  # imported for the skip
    with pytest.raises(ModelError, match=r"no visible \(labelled\) transition"):
        JourneyModel.from_petri_net(net, Marking({p0: 1}), Marking({p1: 1}))


def test_from_bpmn_fixture():
    pytest.importorskip("pm4py")
    m = JourneyModel.from_bpmn(MODELS / "journey.bpmn")
    assert m.name == "journey"
    assert m.activities["See ad"] == "Stage 1"
    assert m.activities["View product"] == m.activities["Compare products"] == "Stage 2"
    assert [m.stage_of(a) for a in ("Add to cart", "Pay", "Write review")] == [
        "Stage 3",
        "Stage 4",
        "Stage 5",
    ]
    net, im, fm = m.petri_net
    assert {t.label for t in net.transitions if t.label} == set(m.activities)
    # the model without its net still round-trips through YAML
    assert JourneyModel.from_yaml(m.to_yaml()) == m


def test_from_bpmn_errors(tmp_path):
    pytest.importorskip("pm4py")
    with pytest.raises(ModelError, match=r"BPMN file '.*nope.bpmn' not found"):
        JourneyModel.from_bpmn(tmp_path / "nope.bpmn")
    bad = tmp_path / "bad.bpmn"
    bad.write_text("this is not xml", encoding="utf-8")
    with pytest.raises(ModelError, match=r"Could not read '.*bad.bpmn' as a BPMN 2.0 model"):
        JourneyModel.from_bpmn(bad)


def test_pm4py_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pm4py", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "journeymine\[pm4py\]"'):
        JourneyModel.from_bpmn(MODELS / "journey.bpmn")
    with pytest.raises(MissingDependencyError, match=r"from_petri_net\(\) needs pm4py"):
        JourneyModel.from_petri_net(None, None, None)


# -- issue 13: a model with only stages; does a model fit a log? -----------------------


def test_stages_are_the_only_required_key():
    model = JourneyModel(stages=["Awareness", "Purchase"])
    assert model.activities == {} and model.required == ("Awareness", "Purchase")
    assert model == JourneyModel.from_dict({"stages": ["Awareness", "Purchase"]})


@pytest.mark.parametrize(
    ("model", "log_acts", "known", "patterns"),
    [
        (
            JourneyModel(stages=["A"], activities={101: "A", 102: "A"}),
            ["101", "102", "9"],
            0,
            ["None of the log's 3 activities", "'101', '102', '9'", "model activities: 101, 102"]
            + ["numbers while the log's are text", "quote them in the YAML"],
        ),
        (
            JourneyModel(stages=["A"], activities={"101": "A"}),
            [101, 102],
            0,
            ["The log's activities are numbers while the model's are text", "astype\\(str\\)"],
        ),
        (
            JourneyModel(stages=["A"], activities={"View product": "A"}, name="shop"),
            ["view product", "Buy"],
            0,
            ["activity of model 'shop'", "differ only in upper/lower case"],
        ),
        (
            JourneyModel(stages=["A"], activities={"x": "A", "q": "A"}),
            ["x", "y"],
            3,
            [r"Only 3 of 100 events \(3.0%\)", "written for this log"],
        ),
        (
            JourneyModel(stages=["A"]),
            ["x"],
            0,
            ["model activities: none", "The model lists no activities"],
        ),
    ],
)
def test_coverage_warning_names_both_sides_and_the_cause(model, log_acts, known, patterns):
    import re

    from journeymine.model import _coverage_warning

    text = _coverage_warning(model, log_acts, known, 100)
    assert text is not None
    for pattern in patterns:
        assert re.search(pattern, text), (pattern, text)


def test_coverage_warning_is_silent_when_the_model_fits():
    import warnings

    from journeymine.errors import JourneymineWarning
    from journeymine.model import _coverage_warning, warn_coverage

    model = JourneyModel(stages=["A"], activities={"x": "A"})
    assert _coverage_warning(model, ["x", "y"], 5, 100) is None  # 5 % is enough
    assert _coverage_warning(model, ["x"], 0, 0) is None  # an empty log
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_coverage(model, ["x"], 10, 10)
    with pytest.warns(JourneymineWarning, match="None of the log's 1 activities"):
        warn_coverage(model, ["y"], 0, 10)
