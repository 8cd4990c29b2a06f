"""The engine: facts once per file, every selected rule over every compile site, one list of
diagnostics. It is the single place where an internal failure becomes KER001."""

from __future__ import annotations

import ast
import logging
import time
from typing import Iterable, Sequence

from keraslint import reduce, targeting
from keraslint.diagnostics import Diagnostic
from keraslint.lines import ALL_LINES, Line
from keraslint.settings import DEFAULT_SETTINGS, Settings

LOG = logging.getLogger("keraslint")

INTERNAL_ERROR = "KER001"


def _libcst():
    import libcst  # imported only for files that pass the gate

    return libcst


class FileFacts:
    """Everything the rules need about one file."""

    def __init__(self, module, line_map: list[int], statement_starts: list[int], evaluator) -> None:
        self.module = module
        self.line_map = line_map
        self.evaluator = evaluator
        self._statement_start = {id(statement): start for statement, start in zip(module.body, statement_starts)}
        self._positions: dict[int, object] = {}  # per module-level statement

    def position(self, node) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a node in the original source."""
        from libcst.metadata import MetadataWrapper, PositionProvider

        top = self.evaluator.tops.get(id(node))
        if top is None or id(top) not in self._statement_start:
            top = None
        key = id(top)
        if key not in self._positions:
            if top is None:
                module = self.module
            else:
                # Only the statement that holds the node, with the module's indentation and newlines.
                bare = top.with_changes(leading_lines=()) if hasattr(top, "leading_lines") else top
                module = self.module.with_changes(body=[bare], header=(), footer=())
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            self._positions[key] = wrapper.resolve(PositionProvider)
        code_range = self._positions[key][node]
        offset = 0 if top is None else self._statement_start[id(top)] - 1
        last = len(self.line_map)
        start_line = self.line_map[min(code_range.start.line + offset, last) - 1]
        end_line = self.line_map[min(code_range.end.line + offset, last) - 1]
        return start_line, code_range.start.column, end_line, code_range.end.column


def extract_facts(source: str, tree: ast.Module | None = None) -> FileFacts | None:
    """None when the file has nothing to check (or LibCST cannot parse what `ast` accepted)."""
    if not reduce.might_be_keras(source):
        return None
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
    selected = reduce.relevant_source(source, tree)
    if selected is None:
        return None
    reduced, line_map, starts = selected
    cst = _libcst()
    try:
        module = cst.parse_module(reduced)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError) as error:
        LOG.debug("LibCST cannot parse the relevant statements: %s", error)
        return None
    if len(module.body) != len(starts):
        starts = []  # grouping disagreed with LibCST: fall back to whole-module positions
    from keraslint.analysis.evaluate import Evaluator

    evaluator = Evaluator()
    evaluator.run(module)
    return FileFacts(module, line_map, starts, evaluator)


def target_lines(facts: FileFacts, filename: str | None, settings: Settings) -> frozenset[Line]:
    evaluator = facts.evaluator
    apis = frozenset(evaluator.apis)
    lines, _reason = targeting.resolve_lines(filename, settings.keras_version, apis)
    return refine_with_evidence(lines, apis, evaluator.keras3_evidence)


def graph_mode(facts: FileFacts) -> bool:
    evaluator = facts.evaluator
    return evaluator.graph_mode and bool(evaluator.apis) and targeting.API_KERAS not in evaluator.apis


# Lines an import style can reach: tf.keras never ran Keras 2.0-2.2; `import keras` is never tf-keras.
_API_LINES = {
    targeting.API_KERAS: frozenset({Line.L1, Line.L2, Line.L3, Line.L5}),
    targeting.API_TF: frozenset({Line.L2, Line.L3, Line.L4, Line.L5}),
    targeting.API_TF_KERAS: frozenset({Line.L3, Line.L4}),
}


def refine_with_evidence(lines: frozenset[Line], apis: frozenset[str], keras3: bool) -> frozenset[Line]:
    """Per-file evidence (rules.md, Version targeting): Keras-3-only modules and the import style."""
    if keras3:
        return frozenset({Line.L5})
    if apis:
        possible: set[Line] = set()
        for api in apis:
            possible |= _API_LINES.get(api, ALL_LINES)
        lines = (lines & possible) or lines
    return lines


def analyse(
    source: str,
    *,
    filename: str | None = None,
    tree: ast.Module | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    rules: Sequence | None = None,
    lines: frozenset[Line] | None = None,
    logger: logging.Logger = LOG,
) -> list[Diagnostic]:
    """Diagnostics for one file. Never raises: an internal failure is one KER001 diagnostic."""
    try:
        return _analyse(source, filename, tree, settings, rules, lines)
    except targeting.ConfigError:
        raise
    except Exception as error:  # the host tool must survive any bug of ours
        logger.warning("keraslint: internal error on %s", filename or "<source>", exc_info=True)
        return [internal_error(error)]
    except RecursionError as error:  # pragma: no cover - RecursionError is an Exception; kept explicit
        return [internal_error(error)]


def internal_error(error: BaseException) -> Diagnostic:
    return Diagnostic(
        1, 0, INTERNAL_ERROR,
        f"keraslint could not analyse this file ({type(error).__name__}); please report it",
        name="internal-error",
    )


def _analyse(source, filename, tree, settings, rules, lines) -> list[Diagnostic]:
    facts = extract_facts(source, tree)
    if facts is None or not facts.evaluator.compiles:
        return []
    return run_rules(facts, filename, settings, rules, lines)


def run_rules(facts: FileFacts, filename, settings, rules, lines) -> list[Diagnostic]:
    from keraslint.analysis.sites import CompileSite
    from keraslint.rules import ALL_RULES, RuleContext

    if lines is None:
        lines = target_lines(facts, filename, settings)
    context = RuleContext(lines or ALL_LINES, graph_mode(facts), frozenset(facts.evaluator.apis))
    selected = ALL_RULES if rules is None else rules
    seen: set[tuple[int, int, str]] = set()
    diagnostics: list[Diagnostic] = []
    for raw in facts.evaluator.compiles:
        site = CompileSite(raw)
        for rule in selected:
            for finding in rule.check(site, context):
                line, column, end_line, end_column = facts.position(finding.node)
                key = (line, column, rule.code)
                if key in seen:
                    continue
                seen.add(key)
                diagnostics.append(
                    Diagnostic(line, column, rule.code, finding.message, end_line, end_column, rule.name, finding.fix)
                )
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def profile_stages(source: str, filename: str | None = None) -> dict[str, float]:
    """Seconds per stage for one file (benchmarks): gate, parse, facts, rules."""
    timings = {"gate": 0.0, "parse": 0.0, "facts": 0.0, "rules": 0.0}
    start = time.perf_counter()
    tree = ast.parse(source)
    passes = reduce.might_be_keras(source)
    selected = reduce.relevant_source(source, tree) if passes else None
    timings["gate"] = time.perf_counter() - start
    if selected is None:
        return timings
    reduced, line_map, starts = selected
    start = time.perf_counter()
    cst = _libcst()
    try:
        module = cst.parse_module(reduced)
    except Exception:
        timings["parse"] = time.perf_counter() - start
        return timings
    timings["parse"] = time.perf_counter() - start
    from keraslint.analysis.evaluate import Evaluator

    start = time.perf_counter()
    evaluator = Evaluator()
    evaluator.run(module)
    facts = FileFacts(module, line_map, starts if len(starts) == len(module.body) else [], evaluator)
    timings["facts"] = time.perf_counter() - start
    start = time.perf_counter()
    run_rules(facts, filename, DEFAULT_SETTINGS, None, None)
    timings["rules"] = time.perf_counter() - start
    return timings


def iter_codes(diagnostics: Iterable[Diagnostic]) -> list[str]:
    return [diagnostic.code for diagnostic in diagnostics]
