"""Draw docs/images/landmark.png: the landmark design of deviation_impact on three timelines.

Run from the repository root: ``python scripts/make_landmark_image.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "landmark.png"

INK, GREY, BAD, GOOD, BAND = "#1f2933", "#9aa5b1", "#c0392b", "#2e7d4f", "#e8f0fb"


def main() -> None:
    fig, ax = plt.subplots(figsize=(9.5, 4.4), dpi=110)
    rows = [
        # (label, events [(x, text)], deviation x or None, conversion x or None)
        ("case A: deviates", [(0, "ad"), (1, "view"), (2, "chat"), (3, "view"), (4, "buy")], 2, 4),
        ("case B: comparison", [(0, "ad"), (1, "view"), (2.6, "view"), (3.8, "buy")], None, 3.8),
        ("case C: comparison", [(0, "ad"), (1, "view"), (2.4, "view")], None, None),
        ("case D: not comparable", [(0, "ad"), (0.7, "buy"), (2.2, "chat")], 2.2, 0.7),
    ]
    landmark = 1.5  # after two events, furthest stage Consideration
    ax.fill_between([landmark, 5.2], -0.35, len(rows) + 0.25, color=BAND, zorder=0)
    ax.plot(
        [landmark, landmark], [-0.35, len(rows) + 0.25], color=INK, linewidth=1.2, linestyle="--"
    )
    ax.text(
        landmark + 0.05,
        len(rows) - 0.35,
        "landmark: after 2 events, furthest stage Consideration\n"
        "outcome counted from here on (shaded)",
        fontsize=9,
        color=INK,
        va="bottom",
    )
    for i, (label, events, dev, conv) in enumerate(rows):
        y = len(rows) - 1 - i
        xs = [x for x, _ in events]
        ax.plot([0, max(xs)], [y, y], color=GREY, linewidth=1.5, zorder=1)
        for x, text in events:
            colour = BAD if x == dev else GOOD if x == conv else INK
            ax.scatter([x], [y], s=60, color=colour, zorder=3)
            ax.text(x, y + 0.16, text, ha="center", va="bottom", fontsize=9, color=colour)
        ax.text(-0.25, y, label, ha="right", va="center", fontsize=9.5, color=INK)
    ax.text(
        1.3,
        -0.7,
        "D bought before its chat: the chat cannot have changed that purchase, so it does "
        "not count",
        fontsize=9,
        color=INK,
        ha="center",
    )
    ax.set_xlim(-2.6, 5.3)
    ax.set_ylim(-0.85, len(rows) + 0.25)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=c, label=t)
        for c, t in ((BAD, "deviation"), (GOOD, "conversion"), (INK, "other event"))
    ]
    ax.legend(
        handles=handles,
        frameon=False,
        fontsize=9,
        loc="upper left",
        ncol=3,
        bbox_to_anchor=(0.0, 1.08),
    )
    ax.set_title("Landmark design: compare at the same point of the journey", fontsize=11, pad=22)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, bbox_inches="tight")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
