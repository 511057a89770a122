"""journeymine: mine customer journeys from raw event logs.

Load an event table, discover the journey customers really took, check it
against the designed journey, and find loops, returns and drop-outs.
"""

from __future__ import annotations

from journeymine import datasets, stages
from journeymine.cases import case_table
from journeymine.channels import channel_switches
from journeymine.compare import compare
from journeymine.conformance import ConformanceReport, check
from journeymine.discovery import discover, variants
from journeymine.drift import conformance_drift
from journeymine.engine import LogLike
from journeymine.engine.dask import DaskJourneyLog, from_dask
from journeymine.errors import (
    JourneymineError,
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ModelError,
    ParameterError,
)
from journeymine.filters import filter_cases, filter_events, filter_time
from journeymine.funnel import funnel, stage_durations
from journeymine.graph import GraphComparison, JourneyGraph
from journeymine.impact import deviation_impact
from journeymine.io import from_arrow, from_polars, read_csv, read_log, read_parquet, read_xes
from journeymine.log import JourneyLog, from_pandas, from_pm4py
from journeymine.loops import find_loops, loop_summary
from journeymine.model import JourneyModel
from journeymine.paths import paths, step_matrix
from journeymine.plot import (
    plot_conformance,
    plot_funnel,
    plot_graph,
    plot_stage_durations,
    plot_stage_flow,
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
from journeymine.report import write_report
from journeymine.representatives import representatives
from journeymine.simulate import simulate
from journeymine.visits import stage_visits

__version__ = "0.1.0"

__all__ = [
    "ConformanceReport",
    "DaskJourneyLog",
    "GraphComparison",
    "JourneyGraph",
    "JourneyLog",
    "JourneyModel",
    "JourneymineError",
    "JourneymineWarning",
    "LogLike",
    "LogError",
    "MissingDependencyError",
    "ModelError",
    "ParameterError",
    "case_table",
    "channel_switches",
    "check",
    "compare",
    "conformance_drift",
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
    "loop_summary",
    "paths",
    "plot_channel_switches",
    "plot_compare",
    "plot_conformance",
    "plot_drift",
    "plot_funnel",
    "plot_graph",
    "plot_graph_compare",
    "plot_impact",
    "plot_paths",
    "plot_representatives",
    "plot_stage_durations",
    "plot_stage_flow",
    "plot_step_matrix",
    "plot_time_in_stage",
    "plot_variants",
    "read_csv",
    "read_log",
    "read_parquet",
    "read_xes",
    "representatives",
    "simulate",
    "stage_durations",
    "stage_visits",
    "stages",
    "step_matrix",
    "variants",
    "write_report",
]
