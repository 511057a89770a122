"""conformance_drift: a change injected at a known week is flagged there, false flags are rare,
a plain-Python reference, engines, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sowhat_helpers import SIM_MODEL, engines_agree, journeys, sim_log, split_merge

import journeymine as jm
from journeymine.conformance import KINDS
from journeymine.drift import _Drift
from journeymine.errors import ParameterError

from strategies import logs_for, models

NAMES = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}


def test_change_is_flagged_at_its_week():
    hits = false = periods = 0
    runs = 20
    for seed in range(runs):
        df = journeys(3000, seed, weeks=10, p_dev=0.1, change_week=6, p_after=0.35)
        drift = jm.conformance_drift(sim_log(df), SIM_MODEL, freq="W")
        assert len(drift) == 10
        assert drift["period"].iloc[6].start_time == pd.Timestamp("2025-01-06") + pd.Timedelta(
            weeks=6
        )
        hits += bool(drift["changed"].iloc[6])
        others = drift["changed"].drop(index=6)
        false += int(others.sum())
        periods += len(others)
    assert hits / runs >= 0.95
    assert false / periods <= 0.03


def test_false_flags_rare_without_change():
    flags = periods = 0
    for seed in range(30):
        drift = jm.conformance_drift(sim_log(journeys(2000, seed, weeks=10)), SIM_MODEL)
        flags += int(drift["changed"].sum())
        periods += len(drift) - 1
    assert flags / periods <= 0.03


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=25, deadline=None)
@given(models(), st.data())
def test_matches_reference(model, data):
    df = data.draw(logs_for(model, max_cases=6))
    # spread the cases over days
    df["timestamp"] = df["timestamp"] + pd.to_timedelta(
        df["case"].str[1:].astype(int) * 2, unit="D"
    )
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    got = jm.conformance_drift(log, model, freq="D")
    cases = jm.check(log, model).cases.set_index("case")
    first = df.groupby("case")["timestamp"].min().dt.to_period("D")
    periods = pd.period_range(first.min(), first.max(), freq="D")
    assert list(got["period"]) == list(periods)
    for i, period in enumerate(periods):
        members = first.index[first == period]
        row = got.iloc[i]
        assert row["cases"] == len(members)
        if len(members) == 0:
            assert np.isnan(row["rate"]) and not row["changed"]
            continue
        k = int(cases.loc[members, "conforms"].sum())
        assert row["conforming"] == k
        assert row["rate"] == pytest.approx(k / len(members))
        lo, hi = wilson(k, len(members))
        assert row["lo"] == pytest.approx(lo, abs=1e-9)
        assert row["hi"] == pytest.approx(hi, abs=1e-9)
        for kind in KINDS:
            share = (cases.loc[members, kind] > 0).mean()
            assert row[f"{kind}_rate"] == pytest.approx(share)


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=30, deadline=None)
@given(models(), st.data(), st.lists(st.integers(1, 5), max_size=3))
def test_split_by_cases_merges_exactly(model, data, cuts):
    df = data.draw(logs_for(model, max_cases=6))
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    cuts = [c for c in cuts if c < log.n_cases]
    pd.testing.assert_frame_equal(
        split_merge(_Drift(model, "h", 0.95), log, cuts),
        jm.conformance_drift(log, model, freq="h"),
    )


def test_engines_agree():
    pytest.importorskip("dask")
    df = journeys(300, 2)
    engines_agree(lambda log: jm.conformance_drift(log, SIM_MODEL), df, **NAMES)
    engines_agree(
        lambda log: jm.conformance_drift(log, SIM_MODEL, freq="M", segment="channel"), df, **NAMES
    )


def test_segment():
    df = journeys(400, 1)
    log = sim_log(df)
    seg = jm.conformance_drift(log, SIM_MODEL, segment="channel")
    assert seg["group"].unique().tolist() == ["store", "web"]
    web = jm.conformance_drift(sim_log(df[df["channel"] == "web"]), SIM_MODEL)
    got = seg[seg["group"] == "web"].drop(columns="group").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, web)


def test_tz_aware_and_empty():
    df = journeys(50, 1)
    df["timestamp"] = df["timestamp"].dt.tz_localize("UTC")
    out = jm.conformance_drift(sim_log(df), SIM_MODEL, freq="D")
    assert out["cases"].sum() == 50


@pytest.mark.parametrize("freq", ["fortnight", 7, "", None])
def test_bad_freq(freq):
    with pytest.raises(ParameterError, match="pandas period frequency"):
        jm.conformance_drift(sim_log(journeys(10, 0)), SIM_MODEL, freq=freq)


def test_errors():
    log = sim_log(journeys(10, 0))
    with pytest.raises(ParameterError, match="'ci'"):
        jm.conformance_drift(log, SIM_MODEL, ci=1.5)
    with pytest.raises(ParameterError, match="'segment'"):
        jm.conformance_drift(log, SIM_MODEL, segment="nope")
    with pytest.raises(ParameterError, match="'model'"):
        jm.conformance_drift(log, None)


# -- issue 22: open cases, adjusted p-values ----------------------------------------------
def test_open_cases_are_left_out_and_counted():
    df = journeys(600, 5, weeks=6)
    log = sim_log(df)
    as_of = df["timestamp"].max() + pd.Timedelta("1D")
    drift = jm.conformance_drift(log, SIM_MODEL, freq="W", as_of=as_of, open_window="10D")
    # reference: a case is open when its last event is within 10 days before as_of
    last = df.groupby("case")["timestamp"].max()
    first = df.groupby("case")["timestamp"].min().dt.to_period("W")
    is_open = last >= as_of - pd.Timedelta("10D")
    conforms = jm.check(log, SIM_MODEL).cases.set_index("case")["conforms"]
    for row in drift.itertuples():
        members = first.index[first == row.period]
        assert row.open == int(is_open[members].sum())
        closed = members[~is_open[members].to_numpy()]
        assert row.cases == len(closed)
        assert row.conforming == int(conforms[closed].sum())
    assert drift["open"].sum() > 0
    # the adjusted p-values are Holm's over the periods, and changed is decided on them
    from journeymine._stats import adjust_p

    np.testing.assert_allclose(drift["p_adjusted"], adjust_p(drift["p_value"]), equal_nan=True)
    assert (drift["changed"] == (drift["p_adjusted"].fillna(1) < 0.01)).all()


def test_open_window_needs_as_of_and_adjust_is_checked():
    log = sim_log(journeys(50, 0))
    with pytest.raises(ParameterError, match="'open_window'.*needs as_of"):
        jm.conformance_drift(log, SIM_MODEL, open_window="30D")
    with pytest.raises(ParameterError, match="'adjust'"):
        jm.conformance_drift(log, SIM_MODEL, adjust="bonferroni")
    with pytest.raises(ParameterError, match="'as_of'.*before the log's last event"):
        jm.conformance_drift(log, SIM_MODEL, as_of="2000-01-01")
