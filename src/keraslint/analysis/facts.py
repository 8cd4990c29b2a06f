"""The facts of one file, computed once on flake8's `ast`: its compile() sites and its evidence."""

from __future__ import annotations

import ast
import functools

from keraslint import source as text
from keraslint.analysis.evaluate import Evaluator
from keraslint.analysis.records import CompileSite, Evidence, LocalEvidence
from keraslint.analysis.sites import build_sites
from keraslint.immutable import field, record, replace
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, API_TF, API_TF_KERAS, VersionLine


@record
class FileFacts:
    """Everything rules and adapters need about one file."""

    sites: tuple[CompileSite, ...]
    evidence: Evidence
    source: str = field(repr=False)
    tree: ast.Module = field(repr=False)

    def position(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a node; columns count characters (`ast` counts
        UTF-8 bytes)."""
        line, column = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        end_column = node.end_col_offset if node.end_col_offset is not None else column  # type: ignore[attr-defined]
        return line, self._characters(line, column), end_line, self._characters(end_line, end_column)

    @functools.cached_property
    def _lines(self) -> list[str] | None:
        """The lines, when a column may differ from its byte offset (None: the file is ASCII)."""
        return None if self.source.isascii() else text.split_lines(self.source)

    def _characters(self, line: int, offset: int) -> int:
        lines = self._lines
        if lines is None:
            return offset
        if not 0 < line <= len(lines):
            return offset
        text = lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))


def file_facts(source: str, tree: ast.Module | None = None) -> FileFacts | None:
    """None when the file has nothing to check. Every statement is walked (choosing the statements
    the facts need cost more than walking them all)."""
    if source.startswith("\ufeff"):
        source = source[1:]  # a BOM is not code (flake8 strips it too)
    if not text.might_be_keras(source) or not text.calls_model_compile(source):
        return None
    if tree is None:
        parsed = text.parse(source)
        if isinstance(parsed, SyntaxError):
            return None
        tree = parsed
    evaluator = evaluate(source, tree)
    return FileFacts(build_sites(evaluator), _evidence(evaluator), source, tree)


def module_evidence(source: str, tree: ast.Module) -> Evidence:
    """What a module's own APIs say about the lines it runs on, whatever it compiles (a module the
    checked file imports)."""
    return _evidence(evaluate(source, tree))


def with_imported(evidence: Evidence, imported: Evidence) -> Evidence:
    """A file's evidence bounded by the evidence of the modules it imports (their lines, TF minors
    and Keras-3-only APIs; their import styles are their own)."""
    possible = evidence.possible & imported.possible
    low = max(evidence.l3_minors[0], imported.l3_minors[0])
    high = min(evidence.l3_minors[1], imported.l3_minors[1])
    if low > high:  # no TF 2.x minor has the APIs of both
        possible -= {VersionLine.L3}
        low, high = evidence.l3_minors
    return replace(
        evidence, possible=possible, l3_minors=(low, high), keras3_only=evidence.keras3_only or imported.keras3_only,
        reasons=evidence.reasons + imported.reasons,
    )


def evaluate(source: str, tree: ast.Module) -> Evaluator:
    """The evaluator's pass over the module."""
    evaluator = Evaluator()
    evaluator.source_text = source
    evaluator.history_lines = text.lines_holding(source, "history[")  # where history["key"] reads can be
    evaluator.compile_lines = text.lines_holding(source, "compile")
    evaluator.run(tree)
    return evaluator


def _evidence(evaluator: Evaluator) -> Evidence:
    apis = frozenset(evaluator.apis)
    graph_mode = evaluator.graph_mode and bool(apis) and API_KERAS not in apis
    versions = evaluator.version_evidence
    local = tuple(
        LocalEvidence(first, last, found.possible(evaluator.graph_mode), found.l3_minors, tuple(found.reasons))
        for first, last, found in evaluator.unused_evidence
        if found.reasons
    )
    return Evidence(apis, evaluator.keras3_evidence, graph_mode, versions.possible(evaluator.graph_mode),
                    tuple(versions.reasons), custom_objects=evaluator.custom_objects, l3_minors=versions.l3_minors,
                    local=local, tf2_behavior=evaluator.tf2_behavior)


# Lines an import style can reach: tf.keras never ran Keras 2.0-2.2; `import keras` is never tf-keras.
_API_LINES = {
    API_KERAS: frozenset({VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L5}),
    API_TF: frozenset({VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5}),
    API_TF_KERAS: frozenset({VersionLine.L3, VersionLine.L4}),
}


def refine(lines: frozenset[VersionLine], evidence: Evidence) -> frozenset[VersionLine]:
    """The target lines narrowed by the file's own evidence (rules.md, Version targeting): Keras-3-only
    modules, the import style, APIs that exist on some lines only. Empty for a file whose APIs exist
    on none of the target lines (pre-Keras 2 code; a TF 1.x notebook in a TF 2.15 project)."""
    if not evidence.possible:
        return frozenset()  # APIs of no line keraslint knows (Keras 1): nothing is checked
    if evidence.keras3_only:
        return frozenset({VersionLine.L5})
    if evidence.apis:
        possible: set[VersionLine] = set()
        for api in evidence.apis:
            possible |= _API_LINES.get(api, ALL_VERSION_LINES)
        lines = (lines & possible) or lines
    # A target the file's own APIs cannot run on (a TF 1.x notebook in a TF 2.15 project): nothing
    # said about that target would be true of this file.
    return lines & evidence.possible
