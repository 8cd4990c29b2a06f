"""Facts flow one way: no import cycles among keraslint's modules, and the engine reads no file."""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parent.parent / "src" / "keraslint"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["keraslint", *parts])


def _imports(tree: ast.Module, known: set[str]) -> set[str]:
    """Every keraslint module a file imports, at module level or inside functions (not under
    `if TYPE_CHECKING:`, which never runs)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name in known)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.update(name for name in (child.module, *(f"{child.module}.{a.name}" for a in child.names))
                             if name in known)
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in SRC.rglob("*.py")}
    known = set(paths)
    graph = {}
    for name, path in paths.items():
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")), known)
        graph[name] = {module for module in imported if module != name and module != "keraslint"}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_import_cycles() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("module", ["keraslint.engine", "keraslint.analysis.facts", "keraslint.rules.base"])
def test_the_core_imports_no_adapter(module: str) -> None:
    adapters = {"keraslint.cli", "keraslint.flake8_plugin", "keraslint.kernel", "keraslint.fixer", "keraslint.docgen",
                "keraslint.output", "keraslint.config"}
    graph = _graph()
    reached, todo = set(), [module]
    while todo:
        current = todo.pop()
        for nxt in graph.get(current, ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    assert not reached & adapters, sorted(reached & adapters)
