"""
Strict funnel within 30 days
============================

The default funnel counts reach: a customer reaches a stage when they have
an event in it, in any order. A strict (fallout) funnel, as Adobe Analytics
and Amplitude draw them, counts a stage only when it is reached *after* the
previous one, and here within 30 days of the first stage.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()

# %%
# Reach against order
# -------------------

reach = jm.funnel(log, model)
strict = jm.funnel(log, model, ordered=True, within="30D")
both = reach[["stage", "reached", "conversion"]].copy()
both["reached (strict)"] = strict["reached"]
both["conversion (strict)"] = strict["conversion"]
both.round(3)

# %%
# The strict funnel never increases; its conversions are at most 100 %.

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
jm.plot_funnel(reach, axes[0], title="Reach: an event in the stage, any order")
jm.plot_funnel(strict, axes[1], title="Strict: in order, within 30 days of Awareness")
plt.tight_layout()

# %%
# A shorter funnel
# ----------------
# ``steps=`` picks the stages: from the decision to the purchase, within a
# week, per first channel.

short = jm.funnel(
    log, model, steps=["Decision", "Purchase"], ordered=True, within="7D", segment="channel"
)
short[["group", "stage", "reached", "conversion"]].round(3)
