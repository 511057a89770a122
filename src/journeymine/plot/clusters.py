"""Journey types side by side: each cluster's journey graph, with its size and outcome."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from journeymine import _validation as v
from journeymine._format import format_duration
from journeymine.errors import ParameterError
from journeymine.plot._base import detached_figures, new_figure
from journeymine.plot.graph import plot_graph

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from journeymine.clusters import JourneyClusters
    from journeymine.model import JourneyModel

__all__ = ["plot_clusters"]


@v.validate_params(
    {
        "max_nodes": [v.Interval(int, 1, None)],
        "max_edges": [v.Interval(int, 1, None)],
        "ncols": [v.Interval(int, 1, None), None],
        "model": [v.Model(), None],
    }
)
def plot_clusters(
    clusters: JourneyClusters,
    ax: Sequence[Axes] | None = None,
    *,
    max_nodes: int = 10,
    max_edges: int = 16,
    ncols: int | None = None,
    model: JourneyModel | None = None,
) -> np.ndarray:
    """Draw each cluster's journey graph, small-multiple style, titled with its size and outcome.

    Parameters
    ----------
    clusters : JourneyClusters
        The result of :func:`journeymine.cluster_journeys`.
    ax : sequence of matplotlib.axes.Axes, optional
        One Axes per cluster, in cluster order; by default a new figure with
        a grid of panels, each as large as the graph would be drawn alone
        (so that text stays 8 points or more).
    max_nodes, max_edges : int, default=10, 16
        Each graph is cut to its most frequent nodes and edges (as in
        :func:`plot_graph`), so that panels stay readable.
    ncols : int, optional
        Panels per row; by default as many as fit in 20 inches (at most 3).
    model : JourneyModel, optional
        Passed to :func:`plot_graph`: stage columns and dashed boxes for
        activities the model does not know.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        One Axes per cluster, in cluster order (also reached as
        ``clusters.plot()``).

    Raises
    ------
    ParameterError
        If ``clusters`` is not a JourneyClusters, or ``ax`` does not hold one
        Axes per cluster.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd, journeymine as jm
    >>> paths = ["abc"] * 6 + ["abd"] * 2 + ["xyz"] * 5 + ["xyy"] * 3
    >>> rows = [(f"c{i:02d}", a, j) for i, p in enumerate(paths) for j, a in enumerate(p)]
    >>> df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    >>> df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["step"], unit="h")
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    >>> axes = jm.plot_clusters(jm.cluster_journeys(log, k=2))
    >>> len(axes), axes[0].get_title().splitlines()[0]
    (2, 'Cluster 0: 8 cases (50 %)')
    """
    if not all(hasattr(clusters, a) for a in ("profiles", "graphs", "cases")):
        raise ParameterError(
            f"plot_clusters() expects the result of jm.cluster_journeys(log), got "
            f"{type(clusters).__name__}."
        )
    profiles = clusters.profiles
    k = len(profiles)
    if ax is not None:
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != k:
            raise ParameterError(
                f"The 'ax' parameter of plot_clusters() must hold one Axes per cluster ({k}); "
                f"got {len(axes)}. Pass ax=None for a new figure."
            )
    else:
        axes = _grid(clusters, k, ncols, max_nodes, max_edges, model)
    for c, target in enumerate(axes):
        row = profiles.iloc[c]
        plot_graph(
            clusters.graphs[c],
            ax=target,
            max_nodes=max_nodes,
            max_edges=max_edges,
            max_edge_labels=8,
            model=model,
            layout="stages" if model is not None else "layered",
            title=_title(row),
        )
    return np.asarray(axes, dtype=object)


def _title(row: Any) -> str:
    head = f"Cluster {int(row['cluster'])}: {int(row['cases']):,} cases ({row['share']:.0%})"
    head = head.replace("%)", " %)")
    parts = [f"median {format_duration(row['median_duration'])}"]
    if not math.isnan(row["outcome"]):
        parts.insert(0, f"outcome {row['outcome']:.0%}".replace("%", " %"))
    return head + "\n" + ", ".join(parts)


def _grid(
    clusters: JourneyClusters,
    k: int,
    ncols: int | None,
    max_nodes: int,
    max_edges: int,
    model: Any,
) -> list[Axes]:
    """A new figure with one panel per cluster, each the size its graph needs alone."""
    width = height = 0.0
    lines = 1
    sizes = []
    with detached_figures():  # measure each graph drawn alone
        for c in range(k):
            probe = plot_graph(
                clusters.graphs[c],
                max_nodes=max_nodes,
                max_edges=max_edges,
                max_edge_labels=8,
                model=model,
                layout="stages" if model is not None else "layered",
                title=_title(clusters.profiles.iloc[c]),
            )
            w, h = probe.figure.get_size_inches()  # type: ignore[union-attr]
            sizes.append((w, h))
            width, height = max(width, w), max(height, h)
            lines = max(lines, probe.get_title().count("\n") + 1)
    # panels side by side while the figure stays under 20 inches wide
    cols = max(1, min(k, ncols if ncols else min(3, int(20 // max(width, 1e-9)))))
    rows = math.ceil(k / cols)
    pad = 0.3 + 0.22 * lines  # inches above each panel for its title
    fig = new_figure((width * cols, (height + pad) * rows))
    # no side margins: each panel gets the whole size its graph asked for
    grid = fig.subplots(
        rows,
        cols,
        squeeze=False,
        gridspec_kw={
            "left": 0,
            "right": 1,
            "bottom": 0,
            "top": 1 - pad / ((height + pad) * rows),
            "wspace": 0,
            "hspace": pad / height,
        },
    )
    for extra in grid.ravel()[k:]:
        extra.set_axis_off()
    panels = list(grid.ravel()[:k])
    for panel, (w, h) in zip(panels, sizes, strict=True):  # each graph at its own size
        box = panel.get_position()
        new_w, new_h = box.width * w / width, box.height * h / height
        panel.set_position((box.x0 + (box.width - new_w) / 2, box.y1 - new_h, new_w, new_h))
    return panels
