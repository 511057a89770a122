"""Former home of the loop, funnel and stage-time analyses, kept so old imports work.

The analyses now live in :mod:`journeymine.loops` (``find_loops``,
``loop_summary``) and :mod:`journeymine.funnel` (``funnel``,
``stage_durations``); import them from ``journeymine`` itself.
"""

from __future__ import annotations

from journeymine.funnel import funnel, stage_durations
from journeymine.loops import KINDS, find_loops, loop_summary

__all__ = ["KINDS", "find_loops", "funnel", "loop_summary", "stage_durations"]
