"""
A BPMN reference journey and alignments
=======================================

Journey designers often draw the designed journey in BPMN. journeymine reads
BPMN 2.0 files (with the ``pm4py`` extra), derives stages from the diagram
or takes yours, and checks a log against it with the stage rules or with
pm4py's alignments.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pm4py

import journeymine as jm

# %%
# The designed journey as BPMN
# ----------------------------
# A diagram would come from a modelling tool. Here we draw it as a pm4py
# process tree and save it as BPMN: an ad, then viewing or comparing
# products (as often as wanted), the cart, payment, and maybe a review.

tree = pm4py.parse_process_tree(
    "->('See ad', *(X('View product', 'Compare products'), tau), "
    "'Add to cart', 'Pay', X('Write review', tau))"
)
path = Path(tempfile.mkdtemp()) / "journey.bpmn"
pm4py.write_bpmn(pm4py.convert_to_bpmn(tree), str(path), auto_layout=False)

# %%
# Read it. Without a mapping, each depth of the diagram becomes a stage
# ("Stage 1", "Stage 2", ...); here we name the stages ourselves.

model = jm.JourneyModel.from_bpmn(
    path,
    stages=["Awareness", "Consideration", "Decision", "Purchase", "Advocacy"],
    activities={
        "See ad": "Awareness",
        "View product": "Consideration",
        "Compare products": "Consideration",
        "Add to cart": "Decision",
        "Pay": "Purchase",
        "Write review": "Advocacy",
    },
    required=["Awareness", "Consideration", "Decision", "Purchase"],
)
model

# %%
# A few journeys
# --------------

journeys = {
    "c1": ["See ad", "View product", "Add to cart", "Pay", "Write review"],
    "c2": ["See ad", "View product", "Compare products", "View product", "Add to cart", "Pay"],
    "c3": ["See ad", "Add to cart", "Pay"],  # skips Consideration
    "c4": ["View product", "Add to cart", "Pay"],  # no ad
    "c5": ["See ad", "View product", "Pay", "Add to cart"],  # pays before the cart
    "c6": ["See ad", "View product"],  # drops out
}
rows = [
    (case, activity, pd.Timestamp("2025-05-01") + pd.Timedelta(hours=i))
    for case, steps in journeys.items()
    for i, activity in enumerate(steps)
]
log = jm.from_pandas(
    pd.DataFrame(rows, columns=["customer", "touchpoint", "ts"]),
    case="customer",
    activity="touchpoint",
    timestamp="ts",
)

# %%
# Stage rules
# -----------
# The default check judges moves between stages. Dropping out (c6) is not a
# deviation.

by_stages = jm.check(log, model)
by_stages.deviations[["case", "position", "activity", "kind"]]

# %%
# Alignments
# ----------
# ``method="alignments"`` matches each journey against the closest complete
# run of the diagram. Every step the diagram cannot explain, and every step
# of the diagram the journey misses, lowers the fitness: here dropping out
# counts, too.

by_alignments = jm.check(log, model, method="alignments")
by_alignments.cases

# %%
fitness = pd.DataFrame(
    {
        "stage rules": by_stages.cases.set_index("case")["fitness"],
        "alignments": by_alignments.cases.set_index("case")["fitness"],
    }
)
ax = fitness.plot.bar(figsize=(8, 4), color=["#6baed6", "#fd8d3c"], rot=0)
ax.set_ylabel("fitness")
ax.set_ylim(0, 1.05)
ax.set_title("Fitness per journey")
plt.tight_layout()
