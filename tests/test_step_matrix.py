"""Centred (anchor=) and differential (groups=) step matrices: plain-pandas references, Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import LogError, ParameterError

from slice_support import dask_log, shop_frame, to_log
from strategies import SLICE_ACTIVITIES, journey_frames

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sequences(df: pd.DataFrame) -> dict:
    """case -> activities in log order (case, timestamp, input row)."""
    df = df.assign(_row=range(len(df))).sort_values(["case", "timestamp", "_row"], kind="stable")
    return {c: g["activity"].tolist() for c, g in df.groupby("case", sort=False)}


def reference(seqs: dict, steps: int, anchor) -> pd.DataFrame:
    """From the contract: step 0 is the first anchor (or steps 1..k from the start); before
    the first event is "(not started)", after the last "(ended)"; shares over counted cases."""
    cols = list(range(-steps, steps + 1)) if anchor is not None else list(range(1, steps + 1))
    counts: dict = {}
    n = 0
    for acts in seqs.values():
        if anchor is not None:
            if anchor not in acts:
                continue
            base = acts.index(anchor)
        else:
            base = -1
        n += 1
        for o in cols:
            j = base + o
            what = "(not started)" if j < 0 else "(ended)" if j >= len(acts) else acts[j]
            counts[(what, o)] = counts.get((what, o), 0) + 1
    acts = sorted({w for w, _ in counts if w not in ("(not started)", "(ended)")})
    rows = acts + (["(not started)"] if anchor is not None else []) + ["(ended)"]
    values = [[counts.get((r, o), 0) / n if n else np.nan for o in cols] for r in rows]
    return pd.DataFrame(
        values,
        index=pd.Index(pd.Series(rows, dtype=object), name="activity"),
        columns=pd.Index(cols, name="step"),
    )


def reference_diff(seqs: dict, in_first: dict, steps: int, anchor) -> pd.DataFrame:
    a = reference({c: s for c, s in seqs.items() if in_first.get(c) is True}, steps, anchor)
    b = reference({c: s for c, s in seqs.items() if in_first.get(c) is False}, steps, anchor)
    rows = sorted(set(a.index) | set(b.index) - {"(not started)", "(ended)"})
    rows = [r for r in rows if r not in ("(not started)", "(ended)")]
    rows += (["(not started)"] if anchor is not None else []) + ["(ended)"]
    index = pd.Index(pd.Series(rows, dtype=object), name="activity")
    a, b = a.reindex(index, fill_value=0.0), b.reindex(index, fill_value=0.0)
    return pd.concat([a, b, a - b], axis=1, keys=[True, False, "difference"], names=["group"])


@SETTINGS
@given(journey_frames(), st.integers(1, 4), st.sampled_from((None, *SLICE_ACTIVITIES)))
def test_centred_matches_reference(df, steps, anchor):
    log = to_log(df)
    if anchor is not None and anchor not in set(df["activity"]):
        anchor = df["activity"].iloc[0]
    got = jm.step_matrix(log, steps=steps, anchor=anchor)
    tm.assert_frame_equal(got, reference(sequences(df), steps, anchor))
    assert np.allclose(got.sum(axis=0), 1.0)


@SETTINGS
@given(journey_frames(), st.integers(1, 3), st.sampled_from((None, "ad", "view")))
def test_differential_matches_reference(df, steps, anchor):
    log = to_log(df)
    if anchor is not None and anchor not in set(df["activity"]):
        anchor = df["activity"].iloc[0]
    flag = log.case_table().set_index("case")["channel"] == "web"
    seqs = sequences(df)
    if anchor is not None:
        seqs_a = {c: s for c, s in seqs.items() if anchor in s}
    else:
        seqs_a = seqs
    groups_present = {bool(flag[c]) for c in seqs_a}
    if groups_present != {True, False}:
        with pytest.raises(ParameterError, match="exactly two"):
            jm.step_matrix(log, steps=steps, anchor=anchor, groups=flag)
        return
    got = jm.step_matrix(log, steps=steps, anchor=anchor, groups=flag)
    want = reference_diff(seqs, flag.to_dict(), steps, anchor)
    tm.assert_frame_equal(got, want)


def test_column_groups_and_shop_data():
    df = shop_frame(300)
    log = to_log(df, channel="channel")
    first = log.case_table().set_index("case")
    two = first["channel"].isin(["web"])
    df2 = df.assign(web=df["case"].map(two).map({True: "web", False: "other"}))
    log2 = to_log(df2, channel="channel")
    got = jm.step_matrix(log2, steps=3, anchor="Add to cart", groups="web")
    assert list(got.columns.get_level_values("group").unique()) == ["other", "web", "difference"]
    seqs = sequences(df)
    by_col = {c: (v == "web") for c, v in df2.groupby("case")["web"].first().items()}
    want = reference_diff(seqs, by_col, 3, "Add to cart")  # True: web
    # the column's groups come sorted: "other" first, so the difference is other - web
    tm.assert_frame_equal(got["other"], want[False])
    tm.assert_frame_equal(got["web"], want[True])
    tm.assert_frame_equal(got["difference"], want[False] - want[True])
    tm.assert_frame_equal(
        jm.step_matrix(log, steps=4, anchor="Place order"),
        reference(seqs, 4, "Place order"),
    )


@pytest.mark.parametrize("npartitions", [1, 4])
def test_dask_equals_memory(npartitions):
    df = shop_frame(120).drop_duplicates(["case", "activity", "timestamp"])
    mem, dlog = to_log(df), dask_log(df, npartitions)
    flag = mem.case_table().set_index("case")["channel"] == "web"
    for kw in ({"anchor": "Add to cart"}, {"groups": flag}, {"anchor": "Pay", "groups": flag}):
        tm.assert_frame_equal(
            jm.step_matrix(dlog, steps=3, **kw), jm.step_matrix(mem, **kw, steps=3)
        )


def test_errors():
    log = to_log(shop_frame(30))
    with pytest.raises(ParameterError, match="'anchor'.*'Place ordr'"):
        jm.step_matrix(log, anchor="Place ordr")
    with pytest.raises(ParameterError, match="'groups' parameter of step_matrix"):
        jm.step_matrix(log, groups="nope")
    with pytest.raises(ParameterError, match="exactly two"):
        jm.step_matrix(log, groups="channel")
    with pytest.raises(ParameterError, match="one value per case"):
        jm.step_matrix(log, groups=pd.Series([True, False], index=["a", "a"]))
    with pytest.raises(LogError, match="no cases"):
        with pytest.warns(jm.JourneymineWarning):
            nothing = jm.filter_time(log, "1990-01-01", "1990-01-02")
        jm.step_matrix(nothing, anchor="Pay")
