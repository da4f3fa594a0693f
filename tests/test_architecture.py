"""
The shape of the tree, checked from the source: no import cycles (imports inside functions
included), the sandbox org stands alone, and every module is imported by some test.

`lint-imports` (make lint) checks the layer contracts in pyproject.toml; this reads the
same source with `ast` alone, so a cycle is caught by `make test` too, and so is a new
module no test imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sfsync"

# Modules no test imports yet. Empty since tests/sandbox imports every sandbox module (issue
# 10); the allowance only shrinks: never add to it, write the test instead. An entry must go
# as soon as a test imports it (test_untested_allowance_only_shrinks).
UNTESTED_ALLOWANCE: frozenset[str] = frozenset()
# Entry points, run as programs rather than imported.
ENTRY_POINTS = frozenset({"sfsync.__main__"})


def module_name(path: Path) -> str:
    """`sfsync/sync/run.py` -> `sfsync.sync.run`; a package's __init__ is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    """Every module of the package by name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return skipped


def imported_names(path: Path, name: str) -> Iterator[str]:
    """Every module name *path* imports anywhere (functions included, TYPE_CHECKING not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    modules = package_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(path, name):
            target = imported
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    """The check itself: a back edge made by a function-level import is a cycle."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [["a", "b", "c"]] == cycles(graph)
    assert [] == cycles({"a": {"b"}, "b": set()})


def test_function_level_imports_are_seen(tmp_path: Path) -> None:
    """An import inside a function counts; one under TYPE_CHECKING does not."""
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sfsync.cli import main\n"
        "def f():\n    from sfsync.commands import COMMANDS\n    from . import sibling\n"
    )
    names = set(imported_names(source, "sfsync.sync.mod"))
    assert {"sfsync.commands", "sfsync.commands.COMMANDS", "sfsync.sync"} <= names
    assert "sfsync.cli" not in names


def test_no_import_cycles_anywhere() -> None:
    """No module reaches itself through imports, including imports inside functions."""
    assert [] == cycles(import_graph())


def test_the_sandbox_imports_nothing_of_the_product_but_errors() -> None:
    """The sandbox org stands for Salesforce: it shares only the error types with sfsync."""
    outside = {
        f"{name} -> {target}"
        for name, targets in import_graph().items()
        if name.startswith("sfsync.sandbox")
        for target in targets
        if not target.startswith("sfsync.sandbox") and target not in ("sfsync", "sfsync.errors")
    }
    assert set() == outside


def modules_tests_import() -> set[str]:
    """Package modules that some file under tests/ imports (importing `a.b.c` runs the
    packages `a` and `a.b` too)."""
    modules = package_modules()
    seen: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for imported in imported_names(path, module_name(path)):
            if imported in modules:
                parts = imported.split(".")
                seen |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return seen


def test_every_module_is_imported_by_a_test() -> None:
    """Each module under sfsync/ is imported by at least one test module."""
    untested = set(package_modules()) - modules_tests_import() - ENTRY_POINTS
    assert set() == untested - UNTESTED_ALLOWANCE


def test_untested_allowance_only_shrinks() -> None:
    """A module in the allowance that a test now imports must leave the allowance."""
    assert set() == UNTESTED_ALLOWANCE & modules_tests_import()
    assert set() == UNTESTED_ALLOWANCE - set(package_modules())
