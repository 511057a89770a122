"""The self-contained HTML report: one file with the log, the journey, conformance and loops.

The report embeds its pictures as inline SVG and its tables as HTML tables,
with a small inline style sheet, and the interactive journey map of
:mod:`journeymine.plot.interactive` (its script inline too, the static
picture shown where scripts are off): no remote assets, no network request,
so it can be mailed or attached to a ticket as is. Every user string
(activity names, case ids, column names) is escaped.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import re
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine import _validation as v
from journeymine.conformance import KINDS
from journeymine.errors import JourneymineWarning, ParameterError, once_per_call
from journeymine.loops import KINDS as LOOP_KIND_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from journeymine.graph import JourneyGraph
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

__all__ = ["build_report_html", "write_report"]

#: Deviation kinds in the order the design lists them (defined once, in conformance).
DEVIATION_KINDS = KINDS
LOOP_KINDS = LOOP_KIND_NAMES

Progress = Callable[[str], None]

#: lanes and steps of the report's picture of representative journeys (the table has all)
REPORT_LANES, REPORT_STEPS = 6, 8

#: the report's representative journeys are skipped above this many variants
MAX_REPRESENTATIVE_VARIANTS = 20_000


def _quiet(_: str) -> None:
    return None


# -- where the time goes -------------------------------------------------------
class Timings:
    """Where the time of a report goes: ``(step, seconds)`` in the order they ran.

    ``with timings("draw graph"): ...`` times one step; steps of the same
    name add up. The command line's ``--profile`` prints :meth:`table`.
    """

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        #: CPU seconds of this process per step (on a busy machine, wall time is not the cost)
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.steps[step] = self.steps.get(step, 0.0) + time.perf_counter() - start
            self.cpu[step] = self.cpu.get(step, 0.0) + time.process_time() - start_cpu

    @property
    def total(self) -> float:
        """Seconds of all steps."""
        return sum(self.steps.values())

    def table(self) -> str:
        """One line per step, the slowest first: wall and CPU seconds, share of the total."""
        total = self.total or 1.0
        rows = sorted(self.steps.items(), key=lambda kv: -kv[1])
        width = max((len(k) for k in self.steps), default=4)
        lines = [f"{'step':<{width}}  {'wall':>9}  {'cpu':>9}  share"]
        lines += [
            f"{k:<{width}}  {v:7.2f} s  {self.cpu.get(k, 0.0):7.2f} s  {v / total:5.1%}"
            for k, v in rows
        ]
        cpu = sum(self.cpu.values())
        lines.append(f"{'total':<{width}}  {self.total:7.2f} s  {cpu:7.2f} s")
        return "\n".join(lines)


# -- analysis -----------------------------------------------------------------
@dataclass
class Figure:
    """One picture of the report: its file stem, caption and Axes."""

    name: str
    caption: str
    ax: Any
    svg: str = ""


@dataclass
class Analysis:
    """Everything the report shows, computed once (also used by the CLI)."""

    log: Any
    model: Any
    graph: Any
    title: str
    variants: pd.DataFrame
    loops: pd.DataFrame
    loop_cases: pd.DataFrame | None
    conformance: Any = None
    funnel: pd.DataFrame | None = None
    durations: pd.DataFrame | None = None
    durations_summary: pd.DataFrame | None = None
    segment: str | None = None
    segments: pd.DataFrame | None = None
    #: the so-what tables (issue 15): impact, drift, channels, representatives
    so_what: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: why a so-what table was not computed
    so_what_skipped: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    #: how long each step took (printed by ``journeymine check --profile``)
    timings: Timings = field(default_factory=Timings)

    @property
    def conformance_rate(self) -> float | None:
        """Share of conforming cases, when checked."""
        if self.conformance is None:
            return None
        return float(self.conformance.conformance_rate)


def _validate(log: Any, model: Any, graph: Any, top_variants: Any, func: str) -> None:
    from journeymine.graph import JourneyGraph
    from journeymine.log import JourneyLog
    from journeymine.model import JourneyModel

    if not isinstance(log, JourneyLog):
        raise ParameterError(
            f"{func}() expects a JourneyLog as its first argument, got {type(log).__name__}. "
            "Build one with jm.from_pandas(df, case=..., activity=..., timestamp=...) or "
            "jm.read_csv(...)."
        )
    if model is not None and not isinstance(model, JourneyModel):
        raise ParameterError(
            f"The 'model' parameter of {func}() must be a JourneyModel or None. Got "
            f"{type(model).__name__} instead. Load one with jm.JourneyModel.from_yaml(path)."
        )
    if graph is not None and not isinstance(graph, JourneyGraph):
        raise ParameterError(
            f"The 'graph' parameter of {func}() must be a JourneyGraph or None. Got "
            f"{type(graph).__name__} instead. Make one with jm.discover(log)."
        )
    if (
        not isinstance(top_variants, (int, np.integer))
        or isinstance(top_variants, bool)
        or top_variants < 1
    ):
        raise ParameterError(
            f"The 'top_variants' parameter of {func}() must be a positive int. Got "
            f"{top_variants!r} instead."
        )


@once_per_call
def analyse(
    log: JourneyLog,
    *,
    model: JourneyModel | None = None,
    graph: JourneyGraph | None = None,
    title: str | None = None,
    top_variants: int = 10,
    progress: Progress = _quiet,
    func: str = "build_report_html",
    segment: str | None = None,
    outcome: str | None = None,
    as_of: Any = None,
    funnel_options: dict[str, Any] | None = None,
    timings: Timings | None = None,
) -> Analysis:
    """Compute the tables and draw the figures of the report (private to the package).

    ``as_of`` (when the data was extracted) goes to the funnel and the time in
    stage; ``funnel_options`` (``ordered``, ``within``) to the funnel.
    """
    t = timings if timings is not None else Timings()
    with t("import analyses"):
        from journeymine.discovery import discover, variants
        from journeymine.funnel import funnel, stage_durations
        from journeymine.loops import find_loops, loop_summary

    _validate(log, model, graph, top_variants, func)
    if title is None:
        title = "Customer journey report"
        if log.source:
            title += f": {Path(str(log.source)).name}"
        elif model is not None and model.name:
            title += f": {model.name}"
    progress("discovering the journey graph")
    if graph is None:
        with t("discover"):
            graph = discover(log)
    with t("variants"):
        top = variants(log, top=int(top_variants))
    progress("finding loops")
    with t("loops"):
        loops = find_loops(log, model=model)
        loop_cases = loop_summary(log, model=model)
    a = Analysis(
        log=log,
        model=model,
        graph=graph,
        title=title,
        variants=top,
        loops=loops,
        loop_cases=loop_cases,
        timings=t,
    )
    if segment is not None:
        a.segment = segment
    _conformance(a, segment, outcome, progress)
    if model is not None:
        progress("computing the funnel and time in stage")
        with t("funnel"):
            a.funnel = funnel(log, model, as_of=as_of, **(funnel_options or {}))
        with t("stage durations"):
            a.durations = stage_durations(log, model, as_of=as_of)
            # visits, open ones censored; a case quiet for 30 days before the data ends has left
            end = pd.Timestamp(int(log.time.max()), tz="UTC" if log.tz_aware else None)
            a.durations_summary = stage_durations(
                log, model, summary=True, as_of=end if as_of is None else as_of
            )
    progress("measuring what matters: impact, drift, channels, representative journeys")
    _so_what(a, outcome)
    _retention(a)

    progress("drawing")
    with t("import matplotlib and plots"):
        from journeymine.plot import detached_figures

    with detached_figures():
        _draw_figures(a, top_variants)
    return a


def _draw_figures(a: Analysis, top_variants: int) -> None:
    """Draw every figure of the report once (rendered to SVG later, PNG only on request)."""
    from journeymine.plot import (
        plot_conformance,
        plot_funnel,
        plot_graph,
        plot_stage_flow,
        plot_variants,
    )

    graph, model, log, top, t = a.graph, a.model, a.log, a.variants, a.timings

    def add(name: str, caption: str, draw: Callable[[], Any]) -> None:
        with t(f"draw {name}"):
            try:
                ax = draw()
            except ParameterError:
                ax = None
        if ax is not None:
            a.figures[name] = Figure(name, caption, ax)

    add(
        "graph",
        f"The journey customers took: {len(graph.nodes)} touchpoints and {len(graph.edges)} "
        "moves between them. Boxes and arrows are sized by the number of cases; orange dashed "
        "arcs are moves back to an earlier stage.",
        lambda: plot_graph(graph, model=model),
    )
    add(
        "variants",
        f"The {len(top)} most common journeys, one block per touchpoint.",
        lambda: plot_variants(top, top=int(top_variants), max_length=REPORT_STEPS * 2),
    )
    if a.conformance is not None:
        add(
            "conformance",
            "Designed against actual journey, stage move by stage move: moves both "
            "designed and taken, designed but never taken, and taken but not designed.",
            lambda: plot_conformance(a.conformance, model=model),
        )
    if model is not None:
        add(
            "stage_flow",
            "How customers flow between the stages: bars are stage visits, bands the moves "
            "forward (as wide as their number), dashed arcs the moves back.",
            lambda: plot_stage_flow(log, model),
        )
    if a.funnel is not None:
        add(
            "funnel",
            "Cases reaching each stage, with the conversion from the stage before.",
            lambda: plot_funnel(a.funnel),
        )
    if a.durations_summary is not None and a.durations_summary["visits"].sum():
        from journeymine.plot.explain import plot_time_in_stage

        add(
            "stage_durations",
            "Time in stage per visit (a visit runs from its first event in the stage to "
            "the next event in another stage): Kaplan–Meier median with its 95 % "
            "interval, and the 90th percentile. Visits still under way are censored, "
            "not left out.",
            lambda: plot_time_in_stage(a.durations_summary),
        )
    if a.segments is not None:
        from journeymine.plot.explore import plot_compare

        add(
            "segments",
            f"Each group of {a.segment!r} (its value on the case's first event): dots are "
            "shares of the group's cases, bars their 95 % Wilson intervals, rings a "
            "difference to the other cases with an adjusted p < 0.05 (Holm).",
            lambda: plot_compare(a.segments),
        )
    _so_what_figures(a, add)


def _conformance(a: Analysis, segment: str | None, outcome: str | None, progress: Progress) -> None:
    """The analyses built on conformance, in one pass: every case is checked once.

    ``check``, ``compare`` (with a segment), ``deviation_impact`` (with an
    outcome or purchase activities) and ``conformance_drift`` all hold the
    same conformance kernel; run together as one
    :class:`~journeymine.engine.Bundle` they share its per-case result.
    """
    from journeymine.compare import compare_kernel
    from journeymine.conformance import check_kernel
    from journeymine.drift import drift_kernel
    from journeymine.engine import run_all
    from journeymine.impact import impact_kernel

    log, model = a.log, a.model
    kernels: dict[str, Any] = {}
    if model is not None:
        kernels["check"] = check_kernel(model)
    if segment is not None:
        kernels["segments"] = compare_kernel(segment, model)
    if model is not None and (outcome is not None or model.purchase):
        kernels["impact"] = impact_kernel(model, outcome)
    if model is not None and log.n_cases:
        span = pd.Timedelta(int(log.time.max() - log.time.min()))
        freq = (
            "D" if span < pd.Timedelta(days=60) else "W" if span < pd.Timedelta(days=730) else "M"
        )
        kernels["drift"] = drift_kernel(model, freq)
    if not kernels:
        return
    progress(
        "checking conformance"
        + (f" and comparing the groups of {segment!r}" if segment is not None else "")
    )
    with a.timings("conformance: " + ", ".join(kernels)):
        results = dict(zip(kernels, run_all(list(kernels.values()), log), strict=True))
    a.conformance = results.get("check")
    a.segments = results.get("segments")
    for name in ("impact", "drift"):
        if name in results:
            a.so_what[name] = results[name]


def _so_what(a: Analysis, outcome: str | None) -> None:
    """The tables of the so-what sections (each left out when its input is missing).

    Deviation impact and conformance drift are computed with the conformance
    check (:func:`_conformance`).
    """
    from journeymine.channels import channel_switches
    from journeymine.representatives import representatives

    log, t = a.log, a.timings
    if log.channel is not None:
        with t("channel switches"):
            a.so_what["channels"] = channel_switches(log, summary=True)
    if log.n_cases:
        from journeymine.discovery import variant_ids

        n_variants = variant_ids(log)[1].size
        if n_variants <= MAX_REPRESENTATIVE_VARIANTS:  # the cost grows with variants squared
            with t("representatives"), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", JourneymineWarning)  # said in the section
                a.so_what["representatives"] = representatives(log, coverage=0.8)
            for w in caught:
                if issubclass(w.category, JourneymineWarning):
                    a.so_what_skipped["representatives"] = str(w.message)
                else:  # pragma: no cover - not ours to swallow
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:
            a.so_what_skipped["representatives"] = (
                f"The log has {n_variants:,} variants; representative journeys are computed up "
                f"to {MAX_REPRESENTATIVE_VARIANTS:,} (their cost grows with the square of the "
                "number of variants). Filter the log, then call jm.representatives(log)."
            )
    _attribution(a)


def so_what_lines(a: Analysis) -> list[str]:
    """One line per so-what finding, for the command line's summary."""
    t, lines = a.so_what, []
    impact = t.get("impact")
    if impact is not None and impact["diff"].notna().any():
        harmful = impact[(impact["hi"] < 0) & (impact["p_adjusted"] < 0.05)]
        if len(harmful):
            worst = harmful.iloc[0]
            stage = f" at {worst['stage']}" if worst["stage"] is not None else ""
            lines.append(
                f"most harmful deviation: {worst['kind']}{stage}, {worst['cases_with']:,} "
                f"cases, outcome {worst['diff']:+.3g} per case [{worst['lo']:+.3g}, "
                f"{worst['hi']:+.3g}], impact {worst['impact']:+,.1f}"
            )
        else:
            lines.append("deviation impact: no deviation lowers the outcome (adjusted p < 0.05)")
    drift = t.get("drift")
    if drift is not None and len(drift):
        changed = drift.loc[drift["changed"], "period"].astype(str).tolist()
        lines.append(
            f"conformance over time: {len(drift)} periods, changed in "
            + (", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "") if changed else "none")
        )
    channels = t.get("channels")
    if channels is not None and len(channels):
        top = channels.iloc[0]
        lines.append(
            f"most common channel switch: {top['from_channel']} -> {top['to_channel']} "
            f"({top['switches']:,} times)"
        )
    reps = t.get("representatives")
    if reps is not None and len(reps):
        lines.append(
            f"representative journeys: {len(reps)} represent "
            f"{reps['cumulative_share'].iloc[-1]:.0%} of cases"
        )
    return lines


def _so_what_figures(a: Analysis, add: Callable[[str, str, Callable[[], Any]], None]) -> None:
    from journeymine.plot.explain import (
        plot_channel_switches,
        plot_drift,
        plot_impact,
        plot_representatives,
    )

    t = a.so_what
    if "impact" in t and t["impact"]["lo"].notna().any():  # rows with an interval to draw
        add(
            "impact",
            "Each kind of deviation against cases at the same point of their journey without "
            "it (landmark design): the difference in outcome with its 95 % interval, coloured "
            "when its Holm-adjusted p-value is below 0.05; impact = difference × cases with "
            "the deviation.",
            lambda: plot_impact(t["impact"]),
        )
    if "drift" in t and len(t["drift"]):
        add(
            "drift",
            "Share of conforming cases by the period of their first event, with Wilson 95 % "
            "intervals; rings mark a change from the period before (Holm-adjusted p < 0.01).",
            lambda: plot_drift(t["drift"]),
        )
    if "channels" in t and len(t["channels"]):
        add(
            "channels",
            "How often customers switch from one channel (row) to another (column) between "
            "consecutive events.",
            lambda: plot_channel_switches(t["channels"]),
        )
    if "representatives" in t and len(t["representatives"]):
        reps = t["representatives"].head(REPORT_LANES)
        add(
            "representatives",
            f"The {len(reps)} journeys that stand for the most cases (each case within 30 % edit "
            "distance of its representative), one lane each, coloured by stage; the table "
            "below lists every representative with its full journey.",
            lambda: plot_representatives(
                reps, model=a.model, max_steps=REPORT_STEPS, by_stage=False
            ),
        )


# -- HTML helpers -------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt_td(value: Any) -> str:
    """A duration in a table: the one formatter (at most two units, "2 h 10 min")."""
    from journeymine._format import format_duration

    return format_duration(value)


_PCT_WORDS = ("share", "conversion", "rate", "_pct")


def _cell(value: Any, column: str) -> tuple[str, bool]:
    """(escaped text, is numeric)."""
    if isinstance(value, tuple):
        return " → ".join(_e(v) for v in value), False
    if (
        value is None
        or value is pd.NaT
        or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value))
    ):
        return "–", False
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return _e(_fmt_td(value)), True
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return _e(pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")), False
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return "–", False
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        if any(w in column.lower() for w in _PCT_WORDS):
            return f"{float(value):.1%}", True
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return f"{int(number):,}", True
        return f"{number:,.3g}" if abs(number) < 1000 else f"{number:,.0f}", True
    return _e(value), False


def html_table(
    df: pd.DataFrame, *, caption: str | None = None, max_rows: int = 50, index: bool = False
) -> str:
    """A DataFrame as an escaped HTML table (numbers right-aligned, shares as percentages)."""
    if index:
        df = df.reset_index()
    shown = df.head(max_rows)
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value, col in zip(row, shown.columns, strict=True):
            text, num = _cell(value, str(col))
            cells.append(f"<td class='num'>{text}</td>" if num else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(df) > max_rows:
        more = f"<p class='note'>… and {len(df) - max_rows:,} more rows.</p>"
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f"<div class='table-wrap'><table>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _cards(items: Sequence[tuple[str, str]]) -> str:
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='value'>{_e(v)}</div><div class='label'>{_e(k)}</div></div>"
            for k, v in items
        )
        + "</div>"
    )


#: width of a section's content in a 1280 px window (CSS px), and the smallest text wanted
CONTENT_PX = 1020
MIN_TEXT_PX = 9.5


def _figure_width(svg: str) -> tuple[float, bool]:
    """(CSS width, needs scrolling): the width at which the smallest text is MIN_TEXT_PX.

    A picture is shown at up to 1.25 times its natural size, never past the
    column; when its smallest text would then read under MIN_TEXT_PX, it is
    shown larger, in a box that scrolls sideways, rather than unreadable.
    """
    m = re.search(r'viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) ([0-9.]+)"', svg[:2000])
    if m is None:
        return float(CONTENT_PX), False
    width_pt = float(m.group(1))
    sizes = [float(x) for x in re.findall(r"font-size: ([0-9.]+)px", svg)]
    smallest = min(sizes, default=10.0)
    natural = min(CONTENT_PX, width_pt * 4 / 3 * 1.25)
    needed = MIN_TEXT_PX * width_pt / max(smallest, 1e-6)
    width = max(natural, needed)
    return width, width > CONTENT_PX


def _figure(fig: Figure | None) -> str:
    if fig is None:
        return ""
    width, scroll = _figure_width(fig.svg)
    if scroll:
        style = f" style='width:{width:.0f}px;max-width:none'"
    else:
        style = f" style='max-width:{width:.0f}px;margin:auto'"
    svg = fig.svg.replace("<svg ", f"<svg{style} ", 1)
    if scroll:
        svg = f"<div class='fig-scroll'>{svg}</div>"
    return (
        f"<figure id='fig-{_e(fig.name)}'>{svg}<figcaption>{_e(fig.caption)}</figcaption></figure>"
    )


def _section(anchor: str, heading: str, body: str, intro: str = "") -> str:
    intro_html = f"<p class='intro'>{_e(intro)}</p>" if intro else ""
    return f"<section id='{anchor}'><h2>{_e(heading)}</h2>{intro_html}{body}</section>"


_CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--accent:#243b53;--bg:#f5f7fa;--hi:#3e7cb1}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--accent);color:#fff;padding:28px 0 22px}
header .wrap,main,nav .wrap{max-width:1120px;margin:0 auto;padding:0 24px}
header h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header p{margin:0;color:#bcccdc;font-size:13px}
nav{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:20}
html{scroll-padding-top:52px}
section,figure{scroll-margin-top:52px}
nav a{display:inline-block;padding:10px 12px 9px;color:var(--muted);text-decoration:none;
font-size:13px;border-bottom:2px solid transparent}
nav a:hover{color:var(--ink);border-bottom-color:var(--hi)}
main{padding-top:8px;padding-bottom:40px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;
margin:18px 0}
h2{margin:0 0 10px;font-size:19px;font-weight:650}
h3{margin:18px 0 6px;font-size:15px;font-weight:650;color:var(--accent)}
.intro{margin:0 0 12px;color:var(--muted)}
.note{color:var(--muted);font-size:13px;margin:6px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;
margin:6px 0 12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fbfcfd}
.card .value{font-size:20px;font-weight:650;color:var(--accent);white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}
.card .label{font-size:12px;color:var(--muted)}
figure{margin:12px 0;text-align:center}
figure svg{display:block;width:100%;height:auto}
.fig-scroll{overflow-x:auto}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
.table-wrap{overflow-x:auto;margin:6px 0 10px}
table{border-collapse:collapse;font-size:13px;min-width:40%}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--accent)}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f0f4f8;font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px}
.warn{background:#fffbea;border:1px solid #f0b429;border-radius:8px;padding:8px 12px}
footer{max-width:1120px;margin:0 auto;padding:0 24px 30px;color:var(--muted);font-size:12px}
"""


# -- sections -----------------------------------------------------------------
def _timestamp(log: Any, ns: int) -> pd.Timestamp:
    ts = pd.Timestamp(int(ns), unit="ns")
    return ts.tz_localize("UTC") if getattr(log, "tz_aware", False) else ts


def _log_section(a: Analysis) -> str:
    log = a.log
    first = _timestamp(log, log.time.min()) if log.n_events else None
    last = _timestamp(log, log.time.max()) if log.n_events else None
    span = (last - first) if first is not None else None
    from journeymine.discovery import variant_ids

    n_variants = variant_ids(log)[1].size if log.n_cases else 0
    cards = [
        ("cases", f"{log.n_cases:,}"),
        ("events", f"{log.n_events:,}"),
        ("activities", f"{len(log.activities):,}"),
        ("variants", f"{n_variants:,}"),
        ("time span", _fmt_td(span) if span is not None else "–"),
        ("rejected rows", f"{len(log.rejected):,}"),
    ]
    roles = {log.case: "case", log.activity: "activity", log.timestamp: "timestamp"}
    if log.stage:
        roles[log.stage] = "stage"
    if log.channel:
        roles[log.channel] = "channel"
    cols = pd.DataFrame(
        {
            "column": [str(c) for c in log.columns],
            "role": [roles.get(c, "attribute") for c in log.columns],
        }
    )
    parts = [_cards(cards)]
    if first is not None and last is not None:
        parts.append(
            f"<p class='note'>From {_e(first.strftime('%Y-%m-%d %H:%M'))} to "
            f"{_e(last.strftime('%Y-%m-%d %H:%M'))}"
            f"{' (UTC)' if getattr(log, 'tz_aware', False) else ''}; on average "
            f"{log.n_events / max(log.n_cases, 1):.1f} events per case."
            + (f" Read from <code>{_e(log.source)}</code>." if log.source else "")
            + "</p>"
        )
    per_code = np.bincount(log.activity_codes, minlength=len(log.activity_labels))
    order = np.argsort(-per_code, kind="stable")
    order = order[per_code[order] > 0]
    acts = pd.DataFrame(
        {
            "activity": np.asarray(log.activity_labels)[order],
            "events": per_code[order],
            "share": per_code[order] / max(log.n_events, 1),
        }
    )
    parts.append(
        "<div class='two'><div>"
        + html_table(cols, caption="Columns")
        + "</div><div>"
        + html_table(acts, caption="Activities", max_rows=25)
        + "</div></div>"
    )
    if len(log.rejected):
        rej = log.rejected
        parts.append(
            f"<p class='warn'>{len(rej):,} input rows were rejected (kept aside with "
            '<code>on_error="collect"</code>) and are not in the analysis. The first ones:</p>'
            + html_table(rej.head(10), caption="Rejected rows", index=True)
        )
    return _section(
        "log", "Event log", "".join(parts), "The events analysed, after validation and ordering."
    )


def _graph_section(a: Analysis) -> str:
    g = a.graph
    top = g.edges.head(15)[["source", "target", "events", "cases", "median_duration"]].rename(
        columns={"median_duration": "median time"}
    )
    from journeymine.plot.interactive import graph_map_html

    figure = _figure(a.figures.get("graph"))
    journey_map = graph_map_html(g, model=a.model, static=figure) if figure else ""
    body = journey_map + html_table(top, caption="The most frequent moves (directly-follows pairs)")
    return _section(
        "graph",
        "Journey graph",
        body,
        "Which touchpoint directly follows which, and how often. Drag to pan, scroll to zoom, "
        "hover for counts and times; the sliders keep the most frequent touchpoints and moves.",
    )


def _variants_section(a: Analysis) -> str:
    v = a.variants.rename(columns={"median_duration": "median duration"})
    v.insert(0, "#", np.arange(1, len(v) + 1))
    body = _figure(a.figures.get("variants")) + html_table(v, caption="Top variants")
    return _section(
        "variants",
        "Variants",
        body,
        "Customers who went through exactly the same touchpoints in the same order "
        "follow the same variant.",
    )


def _deviation_tables(dev: pd.DataFrame, cases_total: int) -> str:
    if not len(dev) or "kind" not in dev.columns:
        return "<p class='note'>No deviation: every case follows the designed journey.</p>"
    kinds = [str(k) for k in dev["kind"].astype(str).unique()]
    order = [k for k in DEVIATION_KINDS if k in kinds] + sorted(set(kinds) - set(DEVIATION_KINDS))
    kind = dev["kind"].astype(str)
    rows = []
    for k in order:
        sel = dev[kind == k]
        n_cases = sel["case"].nunique() if "case" in sel.columns else np.nan
        rows.append((k, len(sel), n_cases, n_cases / max(cases_total, 1)))
    by_kind = pd.DataFrame(rows, columns=["kind", "deviations", "cases", "share of cases"])
    out = html_table(by_kind, caption="Deviations by kind")
    stage_col = next((c for c in ("stage", "to_stage", "stage_after") if c in dev.columns), None)
    if stage_col is not None:
        st = dev[stage_col].astype(object).where(dev[stage_col].notna(), "(no stage)")
        table = pd.crosstab(st.astype(str), kind).reindex(columns=order, fill_value=0)
        table["total"] = table.sum(axis=1)
        table = table.sort_values("total", ascending=False)
        table.index.name = "stage"
        table.columns.name = None
        out += html_table(table, caption="Deviations by stage and kind", index=True)
    if "activity" in dev.columns and "unknown_activity" in order:
        unk = dev.loc[kind == "unknown_activity", "activity"].astype(str).value_counts()
        out += html_table(
            pd.DataFrame({"activity": unk.index, "events": unk.to_numpy()}),
            caption="Touchpoints the design does not know",
            max_rows=15,
        )
    return out


def _summary_table(summary: Any) -> str:
    if summary is None:
        return ""
    if isinstance(summary, pd.DataFrame):
        if isinstance(summary.index, pd.MultiIndex) and "section" in summary.index.names:
            sections = summary.index.get_level_values("section")
            if (sections == "overall").any():  # kinds and stages have their own tables
                summary = summary[sections == "overall"].droplevel("section")
        return html_table(
            summary, caption="Summary", index=not isinstance(summary.index, pd.RangeIndex)
        )
    if isinstance(summary, pd.Series):
        summary = summary.to_dict()
    if isinstance(summary, dict):
        flat = []
        for k, v in summary.items():
            if isinstance(v, dict):
                flat += [(f"{k}: {kk}", vv) for kk, vv in v.items()]
            else:
                flat.append((k, v))
        df = pd.DataFrame(flat, columns=["measure", "value"])
        body = []
        for k, v in flat:
            text, num = _cell(v, str(k))
            body.append(
                f"<tr><th>{_e(k)}</th><td class='num'>{text}</td></tr>"
                if num
                else f"<tr><th>{_e(k)}</th><td>{text}</td></tr>"
            )
        del df
        return (
            "<div class='table-wrap'><table><caption>Summary</caption><tbody>"
            + "".join(body)
            + "</tbody></table></div>"
        )
    return f"<p class='note'>{_e(summary)}</p>"


def _conformance_section(a: Analysis) -> str:
    if a.conformance is None:
        return _section("conformance", "Conformance", "<p class='warn'>No conformance report.</p>")
    rep = a.conformance
    cases = getattr(rep, "cases", None)
    dev = getattr(rep, "deviations", None)
    dev = dev if isinstance(dev, pd.DataFrame) else pd.DataFrame()
    rate = a.conformance_rate
    cards = []
    n = a.log.n_cases
    if rate is not None:
        cards.append(("cases conforming", f"{rate:.1%}"))
        cards.append(("conforming cases", f"{round(rate * n):,}"))
    if isinstance(cases, pd.DataFrame) and "fitness" in cases.columns and len(cases):
        cards.append(("mean fitness", f"{float(cases['fitness'].mean()):.3f}"))
    cards.append(("deviations", f"{len(dev):,}"))
    if "case" in dev.columns:
        cards.append(("cases with a deviation", f"{dev['case'].nunique():,}"))
    body = (
        _cards(cards) + _figure(a.figures.get("conformance")) + _figure(a.figures.get("stage_flow"))
    )
    compare = getattr(rep, "compare", None)
    if isinstance(compare, pd.DataFrame) and "status" in compare.columns:
        stage_moves = compare
        if "level" in compare.columns:
            stage_moves = compare[compare["level"] == "stage"]
        off = stage_moves[stage_moves["status"].astype(str) != "both"]
        cols = [c for c in ("source", "target", "status", "cases", "events") if c in off.columns]
        if len(off):
            body += html_table(off[cols], caption="Stage moves where design and reality differ")
    body += _deviation_tables(dev, n)
    body += _summary_table(getattr(rep, "summary", None))
    intro = (
        "How the actual journeys compare with the designed one. A case conforms when it "
        "has no deviation; dropping out is not a deviation."
    )
    return _section("conformance", "Conformance to the designed journey", body, intro)


def _funnel_section(a: Analysis) -> str:
    if a.funnel is None:
        return ""
    f = a.funnel.rename(
        columns={
            "median_time_to_reach": "median time to reach",
            "dropped_out": "stopped here",
            "without_previous": "without the stage before",
        }
    )
    body = _figure(a.figures.get("funnel")) + html_table(f, caption="Funnel")
    note = a.funnel.attrs.get("note")  # reach counted in any order: cases skip stages
    if note:
        body += f"<p class='note'>{_e(note)}</p>"
    return _section(
        "funnel",
        "Funnel",
        body,
        "How many cases reach each stage of the designed journey, how fast, and where they stop.",
    )


def _segment_section(a: Analysis) -> str:
    """Segments compared: one column per group, value and interval per metric."""
    table = a.segments
    if table is None:
        return ""

    def cell(row: Any) -> str:
        if row.metric == "median_duration":
            days = 86400.0  # compare() gives median durations in days
            text = (
                f"{_fmt_td(row.value * days)} ({_fmt_td(row.lo * days)}–{_fmt_td(row.hi * days)})"
            )
        elif row.metric == "median_events":
            text = f"{row.value:g} ({row.lo:g}–{row.hi:g})"
        else:
            text = f"{row.value:.1%} ({row.lo:.1%}–{row.hi:.1%})"
        return text + (" *" if row.p_adjusted < 0.05 else "")

    cells = pd.DataFrame(
        {
            "group": table["group"].astype(str),
            "metric": table["metric"],
            "text": [cell(r) for r in table.itertuples(index=False)],
        }
    )
    wide = cells.pivot(index="metric", columns="group", values="text")
    wide = wide.reindex(list(dict.fromkeys(table["metric"]))).reset_index()
    sizes = table.groupby(table["group"].astype(str), sort=False)["cases"].first()
    wide.columns = ["metric"] + [f"{g} ({sizes[g]:,} cases)" for g in wide.columns[1:]]
    body = (
        _figure(a.figures.get("segments"))
        + html_table(wide, caption=f"Groups of {a.segment!r}", max_rows=100)
        + "<p class='note'>Value (95 % interval): Wilson intervals for shares, a seeded "
        "bootstrap for medians. * the group differs from all other cases "
        "with an adjusted p &lt; 0.05 (two-proportion or Fisher's exact test; Mood's median "
        "test; Holm's adjustment within each family of metrics).</p>"
    )
    return _section(
        "segments",
        "Segments compared",
        body,
        f"The cases grouped by {a.segment!r}: conversion, conformance, deviations, loops and "
        "durations per group, with intervals and a test against the other cases "
        "(jm.compare).",
    )


def _loops_section(a: Analysis) -> str:
    loops = a.loops
    kind = loops["kind"].astype(str)
    n = a.log.n_cases
    rows = []
    labels = {
        "self_loop": "self-loops (same touchpoint repeated)",
        "rework": "rework (touchpoint seen before)",
        "return": "returns after a purchase",
        "repeat_purchase": "repeat purchases",
        "stage_regression": "moves back to an earlier stage",
    }
    for k in LOOP_KINDS:
        sel = loops[kind == k]
        c = sel["case"].nunique()
        rows.append((labels[k], len(sel), c, c / max(n, 1)))
    table = pd.DataFrame(rows, columns=["loop", "occurrences", "cases", "share of cases"])
    body = html_table(table, caption="Loops by kind")
    notes = []
    if a.model is None:
        notes.append(
            "Without a designed journey, returns, repeat purchases and stage moves are "
            "not looked for."
        )
    else:
        reg = loops[kind == "stage_regression"]
        if len(reg) and "allowed" in reg.columns:
            allowed = int(reg["allowed"].fillna(False).astype(bool).sum())
            notes.append(f"{allowed:,} of the {len(reg):,} moves back are loops the design allows.")
        lc = a.loop_cases
        if lc is not None and "purchases" in lc.columns:
            buyers = int((lc["purchases"] > 0).sum())
            total = int(lc["purchases"].sum())
            rets = int(lc["returns"].sum())
            if total:
                notes.append(
                    f"{total:,} purchases by {buyers:,} customers; {rets:,} returns "
                    f"({rets / total:.1%} of purchases)."
                )
            med = lc["median_time_between_purchases"].dropna()
            if len(med):
                notes.append(f"Median time between purchases: {_fmt_td(med.median())}.")
        if len(reg) and {"from_stage", "to_stage"} <= set(reg.columns):
            moves = (
                reg.groupby(["from_stage", "to_stage"], dropna=False)
                .size()
                .sort_values(ascending=False)
                .rename("moves")
                .reset_index()
            )
            if "allowed" in reg.columns:
                allowed_map = reg.groupby(["from_stage", "to_stage"], dropna=False)[
                    "allowed"
                ].first()
                moves["allowed"] = [
                    bool(allowed_map.get((f, t), False))
                    if not pd.isna(allowed_map.get((f, t), np.nan))
                    else None
                    for f, t in zip(moves["from_stage"], moves["to_stage"], strict=True)
                ]
            moves = moves.rename(columns={"from_stage": "from stage", "to_stage": "to stage"})
            body += html_table(moves, caption="Moves back by stage", max_rows=20)
    by_act = loops.loc[kind.isin(["self_loop", "rework"]), "activity"].astype(str).value_counts()
    if len(by_act):
        body += html_table(
            pd.DataFrame({"activity": by_act.index, "loops": by_act.to_numpy()}),
            caption="Touchpoints most often repeated",
            max_rows=10,
        )
    body += "".join(f"<p class='note'>{_e(t)}</p>" for t in notes)
    return _section(
        "loops",
        "Loops, returns and repeat purchases",
        body,
        "Where customers go round in circles, come back, or buy again.",
    )


def _durations_section(a: Analysis) -> str:
    if a.durations_summary is None:
        return ""
    s = a.durations_summary
    table = s[["stage", "visits", "open"]].copy()
    for col, name in (
        ("median", "median"),
        ("median_lo", "median, low"),
        ("median_hi", "median, high"),
        ("p90", "90th percentile"),
    ):
        table[name] = pd.to_timedelta(s[col])  # each cell in its own unit: 3 min, 4.2 d
    body = _figure(a.figures.get("stage_durations")) + html_table(
        table, caption="Time in stage per visit (Kaplan–Meier, open visits censored)"
    )
    return _section(
        "durations",
        "Time in stage",
        body,
        "How long customers stay in a stage each time they are in it. A visit is a run of "
        "consecutive events in one stage, ending at the next event in another stage, so a "
        "customer coming back to a stage starts a new visit. Visits of customers active in "
        "the last 30 days of the data are still open: they count, censored, in the "
        "Kaplan–Meier estimates instead of being left out.",
    )


def _impact_section(a: Analysis) -> str:
    t = a.so_what.get("impact")
    if t is None:
        return ""
    body = _figure(a.figures.get("impact")) + html_table(
        t.round(4), caption="Deviation impact on the outcome", max_rows=20
    )
    return _section(
        "impact",
        "Which deviations matter",
        body,
        "The outcome (conversion unless another was asked for) of cases with each deviation "
        "against cases that reached the same stage without it by then, so that deviations "
        "only far-along journeys can show are not flattered by where those journeys got.",
    )


def _drift_section(a: Analysis) -> str:
    t = a.so_what.get("drift")
    if t is None:
        return ""
    shown = t.assign(period=t["period"].astype(str)).drop(columns=["p_value", "p_adjusted"])
    body = _figure(a.figures.get("drift")) + html_table(
        shown.round(4), caption="Conformance by period", max_rows=60
    )
    return _section(
        "drift", "Conformance over time", body, "Since when do journeys deviate, and how much."
    )


def _channels_section(a: Analysis) -> str:
    t = a.so_what.get("channels")
    if t is None:
        return ""
    body = _figure(a.figures.get("channels")) + html_table(
        t, caption="Channel switches", max_rows=20
    )
    return _section(
        "channels", "Channel switches", body, "Where customers move from one channel to another."
    )


def _representatives_section(a: Analysis) -> str:
    t = a.so_what.get("representatives")
    if t is None:
        note = a.so_what_skipped.get("representatives")
        if note is None:
            return ""
        return _section(
            "representatives",
            "Representative journeys",
            f"<p class='note'>{_e(note)}</p>",
            "The fewest journeys that represent 80 % of the cases.",
        )
    note = a.so_what_skipped.get("representatives")
    body = (f"<p class='note'>{_e(note)}</p>" if note else "") + _figure(
        a.figures.get("representatives")
    )
    body += html_table(
        t.round({"share": 4, "cumulative_share": 4, "mean_distance": 3}),
        caption="Representative journeys",
        max_rows=20,
    )
    return _section(
        "representatives",
        "Representative journeys",
        body,
        "The fewest journeys that represent 80 % of the cases, each case counted at its "
        "nearest one.",
    )


def _retention(a: Analysis) -> None:
    """Retention after the first purchase (issue 24), when the model declares purchases.

    Start = a customer's first purchase, return = a later purchase. The
    tables go to ``a.so_what`` (so the CLI writes them as CSV), the pictures
    to ``a.figures``. Period and cohort follow the span of the log.
    """
    from journeymine.plot import detached_figures
    from journeymine.plot.retention import plot_retention, plot_time_to_return
    from journeymine.retention import repurchase, retention, time_to_return

    log, model = a.log, a.model
    if model is None or not model.purchase or not log.n_cases:
        return
    if not model.activity_mask(log, model.purchase).any():
        return
    span = pd.Timedelta(int(log.time.max() - log.time.min()))
    period, periods, cohort = (
        ("1D", 14, "W")
        if span < pd.Timedelta(days=60)
        else ("30D", 8, "M")
        if span < pd.Timedelta(days=730)
        else ("90D", 8, "Q")
    )
    buy = list(model.purchase)
    table = retention(log, start=buy, back=buy, period=period, periods=periods, cohort=cohort)
    a.so_what["retention"] = table
    a.so_what["time_to_return"] = time_to_return(log, start=buy, back=buy)
    a.so_what["repurchase"] = repurchase(log, model)
    curve = time_to_return(log, start=buy, back=buy, curve=True)
    days = pd.Timedelta(period).days
    ones = {"W": "week's", "M": "month's", "Q": "quarter's"}
    with detached_figures():
        a.figures["retention"] = Figure(
            "retention",
            f"Share of each {ones[cohort]} first-time buyers who bought again in each "
            f"{days}-day period after their first purchase. Hatched cells are not observable "
            "yet: some of the cohort's buyers have not lived through that period when the "
            "data ends, so the cell is left blank rather than counted as 0.",
            plot_retention(table),
        )
        a.figures["retention_curve"] = Figure(
            "retention_curve",
            "The cohorts pooled: at each period, the buyers of every cohort that can be "
            "observed there, with a 95 % Wilson band (later periods rest on fewer cohorts).",
            plot_retention(table, kind="curves"),
        )
        if len(curve):
            a.figures["time_to_return"] = Figure(
                "time_to_return",
                "Share of buyers who have not bought again, by time since their first "
                "purchase (Kaplan–Meier; buyers who have not come back yet are censored at "
                "the end of the data, not counted as lost).",
                plot_time_to_return(curve),
            )


def _retention_section(a: Analysis) -> str:
    t = a.so_what.get("retention")
    if t is None:
        return ""
    body = _figure(a.figures.get("retention")) + _figure(a.figures.get("retention_curve"))
    body += _figure(a.figures.get("time_to_return"))
    body += html_table(a.so_what["repurchase"], caption="Repeat purchase")
    body += html_table(a.so_what["time_to_return"], caption="Time to the second purchase")
    body += (
        "<p class='note'>A dash for a median: fewer than half of the buyers have bought "
        "again so far (or the interval's edge is beyond the data), so none can be read yet. "
        "The whole cohort table is in retention.csv (CSV output of the command line); "
        "cells not observable yet are empty there too.</p>"
    )
    return _section(
        "retention",
        "Retention and repeat purchase",
        body,
        "Of the customers who first bought in each period, how many bought again, and when. "
        "Customers whose journey is still open when the data ends are treated as open.",
    )


def retention_lines(a: Analysis) -> list[str]:
    """The command line's summary of repeat purchase (empty without purchases)."""
    rep = a.so_what.get("repurchase")
    if rep is None or not len(rep) or not rep["buyers"].iloc[0]:
        return []
    row = rep.iloc[0]
    from journeymine._format import format_duration

    gap = row["median_gap"]
    when = f", median time to the next {format_duration(gap)}" if pd.notna(gap) else ""
    return [
        f"repeat purchase: {row['repeat_buyers']:,} of {row['buyers']:,} buyers "
        f"({row['repeat_rate']:.1%}) bought again{when}"
    ]


#: the report's attribution intervals are bootstrapped up to this many cases
_ATTRIBUTION_CI_CASES = 100_000


def _attribution(a: Analysis) -> None:
    """Attribution tables and figures (issue 25): when there are channels and purchases."""
    if a.log.channel is None or a.model is None or not a.model.purchase or not a.log.n_cases:
        return
    from journeymine.attribution import attribution, conversion_paths
    from journeymine.plot import detached_figures
    from journeymine.plot.attribution import plot_attribution, plot_conversion_paths

    ci = 0.95 if a.log.n_cases <= _ATTRIBUTION_CI_CASES else None
    table = attribution(a.log, model=a.model, ci=ci)
    paths = conversion_paths(a.log, model=a.model, top=20)
    a.so_what["attribution"] = table
    a.so_what["conversion_paths"] = paths
    if not len(table):
        return
    interval = (
        "with 95 % case-bootstrap intervals"
        if ci
        else f"(no intervals above {_ATTRIBUTION_CI_CASES:,} cases)"
    )
    with detached_figures():
        a.figures["attribution"] = Figure(
            "attribution",
            "Each channel's share of the purchases under seven attribution models, "
            f"{interval}. A purchase's path is the channels of the case's events in the 30 "
            "days before it, after the previous purchase.",
            plot_attribution(table),
        )
        if len(paths):
            a.figures["conversion_paths"] = Figure(
                "conversion_paths",
                "The most frequent channel paths to a purchase, with the share of such paths "
                "that end in a purchase and the median time from first touch to purchase.",
                plot_conversion_paths(paths),
            )


def _attribution_section(a: Analysis) -> str:
    table = a.so_what.get("attribution")
    if table is None:
        return ""
    paths = a.so_what["conversion_paths"]
    wide = table.pivot(index="touch", columns="model", values="share")
    wide = wide[list(dict.fromkeys(table["model"]))]
    wide.columns = [f"{m} share" for m in wide.columns]  # shown as percentages
    wide = wide.reset_index()
    no_touch = table.attrs.get("no_touch", 0)
    body = (
        _figure(a.figures.get("attribution"))
        + html_table(wide, caption="Share of purchases by channel and model")
        + f"<p class='note'>{no_touch:,} purchases had no channel touch in the 30 days "
        "before them and credit nobody.</p>"
        + _figure(a.figures.get("conversion_paths"))
        + html_table(paths.round({"conversion_rate": 4}), caption="Top paths", max_rows=20)
    )
    return _section(
        "attribution",
        "Attribution",
        body,
        "Which channels earn the purchases: first, last, linear, time-decay, position-based, "
        "Shapley and Markov (removal effect) credit side by side.",
    )


def _render(a: Analysis) -> str:
    from journeymine.plot import to_svg

    for fig in a.figures.values():
        if not fig.svg:  # each figure is rendered to SVG once, however often the page is built
            with a.timings(f"svg {fig.name}"):
                fig.svg = to_svg(fig.ax, close=False)
    with a.timings("html sections"):
        return _page(a)


def _page(a: Analysis) -> str:
    sections = [_log_section(a), _graph_section(a), _variants_section(a)]
    nav = [("log", "Event log"), ("graph", "Journey graph"), ("variants", "Variants")]
    if a.model is not None:
        sections += [
            _conformance_section(a),
            _funnel_section(a),
            _loops_section(a),
            _durations_section(a),
        ]
        nav += [
            ("conformance", "Conformance"),
            ("funnel", "Funnel"),
            ("loops", "Loops"),
            ("durations", "Time in stage"),
        ]
    else:
        sections.append(_loops_section(a))
        nav.append(("loops", "Loops"))
    if a.segments is not None:
        sections.append(_segment_section(a))
        nav.append(("segments", "Segments"))
    for render, key, label in (
        (_impact_section, "impact", "Impact"),
        (_drift_section, "drift", "Drift"),
        (_channels_section, "channels", "Channels"),
        (_representatives_section, "representatives", "Representatives"),
        (_retention_section, "retention", "Retention"),
        (_attribution_section, "attribution", "Attribution"),
    ):
        html_part = render(a)
        if html_part:
            sections.append(html_part)
            nav.append((key, label))
    try:
        from journeymine import __version__ as version
    except ImportError:  # pragma: no cover
        version = "?"
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    model_note = ""
    if a.model is not None:
        name = f" “{a.model.name}”" if a.model.name else ""
        model_note = (
            f" · designed journey{name}: {len(a.model.stages)} stages, "
            f"{len(a.model.activities)} touchpoints"
        )
    sub = (
        f"{a.log.n_cases:,} cases · {a.log.n_events:,} events{model_note} · "
        f"generated {now} by journeymine {version}"
    )
    nav_html = "".join(f"<a href='#{k}'>{_e(v)}</a>" for k, v in nav)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(a.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><div class='wrap'><h1>{_e(a.title)}</h1><p>{_e(sub)}</p></div></header>"
        f"<nav><div class='wrap'>{nav_html}</div></nav>"
        f"<main>{''.join(sections)}</main>"
        "<footer>Self-contained report: the figures are embedded; no network access is "
        "needed to view it.</footer></body></html>\n"
    )


# -- public API ---------------------------------------------------------------
def build_report_html(
    log: JourneyLog,
    *,
    model: JourneyModel | None = None,
    graph: JourneyGraph | None = None,
    title: str | None = None,
    top_variants: int = 10,
    outcome: str | None = None,
) -> str:
    """Build the HTML report of a log as a string.

    See :func:`write_report` for what it holds.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    model : JourneyModel, optional
        The designed journey. With it the report adds conformance, the
        funnel, loops against the design and the time in stage.
    graph : JourneyGraph, optional
        The journey graph to draw; by default ``discover(log)``.
    title : str, optional
        The report's title.
    top_variants : int, default=10
        How many variants to show.
    outcome : str, optional
        A numeric column (e.g. revenue) whose per-case total is the outcome
        of the deviation-impact section; by default conversion (a purchase
        activity of the model).

    Returns
    -------
    str
        A complete HTML document.

    Raises
    ------
    ParameterError
        If an argument has the wrong type.

    Examples
    --------
    >>> import pandas as pd, journeymine as jm
    >>> from journeymine.report import build_report_html
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2], "a": ["ad", "buy", "ad", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="D")})
    >>> page = build_report_html(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> page.startswith("<!DOCTYPE html>") and "class='jm-map'" in page
    True
    """
    a = analyse(
        log, model=model, graph=graph, title=title, top_variants=top_variants, outcome=outcome
    )
    return _render(a)


@v.validate_params(
    {
        "path": [v.InstanceOf(str), v.InstanceOf(Path, "a pathlib.Path")],
        "model": [v.Model(), None],
        "title": [v.InstanceOf(str), None],
        "top_variants": [v.Interval(int, 1, None)],
    }
)
def write_report(
    log: JourneyLog,
    path: str | Path,
    *,
    model: JourneyModel | None = None,
    graph: JourneyGraph | None = None,
    title: str | None = None,
    top_variants: int = 10,
    out_dir: str | Path | None = None,
    segment: str | None = None,
    outcome: str | None = None,
) -> Path:
    """Write a self-contained HTML report of a log (and optionally its plots and tables).

    The report is one HTML file with inline CSS, inline SVG figures and an
    inline script for the journey map; it loads nothing from the network.
    It holds:

    - the log: cases, events, activities, time span, rejected rows, columns;
    - the journey graph as an interactive map (pan, zoom, hover for counts
      and times, sliders for the share of touchpoints and moves, frequency or
      time; the static picture, pruned when large, where scripts are off) and
      the most frequent moves;
    - the top variants, as a table and a picture;
    - with ``model``: the conformance summary, the designed-vs-actual
      overlay and the stage flow, deviations by kind and by stage, the funnel (table and
      picture), loops (returns, repeat purchases, self-loops, rework,
      moves back), the time in stage per visit (Kaplan–Meier), which
      deviations matter (deviation impact on conversion or ``outcome``) and
      conformance over time. Without a model, the loops that need none
      (self-loops, rework);
    - channel switches (with a channel column) and representative journeys.

    Parameters
    ----------
    log : JourneyLog
        The event log.
    path : str or path-like
        The HTML file to write; missing folders are created.
    model, graph, title, top_variants, outcome
        As in ``journeymine.report.build_report_html``.
    out_dir : str or path-like, optional
        Also write the figures as PNG (``graph.png``, ``variants.png``, and
        with a model ``conformance.png``, ``stage_flow.png``, ``funnel.png``,
        ``stage_durations.png``) and the tables as CSV (``variants.csv``,
        ``loops.csv``, and with a model ``deviations.csv``, ``cases.csv``,
        ``funnel.csv``, ``stage_durations.csv``) to this folder.
    segment : str, optional
        A column of the log: adds a "Segments compared" section with
        :func:`journeymine.compare` by that column (a table and a picture).

    Returns
    -------
    pathlib.Path
        The path of the HTML file.

    Raises
    ------
    ParameterError
        If an argument has the wrong type.
    OSError
        If the file cannot be written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, journeymine as jm
    >>> from journeymine.report import write_report
    >>> df = pd.DataFrame({"c": [1, 1, 2, 2], "a": ["ad", "buy", "ad", "view"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="D")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_report(log, pathlib.Path(d) / "report.html")
    ...     out.name, out.stat().st_size > 1000
    ('report.html', True)
    """
    a = analyse(
        log,
        model=model,
        graph=graph,
        title=title,
        top_variants=top_variants,
        func="write_report",
        segment=segment,
        outcome=outcome,
    )
    return write_analysis(a, path, out_dir=out_dir)


def write_analysis(
    a: Analysis,
    path: str | Path,
    *,
    out_dir: str | Path | None = None,
    progress: Progress = _quiet,
    two_processes: bool = False,
) -> Path:
    """Write the report of an :class:`Analysis`, plus PNGs and CSVs to ``out_dir``.

    With ``out_dir`` and ``two_processes`` (the command line's choice), a
    second process renders PNG figures and writes CSV tables while this one
    renders the SVG report (see :class:`_FileWriter`). Library calls keep to
    one process: forking a process that runs other threads (a notebook's, a
    Dask client's) is not safe in general; the command line owns its process.
    """
    path = Path(path)
    pngs = None
    if out_dir is not None and two_processes:
        with _writable(Path(out_dir), "out_dir"):
            Path(out_dir).mkdir(parents=True, exist_ok=True)
        progress("writing PNG figures and CSV tables (second process)")
        pngs = _FileWriter.start(a, Path(out_dir))
    progress("writing the report")
    page = _render(a)
    with _writable(path, "report"), a.timings("write html"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    if out_dir is not None:
        with _writable(Path(out_dir), "out_dir"):
            write_files(a, Path(out_dir), progress=progress, pngs=pngs)
    return path


#: the longest wait for the second process before the files are written here instead
PNG_TIMEOUT_S = 600.0


def _file_jobs(a: Analysis, out_dir: Path) -> list[tuple[str, Path, Any]]:
    """The files of an analysis, in order: ``("png", path, figure)`` then ``("csv", path, table)``."""
    figures = [
        ("png", p, f) for p, f in zip(_png_paths(a, out_dir), a.figures.values(), strict=True)
    ]
    return figures + [("csv", p, df) for p, df in _csv_tables(a, out_dir)]


def _write_job(a: Analysis, job: tuple[str, Path, Any]) -> None:
    from journeymine.plot import to_png

    kind, path, what = job
    if kind == "png":
        with a.timings(f"png {what.name}"):
            path.write_bytes(to_png(what.ax, close=False))
    else:
        with a.timings(f"csv {path.stem}"):
            _csv_frame(what).to_csv(path, index=False)


class _FileWriter:
    """The report's PNG and CSV files, written by two processes from the two ends of one list.

    Matplotlib renders a figure in Python on one core, and the SVG and PNG
    renderings of the same drawn figures are independent. So a child forked
    once the analysis is done takes the files from the front of the list
    (PNG figures first, then CSV tables) while the parent renders the SVG
    page, then the parent takes files from the back (:meth:`finish`) until
    the two meet: the work splits itself between two cores. Where ``fork``
    is not the platform's safe default (macOS, Windows) or the child fails,
    the parent writes every file.
    """

    def __init__(self, a: Analysis, jobs: list[Any], process: Any, lo: Any, hi: Any) -> None:
        self.a, self.jobs, self.process, self.lo, self.hi = a, jobs, process, lo, hi

    @classmethod
    def start(cls, a: Analysis, out_dir: Path) -> _FileWriter | None:
        import multiprocessing
        import sys

        jobs = _file_jobs(a, out_dir)
        if not sys.platform.startswith("linux") or len(jobs) < 2:
            return None
        try:
            ctx = multiprocessing.get_context("fork")
            lo, hi = ctx.Value("i", 0), ctx.Value("i", len(jobs))  # next from the front / back
            process = ctx.Process(target=_front, args=(a, jobs, lo, hi), daemon=True)
            process.start()
        except (OSError, ValueError):  # pragma: no cover - no fork here
            return None
        return cls(a, jobs, process, lo, hi)

    def finish(self) -> bool:
        """Write files from the back until the child's meet; wait; True when all are written."""
        while True:
            with self.lo.get_lock():  # one lock guards both ends
                if self.lo.value >= self.hi.value:
                    break
                self.hi.value -= 1
                i = self.hi.value
            _write_job(self.a, self.jobs[i])
        with self.a.timings("png and csv (second process)"):
            self.process.join(PNG_TIMEOUT_S)
        if self.process.is_alive():  # pragma: no cover - a stuck child
            self.process.kill()
            self.process.join()
        return self.process.exitcode == 0


def _front(a: Analysis, jobs: list[Any], lo: Any, hi: Any) -> None:
    """The forked child's work: files from the front of the list until the parent's meet."""
    while True:
        with lo.get_lock():
            if lo.value >= hi.value:
                return
            i = lo.value
            lo.value += 1
        _write_job(a, jobs[i])


def _png_paths(a: Analysis, out_dir: Path) -> list[Path]:
    return [out_dir / f"{fig.name}.png" for fig in a.figures.values()]


class _writable:  # noqa: N801 - used as a context, like a function
    """Turn an OSError while writing ``path`` into a ParameterError that says what to do."""

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if isinstance(exc, OSError):
            where = exc.filename if getattr(exc, "filename", None) else self.path
            reason = exc.strerror or type(exc).__name__
            raise ParameterError(
                f"Cannot write the {'report' if self.what == 'report' else 'figures and tables'}"
                f" to {str(self.path)!r}: {reason} ({str(where)!r}). Choose a "
                f"{'file' if self.what == 'report' else 'folder'} in a place you can write to, "
                "e.g. a path under your home folder or the current one."
            ) from exc


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype.kind == "m" and len(out) >= 1000:
            # the text pandas writes ("1 days 02:03:04"), built column-wise: ~30x faster
            out[col] = _timedelta_text(out[col])
            continue
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            # pandas writes zoned times ~7x slower than naive ones: same text, written naive
            utc = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
            out[col] = (utc.astype(str) + "+00:00").where(utc.notna(), "")
            continue
        if out[col].dtype == object:
            values = out[col].to_numpy()
            if any(isinstance(v, tuple) for v in values):
                out[col] = pd.Series(
                    [" > ".join(map(str, v)) if isinstance(v, tuple) else v for v in values],
                    index=out.index,
                    dtype=object,
                )
    return out


def _timedelta_text(values: pd.Series) -> pd.Series:
    """Durations as the text ``DataFrame.to_csv`` writes for them, empty for NaT.

    pandas picks one format per column: ``"3 days"`` when every value is
    whole days, ``"3 days 02:03:04"`` when none has a fraction of a second,
    else 6 or 9 decimals (micro- or nanoseconds); negative values read
    ``"-1 days +23:00:00"``. Written with Arrow's string kernels instead of
    one Python call per value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ns = values.to_numpy(dtype="timedelta64[ns]").view(np.int64)
    nat = values.isna().to_numpy()
    ok = ns[~nat]
    second, day = 10**9, 86_400 * 10**9
    days, rest = np.divmod(ns, day)

    def text(x: np.ndarray, width: int = 0) -> Any:
        out = pc.cast(pa.array(x), pa.string())
        return pc.utf8_lpad(out, width=width, padding="0") if width else out

    if not (ok % day).any():
        parts = [text(days), " days"]
    else:
        secs, frac = np.divmod(rest, second)
        hours, secs = np.divmod(secs, 3600)
        minutes, secs = np.divmod(secs, 60)
        sep = pa.array(np.where(ns < 0, " days +", " days "))
        parts = [text(days), sep, text(hours, 2), ":", text(minutes, 2), ":", text(secs, 2)]
        if (ok % second).any():
            if (ok % 1000).any():
                parts += [".", text(frac, 9)]
            else:
                parts += [".", text(frac // 1000, 6)]
    joined = pc.binary_join_element_wise(*parts, "")
    if nat.any():
        joined = pc.if_else(pa.array(nat), pa.scalar(None, pa.string()), joined)
    return pd.Series(pd.array(joined, dtype="str"), index=values.index, name=values.name)


def write_files(
    a: Analysis, out_dir: Path, *, progress: Progress = _quiet, pngs: _FileWriter | None = None
) -> list[Path]:
    """Write the PNG figures and CSV tables of an analysis; return the paths written.

    ``pngs`` is the child process already writing them from the front of the
    list (see :class:`_FileWriter`); this process then takes files from the
    back. Without it, or if it failed, every file is written here.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = _file_jobs(a, out_dir)
    if pngs is None or not pngs.finish():
        progress("writing PNG figures and CSV tables")
        for job in jobs:
            _write_job(a, job)
    return [path for _, path, _ in jobs]


def _csv_tables(a: Analysis, out_dir: Path) -> list[tuple[Path, pd.DataFrame]]:
    """The CSV files of an analysis and their tables."""
    tables: dict[str, pd.DataFrame | None] = {
        "variants": a.variants,
        "loops": a.loops,
        "funnel": a.funnel,
        "stage_durations": a.durations,
        "segments": a.segments,
        **a.so_what,
    }
    rep = a.conformance
    if rep is not None:
        tables["deviations"] = getattr(rep, "deviations", None)
        tables["cases"] = getattr(rep, "cases", None)
    return [(out_dir / f"{n}.csv", df) for n, df in tables.items() if isinstance(df, pd.DataFrame)]
