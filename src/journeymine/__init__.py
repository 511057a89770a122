"""journeymine: mine customer journeys from raw event logs.

Load an event table, discover the journey customers really took, check it
against the designed journey, and find loops, returns and drop-outs.
"""

from __future__ import annotations

from journeymine import datasets, stages
from journeymine.attribution import attribution, conversion_paths
from journeymine.cases import case_table
from journeymine.channels import channel_switches
from journeymine.clusters import JourneyClusters, cluster_journeys
from journeymine.compare import compare
from journeymine.conformance import ConformanceReport, check
from journeymine.discovery import discover, variants
from journeymine.drift import conformance_drift
from journeymine.errors import (
    JourneymineError,
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ModelError,
    ParameterError,
)
from journeymine.features import journey_features
from journeymine.filters import filter_cases, filter_events, filter_time, trim
from journeymine.funnel import funnel, stage_durations
from journeymine.graph import GraphComparison, JourneyGraph
from journeymine.impact import deviation_impact
from journeymine.io import (
    ReadLimits,
    from_arrow,
    from_polars,
    read_csv,
    read_log,
    read_parquet,
    read_xes,
)
from journeymine.log import JourneyLog, from_pandas, from_pm4py
from journeymine.loops import find_loops, loop_summary
from journeymine.model import JourneyModel
from journeymine.paths import paths, step_matrix
from journeymine.patterns import sequence_patterns
from journeymine.plot import (
    plot_attribution,
    plot_clusters,
    plot_conformance,
    plot_conversion_paths,
    plot_funnel,
    plot_graph,
    plot_retention,
    plot_stage_durations,
    plot_stage_flow,
    plot_time_to_return,
    plot_variants,
)
from journeymine.plot.explain import (
    plot_channel_switches,
    plot_drift,
    plot_impact,
    plot_representatives,
    plot_time_in_stage,
)
from journeymine.plot.explore import (
    plot_compare,
    plot_graph_compare,
    plot_paths,
    plot_step_matrix,
)
from journeymine.plot.time import (
    plot_activity_over_time,
    plot_dotted_chart,
    plot_performance_spectrum,
)
from journeymine.report import write_report
from journeymine.representatives import representatives
from journeymine.retention import repurchase, retention, time_to_return
from journeymine.scale import from_dask
from journeymine.sessions import sessionize
from journeymine.simulate import simulate
from journeymine.timeline import activity_over_time
from journeymine.visits import stage_visits

__version__ = "0.1.0"

__all__ = [
    "ConformanceReport",
    "GraphComparison",
    "JourneyClusters",
    "JourneyGraph",
    "JourneyLog",
    "JourneyModel",
    "ReadLimits",
    "JourneymineError",
    "JourneymineWarning",
    "LogError",
    "MissingDependencyError",
    "ModelError",
    "ParameterError",
    "activity_over_time",
    "attribution",
    "case_table",
    "channel_switches",
    "check",
    "cluster_journeys",
    "compare",
    "conformance_drift",
    "conversion_paths",
    "datasets",
    "deviation_impact",
    "discover",
    "filter_cases",
    "filter_events",
    "filter_time",
    "find_loops",
    "from_arrow",
    "from_dask",
    "from_pandas",
    "from_pm4py",
    "from_polars",
    "funnel",
    "journey_features",
    "loop_summary",
    "paths",
    "plot_activity_over_time",
    "plot_channel_switches",
    "plot_clusters",
    "plot_compare",
    "plot_conformance",
    "plot_dotted_chart",
    "plot_attribution",
    "plot_conversion_paths",
    "plot_drift",
    "plot_funnel",
    "plot_graph",
    "plot_graph_compare",
    "plot_impact",
    "plot_paths",
    "plot_performance_spectrum",
    "plot_representatives",
    "plot_retention",
    "plot_stage_durations",
    "plot_stage_flow",
    "plot_step_matrix",
    "plot_time_in_stage",
    "plot_time_to_return",
    "plot_variants",
    "read_csv",
    "read_log",
    "read_parquet",
    "read_xes",
    "representatives",
    "repurchase",
    "retention",
    "sequence_patterns",
    "sessionize",
    "simulate",
    "stage_durations",
    "stage_visits",
    "stages",
    "step_matrix",
    "time_to_return",
    "trim",
    "variants",
    "write_report",
]
