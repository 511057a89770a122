"""Fuzz the CSV and XES readers with hypothesis.

Random bytes, and structured-but-mutated CSV and XES texts, are written to
temporary files and read back. The only acceptable outcomes are a
:class:`journeymine.JourneyLog` or a :class:`journeymine.JourneymineError`;
any other exception fails the test, and so does a read that takes 2 seconds
or more. When a read succeeds with ``on_error="collect"``, no row may be both
kept and rejected.

By default each target runs a short campaign (60 examples, a few seconds).
Run a long one on demand with::

    JOURNEYMINE_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -p no:cacheprovider

Hypothesis prints the smallest failing input; add it to
``scripts/make_bad_corpus.py`` so it stays tested.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import JourneymineError

MAX_EXAMPLES = int(os.environ.get("JOURNEYMINE_FUZZ_EXAMPLES", "60"))
SECONDS_PER_READ = 2.0

FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # the time limit per read is asserted below, with the reader alone timed
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=MAX_EXAMPLES <= 100,  # the short default run is the same on every machine
    database=None,
)


def read_file(name: str, data: bytes, **kwargs: Any) -> Any:
    """Write ``data`` to a file called ``name`` and read it; return the log or the error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            try:
                if ".xes" in name:
                    result: Any = jm.read_xes(path, **kwargs)
                else:
                    result = jm.read_csv(path, **kwargs)
            except JourneymineError as exc:
                result = exc
            elapsed = time.perf_counter() - start
    assert elapsed < SECONDS_PER_READ, f"reading {name} took {elapsed:.2f} s"
    assert isinstance(result, (jm.JourneyLog, JourneymineError))
    if isinstance(result, jm.JourneyLog):
        kept = set(result.rows.tolist())
        rejected = set(result.rejected.index.tolist())
        assert kept.isdisjoint(rejected)
        assert result.n_events == len(kept) > 0
        assert result.case_offsets[-1] == result.n_events
    else:
        assert str(result), "an error must have a message"
    return result


# ---------------------------------------------------------------------------
# mutations shared by the structured targets


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """``text`` encoded, then a few random byte-level edits and maybe a truncation."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            chunk = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=8),
                    st.sampled_from(
                        [
                            b",",
                            b";",
                            b'"',
                            b"\n",
                            b"\r",
                            b"\x00",
                            b"<",
                            b">",
                            b"&",
                            b"&lol;",
                            b"</event>",
                            b"<trace>",
                            b"<!DOCTYPE log>",
                            b"\xef\xbb\xbf",
                            b"\xff\xfe",
                        ]
                    ),
                )
            )
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    if draw(st.booleans()) and data:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


CASES = st.sampled_from(["c1", "c2", "c3", "NA", "null", "None", "", " ", "001", "1", "ñ", "c,4"])
ACTIVITIES = st.sampled_from(
    ["ad", "visit", "buy", "return", "", "😀 emoji", 'say "hi"', "a,b", "x" * 300, "line\nbreak"]
)
TIMESTAMPS = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2025-01-01",
            "2025-01-01T10:00:00Z",
            "2025-01-01T10:00:00+05:30",
            "2025-02-30",
            "31/01/2025",
            "1735725600",
            "",
            "NaT",
            "yesterday",
            "3000-01-01",
            "0001-01-01",
            "2025-01-01 10:00:00.123456789",
            "-1",
        ]
    ),
)


# ---------------------------------------------------------------------------
# CSV


@FUZZ
@given(data=st.binary(max_size=2048), name=st.sampled_from(["f.csv", "f.csv.gz", "f.tsv"]))
def test_csv_random_bytes(data, name):
    read_file(name, data, case="customer", activity="touchpoint", timestamp="ts")


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str]:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(
        st.sampled_from(
            [
                ["customer", "touchpoint", "ts"],
                ["customer", "touchpoint", "ts", "channel"],
                ["customer", "touchpoint", "ts", "ts"],
                ["customer", "touchpoint"],
                ["Customer", "touchpoint", "time"],
                ["customer", "touchpoint", "ts", ""],
            ]
        )
    )
    rows = draw(
        st.lists(
            st.tuples(CASES, ACTIVITIES, TIMESTAMPS, st.sampled_from(["web", "", "app"])),
            max_size=30,
        )
    )
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for row in rows:
        writer.writerow(list(row)[: len(header)])
    return buf.getvalue(), sep


@FUZZ
@given(
    text_sep=csv_texts(),
    data=st.data(),
    on_error=st.sampled_from(["raise", "collect"]),
    pass_sep=st.booleans(),
    timestamp_format=st.sampled_from([None, None, "s", "%d/%m/%Y", "ISO8601"]),
    gz=st.booleans(),
)
def test_csv_mutated(text_sep, data, on_error, pass_sep, timestamp_format, gz):
    text, sep = text_sep
    raw = data.draw(mutated(text))
    kwargs: dict[str, Any] = {"case": "customer", "activity": "touchpoint", "timestamp": "ts"}
    if pass_sep:
        kwargs["sep"] = sep
    if gz:
        raw = gzip.compress(raw, mtime=0)
    read_file(
        "log.csv.gz" if gz else "log.csv",
        raw,
        on_error=on_error,
        timestamp_format=timestamp_format,
        **kwargs,
    )


def test_csv_unmutated_text_reads():
    """Sanity check of the generator: a clean text reads into the expected log."""
    text = "customer,touchpoint,ts\nNA,ad,2025-01-01\nNA,buy,2025-01-02\n"
    log = read_file(
        "clean.csv", text.encode(), case="customer", activity="touchpoint", timestamp="ts"
    )
    assert isinstance(log, jm.JourneyLog) and log.cases.tolist() == ["NA"]


# ---------------------------------------------------------------------------
# XES


@FUZZ
@given(data=st.binary(max_size=2048), name=st.sampled_from(["f.xes", "f.xes.gz"]))
def test_xes_random_bytes(data, name):
    read_file(name, data)


def _attr(kind: str, key: str, value: str) -> str:
    escaped = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return f'<{kind} key="{key}" value="{escaped}"/>'


@st.composite
def xes_texts(draw: st.DrawFn) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">']
    if draw(st.booleans()):
        parts.append('<global scope="event"><string key="concept:name" value="x"/></global>')
    for _ in range(draw(st.integers(0, 5))):
        parts.append("<trace>")
        if draw(st.integers(0, 4)):
            parts.append(_attr("string", "concept:name", draw(CASES)))
        for _ in range(draw(st.integers(0, 6))):
            parts.append("<event>")
            if draw(st.integers(0, 5)):
                parts.append(_attr("string", "concept:name", draw(ACTIVITIES)))
            if draw(st.integers(0, 5)):
                parts.append(_attr("date", "time:timestamp", draw(TIMESTAMPS)))
            extra = draw(st.sampled_from(["", "int", "float", "boolean", "string", "list"]))
            if extra == "list":
                parts.append('<list key="items"><int key="n" value="1"/></list>')
            elif extra:
                value = draw(st.sampled_from(["1", "2.5", "true", "x", "", "99999999999999999999"]))
                parts.append(_attr(extra, "amount", value))
            parts.append("</event>")
        parts.append("</trace>")
    parts.append("</log>\n")
    return "\n".join(parts)


@FUZZ
@given(
    text=xes_texts(),
    data=st.data(),
    on_error=st.sampled_from(["raise", "collect"]),
    gz=st.booleans(),
)
def test_xes_mutated(text, data, on_error, gz):
    raw = data.draw(mutated(text))
    if gz:
        raw = gzip.compress(raw, mtime=0)
    read_file("log.xes.gz" if gz else "log.xes", raw, on_error=on_error)


@pytest.mark.parametrize("depth", [10, 10_000])
def test_xes_deep_nesting(depth):
    """Deeply nested unknown elements neither recurse nor hang."""
    body = "<x>" * depth + "</x>" * depth
    text = (
        '<?xml version="1.0"?><log><trace><string key="concept:name" value="c"/>'
        f'<event>{body}<string key="concept:name" value="a"/>'
        '<date key="time:timestamp" value="2025-01-01T00:00:00Z"/></event></trace></log>'
    )
    log = read_file("deep.xes", text.encode())
    assert isinstance(log, jm.JourneyLog) and log.activities == ["a"]
