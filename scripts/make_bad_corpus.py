"""Generate the corpus of bad (and tricky-but-valid) inputs in ``tests/data/bad/``.

Every file is small and the output is deterministic: running the script
again rewrites the same bytes. ``tests/test_bad_inputs.py`` has one test per
file, asserting either the exact result (for valid inputs) or the exception
class and the key words of its message (what, where, how to fix).

Big inputs (a million events in one case, a million one-event cases, 100,000
distinct activities) are not files: the tests build them from numpy at run
time.

Usage::

    python scripts/make_bad_corpus.py            # writes tests/data/bad/
    python scripts/make_bad_corpus.py --check    # fails if the files are stale
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "bad"

HEADER = "customer,touchpoint,ts\n"
GOOD_ROWS = (
    "c1,ad,2025-01-01 10:00:00\n"
    "c1,visit,2025-01-01 11:00:00\n"
    "c2,ad,2025-01-02 09:00:00\n"
    "c1,buy,2025-01-03 12:00:00\n"
)

XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XES_BODY = """<log xes.version="1.0">
  <trace>
    <string key="concept:name" value="c1"/>
    <event>
      <string key="concept:name" value="ad"/>
      <date key="time:timestamp" value="2025-01-01T10:00:00Z"/>
    </event>
    <event>
      <string key="concept:name" value="buy"/>
      <date key="time:timestamp" value="2025-01-02T10:00:00Z"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c2"/>
    <event>
      <string key="concept:name" value="ad"/>
      <date key="time:timestamp" value="2025-01-03T10:00:00Z"/>
    </event>
  </trace>
</log>
"""


def _gzip(data: bytes) -> bytes:
    """Gzip with a fixed mtime, so the bytes are the same on every run."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip archive with fixed dates, so the bytes are the same on every run."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def corpus() -> dict[str, bytes]:
    """File name -> content of every file in the corpus."""
    rnd = random.Random(20250101)
    files: dict[str, str | bytes] = {}

    # -- CSV: structure ------------------------------------------------------
    files["empty.csv"] = b""
    files["blank_lines_only.csv"] = "\n\n\n"
    files["header_only.csv"] = HEADER
    files["semicolon_separated.csv"] = (HEADER + GOOD_ROWS).replace(",", ";")
    files["tab_separated.csv"] = (HEADER + GOOD_ROWS).replace(",", "\t")
    files["duplicate_columns.csv"] = "customer,touchpoint,ts,ts\n" + "".join(
        line + ",x\n" for line in GOOD_ROWS.splitlines()
    )
    files["missing_timestamp_column.csv"] = "customer,touchpoint\nc1,ad\nc1,buy\n"
    files["misspelled_columns.csv"] = "customer_id,touch_point,timestamp\n" + GOOD_ROWS
    files["ragged_rows.csv"] = HEADER + "c1,ad,2025-01-01\nc1,visit,2025-01-02,extra,fields\n"
    files["short_rows.csv"] = HEADER + "c1,ad,2025-01-01\nc1,visit\nc2,ad,2025-01-02\n"
    files["unterminated_quote.csv"] = HEADER + 'c1,"ad,2025-01-01\nc1,visit,2025-01-02\n'
    files["crlf_line_endings.csv"] = (HEADER + GOOD_ROWS).replace("\n", "\r\n")
    files["blank_lines_between_rows.csv"] = (
        HEADER + "c1,ad,2025-01-01\n\n\nc1,visit,2025-01-02\nc2,ad,not a date\n"
    )
    files["quoted_newlines.csv"] = (
        HEADER + 'c1,"multi\nline ad",2025-01-01\nc1,visit,2025-01-02\nc2,ad,not a date\n'
    )

    files["trailing_empty_columns.csv"] = "customer,touchpoint,ts,,\n" + "".join(
        line + ",,\n" for line in GOOD_ROWS.splitlines()
    )
    files["padded_header.csv"] = "customer ,touchpoint, ts\n" + GOOD_ROWS

    # -- CSV: encodings ------------------------------------------------------
    files["latin1.csv"] = (HEADER + "c1,café,2025-01-01\nc1,señal,2025-01-02\n").encode("latin-1")
    files["bom_utf8.csv"] = b"\xef\xbb\xbf" + (HEADER + GOOD_ROWS).encode("utf-8")
    files["bom_utf16.csv"] = (HEADER + GOOD_ROWS).encode("utf-16")  # BOM + UTF-16-LE
    files["nul_bytes.csv"] = (HEADER + "c1,ad\x00,2025-01-01\nc1,visit,2025-01-02\n").encode()

    # -- CSV: timestamps -----------------------------------------------------
    files["unparseable_timestamps.csv"] = (
        HEADER + "c1,ad,2025-01-01 10:00\nc1,visit,yesterday\nc2,ad,2025-13-45\nc2,buy,2025-01-04\n"
    )
    files["null_timestamps.csv"] = HEADER + "c1,ad,2025-01-01\nc1,visit,\nc2,ad,2025-01-03\n"
    files["mixed_time_zones.csv"] = (
        HEADER
        + "c1,ad,2025-01-01T10:00:00+01:00\nc1,visit,2025-01-01T11:00:00\n"
        + "c2,ad,2025-01-02T09:00:00Z\n"
    )
    files["aware_time_zones.csv"] = (
        HEADER
        + "c1,ad,2025-01-01T10:00:00+01:00\nc1,visit,2025-01-01T09:30:00Z\n"
        + "c2,ad,2025-01-02T09:00:00-05:00\n"
    )
    files["epoch_seconds.csv"] = HEADER + "c1,ad,1735725600\nc1,buy,1735729200\nc2,ad,1735812000\n"
    files["day_first_dates.csv"] = (
        HEADER + "c1,ad,31/01/2025 10:00\nc1,buy,01/02/2025 09:00\nc2,ad,15/02/2025 12:00\n"
    )

    files["out_of_range_timestamps.csv"] = (
        HEADER + "c1,ad,2025-01-01\nc1,visit,3000-01-01\nc2,ad,1500-06-01\nc2,buy,2025-01-02\n"
    )
    files["yyyymmdd_integers.csv"] = HEADER + "c1,ad,20250131\nc1,buy,20250201\nc2,ad,20250105\n"
    # epoch nanoseconds a few ns apart: exact only if they stay int64 (float64 ties them)
    files["epoch_nanoseconds.csv"] = (
        HEADER + "c1,ad,1735725600000000100\nc1,buy,1735725600000000000\n"
        "c1,visit,1735725600000000001\nc2,ad,1735725600000000000\n"
    )

    # -- CSV: case ids and activities ---------------------------------------
    files["null_case_ids.csv"] = HEADER + "c1,ad,2025-01-01\n,visit,2025-01-02\n  ,ad,2025-01-03\n"
    files["null_activities.csv"] = HEADER + "c1,ad,2025-01-01\nc1,,2025-01-02\nc2,ad,2025-01-03\n"
    files["numeric_case_ids.csv"] = (
        HEADER + "1,ad,2025-01-01\n001,ad,2025-01-02\n1,buy,2025-01-03\n2.0,ad,2025-01-04\n"
    )
    na_like = ["NA", "null", "None", "NaN", "N/A", "nan", "NULL", "#N/A", "-"]
    files["na_like_case_ids.csv"] = HEADER + "".join(
        f"{name},ad,2025-01-0{i % 9 + 1}\n" for i, name in enumerate(na_like)
    )
    files["duplicate_events.csv"] = HEADER + (
        "c1,ad,2025-01-01 10:00\n" * 3 + "c1,buy,2025-01-02\nc1,buy,2025-01-02\n"
    )
    # a placeholder date: the case spans more than int64 nanoseconds can hold
    files["span_over_292_years.csv"] = HEADER + (
        "c1,ad,1678-01-01 00:00:00\nc1,buy,2261-12-31 00:00:00\nc2,ad,2025-01-01\n"
    )
    # activity codes that YAML reads as numbers unless quoted
    files["numeric_activities.csv"] = HEADER + (
        "c1,101,2025-01-01\nc1,102,2025-01-02\nc1,201,2025-01-03\nc2,101,2025-01-01\n"
    )
    files["model_numeric_activities.yaml"] = (
        "name: codes\nstages:\n  Awareness: [101, 102]\n  Purchase: [201]\n"
    )
    files["model_quoted_activities.yaml"] = (
        "name: codes\nstages:\n  Awareness: ['101', '102']\n  Purchase: ['201']\n"
    )
    files["unicode_activities.csv"] = HEADER + (
        "c1,Anuncio en televisión,2025-01-01\n"
        "c1,浏览商品,2025-01-02\n"
        "c1,🛒 add to cart,2025-01-03\n"
        "c1,Zahlung ✓,2025-01-04\n"
        'c2,"comma, inside",2025-01-01\n'
        'c2,"quote ""inside""",2025-01-02\n'
        "c2,עברית,2025-01-03\n"
    )
    long_names = ["A" * 10_000, "B" * 10_000 + " é", "x" * 50_000]
    files["long_activity_names.csv"] = HEADER + "".join(
        f"c1,{name},2025-01-0{i + 1}\n" for i, name in enumerate(long_names)
    )
    files["many_problems.csv"] = HEADER + (
        "c1,ad,2025-01-01\n"
        ",visit,2025-01-02\n"
        "c1,,2025-01-03\n"
        "c2,ad,not a date\n"
        "c2,buy,\n"
        ",,\n"
        "c3,ad,2025-01-05\n"
    )
    files["all_rows_bad.csv"] = HEADER + ",ad,2025-01-01\n,visit,2025-01-02\n"

    # -- random bytes under trusted names -------------------------------------
    noise = rnd.randbytes(4096)
    files["random_bytes.csv"] = noise
    files["random_bytes.parquet"] = noise
    files["random_bytes.xes"] = noise
    files["random_bytes.xes.gz"] = noise
    files["truncated_magic.parquet"] = b"PAR1" + noise[:200]  # Parquet magic, then garbage
    files["random_gzip_payload.xes.gz"] = _gzip(noise)
    files["random_bytes.csv.gz"] = noise
    files["random_gzip_payload.csv.gz"] = _gzip(noise)
    good_csv_gz = _gzip((HEADER + GOOD_ROWS).encode())
    files["truncated.csv.gz"] = good_csv_gz[: len(good_csv_gz) // 2]
    files["valid.csv.gz"] = good_csv_gz
    files["two_files.csv.zip"] = _zip(
        {"a.csv": (HEADER + GOOD_ROWS).encode(), "b.csv": (HEADER + GOOD_ROWS).encode()}
    )
    good_gz = _gzip((XES_HEAD + XES_BODY).encode())
    files["truncated.xes.gz"] = good_gz[: len(good_gz) // 2]
    files["valid.xes.gz"] = good_gz

    # -- XES: hostile XML ------------------------------------------------------
    files["truncated.xes"] = (XES_HEAD + XES_BODY)[: len(XES_HEAD + XES_BODY) // 2]
    files["not_xes_root.xes"] = XES_HEAD + "<html><body>hello</body></html>\n"
    files["doctype.xes"] = XES_HEAD + "<!DOCTYPE log>\n" + XES_BODY
    files["xxe.xes"] = (
        XES_HEAD
        + '<!DOCTYPE log [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        + XES_BODY.replace('value="ad"/>', 'value="&xxe;"/>', 1)
    )
    files["xxe_parameter_entity.xes"] = (
        XES_HEAD
        + '<!DOCTYPE log [\n  <!ENTITY % pe SYSTEM "file:///etc/passwd">\n  %pe;\n]>\n'
        + XES_BODY
    )
    files["xxe_external_dtd.xes"] = (
        XES_HEAD + '<!DOCTYPE log SYSTEM "file:///etc/passwd">\n' + XES_BODY
    )
    laughs = ['  <!ENTITY lol0 "lol">']
    laughs += [f'  <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    files["billion_laughs.xes"] = (
        XES_HEAD
        + "<!DOCTYPE log [\n"
        + "\n".join(laughs)
        + "\n]>\n"
        + XES_BODY.replace('value="ad"/>', 'value="&lol9;"/>', 1)
    )
    files["undeclared_entity.xes"] = XES_HEAD + XES_BODY.replace(
        'value="ad"/>', 'value="&lol;"/>', 1
    )
    files["unknown_encoding.xes"] = XES_HEAD.replace("UTF-8", "TF-8") + XES_BODY
    files["bad_xes_date.xes"] = XES_HEAD + XES_BODY.replace(
        "2025-01-02T10:00:00Z", "the day after", 1
    )
    files["xes_missing_case.xes"] = XES_HEAD + XES_BODY.replace(
        '    <string key="concept:name" value="c2"/>\n', "", 1
    )
    files["xes_na_case.xes"] = XES_HEAD + XES_BODY.replace('value="c1"', 'value="NA"', 1).replace(
        'value="c2"', 'value="null"', 1
    )

    # -- YAML models -----------------------------------------------------------
    files["model_python_tag.yaml"] = (
        'name: !!python/object/apply:os.system ["echo pwned > /tmp/journeymine_pwned"]\n'
        "stages: [Awareness]\n"
    )
    files["model_python_name.yaml"] = "stages: !!python/name:os.system\n"
    bomb = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        bomb.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    files["model_alias_bomb.yaml"] = "\n".join(bomb) + "\nstages: *i\n"
    files["model_unknown_stage.yaml"] = (
        "stages: [Awareness, Purchase]\nactivities: {ad: Awareness, buy: Purchse}\n"
    )
    files["model_unknown_loop_stage.yaml"] = (
        "stages: [Awareness, Purchase]\n"
        "activities: {ad: Awareness, buy: Purchase}\n"
        "loops: [[Purchase, Retention]]\n"
    )
    # SCHEDULE/START/COMPLETE events of one activity (as in BPI Challenge 2012)
    lifecycle_events = "".join(
        f"""    <event>
      <string key="concept:name" value="{act}"/>
      <string key="lifecycle:transition" value="{tr}"/>
      <date key="time:timestamp" value="2025-01-01T1{i}:00:00Z"/>
    </event>
"""
        for i, (act, tr) in enumerate(
            [("apply", "SCHEDULE"), ("apply", "START"), ("apply", "COMPLETE"), ("pay", "COMPLETE")]
        )
    )
    files["lifecycle_mixed.xes"] = (
        XES_HEAD
        + '<log xes.version="1.0">\n  <trace>\n    <string key="concept:name" value="c1"/>\n'
        + lifecycle_events
        + "  </trace>\n</log>\n"
    )
    files["model_not_a_mapping.yaml"] = "- Awareness\n- Purchase\n"
    files["model_invalid_yaml.yaml"] = "stages: [Awareness, Purchase\nactivities: {\n"
    files["model_duplicate_key.yaml"] = (
        "stages: [Awareness]\nactivities: {ad: Awareness}\nstages: [Purchase]\n"
    )

    return {
        name: (data.encode("utf-8") if isinstance(data, str) else data)
        for name, data in sorted(files.items())
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = parser.parse_args(argv)
    files = corpus()
    if args.check:
        stale = [
            name
            for name, data in files.items()
            if not (args.out / name).is_file() or (args.out / name).read_bytes() != data
        ]
        if stale:
            sys.stderr.write(f"stale or missing: {stale}; run scripts/make_bad_corpus.py\n")
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    total = sum(len(d) for d in files.values())
    sys.stdout.write(f"wrote {len(files)} files ({total:,} bytes) to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
