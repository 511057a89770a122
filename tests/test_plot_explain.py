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
