"""activity_over_time: plain-pandas reference on random logs and the bundled data, Dask, errors."""

from __future__ import annotations

import pandas as pd
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import LogError, ParameterError

from slice_support import dask_log, shop_frame, to_log
from strategies import journey_frames

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS = ["events", "active_cases", "new_cases", "ended_cases"]


def reference(df: pd.DataFrame, freq: str, by: str | None) -> pd.DataFrame:
    """From the contract, with pandas: per period (and value), events, cases with an event,
    cases whose first / last event (log order) falls in it; every period in the range."""
    df = df.assign(_row=range(len(df))).sort_values(["case", "timestamp", "_row"], kind="stable")
    ts = pd.to_datetime(df["timestamp"], utc=True).dt.tz_localize(None)
    df = df.assign(period=ts.dt.to_period(freq), value=df[by] if by else "")
    df = df[df["value"].notna()]
    keys = ["period", "value"]
    events = df.groupby(keys).size().rename("events")
    active = df.groupby(keys)["case"].nunique().rename("active_cases")
    firsts = df.groupby("case").head(1)
    lasts = df.groupby("case").tail(1)
    new = firsts.groupby(keys).size().rename("new_cases")
    ended = lasts.groupby(keys).size().rename("ended_cases")
    periods = pd.period_range(df["period"].min(), df["period"].max(), freq=freq)
    values = sorted(df["value"].unique(), key=str)
    grid = pd.MultiIndex.from_product([periods, values], names=keys)
    out = pd.concat([events, active, new, ended], axis=1).reindex(grid).fillna(0)
    out = out.astype("int64").reset_index()
    if by:
        out = out.rename(columns={"value": by})
        out[by] = out[by].astype(object)
    else:
        out = out.drop(columns="value")
    return out


@SETTINGS
@given(
    journey_frames(),
    st.sampled_from(["D", "W", "M"]),
    st.sampled_from([None, "activity", "channel"]),
)
def test_matches_reference(df, freq, by):
    got = jm.activity_over_time(to_log(df), freq, by=by)
    tm.assert_frame_equal(got, reference(df, freq, by))
    if by is None:
        assert got["new_cases"].sum() == got["ended_cases"].sum() == df["case"].nunique()
        assert got["events"].sum() == len(df)


@pytest.mark.parametrize(("freq", "by"), [("W", None), ("M", "channel"), ("D", "stage")])
def test_bundled_data(freq, by):
    log = jm.datasets.load_shop()
    frame = log.to_pandas().rename(
        columns={log.case: "case", log.activity: "activity", log.timestamp: "timestamp"}
    )
    got = jm.activity_over_time(log, freq, by=by)
    tm.assert_frame_equal(got, reference(frame, freq, by))


def test_sepsis_weeks():
    log = jm.datasets.load_sepsis()
    frame = log.to_pandas().rename(
        columns={log.case: "case", log.activity: "activity", log.timestamp: "timestamp"}
    )
    tm.assert_frame_equal(jm.activity_over_time(log, "W"), reference(frame, "W", None))


@pytest.mark.parametrize("npartitions", [1, 4])
def test_dask_equals_memory(npartitions):
    df = shop_frame(150).drop_duplicates(["case", "activity", "timestamp"])
    mem, dlog = to_log(df, channel="channel"), dask_log(df, npartitions, channel="channel")
    for kw in ({}, {"by": "channel"}, {"by": "activity"}):
        tm.assert_frame_equal(
            jm.activity_over_time(dlog, "W", **kw), jm.activity_over_time(mem, "W", **kw)
        )


def test_errors():
    log = to_log(shop_frame(20))
    with pytest.raises(ParameterError, match="'freq' parameter of activity_over_time"):
        jm.activity_over_time(log, "fortnight")
    with pytest.raises(ParameterError, match="'freq'"):
        jm.activity_over_time(log, 7)
    with pytest.raises(LogError, match="nope"):
        jm.activity_over_time(log, by="nope")
    with pytest.raises(ParameterError, match="case or timestamp"):
        jm.activity_over_time(log, by="case")
