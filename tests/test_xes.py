"""Tests for journeymine.io.xes: the streaming, safe XES reader."""

from __future__ import annotations

import gzip
import random
import time
import tracemalloc
import warnings
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine.errors import JourneymineWarning, LogError, ParameterError
from journeymine.io.xes import read_xes, read_xes_frame

from strategies import examples

DATA = Path(__file__).resolve().parent / "data" / "xes"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# pm4py needs 25 to 45 s for this one (journeymine about 2 s).
SLOW_LOGS = {"road_traffic_fines.xes.gz"}

CASE, ACTIVITY, TIME = "case:concept:name", "concept:name", "time:timestamp"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _xes(*traces: str, header: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'{header}<log xes.version="1.0">\n' + "\n".join(traces) + "\n</log>\n"
    )


def _event(activity: str, ts: str = "2025-01-01T10:00:00Z", extra: str = "") -> str:
    return (
        f'<event><string key="concept:name" value={quoteattr(activity)}/>'
        f'<date key="time:timestamp" value="{ts}"/>{extra}</event>'
    )


def _trace(case: str, *events: str, extra: str = "") -> str:
    return f'<trace><string key="concept:name" value={quoteattr(case)}/>{extra}{"".join(events)}</trace>'


# ---------------------------------------------------------------------------
# agreement with pm4py on the real logs in ../shared/data


def _shared_logs() -> list:
    if not SHARED.is_dir():
        reason = f"shared data folder {SHARED} not found (it sits beside the checkout)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-shared-data")]
    files = sorted(p for p in SHARED.iterdir() if p.name.endswith((".xes", ".xes.gz")))
    return [
        pytest.param(p, id=p.name, marks=[pytest.mark.slow] if p.name in SLOW_LOGS else [])
        for p in files
    ]


def _same_values(ours: pd.Series, theirs: pd.Series) -> np.ndarray:
    """Element-wise equality of one of our columns with pm4py's, missing == missing."""
    missing = ours.isna().to_numpy() & theirs.isna().to_numpy()
    if isinstance(ours.dtype, pd.DatetimeTZDtype):
        a = ours.dt.tz_convert(None).to_numpy().astype("datetime64[ns]")
        b = pd.to_datetime(theirs, utc=True).dt.tz_convert(None).to_numpy().astype("datetime64[ns]")
        return missing | (a == b)
    if pd.api.types.is_numeric_dtype(ours.dtype) or pd.api.types.is_bool_dtype(ours.dtype):
        a = ours.to_numpy(dtype="float64", na_value=np.nan)
        b = pd.to_numeric(theirs.astype(object), errors="coerce").to_numpy(dtype="float64")
        return missing | (a == b)
    same = ours.astype(object).eq(theirs.astype(object)).to_numpy(dtype=bool)
    return missing | same


@pytest.mark.parametrize("path", _shared_logs())
def test_agrees_with_pm4py(path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    ours = read_xes_frame(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.read_xes(str(path), show_progress_bar=False)

    assert len(ours) == len(theirs)
    # same case ids, row by row (both keep file order), as the same text
    assert ours[CASE].tolist() == theirs[CASE].astype(str).tolist()
    # same activity sequence per case
    ours_seq = ours.sort_values(CASE, kind="stable")[[CASE, ACTIVITY]]
    theirs_seq = theirs.astype({CASE: str}).sort_values(CASE, kind="stable")[[CASE, ACTIVITY]]
    assert (ours_seq.to_numpy() == theirs_seq.to_numpy()).all()
    # same instants, time-zone aware, in UTC
    assert str(ours[TIME].dt.tz) == "UTC"
    assert _same_values(ours[TIME], theirs[TIME]).all()
    # every other attribute too, with our stricter types (Int64, boolean)
    assert set(ours.columns) == set(theirs.columns)
    for column in ours.columns:
        same = _same_values(ours[column], theirs[column])
        assert same.all(), f"{column}: {np.flatnonzero(~same)[:5]}"


# ---------------------------------------------------------------------------
# hostile input: never expand entities, never read local files


def _passwd_lines() -> list[str]:
    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        return []
    return [line for line in passwd.read_text(errors="replace").splitlines() if len(line) > 8]


@pytest.mark.parametrize(
    "name", ["xxe.xes", "xxe_parameter_entity.xes", "external_dtd.xes", "billion_laughs.xes"]
)
def test_refuses_dtd_and_entities(name: str) -> None:
    path = DATA / name
    start = time.perf_counter()
    with pytest.raises(LogError, match=r"declares a DTD/entities.*remove the DOCTYPE") as info:
        read_xes_frame(path)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert name in message and "line 2" in message
    assert info.value.path == str(path)
    assert not any(line in message for line in _passwd_lines())


def test_billion_laughs_fails_fast_even_when_gzipped(tmp_path: Path) -> None:
    path = tmp_path / "laughs.xes.gz"
    path.write_bytes(gzip.compress((DATA / "billion_laughs.xes").read_bytes()))
    start = time.perf_counter()
    with pytest.raises(LogError, match="refuses to expand"):
        read_xes_frame(path)
    assert time.perf_counter() - start < 1.0


def test_refuses_dtd_in_utf16_file(tmp_path: Path) -> None:
    # a byte scan for "<!DOCTYPE" would miss this; the XML parser does not
    text = (DATA / "xxe.xes").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "xxe16.xes"
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(LogError, match="refuses to expand"):
        read_xes_frame(path)


def test_read_xes_refuses_xxe() -> None:
    with pytest.raises(LogError, match="DOCTYPE") as info:
        read_xes(DATA / "xxe.xes")
    assert not any(line in str(info.value) for line in _passwd_lines())


def test_undeclared_entity_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "entity.xes", _xes(_trace("c1", _event("&xxe;"))))
    path.write_text(path.read_text().replace("&amp;xxe;", "&xxe;"))
    with pytest.raises(LogError, match=r"undefined entity at line 3"):
        read_xes_frame(path)


def test_skipped_content_keeps_memory_bounded(tmp_path: Path) -> None:
    # 50,000 nested log attributes (12 MB of XML) around a single event
    path = tmp_path / "big.xes"
    filler = "x" * 200
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<log>\n<string key="meta" value="m">\n')
        f.writelines(f'<string key="k{i}" value="{filler}"/>\n' for i in range(50_000))
        f.write("</string>\n")
        f.write(_trace("c1", _event("ad")) + "\n</log>\n")
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        frame = read_xes_frame(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(frame) == 1
    assert peak < 8_000_000


# ---------------------------------------------------------------------------
# broken files: say what, where and how to fix


def test_truncated_file_names_file_and_line() -> None:
    with pytest.raises(LogError, match=r"truncated\.xes.*not well-formed XML.*line 9") as info:
        read_xes_frame(DATA / "truncated.xes")
    assert info.value.path == str(DATA / "truncated.xes")


def test_random_bytes_named_gz(tmp_path: Path) -> None:
    noise = random.Random(0).randbytes(4096)
    assert noise[:2] != b"\x1f\x8b"
    path = tmp_path / "noise.xes.gz"
    path.write_bytes(noise)
    with pytest.raises(LogError, match=r"noise\.xes\.gz.*not a valid gzip or XES file"):
        read_xes_frame(path)


@pytest.mark.parametrize("compress", [False, True])
def test_random_bytes_named_xes(tmp_path: Path, compress: bool) -> None:
    noise = random.Random(2).randbytes(4096)
    path = tmp_path / "noise.xes"
    path.write_bytes(gzip.compress(noise) if compress else noise)
    with pytest.raises(
        LogError, match=r"noise\.xes' is not a valid XES file: .*is not an XML document"
    ):
        read_xes_frame(path)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated-gzip"),
        pytest.param(lambda b: b[:10] + random.Random(1).randbytes(len(b) - 10), id="corrupt-gzip"),
    ],
)
def test_broken_gzip(tmp_path: Path, damage) -> None:
    path = tmp_path / "broken.xes.gz"
    path.write_bytes(damage(gzip.compress((DATA / "types.xes").read_bytes())))
    with pytest.raises(LogError, match=r"broken\.xes\.gz.*not a valid gzip file"):
        read_xes_frame(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("", r"not a valid XES file: it is empty \(0 bytes\)", id="empty-file"),
        pytest.param(
            "<?xml version='1.0'?>\n<!-- nothing else -->\n",
            r"not a valid XES file: it is not an XML document \(no element found at line 3",
            id="no-element",
        ),
        pytest.param(
            "<html><body/></html>",
            r"not an XES event log: its root element is <html>",
            id="not-xes",
        ),
        pytest.param(
            _xes("<trace><event><event/></event></trace>"),
            r"<event> inside another <event> at line 3",
            id="nested-event",
        ),
        pytest.param(
            _xes("<trace><trace/></trace>"),
            r"<trace> inside another <trace> at line 3",
            id="nested-trace",
        ),
        pytest.param(
            _xes('<trace><event><string value="x"/></event></trace>'),
            r"<string> attribute without a 'key' at line 3",
            id="no-key",
        ),
    ],
)
def test_malformed(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path / "bad.xes", text)
    with pytest.raises(LogError, match=match):
        read_xes_frame(path)


def test_no_events() -> None:
    with pytest.raises(
        LogError, match=r"no_events\.xes.*contains no events \(1 traces, 0 events\)"
    ):
        read_xes_frame(DATA / "no_events.xes")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LogError, match=r"File .*nowhere\.xes.* not found") as info:
        read_xes_frame(tmp_path / "nowhere.xes")
    assert info.value.path == str(tmp_path / "nowhere.xes")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="is a folder, not a file"):
        read_xes_frame(tmp_path)


@pytest.mark.parametrize(
    ("tag", "value", "column"),
    [
        ("int", "1.5", "n"),
        ("int", "many", "n"),
        ("float", "1,5", "n"),
        ("date", "yesterday", "n"),
        ("boolean", "yes", "n"),
    ],
)
def test_unparseable_value(tmp_path: Path, tag: str, value: str, column: str) -> None:
    good = _event("ad", extra=f'<{tag} key="n" value="{"1" if tag != "date" else "2025-01-01"}"/>')
    if tag == "boolean":
        good = _event("ad", extra='<boolean key="n" value="true"/>')
    bad = _event("buy", extra=f'<{tag} key="n" value="{value}"/>')
    path = _write(tmp_path / "values.xes", _xes(_trace("c1", good, bad)))
    with pytest.raises(
        LogError, match=rf"<{tag} key='n'> value\(s\) cannot be parsed.*{value!r}.*events 1 "
    ) as info:
        read_xes_frame(path)
    assert info.value.column == column
    assert info.value.rows == [1]


def test_unparseable_trace_value_names_the_case_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "t.xes", _xes(_trace("c1", _event("ad"), extra='<int key="age" value="old"/>'))
    )
    with pytest.raises(LogError, match=r"in traces 0") as info:
        read_xes_frame(path)
    assert info.value.column == "case:age"


def test_bad_value_in_key_with_several_types_names_the_event(tmp_path: Path) -> None:
    events = [
        _event("a", extra='<string key="x" value="one"/>'),
        _event("b", extra='<int key="x" value="2"/>'),
        _event("c", extra='<int key="x" value="three"/>'),
    ]
    path = _write(tmp_path / "mixed.xes", _xes(_trace("c1", *events)))
    with pytest.raises(LogError, match=r"'three'.*in events 2 ") as info:
        read_xes_frame(path)
    assert info.value.rows == [2]


# ---------------------------------------------------------------------------
# parameters


@pytest.mark.parametrize("max_events", [0, -1, 1.5, True, "3"])
def test_bad_max_events(max_events: object) -> None:
    with pytest.raises(
        ParameterError, match=r"The 'max_events' parameter of read_xes_frame\(\) must be"
    ):
        read_xes_frame(DATA / "types.xes", max_events=max_events)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", [123, b"log.xes", None])
def test_bad_path(path: object) -> None:
    with pytest.raises(ParameterError, match=r"The 'path' parameter of read_xes_frame\(\) must be"):
        read_xes_frame(path)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# what comes out


def test_attribute_types() -> None:
    df = read_xes_frame(DATA / "types.xes")
    assert list(df.columns) == [
        ACTIVITY,
        TIME,
        "items",
        "amount",
        "member",
        "session",
        "org:resource",
        CASE,
        "case:age",
    ]
    assert df[CASE].tolist() == ["NA", "NA", "null"]  # never turned into missing values
    assert df[ACTIVITY].tolist() == ["visit & browse", "buy", "visit"]
    assert str(df[TIME].dtype).startswith("datetime64") and str(df[TIME].dt.tz) == "UTC"
    assert df[TIME].tolist() == [
        pd.Timestamp("2025-01-01 09:00", tz="UTC"),  # +01:00 converted to UTC
        pd.Timestamp("2025-01-01 08:30", tz="UTC"),  # Z
        pd.Timestamp("2025-01-02 10:00", tz="UTC"),  # naive: taken as UTC, as pm4py does
    ]
    assert df["items"].dtype == "Int64" and df["items"].tolist() == [2, pd.NA, -3]
    assert df["amount"].dtype == "float64"
    assert df["amount"].tolist()[:2] == [19.5, 150.0] and np.isnan(df["amount"].iloc[2])
    assert df["member"].dtype == "boolean" and df["member"].tolist() == [True, False, pd.NA]
    assert df["session"].iloc[0] == "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert df["case:age"].dtype == "Int64" and df["case:age"].tolist() == [41, 41, pd.NA]
    # <global> defaults are not filled in (as pm4py); nested attributes and lists skipped
    assert df["org:resource"].iloc[0] == "web" and df["org:resource"].iloc[1:].isna().all()
    assert not {"tags", "tag", "nested", "log-level", "case:log-level"} & set(df.columns)
    assert isinstance(df.index, pd.RangeIndex)


def test_namespaced_elements() -> None:
    df = read_xes_frame(DATA / "namespaced.xes")
    assert df[CASE].tolist() == ["c1", "c1"]
    assert df[ACTIVITY].tolist() == ["ad", "buy"]


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz", "log.gz.xml"])
@pytest.mark.parametrize("compress", [False, True])
def test_gzip_detected_by_content(tmp_path: Path, name: str, compress: bool) -> None:
    data = (DATA / "types.xes").read_bytes()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    df = read_xes_frame(path)
    assert df[CASE].tolist() == ["NA", "NA", "null"]


@pytest.mark.parametrize("max_events", [1, 2, 3, 100])
def test_max_events(max_events: int) -> None:
    df = read_xes_frame(DATA / "types.xes", max_events=max_events)
    assert len(df) == min(max_events, 3)
    assert df[CASE].tolist() == ["NA", "NA", "null"][:max_events]


def test_repeated_key_last_wins(tmp_path: Path) -> None:
    event = _event(
        "ad", extra='<string key="org:resource" value="a"/><string key="org:resource" value="b"/>'
    )
    path = _write(tmp_path / "repeat.xes", _xes(_trace("c1", event, _event("buy"))))
    assert read_xes_frame(path)["org:resource"].tolist()[0] == "b"


def test_key_with_several_types_is_object(tmp_path: Path) -> None:
    events = [
        _event("a", extra='<int key="x" value="1"/>'),
        _event("b", extra='<string key="x" value="one"/>'),
        _event("c"),
    ]
    path = _write(tmp_path / "mixed.xes", _xes(_trace("c1", *events)))
    x = read_xes_frame(path)["x"]
    assert x.dtype == object
    assert x.tolist()[:2] == [1, "one"] and pd.isna(x.iloc[2])


def test_attribute_without_value_is_missing(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "novalue.xes",
        _xes(
            _trace(
                "c1",
                _event("a", extra='<int key="x"/>'),
                _event("b", extra='<int key="x" value="2"/>'),
            )
        ),
    )
    assert read_xes_frame(path)["x"].tolist() == [pd.NA, 2]


def test_trace_attribute_after_events_and_case_prefixed_event_key(tmp_path: Path) -> None:
    trace = (
        '<trace><event><string key="concept:name" value="a"/><string key="case:channel" value="web"/></event>'
        '<string key="concept:name" value="c1"/><string key="channel" value="shop"/></trace>'
    )
    other = _trace(
        "c2",
        '<event><string key="concept:name" value="b"/><string key="case:channel" value="app"/></event>',
    )
    df = read_xes_frame(_write(tmp_path / "late.xes", _xes(trace, other)))
    assert df[CASE].tolist() == ["c1", "c2"]
    # the trace attribute wins where the trace has it, as in pm4py
    assert df["case:channel"].tolist() == ["shop", "app"]


def test_events_outside_traces_are_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "loose.xes", _xes(_trace("c1", _event("a")), _event("stray")))
    df = read_xes_frame(path)
    assert df[ACTIVITY].tolist() == ["a", "stray"]
    assert df[CASE].iloc[0] == "c1" and pd.isna(df[CASE].iloc[1])
    with pytest.raises(LogError, match=r"loose\.xes.*no case id"):
        read_xes(path)  # reported, not dropped
    with pytest.warns(JourneymineWarning, match="rejected"):
        log = read_xes(path, on_error="collect")
    assert log.n_events == 1 and len(log.rejected) == 1


# ---------------------------------------------------------------------------
# read_xes -> JourneyLog


def test_read_xes_keeps_case_na() -> None:
    log = read_xes(DATA / "types.xes")
    assert log.n_events == 3
    assert log.n_cases == 2
    assert sorted(map(str, log.cases)) == ["NA", "null"]
    assert sorted(log.activities) == ["buy", "visit", "visit & browse"]
    events = log.to_pandas()
    assert events[CASE].tolist() == ["NA", "NA", "null"]
    assert events[ACTIVITY].tolist() == ["buy", "visit & browse", "visit"]  # sorted by time


def test_read_xes_errors_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "nocase.xes", _xes("<trace>" + _event("a") + "</trace>"))
    with pytest.raises(LogError, match=r"case:concept:name.*nocase\.xes"):
        read_xes(path)


# ---------------------------------------------------------------------------
# property: whatever text we write, we read back exactly

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cases=st.lists(
        st.tuples(
            st.one_of(_TEXT, st.sampled_from(["NA", "null", "NaN", "None", "0", " 1 "])),
            st.lists(st.tuples(_TEXT, st.integers(0, 10**9)), min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_round_trip(tmp_path: Path, cases: list[tuple[str, list[tuple[str, int]]]]) -> None:
    base = pd.Timestamp("2000-01-01", tz="UTC")
    traces = [
        _trace(
            case, *(_event(act, (base + pd.Timedelta(seconds=s)).isoformat()) for act, s in events)
        )
        for case, events in cases
    ]
    path = tmp_path / "round.xes"
    path.write_text(_xes(*traces), encoding="utf-8")
    df = read_xes_frame(path)
    assert df[CASE].tolist() == [case for case, events in cases for _ in events]
    assert df[ACTIVITY].tolist() == [act for _, events in cases for act, _ in events]
    expected = [base + pd.Timedelta(seconds=s) for _, events in cases for _, s in events]
    assert df[TIME].tolist() == expected
