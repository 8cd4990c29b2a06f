"""The engine: facts once per file, every selected rule over every compile() site, one sorted list
of diagnostics. It is the single place where an internal failure becomes KER001."""

from __future__ import annotations

import ast
import logging
import time
from typing import TYPE_CHECKING, Iterable, Sequence

from keraslint import source as text, targeting
from keraslint.analysis.facts import FileFacts, file_facts, refine, with_imported
from keraslint.diagnostics import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, Diagnostic
from keraslint.immutable import replace
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, L3_MINORS, VersionLine

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.analysis.records import Activation, CompileSite, LocalEvidence
    from keraslint.rules.base import Rule, RuleContext

LOG = logging.getLogger("keraslint")


extract_facts = file_facts  # the older name, used by the fixer and tests


def target_lines(facts: FileFacts, target: targeting.Target) -> tuple[frozenset[VersionLine], str]:
    """The adapters' target refined by the file's own evidence (see target_decision)."""
    lines, _minors, reason = target_decision(facts, target)
    return lines, reason


def target_decision(
    facts: FileFacts, target: targeting.Target
) -> tuple[frozenset[VersionLine], tuple[int, int], str]:
    """(lines, TensorFlow 2.x minors within L3, reason): the adapters' target refined by the file's
    own evidence, the one place lines are decided."""
    evidence = facts.evidence
    lines, target_minors, reason = target.decide(evidence.apis)
    low, high = max(target_minors[0], evidence.l3_minors[0]), min(target_minors[1], evidence.l3_minors[1])
    if low > high:  # the pins name TF minors where the file's own APIs do not exist: not L3
        lines -= {VersionLine.L3}
        low, high = target_minors
    elif target_minors != L3_MINORS and VersionLine.L3 in lines:
        reason += f" (TF {_minor_range(target_minors)} on L3)"
    refined = refine(lines, evidence)
    if not refined:
        reason = (f"none: {reason}, but the file uses APIs that do not exist there ("
                  + ", ".join(evidence.reasons) + "); nothing is checked")
    elif refined != lines:
        reason += ", narrowed by the file's own imports and APIs"
        if evidence.reasons:
            reason += f" ({', '.join(evidence.reasons)})"
    return refined, (low, high), reason


def _minor_range(minors: tuple[int, int]) -> str:
    low, high = minors
    return f"2.{low}" if low == high else f"2.{low}-2.{high}"


def analyse(
    source: str,
    *,
    filename: str | None = None,
    tree: ast.Module | None = None,
    target: targeting.Target | None = None,
    rules: Sequence[Rule] | None = None,
    lines: frozenset[VersionLine] | None = None,
    logger: logging.Logger = LOG,
) -> list[Diagnostic]:
    """Diagnostics for one file. Never raises: an internal failure is one KER001 diagnostic.

    `target` comes from the adapter (targeting.target_for: setting, pins, installed packages);
    without one every line is possible. `lines`, when given, replaces the whole decision (tests,
    benchmarks). The engine reads no file."""
    target = target or targeting.UNKNOWN_TARGET
    try:
        facts = file_facts(source, tree)
        if facts is None or not facts.sites:
            return []
        return run_rules(facts, target, rules, lines)
    except Exception as error:  # the host tool must survive any bug of ours
        logger.warning("keraslint: internal error on %s", filename or "<source>", exc_info=True)
        return [internal_error(error)]


def internal_error(error: BaseException) -> Diagnostic:
    return Diagnostic(
        1, 0, INTERNAL_ERROR_CODE,
        f"keraslint could not analyse this file ({type(error).__name__}); please report it",
        name=INTERNAL_ERROR_NAME,
    )


def run_rules(
    facts: FileFacts, target: targeting.Target, rules: Sequence[Rule] | None, lines: frozenset[VersionLine] | None
) -> list[Diagnostic]:
    diagnostics = _checked(facts, target, rules, lines)
    if diagnostics and lines is None:
        # Only a file with findings pays for reading the project modules it imports.
        bounded = with_project_modules(facts, target)
        if bounded is not facts:
            diagnostics = _checked(bounded, target, rules, lines)
    return diagnostics


def with_project_modules(facts: FileFacts, target: targeting.Target) -> FileFacts:
    """The facts with their evidence bounded by the project modules the file imports."""
    imported = target.imported_evidence(facts.tree)
    if imported is None:
        return facts
    return replace(facts, evidence=with_imported(facts.evidence, imported))


def _checked(
    facts: FileFacts, target: targeting.Target, rules: Sequence[Rule] | None, lines: frozenset[VersionLine] | None
) -> list[Diagnostic]:
    from keraslint.rules import ALL_RULES, RuleContext

    evidence = facts.evidence
    local = evidence.local
    l3_minors = evidence.l3_minors
    tf1 = tf2 = True
    if lines is None:
        lines, l3_minors, _reason = target_decision(facts, target)
        if not lines:
            return []  # the file's APIs exist on no Keras line keraslint knows
        tf1 = target.tf1_possible(evidence.apis)
        # TF 1.x alone names metrics its own way, unless standalone Keras may build the model or
        # the file turns on TF 2 behaviour.
        tf2 = target.tf2_possible(evidence.apis) or API_KERAS in evidence.apis or evidence.tf2_behavior
    else:
        local = ()  # lines given by the caller replace the whole decision
    context = RuleContext(lines or ALL_VERSION_LINES, evidence.graph_mode, evidence.apis, evidence.custom_objects,
                          l3_minors, tf1, tf2)
    selected = ALL_RULES if rules is None else rules
    shared = _conflicting_output_nodes(facts.sites)
    seen: set[tuple[int, int, str]] = set()
    diagnostics: list[Diagnostic] = []
    for site in facts.sites:
        site_context = _local_context(context, local, site.call.lineno) if local else context
        if site_context is None:
            continue
        for rule in selected:
            for finding in rule.check(site, site_context):
                line, column, end_line, end_column = facts.position(finding.node)
                key = (line, column, rule.code)
                if key in seen:
                    continue
                seen.add(key)
                fix = finding.fix
                if fix is not None and id(fix.node) in shared:
                    fix = None  # a builder's layer used with different facts: no single edit suits all
                severity = finding.severity or rule.severity
                diagnostics.append(Diagnostic(
                    line, column, rule.code, f"{finding.message} ({severity})", end_line, end_column, rule.name, fix,
                    str(severity),
                ))
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def _local_context(context: RuleContext, local: Sequence[LocalEvidence], line: int) -> RuleContext | None:
    """The context of a site inside an unused function: also narrowed by that function's own APIs
    (None: they exist on none of the target lines)."""
    for found in local:
        if found.holds_at(line):
            lines = context.lines & found.possible
            if not lines:
                return None
            low = max(context.l3_minors[0], found.l3_minors[0])
            high = min(context.l3_minors[1], found.l3_minors[1])
            if low > high:
                lines -= {VersionLine.L3}
                if not lines:
                    return None
            context = replace(context, lines=lines, l3_minors=(low, high))
    return context


def _conflicting_output_nodes(sites: Iterable[CompileSite]) -> set[int]:
    """Output-layer nodes that several sites see with different widths or activations."""
    contexts: dict[int, set[tuple[int | None, Activation | None]]] = {}
    for site in sites:
        output = site.output
        if output is None:
            continue
        for node in (output.activation_value, output.activation_node, output.width_node):
            if node is not None:
                contexts.setdefault(id(node), set()).add((output.width, output.activation))
    return {node for node, seen in contexts.items() if len(seen) > 1}


def explain(source: str, *, filename: str | None = None, tree: ast.Module | None = None,
            target: targeting.Target | None = None) -> tuple[frozenset[VersionLine], str, list[str]]:
    """(target lines, why, one text line per compile() site with the facts established there):
    what `keraslint explain` prints. Raises nothing."""
    target = target or targeting.UNKNOWN_TARGET
    try:
        facts = file_facts(source, tree)
    except Exception:  # noqa: BLE001 - explaining must not fail where checking would not
        facts = None
    if facts is None:
        lines, reason = target.lines_for(frozenset())
        return lines, reason, []
    try:
        facts = with_project_modules(facts, target)
    except Exception:  # noqa: BLE001 - as above
        pass
    lines, reason = target_lines(facts, target)
    from keraslint.analysis.describe import describe_site

    return lines, reason, [describe_site(site, lines) for site in facts.sites]


def profile_stages(source: str, filename: str | None = None, tree: ast.Module | None = None) -> dict[str, float]:
    """Seconds per stage for one file (benchmarks): gate (the text tests), parse, facts, rules.
    keraslint parses nothing itself: "parse" stays 0 because the facts are computed on the `ast`
    flake8 has already made (parsed here only when `tree` is not given, and not counted)."""
    from keraslint.analysis.facts import _evidence, evaluate
    from keraslint.analysis.sites import build_sites

    timings = {"gate": 0.0, "parse": 0.0, "facts": 0.0, "rules": 0.0}
    if tree is None:
        tree = ast.parse(source)
    start = time.perf_counter()
    passes = text.might_be_keras(source) and text.calls_model_compile(source)
    timings["gate"] = time.perf_counter() - start
    if not passes:
        return timings
    start = time.perf_counter()
    evaluator = evaluate(source, tree)
    facts = FileFacts(build_sites(evaluator), _evidence(evaluator), source, tree)
    timings["facts"] = time.perf_counter() - start
    start = time.perf_counter()
    run_rules(facts, targeting.UNKNOWN_TARGET, None, None)
    timings["rules"] = time.perf_counter() - start
    return timings
