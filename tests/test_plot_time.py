"""The dotted chart, the performance spectrum and activity over time: artists against the log."""

from __future__ import annotations

from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.dates import date2num  # noqa: E402

import journeymine as jm  # noqa: E402
from journeymine.errors import LogError, ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def events_frame(log: jm.JourneyLog) -> pd.DataFrame:
    """case, activity, timestamp (UTC, naive) in log order, from the user's frame."""
    frame = log.to_pandas()
    ts = pd.to_datetime(frame[log.timestamp], utc=True).dt.tz_localize(None)
    return pd.DataFrame(
        {"case": frame[log.case].to_numpy(), "activity": frame[log.activity].to_numpy(), "t": ts}
    ).reset_index(drop=True)


def points(ax) -> np.ndarray:
    return np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])


def test_dotted_chart_relative_sepsis_every_event_at_its_place():
    log = jm.datasets.load_sepsis()
    ax = jm.plot_dotted_chart(log, x="relative", sort="duration")
    df = events_frame(log)
    got = points(ax)
    assert len(got) == log.n_events  # 300 cases: no sampling
    assert "sampled" not in ax.get_title()
    # rows: cases by duration, ascending, ties in log order
    first = df.groupby("case", sort=False)["t"].transform("min")
    span = df.groupby("case", sort=False)["t"].agg(lambda t: t.max() - t.min())
    rank = pd.Series(range(len(span)), index=span.sort_values(kind="stable").index)
    unit = ax.get_xlabel().rsplit("(", 1)[1].rstrip(")")
    per = {"s": 1, "min": 60, "h": 3600, "d": 86400}[unit]
    want = Counter(
        zip(
            ((df["t"] - first).dt.total_seconds() / per).round(9),
            df["case"].map(rank).astype(float),
            strict=True,
        )
    )
    assert Counter(zip(got[:, 0].round(9), got[:, 1], strict=True)) == want


def test_dotted_chart_absolute_shop_sampled_deterministically():
    log = jm.datasets.load_shop()
    ax = jm.plot_dotted_chart(log, max_cases=300)
    got = points(ax)
    assert "300 of 6,000 cases (sampled" in ax.get_title()
    rows = got[:, 1].astype(int)
    assert set(rows) == set(range(300))
    df = events_frame(log)
    df["x"] = date2num(df["t"].to_numpy())
    cases = {tuple(sorted(g["x"].round(9))): c for c, g in df.groupby("case", sort=False)}
    firsts = []
    for row in range(300):  # each row is one whole case of the log
        xs = tuple(sorted(got[rows == row, 0].round(9)))
        assert xs in cases
        firsts.append(xs[0])
    assert firsts == sorted(firsts)  # sorted by start
    again = points(jm.plot_dotted_chart(log, max_cases=300))
    np.testing.assert_array_equal(np.sort(again, axis=0), np.sort(got, axis=0))


def test_dotted_chart_colour_column_and_errors():
    log = jm.datasets.load_shop()
    ax = jm.plot_dotted_chart(log, color="channel", sort="events", max_cases=100)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) <= set(log.to_pandas()["channel"].astype(str))
    with pytest.raises(ParameterError, match="'sort'"):
        jm.plot_dotted_chart(log, sort="length")
    with pytest.raises(ParameterError, match="'max_cases'"):
        jm.plot_dotted_chart(log, max_cases=0)
    with pytest.raises(LogError, match="nope"):
        jm.plot_dotted_chart(log, color="nope")


@pytest.mark.parametrize(
    ("loader", "segments"),
    [
        (jm.datasets.load_shop, [("Add to cart", "Start checkout"), ("Place order", "Pay")]),
        (jm.datasets.load_sepsis, [("ER Registration", "ER Triage"), ("CRP", "LacticAcid")]),
    ],
)
def test_performance_spectrum_lines_are_the_occurrences(loader, segments):
    log = loader()
    ax = jm.plot_performance_spectrum(log, segments)
    df = events_frame(log)
    nxt = df.shift(-1)
    same = df["case"] == nxt["case"]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    got = np.concatenate([np.asarray(c.get_segments()).reshape(-1, 2, 2) for c in lines])
    tops = sorted({round(y, 9) for y in got[:, 0, 1]})
    want = []
    for i, (a, b) in enumerate(segments):
        hit = same & (df["activity"] == a) & (nxt["activity"] == b)
        x0 = date2num(df.loc[hit, "t"].to_numpy())
        x1 = date2num(nxt.loc[hit, "t"].to_numpy())
        want += [(round(p, 6), round(q, 6), i) for p, q in zip(x0, x1, strict=True)]
        assert hit.sum() > 0
    where = {y: i for i, y in enumerate(tops)}
    have = [(round(s[0, 0], 6), round(s[1, 0], 6), where[round(s[0, 1], 9)]) for s in got]
    assert Counter(have) == Counter(want)
    assert (got[:, 1, 1] > got[:, 0, 1]).all()  # from a's axis down to b's
    # quartile classes (four collections per segment, fastest first): no overlap
    assert len(lines) == 4 * len(segments)
    for i in range(len(segments)):
        spans = [
            np.ptp(np.asarray(c.get_segments())[:, :, 0], axis=1)
            if len(c.get_segments())
            else np.empty(0)
            for c in lines[4 * i : 4 * i + 4]
        ]
        for q in range(3):
            if spans[q].size and spans[q + 1].size:
                assert spans[q].max() <= spans[q + 1].min() + 1e-9


def test_performance_spectrum_errors_and_plain():
    log = jm.datasets.load_shop()
    ax = jm.plot_performance_spectrum(log, [("Place order", "Pay")], classify="none")
    assert len(ax.collections) == 1
    with pytest.raises(ParameterError, match="'segments'"):
        jm.plot_performance_spectrum(log, ["Pay"])
    with pytest.raises(ParameterError, match="Did you mean"):
        jm.plot_performance_spectrum(log, [("Place order", "Pai")])
    with pytest.raises(ParameterError, match="'classify'"):
        jm.plot_performance_spectrum(log, [("Place order", "Pay")], classify="decile")


def test_activity_over_time_plot_matches_table():
    log = jm.datasets.load_shop()
    table = jm.activity_over_time(log, "M")
    ax = jm.plot_activity_over_time(table)
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["active cases"].get_ydata(), table["active_cases"])
    ax = jm.plot_activity_over_time(log, freq="M", by="channel", column="new_cases")
    assert len(ax.get_lines()) == log.to_pandas()["channel"].nunique()
    with pytest.raises(ParameterError, match="activity_over_time"):
        jm.plot_activity_over_time(pd.DataFrame({"x": [1]}))


def test_step_matrix_plots_centred_and_differential():
    log = jm.datasets.load_shop()
    ax = jm.plot_step_matrix(jm.step_matrix(log, steps=2, anchor="Pay"))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-2:] == ["(not started)", "(ended)"]
    web = log.case_table().set_index("case")["channel"] == "web"
    matrix = jm.step_matrix(log, steps=2, anchor="Pay", groups=web)
    ax = jm.plot_step_matrix(matrix)
    image = ax.get_images()[0].get_array()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    np.testing.assert_allclose(image, matrix["difference"].loc[rows].to_numpy(), equal_nan=True)
