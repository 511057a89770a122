"""Calibration: do the intervals cover the truth and do the tests keep their false positives?

Each regime simulates logs with a known truth (no effect, or a known one),
runs the public function on each and measures

* coverage: the share of 95 % intervals that contain the true value
  (asserted >= 0.90), and
* false-positive rate: the share of runs without any effect in which a
  result is flagged (adjusted p-value below 0.05, or ``changed``), asserted
  <= 0.10.

The measured rates are printed (``pytest -s``) and collected in ``RATES``;
the table in docs/user_guide/conclusions.rst records a run of
``pytest tests/test_calibration.py -m "slow or not slow" -s``.
One fast regime runs by default; the others are marked slow.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

#: regime -> (coverage, false-positive rate) measured in this session
RATES: dict[str, tuple[float, float]] = {}
REPS = 200
T0 = pd.Timestamp("2025-01-06")

#: a0 (S0) -> a1 (S1) -> buy (S2, the purchase); anything else is an unknown activity
MODEL = jm.JourneyModel(
    stages=["S0", "S1", "S2"], activities={"a0": "S0", "a1": "S1", "buy": "S2"}, purchase=["buy"]
)


def record(regime: str, coverage: float, fpr: float) -> None:
    RATES[regime] = (coverage, fpr)
    cov = "   -  " if np.isnan(coverage) else f"{coverage:6.3f}"
    fp = "   -  " if np.isnan(fpr) else f"{fpr:6.3f}"
    print(f"\n[calibration] {regime:<58} coverage {cov}  false positives {fp}")


def frame(case, activity, step, **columns) -> pd.DataFrame:
    """Events from arrays: ``step`` is the event's hour within its case."""
    case = np.asarray(case)
    df = pd.DataFrame(
        {
            "case": case,
            "activity": np.asarray(activity, dtype=object),
            "ts": T0 + pd.to_timedelta(case * 24 * 7 + np.asarray(step, dtype=float), unit="h"),
            **columns,
        }
    )
    return df


def to_log(df: pd.DataFrame) -> jm.JourneyLog:
    return jm.from_pandas(df, case="case", activity="activity", timestamp="ts")


def chat_log(dev: np.ndarray, converts: np.ndarray, revenue: np.ndarray | None = None, **cols):
    """a0, then "chat" (the deviation) for ``dev`` cases, then a1, then buy for ``converts``.

    ``revenue`` (per case) goes on the buy event; ``cols`` are case-level columns.
    """
    n = dev.size
    ids = np.arange(n)
    parts = [
        (ids, "a0", 0.0),
        (ids[dev], "chat", 1.0),
        (ids, "a1", 2.0),
        (ids[converts], "buy", 3.0),
    ]
    case = np.concatenate([p[0] for p in parts])
    act = np.concatenate([np.full(p[0].size, p[1], dtype=object) for p in parts])
    step = np.concatenate([np.full(p[0].size, p[2]) for p in parts])
    extra = {k: np.asarray(v)[case] for k, v in cols.items()}
    if revenue is not None:
        extra["revenue"] = np.where(act == "buy", revenue[case], 0.0)
    return to_log(frame(case, act, step, **extra))


def impact_row(log: jm.JourneyLog, kind: str = "unknown_activity", **kw) -> pd.Series | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        table = jm.deviation_impact(log, MODEL, **kw)
    rows = table[table["kind"] == kind]
    return None if rows.empty else rows.iloc[0]


def covers(row: pd.Series | None, truth: float) -> bool:
    return row is not None and bool(row["lo"] <= truth <= row["hi"])


def flagged(row: pd.Series | None) -> bool:
    return row is not None and bool(np.nan_to_num(row["p_adjusted"], nan=1.0) < 0.05)


# -- deviation_impact: tiny groups ----------------------------------------------------
def tiny_groups(n_dev: int, base: float, reps: int, n: int = 1000) -> tuple[float, float]:
    """``n_dev`` deviating cases among ``n``; conversion ``base`` (null) or shifted by 0.2."""
    rng = np.random.default_rng(n_dev * 1000 + int(base * 100))
    shift = -0.2 if base > 0.5 else 0.2
    cover = false = rated = 0
    for _ in range(reps):
        dev = np.zeros(n, dtype=bool)
        dev[rng.choice(n, n_dev, replace=False)] = True
        # no effect
        row = impact_row(chat_log(dev, rng.random(n) < base))
        if n_dev < 10:  # below min_cases: no p-value, no interval, a note
            assert row is not None and np.isnan(row["p_value"]) and np.isnan(row["lo"])
            assert "min_cases" in row["note"]
        false += flagged(row)
        # a known effect on the deviating cases
        p = np.where(dev, base + shift, base)
        row = impact_row(chat_log(dev, rng.random(n) < p))
        if n_dev >= 10:
            cover += covers(row, shift)
            rated += 1
    return (cover / rated if rated else np.nan), false / reps


def test_tiny_groups_smoke():
    """Fast: 10 deviating cases at a 95 % base rate, 24 runs (the slow test runs 200)."""
    coverage, fpr = tiny_groups(10, 0.95, 24)
    record("impact, 10 deviating cases, base 0.95 (smoke, 24 runs)", coverage, fpr)
    assert coverage >= 0.80 and fpr <= 0.15


@pytest.mark.slow
@pytest.mark.parametrize("base", [0.95, 0.05])
@pytest.mark.parametrize("n_dev", [1, 3, 10, 30])
def test_tiny_groups(n_dev, base):
    coverage, fpr = tiny_groups(n_dev, base, REPS)
    record(f"impact, {n_dev} deviating cases, base rate {base}", coverage, fpr)
    assert np.isnan(coverage) or coverage >= 0.90
    assert fpr <= 0.10


# -- deviation_impact: numeric outcomes, constant and skewed ---------------------------
def revenue_regime(kind: str, reps: int, n: int = 600, n_dev: int = 15) -> tuple[float, float]:
    """Revenue on the purchase: mostly 0 ("constant") or lognormal ("skewed")."""
    rng = np.random.default_rng(7 if kind == "constant" else 8)
    cover = false = 0
    for _ in range(reps):
        dev = np.zeros(n, dtype=bool)
        dev[rng.choice(n, n_dev, replace=False)] = True
        if kind == "constant":  # 5 % buy for 50; deviating cases 25 % with the effect
            p0, p1 = 0.05, 0.25
            truth = 50 * (p1 - p0)
            amount = np.full(n, 50.0)
        else:  # everyone buys; lognormal amounts, the deviation adds 20 on average
            p0 = p1 = 1.0
            amount = rng.lognormal(3, 1, n)
            truth = 20.0
        buys = rng.random(n) < p0
        row = impact_row(chat_log(dev, buys, amount), outcome="revenue", seed=int(rng.integers(99)))
        false += flagged(row)
        if kind == "constant":
            buys = rng.random(n) < np.where(dev, p1, p0)
            amount2 = amount
        else:
            amount2 = rng.lognormal(3, 1, n) + np.where(dev, rng.exponential(truth, n), 0.0)
        row = impact_row(chat_log(dev, buys, amount2), outcome="revenue")
        cover += covers(row, truth)
    return cover / reps, false / reps


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["constant", "skewed"])
def test_revenue_small_groups(kind):
    coverage, fpr = revenue_regime(kind, REPS)
    label = "mostly 0 (constant)" if kind == "constant" else "lognormal (skewed)"
    record(f"impact, revenue {label}, 15 deviating cases", coverage, fpr)
    assert coverage >= 0.90 and fpr <= 0.10


# -- deviation_impact: deviations after the outcome ------------------------------------
#: the purchase is one activity of the last stage, as an approval in a loan journey
DECISION_MODEL = jm.JourneyModel(
    stages=["S0", "S1", "S2"],
    activities={"a0": "S0", "a1": "S1", "a2": "S2", "buy": "S2"},
    purchase=["buy"],
)


def post_outcome_log(rng: np.random.Generator, n: int) -> tuple[jm.JourneyLog, int]:
    """a0, a1, a2, then buy for half the cases; paperwork ("paper") after buying for 80 % of
    the buyers, and before a1 for 5 % of all cases (harmless)."""
    buys = rng.random(n) < 0.5
    pre = rng.random(n) < 0.05
    post = buys & (rng.random(n) < 0.8)
    ids = np.arange(n)
    parts = [(ids, "a0", 0.0), (ids[pre], "paper", 1.0), (ids, "a1", 2.0), (ids, "a2", 3.0)]
    parts += [(ids[buys], "buy", 4.0), (ids[post], "paper", 5.0)]
    case = np.concatenate([p[0] for p in parts])
    act = np.concatenate([np.full(p[0].size, p[1], dtype=object) for p in parts])
    step = np.concatenate([np.full(p[0].size, p[2]) for p in parts])
    return to_log(frame(case, act, step)), int(pre.sum())


@pytest.mark.slow
def test_post_outcome_deviations():
    """Paperwork after the purchase must not look like it brings conversions."""
    rng = np.random.default_rng(11)
    false = 0
    for _ in range(REPS):
        log, n_pre = post_outcome_log(rng, 1000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.JourneymineWarning)
            table = jm.deviation_impact(log, DECISION_MODEL)
        rows = table[table["kind"] == "unknown_activity"]
        row = None if rows.empty else rows.iloc[0]
        assert row is None or row["cases_with"] == n_pre  # only deviations before buying
        false += flagged(row)
    record("impact, deviations after the purchase (80 % of buyers)", np.nan, false / REPS)
    assert false / REPS <= 0.10


# -- deviation_impact: activity confounding ---------------------------------------------
def activity_log(rng: np.random.Generator, n: int) -> jm.JourneyLog:
    """Active customers browse (a1) more, spend 10 per browse, and chat more (more chances).

    After each browse a customer chats with probability 0.1 (harmless); the
    number of browses is geometric with a mean of 2 or 6 (customer type).
    """
    mean = np.where(rng.random(n) < 0.5, 2.0, 6.0)
    browses = rng.geometric(1 / mean)
    ids = np.repeat(np.arange(n), browses)
    j = np.arange(browses.sum()) - np.repeat(np.cumsum(browses) - browses, browses)
    chat = rng.random(ids.size) < 0.1
    case = np.concatenate([np.arange(n), ids, ids[chat]])
    act = np.concatenate(
        [np.full(n, "a0", dtype=object), np.full(ids.size, "a1", dtype=object)]
        + [np.full(chat.sum(), "chat", dtype=object)]
    )
    step = np.concatenate([np.zeros(n), 1.0 + 2 * j, 2.0 + 2 * j[chat]])
    revenue = np.where(act == "a1", 10.0, 0.0)
    return to_log(frame(case, act, step, revenue=revenue))


@pytest.mark.slow
def test_activity_confounding_revenue():
    rng = np.random.default_rng(12)
    false = cover = 0
    for _ in range(REPS):
        row = impact_row(activity_log(rng, 600), outcome="revenue")
        false += flagged(row)
        cover += covers(row, 0.0)
    record("impact, activity confounding with revenue (null)", cover / REPS, false / REPS)
    assert cover / REPS >= 0.90 and false / REPS <= 0.10


# -- deviation_impact: a device confounder and strata= -----------------------------------
@pytest.mark.slow
def test_device_confounder_with_strata():
    """Mobile users chat more (40 % vs 10 %) and convert less (20 % vs 50 %); chat is harmless."""
    rng = np.random.default_rng(13)
    n = 1000
    false = false_raw = cover = 0
    for _ in range(REPS):
        mobile = rng.random(n) < 0.5
        dev = rng.random(n) < np.where(mobile, 0.4, 0.1)
        buys = rng.random(n) < np.where(mobile, 0.2, 0.5)
        log = chat_log(dev, buys, device=np.where(mobile, "mobile", "desktop"))
        row = impact_row(log, strata="device")
        false += flagged(row)
        cover += covers(row, 0.0)
        false_raw += flagged(impact_row(log))
    record("impact, device confounder, strata='device' (null)", cover / REPS, false / REPS)
    record("impact, device confounder, no strata (for contrast)", np.nan, false_raw / REPS)
    assert cover / REPS >= 0.90 and false / REPS <= 0.10


# -- deviation_impact: many deviation kinds at once ---------------------------------------
@pytest.mark.slow
def test_eight_harmless_deviation_kinds():
    """Nine stages in a row; each of stages 1..8 is skipped with probability 0.1 (harmless)."""
    model = jm.JourneyModel(
        stages=[f"S{i}" for i in range(10)],
        activities={**{f"a{i}": f"S{i}" for i in range(9)}, "buy": "S9"},
        purchase=["buy"],
    )
    rng = np.random.default_rng(14)
    n = 800
    any_adj = any_raw = rows_seen = 0
    for _ in range(REPS):
        keep = rng.random((n, 9)) >= 0.1
        keep[:, 0] = True
        case, stage = np.nonzero(keep)
        buys = np.flatnonzero(rng.random(n) < 0.5)
        acts = np.array([f"a{i}" for i in range(9)], dtype=object)[stage]
        df = frame(
            np.concatenate([case, buys]),
            np.concatenate([acts, np.full(buys.size, "buy", dtype=object)]),
            np.concatenate([stage.astype(float), np.full(buys.size, 9.0)]),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.JourneymineWarning)
            table = jm.deviation_impact(to_log(df), model)
        table = table[table["kind"] == "skipped_stage"]
        rows_seen += len(table)
        any_adj += bool((table["p_adjusted"] < 0.05).any())
        any_raw += bool((table["p_value"] < 0.05).any())
    record("impact, 8 harmless deviation kinds (any flag, Holm)", np.nan, any_adj / REPS)
    record("impact, 8 harmless deviation kinds (any raw p < 0.05)", np.nan, any_raw / REPS)
    assert rows_seen >= 7 * REPS
    assert any_adj / REPS <= 0.10


# -- conformance_drift --------------------------------------------------------------------
DRIFT_MODEL = jm.JourneyModel(stages=["A", "B", "C"], activities={"a": "A", "b": "B", "c": "C"})


def drift_frame(rng: np.random.Generator, n: int, days: float, p_dev: float) -> pd.DataFrame:
    """Cases start uniformly over ``days``; a, b, c a few days apart; with ``p_dev`` an unknown
    "x" comes late (just before c), so a journey cut short looks conforming."""
    start = rng.uniform(0, days, n)
    gaps = rng.uniform(1, 12, (n, 2))
    t_b = start + gaps[:, 0]
    t_c = t_b + gaps[:, 1]
    dev = rng.random(n) < p_dev
    ids = np.arange(n)
    case = np.concatenate([ids, ids, ids, ids[dev]])
    act = np.concatenate(
        [np.full(n, a, dtype=object) for a in "abc"] + [np.full(dev.sum(), "x", dtype=object)]
    )
    t = np.concatenate([start, t_b, t_c, t_c[dev] - 0.5])
    return pd.DataFrame({"case": case, "activity": act, "ts": T0 + pd.to_timedelta(t, unit="D")})


@pytest.mark.slow
def test_drift_open_cases():
    """A log cut in the middle of many journeys: no month may change because of open cases."""
    rng = np.random.default_rng(21)
    false = false_raw = cover = periods = 0
    cut = T0 + pd.Timedelta(days=180)
    for _ in range(REPS):
        df = drift_frame(rng, 1500, 180, 0.3)
        df = df[df["ts"] <= cut]
        log = to_log(df)
        drift = jm.conformance_drift(
            log, DRIFT_MODEL, freq="M", as_of=cut, open_window="14D", ci=0.95
        )
        false += bool(drift["changed"].any())
        ok = drift["cases"] > 0
        cover += int(((drift["lo"] <= 0.7) & (0.7 <= drift["hi"]))[ok].sum())
        periods += int(ok.sum())
        raw = jm.conformance_drift(log, DRIFT_MODEL, freq="M")
        false_raw += bool(raw["changed"].any())
    record("drift, log cut mid-journeys, as_of + open_window", cover / periods, false / REPS)
    record("drift, log cut mid-journeys, without as_of (contrast)", np.nan, false_raw / REPS)
    assert cover / periods >= 0.90 and false / REPS <= 0.10


@pytest.mark.slow
def test_drift_52_weekly_tests():
    rng = np.random.default_rng(22)
    false = raw = 0
    for _ in range(REPS):
        log = to_log(drift_frame(rng, 52 * 150, 52 * 7, 0.3))
        drift = jm.conformance_drift(log, DRIFT_MODEL, freq="W")
        false += bool(drift["changed"].any())
        raw += bool((drift["p_value"] < 0.01).any())
    record("drift, 52 weekly tests (any changed, Holm)", np.nan, false / REPS)
    record("drift, 52 weekly tests (any raw p < 0.01)", np.nan, raw / REPS)
    assert false / REPS <= 0.10


# -- compare ---------------------------------------------------------------------------------
def compare_log(rng: np.random.Generator, n: int, p_buy: float) -> tuple[jm.JourneyLog, pd.Series]:
    """10 segments alike: browses (a1) Poisson(2) with repeats, conversion ``p_buy``."""
    k = 1 + rng.poisson(2, n)
    ids = np.repeat(np.arange(n), k)
    buys = np.flatnonzero(rng.random(n) < p_buy)
    case = np.concatenate([np.arange(n), ids, buys])
    act = np.concatenate(
        [np.full(n, "a0", dtype=object), np.full(ids.size, "a1", dtype=object)]
        + [np.full(buys.size, "buy", dtype=object)]
    )
    step = np.concatenate([np.zeros(n), rng.exponential(5, ids.size) + 1, np.full(buys.size, 99.0)])
    segment = pd.Series(rng.integers(0, 10, n), index=np.arange(n))
    return to_log(frame(case, act, step)), segment


@pytest.mark.slow
def test_compare_ten_segments_five_metrics():
    """100 runs: compare bootstraps 20 medians per table (about 0.3 s a table)."""
    rng = np.random.default_rng(31)
    fam_false: dict[str, int] = {}
    any_raw = cover = rated = 0
    reps = REPS // 2
    for _ in range(reps):
        log, segment = compare_log(rng, 1000, 0.3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.JourneymineWarning)
            table = jm.compare(log, segment, outcome="buy")
        assert table["metric"].nunique() == 5
        fam = np.where(
            table["metric"] == "conversion",
            "conversion",
            np.where(table["metric"].str.startswith("median"), "medians", "loops"),
        )
        for f in np.unique(fam):
            fam_false[f] = fam_false.get(f, 0) + bool((table["p_adjusted"][fam == f] < 0.05).any())
        any_raw += bool((table["p_value"] < 0.05).any())
        conv = table[table["metric"] == "conversion"]
        cover += int(((conv["lo"] <= 0.3) & (0.3 <= conv["hi"])).sum())
        rated += len(conv)
    worst = max(fam_false.values()) / reps
    record("compare, 10 segments x 5 metrics (worst family, Holm)", cover / rated, worst)
    record("compare, 10 segments x 5 metrics (any raw p < 0.05)", np.nan, any_raw / reps)
    assert cover / rated >= 0.90 and worst <= 0.10


def test_compare_zero_conversions():
    """A day without conversions: 0 with a Wilson interval that is not a point."""
    rng = np.random.default_rng(32)
    log, segment = compare_log(rng, 300, 0.0)
    with pytest.warns(jm.JourneymineWarning, match="conversion is 0"):
        table = jm.compare(log, segment, outcome="buy")
    conv = table[table["metric"] == "conversion"]
    assert (conv["value"] == 0).all() and (conv["lo"] == 0).all() and (conv["hi"] > 0).all()


# -- stage_durations: clustered visits -------------------------------------------------------
def visits_log(rng: np.random.Generator, n: int) -> jm.JourneyLog:
    """Each customer visits S1 1 + Poisson(3) times; visit lengths are lognormal around the
    customer's own level (log-scale sd 1 between customers, 0.5 within): the median visit over
    all visits is exactly 1 hour."""
    m = 1 + rng.poisson(3, n)
    level = rng.normal(0, 1, n)
    ids = np.repeat(np.arange(n), m)
    length = np.exp(level[ids] + rng.normal(0, 0.5, ids.size))
    # a0 (S0), a1 (S1) for `length` hours, back to a0 after it, one day per visit
    j = np.arange(ids.size) - np.repeat(np.cumsum(m) - m, m)
    case = np.concatenate([ids, ids, ids])
    act = np.concatenate([np.full(ids.size, a, dtype=object) for a in ("a0", "a1", "a0")])
    step = np.concatenate([200.0 * j, 200.0 * j + 1, 200.0 * j + 1 + length])
    return to_log(frame(case, act, step))


@pytest.mark.slow
def test_stage_durations_clustered_visits():
    rng = np.random.default_rng(41)
    cover = 0
    for _ in range(REPS):
        summary = jm.stage_durations(visits_log(rng, 300), MODEL, summary=True)
        row = summary.set_index("stage").loc["S1"]
        cover += bool(row["median_lo"] <= pd.Timedelta("1h") <= row["median_hi"])
    record("stage_durations, clustered visits (median, case bootstrap)", cover / REPS, np.nan)
    assert cover / REPS >= 0.90


def test_rates_table():
    """The rates measured in this session, as the user guide's table (printed)."""
    if RATES:
        table = pd.DataFrame(RATES, index=["coverage", "false positives"]).T
        print("\n" + table.round(3).to_string())
