"""JourneyLog construction, ordering and validation."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import JourneymineWarning, LogError, ParameterError

from conftest import shared_data
from strategies import examples, spread_duplicates


def make(df: pd.DataFrame, **kw):
    return jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts", **kw)


def test_orders_by_case_time_and_input_row(tiny_df):
    log = make(tiny_df)
    out = log.to_pandas()
    assert out["customer"].tolist() == ["a", "a", "a", "b", "b", "c"]
    # the tie for customer b keeps input order: ad (row 0) before view (row 3)
    assert out["touchpoint"].tolist() == ["ad", "view", "buy", "ad", "view", "ad"]
    assert log.rows.tolist() == [1, 2, 4, 0, 3, 5]
    assert log.n_cases == 3 and log.n_events == 6
    assert log.activities == ["ad", "buy", "view"]
    assert log.case_offsets.tolist() == [0, 3, 5, 6]
    assert log.position.tolist() == [0, 1, 2, 0, 1, 0]


def test_caller_frame_untouched(tiny_df):
    before = tiny_df.copy()
    make(tiny_df, channel="channel").to_pandas()
    pd.testing.assert_frame_equal(tiny_df, before)


def test_keeps_user_columns_and_names(tiny_df):
    out = make(tiny_df, channel="channel").to_pandas()
    assert list(out.columns) == ["customer", "touchpoint", "ts", "channel"]
    assert pd.api.types.is_datetime64_any_dtype(out["ts"])


def test_xes_keys_detected():
    df = pd.DataFrame(
        {
            "case:concept:name": ["1", "1"],
            "concept:name": ["a", "b"],
            "time:timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True),
        }
    )
    log = jm.from_pandas(df)
    assert (log.case, log.activity, log.timestamp) == (
        "case:concept:name",
        "concept:name",
        "time:timestamp",
    )
    assert log.tz_aware


def test_timestamps_are_utc_nanoseconds():
    df = pd.DataFrame(
        {
            "c": ["x", "x"],
            "a": ["p", "q"],
            "t": ["2025-01-01T10:00:00+02:00", "2025-01-01T09:30:00+00:00"],
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    assert log.time.dtype == np.int64
    assert log.to_pandas()["a"].tolist() == ["p", "q"]  # 08:00Z before 09:30Z
    assert log.time[0] == pd.Timestamp("2025-01-01T08:00Z").value


def test_missing_column_names_closest():
    df = pd.DataFrame({"CustomerID": [1], "Event": ["a"], "Time": ["2025-01-01"]})
    with pytest.raises(
        LogError, match=r"Column 'customerid' .*not found.*Did you mean case='CustomerID'"
    ):
        jm.from_pandas(df, case="customerid", activity="Event", timestamp="Time")


def test_no_keywords_and_no_xes_keys():
    df = pd.DataFrame({"CustomerID": [1], "Event": ["a"], "Time": ["2025-01-01"]})
    with pytest.raises(LogError, match=r"No case column given.*Pass case='CustomerID'"):
        jm.from_pandas(df)


def test_duplicate_columns():
    df = pd.DataFrame([[1, "a", "2025-01-01", "x"]], columns=["c", "a", "t", "a"])
    with pytest.raises(LogError, match=r"Duplicate column names.*\['a'\]"):
        jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_empty_frame():
    df = pd.DataFrame({"c": [], "a": [], "t": []})
    with pytest.raises(LogError, match="empty"):
        jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_not_a_frame():
    with pytest.raises(ParameterError, match="Expected a pandas DataFrame"):
        jm.from_pandas([1, 2, 3], case="c", activity="a", timestamp="t")


def test_same_column_twice():
    df = pd.DataFrame({"c": [1], "t": ["2025-01-01"]})
    with pytest.raises(ParameterError, match="both case and activity"):
        jm.from_pandas(df, case="c", activity="c", timestamp="t")


def test_bad_on_error():
    df = pd.DataFrame({"c": [1], "a": ["x"], "t": ["2025-01-01"]})
    with pytest.raises(
        ParameterError, match=r"'on_error' parameter of from_pandas\(\) must be a str among"
    ):
        jm.from_pandas(df, case="c", activity="a", timestamp="t", on_error="ignore")


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        (
            "customer",
            ["a", None, "b", ""],
            r"2 events have no case id: rows 1, 3, column 'customer'",
        ),
        ("touchpoint", ["x", "y", None, "z"], r"1 event has no activity: row 2"),
        (
            "ts",
            ["2025-01-01", None, "2025-01-02", "2025-01-03"],
            r"1 event has no timestamp: row 1",
        ),
        (
            "ts",
            ["2025-01-01", "yesterday", "2025-01-02", "2025-01-03"],
            r"cannot be parsed \(e.g. \['yesterday'\]\): row 1.*timestamp_format=",
        ),
    ],
)
def test_bad_rows_raise_with_rows(column, values, message):
    df = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b"],
            "touchpoint": ["x", "y", "x", "y"],
            "ts": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"],
        }
    )
    df[column] = values
    with pytest.raises(LogError, match=message) as info:
        make(df)
    assert info.value.column == column
    assert "on_error" in str(info.value)


def test_collect_keeps_every_rejected_row():
    df = pd.DataFrame(
        {
            "customer": ["a", None, "b", "b"],
            "touchpoint": ["x", "y", None, "y"],
            "ts": ["2025-01-01", "2025-01-02", "2025-01-03", "nope"],
        }
    )
    with pytest.warns(JourneymineWarning, match="3 of 4 rows were rejected"):
        log = make(df, on_error="collect")
    assert log.n_events + len(log.rejected) == len(df)
    assert log.rejected.index.tolist() == [1, 2, 3]
    assert log.rejected.index.name == "row"
    assert log.rejected["reason"].tolist() == [
        "missing case id in column 'customer'",
        "missing activity in column 'touchpoint'",
        "unparseable timestamp in column 'ts'",
    ]


def test_all_rows_rejected():
    df = pd.DataFrame({"customer": [None], "touchpoint": ["x"], "ts": ["2025-01-01"]})
    with (
        pytest.warns(JourneymineWarning),
        pytest.raises(LogError, match="All 1 rows were rejected"),
    ):
        make(df, on_error="collect")


def test_mixed_aware_and_naive_timestamps():
    df = pd.DataFrame(
        {
            "customer": ["a"] * 3,
            "touchpoint": ["x"] * 3,
            "ts": ["2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", "2025-01-01 12:00"],
        }
    )
    with pytest.raises(LogError, match=r"mixes time-zone-aware \(2\) and naive \(1\).*row 2"):
        make(df)


def test_mixed_offsets_are_fine():
    df = pd.DataFrame(
        {
            "customer": ["a"] * 2,
            "touchpoint": ["x", "y"],
            "ts": ["2025-01-01T10:00:00+01:00", "2025-01-01T10:00:00+02:00"],
        }
    )
    assert make(df).to_pandas()["touchpoint"].tolist() == ["y", "x"]


def test_epoch_numbers_need_a_unit():
    df = pd.DataFrame(
        {"customer": ["a"] * 2, "touchpoint": ["x", "y"], "ts": [1700000000, 1700000060]}
    )
    with pytest.raises(LogError, match="holds numbers.*timestamp_format='s'"):
        make(df)
    log = make(df, timestamp_format="s")
    assert log.time[1] - log.time[0] == 60 * 10**9


def test_case_ids_like_na_stay_strings():
    df = pd.DataFrame(
        {
            "customer": ["NA", "null", "None", "NA"],
            "touchpoint": ["x", "x", "x", "y"],
            "ts": ["2025-01-01"] * 4,
        }
    )
    assert make(df).cases.tolist() == ["NA", "None", "null"]


def test_numeric_and_mixed_case_ids():
    df = pd.DataFrame(
        {"customer": [2, 10, 2], "touchpoint": ["x", "y", "z"], "ts": ["2025-01-01"] * 3}
    )
    assert make(df).cases.tolist() == [2, 10]
    df["customer"] = pd.Series([2, "10", 2], dtype=object)
    assert make(df).n_cases == 2


def test_select_cases(tiny_df):
    log = make(tiny_df)
    sub = log.select_cases(np.array([1]))
    assert sub.cases.tolist() == ["b"] and sub.n_events == 2


def test_repr_and_html(tiny_df):
    log = make(tiny_df)
    assert "n_events=6" in repr(log)
    assert "<table>" in log._repr_html_()


@st.composite
def event_frames(draw):
    n = draw(st.integers(1, 30))
    cases = draw(st.lists(st.sampled_from(["a", "b", "c", "NA"]), min_size=n, max_size=n))
    acts = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    ts = pd.Timestamp("2025-01-01") + pd.to_timedelta(minutes, unit="min")
    df = pd.DataFrame({"customer": cases, "touchpoint": acts, "ts": ts, "row": range(n)})
    return spread_duplicates(df, "customer", "touchpoint", "ts")  # exact duplicates warn


@settings(max_examples=examples(60), deadline=None)
@given(event_frames(), st.randoms())
def test_shuffling_rows_gives_same_ordered_log(df, rnd):
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    shuffled = df.iloc[perm].reset_index(drop=True)
    a = make(df).to_pandas()
    b = make(shuffled).to_pandas()
    # identical except where timestamps tie: there input order decides, so
    # compare the multiset of events per (case, ts) and the full order of distinct times
    key = ["customer", "ts"]
    assert a[key].equals(b[key])
    ga = a.groupby(key, sort=False)["row"].apply(sorted).tolist()
    gb = b.groupby(key, sort=False)["row"].apply(sorted).tolist()
    assert ga == gb
    # with distinct (case, ts) the whole log is identical
    uniq = df.drop_duplicates(key)
    pd.testing.assert_frame_equal(
        make(uniq).to_pandas(), make(uniq.sample(frac=1, random_state=1)).to_pandas()
    )


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_case_ids_and_activities_are_missing(blank):
    df = pd.DataFrame(
        {
            "c": ["a", blank, "b", "b", None],
            "a": ["x", "y", blank, "z", "x"],
            "t": pd.date_range("2025-01-01", periods=5, freq="D"),
        }
    )
    with pytest.raises(LogError, match=r"no case id: rows 1, 4"):
        jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.warns(JourneymineWarning, match="3 of 5 rows"):
        log = jm.from_pandas(df, case="c", activity="a", timestamp="t", on_error="collect")
    assert log.rejected.index.tolist() == [1, 2, 4]
    assert log.rejected["reason"].tolist() == [
        "missing case id in column 'c'",
        "missing activity in column 'a'",
        "missing case id in column 'c'",
    ]
    assert list(log.case_labels) == ["a", "b"] and list(log.activity_labels) == ["x", "z"]


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("a Z\t\u00a0\u2003\x00\x7f~!é")), max_size=4),
        max_size=30,
    ),
    st.sampled_from(["str", "string[pyarrow]", "large_string[pyarrow]"]),
)
def test_blank_labels_screened_from_arrow_bytes_like_row_by_row(odd, dtype):
    """Many distinct Arrow labels (the byte-screening path) flag exactly what null_mask flags."""
    from journeymine import _validation as v

    labels = pd.Index(pd.array(sorted(set(odd) | {f"id{i}" for i in range(1_200)}), dtype=dtype))
    got = v._blank_labels(labels)
    np.testing.assert_array_equal(got, v.null_mask(pd.Series(labels, dtype=object)))


_ISO_LAYOUTS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]


@st.composite
def _iso_texts(draw):
    """Timestamps of one layout, some broken (a character replaced), some missing."""
    layout = draw(st.sampled_from(_ISO_LAYOUTS))
    when = st.datetimes(min_value=dt.datetime(1600, 1, 1), max_value=dt.datetime(2400, 12, 31))
    out = []
    for _ in range(draw(st.integers(1, 12))):
        text = draw(when).strftime(layout)
        if draw(st.integers(0, 9)) == 0:
            at = draw(st.integers(0, len(text) - 1))
            text = text[:at] + draw(st.sampled_from(list("09:- TZ+x"))) + text[at + 1 :]
        out.append(None if draw(st.integers(0, 9)) == 0 else text)
    return out


@settings(max_examples=examples(200), deadline=None)
@given(_iso_texts(), st.sampled_from(["str", "string[pyarrow]", "large_string[pyarrow]"]))
def test_plain_iso_timestamps_parse_as_pandas_parses_them(texts, dtype):
    """Arrow's fast path for one-layout ISO text gives pandas' instants, bad rows and errors."""
    from unittest import mock

    from journeymine import _validation as v

    def parse():
        try:
            return v.parse_timestamps(
                pd.Series(texts, dtype=dtype), column="t", fmt=None, source=None, line_offset=None
            )
        except LogError as exc:
            return str(exc)

    fast = parse()
    with mock.patch.object(v, "_plain_iso", lambda values: None):
        slow = parse()
    if isinstance(slow, str):
        assert fast == slow
        return
    ns, bad, aware, out_of_range = fast
    np.testing.assert_array_equal(bad, slow[1])
    np.testing.assert_array_equal(ns[~bad], slow[0][~bad])
    assert aware == slow[2]
    np.testing.assert_array_equal(out_of_range, slow[3])


def test_plain_iso_fast_path_is_taken_only_for_one_layout():
    from journeymine import _validation as v

    taken = ["2025-01-01 10:00:00", None, "2025-03-04T05:06:07"]
    assert v._plain_iso(pd.Series(taken, dtype="str")) is not None
    for other in (
        ["2025-01-01 10:00:00", "2025-01-01"],  # two layouts
        ["2025-01-01 10:00:00+01:00"],  # a time zone
        ["01/02/2025 10:00:00"],  # not ISO
        ["2025-02-30 10:00:00"],  # no such day
    ):
        assert v._plain_iso(pd.Series(other, dtype="str")) is None, other
    assert v._plain_iso(pd.Series(taken, dtype=object)) is None  # not Arrow text


def _same_log(a: jm.JourneyLog, b: jm.JourneyLog) -> None:
    assert list(a.case_labels) == list(b.case_labels)
    assert list(a.activity_labels) == list(b.activity_labels)
    np.testing.assert_array_equal(a.case_codes, b.case_codes)
    np.testing.assert_array_equal(a.activity_codes, b.activity_codes)
    np.testing.assert_array_equal(a.time, b.time)


@settings(max_examples=examples(60), deadline=None)
@given(event_frames())
def test_to_pandas_round_trips(df):
    log = make(df)
    _same_log(
        jm.from_pandas(log.to_pandas(), case="customer", activity="touchpoint", timestamp="ts"), log
    )
    assert log.to_pandas()["row"].tolist() == log.rows.tolist()


@settings(max_examples=examples(25), deadline=None)
@given(event_frames())
def test_pm4py_conversion_round_trips(df):
    pytest.importorskip("pm4py")
    log = make(df)
    back = jm.from_pm4py(log.to_pm4py(), case="customer", activity="touchpoint", timestamp="ts")
    _same_log(back, log)
    pd.testing.assert_frame_equal(jm.discover(back).edges, jm.discover(log).edges)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.one_of(st.integers(0, 6), st.integers(-(2**61), 2**61)),
        ),
        min_size=0,
        max_size=300,
    ),
    st.booleans(),
    st.sampled_from([1, 10**9, 2**40]),
    st.integers(0, 3),
)
def test_order_events_equals_a_stable_lexsort(pairs, presort, scale, empty_cases):
    """Grouped by case in O(n), then ordered within cases: the same as a full stable lexsort.

    Times near the int64 limits (the within-case keys do not fit: the
    row-sorting fallback), times that are multiples of a large step (the keys
    are divided by it) and cases without events are all covered.
    """
    from concurrent.futures import ThreadPoolExecutor

    from journeymine._codes import group_events, order_events, order_within_cases

    if presort:
        pairs = sorted(pairs, key=lambda p: p[0])
    case = np.array([c for c, _ in pairs], dtype=np.int64)
    time = np.array([t * scale if abs(t * scale) < 2**62 else t for _, t in pairs], dtype=np.int64)
    n_cases = (int(case.max()) + 1 if len(case) else 0) + empty_cases
    counts = np.bincount(case, minlength=n_cases)
    got = order_events(case, time, counts)
    grouped = group_events(case, time, counts)
    assert (grouped is None) == (got is None)
    if grouped is not None:  # the halves of the cases ordered on two threads: the same
        with ThreadPoolExecutor(max_workers=1) as pool:
            split = order_within_cases(*grouped, counts, pool)
        np.testing.assert_array_equal(split[0], got[0])
        np.testing.assert_array_equal(split[1], got[1])
    want = np.lexsort((np.arange(len(case)), time, case))
    order, sorted_time = (np.arange(len(case)), time) if got is None else got
    np.testing.assert_array_equal(order, want)
    np.testing.assert_array_equal(sorted_time, time[want])


@pytest.mark.parametrize(
    "high, step",
    [
        (50, 1),  # small keys
        (2**32, 10**9),  # whole seconds over a century: keys fit once divided by the step
        (2**62, 1),  # spans too wide for one key: rows sorted in blocks, long cases lexsorted
    ],
)
def test_order_events_with_long_cases(high, step):
    from journeymine._codes import order_events

    rng = np.random.default_rng(0)
    case = rng.integers(0, 20, 5_000)
    time = rng.integers(0, high, 5_000) * step
    time[::7] = time[1::7][: len(time[::7])]  # ties keep the input order
    got = order_events(case, time, np.bincount(case, minlength=20))
    assert got is not None
    want = np.lexsort((np.arange(5_000), time, case))
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], time[want])


_TEXT = st.text(alphabet=st.sampled_from(list("ab0Z é\u00e9\u4e2d\t")), max_size=6)


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.one_of(_TEXT, st.none(), st.text(min_size=30, max_size=40)), max_size=200),
    st.sampled_from(["str", "string[pyarrow]", "large_string[pyarrow]", "object"]),
)
def test_factorize_equals_pandas_sorted_factorize(values, dtype):
    """Arrow-native coding (mixed-radix keys or dictionary encoding) = pd.factorize(sort=True)."""
    from journeymine._codes import factorize

    series = pd.Series(values, dtype=dtype)
    codes, labels = factorize(series)
    want_codes, want_labels = pd.factorize(series, sort=True, use_na_sentinel=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert labels.equals(pd.Index(want_labels))
    assert labels.dtype == pd.Index(want_labels).dtype


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(st.tuples(st.one_of(_TEXT, st.none()), st.integers(1, 5)), min_size=1, max_size=60),
    st.sampled_from(["str", "string[pyarrow]", "object", "int64", "float64"]),
    st.booleans(),
)
def test_factorize_of_runs_equals_pandas_sorted_factorize(runs, dtype, presort):
    """Values in runs of equal neighbours (sorted case ids) coded once per run: same codes."""
    from unittest import mock

    from journeymine import _codes

    values = [v for v, size in runs for _ in range(size)]
    if dtype in ("int64", "float64"):
        values = [len(v) if v is not None else 7 for v in values]
    if presort:  # sorted ids: the runs' values strictly increase
        values = sorted(values, key=lambda v: (v is None, v if v is not None else ""))
    series = pd.Series(values, dtype=dtype)
    with (
        mock.patch.object(_codes, "_RUNS_MIN_ROWS", 1),
        mock.patch.object(_codes, "_RUNS_MIN_SHARE", 0.0),
    ):
        assert (_codes._run_heads(series) is None) == (dtype == "object" or len(series) < 2)
        codes, labels = _codes.factorize(series)
    want_codes, want_labels = pd.factorize(series, sort=True, use_na_sentinel=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert labels.equals(pd.Index(want_labels))


@pytest.mark.parametrize("fixed", [True, False])
def test_factorize_radix_keys_that_wrap_around_the_integer_type(fixed):
    """Key digits offset by their lowest byte: a raw number beyond int32 still codes exactly."""
    from journeymine._codes import _radix_keys, arrow_strings, factorize

    rng = np.random.default_rng(7)
    head = np.where(rng.random(80_000) < 0.5, "x", "y")
    tail = rng.integers(0, 10**9, 80_000).astype(str)
    if fixed:
        tail = np.char.zfill(tail, 9)
    ids = pd.Series(np.char.add(head, tail), dtype="str")
    radix = _radix_keys(arrow_strings(ids))
    assert radix is not None and (radix.fixed is not None) == fixed
    codes, labels = factorize(ids)
    want_codes, want_labels = pd.factorize(ids, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert labels.equals(pd.Index(want_labels))


def test_factorize_many_ids_takes_the_radix_path_and_agrees():
    from journeymine._codes import _radix_keys, arrow_strings, factorize

    rng = np.random.default_rng(1)
    ids = pd.Series(np.char.add("C", rng.integers(0, 10**6, 50_000).astype(str)), dtype="str")
    assert _radix_keys(arrow_strings(ids)) is not None
    codes, labels = factorize(ids)
    want_codes, want_labels = pd.factorize(ids, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    assert labels.equals(pd.Index(want_labels))


# -- issue 13: select_cases arguments, overflowing spans, duplicates, lifecycles ----------


def test_select_cases_takes_codes_or_a_mask(tiny_df):
    log = make(tiny_df)  # cases a, b, c
    assert log.select_cases(np.array([True, False, True])).cases.tolist() == ["a", "c"]
    assert log.select_cases(np.ones(3, dtype=bool)).n_cases == 3  # not "case 1"
    assert log.select_cases([2, 0, 2]).cases.tolist() == ["a", "c"]
    assert log.select_cases(np.array([], dtype=np.int64)).n_cases == 0
    for bad, match in [
        (np.array([-1]), r"out of range \(e.g. -1\); the log has 3 cases"),
        (np.array([3]), r"out of range \(e.g. 3\)"),
        (np.array([True, False]), r"boolean mask of length 2, but the log has 3 cases"),
        (np.array([0.0, 1.0]), "expects integer case codes or a boolean mask; got float64"),
        (np.array([[0]]), "expects a 1-d array"),
    ]:
        with pytest.raises(ParameterError, match=match):
            log.select_cases(bad)


def test_select_every_case_keeps_the_event_order():
    # rows of one case out of input order: selecting all cases used to lose the order
    df = pd.DataFrame(
        {
            "customer": ["c0", "c0", "c0", "c1"],
            "touchpoint": ["a", "a", "b", "a"],
            "ts": ["2025-01-01 00:00", "2025-01-01 00:01", "2025-01-01 00:00", "2025-01-01 00:00"],
        }
    )
    log = make(df)
    every = log.select_cases(np.arange(log.n_cases))
    np.testing.assert_array_equal(every.activity_codes, log.activity_codes)
    assert every.to_pandas().equals(log.to_pandas())


def test_case_spanning_more_than_292_years_is_refused():
    df = pd.DataFrame(
        {
            "customer": ["old", "old", "new"],
            "touchpoint": ["ad", "buy", "ad"],
            "ts": pd.to_datetime(["1678-01-01", "2261-12-31", "2025-01-01"]),
        }
    )
    with pytest.raises(LogError, match=r"1 case spans more than 292 years") as info:
        make(df)
    assert "case 'old' runs from 1678-01-01 00:00:00 to 2261-12-31 00:00:00" in str(info.value)
    assert info.value.column == "ts" and info.value.rows == [0, 1]
    # up to 292 years is fine, and the duration is right
    df["ts"] = pd.to_datetime(["1800-01-01", "2091-01-01", "2025-01-01"])
    log = make(df)
    assert jm.variants(log)["median_duration"].max() == pd.Timestamp("2091-01-01") - pd.Timestamp(
        "1800-01-01"
    )


def test_exact_duplicates_warn_with_count_and_fix():
    df = pd.DataFrame(
        {
            "customer": ["c1", "c1", "c1", "c1", "c1"],
            "touchpoint": ["ad", "ad", "view", "view", "buy"],
            "ts": ["2025-01-01 10:00", "2025-01-01 10:00", "2025-01-01 11:00"]
            + ["2025-01-01 11:00", "2025-01-01 12:00"],
        }
    )
    with pytest.warns(JourneymineWarning, match=r"2 events repeat .* in 1 case") as caught:
        log = make(df)
    assert "jm.filter_events(log, dedupe=True)" in str(caught[0].message)
    assert log.n_events == 5  # kept, not dropped behind the user's back
    # the same activity at another time is a self-loop, not a duplicate
    df.loc[1, "ts"] = "2025-01-01 10:30"
    df.loc[3, "ts"] = "2025-01-01 11:30"
    make(df)


def test_mixed_lifecycles_warn_with_counts_and_fix():
    df = pd.DataFrame(
        {
            "customer": ["c1"] * 4,
            "touchpoint": ["apply", "apply", "apply", "pay"],
            "ts": ["2025-01-01 10:00", "2025-01-01 11:00", "2025-01-01 12:00", "2025-01-02"],
            "lifecycle:transition": ["SCHEDULE", "START", "COMPLETE", "complete"],
        }
    )
    with pytest.warns(JourneymineWarning, match="complete: 2, schedule: 1, start: 1") as caught:
        make(df)
    assert 'jm.filter_events(log, lifecycle="complete")' in str(caught[0].message)
    make(df.assign(**{"lifecycle:transition": ["complete", "COMPLETE", "Complete", None]}))


def test_bpic_xes_mixing_lifecycles_warns():
    path = shared_data("bpic2013_open_problems.xes.gz")
    with pytest.warns(JourneymineWarning, match="mixes lifecycle transitions") as caught:
        jm.read_xes(path)
    assert 'jm.filter_events(log, lifecycle="' in str(caught[0].message)


def test_select_every_case_keeps_activities_in_log_order():
    """Regression: selecting all cases of a log whose rows were reordered kept input-order codes."""
    df = pd.DataFrame(
        {"c": ["c0", "c0"], "a": ["y", "x"], "t": ["2025-01-01 00:01", "2025-01-01 00:00"]}
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    whole = log.select_cases(np.array([0]))
    assert whole.to_pandas()["a"].tolist() == log.to_pandas()["a"].tolist() == ["x", "y"]
    np.testing.assert_array_equal(whole.activity_codes, log.activity_codes)


def test_factorize_sliced_arrow_text_with_missing_values():
    """Arrow arrays with an offset (sliced frames) and nulls code as pandas does."""
    from journeymine._codes import factorize

    rng = np.random.default_rng(0)
    values = np.char.add("C", rng.integers(0, 10**5, 20_000).astype(str)).astype(object)
    values[rng.integers(0, 20_000, 500)] = None
    whole = pd.Series(values, dtype="str")
    for part in (whole, whole.iloc[777:15_000], whole.iloc[::3], whole.dropna().iloc[10:]):
        codes, labels = factorize(part)
        want_codes, want_labels = pd.factorize(part, sort=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert labels.equals(pd.Index(want_labels))


def test_text_dtypes_give_the_same_log():
    df = pd.DataFrame(
        {
            "c": ["k10", "k2", "k10", None, "k2", "é"],
            "a": ["x", "y", "x", "x", "z", "y"],
            "t": pd.date_range("2025-01-01", periods=6, freq="h")[::-1],
        }
    )
    logs = []
    for dtype in ("object", "str", "string[pyarrow]"):
        frame = df.astype({"c": dtype, "a": dtype})
        with pytest.warns(JourneymineWarning):
            logs.append(
                jm.from_pandas(frame, case="c", activity="a", timestamp="t", on_error="collect")
            )
    for log in logs[1:]:
        assert log.cases.tolist() == logs[0].cases.tolist()
        np.testing.assert_array_equal(log.rows, logs[0].rows)
        np.testing.assert_array_equal(log.case_codes, logs[0].case_codes)
        np.testing.assert_array_equal(log.activity_codes, logs[0].activity_codes)


@settings(max_examples=examples(40), deadline=None)
@given(st.data())
def test_quality_kernel_merges_like_the_whole_log(data):
    from journeymine._quality import Quality
    from journeymine.engine import tree_merge

    n = data.draw(st.integers(2, 25))
    df = pd.DataFrame(
        {
            "customer": data.draw(st.lists(st.sampled_from("abcd"), min_size=n, max_size=n)),
            "touchpoint": data.draw(st.lists(st.sampled_from("xy"), min_size=n, max_size=n)),
            "ts": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(
                data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), "min"
            ),
            "lifecycle:transition": data.draw(
                st.lists(st.sampled_from(["start", "COMPLETE", "complete"]), min_size=n, max_size=n)
            ),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JourneymineWarning)
        log = make(df)
    k = Quality()
    cuts = sorted(data.draw(st.sets(st.integers(1, max(log.n_cases - 1, 1)), max_size=2)))
    bounds = [0, *[c for c in cuts if c < log.n_cases], log.n_cases]
    parts = [
        log.select_cases(np.arange(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    whole = k.finish(k.part(log), log.meta)
    assert k.finish(tree_merge(k, [k.part(p) for p in parts]), log.meta) == whole


def test_quality_kernel_on_a_dask_log_warns_like_in_memory():
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    from journeymine import from_dask
    from journeymine._quality import Quality
    from journeymine.engine import run

    df = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b", "c", "c"],
            "touchpoint": ["x", "x", "y", "y", "z", "w"],
            "ts": ["2025-01-01"] * 6,
        }
    )
    with pytest.warns(JourneymineWarning, match="2 events repeat .* in 2 cases"):
        mem = make(df)
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore", JourneymineWarning)  # partitions' own checks
        dlog = from_dask(
            dd.from_pandas(df, npartitions=3),
            case="customer",
            activity="touchpoint",
            timestamp="ts",
        )
        got = run(Quality(), dlog)
    assert got == Quality().finish(Quality().part(mem), mem.meta)


def test_n_activities_counts_distinct_activities_as_repr_shows():
    log = jm.datasets.load_shop()
    assert log.n_activities == len(log.activities) == len(set(log.column(log.activity)))
    assert f"n_activities={log.n_activities}" in repr(log)
    sub = log.select_cases(np.array([0]))
    assert sub.n_activities == len(set(sub.column(sub.activity)))
