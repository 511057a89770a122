"""The Dask engine's two shortcuts for pieces of whole cases (issue 28's cluster run).

- ``discover``'s partial result on a Dask partition carries no per-case state
  (partitions hold disjoint cases, so counts add): it stays O(nodes + edges).
- Input partitions whose case ids fall in ranges that do not overlap hold whole
  cases already, so ``from_dask`` does not shuffle them; any overlap shuffles.

Either way results equal the in-memory engine's.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

import journeymine as jm  # noqa: E402
from journeymine.discovery import _Discover  # noqa: E402
from journeymine.engine import dask as jd  # noqa: E402
from journeymine.engine.base import bind  # noqa: E402

COLS = {"case": "case", "activity": "activity", "timestamp": "timestamp"}
ACTS = np.array(["ad", "view", "cart", "buy", "return", "review"], dtype=object)


def events(n_cases: int, seed: int = 0, prefix: str = "c") -> pd.DataFrame:
    """A small random journey log, rows shuffled, case ids ``<prefix>00000`` upwards."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, n_cases)
    case = np.repeat(np.arange(n_cases), sizes)
    n = case.size
    time = (
        pd.Timestamp("2025-01-01").value
        + (rng.integers(0, 10**6, n_cases)[case] + np.arange(n) * 60) * 10**9
    )
    frame = pd.DataFrame(
        {
            "case": np.char.add(prefix, np.char.zfill(case.astype(str), 5)),
            "activity": ACTS[rng.integers(0, len(ACTS), n)],
            "timestamp": pd.to_datetime(time),
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def by_case(frame: pd.DataFrame, parts: int) -> Any:
    """A Dask frame whose partitions each hold one range of case ids (rows unsorted within)."""
    ids = np.sort(frame["case"].unique())
    cuts = np.array_split(ids, parts)
    pieces = [frame[frame["case"].isin(c)] for c in cuts]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0])


def memory(frame: pd.DataFrame) -> jm.JourneyLog:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return jm.from_pandas(frame, **COLS)


def same_graph(got: jm.JourneyGraph, want: jm.JourneyGraph) -> None:
    cols = [c for c in want.edges.columns if not c.endswith(("median_duration", "p90_duration"))]
    pd.testing.assert_frame_equal(got.nodes, want.nodes)
    pd.testing.assert_frame_equal(got.edges[cols], want.edges[cols])
    for c in ("median_duration", "p90_duration"):  # the mergeable histogram: within 1 %
        a = got.edges[c].dt.total_seconds().to_numpy()
        b = want.edges[c].dt.total_seconds().to_numpy()
        assert np.allclose(a, b, rtol=0.01)
    assert (got.n_cases, got.n_events) == (want.n_cases, want.n_events)


MODEL = jm.JourneyModel(
    stages=["Awareness", "Decision", "Purchase"],
    activities={"ad": "Awareness", "view": "Awareness", "cart": "Decision", "buy": "Purchase"},
)
ANALYSES = {
    "discover": lambda log: jm.discover(log),
    "variants": lambda log: jm.variants(log),
    "case_table": lambda log: jm.case_table(log),
    "funnel": lambda log: jm.funnel(log, MODEL),
    "check": lambda log: jm.check(log, MODEL).cases,
    "retention": lambda log: jm.retention(log, start="cart", back=["buy"], period="1h", periods=3),
}


def assert_equal(name: str, got: Any, want: Any) -> None:
    if name == "discover":
        same_graph(got, want)
    else:
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


@pytest.fixture
def sync():
    """Dask's single-threaded scheduler (small logs)."""
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        yield


# -- discover: no per-case state on the Dask path -----------------------------------------


def test_dask_binds_discover_without_per_case_state(sync) -> None:
    frame = events(200)
    dlog = jm.from_dask(dd.from_pandas(frame, npartitions=3), **COLS)
    assert dlog.meta.disjoint_parts
    assert not memory(frame).meta.disjoint_parts
    assert bind(_Discover("activity"), dlog.meta).per_case is False
    assert bind(_Discover("activity"), memory(frame).meta).per_case is True


def test_discover_partial_does_not_grow_with_cases() -> None:
    """The Dask path's partial is the same size for 300 and 30,000 cases; the per-case one grows."""
    kernel = _Discover("activity", per_case=False)
    small, large = memory(events(300, seed=1)), memory(events(30_000, seed=2))
    sizes = [len(pickle.dumps(kernel.part(log))) for log in (small, large)]
    graph = kernel.part(large)[0]
    assert graph._cases is None
    assert sizes[1] < 2 * sizes[0] + 20_000, sizes
    with_state = len(pickle.dumps(_Discover("activity").part(large)))
    assert with_state > 10 * sizes[1]  # what the partial carried before: O(cases)


def test_discover_disjoint_merge_equals_whole_log() -> None:
    frame = events(3_000, seed=3)
    log = memory(frame)
    kernel = _Discover("activity", per_case=False)
    groups = np.arange(log.n_cases) % 3
    parts = [kernel.part(log.select_cases(np.flatnonzero(groups == g))) for g in range(3)]
    merged = kernel.finish(kernel.merge(kernel.merge(parts[0], parts[1]), parts[2]), log.meta)
    assert merged._cases is None
    same_graph(merged, jm.discover(log))


def test_discover_on_dask_equals_memory_and_is_not_mergeable(sync) -> None:
    frame = events(2_000, seed=4)
    dlog = jm.from_dask(dd.from_pandas(frame, npartitions=4), **COLS)
    got, want = jm.discover(dlog), jm.discover(memory(frame))
    same_graph(got, want)
    assert got._cases is None
    with pytest.raises(jm.ParameterError, match="Dask-backed log"):
        got + want


def test_user_graphs_sharing_cases_still_merge_exactly() -> None:
    """``+`` keeps the per-case state: split by time, shared cases are counted once."""
    log = memory(events(500, seed=5))
    cut = np.quantile(log.time, 0.5)
    early = log.to_pandas()[log.time < cut]
    late = log.to_pandas()[log.time >= cut]
    merged = jm.discover(memory(early)) + jm.discover(memory(late))
    whole = jm.discover(log)
    cols = ["source", "target", "events", "cases", "mean_duration", "min_duration"]
    pd.testing.assert_frame_equal(merged.nodes, whole.nodes)
    pd.testing.assert_frame_equal(merged.edges[cols], whole.edges[cols])


# -- no shuffle when the input partitions hold disjoint ranges of cases ----------------------


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_partitions_split_by_case_are_not_shuffled(sync, name: str) -> None:
    frame = events(600, seed=6)
    dlog = jm.from_dask(by_case(frame, 4), **COLS)
    assert dlog._shuffled is False
    assert dlog.npartitions == 4
    assert_equal(name, ANALYSES[name](dlog), ANALYSES[name](memory(frame)))


@pytest.mark.parametrize("name", ["discover", "case_table", "funnel"])
def test_overlapping_partitions_are_shuffled(sync, name: str) -> None:
    """One case has an event in another range's partition: shuffled, results still equal."""
    frame = events(600, seed=7)
    ids = np.sort(frame["case"].unique())
    parts = [frame[frame["case"].isin(c)] for c in np.array_split(ids, 3)]
    stray = parts[1][parts[1]["case"] == parts[1]["case"].min()]
    stray = stray.iloc[:1].assign(timestamp=lambda d: d["timestamp"] - pd.Timedelta("1min"))
    parts[0] = pd.concat([parts[0], stray], ignore_index=True)
    whole = pd.concat(parts, ignore_index=True)
    ddf = dd.from_delayed([dask.delayed(p) for p in parts], meta=frame.iloc[:0])
    dlog = jm.from_dask(ddf, **COLS)
    assert dlog._shuffled is True
    assert_equal(name, ANALYSES[name](dlog), ANALYSES[name](memory(whole)))


def test_interleaved_ranges_and_other_cases_are_shuffled(sync) -> None:
    frame = events(300, seed=8)
    assert jm.from_dask(dd.from_pandas(frame, npartitions=3), **COLS)._shuffled  # shuffled rows
    # split by case, but another number of partitions asked for
    assert jm.from_dask(by_case(frame, 3), npartitions=2, **COLS)._shuffled
    assert not jm.from_dask(by_case(frame, 3), npartitions=3, **COLS)._shuffled
    # ids that cannot be ordered: categorical, or numbers mixed with text
    cat = frame.assign(case=frame["case"].astype("category"))
    assert jm.from_dask(by_case(cat, 3), **COLS)._shuffled


def test_case_ranges() -> None:
    split = jd._split_by_case
    assert split([("a", "c"), ("d", "f"), ()])
    assert split([(5, 9), (0, 4)])  # any order of partitions
    assert not split([("a", "d"), ("d", "f")])  # a case id in both
    assert not split([("a", "e"), ("b", "c")])  # nested
    assert not split([(0, 4), None])  # a partition of unknown range
    assert not split([(0, 4), ("a", "b")])  # ranges that do not compare
    assert jd._case_range(pd.Series(["b", None, "a"], dtype=object)) == ("a", "b")
    assert jd._case_range(pd.Series([None, None], dtype=object)) == ()
    assert jd._case_range(pd.Series([1, "a"], dtype=object)) is None
    assert jd._case_range(pd.Series(["x"], dtype="category")) is None


def test_read_parquet_of_files_per_case_range_skips_the_shuffle(tmp_path, sync) -> None:
    frame = events(900, seed=9)
    ids = np.sort(frame["case"].unique())
    for i, cut in enumerate(np.array_split(ids, 3)):
        frame[frame["case"].isin(cut)].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    dlog = jm.read_parquet(tmp_path, engine="dask", **COLS)
    assert dlog._shuffled is False
    back = pd.read_parquet(tmp_path)
    for name in ("discover", "check", "retention"):
        assert_equal(name, ANALYSES[name](dlog), ANALYSES[name](memory(back)))


def test_partials_merge_on_the_client_in_order() -> None:
    """The engine's client-side tree keeps the partitions' order (merge need not commute)."""
    from journeymine.engine.base import Kernel, tree_merge

    class Concat(Kernel[str, str]):
        def merge(self, a: str, b: str) -> str:
            return a + b

    kernel = Concat()
    for n in range(1, 9):
        parts = [(chr(97 + i), [], 1) for i in range(n)]
        parts.insert(n // 2, None)  # an empty partition
        merged = jd._merge_on_client(kernel, parts)
        assert merged[0] == tree_merge(kernel, [p[0] for p in parts if p]) == "abcdefgh"[:n]
        assert merged[2] == n
    assert jd._merge_on_client(kernel, []) is None


@pytest.mark.slow
def test_a_cluster_gathers_each_partial_when_done(monkeypatch) -> None:
    """On a distributed client the partials come back as futures finish, equal results."""
    distributed = pytest.importorskip("distributed")
    frame = events(400, seed=10)
    with (
        distributed.LocalCluster(
            n_workers=1, processes=False, threads_per_worker=2, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        computed: list[int] = []
        compute = client.compute

        def spy(items: Any, **kwargs: Any) -> Any:
            computed.append(len(items))
            return compute(items, **kwargs)

        monkeypatch.setattr(client, "compute", spy)
        dlog = jm.from_dask(by_case(frame, 4), **COLS)
        got = {name: ANALYSES[name](dlog) for name in ("discover", "check", "funnel")}
        assert computed and set(computed) == {4}
    for name, value in got.items():
        assert_equal(name, value, ANALYSES[name](memory(frame)))
