"""What the engine reports: one Diagnostic per finding."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst


@dataclasses.dataclass(frozen=True)
class Fix:
    """A LibCST node replacement. `safe` follows rules.md's fix safety column."""

    description: str
    safe: bool
    # Called with the original node; returns the replacement node.
    replace: Callable[["cst.CSTNode"], "cst.CSTNode"] = dataclasses.field(compare=False, repr=False)
    node: "cst.CSTNode | None" = dataclasses.field(default=None, compare=False, repr=False)
    # Extra import needed by the replacement, e.g. ("keras.metrics", "CategoricalAccuracy").
    needs_import: tuple[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    line: int  # 1-based
    column: int  # 0-based
    code: str  # e.g. "KER201"
    message: str  # one line, without the code
    end_line: int = 0
    end_column: int = 0
    name: str = ""  # kebab-case rule name
    fix: Fix | None = dataclasses.field(default=None, compare=False)

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.code)
