"""Path exploration: paths and step_matrix against plain-Python references, kernels, Dask."""

from __future__ import annotations

from collections import Counter

import dask
import matplotlib
import numpy as np
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine._tables import ENDED
from journeymine.errors import ParameterError
from journeymine.paths import _Paths, _StepMatrix

from slice_support import dask_log, shop_frame, split_equal, to_log, traces
from strategies import SLICE_ACTIVITIES, examples, journey_frames

matplotlib.use("Agg")
SETTINGS = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def reference_paths(df, anchor, direction, steps):
    found = Counter()
    for events in traces(df).values():
        acts = [a for a, _ in events]
        if anchor not in acts:
            continue
        i = acts.index(anchor)
        path = acts[i + 1 : i + 1 + steps] if direction == "after" else acts[max(0, i - steps) : i]
        found[tuple(path)] += 1
    return found


@SETTINGS
@given(
    journey_frames(),
    st.sampled_from(SLICE_ACTIVITIES),
    st.sampled_from(["after", "before"]),
    st.integers(1, 4),
)
def test_paths_match_reference(df, anchor, direction, steps):
    log = to_log(df)
    if anchor not in log.activities:
        with pytest.raises(ParameterError, match="'anchor'"):
            jm.paths(log, anchor, direction=direction, steps=steps)
        return
    got = jm.paths(log, anchor, direction=direction, steps=steps)
    ref = reference_paths(df, anchor, direction, steps)
    assert dict(zip(got["path"], got["cases"], strict=False)) == dict(ref)
    total = sum(ref.values())
    assert np.allclose(got["share"], got["cases"] / total)
    assert (np.diff(got["cases"].to_numpy()) <= 0).all()


@SETTINGS
@given(journey_frames(), st.integers(1, 6))
def test_step_matrix_matches_reference(df, steps):
    got = jm.step_matrix(to_log(df), steps=steps)
    ref = traces(df)
    n = len(ref)
    for k in range(1, steps + 1):
        at_k = Counter(events[k - 1][0] if len(events) >= k else ENDED for events in ref.values())
        column = got[k]
        assert {a: round(v * n) for a, v in column.items() if v > 0} == dict(at_k)
        assert column.sum() == pytest.approx(1.0)


@SETTINGS
@given(
    journey_frames(),
    st.lists(st.integers(0, 8), max_size=3),
    st.sampled_from(SLICE_ACTIVITIES),
    st.sampled_from(["after", "before"]),
)
def test_kernels_split(df, cut, anchor, direction):
    log = to_log(df)
    split_equal(_Paths(anchor, direction, 2, None), log, cut, tm.assert_frame_equal)
    split_equal(_StepMatrix(3), log, cut, tm.assert_frame_equal)


def test_top_and_shop_paths_before_order():
    log = jm.datasets.load_shop()
    table = jm.paths(log, "Place order", direction="before", steps=3, top=5)
    assert len(table) == 5
    assert table["path"].iloc[0][-1] == "Start checkout"


@pytest.mark.parametrize("steps", [0, -2, 1.5, True, "3"])
def test_steps_must_be_positive(steps):
    log = to_log(shop_frame(20))
    with pytest.raises(
        ParameterError, match=r"'steps' parameter.*an int in the range \[1, (inf\)|[0-9]+\])"
    ):
        jm.paths(log, "Place order", steps=steps)
    with pytest.raises(
        ParameterError, match=r"'steps' parameter.*an int in the range \[1, (inf\)|[0-9]+\])"
    ):
        jm.step_matrix(log, steps=steps)


def test_bad_arguments():
    log = to_log(shop_frame(20))
    with pytest.raises(ParameterError, match="'anchor'.*'Place ordr'.*'Place order'"):
        jm.paths(log, "Place ordr")
    with pytest.raises(ParameterError, match="'direction'"):
        jm.paths(log, "Place order", direction="backwards")
    with pytest.raises(ParameterError, match="'top'"):
        jm.paths(log, "Place order", top=0)


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_dask_equals_in_memory(npartitions):
    df = shop_frame(30)  # 8 partitions: one is empty
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = dask_log(df, npartitions)
        mem = to_log(df)
        for direction in ("after", "before"):
            tm.assert_frame_equal(
                jm.paths(dlog, "Add to cart", direction=direction),
                jm.paths(mem, "Add to cart", direction=direction),
            )
        tm.assert_frame_equal(jm.step_matrix(dlog, steps=7), jm.step_matrix(mem, steps=7))


def test_plots(tmp_path):
    log = jm.datasets.load_shop()
    for direction in ("after", "before"):
        ax = jm.plot_paths(
            jm.paths(log, "Add to cart", direction=direction),
            anchor="Add to cart",
            direction=direction,
        )
        ax.figure.savefig(tmp_path / f"paths_{direction}.png")
    ax = jm.plot_step_matrix(jm.step_matrix(log))
    ax.figure.savefig(tmp_path / "steps.png")
    with pytest.raises(ParameterError, match="jm.paths"):
        jm.plot_paths(log.case_table())
