"""Matplotlib pictures of journeys: graphs, designed-vs-actual overlays, charts, and the map.

Every ``plot_*`` function takes ``ax=None`` and returns the
:class:`matplotlib.axes.Axes` it drew on; none calls ``plt.show()``. Nothing
here needs Graphviz: the layouts are computed in Python.
:mod:`matplotlib.pyplot` is imported only inside the functions, and only
when they have to create a figure.

Modules, by figure family:

- ``layout``: where boxes, arrows and labels of a journey graph go (no matplotlib);
- ``graph``: :func:`plot_graph`;
- ``overlay``: the designed journey against the actual one
  (:func:`plot_model`, :func:`plot_conformance`, :func:`plot_stage_flow`);
- ``charts``: :func:`plot_funnel`, :func:`plot_variants`, :func:`plot_stage_durations`;
- ``export``: :func:`to_svg`, :func:`to_png`, :func:`plot_svg`;
- ``interactive``: the pan-and-zoom journey map of the HTML report;
- ``explore``: slicing and exploring (:func:`plot_paths`, :func:`plot_step_matrix`,
  :func:`plot_compare`, :func:`plot_graph_compare`);
- ``time``: the views of time (:func:`plot_dotted_chart`, :func:`plot_performance_spectrum`,
  :func:`plot_activity_over_time`);
- ``attribution``: :func:`plot_attribution`, :func:`plot_conversion_paths`;
- ``explain``: the so-what analyses (:func:`plot_impact`, :func:`plot_drift`,
  :func:`plot_channel_switches`, :func:`plot_representatives`, :func:`plot_time_in_stage`);
- ``retention``: cohort triangles, retention curves and survival curves
  (:func:`plot_retention`, :func:`plot_time_to_return`).
"""

from __future__ import annotations

from journeymine.plot._base import detached_figures as detached_figures
from journeymine.plot._base import fmt_duration as fmt_duration
from journeymine.plot.attribution import plot_attribution, plot_conversion_paths
from journeymine.plot.charts import plot_funnel, plot_stage_durations, plot_variants
from journeymine.plot.clusters import plot_clusters
from journeymine.plot.explain import (
    plot_channel_switches,
    plot_drift,
    plot_impact,
    plot_representatives,
    plot_time_in_stage,
)
from journeymine.plot.explore import plot_compare, plot_graph_compare, plot_paths, plot_step_matrix
from journeymine.plot.export import plot_svg, to_png, to_svg
from journeymine.plot.graph import plot_graph
from journeymine.plot.overlay import plot_conformance, plot_model, plot_stage_flow
from journeymine.plot.retention import plot_retention, plot_time_to_return
from journeymine.plot.time import (
    plot_activity_over_time,
    plot_dotted_chart,
    plot_performance_spectrum,
)

__all__ = [
    "plot_activity_over_time",
    "plot_dotted_chart",
    "plot_performance_spectrum",
    "plot_attribution",
    "plot_conversion_paths",
    "plot_channel_switches",
    "plot_clusters",
    "plot_compare",
    "plot_drift",
    "plot_graph_compare",
    "plot_impact",
    "plot_paths",
    "plot_representatives",
    "plot_retention",
    "plot_step_matrix",
    "plot_time_in_stage",
    "plot_time_to_return",
    "plot_conformance",
    "plot_funnel",
    "plot_graph",
    "plot_model",
    "plot_stage_durations",
    "plot_stage_flow",
    "plot_svg",
    "plot_variants",
    "to_png",
    "to_svg",
]
