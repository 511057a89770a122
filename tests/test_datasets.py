"""Tests of journeymine.datasets: the demo shop log and its designed journey."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.datasets import load_shop, shop_model, shop_model_dict, shop_model_path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_shop_data.py"
DATA_FILE = ROOT / "src" / "journeymine" / "datasets" / "shop.csv.gz"

COLUMNS = ["customer_id", "touchpoint", "timestamp", "channel", "stage"]
STAGES = ["Awareness", "Consideration", "Decision", "Purchase", "Retention", "Advocacy"]
CHANNELS = {"web", "app", "marketplace", "store", "email", "social", "call_center"}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The raw log with a parsed ``time`` column (not to be modified by tests)."""
    df = load_shop(as_frame=True)
    return df.assign(time=pd.to_datetime(df["timestamp"], format="%Y-%m-%dT%H:%M:%SZ", utc=True))


@pytest.fixture(scope="module")
def design() -> dict:
    return shop_model_dict()


def _reached(frame: pd.DataFrame) -> pd.Series:
    """Customers with at least one event in each stage, in stage order."""
    return frame.groupby("stage")["customer_id"].nunique().reindex(STAGES, fill_value=0)


def _first_order_time(frame: pd.DataFrame) -> pd.Series:
    return frame[frame["touchpoint"] == "Place order"].groupby("customer_id")["time"].min()


def _stage_moves(frame: pd.DataFrame, design: dict) -> pd.DataFrame:
    """Consecutive events of a customer whose touchpoints the design knows."""
    known = frame[frame["touchpoint"].isin(design["activities"])]
    stage = known["touchpoint"].map(design["activities"])
    moves = pd.DataFrame(
        {
            "customer_id": known["customer_id"],
            "source": stage.groupby(known["customer_id"]).shift(),
            "target": stage,
        }
    )
    return moves.dropna(subset=["source"])


# -- the table --------------------------------------------------------------


def test_columns_and_size(frame: pd.DataFrame) -> None:
    assert list(frame.columns[:5]) == COLUMNS
    assert frame["customer_id"].nunique() >= 5_000
    assert 30_000 <= len(frame) <= 45_000


def test_no_missing_or_empty_values(frame: pd.DataFrame) -> None:
    raw = frame[COLUMNS]
    assert not raw.isna().any().any()
    assert not (raw == "").any().any()


def test_values_are_well_formed(frame: pd.DataFrame) -> None:
    assert frame["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert frame["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert frame["time"].min() >= pd.Timestamp("2025-01-01", tz="UTC")
    assert frame["time"].max() < pd.Timestamp("2026-01-01", tz="UTC")
    assert set(frame["channel"]) == CHANNELS


def test_rows_are_sorted_by_customer_then_time(frame: pd.DataFrame) -> None:
    ordered = frame.sort_values(["customer_id", "time"], kind="stable")
    assert (ordered.index == frame.index).all()


def test_file_is_small() -> None:
    assert DATA_FILE.stat().st_size < 1_000_000


def test_frame_is_a_fresh_copy_each_time() -> None:
    first = load_shop(as_frame=True)
    first.loc[0, "customer_id"] = "changed"
    assert load_shop(as_frame=True).loc[0, "customer_id"] == "C00001"


# -- the design -------------------------------------------------------------


def test_model_dict(design: dict) -> None:
    assert design["name"] == "shop"
    assert design["stages"] == STAGES
    assert design["required"] == ["Awareness", "Consideration", "Decision", "Purchase"]
    assert design["start"] == ["Awareness"]
    assert design["purchase"] == ["Place order"]
    assert design["returns"] == ["Return item"]
    assert design["transitions"] is None
    assert set(design["activities"].values()) <= set(STAGES)
    assert set(design["purchase"]) | set(design["returns"]) <= set(design["activities"])
    for source, target in design["loops"]:
        assert STAGES.index(source) > STAGES.index(target), (source, target)
    assert ["Decision", "Consideration"] in design["loops"]
    assert ["Retention", "Purchase"] in design["loops"]
    assert ["Purchase", "Consideration"] not in design["loops"]


def test_model_dict_is_a_new_dict_each_time() -> None:
    shop_model_dict()["stages"].append("Churn")
    assert shop_model_dict()["stages"] == STAGES


def test_model_path() -> None:
    path = shop_model_path()
    assert isinstance(path, Path)
    assert path.name == "shop_model.yaml"
    assert path.is_file()


def test_shop_model_is_a_journey_model(design: dict) -> None:
    from journeymine.model import JourneyModel

    model = shop_model()
    assert isinstance(model, JourneyModel)
    assert list(model.stages) == STAGES
    assert dict(model.activities) == design["activities"]
    assert model.stage_of("Place order") == "Purchase"


def test_shop_model_equals_its_yaml() -> None:
    from journeymine.model import JourneyModel

    assert shop_model() == JourneyModel.from_dict(shop_model_dict())
    assert shop_model().to_dict() == JourneyModel.from_dict(shop_model().to_dict()).to_dict()


# -- the data against the design ---------------------------------------------


def test_every_stage_present(frame: pd.DataFrame) -> None:
    assert set(frame["stage"]) == set(STAGES)


def test_every_designed_touchpoint_present_with_its_stage(
    frame: pd.DataFrame, design: dict
) -> None:
    pairs = frame[["touchpoint", "stage"]].drop_duplicates()
    assert not pairs["touchpoint"].duplicated().any()  # one stage per touchpoint
    stage_of = dict(zip(pairs["touchpoint"], pairs["stage"], strict=True))
    for touchpoint, stage in design["activities"].items():
        assert stage_of.get(touchpoint) == stage, touchpoint
    assert 15 <= len(design["activities"]) <= 22


def test_a_few_unknown_touchpoints(frame: pd.DataFrame, design: dict) -> None:
    unknown = frame[~frame["touchpoint"].isin(design["activities"])]
    assert set(unknown["touchpoint"]) == {"Chatbot session", "Price drop alert"}
    assert 0 < len(unknown) < 0.01 * len(frame)


def test_funnel_drops_out_at_each_early_stage(frame: pd.DataFrame) -> None:
    reached = _reached(frame)
    n = frame["customer_id"].nunique()
    assert reached["Awareness"] > 0.9 * n
    conversion = reached / reached.shift()
    for stage in ["Consideration", "Decision", "Purchase"]:
        assert 0.55 <= conversion[stage] <= 0.75, (stage, conversion[stage])
    last_stage = frame.groupby("customer_id")["stage"].agg(lambda s: max(s, key=STAGES.index))
    assert (last_stage.value_counts()[["Awareness", "Consideration", "Decision"]] > 500).all()


def test_returns_after_purchase(frame: pd.DataFrame) -> None:
    first_order = _first_order_time(frame)
    returns = frame[frame["touchpoint"] == "Return item"]
    after = returns["time"] > returns["customer_id"].map(first_order)
    share = returns.loc[after, "customer_id"].nunique() / len(first_order)
    assert 0.08 <= share <= 0.16
    assert (frame["touchpoint"] == "Refund issued").any()


def test_a_few_returns_before_any_purchase(frame: pd.DataFrame) -> None:
    first_order = _first_order_time(frame)
    returns = frame[frame["touchpoint"] == "Return item"]
    order_time = returns["customer_id"].map(first_order)
    before = returns[order_time.isna() | (returns["time"] < order_time)]
    assert 0 < before["customer_id"].nunique() <= 0.01 * frame["customer_id"].nunique()


def test_repeat_purchases_weeks_apart(frame: pd.DataFrame) -> None:
    orders = frame[frame["touchpoint"] == "Place order"]
    per_customer = orders.groupby("customer_id").size()
    assert 0.2 <= (per_customer >= 2).mean() <= 0.3
    assert per_customer.max() <= 4
    gaps = orders.groupby("customer_id")["time"].diff().dropna()
    assert gaps.min() >= pd.Timedelta(days=7)


def test_stage_moves(frame: pd.DataFrame, design: dict) -> None:
    moves = _stage_moves(frame, design)
    pairs = set(zip(moves["source"], moves["target"], strict=True))
    assert ("Awareness", "Decision") in pairs  # direct buyers skip Consideration
    assert ("Decision", "Consideration") in pairs  # an allowed loop
    assert ("Purchase", "Consideration") in pairs  # a stage regression
    assert ("Retention", "Purchase") in pairs  # a repeat purchase


def test_some_journeys_start_outside_awareness(frame: pd.DataFrame) -> None:
    first = frame.groupby("customer_id")["stage"].first()
    assert 0 < (first != "Awareness").mean() < 0.05


def test_self_loops_and_rework(frame: pd.DataFrame) -> None:
    previous = frame.groupby("customer_id")["touchpoint"].shift()
    view = frame["touchpoint"] == "View product"
    assert (view & (previous == "View product")).sum() > 1_000
    assert (view & (previous == "Read reviews")).sum() > 100


def test_ties_in_time(frame: pd.DataFrame) -> None:
    ties = frame[frame.duplicated(["customer_id", "timestamp"], keep=False)]
    assert 0 < ties["customer_id"].nunique() < 0.05 * frame["customer_id"].nunique()
    assert {"Place order", "Pay"} <= set(ties["touchpoint"])


# -- the API ------------------------------------------------------------------


def test_load_shop_returns_a_journey_log(frame: pd.DataFrame) -> None:
    log = load_shop()
    assert isinstance(log, jm.JourneyLog)
    assert log.n_cases == frame["customer_id"].nunique()
    assert log.n_events == len(frame)
    assert set(log.activities) == set(frame["touchpoint"])


@pytest.mark.parametrize("as_frame", ["yes", 1, None])
def test_load_shop_rejects_a_non_bool(as_frame: object) -> None:
    with pytest.raises(jm.ParameterError, match="'as_frame' parameter of load_shop"):
        load_shop(as_frame=as_frame)  # type: ignore[call-overload]


def test_exported_names() -> None:
    assert sorted(jm.datasets.__all__) == [
        "load_sepsis",
        "load_shop",
        "shop_model",
        "shop_model_dict",
        "shop_model_path",
    ]


# -- reproducibility ----------------------------------------------------------


def test_script_regenerates_the_file_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "shop.csv.gz"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.read_bytes() == DATA_FILE.read_bytes()


# -- the real log (issue 13 item 10) ------------------------------------------------


def test_sepsis_sample_is_real_small_and_attributed() -> None:
    import journeymine as jm

    raw = jm.datasets.load_sepsis(as_frame=True)
    assert list(raw.columns) == ["patient", "activity", "timestamp", "department", "age"]
    log = jm.datasets.load_sepsis()  # no warning: no duplicates, one lifecycle
    assert (log.n_cases, log.n_events, len(log.activities)) == (300, 4178, 16)
    assert log.tz_aware and log.to_pandas()["age"].notna().sum() == 300
    doc = jm.datasets.load_sepsis.__doc__ or ""
    assert "CC BY 4.0" in doc and "10.4121/uuid:915d2bfb-7e84-49ad-a286-dc35f063a460" in doc
    path = Path(jm.datasets.__file__).with_name("sepsis_sample.csv.gz")
    assert path.stat().st_size < 60_000


def test_sepsis_sample_equals_the_first_cases_of_the_shared_log() -> None:
    import warnings

    import journeymine as jm

    from conftest import shared_data

    path = shared_data("sepsis.xes.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)  # 4 duplicates in the full log
        full = jm.read_xes(path)
    small = jm.datasets.load_sepsis()
    first = pd.unique(full._frame["case:concept:name"])[:300]
    cut = full.select_cases(np.flatnonzero(full.cases.isin(first)))
    g_cut, g_small = jm.discover(cut), jm.discover(small)
    pd.testing.assert_frame_equal(g_cut.edges, g_small.edges)
    pd.testing.assert_frame_equal(g_cut.nodes, g_small.nodes)
