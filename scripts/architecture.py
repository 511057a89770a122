"""Print the architecture figures of a journeymine source tree.

Usage::

    python scripts/architecture.py [SRC]            # default: src/journeymine
    git worktree add /tmp/before <commit> && python scripts/architecture.py /tmp/before/src/journeymine

Figures (what issue 21 asks to compare before and after a redesign):

* **modules**: Python files of the package;
* **layers of imports**: the longest chain of module-level imports between
  journeymine modules (a module that imports nothing of journeymine is layer
  0, a module importing a layer-k module is at least layer k + 1);
* **imports back up a layer**: imports written inside functions (lazy
  imports) whose target sits in a higher declared layer than the importer
  (the layers of DEVELOPING.md, table "Architecture: layers and the one
  door"; e.g. ``log.py`` importing ``discovery`` for a convenience method);
* **hand-written ``raise ParameterError``** outside ``_validation.py`` (the
  declared checks generate theirs);
* **public functions declaring their checks**: names of ``__all__`` whose
  ``__init__`` import is decorated with ``validate_params`` (counted as the
  decorator's uses);
* **the ten longest functions** (lines from ``def`` to the last line, without
  the docstring).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

#: declared layer of each module (DEVELOPING.md); a module not listed is an analysis (4)
DECLARED = {
    "errors": 0,
    "_format": 0,
    "_threads": 0,
    "_codes": 0,
    "_tables": 0,
    "_sketch": 0,
    "_stats": 0,
    "engine": 1,
    "engine.base": 1,
    "_kernel": 1,
    "model": 2,
    "_validation": 2,
    "log": 2,
    "_quality": 2,
    "_percase": 2,
    "engine.memory": 3,
    "engine.dask": 3,
    "scale": 3,
    "io": 5,
    "datasets": 5,
    "plot": 6,
    "report": 6,
    "cli": 6,
    "__main__": 6,
    "__init__": 7,
}
ANALYSIS = 4


def declared_layer(module: str) -> int:
    """The declared layer of a dotted module name relative to the package."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in DECLARED:
            return DECLARED[key]
    return ANALYSIS


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports(tree: ast.Module, name: str, modules: set[str]) -> tuple[set[str], set[str]]:
    """journeymine modules imported at module level and inside functions."""
    top: set[str] = set()
    lazy: set[str] = set()

    def resolve(target: str) -> str | None:
        target = target.removeprefix("journeymine").lstrip(".")
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            found: list[str] = []
            if isinstance(child, ast.Import):
                found = [a.name for a in child.names if a.name.startswith("journeymine")]
            elif isinstance(child, ast.ImportFrom) and child.module is not None:
                if child.level == 0 and child.module.startswith("journeymine"):
                    base = child.module
                    found = [f"{base}.{a.name}" for a in child.names] + [base]
            for target in found:
                mod = resolve(target)
                if mod is not None and mod != name:
                    (lazy if nested else top).add(mod)
            visit(child, nested)

    visit(tree, False)
    # "from journeymine import x" names the package: keep the most specific
    for s in (top, lazy):
        if "" in s:
            s.discard("")
    return top, lazy


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "src/journeymine").resolve()
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    trees = {module_name(p, root): ast.parse(p.read_text(), str(p)) for p in files}
    modules = set(trees)
    graph: dict[str, set[str]] = {}
    back_up: list[str] = []
    for name, tree in trees.items():
        top, lazy = imports(tree, name, modules)
        graph[name] = {m for m in top if not name.startswith(m + ".") and m != ""}
        for m in sorted(lazy):
            if declared_layer(m) > declared_layer(name) and not name.startswith(m):
                back_up.append(f"{name} -> {m}")

    depth: dict[str, int] = {}

    def layer(m: str, stack: tuple[str, ...] = ()) -> int:
        if m in depth:
            return depth[m]
        if m in stack:  # an import circle: count it once
            return 0
        depth[m] = 1 + max((layer(d, (*stack, m)) for d in graph.get(m, ())), default=-1)
        return depth[m]

    for m in modules:
        layer(m)

    raises = 0
    decorated = 0
    lengths: list[tuple[int, str]] = []
    for p in files:
        text = p.read_text()
        name = module_name(p, root)
        if p.name != "_validation.py":
            raises += text.count("raise ParameterError(")
        decorated += text.count("validate_params(") - (
            text.count("def validate_params(") if p.name == "_validation.py" else 0
        )
        for node in ast.walk(trees[name]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    n -= (first.end_lineno or first.lineno) - first.lineno + 1  # the docstring
                lengths.append((n, f"{name}.{node.name}"))

    print(f"source: {root}")
    print(f"modules: {len(modules)}")
    print(f"layers of imports (longest module-level chain + 1): {max(depth.values()) + 1}")
    print(f"imports back up a declared layer (lazy): {len(back_up)}")
    for item in back_up:
        print(f"  {item}")
    print(f"hand-written raise ParameterError outside _validation.py: {raises}")
    print(f"validate_params declarations: {decorated}")
    print("ten longest functions (lines without the docstring):")
    for n, fn in sorted(lengths, reverse=True)[:10]:
        print(f"  {n:4d}  {fn}")


if __name__ == "__main__":
    main(sys.argv)
