"""The case table and the filters: plain-Python references, kernels, Dask equality, errors."""

from __future__ import annotations

import dataclasses

import dask
import pandas as pd
import pandas.testing as tm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine._percase import CaseTable
from journeymine.errors import JourneymineWarning, LogError, ParameterError

from slice_support import dask_log, shop_frame, split_equal, to_log, traces
from strategies import SLICE_ACTIVITIES, examples, journey_frames

SETTINGS = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture
def sync():
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        yield


def kept_cases(log) -> list:
    return [] if log.n_cases == 0 else log.cases.tolist()


def quiet(func, *args, **kwargs):
    """Call a filter, allowing the warning it gives when nothing is left."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JourneymineWarning)
        return func(*args, **kwargs)


# -- case table ------------------------------------------------------------------------
@SETTINGS
@given(journey_frames())
def test_case_table_matches_reference(df):
    log = to_log(df)
    table = log.case_table()
    ref = traces(df)
    assert table["case"].tolist() == sorted(ref)
    first_channel = (
        df.sort_values(["case", "timestamp"], kind="stable").groupby("case")["channel"].first()
    )
    for row in table.itertuples(index=False):
        events = ref[row.case]
        assert row.events == len(events)
        assert row.start == events[0][1] and row.end == events[-1][1]
        assert row.duration == events[-1][1] - events[0][1]
        assert row.first_activity == events[0][0] and row.last_activity == events[-1][0]
        assert row.channel == first_channel[row.case]


@SETTINGS
@given(journey_frames(), st.lists(st.integers(0, 8), max_size=3))
def test_case_table_kernel_splits(df, cut):
    split_equal(CaseTable(), to_log(df), cut, tm.assert_frame_equal)


# -- filter_cases --------------------------------------------------------------------
def reference_cases(df, **cond):
    """Plain-Python filter_cases over the traces."""
    out = []
    for case, events in traces(df).items():
        acts = [a for a, _ in events]
        times = [t for _, t in events]
        ok = True
        if "has" in cond:
            ok &= all(a in acts for a in cond["has"])
        if "lacks" in cond:
            ok &= not any(a in acts for a in cond["lacks"])
        if "starts_with" in cond:
            ok &= acts[0] in cond["starts_with"]
        if "ends_with" in cond:
            ok &= acts[-1] in cond["ends_with"]
        if "follows" in cond:
            a, b = cond["follows"]
            ok &= any(x == a and y == b for x, y in zip(acts, acts[1:], strict=False))
        if "eventually" in cond:
            a, b = cond["eventually"]
            ok &= a in acts and b in acts[acts.index(a) + 1 :]
        if "min_events" in cond:
            ok &= len(acts) >= cond["min_events"]
        if "max_events" in cond:
            ok &= len(acts) <= cond["max_events"]
        if "min_duration" in cond:
            ok &= times[-1] - times[0] >= pd.Timedelta(cond["min_duration"])
        if "max_duration" in cond:
            ok &= times[-1] - times[0] <= pd.Timedelta(cond["max_duration"])
        if "variants" in cond:
            ok &= tuple(acts) in cond["variants"]
        if ok:
            out.append(case)
    return out


acts = st.sampled_from(SLICE_ACTIVITIES)
conditions = st.fixed_dictionaries(
    {},
    optional={
        "has": st.lists(acts, min_size=1, max_size=2, unique=True),
        "lacks": st.lists(acts, min_size=1, max_size=2, unique=True),
        "starts_with": st.lists(acts, min_size=1, max_size=2, unique=True),
        "ends_with": st.lists(acts, min_size=1, max_size=2, unique=True),
        "follows": st.tuples(acts, acts),
        "eventually": st.tuples(acts, acts),
        "min_events": st.integers(0, 5),
        "max_events": st.integers(0, 5),
        "min_duration": st.sampled_from(["0h", "5h", "1D", "2D"]),
        "max_duration": st.sampled_from(["0h", "5h", "1D", "2D"]),
        "variants": st.lists(st.lists(acts, min_size=1, max_size=3).map(tuple), max_size=3),
    },
)


@SETTINGS
@given(journey_frames(), conditions)
def test_filter_cases_matches_reference(df, cond):
    log = to_log(df)
    named = {k: v for k, v in cond.items() if k in ("has", "lacks", "starts_with", "ends_with")}
    named.update({k: v for k, v in cond.items() if k in ("follows", "eventually")})
    missing = {a for v in named.values() for a in v} - set(log.activities)
    if missing:
        with pytest.raises(ParameterError, match="names activities the log does not have"):
            jm.filter_cases(log, **cond)
        return
    got = quiet(jm.filter_cases, log, **cond)
    assert kept_cases(got) == reference_cases(df, **cond)
    # whole cases are kept, with their events in the same order
    ref = traces(df)
    for case, events in traces(got.to_pandas()).items():
        assert [a for a, _ in events] == [a for a, _ in ref[case]]


@SETTINGS
@given(journey_frames(), st.integers(1, 4))
def test_filter_cases_top_variants(df, k):
    log = to_log(df)
    top = jm.variants(log, top=k)["variant"].tolist()
    got = jm.filter_cases(log, variants=k)
    assert kept_cases(got) == reference_cases(df, variants=top)


@SETTINGS
@given(journey_frames())
def test_filter_cases_where(df):
    log = to_log(df)
    table = log.case_table()
    by_callable = quiet(jm.filter_cases, log, where=lambda t: t["channel"] == "web")
    series = pd.Series(table["channel"].eq("web").to_numpy(), index=table["case"])
    by_series = quiet(jm.filter_cases, log, where=series)
    expected = table.loc[table["channel"] == "web", "case"].tolist()
    assert kept_cases(by_callable) == kept_cases(by_series) == expected


# -- filter_time -----------------------------------------------------------------------
def reference_time(df, start, end, mode):
    lo = pd.Timestamp(start) if start is not None else pd.Timestamp.min
    hi = pd.Timestamp(end) if end is not None else pd.Timestamp.max
    inside = lambda t: lo <= t < hi  # noqa: E731
    out = {}
    for case, events in traces(df).items():
        times = [t for _, t in events]
        if mode == "trim":
            kept = [e for e in events if inside(e[1])]
            if kept:
                out[case] = kept
            continue
        ok = {
            "contained": inside(times[0]) and inside(times[-1]),
            "intersecting": any(inside(t) for t in times),
            "started": inside(times[0]),
            "completed": inside(times[-1]),
        }[mode]
        if ok:
            out[case] = events
    return out


days = st.none() | st.integers(0, 25).map(lambda d: f"2025-01-{d + 1:02d} 06:00")


@SETTINGS
@given(
    journey_frames(),
    days,
    days,
    st.sampled_from(["contained", "intersecting", "started", "completed", "trim"]),
)
def test_filter_time_matches_reference(df, start, end, mode):
    if start is not None and end is not None and end < start:
        start, end = end, start
    got = quiet(jm.filter_time, to_log(df), start, end, mode=mode)
    ref = reference_time(df, start, end, mode)
    assert kept_cases(got) == sorted(ref)
    if got.n_events:
        assert traces(got.to_pandas()) == {c: ref[c] for c in sorted(ref)}


# -- filter_events ---------------------------------------------------------------------
@SETTINGS
@given(
    journey_frames(),
    st.none() | st.lists(acts, min_size=1, max_size=3, unique=True),
    st.booleans(),
    st.booleans(),
)
def test_filter_events_matches_reference(df, activities, keep, dedupe):
    log = to_log(df)
    if activities is not None and set(activities) - set(log.activities):
        with pytest.raises(ParameterError, match="'activities'"):
            jm.filter_events(log, activities=activities, keep=keep, dedupe=dedupe)
        return
    got = quiet(jm.filter_events, log, activities=activities, keep=keep, dedupe=dedupe)
    expected = {}
    for case, events in traces(df).items():
        kept = [e for e in events if activities is None or ((e[0] in activities) == keep)]
        if dedupe:
            kept = [e for i, e in enumerate(kept) if i == 0 or e != kept[i - 1]]
        if kept:
            expected[case] = kept
    assert (traces(got.to_pandas()) if got.n_events else {}) == expected


def test_filter_events_lifecycle():
    df = pd.DataFrame(
        {
            "case": [1, 1, 1, 2],
            "activity": ["a", "a", "b", "a"],
            "timestamp": pd.date_range("2025-01-01", periods=4, freq="h"),
            "lifecycle:transition": ["start", "COMPLETE", "complete", "start"],
        }
    )
    with pytest.warns(JourneymineWarning, match="mixes lifecycle transitions"):
        log = to_log(df)
    got = jm.filter_events(log, lifecycle="complete")
    assert got.to_pandas()["activity"].tolist() == ["a", "b"]
    with pytest.raises(ParameterError, match="lifecycle_column"):
        jm.filter_events(to_log(df.drop(columns="lifecycle:transition")), lifecycle="complete")


def test_filters_compose_and_keep_labels_and_rejected():
    df = shop_frame(200)
    df.loc[3, "activity"] = None
    with pytest.warns(JourneymineWarning, match="rejected"):
        log = to_log(df, on_error="collect")
    step = jm.filter_events(
        jm.filter_time(jm.filter_cases(log, has="Place order"), "2025-02-01", None),
        activities="See social ad",
        keep=False,
    )
    assert len(step.rejected) == 1
    assert set(step.cases) <= set(log.cases)
    assert "See social ad" not in step.activities
    assert step.case == "case" and step.to_pandas().columns.tolist() == log.columns


# -- errors ------------------------------------------------------------------------------
def test_unknown_activity_names_parameter_and_closest():
    log = to_log(shop_frame(50))
    with pytest.raises(ParameterError, match=r"'has'.*'Place ordr'.*Did you mean 'Place order'"):
        jm.filter_cases(log, has="Place ordr")
    with pytest.raises(ParameterError, match="'follows'"):
        jm.filter_cases(log, follows=("Place order", "Nope"))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_duration": 3}, "'min_duration'.*Timedelta or a string"),
        ({"max_duration": "soon"}, "'max_duration'"),
        ({"min_events": -1}, "'min_events'"),
        ({"follows": "ab"}, "'follows'.*pair"),
        ({"variants": 0}, "'variants'"),
        ({"variants": "ab"}, "'variants'"),
        ({"where": 3}, "'where'"),
        ({"where": lambda t: t["events"]}, "'where'.*boolean"),
    ],
)
def test_filter_cases_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        jm.filter_cases(to_log(shop_frame(20)), **kwargs)


def test_filter_time_bad_arguments():
    log = to_log(shop_frame(20))
    with pytest.raises(ParameterError, match="'mode'"):
        jm.filter_time(log, "2025-01-01", mode="inside")
    with pytest.raises(ParameterError, match="'end'.*before 'start'"):
        jm.filter_time(log, "2025-02-01", "2025-01-01")
    with pytest.raises(ParameterError, match="'start'"):
        jm.filter_time(log, 20250101)


def test_empty_result_warns_and_analyses_say_no_cases():
    log = to_log(shop_frame(50))
    with pytest.warns(JourneymineWarning, match="kept no event"):
        empty = jm.filter_time(log, "1990-01-01", "1990-02-01")
    assert empty.n_cases == 0 and empty.n_events == 0
    assert len(empty.case_table()) == 0
    for call in (
        lambda: jm.paths(empty, "Place order"),
        lambda: jm.step_matrix(empty),
        lambda: jm.compare(empty, "channel"),
    ):
        with pytest.raises(LogError, match="no cases"):
            call()


# -- Dask ------------------------------------------------------------------------------
FILTERS = [
    lambda log: jm.filter_cases(log, has=["Add to cart"], min_events=4),
    lambda log: jm.filter_cases(
        log, eventually=("View product", "Place order"), max_duration="20D"
    ),
    lambda log: jm.filter_cases(log, follows=("Add to cart", "Start checkout"), lacks="Pay"),
    lambda log: jm.filter_cases(log, variants=5),
    lambda log: jm.filter_cases(log, where=lambda t: t["channel"] == "web"),
    lambda log: jm.filter_time(log, "2025-02-01", "2025-04-01", mode="intersecting"),
    lambda log: jm.filter_time(log, "2025-02-01", "2025-04-01", mode="trim"),
    lambda log: jm.filter_events(log, activities=["See social ad", "Read blog post"], keep=False),
    lambda log: jm.filter_events(jm.filter_cases(log, starts_with="See social ad"), dedupe=True),
]


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_dask_filters_equal_in_memory(sync, npartitions):
    df = shop_frame(30)  # 8 partitions of 30 cases: one is empty
    mem = to_log(df, channel="channel", stage="stage")
    dlog = dask_log(df, npartitions, channel="channel", stage="stage")
    for f in FILTERS:
        got, want = f(dlog), f(mem)
        assert type(got).__name__ == "DaskJourneyLog"
        # the same metadata, but for the engine's own word that its pieces hold disjoint cases
        assert got.meta.disjoint_parts and not want.meta.disjoint_parts
        assert dataclasses.replace(got.meta, disjoint_parts=False) == want.meta
        tm.assert_frame_equal(got.case_table(), want.case_table())
    tm.assert_frame_equal(got.compute().to_pandas(), want.to_pandas())


def test_dask_filter_is_lazy_and_empty_result(sync):
    dlog = dask_log(shop_frame(40), 3)
    empty = jm.filter_time(dlog, "1990-01-01", "1990-02-01")
    assert "not counted yet" in repr(empty)
    assert empty.n_events == 0 and empty.n_cases == 0
    with pytest.raises(LogError, match="no cases"):
        jm.step_matrix(empty)
