"""
Returns and repeat purchases
============================

Which customers come back to buy again, how soon, and how many return what
they bought? :func:`journeymine.find_loops` lists every loop in the journeys;
:func:`journeymine.loop_summary` counts them per customer.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()
print("purchase:", model.purchase, " returns:", model.returns)

# %%
# Every loop
# ----------
# One row per occurrence. The purchase and return touchpoints come from the
# model (or from ``purchase=`` and ``returns=``).

loops = jm.find_loops(log, model=model)
loops["kind"].value_counts()

# %%
# A customer with a return and a repeat purchase:

who = loops.loc[loops["kind"] == "repeat_purchase", "case"]
who = who[who.isin(loops.loc[loops["kind"] == "return", "case"])].iloc[0]
loops[loops["case"] == who]

# %%
# Moves back to an earlier stage, and whether the design allows them.

regressions = loops[loops["kind"] == "stage_regression"]
regressions.groupby(["from_stage", "to_stage", "allowed"]).size().sort_values(ascending=False)

# %%
# Per customer
# ------------

per_customer = jm.loop_summary(log, model=model)
buyers = per_customer[per_customer["purchases"] > 0]
print(f"{len(buyers):,} buyers")
print(f"{buyers['repeat_purchases'].gt(0).mean():.0%} buy again")
print(f"{buyers['returns'].gt(0).mean():.0%} return something")
print(f"{buyers['returns'].sum() / buyers['purchases'].sum():.1%} of orders are returned")

# %%
# How soon do customers buy again?

days = loops.loc[loops["kind"] == "repeat_purchase", "since_previous"].dt.total_seconds() / 86400

fig, ax = plt.subplots(figsize=(8, 4))
ax.hist(days, bins=30, color="#6baed6", edgecolor="white")
ax.axvline(days.median(), color="black", linestyle="--", label=f"median {days.median():.0f} days")
ax.set_xlabel("days since the previous purchase")
ax.set_ylabel("repeat purchases")
ax.set_title("Time to the next purchase")
ax.legend()
fig.tight_layout()

# %%
# Do customers who returned something buy again less often?

returned = buyers["returns"].gt(0).map({True: "returned something", False: "no return"})
buyers.groupby(returned)["repeat_purchases"].agg(["count", "mean"])
