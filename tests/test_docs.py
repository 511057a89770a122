"""The documentation: every public name is in the API reference and has an example.

The Sphinx build itself (slow, needs the docs extra) runs only when
``JOURNEYMINE_TEST_DOCS=1`` is set.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import journeymine as jm

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api.rst"


def _api_names() -> set[str]:
    """The names listed in the autosummary tables of docs/api.rst."""
    names: set[str] = set()
    in_table = False
    for line in API.read_text(encoding="utf-8").splitlines():
        if line.startswith(".. autosummary::"):
            in_table = True
            continue
        if in_table:
            stripped = line.strip()
            if not stripped or stripped.startswith(":"):
                continue
            if not line.startswith("   "):
                in_table = False
                continue
            names.add(stripped)
    return names


def _public_objects() -> list[tuple[str, object]]:
    """Every function and class of ``journeymine.__all__``; for modules, their public ones."""
    out: list[tuple[str, object]] = []
    for name in jm.__all__:
        obj = getattr(jm, name)
        if isinstance(obj, types.ModuleType):
            for sub in getattr(obj, "__all__", ()):
                member = getattr(obj, sub)
                if inspect.isfunction(member) or inspect.isclass(member):
                    out.append((f"{name}.{sub}", member))
        else:
            out.append((name, obj))
    return out


def _has_examples(obj: object) -> bool:
    doc = inspect.getdoc(obj) or ""
    return re.search(r"^Examples\n-{8,}$", doc, flags=re.MULTILINE) is not None


def test_api_reference_lists_every_public_name():
    listed = _api_names()
    missing = sorted(set(jm.__all__) - listed)
    assert not missing, f"Add these names of journeymine.__all__ to docs/api.rst: {missing}"


def test_api_reference_lists_only_public_names():
    """A name in api.rst that is not exported is a typo or a forgotten export."""
    exported = set(jm.__all__)
    extra = sorted(n for n in _api_names() if n not in exported and hasattr(jm, n))
    assert not extra, f"docs/api.rst lists names missing from journeymine.__all__: {extra}"


def test_api_reference_helpers_see_the_tables():
    assert {"discover", "JourneyLog", "ParameterError", "datasets"} <= _api_names()


@pytest.mark.parametrize(
    ("name", "obj"), _public_objects(), ids=[name for name, _ in _public_objects()]
)
def test_public_object_has_examples_section(name, obj):
    assert _has_examples(obj), f"The docstring of {name} needs an 'Examples' section."


def test_user_guide_pages_exist_and_are_in_the_toctree():
    index = (DOCS / "user_guide" / "index.rst").read_text(encoding="utf-8")
    for page in (
        "concepts",
        "loading",
        "discovery",
        "reference_model",
        "conformance",
        "loops_funnel",
        "cli_report",
        "scaling",
        "interop",
    ):
        assert (DOCS / "user_guide" / f"{page}.rst").is_file(), page
        assert re.search(rf"^\s+{page}$", index, flags=re.MULTILINE), page


def test_concepts_page_states_every_deviation_and_loop_kind():
    text = (DOCS / "user_guide" / "concepts.rst").read_text(encoding="utf-8")
    kinds = (
        "unknown_activity",
        "wrong_start",
        "skipped_stage",
        "stage_regression",
        "forbidden_transition",
        "self_loop",
        "rework",
        "return",
        "repeat_purchase",
    )
    for kind in kinds:
        assert f"``{kind}``" in text, kind


def test_gallery_examples_have_a_title_and_are_executed():
    examples = sorted((ROOT / "examples").glob("*.py"))
    assert examples, "the gallery has no example"
    for path in examples:
        # sphinx-gallery runs files matching filename_pattern="/plot_"
        assert path.name.startswith("plot_"), f"{path.name} would not be executed"
        head = path.read_text(encoding="utf-8").lstrip()
        assert head.startswith('"""'), f"{path.name} needs a docstring with a title"


@pytest.mark.skipif(
    os.environ.get("JOURNEYMINE_TEST_DOCS") != "1",
    reason="builds the whole Sphinx site; set JOURNEYMINE_TEST_DOCS=1 to run it",
)
def test_sphinx_build_passes_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-n",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "api.html").is_file()
