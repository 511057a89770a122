"""Readers for event logs: CSV, Parquet, XES."""

from __future__ import annotations

from journeymine.io.tabular import read_csv, read_parquet
from journeymine.io.xes import read_xes

__all__ = ["read_csv", "read_parquet", "read_xes"]
