"""The kernel pattern: every analysis is part/merge/finish, and engines cannot drift.

For each kernel, a hypothesis test splits a random log into groups of whole
cases (some empty), runs ``part`` on each, merges them in a tree and checks
that ``finish`` gives what the one-partition run gives. A second set of tests
runs every public analysis on Dask logs with one partition, many partitions,
an empty partition and unknown divisions, and compares with memory.

Add a new analysis to ``KERNELS`` (and to ``PUBLIC``) when you write it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine import engine as _kernel
from journeymine._percase import CaseTable
from journeymine._quality import Quality
from journeymine.attribution import _Attribution, _ConversionPaths, _SegmentTable
from journeymine.channels import _CaseChannels, _SwitchPairs
from journeymine.clusters import _Clusters
from journeymine.compare import _Compare
from journeymine.conformance import ConformanceReport, _Check, check_kernel
from journeymine.discovery import _Discover, _Variants
from journeymine.drift import _Drift, drift_kernel
from journeymine.features import _Features
from journeymine.funnel import _Funnel, _StageDurations, _VisitSummary
from journeymine.impact import _Impact, impact_kernel
from journeymine.loops import _FindLoops, _LoopSummary
from journeymine.model import JourneyModel, _Covered
from journeymine.paths import _Paths, _StepMatrix
from journeymine.patterns import _Patterns
from journeymine.representatives import _Representatives
from journeymine.retention import _Repurchase, _Retention, _TimeToReturn
from journeymine.timeline import _ActivityOverTime
from journeymine.visits import _StageFlow, _Visits, stage_flow_table

from strategies import logs_for, models

# -- comparing results --------------------------------------------------------------


def assert_same(got: Any, want: Any) -> None:
    """Equal results: DataFrames exactly, reports and graphs table by table."""
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    elif isinstance(want, ConformanceReport):
        for name in ("cases", "deviations", "summary", "compare"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)
    elif hasattr(want, "profiles") and hasattr(want, "cases"):  # JourneyClusters
        pd.testing.assert_frame_equal(got.cases, want.cases, obj="cases")
        pd.testing.assert_frame_equal(got.profiles, want.profiles, obj="profiles")
        assert (got.k, got.features) == (want.k, want.features)
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    elif isinstance(want, list):
        assert got == want
    elif hasattr(want, "nodes") and hasattr(want, "edges"):
        # a merged graph's median and p90 come from the mergeable summary (within 1 %,
        # tests/test_discovery.py checks them); every other column is exact
        pd.testing.assert_frame_equal(got.nodes, want.nodes, obj="nodes")
        cols = [
            c for c in want.edges.columns if not c.endswith(("median_duration", "p90_duration"))
        ]
        pd.testing.assert_frame_equal(got.edges[cols], want.edges[cols], obj="edges")
    else:  # pragma: no cover - a new result type: teach this function about it
        raise AssertionError(f"cannot compare results of type {type(want).__name__}")


# -- the kernels, each built from a model -----------------------------------------------
KERNELS: dict[str, Callable[[JourneyModel], _kernel.Kernel[Any, Any]]] = {
    "check": lambda m: _Check(m, "stages"),
    "check_segment": lambda m: _Check(m, "stages", "segment"),
    "find_loops": lambda m: _FindLoops("find_loops", m, None, None, None),
    "loop_summary": lambda m: _LoopSummary("loop_summary", m, None, None, None),
    "funnel": lambda m: _Funnel(m, None, None),
    "funnel_ordered": lambda m: _Funnel(m, None, None, ordered=True, within="3min"),
    "stage_durations": lambda m: _StageDurations(m, None, None),
    "stage_durations_summary": lambda m: _VisitSummary(m, None, None, None, 0.95),
    "segmented_funnel": lambda m: _kernel.Segmented(_Funnel(m, None, None), "segment"),
    # issue 24
    "retention": lambda m: _Retention(period="1min", periods=3, cohort="min"),
    "retention_unbounded_segment": lambda m: _Retention(
        start=("a", "b"),
        back=("c", "x"),
        period="1min",
        periods=4,
        cohort="activity",
        mode="unbounded",
        segment="segment",
        as_of="2025-01-01 00:04",
    ),
    "time_to_return": lambda m: _TimeToReturn(back=("a", "x"), by="segment"),
    "time_to_return_curve": lambda m: _TimeToReturn(curve=True),
    "repurchase": lambda m: _Repurchase(purchase=("a", "b"), by="segment"),
    # issue 27
    "funnel_exclude_hold": lambda m: _Funnel(
        m, None, None, ordered=True, exclude=("x",), hold="segment"
    ),
    "step_matrix": lambda m: _StepMatrix(3),
    "step_matrix_anchor": lambda m: _StepMatrix(2, "a"),
    "activity_over_time": lambda m: _ActivityOverTime("h"),
    "activity_over_time_by": lambda m: _ActivityOverTime("D", "activity", "activity"),
    # issue 25: touches are activities here (the random logs have no channel)
    "attribution": lambda m: _Attribution(
        ("a", "x"), touch="activity", lookback=120 * 10**9, resamples=50
    ),
    "attribution_sums": lambda m: _Attribution(("a",), touch="activity", ci=None),
    "attribution_segment": lambda m: _SegmentTable(
        _Attribution(("b",), touch="activity", resamples=20), "segment"
    ),
    "conversion_paths": lambda m: _ConversionPaths(("a", "b"), touch="activity", lookback=0),
    # issue 26
    "sequence_patterns": lambda m: _Patterns(0.2, 3, None, None, None),
    "sequence_patterns_outcome": lambda m: _Patterns(0.2, 3, "activities", ("a", "b"), None),
    "journey_features": lambda m: _Features(None, 5),
    "journey_features_model": lambda m: _Features(m, 5),
    "cluster_journeys": lambda m: _Clusters(2, "transitions", 0, m),
    "cluster_journeys_ngrams": lambda m: _Clusters(2, "ngrams", 0, None),
    "deviation_impact": lambda m: _Impact(m, min_cases=1),
    "deviation_impact_strata": lambda m: _Impact(m, strata="segment", min_cases=1),
    "conformance_drift": lambda m: _Drift(m, "D"),
    "compare": lambda m: _Compare("segment", m, None),
    "covered_check": lambda m: _Covered(_Check(m, "stages"), m),
    "discover": lambda m: _Discover("activity"),
    # as the Dask engine binds it: partials of disjoint cases, no per-case state
    "discover_disjoint": lambda m: _Discover("activity", per_case=False),
    "variants": lambda m: _Variants(None),
    "paths": lambda m: _Paths("a", "after", 3, None),
    "paths_before": lambda m: _Paths("b", "before", 2, 2),
    "stage_visits": lambda m: _Visits(m, None, 0),
    "stage_flow": lambda m: _StageFlow(m),
    "representatives": lambda m: _Representatives(None, 0.8, 0.3, 0),
    "quality": lambda m: Quality(),
    "case_table": lambda m: CaseTable(),
    "channel_switches": lambda m: _CaseChannels(("a",), ("odd",)),
    "channel_switches_summary": lambda m: _SwitchPairs(),
    # issue 21: analyses in one pass, sharing the conformance kernel (and one within groups;
    # compare shares it too: tests/test_compose.py)
    "bundle": lambda m: _kernel.Bundle(
        (
            _Covered(_Check(m, "stages"), m),
            _Impact(m, min_cases=1),
            _kernel.Segmented(_Drift(m, "D"), "segment"),
        )
    ),
}


#: kernels of compare, drift and impact: made frozen on their own branch (issue 21's "stats")


def _kernel_classes(kernel: Any) -> set[type]:
    """The class of ``kernel`` and of every kernel it holds (inner kernels)."""
    found = {type(kernel)}
    for value in vars(kernel).values():
        if isinstance(value, _kernel.Kernel):
            found |= _kernel_classes(value)
    return found


def _all_kernel_classes() -> set[type]:
    """Every Kernel subclass defined in the package (all its modules imported)."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(jm.__path__, "journeymine."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    out: set[type] = set()
    todo = [_kernel.Kernel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("journeymine") and sub not in out:
                out.add(sub)
                todo.append(sub)
    return out


def test_every_kernel_class_is_in_the_merge_law_test() -> None:
    model = jm.datasets.shop_model()
    covered: set[type] = set()
    for make in KERNELS.values():
        covered |= _kernel_classes(make(model))
    missing = sorted(c.__qualname__ for c in _all_kernel_classes() - covered)
    assert not missing, f"add these kernels to KERNELS in tests/test_kernel.py: {missing}"


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernels_are_frozen_and_pickle(name: str) -> None:
    import dataclasses
    import pickle

    log = jm.datasets.load_shop()
    model = jm.datasets.shop_model()
    kernel = KERNELS[name](model)
    assert dataclasses.is_dataclass(kernel) and type(kernel).__dataclass_params__.frozen
    extra = ("segment", "value", "activity")  # columns the random logs of KERNELS have
    meta = dataclasses.replace(log.meta, columns=(*log.meta.columns, *extra))
    bound = _kernel.bind(kernel, meta)
    for k in (kernel, bound):
        back = pickle.loads(pickle.dumps(k))
        assert type(back) is type(k)


def test_every_public_analysis_is_in_the_dask_matrix() -> None:
    """Each public function that takes a log (not a constructor, reader or plot) is in PUBLIC."""
    import inspect

    skip = {"write_report", "simulate", "filter_cases", "filter_events", "filter_time"}
    takes_log = []
    for name in jm.__all__:
        obj = getattr(jm, name)
        if not inspect.isfunction(obj) or name.startswith(("from_", "read_", "plot_")):
            continue
        params = list(inspect.signature(obj).parameters)
        if params and params[0] == "log" and name not in skip:
            takes_log.append(name)
    covered = {key.split("_segment")[0].removesuffix("_summary") for key in PUBLIC}
    covered |= {key for key in PUBLIC}
    missing = [n for n in takes_log if n not in covered]
    assert not missing, f"add these analyses to PUBLIC in tests/test_kernel.py: {missing}"
    assert {"filter_cases", "filter_events", "filter_time"} <= set(PUBLIC)


def split_run(kernel: _kernel.Kernel[Any, Any], log: jm.JourneyLog, groups: np.ndarray) -> Any:
    """finish(tree_merge(part(each group of cases))) -- what the Dask engine computes."""
    kernel = _kernel.bind(kernel, log.meta)
    parts = [kernel.part(log.select_cases(np.flatnonzero(groups == g))) for g in range(4)]
    return kernel.finish(_kernel.tree_merge(kernel, parts), log.meta)


@pytest.mark.parametrize("name", sorted(KERNELS))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_split_merge_equals_whole(name: str, data: st.DataObject) -> None:
    model = data.draw(models())
    frame = data.draw(logs_for(model, max_cases=6))
    frame["segment"] = frame["case"].map(lambda c: "odd" if int(str(c)[-1]) % 2 else "even")
    frame["value"] = frame["case"].map(lambda c: float(str(c)[-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)  # duplicates: the quality kernel
        log = jm.from_pandas(
            frame, case="case", activity="activity", timestamp="timestamp", channel="segment"
        )
    groups = np.asarray(
        data.draw(st.lists(st.integers(0, 3), min_size=log.n_cases, max_size=log.n_cases)),
        dtype=np.int64,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        try:
            whole = _kernel.run_local(KERNELS[name](model), log)
        except jm.ParameterError as exc:  # e.g. fewer distinct journeys than clusters
            with pytest.raises(jm.ParameterError, match=re.escape(str(exc)[:30])):
                split_run(KERNELS[name](model), log, groups)
            return
        split = split_run(KERNELS[name](model), log, groups)
    assert_same(split, whole)


def test_run_refuses_what_is_not_a_log() -> None:
    with pytest.raises(jm.ParameterError, match=r"funnel\(\) expects a JourneyLog"):
        jm.funnel(pd.DataFrame(), jm.datasets.shop_model())


def test_arguments_are_checked_on_metadata_only() -> None:
    """check() sees LogMeta, not events: a bad as_of fails before any partition is read."""
    log = jm.datasets.load_shop()
    kernel = _Funnel(jm.datasets.shop_model(), "2000-01-01", None)
    with pytest.raises(jm.ParameterError, match="before the log's last event"):
        _kernel.bind(kernel, log.meta)


# -- the Dask engine runs the same kernels ---------------------------------------------
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def shop() -> tuple[jm.JourneyLog, pd.DataFrame]:
    log = jm.datasets.load_shop()
    cases = log.case_labels[:400]
    frame = log.to_pandas()
    frame = frame[frame[log.case].isin(cases)].sample(frac=1.0, random_state=1)
    # without the demo's double clicks: exact duplicates warn (issue 13), on every engine
    frame = frame.drop_duplicates([log.case, log.activity, log.timestamp])
    frame = frame.reset_index(drop=True)
    with warnings.catch_warnings():  # the shop data has a few exact duplicate events
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        mem = jm.from_pandas(
            frame,
            case=log.case,
            activity=log.activity,
            timestamp=log.timestamp,
            stage="stage",
            channel="channel",
        )
    return mem, frame


PUBLIC: dict[str, Callable[[Any, JourneyModel], Any]] = {
    "discover": lambda log, m: jm.discover(log),
    "discover_stage": lambda log, m: jm.discover(log, by="stage"),
    "variants": lambda log, m: jm.variants(log),
    "check": lambda log, m: jm.check(log, m),
    "check_segment": lambda log, m: jm.check(log, m, segment="channel"),
    "find_loops": lambda log, m: jm.find_loops(log, model=m),
    "loop_summary": lambda log, m: jm.loop_summary(log, model=m),
    "loop_summary_segment": lambda log, m: jm.loop_summary(log, model=m, segment="channel"),
    "funnel": lambda log, m: jm.funnel(log, m),
    "funnel_segment": lambda log, m: jm.funnel(log, m, segment="channel"),
    "stage_durations": lambda log, m: jm.stage_durations(log, m),
    "stage_durations_summary": lambda log, m: jm.stage_durations(log, m, summary=True),
    # issue 14
    "variants_segment": lambda log, m: jm.variants(log, segment="channel"),
    "funnel_strict": lambda log, m: jm.funnel(log, m, ordered=True, within="30D"),
    "case_table": lambda log, m: log.case_table(),
    "filter_cases": lambda log, m: _events(jm.filter_cases(log, has="Place order")),
    "filter_time": lambda log, m: _events(jm.filter_time(log, "2025-03-01", "2025-06-01")),
    "filter_events": lambda log, m: _events(jm.filter_events(log, dedupe=True)),
    "paths": lambda log, m: jm.paths(log, "Place order", direction="before"),
    "step_matrix": lambda log, m: jm.step_matrix(log, steps=5),
    "compare": lambda log, m: jm.compare(log, _first_channel(log), model=m),
    # issue 15
    "deviation_impact": lambda log, m: jm.deviation_impact(log, m),
    "conformance_drift": lambda log, m: jm.conformance_drift(log, m, freq="M"),
    "conformance_drift_segment": lambda log, m: jm.conformance_drift(log, m, segment="channel"),
    # issue 22: landmark strata, min_cases, adjustments, open cases
    "deviation_impact_strata": lambda log, m: jm.deviation_impact(
        log, m, strata="channel", min_cases=3, adjust="bh"
    ),
    "conformance_drift_as_of": lambda log, m: jm.conformance_drift(
        log, m, freq="M", as_of="2026-01-15", open_window="60D", adjust="bh"
    ),
    "compare_bh": lambda log, m: jm.compare(log, _first_channel(log), model=m, adjust="bh"),
    "channel_switches": lambda log, m: jm.channel_switches(log, model=m, online=["web", "app"]),
    "channel_switches_summary": lambda log, m: jm.channel_switches(log, summary=True),
    "stage_visits": lambda log, m: jm.stage_visits(log, m),
    # issue 24
    "retention": lambda log, m: jm.retention(log, start="Place order", back="Place order"),
    "retention_segment": lambda log, m: jm.retention(
        log, period="14D", periods=6, cohort="W", mode="unbounded", segment="channel"
    ),
    "retention_column": lambda log, m: jm.retention(log, cohort="channel", as_of="2025-06-01"),
    "time_to_return": lambda log, m: jm.time_to_return(log, back="Place order", by="channel"),
    "time_to_return_curve": lambda log, m: jm.time_to_return(log, curve=True),
    "repurchase": lambda log, m: jm.repurchase(log, m, by="channel"),
    # issue 27
    "trim": lambda log, m: _events(jm.trim(log, "View product", "Place order")),
    "trim_last": lambda log, m: _events(jm.trim(log, "View product", "Pay", end_at="last")),
    "filter_cases_within": lambda log, m: _events(
        jm.filter_cases(log, eventually=("View product", "Place order"), within="2D")
    ),
    "funnel_exclude_hold": lambda log, m: jm.funnel(
        log, m, ordered=True, exclude=["Contact support"], hold="channel"
    ),
    "step_matrix_anchor": lambda log, m: jm.step_matrix(log, steps=3, anchor="Add to cart"),
    "step_matrix_groups": lambda log, m: jm.step_matrix(
        log, steps=3, anchor="Add to cart", groups=_first_channel(log) == "web"
    ),
    "activity_over_time": lambda log, m: jm.activity_over_time(log, "W", by="channel"),
    # issue 25
    "attribution": lambda log, m: jm.attribution(log, model=m),
    "attribution_no_ci": lambda log, m: jm.attribution(log, model=m, ci=None, lookback=None),
    "attribution_segment": lambda log, m: jm.attribution(
        log, model=m, touch="activity", segment="channel", models=["last", "markov"]
    ),
    "conversion_paths": lambda log, m: jm.conversion_paths(log, model=m, top=None),
    "conversion_paths_segment": lambda log, m: jm.conversion_paths(log, model=m, segment="stage"),
    "representatives": lambda log, m: _representatives(log),
    # issue 26
    "sessionize": lambda log, m: jm.sessionize(log, gap="1D").case_table(),
    "sequence_patterns": lambda log, m: jm.sequence_patterns(log, model=m, min_support=0.05),
    "journey_features": lambda log, m: jm.journey_features(log, model=m, top_transitions=10),
    "cluster_journeys": lambda log, m: jm.cluster_journeys(log, k=3, model=m),
    "stage_flow_table": lambda log, m: stage_flow_table(log, m),
    # issue 21: a bundle's results equal the analyses run one by one, on every engine
    "run_all": lambda log, m: _kernel.run_all(
        [check_kernel(m), drift_kernel(m, "M"), impact_kernel(m)], log
    ),
}


def _representatives(log: Any) -> pd.DataFrame:
    """The shop's long journeys hardly repeat: representatives says so on every engine."""
    with pytest.warns(jm.JourneymineWarning, match="hardly repeat"):
        return jm.representatives(log, assign=True)[1]


def _first_channel(log: Any) -> pd.Series:
    """Each case's channel on its first event, as a Series (compare warns on a varying column)."""
    return log.case_table().set_index("case")["channel"]


def _events(log: Any) -> pd.DataFrame:
    """The events of a filtered log, in log order (a Dask log is collected)."""
    return (log if isinstance(log, jm.JourneyLog) else log.compute()).to_pandas()


@pytest.mark.parametrize("layout", ["one", "many", "empty", "unknown_divisions"])
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_dask_equals_memory(shop, name: str, layout: str) -> None:
    mem, frame = shop
    model = jm.datasets.shop_model()
    if layout == "one":
        ddf = dd.from_pandas(frame, npartitions=1)
    elif layout == "many":
        ddf = dd.from_pandas(frame, npartitions=5)
    elif layout == "empty":
        ddf = dd.concat(
            [dd.from_pandas(frame.iloc[:0], npartitions=1), dd.from_pandas(frame, npartitions=3)]
        )
    else:
        ddf = dd.from_pandas(frame, npartitions=4).clear_divisions()
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = jm.from_dask(
            ddf,
            case=mem.case,
            activity=mem.activity,
            timestamp=mem.timestamp,
            stage="stage",
            channel="channel",
            npartitions=6 if layout == "empty" else None,
        )
        got = PUBLIC[name](dlog, model)
    want = PUBLIC[name](mem, model)
    if name.startswith("discover"):
        # a Dask graph is merged from partitions: medians may use the mergeable summary
        cols = [
            c for c in want.edges.columns if not c.endswith(("median_duration", "p90_duration"))
        ]
        pd.testing.assert_frame_equal(got.nodes, want.nodes)
        pd.testing.assert_frame_equal(got.edges[cols], want.edges[cols])
    else:
        assert_same(got, want)


@pytest.fixture(scope="module")
def cluster_client() -> Any:
    """A local distributed cluster of two worker processes: kernels travel pickled."""
    distributed = pytest.importorskip("distributed")
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
    with cluster, distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_dask_equals_memory_on_a_two_process_cluster(shop, cluster_client, name: str) -> None:
    mem, frame = shop
    model = jm.datasets.shop_model()
    with dask.config.set({"scheduler": cluster_client, "dataframe.shuffle.method": "tasks"}):
        dlog = jm.from_dask(
            dd.from_pandas(frame, npartitions=4),
            case=mem.case,
            activity=mem.activity,
            timestamp=mem.timestamp,
            stage="stage",
            channel="channel",
        )
        got = PUBLIC[name](dlog, model)
    want = PUBLIC[name](mem, model)
    if name.startswith("discover"):
        cols = [
            c for c in want.edges.columns if not c.endswith(("median_duration", "p90_duration"))
        ]
        pd.testing.assert_frame_equal(got.nodes, want.nodes)
        pd.testing.assert_frame_equal(got.edges[cols], want.edges[cols])
    else:
        assert_same(got, want)


@pytest.mark.parametrize("name", ["check", "funnel", "find_loops", "stage_durations"])
def test_model_that_fits_no_activity_warns_once_on_every_engine(shop, name: str) -> None:
    mem, frame = shop
    model = JourneyModel(stages=["A", "B"], activities={101: "A", 201: "B"})
    func = {
        "check": lambda log: jm.check(log, model),
        "funnel": lambda log: jm.funnel(log, model),
        "find_loops": lambda log: jm.find_loops(log, model=model),
        "stage_durations": lambda log: jm.stage_durations(log, model),
    }[name]
    with pytest.warns(jm.JourneymineWarning, match="None of the log's") as caught:
        func(mem)
    assert len(caught) == 1
    with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
        dlog = jm.from_dask(
            dd.from_pandas(frame, npartitions=3),
            case=mem.case,
            activity=mem.activity,
            timestamp=mem.timestamp,
        )
        with pytest.warns(jm.JourneymineWarning, match="None of the log's") as caught:
            func(dlog)
    assert len([w for w in caught if "None of the log" in str(w.message)]) == 1


def test_segment_series_with_repeated_case_ids_is_refused() -> None:
    log = jm.datasets.load_shop()
    groups = pd.Series(["a", "b"], index=[log.cases[0], log.cases[0]])
    with pytest.raises(jm.ParameterError, match="one value per case id"):
        jm.funnel(log, jm.datasets.shop_model(), segment=groups)
