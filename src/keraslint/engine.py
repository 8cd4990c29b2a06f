"""The engine: facts once per file, every selected rule over every compile site, one list of
diagnostics. It is the single place where an internal failure becomes KER001."""

from __future__ import annotations

import ast
import logging
import threading
import time
from typing import Sequence

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


_PARSER_STACK_BYTES = 512 * 1024 * 1024
# Past this much relevant code (generated files, data literals), LibCST's parse time and native
# stack grow beyond what an editor or pre-commit tolerates: the file is not analysed.
_MAX_REDUCED_CHARACTERS = 2_000_000


def parse_reduced(reduced: str):
    """LibCST's module for the relevant statements, or None when LibCST cannot parse them.

    LibCST's native parser recurses once per operand of a long `a and b and ...` chain that `ast`
    accepts, and overflowing the C stack would kill the host process: the parse runs in a thread
    with a large stack (only the pages it touches are committed).
    """
    cst = _libcst()
    outcome: dict[str, object] = {}

    def parse() -> None:
        try:
            outcome["module"] = cst.parse_module(reduced)
        except Exception as error:  # ParserSyntaxError, RecursionError, TypeError on odd valid code
            outcome["error"] = error

    previous = threading.stack_size()
    try:
        threading.stack_size(_PARSER_STACK_BYTES)  # applies to threads started from now on
        worker = threading.Thread(target=parse, name="keraslint-parse", daemon=True)
        worker.start()
    except (ValueError, RuntimeError, MemoryError):  # no such thread here: parse in this one
        worker = None
    finally:
        threading.stack_size(previous)
    if worker is None:
        parse()
    else:
        worker.join()
    if "error" in outcome:
        LOG.debug("LibCST cannot parse the relevant statements: %r", outcome["error"])
    return outcome.get("module")


def extract_facts(source: str, tree: ast.Module | None = None) -> FileFacts | None:
    """None when the file has nothing to check (or LibCST cannot parse what `ast` accepted)."""
    if source.startswith("\ufeff"):
        source = source[1:]  # a BOM is not code (flake8 strips it too)
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
    if len(reduced) > _MAX_REDUCED_CHARACTERS:
        LOG.debug("keraslint: %d characters of relevant code: not analysed", len(reduced))
        return None
    module = parse_reduced(reduced)
    if module is None:
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
    from keraslint.rules import ALL_RULES, RuleContext

    if lines is None:
        lines = target_lines(facts, filename, settings)
    context = RuleContext(lines or ALL_LINES, graph_mode(facts), frozenset(facts.evaluator.apis))
    selected = ALL_RULES if rules is None else rules
    seen: set[tuple[int, int, str]] = set()
    diagnostics: list[Diagnostic] = []
    sites = compile_sites(facts)
    shared = _conflicting_output_nodes(sites)
    for site in sites:
        for rule in selected:
            for finding in rule.check(site, context):
                line, column, end_line, end_column = facts.position(finding.node)
                key = (line, column, rule.code)
                if key in seen:
                    continue
                seen.add(key)
                fix = finding.fix
                if fix is not None and id(fix.node) in shared:
                    fix = None  # a builder's layer used with different facts: no single edit suits all
                diagnostics.append(
                    Diagnostic(line, column, rule.code, finding.message, end_line, end_column, rule.name, fix)
                )
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def compile_sites(facts: FileFacts) -> list:
    """Every compile() as rules see it.

    A compile() inside a function of the module is checked with the facts its callers give it when
    they all agree; otherwise with the facts of the function alone (its parameters unknown).
    """
    from keraslint.analysis.sites import expand

    evaluator = facts.evaluator
    by_call: dict[int, list] = {}
    for record in evaluator.call_compiles:
        by_call.setdefault(id(record.call), []).append(record)
    sites = []
    for raw in evaluator.compiles:
        callers = by_call.get(id(raw.call))
        if callers and all(_same_facts(callers[0], other) for other in callers[1:]):
            chosen = callers[0]
            for other in callers[1:]:
                chosen.labels.extend(other.labels)
            chosen.labels.extend(raw.labels)
            raw = chosen
        sites.extend(expand(raw))
    return sites


def _conflicting_output_nodes(sites) -> set[int]:
    """Output-layer nodes that several sites see with different widths or activations."""
    contexts: dict[int, set] = {}
    for site in sites:
        output = site.output
        if output is None:
            continue
        for node in (output.activation_value, output.activation_node, output.width_node):
            if node is not None:
                contexts.setdefault(id(node), set()).add((output.width, output.activation))
    return {node for node, seen in contexts.items() if len(seen) > 1}


def _same_facts(left, right) -> bool:
    def arguments(record):
        return (
            [value for value, _ in record.positional],
            {key: value for key, (value, _) in record.keywords.items()},
        )

    try:
        return left.output == right.output and arguments(left) == arguments(right) and (
            left.model.outputs == right.model.outputs
        )
    except Exception:  # values without a usable equality: treat as disagreeing
        return False


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
    module = parse_reduced(reduced)
    timings["parse"] = time.perf_counter() - start
    if module is None:
        return timings
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
