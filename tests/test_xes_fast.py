"""Tests for the fast path of the XES reader (journeymine.io.xes._Body).

Whatever shape a file has, ``read_xes_frame`` must give exactly what the
expat path alone gives: the same frame, or the same error. The fast path
must also really be taken on files with the regular shape of most exports.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine.errors import LogError
from journeymine.io import xes
from journeymine.io.xes import read_xes_frame

from strategies import examples

HEADER = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n'
    "<!-- exported -->\n"
    '<log xes.version="1.0" xes.features="nested-attributes">\n'
    '\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    '\t<global scope="event">\n\t\t<string key="concept:name" value="__INVALID__"/>\n\t</global>\n'
    '\t<classifier name="Activity" keys="concept:name"/>\n'
    '\t<float key="meta" value="1.5">\n\t\t<float key="807" value="0.041"/>\n\t</float>\n'
)


def _outcome(path: Path, **kwargs: Any) -> tuple[str, Any]:
    """The frame read from ``path``, or the error raised, as comparable values."""
    try:
        return "frame", read_xes_frame(path, **kwargs)
    except LogError as exc:
        return "error", (type(exc), str(exc), exc.column, exc.rows)


def _read_both(
    path: Path, chunk: int, **kwargs: Any
) -> tuple[tuple[str, Any], tuple[str, Any], int, int]:
    """Read ``path`` with the fast path, then with expat alone; count fast reads and fallbacks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xes, "_CHUNK_BYTES", chunk)
        fast_reads, fallbacks = xes._fast_reads, xes._fallbacks
        fast = _outcome(path, **kwargs)
        fast_reads, fallbacks = xes._fast_reads - fast_reads, xes._fallbacks - fallbacks
        patch.setattr(xes, "_collect", functools.partial(xes._collect, fast=False))
        slow = _outcome(path, **kwargs)
    return fast, slow, fast_reads, fallbacks


def _assert_same(fast: tuple[str, Any], slow: tuple[str, Any]) -> None:
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "frame":
        pd.testing.assert_frame_equal(fast[1], slow[1], check_exact=True)
        assert list(fast[1].columns) == list(slow[1].columns)
    else:
        assert fast[1] == slow[1]


# ---------------------------------------------------------------------------
# a file of every shape, read in chunks of every size

_KEYS = ["concept:name", "time:timestamp", "org:resource", "amount", "n", "flag", "case:x"]
_VALUES = {
    "string": st.text(alphabet="ab z\u00e9\u20ac\U0001f600>&<\"'", max_size=6)
    | st.sampled_from(["a\tb", "\n"]),
    "id": st.sampled_from(["0f8fad5b", "NA", ""]),
    "date": st.sampled_from(
        ["2025-01-01T10:00:00Z", "2025-01-01T10:00:00.000+01:00", "2025-01-02T08:30:00"] * 5
        + ["soon"]
    ),
    "int": st.sampled_from(["1", "-3", "42"] * 5 + ["x", "99999999999999999999"]),
    "float": st.sampled_from(["1.5", "35.0", "1.5E2", "nan", "-0.0"] * 3 + ["abc"]),
    "boolean": st.sampled_from(["true", "false", "1"] * 3 + ["maybe"]),
}


@st.composite
def _escaped(draw: st.DrawFn, text: str) -> str:
    """``text`` as an XML attribute value, escaped in one of several ways."""
    out = []
    for char in text:
        if char == "&":
            out.append(draw(st.sampled_from(["&amp;", "&#38;", "&#x26;"])))
        elif char == "<":
            out.append(draw(st.sampled_from(["&lt;", "&#60;"])))
        elif char == '"':
            out.append(draw(st.sampled_from(["&quot;", "&#34;"])))
        elif char in "\t\n":
            out.append(draw(st.sampled_from([char, f"&#{ord(char)};"])))
        elif char == ">":
            out.append(draw(st.sampled_from([">", "&gt;"])))
        elif char == "'":
            out.append(draw(st.sampled_from(["'", "&apos;"])))
        else:
            out.append(char)
    return "".join(out)


# how an attribute element may be written: the regular shape, then others
# (the irregular ones only in files drawn with `odd`)
_SHAPES = {
    "regular": '<{tag} key="{key}" value="{value}"/>',
    "space": '<{tag} key="{key}" value="{value}" />',
    "tabs": '<{tag}\tkey="{key}"\t\tvalue="{value}"/>',
    "value first": '<{tag} value="{value}" key="{key}"/>',
    "single quotes": "<{tag} key='{key}' value='{value}'/>",
    "nested": '<{tag} key="{key}" value="{value}"><string key="inner" value="x"/></{tag}>',
    "no value": '<{tag} key="{key}"/>',
    "line break": '<{tag}\n key="{key}" value="{value}"/>',
    "no space": '<{tag} key="{key}"value="{value}"/>',  # not well-formed
    "other name": '<{tag} key="{key}" xvalue="{value}"/>',
}


@st.composite
def _attribute(draw: st.DrawFn, odd: bool = False) -> str:
    tag = draw(st.sampled_from(list(_VALUES)))
    key = draw(st.sampled_from(_KEYS))
    value = draw(_escaped(draw(_VALUES[tag])))
    shapes = ["regular"] * 30 + ["space", "tabs"] * 2
    if odd:
        shapes += list(_SHAPES)[3:]
    shape = draw(st.sampled_from(shapes))
    if shape == "single quotes":
        value = value.replace("'", "&apos;")
    return _SHAPES[shape].format(tag=tag, key=key, value=value)


_SPACE = st.sampled_from(["", "\n", "\n\t\t", " ", "\r\n\t", "\n\n"])
_ODD_ITEMS = st.sampled_from(
    [
        "<!-- a comment -->",
        "<![CDATA[text <here>]]>",
        "<?pi data?>",
        '<list key="l"><values><string key="a" value="b"/></values></list>',
        "stray text",
        "&amp;",
    ]
)


@st.composite
def _content(draw: st.DrawFn, odd: bool) -> str:
    """Attribute elements (and, with ``odd``, other content) with white space around."""
    items = draw(st.lists(_attribute(odd), max_size=4))
    if odd and draw(st.integers(0, 9)) == 0:
        items.insert(draw(st.integers(0, len(items))), draw(_ODD_ITEMS))
    space = draw(_SPACE)
    return "".join(space + item for item in items) + space


@st.composite
def _event(draw: st.DrawFn, odd: bool) -> str:
    return "<event>" + draw(_content(odd)) + "</event>"


@st.composite
def _trace(draw: st.DrawFn, odd: bool) -> str:
    parts = [draw(_content(odd))]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(_event(odd)) + draw(_SPACE))
    parts.append(draw(_content(odd)))  # trace attributes after the events
    return "<trace>" + "".join(parts) + "</trace>"


@st.composite
def xes_files(draw: st.DrawFn) -> str:
    odd = draw(st.integers(0, 3)) == 0  # a file with irregular content
    body = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["trace"] * 6 + ["event", "log attribute"]))
        if kind == "trace":
            body.append(draw(_trace(odd)))
        elif kind == "event":
            body.append(draw(_event(odd)))  # an event outside any trace
        else:
            body.append(draw(_attribute(odd)))
        body.append(draw(_SPACE))
    end = draw(
        st.sampled_from(["</log>\n", "</log>", "</log>\n\n  "] * 3 + ["</log><!-- end -->", ""])
    )
    return HEADER + "\t" + "".join(body) + end


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=xes_files(),
    chunk=st.sampled_from([1, 2, 3, 7, 16, 61, 1 << 20]),
    max_events=st.sampled_from([None, None, 1, 2, 5]),
    compress=st.booleans(),
)
def test_fast_path_reads_exactly_like_expat(
    tmp_path: Path, text: str, chunk: int, max_events: int | None, compress: bool
) -> None:
    data = text.encode("utf-8")
    path = tmp_path / "mixed.xes"
    path.write_bytes(gzip.compress(data) if compress else data)
    fast, slow, _, _ = _read_both(path, chunk, max_events=max_events)
    _assert_same(fast, slow)


# ---------------------------------------------------------------------------
# the fast path is taken on regular files


def _regular_log(n_traces: int) -> str:
    """A log shaped like road_traffic_fines.xes.gz (OpenXES export)."""
    traces = []
    for t in range(n_traces):
        events = []
        for e in range(1 + t % 3):
            amount = f'\t\t\t<float key="amount" value="{35.0 + t}"/>\n' if e == 0 else ""
            events.append(
                "\t\t<event>\n"
                f"{amount}"
                f'\t\t\t<int key="article" value="{157 + e}"/>\n'
                f'\t\t\t<string key="org:resource" value="{500 + t % 7}"/>\n'
                f'\t\t\t<date key="time:timestamp" value="2006-07-{1 + e:02d}T01:00:00.000+0{t % 3}:00"/>\n'
                '\t\t\t<string key="lifecycle:transition" value="complete"/>\n'
                f'\t\t\t<boolean key="paid" value="{"true" if t % 2 else "false"}"/>\n'
                f'\t\t\t<string key="concept:name" value="{["Create Fine", "Send Fine", "Payment"][e]}"/>\n'
                "\t\t</event>\n"
            )
        traces.append(
            f'\t<trace>\n\t\t<string key="concept:name" value="A{t}"/>\n{"".join(events)}\t</trace>\n'
        )
    return HEADER + "".join(traces) + "</log>\n"


@pytest.mark.parametrize("chunk", [1, 13, 4096, 1 << 20])
@pytest.mark.parametrize("compress", [False, True])
def test_fast_path_is_taken_on_a_regular_log(tmp_path: Path, chunk: int, compress: bool) -> None:
    data = _regular_log(300 if chunk > 1 else 40).encode()
    path = tmp_path / "fines.xes.gz"
    path.write_bytes(gzip.compress(data) if compress else data)
    fast, slow, fast_reads, fallbacks = _read_both(path, chunk)
    assert (fast_reads, fallbacks) == (1, 0)
    _assert_same(fast, slow)
    frame = fast[1]
    assert frame["case:concept:name"].iloc[0] == "A0"
    assert str(frame["time:timestamp"].dtype).endswith("UTC]")


@pytest.mark.parametrize("max_events", [1, 2, 3, 7, 50, 1000])
@pytest.mark.parametrize("chunk", [5, 300])
def test_max_events_stops_at_the_same_event(tmp_path: Path, max_events: int, chunk: int) -> None:
    path = tmp_path / "fines.xes"
    path.write_text(_regular_log(30))
    fast, slow, fast_reads, fallbacks = _read_both(path, chunk, max_events=max_events)
    assert (fast_reads, fallbacks) == (1, 0)
    _assert_same(fast, slow)
    assert len(fast[1]) == min(max_events, 60)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        # each irregularity sends the file back to expat, with the same result
        (lambda t: t.replace('value="A3"', 'value="A&amp;3"'), None),
        (lambda t: t.replace("</trace>\n", "</trace><!-- x -->\n", 1), None),
        (lambda t: t.replace("</log>\n", "</log>\n<!-- trailing -->\n"), None),
        (lambda t: t.replace('value="A3"', "value='A3'"), None),
        # and the errors expat gives, with their lines
        (lambda t: t.replace('value="A3"', 'value="A&bad;3"'), r"undefined entity at line \d+"),
        (lambda t: t.replace("</log>\n", ""), r"no element found at line \d+"),
        (lambda t: t.replace("\t\t</event>\n", "", 1), r"mismatched tag at line \d+"),
        (lambda t: t.replace("<event>", "<event><event>", 1), r"<event> inside another <event>"),
        (lambda t: t.replace('value="A3"', 'value="A\x013"'), r"not well-formed"),
        (lambda t: t.replace('value="A3"', 'value="A<3"'), r"not well-formed"),
        (lambda t: t.replace("</log>", "</log><log>"), r"junk after document element"),
        (lambda t: t.replace('"article" value="157"', '"article" value="x7"', 1), r"'x7'"),
    ],
)
def test_irregular_body_gives_what_expat_gives(tmp_path: Path, change: Any, error: Any) -> None:
    path = tmp_path / "odd.xes"
    path.write_text(change(_regular_log(20)))
    for chunk in (9, 1 << 20):
        fast, slow, _, _ = _read_both(path, chunk)
        _assert_same(fast, slow)
        if error is None:
            assert fast[0] == "frame"
        else:
            assert fast[0] == "error"
            assert pytest.importorskip("re").search(error, fast[1][1]), fast[1][1]


def test_bytes_that_are_not_utf8_give_the_expat_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.xes"
    path.write_bytes(_regular_log(5).encode().replace(b'"A3"', b'"A\xe93"'))
    fast, slow, _, fallbacks = _read_both(path, 1 << 20)
    _assert_same(fast, slow)
    assert fallbacks == 1 and fast[0] == "error" and "line" in fast[1][1]


def test_declared_latin1_stays_on_expat(tmp_path: Path) -> None:
    path = tmp_path / "latin.xes"
    text = _regular_log(5).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    path.write_bytes(text.replace('"A3"', '"A\u00e93"').encode("latin-1"))
    fast, slow, fast_reads, fallbacks = _read_both(path, 1 << 20)
    assert (fast_reads, fallbacks) == (0, 0)
    _assert_same(fast, slow)
    assert "A\u00e93" in fast[1]["case:concept:name"].tolist()


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    path = tmp_path / "fines.xes"
    path.write_text(_regular_log(300))
    seen: list[float] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xes, "_CHUNK_BYTES", 4096)
        read_xes_frame(path, _progress=seen.append)
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_too_many_distinct_segments_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "fines.xes"
    path.write_text(_regular_log(10))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xes, "_MAX_SEGMENTS", 5)
        fast, slow, fast_reads, fallbacks = _read_both(path, 1 << 20)
    assert (fast_reads, fallbacks) == (0, 1)
    _assert_same(fast, slow)


_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=[pytest.mark.slow] if name.startswith("road_traffic_f") else [])
        for name in [
            "bpic2013_closed_problems.xes.gz",
            "bpic2013_open_problems.xes.gz",
            "bpic2019_1t_per_variant.xes.gz",
            "receipt.xes.gz",
            "road_traffic_fines.xes.gz",
            "roadtraffic100traces.xes",
            "sepsis.xes.gz",
        ]
    ],
)
def test_real_logs_take_the_fast_path(name: str) -> None:
    path = _SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared data folder sits beside the checkout)")
    fast, slow, fast_reads, fallbacks = _read_both(path, 1 << 20)
    assert (fast_reads, fallbacks) == (1, 0)
    _assert_same(fast, slow)


@pytest.mark.parametrize(
    "value",
    [
        "A\ufffe3",  # characters XML forbids: expat's error
        "A\uffff3",
        "A\x003",
        "A\x013",
        "A&#0;3",
        "A&#x110000;3",
        "A&#xFFFE;3",
        "A\x7f3",  # characters XML allows, some of them not printable
        "A\x853",
        "A\u20283",
        "A\ufeff3",
        "A\U0010fffd3",
        "A\r\n3",  # line ends and tabs become spaces, unless written as references
        "A\r3",
        "A\t3",
        "A&#13;&#10;&#9;3",
        "A>3&gt;&lt;&amp;&quot;&apos;&#x20AC;",
    ],
)
@pytest.mark.parametrize("chunk", [7, 1 << 20])
def test_characters_in_values_read_as_expat_reads_them(
    tmp_path: Path, value: str, chunk: int
) -> None:
    path = tmp_path / "chars.xes"
    path.write_bytes(_regular_log(6).replace('value="A3"', f'value="{value}"').encode())
    fast, slow, _, _ = _read_both(path, chunk)
    _assert_same(fast, slow)
