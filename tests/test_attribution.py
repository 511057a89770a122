"""Attribution models and conversion paths, against references written from issue 25's text.

The references below work one conversion at a time on a plain pandas frame,
in Python loops; they share no code with ``journeymine.attribution``.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.attribution import _removal_effects

RULES = ("first", "last", "linear", "time_decay", "position", "shapley")
DAY = pd.Timedelta(days=1)


# -- the reference: paths, one conversion at a time ------------------------------------------
def ref_paths(
    df: pd.DataFrame, conversion: set[Any], lookback: pd.Timedelta | None
) -> tuple[list[tuple[list[tuple[Any, pd.Timestamp]], pd.Timestamp]], list[list[Any]], int]:
    """(converting paths with their conversion time, non-converting paths, conversions w/o touch).

    ``df`` has columns case, activity, timestamp, touch. Events are taken in
    the log's order: by case, then time, then input row.
    """
    df = df.reset_index(drop=True)
    df = df.assign(_row=np.arange(len(df))).sort_values(["case", "timestamp", "_row"])
    converting, non_converting, no_touch = [], [], 0
    for _, g in df.groupby("case", sort=True):
        events = list(g.itertuples(index=False))

        def is_touch(e: Any) -> bool:
            return not pd.isna(e.touch) and e.activity not in conversion

        prev = -1
        for j, e in enumerate(events):
            if e.activity not in conversion:
                continue
            path = [
                (events[i].touch, events[i].timestamp)
                for i in range(prev + 1, j)
                if is_touch(events[i])
                and (lookback is None or events[i].timestamp >= e.timestamp - lookback)
            ]
            if path:
                converting.append((path, e.timestamp))
            else:
                no_touch += 1
            prev = j
        if prev == -1:
            last = events[-1].timestamp
            rest = [
                x.touch
                for x in events
                if is_touch(x) and (lookback is None or x.timestamp >= last - lookback)
            ]
        else:
            rest = [x.touch for x in events[prev + 1 :] if is_touch(x)]
        if rest:
            non_converting.append(rest)
    return converting, non_converting, no_touch


def ref_rule_credit(
    converting: list[tuple[list[tuple[Any, pd.Timestamp]], pd.Timestamp]], half_life: pd.Timedelta
) -> dict[str, dict[Any, float]]:
    """Conversions per model and touch, crediting one conversion at a time."""
    out: dict[str, dict[Any, float]] = {m: {} for m in RULES}

    def give(model: str, touch: Any, amount: float) -> None:
        out[model][touch] = out[model].get(touch, 0.0) + amount

    for path, t_conv in converting:
        touches = [t for t, _ in path]
        n = len(touches)
        give("first", touches[0], 1.0)
        give("last", touches[-1], 1.0)
        for t in touches:
            give("linear", t, 1.0 / n)
        weights = [2.0 ** (-((t_conv - ts) / half_life)) for _, ts in path]
        for t, w in zip(touches, weights, strict=True):
            give("time_decay", t, w / sum(weights))
        if n == 1:
            give("position", touches[0], 1.0)
        elif n == 2:
            give("position", touches[0], 0.5)
            give("position", touches[1], 0.5)
        else:
            give("position", touches[0], 0.4)
            give("position", touches[-1], 0.4)
            for t in touches[1:-1]:
                give("position", t, 0.2 / (n - 2))
        distinct = set(touches)
        for t in distinct:
            give("shapley", t, 1.0 / len(distinct))
    return out


def frame_of(log: jm.JourneyLog, touch: str = "channel") -> pd.DataFrame:
    """The log's events as the reference's plain frame."""
    df = log.to_pandas()
    return pd.DataFrame(
        {
            "case": df[log.case],
            "activity": df[log.activity],
            "timestamp": df[log.timestamp],
            "touch": df[log.activity] if touch == "activity" else df[touch],
        }
    )


def assert_rules_agree(
    log: jm.JourneyLog,
    frame: pd.DataFrame,
    conversion: list[Any],
    lookback: pd.Timedelta | None,
    half_life: pd.Timedelta,
    paths: Any = None,
) -> None:
    got = jm.attribution(
        log,
        conversion=conversion,
        models=RULES,
        lookback=lookback,
        half_life=half_life,
        ci=None,
    )
    converting, _, no_touch = paths or ref_paths(frame, set(conversion), lookback)
    want = ref_rule_credit(converting, half_life)
    assert got.attrs["no_touch"] == no_touch
    total = len(converting)
    for model in RULES:
        rows = got[got.model == model].set_index("touch")
        for touch, credit in want[model].items():
            assert rows.loc[touch, "conversions"] == pytest.approx(credit, rel=1e-12, abs=1e-12)
            assert rows.loc[touch, "share"] == pytest.approx(credit / total, rel=1e-12, abs=1e-12)
        # touches the reference never credits get nothing
        others = rows.drop(index=[t for t in want[model] if t in rows.index])
        assert (others["conversions"] == 0).all()
        if model in ("first", "last"):  # whole conversions: exactly integers
            assert (rows["conversions"] == rows["conversions"].round()).all()


# -- random logs --------------------------------------------------------------------------
@st.composite
def touch_logs(draw: Any) -> pd.DataFrame:
    """Small logs with repeats, ties, conversions with and without touches, several per case,
    missing touches, and times on whole hours so lookback edges are hit exactly."""
    n_cases = draw(st.integers(1, 6))
    rows = []
    for c in range(n_cases):
        for _ in range(draw(st.integers(1, 9))):
            act = draw(st.sampled_from(["buy", "view", "view", "ad", "mail"]))
            touch = draw(st.sampled_from(["web", "app", "store", None]))
            hour = draw(st.integers(0, 72))
            rows.append(
                (f"c{c}", act, pd.Timestamp("2025-01-01") + pd.Timedelta(hours=hour), touch)
            )
    perm = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[i] for i in perm], columns=["case", "activity", "timestamp", "touch"])


def build(frame: pd.DataFrame) -> jm.JourneyLog:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return jm.from_pandas(
            frame, case="case", activity="activity", timestamp="timestamp", channel="touch"
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=touch_logs(),
    lookback=st.sampled_from([None, pd.Timedelta(0), pd.Timedelta(hours=5), DAY]),
    half_life=st.sampled_from([pd.Timedelta(hours=1), DAY]),
    conversion=st.sampled_from([["buy"], ["buy", "mail"]]),
)
def test_rule_models_agree_with_reference_on_random_logs(
    frame: pd.DataFrame, lookback: Any, half_life: pd.Timedelta, conversion: list[str]
) -> None:
    log = build(frame)
    assert_rules_agree(log, frame, conversion, lookback, half_life)


@pytest.fixture(scope="module")
def shop() -> tuple[jm.JourneyLog, pd.DataFrame]:
    log = jm.datasets.load_shop()
    return log, frame_of(log)


@pytest.fixture(scope="module")
def shop_paths(shop: Any) -> Any:
    """The reference's paths of the shop data (30-day lookback), computed once."""
    return ref_paths(shop[1], {"Place order"}, pd.Timedelta(days=30))


@pytest.mark.slow
def test_rule_models_agree_with_reference_on_shop(shop: Any, shop_paths: Any) -> None:
    log, frame = shop
    assert_rules_agree(
        log, frame, ["Place order"], pd.Timedelta(days=30), pd.Timedelta(days=7), shop_paths
    )


def test_rule_models_on_shop_by_activity_and_no_lookback(shop: Any) -> None:
    log, _ = shop
    cases = log.case_labels[:600]
    sub = log.select_cases(np.arange(600))
    frame = frame_of(sub, touch="activity")
    assert frame["case"].isin(cases).all()
    got = jm.attribution(
        sub,
        model=jm.datasets.shop_model(),
        touch="activity",
        lookback=None,
        models=["linear"],
        ci=None,
    )
    converting, _, _ = ref_paths(frame, {"Place order"}, None)
    want = ref_rule_credit(converting, pd.Timedelta(days=7))["linear"]
    rows = got.set_index("touch")["conversions"]
    for touch, credit in want.items():
        assert rows[touch] == pytest.approx(credit, rel=1e-12)


def test_hand_example() -> None:
    """One case: ad(web) view(app) buy | view(store) buy | ad(web): by hand."""
    frame = pd.DataFrame(
        {
            "case": ["a"] * 6,
            "activity": ["ad", "view", "buy", "view", "buy", "ad"],
            "timestamp": pd.to_datetime(
                ["2025-01-01", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-05", "2025-01-09"]
            ),
            "touch": ["web", "app", "app", "store", "store", "web"],
        }
    )
    got = jm.attribution(build(frame), conversion="buy", ci=None, lookback="2D")
    t = got.set_index(["model", "touch"])["conversions"]
    # path 1 within 2 days of Jan 4: (app); path 2: (store); the ad on Jan 1 is too old
    assert t["first", "app"] == 1 and t["first", "store"] == 1 and t["first", "web"] == 0
    assert got.attrs["no_touch"] == 0
    paths = jm.conversion_paths(build(frame), conversion="buy", lookback="2D")
    assert set(paths["path"]) == {("app",), ("store",), ("web",)}
    web = paths.set_index(paths["path"].map(str)).loc[str(("web",))]
    assert web["conversions"] == 0 and web["non_conversions"] == 1


def test_time_decay_of_old_paths_does_not_underflow() -> None:
    frame = pd.DataFrame(
        {
            "case": ["a"] * 3,
            "activity": ["ad", "view", "buy"],
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", "2025-01-01"]),
            "touch": ["web", "app", None],
        }
    )
    got = jm.attribution(
        build(frame),
        conversion="buy",
        models=["time_decay"],
        lookback=None,
        half_life="1h",
        ci=None,
    )
    shares = got.set_index("touch")["share"]
    # the app touch is 24 half-lives newer than the web one
    assert shares["app"] == pytest.approx(1 / (1 + 2.0**-24), rel=1e-12)
    assert shares.sum() == pytest.approx(1.0)


# -- Markov: exact against a brute-force reference ------------------------------------------
def _absorb(chain: dict[Any, dict[Any, int]], removed: Any = None) -> Fraction:
    """P(conversion | start) by exact Gaussian elimination over fractions, with ``removed``'s
    incoming transitions sent to null."""
    states = sorted({s for s in chain if s not in ("(conv)", "(null)", removed)}, key=str)
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    a = [[Fraction(int(i == j)) for j in range(n)] + [Fraction(0)] for i in range(n)]
    for s in states:
        total = sum(chain[s].values())
        for t, c in chain[s].items():
            p = Fraction(c, total)
            if t == "(conv)":
                a[index[s]][n] += p
            elif t in index:
                a[index[s]][index[t]] -= p
    for col in range(n):  # Gauss-Jordan
        piv = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[piv] = a[piv], a[col]
        inv = 1 / a[col][col]
        a[col] = [x * inv for x in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                f = a[r][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    return a[index["(start)"]][n]


def ref_markov(converting: list[list[Any]], non_converting: list[list[Any]]) -> dict[Any, float]:
    chain: dict[Any, dict[Any, int]] = {}
    for paths, end in ((converting, "(conv)"), (non_converting, "(null)")):
        for path in paths:
            seq = ["(start)", *path, end]
            for s, t in zip(seq[:-1], seq[1:], strict=True):
                chain.setdefault(s, {})
                chain[s][t] = chain[s].get(t, 0) + 1
    base = _absorb(chain)
    touches = sorted({t for p in converting + non_converting for t in p})
    effect = {t: (base - _absorb(chain, t)) / base for t in touches}
    total = sum(effect.values())
    return {t: float(len(converting) * e / total) for t, e in effect.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=touch_logs(), lookback=st.sampled_from([None, DAY]))
def test_markov_agrees_with_exact_reference(frame: pd.DataFrame, lookback: Any) -> None:
    log = build(frame)
    converting, non_converting, _ = ref_paths(frame, {"buy"}, lookback)
    got = jm.attribution(log, conversion="buy", models=["markov"], lookback=lookback, ci=None)
    if not converting:
        assert (got["conversions"] == 0).all()
        return
    want = ref_markov([[t for t, _ in p] for p, _ in converting], non_converting)
    rows = got.set_index("touch")["conversions"]
    for touch, credit in want.items():
        assert rows[touch] == pytest.approx(credit, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.lists(st.integers(0, 3), min_size=1, max_size=6).map(tuple), min_size=1, max_size=12
    ),
    outcome=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_removal_effect_closed_form(data: list[tuple[int, ...]], outcome: list[bool]) -> None:
    """The solver's removal effect against explicit removal, on random small chains."""
    conv = [list(p) for p, o in zip(data, outcome, strict=False) if o]
    null = [list(p) for p, o in zip(data, outcome, strict=False) if not o]
    if not conv:
        return
    k = 4
    counts = np.zeros((k + 3, k + 3))
    for paths, end in ((conv, k + 1), (null, k + 2)):
        for p in paths:
            seq = [0, *[t + 1 for t in p], end]
            for s, t in zip(seq[:-1], seq[1:], strict=True):
                counts[s, t] += 1
    _, effect = _removal_effects(counts[None])
    chain = {}
    for paths, end in ((conv, "(conv)"), (null, "(null)")):
        for p in paths:
            seq = ["(start)", *p, end]
            for s, t in zip(seq[:-1], seq[1:], strict=True):
                chain.setdefault(s, {})
                chain[s][t] = chain[s].get(t, 0) + 1
    base = _absorb(chain)
    for t in range(k):
        want = float((base - _absorb(chain, t)) / base) if t in chain else 0.0
        got = effect[0, t]
        assert (got if np.isfinite(got) else 0.0) == pytest.approx(want, abs=1e-9)


# -- Markov: against the ChannelAttribution package --------------------------------------------
def _channel_attribution(converting: list[list[Any]], non_converting: list[list[Any]]) -> pd.Series:
    ca = pytest.importorskip(
        "ChannelAttribution", reason="the ChannelAttribution package (pip channelattribution)"
    )
    counts: dict[str, list[int]] = {}
    for paths, col in ((converting, 0), (non_converting, 1)):
        for p in paths:
            key = " > ".join(map(str, p))
            counts.setdefault(key, [0, 0])[col] += 1
    data = pd.DataFrame(
        [(k, c, n) for k, (c, n) in counts.items()], columns=["path", "conv", "null"]
    )
    res = ca.markov_model(data, "path", "conv", var_null="null", order=1, verbose=0)
    res = res.set_index("channel_name")["total_conversions"]
    return res / res.sum()


def _shares_match(
    log: jm.JourneyLog, frame: pd.DataFrame, conversion: str, paths: Any = None
) -> None:
    converting, non_converting, _ = paths or ref_paths(frame, {conversion}, pd.Timedelta(days=30))
    want = _channel_attribution([[t for t, _ in p] for p, _ in converting], non_converting)
    got = jm.attribution(log, conversion=conversion, models=["markov"], ci=None)
    shares = got.set_index("touch")["share"]
    for touch, share in want.items():
        assert shares[touch] == pytest.approx(share, abs=0.02), touch


@pytest.mark.slow
def test_markov_agrees_with_channel_attribution_on_shop(shop: Any, shop_paths: Any) -> None:
    log, frame = shop
    _shares_match(log, frame, "Place order", shop_paths)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_markov_agrees_with_channel_attribution_on_simulated_logs(seed: int) -> None:
    channels = ["web", "app", "email", "store", "social"][: 3 + seed]
    log = jm.simulate(jm.datasets.shop_model(), cases=2000, seed=seed, channels=channels)
    _shares_match(log, frame_of(log), "Place order")


# -- bootstrap, segments, paths, errors -----------------------------------------------------
def test_bootstrap_intervals_cover_the_estimate_and_are_seeded(shop: Any) -> None:
    log, _ = shop
    sub = log.select_cases(np.arange(1500))
    a = jm.attribution(sub, model=jm.datasets.shop_model(), seed=3)
    b = jm.attribution(sub, model=jm.datasets.shop_model(), seed=3)
    pd.testing.assert_frame_equal(a, b)
    credited = a[a["conversions"] > 0]
    assert (
        (credited["lo"] <= credited["share"] + 1e-12)
        & (credited["share"] <= credited["hi"] + 1e-12)
    ).all()
    assert (a["hi"] - a["lo"]).max() < 0.2
    c = jm.attribution(sub, model=jm.datasets.shop_model(), seed=4)
    assert not np.allclose(a["lo"], c["lo"])
    pd.testing.assert_series_equal(a["share"], c["share"])


def test_bootstrap_resamples_whole_cases() -> None:
    """A log where every case is identical: every resample gives the same shares."""
    frame = pd.DataFrame(
        {
            "case": np.repeat([f"c{i}" for i in range(30)], 3),
            "activity": ["ad", "view", "buy"] * 30,
            "timestamp": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.tile([0, 1, 2], 30), "h"),
            "touch": ["web", "app", None] * 30,
        }
    )
    got = jm.attribution(build(frame), conversion="buy")
    np.testing.assert_allclose(got["lo"], got["share"])
    np.testing.assert_allclose(got["hi"], got["share"])


def test_segment_gives_a_leading_segment_column(shop: Any) -> None:
    log, _ = shop
    sub = log.select_cases(np.arange(800))
    m = jm.datasets.shop_model()
    got = jm.attribution(sub, model=m, segment="stage", ci=None, models=["last"])
    assert list(got.columns) == ["segment", "touch", "model", "conversions", "share", "lo", "hi"]
    for _seg, block in got.groupby("segment"):
        assert block["share"].sum() == pytest.approx(1.0)
    cases = sub.case_table().set_index("case")
    first_stage = cases["stage"] if "stage" in cases else None
    assert first_stage is not None
    one = first_stage.index[first_stage == "Awareness"]
    alone = jm.attribution(
        sub.select_cases(np.flatnonzero(np.isin(sub.case_labels, one))),
        model=m,
        ci=None,
        models=["last"],
    )
    block = got[got.segment == "Awareness"].drop(columns="segment").reset_index(drop=True)
    pd.testing.assert_frame_equal(block, alone, check_like=False)
    assert got.attrs["no_touch"] >= 0
    paths = jm.conversion_paths(sub, model=m, segment="stage")
    assert paths.columns[0] == "segment"


@pytest.mark.slow
def test_conversion_paths_against_reference(shop: Any, shop_paths: Any) -> None:
    log, _ = shop
    got = jm.conversion_paths(log, model=jm.datasets.shop_model(), top=None)
    converting, non_converting, _ = shop_paths
    conv: dict[tuple[Any, ...], list[pd.Timedelta]] = {}
    for p, t_conv in converting:
        conv.setdefault(tuple(t for t, _ in p), []).append(t_conv - p[0][1])
    nonc: dict[tuple[Any, ...], int] = {}
    for p in non_converting:
        nonc[tuple(p)] = nonc.get(tuple(p), 0) + 1
    assert len(got) == len(set(conv) | set(nonc))
    table = got.set_index(got["path"])
    for path, lags in conv.items():
        row = table.loc[[path]].iloc[0]
        assert row["conversions"] == len(lags)
        assert row["non_conversions"] == nonc.get(path, 0)
        assert row["median_lag"] == pd.Series(lags).median()
        assert row["length"] == len(path)
    assert got["conversions"].is_monotonic_decreasing
    lengths = pd.Series([len(p) for p, _ in converting]).value_counts().sort_index()
    assert got.attrs["length"] == {int(k): int(v) for k, v in lengths.items()}
    assert sum(got.attrs["lag"].values()) == len(converting)


def test_empty_log_and_no_conversions() -> None:
    frame = pd.DataFrame(
        {
            "case": ["a", "a"],
            "activity": ["ad", "view"],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"]),
            "touch": ["web", "app"],
        }
    )
    got = jm.attribution(build(frame), conversion="buy")
    assert (got["conversions"] == 0).all() and got["share"].isna().all()
    paths = jm.conversion_paths(build(frame), conversion="buy")
    assert paths["conversions"].tolist() == [0] and paths["non_conversions"].tolist() == [1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "needs the conversion activities"),
        ({"conversion": "buy", "touch": "nope"}, "'touch' parameter"),
        ({"conversion": "buy", "models": ["last", "magic"]}, "models"),
        ({"conversion": "buy", "models": "last"}, "non-empty list"),
        ({"conversion": "buy", "half_life": "0D"}, "positive duration"),
        ({"conversion": "buy", "lookback": 5}, "'lookback'"),
        (
            {"conversion": "buy", "ci": 1.5},
            r"'ci' parameter of attribution\(\) must be a float in the range \(0, 1\)",
        ),
        ({"conversion": "buy", "seed": "x"}, "'seed'"),
        ({"conversion": "buy", "segment": "nope"}, "'segment'"),
    ],
)
def test_errors(kwargs: dict[str, Any], match: str) -> None:
    frame = pd.DataFrame(
        {
            "case": ["a"],
            "activity": ["buy"],
            "timestamp": pd.to_datetime(["2025-01-01"]),
            "touch": ["web"],
        }
    )
    with pytest.raises(jm.ParameterError, match=match):
        jm.attribution(build(frame), **kwargs)


def test_channel_touch_needs_a_channel_column() -> None:
    log = jm.from_pandas(
        pd.DataFrame({"c": ["a"], "a": ["buy"], "t": pd.to_datetime(["2025-01-01"])}),
        case="c",
        activity="a",
        timestamp="t",
    )
    with pytest.raises(jm.ParameterError, match="needs a channel column"):
        jm.attribution(log, conversion="buy")
    with pytest.raises(jm.ParameterError, match="'top'"):
        jm.conversion_paths(log, conversion="buy", touch="activity", top=0)


# -- the report and the command line ------------------------------------------------------------
def _small_shop() -> tuple[jm.JourneyLog, pd.DataFrame]:
    log = jm.datasets.load_shop()
    return log.select_cases(np.arange(300)), log.to_pandas()


@pytest.mark.slow
def test_report_has_an_attribution_section_with_channels_and_purchases() -> None:
    from journeymine.report import build_report_html

    sub, _ = _small_shop()
    page = build_report_html(sub, model=jm.datasets.shop_model())
    assert "<section id='attribution'>" in page
    assert "<caption>Share of purchases by channel and model</caption>" in page
    assert "id='fig-attribution'" in page and "id='fig-conversion_paths'" in page
    no_purchase = jm.JourneyModel(
        stages=jm.datasets.shop_model().stages, activities=jm.datasets.shop_model().activities
    )
    page = build_report_html(sub, model=no_purchase)
    assert "<section id='attribution'>" not in page


@pytest.mark.slow
def test_check_command_writes_the_attribution_tables(tmp_path: Any) -> None:
    from journeymine.cli import main

    sub, _ = _small_shop()
    csv = tmp_path / "events.csv"
    sub.to_pandas().to_csv(csv, index=False)
    model = tmp_path / "shop.yaml"
    jm.datasets.shop_model().to_yaml(model)
    out = tmp_path / "out"
    argv = ["check", str(csv), "--model", str(model), "--case", "customer_id"]
    argv += ["--activity", "touchpoint", "--timestamp", "timestamp", "--channel", "channel"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "attribution.csv")
    assert list(table.columns) == ["touch", "model", "conversions", "share", "lo", "hi"]
    want = jm.attribution(sub, model=jm.datasets.shop_model())
    np.testing.assert_allclose(table["share"], want["share"])
    paths = pd.read_csv(out / "conversion_paths.csv")
    assert " > " in paths["path"].iloc[0]
    assert (out / "attribution.png").exists()


# -- pictures ----------------------------------------------------------------------------------
def _texts(ax: Any) -> list[Any]:
    fig = ax.figure
    fig.canvas.draw()
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text().strip()]


def _assert_readable(ax: Any) -> None:
    renderer = ax.figure.canvas.get_renderer()
    texts = _texts(ax)
    assert all(t.get_fontsize() >= 8 for t in texts)
    boxes = [t.get_window_extent(renderer) for t in texts if t.get_visible()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b) or a.width == 0 or b.width == 0


def test_pictures(shop: Any, tmp_path: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log, _ = shop
    sub = log.select_cases(np.arange(1000))
    m = jm.datasets.shop_model()
    table = jm.attribution(sub, model=m)
    ax = jm.plot_attribution(table)
    _assert_readable(ax)
    assert len(ax.get_yticklabels()) == table["touch"].nunique()
    ax.figure.savefig(tmp_path / "a.png")
    paths = jm.conversion_paths(sub, model=m)
    ax = jm.plot_conversion_paths(paths, top=8)
    _assert_readable(ax)
    assert len(ax.patches) == 8
    plt.close("all")
    with pytest.raises(jm.ParameterError, match="draws one segment"):
        jm.plot_attribution(jm.attribution(sub, model=m, segment="stage", ci=None))
    with pytest.raises(jm.ParameterError, match=r"jm.attribution\(\)"):
        jm.plot_attribution(paths)
    with pytest.raises(jm.ParameterError, match="'top'"):
        jm.plot_conversion_paths(paths, top=0)


@pytest.mark.slow
def test_bootstrap_interval_coverage() -> None:
    """Calibration: 80 simulated logs of 200 customers whose true last-touch share of 'web' is
    0.3 (each customer: one to three touches, then a purchase with probability 1/2; the last
    touch is web with probability 0.3). The 95 % intervals must cover 0.3 in >= 88 % of them."""
    rng = np.random.default_rng(7)
    reps, n = 80, 200
    rows = []
    for r in range(reps):
        for c in range(n):
            k = rng.integers(1, 4)
            touches = list(rng.choice(["app", "email"], size=k - 1)) + [
                "web" if rng.random() < 0.3 else "app"
            ]
            acts = ["view"] * k + (["buy"] if rng.random() < 0.5 else [])
            chans = touches + [None] * (len(acts) - k)
            for i, (a, ch) in enumerate(zip(acts, chans, strict=True)):
                rows.append(
                    (f"r{r}c{c}", a, pd.Timestamp("2025-01-01") + pd.Timedelta(hours=i), ch, r)
                )
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp", "touch", "rep"])
    log = jm.from_pandas(
        frame, case="case", activity="activity", timestamp="timestamp", channel="touch"
    )
    got = jm.attribution(log, conversion="buy", models=["last"], segment="rep", seed=1)
    web = got[got.touch == "web"]
    assert len(web) == reps
    coverage = float(((web["lo"] <= 0.3) & (0.3 <= web["hi"])).mean())
    print(f"last-touch share interval coverage: {coverage:.2f} over {reps} logs")
    assert coverage >= 0.88


def test_dask_gives_the_same_attrs(shop: Any) -> None:
    """The tables are in tests/test_kernel.py's Dask matrix; the counts in attrs agree too."""
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    log, _ = shop
    sub = log.select_cases(np.arange(500))
    frame = sub.to_pandas()
    m = jm.datasets.shop_model()
    with dask.config.set({"scheduler": "sync"}), warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)  # the shop's duplicates
        dlog = jm.from_dask(
            dd.from_pandas(frame, npartitions=3),
            case=sub.case,
            activity=sub.activity,
            timestamp=sub.timestamp,
            stage="stage",
            channel="channel",
        )
        got = jm.attribution(dlog, model=m, ci=None)
        paths = jm.conversion_paths(dlog, model=m)
    assert got.attrs == jm.attribution(sub, model=m, ci=None).attrs
    assert paths.attrs == jm.conversion_paths(sub, model=m).attrs
