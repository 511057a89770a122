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
_CLI_OPTIONS += ("timestamp_format", "on_error")
_KEYWORD_VALUE = re.compile(
    r"(?<![\w.])(?P<key>" + "|".join(_CLI_OPTIONS) + r")=(?P<q>['\"])(?P<value>.*?)(?P=q)"
)
_KEYWORD_BARE = re.compile(r"(?<![\w.])(?P<key>" + "|".join(_CLI_OPTIONS) + r")=(?=\s)")


def _cli_syntax(message: str) -> str:
    """Hints written for Python (``Pass case='household_id'``) in command-line syntax.

    ``case='household_id'`` becomes ``--case household_id`` (quoted for the
    shell when needed) and a bare ``timestamp_format= with ...`` becomes
    ``--timestamp-format with ...``; keywords that are not options of the
    command, and Python calls such as ``jm.filter_events(log, dedupe=True)``,
    are left as they are.
    """

    def option(key: str) -> str:
        return "--" + key.replace("_", "-")

    def with_value(m: re.Match[str]) -> str:
        return f"{option(m['key'])} {shlex.quote(m['value'])}"

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
        parents=[common],
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
        parents=[log_opts, common],
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


def _run(args: argparse.Namespace, out: TextIO, status: _Status) -> int:
    from journeymine.discovery import discover
    from journeymine.errors import ParameterError
    from journeymine.report import Timings, analyse, so_what_lines, write_analysis

    timings = Timings()

    if args.top < 1:
        raise ParameterError(f"--top must be a positive number. Got {args.top} instead.")
    model = None
    if args.command == "demo":
        from journeymine import datasets

        status("loading the demo shop data")
        log = datasets.load_shop()
        model = datasets.shop_model()
        by = "activity"
    else:
        status(f"reading {args.log.name}")
        with timings("read the log"):
            log = _read_log(args, status)
        by = args.by
        if args.command == "check":
            status(f"reading {args.model.name}")
            model = _read_model(args.model)
    out_dir: Path = args.out if args.out is not None else Path(args.out_default)
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
        timings=timings,
    )
    path = write_analysis(a, out_dir / "report.html", out_dir=out_dir, progress=status)
    status.clear()
    if args.profile:
        sys.stderr.write("where the time went:\n" + timings.table() + "\n")
    if not args.quiet:
        lines = [
            f"{log.n_cases:,} cases, {log.n_events:,} events, {len(log.activities):,} activities",
        ]
        if len(log.rejected):
            n = len(log.rejected)
            lines.append(f"{n:,} row{'s' if n != 1 else ''} rejected (see the report)")
        rate = a.conformance_rate
        if rate is not None:
            lines.append(f"conformance: {rate:.1%} of cases follow the designed journey")
        lines += so_what_lines(a)
        lines.append(f"report: {path.resolve()}")
        out.write("\n".join(lines) + "\n")
    return 0


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

    def show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
        # a warning the user can act on, said like the errors (no source line)
        status.clear()
        text = _cli_syntax(" ".join(str(message).split()))
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
