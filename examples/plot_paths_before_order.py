"""
What happens before "Place order"
=================================

Path exploration, as GA4 offers it: from an anchor activity, the paths
customers take backwards (or forwards), and a step matrix of what they do
at each step of their journey.
"""

import matplotlib.pyplot as plt

import journeymine as jm

log = jm.datasets.load_shop()

# %%
# The three touchpoints before the first order
# --------------------------------------------

before = jm.paths(log, "Place order", direction="before", steps=3)
before.head(8)

# %%
# The tree grows leftwards from the anchor: each bar splits the customers by
# the touchpoint one step further back.

ax = jm.plot_paths(before, anchor="Place order", direction="before")
plt.tight_layout()

# %%
# And after adding to the cart
# ----------------------------
# ``(end)`` marks customers whose journey stops there.

after = jm.paths(log, "Add to cart", steps=3)
ax = jm.plot_paths(after, anchor="Add to cart")
plt.tight_layout()

# %%
# The step matrix
# ---------------
# The share of all customers whose k-th touchpoint is each activity, and of
# those who have stopped before step k.

ax = jm.plot_step_matrix(jm.step_matrix(log, steps=10))
plt.tight_layout()
