"""What a statement holds, syntactically: its nested blocks and the targets it assigns to. Shared by
the evaluator, the label facts and the history reads."""

from __future__ import annotations

import ast
from typing import Sequence


# The statements that hold blocks of statements (everything else is a simple statement).
_COMPOUND = tuple(
    getattr(ast, name)
    for name in ("If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar", "FunctionDef",
                 "AsyncFunctionDef", "ClassDef", "Match")
    if hasattr(ast, name)
)


# try statements (`try ... except*` is its own class from Python 3.11 on, with the same fields)
TRY_TYPES = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either way round): true when the module runs as a script only."""
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides) and any(
        isinstance(side, ast.Constant) and side.value == "__main__" for side in sides
    )


def handler_catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    """Whether an except clause catches one of these exception class names (a bare except catches all)."""
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        (isinstance(kind, ast.Name) and kind.id in names) or (isinstance(kind, ast.Attribute) and kind.attr in names)
        for kind in caught
    )


def child_blocks(statement: ast.stmt) -> list[Sequence[ast.stmt]]:
    """The statement blocks nested directly in a statement (bodies, else, finally, handlers, match
    cases); a function's or class's body too, so callers that treat those as scopes check first."""
    if not isinstance(statement, _COMPOUND):
        return []  # most statements: no field to look at
    blocks: list[Sequence[ast.stmt]] = []
    for field in ("body", "orelse", "finalbody"):
        block = getattr(statement, field, None)
        if isinstance(block, list) and block:
            blocks.append(block)
    blocks.extend(handler.body for handler in getattr(statement, "handlers", ()) or ())
    blocks.extend(case.body for case in getattr(statement, "cases", ()) or ())
    return blocks


def assigned_targets(statement: ast.stmt) -> list[ast.expr]:
    """The target expressions a statement assigns or deletes (=, augmented and annotated assignment,
    a for loop's target, `with ... as`, del)."""
    if isinstance(statement, (ast.Assign, ast.Delete)):
        return list(statement.targets)
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def names_in(targets: Sequence[ast.expr]) -> set[str]:
    """Every plain name inside the targets (`a`, `a, b`, the `y` of `y[i] = ...`)."""
    names: set[str] = set()
    for target in targets:
        if target.__class__ is ast.Name:
            names.add(target.id)  # the common case, without a walk
        else:
            names.update(node.id for node in ast.walk(target) if isinstance(node, ast.Name))
    return names


def spans_a_line(node: ast.stmt | Sequence[ast.stmt], lines: frozenset[int]) -> bool:
    """Whether a statement (or a block, first to last statement) covers one of `lines`."""
    # (ast.stmt first: isinstance against typing.Sequence goes through the ABC machinery, slowly)
    first, last = (node, node) if isinstance(node, ast.stmt) else (node[0], node[-1])
    start, end = first.lineno, last.end_lineno or last.lineno
    for line in lines:  # a loop, not any(): called for most statements of a file
        if start <= line <= end:
            return True
    return False
