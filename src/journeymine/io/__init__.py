"""Readers for event logs: CSV, Parquet, XES."""

from __future__ import annotations

from journeymine.io.tabular import read_csv, read_parquet


def read_xes(path, **kwargs):  # type: ignore[no-untyped-def]  # temporary until io.xes lands
    from journeymine.io.xes import read_xes as _read_xes

    return _read_xes(path, **kwargs)

__all__ = ["read_csv", "read_parquet", "read_xes"]
