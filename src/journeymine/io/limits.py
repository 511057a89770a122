"""How much a reader accepts from one file before it stops: the one place for resource limits.

A small file must not take the machine down: a gzip file of a few hundred
kilobytes can hold gigabytes, one attribute value can be hundreds of
megabytes long, and an XES log where every event carries its own attribute
key becomes a table with as many columns as events. The readers count what
they read as they stream and stop early with a :class:`~journeymine.LogError`
that names the limit and how to raise it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from journeymine.errors import LogError, ParameterError

__all__ = ["DEFAULT_LIMITS", "ReadLimits", "check_limits"]

_GIB = 1 << 30
_MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """Resource limits of the file readers (:func:`read_xes`, :func:`read_csv`, :func:`read_log`).

    Parameters
    ----------
    max_bytes : int or None, default=64 GiB
        The most bytes of a file's content, counted after decompression as
        the file streams (XES), or the file's (decompressed) size (CSV).
        None: no limit.
    max_value_bytes : int or None, default=1 MiB
        The longest single attribute value (XES) or field (CSV), and the
        longest piece of an XES file between two ``<`` (one element). None: no limit.
    max_attribute_keys : int or None, default=1,000
        The most distinct attribute keys of an XES file (each becomes a
        column). None: no limit.

    Examples
    --------
    >>> import journeymine as jm
    >>> limits = jm.ReadLimits(max_value_bytes=10 * 2**20)   # allow 10 MiB values
    >>> limits.max_attribute_keys
    1000
    >>> jm.ReadLimits(max_bytes=None).max_bytes is None       # no size limit
    True
    """

    max_bytes: int | None = 64 * _GIB
    max_value_bytes: int | None = _MIB
    max_attribute_keys: int | None = 1000

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParameterError(
                    f"The '{field.name}' parameter of ReadLimits() must be a positive int or "
                    f"None. Got {value!r} instead."
                )

    def exceeded(self, name: str, seen: str, source: str) -> LogError:
        """The error for a file that went past limit ``name`` (``seen`` says by how much)."""
        limit = getattr(self, name)
        return LogError(
            f"File {source!r} exceeds the reader's limit {name}={limit:,}: {seen}. The limit "
            "protects this machine from files that would take all its memory. If the file is "
            f"trusted and this is expected, raise it: limits=jm.ReadLimits({name}=...) "
            f"(or {name}=None for no limit).",
            path=source,
        )


DEFAULT_LIMITS = ReadLimits()


def check_limits(limits: Any, func: str) -> ReadLimits:
    """``limits=`` of a reader: a :class:`ReadLimits` (None: the defaults)."""
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, ReadLimits):
        raise ParameterError(
            f"The 'limits' parameter of {func}() must be a jm.ReadLimits or None. "
            f"Got {type(limits).__name__} instead; e.g. limits=jm.ReadLimits(max_bytes=2**34)."
        )
    return limits
