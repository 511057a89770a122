"""
Designed vs actual journey
==========================

The shop designed a journey: Awareness → Consideration → Decision →
Purchase → Retention → Advocacy, with a few allowed moves back. Check its
6,000 customers against it: who follows it, where the others leave it, and
which moves the design did not foresee.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()
model

# %%
# Check
# -----
# :func:`journeymine.check` judges every case against the model and returns a
# :class:`~journeymine.ConformanceReport`.

report = jm.check(log, model)
report.summary

# %%
# What goes wrong, and where
# --------------------------
# One row per deviation, with the case, the position of the event where it
# shows, and its kind.

deviations = report.deviations
deviations["kind"].value_counts()

# %%
deviations.head(10)

# %%
# Which required stage do customers skip? Mostly Consideration: direct buyers
# who go from an ad straight to the cart.

deviations.loc[deviations["kind"] == "skipped_stage", "stage"].value_counts()

# %%
# Which touchpoints does the design not know? The tracking team added them
# after the journey was designed.

deviations.loc[deviations["kind"] == "unknown_activity", "activity"].value_counts()

# %%
# The picture of the deviations.

ax = report.plot()
ax.figure.tight_layout()

# %%
# Per customer
# ------------
# One row per case: whether it conforms, its fitness (1 − deviations / events,
# at least 0) and its furthest stage. Dropping out is not a deviation: a
# customer who only saw an ad conforms.

cases = report.cases
cases.head()

# %%
print(f"{cases['fitness'].eq(1).mean():.0%} of the customers follow the design exactly")

# %%
# Where do the customers stop, among those that conform and those that do
# not?

fig, ax = plt.subplots(figsize=(8, 4))
conforming = cases["fitness"].eq(1)
order = list(model.stages)
counts = (
    cases.assign(conforms=conforming.map({True: "conforms", False: "deviates"}))
    .groupby(["furthest_stage", "conforms"])
    .size()
    .unstack(fill_value=0)
    .reindex(order, fill_value=0)
)
counts.plot.barh(stacked=True, ax=ax, color=["#74c476", "#fd8d3c"])
ax.invert_yaxis()
ax.set_xlabel("customers")
ax.set_ylabel("furthest stage")
ax.set_title("Where customers stop")
fig.tight_layout()

# %%
# Designed vs actual moves
# ------------------------
# ``report.compare`` sets the moves the design allows against the moves
# customers make.

report.compare
