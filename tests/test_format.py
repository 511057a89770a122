"""The one duration formatter: at most two units, the largest first, at every boundary."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeymine._format import duration_unit, format_duration, to_seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (1e-9, "1 ns"),
        (2.5e-6, "2.5 µs"),
        (0.005, "5 ms"),
        (0.25, "0.25 s"),
        (1, "1 s"),
        (42, "42 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),  # never "60 s"
        (60, "1 min"),
        (200, "3 min 20 s"),
        (180, "3 min"),
        (599.4, "9 min 59 s"),
        (599.6, "10 min"),
        (3569, "59 min"),
        (3599.4, "1 h"),  # never "60 min"
        (3600, "1 h"),
        (7800, "2 h 10 min"),
        (86369, "23 h 59 min"),
        (86399, "1.0 d"),  # never "24 h"
        (4.2 * 86400, "4.2 d"),
        (9.96 * 86400, "10 d"),  # never "10.0 d"
        (131 * 86400, "131 d"),
        (4000 * 86400, "4,000 d"),
        (-180, "-3 min"),
        (-7800, "-2 h 10 min"),
    ],
)
def test_format_duration_boundaries(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    "value",
    [
        pd.Timedelta(minutes=3),
        dt.timedelta(minutes=3),
        np.timedelta64(180, "s"),
        np.timedelta64(180_000_000_000, "ns"),
        180,
        180.0,
        np.float64(180),
    ],
)
def test_format_duration_accepts_every_kind_of_duration(value):
    assert format_duration(value) == "3 min"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NaT, np.timedelta64("NaT"), "text"])
def test_format_duration_of_missing_is_a_dash(missing):
    assert format_duration(missing) == "–"


UNIT = r"(?:[\d,.]+(?:e-?\d+)? (?:ns|µs|ms|s|min|h|d))"


@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_at_most_two_units_largest_first(seconds):
    text = format_duration(seconds)
    assert re.fullmatch(rf"-?{UNIT}(?: {UNIT})?", text), text
    parts = re.findall(r"(ns|µs|ms|s|min|h|d)\b", text)
    order = ["ns", "µs", "ms", "s", "min", "h", "d"]
    assert len(parts) <= 2
    assert parts == sorted(parts, key=order.index, reverse=True)
    if len(parts) == 2:  # the second unit is the next smaller one and under its limit
        assert (parts[0], parts[1]) in {("min", "s"), ("h", "min")}
        second = int(text.split()[-2])
        assert 0 < second < 60


def test_to_seconds_and_duration_unit():
    assert to_seconds(pd.Timedelta("1D")) == 86400
    assert math.isnan(to_seconds(pd.NaT)) and math.isnan(to_seconds(None))
    assert duration_unit([30, 90, 300]) == ("min", 60.0)
    assert duration_unit([5 * 86400]) == ("d", 86400.0)
    assert duration_unit([np.nan, -1]) == ("d", 86400.0)
