"""Warnings a person can act on: exact counts, once per call, at the user's line.

Each test triggers one warning from this file and checks, with
``warnings.catch_warnings(record=True)``, that it is raised once and that
``w.filename`` is this file (``stacklevel`` walks out of journeymine).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import JourneymineWarning

HERE = __file__

#: a model for other data: none of the shop's activities is in it
ALIEN = jm.JourneyModel(
    stages=["Browse", "Buy"], activities={"browse": "Browse", "buy": "Buy"}, purchase=["buy"]
)


def _record(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, JourneymineWarning)]


def _many_activities(n: int) -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": np.arange(n) // 3,
            "a": [f"act {i}" for i in range(n)],
            "t": pd.date_range("2025-01-01", periods=n, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("funnel", lambda log: jm.funnel(log, ALIEN)),
        ("check", lambda log: jm.check(log, ALIEN)),
        ("stage_durations", lambda log: jm.stage_durations(log, ALIEN)),
        ("find_loops", lambda log: jm.find_loops(log, model=ALIEN)),
        ("build_report_html", lambda log: jm.report.build_report_html(log, model=ALIEN)),
        (
            "compare",
            lambda log: jm.compare(log, pd.Series(log.cases % 2, index=log.cases), model=ALIEN),
        ),
        ("deviation_impact", lambda log: jm.deviation_impact(log, ALIEN)),
        ("conformance_drift", lambda log: jm.conformance_drift(log, ALIEN)),
        ("loop_summary", lambda log: jm.loop_summary(log, model=ALIEN)),
        ("stage_visits", lambda log: jm.stage_visits(log, ALIEN)),
    ],
)
def test_model_coverage_warning_once_exact_and_at_the_users_line(name, call):
    log = _many_activities(7139)
    got = _record(lambda: call(log))
    assert len(got) == 1, [str(w.message)[:80] for w in got]
    text = str(got[0].message)
    assert "None of the log's 7,139 activities" in text, text
    assert "(7,139 in all)" in text
    assert got[0].filename == HERE, (name, got[0].filename)


def test_partly_covered_model_counts_events_exactly():
    log = jm.datasets.load_shop()
    model = jm.JourneyModel(stages=["Refer"], activities={"Refer a friend": "Refer"})
    known = int((log.column(log.activity) == "Refer a friend").sum())
    got = _record(lambda: jm.funnel(log, model))
    assert len(got) == 1 and got[0].filename == HERE
    assert f"Only {known:,} of {log.n_events:,} events" in str(got[0].message)


def test_reader_warnings_point_at_the_users_line(tmp_path):
    df = pd.DataFrame(
        {
            "c": ["a", "a", "a", None],
            "x": ["ad", "ad", "buy", "ad"],
            "t": ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03"],
        }
    )
    got = _record(
        lambda: jm.from_pandas(df, case="c", activity="x", timestamp="t", on_error="collect")
    )
    texts = [str(w.message) for w in got]
    assert len(got) == 2, texts  # one rejected row, one duplicate event
    assert any("1 event " in t and "repeats the event just before it" in t for t in texts)
    assert {w.filename for w in got} == {HERE}
    path = tmp_path / "events.csv"
    df.dropna().to_csv(path, index=False)
    got = _record(lambda: jm.read_csv(path, case="c", activity="x", timestamp="t"))
    assert len(got) == 1 and got[0].filename == HERE


def test_filter_warning_points_at_the_users_line():
    log = jm.datasets.load_shop()
    got = _record(lambda: jm.filter_events(log, activities=log.activities, keep=False))
    assert len(got) == 1 and got[0].filename == HERE


def test_report_warns_once_per_call_not_once_per_analysis(tmp_path):
    log = jm.datasets.load_shop()
    got = _record(lambda: jm.write_report(log, tmp_path / "r.html", model=ALIEN))
    assert len(got) == 1, [str(w.message)[:80] for w in got]
    assert got[0].filename == HERE
    # and a second call warns again (once): "once" is per call, not per session
    got = _record(lambda: jm.write_report(log, tmp_path / "r.html", model=ALIEN))
    assert len(got) == 1


def test_warnings_as_errors_still_raise_from_a_report(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", JourneymineWarning)
        with pytest.raises(JourneymineWarning, match="None of the log's"):
            jm.write_report(jm.datasets.load_shop(), tmp_path / "r.html", model=ALIEN)
