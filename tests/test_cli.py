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
    } <= names
    assert "conformance:" in capsys.readouterr().out


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
