"""journeymine: mine customer journeys from raw event logs.

Load an event table, discover the journey customers really took, check it
against the designed journey, and find loops, returns and drop-outs.
"""

from __future__ import annotations

from journeymine import datasets, stages
from journeymine.channels import channel_switches
from journeymine.charts_sowhat import (
    plot_channel_switches,
    plot_drift,
    plot_impact,
    plot_representatives,
    plot_time_in_stage,
)
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
from journeymine.funnel import funnel, stage_durations
from journeymine.graph import JourneyGraph
from journeymine.impact import deviation_impact
from journeymine.io import from_arrow, from_polars, read_csv, read_log, read_parquet, read_xes
from journeymine.log import JourneyLog, from_pandas, from_pm4py
from journeymine.loops import find_loops, loop_summary
from journeymine.model import JourneyModel
from journeymine.plot import (
    plot_conformance,
    plot_funnel,
    plot_graph,
    plot_stage_durations,
    plot_stage_flow,
    plot_variants,
)
from journeymine.report import write_report
from journeymine.representatives import representatives
from journeymine.scale import from_dask
from journeymine.simulate import simulate
from journeymine.visits import stage_visits

__version__ = "0.1.0"

__all__ = [
    "ConformanceReport",
    "JourneyGraph",
    "JourneyLog",
    "JourneyModel",
    "JourneymineError",
    "JourneymineWarning",
    "LogError",
    "MissingDependencyError",
    "ModelError",
    "ParameterError",
    "channel_switches",
    "check",
    "conformance_drift",
    "datasets",
    "deviation_impact",
    "discover",
    "find_loops",
    "from_arrow",
    "from_dask",
    "from_pandas",
    "from_pm4py",
    "from_polars",
    "funnel",
    "loop_summary",
    "plot_channel_switches",
    "plot_conformance",
    "plot_drift",
    "plot_funnel",
    "plot_graph",
    "plot_impact",
    "plot_representatives",
    "plot_stage_durations",
    "plot_stage_flow",
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
    "variants",
    "write_report",
]
