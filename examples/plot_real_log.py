"""
A real log: Sepsis patients' journeys
=====================================

journeymine reads any event log, not only customer journeys. Here, real
recorded data that ships with the package: the journeys of 300 sepsis
patients through a Dutch hospital, from registration at the emergency room
to release, cut from the public Sepsis Cases log (F. Mannhardt,
4TU.ResearchData, https://doi.org/10.4121/uuid:915d2bfb-7e84-49ad-a286-dc35f063a460,
CC BY 4.0). The whole log (1,050 patients) reads the same way with
``jm.read_xes("sepsis.xes.gz")``.
"""

import matplotlib.pyplot as plt

import journeymine as jm

# %%
# Load the log
# ------------
# :func:`journeymine.datasets.load_sepsis` returns a
# :class:`~journeymine.JourneyLog` with one case per patient.

log = jm.datasets.load_sepsis()
log

# %%
# Ties
# ----
# Many events of this log share a timestamp (several measurements entered
# at once). journeymine keeps them in file order, as pm4py does, so the
# counts below equal pm4py's.

ts = log.time
same_case = log.case_codes[1:] == log.case_codes[:-1]
print(f"{int(((ts[1:] == ts[:-1]) & same_case).sum()):,} consecutive pairs with the same time")

# %%
# Variants and graph
# ------------------

variants = jm.variants(log)
print(f"{len(variants):,} variants for {log.n_cases:,} cases")
variants.head()

# %%
graph = jm.discover(log)
graph.nodes

# %%
# The activities, by how many cases have them, with how many cases start and
# end there.

nodes = graph.nodes.sort_values("cases")
fig, ax = plt.subplots(figsize=(8, 6))
ax.barh(nodes["node"].astype(str), nodes["cases"], color="#9ecae1", label="cases")
ax.barh(nodes["node"].astype(str), nodes["start"], color="#3182bd", label="start here")
ax.barh(nodes["node"].astype(str), -nodes["end"], color="#fd8d3c", label="end here (left of 0)")
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel("cases")
ax.set_title("Activities: cases, starts and ends")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# The main paths: the 60 % most frequent activities and 30 % of the edges
# between them, kept connected.

main = graph.prune(activities=0.6, paths=0.3)
main.edges[["source", "target", "events", "cases", "median_duration"]]

# %%
# How long from one step to the next, on the main paths (median, in hours).

edges = main.edges.assign(
    hours=main.edges["median_duration"].dt.total_seconds() / 3600,
    edge=main.edges["source"].astype(str) + " → " + main.edges["target"].astype(str),
).sort_values("hours")
fig, ax = plt.subplots(figsize=(8, 6))
ax.barh(edges["edge"], edges["hours"], color="#74c476")
ax.set_xscale("symlog", linthresh=0.1)
ax.set_xlabel("median time (hours)")
ax.set_title("Time between consecutive steps")
fig.tight_layout()

# %%
# Representative journeys
# -----------------------
# The Sepsis log has a variant for almost every patient, so a table of
# variants says little. :func:`journeymine.representatives` picks the few
# paths that stand for most patients instead: each patient is represented by
# a path within 30 % edit distance of their own.

reps = jm.representatives(log, coverage=0.6, tolerance=0.3)
print(f"{len(reps)} paths represent {reps['cumulative_share'].iloc[-1]:.0%} of the cases")
reps[["rep", "cases", "share", "mean_distance", "median_duration"]].head(8)

# %%
ax = jm.plot_representatives(reps.head(6), max_steps=12)
