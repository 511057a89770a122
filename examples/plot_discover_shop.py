"""
Discover the actual journey
===========================

What did the shop's 6,000 customers really do? Load the demo log, discover
its directly-follows graph, list the most common journeys, and simplify the
graph to its main paths.
"""

import matplotlib.pyplot as plt
import numpy as np

import journeymine as jm

# %%
# The log
# -------
# :func:`journeymine.datasets.load_shop` returns a :class:`~journeymine.JourneyLog`
# with the customer as case, the touchpoint as activity, and the stage and
# channel of each event.

log = jm.datasets.load_shop()
log

# %%
log.to_pandas().head()

# %%
# The journey graph
# -----------------
# :func:`journeymine.discover` counts, for every pair of touchpoints (a, b),
# how often b directly follows a (``events``), in how many customers' journeys
# (``cases``), and how long it takes.

graph = jm.discover(log)
graph

# %%
graph.nodes.head(8)

# %%
graph.edges[["source", "target", "events", "cases", "median_duration"]].head(8)

# %%
# The most common journeys
# ------------------------
# A variant is a distinct sequence of touchpoints. Journeys have a long tail:
# the most common ones are short visits that end after one ad.

top = jm.variants(log, top=10)
top[["variant", "cases", "share", "median_duration"]]

# %%
print(f"{len(jm.variants(log)):,} variants for {log.n_cases:,} customers")

# %%
# The main paths
# --------------
# :meth:`~journeymine.JourneyGraph.prune` keeps the most frequent half of the
# touchpoints and 30 % of the paths between them, adding back the edges that
# keep every touchpoint reachable from a start and able to reach an end.

main = graph.prune(activities=0.5, paths=0.3)
main

# %%
main.edges[["source", "target", "events", "cases"]]

# %%
# Stage by stage
# --------------
# With ``by="stage"`` the nodes are the stages the tracking team tagged each
# touchpoint with. The matrix of moves between stages shows the designed
# flow on and above the diagonal, and the moves back below it.

stages = ["Awareness", "Consideration", "Decision", "Purchase", "Retention", "Advocacy"]
by_stage = jm.discover(log, by="stage")
matrix = (
    by_stage.edges.pivot(index="source", columns="target", values="cases")
    .reindex(index=stages, columns=stages)
    .fillna(0)
)

fig, ax = plt.subplots(figsize=(7, 6))
im = ax.imshow(np.log10(matrix.to_numpy() + 1), cmap="Blues")
ax.set_xticks(range(len(stages)), stages, rotation=45, ha="right")
ax.set_yticks(range(len(stages)), stages)
for i in range(len(stages)):
    for j in range(len(stages)):
        value = int(matrix.iloc[i, j])
        if value:
            dark = np.log10(value + 1) > 2.5
            color = "white" if dark else "black"
            ax.text(j, i, f"{value:,}", ha="center", va="center", fontsize=8, color=color)
ax.set_xlabel("to stage")
ax.set_ylabel("from stage")
ax.set_title("Customers moving from one stage to the next")
fig.colorbar(im, ax=ax, label="log10(cases + 1)")
fig.tight_layout()

# %%
# Exports
# -------
# The graph goes to networkx, Graphviz DOT, JSON or pm4py.

G = main.to_networkx()
print(G.number_of_nodes(), "nodes,", G.number_of_edges(), "edges")
print(main.to_dot().splitlines()[0])
