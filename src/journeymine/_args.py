"""Argument checks of the so-what analyses that _validation does not have yet.

Each raises a :class:`~journeymine.ParameterError` whose message says what
was given and how to fix it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from journeymine.errors import ParameterError


def level_arg(ci: Any, func: str, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(ci, bool) or not isinstance(ci, (int, float, np.number)) or not 0 < ci < 1:
        raise ParameterError(
            f"The {name!r} parameter of {func}() must be a confidence level between 0 and 1 "
            f"(exclusive). Got {ci!r} instead, e.g. {name}=0.95."
        )
    return float(ci)


def seed_arg(seed: Any, func: str) -> None:
    """Raise unless ``seed`` is an int, a numpy Generator or None."""
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer, np.random.Generator))
    ):
        raise ParameterError(
            f"The 'seed' parameter of {func}() must be an int, a numpy.random.Generator or "
            f"None. Got {seed!r} instead."
        )
