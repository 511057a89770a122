"""Reader limits: small hostile files stop early with a LogError, and memory stays bounded."""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import journeymine as jm

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<log>\n<trace><string key="concept:name" value="c"/>\n'
TAIL = b"</trace>\n</log>\n"
STAMP = b'<date key="time:timestamp" value="2025-01-01T00:00:00Z"/>'


def _many_keys(path: Path, n: int) -> Path:
    """n events, each with an attribute key of its own (58 KB gzip for 20,000)."""
    with gzip.open(path, "wb") as f:
        f.write(HEAD)
        for i in range(n):
            f.write(
                b'<event><string key="concept:name" value="a"/>'
                + STAMP
                + f'<string key="k{i}" value="v"/></event>\n'.encode()
            )
        f.write(TAIL)
    return path


def _huge_value(path: Path, mib: int, quote_gt: bool = False) -> Path:
    """One event whose activity is ``mib`` MiB long (a few hundred KB of gzip)."""
    block = (b"a" * 1023 + b">") * 1024 if quote_gt else b"a" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(HEAD + b'<event><string key="concept:name" value="')
        for _ in range(mib):
            f.write(block)
        f.write(b'"/>' + STAMP + b"</event>\n" + TAIL)
    return path


def _peak_rss_mib(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak RSS (MiB) and what it printed."""
    script = textwrap.dedent(
        rf"""
        import re
        {textwrap.indent(textwrap.dedent(code), "        ").strip()}
        # VmHWM: this process image's peak (ru_maxrss would carry the parent's over exec)
        status = open("/proc/self/status").read()
        print("PEAK", re.search(r"VmHWM:\s+(\d+)", status).group(1))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    peak = int(out.rsplit("PEAK", 1)[1]) / 1024
    return peak, out


# an interpreter with pandas, pyarrow and journeymine imported takes ~150 MiB
BOUND_MIB = 400


def _read_in_child(path: Path, limits: str = "") -> str:
    return f"""
        import journeymine as jm
        try:
            jm.read_xes({str(path)!r}{limits})
            print("READ")
        except jm.LogError as exc:
            print("LOGERROR", exc)
    """


def test_many_keys_stop_early_with_bounded_memory(tmp_path):
    # before the limit: 3.5 GB and 24 s; now a LogError after ~1,000 keys
    path = _many_keys(tmp_path / "keys.xes.gz", 20_000)
    assert path.stat().st_size < 100_000
    peak, out = _peak_rss_mib(_read_in_child(path))
    print(f"many keys: peak RSS {peak:.0f} MiB")
    assert "LOGERROR" in out and "max_attribute_keys=1,000" in out and "ReadLimits" in out
    assert peak < BOUND_MIB


def test_many_keys_read_when_the_limit_is_raised(tmp_path):
    path = _many_keys(tmp_path / "keys.xes.gz", 50)
    with pytest.raises(jm.LogError, match="max_attribute_keys=10"):
        jm.read_xes(path, limits=jm.ReadLimits(max_attribute_keys=10))
    frame = jm.io.xes.read_xes_frame(path, limits=jm.ReadLimits(max_attribute_keys=None))
    assert len(frame) == 50 and "k49" in frame.columns


@pytest.mark.parametrize("quote_gt", [False, True], ids=["plain", "with '>' inside"])
def test_huge_value_stops_early_with_bounded_memory(tmp_path, quote_gt):
    # before: a 294 KB file with a 300 MB value took 1.9 GB and 50-100 s
    path = _huge_value(tmp_path / "value.xes.gz", 64, quote_gt)
    assert path.stat().st_size < 400_000
    peak, out = _peak_rss_mib(_read_in_child(path))
    print(f"huge value ({'>' if quote_gt else 'plain'}): peak RSS {peak:.0f} MiB")
    assert "LOGERROR" in out and "max_value_bytes=1,048,576" in out
    assert peak < BOUND_MIB


def test_value_limit_names_the_key_on_the_expat_path(tmp_path):
    path = tmp_path / "v.xes"
    # a comment sends the file to the expat path
    path.write_bytes(
        HEAD
        + b"<!-- c --><event>"
        + b'<string key="concept:name" value="'
        + b"x" * 5000
        + b'"/>'
        + STAMP
        + b"</event>\n"
        + TAIL
    )
    with pytest.raises(jm.LogError, match=r"max_value_bytes=1,000.*concept:name"):
        jm.read_xes(path, limits=jm.ReadLimits(max_value_bytes=1000))
    assert jm.read_xes(path).n_events == 1


def test_decompressed_size_is_counted_as_it_streams(tmp_path):
    path = tmp_path / "bomb.xes.gz"
    with gzip.open(path, "wb") as f:  # 40 MB of white space between events: tiny compressed
        f.write(HEAD + b"<event>" + b'<string key="concept:name" value="a"/>' + STAMP + b"</event>")
        for _ in range(40):
            f.write(b" " * (1 << 20))
        f.write(TAIL)
    with pytest.raises(jm.LogError, match=r"max_bytes=10,000,000.*decompressed"):
        jm.read_xes(path, limits=jm.ReadLimits(max_bytes=10_000_000, max_value_bytes=None))


def test_csv_limits(tmp_path):
    plain = tmp_path / "e.csv"
    plain.write_text("c,a,t\n1,x,2025-01-01\n")
    with pytest.raises(jm.LogError, match="max_bytes=5"):
        jm.read_csv(plain, case="c", activity="a", timestamp="t", limits=jm.ReadLimits(max_bytes=5))
    packed = tmp_path / "e.csv.gz"
    with gzip.open(packed, "wb") as f:
        f.write(b"c,a,t\n1," + b"x" * (3 << 20) + b",2025-01-01\n")
    with pytest.raises(jm.LogError, match=r"max_value_bytes=1,048,576.*line"):
        jm.read_csv(packed, case="c", activity="a", timestamp="t")
    with pytest.raises(jm.LogError, match=r"max_bytes=1,000,000.*decompressed"):
        jm.read_log(
            packed, case="c", activity="a", timestamp="t", limits=jm.ReadLimits(max_bytes=1_000_000)
        )
    log = jm.read_csv(
        packed, case="c", activity="a", timestamp="t", limits=jm.ReadLimits(max_value_bytes=None)
    )
    assert log.n_events == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_readlimits_refuses_bad_values(bad):
    with pytest.raises(jm.ParameterError, match="'max_bytes' parameter of ReadLimits"):
        jm.ReadLimits(max_bytes=bad)


def test_limits_must_be_a_readlimits(tmp_path):
    with pytest.raises(jm.ParameterError, match="'limits' parameter of read_xes"):
        jm.read_xes(tmp_path / "x.xes", limits={"max_bytes": 1})
