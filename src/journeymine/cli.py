"""The ``journeymine`` command: demo, discover and check, each writing an HTML report.

Exit codes: 0 when all went well, 2 for a usage error (argparse), 1 for an
error in the data or the model, printed as ``journeymine: error: <message>``
without a traceback.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from journeymine.errors import JourneymineError, JourneymineWarning

__all__ = ["main"]

PROG = "journeymine"

#: keyword arguments of the readers and analyses that are options of the command
_CLI_OPTIONS: tuple[str, ...] = ("case", "activity", "timestamp", "stage", "channel", "sep", "by")
_CLI_OPTIONS += ("timestamp_format", "on_error", "lifecycle", "lifecycle_column", "within")
_CLI_OPTIONS += ("as_of",)
#: boolean keywords that are flags of the command (``dedupe=True`` is ``--dedupe``)
_CLI_FLAGS: tuple[str, ...] = ("dedupe", "ordered")
_KEYWORD_VALUE = re.compile(
    r"(?<![\w.])(?P<key>" + "|".join(_CLI_OPTIONS) + r")=(?P<q>['\"])(?P<value>.*?)(?P=q)"
)
_KEYWORD_BARE = re.compile(r"(?<![\w.])(?P<key>" + "|".join(_CLI_OPTIONS) + r")=(?=\s)")
_FLAG = re.compile(r"(?<![\w.])(?P<key>" + "|".join(_CLI_FLAGS) + r")=True\b")
#: a Python call whose every keyword is an option: ``jm.filter_events(log, dedupe=True)``
_CALL = re.compile(
    r"(?<![\w.])(?:jm\.)?(?:filter_events|funnel|read_csv|read_log|from_pandas)"
    r"\((?:log|path|df)(?:, model)?(?P<kw>(?:, \w+=(?:True|'[^']*'|\"[^\"]*\"))+)\)"
)


def _cli_syntax(message: str) -> str:
    """Hints written for Python (``Pass case='household_id'``) in command-line syntax.

    ``case='household_id'`` becomes ``--case household_id`` (quoted for the
    shell when needed) and a bare ``timestamp_format= with ...`` becomes
    ``--timestamp-format with ...``; keywords that are not options of the
    command are left as they are. A Python call whose keywords are all
    options becomes those options: ``jm.filter_events(log, dedupe=True)`` is
    ``--dedupe``, ``jm.filter_events(log, lifecycle="complete")`` is
    ``--lifecycle complete``, ``funnel(log, model, ordered=True, within='30D')``
    is ``--ordered --within 30D``.

    Examples
    --------
    >>> from journeymine.cli import _cli_syntax
    >>> _cli_syntax("Drop them with jm.filter_events(log, dedupe=True).")
    'Drop them with --dedupe.'
    >>> _cli_syntax("e.g. funnel(log, model, ordered=True, within='30D').")
    'e.g. --ordered --within 30D.'
    >>> _cli_syntax("Pass case='Household ID'.")
    "Pass --case 'Household ID'."
    """

    def option(key: str) -> str:
        return "--" + key.replace("_", "-")

    def with_value(m: re.Match[str]) -> str:
        return f"{option(m['key'])} {shlex.quote(m['value'])}"

    def call(m: re.Match[str]) -> str:
        keys = re.findall(r"(\w+)=", m["kw"])
        if not all(k in _CLI_OPTIONS or k in _CLI_FLAGS for k in keys):
            return m.group(0)  # a keyword the command has no option for: keep the Python
        return m["kw"][2:].replace(", ", " ")  # the keywords alone, made options below

    message = _CALL.sub(call, message)
    message = _FLAG.sub(lambda m: option(m["key"]), message)
    message = _KEYWORD_VALUE.sub(with_value, message)
    return _KEYWORD_BARE.sub(lambda m: option(m["key"]), message)


class _Status:
    """A one-line status on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and _isatty(stream)
        self.width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        text = f"{PROG}: {message}…"
        pad = " " * max(0, self.width - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self.width = len(text)

    def bar(self, message: str, fraction: float, width: int = 24) -> None:
        """Show ``message`` with a progress bar at ``fraction`` (0 to 1), redrawn per percent."""
        if not self.enabled:
            return
        percent = int(max(0.0, min(fraction, 1.0)) * 100)
        if percent == getattr(self, "_percent", None):
            return
        self._percent = percent
        filled = percent * width // 100
        text = f"{PROG}: {message} [{'#' * filled}{'.' * (width - filled)}] {percent:3d}%"
        pad = " " * max(0, self.width - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _version() -> str:
    try:
        from journeymine import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Mine customer journeys from event logs: journey graph, variants, loops, "
        "conformance to a designed journey, funnel. Each command writes a self-contained "
        "report.html, PNG plots and CSV tables to an output folder.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--out", metavar="DIR", type=Path, help="output folder (created if missing)"
    )
    common.add_argument("--title", help="title of the report")
    common.add_argument(
        "--top", type=int, default=10, metavar="K", help="number of variants to show (default: 10)"
    )
    common.add_argument(
        "--segment",
        metavar="COLUMN",
        help="add a section comparing the groups of cases by COLUMN (its value on each case's "
        "first event), e.g. --segment channel",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    common.add_argument(
        "--profile", action="store_true", help="print where the time goes, step by step"
    )
    f = common.add_argument_group("cleaning (what the warnings suggest)")
    f.add_argument(
        "--dedupe",
        action="store_true",
        help="drop exact duplicate events (same case, activity and timestamp as the event "
        "just before), which usually come from loading data twice",
    )
    f.add_argument(
        "--lifecycle",
        metavar="VALUE",
        help="keep only the events of one lifecycle transition, e.g. --lifecycle complete "
        "(case-insensitive), when the log has start and complete events",
    )
    f.add_argument(
        "--lifecycle-column",
        metavar="COLUMN",
        default="lifecycle:transition",
        help="the column holding the lifecycle transitions (default: lifecycle:transition)",
    )

    model_opts = argparse.ArgumentParser(add_help=False)
    m = model_opts.add_argument_group("funnel and time in stage")
    m.add_argument(
        "--ordered",
        action="store_true",
        help="a strict funnel: a case reaches a stage only after the stage before (the "
        "default counts reach, in any order)",
    )
    m.add_argument(
        "--within",
        metavar="DURATION",
        help="with --ordered: the conversion window from the first stage, e.g. 30D or 12h",
    )
    m.add_argument(
        "--as-of",
        metavar="TIME",
        help="when the data was extracted, e.g. 2026-01-01: recent cases count as open, "
        "not as dropped out, and open stage visits run to this time",
    )

    log_opts = argparse.ArgumentParser(add_help=False)
    log_opts.add_argument(
        "log",
        metavar="LOG",
        type=Path,
        help="event log: CSV (.csv, .csv.gz, ...), Parquet or XES (.xes, .xes.gz)",
    )
    g = log_opts.add_argument_group("columns (XES keys are detected without them)")
    g.add_argument("--case", metavar="C", help="case id column (e.g. customer_id)")
    g.add_argument("--activity", metavar="A", help="activity / touchpoint column")
    g.add_argument("--timestamp", metavar="T", help="timestamp column")
    g.add_argument("--stage", metavar="S", help="stage column (optional)")
    g.add_argument("--channel", metavar="CH", help="channel column (optional)")
    r = log_opts.add_argument_group("reading")
    r.add_argument("--sep", metavar="SEP", help="CSV field separator (default: ',')")
    r.add_argument(
        "--timestamp-format",
        metavar="F",
        help="strftime format of the timestamps, or s/ms/us/ns for epoch numbers",
    )
    r.add_argument(
        "--on-error",
        choices=("raise", "collect"),
        default="raise",
        help="stop at bad rows (raise, the default) or set them aside (collect)",
    )
    r.add_argument(
        "--by",
        default="activity",
        metavar="WHAT",
        help="nodes of the journey graph: activity (default), stage, channel or a column",
    )

    p = sub.add_parser(
        "demo",
        parents=[common, model_opts],
        help="run on the bundled shop data",
        description="Analyse the bundled omnichannel shop data (6,000 customers) "
        "against its designed journey and write the full report.",
    )
    p.set_defaults(out_default="journeymine-demo")
    p = sub.add_parser(
        "discover",
        parents=[log_opts, common],
        help="discover the actual journey of a log",
        description="Discover the actual journey of a log: graph, variants, loops.",
    )
    p.set_defaults(out_default="journeymine-report")
    p = sub.add_parser(
        "check",
        parents=[log_opts, common, model_opts],
        help="check a log against a designed journey",
        description="Check a log against a designed journey (YAML, or BPMN with "
        "pm4py): conformance, deviations, funnel, loops, time in stage.",
    )
    p.add_argument(
        "--model",
        required=True,
        type=Path,
        metavar="MODEL",
        help="the designed journey: a YAML file (or .bpmn, needs pm4py)",
    )
    p.add_argument(
        "--outcome",
        metavar="COLUMN",
        help="numeric column (e.g. revenue) summed per case as the outcome of the "
        "deviation-impact section (default: conversion, a purchase of the model)",
    )
    p.set_defaults(out_default="journeymine-report")
    return parser


def _read_log(args: argparse.Namespace, status: _Status | None = None) -> Any:
    from journeymine._validation import XES_ACTIVITY, XES_CASE, XES_TIMESTAMP
    from journeymine.errors import LogError
    from journeymine.io.auto import log_format, read_log

    path: Path = args.log
    kw: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("case", "activity", "timestamp", "stage", "channel")
        if getattr(args, k) is not None
    }
    if not path.exists():
        raise LogError(f"File {str(path)!r} not found. Check the path.", path=str(path))
    if path.is_dir():
        raise LogError(f"{str(path)!r} is a folder, not a log file.", path=str(path))
    kind = log_format(path)
    if kind == "xes":
        for opt in ("sep", "timestamp_format"):
            if getattr(args, opt) is not None:
                raise LogError(f"--{opt.replace('_', '-')} does not apply to XES files.")
        kw.setdefault("case", XES_CASE)
        kw.setdefault("activity", XES_ACTIVITY)
        kw.setdefault("timestamp", XES_TIMESTAMP)
        if status is not None and status.enabled:
            label = f"reading {path.name}"

            def progress(fraction: float) -> None:
                status.bar(label, fraction)

            kw["_progress"] = progress
    else:
        if args.timestamp_format is not None:
            kw["timestamp_format"] = args.timestamp_format
        if args.sep is not None:
            if kind == "parquet":
                raise LogError("--sep does not apply to Parquet files.")
            kw["sep"] = args.sep
    return read_log(path, on_error=args.on_error, **kw)


def _read_model(path: Path) -> Any:
    from journeymine.errors import ModelError
    from journeymine.model import JourneyModel

    if not path.exists():
        raise ModelError(f"Model file {str(path)!r} not found. Check the path.")
    if path.suffix.lower() == ".bpmn":
        return JourneyModel.from_bpmn(path)
    return JourneyModel.from_yaml(path)


def _check_options(args: argparse.Namespace) -> dict[str, Any]:
    """Check the options that need no data, before anything is read; the funnel's options."""
    import pandas as pd

    from journeymine.errors import ParameterError

    if args.top < 1:
        raise ParameterError(f"--top must be a positive number. Got {args.top} instead.")
    within = getattr(args, "within", None)
    if within is not None:
        if not args.ordered:
            raise ParameterError(
                "--within is the conversion window of a strict funnel: add --ordered, e.g. "
                f"--ordered --within {shlex.quote(within)}."
            )
        try:
            if pd.Timedelta(within) < pd.Timedelta(0):
                raise ValueError(within)
        except ValueError:
            raise ParameterError(
                f"--within must be a non-negative duration such as 30D, 12h or 90min. Got "
                f"{within!r} instead."
            ) from None
    as_of = getattr(args, "as_of", None)
    if as_of is not None:
        try:
            pd.Timestamp(as_of)
        except ValueError:
            raise ParameterError(
                f"--as-of must be a date or time such as 2026-01-01 or 2026-01-01T12:00. Got "
                f"{as_of!r} instead."
            ) from None
    options: dict[str, Any] = {}
    if getattr(args, "ordered", False):
        options["ordered"] = True
        if within is not None:
            options["within"] = within
    return options


def _writable_folder(path: Path) -> Path:
    """Create the output folder now (before the log is read) or say why it cannot be."""
    import os

    from journeymine.errors import ParameterError

    def fail(reason: str) -> ParameterError:
        return ParameterError(
            f"Cannot write the report to the folder {str(path)!r}: {reason}. Pass --out a "
            "folder you can write to (it is created if missing), e.g. --out report."
        )

    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise fail("a file of that name exists") from None
    except OSError as exc:
        raise fail(exc.strerror or type(exc).__name__) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise fail("permission denied")
    return path


def _clean(log: Any, args: argparse.Namespace, status: _Status) -> Any:
    """Apply --dedupe and --lifecycle (the fixes the data-quality warnings suggest)."""
    if not args.dedupe and args.lifecycle is None:
        return log
    from journeymine.filters import filter_events

    status("cleaning the log")
    return filter_events(
        log,
        dedupe=args.dedupe,
        lifecycle=args.lifecycle,
        lifecycle_column=args.lifecycle_column,
    )


def _run(args: argparse.Namespace, out: TextIO, status: _Status) -> int:
    from journeymine._format import format_duration
    from journeymine._quality import DUPLICATES_WARNING, LIFECYCLE_WARNING
    from journeymine.discovery import discover
    from journeymine.report import (
        Timings,
        analyse,
        retention_lines,
        so_what_lines,
        write_analysis,
    )

    timings = Timings()
    funnel_options = _check_options(args)
    out_dir = _writable_folder(args.out if args.out is not None else Path(args.out_default))
    model = None
    with warnings.catch_warnings():
        # the warnings that suggest --dedupe or --lifecycle say nothing new once asked for
        if args.dedupe:
            warnings.filterwarnings("ignore", DUPLICATES_WARNING, JourneymineWarning)
        if args.lifecycle is not None:
            warnings.filterwarnings("ignore", LIFECYCLE_WARNING, JourneymineWarning)
        if args.command == "demo":
            from journeymine import datasets

            status("loading the demo shop data")
            model = datasets.shop_model()
            log = datasets.load_shop()
            by = "activity"
        else:
            if args.command == "check":  # a bad model fails before a long read of the log
                status(f"reading {args.model.name}")
                model = _read_model(args.model)
            status(f"reading {args.log.name}")
            with timings("read the log"):
                log = _read_log(args, status)
            by = args.by
    log = _clean(log, args, status)
    status("discovering the journey graph")
    with timings("discover"):
        graph = discover(log, by=by)
    a = analyse(
        log,
        model=model,
        graph=graph,
        title=args.title,
        top_variants=args.top,
        progress=status,
        func=args.command,
        segment=args.segment,
        outcome=getattr(args, "outcome", None),
        as_of=getattr(args, "as_of", None),
        funnel_options=funnel_options,
        timings=timings,
    )
    path = write_analysis(
        a, out_dir / "report.html", out_dir=out_dir, progress=status, two_processes=True
    )
    status.clear()
    if args.profile:
        sys.stderr.write("where the time went:\n" + timings.table() + "\n")
    if not args.quiet:
        lines = [
            f"{log.n_cases:,} cases, {log.n_events:,} events, {log.n_activities:,} activities",
        ]
        if len(log.rejected):
            n = len(log.rejected)
            lines.append(f"{n:,} row{'s' if n != 1 else ''} rejected (see the report)")
        rate = a.conformance_rate
        if rate is not None:
            lines.append(f"conformance: {rate:.1%} of cases follow the designed journey")
        lines += _funnel_lines(a.funnel, format_duration)
        lines += so_what_lines(a)
        lines += retention_lines(a)
        lines.append(f"report: {path.resolve()}")
        out.write("\n".join(lines) + "\n")
    return 0


def _funnel_lines(table: Any, fmt: Any) -> list[str]:
    """The funnel's last stage in one line, and its note (cases skipping stages) if any."""
    if table is None or not len(table):
        return []
    last = table.iloc[-1]
    kind = "strict funnel" if "without_previous" not in table else "funnel"
    n = int(last["reached"])
    line = f"{kind}: {n:,} case{'s' if n != 1 else ''} ({last['share']:.1%}) reach{'es' if n == 1 else ''} {last['stage']}"
    if last["reached"]:
        line += f", median {fmt(last['median_time_to_reach'])} " + (
            "after the first stage" if kind == "strict funnel" else "after their first event"
        )
    lines = [line]
    note = table.attrs.get("note")
    if note:
        lines.append(f"funnel: {_cli_syntax(note)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``journeymine`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments, without the program name; by default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 on success, 1 for an error in the data or the
        model, 2 for a usage error.

    Examples
    --------
    >>> from journeymine.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = _parser()
    args = parser.parse_args(None if argv is None else list(argv))
    status = _Status(sys.stderr, enabled=not args.quiet)

    shown: set[str] = set()

    def show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
        # a warning the user can act on, said like the errors (no source line), once a run
        status.clear()
        text = _cli_syntax(" ".join(str(message).split()))
        if text in shown:
            return
        shown.add(text)
        if not args.quiet or not issubclass(category, JourneymineWarning):
            sys.stderr.write(f"{PROG}: warning: {text}\n")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", JourneymineWarning)
            warnings.showwarning = show_warning
            return _run(args, sys.stdout, status)
    except JourneymineError as exc:
        status.clear()
        message = _cli_syntax(" ".join(str(exc).split())) or type(exc).__name__
        sys.stderr.write(f"{PROG}: error: {message}\n")
        return 1
    except OSError as exc:
        status.clear()
        what = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        sys.stderr.write(f"{PROG}: error: cannot read or write{what}: {exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        status.clear()
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
