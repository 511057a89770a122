"""CSV and Parquet readers: happy paths and every error path."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import JourneymineWarning, LogError

from conftest import shared_data
from strategies import examples

KW = {"case": "customer", "activity": "touchpoint", "timestamp": "ts"}


def write(tmp_path, text, name="events.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_read_csv_roundtrip(tmp_path):
    path = write(
        tmp_path, "customer,touchpoint,ts\nc2,ad,2025-01-02\nc1,ad,2025-01-01\nc1,buy,2025-01-03\n"
    )
    log = jm.read_csv(path, **KW)
    assert log.to_pandas()["customer"].tolist() == ["c1", "c1", "c2"]
    assert log.source == str(path)


def test_case_id_na_and_leading_zeros_survive(tmp_path):
    path = write(
        tmp_path, "customer,touchpoint,ts\nNA,ad,2025-01-01\n007,ad,2025-01-01\nnull,x,2025-01-02\n"
    )
    assert jm.read_csv(path, **KW).cases.tolist() == ["007", "NA", "null"]


def test_gzip_and_sep(tmp_path):
    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(b"customer;touchpoint;ts\na;x;2025-01-01\n"))
    assert jm.read_csv(path, sep=";", **KW).n_events == 1


def test_wrong_separator_is_named(tmp_path):
    path = write(tmp_path, "customer;touchpoint;ts\na;x;2025-01-01\n")
    with pytest.raises(LogError, match=r"separator looks like ';'.*Pass sep=';'"):
        jm.read_csv(path, **KW)


def test_missing_file(tmp_path):
    with pytest.raises(LogError, match="not found"):
        jm.read_csv(tmp_path / "nope.csv", **KW)


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(LogError, match="is a folder"):
        jm.read_csv(tmp_path, **KW)


def test_empty_file(tmp_path):
    with pytest.raises(LogError, match="is empty"):
        jm.read_csv(write(tmp_path, ""), **KW)


def test_header_only(tmp_path):
    with pytest.raises(LogError, match="empty: it has columns"):
        jm.read_csv(write(tmp_path, "customer,touchpoint,ts\n"), **KW)


def test_duplicate_header(tmp_path):
    path = write(tmp_path, "customer,touchpoint,ts,ts\na,x,2025-01-01,2025-01-02\n")
    with pytest.raises(LogError, match=r"Duplicate column names in .*\['ts'\]"):
        jm.read_csv(path, **KW)


def test_misspelled_column_in_file(tmp_path):
    path = write(tmp_path, "CustomerID,touchpoint,ts\na,x,2025-01-01\n")
    with pytest.raises(
        LogError,
        match=r"Column 'customer' .*not found in .*events.csv.*Did you mean case='CustomerID'",
    ):
        jm.read_csv(path, **KW)


def test_non_utf8(tmp_path):
    path = write(tmp_path, "customer,touchpoint,ts\nb,caf\xe9,2025-01-01\n", encoding="latin-1")
    with pytest.raises(LogError, match="not valid text.*encoding="):
        jm.read_csv(path, **KW)
    assert jm.read_csv(path, encoding="latin-1", **KW).activities == ["café"]


def test_binary_named_csv(tmp_path):
    path = write(tmp_path, bytes(range(256)) * 20, name="random.csv")
    with pytest.raises(LogError, match="random.csv"):
        jm.read_csv(path, **KW)


def test_bad_rows_give_file_lines(tmp_path):
    path = write(tmp_path, "customer,touchpoint,ts\na,x,2025-01-01\n,y,2025-01-02\n")
    with pytest.raises(LogError, match=r"row 1 \(file line 3\)") as info:
        jm.read_csv(path, **KW)
    assert info.value.path == str(path)


def test_collect_counts_every_row(tmp_path):
    path = write(
        tmp_path,
        "customer,touchpoint,ts\na,x,2025-01-01\n,y,2025-01-02\nb,,2025-01-03\nc,z,never\n",
    )
    with pytest.warns(JourneymineWarning, match="3 of 4 rows"):
        log = jm.read_csv(path, on_error="collect", **KW)
    assert log.n_events + len(log.rejected) == 4


def test_bom_is_stripped(tmp_path):
    path = write(tmp_path, "\ufeffcustomer,touchpoint,ts\na,x,2025-01-01\n")
    assert jm.read_csv(path, **KW).n_events == 1


def test_parquet(tmp_path):
    path = tmp_path / "e.parquet"
    pd.DataFrame(
        {
            "customer": ["a", "a"],
            "touchpoint": ["x", "y"],
            "ts": pd.to_datetime(["2025-01-02", "2025-01-01"], utc=True),
        }
    ).to_parquet(path)
    log = jm.read_parquet(path, **KW)
    assert log.to_pandas()["touchpoint"].tolist() == ["y", "x"] and log.tz_aware


def test_random_bytes_named_parquet(tmp_path):
    path = write(tmp_path, b"\x00\x01garbage" * 50, name="x.parquet")
    with pytest.raises(LogError, match=r"could not be read as Parquet"):
        jm.read_parquet(path, **KW)


def test_hospital_billing_empty_case_reported():
    path = shared_data("hospital_billing.csv.gz")
    with pytest.raises(
        LogError,
        match=r"1 event in .*hospital_billing.csv.gz has no case id: row 212 \(file line 214\)",
    ):
        jm.read_csv(path, case="case_id", activity="activity", timestamp="timestamp")
    with pytest.warns(JourneymineWarning) as caught:
        log = jm.read_csv(
            path, case="case_id", activity="activity", timestamp="timestamp", on_error="collect"
        )
    messages = [str(w.message) for w in caught]
    assert any("1 of 49,951 rows" in m for m in messages)
    assert any("98 events" in m and "dedupe=True" in m for m in messages)  # real duplicates
    assert log.n_events == 49950 and log.n_cases == 9999


def test_sepsis_csv_keeps_case_na():
    path = shared_data("sepsis_eventdatar.csv")
    with pytest.warns(JourneymineWarning, match="4 events .* repeat"):  # real duplicates
        log = jm.read_csv(
            path, sep=";", case="Case ID", activity="Activity", timestamp="Complete Timestamp"
        )
    assert log.n_events == 15214 and log.n_cases == 1050
    assert "NA" in set(log.cases)


# -- Arrow and Polars input, read_log ------------------------------------------------


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": ["c2", "c10", None, "c2", "c1", "c10", "c1"],
            "touchpoint": ["ad", "view", "ad", "buy", "ad", "ad", "view"],
            "ts": pd.to_datetime(
                ["2025-01-02", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-03"]
                + ["2025-01-01", "2025-01-03"],
                utc=True,
            ),
            "channel": ["web", "app", "web", "web", "shop", "app", "web"],
        }
    )


def _same(a: jm.JourneyLog, b: jm.JourneyLog) -> None:
    assert a.cases.tolist() == b.cases.tolist()
    assert a.activities == b.activities
    assert a.time.tolist() == b.time.tolist()
    assert a.rows.tolist() == b.rows.tolist()
    assert a.rejected.index.tolist() == b.rejected.index.tolist()
    pd.testing.assert_frame_equal(jm.discover(a).edges, jm.discover(b).edges)
    pd.testing.assert_frame_equal(
        jm.discover(a, by="channel").nodes, jm.discover(b, by="channel").nodes
    )


def test_from_arrow_equals_from_pandas():
    pa = pytest.importorskip("pyarrow")
    df = _events()
    with pytest.warns(JourneymineWarning, match="1 of 7 rows"):
        want = jm.from_pandas(df, **KW, channel="channel", on_error="collect")
    with pytest.warns(JourneymineWarning, match="1 of 7 rows"):
        got = jm.from_arrow(pa.Table.from_pandas(df), **KW, channel="channel", on_error="collect")
    _same(got, want)
    with pytest.raises(LogError, match="1 event has no case id"):
        jm.from_arrow(pa.Table.from_pandas(df), **KW)


def test_from_arrow_shares_the_tables_text_buffers():
    """Zero copy: the log's frame wraps the Arrow table's string buffers, not copies."""
    pa = pytest.importorskip("pyarrow")
    df = _events().dropna()
    table = pa.Table.from_pandas(df, preserve_index=False)
    log = jm.from_arrow(table, **KW, channel="channel")
    for column in ("customer", "touchpoint"):
        held = log._frame[column].array.__arrow_array__()
        held = held.chunk(0) if isinstance(held, pa.ChunkedArray) else held
        given = table.column(column).chunk(0)
        assert held.buffers()[2].address == given.buffers()[2].address


def test_from_polars_equals_from_pandas():
    pl = pytest.importorskip("polars")
    df = _events().dropna()
    want = jm.from_pandas(df, **KW, channel="channel")
    frame = pl.from_pandas(df)
    _same(jm.from_polars(frame, **KW, channel="channel"), want)
    _same(jm.from_polars(frame.lazy(), **KW, channel="channel"), want)


def test_from_arrow_and_polars_refuse_other_objects():
    with pytest.raises(jm.ParameterError, match="expects a pyarrow.Table.*jm.from_pandas"):
        jm.from_arrow(_events(), **KW)
    with pytest.raises(jm.ParameterError, match="expects a polars.DataFrame.*jm.from_pandas"):
        jm.from_polars(_events(), **KW)


def test_read_log_chooses_the_reader_by_extension(tmp_path):
    df = _events().dropna()
    csv = write(tmp_path, df.to_csv(index=False))
    parquet = tmp_path / "events.parquet"
    df.to_parquet(parquet)
    want = jm.read_csv(csv, **KW)
    assert jm.read_log(csv, **KW).n_events == want.n_events
    _same(jm.read_log(parquet, **KW), jm.read_parquet(parquet, **KW))
    with pytest.raises(jm.ParameterError, match="sep= does not apply to Parquet"):
        jm.read_log(parquet, sep=";", **KW)
    xes = tmp_path / "events.XES"
    xes.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">'
        '<trace><string key="concept:name" value="c1"/>'
        '<event><string key="concept:name" value="ad"/>'
        '<date key="time:timestamp" value="2025-01-01T10:00:00Z"/></event></trace></log>'
    )
    assert jm.read_log(xes).n_events == 1
    with pytest.raises(jm.ParameterError, match="timestamp_format= does not apply to XES"):
        jm.read_log(xes, timestamp_format="%Y")


# ---------------------------------------------------------------------------
# Arrow's CSV reader: the same log, rejected rows, warnings and errors as pandas'


def _read_outcome(monkeypatch, path, arrow, **kw):
    """What read_csv gives with Arrow's reader allowed or not: a log's tables, or the error."""
    import warnings

    from journeymine.io import tabular

    monkeypatch.setattr(tabular, "_ARROW_CSV", arrow)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            log = jm.read_csv(path, **kw)
        except Exception as exc:  # compared as type and message
            return type(exc).__name__, str(exc), [str(w.message) for w in caught]
    return log.to_pandas(), log.rejected, [str(w.message) for w in caught]


def _assert_same_outcome(monkeypatch, path, **kw):
    fast = _read_outcome(monkeypatch, path, True, **kw)
    slow = _read_outcome(monkeypatch, path, False, **kw)
    if isinstance(slow[0], str) or isinstance(fast[0], str):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast[0], slow[0])
    pd.testing.assert_frame_equal(fast[1], slow[1])
    assert fast[2] == slow[2]


_BAD = sorted(p.name for p in (Path(__file__).parent / "data" / "bad").glob("*.csv*"))


@pytest.mark.parametrize("on_error", ["raise", "collect"])
@pytest.mark.parametrize("name", _BAD)
def test_arrow_csv_reads_every_corpus_file_as_pandas_does(monkeypatch, name, on_error):
    path = Path(__file__).parent / "data" / "bad" / name
    _assert_same_outcome(monkeypatch, path, on_error=on_error, **KW)


def test_arrow_csv_reads_the_bundled_shop_log_as_pandas_does(monkeypatch, tmp_path):
    shop = jm.datasets.load_shop().to_pandas()
    shop["ts"] = shop["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "shop.csv.gz"
    shop.drop(columns="timestamp").to_csv(path, index=False)
    _assert_same_outcome(
        monkeypatch, path, case="customer_id", activity="touchpoint", timestamp="ts"
    )


def test_arrow_csv_reads_hospital_billing_as_pandas_does(monkeypatch):
    _assert_same_outcome(
        monkeypatch,
        shared_data("hospital_billing.csv.gz"),
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
    )


def test_arrow_csv_is_used_for_a_plain_file(monkeypatch, tmp_path):
    from journeymine.io import tabular

    taken = []
    real = tabular._read_csv_arrow

    def spy(*args):
        out = real(*args)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(tabular, "_read_csv_arrow", spy)
    path = write(tmp_path, "customer,touchpoint,ts,n\nc1,ad,2025-01-01 10:00:00,3\n")
    log = jm.read_csv(path, **KW)
    assert taken == [True]
    assert log.to_pandas()["n"].dtype == "int64"  # pandas' own reading of the other columns


_FIELD = st.one_of(
    st.sampled_from(
        ["", '""', "c1", "c2", " c1", "NA", "null", "1", "2.5", "True", '"a,b"', '"x""y"', "é"]
    ),
    st.sampled_from(["2025-01-01 10:00:00", "2025-01-02 09:30:00", "2025-01-01", "2025-13-01"]),
)


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(st.lists(_FIELD, min_size=3, max_size=5), min_size=1, max_size=8),
    st.booleans(),
    st.sampled_from([",", ";", "\t"]),
)
def test_arrow_csv_matches_pandas_on_random_files(tmp_path_factory, rows, gz, sep):
    """Random fields (quotes, blanks, numbers, dates, ragged rows): same log or same error."""
    width = 4
    lines = [sep.join(["customer", "touchpoint", "ts", "extra"])]
    lines += [sep.join(f.replace(",", sep) for f in r[:width]) for r in rows]
    path = tmp_path_factory.mktemp("csv") / ("events.csv.gz" if gz else "events.csv")
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    keywords = {} if sep == "," else {"sep": sep}
    with pytest.MonkeyPatch.context() as mp:
        _assert_same_outcome(mp, path, on_error="collect", **keywords, **KW)


@pytest.mark.parametrize(
    "name, keywords",
    [
        ("semicolon_separated.csv", {"sep": ";"}),
        ("tab_separated.csv", {"delimiter": "\t"}),
        ("latin1.csv", {"encoding": "utf-8"}),
        ("bom_utf8.csv", {"encoding": "UTF_8"}),
    ],
)
def test_arrow_csv_with_a_separator_or_encoding_reads_as_pandas_does(monkeypatch, name, keywords):
    path = Path(__file__).parent / "data" / "bad" / name
    _assert_same_outcome(monkeypatch, path, on_error="collect", **keywords, **KW)


def test_arrow_csv_reads_sepsis_with_its_separator_as_pandas_does(monkeypatch):
    _assert_same_outcome(
        monkeypatch,
        shared_data("sepsis_eventdatar.csv"),
        sep=";",
        timestamp_format="%Y/%m/%d %H:%M:%S.%f",
        case="Case ID",
        activity="Activity",
        timestamp="Complete Timestamp",
    )


def test_parquet_read_through_arrow_is_pandas_frame(tmp_path):
    """Arrow's table wrapped without copies = pandas.read_parquet, for every column kind."""
    from journeymine.io.tabular import _parquet_frame

    frames = {
        "plain": jm.datasets.load_shop().to_pandas(),
        "kinds": pd.DataFrame(
            {
                "text": pd.Series(["a", None, "c"], dtype="str"),
                "cat": pd.Categorical(["x", "y", "x"]),
                "ints": pd.array([1, None, 3], dtype="Int64"),
                "floats": [1.5, float("nan"), 2.0],
                "aware": pd.to_datetime(["2025-01-01", None, "2025-01-03"]).tz_localize("UTC"),
                "flags": [True, False, True],
            },
            index=pd.Index(["r1", "r2", "r3"], name="row"),
        ),
    }
    for name, frame in frames.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path)
        pd.testing.assert_frame_equal(_parquet_frame(path, {}), pd.read_parquet(path))
