"""
Channel segments compared
=========================

Do customers who first meet the shop on social media behave differently
from those who arrive from the web or by e-mail? :func:`journeymine.compare`
puts the groups side by side, with intervals and tests from
``scipy.stats``, and ``graph_a.compare(graph_b)`` shows where their
journeys differ.
"""

import warnings

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()

# %%
# The case table
# --------------
# One row per customer; ``channel`` is the channel of the first touchpoint.

cases = log.case_table()
cases["channel"].value_counts()

# %%
# Compare the channels
# --------------------
# A customer's channel changes along the journey, so each customer is put in
# the group of their first event; :func:`~journeymine.compare` warns about it,
# which we acknowledge here.

with warnings.catch_warnings():
    warnings.simplefilter("ignore", jm.JourneymineWarning)
    table = jm.compare(log, "channel", model=model)

table[table["metric"].isin(["conversion", "conformance", "median_duration"])].round(3)

# %%
# Dots are shares of each group's customers, bars their 95 % Wilson
# intervals, rings mark a difference to the other customers with p < 0.05.
# The small groups (app, marketplace, store) have wide intervals; their
# customers all start outside the designed first stage (``wrong_start``).

ax = jm.plot_compare(
    table,
    metrics=[
        "conversion",
        "conformance",
        "wrong_start_rate",
        "skipped_stage_rate",
        "self_loop_rate",
        "rework_rate",
    ],
)
plt.tight_layout()

# %%
# Where the journeys differ
# -------------------------
# Discover one graph per group and compare their edges: the share of each
# group's customers that take each move.

web = jm.discover(jm.filter_cases(log, where=lambda t: t["channel"] == "web"))
social = jm.discover(jm.filter_cases(log, where=lambda t: t["channel"] == "social"))
comparison = web.compare(social, labels=("web", "social"))
comparison.edges.head(8).round(3)

# %%
ax = comparison.plot(top=12)
plt.tight_layout()
