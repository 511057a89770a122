"""Tests of journeymine.report: a self-contained, escaped HTML report."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import journeymine as jm  # noqa: E402
from journeymine.errors import ParameterError  # noqa: E402
from journeymine.model import JourneyModel  # noqa: E402
from journeymine.report import build_report_html, html_table, write_report  # noqa: E402

HOSTILE = "<script>alert('x')</script>"

MODEL = JourneyModel(
    stages=["Awareness", "Consideration", "Purchase", "Retention"],
    activities={
        "ad": "Awareness",
        "view": "Consideration",
        "buy": "Purchase",
        "mail": "Retention",
        "return": "Retention",
        HOSTILE: "Consideration",
    },
    loops=[("Retention", "Consideration")],
    purchase=["buy"],
    returns=["return"],
)


def _log() -> jm.JourneyLog:
    rows = [
        ("a", "ad"),
        ("a", HOSTILE),
        ("a", "buy"),
        ("a", "return"),
        ("a", "view"),
        ("a", "buy"),
        ("b", "ad"),
        ("b", "view"),
        ("b", "view"),
        ("b", "buy"),
        ("b", "mail"),
        ("c", "ad"),
        ("c", "buy"),
        ("d", "view"),
        ("d", "chat"),
    ]
    df = pd.DataFrame(rows, columns=["customer", "touchpoint"])
    df["ts"] = pd.date_range("2025-01-01", periods=len(df), freq="h")
    return jm.from_pandas(df, case="customer", activity="touchpoint", timestamp="ts")


def _assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "@import" not in page


def test_report_without_model_has_log_graph_variants_and_loops():
    page = build_report_html(_log(), title="Tiny <b>log</b>")
    _assert_self_contained(page)
    for anchor in ("log", "graph", "variants", "loops"):
        assert f"<section id='{anchor}'>" in page
    assert "<section id='conformance'>" not in page
    assert "Tiny &lt;b&gt;log&lt;/b&gt;" in page
    # graph, variants and (issue 15) the representative journeys
    assert page.count("<svg") == 3
    assert "<section id='representatives'>" in page
    assert "<div class='value'>15</div><div class='label'>events</div>" in page
    assert "<caption>Activities</caption>" in page


def test_report_escapes_a_hostile_activity_name():
    page = build_report_html(_log(), model=MODEL)
    _assert_self_contained(page)
    assert HOSTILE not in page
    assert html_escaped(HOSTILE) in page


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_report_with_model_has_every_section():
    page = build_report_html(_log(), model=MODEL)
    for anchor in ("log", "graph", "variants", "conformance", "funnel", "loops", "durations"):
        assert f"<section id='{anchor}'>" in page
    for caption in (
        "Deviations by kind",
        "Deviations by stage and kind",
        "Funnel",
        "Loops by kind",
        "Stage moves where design and reality differ",
        "Conformance by period",
        "Representative journeys",
    ):
        assert f"<caption>{caption}</caption>" in page
    # issue 15: time in stage is per visit, Kaplan-Meier, in one unit for table and picture
    assert "Time in stage per visit, in " in page and "Kaplan–Meier" in page
    assert "25.0%" in page  # conformance rate card
    # graph, variants, overlay, funnel, durations; impact, drift, representatives (issue 15)
    assert page.count("<svg") == 8
    assert "returns after a purchase" in page


def test_report_with_the_real_check():
    page = build_report_html(_log(), model=MODEL)
    assert "<section id='conformance'>" in page
    _assert_self_contained(page)


def test_report_lists_rejected_rows():
    df = pd.DataFrame(
        {
            "c": ["a", "a", None],
            "a": ["x", "y", "z"],
            "t": ["2025-01-01", "2025-01-02", "2025-01-03"],
        }
    )
    with pytest.warns(jm.JourneymineWarning, match="rejected"):
        log = jm.from_pandas(df, case="c", activity="a", timestamp="t", on_error="collect")
    page = build_report_html(log)
    assert "1 input rows were rejected" in page
    assert "<caption>Rejected rows</caption>" in page


def test_write_report_writes_html_pngs_and_csvs(tmp_path):
    out = write_report(
        _log(), tmp_path / "sub" / "r.html", model=MODEL, out_dir=tmp_path / "o", top_variants=2
    )
    assert out == tmp_path / "sub" / "r.html" and out.exists()
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert {
        "graph.png",
        "variants.png",
        "conformance.png",
        "funnel.png",
        "stage_durations.png",
        "variants.csv",
        "loops.csv",
        "funnel.csv",
        "deviations.csv",
        "cases.csv",
    } <= names
    for png in (tmp_path / "o").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    variants = pd.read_csv(tmp_path / "o" / "variants.csv")
    assert len(variants) == 2 and " > " in variants["variant"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "m.yaml"}, "'model' parameter of build_report_html"),
        ({"graph": 3}, "'graph' parameter of build_report_html"),
        ({"top_variants": 0}, "'top_variants' parameter of build_report_html"),
    ],
)
def test_build_report_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        build_report_html(_log(), **kwargs)


def test_build_report_rejects_a_dataframe():
    with pytest.raises(ParameterError, match="expects a JourneyLog"):
        build_report_html(pd.DataFrame())
    with pytest.raises(ParameterError, match="'path' parameter of write_report"):
        write_report(_log(), 42)


def test_html_table_formats_and_escapes():
    df = pd.DataFrame(
        {
            "name": ["<b>", "x"],
            "share": [0.5, np.nan],
            "n": [1234, 5],
            "seq": [("a", "<i>"), ("b",)],
            "time": pd.to_timedelta(["2h", "3D"]),
        }
    )
    out = html_table(df, caption="T & C", max_rows=1)
    assert "&lt;b&gt;" in out and "<b>" not in out
    assert "50.0%" in out and "1,234" in out and "a → &lt;i&gt;" in out and "2.0 h" in out
    assert "<caption>T &amp; C</caption>" in out
    assert "1 more rows" in out


def test_report_renders_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser check")
    page = write_report(_log(), tmp_path / "report.html", model=MODEL)
    shot = tmp_path / "shot.png"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.resolve().as_uri(),
    ]
    try:
        subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("chromium did not finish within 120 s")
    assert shot.exists() and shot.stat().st_size > 10_000
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
