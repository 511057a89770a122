"""stage_visits and the Kaplan-Meier summary of stage_durations: reference, engines, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sowhat_helpers import SIM_MODEL, engines_agree, journeys, split_merge

import journeymine as jm
from journeymine.errors import ParameterError
from journeymine.funnel import _VisitSummary
from journeymine.visits import _Visits

from strategies import examples, logs_for, models

NAMES = {"case": "case", "activity": "activity", "timestamp": "timestamp"}


def reference(log, model, as_of=None, window=None):
    events = log.to_pandas()
    end = events["timestamp"].max()
    rows = []
    for case, g in events.groupby("case", sort=True):
        known = [
            (model.activities[a], t)
            for a, t in zip(g["activity"], g["timestamp"], strict=True)
            if a in model.activities
        ]
        last_any = g["timestamp"].max()
        runs = []
        for s, t in known:
            if runs and runs[-1][0] == s:
                continue
            runs.append([s, t])
        count: dict = {}
        for i, (s, t) in enumerate(runs):
            leave = runs[i + 1][1] if i + 1 < len(runs) else pd.NaT
            is_last = i + 1 == len(runs)
            is_open = is_last and (as_of is None or last_any >= as_of - window)
            if not is_last:
                duration = leave - t
            elif is_open:
                duration = (as_of if as_of is not None else end) - t
            else:
                duration = last_any - t
            rows.append((case, s, count.get(s, 0), t, leave, duration, is_open))
            count[s] = count.get(s, 0) + 1
    return rows


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=examples(60), deadline=None)
@given(models(), st.data(), st.booleans())
def test_matches_reference(model, data, with_as_of):
    df = data.draw(logs_for(model, max_cases=5))
    log = jm.from_pandas(df, **NAMES)
    as_of = df["timestamp"].max() + pd.Timedelta("3min") if with_as_of else None
    window = pd.Timedelta("2min")
    got = jm.stage_visits(log, model, as_of=as_of, open_window=window if with_as_of else None)
    want = reference(log, model, as_of, window)
    assert len(got) == len(want)
    for row, w in zip(got.itertuples(index=False), want, strict=True):
        assert (row.case, row.stage, row.visit, row.enter) == w[:4]
        assert (pd.isna(row.leave) and pd.isna(w[4])) or row.leave == w[4]
        assert (row.duration, row.open) == w[5:]


@pytest.mark.filterwarnings("ignore::journeymine.JourneymineWarning")  # random models may not fit
@settings(max_examples=examples(40), deadline=None)
@given(models(), st.data(), st.lists(st.integers(1, 4), max_size=3))
def test_split_by_cases_merges_exactly(model, data, cuts):
    df = data.draw(logs_for(model, max_cases=5))
    log = jm.from_pandas(df, **NAMES)
    cuts = [c for c in cuts if c < log.n_cases]
    pd.testing.assert_frame_equal(
        split_merge(_Visits(model, None, 0), log, cuts), jm.stage_visits(log, model)
    )
    pd.testing.assert_frame_equal(
        split_merge(_VisitSummary(model, None, None, None, 0.95), log, cuts),
        jm.stage_durations(log, model, summary=True),
    )


def test_engines_agree():
    pytest.importorskip("dask")
    df = journeys(300, 3).drop(columns="channel")
    engines_agree(lambda log: jm.stage_visits(log, SIM_MODEL), df, **NAMES)
    as_of = df["timestamp"].max() + pd.Timedelta("40D")
    engines_agree(
        lambda log: jm.stage_visits(log, SIM_MODEL, as_of=as_of, open_window="50D"), df, **NAMES
    )
    engines_agree(lambda log: jm.stage_durations(log, SIM_MODEL, summary=True), df, **NAMES)


def test_km_median_interval_covers_truth():
    """Exponential times in stage A, censored by the extraction date: the KM median's
    95 % interval holds the true median in about 95 % of runs; the naive median of the
    finished visits is biased low."""
    model = jm.JourneyModel(stages=["A", "B"], activities={"a": "A", "b": "B"})
    mean_days, n, runs = 10.0, 300, 60
    truth = pd.Timedelta(days=mean_days * np.log(2))
    hits, naive_low = 0, 0
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        start = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 40, n), unit="D")
        leave = start + pd.to_timedelta(rng.exponential(mean_days, n), unit="D")
        as_of = pd.Timestamp("2025-02-20")
        done = leave <= as_of
        df = pd.DataFrame(
            {
                "case": np.r_[np.arange(n), np.flatnonzero(done)],
                "activity": ["a"] * n + ["b"] * int(done.sum()),
                "timestamp": np.r_[start, leave[done]],
            }
        )
        log = jm.from_pandas(df, **NAMES)
        row = jm.stage_durations(log, model, summary=True, as_of=as_of, open_window="1000D")
        a = row.iloc[0]
        assert a["open"] == n - done.sum()
        hits += a["median_lo"] <= truth <= a["median_hi"]
        naive_low += (leave[done] - start[done]).median() < truth
    assert hits / runs >= 0.88
    assert naive_low / runs >= 0.9


def test_repeat_purchases_are_separate_visits():
    model = jm.JourneyModel(
        stages=["Purchase", "Retention"], activities={"buy": "Purchase", "mail": "Retention"}
    )
    days = pd.date_range("2025-01-01", periods=8, freq="30D")
    df = pd.DataFrame({"case": 1, "activity": ["buy", "mail"] * 4, "timestamp": days})
    visits = jm.stage_visits(jm.from_pandas(df, **NAMES), model)
    assert visits["visit"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert (visits["duration"] == pd.Timedelta("30D")).iloc[:-1].all()
    assert visits["open"].tolist() == [False] * 7 + [True]


def test_errors():
    log = jm.from_pandas(journeys(5, 0).drop(columns="channel"), **NAMES)
    with pytest.raises(ParameterError, match="needs as_of"):
        jm.stage_visits(log, SIM_MODEL, open_window="3D")
    with pytest.raises(ParameterError, match="before the log's last event"):
        jm.stage_visits(log, SIM_MODEL, as_of="2000-01-01")
    with pytest.raises(ParameterError, match="'open_window'"):
        jm.stage_visits(log, SIM_MODEL, as_of="2030-01-01", open_window=-1)
    with pytest.raises(ParameterError, match="'model'"):
        jm.stage_visits(log, {})
    with pytest.raises(ParameterError, match="summary=True"):
        jm.stage_durations(log, SIM_MODEL, open_window="3D")
    with pytest.raises(ParameterError, match="'ci'"):
        jm.stage_durations(log, SIM_MODEL, summary=True, ci=2)


@settings(max_examples=examples(100), deadline=None)
@given(
    visits=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5)), min_size=1, max_size=80),
    n_cells=st.sampled_from([6, 2048, 1 << 20]),
)
def test_case_patterns_group_equal_multisets(visits, n_cells):
    """Two cases share a pattern exactly when their cells are equal as multisets (plain Python)."""
    from journeymine.visits import _case_patterns

    case_ids = sorted({c for c, _ in visits})
    codes = np.array([case_ids.index(c) for c, _ in visits], dtype=np.int64)
    cells = np.array([x for _, x in visits], dtype=np.int64)
    pattern, sizes = _case_patterns(codes, cells, len(case_ids), n_cells)
    bags = [sorted(x for c, x in visits if c == k) for k in case_ids]
    for i in range(len(case_ids)):
        for j in range(len(case_ids)):
            same = bags[i] == bags[j]
            # cases with more visits than one key holds keep a pattern of their own
            if len(bags[i]) * np.log2(n_cells + 1) > 62 and i != j:
                same = False
            assert (pattern[i] == pattern[j]) == same
    assert sizes.sum() == len(case_ids)
    assert (np.bincount(pattern, minlength=sizes.size) == sizes).all()


def _reference_cluster_interval(d, is_open, case, resamples, seed):
    """Plain resampling of cases (index draws), Kaplan–Meier median by a loop over the times."""
    rng = np.random.default_rng(seed)
    ids = np.unique(case)
    medians = []
    for _ in range(resamples):
        drawn = rng.choice(ids, ids.size)
        weight = {c: 0 for c in ids}
        for c in drawn:
            weight[c] += 1
        w = np.array([weight[c] for c in case], dtype=float)
        surv = 1.0
        median = np.inf
        for t in np.unique(d):
            at_risk = w[d >= t].sum()
            dead = w[(d == t) & ~is_open].sum()
            if at_risk > 0:
                surv *= 1 - dead / at_risk
            if surv <= 0.5 + 1e-12:
                median = t
                break
        medians.append(median)
    return np.quantile(medians, [0.025, 0.975], method="inverted_cdf")


def test_cluster_median_interval_matches_plain_case_resampling():
    """The pattern-wise multinomial draws give the interval of drawing every case."""
    from journeymine.visits import cluster_median_interval

    rng = np.random.default_rng(3)
    n = 60
    visits = 1 + rng.poisson(1.5, n)
    case = np.repeat(np.arange(n), visits)
    level = rng.integers(1, 6, n)  # few distinct times: many cases share a pattern
    d = (level[case] + rng.integers(0, 3, case.size)).astype(np.int64)
    is_open = rng.random(case.size) < 0.1
    want = _reference_cluster_interval(d, is_open, case, 4000, 0)
    lows, highs = [], []
    for seed in range(10):
        lo, hi = cluster_median_interval(d, is_open, case, 0.95, np.random.default_rng(seed))
        lows.append(lo)
        highs.append(hi)
    # the ends are times of the data; over 10 seeds they sit on the reference's ends
    assert np.median(lows) == want[0]
    assert np.median(highs) == want[1]
