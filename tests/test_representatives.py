"""representatives: a brute-force plain-Python reference, engines, errors, size bound."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sowhat_helpers import engines_agree, shop_frame, split_merge

import journeymine as jm
from journeymine.errors import ParameterError
from journeymine.representatives import _Representatives

from strategies import examples

NAMES = {"case": "case", "activity": "activity", "timestamp": "timestamp"}


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def norm(a, b):
    return levenshtein(a, b) / max(len(a), len(b))


@st.composite
def sequence_logs(draw):
    seqs = draw(
        st.lists(st.lists(st.sampled_from("abcd"), min_size=1, max_size=5), min_size=1, max_size=9)
    )
    rows = [(c, a, i) for c, s in enumerate(seqs) for i, a in enumerate(s)]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(
        df["step"] * (df["case"] + 1), "h"
    )
    return df.drop(columns="step")


def greedy_reference(log, tolerance, coverage, k):
    """Cases represented, their distances, and that the choice is greedy-optimal each step."""
    events = log.to_pandas()
    seqs = {c: tuple(g["activity"]) for c, g in events.groupby("case", sort=True)}
    variants = {}
    for c, s in seqs.items():
        variants.setdefault(s, []).append(c)
    return seqs, variants


@settings(max_examples=examples(60), deadline=None)
@given(sequence_logs(), st.sampled_from([0.0, 0.25, 0.34, 0.5]), st.sampled_from([0.5, 0.8, 1.0]))
def test_matches_reference(df, tolerance, coverage):
    log = jm.from_pandas(df, **NAMES)
    table, assign = jm.representatives(log, tolerance=tolerance, coverage=coverage, assign=True)
    seqs, variants = greedy_reference(log, tolerance, coverage, None)
    n = len(seqs)
    reps = list(table["sequence"])
    # each case: nearest representative within tolerance
    for row in assign.itertuples(index=False):
        s = seqs[row.case]
        dists = [norm(s, r) for r in reps]
        ok = [d for d in dists if d <= tolerance + 1e-9]
        if ok:
            assert row.distance == pytest.approx(min(ok), abs=1e-6)
            assert dists[row.rep] == pytest.approx(min(ok), abs=1e-6)
        else:
            assert pd.isna(row.rep) and np.isnan(row.distance)
    counts = assign["rep"].value_counts().reindex(range(len(table)), fill_value=0)
    assert table["cases"].tolist() == counts.tolist()
    assert table["cases"].is_monotonic_decreasing
    covered = table["cases"].sum()
    assert covered >= coverage * n - 1e-9 or covered == sum(
        1 for s in seqs.values() if any(norm(s, v) <= tolerance + 1e-9 for v in variants)
    )
    assert table["cumulative_share"].iloc[-1] == pytest.approx(covered / n)
    for row in table.itertuples(index=False):
        assert row.sequence in variants
    # the first greedy step, by brute force: the variant representing the most cases
    gain = {
        v: sum(len(cs) for w, cs in variants.items() if norm(w, v) <= tolerance + 1e-9)
        for v in variants
    }
    one = jm.representatives(log, k=1, tolerance=tolerance)
    assert gain[one["sequence"].iloc[0]] == max(gain.values())
    assert one["cases"].iloc[0] == max(gain.values())


@settings(max_examples=examples(30), deadline=None)
@given(sequence_logs(), st.lists(st.integers(1, 8), max_size=3))
def test_split_by_cases_merges_exactly(df, cuts):
    log = jm.from_pandas(df, **NAMES)
    cuts = [c for c in cuts if c < log.n_cases]
    got = split_merge(_Representatives(None, 0.8, 0.3, 0), log, cuts)
    table, assign = jm.representatives(log, assign=True)
    pd.testing.assert_frame_equal(got[0], table)
    pd.testing.assert_frame_equal(got[1], assign)


def test_greedy_by_hand():
    paths = ["abcd"] * 3 + ["abce", "abd", "xyz", "xy", "q"]
    rows = [(c, a, i) for c, p in enumerate(paths) for i, a in enumerate(p)]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], "D")
    log = jm.from_pandas(df, **NAMES)
    table = jm.representatives(log, coverage=0.6, tolerance=0.34)
    assert table["sequence"].tolist() == [tuple("abcd")]
    assert table["cases"].tolist() == [5]
    assert table["median_duration"].iloc[0] == pd.Timedelta("3D")
    three = jm.representatives(log, k=3, tolerance=0.34)
    assert three["cases"].tolist() == [5, 2, 1]
    assert three["cumulative_share"].iloc[-1] == 1.0
    assert three["mean_distance"].iloc[1] == pytest.approx(1 / 6)
    exact = jm.representatives(log, k=2, tolerance=0.0)
    assert exact["cases"].tolist() == [3, 1]


def test_engines_agree():
    pytest.importorskip("dask")
    df = shop_frame(4000)
    names = dict(case="customer_id", activity="touchpoint", timestamp="timestamp")
    engines_agree(lambda log: jm.representatives(log, assign=True), df, **names)


def test_bounded_by_variants_not_cases():
    """Duplicating every case 50 times changes no sequence and no share."""
    df = shop_frame(3000)
    base = jm.from_pandas(df, case="customer_id", activity="touchpoint", timestamp="timestamp")
    copies = pd.concat(
        [df.assign(customer_id=df["customer_id"] + f"-{i}") for i in range(50)], ignore_index=True
    )
    big = jm.from_pandas(copies, case="customer_id", activity="touchpoint", timestamp="timestamp")
    with pytest.warns(jm.JourneymineWarning, match="hardly repeat"):  # long shop journeys
        a, b = jm.representatives(base), jm.representatives(big)
    assert a["sequence"].tolist() == b["sequence"].tolist()
    np.testing.assert_allclose(a["share"], b["share"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 10_000}, "only .* variants"),
        ({"k": 0}, "'k'"),
        ({"k": 2.5}, "'k'"),
        ({"coverage": 0}, r"\(0, 1\]"),
        ({"coverage": 1.2}, r"\(0, 1\]"),
        ({"tolerance": -0.1}, "'tolerance'"),
        ({"assign": 1}, "'assign'"),
        ({"seed": "x"}, "'seed'"),
    ],
)
def test_errors(kwargs, match):
    log = jm.datasets.load_shop()
    with pytest.raises(ParameterError, match=match):
        jm.representatives(log, **kwargs)


# -- the greedy contract, by brute force; many variants; the limit (issues 28, 29) --------


def cases_within(seq, variants, tolerance):
    """Cases (by variant) a journey represents: normalised distance <= tolerance."""
    return {v for v in variants if norm(v, seq) <= tolerance + 1e-9}


@settings(max_examples=20, deadline=None)
@given(sequence_logs(), st.sampled_from([0.0, 0.25, 0.34, 0.5]), st.sampled_from([0.5, 0.8, 1.0]))
def test_each_choice_is_greedy_by_brute_force(df, tolerance, coverage):
    """k=1, 2, ... grow one journey at a time; each gains the most uncovered cases."""
    log = jm.from_pandas(df, **NAMES)
    _, variants = greedy_reference(log, tolerance, coverage, None)
    weight = {v: len(cs) for v, cs in variants.items()}
    n = sum(weight.values())
    covered: set = set()
    previous: set = set()
    gained = []
    for k in range(1, len(variants) + 1):
        chosen = set(jm.representatives(log, k=k, tolerance=tolerance)["sequence"])
        assert previous < chosen and len(chosen) == k
        (new,) = chosen - previous
        gain = {
            v: sum(weight[w] for w in cases_within(v, variants, tolerance) - covered)
            for v in variants
            if v not in previous
        }
        best = max(gain.values())
        assert gain[new] == best
        # ties: the more frequent journey
        assert weight[new] == max(weight[v] for v, g in gain.items() if g == best)
        covered |= cases_within(new, variants, tolerance)
        gained.append(best)
        previous = chosen
    # without k: the fewest greedy steps reaching the coverage, or all that gain a case
    running = np.cumsum(gained)
    reach = np.flatnonzero(running >= coverage * n - 1e-9)
    expected = reach[0] + 1 if reach.size else int(np.count_nonzero(np.asarray(gained) > 0))
    table = jm.representatives(log, tolerance=tolerance, coverage=coverage)
    assert len(table) == expected
    assert not table.attrs["sampled"] and table.attrs["complete"]


def many_variants_frame(n_cases, seed=0):
    """Random journeys over 12 activities, 4 to 14 events: nearly every case its own variant."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(4, 15, n_cases)
    case = np.repeat(np.arange(n_cases), sizes)
    acts = np.array(list("abcdefghijkl"), dtype=object)[rng.integers(0, 12, sizes.sum())]
    step = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return pd.DataFrame(
        {
            "case": case,
            "activity": acts,
            "timestamp": pd.Timestamp("2025-01-01") + pd.to_timedelta(step, "h"),
        }
    )


@pytest.mark.slow
def test_many_variants_compare_few_pairs():
    """20,000 variants: far fewer pairs than all of them, and the result keeps its contract."""
    log = jm.from_pandas(many_variants_frame(21_000), **NAMES)
    with pytest.warns(jm.JourneymineWarning, match="candidates"):
        table, assign = jm.representatives(log, coverage=0.3, tolerance=0.3, assign=True)
    attrs = table.attrs
    assert attrs["variants"] > 20_000 and attrs["sampled"]
    # no all-pairs comparison: each candidate against variants of a similar length only
    assert attrs["candidates"] < attrs["variants"] / 2
    assert attrs["pairs"] < attrs["candidates"] * attrs["variants"]
    assert table["cumulative_share"].iloc[-1] >= 0.3
    counts = assign["rep"].value_counts().reindex(range(len(table)), fill_value=0)
    assert table["cases"].tolist() == counts.tolist()
    # a sample of cases: the distance to the journey it is assigned to, by brute force
    events = log.to_pandas()
    seqs = events.groupby("case", sort=True)["activity"].agg(tuple)
    reps = list(table["sequence"])
    for row in assign.sample(10, random_state=0).itertuples(index=False):
        dists = [norm(seqs[row.case], r) for r in reps]
        ok = [d for d in dists if d <= 0.3 + 1e-9]
        if ok:
            assert row.distance == pytest.approx(min(ok), abs=1e-6)
        else:
            assert pd.isna(row.rep)


@settings(max_examples=15, deadline=None)
@given(sequence_logs(), st.sampled_from([0.25, 0.5]), st.sampled_from([0.5, 1.0]))
def test_candidate_rounds_keep_the_contract(df, tolerance, coverage):
    """With 2 candidates a round: coverage reached, every case at its nearest chosen journey."""
    mod = importlib.import_module("journeymine.representatives")

    log = jm.from_pandas(df, **NAMES)
    seqs, variants = greedy_reference(log, tolerance, coverage, None)
    old = mod._MAX_CANDIDATES, mod._EXACT_PAIRS
    mod._MAX_CANDIDATES, mod._EXACT_PAIRS = 2, 0
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table, assign = jm.representatives(
                log, tolerance=tolerance, coverage=coverage, assign=True
            )
    finally:
        mod._MAX_CANDIDATES, mod._EXACT_PAIRS = old
    n = len(seqs)
    assert table.attrs["sampled"] == (len(variants) > 2)
    assert any("candidates" in str(w.message) for w in caught) == (len(variants) > 2)
    assert table["cumulative_share"].iloc[-1] >= coverage - 1e-9  # every case can represent itself
    reps = list(table["sequence"])
    assert len(set(reps)) == len(reps) and all(r in variants for r in reps)
    for row in assign.itertuples(index=False):
        dists = [norm(seqs[row.case], r) for r in reps]
        ok = [d for d in dists if d <= tolerance + 1e-9]
        if ok:
            assert row.distance == pytest.approx(min(ok), abs=1e-6)
            assert dists[row.rep] == pytest.approx(min(ok), abs=1e-6)
        else:
            assert pd.isna(row.rep)
    counts = assign["rep"].value_counts().reindex(range(len(table)), fill_value=0)
    assert table["cases"].tolist() == counts.tolist()
    assert table["cumulative_share"].iloc[-1] == pytest.approx(table["cases"].sum() / n)


def test_limit_on_compared_pairs(monkeypatch):
    mod = importlib.import_module("journeymine.representatives")

    log = jm.from_pandas(many_variants_frame(300), **NAMES)
    monkeypatch.setattr(mod, "_MAX_PAIRS", 1_000)
    with pytest.raises(ParameterError, match=r"(?s)variants.*limit of 1,000.*filter the cases"):
        jm.representatives(log)
    # a first round within the limit, the next one past it: stopped, and said so
    monkeypatch.setattr(mod, "_MAX_CANDIDATES", 5)
    monkeypatch.setattr(mod, "_EXACT_PAIRS", 0)
    monkeypatch.setattr(mod, "_MAX_PAIRS", 10 * 300)
    with pytest.warns(jm.JourneymineWarning, match="stopped at its limit"):
        table = jm.representatives(log, coverage=1.0)
    assert not table.attrs["complete"] and table.attrs["rounds"] >= 1
    assert table["cumulative_share"].iloc[-1] < 1.0


def test_a_first_round_past_the_limit_takes_fewer_candidates(monkeypatch):
    mod = importlib.import_module("journeymine.representatives")

    log = jm.from_pandas(many_variants_frame(300), **NAMES)
    monkeypatch.setattr(mod, "_EXACT_PAIRS", 0)
    monkeypatch.setattr(mod, "_MAX_CANDIDATES", 40)
    monkeypatch.setattr(mod, "_MIN_CANDIDATES", 2)
    seqs = jm.variants(log)["variant"].tolist()
    variants = mod._Variants(np.array([tuple(v) for v in seqs] + [()], dtype=object)[:-1])
    full = mod._pairs(variants, np.arange(80), 0.3)  # about the first round's pairs
    monkeypatch.setattr(mod, "_MAX_PAIRS", full // 3)
    with pytest.warns(jm.JourneymineWarning):
        table, assign = jm.representatives(log, coverage=0.5, assign=True)
    assert table.attrs["sampled"] and table.attrs["pairs"] <= full // 3
    assert table.attrs["candidates"] < 80 or table.attrs["rounds"] > 1
    # what is reported stays exact against the chosen journeys
    counts = assign["rep"].value_counts().reindex(range(len(table)), fill_value=0)
    assert table["cases"].tolist() == counts.tolist()


# -- issue 26: journeys that hardly repeat, and grouping activities ---------------------------
def _random_log(n_cases: int, n_acts: int, seed: int = 0) -> tuple[pd.DataFrame, jm.JourneyLog]:
    rng = np.random.default_rng(seed)
    rows = [
        (f"c{c:03d}", f"page {rng.integers(n_acts)}", i)
        for c in range(n_cases)
        for i in range(int(rng.integers(4, 9)))
    ]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="min")
    return df, jm.from_pandas(df, case="case", activity="activity", timestamp="ts")


def test_warns_when_nearly_every_variant_is_needed():
    _, log = _random_log(200, 30)
    with pytest.warns(jm.JourneymineWarning, match=r"sessionize.*activity_map") as caught:
        jm.representatives(log)
    assert caught[0].filename == __file__  # points at the caller's line
    # with k given, the user chose how many: no warning (warnings are errors here)
    jm.representatives(log, k=5)


@pytest.mark.parametrize("how", ["dict", "callable"])
def test_activity_map_equals_mapping_the_log_first(how: str):
    df, log = _random_log(150, 12, seed=1)
    groups = {f"page {i}": f"section {i % 3}" for i in range(12) if i != 5}  # page 5 kept
    mapping = groups if how == "dict" else (lambda a: groups.get(a, a))
    got, got_cases = jm.representatives(log, activity_map=mapping, k=3, assign=True)
    mapped = df.assign(activity=df["activity"].map(lambda a: groups.get(a, a)))
    ref = jm.from_pandas(mapped, case="case", activity="activity", timestamp="ts")
    want, want_cases = jm.representatives(ref, k=3, assign=True)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got_cases, want_cases)


def test_bad_activity_map_is_refused():
    with pytest.raises(jm.ParameterError, match="'activity_map' parameter"):
        jm.representatives(jm.datasets.load_shop(), activity_map=["a"])


def test_tolerance_one_represents_every_case():
    """tolerance=1 (the top of its range) is accepted: every journey is within it."""
    rows = [
        (c, a, i) for c, path in enumerate(["abcd", "abcd", "xy", "q"]) for i, a in enumerate(path)
    ]
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="D")
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    table = jm.representatives(log, tolerance=1.0, coverage=1.0)
    assert table["cases"].tolist() == [4]
    assert table["sequence"].tolist() == [("a", "b", "c", "d")]
