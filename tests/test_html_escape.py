"""Every HTML journeymine writes escapes user text (issue 13 item 2).

One hostile string goes through every user-controlled field (case ids,
activities, stages, channels, column names, model and stage names, the
report's title, the file name) into every HTML output: each ``_repr_html_``
and the report. The raw tag must never appear: a notebook or browser would
run it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm

HOSTILE = "c<img src=x onerror=alert(1)>"
RAW = "<img"  # the tag, unescaped: it must not appear anywhere


def hostile(name: str) -> str:
    return f"{name}{HOSTILE}"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    case, act, ts = hostile("case"), hostile("activity"), hostile("ts")
    stage, channel, extra = hostile("stage"), hostile("channel"), hostile("attribute")
    acts = [hostile("ad"), hostile("view"), hostile("buy"), "view", "buy"]
    stages = {
        acts[0]: hostile("Awareness"),
        acts[1]: hostile("Consideration"),
        "view": hostile("Consideration"),
        acts[2]: hostile("Purchase"),
        "buy": hostile("Purchase"),
    }
    rows = []
    for i in range(12):
        seq = [acts[0], acts[1], acts[2]] if i % 2 else [acts[0], "view", acts[1], "buy", acts[0]]
        for j, a in enumerate(seq):
            rows.append(
                {
                    case: hostile(f"k{i}"),
                    act: a,
                    ts: pd.Timestamp("2025-01-01") + pd.Timedelta(hours=24 * i + j),
                    stage: stages[a],
                    channel: hostile("web") if j % 2 else "store",
                    extra: HOSTILE,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def log(frame, tmp_path_factory) -> jm.JourneyLog:
    # the file name is user text too: it shows as the log's source
    path = tmp_path_factory.mktemp("html") / f"{HOSTILE}.csv"
    frame.to_csv(path, index=False)
    return jm.read_csv(
        path,
        case=hostile("case"),
        activity=hostile("activity"),
        timestamp=hostile("ts"),
        stage=hostile("stage"),
        channel=hostile("channel"),
    )


@pytest.fixture(scope="module")
def model(frame) -> jm.JourneyModel:
    s = [hostile("Awareness"), hostile("Consideration"), hostile("Purchase")]
    act = frame[hostile("activity")]
    mapping = dict(zip(act, frame[hostile("stage")], strict=True))
    return jm.JourneyModel(
        stages=s,
        activities=mapping,
        loops=[(s[2], s[1])],
        purchase=[hostile("buy")],
        returns=["buy"],
        name=hostile("model"),
    )


def assert_escaped(page: str, where: str) -> None:
    assert RAW not in page, f"{where}: raw tag in the HTML: ...{page[page.find(RAW) - 80 :][:200]}"
    assert "&lt;img" in page, f"{where}: the hostile text is not shown at all"


def test_log_repr_html_escapes_column_names(log):
    assert log.source is not None and HOSTILE in log.source
    assert_escaped(log._repr_html_(), "JourneyLog._repr_html_")


def test_graph_and_pruned_graph_repr_html(log):
    graph = jm.discover(log)
    assert_escaped(graph._repr_html_(), "JourneyGraph._repr_html_")
    assert_escaped(jm.discover(log, by="stage")._repr_html_(), "graph by stage")
    assert_escaped(jm.discover(log, by="channel")._repr_html_(), "graph by channel")
    assert_escaped(graph.prune(paths=0.5)._repr_html_(), "pruned graph")


def test_model_repr_html(model):
    assert_escaped(model._repr_html_(), "JourneyModel._repr_html_")


def test_conformance_report_repr_html(log, model):
    assert_escaped(jm.check(log, model)._repr_html_(), "ConformanceReport._repr_html_")


def test_dask_log_repr_html(frame):
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    from journeymine import from_dask

    with dask.config.set(scheduler="synchronous"):
        dlog = from_dask(
            dd.from_pandas(frame, npartitions=2),
            case=hostile("case"),
            activity=hostile("activity"),
            timestamp=hostile("ts"),
        )
        html = getattr(dlog, "_repr_html_", None)
        if html is not None:  # a Dask log shows its repr as text otherwise (escaped by Jupyter)
            assert_escaped(html(), "DaskJourneyLog._repr_html_")
        assert_escaped(jm.discover(dlog)._repr_html_(), "graph of a Dask log")


@pytest.mark.parametrize("with_model", [False, True])
def test_report_escapes_every_field(log, model, tmp_path, with_model):
    out = tmp_path / f"{HOSTILE}.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        path = jm.write_report(
            log, out, model=model if with_model else None, title=hostile("title")
        )
    page = Path(path).read_text(encoding="utf-8")
    assert_escaped(page, "write_report")
    # the fields really are in it, escaped
    for name in ("title", "activity", "case"):
        assert hostile(name).replace("<", "&lt;").replace(">", "&gt;") in page, name
    if with_model:
        assert "model" + HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in page
