"""
Draw the journey graph
======================

The journey graph of the shop's 6,000 customers, in stage columns; the
graph of a real hospital log without stages, in layers; a flow between
stages; and the interactive map of the HTML report.
"""

from pathlib import Path

import matplotlib.pyplot as plt

import journeymine as jm

# %%
# With stages
# -----------
# Given the designed journey, the columns are its stages, in order. Forward
# moves run left to right, moves back to an earlier stage are dashed orange,
# moves within a stage blue; an arrow that spans several stages runs between
# the boxes it passes. Touchpoints the design does not know have dashed
# boxes. The figure grows with the graph, so the text stays 8 points.

log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
graph = jm.discover(log)
ax = jm.plot_graph(graph, model=model)

# %%
# Without stages
# --------------
# Without stage information the columns are the layers of the graph once
# the edges that close a cycle are turned round. The public Sepsis log
# (1,050 patients) is read when it sits next to the repository, in
# ``../shared/data``; otherwise the shop graph is drawn without its stages.

here = Path(globals().get("__file__", Path.cwd() / "script.py")).resolve().parent
found = [p / "shared" / "data" / "sepsis.xes.gz" for p in (here, *here.parents)]
sepsis = next((p for p in found if p.is_file()), None)
other = jm.discover(jm.read_xes(sepsis)) if sepsis else graph
ax = jm.plot_graph(other, layout="layered", max_edges=60)

# %%
# Large graphs
# ------------
# Above 40 touchpoints the picture keeps the most frequent ones and says in
# its title what it left out. ``max_nodes`` and ``max_edges`` change the
# limits; :meth:`~journeymine.JourneyGraph.prune` chooses the part yourself.

ax = jm.plot_graph(graph, max_nodes=12, label="median")

# %%
# Stage to stage
# --------------
# The flow between stages, sankey style: bars are visits to a stage, bands
# the moves forward, dashed arcs the moves back.

ax = jm.plot_stage_flow(log, model)

# %%
# The interactive map
# -------------------
# :meth:`~journeymine.JourneyGraph.to_html` writes the map of the HTML
# report as a page of its own: pan, zoom, hover for counts and times,
# sliders for the share of touchpoints and moves, and a frequency/time
# switch. The page holds all its code; it needs no network.

out = graph.to_html(Path("journey-map.html"), model=model)
print(out.name, f"{out.stat().st_size / 1e3:,.0f} kB")
out.unlink()
plt.show()
