"""The engines: the only package that knows there is more than one.

:mod:`journeymine.engine.base` declares :class:`LogLike` (what both logs
implement), the :class:`Kernel` shape of every analysis and :func:`run`, the
one door: a log declares its engine in ``__journeymine_engine__`` and
:func:`run` hands the kernel to that engine (:mod:`~journeymine.engine.memory`
or :mod:`~journeymine.engine.dask`). Analyses import from here and never name
an engine. The Dask engine (``journeymine.engine.dask``, which imports the log
module) is imported on first use only.
"""

from __future__ import annotations

from journeymine.engine.base import (
    ENGINES,
    Bundle,
    Coded,
    Kernel,
    LogLike,
    LogMeta,
    Segmented,
    bind,
    case_groups,
    check_log,
    check_segment,
    filter_log,
    inner_part,
    run,
    run_all,
    run_local,
    segmented,
    share_inner,
    transform_log,
    tree_merge,
)

__all__ = [
    "ENGINES",
    "Bundle",
    "Coded",
    "Kernel",
    "LogLike",
    "LogMeta",
    "Segmented",
    "bind",
    "case_groups",
    "check_log",
    "check_segment",
    "filter_log",
    "inner_part",
    "run",
    "run_all",
    "run_local",
    "segmented",
    "share_inner",
    "transform_log",
    "tree_merge",
]
