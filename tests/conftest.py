"""Shared fixtures: the real logs in ../shared/data and small inline logs."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(name: str) -> Path:
    """Path of a log in ../shared/data, or skip the test with a reason."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: the shared logs live in ../shared/data beside the checkout")
    return path


@pytest.fixture
def tiny_df() -> pd.DataFrame:
    """Three customers, unsorted rows, one tie in time."""
    return pd.DataFrame(
        {
            "customer": ["b", "a", "a", "b", "a", "c"],
            "touchpoint": ["ad", "ad", "view", "view", "buy", "ad"],
            "ts": [
                "2025-01-02 09:00",
                "2025-01-01 10:00",
                "2025-01-01 11:00",
                "2025-01-02 09:00",
                "2025-01-03 12:00",
                "2025-01-05 08:00",
            ],
            "channel": ["web", "web", "app", "web", "store", "email"],
        }
    )


# property tests that set no max_examples: few by default, more in CI (see strategies.examples)
from hypothesis import settings  # noqa: E402

settings.register_profile("fast", max_examples=20)
settings.register_profile("full", max_examples=100)
settings.load_profile("full" if os.environ.get("JOURNEYMINE_EXAMPLES") == "full" else "fast")


# -- the slow tests: real logs, whole reports, subprocesses, clusters -------------------
#: tests (node-id prefixes) marked ``slow``: `python -m pytest` (the README's command) skips
#: them to stay under 150 s on two cores; `.ci/run` runs them after it (`-m slow`).
SLOW = (
    "tests/test_agreement.py::",  # the real logs of ../shared/data, against pm4py
    "tests/test_xes.py::test_agrees_with_pm4py",
    "tests/test_xes_fast.py::test_real_logs_take_the_fast_path",
    "tests/test_xes_fast.py::test_fast_path_is_taken_on_a_regular_log",
    "tests/test_conformance.py::test_alignment_fitness_equals_pm4py",
    "tests/test_compare.py::test_report_and_cli_segment_section",
    "tests/test_cli.py::test_demo_writes_the_full_report",
    "tests/test_cli.py::test_check_outcome_column_and_so_what_lines",
    "tests/test_cli.py::test_check_warns_when_the_model_knows_no_activity",
    "tests/test_datasets.py::test_script_regenerates_the_file_byte_for_byte",
    "tests/test_report.py::test_write_report_writes_html_pngs_and_csvs",
    "tests/test_report.py::test_report_map_renders_in_headless_chromium",
    "tests/test_report.py::test_report_escapes_a_hostile_activity_name",
    "tests/test_report.py::test_report_with_model_has_every_section",
    "tests/test_report.py::test_report_with_the_real_check",
    "tests/test_dask.py::test_cases_span_input_partitions",
    "tests/test_filters.py::test_dask_filters_equal_in_memory",
    # the Dask matrix: one layout (many partitions) by default, the other three in -m slow
    "tests/test_kernel.py::test_dask_equals_memory[",
)
#: ...except these parametrizations, which stay in the default run
FAST_EXCEPT = ("-many]",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW) and not item.nodeid.endswith(FAST_EXCEPT):
            item.add_marker(pytest.mark.slow)
