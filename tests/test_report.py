"""Tests of journeymine.report: a self-contained, escaped HTML report."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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
    for tag in re.findall(r"<script[^>]*>", page, re.IGNORECASE):
        assert "src" not in tag.lower()  # inline scripts only
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL | re.IGNORECASE))
    for call in ("fetch(", "XMLHttpRequest", "WebSocket", "sendBeacon", "EventSource", "import("):
        assert call not in scripts
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.IGNORECASE)  # url(#id) is local


def test_report_without_model_has_log_graph_variants_and_loops():
    page = build_report_html(_log(), title="Tiny <b>log</b>")
    _assert_self_contained(page)
    for anchor in ("log", "graph", "variants", "loops"):
        assert f"<section id='{anchor}'>" in page
    assert "<section id='conformance'>" not in page
    assert "Tiny &lt;b&gt;log&lt;/b&gt;" in page
    # graph (static and map), variants and (issue 15) the representative journeys
    assert page.count("<svg") == 4
    assert "class='jm-map'" in page
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
    assert "Time in stage per visit (Kaplan–Meier" in page and "Kaplan–Meier" in page
    assert "25.0%" in page  # conformance rate card
    # graph (static and map), variants, overlay, stage flow, funnel, durations;
    # drift, representatives (issue 15); no impact picture: on 3 cases no deviation has
    # comparable cases enough for an interval (issue 22); retention triangle, curve and time
    # to return (issue 24: the model declares purchases)
    assert page.count("<svg") == 12
    assert "<section id='retention'>" in page and "<caption>Repeat purchase</caption>" in page
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
    assert "50.0%" in out and "1,234" in out and "a → &lt;i&gt;" in out and "2 h" in out
    assert "<caption>T &amp; C</caption>" in out
    assert "1 more rows" in out


def _chromium() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser check")
    return chromium


def _run_chromium(chromium: str, profile: Path, *args: str) -> str:
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
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=120, check=False, text=True)
    except subprocess.TimeoutExpired:
        pytest.skip("chromium did not finish within 120 s")
    return done.stdout


@pytest.fixture(scope="module")
def shop_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shop-report") / "report.html"
    return write_report(jm.datasets.load_shop(), out, model=jm.datasets.shop_model())


def _drawn(dom: str, what: str) -> int:
    m = re.search(rf"data-{what}-drawn=\"(\d+)\"", dom)
    assert m, f"the map did not draw (no data-{what}-drawn in the page)"
    return int(m.group(1))


def test_report_map_renders_in_headless_chromium_and_the_sliders_prune(shop_report, tmp_path):
    chromium = _chromium()
    uri = shop_report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    _run_chromium(chromium, tmp_path / "p0", f"--screenshot={shot}", "--window-size=1280,2000", uri)
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    budget = "--virtual-time-budget=5000"
    dom = _run_chromium(chromium, tmp_path / "p1", budget, "--dump-dom", uri)
    assert 'data-ready="1"' in dom  # the script ran
    assert "jm-static" in dom and 'class="jm-static" style="display: none;"' in dom
    edges_default = _drawn(dom, "edges")
    assert edges_default > 0
    # moving the paths slider (set from the address, through the slider's own input event)
    dom_all = _run_chromium(chromium, tmp_path / "p2", budget, "--dump-dom", uri + "#jm-paths=100")
    dom_few = _run_chromium(chromium, tmp_path / "p3", budget, "--dump-dom", uri + "#jm-paths=5")
    assert _drawn(dom_few, "edges") < edges_default < _drawn(dom_all, "edges")
    # and the activities slider: fewer touchpoints
    dom_act = _run_chromium(
        chromium, tmp_path / "p4", budget, "--dump-dom", uri + "#jm-activities=0"
    )
    assert _drawn(dom_act, "nodes") < _drawn(dom, "nodes")


def test_report_makes_no_network_request(shop_report, tmp_path):
    page = shop_report.read_text(encoding="utf-8")
    _assert_self_contained(page)
    chromium = _chromium()
    netlog = tmp_path / "net.json"
    _run_chromium(
        chromium,
        tmp_path / "p",
        f"--log-net-log={netlog}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        shop_report.resolve().as_uri() + "#jm-paths=50&jm-mode=time",
    )
    import json

    log = json.loads(netlog.read_text())
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    from_page = [
        e["params"]["url"]
        for e in log["events"]
        if names.get(e["type"]) == "URL_REQUEST_START_JOB"
        and "url" in e.get("params", {})
        # the browser's own requests carry no origin; a page's carry its own ("null" for file:)
        and e.get("params", {}).get("initiator") != "not an origin"
    ]
    assert from_page == []


def test_graph_to_html_writes_the_same_map_on_its_own(tmp_path):
    g = jm.discover(jm.datasets.load_shop())
    out = g.to_html(tmp_path / "map" / "graph.html", model=jm.datasets.shop_model())
    page = out.read_text(encoding="utf-8")
    _assert_self_contained(page)
    assert "class='jm-map'" in page and "class='jm-static'" in page and "<noscript>" in page
    with pytest.raises(ParameterError, match="'weight' parameter of to_html"):
        g.to_html(tmp_path / "x.html", weight="minutes")


def test_each_figure_is_drawn_and_rendered_once_and_timed(monkeypatch, tmp_path):
    from journeymine.plot import export
    from journeymine.report import analyse, write_analysis

    calls = {"svg": 0, "png": 0}
    to_svg, to_png = export.to_svg, export.to_png

    def count_svg(*args, **kwargs):
        calls["svg"] += 1
        return to_svg(*args, **kwargs)

    def count_png(*args, **kwargs):
        calls["png"] += 1
        return to_png(*args, **kwargs)

    monkeypatch.setattr(export, "to_svg", count_svg)
    monkeypatch.setattr(export, "to_png", count_png)
    monkeypatch.setattr("journeymine.plot.to_svg", count_svg)
    monkeypatch.setattr("journeymine.plot.to_png", count_png)
    # PNGs in this process, so the counters see them (test_pngs_of_the_second_process_...)
    monkeypatch.setattr("journeymine.report._FileWriter.start", lambda a, out_dir: None)
    a = analyse(_log())  # no model: few figures, a fast test
    write_analysis(a, tmp_path / "r.html")
    write_analysis(a, tmp_path / "again.html")
    assert calls == {"svg": len(a.figures), "png": 0}  # no PNG unless files are asked for
    write_analysis(a, tmp_path / "r.html", out_dir=tmp_path / "files")
    assert calls == {"svg": len(a.figures), "png": len(a.figures)}
    steps = a.timings.steps
    assert {"discover", "draw graph", "svg graph", "png graph", "html sections"} <= set(steps)
    assert all(v >= 0 for v in steps.values())
    table = a.timings.table()
    assert table.splitlines()[-1].startswith("total") and "svg graph" in table


def test_pngs_of_the_second_process_equal_those_written_in_process(tmp_path, monkeypatch):
    from journeymine import report
    from journeymine.report import analyse, write_analysis

    a = analyse(_log(), model=MODEL)
    started = []
    real_start = report._FileWriter.start

    def start(a, out_dir):
        writer = real_start(a, out_dir)
        started.append(writer)
        return writer

    monkeypatch.setattr(report._FileWriter, "start", start)
    write_analysis(a, tmp_path / "r.html", out_dir=tmp_path / "forked", two_processes=True)
    assert started and started[0] is not None and started[0].process.exitcode == 0
    assert "png and csv (second process)" in a.timings.steps
    monkeypatch.setattr(report._FileWriter, "start", lambda a, out_dir: None)
    write_analysis(a, tmp_path / "r.html", out_dir=tmp_path / "here")
    forked = {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir()}
    here = {p.name: p.read_bytes() for p in (tmp_path / "here").iterdir()}
    assert sum(n.endswith(".png") for n in forked) == len(a.figures) >= 4
    assert sum(n.endswith(".csv") for n in forked) >= 5 and forked == here


def test_a_failed_png_process_falls_back_to_writing_here(tmp_path, monkeypatch):
    from journeymine import report
    from journeymine.report import analyse, write_analysis

    class Failed:
        def finish(self):
            return False

    monkeypatch.setattr(report._FileWriter, "start", lambda a, out_dir: Failed())
    a = analyse(_log())
    write_analysis(a, tmp_path / "r.html", out_dir=tmp_path / "o", two_processes=True)
    assert {p.name for p in (tmp_path / "o").glob("*.png")} == {f"{n}.png" for n in a.figures}
    assert (tmp_path / "o" / "variants.csv").exists()


def test_command_line_profile_prints_where_the_time_goes(tmp_path, capsys):
    from journeymine.cli import main

    csv = tmp_path / "events.csv"
    pd.DataFrame(
        {
            "c": [1, 1, 2, 2],
            "a": ["ad", "buy", "ad", "view"],
            "t": pd.date_range("2025-01-01", periods=4, freq="D"),
        }
    ).to_csv(csv, index=False)
    args = ["discover", str(csv), "--case", "c", "--activity", "a", "--timestamp", "t"]
    assert main([*args, "--out", str(tmp_path / "out"), "-q", "--profile"]) == 0
    err = capsys.readouterr().err
    assert "where the time went" in err and "read the log" in err and "svg graph" in err
    if sys.platform.startswith("linux"):  # the command writes its files from two processes
        assert "png and csv (second process)" in err
    assert main([*args, "--out", str(tmp_path / "out2"), "-q"]) == 0
    assert "where the time went" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "unit",
    ["days", "whole seconds", "microseconds", "nanoseconds"],
)
def test_csv_durations_are_the_text_pandas_writes(unit):
    """The column-wise duration text equals DataFrame.to_csv's own, NaT and negatives included."""
    from journeymine.report import _csv_frame

    rng = np.random.default_rng(7)
    n = 3000
    step = {"days": 86_400 * 10**9, "whole seconds": 10**9, "microseconds": 1000}.get(unit, 1)
    ns = rng.integers(-(10**15) // step, 10**15 // step, n) * step
    ns[:5] = [0, -step, step, 86_400 * 10**9, -86_400 * 10**9]
    td = pd.Series(pd.to_timedelta(ns, unit="ns"))
    td[rng.random(n) < 0.1] = pd.NaT
    df = pd.DataFrame({"duration": td, "other": np.arange(n)})
    assert _csv_frame(df).to_csv(index=False) == df.to_csv(index=False)
    assert _csv_frame(df[["duration"]]).to_csv(index=False) == df[["duration"]].to_csv(index=False)
    none = pd.DataFrame({"duration": pd.Series([pd.NaT] * 1500, dtype="timedelta64[ns]")})
    assert _csv_frame(none).to_csv(index=False) == none.to_csv(index=False)


@pytest.mark.parametrize("unit", ["days", "seconds", "milliseconds", "microseconds", "nanoseconds"])
@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_csv_times_are_the_text_pandas_writes(unit, tz):
    """The column-wise time text equals DataFrame.to_csv's own (zoned times as UTC, +00:00)."""
    from journeymine.report import _csv_frame

    rng = np.random.default_rng(11)
    n = 3000
    step = {"days": 86_400 * 10**9, "seconds": 10**9, "milliseconds": 10**6}.get(unit, 1)
    step = 1000 if unit == "microseconds" else step
    ns = rng.integers(-(10**18) // step, 10**18 // step, n) * step  # 1938 to 2001
    ns[:3] = [0, -step, step]
    ts = pd.Series(pd.to_datetime(ns, unit="ns"))
    ts[rng.random(n) < 0.1] = pd.NaT
    if tz is not None:
        ts = ts.dt.tz_localize("UTC").dt.tz_convert(tz)
    df = pd.DataFrame({"t": ts, "other": np.arange(n)})
    want = df.copy()
    if tz is not None:  # what _csv_frame wrote before: the UTC time as text, then +00:00
        utc = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        want["t"] = (utc.astype(str) + "+00:00").where(utc.notna(), "")
    assert _csv_frame(df).to_csv(index=False) == want.to_csv(index=False)
