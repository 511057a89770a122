"""Hostile and malformed inputs: every one ends in a correct log or a clear error.

One test per file of the corpus in ``tests/data/bad/`` (made by
``scripts/make_bad_corpus.py``): an invalid input must raise a
:class:`journeymine.JourneymineError` whose message says what is wrong, where
(the file, and rows or lines) and how to fix it; a valid but tricky input
must give the exact log. Big inputs are built from numpy at run time.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import re
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import (
    JourneymineError,
    JourneymineWarning,
    LogError,
    ModelError,
    ParameterError,
)

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
SRC = ROOT / "src" / "journeymine"
CSV_COLUMNS = {"case": "customer", "activity": "touchpoint", "timestamp": "ts"}
HOSTILE_XML_SECONDS = 1.0  # generous for a loaded CI machine; a safe parser takes ~1 ms


def _corpus_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_bad_corpus", ROOT / "scripts" / "make_bad_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str, **kwargs: Any) -> Any:
    """Read a corpus file with the reader its name calls for."""
    path = BAD / name
    if ".csv" in name:
        return jm.read_csv(path, **{**CSV_COLUMNS, **kwargs})
    if name.endswith(".parquet"):
        return jm.read_parquet(path, **{**CSV_COLUMNS, **kwargs})
    if ".xes" in name:
        return jm.read_xes(path, **kwargs)
    if name.endswith(".yaml"):
        from_yaml = getattr(jm.JourneyModel, "from_yaml", None)
        if from_yaml is None:  # pragma: no cover - the model loader is not there yet
            pytest.skip("JourneyModel.from_yaml is not available yet")
        return from_yaml(path)
    raise AssertionError(f"no reader for {name}")


def quiet_read(name: str, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return read(name, **kwargs)


# ---------------------------------------------------------------------------
# the corpus itself


def test_corpus_is_current_and_small():
    files = _corpus_script().corpus()
    on_disk = {p.name for p in BAD.iterdir() if p.is_file()}
    assert on_disk == set(files), "run python scripts/make_bad_corpus.py"
    for name, data in files.items():
        assert (BAD / name).read_bytes() == data, f"{name} is stale: run scripts/make_bad_corpus.py"
    assert sum(len(d) for d in files.values()) < 500_000


def test_every_corpus_file_has_a_test():
    tested = {case[0] for case in ERRORS} | {case[0] for case in VALID} | WAITING_FOR_FIXES
    tested |= {case[0] for case in WARNS} | MODELS
    assert {p.name for p in BAD.iterdir()} - tested == set()


# ---------------------------------------------------------------------------
# invalid inputs: class and message (what, where, how to fix)

_DTD = ["declares a DTD", "line 2", "refuses", "remove the DOCTYPE"]
_NOT_XML = r"not (an |a )?(well-formed )?XML"
_PARQUET = ["could not be read as Parquet", "magic bytes", "really Parquet"]

# (file, reader keywords, exception class, regexes the message must all match)
ERRORS: list[tuple[str, dict[str, Any], type[Exception], list[str]]] = [
    (
        "span_over_292_years.csv",
        {},
        LogError,
        ["1 case in .*span_over_292_years.csv spans more than 292 years", "case 'c1'"]
        + ["1678-01-01 00:00:00 to 2261-12-31", "placeholders", 'on_error="collect"'],
    ),
    ("empty.csv", {}, LogError, ["is empty", "no header and no rows"]),
    ("blank_lines_only.csv", {}, LogError, ["is empty", "no header and no rows"]),
    ("header_only.csv", {}, LogError, [r"columns \['customer', 'touchpoint', 'ts'\] but no rows"]),
    (
        "semicolon_separated.csv",
        {},
        LogError,
        ["single column", "separator looks like ';'", "Pass sep=';'"],
    ),
    ("tab_separated.csv", {}, LogError, [r"separator looks like '\\t'", r"Pass sep='\\t'"]),
    ("duplicate_columns.csv", {}, LogError, [r"Duplicate column names", r"\['ts'\]", "rename"]),
    (
        "missing_timestamp_column.csv",
        {},
        LogError,
        [
            r"Column 'ts' \(the timestamp column\) not found",
            r"Columns in data: \['customer', 'touchpoint'\]",
            "Pass timestamp=",
        ],
    ),
    (
        "misspelled_columns.csv",
        {},
        LogError,
        [r"Column 'customer' \(the case column\) not found", "Did you mean case='customer_id'"],
    ),
    (
        "misspelled_columns.csv",
        {"case": "customer_id", "activity": "touchpoint"},
        LogError,
        ["the activity column", "Did you mean activity='touch_point'"],
    ),
    (
        "misspelled_columns.csv",
        {"case": "customer_id", "activity": "touch_point", "timestamp": "tmestamp"},
        LogError,
        ["the timestamp column", "Did you mean timestamp='timestamp'"],
    ),
    ("padded_header.csv", {}, LogError, ["Did you mean case='customer '"]),
    (
        "ragged_rows.csv",
        {},
        LogError,
        ["could not be parsed as CSV", "Expected 3 fields in line 3, saw 5", r"sep="],
    ),
    (
        "unterminated_quote.csv",
        {},
        LogError,
        ["could not be parsed as CSV", "EOF inside string", "quoting"],
    ),
    (
        "short_rows.csv",
        {},
        LogError,
        ["1 event", "has no timestamp", r"row 1 \(file line 3\)", 'on_error="collect"'],
    ),
    # rows span several lines / blank lines are skipped: the row number is exact, no line number
    (
        "blank_lines_between_rows.csv",
        {},
        LogError,
        ["cannot be parsed", r"'not a date'", r"row 2, column 'ts'"],
    ),
    (
        "quoted_newlines.csv",
        {},
        LogError,
        ["cannot be parsed", r"'not a date'", r"row 2, column 'ts'"],
    ),
    (
        "latin1.csv",
        {},
        LogError,
        [
            "not valid text in the 'utf-8' encoding",
            "byte 29",
            r"\(line 2\)",
            "encoding=",
            "latin-1",
        ],
    ),
    (
        "bom_utf16.csv",
        {},
        LogError,
        ["not valid text", "UTF-16 byte-order mark", "pass encoding='utf-16'"],
    ),
    (
        "unparseable_timestamps.csv",
        {},
        LogError,
        [
            "2 events",
            "cannot be parsed",
            "'yesterday'",
            r"rows 1, 2 \(file lines 3, 4\)",
            "column 'ts'",
            "timestamp_format=",
        ],
    ),
    (
        "null_timestamps.csv",
        {},
        LogError,
        ["1 event", "has no timestamp", r"row 1 \(file line 3\)", "Drop or fill"],
    ),
    (
        "mixed_time_zones.csv",
        {},
        LogError,
        [r"mixes time-zone-aware \(2\) and naive \(1\)", r"row 1 \(file line 3\)", r"\+00:00"],
    ),
    ("epoch_seconds.csv", {}, LogError, ["holds numbers, not dates", "timestamp_format='s'"]),
    ("yyyymmdd_integers.csv", {}, LogError, ["holds numbers", "timestamp_format='%Y%m%d'"]),
    (
        "day_first_dates.csv",
        {},
        LogError,
        ["3 events", "cannot be parsed", "'31/01/2025 10:00'", "timestamp_format="],
    ),
    (
        "day_first_dates.csv",
        {"timestamp_format": "%Q"},
        ParameterError,
        ["timestamp_format='%Q'", "bad directive", "strftime format"],
    ),
    (
        "out_of_range_timestamps.csv",
        {},
        LogError,
        ["2 events", "'3000-01-01'", r"rows 1, 2 \(file lines 3, 4\)"],
    ),
    (
        "null_case_ids.csv",
        {},
        LogError,
        [
            "2 events",
            "have no case id",
            r"rows 1, 2 \(file lines 3, 4\)",
            "column 'customer'",
            'on_error="collect"',
        ],
    ),
    (
        "null_activities.csv",
        {},
        LogError,
        ["1 event", "has no activity", r"row 1 \(file line 3\)", "column 'touchpoint'"],
    ),
    (
        "many_problems.csv",
        {},
        LogError,
        ["2 events", "no case id", r"rows 1, 5 \(file lines 3, 7\)"],
    ),
    ("all_rows_bad.csv", {}, LogError, ["2 events", "no case id"]),
    (
        "all_rows_bad.csv",
        {"on_error": "collect"},
        LogError,
        ["All 2 rows", "rejected", "no event is left"],
    ),
    (
        "random_bytes.csv",
        {},
        LogError,
        ["not valid text", r"byte \d+ \(line 1\)", "encoding=", "not a CSV file"],
    ),
    (
        "random_bytes.csv.gz",
        {},
        LogError,
        ["could not be read as CSV", "Not a gzipped file", "truncated"],
    ),
    ("random_gzip_payload.csv.gz", {}, LogError, ["not valid text", "encoding="]),
    ("truncated.csv.gz", {}, LogError, ["could not be read as CSV", "end-of-stream", "truncated"]),
    (
        "two_files.csv.zip",
        {},
        LogError,
        ["could not be read as CSV", "Multiple files found in ZIP"],
    ),
    ("random_bytes.parquet", {}, LogError, _PARQUET),
    ("truncated_magic.parquet", {}, LogError, _PARQUET),
    ("random_bytes.xes", {}, LogError, [_NOT_XML, "line 1, column 1", "Check that this is an XES"]),
    ("random_bytes.xes.gz", {}, LogError, ["gzip", "1f 8b", _NOT_XML]),
    ("random_gzip_payload.xes.gz", {}, LogError, [_NOT_XML, "line 1"]),
    ("truncated.xes.gz", {}, LogError, ["not a valid gzip file", "truncated or corrupted"]),
    ("truncated.xes", {}, LogError, [_NOT_XML, "unclosed token at line 10", "truncated"]),
    ("unknown_encoding.xes", {}, LogError, ["unknown_encoding.xes", "TF-8", "encoding"]),
    (
        "not_xes_root.xes",
        {},
        LogError,
        ["not an XES event log", "<html>", r"\(line 2\)", "expected <log>"],
    ),
    ("undeclared_entity.xes", {}, LogError, [_NOT_XML, "undefined entity at line 6"]),
    ("doctype.xes", {}, LogError, _DTD),
    ("xxe.xes", {}, LogError, _DTD),
    ("xxe_parameter_entity.xes", {}, LogError, _DTD),
    ("xxe_external_dtd.xes", {}, LogError, _DTD),
    ("billion_laughs.xes", {}, LogError, _DTD),
    (
        "bad_xes_date.xes",
        {},
        LogError,
        ["cannot be parsed as date", "'the day after'", "events 1", "Fix those values"],
    ),
    (
        "xes_missing_case.xes",
        {},
        LogError,
        ["1 event", "no case id", "row 2", "'case:concept:name'"],
    ),
    (
        "model_python_tag.yaml",
        {},
        ModelError,
        ["Python tag at line 1", "never build Python objects", "remove the tag"],
    ),
    ("model_python_name.yaml", {}, ModelError, ["Python tag at line 1", "remove the tag"]),
    (
        "model_alias_bomb.yaml",
        {},
        ModelError,
        ["more than 200,000 nodes", "alias bomb", "without nested aliases"],
    ),
    (
        "model_unknown_stage.yaml",
        {},
        ModelError,
        [
            "'buy'",
            "stage 'Purchse'",
            r"not in stages=\['Awareness', 'Purchase'\]",
            "fix the mapping",
        ],
    ),
    (
        "model_unknown_loop_stage.yaml",
        {},
        ModelError,
        ["Loop", "stage 'Retention'", "not in stages"],
    ),
    ("model_not_a_mapping.yaml", {}, ModelError, ["must be a mapping", "got a list"]),
    ("model_invalid_yaml.yaml", {}, ModelError, ["not valid YAML at line 2", "Fix the syntax"]),
    (
        "model_duplicate_key.yaml",
        {},
        ModelError,
        ["repeats the key 'stages'", "lines 1 and 3", "List it once"],
    ),
    (
        "out_of_range_timestamps.csv",
        {"on_error": "raise"},
        LogError,
        ["2 events", "out of range", r"outside 1677-09-21 \.\. 2262-04-11", 'on_error="collect"'],
    ),
    ("null_case_ids.csv", {"chunksize": 1}, ParameterError, ["chunksize=1", "whole file", "Dask"]),
    ("null_case_ids.csv", {"iterator": True}, ParameterError, ["iterator=True", "whole file"]),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "patterns"),
    ERRORS,
    ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}".rstrip("-") for c in ERRORS],
)
def test_bad_file_gives_clear_error(name, kwargs, error, patterns):
    with pytest.raises(error) as info:
        quiet_read(name, **kwargs)
    message = str(info.value)
    assert isinstance(info.value, JourneymineError)
    if error is not ParameterError:  # where: the file is named
        assert name in message, message
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    if isinstance(info.value, LogError):
        assert info.value.path is not None and info.value.path.endswith(name)


def test_file_lines_are_never_wrong():
    """Row r is on file line r + 2 only if rows are one line each: otherwise no line is given."""
    for name in ("blank_lines_between_rows.csv", "quoted_newlines.csv"):
        with pytest.raises(LogError, match=r"row 2, column") as info:
            read(name)
        assert "file line" not in str(info.value)
        assert info.value.rows == [2]


def test_crlf_file_lines(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"customer,touchpoint,ts\r\nc1,ad,2025-01-01\r\nc1,visit,soon\r\n")
    with pytest.raises(LogError, match=r"row 1 \(file line 3\)"):
        jm.read_csv(path, **CSV_COLUMNS)


# ---------------------------------------------------------------------------
# valid but tricky inputs: the exact result

ABC = ["ad", "buy", "visit"]

# (file, reader keywords, n_events, n_cases, activities, cases or None, n_rejected)
VALID: list[tuple[str, dict[str, Any], int, int, list[str], list[str] | None, int]] = [
    ("semicolon_separated.csv", {"sep": ";"}, 4, 2, ABC, ["c1", "c2"], 0),
    ("tab_separated.csv", {"sep": "\t"}, 4, 2, ABC, ["c1", "c2"], 0),
    (
        "misspelled_columns.csv",
        {"case": "customer_id", "activity": "touch_point", "timestamp": "timestamp"},
        4,
        2,
        ABC,
        None,
        0,
    ),
    ("padded_header.csv", {"case": "customer ", "timestamp": " ts"}, 4, 2, ABC, None, 0),
    ("trailing_empty_columns.csv", {}, 4, 2, ABC, ["c1", "c2"], 0),
    ("crlf_line_endings.csv", {}, 4, 2, ABC, ["c1", "c2"], 0),
    ("short_rows.csv", {"on_error": "collect"}, 2, 2, ["ad"], ["c1", "c2"], 1),
    ("blank_lines_between_rows.csv", {"on_error": "collect"}, 2, 1, ["ad", "visit"], ["c1"], 1),
    ("quoted_newlines.csv", {"on_error": "collect"}, 2, 1, ["multi\nline ad", "visit"], ["c1"], 1),
    ("latin1.csv", {"encoding": "latin-1"}, 2, 1, ["café", "señal"], ["c1"], 0),
    ("bom_utf8.csv", {}, 4, 2, ABC, ["c1", "c2"], 0),
    ("bom_utf16.csv", {"encoding": "utf-16"}, 4, 2, ABC, ["c1", "c2"], 0),
    ("nul_bytes.csv", {}, 2, 1, ["ad\x00", "visit"], ["c1"], 0),  # kept as written
    ("unparseable_timestamps.csv", {"on_error": "collect"}, 2, 2, ["ad", "buy"], ["c1", "c2"], 2),
    ("null_timestamps.csv", {"on_error": "collect"}, 2, 2, ["ad"], ["c1", "c2"], 1),
    ("aware_time_zones.csv", {}, 3, 2, ["ad", "visit"], ["c1", "c2"], 0),
    ("epoch_seconds.csv", {"timestamp_format": "s"}, 3, 2, ["ad", "buy"], ["c1", "c2"], 0),
    ("yyyymmdd_integers.csv", {"timestamp_format": "%Y%m%d"}, 3, 2, ["ad", "buy"], ["c1", "c2"], 0),
    (
        "day_first_dates.csv",
        {"timestamp_format": "%d/%m/%Y %H:%M"},
        3,
        2,
        ["ad", "buy"],
        ["c1", "c2"],
        0,
    ),
    ("out_of_range_timestamps.csv", {"on_error": "collect"}, 2, 2, ["ad", "buy"], ["c1", "c2"], 2),
    ("null_case_ids.csv", {"on_error": "collect"}, 1, 1, ["ad"], ["c1"], 2),
    ("null_activities.csv", {"on_error": "collect"}, 2, 2, ["ad"], ["c1", "c2"], 1),
    ("numeric_case_ids.csv", {}, 4, 3, ["ad", "buy"], ["001", "1", "2.0"], 0),
    (
        "na_like_case_ids.csv",
        {},
        9,
        9,
        ["ad"],
        ["#N/A", "-", "N/A", "NA", "NULL", "NaN", "None", "nan", "null"],
        0,
    ),
    ("duplicate_events.csv", {}, 5, 1, ["ad", "buy"], ["c1"], 0),
    (
        "unicode_activities.csv",
        {},
        7,
        2,
        sorted(
            [
                "Anuncio en televisión",
                "浏览商品",
                "🛒 add to cart",
                "Zahlung ✓",
                "comma, inside",
                'quote "inside"',
                "עברית",
            ]
        ),
        ["c1", "c2"],
        0,
    ),
    (
        "long_activity_names.csv",
        {},
        3,
        1,
        ["A" * 10_000, "B" * 10_000 + " é", "x" * 50_000],
        ["c1"],
        0,
    ),
    ("many_problems.csv", {"on_error": "collect"}, 2, 2, ["ad"], ["c1", "c3"], 5),
    ("valid.csv.gz", {}, 4, 2, ABC, ["c1", "c2"], 0),
    ("valid.xes.gz", {}, 3, 2, ["ad", "buy"], ["c1", "c2"], 0),
    ("xes_missing_case.xes", {"on_error": "collect"}, 2, 1, ["ad", "buy"], ["c1"], 1),
    ("xes_na_case.xes", {}, 3, 2, ["ad", "buy"], ["NA", "null"], 0),
    ("epoch_nanoseconds.csv", {"timestamp_format": "ns"}, 4, 2, ABC, ["c1", "c2"], 0),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "n_events", "n_cases", "activities", "cases", "n_rejected"),
    VALID,
    ids=[f"{c[0]}-{'-'.join(f'{k}={v!r}' for k, v in c[1].items())}".rstrip("-") for c in VALID],
)
def test_tricky_file_gives_exact_log(
    name, kwargs, n_events, n_cases, activities, cases, n_rejected
):
    log = quiet_read(name, **kwargs)
    assert isinstance(log, jm.JourneyLog)
    assert (log.n_events, log.n_cases, len(log.rejected)) == (n_events, n_cases, n_rejected)
    assert log.activities == activities
    if cases is not None:
        assert log.cases.tolist() == cases
        assert all(isinstance(c, str) for c in log.cases)


def test_bom_is_stripped_from_the_first_column():
    assert read("bom_utf8.csv").columns == ["customer", "touchpoint", "ts"]


def test_time_zones_are_converted_to_utc():
    log = read("aware_time_zones.csv")
    df = log.to_pandas()
    assert df["touchpoint"].tolist() == ["ad", "visit", "ad"]
    assert df["ts"].tolist() == [
        pd.Timestamp("2025-01-01 09:00", tz="UTC"),
        pd.Timestamp("2025-01-01 09:30", tz="UTC"),
        pd.Timestamp("2025-01-02 14:00", tz="UTC"),
    ]


def test_epoch_seconds_are_utc():
    log = read("epoch_seconds.csv", timestamp_format="s")
    assert log.timestamps().iloc[0] == pd.Timestamp("2025-01-01 10:00", tz="UTC")


def test_duplicate_events_are_kept_and_counted():
    # issue 13 item 6: kept, but said, with the count and the call that drops them
    with pytest.warns(JourneymineWarning, match=r"3 events .* repeat .*dedupe=True"):
        log = read("duplicate_events.csv")
    edges = jm.discover(log).edges.set_index(["source", "target"])["events"]
    assert edges.to_dict() == {("ad", "ad"): 2, ("ad", "buy"): 1, ("buy", "buy"): 1}


def test_many_problems_each_row_has_its_reason():
    log = quiet_read("many_problems.csv", on_error="collect")
    assert log.rejected["reason"].to_dict() == {
        1: "missing case id in column 'customer'",
        2: "missing activity in column 'touchpoint'",
        3: "unparseable timestamp in column 'ts'",
        4: "missing timestamp in column 'ts'",
        5: "missing case id in column 'customer'",
    }
    assert sorted(log.rows.tolist()) == [0, 6]


# ---------------------------------------------------------------------------
# on_error="collect": nothing lost


def _csv_records(path: Path, kwargs: dict[str, Any]) -> int:
    """Data rows of a CSV file, counted with the csv module (not pandas), blank lines skipped."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding=kwargs.get("encoding", "utf-8-sig"), newline="") as f:
        text = f.read()
    records = [r for r in csv.reader(io.StringIO(text), delimiter=kwargs.get("sep", ",")) if r]
    return len(records) - 1


# keywords a file needs to be read at all; files that fail even with collect are listed apart
CSV_OPTIONS: dict[str, dict[str, Any]] = {
    "semicolon_separated.csv": {"sep": ";"},
    "tab_separated.csv": {"sep": "\t"},
    "misspelled_columns.csv": {
        "case": "customer_id",
        "activity": "touch_point",
        "timestamp": "timestamp",
    },
    "padded_header.csv": {"case": "customer ", "timestamp": " ts"},
    "latin1.csv": {"encoding": "latin-1"},
    "bom_utf16.csv": {"encoding": "utf-16"},
    "epoch_seconds.csv": {"timestamp_format": "s"},
    "yyyymmdd_integers.csv": {"timestamp_format": "%Y%m%d"},
    "day_first_dates.csv": {"timestamp_format": "%d/%m/%Y %H:%M"},
    "epoch_nanoseconds.csv": {"timestamp_format": "ns"},
}
CSV_FAILS_EVEN_WITH_COLLECT = {
    "empty.csv",
    "span_over_292_years.csv",  # a whole case: fixed at the source, not per row
    "blank_lines_only.csv",
    "header_only.csv",
    "duplicate_columns.csv",
    "missing_timestamp_column.csv",
    "ragged_rows.csv",
    "unterminated_quote.csv",
    "mixed_time_zones.csv",
    "all_rows_bad.csv",
    "random_bytes.csv",
    "random_bytes.csv.gz",
    "random_gzip_payload.csv.gz",
    "truncated.csv.gz",
    "two_files.csv.zip",
}
CSV_FILES = sorted(p.name for p in BAD.iterdir() if ".csv" in p.name)


@pytest.mark.parametrize("name", CSV_FILES)
def test_collect_loses_no_row(name):
    kwargs = CSV_OPTIONS.get(name, {})
    try:
        log = quiet_read(name, on_error="collect", **kwargs)
    except JourneymineError:
        assert name in CSV_FAILS_EVEN_WITH_COLLECT
        return
    assert name not in CSV_FAILS_EVEN_WITH_COLLECT
    n_rows = _csv_records(BAD / name, kwargs)
    assert log.n_events + len(log.rejected) == n_rows
    kept, rejected = set(log.rows.tolist()), set(log.rejected.index.tolist())
    assert kept.isdisjoint(rejected) and kept | rejected == set(range(n_rows))
    assert log.rejected["reason"].str.len().gt(0).all()


# ---------------------------------------------------------------------------
# hostile XML and YAML: fast, and nothing read that was not given


@pytest.mark.parametrize(
    "name",
    [
        "doctype.xes",
        "xxe.xes",
        "xxe_parameter_entity.xes",
        "xxe_external_dtd.xes",
        "billion_laughs.xes",
        "undeclared_entity.xes",
    ],
)
def test_hostile_xml_fails_fast_without_reading_other_files(name):
    secret = (
        Path("/etc/passwd").read_text(errors="replace")[:40]
        if Path("/etc/passwd").exists()
        else "root:"
    )
    start = time.perf_counter()
    with pytest.raises(LogError) as info:
        jm.read_xes(BAD / name)
    assert time.perf_counter() - start < HOSTILE_XML_SECONDS
    assert secret not in str(info.value) and "root:" not in str(info.value)
    from journeymine.io.xes import read_xes_frame

    with pytest.raises(LogError):
        read_xes_frame(BAD / name)


def test_billion_laughs_in_a_big_file_fails_fast(tmp_path):
    """The refusal happens at the DOCTYPE, before megabytes of events are parsed."""
    body = (BAD / "billion_laughs.xes").read_text()
    path = tmp_path / "big_laughs.xes"
    events = '<event><string key="concept:name" value="&lol9;"/></event>' * 50_000
    path.write_text(body.replace("</trace>", events + "</trace>", 1))
    start = time.perf_counter()
    with pytest.raises(LogError, match="DTD"):
        jm.read_xes(path)
    assert time.perf_counter() - start < HOSTILE_XML_SECONDS


def test_yaml_python_tag_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = Path("/tmp/journeymine_pwned")
    existed = marker.exists()
    with pytest.raises(ModelError, match="Python tag"):
        read("model_python_tag.yaml")
    assert marker.exists() == existed
    assert not any(tmp_path.iterdir())


def test_yaml_alias_bomb_fails_fast():
    start = time.perf_counter()
    with pytest.raises(ModelError, match="alias bomb"):
        read("model_alias_bomb.yaml")
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------------------
# waiting for fixes elsewhere (strict: they flip to failures once fixed)


WAITING_FOR_FIXES: set[str] = set()

# ---------------------------------------------------------------------------
# valid inputs that silently distort results unless said: warnings with the fix

# (file, reader keywords, regexes one warning must all match)
WARNS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "duplicate_events.csv",
        {},
        [r"3 events in .*duplicate_events.csv repeat the event just before them", "in 1 case"]
        + [r"jm.filter_events\(log, dedupe=True\)"],
    ),
    (
        "lifecycle_mixed.xes",
        {},
        ["mixes lifecycle transitions in column 'lifecycle:transition'"]
        + ["complete: 2, schedule: 1, start: 1", 'jm.filter_events\\(log, lifecycle="complete"\\)'],
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "patterns"), WARNS, ids=[w[0] for w in WARNS])
def test_distorting_file_warns_with_the_fix(name, kwargs, patterns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read(name, **kwargs)
    messages = [str(w.message) for w in caught if issubclass(w.category, JourneymineWarning)]
    assert any(all(re.search(p, m) for p in patterns) for m in messages), messages


MODELS = {"model_numeric_activities.yaml", "model_quoted_activities.yaml", "numeric_activities.csv"}


def test_model_with_numbers_for_activities_says_so():
    # issue 13 item 5: YAML reads unquoted 101 as a number, the CSV has the text "101"
    from journeymine.model import _coverage_warning, log_coverage

    log = read("numeric_activities.csv")
    model = read("model_numeric_activities.yaml")
    text = _coverage_warning(model, *log_coverage(model, log))
    assert text is not None
    for pattern in ["None of the log's 3 activities", "model 'codes'", "'101', '102', '201'"]:
        assert re.search(pattern, text), text
    assert "model activities: 101, 102, 201" in text and "quote them in the YAML" in text
    quoted = read("model_quoted_activities.yaml")
    assert _coverage_warning(quoted, *log_coverage(quoted, log)) is None


def test_xes_unknown_encoding_gives_log_error():
    with pytest.raises(LogError, match=r"unknown_encoding\.xes.*TF-8"):
        read("unknown_encoding.xes")


def test_xes_bad_date_is_collected():
    log = quiet_read("bad_xes_date.xes", on_error="collect")
    assert (log.n_events, len(log.rejected)) == (2, 1)
    assert "unparseable timestamp" in log.rejected["reason"].iloc[0]
    assert log.rejected["time:timestamp"].iloc[0] == "the day after"
    assert log.cases.tolist() == ["c1", "c2"]


@pytest.mark.parametrize("value", ["-1", "-0044-03-15T12:00:00", "99999-01-01"])
def test_xes_dates_outside_the_timestamp_range_give_log_error(tmp_path, value):
    # found by the fuzz campaign: ISO 8601 parsing accepts year -1, which pandas
    # then could not even print for the message
    path = tmp_path / "far.xes"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">'
        '<trace><string key="concept:name" value="c1"/>'
        '<event><string key="concept:name" value="ad"/>'
        '<date key="time:timestamp" value="2025-01-01T10:00:00Z"/></event>'
        '<event><string key="concept:name" value="buy"/>'
        f'<date key="time:timestamp" value="{value}"/></event></trace></log>'
    )
    with pytest.raises(LogError, match=r"(cannot be parsed|out of range).*(row|events) 1\b") as err:
        jm.read_xes(path)
    assert "timestamp_format" not in str(err.value)
    with pytest.warns(jm.JourneymineWarning, match="1 of 2 rows"):
        log = jm.read_xes(path, on_error="collect")
    assert (log.n_events, len(log.rejected)) == (1, 1)
    assert "timestamp" in log.rejected["reason"].iloc[0]


def test_sample_repr_survives_timestamps_pandas_cannot_print():
    from journeymine._validation import sample_repr

    far = pd.Timestamp(np.datetime64("-0001-01-01T00:00:00", "us")).tz_localize("UTC")
    assert sample_repr(["x", far]) == "['x', np.datetime64('-001-01-01T00:00:00.000000')]"


def test_unhashable_case_ids_give_log_error():
    df = pd.DataFrame({"c": [[1], [1]], "a": ["p", "q"], "t": ["2025-01-01", "2025-01-02"]})
    with pytest.raises(LogError, match="'c'"):
        jm.from_pandas(df, case="c", activity="a", timestamp="t")


# ---------------------------------------------------------------------------
# parameters and from_pandas edge cases


def test_misspelled_reader_keyword_names_the_closest(tmp_path):
    path = BAD / "valid.csv.gz"
    with pytest.raises(
        ParameterError, match=r"unexpected keyword argument 'cas'.*Did you mean case="
    ):
        jm.read_csv(path, cas="customer", activity="touchpoint", timestamp="ts")
    with pytest.raises(ParameterError, match=r"'timestmp'.*Did you mean timestamp="):
        jm.read_csv(path, case="customer", activity="touchpoint", timestmp="ts")
    df = pd.DataFrame({"c": ["a"], "a": ["x"], "t": pd.to_datetime(["2025-01-01"])})
    df.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(
        ParameterError, match=r"read_parquet\(\).*'activty'.*Did you mean activity="
    ):
        jm.read_parquet(tmp_path / "p.parquet", case="c", activty="a", timestamp="t")


def test_unknown_encoding_and_bad_path():
    with pytest.raises(ParameterError, match=r"encoding='klingon'.*utf-8"):
        jm.read_csv(BAD / "latin1.csv", encoding="klingon", **CSV_COLUMNS)
    with pytest.raises(ParameterError, match=r"'path' parameter of read_csv\(\).*Got int"):
        jm.read_csv(42)
    with pytest.raises(ParameterError, match=r"'path' parameter of read_parquet\(\).*Got NoneType"):
        jm.read_parquet(None)
    with pytest.raises(LogError, match="not found"):
        jm.read_csv(BAD / "no_such_file.csv")
    with pytest.raises(LogError, match="is a folder"):
        jm.read_csv(BAD)


def test_header_none_does_not_check_data_for_duplicate_names(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("c1,ad,ad\nc1,buy,buy\n")
    with pytest.raises(LogError, match="timestamp"):  # not "Duplicate column names"
        jm.read_csv(path, header=None, names=["customer", "touchpoint", "ts"], **CSV_COLUMNS)


def _frame(ts: Any) -> pd.DataFrame:
    return pd.DataFrame({"c": ["x"] * len(ts), "a": ["p"] * len(ts), "t": ts})


def _from(ts: Any, **kwargs: Any) -> jm.JourneyLog:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return jm.from_pandas(_frame(ts), case="c", activity="a", timestamp="t", **kwargs)


def test_out_of_range_datetimes_are_rejected_not_crashed():
    dates = pd.Series(np.array(["2025-01-01", "3000-01-01", "1000-01-01"], dtype="datetime64[s]"))
    with pytest.raises(LogError, match=r"2 events have a timestamp.*rows 1, 2"):
        _from(dates)
    log = _from(dates, on_error="collect")
    assert log.n_events == 1 and log.rejected.index.tolist() == [1, 2]
    edge = pd.Series(
        np.array(["2262-04-11T23:47:16", "1677-09-21T00:12:44"], dtype="datetime64[s]")
    )
    with pytest.raises(LogError, match="spans more than 292 years"):  # one case: overflow
        _from(edge)


def test_epoch_edge_values():
    with pytest.raises(LogError, match="cannot be parsed"):
        _from([np.inf, 1.0], timestamp_format="s")
    with pytest.raises(LogError, match="out of range.*outside 1677-09-21 .. 2262-04-11"):
        _from([10**18, 1], timestamp_format="s")
    assert _from(["1735725600", "1735729200"], timestamp_format="s").n_events == 2
    assert _from([-1, 0], timestamp_format="s").timestamps().iloc[0] == pd.Timestamp(
        "1969-12-31 23:59:59", tz="UTC"
    )
    with pytest.raises(LogError, match="fractional numbers.*timestamp_format='s'"):
        _from([2025.5], timestamp_format="%Y")
    with pytest.raises(ParameterError, match="'timestamp_format' parameter must be a str"):
        _from(["2025-01-01"], timestamp_format=5)


def test_na_like_case_values_in_pandas():
    df = pd.DataFrame(
        {
            "c": pd.array(["NA", None, "null", "nan"], dtype="string"),
            "a": ["p", "q", "r", "s"],
            "t": ["2025-01-01"] * 4,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        log = jm.from_pandas(df, case="c", activity="a", timestamp="t", on_error="collect")
    assert log.cases.tolist() == ["NA", "nan", "null"]
    assert log.rejected.index.tolist() == [1]


# ---------------------------------------------------------------------------
# big inputs, built at run time


def test_a_million_events_in_one_case():
    n = 1_000_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "c": np.zeros(n, dtype=np.int64),
            "a": rng.integers(0, 20, n),
            "t": pd.to_datetime(1_700_000_000 * 10**9 + rng.integers(0, 10**15, n)),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    assert (log.n_events, log.n_cases, len(log.activities)) == (n, 1, 20)
    assert log.case_offsets.tolist() == [0, n]
    assert (np.diff(log.time) >= 0).all()


def test_a_million_cases_with_one_event(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "c": rng.permutation(n).astype(str),
            "a": np.array(["ad", "buy"])[rng.integers(0, 2, n)],
            "t": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
        }
    )
    df.to_parquet(tmp_path / "cases.parquet")
    log = jm.read_parquet(tmp_path / "cases.parquet", case="c", activity="a", timestamp="t")
    assert (log.n_events, log.n_cases, log.activities) == (n, n, ["ad", "buy"])
    assert (log.case_sizes == 1).all()
    assert log.position.max() == 0


def test_a_hundred_thousand_distinct_activities(tmp_path):
    m = 100_000
    rng = np.random.default_rng(2)
    names = np.char.add("touchpoint ", np.arange(m).astype(str))
    picks = np.concatenate([np.arange(m), rng.integers(0, m, m)])
    df = pd.DataFrame(
        {
            "customer": rng.integers(0, 5_000, 2 * m),
            "touchpoint": names[picks],
            "ts": rng.integers(1_700_000_000, 1_800_000_000, 2 * m),
        }
    )
    df.to_csv(tmp_path / "acts.csv", index=False)
    log = jm.read_csv(tmp_path / "acts.csv", timestamp_format="s", **CSV_COLUMNS)
    assert (log.n_events, len(log.activities)) == (2 * m, m)
    assert log.n_cases == df["customer"].nunique()


# ---------------------------------------------------------------------------
# no dangerous calls in the package

DANGEROUS = re.compile(
    r"\beval\(|\bexec\(|pickle|subprocess|os\.system|os\.popen|\byaml\.load\(|yaml\.unsafe_load"
    r"|full_load|shell\s*=\s*True|__import__\(|marshal"
)
# (file, the exact line, why it is safe)
ALLOWED = {
    (
        "model_io.py",
        "return yaml.load(io.StringIO(text), Loader=_loader_class())  # noqa: S506 (safe loader)",
    ): "the loader is a yaml.SafeLoader subclass (checked below) that also bounds aliases",
}


def test_no_dangerous_calls_in_the_package():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DANGEROUS.search(line) and (path.name, line.strip()) not in ALLOWED:
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert found == [], "dangerous calls (justify them in ALLOWED):\n" + "\n".join(found)


def test_allowed_yaml_load_uses_a_safe_loader():
    yaml = pytest.importorskip("yaml")
    from journeymine import model_io

    assert issubclass(model_io._loader_class(), yaml.SafeLoader)
    for (name, line), _why in ALLOWED.items():
        assert line in (SRC / name).read_text(encoding="utf-8"), (
            f"stale ALLOWED entry {name}: {line}"
        )


def test_epoch_nanoseconds_stay_exact_and_ordered():
    """Regression: epoch integers went through float64, tying events < 256 ns apart."""
    log = read("epoch_nanoseconds.csv", timestamp_format="ns")
    assert log.to_pandas()["touchpoint"].tolist() == ["buy", "visit", "ad", "ad"]
    assert log.time.tolist() == [
        1735725600000000000,
        1735725600000000001,
        1735725600000000100,
        1735725600000000000,
    ]
    durations = jm.discover(log).edges.set_index(["source", "target"])["mean_duration"]
    assert durations[("buy", "visit")] == pd.Timedelta(1, "ns")
    assert durations[("visit", "ad")] == pd.Timedelta(99, "ns")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_integer_epochs_are_exact_in_every_unit(unit):
    base = {"s": 1_735_725_600, "ms": 1_735_725_600_000, "us": 1_735_725_600_000_000}.get(
        unit, 1_735_725_600_000_000_000
    )
    log = _from(pd.Series([base + 1, base], dtype="int64"), timestamp_format=unit)
    per = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    assert log.time.tolist() == [base * per, (base + 1) * per]


def _bytes_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer": [b"ok", b"\xff\xfeid"], "touchpoint": ["ad", "buy"], "ts": ["2025-01-01"] * 2}
    )


def test_non_utf8_bytes_case_ids_give_log_error(tmp_path):
    want = r"Column 'customer'.*bytes that are not UTF-8 text.*\\xff\\xfeid.*decode"
    with pytest.raises(LogError, match=want):
        jm.from_pandas(_bytes_frame(), **CSV_COLUMNS)
    path = tmp_path / "binary_ids.parquet"
    _bytes_frame().to_parquet(path)  # a Parquet binary column
    with pytest.raises(LogError, match=want) as info:
        jm.read_parquet(path, **CSV_COLUMNS)
    assert info.value.path == str(path)
    ok = _bytes_frame().assign(customer=[b"ok", b"id"])
    assert jm.from_pandas(ok, **CSV_COLUMNS).cases.tolist() == [b"id", b"ok"]


def test_non_utf8_bytes_in_dask_give_the_same_log_error():
    dd = pytest.importorskip("dask.dataframe")
    from journeymine import from_dask

    with pytest.raises(LogError, match="bytes that are not UTF-8 text"):
        from_dask(dd.from_pandas(_bytes_frame(), npartitions=1), **CSV_COLUMNS)
