"""Regenerate the pictures in docs/images from the shop data (and the Sepsis log when present).

Run ``PYTHONPATH=src python scripts/make_docs_images.py``. The screenshots
of the HTML report and of the interactive map need ``chromium`` on the PATH
(skipped with a message otherwise); the matplotlib pictures do not. The
pictures use the built-in layout (what ``pip install journeymine`` draws);
the report and the map use Graphviz when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import journeymine as jm  # noqa: E402
from journeymine.plot import detached_figures, plot_graph, plot_stage_flow, to_png  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
SEPSIS = ROOT.parent / "shared" / "data" / "sepsis.xes.gz"

#: the designed journey the report screenshots of the bundled Sepsis sample use
SEPSIS_MODEL = {
    "name": "sepsis",
    "stages": ["Registration", "Diagnostics", "Treatment", "Admission", "Release"],
    "activities": {
        **dict.fromkeys(["ER Registration", "ER Triage", "ER Sepsis Triage"], "Registration"),
        **dict.fromkeys(["Leucocytes", "CRP", "LacticAcid"], "Diagnostics"),
        **dict.fromkeys(["IV Antibiotics", "IV Liquid"], "Treatment"),
        **dict.fromkeys(["Admission NC", "Admission IC"], "Admission"),
        **dict.fromkeys([f"Release {c}" for c in "ABCDE"], "Release"),
    },
    "loops": [["Admission", "Diagnostics"], ["Treatment", "Diagnostics"]],
    "purchase": ["Release A"],
}


def screenshot(chromium: str, page: Path, png: Path, size: str, tmp: Path) -> None:
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp / png.stem}",
            f"--window-size={size}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    print("wrote", png.relative_to(ROOT))


def attribution_pictures() -> None:
    """The attribution models and the top conversion paths of the shop data."""
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    with detached_figures():
        table = jm.attribution(log, model=model)
        (OUT / "attribution-models.png").write_bytes(to_png(jm.plot_attribution(table)))
        paths = jm.conversion_paths(log, model=model)
        (OUT / "attribution-paths.png").write_bytes(to_png(jm.plot_conversion_paths(paths)))


def section_screenshots(chromium: str, report: Path, prefix: str) -> None:
    """One picture per report section, as a person sees it: 1280x900 window, 100 % zoom."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright not installed: the section screenshots are left as they are")
        return
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(report.resolve().as_uri())
        page.wait_for_selector(".jm-ui:not([hidden])")
        page.add_style_tag(content="nav{position:static !important}")  # not over the section
        for section in page.query_selector_all("section[id]"):
            png = OUT / f"{prefix}-{section.get_attribute('id')}.png"
            section.screenshot(path=str(png))
            print("wrote", png.relative_to(ROOT))
        browser.close()


def journey_types(log: jm.JourneyLog, model: jm.JourneyModel) -> None:
    """The figures of the "Journey types" page: clusters of customers, and of sessions."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn not installed: the journey types pictures are left as they are")
        return
    customers = jm.cluster_journeys(log, k=4, model=model)
    fig = customers.plot(model=model)[0].figure
    (OUT / "journey-types-shop.png").write_bytes(to_png(fig, dpi=80))
    sessions = jm.cluster_journeys(jm.sessionize(log, gap="6h"), model=model)
    fig = sessions.plot(model=model)[0].figure
    (OUT / "journey-types-sessions.png").write_bytes(to_png(fig, dpi=80))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    graph = jm.discover(log)
    with detached_figures():
        (OUT / "journey-graph.png").write_bytes(
            to_png(plot_graph(graph, model=model, engine="builtin"))
        )
        (OUT / "stage-flow.png").write_bytes(to_png(plot_stage_flow(log, model)))
        if SEPSIS.is_file():
            sepsis = jm.discover(jm.read_xes(SEPSIS))
            (OUT / "sepsis-graph.png").write_bytes(to_png(plot_graph(sepsis, engine="builtin")))
        journey_types(log, model)
    attribution_pictures()
    print("wrote the matplotlib pictures to", OUT.relative_to(ROOT))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: the report and map screenshots are left as they are")
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        report = jm.write_report(log, tmp / "report.html", model=model)
        screenshot(chromium, report, OUT / "demo-report.png", "1100,2300", tmp)
        page = graph.to_html(tmp / "map.html", model=model)
        screenshot(chromium, page, OUT / "journey-map.png", "1400,950", tmp)
        section_screenshots(chromium, report, "report")
        sepsis_model = jm.JourneyModel.from_dict(SEPSIS_MODEL)
        sepsis_report = jm.write_report(
            jm.datasets.load_sepsis(), tmp / "sepsis.html", model=sepsis_model
        )
        section_screenshots(chromium, sepsis_report, "report-sepsis")


if __name__ == "__main__":
    sys.exit(main())
