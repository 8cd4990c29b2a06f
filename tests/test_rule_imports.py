"""Rules are pure functions of a fact record and the target (issue 9, deliverable 2).

Every module under src/keraslint/rules/ may import only:
  - the fact records (keraslint.analysis.records), the catalogue, the version lines, diagnostics,
    fixes and the other rule modules;
  - the standard-library helpers a rule declaration needs: __future__, typing, dataclasses
    (and `ast` in rules/base.py only, for the type of Finding.node: no rule walks a tree).

The imports are read with `ast` (nothing is executed), so a new rule module is checked as soon as it
exists. The allowed keraslint modules must not themselves reach the evaluator either: the check
follows keraslint imports transitively from rules/.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
RULES_DIR = SRC / "keraslint" / "rules"

ALLOWED_KERASLINT = frozenset(
    {
        "keraslint.analysis.records",
        "keraslint.catalogue",
        "keraslint.versions",
        "keraslint.diagnostics",
        "keraslint.fixes",
        "keraslint.immutable",
    }
)
ALLOWED_STDLIB = frozenset({"__future__", "typing"})
# Per-module extras, each with the reason it is harmless.
EXTRA_ALLOWED = {
    "keraslint.rules.base": frozenset({"ast"}),  # the annotation of Finding.node only
}
# Packages whose __init__ runs when an allowed submodule is imported: they must stay import-free.
PACKAGE_INITS = ("keraslint", "keraslint.analysis")


def module_name(path: pathlib.Path, root: pathlib.Path = SRC) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_path(name: str) -> pathlib.Path:
    base = SRC.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def imports_of(path: pathlib.Path, name: str | None = None, *, nested: bool = True) -> list[tuple[int, str, str]]:
    """(line, imported module, the statement as written) for every import in the file, nested
    ones included unless `nested` is False (an import inside a function is still a dependency)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree) if nested else tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # `from keraslint import catalogue`: the name is a module, and that is the dependency.
                candidate = f"{target}.{alias.name}" if target else alias.name
                is_module = candidate.startswith("keraslint") and module_path(candidate).exists()
                found.append((node.lineno, candidate if is_module else target, ast.unparse(node)))
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if called in ("__import__", "import_module"):
                found.append((node.lineno, "<dynamic import>", ast.unparse(node)))
    return found


def is_allowed(importer: str, imported: str) -> bool:
    if imported in ALLOWED_STDLIB or imported in EXTRA_ALLOWED.get(importer, frozenset()):
        return True
    if imported.startswith("keraslint.rules.") or imported == "keraslint.rules":
        return True
    return imported in ALLOWED_KERASLINT


def rule_modules() -> list[pathlib.Path]:
    return sorted(RULES_DIR.glob("*.py"))


def test_rule_modules_are_found() -> None:
    names = {module_name(path) for path in rule_modules()}
    assert {"keraslint.rules", "keraslint.rules.base", "keraslint.rules.loss_output", "keraslint.rules.metrics"} <= names


@pytest.mark.parametrize("path", rule_modules(), ids=lambda path: path.name)
def test_rule_module_imports_only_records_catalogue_lines_diagnostics_fixes(path: pathlib.Path) -> None:
    importer = module_name(path)
    offending = [
        f"{importer} (line {line}): `{statement}` imports {imported}"
        for line, imported, statement in imports_of(path)
        if not is_allowed(importer, imported)
    ]
    assert not offending, (
        "rules may import only keraslint.analysis.records, catalogue, lines, diagnostics, fixes, "
        "keraslint.rules.* and __future__/typing/dataclasses:\n  " + "\n  ".join(offending)
    )


def test_what_rules_import_does_not_reach_the_evaluator() -> None:
    """The allowed keraslint modules import only each other (or nothing of keraslint): importing a
    rule never loads analysis.evaluate, the engine, settings or an adapter."""
    seen: set[str] = set()
    pending = [module_name(path) for path in rule_modules()]
    offending = []
    while pending:
        importer = pending.pop()
        if importer in seen:
            continue
        seen.add(importer)
        for line, imported, statement in imports_of(module_path(importer)):
            if not imported.startswith("keraslint"):
                continue
            target = imported
            if not (target in ALLOWED_KERASLINT or target == "keraslint.rules" or target.startswith("keraslint.rules.")):
                offending.append(f"{importer} (line {line}): `{statement}` reaches {target}")
            else:
                pending.append(target)
    for package in PACKAGE_INITS:
        for line, imported, statement in imports_of(module_path(package), nested=False):
            if imported != "__future__":
                offending.append(f"{package}/__init__.py (line {line}): `{statement}` runs whenever a rule is imported")
    assert not offending, "\n".join(offending)


def test_the_check_catches_a_forbidden_import(tmp_path: pathlib.Path) -> None:
    """The test is not vacuous: a module importing the evaluator is reported with name and line."""
    path = tmp_path / "forbidden.py"
    path.write_text(
        "from keraslint.analysis.evaluate import Evaluator\n"
        "from keraslint import engine, catalogue\n"
        "import typing\n"
        "def check():\n"
        "    from ..analysis import values\n",
        encoding="utf-8",
    )
    importer = "keraslint.rules.forbidden"
    bad = [(line, imported) for line, imported, _ in imports_of(path, importer) if not is_allowed(importer, imported)]
    assert bad == [(1, "keraslint.analysis.evaluate"), (2, "keraslint.engine"), (5, "keraslint.analysis.values")]
