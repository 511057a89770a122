"""channel_switches: a plain-Python reference, engines, errors."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sowhat_helpers import engines_agree, shop_frame, split_merge

import journeymine as jm
from journeymine.channels import _CaseChannels, _SwitchPairs
from journeymine.errors import ParameterError

from strategies import examples

CHANNELS = ["web", "app", "store", None]
ONLINE = ["web", "app"]


@st.composite
def channel_logs(draw):
    n_cases = draw(st.integers(1, 6))
    rows = []
    for c in range(n_cases):
        for _i in range(draw(st.integers(1, 7))):
            rows.append(
                (
                    f"c{c}",
                    draw(st.sampled_from(["view", "buy", "ad"])),
                    pd.Timestamp("2025-01-01") + pd.Timedelta(minutes=draw(st.integers(0, 4))),
                    draw(st.sampled_from(CHANNELS)),
                )
            )
    rows = draw(st.permutations(rows))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp", "channel"])


def to_log(df):
    with warnings.catch_warnings():  # random logs repeat events on purpose
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return jm.from_pandas(
            df, case="case", activity="activity", timestamp="timestamp", channel="channel"
        )


def reference(log):
    events = log.to_pandas()
    rows, pairs = [], {}
    for case, g in events.groupby("case", sort=True):
        acts = g["activity"].tolist()
        chans = [c if isinstance(c, str) else None for c in g["channel"]]
        known = [(a, c) for a, c in zip(acts, chans, strict=True) if c is not None]
        seq = []
        for _, c in known:
            if c not in seq:
                seq.append(c)
        switches = 0
        seen_pairs = set()
        for (_, c1), (_, c2) in zip(known, known[1:], strict=False):
            if c1 != c2:
                switches += 1
                pairs.setdefault((c1, c2), [0, 0])[0] += 1
                seen_pairs.add((c1, c2))
        for p in seen_pairs:
            pairs[p][1] += 1
        buys = [c for a, c in known if a == "buy"]
        online_before = False
        ropo = False
        for a, c in known:
            if a == "buy" and c not in ONLINE and online_before:
                ropo = True
            online_before |= c in ONLINE
        rows.append(
            {
                "case": case,
                "channels": tuple(seq),
                "n_channels": len(seq),
                "switches": switches,
                "first_channel": known[0][1] if known else None,
                "last_channel": known[-1][1] if known else None,
                "purchase_channel": buys[0] if buys else None,
                "ropo": ropo,
            }
        )
    return pd.DataFrame(rows, dtype=object), pairs


@settings(max_examples=examples(80), deadline=None)
@given(channel_logs())
def test_matches_reference(df):
    log = to_log(df)
    want, pairs = reference(log)
    got = jm.channel_switches(log, purchase="buy", online=ONLINE)
    assert got["case"].tolist() == want["case"].tolist()
    for col in want.columns:
        assert got[col].tolist() == want[col].tolist(), col
    summary = jm.channel_switches(log, summary=True)
    assert {
        (r.from_channel, r.to_channel): [r.switches, r.cases] for r in summary.itertuples()
    } == pairs
    assert summary["switches"].is_monotonic_decreasing


@settings(max_examples=examples(40), deadline=None)
@given(channel_logs(), st.lists(st.integers(1, 5), max_size=3))
def test_split_by_cases_merges_exactly(df, cuts):
    log = to_log(df)
    cuts = [c for c in cuts if c < log.n_cases]
    pd.testing.assert_frame_equal(
        split_merge(_CaseChannels(("buy",), tuple(ONLINE)), log, cuts),
        jm.channel_switches(log, purchase="buy", online=ONLINE),
    )
    pd.testing.assert_frame_equal(
        split_merge(_SwitchPairs(), log, cuts), jm.channel_switches(log, summary=True)
    )


def test_engines_agree():
    pytest.importorskip("dask")
    df = shop_frame(3000)
    names = dict(
        case="customer_id", activity="touchpoint", timestamp="timestamp", channel="channel"
    )
    model = jm.datasets.shop_model()
    engines_agree(lambda log: jm.channel_switches(log, model=model, online=ONLINE), df, **names)
    engines_agree(lambda log: jm.channel_switches(log, summary=True), df, **names)


def test_shop():
    log = jm.datasets.load_shop()
    out = jm.channel_switches(log, model=jm.datasets.shop_model(), online=["web", "app"])
    assert len(out) == log.n_cases
    assert (out["n_channels"] == out["channels"].map(len)).all()
    assert out["ropo"].any()


def test_errors():
    df = pd.DataFrame({"c": [1], "a": ["x"], "t": ["2025-01-01"], "ch": ["web"]})
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(ParameterError, match="needs a channel column.*channel='<column>'"):
        jm.channel_switches(log)
    with_ch = jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")
    with pytest.raises(ParameterError, match="needs the purchase activities"):
        jm.channel_switches(with_ch, online=["web"])
    with pytest.raises(ParameterError, match="'summary'"):
        jm.channel_switches(with_ch, summary="yes")
    with pytest.raises(ParameterError, match="'model'"):
        jm.channel_switches(with_ch, model="m")
    with pytest.raises(ParameterError, match="'purchase'"):
        jm.channel_switches(with_ch, purchase=3)
