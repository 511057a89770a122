"""Regression tests of the adversarial pass (issue 29): no silent wrong results, no raw crashes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import journeymine as jm


def _frame(activity_dtype=None, case_dtype=None):
    df = pd.DataFrame(
        {
            "c": ["2", "2", "1", "1", "1", "3"],
            "a": ["zeta", "alpha", "mid", "zeta", "alpha", "mid"],
            "t": pd.to_datetime(
                ["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03", "2025-01-04", "2025-01-05"]
            ),
        }
    )
    if activity_dtype == "category":  # categories deliberately not in sorted order
        df["a"] = pd.Categorical(df["a"], categories=["zeta", "mid", "alpha", "unused"])
    if case_dtype == "category":
        df["c"] = pd.Categorical(df["c"], categories=["3", "2", "1"])
    return df


# -- item 7: one documented order whatever the input dtype -----------------------------
@pytest.mark.parametrize("case_dtype", [None, "category"])
def test_categorical_input_gives_the_same_results_as_plain_text(case_dtype):
    plain = jm.from_pandas(_frame(), case="c", activity="a", timestamp="t")
    coded = jm.from_pandas(_frame("category", case_dtype), case="c", activity="a", timestamp="t")
    assert list(coded.activities) == sorted(coded.activities) == list(plain.activities)
    assert "unused" not in list(coded.activities)
    assert [str(c) for c in coded.cases] == [str(c) for c in plain.cases]
    pd.testing.assert_frame_equal(jm.variants(coded).astype(str), jm.variants(plain).astype(str))
    pd.testing.assert_frame_equal(
        jm.discover(coded).edges.astype(str), jm.discover(plain).edges.astype(str)
    )
    pd.testing.assert_frame_equal(
        jm.find_loops(coded).astype(str), jm.find_loops(plain).astype(str)
    )
    kept = jm.filter_cases(coded, variants=1)
    assert [str(c) for c in kept.cases] == [
        str(c) for c in jm.filter_cases(plain, variants=1).cases
    ]


def test_categorical_parquet_reads_alike_on_both_engines(tmp_path):
    pytest.importorskip("dask.dataframe")
    path = tmp_path / "e.parquet"
    _frame("category").to_parquet(path)
    memory = jm.read_parquet(path, case="c", activity="a", timestamp="t")
    dask = jm.read_parquet(path, case="c", activity="a", timestamp="t", engine="dask")
    assert list(memory.activities) == sorted(memory.activities)
    pd.testing.assert_frame_equal(jm.variants(memory).astype(str), jm.variants(dask).astype(str))
    assert sorted(map(str, jm.filter_cases(memory, variants=1).cases)) == sorted(
        map(str, jm.filter_cases(dask, variants=1).case_table()["case"])
    )


# -- item 9: ownership --------------------------------------------------------------------
def test_from_arrow_owns_what_it_keeps():
    case = np.array([1, 1, 2])
    stamps = np.array(["2025-01-01", "2025-01-02", "2025-01-03"], dtype="datetime64[ns]")
    table = pa.table({"c": case, "a": ["x", "y", "x"], "t": stamps})
    log = jm.from_arrow(table, case="c", activity="a", timestamp="t")
    case[:] = 99
    stamps[:] = np.datetime64("2030-01-01")
    assert log.to_pandas()["c"].tolist() == [1, 1, 2]
    assert list(log.cases) == [1, 2]
    assert log.to_pandas()["t"].min() == pd.Timestamp("2025-01-01")


# -- item 10: reserved names ----------------------------------------------------------------
def test_to_dot_start_and_end_nodes_never_merge_with_activities():
    df = pd.DataFrame(
        {
            "c": [1, 1, 1],
            "a": ["__start__", "__end__", "x"],
            "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]),
        }
    )
    dot = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")).to_dot()
    assert '"__start___" [shape=circle' in dot and '"__end___" [shape=doublecircle' in dot
    assert '"__start__" [label="__start__\\n1"]' in dot
    assert '"__start___" -> "__start__"' in dot and '"x" -> "__end___"' in dot


def test_xes_key_repeated_with_other_types_keeps_the_later_element(tmp_path):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log>\n'
        '<trace><string key="concept:name" value="c"/>\n'
        '<event><string key="concept:name" value="a"/>'
        '<date key="time:timestamp" value="2025-01-01T00:00:00Z"/>'
        '<int key="x" value="5"/><string key="x" value="later"/></event>\n'
        '<event><string key="concept:name" value="b"/>'
        '<date key="time:timestamp" value="2025-01-02T00:00:00Z"/>'
        '<string key="x" value="s"/><int key="x" value="7"/></event>\n'
        "</trace>\n</log>\n"
    )
    fast = tmp_path / "fast.xes"
    fast.write_text(body)
    slow = tmp_path / "slow.xes"  # a comment sends the file to the expat path
    slow.write_text(body.replace("<log>", "<log><!-- c -->"))
    for path in (fast, slow):
        assert jm.io.xes.read_xes_frame(path)["x"].tolist() == ["later", 7]
