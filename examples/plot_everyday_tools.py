"""
Trim, time-bounded filters, funnel exclusions and centred step matrices
=======================================================================

The analyst's everyday moves: keep the part of each journey between two
activities, keep customers who did ``b`` within a week of ``a``, count a
funnel step only when nothing unwanted happened in between, and look at
what customers do around an activity rather than from their first event.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()
model = jm.datasets.shop_model()

# %%
# Activity over time
# ------------------
# Events (grey bars) and active, new and ended customers per week.

ax = jm.plot_activity_over_time(log, freq="W")
plt.tight_layout()

# %%
# From the cart to the order
# --------------------------
# ``trim`` keeps, in every journey, the events from the first "Add to cart"
# through the first "Place order" after it; customers without that pair
# are dropped.

checkout = jm.trim(log, "Add to cart", "Place order")
jm.variants(checkout, top=5)

# %%
# Ordered within two days
# -----------------------

quick = jm.filter_cases(log, eventually=("Add to cart", "Place order"), within="2D")
print(f"{quick.n_cases:,} of {log.n_cases:,} customers order within two days of a cart")

# %%
# A funnel with an exclusion step, holding the channel constant
# -------------------------------------------------------------
# Customers who contacted support between two steps do not count as
# reaching the later step; with ``hold="channel"`` a step counts only on the
# channel on which the customer reached the first step.

jm.funnel(log, model, ordered=True, exclude=["Contact support"], hold="channel")[
    ["stage", "reached", "conversion"]
]

# %%
# What happens around "Add to cart"
# ---------------------------------
# Step 0 is each customer's first "Add to cart"; ``(not started)`` and
# ``(ended)`` are the customers whose journey starts later or ends sooner.

ax = jm.plot_step_matrix(jm.step_matrix(log, steps=4, anchor="Add to cart"))
plt.tight_layout()

# %%
# Web customers against the others
# --------------------------------
# The differential step matrix: blue where web customers do an activity
# more often than the others at that step, red where less.

web = log.case_table().set_index("case")["channel"] == "web"
ax = jm.plot_step_matrix(jm.step_matrix(log, steps=4, anchor="Add to cart", groups=web))
plt.tight_layout()
