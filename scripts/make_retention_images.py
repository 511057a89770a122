"""Regenerate the pictures of the user-guide page "Retention and repeat purchase".

Run ``PYTHONPATH=src python scripts/make_retention_images.py``: it writes
``docs/images/retention-*.png`` from the bundled shop data and the bundled
Sepsis sample, with the calls the page shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import journeymine as jm  # noqa: E402
from journeymine.plot import detached_figures, to_png  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shop = jm.datasets.load_shop()
    kw = dict(start="Place order", back="Place order", period="30D", periods=8, cohort="M")
    n_day = jm.retention(shop, **kw)
    unbounded = jm.retention(shop, mode="unbounded", **kw)
    sepsis = jm.datasets.load_sepsis()
    releases = [a for a in sepsis.activities if str(a).startswith("Release")]
    readmit = jm.retention(
        sepsis, start=releases, back="Return ER", period="30D", periods=6, cohort="Q"
    )
    curve = jm.time_to_return(sepsis, start=releases, back="Return ER", curve=True)
    pictures = {
        "retention-triangle.png": lambda: jm.plot_retention(n_day),
        "retention-unbounded.png": lambda: jm.plot_retention(
            unbounded, title="Retention by cohort (unbounded: bought again then or later)"
        ),
        "retention-curve.png": lambda: jm.plot_retention(n_day, kind="curves"),
        "retention-sepsis.png": lambda: jm.plot_retention(
            readmit, title="Sepsis: back at the ER, by 30-day period after release"
        ),
        "retention-sepsis-return.png": lambda: jm.plot_time_to_return(
            curve, title="Sepsis: time from release to the return to the ER"
        ),
    }
    with detached_figures():
        for name, draw in pictures.items():
            (OUT / name).write_bytes(to_png(draw()))
            print("wrote", (OUT / name).relative_to(ROOT))


if __name__ == "__main__":
    sys.exit(main())
