"""sequence_patterns: frequent ordered subsequences (gaps allowed) and the outcome they predict."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import journeymine as jm

from strategies import journey_frames, spread_duplicates


# -- references ---------------------------------------------------------------------------
def journeys_of(df: pd.DataFrame) -> dict[str, list[str]]:
    """Each case's activities ordered by (timestamp, input row)."""
    df = df.reset_index(drop=True).assign(_row=lambda d: range(len(d)))
    df = df.sort_values(["case", "timestamp", "_row"], kind="stable")
    return {c: list(g["activity"]) for c, g in df.groupby("case", sort=True)}


def contains(seq: list[str], pattern: tuple[str, ...]) -> bool:
    it = iter(seq)
    return all(any(a == b for b in it) for a in pattern)


def brute_force(journeys: dict[str, list[str]], min_support: float, max_length: int) -> dict:
    """Every subsequence of every journey, counted once per case, kept if frequent."""
    counts: dict[tuple[str, ...], int] = {}
    for seq in journeys.values():
        subs = set()
        for n in range(1, min(max_length, len(seq)) + 1):
            subs.update(itertools.combinations(seq, n))
        for s in subs:
            counts[s] = counts.get(s, 0) + 1
    n_cases = len(journeys)
    return {p: c for p, c in counts.items() if c >= min_support * n_cases - 1e-9}


def _log(df: pd.DataFrame) -> jm.JourneyLog:
    return jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")


def _frames() -> st.SearchStrategy[pd.DataFrame]:
    return journey_frames(max_cases=10, max_events=7).map(
        lambda f: spread_duplicates(f, "case", "activity", "timestamp")
    )


# -- supports -------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=_frames(),
    min_support=st.sampled_from([0.1, 0.25, 0.5, 1.0]),
    max_length=st.integers(1, 4),
)
def test_supports_equal_brute_force(
    frame: pd.DataFrame, min_support: float, max_length: int
) -> None:
    want = brute_force(journeys_of(frame), min_support, max_length)
    got = jm.sequence_patterns(_log(frame), min_support=min_support, max_length=max_length)
    assert dict(zip(got["pattern"], got["cases"], strict=True)) == want
    assert (got["length"] == got["pattern"].map(len)).all()
    n = frame["case"].nunique()
    np.testing.assert_allclose(got["support"], got["cases"] / n)
    # ranked: most cases first, then shorter
    keys = list(zip(-got["cases"], got["length"], strict=True))
    assert keys == sorted(keys)


def test_supports_equal_the_prefixspan_package() -> None:
    prefixspan = pytest.importorskip(
        "prefixspan", reason="the prefixspan package (test extra) is not installed"
    )
    rng = np.random.default_rng(3)
    rows = []
    for c in range(300):
        size = rng.integers(1, 12)
        acts = rng.choice(list("abcdefg"), size=size, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05])
        rows += [(f"c{c:03d}", a, i) for i, a in enumerate(acts)]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="min")
    journeys = journeys_of(df)
    for min_support, max_length in [(0.05, 4), (0.2, 3), (0.5, 6)]:
        ps = prefixspan.PrefixSpan(list(journeys.values()))
        ps.maxlen = max_length
        minsup = math.ceil(min_support * len(journeys) - 1e-9)
        want = {tuple(p): s for s, p in ps.frequent(minsup)}
        got = jm.sequence_patterns(_log(df), min_support=min_support, max_length=max_length)
        assert dict(zip(got["pattern"], got["cases"], strict=True)) == want


# -- outcomes -------------------------------------------------------------------------------
def reference_outcomes(
    journeys: dict[str, list[str]], outcome: pd.Series, patterns: list[tuple[str, ...]]
) -> pd.DataFrame:
    """Plain pandas: contains per case, means by group, the test the contract names, BH."""
    known = outcome.dropna()
    binary = bool(known.isin([0, 1]).all())
    rows = []
    for p in patterns:
        has = pd.Series({c: contains(s, p) for c, s in journeys.items()}).reindex(known.index)
        with_, without = known[has], known[~has]
        if len(with_) and len(without):
            if binary:
                a, b = int(with_.sum()), len(with_) - int(with_.sum())
                c, d = int(without.sum()), len(without) - int(without.sum())
                pv = stats.fisher_exact([[a, b], [c, d]]).pvalue
            else:
                pv = stats.mannwhitneyu(with_, without, alternative="two-sided").pvalue
        else:
            pv = np.nan
        rows.append(
            {
                "pattern": p,
                "outcome_with": with_.mean() if len(with_) else np.nan,
                "outcome_without": without.mean() if len(without) else np.nan,
                "lift": (with_.mean() / known.mean()) if len(with_) and known.sum() else np.nan,
                "p_value": pv,
            }
        )
    cols = ["pattern", "outcome_with", "outcome_without", "lift", "p_value"]
    out = pd.DataFrame(rows, columns=cols).astype({c: float for c in cols[1:]})
    ok = out["p_value"].notna()
    out["p_adjusted"] = np.nan
    if ok.any():
        out.loc[ok, "p_adjusted"] = stats.false_discovery_control(out.loc[ok, "p_value"])
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=_frames(), numeric=st.booleans(), data=st.data())
def test_series_outcome_columns_equal_pandas(
    frame: pd.DataFrame, numeric: bool, data: st.DataObject
) -> None:
    cases = sorted(frame["case"].unique())
    draw = st.floats(0, 100, allow_nan=False) if numeric else st.integers(0, 1)
    values = data.draw(st.lists(draw, min_size=len(cases), max_size=len(cases)))
    outcome = pd.Series(values, index=cases, dtype=float)
    if len(cases) > 2:
        outcome = outcome.drop(cases[0])  # a case without outcome: left out of the columns
    got = jm.sequence_patterns(_log(frame), min_support=0.2, max_length=3, outcome=outcome)
    want = reference_outcomes(journeys_of(frame), outcome, list(got["pattern"]))
    cols = ["outcome_with", "outcome_without", "lift", "p_value", "p_adjusted"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=False, rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=_frames())
def test_activity_outcome_mines_what_precedes_it(frame: pd.DataFrame) -> None:
    journeys = journeys_of(frame)
    cut = {c: s[: s.index("buy")] if "buy" in s else s for c, s in journeys.items()}
    reached = pd.Series({c: float("buy" in s) for c, s in journeys.items()})
    got = jm.sequence_patterns(_log(frame), min_support=0.2, max_length=3, outcome="buy")
    assert dict(zip(got["pattern"], got["cases"], strict=True)) == brute_force(cut, 0.2, 3)
    assert not any("buy" in p for p in got["pattern"])
    want = reference_outcomes(cut, reached, list(got["pattern"]))
    cols = ["outcome_with", "outcome_without", "lift", "p_value", "p_adjusted"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=False, rtol=1e-9, atol=1e-12)
    # ranked by lift among the significant ones, then the rest by lift
    sig = (got["p_adjusted"] < 0.05).to_numpy()
    assert not (np.diff(sig.astype(int)) > 0).any()
    for block in (got[sig], got[~sig]):
        lift = block["lift"].fillna(-np.inf).to_numpy()
        assert (np.diff(lift[np.isfinite(lift)]) <= 1e-12).all()


def test_shop_purchase_patterns_from_the_model() -> None:
    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    got = jm.sequence_patterns(log, model=model, min_support=0.1, top=10)
    assert len(got) == 10
    assert not any(set(p) & set(model.purchase) for p in got["pattern"])
    assert got.columns.tolist() == [
        "pattern", "length", "cases", "support",
        "outcome_with", "outcome_without", "lift", "p_value", "p_adjusted",
    ]  # fmt: skip
    same = jm.sequence_patterns(log, outcome=list(model.purchase), min_support=0.1, top=10)
    pd.testing.assert_frame_equal(got, same)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_support": 0}, "'min_support' parameter"),
        ({"min_support": 1.5}, "'min_support' parameter"),
        ({"max_length": 0}, "'max_length' parameter"),
        ({"top": 2.5}, "'top' parameter"),
        ({"outcome": []}, "at least one activity"),
        ({"outcome": pd.Series(["x"], index=["c1"])}, "must hold numbers"),
        ({"outcome": pd.Series([1, 0], index=["c1", "c1"])}, "one value per case id"),
        ({"model": "shop"}, "'model' parameter"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(jm.ParameterError, match=match):
        jm.sequence_patterns(jm.datasets.load_shop(), **kwargs)


# -- calibration: flagged patterns under no effect, and power under one -------------------------
def _random_journeys(rng: np.random.Generator, n_cases: int) -> tuple[pd.DataFrame, dict]:
    rows, journeys = [], {}
    for c in range(n_cases):
        seq = list(rng.choice(list("abcdef"), size=int(rng.integers(2, 7))))
        journeys[f"c{c:03d}"] = seq
        rows += [(f"c{c:03d}", a, i) for i, a in enumerate(seq)]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="min")
    return df, journeys


@pytest.mark.slow
def test_calibration_no_effect_and_a_planted_effect() -> None:
    runs = 60
    false_flags = found = 0
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        df, journeys = _random_journeys(rng, 300)
        log = _log(df)
        null = pd.Series(rng.random(len(journeys)) < 0.3, index=list(journeys)).astype(float)
        table = jm.sequence_patterns(log, min_support=0.05, max_length=2, outcome=null)
        false_flags += bool((table["p_adjusted"] < 0.05).any())
        has = pd.Series({c: contains(s, ("a", "b")) for c, s in journeys.items()})
        effect = (rng.random(len(journeys)) < np.where(has, 0.6, 0.2)).astype(float)
        table = jm.sequence_patterns(
            log, min_support=0.05, max_length=2, outcome=pd.Series(effect, index=has.index)
        )
        row = table[table["pattern"].map(lambda p: p == ("a", "b"))].iloc[0]
        found += bool(row["p_adjusted"] < 0.05 and row["lift"] > 1)
    print(f"runs with a false flag: {false_flags / runs:.1%}; (a, b) found: {found / runs:.1%}")
    assert false_flags / runs <= 0.10  # BH under the global null: at most alpha, plus noise
    assert found / runs >= 0.95
