"""Benchmarks comparing journeymine with pm4py, DuckDB and a bare numpy pass."""
