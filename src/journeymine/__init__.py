"""journeymine: mine customer journeys from raw event logs.

Load an event table, discover the journey customers really took, check it
against the designed journey, and find loops, returns and drop-outs.
"""

from __future__ import annotations

from journeymine import datasets, stages
from journeymine.charts_explore import (
    plot_compare,
    plot_graph_compare,
    plot_paths,
    plot_step_matrix,
)
from journeymine.compare import GraphComparison, compare
from journeymine.conformance import ConformanceReport, check
from journeymine.discovery import discover, variants
from journeymine.errors import (
    JourneymineError,
    JourneymineWarning,
    LogError,
    MissingDependencyError,
    ModelError,
    ParameterError,
)
from journeymine.filters import case_table, filter_cases, filter_events, filter_time
from journeymine.funnel import funnel, stage_durations
from journeymine.graph import JourneyGraph
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
from journeymine.report import write_report
from journeymine.scale import from_dask
from journeymine.simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "ConformanceReport",
    "GraphComparison",
    "JourneyGraph",
    "JourneyLog",
    "JourneyModel",
    "JourneymineError",
    "JourneymineWarning",
    "LogError",
    "MissingDependencyError",
    "ModelError",
    "ParameterError",
    "case_table",
    "check",
    "compare",
    "datasets",
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
    "plot_compare",
    "plot_conformance",
    "plot_funnel",
    "plot_graph",
    "plot_graph_compare",
    "plot_paths",
    "plot_stage_durations",
    "plot_step_matrix",
    "plot_stage_flow",
    "plot_variants",
    "read_csv",
    "read_log",
    "read_parquet",
    "read_xes",
    "simulate",
    "stage_durations",
    "stages",
    "step_matrix",
    "variants",
    "write_report",
]
