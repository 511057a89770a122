"""
The dotted chart and the performance spectrum
=============================================

Two process-mining views of time. The dotted chart (pm4py's and bupaR's)
draws every event as a dot, one row per customer, so that waves of new
customers, seasonality and long tails stand out. The performance spectrum
(Denisov et al.; bupaR's psmineR) draws every occurrence of a step between
two activities as a line from its start on one axis to its end on the next:
steep lines are fast, slanted ones slow, and bands of lines show batching
and queues.
"""

import matplotlib.pyplot as plt

import journeymine as jm

shop = jm.datasets.load_shop()
sepsis = jm.datasets.load_sepsis()

# %%
# The shop's customers over the year
# ----------------------------------
# 6,000 customers are more than a picture can show one per row: the chart
# draws 2,000 of them, chosen with a fixed seed (the same every time), and
# its title says so.

ax = jm.plot_dotted_chart(shop)
plt.tight_layout()

# %%
# Sepsis patients, from their first event, longest stays last
# -----------------------------------------------------------
# ``x="relative"`` lines the cases up at their first event; ``sort="duration"``
# puts the short stays at the top. The grey dots far right are the patients
# who return to the emergency room weeks later.

ax = jm.plot_dotted_chart(sepsis, x="relative", sort="duration")
plt.tight_layout()

# %%
# The checkout steps of the shop, over three weeks
# ------------------------------------------------
# A performance spectrum reads best over a window where the lines have room
# to slant: here the events of three weeks of the shop (``mode="trim"``),
# from adding to the cart to the delivery. The checkout steps take minutes
# (vertical lines); the delivery takes days. Colours are the quartile of
# each line's duration within its step.

window = jm.filter_time(shop, "2025-06-01", "2025-06-22", mode="trim")
steps = [
    ("Add to cart", "Start checkout"),
    ("Start checkout", "Place order"),
    ("Place order", "Pay"),
    ("Pay", "Receive delivery"),
]
ax = jm.plot_performance_spectrum(window, steps)
plt.tight_layout()

# %%
# Sepsis patients: admission, release and return
# ----------------------------------------------
# Over the whole log: from the admission to the first blood test, from the
# last CRP test to the release, and from the release to a return to the
# emergency room (about two months, so these lines slant most).

ax = jm.plot_performance_spectrum(
    sepsis,
    [("Admission NC", "Leucocytes"), ("CRP", "Release A"), ("Release A", "Return ER")],
)
plt.tight_layout()
