"""The modules a file imports at its top level, as written (resolved to files by the adapters).

Importing a module runs its top level, so what that module's APIs need also bounds the importing
file. Only unconditional top-level imports count: one inside a function, a branch or a `try` may
never run.
"""

from __future__ import annotations

import ast
from typing import NamedTuple


class ModuleImport(NamedTuple):  # a tuple: made for every import of every file with findings
    level: int  # 0 absolute, 1 for `from . import`, 2 for `from .. import`, ...
    module: str  # dotted, "" for `from . import x`
    names: tuple[str, ...] = ()  # what a from-import takes: a name may be a submodule


def top_level_imports(tree: ast.Module) -> tuple[ModuleImport, ...]:
    found: list[ModuleImport] = []
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            found.extend(ModuleImport(0, alias.name) for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            names = tuple(alias.name for alias in statement.names if alias.name != "*")
            found.append(ModuleImport(statement.level or 0, statement.module or "", names))
    return tuple(found)
