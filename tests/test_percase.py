"""The per-case primitives of ``journeymine._percase`` against plain-Python references.

Each reference is written from the rule (issue 21: "each rule in one place"),
one case at a time with dicts and lists, not from the vectorised code.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from journeymine import _percase as pc

from strategies import examples

# -- drawing inputs -------------------------------------------------------------------


@st.composite
def case_runs(draw: Any, max_cases: int = 6, max_len: int = 6, low: int = -1, high: int = 4):
    """Events in log order: non-decreasing case codes 0..n-1 (no empty case) and a value each."""
    sizes = draw(st.lists(st.integers(1, max_len), max_size=max_cases))
    case = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    value = np.asarray(
        draw(st.lists(st.integers(low, high), min_size=case.size, max_size=case.size)),
        dtype=np.int64,
    )
    return case, value


def _log(case: np.ndarray) -> Any:
    """What the primitives read of a log: case codes in log order and the number of cases."""
    n = int(case.max()) + 1 if case.size else 0
    offsets = np.searchsorted(case, np.arange(n + 1)).astype(np.int64)
    return SimpleNamespace(case_codes=case, n_cases=n, case_offsets=offsets, n_events=case.size)


def _by_case(case: np.ndarray) -> dict[int, list[int]]:
    """Event indices of each case, in order."""
    out: dict[int, list[int]] = {}
    for i, c in enumerate(case.tolist()):
        out.setdefault(c, []).append(i)
    return out


# -- distinct (case, key) counts -----------------------------------------------------------
@st.composite
def pairs(draw: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Parallel (case, key) arrays; case codes small or huge (to overflow case * n_keys)."""
    n_keys = draw(st.integers(1, 40))
    big = draw(st.sampled_from([10, 2**31, 2**58, 2**62]))
    n = draw(st.integers(0, 30))
    case = draw(st.lists(st.integers(0, big), min_size=n, max_size=n))
    key = draw(st.lists(st.integers(0, n_keys - 1), min_size=n, max_size=n))
    return np.asarray(case, dtype=np.int64), np.asarray(key, dtype=np.int64), n_keys


@settings(max_examples=examples(300), deadline=None)
@given(pairs())
def test_cases_per_key_counts_each_key_once_per_case(drawn: tuple) -> None:
    case, key, n_keys = drawn
    want = [0] * n_keys
    for k, _case in {(int(k), int(c)) for c, k in zip(case, key, strict=True)}:
        want[k] += 1
    got = pc.cases_per_key(case, key, n_keys)
    assert got.dtype == np.int64 and got.tolist() == want


@settings(max_examples=examples(200), deadline=None)
@given(case_runs(low=0, high=9))
def test_distinct_pairs_and_their_counts(drawn: tuple) -> None:
    case, key = drawn
    n_keys = 10
    got = pc.distinct_pairs(case, key, n_keys)
    want = sorted({int(c) * n_keys + int(k) for c, k in zip(case, key, strict=True)})
    assert got.dtype == np.int64 and got.tolist() == want
    counts = [0] * n_keys
    for p in want:
        counts[p % n_keys] += 1
    assert pc.pair_counts(got, n_keys).tolist() == counts


# -- first / last / any per case -------------------------------------------------------------
@settings(max_examples=examples(200), deadline=None)
@given(case_runs(low=0, high=1))
def test_first_last_and_any_event_per_case(drawn: tuple) -> None:
    case, flag = drawn
    mask = flag.astype(bool)
    log = _log(case)
    events = _by_case(case)
    first = [next((i for i in events[c] if mask[i]), -1) for c in range(log.n_cases)]
    last = [next((i for i in reversed(events[c]) if mask[i]), -1) for c in range(log.n_cases)]
    assert pc.first_event(log, mask).tolist() == first
    assert pc.last_event(log, mask).tolist() == last
    assert pc.per_case_any(log, mask).tolist() == [f >= 0 for f in first]
    # the same on the selected items only: their positions among the selection
    selected = case[mask]
    where = np.flatnonzero(mask).tolist()
    assert pc.first_per_case(selected, log.n_cases).tolist() == [
        where.index(f) if f >= 0 else -1 for f in first
    ]
    assert pc.last_per_case(selected, log.n_cases).tolist() == [
        where.index(x) if x >= 0 else -1 for x in last
    ]


@settings(max_examples=examples(200), deadline=None)
@given(case_runs(low=0, high=1))
def test_previous_event_is_the_latest_earlier_one_of_the_case(drawn: tuple) -> None:
    case, flag = drawn
    mask = flag.astype(bool)
    want = []
    for i in range(case.size):
        earlier = [j for j in range(i) if case[j] == case[i] and mask[j]]
        want.append(earlier[-1] if earlier else -1)
    assert pc.previous_event(_log(case), mask).tolist() == want


# -- moves between known events, and runs ------------------------------------------------------
@settings(max_examples=examples(300), deadline=None)
@given(case_runs())
def test_known_moves_skip_unknown_events(drawn: tuple) -> None:
    """A move goes from a known event (value >= 0) to the case's next known event."""
    case, value = drawn
    m = pc.known_moves(case, value)
    want_moves, firsts, lasts, known = [], [], [], []
    for events in _by_case(case).values():
        ks = [i for i in events if value[i] >= 0]
        known += ks
        firsts += [j == 0 for j in range(len(ks))]
        lasts += [j == len(ks) - 1 for j in range(len(ks))]
        want_moves += [(a, b) for a, b in zip(ks, ks[1:], strict=False)]
    assert m.known.tolist() == known
    assert m.first.tolist() == firsts and m.last.tolist() == lasts
    assert list(zip(m.prev.tolist(), m.cur.tolist(), strict=True)) == want_moves
    assert m.src.tolist() == [int(value[a]) for a, _ in want_moves]
    assert m.dst.tolist() == [int(value[b]) for _, b in want_moves]
    assert m.case.tolist() == [int(case[b]) for _, b in want_moves]
    assert m.value.tolist() == [int(value[i]) for i in known]
    assert m.case_of.tolist() == [int(case[i]) for i in known]


@settings(max_examples=examples(300), deadline=None)
@given(case_runs())
def test_runs_are_stretches_of_one_value_among_known_events(drawn: tuple) -> None:
    """A run (a stage visit) starts at a case's first known event or where the value changes."""
    case, value = drawn
    m = pc.known_moves(case, value)
    heads = []  # event indices of the runs' first events
    for events in _by_case(case).values():
        previous = None
        for i in events:
            if value[i] < 0:
                continue  # unknown events neither end a run nor start one
            if previous is None or value[i] != previous:
                heads.append(i)
            previous = value[i]
    assert m.known[pc.run_heads(m)].tolist() == heads


# -- the sequence hash ---------------------------------------------------------------------------
@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=5), max_size=8))
def test_sequence_keys_are_equal_exactly_for_equal_sequences(seqs: list[list[int]]) -> None:
    codes = np.asarray([c for s in seqs for c in s], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    keys = pc.sequence_keys(codes, offsets).tolist()
    for i, a in enumerate(seqs):
        for j, b in enumerate(seqs):
            assert (keys[i] == keys[j]) == (a == b)


def test_empty_inputs() -> None:
    empty = np.empty(0, dtype=np.int64)
    assert pc.cases_per_key(empty, empty, 3).tolist() == [0, 0, 0]
    assert pc.distinct_pairs(empty, empty, 3).size == 0
    m = pc.known_moves(empty, empty)
    assert m.move.size == 0 and pc.run_heads(m).size == 0 and m.last.size == 0
    assert pc.first_per_case(empty, 2).tolist() == [-1, -1]
    assert pc.first_event(_log(empty), np.zeros(0, dtype=bool)).size == 0


@settings(max_examples=examples(200), deadline=None)
@given(case_runs(low=0, high=2))
def test_run_starts_where_the_case_or_the_value_changes(drawn: tuple) -> None:
    """Self-loops: a run is a maximal stretch of one case's events with one value."""
    case, value = drawn
    want = [i == 0 or (case[i], value[i]) != (case[i - 1], value[i - 1]) for i in range(case.size)]
    assert pc.run_starts(case, value).tolist() == want
