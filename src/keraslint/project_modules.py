"""Version evidence in the project's own modules that a file imports (`from yolo3.model import ...`).

flake8 hands keraslint one file at a time, yet `train.py` runs only where the modules it imports
can be imported: their top-level APIs bound its lines as its own do. The modules are found the
way `python train.py` would find them (the file's folder, then the folders above its package) and
read only for a file that has findings, each at most once per content (cached by path, size and
modification time). A module that cannot be read or parsed adds nothing.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Iterator

from keraslint import source as text
from keraslint.analysis.facts import module_evidence, with_imported
from keraslint.analysis.module_imports import ModuleImport, top_level_imports
from keraslint.analysis.records import Evidence
from keraslint.analysis.statements import is_main_guard
from keraslint.immutable import replace

_MAX_DEPTH = 3  # train.py -> package/__init__.py -> package/model.py -> ...
_MAX_BYTES = 1_000_000
_MAX_CACHED = 512
# Libraries, never the project's own modules, even when a folder of that name lies next to a file
# (the standard library too: looking for them on disk is most of the cost).
_LIBRARIES = frozenset({
    "keras", "tensorflow", "tf_keras", "keras_core", "numpy", "pandas", "sklearn", "torch", "matplotlib", "scipy",
    "seaborn", "cv2", "PIL", "tqdm", "h5py", "IPython", "google", "__future__",
}) | frozenset(sys.stdlib_module_names)
# (folder, top-level name) -> the folder on the import path holding it; forgotten with each run.
_ROOTS: dict[tuple[str, str], str | None] = {}
# (path, size, mtime) -> the module's own evidence and its imports; None: unreadable.
_CACHE: dict[tuple[str, int, int], tuple[Evidence | None, tuple[ModuleImport, ...]] | None] = {}


def clear() -> None:
    """Forget what was found on disk (a new lint run in a long-lived host)."""
    _ROOTS.clear()


def imported_evidence(folder: str, tree: ast.Module) -> Evidence | None:
    """The evidence of the project modules imported at the top of a file in `folder` (and of what
    they import in turn), combined; None when none narrows anything."""
    combined: Evidence | None = None
    seen: set[str] = set()
    pending = [(path, 1) for path in _files_of(folder, top_level_imports(tree))]
    while pending:
        path, depth = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        loaded = _load(path)
        if loaded is None:
            continue
        evidence, imports = loaded
        if evidence is not None and (evidence.reasons or evidence.keras3_only):
            evidence = _named(evidence, os.path.relpath(path, folder))
            combined = evidence if combined is None else with_imported(combined, evidence)
        if depth < _MAX_DEPTH:
            pending.extend((found, depth + 1) for found in _files_of(os.path.dirname(path), imports))
    return combined


def _named(evidence: Evidence, where: str) -> Evidence:
    return replace(evidence, reasons=tuple(f"{reason} in {where}" for reason in evidence.reasons))


def _load(path: str) -> tuple[Evidence | None, tuple[ModuleImport, ...]] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    key = (path, status.st_size, status.st_mtime_ns)
    if key in _CACHE:
        return _CACHE[key]
    loaded = _read(path) if status.st_size <= _MAX_BYTES else None
    if len(_CACHE) >= _MAX_CACHED:
        _CACHE.clear()
    _CACHE[key] = loaded
    return loaded


def _read(path: str) -> tuple[Evidence | None, tuple[ModuleImport, ...]] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeError, ValueError):
        return None
    tree = text.parse(source)
    if isinstance(tree, SyntaxError):
        return None
    evidence = None
    if "keras" in source or "tensorflow" in source:
        evidence = module_evidence(source, _imported_part(tree))
    return evidence, top_level_imports(tree)


def _imported_part(tree: ast.Module) -> ast.Module:
    """The module without its `if __name__ == "__main__":` blocks, which an import does not run."""
    body = [line for line in tree.body if not (isinstance(line, ast.If) and is_main_guard(line.test))]
    return tree if len(body) == len(tree.body) else ast.Module(body=body, type_ignores=[])


def _files_of(folder: str, imports: tuple[ModuleImport, ...]) -> Iterator[str]:
    """The project files these imports run, as Python would find them from a file in `folder`."""
    for found in imports:
        parts = found.module.split(".") if found.module else []
        if found.level:
            base = folder
            for _ in range(found.level - 1):
                base = os.path.dirname(base)
        elif parts[0] in _LIBRARIES:
            continue
        else:
            located = _root_holding(folder, parts[0])
            if located is None:
                continue
            base = located
        yield from _module_files(base, parts, found.names)


def _root_holding(folder: str, name: str) -> str | None:
    """The first folder on the file's import path that holds module or package `name`: the file's
    own folder, then the folders above the packages it sits in."""
    key = (folder, name)
    if key not in _ROOTS:
        if len(_ROOTS) >= 4 * _MAX_CACHED:
            _ROOTS.clear()
        _ROOTS[key] = _find_root(folder, name)
    return _ROOTS[key]


def _find_root(folder: str, name: str) -> str | None:
    current = folder
    for _ in range(8):
        if os.path.isfile(os.path.join(current, name + ".py")) or os.path.isdir(os.path.join(current, name)):
            return current
        if not os.path.isfile(os.path.join(current, "__init__.py")):
            return None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def _module_files(base: str, parts: list[str], names: tuple[str, ...]) -> Iterator[str]:
    """The files importing `parts` (from `base`) runs: each package's __init__.py and the module;
    names taken from a package may be its submodules."""
    current = base
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        if index == len(parts) - 1 and os.path.isfile(current + ".py"):
            yield current + ".py"
            return
        if not os.path.isdir(current):
            return
        package = os.path.join(current, "__init__.py")
        if os.path.isfile(package):
            yield package
    for name in names:
        module = os.path.join(current, name + ".py")
        if os.path.isfile(module):
            yield module
