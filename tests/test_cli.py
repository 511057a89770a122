"""Tests of the ``journeymine`` command (journeymine.cli.main)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from journeymine.cli import main  # noqa: E402


def _csv(tmp_path, sep=","):
    df = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "touchpoint": ["ad", "view", "buy", "ad", "view", "ad"],
            "ts": [
                "2025-01-01 10:00",
                "2025-01-01 11:00",
                "2025-01-02 09:00",
                "2025-01-03 08:00",
                "2025-01-03 09:00",
                "2025-01-04 12:00",
            ],
            "stage": [
                "Awareness",
                "Consideration",
                "Purchase",
                "Awareness",
                "Consideration",
                "Awareness",
            ],
        }
    )
    path = tmp_path / "events.csv"
    df.to_csv(path, index=False, sep=sep)
    return path


def _model(tmp_path):
    path = tmp_path / "journey.yaml"
    path.write_text(
        textwrap.dedent("""\
        name: tiny
        stages: [Awareness, Consideration, Purchase]
        activities: {ad: Awareness, view: Consideration, buy: Purchase}
        purchase: [buy]
    """)
    )
    return path


COLUMNS = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]


def test_discover_writes_report_pngs_and_csvs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["discover", str(_csv(tmp_path)), *COLUMNS, "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "graph.png", "variants.png", "variants.csv", "loops.csv"} <= names
    stdout = capsys.readouterr().out
    assert "3 cases, 6 events, 3 activities" in stdout
    assert str((out / "report.html").resolve()) in stdout


def test_discover_with_separator_and_stage_graph(tmp_path, capsys):
    path = _csv(tmp_path, sep=";")
    out = tmp_path / "out"
    code = main(
        [
            "discover",
            str(path),
            *COLUMNS,
            "--stage",
            "stage",
            "--sep",
            ";",
            "--by",
            "stage",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == ""
    assert (out / "report.html").exists()


def test_check_adds_conformance_outputs(tmp_path, capsys):
    pytest.importorskip("journeymine.conformance")
    out = tmp_path / "out"
    code = main(
        [
            "check",
            str(_csv(tmp_path)),
            "--model",
            str(_model(tmp_path)),
            *COLUMNS,
            "--out",
            str(out),
        ]
    )
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "conformance.png",
        "funnel.png",
        "deviations.csv",
        "cases.csv",
        "funnel.csv",
        "loops.csv",
        "retention.csv",
        "time_to_return.csv",
        "repurchase.csv",
    } <= names
    printed = capsys.readouterr().out
    assert "conformance:" in printed and "repeat purchase: 0 of 1 buyers" in printed
    assert "Retention and repeat purchase" in (out / "report.html").read_text(encoding="utf-8")
    retention = pd.read_csv(out / "retention.csv")
    assert list(retention.columns) == ["cohort", "period", "cases", "retained", "rate", "lo", "hi"]


def test_xes_keys_are_detected(tmp_path, capsys):
    xes = tmp_path / "log.xes"
    events = "".join(
        f'<trace><string key="concept:name" value="{c}"/>'
        + "".join(
            f'<event><string key="concept:name" value="{a}"/>'
            f'<date key="time:timestamp" value="2025-01-0{i + 1}T10:00:00+00:00"/></event>'
            for i, a in enumerate(acts)
        )
        + "</trace>"
        for c, acts in (("1", ["ad", "buy"]), ("2", ["ad", "view"]))
    )
    xes.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{events}</log>')
    assert main(["discover", str(xes), "--out", str(tmp_path / "o")]) == 0
    assert "2 cases, 4 events" in capsys.readouterr().out


def test_data_error_exits_1_with_message_and_no_traceback(tmp_path, capsys):
    code = main(
        [
            "discover",
            str(_csv(tmp_path)),
            "--case",
            "cust",
            "--activity",
            "touchpoint",
            "--timestamp",
            "ts",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("journeymine: error: Column 'cust'")
    assert "Traceback" not in err
    assert "customer_id" in err


def test_missing_file_and_bad_model_exit_1(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "nope.csv")]) == 1
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [A]\nactivities: {x: B}\n")
    code = main(
        ["check", str(_csv(tmp_path)), "--model", str(bad), *COLUMNS, "--out", str(tmp_path / "o")]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("journeymine: error:") and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["check", "log.csv"],
        ["discover"],
        ["discover", "x.csv", "--on-error", "drop"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: journeymine" in capsys.readouterr().err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("journeymine ")
    with pytest.raises(SystemExit):
        main(["discover", "--help"])
    assert "--timestamp-format" in capsys.readouterr().out


def test_bad_top_is_a_data_error(tmp_path, capsys):
    assert main(["discover", str(_csv(tmp_path)), *COLUMNS, "--top", "0"]) == 1
    assert "--top must be a positive number" in capsys.readouterr().err


def test_no_status_line_when_stderr_is_not_a_tty(tmp_path, capsys):
    assert main(["discover", str(_csv(tmp_path)), *COLUMNS, "--out", str(tmp_path / "o")]) == 0
    assert capsys.readouterr().err == ""


def test_demo_writes_the_full_report(tmp_path, capsys):
    datasets = pytest.importorskip("journeymine.datasets")
    if not hasattr(datasets, "load_shop"):
        pytest.skip("the shop dataset is not available yet")
    pytest.importorskip("journeymine.conformance")
    assert main(["demo", "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "report.html",
        "graph.png",
        "variants.png",
        "conformance.png",
        "funnel.png",
        "variants.csv",
        "deviations.csv",
        "cases.csv",
        "loops.csv",
        "funnel.csv",
    } <= names
    out = capsys.readouterr().out
    assert "6,000 cases" in out and "conformance:" in out


def test_python_dash_m_runs_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "journeymine", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and out.stdout.startswith("journeymine ")


class _Terminal:
    """A stand-in for stderr attached to a terminal."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_status_line_and_progress_bar_on_a_terminal():
    from journeymine.cli import _Status

    term = _Terminal()
    status = _Status(term, enabled=True)
    status("discovering")
    assert term.text == "\rjourneymine: discovering…"
    status.bar("reading log.xes", 0.5, width=10)
    assert term.text.endswith("\rjourneymine: reading log.xes [#####.....]  50%")
    before = term.text
    status.bar("reading log.xes", 0.504, width=10)  # same percent: not redrawn
    assert term.text == before
    status.bar("reading log.xes", 1.0, width=10)
    assert term.text.endswith("[##########] 100%")
    status.clear()
    assert term.text.endswith("\r")
    quiet = _Terminal()
    _Status(quiet, enabled=False).bar("reading", 0.5)
    assert quiet.text == ""


def test_xes_read_reports_progress(tmp_path, monkeypatch, capsys):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    xes = tmp_path / "log.xes"
    events = "".join(
        f'<trace><string key="concept:name" value="c{c}"/>'
        f'<event><string key="concept:name" value="ad"/>'
        f'<date key="time:timestamp" value="2025-01-01T10:00:00+00:00"/></event></trace>'
        for c in range(3000)
    )
    xes.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{events}</log>')
    assert main(["discover", str(xes), "--out", str(tmp_path / "o")]) == 0
    assert "journeymine: reading log.xes [" in term.text and "100%" in term.text
    assert "3,000 cases" in capsys.readouterr().out


def test_rejected_rows_are_a_warning_line_not_a_python_warning(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer_id,touchpoint,ts\nc1,ad,2025-01-01\n,buy,2025-01-02\nc2,ad,2025-01-03\n"
    )
    argv = ["discover", str(bad), *COLUMNS, "--on-error", "collect", "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "1 row rejected (see the report)" in captured.out
    assert captured.err.startswith("journeymine: warning: 1 of 3 rows in ")
    assert "JourneymineWarning" not in captured.err and "sys.exit" not in captured.err
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_check_outcome_column_and_so_what_lines(tmp_path, capsys):
    """Issue 15: --outcome measures deviation impact on a numeric column; the summary says so."""
    events = pd.read_csv(_csv(tmp_path))
    events = pd.concat(
        [events, pd.DataFrame({"customer_id": ["d"], "touchpoint": ["chat"], "ts": ["2025-01-05"]})]
    )
    events["revenue"] = (events["touchpoint"] == "buy") * 40.0
    path = tmp_path / "revenue.csv"
    events.to_csv(path, index=False)
    out = tmp_path / "out"
    argv = ["check", str(path), "--model", str(_model(tmp_path)), *COLUMNS, "--out", str(out)]
    assert main([*argv, "--outcome", "revenue"]) == 0
    impact = pd.read_csv(out / "impact.csv")
    assert impact["kind"].tolist() == ["unknown_activity"]
    assert {"drift.csv", "representatives.csv"} <= {p.name for p in out.iterdir()}
    # one deviating case is under min_cases: no interval, so no picture (issue 22)
    assert impact["lo"].isna().all() and not (out / "impact.png").exists()
    text = capsys.readouterr().out
    assert "conformance over time:" in text and "representative journeys:" in text
    assert main([*argv, "--outcome", "stage"]) == 1
    assert "must be numeric" in capsys.readouterr().err


# -- issue 13: hints in command-line syntax, verified formats, model coverage --------


def test_hints_use_command_line_syntax(tmp_path, capsys):
    out = ["--out", str(tmp_path / "o")]
    path = _csv(tmp_path)
    assert main(["discover", str(path), "--case", "cust", "--activity", "touchpoint", *out]) == 1
    err = capsys.readouterr().err
    assert "Did you mean --case customer_id?" in err and "case='" not in err
    assert main(["discover", str(path), "--activity", "touchpoint", "--timestamp", "ts", *out]) == 1
    err = capsys.readouterr().err
    assert "Pass --case customer_id." in err
    spaced = tmp_path / "spaced.csv"
    pd.read_csv(path).rename(columns={"customer_id": "Household ID"}).to_csv(spaced, index=False)
    assert main(["discover", str(spaced), "--case", "household", *out]) == 1
    assert "Did you mean --case 'Household ID'?" in capsys.readouterr().err


def test_suggested_timestamp_format_reads_the_values_shown(tmp_path, capsys):
    path = tmp_path / "dates.csv"
    path.write_text("customer_id,touchpoint,ts\nc1,ad,13/01/2025\nc1,buy,14/01/2025\n")
    argv = ["discover", str(path), *COLUMNS, "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "'13/01/2025'" in err
    assert "--timestamp-format %d/%m/%Y (it reads '13/01/2025')" in err
    assert "--on-error collect" in err and "%H:%M" not in err
    # and the suggestion works
    assert main([*argv[:-2], "--timestamp-format", "%d/%m/%Y", "--out", str(tmp_path / "o")]) == 0


def test_check_warns_when_the_model_knows_no_activity(tmp_path, capsys):
    # YAML reads 101 as a number; the CSV's activities are text: nothing matches
    path = tmp_path / "codes.csv"
    path.write_text("customer_id,touchpoint,ts\nc1,101,2025-01-01\nc1,201,2025-01-02\n")
    model = tmp_path / "codes.yaml"
    model.write_text("stages:\n  Awareness: [101]\n  Purchase: [201]\n")
    argv = ["check", str(path), *COLUMNS, "--model", str(model), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "journeymine: warning: None of the log's 2 activities" in err
    assert "quote them in the YAML" in err


# -- issue 23: every fix a hint suggests is an option; checks before the long read ----------


def _dupes_and_lifecycles(tmp_path):
    """A log whose every event is logged twice (start and complete), one exact duplicate."""
    rows = []
    for case, acts in {"a": ["ad", "view", "buy"], "b": ["ad", "view"]}.items():
        for i, act in enumerate(acts):
            day = f"2025-01-0{i + 1}"
            rows += [(case, act, f"{day} 10:00", "start"), (case, act, f"{day} 10:05", "complete")]
    rows.append(("b", "view", "2025-01-02 10:05", "complete"))  # loaded twice
    path = tmp_path / "lifecycle.csv"
    pd.DataFrame(rows, columns=["customer_id", "touchpoint", "ts", "lifecycle:transition"]).to_csv(
        path, index=False
    )
    return path


def test_dedupe_and_lifecycle_options_do_what_the_warnings_suggest(tmp_path, capsys):
    path = _dupes_and_lifecycles(tmp_path)
    argv = ["discover", str(path), *COLUMNS, "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    warned = [x for x in captured.err.splitlines() if x.startswith("journeymine: warning:")]
    assert len(warned) == 2, captured.err  # duplicates, lifecycles: once each
    assert "Drop them with --dedupe." in captured.err
    assert "Keep one transition with --lifecycle complete" in captured.err
    assert "jm." not in captured.err and "filter_events" not in captured.err
    assert "11 events" in captured.out
    assert main([*argv, "--lifecycle", "complete"]) == 0
    captured = capsys.readouterr()
    assert "mixes lifecycle" not in captured.err and "6 events" in captured.out
    assert captured.err.count("journeymine: warning:") == 1  # the duplicate is still there
    assert main([*argv, "--lifecycle", "complete", "--dedupe"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "5 events" in captured.out


def test_strict_funnel_and_as_of_options(tmp_path, capsys):
    out = tmp_path / "o"
    argv = ["check", str(_csv(tmp_path)), *COLUMNS, "--model", str(_model(tmp_path))]
    argv += ["--out", str(out)]
    assert main([*argv, "--ordered", "--within", "1D"]) == 0
    text = capsys.readouterr().out
    funnel = pd.read_csv(out / "funnel.csv")
    assert "without_previous" not in funnel  # the strict funnel
    assert (pd.to_timedelta(funnel["median_time_to_reach"]).dropna() <= pd.Timedelta("1D")).all()
    assert (
        "strict funnel: 1 case (33.3%) reaches Purchase, median 23 h after the first stage" in text
    )
    assert main([*argv, "--as-of", "2025-01-05"]) == 0
    assert "open" in pd.read_csv(out / "funnel.csv")
    assert "funnel: 1 case (33.3%) reaches Purchase, median 23 h after their first event" in (
        capsys.readouterr().out
    )
    # a time before the log's end: the hint is in command-line syntax
    assert main([*argv, "--as-of", "2025-01-02"]) == 1
    err = capsys.readouterr().err
    assert "--as-of 2025-01-05" in err and "as_of=" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--within", "30D"], "add --ordered, e.g. --ordered --within 30D"),
        (["--ordered", "--within", "soon"], "--within must be a non-negative duration"),
        (["--as-of", "someday"], "--as-of must be a date or time"),
    ],
)
def test_option_errors_come_before_the_log_is_read(tmp_path, capsys, extra, message):
    missing = tmp_path / "no-such-log.csv"  # never read: the options fail first
    argv = ["check", str(missing), "--model", str(_model(tmp_path)), *extra]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and "not found" not in err


def test_model_is_loaded_and_checked_before_the_log(tmp_path, capsys):
    bad_model = tmp_path / "bad.yaml"
    bad_model.write_text("stages: [A, B]\nactivities: {x: C}\n")
    missing = tmp_path / "no-such-log.csv"
    argv = ["check", str(missing), "--model", str(bad_model), "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("journeymine: error:") and "no-such-log" not in err
    assert main([*argv[:3], str(tmp_path / "absent.yaml"), *argv[4:]]) == 1
    assert "Model file" in capsys.readouterr().err


def test_unwritable_out_is_a_clear_error_before_the_log_is_read(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "report"):
        argv = ["discover", str(tmp_path / "no-such-log.csv"), "--out", str(out)]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("journeymine: error: Cannot write the report to the folder")
        assert "--out" in err and "Traceback" not in err and "Errno" not in err


def test_write_report_to_an_unwritable_place_raises_parameter_error(tmp_path):
    import journeymine as jm

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    log = jm.from_pandas(
        pd.read_csv(_csv(tmp_path)), case="customer_id", activity="touchpoint", timestamp="ts"
    )
    with pytest.raises(jm.ParameterError, match="Cannot write the report to .*a-file"):
        jm.write_report(log, blocker / "report.html")
    with pytest.raises(jm.ParameterError, match="Cannot write the figures and tables"):
        jm.write_report(log, tmp_path / "r.html", out_dir=blocker)


def test_each_warning_is_printed_once_per_run(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text("customer_id,touchpoint,ts\nc1,101,2025-01-01\nc1,201,2025-01-02\n")
    model = tmp_path / "codes.yaml"
    model.write_text("stages:\n  Awareness: [101]\n  Purchase: [201]\n")
    argv = ["check", str(path), *COLUMNS, "--model", str(model), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("journeymine: warning:") == 1, err
