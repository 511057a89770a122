"""
Funnel and time in stage
========================

How many customers reach each stage of the designed journey, how long they
take to get there, and how long they stay. :func:`journeymine.funnel` and
:func:`journeymine.stage_durations` answer with one table each.
"""

import matplotlib.pyplot as plt
import numpy as np

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()

# %%
# The funnel
# ----------
# Per stage in model order: the customers that reach it, their share of all
# customers, the conversion from the previous stage, the median time from
# the first touchpoint, and how many stop there.

funnel = jm.funnel(log, model)
funnel

# %%
fig, ax = plt.subplots(figsize=(8, 4))
y = np.arange(len(funnel))
ax.barh(y, funnel["reached"], color="#4292c6")
for i, row in funnel.iterrows():
    ax.text(
        row["reached"],
        i,
        f" {row['reached']:,} ({row['share']:.0%}, conv. {row['conversion']:.0%})",
        va="center",
        fontsize=8,
    )
ax.set_yticks(y, funnel["stage"])
ax.invert_yaxis()
ax.set_xlim(0, funnel["reached"].max() * 1.45)
ax.set_xlabel("customers reaching the stage")
ax.set_title("The shop's funnel")
fig.tight_layout()

# %%
# The data ends on 31 December 2025: customers active in the last month may
# still be on their way. With ``as_of``, they are counted as ``open`` rather
# than as drop-outs.

jm.funnel(log, model, as_of="2026-01-01", open_window="30D")[["stage", "dropped_out", "open"]]

# %%
# Time in stage
# -------------
# One row per customer and stage reached: when they entered it, when they
# moved on, and how long it took.

durations = jm.stage_durations(log, model)
durations.head(8)

# %%
# The summary counts each *visit* to a stage (a customer coming back starts a
# new visit) and keeps the visits still under way as censored observations:
# Kaplan–Meier medians with their 95 % interval and the 90th percentile.

jm.stage_durations(log, model, summary=True, as_of="2026-01-01")

# %%
# Per channel of the touchpoint that starts the visit, for the Decision
# stage: do app users decide faster?

by_channel = jm.stage_durations(log, model, by="channel", summary=True, as_of="2026-01-01")
by_channel[by_channel["stage"] == "Decision"]

# %%
ended = durations.dropna(subset=["duration"])
hours = [
    ended.loc[ended["stage"] == stage, "duration"].dt.total_seconds() / 3600
    for stage in model.stages
]
fig, ax = plt.subplots(figsize=(8, 4))
ax.boxplot(hours, showfliers=False)
ax.set_xticks(range(1, len(model.stages) + 1), model.stages, rotation=20)
ax.set_yscale("symlog", linthresh=1)
ax.set_ylabel("hours in the stage")
ax.set_title("Time in stage (without outliers)")
fig.tight_layout()
