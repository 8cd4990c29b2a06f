"""What the engine reports: one Diagnostic per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from keraslint.immutable import field, record

if TYPE_CHECKING:  # pragma: no cover
    import ast

    import libcst as cst


# The tool's own codes, declared once: an internal failure (the engine's), a bad setting (flake8's adapter).
INTERNAL_ERROR_CODE = "KER001"
INTERNAL_ERROR_NAME = "internal-error"
CONFIG_ERROR_CODE = "KER002"
CONFIG_ERROR_NAME = "configuration-error"


@record
class Fix:
    """A replacement of one node. `safe` follows rules.md's fix safety column. `node` is the `ast`
    node; `replace` gets the LibCST node at its position (the fixer finds it) and returns the new
    LibCST node, or None when that node is not what the fix expects."""

    description: str
    safe: bool
    replace: Callable[["cst.CSTNode"], "cst.CSTNode | None"] = field(compare=False, repr=False)
    node: "ast.AST | None" = field(default=None, compare=False, repr=False)
    # Extra import needed by the replacement, e.g. ("keras.metrics", "CategoricalAccuracy").
    needs_import: tuple[str, str] | None = None
    # The fix replaces the call argument whose value is `node` (e.g. to add a keyword).
    argument: bool = False


@record
class Diagnostic:
    line: int  # 1-based
    column: int  # 0-based
    code: str  # e.g. "KER201"
    message: str  # one line, without the code
    end_line: int = 0
    end_column: int = 0
    name: str = ""  # kebab-case rule name
    fix: Fix | None = field(default=None, compare=False)
    severity: str = ""  # the rule's, or the finding's where the rule varies it by version line

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.code)
