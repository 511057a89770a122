"""The public API: a snapshot of ``journeymine.__all__`` and conventions checked over it."""

from __future__ import annotations

import inspect

import journeymine as jm

PUBLIC = sorted(
    [
        "ConformanceReport",
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
        "channel_switches",
        "check",
        "attribution",
        "conversion_paths",
        "plot_attribution",
        "plot_conversion_paths",
        "step_matrix",
        "plot_step_matrix",
        "plot_paths",
        "plot_graph_compare",
        "plot_compare",
        "paths",
        "filter_time",
        "filter_events",
        "filter_cases",
        "compare",
        "case_table",
        "GraphComparison",
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
        "sequence_patterns",
        "sessionize",
        "plot_clusters",
        "cluster_journeys",
        "JourneyClusters",
        "journey_features",
        "read_log",
        "read_parquet",
        "read_xes",
        "representatives",
        "repurchase",
        "retention",
        "time_to_return",
        "plot_retention",
        "plot_time_to_return",
        "simulate",
        "stage_durations",
        "stage_visits",
        "stages",
        "variants",
        "write_report",
        # issue 27
        "activity_over_time",
        "plot_activity_over_time",
        "plot_dotted_chart",
        "plot_performance_spectrum",
        "trim",
    ]
)


def test_public_api_snapshot():
    """Additions to the public API are deliberate: update this list with them."""
    assert sorted(jm.__all__) == PUBLIC
    for name in jm.__all__:
        assert hasattr(jm, name), name


def test_functions_take_log_first_and_options_keyword_only():
    for name in (
        "discover",
        "variants",
        "check",
        "find_loops",
        "funnel",
        "loop_summary",
        "stage_durations",
    ):
        params = list(inspect.signature(getattr(jm, name)).parameters.values())
        assert params[0].name == "log", name
        for p in params[1:]:
            if p.name == "model" and name in ("check", "funnel", "stage_durations"):
                continue
            assert p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD), (
                f"{name}({p.name}) should be keyword-only"
            )


def test_errors_derive_from_builtins():
    assert issubclass(jm.LogError, ValueError)
    assert issubclass(jm.ModelError, ValueError)
    assert issubclass(jm.ParameterError, TypeError)
    assert issubclass(jm.MissingDependencyError, ImportError)
    for cls in (jm.LogError, jm.ModelError, jm.ParameterError, jm.MissingDependencyError):
        assert issubclass(cls, jm.JourneymineError)
