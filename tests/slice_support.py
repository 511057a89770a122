"""Helpers shared by the slicing tests (filters, paths, compare)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

import journeymine as jm
from journeymine._kernel import Kernel, bind, tree_merge
from journeymine.log import JourneyLog

COLUMNS = {"case": "case", "activity": "activity", "timestamp": "timestamp"}


def to_log(df: pd.DataFrame, **kwargs: Any) -> JourneyLog:
    """The log of ``df``; exact duplicate events are wanted here (dedupe is tested)."""
    from journeymine._quality import DUPLICATES_WARNING

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", DUPLICATES_WARNING, jm.JourneymineWarning)
        return jm.from_pandas(df, **COLUMNS, **kwargs)


def traces(df: pd.DataFrame) -> dict[Any, list[tuple[Any, pd.Timestamp]]]:
    """Plain-Python reference: case -> [(activity, time), ...] in log order (ties: input order)."""
    out: dict[Any, list[tuple[Any, pd.Timestamp]]] = {}
    ordered = df.sort_values(["case", "timestamp"], kind="stable")
    for case, act, ts in zip(
        ordered["case"], ordered["activity"], ordered["timestamp"], strict=False
    ):
        out.setdefault(case, []).append((act, ts))
    return out


def split_equal(kernel: Kernel, log: JourneyLog, cut: list[int], compare: Any) -> None:
    """finish(tree-merge(part(pieces))) equals finish(part(whole)) for a split of the cases."""
    meta = log.meta
    kernel = bind(kernel, meta)
    whole = kernel.finish(kernel.part(log), meta)
    bounds = [0, *sorted(set(min(c, log.n_cases) for c in cut)), log.n_cases]
    pieces = [
        log.select_cases(np.arange(a, b, dtype=np.int64))
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    merged = tree_merge(kernel, [kernel.part(p) for p in pieces])
    compare(kernel.finish(merged, meta), whole)


def dask_log(df: pd.DataFrame, npartitions: int, **kwargs: Any) -> Any:
    import dask.dataframe as dd

    from journeymine.scale import from_dask

    ddf = dd.from_pandas(df, npartitions=max(1, min(npartitions, len(df))), sort=False)
    return from_dask(ddf, **COLUMNS, npartitions=npartitions, **kwargs).persist()


def shop_frame(n_cases: int = 300) -> pd.DataFrame:
    """The first ``n_cases`` customers of the shop data, with the columns renamed to COLUMNS."""
    df = jm.datasets.load_shop().to_pandas()
    df = df.rename(
        columns={"customer_id": "case", "touchpoint": "activity", "timestamp": "timestamp"}
    )
    keep = df["case"].isin(df["case"].drop_duplicates().head(n_cases))
    return df[keep].sample(frac=1.0, random_state=1).reset_index(drop=True)
