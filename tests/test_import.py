"""`import journeymine` stays light: no pm4py, Dask or pyplot."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, journeymine\n"
        "heavy = [m for m in ('pm4py', 'dask', 'distributed', 'matplotlib.pyplot', 'networkx', 'scipy.stats') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_python_dash_m_runs():
    out = subprocess.run(
        [sys.executable, "-m", "journeymine", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "demo" in out.stdout
