"""What a rule is: a small pure object over a CompileSite."""

from __future__ import annotations

import ast
from typing import ClassVar, Iterable

from keraslint.analysis.records import CompileSite, FixSafety, Severity
from keraslint.diagnostics import Fix
from keraslint.immutable import record
from keraslint.versions import L3_MINORS, VersionLine, describe

# A syntax node, for the annotations of rule modules (which import no `ast`: no rule walks a tree).
Node = ast.AST


@record
class RuleContext:
    """What a rule may know beyond the site: the Keras lines the file may run on."""

    lines: frozenset[VersionLine]
    # tf.compat.v1.disable_eager_execution() in a tf.keras file: compile() takes the Keras 2.3 /
    # TF 2.0-2.1 code path (training_v1) for metric resolution, while losses keep the backend of
    # the installed version (keras-semantics section 2, graph-mode column).
    graph_mode: bool = False
    apis: frozenset[str] = frozenset()  # import styles the file uses (lines.API_*)
    custom_objects: bool = False  # the file registers custom objects: unknown spellings may resolve
    l3_minors: tuple[int, int] = L3_MINORS  # the TF 2.x minors within L3 the file (APIs, pins, setting) allows
    tf1: bool = True  # TensorFlow 1.x's tf.keras may be what runs L2 (not when the pins name TF 2.0-2.1)
    tf2: bool = True  # TF 2.x may run L2 (not when the pins name TF 1.x only and the file uses only tf.keras)

    def l3_from(self, minor: int) -> bool:
        """Whether TF 2.<minor> or later (within L3) may run this file."""
        return self.l3_minors[1] >= minor

    @property
    def newest(self) -> VersionLine:
        return max(self.lines)

    @property
    def metric_lines(self) -> frozenset[VersionLine]:
        """Lines whose rules resolve metric strings for this file. v1 graph mode sends tf.keras 2.x
        (TF 2.2-2.15, tf-keras) down the Keras 2.3 / TF 2.0-2.1 path; Keras 3 has no such path."""
        if not self.graph_mode:
            return self.lines
        keras_3 = self.lines & {VersionLine.L5}
        return keras_3 | (frozenset({VersionLine.L2}) if self.lines - keras_3 else frozenset())


@record
class Finding:
    node: ast.AST  # where the finding starts (the line a person annotates with noqa)
    message: str  # without the severity: the engine appends it
    fix: Fix | None = None
    severity: Severity | None = None  # only where a rule varies it (by version line, by loss)


class Rule:
    """Subclasses set the class attributes and implement check().

    The docstring is the rule's documentation, in the sections What it does / Why is this bad? /
    and the attributes `example` (must fire) and `use_instead` (must stay silent) are complete programs.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line, for the rule table
    severity: ClassVar[Severity]
    true_on: ClassVar[frozenset[VersionLine]]
    fix_safety: ClassVar[FixSafety | None] = None  # None when there is no fix
    fix_applied: ClassVar[bool] = False  # whether keraslint can apply the fix itself
    example: ClassVar[str]
    use_instead: ClassVar[str]
    example_target: ClassVar[str | None] = None  # keras-version setting the examples are meant for
    wrong_on_note: ClassVar[str | None] = None  # replaces the line list in docs when it depends on facts

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def wrong_on_text(cls) -> str:
        return cls.wrong_on_note or describe(cls.true_on)


def tf_minors(low: int, high: int) -> str:
    """TF 2.x minors within L3 as a message names them: 'TF 2.4-2.5', or 'TF 2.11' for one."""
    return f"TF 2.{low}-2.{high}" if low < high else f"TF 2.{low}"


def on(lines: frozenset[VersionLine]) -> str:
    return describe(lines)
