"""Composition (issue 21): analyses that share an inner per-case result compute it once.

A :class:`journeymine.engine.Bundle` runs several kernels in one pass; equal
inner kernels (the conformance kernel of check, compare, deviation_impact and
conformance_drift) become one object and run once per piece of the log. The
report builds its conformance analyses that way: a test counts the checks.
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_kernel import assert_same  # noqa: E402

import journeymine as jm  # noqa: E402
from journeymine.compare import compare_kernel  # noqa: E402
from journeymine.conformance import _Check, check_kernel  # noqa: E402
from journeymine.drift import drift_kernel  # noqa: E402
from journeymine.engine import Bundle, bind, inner_part, run, run_all, share_inner  # noqa: E402
from journeymine.impact import impact_kernel  # noqa: E402


@pytest.fixture
def count_checks(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the calls of the conformance kernel's part (one per piece it checks)."""
    calls = {"part": 0}
    part = _Check.part

    def counting(self: _Check, log: Any) -> Any:
        calls["part"] += 1
        return part(self, log)

    monkeypatch.setattr(_Check, "part", counting)
    return calls


def _shop(cases: int | None = 600) -> tuple[jm.JourneyLog, jm.JourneyModel]:
    """The bundled shop data (its first ``cases`` cases) with a numeric outcome column."""
    log = jm.datasets.load_shop()
    frame = log.to_pandas()
    if cases is not None:
        frame = frame[frame[log.case].isin(log.case_labels[:cases])].reset_index(drop=True)
    frame["revenue"] = np.where(frame[log.activity] == "Place order", 40.0, 0.0)
    with warnings.catch_warnings():  # the demo's few exact duplicate events
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        log = jm.from_pandas(
            frame,
            case=log.case,
            activity=log.activity,
            timestamp=log.timestamp,
            stage="stage",
            channel="channel",
        )
    return log, jm.datasets.shop_model()


def _kernels(log: Any, model: jm.JourneyModel) -> list[Any]:
    return [
        check_kernel(model),
        compare_kernel(_first_channel(log), model),
        impact_kernel(model, "revenue"),
        drift_kernel(model, "M"),
    ]


def _one_by_one(log: Any, model: jm.JourneyModel) -> tuple[Any, ...]:
    return (
        jm.check(log, model),
        jm.compare(log, _first_channel(log), model=model),
        jm.deviation_impact(log, model, outcome="revenue"),
        jm.conformance_drift(log, model, freq="M"),
    )


def _first_channel(log: Any) -> pd.Series:
    return log.case_table().set_index("case")["channel"]


@pytest.mark.slow
def test_the_report_checks_conformance_once(count_checks: dict[str, int]) -> None:
    """The report's check, compare, deviation impact and drift share one conformance pass."""
    from journeymine.report import analyse

    log, model = _shop(None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        a = analyse(log, model=model, segment="channel", outcome="revenue")
    assert a.conformance is not None and a.segments is not None
    assert {"impact", "drift"} <= set(a.so_what)
    assert count_checks["part"] == 1


def test_a_bundle_equals_the_public_functions(count_checks: dict[str, int]) -> None:
    log, model = _shop()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        bundled = run_all(_kernels(log, model), log)
        assert count_checks["part"] == 1
        alone = _one_by_one(log, model)
    assert count_checks["part"] == 5  # one each when run on their own
    assert_same(bundled, alone)


def test_share_inner_makes_equal_inner_kernels_one_object() -> None:
    log, model = _shop()
    bound = bind(Bundle(tuple(_kernels(log, model))), log.meta)
    checks = {id(k) for k in _inner_checks(bound)}
    assert len(_inner_checks(bound)) == 4 and len(checks) == 1
    # kernels that differ stay apart; a Series field is shared only as the same object
    other = jm.JourneyModel(stages=["A"], activities={"Place order": "A"})
    apart = share_inner([bind(check_kernel(model), log.meta), bind(check_kernel(other), log.meta)])
    assert len({id(k) for b in apart for k in _inner_checks(b)}) == 2
    seg_a, seg_b = _first_channel(log), _first_channel(log)
    shared = share_inner([_Check(model, "stages", seg_a), _Check(model, "stages", seg_a)])
    assert shared[0] is shared[1]
    kept = share_inner([_Check(model, "stages", seg_a), _Check(model, "stages", seg_b)])
    assert kept[0] is not kept[1]


def _inner_checks(kernel: Any) -> list[Any]:
    """Every _Check held by ``kernel``, however deep (with repeats)."""
    import dataclasses

    if isinstance(kernel, _Check):
        return [kernel]
    found = []
    for f in dataclasses.fields(kernel):
        value = getattr(kernel, f.name)
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            if isinstance(v, jm.engine.Kernel):
                found += _inner_checks(v)
    return found


def test_inner_part_outside_a_bundle_runs_every_time(count_checks: dict[str, int]) -> None:
    log, model = _shop()
    kernel = bind(_Check(model, "stages"), log.meta)
    inner_part(kernel, log)
    inner_part(kernel, log)
    assert count_checks["part"] == 2


def test_a_segmented_member_shares_nothing_across_groups(count_checks: dict[str, int]) -> None:
    """Groups are different sub-logs: each is checked once, and results stay right."""
    log, model = _shop(200)
    kernels = [drift_kernel(model, "M", segment="channel"), check_kernel(model)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        drift, report = run_all(kernels, log)
        groups = log.case_table()["channel"].nunique()
        # one per group, one for the empty template of a table with no group, one for check
        assert count_checks["part"] == groups + 2
        assert_same(drift, jm.conformance_drift(log, model, freq="M", segment="channel"))
        assert_same(report, jm.check(log, model))


def test_a_bundle_within_a_bundle_shares_one_pass(count_checks: dict[str, int]) -> None:
    log, model = _shop()
    inner = Bundle((check_kernel(model), drift_kernel(model, "M")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        (report, drift), impact = run(Bundle((inner, impact_kernel(model))), log)
    assert count_checks["part"] == 1
    assert_same(drift, jm.conformance_drift(log, model, freq="M"))


def test_a_bundle_pickles_with_its_shared_inner_kernel() -> None:
    import pickle

    log, model = _shop()
    bound = bind(Bundle(tuple(_kernels(log, model))), log.meta)
    back = pickle.loads(pickle.dumps(bound))
    assert len({id(k) for k in _inner_checks(back)}) == 1


@pytest.mark.slow
def test_a_bundle_on_dask_equals_the_individual_runs(count_checks: dict[str, int]) -> None:
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    log, model = _shop(300)
    frame = log.to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        mem = jm.from_pandas(
            frame, case=log.case, activity=log.activity, timestamp=log.timestamp,
            stage="stage", channel="channel",
        )  # fmt: skip
        with dask.config.set({"scheduler": "sync", "dataframe.shuffle.method": "tasks"}):
            dlog = jm.from_dask(
                dd.from_pandas(frame, npartitions=3),
                case=log.case, activity=log.activity, timestamp=log.timestamp,
                stage="stage", channel="channel",
            )  # fmt: skip
            pieces = dlog.npartitions
            count_checks["part"] = 0
            bundled = run_all(_kernels(dlog, model), dlog)
            per_piece = count_checks["part"]
            alone = _one_by_one(dlog, model)
        memory = _one_by_one(mem, model)
    assert_same(bundled, alone)
    assert_same(bundled, memory)
    assert 1 <= per_piece <= pieces  # once per (non-empty) partition, not once per analysis


def test_run_all_says_a_shared_warning_once() -> None:
    """Every member with the model warns that it hardly fits the log: run_all says it once."""
    log, _ = _shop()
    model = jm.JourneyModel(stages=["A", "B"], activities={"browse": "A", "buy": "B"})
    kernels = [check_kernel(model), drift_kernel(model, "M")]
    said = []
    for runner in (lambda: run(Bundle(tuple(kernels)), log), lambda: run_all(kernels, log)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runner()
        said.append(
            [str(w.message) for w in caught if issubclass(w.category, jm.JourneymineWarning)]
        )
    assert len(said[0]) == 2 and len(set(said[0])) == 1  # a bare bundle: once per member
    assert said[1] == said[0][:1] and "model" in said[1][0]
