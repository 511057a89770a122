"""Read XES event logs (plain or gzip-compressed) in one streaming, safe pass.

The file is decompressed and read in chunks of ``_CHUNK_BYTES``; the reader
keeps no XML tree, only the values of each attribute key, and builds the
DataFrame once at the end, parsing dates, numbers and booleans column by
column (numbers and text once per distinct value).

Two paths read the same files to the same result:

- Python's expat parser reads the prolog and the log's header (extensions,
  globals, classifiers, log attributes) with Python handlers, and refuses
  any DTD or entity declaration before an entity is read or expanded, so
  the reader is safe on untrusted input (no billion laughs, no XXE).
- At the first ``<trace>`` (or ``<event>``) of a UTF-8 file, :class:`_Body`
  takes over: most XES exports hold nothing else but ``<trace>``,
  ``<event>``, their end tags and ``<tag key="..." value="..."/>`` elements,
  and such text is read with Arrow compute (each chunk split at double
  quotes and dictionary-encoded in C++), a parse of each distinct piece of
  markup between values, and numpy, without Python code or objects per
  element; nothing there can declare or expand an entity (only the five
  predefined ones and character references are decoded). It checks all the
  well-formedness it relies on: UTF-8, tag shapes, white space between
  elements, nesting, characters XML allows, the end tag of the root.

Anything the fast path does not take as it is (comments, CDATA, nested
attributes or lists in the body, other quoting, undeclared entities, bad
nesting, other encodings...) makes the reader start again on the expat path
alone, which then gives the values, or the error with its line, that it has
always given; so results never depend on which path read a file. Such a
file costs the fast pass up to the point of the surprise on top of the
expat pass.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.errors import LogError, ParameterError
from journeymine.io.limits import ReadLimits, check_limits
from journeymine.log import JourneyLog, OnError, from_pandas

__all__ = ["read_xes", "read_xes_frame"]

_CHUNK_BYTES = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_KEEP_BEFORE = 64  # bytes kept from chunks already parsed, to find the first <trace> in
_CASE_PREFIX = "case:"

# XES attribute elements this reader turns into columns. Nested attributes
# (children of an attribute), lists, containers, <global> defaults, log-level
# attributes and unknown elements are skipped.
_ATTRIBUTE_TAGS = ("string", "date", "int", "float", "boolean", "id")
_STRUCTURE_TAGS = frozenset(("log", "trace", "event"))
_KNOWN_TAGS = frozenset(_ATTRIBUTE_TAGS) | _STRUCTURE_TAGS

# parser context
_BEFORE, _LOG, _TRACE, _EVENT, _AFTER = range(5)

# key -> (rows, raw values, rows.append, values.append); rows are event
# numbers (event attributes) or trace numbers (trace attributes), in file order.
_Table = dict[str, tuple[list[int], list[Any], Callable[[int], None], Callable[[Any], None]]]


class _Exceeded(Exception):
    """A reader limit was passed: carries the LogError, which no fallback may swallow."""

    def __init__(self, error: LogError) -> None:
        super().__init__(str(error))
        self.error = error


class _StopParsing(Exception):
    """Raised from a handler once ``max_events`` events have been read."""


class _SwitchToFast(Exception):
    """Raised from a handler at the first ``<trace>``: _Body reads on from ``head``."""

    def __init__(self, head: bytes, root: str) -> None:
        super().__init__()
        self.head = head
        self.root = root


class _Fallback(Exception):
    """Raised by _Body on anything outside the regular shape it reads."""


# How many times a file was read again on the expat path (for tests).
_fallbacks = 0
# How many bodies _Body read to the end (for tests).
_fast_reads = 0


class _Factorized:
    """Raw values held as their distinct values and one code per value."""

    __slots__ = ("codes", "uniques")

    def __init__(self, uniques: list[str], codes: np.ndarray) -> None:
        self.uniques = uniques
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, keep: np.ndarray) -> _Factorized:
        return _Factorized(self.uniques, self.codes[keep])

    def expand(self) -> list[str]:
        if not self.uniques:
            return []
        distinct = np.empty(len(self.uniques), dtype=object)
        distinct[:] = self.uniques
        out: list[str] = distinct[self.codes].tolist()
        return out


# key -> (rows, raw values) gathered by _Body, in file order
_Columns = dict[str, tuple[np.ndarray, "_Factorized"]]
_Raw = list[Any] | _Factorized


class _Collected:
    """Raw attribute values gathered by one pass over a file.

    The expat path fills ``events`` and ``traces``; _Body fills
    ``event_columns`` and ``trace_columns`` (tag -> key -> rows, values).
    """

    def __init__(self) -> None:
        self.events: dict[str, _Table] = {tag: {} for tag in _ATTRIBUTE_TAGS}
        self.traces: dict[str, _Table] = {tag: {} for tag in _ATTRIBUTE_TAGS}
        self.event_columns: dict[str, _Columns] = {tag: {} for tag in _ATTRIBUTE_TAGS}
        self.trace_columns: dict[str, _Columns] = {tag: {} for tag in _ATTRIBUTE_TAGS}
        self.event_order: list[str] = []
        self.trace_order: list[str] = []
        self.event_trace: list[int] | np.ndarray = []
        self.n_traces = 0


@v.validate_params({"max_events": [v.Interval(int, 1, None), None]})
def read_xes_frame(
    path: str | os.PathLike[str],
    *,
    max_events: int | None = None,
    limits: ReadLimits | None = None,
    _keep_bad_dates: str | None = None,
    _progress: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Read an XES event log into a pandas DataFrame, one row per event.

    The file is parsed in one streaming pass, so memory grows with the
    number of events read, not with the size of the XML. Gzip-compressed
    files are recognised by their first bytes, whatever their name.

    Parameters
    ----------
    path : str or path-like
        The ``.xes`` or ``.xes.gz`` file.
    max_events : int, optional
        Stop after this many events (in file order). By default the whole
        file is read.
    limits : ReadLimits, optional
        The most decompressed bytes, the longest value and the most distinct
        attribute keys the reader accepts (:class:`journeymine.ReadLimits`;
        None: its defaults). A file past a limit stops the reader early.

    Returns
    -------
    pandas.DataFrame
        One row per ``<event>``, in file order, with a column per event
        attribute key and a column per trace attribute key prefixed with
        ``case:`` (so the case id is ``case:concept:name``). ``date``
        attributes become time-zone-aware UTC datetimes, ``int`` become
        ``Int64``, ``float`` become ``float64``, ``boolean`` become
        ``boolean``; ``string`` and ``id`` attributes stay text exactly as
        written (a case called ``NA`` stays the string ``"NA"``). Missing
        attributes are missing values. A key seen with several types gets an
        ``object`` column.

    Raises
    ------
    LogError
        The file is missing, is not valid gzip or well-formed XML (the line
        is given), declares a DTD or entities, is not an XES log, has an
        attribute value that does not parse as its declared type, has no
        events, or goes past one of the ``limits``.
    ParameterError
        ``path`` or ``max_events`` is of the wrong type or value.

    See Also
    --------
    read_xes : read an XES file straight into a JourneyLog.

    Notes
    -----
    As in pm4py, ``<global>`` default values are not filled in, nested
    attributes (the children of an attribute), lists and containers are
    skipped, and log-level attributes are not returned. When an event
    attribute key starts with ``case:`` and the trace has the attribute of
    that name, the trace attribute wins, as in pm4py. Events outside any
    trace are kept, with missing ``case:`` columns, rather than dropped.

    The traces of most exported logs hold only ``<trace>``, ``<event>`` and
    attributes written ``<string key="..." value="..."/>``; such files are
    read by a fast path that runs no Python code per element. A file with
    anything else among its traces (comments, nested attributes, other
    quoting, an encoding other than UTF-8) is read by expat alone, with the
    same result, and may take a second pass.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from journeymine.io.xes import read_xes_frame
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.xes"
    >>> _ = path.write_text('''<?xml version="1.0" encoding="UTF-8"?>
    ... <log xes.version="1.0">
    ...   <trace>
    ...     <string key="concept:name" value="NA"/>
    ...     <event>
    ...       <string key="concept:name" value="visit"/>
    ...       <date key="time:timestamp" value="2025-01-01T10:00:00+01:00"/>
    ...       <int key="items" value="2"/>
    ...     </event>
    ...     <event>
    ...       <string key="concept:name" value="buy"/>
    ...       <date key="time:timestamp" value="2025-01-01T10:30:00+01:00"/>
    ...     </event>
    ...   </trace>
    ... </log>''')
    >>> df = read_xes_frame(path)
    >>> df[["case:concept:name", "concept:name", "items"]]
      case:concept:name concept:name  items
    0                NA        visit      2
    1                NA          buy   <NA>
    >>> df["time:timestamp"].tolist()
    [Timestamp('2025-01-01 09:00:00+0000', tz='UTC'), Timestamp('2025-01-01 09:30:00+0000', tz='UTC')]
    """
    source, max_events = _check_arguments(path, max_events)
    bounds = check_limits(limits, "read_xes_frame")
    try:
        collected = _collect(source, max_events, _progress, limits=bounds)
    except _Exceeded as exc:
        raise exc.error from None
    n_events = len(collected.event_trace)
    if n_events == 0:
        raise LogError(
            f"XES file {source!r} contains no events ({collected.n_traces} traces, 0 events). "
            "Check that it is a complete event log with <event> elements inside <trace> elements.",
            path=source,
        )
    return _build_frame(collected, source, _keep_bad_dates)


@v.validate_params({"on_error": [v.StrOptions(("raise", "collect"))]})
def read_xes(
    path: str | os.PathLike[str],
    *,
    case: str = "case:concept:name",
    activity: str = "concept:name",
    timestamp: str = "time:timestamp",
    stage: str | None = None,
    channel: str | None = None,
    on_error: OnError = "raise",
    limits: ReadLimits | None = None,
    _progress: Callable[[float], None] | None = None,
) -> JourneyLog:
    """Read an XES event log (plain or gzip-compressed) into a JourneyLog.

    The file is parsed in one streaming pass with ``journeymine.io.read_xes_frame``,
    then validated and ordered by :func:`journeymine.from_pandas`. Case ids
    stay text exactly as written in the file.

    Parameters
    ----------
    path : str or path-like
        The ``.xes`` or ``.xes.gz`` file. Gzip is recognised by the file's
        first bytes, whatever its name.
    case : str, default="case:concept:name"
        The case id column: a trace attribute key prefixed with ``case:``.
    activity : str, default="concept:name"
        The activity column: an event attribute key.
    timestamp : str, default="time:timestamp"
        The timestamp column: an event attribute key.
    stage, channel : str, optional
        Columns with each event's journey stage and channel, as in
        :func:`journeymine.from_pandas`.
    on_error : {"raise", "collect"}, default="raise"
        What to do with events without a case id, activity or timestamp:
        raise a :class:`LogError` naming them, or set them aside in
        ``log.rejected``.
    limits : ReadLimits, optional
        Resource limits (decompressed size, value length, distinct keys):
        :class:`journeymine.ReadLimits`; None uses its defaults.

    Returns
    -------
    JourneyLog
        The validated log; ``log.to_pandas()`` gives back every attribute
        read from the file.

    Raises
    ------
    LogError
        The file is missing, is not valid gzip or well-formed XML (the line
        is given), declares a DTD or entities (refused for safety), has no
        events, lacks the requested columns, or has bad events (with
        ``on_error="raise"``).
    ParameterError
        An argument of the wrong type or value.

    See Also
    --------
    read_csv, read_parquet, from_pandas

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import journeymine as jm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "journeys.xes"
    >>> _ = path.write_text('''<?xml version="1.0" encoding="UTF-8"?>
    ... <log xes.version="1.0">
    ...   <trace>
    ...     <string key="concept:name" value="c1"/>
    ...     <event>
    ...       <string key="concept:name" value="ad"/>
    ...       <date key="time:timestamp" value="2025-01-01T10:00:00Z"/>
    ...     </event>
    ...     <event>
    ...       <string key="concept:name" value="buy"/>
    ...       <date key="time:timestamp" value="2025-01-02T10:00:00Z"/>
    ...     </event>
    ...   </trace>
    ...   <trace>
    ...     <string key="concept:name" value="c2"/>
    ...     <event>
    ...       <string key="concept:name" value="ad"/>
    ...       <date key="time:timestamp" value="2025-01-03T10:00:00Z"/>
    ...     </event>
    ...   </trace>
    ... </log>''')
    >>> log = jm.read_xes(path)
    >>> log.n_cases, log.n_events
    (2, 3)
    >>> sorted(log.activities)
    ['ad', 'buy']
    """
    frame = read_xes_frame(
        path,
        limits=check_limits(limits, "read_xes"),
        _keep_bad_dates=timestamp if on_error == "collect" else None,
        _progress=_progress,
    )
    return from_pandas(
        frame,
        case=case,
        activity=activity,
        timestamp=timestamp,
        stage=stage,
        channel=channel,
        on_error=on_error,
        _source=os.fspath(path),
    )


# ---------------------------------------------------------------------------
# parsing


def _check_arguments(path: Any, max_events: Any) -> tuple[str, int | None]:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise ParameterError(
            "The 'path' parameter of read_xes_frame() must be a str or path-like object. "
            f"Got {type(path).__name__} instead."
        )
    return os.fspath(path), (None if max_events is None else int(max_events))


def _open(source: str) -> tuple[IO[bytes], bool]:
    """Open ``source`` for reading bytes; tell whether it starts like gzip."""
    p = Path(source)
    try:
        raw = open(p, "rb")
    except FileNotFoundError:
        raise LogError(
            f"File {source!r} not found. Check the path (working directory: {os.getcwd()}).",
            path=source,
        ) from None
    except IsADirectoryError:
        raise LogError(
            f"{source!r} is a folder, not a file. Pass one .xes or .xes.gz file.", path=source
        ) from None
    except OSError as exc:
        raise LogError(
            f"File {source!r} cannot be opened: {exc.strerror or exc}. Check its permissions.",
            path=source,
        ) from None
    is_gzip = raw.read(2) == _GZIP_MAGIC
    raw.seek(0)
    return raw, is_gzip


def _collect(
    source: str,
    max_events: int | None,
    progress: Callable[[float], None] | None = None,
    *,
    fast: bool = True,
    limits: ReadLimits | None = None,
) -> _Collected:
    """Parse ``source`` and gather the raw attribute values.

    ``progress``, if given, is called with the share of the file's bytes
    read so far (0 to 1) after every chunk. With ``fast``, the body of the
    log is read by :class:`_Body` when it has the regular shape; if anything
    in it is not, the file is read again from the start on the expat path
    alone, which then gives exactly the result or the error it always gives.
    """
    bounds = check_limits(limits, "read_xes_frame")
    if progress is not None:  # a second, expat-only pass must not step back
        reported = [0.0]

        def forward(share: float, report: Callable[[float], None] = progress) -> None:
            if share > reported[0]:
                reported[0] = share
                report(share)

        progress = forward
    if fast:
        try:
            return _collect_once(source, max_events, progress, fast=True, limits=bounds)
        except _Fallback:
            global _fallbacks
            _fallbacks += 1
    return _collect_once(source, max_events, progress, fast=False, limits=bounds)


def _collect_once(
    source: str,
    max_events: int | None,
    progress: Callable[[float], None] | None,
    *,
    fast: bool,
    limits: ReadLimits,
) -> _Collected:
    """One pass over ``source``: expat all along, or expat up to the first trace then _Body."""
    out = _Collected()
    events, traces = out.events, out.traces
    event_order, trace_order = out.event_order, out.trace_order
    event_trace: list[int] = []
    out.event_trace = event_trace
    append_event_trace = event_trace.append
    limit = -1 if max_events is None else max_events
    max_value = limits.max_value_bytes
    max_keys = limits.max_attribute_keys
    all_keys: set[str] = set()
    last_of: dict[tuple[bool, str], tuple[int, Any]] = {}  # (trace?, key) -> (row, entry)

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ordered_attributes = True

    # Mutable parser state, kept in closure cells: these handlers run once
    # per XML element, so they avoid attribute look-ups and calls.
    skip = 0  # depth inside an element whose content is ignored
    context = _BEFORE
    nowhere: dict[str, _Table] = {}
    event_dates = events["date"]  # mostly distinct: not worth sharing
    share: Callable[[Any, Any], Any] = {}.setdefault  # one str object per distinct value
    tables = nowhere  # where attributes go now: event, trace or nowhere
    root = ""  # the name of the root element
    encoding: list[str | None] = [None]  # as declared in the XML declaration
    switch = fast  # try to hand the body over to _Body at the first <trace>/<event>
    order: list[str] = []
    row = -1  # event number, or trace number for trace attributes
    n_events = 0
    trace = -1
    outer = _LOG  # what an <event> sits in: a trace, or the log itself

    def start(name: str, attrs: list[str]) -> None:
        nonlocal skip, context, tables, order, row, n_events, trace, outer, root, switch
        if skip:
            skip += 1
            return
        if switch and context == _LOG and name in ("trace", "event"):
            switch = False  # tried once: a file that cannot switch here stays on expat
            head = src.since(parser.CurrentByteIndex)
            if (
                not attrs
                and head.startswith(b"<" + name.encode() + b">")
                and (encoding[0] or "utf-8").lower() == "utf-8"
            ):
                raise _SwitchToFast(head, root)
        table = tables.get(name)
        if table is not None:
            skip = 1
            # attrs is [name, value, name, value, ...] (ordered_attributes)
            key: str | None
            value: str | None
            if len(attrs) == 4 and attrs[0] == "key" and attrs[2] == "value":
                key, value = attrs[1], attrs[3]
            else:
                named = dict(zip(attrs[::2], attrs[1::2], strict=True))
                key, value = named.get("key"), named.get("value")
                if key is None:
                    raise _error(
                        parser,
                        source,
                        f"<{name}> attribute without a 'key'",
                        'Give it one, as in <string key="concept:name" value="..."/>.',
                    )
            if max_value is not None and value is not None and len(value) > max_value // 4:
                if len(value.encode("utf-8")) > max_value:
                    raise limits.exceeded(
                        "max_value_bytes",
                        f"the value of {key!r} at line {parser.CurrentLineNumber} has "
                        f"{len(value.encode('utf-8')):,} bytes",
                        source,
                    )
            if table is not event_dates:
                value = share(value, value)
            slot = (tables is traces, key)
            before = last_of.get(slot)
            if before is not None and before[0] == row:
                # the key again in this event or trace: the later element wins
                before[1][0].pop()
                before[1][1].pop()
            entry = table.get(key)
            if entry is None:
                if max_keys is not None and key not in all_keys:
                    all_keys.add(key)
                    if len(all_keys) > max_keys:
                        raise limits.exceeded(
                            "max_attribute_keys",
                            f"it has more than {max_keys:,} distinct attribute keys (the "
                            f"key {key!r} at line {parser.CurrentLineNumber} is one too many); "
                            "each key becomes a column",
                            source,
                        )
                rows: list[int] = []
                values: list[str | None] = []
                entry = table[key] = (rows, values, rows.append, values.append)
                order.append(key)
            _, _, add_row, add_value = entry
            add_row(row)
            add_value(value)
            last_of[slot] = (row, entry)
            return
        local = name if name in _KNOWN_TAGS else name.rpartition(":")[2]
        if local == "event":
            if context == _TRACE or context == _LOG:
                if n_events == limit:
                    raise _StopParsing
                outer = context
                context = _EVENT
                tables, order = events, event_order
                row = n_events
                n_events += 1
                append_event_trace(trace if outer == _TRACE else -1)
                return
            if context == _EVENT:
                raise _error(parser, source, "<event> inside another <event>")
        elif local == "trace":
            if context == _LOG:
                context = _TRACE
                tables, order = traces, trace_order
                trace += 1
                row = trace
                return
            if context in (_TRACE, _EVENT):
                raise _error(parser, source, "<trace> inside another <trace>")
        elif local == "log":
            if context == _BEFORE:
                context = _LOG
                root = name
                return
            raise _error(parser, source, "<log> inside <log>")
        elif local in _KNOWN_TAGS and tables is not nowhere:
            start(local, attrs)  # a namespace-prefixed attribute, e.g. <xes:string>
            return
        if context == _BEFORE:
            raise LogError(
                f"File {source!r} is not an XES event log: its root element is <{name}> "
                f"(line {parser.CurrentLineNumber}), expected <log>. Check that this is an "
                "XES file.",
                path=source,
            )
        skip = 1  # log attributes, <global>, <extension>, <classifier>, lists, unknown

    def end(name: str) -> None:
        nonlocal skip, context, tables, order, row
        if skip:
            skip -= 1
            return
        # With nothing skipped, this closes the current <event>, <trace> or <log>.
        if context == _EVENT:
            context = outer
            if context == _TRACE:
                tables, order, row = traces, trace_order, trace
            else:
                tables, order = nowhere, []
        elif context == _TRACE:
            context = _LOG
            tables, order = nowhere, []
        else:
            context = _AFTER

    def refuse_dtd(name: str, *_: Any) -> None:
        raise LogError(
            f"XES file {source!r} declares a DTD/entities (<!DOCTYPE {name} ...> at line "
            f"{parser.CurrentLineNumber}), which journeymine refuses to expand for safety "
            "(entity expansion and external entities allow memory-exhaustion and "
            "file-disclosure attacks); remove the DOCTYPE declaration from the file.",
            path=source,
        )

    def refuse_entity(name: str, *_: Any) -> None:
        raise LogError(
            f"XES file {source!r} declares the entity {name!r} (line "
            f"{parser.CurrentLineNumber}), which journeymine refuses to expand for safety; "
            "remove the DOCTYPE and ENTITY declarations from the file.",
            path=source,
        )

    def declared(version: str, declared_encoding: str | None, standalone: int) -> None:
        encoding[0] = declared_encoding

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if fast:
        parser.XmlDeclHandler = declared

    raw, is_gzip = _open(source)
    try:
        with raw, gzip.GzipFile(fileobj=raw) if is_gzip else nullcontext(raw) as stream:
            src = _Stream(stream, source, is_gzip, limits)
            done = _progress_of(raw, source, progress)
            try:
                _feed(parser, src, lambda: context != _BEFORE, done)
            except _SwitchToFast as switched:
                body = _Body(out, switched.root, limit, limits, source)
                body.read(switched.head, src, done)
                return out
    except _StopParsing:
        pass
    out.n_traces = trace + 1
    return out


class _Stream:
    """The (decompressed) bytes of a file, read one chunk after another."""

    def __init__(
        self,
        stream: IO[bytes] | gzip.GzipFile,
        source: str,
        is_gzip: bool,
        limits: ReadLimits,
    ) -> None:
        self.stream = stream
        self.limits = limits
        self.run = 0  # bytes since the last '<'
        self.markup = None if limits.max_value_bytes is None else limits.max_value_bytes + 65536
        self.source = source
        self.is_gzip = is_gzip
        self.size = 0  # bytes read so far
        self.chunk = b""  # the last chunk read
        self.before = b""  # the last bytes before it (at least enough for a start tag)

    def read(self) -> bytes:
        """The next chunk, or ``b""`` at the end; a broken gzip stream is a LogError."""
        try:
            chunk = self.stream.read(_CHUNK_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            if not self.is_gzip:
                raise
            raise LogError(
                f"File {self.source!r} is not a valid gzip file: {exc}. It starts like gzip "
                "(bytes 1f 8b) but cannot be decompressed, so it is probably truncated or "
                "corrupted; download or compress it again.",
                path=self.source,
            ) from None
        previous = self.chunk
        if len(previous) < _KEEP_BEFORE:
            previous = self.before + previous
        self.before, self.chunk = previous[-_KEEP_BEFORE:], chunk
        self.size += len(chunk)
        self._bound(chunk)
        return chunk

    def _bound(self, chunk: bytes) -> None:
        """Stop at once when the content or one piece of markup outgrows the limits."""
        limits = self.limits
        if limits.max_bytes is not None and self.size > limits.max_bytes:
            raise _Exceeded(
                limits.exceeded(
                    "max_bytes",
                    f"its content{' (decompressed)' if self.is_gzip else ''} is longer than "
                    f"{limits.max_bytes:,} bytes",
                    self.source,
                )
            )
        if self.markup is not None:
            end = chunk.rfind(b"<")  # never inside a value: each element starts with it
            self.run = self.run + len(chunk) if end < 0 else len(chunk) - end - 1
            if self.run > self.markup:
                raise _Exceeded(
                    limits.exceeded(
                        "max_value_bytes",
                        f"it holds {self.run:,} bytes without a '<' (one element or value that "
                        f"long) ending at byte {self.size:,}"
                        + (" of its decompressed content" if self.is_gzip else ""),
                        self.source,
                    )
                )

    def since(self, offset: int) -> bytes:
        """The bytes read from ``offset`` on, if they are still at hand (else ``b""``)."""
        start = self.size - len(self.chunk)
        if start <= offset <= self.size:
            return self.chunk[offset - start :]
        if start - len(self.before) <= offset < start:
            return self.before[offset - start :] + self.chunk
        return b""


def _progress_of(
    raw: IO[bytes], source: str, progress: Callable[[float], None] | None
) -> Callable[[], None] | None:
    """A callback telling ``progress`` the share of ``raw``'s bytes consumed so far."""
    if progress is None:
        return None
    try:
        total = max(os.path.getsize(source), 1)
    except OSError:
        return None

    def done() -> None:
        progress(min(raw.tell() / total, 1.0))

    return done


def _feed(
    parser: Any,
    src: _Stream,
    started: Callable[[], bool],
    done: Callable[[], None] | None = None,
) -> None:
    """Push the bytes of ``src`` through ``parser``, translating errors.

    ``started()`` tells whether the root element has been seen; ``done()``,
    if given, is called after every chunk.
    """
    parse: Callable[[bytes, bool], int] = parser.Parse
    source, is_gzip = src.source, src.is_gzip
    try:
        while True:
            chunk = src.read()
            if not chunk:
                break
            parse(chunk, False)
            if done is not None:
                done()
        parse(b"", True)
    except LookupError as exc:
        raise LogError(
            f"File {source!r} declares a character encoding Python does not know ({exc}). "
            'Fix the encoding in its XML declaration (e.g. encoding="UTF-8").',
            path=source,
        ) from None
    except expat.ExpatError as exc:
        what = expat.ErrorString(exc.code)
        where = f"line {exc.lineno}, column {exc.offset + 1}"
        if not is_gzip and source.lower().endswith(".gz"):
            message = (
                f"File {source!r} is not a valid gzip or XES file: its name ends in .gz but it "
                "is not gzip-compressed (it does not start with bytes 1f 8b), and it is not "
                f"well-formed XML either ({what} at {where}). Check that this is an XES event log."
            )
        elif src.size == 0:
            content = "its content, once decompressed," if is_gzip else "it"
            message = (
                f"File {source!r} is not a valid XES file: {content} is empty (0 bytes). "
                "Export or download the event log again."
            )
        elif not started():
            content = "its content, once decompressed," if is_gzip else "it"
            message = (
                f"File {source!r} is not a valid XES file: {content} is not an XML document ({what} at "
                f"{where}, before any element). Check that this is an XES event log."
            )
        else:
            message = (
                f"XES file {source!r} is not well-formed XML: {what} at {where}. The file may be "
                "truncated or corrupted; fix that line, or export or download the file again."
            )
        raise LogError(message, path=source) from None
    except OSError as exc:
        raise LogError(
            f"File {source!r} cannot be read: {exc.strerror or exc}.", path=source
        ) from None


def _error(
    parser: Any, source: str, what: str, fix: str = "Fix the nesting of that element."
) -> LogError:
    return LogError(
        f"XES file {source!r} is not a valid XES log: {what} at line "
        f"{parser.CurrentLineNumber}. {fix}",
        path=source,
    )


# ---------------------------------------------------------------------------
# the fast path for the body of a regular log

# Between two attribute values, a regular body holds a "segment" such as
# '/>\n\t\t</event>\n\t\t<event>\n\t\t\t<string key="concept:name" ': the end
# of the previous attribute element, structure tags with white space around
# them, and the start of the next attribute element up to 'value=' (or, at
# the very end, the end tag of the root). A file holds a few hundred
# distinct ones at most, and each is parsed once.
_SEGMENT = re.compile(
    r"([ \t\r\n]*/>)?((?:[ \t\r\n]*<(?:/?trace|/?event)>)*)[ \t\r\n]*"
    r"(?:<(string|date|int|float|boolean|id)[ \t\r\n]+"
    r'key="([^"<&\x00-\x1f\ufffe\uffff]*)"[ \t\r\n]+'
    r'|</([^\s<>/"]+)>[ \t\r\n]*)?'
)
_STRUCTURE = re.compile(r"<(/?)(trace|event)>")
_LETTERS = {("", "trace"): "T", ("/", "trace"): "t", ("", "event"): "E", ("/", "event"): "e"}
# Traces hold events, events hold no element but attributes, events may sit
# outside traces; a trace and an event left open carry on into the next piece.
_NESTING = re.compile(rb"(?:T(?:Ee)*t|Ee)*(T(?:Ee)*)?(E)?")
# Characters that make a value differ from what expat gives: references,
# and tab, newline and return (which XML turns into spaces in attribute values).
_ODD = re.compile("[&\t\n\r]")
_BLANKS = {9: " ", 10: " ", 13: " "}
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,8}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_MAX_CARRY = 1 << 24  # this long without a line break or '>': not a regular body
_MAX_SEGMENTS = 1 << 16  # this many distinct segments (keys, say, all different): neither
_N_TAGS = len(_ATTRIBUTE_TAGS)
# characters counted in a piece and in its segments: the difference is in values
_COUNTED = ("<", "&", "\t", "\n", "\r")
_COUNTED_BYTES = tuple(ord(c) for c in _COUNTED)


def _compact(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` (below ``size``) renumbered 0, 1, ... in order of value, and the values used."""
    seen = np.zeros(size, dtype=bool)
    seen[codes] = True
    used = np.flatnonzero(seen)
    renumber = np.empty(size, dtype=np.intp)
    renumber[used] = np.arange(len(used))
    return renumber[codes], used


def _resolve(match: re.Match[str]) -> str:
    """The character an XML reference stands for (a _Fallback if XML forbids it)."""
    name, decimal, hexadecimal = match.groups()
    if name:
        return _NAMED[name]
    point = int(decimal) if decimal else int(hexadecimal, 16)
    if (
        point in (0x9, 0xA, 0xD)
        or 0x20 <= point <= 0xD7FF
        or 0xE000 <= point <= 0xFFFD
        or 0x10000 <= point <= 0x10FFFF
    ):
        return chr(point)
    raise _Fallback


def _normalise(value: str) -> str:
    """An attribute value as expat gives it: line ends and tabs made spaces, then
    references replaced (a character reference to a tab or newline stays one)."""
    value = value.replace("\r\n", " ").translate(_BLANKS)
    if "&" not in value:
        return value
    if value.count("&") != len(_REFERENCE.findall(value)):
        raise _Fallback  # a bare '&', or a reference to an entity nobody declared
    return _REFERENCE.sub(_resolve, value)


def _last_of_key(kept: np.ndarray, scoped_key: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``kept`` without the attributes a later one of the same key and row overrides.

    A key repeated within one event or trace, whatever its types: the later
    element wins, as in expat's path and pm4py.
    """
    pair = scoped_key[kept].astype(np.int64) * (int(rows[kept].max()) + 1) + rows[kept]
    order = np.argsort(pair, kind="stable")
    ordered = pair[order]
    repeated = ordered[1:] == ordered[:-1]
    if not repeated.any():
        return kept
    overridden = order[:-1][repeated]  # all but the last of each run of equal pairs
    keep = np.ones(len(kept), dtype=bool)
    keep[overridden] = False
    return kept[keep]


class _Body:
    """Read the body of an XES log that has the regular shape of most exports.

    From the first ``<trace>`` on, most XES files hold nothing but
    ``<trace>``, ``<event>``, their end tags and self-closing attribute
    elements written ``<string key="..." value="..."/>``, with white space
    between them. Each decompressed chunk is cut after its last line break
    and becomes one Arrow string, split at double quotes and
    dictionary-encoded in C++: glue, key, text, value, glue... The few
    distinct segments (glue, key and text) are parsed once each (tag, key,
    structure tags); values are checked by counting bytes over the whole
    chunk minus what its segments hold. The nesting of traces and events is
    checked with one regular expression over one letter per structure tag;
    event and trace numbers come from cumulative sums, and value codes are
    filed into columns with a stable numpy sort. No Python code runs, and
    no Python object is made, per element; only distinct values per column
    and chunk become Python strings.

    Anything else (comments, CDATA, nested attributes, other quoting or
    spacing, undeclared entities, characters XML forbids, text other than
    white space, bad nesting, bytes that are not UTF-8, a missing end tag...)
    raises :class:`_Fallback`, and the caller reads the file again on the
    expat path, which gives the same values or the exact error with its line.
    """

    def __init__(
        self, out: _Collected, root: str, limit: int, limits: ReadLimits, source: str
    ) -> None:
        self.out = out
        self.bounds = limits
        self.out_source = source
        self.root = root
        self.limit = limit  # -1 for none
        self.segments: dict[str, int] = {}  # distinct segment -> code
        # per segment code: starts with '/>', tag code (-1: none), key code,
        # closes the root, and its structure letters (in `letters`, from `starts`)
        self.info: list[tuple[bool, int, int, bool]] = []
        self.letter_list: list[str] = []
        self.closes = np.zeros(0, dtype=bool)
        self.tags = np.zeros(0, dtype=np.intp)
        self.key_codes = np.zeros(0, dtype=np.intp)
        self.lengths = np.zeros(0, dtype=np.intp)
        self.starts = np.zeros(0, dtype=np.intp)
        self.letters = np.zeros(0, dtype=np.uint8)
        self.counts: list[list[int]] = []  # per segment code, how many of each _COUNTED
        self.char_counts = np.zeros((0, len(_COUNTED)), dtype=np.intp)
        self.stale = False  # segments were added since the arrays above were made
        self.keys: dict[str, int] = {}
        # column code -> (row parts, value code parts), in the order columns first appear
        self.columns: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        self.in_trace = False
        self.in_event = False
        self.closed = False  # the root's end tag has been read
        self.n_events = 0
        self.n_traces = 0
        self.owners: list[np.ndarray] = []  # per piece, the trace of each event (or -1)
        self.distinct: dict[int, dict[str, int]] = {}  # column code -> value -> value code

    def read(self, head: bytes, src: _Stream, done: Callable[[], None] | None) -> None:
        """Read ``head``, then the rest of ``src`` chunk by chunk, into ``self.out``."""
        global _fast_reads
        carry = b""
        data = head
        while True:
            final = not data
            text = carry + data if carry else data
            if final:
                piece, carry = text, b""
            else:
                # an element cut at the end of the chunk waits for the next one (a line
                # break or '>' is never inside a UTF-8 sequence)
                cut = text.rfind(b"\n") + 1 or text.rfind(b">") + 1
                piece, carry = text[:cut], text[cut:]
                if len(carry) > _MAX_CARRY:
                    raise _Fallback
            stopped = (piece != b"" or final) and self._piece(piece, final)
            if stopped or final:
                break
            if done is not None:
                done()
            try:
                data = src.read()
            except (LogError, OSError):
                raise _Fallback from None
        self._finish()
        _fast_reads += 1

    def _segment_code(self, segment: str) -> int:
        """The code of a segment, parsed the first time it is seen (a _Fallback if irregular)."""
        code = self.segments.get(segment)
        if code is not None:
            return code
        if len(self.info) >= _MAX_SEGMENTS:
            raise _Fallback
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise _Fallback
        close, structure, tag, key, root = match.groups()
        if root is not None and root != self.root:
            raise _Fallback
        code = len(self.info)
        self.segments[segment] = code
        self.info.append(
            (
                close is not None,
                -1 if tag is None else _ATTRIBUTE_TAGS.index(tag),
                -1 if key is None else self._key_code(key),
                root is not None,
            )
        )
        self.letter_list.append("".join(_LETTERS[t] for t in _STRUCTURE.findall(structure)))
        self.counts.append([segment.count(c) for c in _COUNTED])
        self.stale = True
        return code

    def _key_code(self, key: str) -> int:
        """The code of an attribute key; a new one past ``max_attribute_keys`` stops the reader."""
        code = self.keys.setdefault(key, len(self.keys))
        most = self.bounds.max_attribute_keys
        if most is not None and len(self.keys) > most:
            raise _Exceeded(
                self.bounds.exceeded(
                    "max_attribute_keys",
                    f"it has more than {most:,} distinct attribute keys ({key!r} is one too "
                    "many); each key becomes a column",
                    self.out_source,
                )
            )
        return code

    def _tables(self) -> None:
        """Bring the per-segment arrays up to date after new segments."""
        self.closes = np.array([x[0] for x in self.info], dtype=bool)
        self.tags = np.array([x[1] for x in self.info], dtype=np.intp)
        self.key_codes = np.array([x[2] for x in self.info], dtype=np.intp)
        self.lengths = np.array([len(x) for x in self.letter_list], dtype=np.intp)
        self.starts = np.cumsum(self.lengths) - self.lengths
        self.letters = np.frombuffer("".join(self.letter_list).encode("ascii"), dtype=np.uint8)
        self.char_counts = np.array(self.counts, dtype=np.intp).reshape(-1, len(_COUNTED))
        self.stale = False

    def _codes(self, parts: np.ndarray, dictionary: Any) -> np.ndarray:
        """The segment code of each attribute element, and of the text after the last one.

        ``parts`` holds the dictionary code of each part of the piece between
        double quotes: glue, key, text, value, glue, key... A segment is the
        glue before a key (the end of the previous element, structure tags,
        ``<string key=``), the key, and the text between key and value (white
        space, ``value=``); each distinct (glue, key, text) is looked up once.
        """
        m = len(parts) // 4
        last = self._segment_code(dictionary[int(parts[-1])].as_py())
        if not m:
            return np.array([last], dtype=np.intp)
        glue, glue_ids = _compact(parts[0:-1:4], len(dictionary))
        key, key_ids = _compact(parts[1::4], len(dictionary))
        mid, mid_ids = _compact(parts[2::4], len(dictionary))
        if len(glue_ids) * len(key_ids) * len(mid_ids) >= 1 << 62:
            raise _Fallback
        triple = (glue * len(key_ids) + key) * len(mid_ids) + mid
        distinct, where = np.unique(triple, return_inverse=True)
        glue_texts = dictionary.take(glue_ids).to_pylist()
        key_texts = dictionary.take(key_ids).to_pylist()
        mid_texts = dictionary.take(mid_ids).to_pylist()
        codes = np.empty(len(distinct) + 1, dtype=np.intp)
        for i, t in enumerate(distinct.tolist()):
            g, rest = divmod(t, len(key_ids) * len(mid_ids))
            k, j = divmod(rest, len(mid_ids))
            text = mid_texts[j]
            if not text.endswith("value="):
                raise _Fallback
            codes[i] = self._segment_code(f'{glue_texts[g]}"{key_texts[k]}"{text[:-6]}')
        codes[-1] = last
        return codes[np.append(where.reshape(-1), len(distinct))]

    def _piece(self, piece: bytes, final: bool) -> bool:
        """Read a piece of text ending between two elements; True once at ``limit``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            raise _Fallback from None
        if self.closed:  # after the root element: white space only
            if piece.strip(b" \t\r\n"):
                raise _Fallback
            return False
        offsets = pa.py_buffer(np.array([0, len(piece)], dtype=np.int32))
        whole = pa.StringArray.from_buffers(1, offsets, pa.py_buffer(piece))
        split = pc.split_pattern(whole, pattern='"').flatten()
        if len(split) % 4 != 1:
            raise _Fallback
        encoded = pc.dictionary_encode(split)
        dictionary = encoded.dictionary
        parts = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
        codes = self._codes(parts, dictionary)
        values = parts[3::4]  # codes into `dictionary`
        m = len(values)
        if self.stale:
            self._tables()
        # every segment but the first ends an element, every one but the last starts one
        closes, tags = self.closes[codes], self.tags[codes]
        if closes[0] or not closes[1:].all() or (tags[:-1] < 0).any() or tags[-1] >= 0:
            raise _Fallback
        ends_root = self.info[int(codes[-1])][3]
        if final and not (ends_root or self.closed):
            raise _Fallback  # the root element is not closed: let expat say where
        if m:
            longest = self.bounds.max_value_bytes
            if longest is not None:
                sizes = pc.binary_length(dictionary.take(np.unique(values)))
                if pc.max(sizes).as_py() > longest:
                    raise _Exceeded(
                        self.bounds.exceeded(
                            "max_value_bytes",
                            f"an attribute value has {pc.max(sizes).as_py():,} bytes",
                            self.out_source,
                        )
                    )
            values, dictionary = self._plain(piece, codes, values, dictionary)

        # the structure letters of the piece, and their nesting
        lengths = self.lengths[codes]
        with_letters = np.flatnonzero(lengths)
        counts = lengths[with_letters]
        total = int(counts.sum())
        at_letter = np.repeat(self.starts[codes[with_letters]] - np.cumsum(counts) + counts, counts)
        marks = self.letters[at_letter + np.arange(total)]
        prefix = (b"T" if self.in_trace else b"") + (b"E" if self.in_event else b"")
        nesting = _NESTING.fullmatch(prefix + marks.tobytes())
        left_open = nesting is not None and (nesting.group(1) or nesting.group(2))
        if nesting is None or (ends_root and left_open):
            raise _Fallback  # also: the root closed inside a trace or event

        # how many of each structure tag come before each letter, and each attribute
        zero = np.zeros(1, dtype=np.intp)
        opened_e = np.concatenate((zero, np.cumsum(marks == ord("E"))))
        closed_e = np.concatenate((zero, np.cumsum(marks == ord("e"))))
        opened_t = np.concatenate((zero, np.cumsum(marks == ord("T"))))
        closed_t = np.concatenate((zero, np.cumsum(marks == ord("t"))))
        event_at = np.flatnonzero(marks == ord("E"))
        inside = (self.in_trace + opened_t[event_at] - closed_t[event_at]) > 0
        owner = np.where(inside, self.n_traces + opened_t[event_at] - 1, -1)
        before = np.cumsum(lengths[:m])  # letters before each attribute

        n = m
        stop = False
        if self.limit >= 0 and self.n_events + len(event_at) > self.limit:
            k = self.limit - self.n_events  # reading stops at this event of the piece
            at = int(event_at[k])
            n = int(np.searchsorted(before, at, side="right"))
            before = before[:n]
            owner = owner[:k]
            stop = True
        in_event = (self.in_event + opened_e[before] - closed_e[before]) > 0
        in_trace = ~in_event & ((self.in_trace + opened_t[before] - closed_t[before]) > 0)
        kept = np.flatnonzero(in_event | in_trace)  # attributes of the log itself are skipped
        if len(kept):
            rows = np.where(
                in_event, self.n_events + opened_e[before] - 1, self.n_traces + opened_t[before] - 1
            )
            attribute = codes[:n]
            column = (self.key_codes[attribute] * _N_TAGS + tags[:n]) * 2 + in_trace
            scoped = self.key_codes[attribute] * 2 + in_trace
            for code in dict.fromkeys(column[kept].tolist()):  # columns in file order
                self.columns.setdefault(code, ([], []))
            kept = _last_of_key(kept, scoped, rows)
            self._override(scoped[kept], rows[kept])
            self._file(column[kept], rows[kept], values, dictionary, kept)

        self.owners.append(owner)
        if stop:
            self.n_events = self.limit
            self.n_traces += int(opened_t[at])
            return True
        self.n_events += len(event_at)
        self.n_traces += int(opened_t[-1])
        self.in_trace = nesting.group(1) is not None
        self.in_event = nesting.group(2) is not None
        self.closed = ends_root
        return False

    def _override(self, scoped: np.ndarray, rows: np.ndarray) -> None:
        """Drop values filed from earlier pieces that a key of this piece overrides.

        Only the event and trace left open at the end of the last piece can
        have attributes on both sides; a key seen again there wins over its
        earlier value, whatever the types.
        """
        for scope, row, still in (
            (0, self.n_events - 1, self.in_event),
            (1, self.n_traces - 1, self.in_trace),
        ):
            if not still or row < 0:
                continue
            here = np.unique(scoped[(rows == row) & (scoped % 2 == scope)] // 2)
            for key in here.tolist():
                for tag in range(_N_TAGS):
                    filed = self.columns.get((key * _N_TAGS + tag) * 2 + scope)
                    if filed is None or not filed[0]:
                        continue
                    row_parts, code_parts = filed
                    if len(row_parts[-1]) and int(row_parts[-1][-1]) == row:
                        row_parts[-1] = row_parts[-1][:-1]
                        code_parts[-1] = code_parts[-1][:-1]

    def _plain(
        self, piece: bytes, codes: np.ndarray, values: np.ndarray, dictionary: Any
    ) -> tuple[np.ndarray, Any]:
        """``values`` as expat gives them (a _Fallback if one holds what XML forbids there).

        Counted over the whole piece, minus what the segments hold: values
        with ``<`` or control characters are refused, and the rare values
        with references, tabs or line ends are normalised one by one.
        """
        import pyarrow as pa

        raw = np.frombuffer(piece, dtype=np.uint8)
        total = np.array([np.count_nonzero(raw == c) for c in _COUNTED_BYTES])
        found = total - self.char_counts[codes].sum(axis=0)
        controls = np.count_nonzero(raw < 32) - total[2:].sum()  # all but tab, LF, CR
        lead = np.flatnonzero(raw[:-2] == 0xEF)  # U+FFFE and U+FFFF are EF BF BE/BF
        odd = (raw[lead + 1] == 0xBF) & (raw[lead + 2] >= 0xBE)
        if found[0] or controls or odd.any():
            raise _Fallback  # '<', a control character, U+FFFE or U+FFFF in a value
        if found.any():
            raw_values = dictionary.take(values).to_pylist()
            plain = [_normalise(v) if _ODD.search(v) else v for v in raw_values]
            encoded = pa.array(plain, pa.string()).dictionary_encode()
            return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary
        return values, dictionary

    def _file(
        self,
        column: np.ndarray,
        rows: np.ndarray,
        values: np.ndarray,
        dictionary: Any,
        kept: np.ndarray,
    ) -> None:
        """File the values at positions ``kept`` under their columns, in file order.

        ``values`` are codes into ``dictionary`` (an Arrow array). Values
        repeat, so each column keeps one str per distinct value and a code
        per value.
        """
        order = np.argsort(column, kind="stable")
        column = column[order]
        take = kept[order]
        bounds = np.flatnonzero(column[1:] != column[:-1]) + 1
        firsts = np.concatenate((np.zeros(1, dtype=np.intp), bounds))
        ends = np.append(bounds, len(column))
        local = values[take]
        seen = np.zeros(len(dictionary), dtype=bool)
        to_global = np.zeros(len(dictionary), dtype=np.int32)  # (32 bits: half the memory)
        rows = rows[order].astype(np.int32)
        columns = self.columns
        for j in np.argsort(take[firsts], kind="stable").tolist():  # new ones in file order
            code = int(column[firsts[j]])
            if code not in columns:
                columns[code] = ([], [])
        for code, a, b in zip(column[firsts].tolist(), firsts.tolist(), ends.tolist(), strict=True):
            row_parts, code_parts = columns[code]
            row_parts.append(rows[a:b])
            codes = local[a:b]
            seen[codes] = True
            present = np.flatnonzero(seen)
            seen[present] = False
            new = dictionary.take(present).to_pylist()
            distinct = self.distinct.setdefault(code, {})
            for value in new:
                if value not in distinct:
                    distinct[value] = len(distinct)
            to_global[present] = np.fromiter(map(distinct.__getitem__, new), np.int32, len(new))
            code_parts.append(to_global[codes])

    def _finish(self) -> None:
        out = self.out
        names = list(self.keys)
        for code, (row_parts, value_parts) in self.columns.items():
            is_trace, attribute = code % 2, code // 2
            tag, key = _ATTRIBUTE_TAGS[attribute % _N_TAGS], names[attribute // _N_TAGS]
            if not row_parts:  # every value overridden: only its place in the order
                row_parts, value_parts = [np.zeros(0, np.int32)], [np.zeros(0, np.int32)]
            rows = np.concatenate(row_parts)
            values = _Factorized(list(self.distinct.get(code, {})), np.concatenate(value_parts))
            (out.trace_columns if is_trace else out.event_columns)[tag][key] = (rows, values)
            (out.trace_order if is_trace else out.event_order).append(key)
        out.event_trace = np.concatenate(self.owners) if self.owners else []
        out.n_traces = self.n_traces


# ---------------------------------------------------------------------------
# building the frame


def _build_frame(
    collected: _Collected, source: str, keep_bad_dates: str | None = None
) -> pd.DataFrame:
    """The frame of a parsed file; unparseable dates of event key ``keep_bad_dates`` stay text."""
    n_events = len(collected.event_trace)
    columns: dict[str, pd.Series] = {}
    for key in dict.fromkeys(collected.event_order):
        parts = _parts(collected.events, collected.event_columns, key)
        columns[key] = _column(parts, n_events, key, source, "event", key == keep_bad_dates)

    if collected.trace_order:
        owner = np.asarray(collected.event_trace, dtype=np.intp)
        loose = owner < 0
        # one slot per trace plus a last, empty one for events outside traces
        n_slots = collected.n_traces + 1
        owner[loose] = n_slots - 1
        for key in dict.fromkeys(collected.trace_order):
            parts = _parts(collected.traces, collected.trace_columns, key)
            per_trace = _column(parts, n_slots, key, source, "trace")
            values = per_trace.take(owner).reset_index(drop=True)
            name = _CASE_PREFIX + key
            if name in columns:  # the trace attribute wins where present (pm4py)
                values = values.where(values.notna(), columns[name])
            columns[name] = values
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(n_events)
    return frame


def _parts(
    tables: dict[str, _Table], columns: dict[str, _Columns], key: str
) -> list[tuple[str, np.ndarray, _Raw]]:
    """The (type, rows, raw values) of ``key`` for each type it appears with."""
    parts = []
    for tag in _ATTRIBUTE_TAGS:
        entry = tables[tag].get(key) or columns[tag].get(key)
        if entry is not None:
            rows = np.asarray(entry[0], dtype=np.intp)
            values = entry[1]
            if not len(rows):
                continue  # every value overridden by a later one of another type
            if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():
                # a key repeated within one event or trace: the last one wins
                keep = np.append(rows[1:] != rows[:-1], True)
                rows = rows[keep]
                if isinstance(values, _Factorized):
                    values = values.take(keep)
                else:
                    values = [v for v, k in zip(values, keep.tolist(), strict=True) if k]
            parts.append((tag, rows, values))
    return parts


def _column(
    parts: list[tuple[str, np.ndarray, _Raw]],
    n: int,
    key: str,
    source: str,
    scope: str,
    keep_bad: bool = False,
) -> pd.Series:
    """Assemble one column of length ``n`` from its typed parts."""
    if len(parts) == 1:
        tag, rows, raw = parts[0]
        return _typed_column(tag, rows, raw, n, key, source, scope, keep_bad)
    out = np.full(n, None, dtype=object)
    for tag, rows, raw in parts:
        typed = _typed_column(tag, rows, raw, n, key, source, scope, keep_bad).iloc[rows]
        out[rows] = typed.astype(object).where(typed.notna(), None).to_numpy()
    return pd.Series(out, dtype=object)


def _typed_column(
    tag: str,
    rows: np.ndarray,
    raw: _Raw,
    n: int,
    key: str,
    source: str,
    scope: str,
    keep_bad: bool = False,
) -> pd.Series:
    """Parse the raw values of one attribute type and spread them over ``n`` rows.

    With ``keep_bad``, dates that cannot be parsed are kept as their text
    (in an object column) for the caller to set aside, instead of raising.
    """
    if isinstance(raw, _Factorized):  # from _Body: never None
        quick = _from_factorized(tag, rows, raw, n)
        if quick is not None:
            return quick
        raw = raw.expand()
    if None in raw:  # an attribute written without a value
        present = np.fromiter((v is not None for v in raw), dtype=bool, count=len(raw))
        rows = rows[present]
        raw = [v for v in raw if v is not None]
    filled = len(rows) == n

    if tag in ("string", "id"):
        if filled:
            return pd.Series(raw) if raw else pd.Series([], dtype=object)
        text = np.full(n, None, dtype=object)
        text[rows] = raw
        return pd.Series(text)

    if tag == "date":
        # one vectorised pass; pandas' cache of distinct values only slows this down
        text = pd.Series(raw, dtype=object)
        parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce", cache=False)
        failed = parsed.isna().to_numpy()
        if keep_bad and failed.any():
            mixed = np.full(n, None, dtype=object)
            mixed[rows] = parsed.astype(object).where(~failed, text).to_numpy()
            return pd.Series(mixed, dtype=object)
        _check_parsed(parsed.isna().to_numpy(), rows, raw, key, source, scope, "date")
        naive = parsed.dt.tz_localize(None).to_numpy()
        times = np.full(n, np.datetime64("NaT"), dtype=naive.dtype)
        times[rows] = naive
        return pd.Series(times).dt.tz_localize("UTC")

    if tag == "float":
        try:
            numbers = np.array(raw, dtype=np.float64)
        except ValueError:
            numbers = np.array([_to_float(v) for v in raw], dtype=np.float64)
            bad = np.array([_to_float(v) is None for v in raw], dtype=bool)
            _check_parsed(bad, rows, raw, key, source, scope, "float")
        values = np.full(n, np.nan)
        values[rows] = numbers
        return pd.Series(values)

    if tag == "int":
        mask = np.ones(n, dtype=bool)
        mask[rows] = False
        try:
            integers = np.array(raw, dtype=np.int64)
        except (ValueError, OverflowError):
            parsed_ints = [_to_int(v) for v in raw]
            bad = np.array([v is None for v in parsed_ints], dtype=bool)
            _check_parsed(bad, rows, raw, key, source, scope, "int")
            try:
                integers = np.array(parsed_ints, dtype=np.int64)
            except OverflowError:  # beyond 64 bits: keep Python ints
                big = np.full(n, None, dtype=object)
                big[rows] = parsed_ints
                return pd.Series(big, dtype=object)
        values = np.zeros(n, dtype=np.int64)
        values[rows] = integers
        return pd.Series(pd.arrays.IntegerArray(values, mask))

    # boolean
    lowered = pd.Series(raw, dtype=object).str.strip().str.lower()
    truth = lowered.isin(("true", "1")).to_numpy()
    bad = ~(truth | lowered.isin(("false", "0")).to_numpy())
    _check_parsed(bad, rows, raw, key, source, scope, "boolean")
    mask = np.ones(n, dtype=bool)
    mask[rows] = False
    flags = np.zeros(n, dtype=bool)
    flags[rows] = truth
    return pd.Series(pd.arrays.BooleanArray(flags, mask))


def _from_factorized(tag: str, rows: np.ndarray, raw: _Factorized, n: int) -> pd.Series | None:
    """The column _typed_column makes of ``raw``, from its distinct values only.

    None where that takes the general path: dates, booleans, values that do
    not all parse, and text that pandas would not hold as its string type.
    """
    if not raw.uniques:
        return None
    if tag in ("string", "id"):
        distinct = pd.Series(raw.uniques)  # the dtype pd.Series(all values) gets
        if not isinstance(distinct.dtype, pd.StringDtype):
            return None
        if len(rows) == n:
            return pd.Series(distinct.array.take(raw.codes))
        codes = np.full(n, -1, dtype=np.intp)
        codes[rows] = raw.codes
        return pd.Series(distinct.array.take(codes, allow_fill=True))
    if tag == "float":
        try:
            numbers = np.array(raw.uniques, dtype=np.float64)[raw.codes]
        except ValueError:
            return None
        values = np.full(n, np.nan)
        values[rows] = numbers
        return pd.Series(values)
    if tag == "int":
        try:
            integers = np.array(raw.uniques, dtype=np.int64)[raw.codes]
        except (ValueError, OverflowError):
            return None
        mask = np.ones(n, dtype=bool)
        mask[rows] = False
        filled = np.zeros(n, dtype=np.int64)
        filled[rows] = integers
        return pd.Series(pd.arrays.IntegerArray(filled, mask))
    return None


def _to_float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _to_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _check_parsed(
    bad: np.ndarray, rows: np.ndarray, raw: list[Any], key: str, source: str, scope: str, tag: str
) -> None:
    """Raise LogError if any value failed to parse as its declared XES type."""
    if not bad.any():
        return
    where = np.flatnonzero(bad)
    examples = ", ".join(repr(raw[i]) for i in where[:3])
    numbers = ", ".join(str(int(rows[i])) for i in where[:5])
    more = f" and {len(where) - 5} more" if len(where) > 5 else ""
    kind = "events" if scope == "event" else "traces"
    raise LogError(
        f"XES file {source!r}: {len(where)} <{tag} key={key!r}> value(s) cannot be parsed as "
        f"{tag} ({examples}), in {kind} {numbers}{more} (0-based, in file order). Fix those values, "
        f"or declare the attribute as <string> in the file.",
        column=key if scope == "event" else _CASE_PREFIX + key,
        rows=[int(rows[i]) for i in where] if scope == "event" else None,
        path=source,
    )
