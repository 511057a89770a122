"""trim() and the time-bounded sequence filters: plain-pandas references, shop data, Dask, pm4py."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import ParameterError

from slice_support import dask_log, shop_frame, to_log
from strategies import SLICE_ACTIVITIES, journey_frames

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
acts = st.lists(st.sampled_from(SLICE_ACTIVITIES), min_size=1, max_size=2, unique=True)


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """The events in log order: case, timestamp, input row."""
    out = df.assign(_row=range(len(df)))
    return out.sort_values(["case", "timestamp", "_row"], kind="stable")


def reference_trim(df: pd.DataFrame, start, end, end_at: str) -> set[int]:
    """Input rows kept, written from the contract: first start, then first/last end at or after."""
    kept: set[int] = set()
    for _, events in ordered(df).groupby("case", sort=False):
        activity = events["activity"].tolist()
        rows = events["_row"].tolist()
        i = next((k for k, a in enumerate(activity) if a in start), None)
        if i is None:
            continue
        ends = [k for k in range(i, len(activity)) if activity[k] in end]
        if not ends:
            continue
        j = ends[0] if end_at == "first" else ends[-1]
        kept.update(rows[i : j + 1])
    return kept


def kept_rows(df: pd.DataFrame, log) -> set[int]:
    out = (log if isinstance(log, jm.JourneyLog) else log.compute()).to_pandas()
    return set(out["_input"].tolist())


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():  # an empty result warns; the contract is the kept rows
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return fn(*args, **kwargs)


@SETTINGS
@given(journey_frames(), acts, acts, st.sampled_from(["first", "last"]))
def test_trim_matches_reference(df, start, end, end_at):
    df = df.assign(_input=range(len(df)))
    log = to_log(df)
    start = [a for a in start if a in set(df["activity"])] or [df["activity"].iloc[0]]
    end = [a for a in end if a in set(df["activity"])] or [df["activity"].iloc[-1]]
    got = quiet(jm.trim, log, start, end, end_at=end_at)
    assert kept_rows(df, got) == reference_trim(df, start, end, end_at)


def reference_within(df: pd.DataFrame, pair, within, direct: bool) -> set:
    a, b = pair
    limit = pd.Timedelta(within)
    keep = set()
    for case, events in ordered(df).groupby("case", sort=False):
        activity, times = events["activity"].tolist(), events["timestamp"].tolist()
        n = len(activity)
        for i in range(n):
            for j in [i + 1] if direct else range(i + 1, n):
                if j < n and activity[i] == a and activity[j] == b:
                    if pd.Timedelta(0) <= times[j] - times[i] <= limit:
                        keep.add(case)
    return keep


@SETTINGS
@given(
    journey_frames(),
    st.tuples(st.sampled_from(SLICE_ACTIVITIES), st.sampled_from(SLICE_ACTIVITIES)),
    st.sampled_from(["0h", "5h", "1D", "3D"]),
    st.booleans(),
)
def test_time_bounded_filters_match_reference(df, pair, within, direct):
    if not set(pair) <= set(df["activity"]):
        pair = (df["activity"].iloc[0], df["activity"].iloc[-1])
    log = to_log(df)
    kw = {"follows" if direct else "eventually": pair}
    got = quiet(jm.filter_cases, log, within=within, **kw)
    assert set(got.cases) == reference_within(df, pair, within, direct)


def test_within_unbounded_equals_plain_filter():
    log = to_log(shop_frame(200))
    a = jm.filter_cases(log, eventually=("Add to cart", "Place order"))
    b = jm.filter_cases(log, eventually=("Add to cart", "Place order"), within="10000D")
    assert list(a.cases) == list(b.cases)


def test_shop_data_agrees_with_reference():
    df = shop_frame(300).assign(_input=lambda d: range(len(d)))
    log = to_log(df)
    for end_at in ("first", "last"):
        got = jm.trim(log, "View product", ["Add to cart", "Place order"], end_at=end_at)
        want = reference_trim(df, ["View product"], ["Add to cart", "Place order"], end_at)
        assert kept_rows(df, got) == want
    for direct in (False, True):
        kw = {"follows" if direct else "eventually": ("Add to cart", "Place order")}
        got = jm.filter_cases(log, within="2D", **kw)
        assert set(got.cases) == reference_within(df, ("Add to cart", "Place order"), "2D", direct)


@pytest.mark.parametrize("npartitions", [1, 4])
def test_dask_equals_memory(npartitions):
    df = shop_frame(150).drop_duplicates(["case", "activity", "timestamp"])
    df = df.assign(_input=range(len(df)))
    mem, dlog = to_log(df), dask_log(df, npartitions)
    for fn in (
        lambda lg: jm.trim(lg, "View product", "Place order", end_at="last"),
        lambda lg: jm.trim(lg, ["See social ad", "Open newsletter"], "Add to cart"),
        lambda lg: jm.filter_cases(lg, eventually=("View product", "Place order"), within="1D"),
        lambda lg: jm.filter_cases(lg, follows=("Add to cart", "Place order"), within="6h"),
    ):
        want = fn(mem).to_pandas().reset_index(drop=True)
        got = fn(dlog).compute().to_pandas().reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_errors():
    log = to_log(shop_frame(20))
    with pytest.raises(ParameterError, match="'end_at' parameter of trim"):
        jm.trim(log, "View product", "Place order", end_at="middle")
    with pytest.raises(ParameterError, match="Did you mean 'Place order'"):
        jm.trim(log, "View product", "Place ordr")
    with pytest.raises(ParameterError, match="'start' parameter of trim"):
        jm.trim(log, None, "Place order")
    with pytest.raises(ParameterError, match="'within' parameter of filter_cases"):
        jm.filter_cases(log, has="Place order", within="1D")
    with pytest.raises(ParameterError, match="within"):
        jm.filter_cases(log, follows=("View product", "Place order"), within="soon")


# -- pm4py's filter_between on the shared real logs ------------------------------------------
@pytest.mark.parametrize(
    ("name", "pairs"),
    [
        ("sepsis.xes.gz", [("ER Registration", "IV Antibiotics"), ("CRP", "LacticAcid")]),
        ("receipt.xes.gz", [("Confirmation of receipt", "T06 Determine necessity of stop advice")]),
    ],
)
def test_trim_agrees_with_pm4py_filter_between(name, pairs):
    pm4py = pytest.importorskip("pm4py")
    from conftest import shared_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        log = jm.read_xes(shared_data(name))
    frame = log.to_pandas()  # log order: cases are contiguous, as pm4py's filter expects
    df = pd.DataFrame(
        {
            "case:concept:name": frame[log.case].astype(str).to_numpy(),
            "concept:name": frame[log.activity].astype(str).to_numpy(),
            "time:timestamp": log.timestamps().to_numpy(),
            "_input": range(len(frame)),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        ours = jm.from_pandas(
            df, case="case:concept:name", activity="concept:name", timestamp="time:timestamp"
        )
    for a, b in pairs:
        theirs = pm4py.filter_between(df, a, b)
        case_of = theirs["case:concept:name"].str.split("##@@")
        first = theirs[case_of.str[1] == "0"]  # the first pair of each case
        got = jm.trim(ours, a, b).to_pandas()
        assert len(got) > 0
        assert sorted(got["_input"]) == sorted(first["_input"])
        # end_at="last" equals pm4py's span from its first pair's start to its last pair's
        # end on the cases whose last b closes one of pm4py's pairs
        last = jm.trim(ours, a, b, end_at="last").to_pandas()
        span = theirs.assign(_case=case_of.str[0]).groupby("_case")["_input"].agg(["min", "max"])
        last_end = last.groupby("case:concept:name")["_input"].max().reindex(span.index)
        same = span.index[span["max"].to_numpy() == last_end.to_numpy()]
        assert len(same) > 0
        rows = last.groupby("case:concept:name")["_input"].agg(list)
        for case in same:
            lo, hi = span.loc[case]
            assert rows[case] == list(range(lo, hi + 1))
