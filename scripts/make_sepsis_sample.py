"""Cut the small real log shipped as ``jm.datasets.load_sepsis()`` from the public Sepsis log.

The source is the Sepsis Cases event log (F. Mannhardt, 4TU.ResearchData,
https://doi.org/10.4121/uuid:915d2bfb-7e84-49ad-a286-dc35f063a460, CC BY 4.0),
read from ``../shared/data/sepsis.xes.gz`` beside the checkout. The first
300 patients (cases, in file order) are kept, with all their events and four
columns: ``patient`` (the case id), ``activity``, ``timestamp`` (ISO 8601,
UTC), ``department`` (``org:group``) and ``age`` (recorded on a patient's
first event only). Nothing else is changed.

The output is deterministic (gzip with ``mtime=0``): running the script again
rewrites the file byte for byte.

Usage::

    python scripts/make_sepsis_sample.py [--source PATH] [--out PATH] [--cases N]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "sepsis.xes.gz"
OUT = ROOT / "src" / "journeymine" / "datasets" / "sepsis_sample.csv.gz"


def sample(source: Path, n_cases: int) -> bytes:
    """The CSV text of the first ``n_cases`` cases of the Sepsis XES log, gzip-compressed."""
    import pandas as pd

    import journeymine as jm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.JourneymineWarning)
        log = jm.read_xes(source)
    first = pd.unique(log._frame["case:concept:name"])[:n_cases]  # file order
    df = log.to_pandas()
    df = df[df["case:concept:name"].isin(first)]
    age = pd.to_numeric(df["Age"], errors="coerce").astype("Int64")
    out = pd.DataFrame(
        {
            "patient": df["case:concept:name"].to_numpy(),
            "activity": df["concept:name"].to_numpy(),
            "timestamp": df["time:timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "department": df["org:group"].fillna("").to_numpy(),
            "age": age.astype("string").fillna("").to_numpy(),
        }
    )
    text = out.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="sepsis.xes.gz")
    parser.add_argument("--out", type=Path, default=OUT, help="output .csv.gz")
    parser.add_argument("--cases", type=int, default=300, help="number of cases to keep")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        sys.stderr.write(f"{args.source} not found: the shared logs live in ../shared/data\n")
        return 1
    data = sample(args.source, args.cases)
    args.out.write_bytes(data)
    sys.stdout.write(f"wrote {args.out} ({len(data):,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
