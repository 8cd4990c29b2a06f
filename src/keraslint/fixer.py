"""Applies the engine's fixes (LibCST node replacements) to the original text.

The engine's facts are computed on `ast`; fixing parses the file with LibCST once per round:

1. a fix's `ast` node is matched to the LibCST node with the same position and kind (or, for a
   fix on a call argument, the argument whose value that node is); the replacement is rendered
   inside the whole module, so nested nodes keep the indentation of their blocks;
2. only the part that differs (common prefix and suffix trimmed) is replaced, and only when that
   part lies inside the node;
3. fixes whose spans overlap: the first (in report order) is applied, the others wait for the
   next round; rounds repeat (re-analysing the new text) until nothing is left to fix;
4. a fix that needs a name (`needs_import=("metrics", "CategoricalAccuracy")`) gets one import
   line in the file's style (`from keras.metrics import ...`, `from tensorflow.keras.metrics
   import ...` for tf.keras files, `from tf_keras.metrics import ...`), added after the last
   top-level import that precedes the fixed code; nothing is added when the name is already
   imported from a Keras metrics module, and the fix is skipped when the name means something else;
5. a round whose result does not parse is discarded (the text stays as it was).

Nothing here writes files: callers get the new text and a unified diff.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import difflib
import logging
import threading
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, NamedTuple, Sequence

from keraslint import noqa
from keraslint.diagnostics import Diagnostic, Fix
from keraslint.immutable import record
from keraslint.source import KERAS_ROOTS, parse, split_lines, statement_groups
from keraslint.settings import DEFAULT_SETTINGS, Settings

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst
    from libcst.metadata import CodeRange

    from keraslint.analysis.facts import FileFacts
    from keraslint.notebooks import Notebook
    from keraslint.rules.base import Rule
    from keraslint.targeting import Target

LOG = logging.getLogger("keraslint")
MAX_ROUNDS = 10


@record
class Edit:
    start: int  # offset in the analysed text
    end: int
    text: str


@record
class Insertion:
    line: int  # 1-based line of the analysed text
    after: bool  # True: on a new line after that line; False: on a new line before it
    text: str  # one statement, without a line ending


@dataclasses.dataclass
class Plan:
    edits: list[Edit] = dataclasses.field(default_factory=list)
    insertions: list[Insertion] = dataclasses.field(default_factory=list)
    fixed: list[Diagnostic] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.edits or self.insertions)


Keep = Callable[[Diagnostic, Sequence[str]], bool]


def default_keep(settings: Settings, path: str | None) -> Keep:
    """Fix what would be reported: selected codes without a covering `# noqa` on the line."""

    def keep(diagnostic: Diagnostic, lines: Sequence[str]) -> bool:
        if not settings.enabled(diagnostic.code, path):
            return False
        text = lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(lines) else ""
        return not noqa.suppressed(diagnostic.code, text)

    return keep


def _parses(text: str) -> bool:
    return not isinstance(parse(text), SyntaxError)


# --- planning one round ---------------------------------------------------------------------------


def _line_starts(lines: Sequence[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _diagnose(
    text: str, filename: str | None, settings: Settings, rules: Sequence[Rule] | None, target: Target | None = None
) -> tuple[FileFacts | None, list[Diagnostic]]:
    from keraslint import targeting
    from keraslint.engine import extract_facts, run_rules

    facts = extract_facts(text)
    if facts is None or not facts.sites:
        return None, []
    if target is None:
        target = targeting.target_for(filename, settings.keras_version)
    return facts, run_rules(facts, target, rules, None)


def plan(
    text: str,
    *,
    filename: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    keep: Keep | None = None,
    unsafe: bool = False,
    rules: Sequence[Rule] | None = None,
    target: Target | None = None,
) -> Plan:
    """The edits of one round of fixes on `text`. Never raises for a bug in a rule or fix."""
    try:
        facts, diagnostics = _diagnose(text, filename, settings, rules, target)
    except Exception:  # the engine turns these into KER001; the fixer just fixes nothing
        LOG.warning("keraslint: internal error while fixing %s", filename or "<source>", exc_info=True)
        return Plan()
    if facts is None:
        return Plan()
    keep = keep or default_keep(settings, filename)
    lines = split_lines(text)
    candidates = [
        d for d in diagnostics
        if d.fix is not None and d.fix.node is not None and (d.fix.safe or unsafe) and keep(d, lines)
    ]
    if not candidates:
        return Plan()
    return _plan_candidates(_Locator(facts, text, lines), candidates)


def _plan_candidates(locator: _Locator, candidates: list[Diagnostic]) -> Plan:
    """The first fix (in report order) of each span, and the imports those fixes need."""
    imports = _Imports(locator.facts.tree)  # the engine's parse of this same text
    result = Plan()
    taken: list[tuple[int, int]] = []
    for diagnostic in candidates:
        fix = diagnostic.fix
        assert fix is not None  # candidates all have one
        located = _located_edit(locator, diagnostic, fix)
        if located is None:
            continue
        edit, span = located
        if any(span[0] < end and start < span[1] for start, end in taken):
            continue  # the node overlaps one fixed in this round: the next round sees it again
        if fix.needs_import is not None and not imports.admit(fix.needs_import, locator.line_of(edit.start)):
            continue  # the name already means something else in this file
        taken.append(span)
        result.edits.append(edit)
        result.fixed.append(diagnostic)
    result.insertions.extend(imports.insertions())
    return result


def _located_edit(locator: _Locator, diagnostic: Diagnostic, fix: Fix) -> tuple[Edit, tuple[int, int]] | None:
    try:
        return locator.edit(fix)
    except Exception:  # a broken replace() of one rule must not stop the others
        LOG.warning("keraslint: fix %r of %s failed", fix.description, diagnostic.code, exc_info=True)
        return None


class _Imports:
    """The import lines a round's fixes need, in the file's Keras package style."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.style: str | None = None
        self.names: dict[str, set[str]] = {}  # module -> names
        self.first_use: int | None = None  # the first line of a fix that needs one

    def admit(self, needs_import: tuple[str, str], line: int) -> bool:
        """False when the name already means something else in this file."""
        if self.style is None:
            self.style = keras_package(self.tree)
        category, name = needs_import
        status = _name_status(self.tree, name)
        if status == "conflict":
            return False
        if status == "missing":
            self.names.setdefault(f"{self.style}.{category}", set()).add(name)
            self.first_use = line if self.first_use is None else min(self.first_use, line)
        return True

    def insertions(self) -> list[Insertion]:
        if not self.names:
            return []
        assert self.first_use is not None  # set with the first name
        line, after = _import_position(self.tree, self.first_use)
        return [Insertion(line, after, f"from {module} import {', '.join(sorted(self.names[module]))}")
                for module in sorted(self.names)]


_PARSER_STACK_BYTES = 512 * 1024 * 1024
# Past this size LibCST's parse time and native stack grow beyond what a fix run tolerates.
_MAX_FIXED_CHARACTERS = 2_000_000


def parse_with_libcst(text: str) -> cst.Module | None:
    """LibCST's module for the text, or None when LibCST cannot parse it.

    LibCST's native parser recurses once per operand of a long `a and b and ...` chain that `ast`
    accepts, and overflowing the C stack would kill the process: the parse runs in a thread with
    a large stack (only the pages it touches are committed).
    """
    import libcst as cst

    if len(text) > _MAX_FIXED_CHARACTERS:
        return None
    outcome: dict[str, cst.Module | Exception] = {}

    def parse() -> None:
        try:
            outcome["module"] = cst.parse_module(text)
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
        LOG.debug("keraslint: LibCST cannot parse the file, no fixes: %r", outcome["error"])
    module = outcome.get("module")
    return module if isinstance(module, cst.Module) else None


def _libcst_kinds() -> dict[type[ast.AST], tuple[type[cst.CSTNode], ...]]:
    import libcst as cst

    return {
        ast.Constant: (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Name),
        ast.Call: (cst.Call,),
        ast.keyword: (cst.Arg,),
        ast.List: (cst.List,),
        ast.Tuple: (cst.Tuple,),
        ast.Dict: (cst.Dict,),
        ast.Name: (cst.Name,),
        ast.Attribute: (cst.Attribute,),
    }


class _Group(NamedTuple):
    """One statement group parsed by LibCST."""

    first: int  # its first line in the analysed text
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]
    by_range: dict[tuple[int, int, int, int], list[cst.CSTNode]]  # (line, column, end line, end column)
    argument_of: dict[int, cst.Arg]  # id of an argument's value -> the argument


class _Locator:
    """Finds the LibCST node at a fix's `ast` node position, and turns the fix into a text edit.

    LibCST parses only the top-level statements that hold the fix (whole lines, so indentation and
    comments are as written): an unrelated huge expression elsewhere in the file costs nothing and
    cannot exhaust LibCST's recursion.
    """

    def __init__(self, facts: FileFacts, text: str, lines: list[str]) -> None:
        self.facts = facts
        self.text = text
        self.lines = lines
        self.starts = _line_starts(lines)
        self.groups = [(first, last) for first, last, _ in statement_groups(facts.tree.body)]
        self.group_starts = [first for first, _ in self.groups]
        self._parsed: dict[int, _Group | None] = {}

    def line_of(self, offset: int) -> int:
        """The 1-based line holding an offset of the analysed text."""
        return bisect.bisect_right(self.starts, offset)

    def _offset(self, line: int, column: int) -> int:
        return self.starts[min(line - 1, len(self.starts) - 1)] + column

    def _segment(self, line: int) -> _Group | None:
        """The parsed statement group holding `line`, or None when LibCST cannot parse it."""
        index = bisect.bisect_right(self.group_starts, line) - 1
        if index < 0 or line > self.groups[index][1]:
            return None
        if index not in self._parsed:
            self._parsed[index] = self._parse_group(*self.groups[index])
        return self._parsed[index]

    def _parse_group(self, first: int, last: int) -> _Group | None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        import libcst as cst

        segment = "".join(self.lines[first - 1 : last])
        if first == 1 and segment.startswith("\ufeff"):
            return None  # the `ast` columns of line 1 do not count the BOM: no fixes there
        module = parse_with_libcst(segment)
        if module is None or module.code != segment:
            return None
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        by_range: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        argument_of: dict[int, cst.Arg] = {}
        offset = first - 1
        for node, code_range in positions.items():
            key = (code_range.start.line + offset, code_range.start.column,
                   code_range.end.line + offset, code_range.end.column)
            by_range.setdefault(key, []).append(node)
            if isinstance(node, cst.Arg):
                argument_of[id(node.value)] = node
        return _Group(first, module, positions, by_range, argument_of)

    def find(self, fix: Fix) -> tuple[cst.CSTNode, _Group] | None:
        """(the LibCST node the fix replaces, its group) or None when no node is exactly there."""
        import libcst as cst

        if fix.node is None:
            return None
        line, column, end_line, end_column = self.facts.position(fix.node)
        group = self._segment(line)
        if group is None:
            return None
        by_range, argument_of = group.by_range, group.argument_of
        candidates = list(by_range.get((line, column, end_line, end_column), []))
        if isinstance(fix.node, ast.Tuple):
            # `ast` counts a tuple's parentheses as part of it, LibCST does not.
            candidates += by_range.get((line, column + 1, end_line, end_column - 1), [])
        if fix.argument:
            for candidate in candidates:
                argument = candidate if isinstance(candidate, cst.Arg) else argument_of.get(id(candidate))
                if argument is not None:
                    return argument, group
            return None
        kinds = _libcst_kinds().get(type(fix.node), (cst.BaseExpression,))
        for candidate in candidates:
            if isinstance(candidate, kinds):
                return candidate, group
        return None

    def edit(self, fix: Fix) -> tuple[Edit, tuple[int, int]] | None:
        """The minimal edit for the fix, and the span of the whole node (for overlap checks).

        The replacement is rendered inside its statement, not on its own: a nested node that spans
        lines takes its indentation from the blocks around it.
        """
        found = self.find(fix)
        if found is None:
            LOG.debug("keraslint: fix %r: no LibCST node at its position", fix.description)
            return None
        node, (first, module, positions, _, _) = found
        replacement = fix.replace(node)
        if replacement is None:
            return None
        new_module = module.deep_replace(node, replacement)
        if not isinstance(new_module, type(module)):  # only when the module itself were replaced
            return None
        new_code = new_module.code
        old_code = module.code
        if new_code == old_code:
            return None
        prefix = 0
        limit = min(len(old_code), len(new_code))
        while prefix < limit and old_code[prefix] == new_code[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < limit - prefix
               and old_code[len(old_code) - 1 - suffix] == new_code[len(new_code) - 1 - suffix]):
            suffix += 1
        old_part = old_code[prefix : len(old_code) - suffix]
        new_part = new_code[prefix : len(new_code) - suffix]
        code_range = positions[node]
        node_start = self._offset(first - 1 + code_range.start.line, code_range.start.column)
        node_end = self._offset(first - 1 + code_range.end.line, code_range.end.column)
        begin = self.starts[first - 1] + prefix  # the module's code is the group's lines as written
        if not (node_start <= begin and begin + len(old_part) <= node_end):
            LOG.debug("keraslint: fix %r: the change leaves its node", fix.description)
            return None
        return Edit(begin, begin + len(old_part), new_part), (node_start, max(node_end, node_start + 1))


# --- imports --------------------------------------------------------------------------------------


def keras_package(tree: ast.AST) -> str:
    """The Keras package a file imports: tf_keras, keras, or tensorflow.keras (checked in that order)."""
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    roots &= KERAS_ROOTS
    if "tf_keras" in roots:
        return "tf_keras"
    if "keras" in roots:
        return "keras"
    if "tensorflow" in roots:
        return "tensorflow.keras"
    return "keras"


def _is_keras_metrics_module(module: str | None) -> bool:
    if not module:
        return False
    parts = module.split(".")
    return parts[0] in KERAS_ROOTS and parts[-1] == "metrics"


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements executed at module level (inside if / try / with, not inside def or class)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        for field in ("body", "orelse", "finalbody"):
            stack.extend(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            stack.extend(handler.body)


def _name_status(tree: ast.Module, name: str) -> str:
    """"imported" (from a Keras metrics module at module level), "conflict" (bound otherwise),
    or "missing"."""
    imported = False
    for statement in _module_level(tree):
        if (isinstance(statement, ast.ImportFrom) and statement.level == 0
                and _is_keras_metrics_module(statement.module)):
            for alias in statement.names:
                if alias.name == "*" or (alias.name == name and alias.asname in (None, name)):
                    imported = True
    for node in ast.walk(tree):
        bound: list[str] = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.append(node.name)
        elif isinstance(node, ast.arg):
            bound.append(node.arg)
        elif isinstance(node, ast.Import):
            bound.extend((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                if local != name:
                    continue
                if node.level == 0 and _is_keras_metrics_module(node.module) and alias.name == name:
                    continue  # the same class, imported the way we would
                bound.append(local)
        if name in bound:
            return "conflict"
    return "imported" if imported else "missing"


def _import_position(tree: ast.Module, first_use: int) -> tuple[int, bool]:
    """Where the new import line goes: (line, after)."""
    last_import = None
    for statement in tree.body:
        if statement.lineno >= first_use:
            break
        ends_before = (statement.end_lineno or statement.lineno) < first_use
        if isinstance(statement, (ast.Import, ast.ImportFrom)) and ends_before:
            last_import = statement
    if last_import is not None:
        return last_import.end_lineno or last_import.lineno, True
    for index, statement in enumerate(tree.body):
        docstring = (index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                     and isinstance(statement.value.value, str))
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if docstring or future:
            continue
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        return start, False
    return max(first_use, 1), False


# --- applying -------------------------------------------------------------------------------------


def newline_of(text: str) -> str:
    for line in split_lines(text):
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
        if line.endswith("\r"):
            return "\r"
    return "\n"


def insertion_edit(text: str, insertion: Insertion, newline: str | None = None) -> Edit:
    """The zero-width Edit that puts `insertion` on its own line of `text`, ending it like the line
    it goes next to (else like the file, else `newline`)."""
    lines = split_lines(text)
    starts = _line_starts(lines)
    line = min(max(insertion.line, 1), max(len(lines), 1))
    if not lines:
        return Edit(0, 0, insertion.text + (newline or "\n"))
    ending = lines[line - 1][len(lines[line - 1].rstrip("\r\n")):]
    newline = ending or newline or newline_of(text)
    if not insertion.after:
        return Edit(starts[line - 1], starts[line - 1], insertion.text + newline)
    current = lines[line - 1]
    if current.endswith(("\n", "\r")):
        return Edit(starts[line], starts[line], insertion.text + newline)
    return Edit(starts[line], starts[line], newline + insertion.text)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (zero-width insertions at a position go before a replacement there)."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].start, item[1].end != item[1].start, item[0]))
    out = []
    position = 0
    for _index, edit in ordered:
        out.append(text[position : edit.start])
        out.append(edit.text)
        position = max(position, edit.end)
    out.append(text[position:])
    return "".join(out)


def apply_plan(text: str, fix_plan: Plan) -> str:
    edits = list(fix_plan.edits) + [insertion_edit(text, insertion) for insertion in fix_plan.insertions]
    return apply_edits(text, edits)


# --- the loop -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    text: str  # the (possibly) fixed document text
    fixed: list[Diagnostic]  # every diagnostic a fix was applied for, over all rounds
    error: str | None = None  # set when a round was discarded


def fix_document(
    document: str,
    analysed_text: Callable[[str], str],
    apply: Callable[[str, str, Plan], str],
    *,
    filename: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    keep: Keep | None = None,
    unsafe: bool = False,
    rules: Sequence[Rule] | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> Result:
    """Rounds of plan + apply until nothing changes. `analysed_text(document)` is the Python text
    the engine sees; `apply(document, analysed, plan)` returns the new document."""
    fixed: list[Diagnostic] = []
    for _round in range(max_rounds):
        analysed = analysed_text(document)
        fix_plan = plan(analysed, filename=filename, settings=settings, keep=keep, unsafe=unsafe, rules=rules)
        if not fix_plan:
            break
        new_analysed = apply_plan(analysed, fix_plan)
        if not _parses(new_analysed):
            error = "a fix produced code that does not parse; it was not applied (please report)"
            return Result(document, fixed, error)
        new_document = apply(document, analysed, fix_plan)
        if new_document == document:
            break
        document = new_document
        fixed.extend(fix_plan.fixed)
    return Result(document, fixed)


def fix_source(
    source: str,
    *,
    filename: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    keep: Keep | None = None,
    unsafe: bool = False,
    rules: Sequence[Rule] | None = None,
) -> Result:
    """Fix a Python source text."""
    return fix_document(
        source,
        lambda document: document,
        lambda document, _analysed, fix_plan: apply_plan(document, fix_plan),
        filename=filename, settings=settings, keep=keep, unsafe=unsafe, rules=rules,
    )


def fix_notebook(
    text: str,
    *,
    filename: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    keep: Keep | None = None,
    unsafe: bool = False,
    rules: Sequence[Rule] | None = None,
) -> Result:
    """Fix a notebook's JSON text: edits land in the cells' sources, other bytes stay."""
    from keraslint.notebooks import Notebook

    cache: dict[str, Notebook] = {}

    def notebook(document: str) -> Notebook:
        if document not in cache:
            cache.clear()
            cache[document] = Notebook(document)
        return cache[document]

    def apply(document: str, analysed: str, fix_plan: Plan) -> str:
        return apply_to_notebook(notebook(document), fix_plan)

    return fix_document(
        text, lambda document: notebook(document).joined, apply,
        filename=filename, settings=settings, keep=keep, unsafe=unsafe, rules=rules,
    )


def apply_to_notebook(nb: Notebook, fix_plan: Plan) -> str:
    """Map a plan on the joined module to the cells and rewrite only the cells it touches."""
    joined = nb.joined
    joined_lines = split_lines(joined)
    starts = _line_starts(joined_lines)

    def locate(offset: int) -> tuple[int, int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        index = min(index, len(joined_lines) - 1)
        cell, line = nb.locate(index + 1)
        return cell, line, offset - starts[index]

    per_cell: dict[int, list[Edit]] = {}
    cell_texts = {cell.index: cell.source for cell in nb.cells}
    for edit in fix_plan.edits:
        cell, line, column = locate(edit.start)
        end_cell, end_line, end_column = locate(edit.end) if edit.end > edit.start else (cell, line, column)
        if end_cell != cell:
            continue
        source = cell_texts[cell - 1]
        cell_starts = _line_starts(split_lines(source))
        begin = cell_starts[line - 1] + column
        end = cell_starts[end_line - 1] + end_column
        if source[begin:end] != joined[edit.start : edit.end]:
            continue  # a neutralised line: never edited
        per_cell.setdefault(cell - 1, []).append(Edit(begin, end, edit.text))
    for insertion in fix_plan.insertions:
        cell, line = nb.locate(insertion.line)
        source = cell_texts[cell - 1]
        per_cell.setdefault(cell - 1, []).append(
            insertion_edit(source, Insertion(line, insertion.after, insertion.text))
        )
    changes = {index: apply_edits(cell_texts[index], edits) for index, edits in per_cell.items()}
    changes = {index: text for index, text in changes.items() if text != cell_texts[index]}
    return nb.with_sources(changes)


# --- diffs ----------------------------------------------------------------------------------------


def unified_diff(old: str, new: str, fromfile: str, tofile: str | None = None) -> str:
    """A unified diff that marks a missing final newline like git does."""
    if old == new:
        return ""

    def lines(text: str) -> list[str]:
        out = text.splitlines(keepends=True)
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n\\ No newline at end of file\n"
        return out

    return "".join(difflib.unified_diff(lines(old), lines(new), fromfile=fromfile, tofile=tofile or fromfile))


def notebook_diff(old_text: str, new_text: str, path: str) -> str:
    """Per changed cell, a unified diff headed `path:cell N`."""
    from keraslint.notebooks import Notebook

    old, new = Notebook(old_text), Notebook(new_text)
    parts = []
    for before, after in zip(old.cells, new.cells):
        if before.source != after.source:
            parts.append(unified_diff(before.source, after.source, f"{path}:cell {before.number}"))
    return "".join(parts)
