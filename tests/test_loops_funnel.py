"""Tests for find_loops, loop_summary (loops.py), funnel and stage_durations (funnel.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine.errors import JourneymineWarning, LogError, ParameterError
from journeymine.funnel import funnel, stage_durations
from journeymine.log import from_pandas
from journeymine.loops import KINDS, find_loops, loop_summary
from journeymine.model import JourneyModel

from reference_patterns import order_events, reference_funnel, reference_loops
from strategies import examples, spread_duplicates

DAY = pd.Timedelta(days=1)

MODEL = JourneyModel(
    stages=["Awareness", "Consideration", "Decision", "Purchase", "Retention"],
    activities={
        "ad": "Awareness",
        "view": "Consideration",
        "cart": "Decision",
        "buy": "Purchase",
        "return": "Retention",
        "support": "Retention",
    },
    loops=[("Decision", "Consideration"), ("Retention", "Purchase")],
    purchase=["buy"],
    returns=["return"],
)


def make_log(journeys: dict[str, list[str]], *, start: str = "2025-01-01", **columns):
    """A log with one event per day per case, in the order given."""
    rows = [
        (case, act, pd.Timestamp(start) + i * DAY)
        for case, acts in journeys.items()
        for i, act in enumerate(acts)
    ]
    df = pd.DataFrame(rows, columns=["customer", "touchpoint", "ts"])
    for name, values in columns.items():
        df[name] = values
    return from_pandas(
        df,
        case="customer",
        activity="touchpoint",
        timestamp="ts",
        stage="stage" if "stage" in columns else None,
        channel="channel" if "channel" in columns else None,
    )


def rows(loops: pd.DataFrame, kind: str | None = None) -> list[tuple]:
    sub = loops if kind is None else loops[loops["kind"] == kind]
    return list(zip(sub["case"], sub["position"], sub["kind"].astype(str), strict=True))


# -- find_loops: one kind at a time ------------------------------------------
def test_run_of_three_is_one_self_loop_of_length_three():
    loops = find_loops(make_log({"a": ["x", "x", "x"]}))
    assert rows(loops) == [("a", 0, "self_loop")]
    assert loops["length"].tolist() == [3]


def test_a_b_a_is_one_rework():
    loops = find_loops(make_log({"a": ["A", "B", "A"]}))
    assert rows(loops) == [("a", 2, "rework")]
    assert loops["activity"].tolist() == ["A"]
    assert loops["timestamp"].tolist() == [pd.Timestamp("2025-01-03")]


def test_a_a_is_a_self_loop_not_a_rework():
    loops = find_loops(make_log({"a": ["A", "A"]}))
    assert rows(loops) == [("a", 0, "self_loop")]


def test_aabaa_has_one_rework_and_two_self_loops():
    loops = find_loops(make_log({"a": ["A", "A", "B", "A", "A"]}))
    assert rows(loops) == [("a", 0, "self_loop"), ("a", 3, "self_loop"), ("a", 3, "rework")]
    assert loops["length"].tolist()[:2] == [2, 2]


def test_loops_do_not_cross_cases():
    loops = find_loops(make_log({"a": ["A", "B"], "b": ["B", "A"], "c": ["A"]}))
    assert loops.empty


def test_return_before_any_purchase_is_not_a_return():
    log = make_log({"a": ["return", "buy", "return", "return"], "b": ["return"]})
    loops = find_loops(log, purchase="buy", returns=["return"])
    assert rows(loops, "return") == [("a", 2, "return"), ("a", 3, "return")]


def test_second_and_third_purchases_are_repeats_with_intervals():
    df = pd.DataFrame(
        {
            "c": ["a"] * 5 + ["b"],
            "act": ["buy", "view", "buy", "view", "buy", "buy"],
            "ts": [
                "2025-01-01",
                "2025-01-02",
                "2025-01-04",
                "2025-01-05",
                "2025-01-10",
                "2025-01-01",
            ],
        }
    )
    log = from_pandas(df, case="c", activity="act", timestamp="ts")
    loops = find_loops(log, purchase=["buy"])
    repeats = loops[loops["kind"] == "repeat_purchase"]
    assert rows(repeats) == [("a", 2, "repeat_purchase"), ("a", 4, "repeat_purchase")]
    assert repeats["since_previous"].tolist() == [3 * DAY, 6 * DAY]
    others = loops[loops["kind"] != "repeat_purchase"]
    assert others["since_previous"].isna().all()


def test_purchases_and_returns_come_from_the_model():
    log = make_log({"a": ["buy", "return", "buy"]})
    loops = find_loops(log, model=MODEL)
    assert ("a", 1, "return") in rows(loops)
    assert ("a", 2, "repeat_purchase") in rows(loops)


def test_keywords_override_the_model():
    log = make_log({"a": ["buy", "support", "buy", "support"]})
    loops = find_loops(log, model=MODEL, purchase=[], returns="support")
    assert rows(loops, "repeat_purchase") == []
    assert rows(loops, "return") == []  # no purchase, so no returns either
    loops = find_loops(log, model=MODEL, returns="support")
    assert rows(loops, "return") == [("a", 1, "return"), ("a", 3, "return")]


def test_stage_regression_allowed_and_not():
    # Decision -> Consideration is an allowed loop, Purchase -> Awareness is not.
    log = make_log({"a": ["ad", "view", "cart", "view", "buy", "ad"]})
    loops = find_loops(log, model=MODEL)
    reg = loops[loops["kind"] == "stage_regression"]
    assert reg["position"].tolist() == [3, 5]
    assert reg["from_stage"].tolist() == ["Decision", "Purchase"]
    assert reg["to_stage"].tolist() == ["Consideration", "Awareness"]
    assert reg["allowed"].tolist() == [True, False]
    other = loops[loops["kind"] != "stage_regression"]
    assert other["allowed"].isna().all() and other["from_stage"].isna().all()


def test_unknown_activities_are_ignored_for_regressions():
    # "chat" is unknown: cart -> chat -> view is a move Decision -> Consideration,
    # and view -> chat -> view is no move at all.
    log = make_log({"a": ["cart", "chat", "view", "chat", "view"], "b": ["chat", "ad"]})
    loops = find_loops(log, model=MODEL)
    reg = loops[loops["kind"] == "stage_regression"]
    assert reg["position"].tolist() == [2]
    assert reg["from_stage"].tolist() == ["Decision"]


def test_moves_within_a_stage_are_not_regressions():
    log = make_log({"a": ["return", "support", "return"]})
    assert rows(find_loops(log, model=MODEL), "stage_regression") == []


def test_regressions_from_the_stage_column_with_stages():
    log = make_log({"a": ["p", "q", "r", "s"]}, stage=["Awareness", "Decision", "Awareness", None])
    loops = find_loops(log, stages=["Awareness", "Consideration", "Decision"])
    reg = loops[loops["kind"] == "stage_regression"]
    assert reg["position"].tolist() == [2]
    assert reg["allowed"].tolist() == [False]
    assert rows(find_loops(log), "stage_regression") == []  # no order: not looked for


def test_stage_values_missing_from_stages_warn():
    log = make_log({"a": ["p", "q"]}, stage=["Awareness", "Purchse"])
    with pytest.warns(JourneymineWarning, match=r"\['Purchse'\].*not in stages"):
        loops = find_loops(log, stages=["Awareness", "Purchase"])
    assert loops.empty


def test_one_event_several_kinds_sorted_by_kind():
    log = make_log({"b": ["buy", "view", "buy"], "a": ["x", "x"]})
    loops = find_loops(log, model=MODEL)
    assert rows(loops) == [
        ("a", 0, "self_loop"),
        ("b", 1, "stage_regression"),  # Purchase -> Consideration
        ("b", 2, "rework"),
        ("b", 2, "repeat_purchase"),
    ]


EXPECTED_DTYPES = {
    "case": "str",
    "position": "int64",
    "timestamp": "datetime64[ns]",
    "activity": "str",
    "kind": "category",
    "length": "Int64",
    "since_previous": "timedelta64[ns]",
    "from_stage": "object",
    "to_stage": "object",
    "allowed": "boolean",
}


def test_empty_result_has_fixed_columns_and_dtypes():
    empty = find_loops(make_log({"a": ["ad", "view"]}), model=MODEL)
    full = find_loops(make_log({"a": ["buy", "buy", "ad"]}), model=MODEL)
    assert empty.empty and not full.empty
    for loops in (empty, full):
        assert {c: str(t) for c, t in loops.dtypes.items()} == EXPECTED_DTYPES
        assert list(loops["kind"].cat.categories) == list(KINDS)


def test_case_ids_keep_their_type_and_tz_aware_times_stay_aware():
    df = pd.DataFrame(
        {
            "c": [7, 7],
            "a": ["x", "x"],
            "t": ["2025-01-01T00:00:00+01:00", "2025-01-01T01:00:00+01:00"],
        }
    )
    loops = find_loops(from_pandas(df, case="c", activity="a", timestamp="t"))
    assert loops["case"].tolist() == [7]
    assert str(loops["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert loops["timestamp"].iloc[0] == pd.Timestamp("2024-12-31T23:00:00Z")


def test_ties_keep_input_order():
    df = pd.DataFrame({"c": ["a"] * 3, "a": ["x", "y", "x"], "t": ["2025-01-01"] * 3})
    loops = find_loops(from_pandas(df, case="c", activity="a", timestamp="t"))
    assert rows(loops) == [("a", 2, "rework")]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "shop"}, "'model' parameter of find_loops.. must be a JourneyModel"),
        ({"purchase": 5}, "'purchase' parameter of find_loops.. must be an activity"),
        ({"returns": 1.5}, "'returns' parameter"),
        ({"stages": "Awareness"}, "'stages' parameter of find_loops.. must be a list"),
        ({"stages": ["A", "B", "A"]}, r"lists \['A'\] more than once"),
        ({"stages": ["A"]}, "the log has none"),
        ({"model": MODEL, "stages": ["A"]}, "both model= and stages="),
    ],
)
def test_find_loops_errors(kwargs, match):
    log = make_log({"a": ["ad"]})
    with pytest.raises(ParameterError, match=match):
        find_loops(log, **kwargs)


def test_find_loops_needs_a_log():
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        find_loops(pd.DataFrame({"a": [1]}))


# -- property: the vectorised pass equals a per-case Python reference --------
@st.composite
def small_logs(draw):
    n_cases = draw(st.integers(1, 4))
    cases, acts, minutes = [], [], []
    for k in range(n_cases):
        size = draw(st.integers(1, 8))
        cases += [f"c{k}"] * size
        acts += draw(st.lists(st.sampled_from("ABCbr"), min_size=size, max_size=size))
        minutes += draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))  # ties
    perm = draw(st.permutations(range(len(cases))))
    df = pd.DataFrame(
        {
            "case": [cases[i] for i in perm],
            "act": [acts[i] for i in perm],
            "ts": [pd.Timestamp("2025-01-01") + pd.Timedelta(minutes=minutes[i]) for i in perm],
        }
    )
    return spread_duplicates(df, "case", "act", "ts")  # exact duplicates warn


PROPERTY_MODEL = JourneyModel(
    stages=["S0", "S1", "S2"],
    activities={"A": "S0", "B": "S1", "b": "S2", "r": "S1"},  # "C" is unknown
    loops=[("S2", "S1")],
    purchase=["b"],
    returns=["r"],
)
STAGE_OF = {"A": 0, "B": 1, "b": 2, "r": 1}


def as_rows(loops: pd.DataFrame) -> list[tuple]:
    out = []
    for row in loops.itertuples(index=False):
        detail = {
            "self_loop": row.length,
            "repeat_purchase": row.since_previous,
            "stage_regression": (
                None
                if row.from_stage is None
                else (
                    PROPERTY_MODEL.stage_index(row.from_stage),
                    PROPERTY_MODEL.stage_index(row.to_stage),
                    bool(row.allowed),
                )
            ),
        }.get(row.kind)
        out.append((row.case, row.position, row.kind, detail))
    return out


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_logs())
def test_find_loops_matches_the_reference(df):
    log = from_pandas(df, case="case", activity="act", timestamp="ts")
    journeys = order_events(df["case"].tolist(), df["act"].tolist(), df["ts"].tolist())
    expected = reference_loops(
        journeys, purchase="b", returns="r", stage_of=STAGE_OF, allowed=[(2, 1)]
    )
    loops = find_loops(log, model=PROPERTY_MODEL)
    assert as_rows(loops) == expected
    # and the per-case counts of rework and self-loop runs agree
    summary = loop_summary(log, model=PROPERTY_MODEL)
    for kind, column in (("rework", "reworks"), ("self_loop", "self_loops")):
        counts = {case: 0 for case in journeys}
        for case, _, k, _ in expected:
            counts[case] += k == kind
        assert summary[column].to_dict() == counts


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_logs())
def test_funnel_matches_the_reference(df):
    log = from_pandas(df, case="case", activity="act", timestamp="ts")
    journeys = order_events(df["case"].tolist(), df["act"].tolist(), df["ts"].tolist())
    expected = reference_funnel(journeys, STAGE_OF, 3)
    result = funnel(log, PROPERTY_MODEL)
    assert result["reached"].tolist() == [r["reached"] for r in expected]
    assert result["dropped_out"].tolist() == [r["dropped_out"] for r in expected]
    got = [None if pd.isna(x) else x for x in result["median_time_to_reach"]]
    assert got == [r["median_time_to_reach"] for r in expected]


# -- loop_summary ----------------------------------------------------------------
def test_loop_summary_by_hand():
    log = make_log(
        {
            "b": ["view", "buy", "return", "buy", "view", "view", "buy"],
            "a": ["ad"],
        }
    )
    summary = loop_summary(log, model=MODEL)
    assert summary.index.name == "case"
    assert summary.index.tolist() == ["a", "b"]
    b = summary.loc["b"]
    assert b["purchases"] == 3
    assert b["repeat_purchases"] == 2
    assert b["returns"] == 1
    assert b["returns_per_purchase"] == pytest.approx(1 / 3)
    assert b["self_loops"] == 1
    assert b["reworks"] == 3  # the 2nd and 3rd buy, and the first view of the view-view run
    assert b["median_time_between_purchases"] == 2.5 * DAY  # intervals 2 and 3 days
    a = summary.loc["a"]
    assert a["purchases"] == 0 and np.isnan(a["returns_per_purchase"])
    assert pd.isna(a["median_time_between_purchases"])
    assert summary[["self_loops", "purchases"]].dtypes.tolist() == ["int64", "int64"]


def test_loop_summary_joins_to_a_customer_table():
    log = make_log({"a": ["buy", "buy"], "b": ["ad"]})
    customers = pd.DataFrame({"customer_id": ["b", "a"], "segment": ["new", "vip"]})
    joined = customers.join(loop_summary(log, model=MODEL), on="customer_id")
    assert joined["repeat_purchases"].tolist() == [0, 1]


def test_loop_summary_errors():
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        loop_summary("log.csv")


# -- funnel --------------------------------------------------------------------
FUNNEL_MODEL = JourneyModel(
    stages=["Awareness", "Consideration", "Purchase"],
    activities={"ad": "Awareness", "view": "Consideration", "buy": "Purchase"},
)


def funnel_log():
    # a: ad d1, view d2, buy d4          -> furthest Purchase, last event d4
    # b: ad d1, view d3                  -> furthest Consideration, last event d3
    # c: ad d1                           -> furthest Awareness, last event d1
    # d: chat d1, buy d3 (skips stages)  -> furthest Purchase, last event d3
    # e: chat d1 (unknown only)          -> no stage
    df = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "b", "c", "d", "d", "e"],
            "act": ["ad", "view", "buy", "ad", "view", "ad", "chat", "buy", "chat"],
            "ts": [
                "2025-01-01",
                "2025-01-02",
                "2025-01-04",
                "2025-01-01",
                "2025-01-03",
                "2025-01-01",
                "2025-01-01",
                "2025-01-03",
                "2025-01-01",
            ],
        }
    )
    return from_pandas(df, case="c", activity="act", timestamp="ts")


def test_funnel_by_hand():
    result = funnel(funnel_log(), FUNNEL_MODEL)
    assert list(result.columns) == [
        "stage",
        "reached",
        "share",
        "conversion",
        "median_time_to_reach",
        "dropped_out",
        "without_previous",
    ]
    assert result["stage"].tolist() == ["Awareness", "Consideration", "Purchase"]
    assert result["reached"].tolist() == [3, 2, 2]
    assert result["share"].tolist() == pytest.approx([3 / 5, 2 / 5, 2 / 5])
    # Purchase: a and d buy, but only a viewed first: half of the 2 viewers bought
    assert result["conversion"].tolist() == pytest.approx([3 / 5, 2 / 3, 1 / 2])
    assert result["without_previous"].tolist() == [0, 0, 1]  # d skipped Consideration
    # Consideration: a 1 day, b 2 days; Purchase: a 3 days, d 2 days.
    assert result["median_time_to_reach"].tolist() == [0 * DAY, 1.5 * DAY, 2.5 * DAY]
    assert result["dropped_out"].tolist() == [1, 1, 2]
    assert result[["reached", "dropped_out"]].dtypes.tolist() == ["int64", "int64"]


def test_funnel_as_of_splits_open_from_dropped_out():
    # as_of d5 with a 1-day window: cases whose last event is on d4 or later are open.
    result = funnel(funnel_log(), FUNNEL_MODEL, as_of="2025-01-05", open_window="1D")
    assert result["open"].tolist() == [0, 0, 1]  # a
    assert result["dropped_out"].tolist() == [1, 1, 1]  # c, b, d
    # the default window is 30 days: everyone is still open
    result = funnel(funnel_log(), FUNNEL_MODEL, as_of="2025-01-05")
    assert result["open"].tolist() == [1, 1, 2]
    assert result["dropped_out"].tolist() == [0, 0, 0]
    # an aware as_of is compared in UTC: 2025-01-05 01:00+02:00 is 2025-01-04 23:00Z
    result = funnel(
        funnel_log(), FUNNEL_MODEL, as_of="2025-01-05T01:00+02:00", open_window=pd.Timedelta(0)
    )
    assert result["open"].tolist() == [0, 0, 0]


def test_funnel_empty_stage_and_no_previous():
    model = JourneyModel(
        stages=["Awareness", "Loyalty", "Purchase"],
        activities={"ad": "Awareness", "club": "Loyalty", "buy": "Purchase"},
    )
    result = funnel(make_log({"a": ["ad", "buy"]}), model)
    assert result["reached"].tolist() == [1, 0, 1]
    assert pd.isna(result["median_time_to_reach"].iloc[1])
    assert np.isnan(result["conversion"].iloc[2])  # previous stage reached by nobody


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"open_window": "10D"}, "'open_window' parameter of funnel.. needs as_of"),
        ({"as_of": "2025-01-02"}, "before the log's last event"),
        ({"as_of": "not a date"}, "'as_of' parameter of funnel.. must be a timestamp"),
        ({"as_of": 20250101}, "'as_of' parameter of funnel.. must be a timestamp"),
        ({"as_of": "2026-01-01", "open_window": "-1D"}, "non-negative duration"),
        (
            {"as_of": "2026-01-01", "open_window": "soon"},
            "'open_window' parameter of funnel.. must be a non-negative duration",
        ),
        (
            {"as_of": "2026-01-01", "open_window": 30},
            "'open_window' parameter of funnel.. must be a non-negative duration",
        ),
    ],
)
def test_funnel_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        funnel(funnel_log(), FUNNEL_MODEL, **kwargs)


def test_funnel_needs_a_model():
    with pytest.raises(
        ParameterError, match="'model' parameter of funnel.. must be a JourneyModel"
    ):
        funnel(funnel_log(), None)


# -- stage_durations ------------------------------------------------------------
def durations_log():
    # a: ad d1, view d2, chat d3 (unknown), view d4, ad d5, buy d6
    # b: ad d1, view d2
    return make_log(
        {"a": ["ad", "view", "chat", "view", "ad", "buy"], "b": ["ad", "view"]},
        channel=["web", "app", "web", "store", "web", "store", "email", "web"],
    )


def test_stage_durations_by_hand():
    out = stage_durations(durations_log(), FUNNEL_MODEL)
    assert list(out.columns) == ["case", "stage", "entered", "left", "duration"]
    assert out["case"].tolist() == ["a", "a", "a", "b", "b"]
    assert out["stage"].astype(str).tolist() == [
        "Awareness",
        "Consideration",
        "Purchase",
        "Awareness",
        "Consideration",
    ]
    d = pd.Timestamp("2025-01-01")
    # a's Awareness visit runs from d1 to after its last ad (d5), i.e. buy on d6;
    # Consideration from d2 to ad on d5 (the unknown chat does not leave it).
    assert out["entered"].tolist() == [d, d + DAY, d + 5 * DAY, d, d + DAY]
    assert out["left"].tolist()[:2] == [d + 5 * DAY, d + 4 * DAY]
    assert out["left"].isna().tolist() == [False, False, True, False, True]
    assert out["duration"].tolist()[:2] == [5 * DAY, 3 * DAY]
    assert out["duration"].tolist()[3] == DAY
    assert out["stage"].cat.ordered
    assert out["stage"].cat.categories.tolist() == list(FUNNEL_MODEL.stages)


def test_stage_durations_as_of_and_by_channel():
    out = stage_durations(durations_log(), FUNNEL_MODEL, by="channel", as_of="2025-01-11")
    assert list(out.columns) == ["case", "stage", "entered", "left", "duration", "channel", "open"]
    assert out["channel"].tolist() == ["web", "app", "store", "email", "web"]
    assert out["open"].tolist() == [False, False, True, False, True]
    # a entered Purchase on d6: open for 5 days at d11 (midnight); b Consideration since d2
    assert out["duration"].tolist()[2] == 5 * DAY
    assert out["duration"].tolist()[4] == 9 * DAY
    assert out["left"].isna().tolist() == [False, False, True, False, True]


def test_stage_durations_summary():
    """The summary is over visits (issue 15), with open visits censored (Kaplan-Meier).

    Before issue 15 it summarised one row per case and stage (first entry to leaving
    after the last event) and left open ones out: a's two Awareness stays were one
    5-day row. Now they are two 1-day visits, and b's open Consideration visit
    (censored at the log's last event, 4 days) keeps the median at a's 3 days.
    """
    summary = stage_durations(durations_log(), FUNNEL_MODEL, summary=True)
    assert list(summary.columns) == [
        "stage",
        "visits",
        "open",
        "median",
        "median_lo",
        "median_hi",
        "p90",
    ]
    assert summary["stage"].astype(str).tolist() == list(FUNNEL_MODEL.stages)
    assert summary["visits"].tolist() == [3, 2, 1]
    assert summary["open"].tolist() == [0, 1, 1]
    assert summary.loc[0, "median"] == DAY
    assert summary.loc[0, "p90"] == DAY
    assert summary.loc[1, "median"] == 3 * DAY
    assert pd.isna(summary.loc[1, "p90"])  # the curve stays at 1/2 after the censored visit
    assert summary.loc[2, ["median", "median_lo", "median_hi", "p90"]].isna().all()
    by = stage_durations(
        durations_log(), FUNNEL_MODEL, summary=True, by="channel", as_of="2025-01-20"
    )
    assert list(by.columns) == [
        "stage",
        "channel",
        "visits",
        "open",
        "median",
        "median_lo",
        "median_hi",
        "p90",
    ]
    assert by["open"].sum() == 2
    assert by["visits"].sum() == 6
    aw = by[by["stage"] == "Awareness"].set_index("channel")
    assert aw["visits"].to_dict() == {"email": 1, "web": 2}


def test_stage_durations_by_any_column():
    log = make_log({"a": ["ad", "view"]}, region=["north", "south"])
    out = stage_durations(log, FUNNEL_MODEL, by="region")
    assert out["region"].tolist() == ["north", "south"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"by": "channel"}, ParameterError, "needs a channel column"),
        ({"by": "regoin"}, LogError, "not found"),
        ({"by": "customer"}, ParameterError, "cannot be a grouping"),
        ({"by": 3}, ParameterError, "'by' parameter of stage_durations"),
        ({"summary": "yes"}, ParameterError, "'summary' parameter"),
        ({"as_of": "2024-01-01"}, ParameterError, "before the log's last event"),
    ],
)
def test_stage_durations_errors(kwargs, error, match):
    log = make_log({"a": ["ad", "view"]}, region=["north", "south"])
    with pytest.raises(error, match=match):
        stage_durations(log, FUNNEL_MODEL, **kwargs)


# -- smoke run on the shop data --------------------------------------------------------
def test_shop_smoke():
    datasets = pytest.importorskip("journeymine.datasets")
    try:
        log, model = datasets.load_shop(), datasets.shop_model()
    except (AttributeError, FileNotFoundError) as exc:  # pragma: no cover
        pytest.skip(f"shop data not available: {exc}")
    loops = find_loops(log, model=model)
    counts = loops["kind"].value_counts()
    assert counts["return"] > 0 and counts["repeat_purchase"] > 0
    assert (loops.loc[loops["kind"] == "repeat_purchase", "since_previous"] > pd.Timedelta(0)).all()
    summary = loop_summary(log, model=model)
    assert len(summary) == log.n_cases
    assert summary["returns"].sum() == counts["return"]
    result = funnel(log, model)
    required = result[result["stage"].isin(model.required)]
    assert (np.diff(required["reached"].to_numpy()) <= 0).all()
    assert result["dropped_out"].sum() <= log.n_cases
    durations = stage_durations(log, model, summary=True)
    assert (durations["median"].dropna() >= pd.Timedelta(0)).all()
