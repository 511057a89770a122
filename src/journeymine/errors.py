"""Exceptions and warnings raised by journeymine.

Every error a user can cause is a :class:`JourneymineError`; each subclass
also derives from the matching built-in exception, so ``except ValueError``
keeps working in code that does not know journeymine.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = [
    "JourneymineError",
    "LogError",
    "ModelError",
    "ParameterError",
    "MissingDependencyError",
    "JourneymineWarning",
]


class JourneymineError(Exception):
    """Base class of every error a user of journeymine can cause.

    Examples
    --------
    >>> import journeymine as jm
    >>> issubclass(jm.LogError, jm.JourneymineError)
    True
    """


class LogError(JourneymineError, ValueError):
    """An event log cannot be read or is not valid.

    Parameters
    ----------
    message : str
        What is wrong, where, and how to fix it.
    column : str, optional
        The column at fault, if any.
    rows : sequence of int, optional
        The 0-based input row numbers at fault, if any.
    path : str, optional
        The file the log came from, if any.

    Examples
    --------
    >>> import journeymine as jm
    >>> err = jm.LogError("bad timestamp", column="ts", rows=[3])
    >>> err.column, err.rows
    ('ts', [3])
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.rows = list(rows) if rows is not None else None
        self.path = path


class ModelError(JourneymineError, ValueError):
    """A reference journey model is not valid.

    Examples
    --------
    >>> import journeymine as jm
    >>> issubclass(jm.ModelError, ValueError)
    True
    """


class ParameterError(JourneymineError, ValueError, TypeError):
    """A function was called with an invalid argument.

    Examples
    --------
    >>> import journeymine as jm
    >>> issubclass(jm.ParameterError, TypeError)
    True
    """


class MissingDependencyError(JourneymineError, ImportError):
    """An optional dependency (pm4py, Dask) is needed but not installed.

    Examples
    --------
    >>> import journeymine as jm
    >>> issubclass(jm.MissingDependencyError, ImportError)
    True
    """


class JourneymineWarning(UserWarning):
    """Something the user can act on, that did not stop the computation.

    Examples
    --------
    >>> import journeymine as jm
    >>> issubclass(jm.JourneymineWarning, UserWarning)
    True
    """


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the user's call.

    Walks out of every journeymine frame, so a warning raised deep in a reader
    or an analysis names the line of the user's code.
    """
    import inspect

    level = 1
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("journeymine"):
        frame = frame.f_back
        level += 1
    return max(level - 1, 2)


F = TypeVar("F", bound=Callable[..., Any])


class _OncePerCall:
    """Collect the warnings raised inside; on leaving, show each distinct one once.

    They are shown again at the user's line (:func:`user_stacklevel`), under
    the user's warning filters. A class (not ``contextlib``) so that
    ``__exit__`` runs in a journeymine frame and the stack walk sees through it.
    """

    def __enter__(self) -> None:
        self._catcher = warnings.catch_warnings(record=True)
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc: Any) -> None:
        self._catcher.__exit__(*exc)
        seen: set[tuple[type, str]] = set()
        for w in self._caught or ():
            key = (w.category, str(w.message))
            if key not in seen:
                seen.add(key)
                warnings.warn(str(w.message), w.category, stacklevel=user_stacklevel())


def once_per_call(func: F) -> F:
    """Decorate a public function that runs several analyses: each warning shows once.

    A report runs a dozen analyses of one log with one model; a model that
    hardly fits the log would otherwise be reported by each of them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _OncePerCall():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
