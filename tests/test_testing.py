"""journeymine.testing: shipped with the package, hypothesis optional, strategies usable."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings

import journeymine as jm
import journeymine.testing as jt

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_module_is_inside_the_package():
    """It lives in src/journeymine (so a wheel ships it), not in tests/."""
    package = Path(jm.__file__).resolve().parent
    assert Path(jt.__file__).resolve().parent == package
    import strategies

    assert strategies.models is jt.models  # the suite takes its strategies from there


def test_wheel_contains_testing(tmp_path):
    """setuptools' package discovery puts every module of src/journeymine in the wheel."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    assert (root / "src" / "journeymine" / "testing.py").is_file()
    assert "hypothesis" in " ".join(config["project"]["optional-dependencies"]["testing"])


def test_hypothesis_is_optional_and_the_error_says_how_to_install():
    """In a fresh interpreter without hypothesis: journeymine and journeymine.testing import,
    and building a strategy raises MissingDependencyError with the install hint."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import journeymine, journeymine.testing as jt\n"
        "try:\n"
        "    jt.logs()\n"
        "except ImportError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "MissingDependencyError" in out.stdout
    assert 'pip install "journeymine[testing]"' in out.stdout
    code = "import journeymine, journeymine.testing, sys; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@SETTINGS
@given(jt.event_frames())
def test_event_frames(df):
    assert list(df.columns) == ["case", "activity", "timestamp", "channel"]
    assert set(df["activity"]) <= set(jt.JOURNEY_ACTIVITIES)
    assert len(df) >= 1


@SETTINGS
@given(jt.logs(max_cases=4))
def test_logs(log):
    assert isinstance(log, jm.JourneyLog)
    assert 1 <= log.n_cases <= 4
    assert log.channel == "channel"


@SETTINGS
@given(jt.models(max_stages=3).flatmap(lambda m: jt.logs_from_model(m).map(lambda g: (m, g))))
def test_models_and_logs_from_model(pair):
    model, log = pair
    assert isinstance(model, jm.JourneyModel) and 1 <= len(model.stages) <= 3
    assert set(log.activities) <= set(model.activities) | set(jt.UNKNOWN_ACTIVITIES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        assert (jm.funnel(log, model)["reached"] <= log.n_cases).all()


def test_spread_duplicates():
    df = pd.DataFrame(
        {"c": [1, 1, 1], "a": ["x", "x", "y"], "t": pd.to_datetime(["2025-01-01"] * 3)}
    )
    out = jt.spread_duplicates(df, "c", "a", "t")
    assert out["t"].dt.second.tolist() == [0, 1, 0]
    assert df["t"].dt.second.tolist() == [0, 0, 0]  # the caller's frame is not changed
