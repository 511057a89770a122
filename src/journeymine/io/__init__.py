"""Readers for event logs: CSV, Parquet, XES, any of them by extension; Arrow and Polars input."""

from __future__ import annotations

from journeymine.io.arrow import from_arrow, from_polars
from journeymine.io.auto import read_log
from journeymine.io.limits import ReadLimits
from journeymine.io.tabular import read_csv, read_parquet
from journeymine.io.xes import read_xes

__all__ = [
    "ReadLimits",
    "from_arrow",
    "from_polars",
    "read_csv",
    "read_log",
    "read_parquet",
    "read_xes",
]
