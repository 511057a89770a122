"""
So what? Impact, drift, channels and representative journeys
==============================================================

Knowing *that* journeys deviate is the start. This example asks the next
questions on the shop data: which deviations cost conversions, since when
conformance changed, how customers move between channels, and which few
journeys stand for most customers.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()

# %%
# Which deviations matter
# -----------------------
# Each (kind, stage) of deviation against the cases that got as far without
# it, stage by stage; the outcome is conversion (a purchase of the model).
# ``impact`` is the difference times the cases with the deviation: the
# conversions gained or lost.

impact = jm.deviation_impact(log, model, seed=0)
impact[["kind", "stage", "cases_with", "outcome_with", "diff", "lo", "hi", "impact"]].round(3)

# %%
fig, ax = plt.subplots(figsize=(9, 4))
jm.plot_impact(impact, ax=ax)

# %%
# Conformance over time
# ---------------------
# The share of conforming customers by the month of their first touchpoint,
# with Wilson intervals; ``changed`` flags a month that differs from the one
# before at p < 0.01.

drift = jm.conformance_drift(log, model, freq="M")
columns = ["period", "cases", "rate", "lo", "hi", "skipped_stage_rate", "changed"]
drift[columns].round({"rate": 3, "lo": 3, "hi": 3, "skipped_stage_rate": 3})

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
jm.plot_drift(drift, ax=ax)

# %%
# Channel switches
# ----------------
# Per customer: the channels in order of first use, the switches, and ROPO
# (research online, purchase offline).

channels = jm.channel_switches(log, model=model, online=["web", "app", "email", "social"])
channels.head()

# %%
print(f"{channels['ropo'].mean():.1%} of customers researched online and bought offline")

# %%
fig, ax = plt.subplots(figsize=(7, 5.5))
jm.plot_channel_switches(jm.channel_switches(log, summary=True), ax=ax)

# %%
# Representative journeys
# -----------------------
# The fewest journeys that represent 80 % of the customers, each within 30 %
# edit distance of its representative. Here the five largest, as a journey
# map with the stages as columns.

reps = jm.representatives(log, coverage=0.8)
print(f"{len(reps)} journeys represent {reps['cumulative_share'].iloc[-1]:.0%} of customers")
reps.head(5)

# %%
ax = jm.plot_representatives(jm.representatives(log, k=5), model=model)

# %%
# Time in stage per visit
# -----------------------
# Kaplan–Meier medians that count visits still under way as censored.

summary = jm.stage_durations(log, model, summary=True, as_of="2026-01-01")
ax = jm.plot_time_in_stage(summary)
