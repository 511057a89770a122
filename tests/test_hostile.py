"""Regression tests of the adversarial pass (issue 29): no silent wrong results, no raw crashes."""

from __future__ import annotations

import warnings

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


# -- item 12: from_bpmn does not rely on lxml's defaults -----------------------------------
def test_from_bpmn_refuses_declarations_before_pm4py_reads(tmp_path, monkeypatch):
    pm4py = pytest.importorskip("pm4py")
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    path = tmp_path / "xxe.bpmn"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
        '<task id="t" name="&x;"/></process></definitions>'
    )

    def never(*args, **kwargs):  # pragma: no cover - the point is that it is not called
        raise AssertionError("pm4py saw the file")

    monkeypatch.setattr(pm4py, "read_bpmn", never)
    with pytest.raises(jm.ModelError, match="declares a DTD or entity"):
        jm.JourneyModel.from_bpmn(path)
    bomb = tmp_path / "laughs.bpmn"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><definitions>&b;</definitions>'
    )
    with pytest.raises(jm.ModelError, match="refuses for safety"):
        jm.JourneyModel.from_bpmn(bomb)


# -- item 11: dates and durations outside the representable range ----------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda log, m: jm.filter_time(log, "2025-01-01", "9999-12-31"), "'end' parameter"),
        (lambda log, m: jm.funnel(log, m, as_of="3000-01-01"), "'as_of' parameter"),
        (lambda log, m: jm.stage_visits(log, m, as_of="3000-01-01"), "'as_of' parameter"),
        (lambda log, m: jm.stage_durations(log, m, as_of="3000-01-01"), "'as_of' parameter"),
    ],
)
def test_out_of_range_dates_are_refused_with_the_range(call, match):
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    with pytest.raises(jm.ParameterError, match=match + r".*1677-09-21.*2262-04-11"):
        call(log, model)


def test_out_of_range_durations_are_refused():
    import datetime

    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    huge = datetime.timedelta(days=10**6)
    with pytest.raises(jm.ParameterError, match=r"'within' parameter.*106,751 days"):
        jm.funnel(log, model, ordered=True, within=huge)
    with pytest.raises(jm.ParameterError, match=r"'min_duration' parameter.*106,751 days"):
        jm.filter_cases(log, min_duration=huge)


@pytest.mark.parametrize("start", ["9999-01-01", "2262-04-01"])
def test_simulate_start_out_of_range(start):
    with pytest.raises(jm.ParameterError, match=r"'start' parameter of simulate\(\).*2162"):
        jm.simulate(jm.datasets.shop_model(), cases=5, start=start)


# -- item 3: sizes from arguments are bounded --------------------------------------------
def test_sizes_from_arguments_are_bounded():
    log = jm.datasets.load_shop()
    with pytest.raises(jm.ParameterError, match=r"'cases' parameter of simulate\(\).*50,?000,?000"):
        jm.simulate(jm.datasets.shop_model(), cases=10**12)
    with pytest.raises(jm.ParameterError, match=r"'steps' parameter of paths\(\).*10,?000"):
        jm.paths(log, "Place order", steps=10**9)
    with pytest.raises(jm.ParameterError, match=r"'steps' parameter of step_matrix\(\)"):
        jm.step_matrix(log, steps=10**7)
    # a long path request is bounded by the data, not by the argument
    pd.testing.assert_frame_equal(
        jm.paths(log, "Place order", steps=5000), jm.paths(log, "Place order", steps=200)
    )


# -- item 10: labels the library adds never collide with the user's ------------------------
def test_step_matrix_rows_never_collide_with_an_activity():
    df = pd.DataFrame(
        {
            "c": [1, 1, 2],
            "a": ["(ended)", "x", "(not started)"],
            "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"]),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.warns(jm.JourneymineWarning, match=r"named '\(ended\)\*'"):
        m = jm.step_matrix(log, steps=2)
    assert m.index.is_unique and m.attrs["ended"] == "(ended)*"
    assert m.loc["(ended)", 1] == 0.5 and m.loc["(ended)*", 2] == 0.5
    both = pd.concat([df, pd.DataFrame({"c": [2], "a": ["x"], "t": [pd.Timestamp("2025-01-02")]})])
    log = jm.from_pandas(both, case="c", activity="a", timestamp="t")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = jm.step_matrix(log, steps=1, anchor="x")
    assert any("'(not started)*'" in str(w.message) for w in caught)
    assert c.index.is_unique and c.attrs["not_started"] == "(not started)*"
    jm.plot_step_matrix(m)


# -- item 6: where= that matches no case, or truthy text -------------------------------------
def test_where_series_that_matches_no_case_warns_with_the_cause():
    df = pd.DataFrame(
        {"c": ["1", "1", "2"], "a": ["x", "y", "x"], "t": pd.to_datetime(["2025-01-01"] * 3)}
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    by_int = pd.Series([True, False], index=[1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = jm.filter_cases(log, where=by_int)
    assert kept.n_cases == 0
    said = " ".join(str(w.message) for w in caught)
    assert "matches none" in said and "ids are int" in said and "log's are str" in said
    with pytest.warns(jm.JourneymineWarning, match=r"only 1 of the 2"):
        jm.filter_cases(log, where=pd.Series([True, False], index=["1", "9"]))
    # a Series of only the selected cases is a selection, not a mismatch
    assert jm.filter_cases(log, where=pd.Series([True], index=["1"])).n_cases == 1


@pytest.mark.parametrize("text", [["no", "no"], ["False", "0"]])
def test_where_series_of_text_is_refused(text):
    log = jm.datasets.load_shop()
    ids = log.cases[:2]
    with pytest.raises(jm.ParameterError, match="must hold booleans"):
        jm.filter_cases(log, where=pd.Series(text, index=ids, dtype=object))


# -- item 8: missing revenue is said, not silently 0 --------------------------------------
def test_deviation_impact_says_how_many_outcomes_are_missing():
    log = jm.datasets.load_shop()
    df = log.to_pandas()
    df["rev"] = np.where(np.arange(len(df)) % 7 == 0, np.nan, 10.0)
    df = df.drop_duplicates(["customer_id", "touchpoint", "timestamp"])
    log = jm.from_pandas(
        df, case="customer_id", activity="touchpoint", timestamp="timestamp", stage="stage"
    )
    n = int(df["rev"].isna().sum())
    with pytest.warns(jm.JourneymineWarning, match=rf"{n:,} events have no value.*'rev'"):
        jm.deviation_impact(log, jm.datasets.shop_model(), outcome="rev")


# -- item 5: segment= that matches no case, or only some -----------------------------------
def test_segment_series_keyed_by_the_wrong_type_warns():
    df = pd.DataFrame(
        {
            "c": ["1", "1", "2", "3"],
            "a": ["x", "y", "x", "y"],
            "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03"]),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    by_int = pd.Series(["web", "app", "web"], index=[1, 2, 3])
    for call in (
        lambda: jm.variants(log, segment=by_int),
        lambda: jm.loop_summary(log, segment=by_int),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        said = " ".join(str(w.message) for w in caught)
        assert "none of the 3 cases" in said and "int ids" in said and "str" in said


def test_segment_column_empty_on_some_first_events_warns_with_counts():
    df = pd.DataFrame(
        {
            "c": [1, 1, 2, 3],
            "a": ["x", "y", "x", "y"],
            "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03"]),
            "g": [None, "web", "app", None],
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.warns(
        jm.JourneymineWarning, match=r"'g' is empty on the first event of 2 of the 3"
    ):
        jm.variants(log, segment="g")


def test_segment_with_too_many_groups_is_refused():
    from journeymine.engine.base import MAX_GROUPS

    n = MAX_GROUPS + 1
    df = pd.DataFrame(
        {"c": np.arange(n), "a": "x", "t": pd.Timestamp("2025-01-01"), "g": np.arange(n)}
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(jm.ParameterError, match=rf"{n:,} groups.*at most {MAX_GROUPS:,}"):
        jm.variants(log, segment="g")


# -- item 3: periods from freq= are bounded by the log's span --------------------------------
@pytest.mark.parametrize("freq", ["1ns", "min"])
def test_a_fine_freq_over_a_long_span_is_refused_with_the_count(freq):
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b"],
            "a": ["x", "y", "x"],
            "t": pd.to_datetime(["2015-01-01", "2025-01-01", "2020-01-01"]),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    model = jm.JourneyModel(stages=["S"], activities={"x": "S", "y": "S"})
    with pytest.raises(jm.ParameterError, match=r"'freq' parameter of conformance_drift.*periods"):
        jm.conformance_drift(log, model, freq=freq)
    with pytest.raises(jm.ParameterError, match=r"'freq' parameter of activity_over_time"):
        jm.activity_over_time(log, freq=freq)
    assert len(jm.conformance_drift(log, model, freq="M")) == 61  # by first events, 2015-2020


# -- item 12: a Dask filter that leaves no case computes to an empty log, as in memory -----
def test_dask_filter_that_keeps_nothing_computes_like_memory():
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b"],
            "a": ["x", "y", "x"],
            "t": pd.to_datetime(["2015-01-01", "2025-01-01", "2020-01-01"]),
        }
    )
    memory = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with dask.config.set(scheduler="sync"), warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)  # "kept no event"
        lazy = jm.from_dask(
            dd.from_pandas(df, npartitions=2), case="c", activity="a", timestamp="t"
        )
        empty = jm.filter_cases(lazy, min_duration="36500D")
        assert empty.n_cases == 0 and empty.compute().n_events == 0
        assert len(empty.to_pandas()) == 0
        kept = jm.filter_cases(memory, min_duration="36500D")
    assert kept.n_events == 0 and len(jm.variants(kept)) == len(jm.variants(empty)) == 0
