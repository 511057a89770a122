"""Retention, time to return and repurchase against plain references written from issue 24.

The references walk each case's events one at a time in plain Python (the
contract's words, not the kernels' arrays) and must agree exactly; the
Kaplan–Meier figures are checked against ``scipy.stats.ecdf`` on
``CensoredData`` built here, independently of the implementation.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import journeymine as jm

from strategies import journey_frames, spread_duplicates


# -- references ---------------------------------------------------------------------------
def _acts(value: Any) -> set[Any] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def _cases(df: pd.DataFrame, case: str, timestamp: str) -> list[tuple[Any, list[dict]]]:
    """Each case's events in log order: by time, then input row."""
    out = []
    for key, events in df.groupby(case, sort=False):
        rows = events.reset_index(drop=True).to_dict("records")
        order = sorted(range(len(rows)), key=lambda i: (rows[i][timestamp], i))
        out.append((key, [rows[i] for i in order]))
    return out


def _as_of(df: pd.DataFrame, timestamp: str, as_of: Any) -> pd.Timestamp:
    if as_of is None:
        return df[timestamp].max()
    ts = pd.Timestamp(as_of)
    if df[timestamp].dt.tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts


def _start(events: list[dict], start: set | None, act: str, ts: str, as_of: Any) -> Any:
    for e in events:
        if e[ts] <= as_of and (start is None or e[act] in start):
            return e
    return None


def ref_retention(
    df: pd.DataFrame,
    *,
    start: Any = None,
    back: Any = None,
    period: str = "7D",
    periods: int = 12,
    cohort: str = "M",
    mode: str = "n_day",
    as_of: Any = None,
    segment: str | None = None,
    ci: float = 0.95,
    case: str = "case",
    activity: str = "activity",
    timestamp: str = "timestamp",
) -> pd.DataFrame:
    """retention() from the issue's words, one event at a time."""
    as_of = _as_of(df, timestamp, as_of)
    step = pd.Timedelta(period)
    starts, backs = _acts(start), _acts(back)
    is_freq = cohort not in df.columns
    cells: dict[tuple, dict] = {}
    for _, events in _cases(df, case, timestamp):
        if not any(e[timestamp] <= as_of for e in events):
            continue  # the case does not exist yet
        first = _start(events, starts, activity, timestamp, as_of)
        if first is None:
            continue
        t0 = first[timestamp]
        if is_freq:
            key_c = (t0.tz_convert(None) if t0.tzinfo else t0).to_period(cohort)
        else:
            key_c = first[cohort]
            if pd.isna(key_c):
                continue
        key_s = None
        if segment is not None:
            key_s = events[0][segment]
            if pd.isna(key_s):
                continue
        ks = []
        for e in events:
            if e[timestamp] <= as_of and (backs is None or e[activity] in backs):
                if e[timestamp] > t0:
                    ks.append((e[timestamp] - t0) // step)
        cell = cells.setdefault((key_s, key_c), {"t0": [], "ks": []})
        cell["t0"].append(t0)
        cell["ks"].append(ks)
    keys = list(cells)
    try:
        keys.sort()
    except TypeError:
        keys.sort(key=lambda k: tuple(str(x) for x in k))
    rows = []
    for key_s, key_c in keys:
        cell = cells[(key_s, key_c)]
        n = len(cell["t0"])
        for k in range(periods):
            seen = all(t0 + (k + 1) * step <= as_of for t0 in cell["t0"])
            if mode == "n_day":
                kept = sum(1 for ks in cell["ks"] if k in ks)
            else:
                kept = sum(1 for ks in cell["ks"] if any(j >= k for j in ks))
            if seen:
                band = stats.binomtest(kept, n).proportion_ci(confidence_level=ci, method="wilson")
                row = (float(kept), kept / n, band.low, band.high)
            else:
                row = (np.nan,) * 4
            rows.append((key_s, key_c, k, n, *row))
    out = pd.DataFrame(
        rows, columns=["segment", "cohort", "period", "cases", "retained", "rate", "lo", "hi"]
    )
    out["segment"] = out["segment"].astype(object)
    if is_freq:
        out["cohort"] = (
            pd.PeriodIndex(list(out["cohort"]), freq=cohort)
            if len(out)
            else (pd.PeriodIndex([], freq=cohort))
        )
    else:
        out["cohort"] = out["cohort"].astype(object)
    out["period"] = out["period"].astype(np.int64)
    out["cases"] = out["cases"].astype(np.int64)
    for col in ("retained", "rate", "lo", "hi"):
        out[col] = out[col].astype(np.float64)
    return out if segment is not None else out.drop(columns="segment")


def ref_first_returns(
    df: pd.DataFrame,
    *,
    start: Any = None,
    back: Any = None,
    as_of: Any = None,
    case: str = "case",
    activity: str = "activity",
    timestamp: str = "timestamp",
) -> list[tuple[Any, pd.Timedelta, bool]]:
    """(case, time to first return or to as_of, returned) per case with a start."""
    as_of = _as_of(df, timestamp, as_of)
    starts, backs = _acts(start), _acts(back)
    out = []
    for key, events in _cases(df, case, timestamp):
        first = _start(events, starts, activity, timestamp, as_of)
        if first is None:
            continue
        t0 = first[timestamp]
        back_at = None
        for e in events:
            ok = backs is None or e[activity] in backs
            if ok and t0 < e[timestamp] <= as_of:
                back_at = e[timestamp]
                break
        if back_at is None:
            out.append((key, as_of - t0, False))
        else:
            out.append((key, back_at - t0, True))
    return out


def scipy_km(durations: list[pd.Timedelta], observed: list[bool]) -> Any:
    """scipy's Kaplan–Meier fit on durations in nanoseconds."""
    ns = np.array([d.value for d in durations], dtype=np.float64)
    obs = np.array(observed, dtype=bool)
    return stats.ecdf(stats.CensoredData(uncensored=ns[obs], right=ns[~obs]))


def km_figures(res: Any, ci: float = 0.95) -> tuple[Any, Any, Any, Any]:
    """Median, its interval (where the band crosses one half) and p90, as Timedeltas or NaT."""
    t, sf = res.sf.quantiles, res.sf.probabilities
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        band = res.sf.confidence_interval(confidence_level=ci, method="log-log")
    low = np.where(np.isnan(band.low.probabilities), sf, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), sf, band.high.probabilities)

    def first(curve: np.ndarray, level: float) -> Any:
        for x, y in zip(t, curve, strict=True):
            if y <= level + 1e-12:
                return pd.Timedelta(int(round(x)), unit="ns")
        return pd.NaT

    return first(sf, 0.5), first(low, 0.5), first(high, 0.5), first(sf, 0.1)


# -- retention: exact agreement --------------------------------------------------------------
def _log(frame: pd.DataFrame) -> jm.JourneyLog:
    return jm.from_pandas(frame, case="case", activity="activity", timestamp="timestamp")


def _frames() -> st.SearchStrategy[pd.DataFrame]:
    return journey_frames(max_cases=8, max_events=7).map(
        lambda df: spread_duplicates(df, "case", "activity", "timestamp")
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=_frames(),
    start=st.sampled_from([None, "buy", ["cart", "buy"], "ad"]),
    back=st.sampled_from([None, "buy", ["view", "return"]]),
    period=st.sampled_from(["1D", "2D", "12h", "36h"]),
    periods=st.integers(1, 6),
    cohort=st.sampled_from(["D", "W", "M", "channel"]),
    mode=st.sampled_from(["n_day", "unbounded"]),
    as_of=st.none()
    | st.integers(0, 30 * 24).map(lambda h: pd.Timestamp("2025-01-01") + pd.Timedelta(hours=h)),
    segment=st.sampled_from([None, "channel"]),
)
def test_retention_equals_reference_on_random_logs(
    frame, start, back, period, periods, cohort, mode, as_of, segment
) -> None:
    kw = dict(
        start=start,
        back=back,
        period=period,
        periods=periods,
        cohort=cohort,
        mode=mode,
        as_of=as_of,
        segment=segment,
    )
    got = jm.retention(_log(frame), **kw)
    want = ref_retention(frame, **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kw",
    [
        dict(start="Place order", back="Place order", period="30D", periods=8, cohort="M"),
        dict(
            start="Place order",
            back="Place order",
            period="30D",
            periods=8,
            mode="unbounded",
            cohort="Q",
            segment="channel",
        ),
        dict(period="14D", periods=6, cohort="channel", as_of="2025-09-15"),
        dict(
            start=["See social ad", "Open newsletter"],
            back="View product",
            period="7D",
            periods=10,
            cohort="W",
            as_of="2025-06-30 12:00",
            mode="unbounded",
        ),
    ],
)
def test_retention_equals_reference_on_the_shop_data(shop_frame, kw) -> None:
    log, frame = shop_frame
    got = jm.retention(log, **kw)
    want = ref_retention(frame, case=log.case, activity=log.activity, timestamp=log.timestamp, **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.fixture(scope="module")
def shop_frame() -> tuple[jm.JourneyLog, pd.DataFrame]:
    log = jm.datasets.load_shop()
    keep = set(log.case_labels[:1500])
    frame = log.to_pandas()
    frame = frame[frame[log.case].isin(keep)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)  # the demo's double clicks
        sub = jm.from_pandas(
            frame,
            case=log.case,
            activity=log.activity,
            timestamp=log.timestamp,
            channel="channel",
            stage="stage",
        )
    return sub, frame


def test_unobservable_cells_are_nan_never_zero() -> None:
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b"],
            "activity": ["buy", "buy", "buy"],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-20", "2025-01-25"]),
        }
    )
    t = jm.retention(_log(frame), period="7D", periods=4, cohort="M")
    # as_of = 25 January: the January cohort's latest start (the 25th) has no full week yet
    assert t["retained"].isna().all() and (t["cases"] == 2).all()
    t = jm.retention(_log(frame), period="7D", periods=4, cohort="M", as_of="2025-02-08")
    assert t["retained"].tolist() == [0.0, 0.0, np.nan, np.nan] or (
        t["retained"].iloc[:2].tolist() == [0.0, 0.0] and t["retained"].iloc[2:].isna().all()
    )
    assert t.attrs["as_of"] == pd.Timestamp("2025-02-08")


def test_events_after_as_of_do_not_exist() -> None:
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b", "c", "c"],
            "activity": ["visit", "buy", "buy", "visit", "visit"],
            "timestamp": pd.to_datetime(
                ["2025-01-01", "2025-01-03", "2025-03-01", "2025-01-01", "2025-01-02"]
            ),
        }
    )
    with pytest.warns(jm.JourneymineWarning, match="none of the 2 cases has a start event"):
        t = jm.retention(_log(frame), start="buy", period="1D", periods=2, as_of="2025-01-02")
    assert t.empty  # a's purchase is after as_of; b does not exist yet
    assert t.attrs["no_start"] == 2  # a and c have events by as_of but no purchase


def test_segment_and_by_take_a_series_indexed_by_case() -> None:
    log = jm.datasets.load_shop()
    first_channel = log.case_table().set_index("case")["channel"]
    kw = dict(start="Place order", back="Place order", period="30D", periods=4, cohort="Q")
    by_column = jm.retention(log, segment="channel", **kw)
    by_series = jm.retention(log, segment=first_channel, **kw)
    pd.testing.assert_frame_equal(by_series, by_column)
    # by= of time_to_return: a column's value on the start event, or a Series by case id
    buyers = jm.time_to_return(log, start="Place order", back="Place order", by="channel")
    series = (
        log.to_pandas()
        .query("touchpoint == 'Place order'")
        .groupby("customer_id")["channel"]
        .first()
    )
    by_series = jm.time_to_return(log, start="Place order", back="Place order", by=series)
    pd.testing.assert_frame_equal(by_series, buyers)


def test_no_start_warns_with_a_fix() -> None:
    frame = pd.DataFrame(
        {"case": ["a"], "activity": ["visit"], "timestamp": pd.to_datetime(["2025-01-01"])}
    )
    with pytest.warns(jm.JourneymineWarning, match="none of the 1 cases has a start event"):
        jm.retention(_log(frame), start="buy")


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(period="0D"), "'period' parameter of retention\\(\\) must be a positive"),
        (dict(period=7), "'period' parameter"),
        (
            dict(periods=0),
            r"'periods' parameter of retention\(\) must be an int in the range \[1, inf\)",
        ),
        (dict(cohort="fortnight"), "'cohort' parameter of retention\\(\\) must be a pandas"),
        (dict(cohort="case"), "cannot be the case or timestamp column"),
        (dict(mode="rolling"), "mode"),
        (dict(as_of=5), "'as_of' parameter"),
        (dict(segment="nope"), "'segment' parameter"),
        (dict(ci=1.5), "'ci' parameter"),
        (dict(start=5), "'start' parameter"),
    ],
)
def test_retention_argument_errors(kw, match) -> None:
    frame = pd.DataFrame(
        {"case": ["a"], "activity": ["visit"], "timestamp": pd.to_datetime(["2025-01-01"])}
    )
    with pytest.raises(jm.ParameterError, match=match):
        jm.retention(_log(frame), **kw)


def test_retention_of_an_empty_log() -> None:
    log = jm.datasets.load_sepsis().select_cases(np.empty(0, dtype=np.int64))
    t = jm.retention(log)
    assert list(t.columns) == ["cohort", "period", "cases", "retained", "rate", "lo", "hi"]
    assert t.empty
    assert jm.time_to_return(log)["cases"].tolist() == [0]


def test_wilson_interval_covers_its_level() -> None:
    """Calibration: on simulated cohorts with a known return probability, the 95 % Wilson
    interval of the cells covers it about 95 % of the time."""
    rng = np.random.default_rng(24)
    p, n_cohorts, size = 0.3, 400, 40
    t0 = pd.Timestamp("2025-01-01")
    cases, acts, times = [], [], []
    for c in range(n_cohorts * size):
        cases.append(c)
        acts.append("start")
        day = (c // size) * 7  # one cohort per week
        times.append(t0 + pd.Timedelta(days=day))
        if rng.random() < p:  # a return in period 0 (the first day)
            cases.append(c)
            acts.append("back")
            times.append(t0 + pd.Timedelta(days=day, hours=12))
    frame = pd.DataFrame({"case": cases, "activity": acts, "timestamp": times})
    t = jm.retention(
        _log(frame),
        start="start",
        back="back",
        period="1D",
        periods=1,
        cohort="W",
        as_of=t0 + pd.Timedelta(days=7 * n_cohorts + 1),
    )
    covered = ((t["lo"] <= p) & (p <= t["hi"])).mean()
    print(f"Wilson 95 % coverage over {len(t)} cohorts: {covered:.3f}")
    assert 0.91 <= covered <= 0.99


def test_vectorised_wilson_equals_scipy_exactly() -> None:
    from journeymine.retention import wilson

    k, n = np.meshgrid(np.arange(0, 41), np.arange(1, 41))
    ok = k <= n
    k, n = k[ok], n[ok]
    for ci in (0.8, 0.95, 0.99):
        lo, hi = wilson(k, n, ci)
        for i in range(k.size):
            band = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(ci, method="wilson")
            assert (lo[i], hi[i]) == (band.low, band.high)
    big = wilson(np.array([123_456]), np.array([1_000_003]), 0.95)
    band = stats.binomtest(123_456, 1_000_003).proportion_ci(0.95, method="wilson")
    assert (big[0][0], big[1][0]) == (band.low, band.high)


# -- time to return -------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=_frames(),
    start=st.sampled_from([None, "buy", ["cart", "buy"]]),
    back=st.sampled_from([None, "buy", ["view", "return"]]),
    as_of=st.none()
    | st.integers(0, 30 * 24).map(lambda h: pd.Timestamp("2025-01-01") + pd.Timedelta(hours=h)),
)
def test_time_to_return_equals_scipy_on_random_logs(frame, start, back, as_of) -> None:
    _compare_time_to_return(frame, _log(frame), dict(start=start, back=back, as_of=as_of))


def test_median_interval_covers_its_level() -> None:
    """Calibration: the interval of the Kaplan–Meier median (read off the log-log band) covers
    the true median of censored exponential times about 95 % of the time."""
    from journeymine.retention import _km_summary

    rng = np.random.default_rng(2024)
    true_median = np.log(2) * 10.0  # exponential, mean 10 days
    hits, runs = 0, 400
    for _ in range(runs):
        times = rng.exponential(10.0, 150)
        follow = rng.uniform(5.0, 60.0, 150)  # customers seen for 5 to 60 days
        seen = np.minimum(times, follow)
        d = np.round(seen * 86400e9).astype(np.int64)
        _, lo, hi, _ = _km_summary(d, times > follow, 0.95)
        hits += lo / 86400e9 <= true_median <= hi / 86400e9
    coverage = hits / runs
    print(f"KM median 95 % interval coverage over {runs} samples: {coverage:.3f}")
    assert 0.91 <= coverage <= 0.99


def _compare_time_to_return(frame: pd.DataFrame, log: Any, kw: dict, by: str | None = None) -> None:
    ref = ref_first_returns(
        frame, case=log.case, activity=log.activity, timestamp=log.timestamp, **kw
    )
    got = jm.time_to_return(log, by=by, **kw)
    got_curve = jm.time_to_return(log, by=by, curve=True, **kw)
    groups: dict[Any, list] = {}
    if by is None:
        groups[None] = ref
    else:
        first_value = {c: frame.loc[frame[log.case] == c] for c, _, _ in ref}
        for item in ref:
            start_row = _start(
                _cases(first_value[item[0]], log.case, log.timestamp)[0][1],
                _acts(kw.get("start")),
                log.activity,
                log.timestamp,
                _as_of(frame, log.timestamp, kw.get("as_of")),
            )
            groups.setdefault(start_row[by], []).append(item)
    keys = sorted(groups, key=lambda k: (k is None, k))
    assert len(got) == len(keys)
    for i, key in enumerate(keys):
        items = groups[key]
        row = got.iloc[i]
        assert row["cases"] == len(items)
        assert row["returned"] == sum(r for _, _, r in items)
        curve = got_curve if by is None else got_curve[got_curve[by] == key]
        if not any(r for _, _, r in items):
            assert pd.isna(row["median"]) and curve.empty
            continue
        res = scipy_km([d for _, d, _ in items], [r for _, _, r in items])
        median, lo, hi, p90 = km_figures(res)
        assert _same_td(row["median"], median) and _same_td(row["p90"], p90)
        assert _same_td(row["median_lo"], lo) and _same_td(row["median_hi"], hi)
        np.testing.assert_array_equal(curve["survival"], res.sf.probabilities)
        np.testing.assert_array_equal(
            curve["time"].to_numpy(np.int64), np.round(res.sf.quantiles).astype(np.int64)
        )
        durations = [d for _, d, _ in items]
        for t, at_risk, returned in zip(
            curve["time"], curve["at_risk"], curve["returned"], strict=True
        ):
            assert at_risk == sum(1 for d in durations if d >= t)
            assert returned == sum(1 for _, d, r in items if r and d == t)


def _same_td(a: Any, b: Any) -> bool:
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return abs(pd.Timedelta(a) - pd.Timedelta(b)) <= pd.Timedelta(1, unit="us")


def test_time_to_return_on_the_sepsis_log_by_group() -> None:
    log = jm.datasets.load_sepsis()
    frame = log.to_pandas()
    releases = [a for a in log.activities if str(a).startswith("Release")]
    kw = dict(start=releases, back="Return ER")
    _compare_time_to_return(frame, log, kw)
    _compare_time_to_return(frame, log, kw, by="department")


def test_time_to_return_arguments() -> None:
    log = jm.datasets.load_sepsis()
    with pytest.raises(jm.ParameterError, match="'curve' parameter"):
        jm.time_to_return(log, curve="yes")
    with pytest.raises(jm.ParameterError, match="'by' parameter of time_to_return"):
        jm.time_to_return(log, by="nope")


# -- repurchase ---------------------------------------------------------------------------------------
def ref_repurchase(frame: pd.DataFrame, log: Any, purchase: set, as_of: Any = None) -> dict:
    as_of = _as_of(frame, log.timestamp, as_of)
    buyers = repeat = purchases = 0
    gaps: list[pd.Timedelta] = []
    observed: list[bool] = []
    for _, events in _cases(frame, log.case, log.timestamp):
        times: list[pd.Timestamp] = []
        for e in events:
            if e[log.activity] in purchase and e[log.timestamp] <= as_of:
                if not times or e[log.timestamp] != times[-1]:
                    times.append(e[log.timestamp])
        if not times:
            continue
        buyers += 1
        repeat += len(times) > 1
        purchases += len(times)
        for a, b in zip(times[:-1], times[1:], strict=True):
            gaps.append(b - a)
            observed.append(True)
        gaps.append(as_of - times[-1])
        observed.append(False)
    return dict(buyers=buyers, repeat=repeat, purchases=purchases, gaps=gaps, observed=observed)


@pytest.mark.parametrize("as_of", [None, "2025-07-01"])
def test_repurchase_equals_reference_and_scipy(shop_frame, as_of) -> None:
    log, frame = shop_frame
    model = jm.datasets.shop_model()
    got = jm.repurchase(log, model, as_of=as_of).iloc[0]
    want = ref_repurchase(frame, log, set(model.purchase), as_of)
    assert got["buyers"] == want["buyers"] and got["repeat_buyers"] == want["repeat"]
    assert got["repeat_rate"] == want["repeat"] / want["buyers"]
    assert got["purchases_per_buyer"] == want["purchases"] / want["buyers"]
    median, lo, hi, _ = km_figures(scipy_km(want["gaps"], want["observed"]))
    assert _same_td(got["median_gap"], median)
    assert _same_td(got["median_gap_lo"], lo) and _same_td(got["median_gap_hi"], hi)


def test_repurchase_by_group_and_errors() -> None:
    log, model = jm.datasets.load_shop(), jm.datasets.shop_model()
    table = jm.repurchase(log, model, by="channel")
    overall = jm.repurchase(log, model)
    assert table["buyers"].sum() == overall["buyers"].iloc[0]
    assert table["repeat_buyers"].sum() == overall["repeat_buyers"].iloc[0]
    no_purchase = jm.JourneyModel(stages=["A"], activities={"View product": "A"})
    with pytest.raises(jm.ParameterError, match="purchase activities"):
        jm.repurchase(log, no_purchase)
    with pytest.raises(jm.ParameterError, match="'model' parameter of repurchase"):
        jm.repurchase(log, "model")


# -- pictures ---------------------------------------------------------------------------------------
def test_plots_draw_and_mark_blank_cells(tmp_path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.patches import Rectangle

    log = jm.datasets.load_shop()
    t = jm.retention(
        log,
        start="Place order",
        back="Place order",
        period="30D",
        periods=6,
        segment="channel",
        cohort="Q",
    )
    ax = jm.plot_retention(t)
    blank = int(t.groupby(["cohort", "period"])["retained"].apply(lambda s: s.isna().any()).sum())
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == blank > 0
    ax.figure.savefig(tmp_path / "triangle.png")
    texts = list(ax.texts) + list(ax.get_xticklabels()) + list(ax.get_yticklabels())
    texts += list(ax.get_legend().get_texts()) + [ax.title, ax.xaxis.label, ax.yaxis.label]
    assert all(t.get_fontsize() >= 8 for t in texts if t.get_text())
    import matplotlib.pyplot as plt

    fig, given_ax = plt.subplots()
    assert jm.plot_retention(t, ax=given_ax) is given_ax
    plt.close("all")
    for by in ("cohort", "segment", None):
        ax = jm.plot_retention(t, kind="curves", by=by)
        assert ax.lines
    curve = jm.time_to_return(
        log, start="Place order", back="Place order", by="channel", curve=True
    )
    ax = jm.plot_time_to_return(curve)
    assert len(ax.get_legend().get_texts()) == curve["channel"].nunique()
    with pytest.raises(jm.ParameterError, match="kind"):
        jm.plot_retention(t, kind="pie")
    with pytest.raises(jm.ParameterError, match="jm.retention"):
        jm.plot_retention(curve)
