"""Conclusions on real logs (../shared/data): no p-value from a handful of cases, no credit
for what happens after the outcome, no drift from journeys still under way."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the real logs are not there ({DATA}); see DEVELOPING.md"
)

SEPSIS = jm.JourneyModel(
    stages=["Registration", "Diagnostics", "Treatment", "Admission", "Release"],
    activities={
        "ER Registration": "Registration",
        "ER Triage": "Registration",
        "ER Sepsis Triage": "Registration",
        "Leucocytes": "Diagnostics",
        "CRP": "Diagnostics",
        "LacticAcid": "Diagnostics",
        "IV Antibiotics": "Treatment",
        "IV Liquid": "Treatment",
        "Admission NC": "Admission",
        "Admission IC": "Admission",
        **{f"Release {x}": "Release" for x in "ABCDE"},
    },
    purchase=[f"Release {x}" for x in "ABCDE"],  # "Return ER" comes only after a release
    name="sepsis",
)

RECEIPT = jm.JourneyModel(
    stages=["Receipt", "Advice", "Decision"],
    activities={
        "Confirmation of receipt": "Receipt",
        "T02 Check confirmation of receipt": "Receipt",
        "T03 Adjust confirmation of receipt": "Receipt",
        "T04 Determine confirmation of receipt": "Receipt",
        "T05 Print and send confirmation of receipt": "Receipt",
        "T06 Determine necessity of stop advice": "Advice",
        "T10 Determine necessity to stop indication": "Decision",
    },
    purchase=["T10 Determine necessity to stop indication"],
    name="receipt",
)

BILLING = jm.JourneyModel(
    stages=["Open", "Diagnosis", "Release", "Billing"],
    activities={
        "NEW": "Open",
        "FIN": "Diagnosis",
        "CHANGE DIAGN": "Diagnosis",
        "RELEASE": "Release",
        "CODE OK": "Release",
        "BILLED": "Billing",
    },
    purchase=["BILLED"],  # REOPEN, STORNO and the like come after billing too
    name="hospital_billing",
)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        return func(*args, **kwargs)


def load(name: str) -> jm.JourneyLog:
    if name == "hospital_billing":
        df = pd.read_csv(
            DATA / "hospital_billing.csv.gz", usecols=["case_id", "activity", "timestamp"]
        ).dropna(subset=["case_id"])
        return _quiet(
            jm.from_pandas, df, case="case_id", activity="activity", timestamp="timestamp"
        )
    return _quiet(jm.read_xes, DATA / f"{name}.xes.gz")


LOGS = {"sepsis": SEPSIS, "receipt": RECEIPT, "hospital_billing": BILLING}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LOGS))
def test_impact_on_real_logs(name):
    log, model = load(name), LOGS[name]
    table = _quiet(jm.deviation_impact, log, model)
    assert not table.empty
    small = table[table["cases_with"] - table["unmatched"] < 10]
    assert small["p_value"].isna().all() and small["lo"].isna().all()
    assert small["note"].str.len().gt(0).all()
    # a deviation counts only before the case's first conversion: recount from check()
    events = log.to_pandas()
    buy = events[log.activity].isin(model.purchase).to_numpy()
    codes = log.case_codes
    first_buy = (
        pd.Series(np.where(buy, log.position, np.iinfo(np.int64).max), index=log.case_labels[codes])
        .groupby(level=0, sort=False)
        .min()
    )
    dev = _quiet(jm.check, log, model).deviations
    before = dev["position"].to_numpy() < first_buy.reindex(dev["case"]).to_numpy()
    counted = (
        dev.assign(kind=dev["kind"].astype(str), stage=dev["stage"].astype(object).fillna("-"))[
            before
        ]
        .groupby(["kind", "stage"])["case"]
        .nunique()
    )
    got = table.assign(stage=table["stage"].fillna("-")).set_index(["kind", "stage"])
    got = got["cases_with"]
    for key, n in got.items():
        assert counted.get(key, 0) == n, key
    # the deviations that only ever come after the outcome have no row at all
    after = dev.assign(kind=dev["kind"].astype(str), stage=dev["stage"].astype(object).fillna("-"))
    only_after = set(after[~before].groupby(["kind", "stage"]).size().index) - set(counted.index)
    assert not only_after & set(got.index)
    print(f"\n{name}: {len(table)} rows, {len(small)} under min_cases; only after: {only_after}")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sepsis", "hospital_billing"])
def test_drift_on_a_log_cut_in_its_middle(name):
    log, model = load(name), LOGS[name]
    events = log.to_pandas()
    times = events[log.timestamp]
    cut = times.min() + (times.max() - times.min()) / 2
    kept = events[times <= cut]
    cut_log = _quiet(
        jm.from_pandas, kept, case=log.case, activity=log.activity, timestamp=log.timestamp
    )
    naive = _quiet(jm.conformance_drift, cut_log, model, freq="M")
    fixed = _quiet(jm.conformance_drift, cut_log, model, freq="M", as_of=cut, open_window="30D")
    # the months of the whole log (journeys finished) against which to judge
    full = _quiet(jm.conformance_drift, log, model, freq="M").set_index("period")
    flagged = fixed.loc[fixed["changed"], "period"]
    for period in flagged:  # a flag on the cut log must be a change the whole log shows too
        assert full.loc[period, "changed"], period
    assert fixed["open"].sum() > 0
    last = fixed.iloc[-1]
    print(
        f"\n{name}: cut at {cut}; naive flags {list(naive.loc[naive['changed'], 'period'])}, "
        f"with as_of {list(flagged)}; open cases {int(fixed['open'].sum())}, last month "
        f"rate {last['rate']:.3f} (naive {naive.iloc[-1]['rate']:.3f}, full "
        f"{full.loc[last['period'], 'rate']:.3f})"
    )
