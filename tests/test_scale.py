"""The Dask engine: results equal the in-memory ones, on a real (local, multi-process) cluster."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

import journeymine as jm  # noqa: E402
from journeymine.errors import (  # noqa: E402
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ParameterError,
)
from journeymine.log import from_pandas  # noqa: E402
from journeymine.model import JourneyModel  # noqa: E402
from journeymine.scale import (  # noqa: E402
    DaskJourneyLog,
    from_dask,
    read_parquet_dask,
)

STAGES = {
    "ad": "Awareness",
    "email": "Awareness",
    "view": "Consideration",
    "compare": "Consideration",
    "cart": "Decision",
    "buy": "Purchase",
    "return": "Retention",
    "review": "Advocacy",
}


@pytest.fixture(scope="module")
def client():
    """A two-process local cluster, the default scheduler for every test of this file."""
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        )
    except Exception as exc:  # pragma: no cover - sandboxed machines
        pytest.skip(f"a local Dask cluster cannot start here: {exc}")
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def sync():
    """Dask's single-threaded scheduler: for the small logs of checks that are the same on any
    scheduler (validation, ordering), which a cluster would only slow down."""
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        yield


def events(n_cases: int = 40, seed: int = 0) -> pd.DataFrame:
    """Events of ``n_cases`` customers in shuffled row order, with ties, a stage and a channel."""
    rng = np.random.default_rng(seed)
    acts = list(STAGES) + ["chat"]  # "chat" is unknown to the model
    rows = []
    for c in range(n_cases):
        k = int(rng.integers(1, 9))
        t0 = pd.Timestamp("2025-01-01") + pd.Timedelta(hours=int(rng.integers(0, 500)))
        hours = np.sort(rng.integers(0, 72, size=k))  # repeated hours: ties in time
        for h in hours:
            a = acts[int(rng.integers(0, len(acts)))]
            rows.append((f"c{c:03d}", a, t0 + pd.Timedelta(hours=int(h)), STAGES.get(a)))
    df = pd.DataFrame(rows, columns=["customer", "touchpoint", "ts", "stage"])
    df["channel"] = rng.choice(["web", "app", "store"], size=len(df))
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def data():
    return events()


@pytest.fixture(scope="module")
def lazy_log(client, data):
    """Four input partitions, one of them empty, cases split across them; shuffled to three."""
    sizes = dd.from_pandas(data, npartitions=4, sort=False).map_partitions(len).compute()
    cut = np.concatenate([[0], np.cumsum(sizes)])  # from_pandas(sort=False) splits in row order
    flagged = data.assign(keep=True)
    flagged.loc[cut[2] : cut[3] - 1, "keep"] = False  # the third partition ends up empty
    kept = flagged[flagged["keep"]].drop(columns="keep").reset_index(drop=True)
    ddf = dd.from_pandas(flagged, npartitions=4, sort=False)
    ddf = ddf[ddf["keep"]].drop(columns="keep")
    lengths = ddf.map_partitions(len).compute().tolist()
    assert 0 in lengths and len(lengths) == 4, lengths
    log = from_dask(
        ddf,
        case="customer",
        activity="touchpoint",
        timestamp="ts",
        stage="stage",
        channel="channel",
        npartitions=3,
    )
    return log, kept


@pytest.fixture(scope="module")
def dlog(lazy_log):
    """The same log with its shuffled events kept in the cluster (shuffled once, not per test)."""
    log, kept = lazy_log
    return log.persist(), kept


@pytest.fixture(scope="module")
def mem(dlog):
    _, kept = dlog
    return from_pandas(
        kept,
        case="customer",
        activity="touchpoint",
        timestamp="ts",
        stage="stage",
        channel="channel",
    )


@pytest.fixture(scope="module")
def model():
    return JourneyModel(
        stages=["Awareness", "Consideration", "Decision", "Purchase", "Retention", "Advocacy"],
        activities=STAGES,
        required=["Consideration", "Purchase"],
        start=["Awareness"],
        loops=[("Retention", "Purchase")],
        purchase=["buy"],
        returns=["return"],
    )


def test_cases_span_input_partitions(dlog):
    log, kept = dlog
    first = log._input.partitions[0].compute()["customer"]
    last = log._input.partitions[3].compute()["customer"]
    assert set(first) & set(last)


def test_log_sizes_and_labels(dlog, mem):
    log, _ = dlog
    assert isinstance(log, DaskJourneyLog)
    assert log.n_events == mem.n_events == len(log)
    assert log.n_cases == mem.n_cases
    assert log.activities == mem.activities
    assert log.n_activities == mem.n_activities == len(mem.activities)
    assert log.npartitions == 3
    assert log.columns == mem.columns
    assert log.rejected.empty
    assert "DaskJourneyLog(npartitions=3" in repr(log)


def test_each_case_in_one_partition(dlog):
    log, _ = dlog
    parts = [p.compute()["customer"] for p in log.ddf.to_delayed()]
    owners = pd.concat([pd.Series(i, index=pd.unique(p)) for i, p in enumerate(parts)])
    assert not owners.index.duplicated().any()


@pytest.mark.parametrize("by", ["activity", "stage", "channel"])
def test_discover_equals_in_memory(dlog, mem, by):
    log, _ = dlog
    got, want = jm.discover(log, by=by), jm.discover(mem, by=by)
    assert_graphs_agree(got, want)
    assert (got.n_cases, got.n_events, got.by) == (want.n_cases, want.n_events, want.by)


def assert_graphs_agree(got, want):
    """A Dask graph merges its partitions' graphs: all exact but median and p90 (within 1 %)."""
    pd.testing.assert_frame_equal(got.nodes, want.nodes)
    exact = ["source", "target", "events", "cases", "mean_duration", "min_duration"]
    pd.testing.assert_frame_equal(
        got.edges[[*exact, "max_duration"]], want.edges[[*exact, "max_duration"]]
    )
    for col in ("median_duration", "p90_duration"):
        a = got.edges[col].to_numpy(dtype=np.int64).astype(float)
        b = want.edges[col].to_numpy(dtype=np.int64).astype(float)
        assert (np.abs(a - b) <= 0.01 * b + 1).all(), col


def test_discover_modal_stage_across_partitions(sync):
    # activity "x" is stage A in one case and B in two others: the modal stage is B
    df = pd.DataFrame(
        {
            "c": [1, 2, 3, 1, 2, 3],
            "a": ["x", "x", "x", "y", "y", "y"],
            "t": pd.date_range("2025-01-01", periods=6, freq="h"),
            "s": ["A", "B", "B", "A", "A", "A"],
        }
    )
    log = from_dask(
        dd.from_pandas(df, npartitions=3),
        case="c",
        activity="a",
        timestamp="t",
        stage="s",
        npartitions=3,
    )
    got = jm.discover(log).nodes
    pd.testing.assert_frame_equal(
        got, jm.discover(from_pandas(df, case="c", activity="a", timestamp="t", stage="s")).nodes
    )
    assert got.set_index("node")["stage"].to_dict() == {"x": "B", "y": "A"}


def test_variants_equal_in_memory(dlog, mem):
    log, _ = dlog
    pd.testing.assert_frame_equal(jm.variants(log), jm.variants(mem))
    pd.testing.assert_frame_equal(jm.variants(log, top=3), jm.variants(mem, top=3))


def test_ties_keep_input_row_order(sync):
    # same case, same time: the log keeps input order even across input partitions
    df = pd.DataFrame(
        {
            "c": ["k", "k", "k", "j"],
            "a": ["first", "second", "third", "first"],
            "t": ["2025-01-01"] * 4,
        }
    )
    log = from_dask(
        dd.from_pandas(df, npartitions=3, sort=False),
        case="c",
        activity="a",
        timestamp="t",
        npartitions=2,
    )
    assert jm.variants(log)["variant"].tolist() == [("first",), ("first", "second", "third")]
    assert log.to_pandas()["a"].tolist() == ["first", "first", "second", "third"]


def test_compute_equals_from_pandas(dlog, mem):
    log, _ = dlog
    local = log.compute()
    pd.testing.assert_frame_equal(local.to_pandas(), mem.to_pandas())
    np.testing.assert_array_equal(local.rows, mem.rows)
    pd.testing.assert_frame_equal(log.to_pandas(), mem.to_pandas())


def test_lazy_and_persisted_logs_agree(lazy_log, dlog, mem):
    lazy, _ = lazy_log
    persisted, _ = dlog
    pd.testing.assert_frame_equal(jm.variants(lazy), jm.variants(mem))
    pd.testing.assert_frame_equal(jm.discover(lazy).edges, jm.discover(persisted).edges)


def test_find_loops_equals_in_memory(dlog, mem, model):
    log, _ = dlog
    pd.testing.assert_frame_equal(jm.find_loops(log, model=model), jm.find_loops(mem, model=model))
    pd.testing.assert_frame_equal(
        jm.find_loops(log, purchase="buy", returns=["return"]),
        jm.find_loops(mem, purchase="buy", returns=["return"]),
    )
    pd.testing.assert_frame_equal(
        jm.loop_summary(log, model=model), jm.loop_summary(mem, model=model)
    )


def test_funnel_equals_in_memory(dlog, mem, model):
    log, _ = dlog
    pd.testing.assert_frame_equal(jm.funnel(log, model), jm.funnel(mem, model))
    as_of = pd.Timestamp(int(mem.time.max())) + pd.Timedelta(days=3)
    pd.testing.assert_frame_equal(
        jm.funnel(log, model, as_of=as_of, open_window="10D"),
        jm.funnel(mem, model, as_of=as_of, open_window="10D"),
    )


def test_funnel_as_of_checked_against_whole_log(dlog, mem, model):
    log, _ = dlog
    early = pd.Timestamp(int(mem.time.min()))
    with pytest.raises(ParameterError, match="before the log's last event") as want:
        jm.funnel(mem, model, as_of=early)
    with pytest.raises(ParameterError, match="before the log's last event") as got:
        jm.funnel(log, model, as_of=early)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("transitions", [False, True])
def test_check_equals_in_memory(dlog, mem, model, transitions):
    conformance = pytest.importorskip("journeymine.conformance")
    log, _ = dlog
    if transitions:
        allowed = [(a, b) for a in STAGES for b in STAGES if a != "buy" or b != "ad"]
        model = JourneyModel(
            stages=list(model.stages), activities=STAGES, start=["Awareness"], transitions=allowed
        )
    got, want = jm.check(log, model), conformance.check(mem, model)
    for name in ("cases", "deviations", "summary", "compare"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)
    assert got.method == want.method and repr(got) == repr(want)


@pytest.mark.parametrize(
    "name", ["check", "find_loops", "loop_summary", "funnel", "stage_durations"]
)
def test_public_functions_dispatch(dlog, mem, model, name):
    """jm.<name> on a DaskJourneyLog runs the Dask engine and equals the in-memory result."""
    func = getattr(jm, name)
    log, _ = dlog
    takes_model = name in ("check", "funnel", "stage_durations")
    args = (model,) if takes_model else ()
    kwargs = {} if takes_model else {"model": model}
    got, want = func(log, *args, **kwargs), func(mem, *args, **kwargs)
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    else:
        for table in ("cases", "deviations", "summary", "compare"):
            pd.testing.assert_frame_equal(getattr(got, table), getattr(want, table), obj=table)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"summary": True},
        {"by": "channel"},
        {"by": "channel", "summary": True},
        {"as_of": "+3D"},
    ],
)
def test_stage_durations_equal_in_memory(dlog, mem, model, kwargs):
    log, _ = dlog
    if kwargs.get("as_of") == "+3D":
        kwargs = {"as_of": pd.Timestamp(int(mem.time.max())) + pd.Timedelta(days=3)}
    pd.testing.assert_frame_equal(
        jm.stage_durations(log, model, **kwargs), jm.stage_durations(mem, model, **kwargs)
    )


def test_stage_durations_as_of_checked_against_whole_log(dlog, mem, model):
    log, _ = dlog
    early = pd.Timestamp(int(mem.time.min()))
    with pytest.raises(ParameterError) as want:
        jm.stage_durations(mem, model, as_of=early)
    with pytest.raises(ParameterError) as got:
        jm.stage_durations(log, model, as_of=early)
    assert str(got.value) == str(want.value)


def test_read_parquet_folder(client, tmp_path, data):
    for i, chunk in enumerate(np.array_split(np.arange(len(data)), 3)):
        data.iloc[chunk].to_parquet(tmp_path / f"part{i}.parquet")
    log = jm.read_parquet(
        tmp_path, case="customer", activity="touchpoint", timestamp="ts", engine="dask"
    )
    assert isinstance(log, DaskJourneyLog) and log.source == str(tmp_path)
    mem = from_pandas(data, case="customer", activity="touchpoint", timestamp="ts")
    got, want = jm.discover(log), jm.discover(mem)
    assert_graphs_agree(got, want)


def test_read_parquet_missing_path(tmp_path):
    with pytest.raises(LogError, match="not found"):
        read_parquet_dask(tmp_path / "nope", case="c", activity="a", timestamp="t")


# -- errors: the same as in memory ---------------------------------------------------
def bad_frame(**changes) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "a": ["x", "y", "x", "y", "x", "y", "x", "y"],
            "t": [f"2025-01-0{i + 1} 10:00" for i in range(8)],
        }
    )
    for col, (rows, value) in changes.items():
        df.loc[rows, col] = value
    return df


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"c": ([1, 6], None)}, "2 events have no case id: rows 1, 6"),
        ({"a": ([7], "  ")}, "1 event has no activity: row 7"),
        ({"t": ([2, 5], "soon")}, "cannot be parsed"),
        ({"t": ([0], None)}, "1 event has no timestamp: row 0"),
        ({"t": ([4, 5, 6, 7], "2025-02-01T00:00+01:00")}, "mixes time-zone-aware"),
    ],
)
def test_bad_rows_raise_like_in_memory(sync, changes, match):
    df = bad_frame(**changes)
    with pytest.raises(LogError, match=match) as want:
        from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(LogError, match=match) as got:
        from_dask(
            dd.from_pandas(df, npartitions=3, sort=False), case="c", activity="a", timestamp="t"
        )
    assert str(got.value) == str(want.value)
    assert got.value.rows == want.value.rows and got.value.column == want.value.column


@pytest.mark.parametrize(
    "late", ["2025-02-01T10:00+01:00", "2025-02-01 10:00"], ids=["aware", "naive"]
)
def test_time_zones_across_partitions_like_in_memory(sync, late):
    # date-only text reads as naive, but from_pandas's offset check sees "-01" as an
    # offset: beside aware text the whole column is read as UTC, and so it is here
    df = bad_frame(t=([4, 5, 6, 7], late))
    df.loc[[0, 1, 2, 3], "t"] = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    want = from_pandas(df, case="c", activity="a", timestamp="t")
    got = from_dask(
        dd.from_pandas(df, npartitions=2, sort=False), case="c", activity="a", timestamp="t"
    )
    assert got.tz_aware == want.tz_aware
    pd.testing.assert_frame_equal(jm.find_loops(got), jm.find_loops(want))
    pd.testing.assert_frame_equal(got.to_pandas(), want.to_pandas())


def test_collect_sets_rows_aside_like_in_memory(sync):
    df = bad_frame(c=([1, 6], None), t=([3], "soon"))
    with pytest.warns(JourneymineWarning, match="3 of 8 rows were rejected"):
        want = from_pandas(df, case="c", activity="a", timestamp="t", on_error="collect")
    with pytest.warns(JourneymineWarning, match="3 of 8 rows were rejected"):
        got = from_dask(
            dd.from_pandas(df, npartitions=3, sort=False),
            case="c",
            activity="a",
            timestamp="t",
            on_error="collect",
        )
    pd.testing.assert_frame_equal(got.rejected, want.rejected)
    assert got.n_events == want.n_events == 5
    pd.testing.assert_frame_equal(jm.variants(got), jm.variants(want))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(got.compute().rejected, want.rejected)


def test_whole_column_errors_raise_like_in_memory(sync):
    df = bad_frame().assign(t=range(8))  # numbers without a unit
    with pytest.raises(LogError, match="holds numbers, not dates") as want:
        from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(LogError, match="holds numbers, not dates") as got:
        from_dask(dd.from_pandas(df, npartitions=2), case="c", activity="a", timestamp="t")
    assert str(got.value) == str(want.value)


def test_all_rows_rejected(sync):
    df = bad_frame(t=(list(range(8)), None))
    with pytest.warns(JourneymineWarning), pytest.raises(LogError, match="All 8 rows"):
        from_dask(
            dd.from_pandas(df, npartitions=2),
            case="c",
            activity="a",
            timestamp="t",
            on_error="collect",
        )


def test_empty_log(sync):
    df = bad_frame().iloc[0:0]
    with pytest.raises(LogError, match="is empty"):
        from_dask(dd.from_pandas(df, npartitions=1), case="c", activity="a", timestamp="t")


def test_missing_column_names_the_closest(sync):
    ddf = dd.from_pandas(bad_frame(), npartitions=2)
    with pytest.raises(LogError, match="Did you mean case='c'"):
        from_dask(ddf, case="C ", activity="a", timestamp="t")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"on_error": "skip"}, "'on_error' parameter of from_dask"),
        ({"npartitions": 0}, "'npartitions' parameter of from_dask"),
        ({"activity": "c"}, "same column 'c'"),
    ],
)
def test_bad_arguments(sync, kwargs, match):
    ddf = dd.from_pandas(bad_frame(), npartitions=2)
    args = {"case": "c", "activity": "a", "timestamp": "t", **kwargs}
    with pytest.raises(ParameterError, match=match):
        from_dask(ddf, **args)


def test_not_a_dask_frame():
    with pytest.raises(ParameterError, match="expects a dask DataFrame"):
        from_dask(bad_frame(), case="c", activity="a", timestamp="t")


def test_bad_analysis_arguments_raise_like_in_memory(dlog, mem):
    log, _ = dlog
    with pytest.raises(ParameterError, match="'top' parameter"):
        jm.variants(log, top=0)
    with pytest.raises(LogError, match="not found") as want:
        jm.discover(mem, by="chanel")
    with pytest.raises(LogError, match="not found") as got:
        jm.discover(log, by="chanel")
    assert str(got.value) == str(want.value)


def test_missing_dask_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "journeymine\[dask\]"'):
        from_dask(None, case="c", activity="a", timestamp="t")


def test_import_does_not_load_dask():
    code = "import sys, journeymine, journeymine.scale\nprint('dask' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_out_of_range_datetimes_raise_like_in_memory(sync):
    times = np.array(
        ["2025-01-01T10:00", "-0001-01-01T00:00", "2025-01-02T10:00"], "datetime64[us]"
    )
    df = pd.DataFrame({"c": ["a", "a", "b"], "a": ["x", "y", "x"], "t": times})
    with pytest.raises(LogError, match="outside 1677-09-21 .. 2262-04-11") as want:
        from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(LogError, match="outside 1677-09-21") as got:
        from_dask(
            dd.from_pandas(df, npartitions=2, sort=False), case="c", activity="a", timestamp="t"
        )
    assert str(got.value) == str(want.value)


def test_all_rows_rejected_names_the_reason_not_the_users_reason_column(sync):
    """Regression: from_pandas quoted the user's own `reason` column here; from_dask did not."""
    df = pd.DataFrame(
        {"c": [None, None], "a": ["ad", "buy"], "t": ["2025-01-01"] * 2, "reason": ["x", "y"]}
    )
    want = r"All 2 rows were rejected \(missing case id in column 'c', \.\.\.\)"
    with pytest.warns(jm.JourneymineWarning), pytest.raises(LogError, match=want) as mem:
        jm.from_pandas(df, case="c", activity="a", timestamp="t", on_error="collect")
    with pytest.warns(jm.JourneymineWarning), pytest.raises(LogError, match=want) as dsk:
        from_dask(
            dd.from_pandas(df, npartitions=2),
            case="c",
            activity="a",
            timestamp="t",
            on_error="collect",
        )
    assert str(mem.value) == str(dsk.value)


def test_row_reports_merge_in_input_order():
    """One classifier: reports of two halves merged = the report of the whole frame."""
    from journeymine import _validation as v

    ts = pd.Series(["2025-01-01", "bad", None, "2025-01-02", "worse", None])
    case = np.array([False, False, True, True, False, False])

    def report(lo, hi):
        masks = {v.NO_CASE: case[lo:hi], v.BAD_TIME: ts[lo:hi].isin(["bad", "worse"]).to_numpy()}
        return v.classify_rows(masks, ts.iloc[lo:hi].reset_index(drop=True), ("c", "a", "t"))[0]

    whole, merged = report(0, 6), report(0, 3).merge(report(3, 6))
    assert merged.problems.keys() == whole.problems.keys()
    for kind, (count, rows, sample) in whole.problems.items():
        assert merged.problems[kind][0] == count
        np.testing.assert_array_equal(merged.problems[kind][1], rows)
        assert merged.problems[kind][2] == sample
    np.testing.assert_array_equal(merged.bad, whole.bad)
    assert merged.reasons.tolist() == whole.reasons.tolist()
    assert str(merged.error("f.csv")) == str(whole.error("f.csv"))


def test_a_glob_matching_no_file_says_so(tmp_path):
    ddf = dd.read_parquet(str(tmp_path / "nothing" / "*.parquet"))
    with pytest.raises(LogError, match="match no file"):
        from_dask(ddf, case="customer_id", activity="touchpoint", timestamp="ts")
