"""The report as a person sees it: headless Chromium at 1280×900, device scale 1.

Every figure's smallest SVG text renders at 9 CSS px or more at 100 % zoom,
and the journey map opens on the boxes that carry most of the counts (60 %
or more of the counts written on its boxes lie inside the first view).
Skipped, with the reason, when Chromium or Playwright is absent.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: smallest text of each figure (font size × the SVG's scale on screen), hidden ones left out
_MEASURE_JS = r"""
() => {
  function px(t) {
    const r = t.getBoundingClientRect();
    if (!t.textContent.trim() || r.width === 0 || r.height === 0) return null;
    const m = t.getScreenCTM();
    if (!m) return null;
    return parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  }
  const figures = {};
  for (const fig of document.querySelectorAll("figure[id^='fig-']")) {
    let min = null;
    for (const t of fig.querySelectorAll("svg text")) {
      const s = px(t);
      if (s !== null) min = min === null ? s : Math.min(min, s);
    }
    if (min !== null) figures[fig.id.slice(4)] = min;
  }
  const maps = [];
  for (const svg of document.querySelectorAll("svg.jm-svg")) {
    const box = svg.getBoundingClientRect();
    let total = 0, inside = 0, min = null;
    for (const g of svg.querySelectorAll("g.jm-node")) {
      if (g.style.display === "none") continue;
      const texts = g.querySelectorAll("text");
      const n = Number(texts[texts.length - 1].textContent.replace(/,/g, ""));
      const r = g.querySelector("rect").getBoundingClientRect();
      total += n;
      if (r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
          r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5) {
        inside += n;
        for (const t of texts) { const s = px(t); if (s !== null) min = min === null ? s : Math.min(min, s); }
      }
    }
    const cue = svg.parentElement.querySelector(".jm-cue:not([hidden]), .jm-overview:not([hidden])");
    maps.push({share: total ? inside / total : 1, min_text: min, cue: !!cue});
  }
  return {figures: figures, maps: maps};
}
"""

#: per link of the sticky bar: how far below the bar its section starts once jumped to
_NAV_JS = r"""
() => {
  const nav = document.querySelector("nav");
  if (!nav) return [];
  const out = [];
  for (const a of nav.querySelectorAll("a[href^='#']")) {
    const target = document.getElementById(a.getAttribute("href").slice(1));
    a.click();
    out.push(target.getBoundingClientRect().top - nav.getBoundingClientRect().bottom);
  }
  window.scrollTo(0, 0);
  return out;
}
"""


def _browser_or_skip() -> tuple[Any, str]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install 'journeymine[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser check")
    return sync_playwright, chromium


def measure_report(path: Path, *, shots: Path | None = None, prefix: str = "") -> dict[str, Any]:
    """Open a report at 1280×900 and measure its figures (and screenshot each section)."""
    sync_playwright, chromium = _browser_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            page.goto(path.resolve().as_uri())
            page.wait_for_selector(".jm-ui:not([hidden])", timeout=20_000)
            result: dict[str, Any] = page.evaluate(_MEASURE_JS)
            result["below_bar"] = page.evaluate(_NAV_JS)
            for button in page.query_selector_all(".jm-fit"):
                button.click()
            result["maps_after_fit"] = page.evaluate(_MEASURE_JS)["maps"]
            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                # a section at a time: the sticky bar would sit over the part scrolled to
                page.add_style_tag(content="nav{position:static !important}")
                for section in page.query_selector_all("section[id]"):
                    sid = section.get_attribute("id")
                    section.screenshot(path=str(shots / f"{prefix}{sid}.png"))
        finally:
            browser.close()
    return result


#: a designed journey for the bundled Sepsis sample (hospital stages of a patient)
SEPSIS_MODEL = {
    "name": "sepsis",
    "stages": ["Registration", "Diagnostics", "Treatment", "Admission", "Release"],
    "activities": {
        "ER Registration": "Registration",
        "ER Triage": "Registration",
        "ER Sepsis Triage": "Registration",
        "Leucocytes": "Diagnostics",
        "CRP": "Diagnostics",
        "LacticAcid": "Diagnostics",
        "IV Antibiotics": "Treatment",
        "IV Liquid": "Treatment",
        "Admission NC": "Admission",
        "Admission IC": "Admission",
        "Release A": "Release",
        "Release B": "Release",
        "Release C": "Release",
        "Release D": "Release",
        "Release E": "Release",
    },
    "loops": [["Admission", "Diagnostics"], ["Treatment", "Diagnostics"]],
    "purchase": ["Release A"],
}


def _report(tmp: Path, which: str) -> Path:
    import journeymine as jm
    from journeymine.report import write_report

    if which == "demo":
        log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    else:
        log, model = jm.datasets.load_sepsis(), jm.JourneyModel.from_dict(SEPSIS_MODEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return write_report(log, tmp / f"{which}.html", model=model)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["demo", "sepsis"])
def test_every_figure_reads_at_9px_and_the_map_opens_on_the_main_flow(tmp_path, which):
    _browser_or_skip()
    seen = measure_report(_report(tmp_path, which))
    figures = seen["figures"]
    assert {"variants", "conformance", "stage_flow", "funnel"} <= set(figures)
    small = {name: round(px, 1) for name, px in figures.items() if px < 9.0}
    assert not small, f"figures with text under 9 px at 100 %: {small}"
    assert seen["below_bar"] and min(seen["below_bar"]) >= 0, seen["below_bar"]  # not covered
    (journey_map,) = seen["maps"]
    assert journey_map["share"] >= 0.6, journey_map
    assert journey_map["min_text"] >= 9.0, journey_map
    if journey_map["share"] < 1:
        assert journey_map["cue"], "boxes lie outside the first view and nothing says so"
    (fitted,) = seen["maps_after_fit"]  # "fit" never shrinks text below 9 px: cues instead
    assert fitted["min_text"] >= 9.0 and fitted["share"] >= journey_map["share"] - 1e-9
    assert fitted["share"] == 1 or fitted["cue"]


@pytest.mark.slow
def test_the_map_of_a_long_chain_opens_on_most_of_it(tmp_path):
    import pandas as pd

    import journeymine as jm

    _browser_or_skip()
    rows = [
        (c, f"Step {i:02d}", pd.Timestamp("2025-01-01") + pd.Timedelta(minutes=100 * c + i))
        for c in range(5)
        for i in range(24)
    ]
    log = jm.from_pandas(
        pd.DataFrame(rows, columns=["c", "a", "t"]), case="c", activity="a", timestamp="t"
    )
    page = jm.discover(log).to_html(tmp_path / "chain.html")
    (journey_map,) = measure_report(page)["maps"]
    assert journey_map["share"] >= 0.6 and journey_map["min_text"] >= 9.0, journey_map
    assert journey_map["share"] == 1 or journey_map["cue"]
