"""Extract the Python blocks of README.md and docs/, and run one page's blocks (a script).

Used by tests/test_docs_blocks.py. A *block* is an rst ``.. code-block:: python``
or ``.. code:: python`` directive, or a Markdown fence opened with python. A block
written with ``>>>`` prompts runs as a doctest (its printed output is compared,
whitespace-normalised, ``...`` matching anything); any other block runs as a
script. An rst comment on the line just before the directive,
``.. requires: dot (the Graphviz programs)``, marks a block that needs an
optional program: it is skipped with that reason when the program is not on the
PATH.

Run as a script (``python docs_blocks.py``) it reads a JSON list of blocks on
stdin and runs them in order in one namespace, in the current folder, and
prints one JSON line per block: ``{"line": ..., "error": ...}``. Warnings are
printed to the output as the pages show them, ``JourneymineWarning: text``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

_RST_BLOCK = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(?:python|py|pycon)\s*$")
_MD_FENCE = re.compile(r"^\s*```(?:python|py)\s*$")
_REQUIRES = re.compile(r"^\s*\.\. requires:\s*(?P<program>\S+)\s*(?P<why>.*)$")


def page_blocks(path: Path) -> list[dict[str, Any]]:
    """The Python blocks of one page: ``{"line", "code", "doctest", "requires"}`` each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(lines):
        body: list[str] = []
        if path.suffix == ".md" and _MD_FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                body.append(lines[j])
                j += 1
            code = "\n".join(body)
        elif path.suffix == ".rst" and (m := _RST_BLOCK.match(lines[i])):
            indent = len(m.group(1))
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(":"):  # directive options
                j += 1
            while j < len(lines) and (
                not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
            ):
                body.append(lines[j])
                j += 1
            code = textwrap.dedent("\n".join(body)).strip("\n")
        else:
            i += 1
            continue
        requires = None
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 0 and (r := _REQUIRES.match(lines[k])):
            requires = (r["program"], r["why"].strip())
        out.append(
            {
                "line": i + 1,
                "code": code,
                "doctest": code.lstrip().startswith(">>>"),
                "requires": requires,
            }
        )
        i = j
    return out


def missing_program(block: dict[str, Any]) -> str | None:
    """Why the block is skipped (its optional program is absent), else None."""
    if block["requires"] is None:
        return None
    program, why = block["requires"]
    if shutil.which(program) is None:
        return f"needs the program {program!r} {why}".strip()
    return None


def _run(blocks: list[dict[str, Any]], page: str) -> None:
    import doctest
    import io
    import traceback

    import matplotlib

    matplotlib.use("Agg")
    import warnings

    from journeymine.errors import JourneymineWarning

    shown = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        # as the pages show them: "JourneymineWarning: text" in the output
        if issubclass(category, JourneymineWarning):
            print(f"{category.__name__}: {message}")
        else:
            shown(message, category, *args, **kwargs)

    warnings.showwarning = show
    globs: dict[str, Any] = {"__name__": "__main__"}
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for block in blocks:
        name = f"{page}:{block['line']}"
        error = None
        if block.get("skip"):
            error = None
        elif block["doctest"]:
            test = doctest.DocTestParser().get_doctest(block["code"], globs, name, page, 0)
            report = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=flags)
            runner.run(test, out=report.write, clear_globs=False)
            globs.update(test.globs)  # a DocTest runs on a copy: keep what it defined
            if runner.failures:
                error = report.getvalue()
        else:
            try:
                exec(compile(block["code"], name, "exec"), globs)
            except BaseException:  # noqa: BLE001 - reported to the test
                error = traceback.format_exc(limit=-3)
        sys.stdout.write(json.dumps({"line": block["line"], "error": error}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _run(json.loads(sys.stdin.read()), sys.argv[1] if len(sys.argv) > 1 else "page")
