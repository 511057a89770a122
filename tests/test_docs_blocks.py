"""Every Python block of README.md and docs/ runs as pasted, in an empty folder.

Design: a page is read from top to bottom, so its blocks share one namespace
(a later block may use the ``log`` an earlier one built), but every page
starts from nothing: its own fresh temporary folder (no ``events.csv``, no
../shared) and its own Python process, with only journeymine installed.
Blocks written with ``>>>`` prompts are doctests and their output must match;
the others must run without an error. A block that needs an optional program
is marked in the page with an rst comment just before it,
``.. requires: dot (the Graphviz programs)``, and is skipped with that reason
when the program is missing. See tests/docs_blocks.py. The pages that import
pm4py or Dask are marked slow (``-m slow`` runs them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import journeymine as jm

from docs_blocks import missing_program, page_blocks

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst"))]
PAGES = [p for p in PAGES if "_build" not in p.parts and page_blocks(p)]
RUNNER = Path(__file__).with_name("docs_blocks.py")
TIMEOUT = 120  # seconds per page
#: pages that import pm4py or Dask (seconds each): run with the slow tests
SLOW = {"interop.rst", "reference_model.rst", "scaling.rst"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(Path(jm.__file__).resolve().parents[1])  # the code under test
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p for p in PAGES],
    ids=[str(p.relative_to(ROOT)) for p in PAGES],
)
def test_page_blocks_run_as_pasted(page, tmp_path):
    blocks = page_blocks(page)
    skipped = []
    for block in blocks:
        reason = missing_program(block)
        block["skip"] = reason is not None
        if reason:
            skipped.append(f"{page.name}:{block['line']} {reason}")
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(page.relative_to(ROOT))],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=TIMEOUT,
    )
    results = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    assert done.returncode == 0 and len(results) == len(blocks), done.stderr[-3000:]
    failed = [f"{page.name}:{r['line']}\n{r['error']}" for r in results if r["error"]]
    assert not failed, "\n\n".join(failed)
    if skipped:
        pytest.skip("; ".join(skipped))


def test_extractor_finds_rst_md_blocks_and_markers(tmp_path):
    rst = tmp_path / "page.rst"
    rst.write_text(
        "Title\n=====\n\n.. code-block:: python\n\n   x = 1\n   y = x\n\ntext\n\n"
        ".. requires: nonexistent-program-xyz (for the test)\n\n.. code:: python\n\n"
        "   >>> 1 + 1\n   2\n\n::\n\n   not python\n"
    )
    blocks = page_blocks(rst)
    assert [b["code"] for b in blocks] == ["x = 1\ny = x", ">>> 1 + 1\n2"]
    assert [b["doctest"] for b in blocks] == [False, True]
    assert missing_program(blocks[0]) is None
    assert "nonexistent-program-xyz" in missing_program(blocks[1])
    md = tmp_path / "page.md"
    md.write_text("# T\n\n```python\nprint(1)\n```\n\n```bash\nls\n```\n")
    assert [b["code"] for b in page_blocks(md)] == ["print(1)"]
