"""sessionize: cases cut where the gap to the previous event exceeds ``gap``."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

from strategies import journey_frames, spread_duplicates


def reference_sessions(df: pd.DataFrame, gap: str) -> pd.DataFrame:
    """Plain pandas: sort by (case, time, input row); a session starts where diff > gap."""
    out = df.reset_index(drop=True).copy()
    out["_row"] = range(len(out))
    out = out.sort_values(["case", "timestamp", "_row"], kind="stable")
    diff = out.groupby("case")["timestamp"].diff()
    new = diff.isna() | (diff > pd.Timedelta(gap))
    k = new.astype(int).groupby(out["case"]).cumsum()
    out["parent_case"] = out["case"]
    out["case"] = [f"{c}#{n}" for c, n in zip(out["parent_case"], k, strict=True)]
    out = out.sort_values(["case", "timestamp", "_row"], kind="stable")
    return out.drop(columns="_row").reset_index(drop=True)


def _log(df: pd.DataFrame) -> jm.JourneyLog:
    return jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=journey_frames(), gap=st.sampled_from(["0s", "1h", "2h", "1D", "30D"]))
def test_sessionize_equals_pandas_reference(frame: pd.DataFrame, gap: str) -> None:
    # hours apart: many ties (diff 0) and many diffs exactly equal to the gap
    frame = spread_duplicates(frame, "case", "activity", "timestamp")
    got = jm.sessionize(_log(frame), gap=gap).to_pandas()
    want = reference_sessions(frame, gap)
    pd.testing.assert_frame_equal(got, want[got.columns.tolist()], check_dtype=False)
    assert got.columns.tolist() == [*frame.columns, "parent_case"]


def test_gap_exactly_equal_stays_in_the_session() -> None:
    frame = pd.DataFrame(
        {
            "case": [7, 7, 7, 7],
            "activity": ["a", "b", "c", "d"],
            "timestamp": pd.to_datetime(
                ["2025-01-01 10:00", "2025-01-01 10:30", "2025-01-01 10:30", "2025-01-01 11:01"]
            ),
        }
    )
    sessions = jm.sessionize(_log(frame), gap="30min")
    table = sessions.case_table()
    assert table["case"].tolist() == ["7#1", "7#2"]
    assert table["events"].tolist() == [3, 1]
    assert table["parent_case"].tolist() == [7, 7]


def test_shop_sessions_keep_columns_and_events() -> None:
    log = jm.datasets.load_shop()
    sessions = jm.sessionize(log, gap="1D")
    assert sessions.n_events == log.n_events
    assert sessions.n_cases > log.n_cases
    assert sessions.stage == log.stage and sessions.channel == log.channel
    assert set(sessions.case_table()["parent_case"]) == set(log.cases)


@pytest.mark.parametrize("gap", [-1, "soon", pd.Timedelta("-1h")])
def test_bad_gap_is_refused(gap: object) -> None:
    with pytest.raises(jm.ParameterError, match="'gap' parameter of sessionize"):
        jm.sessionize(jm.datasets.load_shop(), gap=gap)


def test_a_second_parent_case_is_refused() -> None:
    sessions = jm.sessionize(jm.datasets.load_shop(), gap="1D")
    with pytest.raises(jm.ParameterError, match="has one already"):
        jm.sessionize(sessions)


def test_not_a_log_is_refused() -> None:
    with pytest.raises(jm.ParameterError, match="expects a JourneyLog"):
        jm.sessionize(pd.DataFrame())


@pytest.mark.parametrize("npartitions", [1, 3])
def test_dask_sessions_equal_memory(npartitions: int) -> None:
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    log = jm.datasets.load_shop()
    frame = log.to_pandas().iloc[:3000]
    frame = frame.drop_duplicates([log.case, log.activity, log.timestamp]).reset_index(drop=True)
    kw = {"case": log.case, "activity": log.activity, "timestamp": log.timestamp}
    mem = jm.sessionize(jm.from_pandas(frame, stage="stage", channel="channel", **kw), gap="6h")
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = jm.from_dask(
            dd.from_pandas(frame, npartitions=npartitions), stage="stage", channel="channel", **kw
        )
        got = jm.sessionize(dlog, gap="6h")
        assert got.n_events == mem.n_events
        pd.testing.assert_frame_equal(got.compute().to_pandas(), mem.to_pandas())
        pd.testing.assert_frame_equal(got.case_table(), mem.case_table())
        pd.testing.assert_frame_equal(jm.variants(got), jm.variants(mem))
        pd.testing.assert_frame_equal(
            jm.sequence_patterns(got, min_support=0.05), jm.sequence_patterns(mem, min_support=0.05)
        )


@pytest.mark.parametrize(
    "cases",
    [
        ["a"] * 12 + ["b"] * 3,  # k reaches 12: "a#10" sorts before "a#2"
        ["a", "a", "a b", "a b"],  # "a#1" sorts after "a b#1" though "a" < "a b"
        [2, 2, 10, 10, 10],  # numbers: 2 < 10 but "10#1" < "2#1"
        ["x!", "x!", "x", "x"],  # "!" sorts before "#"
    ],
)
def test_session_ids_sort_as_text(cases: list) -> None:
    n = len(cases)
    frame = pd.DataFrame(
        {
            "case": cases,
            "activity": [f"a{i % 3}" for i in range(n)],
            # every event 2 h after the previous one: each event its own session at gap 1h
            "timestamp": pd.Timestamp("2025-01-01")
            + pd.to_timedelta([2 * i for i in range(n)], "h"),
        }
    )
    got = jm.sessionize(_log(frame), gap="1h")
    want = reference_sessions(frame, "1h")
    pd.testing.assert_frame_equal(got.to_pandas(), want, check_dtype=False)
    assert got.cases.tolist() == sorted(want["case"].unique())
    assert got.case_sizes.sum() == n
    assert (got.case_offsets[1:] - got.case_offsets[:-1] == got.case_sizes).all()


def test_sessionize_a_filtered_log_keeps_its_rows() -> None:
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b", "b"],
            "activity": ["x", "y", "x", "z", "y"],
            "timestamp": pd.to_datetime(
                [
                    "2025-01-01 10:00",
                    "2025-01-01 12:00",
                    "2025-01-01 09:00",
                    "2025-01-01 09:10",
                    "2025-01-02 09:00",
                ]
            ),
        }
    )
    log = jm.filter_events(_log(frame), activities=["x", "y"])
    got = jm.sessionize(log, gap="1h")
    want = reference_sessions(frame[frame["activity"] != "z"], "1h")
    pd.testing.assert_frame_equal(got.to_pandas(), want, check_dtype=False)
    assert jm.variants(got)["cases"].sum() == got.n_cases == 4


def test_transform_that_merges_cases_orders_their_events_by_time():
    """engine.transform_log with a case column that joins two cases: events in time order."""
    from journeymine.engine import transform_log

    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b"],
            "activity": ["x", "y", "z", "w"],
            "timestamp": pd.to_datetime(
                ["2025-01-01 10:00", "2025-01-01 12:00", "2025-01-01 09:00", "2025-01-01 11:00"]
            ),
        }
    )

    def one_case(log):
        return {log.case: ["m"] * log.n_events}

    merged = transform_log(_log(frame), one_case, None, "test")
    got = merged.to_pandas()
    assert got["activity"].tolist() == ["z", "x", "w", "y"]
    assert merged.cases.tolist() == ["m"]
    assert merged.case_offsets.tolist() == [0, 4]
