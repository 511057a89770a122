"""cluster_journeys: planted personas are found, profiles match pandas, plots are readable."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

pytest.importorskip("sklearn", reason="scikit-learn (the ml extra) is not installed")


def _chain(acts: list[str], extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*zip(acts[:-1], acts[1:], strict=True), *extra]


def persona_models() -> list[jm.JourneyModel]:
    """Three distinct journeys: a researcher, a deal hunter and a support seeker."""
    a1 = ["Search ad", "Landing page", "Read reviews", "Compare prices", "Add to cart", "Checkout"]
    a2 = ["Email promo", "Open email", "Coupon", "Express checkout"]
    a3 = ["Store visit", "Ask staff", "Call support", "Open ticket", "Leave store"]
    return [
        jm.JourneyModel(
            stages=["Discover", "Compare", "Buy"],
            activities=dict(zip(a1, ["Discover"] * 2 + ["Compare"] * 2 + ["Buy"] * 2, strict=True)),
            transitions=_chain(
                a1, [("Landing page", "Compare prices"), ("Read reviews", "Add to cart")]
            ),
            purchase=["Checkout"],
        ),
        jm.JourneyModel(
            stages=["Notice", "Buy"],
            activities=dict(zip(a2, ["Notice"] * 2 + ["Buy"] * 2, strict=True)),
            transitions=_chain(a2, [("Email promo", "Coupon")]),
            purchase=["Express checkout"],
        ),
        jm.JourneyModel(
            stages=["Visit", "Help", "Leave"],
            activities=dict(zip(a3, ["Visit", "Help", "Help", "Help", "Leave"], strict=True)),
            transitions=_chain(a3, [("Ask staff", "Open ticket"), ("Store visit", "Call support")]),
        ),
    ]


def persona_log(cases: int = 150, seed: int = 0) -> tuple[jm.JourneyLog, pd.Series]:
    """The three personas simulated, case ids relabelled, mixed into one log; and the truth."""
    frames = []
    for i, model in enumerate(persona_models()):
        df = jm.simulate(model, cases=cases, seed=seed + i).to_pandas()
        df["case"] = f"p{i}-" + df["case"].astype(str)
        df["persona"] = i
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp")
    return log, log.case_table().set_index("case")["persona"]


@pytest.mark.slow
@pytest.mark.parametrize("features", ["transitions", "activities", "ngrams"])
def test_planted_personas_are_recovered(features: str) -> None:
    from sklearn.metrics import adjusted_rand_score

    log, truth = persona_log()
    result = jm.cluster_journeys(log, features=features)
    assert result.k == 3
    assert result.silhouette is not None
    assert result.silhouette.loc[result.silhouette["silhouette"].idxmax(), "k"] == 3
    ari = adjusted_rand_score(truth.loc[result.cases["case"]], result.cases["cluster"])
    assert ari >= 0.9
    assert "chosen by silhouette" in repr(result)


def test_profiles_equal_pandas() -> None:
    log, _ = persona_log(cases=60, seed=5)
    model = persona_models()[0]
    result = jm.cluster_journeys(log, k=3, model=model)
    assert result.silhouette is None
    cases = result.cases
    assert cases["case"].tolist() == log.cases.tolist()
    events = log.to_pandas()
    seq = events.groupby("case")["activity"].agg(tuple)
    span = events.groupby("case")["timestamp"].agg(lambda t: t.max() - t.min())
    size = events.groupby("case").size()
    bought = events.groupby("case")["activity"].agg(lambda a: float("Checkout" in set(a)))
    frame = cases.set_index("case").assign(seq=seq, span=span, size=size, bought=bought)
    g = frame.groupby("cluster")
    prof = result.profiles.set_index("cluster")
    np.testing.assert_array_equal(prof["cases"], g.size())
    np.testing.assert_allclose(prof["share"], g.size() / len(frame))
    np.testing.assert_allclose(prof["outcome"], g["bought"].mean())
    np.testing.assert_allclose(prof["median_events"], g["size"].median())
    assert (prof["median_duration"] == g["span"].median()).all()
    assert (np.diff(prof["cases"].to_numpy()) <= 0).all()  # largest first
    for c, block in g:
        counts = block["seq"].value_counts()
        assert counts[prof.loc[c, "top_variant"]] == counts.max()
        np.testing.assert_allclose(prof.loc[c, "variant_share"], counts.max() / len(block))
        for name, lift in prof.loc[c, "transitions"]:
            a, b = name.split(" -> ")
            took = frame["seq"].map(
                lambda s, a=a, b=b: any(s[i : i + 2] == (a, b) for i in range(len(s)))
            )
            within = took[frame["cluster"] == c].mean()
            assert within >= 0.2
            np.testing.assert_allclose(lift, within / took.mean())
    assert set(result.graphs) == set(range(3))
    assert result.graphs[0].n_cases == prof.loc[0, "cases"]


def test_same_seed_same_clusters_and_small_k_error() -> None:
    log, _ = persona_log(cases=40)
    a = jm.cluster_journeys(log, k=4, seed=3)
    b = jm.cluster_journeys(log, k=4, seed=3)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    with pytest.raises(jm.ParameterError, match="distinct journeys"):
        jm.cluster_journeys(log, k=10_000)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 1}, "'k' parameter"),
        ({"k": 2.0}, "'k' parameter"),
        ({"features": "words"}, "features"),
        ({"seed": "x"}, "'seed' parameter"),
        ({"model": "shop"}, "'model' parameter"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(jm.ParameterError, match=match):
        jm.cluster_journeys(jm.datasets.load_shop(), **kwargs)


def test_without_scikit_learn_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(jm.MissingDependencyError, match=r"journeymine\[ml\]"):
        jm.cluster_journeys(jm.datasets.load_shop(), k=2)


def test_plot_clusters_draws_one_readable_panel_per_cluster() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.text import Text

    log, _ = persona_log(cases=40)
    result = jm.cluster_journeys(log, k=3)
    axes = result.plot()
    assert len(axes) == 3
    fig = axes[0].figure
    titles = [ax.get_title() for ax in axes]
    assert titles[0].startswith("Cluster 0: ")
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert min(sizes) >= 8
    with pytest.raises(jm.ParameterError, match="one Axes per cluster"):
        jm.plot_clusters(result, ax=[axes[0]])
    with pytest.raises(jm.ParameterError, match="expects the result"):
        jm.plot_clusters(log)
    import matplotlib.pyplot as plt

    plt.close("all")
