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
