"""The engine: facts once per file (on flake8's `ast`; LibCST is not needed to report), every
selected rule over every compile site, one list of diagnostics. It is the single place where an
internal failure becomes KER001."""

from __future__ import annotations

import ast
import logging
import time
from typing import Sequence

from keraslint import reduce, targeting
from keraslint.diagnostics import Diagnostic
from keraslint.lines import ALL_LINES, Line
from keraslint.settings import Settings

LOG = logging.getLogger("keraslint")

INTERNAL_ERROR = "KER001"


class FileFacts:
    """Everything the rules need about one file: its `ast`, and the evaluator's facts."""

    def __init__(self, source: str, tree: ast.Module, evaluator) -> None:
        self.source = source
        self.tree = tree
        self.evaluator = evaluator
        self._lines: list[str] | None = None

    def position(self, node) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a node; columns count characters (`ast` counts
        UTF-8 bytes)."""
        line, column = node.lineno, node.col_offset
        end_line = node.end_lineno or line
        end_column = node.end_col_offset if node.end_col_offset is not None else column
        return line, self._characters(line, column), end_line, self._characters(end_line, end_column)

    def _characters(self, line: int, offset: int) -> int:
        if self._lines is None:
            self._lines = reduce.split_lines(self.source)
        if not 0 < line <= len(self._lines):
            return offset
        text = self._lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))


def extract_facts(source: str, tree: ast.Module | None = None) -> FileFacts | None:
    """None when the file has nothing to check."""
    if source.startswith("\ufeff"):
        source = source[1:]  # a BOM is not code (flake8 strips it too)
    if not reduce.might_be_keras(source):
        return None
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
    skipped = reduce.irrelevant_statements(source, tree)
    if skipped is None:
        return None
    from keraslint.analysis.evaluate import Evaluator

    evaluator = Evaluator(skipped)
    evaluator.run(tree)
    return FileFacts(source, tree, evaluator)


def target_lines(facts: FileFacts, target: "targeting.Target") -> tuple[frozenset[Line], str]:
    """The adapters' target refined by the file's own evidence: the one place lines are decided."""
    evaluator = facts.evaluator
    apis = frozenset(evaluator.apis)
    lines, reason = target.lines_for(apis)
    refined = refine_with_evidence(lines, apis, evaluator.keras3_evidence)
    if refined != lines:
        reason += ", narrowed by the file's own imports and APIs"
    return refined, reason


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
    target: "targeting.Target | None" = None,
    settings: Settings | None = None,
    rules: Sequence | None = None,
    lines: frozenset[Line] | None = None,
    logger: logging.Logger = LOG,
) -> list[Diagnostic]:
    """Diagnostics for one file. Never raises: an internal failure is one KER001 diagnostic.

    `target` comes from the adapter (targeting.target_for); `lines`, when given, replaces the
    whole decision (tests, benchmarks). `settings` alone is the older form: its keras-version
    is turned into a target here."""
    if target is None:
        setting = settings.keras_version if settings is not None else None
        target = targeting.target_for(filename, setting) if lines is None else targeting.UNKNOWN_TARGET
    try:
        return _analyse(source, tree, target, rules, lines)
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


def _analyse(source, tree, target, rules, lines) -> list[Diagnostic]:
    facts = extract_facts(source, tree)
    if facts is None or not facts.evaluator.compiles:
        return []
    return run_rules(facts, target, rules, lines)


def run_rules(facts: FileFacts, target, rules, lines) -> list[Diagnostic]:
    from keraslint.rules import ALL_RULES, RuleContext

    if lines is None:
        lines, _reason = target_lines(facts, target)
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


def profile_stages(source: str, filename: str | None = None, tree: ast.Module | None = None) -> dict[str, float]:
    """Seconds per stage for one file (benchmarks): gate (text test and statement choice), parse,
    facts, rules. keraslint parses nothing itself: "parse" stays 0 because the facts are computed on
    the `ast` flake8 has already made (parsed here only when `tree` is not given, and not counted)."""
    timings = {"gate": 0.0, "parse": 0.0, "facts": 0.0, "rules": 0.0}
    if tree is None:
        tree = ast.parse(source)
    start = time.perf_counter()
    passes = reduce.might_be_keras(source)
    skipped = reduce.irrelevant_statements(source, tree) if passes else None
    timings["gate"] = time.perf_counter() - start
    if skipped is None:
        return timings
    from keraslint.analysis.evaluate import Evaluator

    start = time.perf_counter()
    evaluator = Evaluator(skipped)
    evaluator.run(tree)
    facts = FileFacts(source, tree, evaluator)
    timings["facts"] = time.perf_counter() - start
    start = time.perf_counter()
    run_rules(facts, targeting.UNKNOWN_TARGET, None, None)
    timings["rules"] = time.perf_counter() - start
    return timings


def explain(source: str, *, filename: str | None = None, tree: ast.Module | None = None,
            target: "targeting.Target | None" = None) -> tuple[frozenset[Line], str, list[str]]:
    """(target lines, why, one text line per compile() site with the facts established there):
    what `keraslint explain` prints. Raises nothing but ConfigError."""
    target = target or targeting.UNKNOWN_TARGET
    try:
        facts = extract_facts(source, tree)
    except Exception:  # noqa: BLE001 - explaining must not fail where checking would not
        facts = None
    if facts is None:
        lines, reason = target.lines_for(frozenset())
        return lines, reason, []
    lines, reason = target_lines(facts, target)
    from keraslint.analysis.describe import describe_site

    return lines, reason, [describe_site(site, lines) for site in compile_sites(facts)]
