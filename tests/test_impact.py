"""deviation_impact: simulation (null and a real effect), a plain-Python reference, engines, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sowhat_helpers import SIM_MODEL, engines_agree, journeys, sim_log, split_merge

import journeymine as jm
from journeymine.errors import ParameterError
from journeymine.impact import _Impact

from strategies import examples, logs_for, models

NAMES = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}


def _row(log: jm.JourneyLog, **kw) -> pd.Series:
    table = jm.deviation_impact(log, SIM_MODEL, **kw)
    return table.set_index(["kind"]).loc["unknown_activity"]


# -- simulation -------------------------------------------------------------------
def _null_coverage(runs: int) -> float:
    hits = 0
    for seed in range(runs):
        row = _row(sim_log(journeys(1500, seed)), seed=seed)
        hits += row["lo"] <= 0 <= row["hi"]
    return hits / runs


def test_null_interval_contains_zero_fast():
    """Deviations independent of the outcome: the 95 % interval holds 0 (20 runs, fast)."""
    assert _null_coverage(20) >= 0.85


@pytest.mark.slow
def test_null_interval_contains_zero_100_runs():
    assert _null_coverage(100) >= 0.90


def _halved_power(runs: int) -> float:
    hits = 0
    for seed in range(runs):
        row = _row(sim_log(journeys(1500, 1000 + seed, halve=True)), seed=seed)
        hits += (row["hi"] < 0) and row["diff"] < 0 and row["p_value"] < 0.05
    return hits / runs


def test_halved_conversion_is_flagged_fast():
    assert _halved_power(20) >= 0.95


@pytest.mark.slow
def test_halved_conversion_is_flagged_100_runs():
    assert _halved_power(100) >= 0.95


def test_halved_conversion_diff_is_about_half():
    log = sim_log(journeys(20000, 7, halve=True))
    row = _row(log)
    assert row["outcome_with"] == pytest.approx(row["outcome_without"] / 2, rel=0.15)
    assert row["impact"] == pytest.approx(row["diff"] * row["cases_with"])


def test_seeded():
    df = journeys(500, 3)
    df["revenue"] = np.random.default_rng(0).exponential(10, len(df))
    log = sim_log(df)
    a = jm.deviation_impact(log, SIM_MODEL, "revenue", seed=5)
    pd.testing.assert_frame_equal(a, jm.deviation_impact(log, SIM_MODEL, "revenue", seed=5))
    b = jm.deviation_impact(log, SIM_MODEL, "revenue", seed=6)
    assert (a[["lo", "hi"]].to_numpy() != b[["lo", "hi"]].to_numpy()).any()
    pd.testing.assert_series_equal(a["diff"], b["diff"])


# -- reference ----------------------------------------------------------------------
def _bin(k: int) -> int:
    """The documented activity stratum: exact below 8 earlier events, then quarter octaves."""
    return k if k < 8 else int(np.floor(4 * np.log2(k)))


def reference(df: pd.DataFrame, model: jm.JourneyModel, revenue: str) -> dict:
    """Counts, means and diff per (kind, stage) for a numeric outcome, one case at a time,
    from the landmark design of the docstring."""
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    dev = jm.check(log, model).deviations
    index = {s: i for i, s in enumerate(model.stages)}
    events = log.to_pandas()
    states: dict = {}  # case -> list of (k, ctx, revenue from k on)
    values: dict = {}
    for case, group in events.groupby("case", sort=True):
        acts, rev = list(group["activity"]), list(group[revenue].astype(float))
        values[case] = rev
        best, seen, out = -1, set(), []
        for k in range(len(acts) + 1):
            key = (max(best, 0), _bin(k))
            if key not in seen:
                seen.add(key)
                out.append((k, key, sum(rev[k:])))
            if k < len(acts) and acts[k] in model.activities:
                best = max(best, index[model.activities[acts[k]]])
        states[case] = out
    ctx_at: dict = {}
    for case, group in events.groupby("case", sort=True):
        best = -1
        for pos, act in enumerate(group["activity"]):
            ctx_at[(case, pos)] = max(best, 0)
            if act in model.activities:
                best = max(best, index[model.activities[act]])
    first: dict = {}
    for r in dev.itertuples():
        first.setdefault((r.kind, r.stage), {}).setdefault(r.case, r.position)
    out = {}
    for key, at in first.items():
        dev_rows = {c: ((ctx_at[(c, p)], _bin(p)), sum(values[c][p:])) for c, p in at.items()}
        comp: dict = {}
        for c, rows in states.items():
            for k, stratum, y in rows:
                if k < at.get(c, np.inf):
                    comp.setdefault(stratum, []).append((c, y))
        matched = [c for c, (s, _) in dev_rows.items() if s in comp]
        strata = {dev_rows[c][0] for c in matched}
        y0 = (
            sum(np.mean([y for _, y in comp[dev_rows[c][0]]]) for c in matched) / len(matched)
            if matched
            else np.nan
        )
        y1 = np.mean([dev_rows[c][1] for c in matched]) if matched else np.nan
        out[key] = {
            "cases_with": len(at),
            "cases_without": len({c for s in strata for c, _ in comp[s]}),
            "outcome_with": np.mean([y for _, y in dev_rows.values()]),
            "outcome_without": y0,
            "diff": y1 - y0,
            "unmatched": len(at) - len(matched),
        }
    return out


@st.composite
def model_and_log(draw):
    model = draw(models())
    acts = list(model.activities)
    purchase = draw(st.lists(st.sampled_from(acts), max_size=2, unique=True)) if acts else []
    model = jm.JourneyModel(
        stages=model.stages,
        activities=model.activities,
        required=model.required,
        start=model.start,
        loops=model.loops,
        transitions=model.transitions,
        purchase=purchase or None,
    )
    df = draw(logs_for(model, max_cases=6))
    df["revenue"] = draw(st.lists(st.integers(0, 3), min_size=len(df), max_size=len(df)))
    return model, df


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=examples(60), deadline=None)
@given(model_and_log())
def test_matches_reference(data):
    model, df = data
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    got = jm.deviation_impact(log, model, outcome="revenue", min_cases=1)
    got = got.set_index(["kind", "stage"])
    want = reference(df, model, "revenue")
    assert len(got) == len(want)
    for (kind, stage), row in want.items():
        g = got.loc[(kind, stage)]
        for col, value in row.items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(g[col]), col
            else:
                assert g[col] == pytest.approx(value), col
        if not np.isnan(g["diff"]):
            assert g["lo"] <= g["diff"] + 1e-9 <= g["hi"] + 2e-9
            assert g["impact"] == pytest.approx(g["diff"] * g["cases_with"])
            assert 0 < g["p_value"] <= 1


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=examples(40), deadline=None)
@given(model_and_log(), st.lists(st.integers(1, 5), max_size=3))
def test_split_by_cases_merges_exactly(data, cuts):
    model, df = data
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    kernel = _Impact(model, "revenue", 0.95, 0, min_cases=1)
    cuts = [c for c in cuts if c < log.n_cases]
    pd.testing.assert_frame_equal(
        split_merge(kernel, log, cuts),
        jm.deviation_impact(log, model, outcome="revenue", min_cases=1),
    )


def test_engines_agree():
    pytest.importorskip("dask")
    df = journeys(300, 2)
    engines_agree(lambda log: jm.deviation_impact(log, SIM_MODEL), df, **NAMES)
    df["revenue"] = np.arange(len(df)) % 7
    engines_agree(lambda log: jm.deviation_impact(log, SIM_MODEL, outcome="revenue"), df, **NAMES)


def test_outcome_series_and_column_agree():
    df = journeys(400, 4)
    df["revenue"] = (df["activity"] == "a4") * 10.0
    log = sim_log(df)
    series = df.groupby("case")["revenue"].sum()
    a = jm.deviation_impact(log, SIM_MODEL, outcome="revenue")
    b = jm.deviation_impact(log, SIM_MODEL, outcome=series)
    pd.testing.assert_frame_equal(a, b)
    conv = jm.deviation_impact(log, SIM_MODEL)
    assert a["diff"].iloc[0] == pytest.approx(10 * conv["diff"].iloc[0])


def test_stratification_removes_survivorship_bias():
    """A regression only cases far along can show: raw comparison flatters it, diff does not."""
    df = journeys(4000, 5, p_dev=0.0)
    rng = np.random.default_rng(0)
    # cases reaching S3 go back to S1 with probability 1/2, harmless
    at3 = df[df["activity"] == "a3"].sample(frac=0.5, random_state=1)
    back = at3.assign(activity="a1", timestamp=at3["timestamp"] + pd.Timedelta("1h"))
    df = pd.concat([df, back], ignore_index=True)
    del rng
    log = sim_log(df)
    row = jm.deviation_impact(log, SIM_MODEL).set_index("kind").loc["stage_regression"]
    naive = (
        row["outcome_with"]
        - jm.check(log, SIM_MODEL)
        .cases.assign(conv=lambda t: t["furthest_stage"] == "S4")["conv"]
        .mean()
    )
    assert naive > 0.3  # the regression looks great without strata
    assert row["lo"] <= 0 <= row["hi"]


# -- errors -------------------------------------------------------------------------
@pytest.fixture
def small():
    df = journeys(50, 0)
    df["label"] = "x"
    return df, sim_log(df)


def test_errors(small):
    df, log = small
    with pytest.raises(ParameterError, match="not numeric|must be numeric"):
        jm.deviation_impact(log, SIM_MODEL, outcome="label")
    with pytest.raises(ParameterError, match="does not have"):
        jm.deviation_impact(log, SIM_MODEL, outcome="nope")
    unknown = pd.Series(1.0, index=[*log.cases, "ghost"])
    with pytest.raises(ParameterError, match="not in the log.*ghost"):
        jm.deviation_impact(log, SIM_MODEL, outcome=unknown)
    with pytest.raises(ParameterError, match="no value for 1 cases"):
        jm.deviation_impact(log, SIM_MODEL, outcome=pd.Series(1.0, index=log.cases[1:]))
    with pytest.raises(ParameterError, match="must be numeric"):
        jm.deviation_impact(log, SIM_MODEL, outcome=pd.Series("a", index=log.cases))
    no_buy = jm.JourneyModel(stages=["S0"], activities={"a0": "S0"})
    with pytest.raises(ParameterError, match="no purchase activities"):
        jm.deviation_impact(log, no_buy)
    with pytest.raises(ParameterError, match="'ci'"):
        jm.deviation_impact(log, SIM_MODEL, ci=95)
    with pytest.raises(ParameterError, match="'model'"):
        jm.deviation_impact(log, "model")
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        jm.deviation_impact(df, SIM_MODEL)
    with pytest.raises(ParameterError, match="'seed'"):
        jm.deviation_impact(log, SIM_MODEL, seed="a")


def test_empty_and_conforming_logs():
    df = journeys(100, 0, p_dev=0.0)
    out = jm.deviation_impact(sim_log(df), SIM_MODEL)
    assert out.empty and list(out.columns)[:2] == ["kind", "stage"]


def test_a_model_that_does_not_fit_warns_once():
    log = sim_log(journeys(50, 0))
    other = jm.JourneyModel(stages=["A"], activities={"zzz": "A"}, purchase=["zzz"])
    with pytest.warns(jm.JourneymineWarning, match="unknown activity") as caught:
        jm.deviation_impact(log, other)
    assert len(caught) == 1


# -- issue 22: min_cases, strata, adjusted p-values, errors ----------------------------------
def test_rows_under_min_cases_have_counts_but_no_interval():
    df = journeys(400, 6, p_dev=0.02)
    log = sim_log(df)
    row = _row(log, min_cases=50)
    assert row["cases_with"] < 50 and not np.isnan(row["diff"])
    assert np.isnan(row["lo"]) and np.isnan(row["hi"]) and np.isnan(row["p_value"])
    assert np.isnan(row["p_adjusted"]) and "min_cases=50" in row["note"]
    full = _row(log, min_cases=1)
    assert full["diff"] == row["diff"] and full["note"] == "" and full["lo"] <= full["hi"]


def test_strata_column_and_series_agree_and_holm_adjusts_rows():
    df = journeys(800, 7)
    df["device"] = np.where(df["case"] % 3 == 0, "mobile", "desktop")
    log = sim_log(df)
    by_column = jm.deviation_impact(log, SIM_MODEL, strata="device")
    series = df.groupby("case")["device"].first()
    pd.testing.assert_frame_equal(by_column, jm.deviation_impact(log, SIM_MODEL, strata=series))
    from journeymine._stats import adjust_p

    np.testing.assert_allclose(
        by_column["p_adjusted"], adjust_p(by_column["p_value"]), equal_nan=True
    )
    bh = jm.deviation_impact(log, SIM_MODEL, strata="device", adjust="bh")
    np.testing.assert_allclose(bh["p_adjusted"], adjust_p(bh["p_value"], "bh"), equal_nan=True)


def test_conversion_ignores_deviations_after_the_first_purchase():
    df = journeys(300, 8, p_dev=0.0)
    buyers = df.loc[df["activity"] == "a4", ["case", "timestamp"]]
    after = buyers.assign(activity="x", timestamp=buyers["timestamp"] + pd.Timedelta("1h"))
    after["channel"] = "web"
    log = sim_log(pd.concat([df, after], ignore_index=True))
    table = jm.deviation_impact(log, SIM_MODEL)
    assert (table["kind"] != "unknown_activity").all()  # every x comes after a purchase
    revenue = jm.deviation_impact(log, SIM_MODEL, outcome=pd.Series(1.0, index=log.cases))
    assert (revenue["kind"] == "unknown_activity").any()  # a numeric outcome keeps them


def test_new_argument_errors(small):
    df, log = small
    with pytest.raises(ParameterError, match="'min_cases'"):
        jm.deviation_impact(log, SIM_MODEL, min_cases=0)
    with pytest.raises(ParameterError, match="'adjust'"):
        jm.deviation_impact(log, SIM_MODEL, adjust="none")
    with pytest.raises(ParameterError, match="'strata'"):
        jm.deviation_impact(log, SIM_MODEL, strata="no such column")
    with pytest.raises(ParameterError, match="'strata'.*one value per case"):
        jm.deviation_impact(log, SIM_MODEL, strata=pd.Series([1, 2], index=["0", "0"]))


@pytest.mark.parametrize("spread", [10, 1 << 30])
def test_stratum_codes_equal_unique_inverse(spread):
    """Counting over the key range codes the strata as np.unique(..., return_inverse) does."""
    from journeymine.impact import _stratum_codes

    rng = np.random.default_rng(2)
    dkey, ckey = rng.integers(0, spread, 50), rng.integers(0, spread, 300)
    keys, inv = np.unique(np.concatenate([dkey, ckey]), return_inverse=True)
    d, c, k = _stratum_codes(dkey, ckey)
    assert k == keys.size
    assert (d == inv[:50]).all() and (c == inv[50:]).all()
    empty = _stratum_codes(np.empty(0, np.int64), np.array([3, 3], dtype=np.int64))
    assert empty[0].size == 0 and empty[1].tolist() == [0, 0] and empty[2] == 1
