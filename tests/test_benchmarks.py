"""The peers table of benchmarks/bench_peers.py: every analysis has a row, every row agrees.

Nothing here is timed: the rows run once each on a tiny log and the test
asserts only that journeymine's answer equals its peer's (the same check the
benchmark makes before it times anything). Rows whose peer is not installed
are skipped (duckdb is in the ``bench`` extra, not in ``test``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import journeymine as jm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

bp: Any = pytest.importorskip("benchmarks.bench_peers")

CUSTOMERS = 300
QUIET = pytest.mark.filterwarnings(
    "ignore::journeymine.errors.JourneymineWarning",
    "ignore::DeprecationWarning",
    "ignore::FutureWarning",
    "ignore::UserWarning",
)


def _row_id(row: Any) -> str:
    return f"{row.call}|{row.peer_name or 'no peer'}"


def _params() -> list[Any]:
    out = []
    for row in bp.ROWS:
        # pm4py (its import and format_dataframe; alignments ~12 ms a case), scikit-learn
        # and ChannelAttribution take seconds even on 300 customers
        slow = (row.needs or "").split(",")[0] in ("pm4py", "sklearn", "ChannelAttribution")
        marks = [pytest.mark.slow] if slow else []
        out.append(pytest.param(row, id=_row_id(row), marks=marks))
    return out


@pytest.fixture(scope="module")
def data() -> Any:
    return bp.Data(CUSTOMERS)


def test_every_public_analysis_has_a_row() -> None:
    covered = {row.analysis for row in bp.ROWS}
    missing = [n for n in jm.__all__ if not bp.not_an_analysis(n) and n not in covered]
    assert missing == [], f"public analyses without a row in bench_peers.ROWS: {missing}"


def test_exclusions_and_rows_name_public_names() -> None:
    public = set(jm.__all__)
    assert set(bp.NOT_ANALYSES) <= public, set(bp.NOT_ANALYSES) - public
    assert {row.analysis for row in bp.ROWS} <= public


def test_rows_without_a_peer_say_why() -> None:
    for row in bp.ROWS:
        if row.peer is None:
            assert row.note.startswith("no peer:"), row.call


@QUIET
@pytest.mark.parametrize("row", _params())
def test_row_agrees_with_its_peer(row: Any, data: Any) -> None:
    if row.peer is not None and not bp.available(row.needs):
        pytest.skip(f"{row.needs} is not installed")
    result = bp.run_row(row, data, repeat=1)  # asserts the answers equal
    assert result.equal == ("–" if row.peer is None else "yes")


@QUIET
def test_growth_reports_an_exponent_per_row(capsys: Any) -> None:
    out = bp.growth([200, 400], repeat=1, only=["variants", "case_table"])
    assert set(out["exponents"]) == {"variants", "case_table"}
    assert "exponent" in capsys.readouterr().out
