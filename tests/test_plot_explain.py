"""The so-what pictures: each draws on the Axes given (or a new one) and rejects wrong tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import journeymine as jm  # noqa: E402
from journeymine.errors import ParameterError  # noqa: E402
from journeymine.plot.explain import duration_unit  # noqa: E402


@pytest.fixture(scope="module")
def shop():
    return jm.datasets.load_shop(), jm.datasets.shop_model()


def test_each_picture(shop, tmp_path):
    log, model = shop
    tables = {
        jm.plot_impact: jm.deviation_impact(log, model),
        jm.plot_drift: jm.conformance_drift(log, model, freq="M", segment="channel"),
        jm.plot_channel_switches: jm.channel_switches(log, summary=True),
        jm.plot_time_in_stage: jm.stage_durations(log, model, summary=True, as_of="2026-01-01"),
    }
    for func, table in tables.items():
        fig, ax = plt.subplots()
        assert func(table, ax=ax) is ax
        fig.savefig(tmp_path / f"{func.__name__}.png")
        plt.close(fig)
        with pytest.raises(ParameterError, match=func.__name__):
            func(pd.DataFrame({"x": [1]}))
    reps = jm.representatives(log, k=5)
    for m in (None, model):
        ax = jm.plot_representatives(reps, model=m)
        assert len(ax.patches) >= reps["sequence"].map(len).clip(upper=14).sum()
        plt.close(ax.figure)


def test_time_in_stage_rejects_groups(shop):
    log, model = shop
    seg = jm.stage_durations(log, model, summary=True, segment="channel")
    with pytest.raises(ParameterError, match="select one group"):
        jm.plot_time_in_stage(seg)


def test_duration_unit():
    assert duration_unit(pd.to_timedelta(["30s", "50s"]))[0] == "seconds"
    assert duration_unit(pd.to_timedelta(["3D", "9D"]))[0] == "days"
    assert duration_unit(pd.Series([pd.NaT], dtype="timedelta64[ns]"))[0] == "days"


def test_representatives_step_by_step_labels_fit_their_boxes(shop):
    log, model = shop
    reps = jm.representatives(log, coverage=0.8).head(6)
    ax = jm.plot_representatives(reps, model=model, max_steps=8, by_stage=False)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches if hasattr(p, "get_boxstyle")]
    labels = [t for t in ax.texts if t.get_text() not in ("", "…")]
    assert labels and all(t.get_fontsize() >= 8 for t in labels)
    for t in labels:
        e = t.get_window_extent(renderer)
        owner = [b for b in boxes if b.contains((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2)]
        assert owner and owner[0].x0 <= e.x0 and e.x1 <= owner[0].x1, t.get_text()
        assert owner[0].y0 <= e.y0 and e.y1 <= owner[0].y1, t.get_text()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["Awareness", "Consideration"]
    plt.close(fig)
