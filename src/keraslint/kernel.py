"""keraslint inside a running IPython kernel: `%load_ext keraslint` checks each cell before it runs.

An adapter over the engine, like the flake8 plugin and the CLI. What it does:

- **The session as one module.** The cells that ran in this session, in execution order, plus the
  cell about to run, are analysed as one module, joined and neutralised as notebook files are
  (`keraslint.notebooks.neutralise`: `%magic`, `!shell` and `obj?` lines become harmless code
  without shifting lines). A cell is part of the session when it started executing, even if it
  raised part way (the statements before the error did run); a cell that never started (a syntax
  error, a cell stopped by strict mode) is not. Cells run before `%load_ext` are read from
  IPython's input history.
- **What is shown, and when.** Before a cell runs, the findings that belong to it: those that the
  analysis of the session plus this cell has and the analysis of the session alone has not. That
  is a finding located in the cell, or one this cell completes elsewhere (a `compile()` in this
  cell makes the `activation=` of a layer built three cells earlier wrong). Once the cell has run,
  its findings are part of the session and are not shown again; `%keraslint` lists them all.
  Locations read `cell N:L:C`, N being the cell's execution count (the N of `In [N]`).
- **Exact targeting.** The Keras / TensorFlow / tf-keras distributions installed in the kernel's
  environment decide the version lines (read from package metadata, nothing imported), then the
  keras-version setting (`%keraslint version ...` or `[tool.keraslint]`), then the nearest project's
  pins. A cell that runs `pip install` makes the kernel read them again.
- **Reuse between cells.** Each cell is parsed once, at its final place in the joined module. Before
  the engine runs, a conservative closure at cell granularity keeps the cells that can matter: the
  cells that mention compile / fit / Keras / TensorFlow or call a session function that does, and,
  working backwards, every cell that binds or mutates a name a kept cell mentions. A cell that is
  not kept cannot change any finding, so its check costs a set intersection; the engine reads only
  the kept cells.
- **Never hurts the kernel.** Every hook catches everything: an internal failure is one KER001 line
  and the cell runs as usual. Nothing here imports TensorFlow or Keras.

Strict mode (`%keraslint strict`) stops a cell that has a finding of broken or crash severity: an
AST transformer rejects the cell (IPython's `InputRejected`), so nothing of it runs. A line
`# keraslint: allow` in the cell, or `%keraslint allow-next` before it, runs it anyway.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import html
import importlib
import json
import logging
import os
import re
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from keraslint import noqa, targeting
from keraslint.diagnostics import INTERNAL_ERROR_CODE, Diagnostic
from keraslint.immutable import field, record, replace
from keraslint.versions import VersionLine, describe
from keraslint.notebooks import neutralise
from keraslint.source import split_lines
from keraslint.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from packaging.specifiers import SpecifierSet

LOG = logging.getLogger("keraslint.kernel")

BLOCKING = frozenset({"broken", "crash"})  # what strict mode stops
ALLOW_MARK = re.compile(r"#\s*keraslint\s*:\s*allow\b", re.IGNORECASE)
INSTALL_COMMAND = re.compile(r"\b(pip|pip3|conda|mamba|micromamba|uv)\b[^\n]*\binstall\b|\binstall_packages\b")

_WORD = re.compile(r"[^\W\d]\w*")  # identifiers, non-ASCII ones included
_PARSE_FLAGS = ast.PyCF_ONLY_AST | getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)


def _training_methods() -> frozenset[str]:
    try:
        from keraslint.catalogue import TRAINING_METHODS

        return frozenset(TRAINING_METHODS)
    except Exception:  # noqa: BLE001 - a renamed table must not break the kernel
        return frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch", "fit_generator", "evaluate_generator"})


# Words that make a cell matter by themselves: a compile() or training call, a Keras / TensorFlow
# mention (imports and the APIs that narrow the version lines), graph mode.
GRAPH_MODE_WORDS = frozenset({"disable_eager_execution", "disable_v2_behavior", "enable_eager_execution"})
KERAS_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})
COMPILING_WORDS = frozenset({"compile"}) | _training_methods()
# `history.history["val_acc"]` after a fit() is a fact of that fit (the logged keys).
HISTORY_WORDS = frozenset({"history"})
INHERENT_WORDS = COMPILING_WORDS | KERAS_ROOTS | GRAPH_MODE_WORDS | HISTORY_WORDS


# --- cells ---------------------------------------------------------------------------------------


@record(eq=False)
class Statement:
    """One top-level statement of a cell, with what the backward slice needs to know about it."""

    node: ast.stmt  # line numbers counted in the joined module
    words: frozenset[str]  # every identifier in its text (comments and strings included)
    reads: frozenset[str]  # names it loads, store targets' bases aside (`d[k] = v` does not read d)
    stores: frozenset[str]  # names it may bind or mutate (a superset)
    kills: frozenset[str]  # names it rebinds outright (`x = ...`, `import x`, `def x`)
    defines: frozenset[str]  # module-level functions and classes it defines
    anchor: bool  # a Keras / TensorFlow import, a star import, graph mode: always part of the module
    definition: bool  # a def or class statement
    method_roots: frozenset[str] = frozenset()  # receivers of method calls: a change unless imported

    def changes(self, live: set[str], imported: frozenset[str] | set[str]) -> bool:
        """Whether it may bind or change a live name."""
        if not self.stores.isdisjoint(live):
            return True
        return any(name not in imported for name in self.method_roots & live)


@record(eq=False)
class Cell:
    """One executed cell, parsed once at its place in the joined module."""

    label: int  # the execution count: the N of In [N]
    raw: str  # the cell as the user wrote it
    text: str  # what the engine reads: neutralised, one line per raw line, ending with a newline
    offset: int  # joined lines before this cell
    line_count: int
    statements: tuple[Statement, ...]
    error: str | None = None  # why the cell could not be parsed (then it is blank for the engine)
    column_shifts: dict[int, int] = field(default_factory=dict)  # line -> characters removed

    @property
    def raw_lines(self) -> list[str]:
        return split_lines(self.raw)

    @property
    def mentions_keras(self) -> bool:
        return "keras" in self.text or "tensorflow" in self.text

    def inherent(self, compiling: frozenset[str] | set[str]) -> bool:
        """Whether running this cell can add a finding: it mentions compile / training / Keras /
        TensorFlow, or calls a session function that does."""
        return any(
            statement.anchor
            or not statement.words.isdisjoint(INHERENT_WORDS)
            or not statement.words.isdisjoint(compiling)
            for statement in self.statements
        )


def _parse(text: str) -> ast.Module | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # compile() is typed Any; with PyCF_ONLY_AST it returns the Module.
            module: ast.Module = compile(text, "<cell>", "exec", _PARSE_FLAGS, dont_inherit=True)
            return module
    except SyntaxError as error:
        return error.msg or "invalid syntax"
    except (ValueError, TypeError, MemoryError, RecursionError, OverflowError) as error:
        return f"{type(error).__name__}: {error}"


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _read_only_methods() -> frozenset[str]:
    try:
        from keraslint.catalogue import READ_ONLY_METHODS

        return frozenset(READ_ONLY_METHODS)
    except Exception:  # noqa: BLE001
        return frozenset()


# Methods that leave their receiver as it was (the catalogue's read-only methods); a training call and
# compile() do change what the analysis knows of a model (its labels, its compiled configuration).
_KEEPING_METHODS = _read_only_methods() - _training_methods() - {"compile"}


# Methods that change what the analysis knows of their receiver wherever they are called.
_TRACKED_METHODS = _training_methods() | {"compile", "add", "pop"}


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _receivers(node: ast.AST) -> tuple[set[str], set[str]]:
    """Root names of the objects a statement may change through a method call: (always, unless
    imported). Always: the receiver of a compile / training / add call anywhere in it
    (`h = model.fit(...)` gives the model its labels). Unless the name is a module or an imported
    object: the receiver of the statement's own call (`x.append(...)`, read-only methods aside),
    and in a compound statement of every method call in it;
    `layers.Dense(...)` or `np.random.seed(...)` change nothing the analysis knows."""
    tracked: set[str] = set()
    other: set[str] = set()
    for child in ast.walk(node):
        if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                and child.func.attr in _TRACKED_METHODS):
            root = _root(child.func.value)
            if root is not None:
                tracked.add(root)
    if isinstance(node, ast.Expr):
        calls = [node.value] if isinstance(node.value, ast.Call) else []
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        calls = []
    else:
        calls = [child for child in ast.walk(node) if isinstance(child, ast.Call)]
    for call in calls:
        if isinstance(call.func, ast.Attribute) and call.func.attr not in _KEEPING_METHODS:
            root = _root(call.func.value)
            if root is not None:
                other.add(root)
    return tracked, other - tracked


def _compound_stores(node: ast.stmt) -> set[str]:
    """What a compound statement (for / while / if / with / try / match, del, global) may bind:
    every name stored or deleted in it, the bases of subscript and attribute targets, and what its
    nested imports, functions, classes and `except ... as` bind."""
    found: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            found.add(child.id)
        elif isinstance(child, (ast.Subscript, ast.Attribute)) and isinstance(child.ctx, (ast.Store, ast.Del)):
            root = _root(child.value)
            if root is not None:
                found.add(root)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(child.name)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            found.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            found |= {(alias.asname or alias.name).split(".")[0] for alias in child.names}
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            found |= set(child.names)
        elif isinstance(child, ast.arg):
            found.add(child.arg)
    return found


def _reads(node: ast.stmt) -> set[str]:
    """Names a statement loads. In a simple statement, the base of a subscript or attribute store
    target (`scores["a"] = ...`) is not a read: the statement changes that object without needing
    what it held (a live name stays live through it anyway). Compound statements: every load."""
    loads = {child.id for child in ast.walk(node) if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)}
    targets: list[ast.expr] = []
    value: ast.expr | None = None
    if isinstance(node, ast.Assign):
        targets, value = list(node.targets), node.value
    elif isinstance(node, ast.AnnAssign):
        targets, value = [node.target], node.value
    if not targets:
        return loads
    inside = set()
    for target in targets:
        for child in ast.walk(target):
            if isinstance(child, (ast.Subscript, ast.Attribute)) and isinstance(child.value, ast.Name):
                inside.add(child.value.id)
    needed = {child.id for child in ast.walk(value) if isinstance(child, ast.Name)} if value is not None else set()
    for target in targets:  # indices and nested attributes of a target are reads: d[key], a.b[c]
        for child in ast.walk(target):
            if isinstance(child, ast.Subscript):
                needed |= {n.id for n in ast.walk(child.slice) if isinstance(n, ast.Name)}
    return (loads - inside) | needed


def _plain_targets(targets: Iterable[ast.expr]) -> set[str] | None:
    names: set[str] = set()
    for target in targets:
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts):
            names.update(e.id for e in target.elts if isinstance(e, ast.Name))
        else:
            return None
    return names


def _top_level_definitions(node: ast.stmt) -> set[str]:
    """Functions and classes a module-level statement defines (also inside `if` / `try` / `with`),
    methods and nested functions aside."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    found: set[str] = set()
    for block in ("body", "orelse", "finalbody", "handlers"):
        for child in getattr(node, block, ()) or ():
            if isinstance(child, ast.stmt):
                found |= _top_level_definitions(child)
            elif isinstance(child, ast.ExceptHandler):
                for inner in child.body:
                    found |= _top_level_definitions(inner)
    return found


def _statement(node: ast.stmt, lines: list[str]) -> Statement:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
    end = node.end_lineno or node.lineno
    words = set(_WORD.findall("".join(lines[start - 1 : end])))
    kills: set[str] = set()
    anchor = False
    definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    tracked, method_roots = _receivers(node)
    if isinstance(node, ast.Assign):
        stores = set().union(*(_names(target) for target in node.targets)) | tracked
        kills = (_plain_targets(node.targets) or set()) - _names(node.value)
    elif isinstance(node, ast.AnnAssign):
        stores = _names(node.target) | tracked
        if node.value is not None and isinstance(node.target, ast.Name):
            kills = {node.target.id} - _names(node.value)
    elif isinstance(node, ast.AugAssign):
        stores = _names(node.target) | tracked
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom):
            stores = {alias.asname or alias.name for alias in node.names}
            root = (node.module or "").split(".")[0] if node.level == 0 else ""
            anchor = root in KERAS_ROOTS or "*" in stores
        else:
            stores = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            anchor = any(alias.name.split(".")[0] in KERAS_ROOTS for alias in node.names)
        kills = stores - {"*"}
    elif isinstance(node, ast.Expr):
        stores = tracked  # and the receiver of its own call (method_roots); a plain call changes nothing
    elif isinstance(node, (ast.Pass, ast.Break, ast.Continue)):
        stores = set()
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        stores = {node.name}  # a definition binds its name
    else:
        stores = _compound_stores(node) | tracked
    defines = _top_level_definitions(node)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        kills = {node.name}
    anchor = anchor or not words.isdisjoint(GRAPH_MODE_WORDS)
    return Statement(
        node, frozenset(words), frozenset(_reads(node)), frozenset(stores), frozenset(kills), frozenset(defines),
        anchor, definition, frozenset(method_roots),
    )


# `%time model.fit(...)`: the statement runs, so it is kept (without the magic; columns restored).
_TIMING_MAGIC = re.compile(r"^([ \t]*)%(?:time|timeit|prun)\b(?:[ \t]+-[A-Za-z]+(?:[ \t]*[0-9]+)?)*[ \t]+(?=\S)")


def _strip_timing_magics(raw: str) -> tuple[str, dict[int, int]]:
    lines = split_lines(raw)
    shifts: dict[int, int] = {}
    for index, line in enumerate(lines):
        match = _TIMING_MAGIC.match(line)
        if match:
            lines[index] = match.group(1) + line[match.end() :]
            shifts[index + 1] = match.end() - len(match.group(1))
    return "".join(lines), shifts


def prepare_cell(label: int, raw: str, offset: int) -> Cell:
    """Parse a cell as the engine will read it at line `offset + 1` of the joined module."""
    text, error = raw, None
    raw_count = len(split_lines(raw))
    shifts: dict[int, int] = {}
    parsed = _parse(text)
    if isinstance(parsed, str):
        stripped, shifts = _strip_timing_magics(raw)
        text = neutralise(stripped)
        parsed = _parse(text)
        if isinstance(parsed, str):
            error, shifts = parsed, {}
            text = "\n" * raw_count
            parsed = ast.Module(body=[], type_ignores=[])
    lines = split_lines(text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    while len(lines) < raw_count:
        lines.append("\n")
    text = "".join(lines)
    statements = [_statement(node, lines) for node in parsed.body]
    if offset:
        ast.increment_lineno(parsed, offset)
    return Cell(label, raw, text, offset, len(lines), tuple(statements), error, shifts)


def compiling_names(statements: Iterable[Statement]) -> set[str]:
    """Module-level functions and classes whose definition mentions compile() or a training call,
    or another such name (transitively): a call of one can add a compile() site or labels, and the
    engine checks a compile() inside a function with its callers' facts."""
    definitions = [statement for statement in statements if statement.definition]
    names: set[str] = set()
    grown = True
    while grown:
        grown = False
        for statement in definitions:
            if statement.defines <= names:
                continue
            if not statement.words.isdisjoint(COMPILING_WORDS) or not statement.words.isdisjoint(names):
                names |= statement.defines
                grown = True
    return names


def cone(
    history: Sequence[Statement],
    cell: Sequence[Statement],
    compiling: set[str],
    evidence: frozenset[str] | set[str] = frozenset(),
    imported: frozenset[str] | set[str] = frozenset(),
) -> list[Statement]:
    """The statements the engine needs to check `cell` (the statements of the cell about to run)
    after `history`, in order: a backward slice on names. The cell's statements that mention
    compile / training / Keras, or call a function that may compile, are its roots; walking back, a
    statement is kept when it binds or mutates a name that is live (read by a kept statement after
    it), and a plain rebinding ends the name's life. Keras imports, graph mode, and every call of a
    function that may compile (the engine uses the callers' facts only when they all agree) are
    always kept. With `evidence` (the names Keras is imported as), every statement that mentions one
    is kept too, without what it reads: the engine narrows the version lines by the Keras APIs the
    whole file uses."""
    live: set[str] = set()
    kept: list[Statement] = []
    triggers = INHERENT_WORDS | compiling
    for statement in reversed(cell):
        if statement.anchor or not statement.words.isdisjoint(triggers) or statement.changes(live, imported):
            kept.append(statement)
            live -= statement.kills
            live |= statement.reads
    for statement in reversed(history):
        if (
            statement.anchor
            or statement.changes(live, imported)
            or (not statement.definition and not statement.words.isdisjoint(compiling))
        ):
            kept.append(statement)
            live -= statement.kills
            live |= statement.reads
        elif evidence and not statement.words.isdisjoint(evidence):
            kept.append(statement)
    kept.reverse()
    return kept


def _analyse(source: str, statements: Iterable[Statement], target: targeting.Target) -> list[Diagnostic]:
    from keraslint import engine

    tree = ast.Module(body=[statement.node for statement in statements], type_ignores=[])
    if not tree.body:
        return []
    return engine.analyse(source, tree=tree, target=target, logger=LOG)


# --- findings as shown -----------------------------------------------------------------------------


# A finding as the session remembers it: (code, message), or (code, message, cell, line, column).
FindingKey = tuple[str | int, ...]


@record
class Finding:
    """A diagnostic placed in a cell."""

    diagnostic: Diagnostic
    cell: int  # label (execution count); 0 for a finding of the whole session (KER001)
    line: int  # in the cell, 1-based
    column: int  # 1-based
    severity: str | None

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def key(self) -> FindingKey:
        if self.code == INTERNAL_ERROR_CODE:
            return (self.code, self.message)
        return (self.code, self.message, self.cell, self.line, self.column)

    @property
    def location(self) -> str:
        return f"cell {self.cell}:{self.line}:{self.column}" if self.cell else "session"


def severity_of(diagnostic: Diagnostic) -> str | None:
    severity: str | None = getattr(diagnostic, "severity", None)
    if severity:
        return severity
    try:
        from keraslint.rules import RULES_BY_CODE

        rule = RULES_BY_CODE.get(diagnostic.code)
        rule_severity: str | None = getattr(rule, "severity", None) if rule is not None else None
        return rule_severity
    except Exception:  # noqa: BLE001
        return None


_SEVERITY_STYLE = {
    "crash": "#b71c1c",
    "broken": "#c62828",
    "wrong-number": "#e65100",
    "degraded": "#f9a825",
    "style": "#607d8b",
    None: "#6a1b9a",
}


def _fix_text(diagnostic: Diagnostic) -> str | None:
    fix = diagnostic.fix
    if fix is None:
        if diagnostic.code == INTERNAL_ERROR_CODE:
            return None
        return f"`keraslint rule {diagnostic.code}` explains it and what to use instead"
    kind = "safe fix" if fix.safe else "unsafe fix (check your labels and intent)"
    return f"{kind}: {fix.description}"


def render_plain(title: str, findings: Sequence[Finding], footer: str | None = None) -> str:
    out = [title]
    for finding in findings:
        message = finding.message
        severity = finding.severity
        tag = f" [{severity}]" if severity and f"({severity})" not in message else ""
        out.append(f"  {finding.location}: {finding.code} {message}{tag}")
        fix = _fix_text(finding.diagnostic)
        if fix:
            out.append(f"      {fix}")
    if footer:
        out.append(footer)
    return "\n".join(out)


_CELL = "text-align:left;vertical-align:top"
_CELL_NOWRAP = _CELL + ";white-space:nowrap"


def render_html(title: str, findings: Sequence[Finding], footer: str | None = None) -> str:
    esc = html.escape
    rows = []
    for finding in findings:
        severity = finding.severity
        colour = _SEVERITY_STYLE.get(severity, _SEVERITY_STYLE[None])
        badge = (
            f'<span class="keraslint-severity keraslint-{esc(severity or "error")}" style="background:{colour};'
            f'color:#fff;border-radius:3px;padding:0 5px;font-size:90%;white-space:nowrap">'
            f"{esc(severity or 'error')}</span>"
        )
        fix = _fix_text(finding.diagnostic)
        fix_html = f'<br><span style="opacity:.8">{esc(fix)}</span>' if fix else ""
        name = f" {esc(finding.diagnostic.name)}" if finding.diagnostic.name else ""
        rows.append(
            "<tr>"
            f'<td style="{_CELL}">{badge}</td>'
            f'<td style="{_CELL_NOWRAP}"><code>{esc(finding.location)}</code></td>'
            f'<td style="{_CELL_NOWRAP}"><b>{esc(finding.code)}</b>{name}</td>'
            f'<td style="{_CELL}">{esc(finding.message)}{fix_html}</td>'
            "</tr>"
        )
    table = f'<table style="border-collapse:collapse;margin:2px 0">{"".join(rows)}</table>' if rows else ""
    foot = f"<div>{esc(footer)}</div>" if footer else ""
    return (
        '<div class="keraslint" style="border-left:3px solid #e65100;padding:2px 8px">'
        f"<div><b>keraslint</b>{esc(title[len('keraslint'):]) if title.startswith('keraslint') else esc(title)}</div>"
        f"{table}{foot}</div>"
    )


# --- targeting -------------------------------------------------------------------------------------


def _pinned_version(spec: SpecifierSet | None) -> str | None:
    if spec is None:
        return None
    for clause in spec:
        if clause.operator in ("==", "==="):
            return clause.version
    return None


_BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch", "numpy": "NumPy", "openvino": "OpenVINO"}


def keras3_backend() -> str:
    """The backend Keras 3 will use, read as Keras reads it (KERAS_BACKEND, then keras.json), without
    importing Keras."""
    name = os.environ.get("KERAS_BACKEND")
    if not name:
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
        try:
            with open(os.path.join(home, "keras.json"), encoding="utf-8") as handle:
                name = json.load(handle).get("backend")
        except (OSError, ValueError, AttributeError):
            name = None
    name = (name or "tensorflow").strip().lower()
    return _BACKENDS.get(name, name)


def describe_installed(pins: targeting.Pins | None) -> str | None:
    """'Keras 3.6.0 (TensorFlow backend)', 'TensorFlow 2.15.1', ... or None."""
    if pins is None:
        return None
    parts = []
    keras = _pinned_version(pins.keras)
    if keras:
        major = keras.split(".")[0]
        if major.isdigit() and int(major) >= 3:
            parts.append(f"Keras {keras} ({keras3_backend()} backend)")
        else:
            parts.append(f"Keras {keras}")
    tensorflow = _pinned_version(pins.tensorflow)
    if tensorflow:
        parts.append(f"TensorFlow {tensorflow}")
    tf_keras = _pinned_version(pins.tf_keras)
    if tf_keras:
        parts.append(f"tf-keras {tf_keras}")
    return ", ".join(parts) or None


# --- the session ---------------------------------------------------------------------------------


@dataclasses.dataclass
class CheckResult:
    cell: Cell
    findings: list[Finding]  # the findings that belong to the cell (before selection and noqa)
    analysed: bool  # False: the cell cannot add a finding, the engine did not run
    keys: frozenset[FindingKey] = frozenset()  # every finding the analysis had (seen once the cell runs)


class Session:
    """The executed cells and what has been reported on them: no IPython in here (tests, benchmarks).

    `slice=True` (the default) gives the engine the backward slice of the session that the cell
    about to run needs (see `cone`); `slice=False` gives it the whole session every time (the
    reference the benchmark compares with)."""

    def __init__(self, target: targeting.Target | None = None, *, slice: bool = True) -> None:
        self.cells: list[Cell] = []
        self.statements: list[Statement] = []
        self.target = target or targeting.UNKNOWN_TARGET
        self.slice = slice
        self.seen: set[FindingKey] = set()  # keys of every finding reported, or known, so far
        self._offsets: list[int] = []
        self._compiling: set[str] = set()
        self._imported: set[str] = set()  # names bound by imports
        self._bound: set[str] = set()  # names bound or changed by anything else
        self._keras_names: set[str] = set(KERAS_ROOTS)  # what Keras / TensorFlow is imported as

    @property
    def line_count(self) -> int:
        return self.cells[-1].offset + self.cells[-1].line_count if self.cells else 0

    @property
    def source(self) -> str:
        return "".join(cell.text for cell in self.cells)

    def prepare(self, label: int, raw: str) -> Cell:
        return prepare_cell(label, raw, self.line_count)

    def append(self, cell: Cell, result: CheckResult | None = None) -> None:
        """Add a cell that ran; what its check found is known from now on."""
        if cell.offset != self.line_count:
            cell = prepare_cell(cell.label, cell.raw, self.line_count)
        self.cells.append(cell)
        self._offsets.append(cell.offset)
        self.statements.extend(cell.statements)
        self._note_names(cell, self._imported, self._bound, self._keras_names)
        if any(statement.definition for statement in cell.statements):
            self._compiling = compiling_names(self.statements)
        if result is not None:
            self.seen |= result.keys

    def set_target(self, target: targeting.Target) -> bool:
        """True when it changed: then every finding of the session so far counts as known, under the
        messages the new target gives (`%keraslint` lists them)."""
        if target == self.target:
            return False
        self.target = target
        self.mark_known()
        return True

    def mark_known(self) -> None:
        """Count every finding the session has now as reported (after `%keraslint off` / `on`)."""
        self.seen |= {finding.key for finding in self.findings()}

    def check(self, cell: Cell) -> CheckResult:
        """The findings that belong to `cell`, about to run after the session's cells: those of the
        analysis with it that were not known before."""
        compiling = self._compiling
        if any(statement.definition for statement in cell.statements):
            compiling = compiling_names([*self.statements, *cell.statements])
        if not cell.inherent(compiling):
            return CheckResult(cell, [], False)  # nothing it does can add a compile() site or labels
        if self.slice:
            statements = cone(
                self.statements, cell.statements, compiling, self._evidence_names(cell), self._imported_names(cell)
            )
            source = self._sliced_source(statements, cell)
        else:
            statements = [*self.statements, *cell.statements]
            source = self.source + cell.text
        placed = self.place(_analyse(source, statements, self.target), extra=cell)
        new = [finding for finding in placed if finding.key not in self.seen]
        return CheckResult(cell, new, True, frozenset(finding.key for finding in placed))

    @staticmethod
    def _note_names(cell: Cell, imported: set[str], bound: set[str], keras_names: set[str]) -> None:
        for statement in cell.statements:
            if isinstance(statement.node, (ast.Import, ast.ImportFrom)):
                imported |= statement.kills
                if statement.anchor:
                    keras_names |= statement.kills
            else:
                bound |= statement.stores

    def _imported_names(self, cell: Cell) -> set[str]:
        """Names bound only by imports in the session (modules and imported objects), never by
        anything else."""
        imported, bound = set(self._imported), set(self._bound)
        self._note_names(cell, imported, bound, set())
        return imported - bound

    def _evidence_names(self, cell: Cell) -> frozenset[str]:
        """Empty when the target is Keras 3 alone, which no API can narrow; else the names Keras is
        imported as in the session (the statements using them carry the file's API evidence)."""
        lines, _reason = self.target.lines_for(frozenset())
        if lines == frozenset({VersionLine.L5}):
            return frozenset()
        names = set(self._keras_names)
        self._note_names(cell, set(), set(), names)
        return frozenset(names)

    def _sliced_source(self, statements: Sequence[Statement], cell: Cell) -> str:
        """The joined text with the cells that hold no kept statement blanked (line for line): the
        engine reads only the lines of the statements in its tree, and splitting a long session's
        text into lines is most of a small slice's cost. The text gate of the engine sees what it
        would see in the whole session (a compile() is in the slice; a Keras mention is kept)."""
        kept = {id(statement) for statement in statements}
        parts = []
        mentions_keras = False
        for each in (*self.cells, cell):
            if any(id(statement) in kept for statement in each.statements):
                parts.append(each.text)
                mentions_keras = mentions_keras or each.mentions_keras
            else:
                parts.append("\n" * each.line_count)
        if not mentions_keras:
            first = next((each for each in self.cells if each.mentions_keras), None)
            if first is not None:
                parts[self.cells.index(first)] = first.text
        return "".join(parts)

    def findings(self) -> list[Finding]:
        """Every finding of the session (the whole module, not a slice)."""
        return self.place(_analyse(self.source, self.statements, self.target))

    def place(self, diagnostics: Iterable[Diagnostic], extra: Cell | None = None) -> list[Finding]:
        cells = self.cells if extra is None else [*self.cells, extra]
        offsets = self._offsets if extra is None else [*self._offsets, extra.offset]
        out = []
        for diagnostic in diagnostics:
            if diagnostic.code == INTERNAL_ERROR_CODE or not cells:
                out.append(Finding(diagnostic, 0, diagnostic.line, diagnostic.column + 1, severity_of(diagnostic)))
                continue
            index = max(bisect.bisect_right(offsets, diagnostic.line - 1) - 1, 0)
            cell = cells[index]
            line = diagnostic.line - cell.offset
            column = diagnostic.column + 1 + cell.column_shifts.get(line, 0)
            out.append(Finding(diagnostic, cell.label, line, column, severity_of(diagnostic)))
        return out


def line_text(finding: Finding, cells: Sequence[Cell]) -> str:
    for cell in cells:
        if cell.label == finding.cell:
            lines = cell.raw_lines
            if 0 < finding.line <= len(lines):
                return lines[finding.line - 1]
    return ""


# --- the IPython side ------------------------------------------------------------------------------


try:  # IPython is there whenever the extension is loaded; the pure parts above do not need it
    from IPython.core.error import InputRejected as _InputRejected
except Exception:  # noqa: BLE001 - pragma: no cover
    _InputRejected = Exception  # type: ignore[misc,assignment]


class CellStopped(_InputRejected):
    """Raised by the AST transformer in strict mode: IPython shows it and runs nothing of the cell."""

    def _render_traceback_(self) -> list[str]:
        return [f"keraslint stopped this cell (strict mode): {self}"]


class _StrictGate(ast.NodeTransformer):
    """Registered in shell.ast_transformers: rejects the cell that pre_run_cell decided to stop."""

    def __init__(self, checker: "KernelChecker") -> None:
        self.checker = checker

    def visit(self, node: ast.AST) -> ast.AST:
        reason = self.checker._stop
        if reason is None:
            return node
        self.checker._stop = None
        raise CellStopped(reason)


HELP = """\
%keraslint                 check the whole session now (every finding in the cells run so far)
%keraslint on | off        check each cell before it runs (default on) | stop checking
%keraslint strict | warn   stop a cell with a broken/crash finding | only warn (default)
%keraslint allow-next      run the next cell even if strict mode would stop it
                           (or put `# keraslint: allow` in the cell)
%keraslint select CODES    report only these codes or prefixes (KER2,KER301); `select all` resets
%keraslint ignore CODES    do not report these codes or prefixes; `ignore none` resets
%keraslint version VALUE   the Keras version to check against (2.15, keras==3, tensorflow==2.1, L3, auto)
%keraslint status          what keraslint checks against, and how
`# noqa: KER201` on a cell's line silences that finding there."""


class KernelChecker:
    """The extension's state for one shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.enabled = True
        self.strict = False
        self.allow_next = False
        self.settings = Settings()
        self.settings_source: str | None = None
        self.session = Session()
        self._pending: tuple[Cell, CheckResult | None] | None = None
        self._stop: str | None = None
        self._gate = _StrictGate(self)
        self._announced = False
        self._errors_shown: set[str] = set()
        self.timings: list[float] = []  # seconds spent in the hooks, per cell (benchmarks)
        self._target_text = ""
        self._count_delta: int | None = None
        self._earlier: list[Finding] = []
        self._pre_count: int | None = None

    # --- registration ---------------------------------------------------------------------------

    def register(self) -> None:
        shell = self.shell
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)
        shell.ast_transformers.append(self._gate)
        shell.register_magic_function(self.magic, "line", "keraslint")

    def unregister(self) -> None:
        shell = self.shell
        for event, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                shell.events.unregister(event, callback)
            except ValueError:
                pass
        if self._gate in shell.ast_transformers:
            shell.ast_transformers.remove(self._gate)
        try:
            shell.magics_manager.magics["line"].pop("keraslint", None)
        except Exception:  # noqa: BLE001
            pass

    def load(self) -> None:
        """Read the configuration and the kernel's environment; seed the session from the history."""
        self._load_settings()
        self._refresh_target(announce=False)
        history = self._history()
        for label, raw in history:
            self.session.append(self.session.prepare(label, raw))
        self._earlier = self.session.findings() if self.session.cells else []
        self.session.seen |= {finding.key for finding in self._earlier}
        if self._inside_load_cell(history):
            self.announce(self._earlier)
        # else: loaded from a profile at start-up, with no cell to show it in: announce at the first cell

    def _history(self) -> list[tuple[int, str]]:
        try:
            raw = list(self.shell.history_manager.input_hist_raw)
        except Exception:  # noqa: BLE001 - no history manager
            return []
        return [(index, text) for index, text in enumerate(raw) if index and isinstance(text, str) and text.strip()]

    @staticmethod
    def _inside_load_cell(history: list[tuple[int, str]]) -> bool:
        return bool(history) and "keraslint" in history[-1][1]

    def _load_settings(self) -> None:
        try:
            from keraslint import config

            file_config = config.load(start=os.getcwd())
            self.settings = config.build_settings(file_config)
            self.settings_source = file_config.path
        except Exception as error:  # noqa: BLE001 - ConfigError, or an unreadable folder
            self.settings = Settings()
            self._show_text(f"keraslint: configuration ignored: {error}")

    def target(self) -> targeting.Target:
        explicit = targeting.setting_target(self.settings.keras_version) or targeting.UNKNOWN_TARGET
        try:
            directory = os.getcwd()
        except OSError:
            directory = os.curdir
        return replace(
            explicit,
            project=targeting.find_project_pins(directory),
            installed=targeting.installed_pins(),
            installed_first=True,
        )

    def _refresh_target(self, announce: bool = True) -> None:
        """Read the installed distributions again (after a `pip install`, or on load)."""
        targeting.clear_caches()
        importlib.invalidate_caches()
        target = self.target()
        self.session.set_target(target)
        text = self.target_text(target)
        if announce and text != self._target_text:
            self._show_text(f"keraslint: now checking against {text}")
        self._target_text = text

    def target_text(self, target: targeting.Target) -> str:
        if target.setting is not None:
            return f"keras-version {self.settings.keras_version!r} ({describe(target.setting)})"
        installed = describe_installed(target.installed)
        if installed is not None:
            return installed
        lines, reason = target.lines_for(frozenset())
        if target.project is not None and reason.startswith("pins"):
            return f"the pins in {target.project.source} ({describe(lines)}); no Keras or TensorFlow installed here"
        return ("every Keras version (no Keras or TensorFlow installed here; "
                "a finding names the versions it is wrong on)")

    def announce(self, earlier: Sequence[Finding] = ()) -> None:
        self._announced = True
        title = f"keraslint: checking against {self._target_text}"
        shown = self._selected(earlier, self.session.cells)
        if shown:
            word = "finding" if len(shown) == 1 else "findings"
            self._show(f"{title}; {len(shown)} {word} in the cells run before", shown)
        else:
            self._show_text(title)

    # --- hooks ------------------------------------------------------------------------------------

    def pre_run_cell(self, info: Any = None) -> None:
        start = time.perf_counter()
        self._stop = None
        try:
            self._pre_run_cell(info)
        except Exception as error:  # noqa: BLE001 - never into IPython
            self._internal_error(error)
        finally:
            self.timings.append(time.perf_counter() - start)

    def _pre_run_cell(self, info: Any) -> None:
        if self._pending is not None:  # a cell that started and never reported back (interrupted)
            self.session.append(*self._pending)
            self._pending = None
        raw = getattr(info, "raw_cell", None)
        if raw is None:
            return
        if not self._announced:
            self.announce(self._earlier if self.enabled else ())
        cell = self.session.prepare(self._execution_count(), raw)
        if not self.enabled:
            self._pending = (cell, None)
            return
        result = self.session.check(cell)
        self._pending = (cell, result)
        shown = self._selected(result.findings, [*self.session.cells, cell])
        if not shown:
            self.allow_next = False
            return
        blocking = [finding for finding in shown if finding.severity in BLOCKING]
        allowed = self.allow_next or ALLOW_MARK.search(raw) is not None
        self.allow_next = False
        word = "finding" if len(shown) == 1 else "findings"
        if self.strict and blocking and not allowed:
            first = blocking[0]
            self._stop = (
                f"{first.code} at {first.location} is {first.severity}. Add `# keraslint: allow` to the cell, "
                "or run `%keraslint allow-next`, to run it anyway; `%keraslint warn` leaves strict mode."
            )
            self._show(f"keraslint (strict): this cell was not run: {len(shown)} {word}", shown)
        else:
            self._show(f"keraslint: {len(shown)} {word} in this cell", shown)

    def post_run_cell(self, result: Any = None) -> None:
        start = time.perf_counter()
        self._stop = None
        try:
            self._post_run_cell(result)
        except Exception as error:  # noqa: BLE001
            self._internal_error(error)
        finally:
            if self.timings:
                self.timings[-1] += time.perf_counter() - start

    def _post_run_cell(self, result: Any) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        cell, check = pending
        info = getattr(result, "info", None)
        raw = getattr(info, "raw_cell", cell.raw)
        if raw != cell.raw:
            return  # not the cell we checked (should not happen)
        number = getattr(result, "execution_count", None)
        if isinstance(number, int) and getattr(info, "store_history", True) and self._pre_count is not None:
            self._count_delta = self._pre_count - number
            if number != cell.label:
                cell = replace(cell, label=number)
        if getattr(result, "error_before_exec", None) is not None:
            return  # never started: a syntax error, or stopped by strict mode
        self.session.append(cell, check)
        if INSTALL_COMMAND.search(cell.raw):
            self._refresh_target()

    def _execution_count(self) -> int:
        """The N of the cell's `In [N]`, as seen from pre_run_cell. IPython < 9.8 increments its
        counter after the cell, later versions before pre_run_cell: the difference is learnt from the
        first cell's history length (stored after pre_run_cell in both), then from every result."""
        count = getattr(self.shell, "execution_count", None)
        if not isinstance(count, int):
            return len(self.session.cells) + 1
        self._pre_count = count
        if self._count_delta is None:
            try:
                self._count_delta = count - len(self.shell.history_manager.input_hist_raw)
            except Exception:  # noqa: BLE001 - no history manager
                self._count_delta = 0
            if self._count_delta not in (0, 1):
                self._count_delta = 0
        return count - self._count_delta

    # --- magic -------------------------------------------------------------------------------------

    def magic(self, line: str = "") -> None:
        try:
            self._magic(line)
        except Exception as error:  # noqa: BLE001
            self._internal_error(error)

    def _magic(self, line: str) -> None:
        words = line.split()
        command = words[0].lower() if words else "check"
        rest = words[1:]
        if command == "check":
            self.check_session()
        elif command == "on":
            if not self.enabled:
                self.enabled = True
                self.session.mark_known()  # what ran while off is not the next cell's
            self._show_text("keraslint: on: each cell is checked before it runs")
        elif command == "off":
            self.enabled = False
            self._show_text("keraslint: off (`%keraslint on` turns it back on)")
        elif command == "strict":
            self.strict = True
            self._show_text(
                "keraslint: strict: a cell with a broken or crash finding is not run "
                "(`# keraslint: allow` in the cell runs it anyway)"
            )
        elif command in ("warn", "nostrict"):
            self.strict = False
            self._show_text("keraslint: warn: findings are shown, cells always run")
        elif command in ("allow-next", "allow"):
            self.allow_next = True
            self._show_text("keraslint: the next cell runs even if strict mode would stop it")
        elif command in ("select", "ignore", "extend-select"):
            self._codes(command, rest)
        elif command == "version":
            self._version(" ".join(rest))
        elif command == "status":
            self.status()
        elif command in ("help", "-h", "--help"):
            self._show_text(HELP)
        else:
            self._show_text(f"keraslint: unknown command {command!r}\n{HELP}")

    def _codes(self, command: str, values: list[str]) -> None:
        from keraslint.settings import check_selector

        codes = tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())
        if command == "select" and codes in ((), ("ALL",)):
            self.settings = replace(self.settings, select=None, extend_select=())
        elif command == "ignore" and codes in ((), ("NONE",)):
            self.settings = replace(self.settings, ignore=())
        else:
            try:
                for code in codes:
                    check_selector(code, command)
            except targeting.ConfigError as error:
                self._show_text(f"keraslint: {error}")
                return
            self.settings = _with_codes(self.settings, command, codes)
        self._show_text(f"keraslint: {self._selection_text()}")

    def _selection_text(self) -> str:
        select = self.settings.select
        parts = [f"select {', '.join(select) if select else 'all'}"]
        if self.settings.extend_select:
            parts.append(f"extend-select {', '.join(self.settings.extend_select)}")
        parts.append(f"ignore {', '.join(self.settings.ignore) if self.settings.ignore else 'none'}")
        return "; ".join(parts)

    def _version(self, value: str) -> None:
        value = value.strip().strip("'\"")
        try:
            targeting.parse_keras_version(value)
        except targeting.ConfigError as error:
            self._show_text(f"keraslint: {error}")
            return
        keras_version = None if value.lower() in ("", "auto") else value
        self.settings = replace(self.settings, keras_version=keras_version)
        self._refresh_target(announce=False)
        self._show_text(f"keraslint: checking against {self._target_text}")

    def status(self) -> None:
        target = self.session.target
        lines, reason = target.lines_for(frozenset())
        mode = "off" if not self.enabled else ("strict" if self.strict else "warn")
        text = [
            f"keraslint: checking against {self._target_text}",
            f"  version lines: {describe(lines)} ({reason}; a cell's imports may narrow them)",
            f"  mode: {mode}; {self._selection_text()}",
            f"  session: {len(self.session.cells)} cells",
        ]
        if self.settings_source:
            text.append(f"  configuration: {self.settings_source}")
        self._show_text("\n".join(text))

    def check_session(self) -> None:
        shown = self._selected(self.session.findings(), self.session.cells)
        count = len(self.session.cells)
        if not shown:
            self._show_text(
                f"keraslint: no findings in the {count} cells run so far (checking against {self._target_text})"
            )
            return
        word = "finding" if len(shown) == 1 else "findings"
        self._show(f"keraslint: {len(shown)} {word} in the {count} cells run so far", shown)

    # --- output ------------------------------------------------------------------------------------

    def _selected(self, findings: Iterable[Finding], cells: Sequence[Cell]) -> list[Finding]:
        out = []
        for finding in findings:
            if not self.settings.enabled(finding.code):
                continue
            if finding.cell and noqa.suppressed(finding.code, line_text(finding, cells)):
                continue
            out.append(finding)
        out.sort(key=lambda f: (f.cell, f.line, f.column, f.code))
        return out

    def _show(self, title: str, findings: Sequence[Finding], footer: str | None = None) -> None:
        self._publish(
            {"text/plain": render_plain(title, findings, footer), "text/html": render_html(title, findings, footer)}
        )

    def _show_text(self, text: str) -> None:
        self._publish({"text/plain": text})

    def _publish(self, bundle: dict[str, str]) -> None:
        try:
            self.shell.display_pub.publish(data=bundle, metadata={})
        except Exception:  # noqa: BLE001 - a display publisher we do not know: print
            print(bundle["text/plain"], file=sys.stdout)

    def _internal_error(self, error: BaseException) -> None:
        LOG.debug("keraslint: internal error in the kernel extension", exc_info=True)
        key = type(error).__name__
        if key in self._errors_shown:
            return
        self._errors_shown.add(key)
        try:
            self._show_text(
                f"keraslint: {INTERNAL_ERROR_CODE} keraslint could not check this cell ({key}); "
                "the cell runs as usual. Please report it."
            )
        except Exception:  # noqa: BLE001
            pass


def _with_codes(settings: Settings, command: str, codes: tuple[str, ...]) -> Settings:
    """The settings with `codes` as the value of `%keraslint select | ignore | extend-select`."""
    if command == "select":
        return replace(settings, select=codes)
    if command == "ignore":
        return replace(settings, ignore=codes)
    if command == "extend-select":
        return replace(settings, extend_select=codes)
    raise KeyError(command)


_CHECKERS: dict[int, KernelChecker] = {}


def load_ipython_extension(shell: Any) -> None:
    try:
        unload_ipython_extension(shell)
        checker = KernelChecker(shell)
        checker.register()
        _CHECKERS[id(shell)] = checker
        checker.load()
    except Exception as error:  # noqa: BLE001 - loading must not break the kernel either
        LOG.debug("keraslint: could not load the kernel extension", exc_info=True)
        print(f"keraslint: {INTERNAL_ERROR_CODE} could not load the extension ({type(error).__name__}: {error})")


def unload_ipython_extension(shell: Any) -> None:
    checker = _CHECKERS.pop(id(shell), None)
    if checker is not None:
        try:
            checker.unregister()
        except Exception:  # noqa: BLE001
            LOG.debug("keraslint: could not unload the kernel extension", exc_info=True)


def checker_for(shell: Any) -> KernelChecker | None:
    """The loaded extension's state for a shell (tests, benchmarks)."""
    return _CHECKERS.get(id(shell))


__all__ = [
    "Cell",
    "CellStopped",
    "Finding",
    "KernelChecker",
    "Session",
    "checker_for",
    "load_ipython_extension",
    "prepare_cell",
    "Statement",
    "cone",
    "unload_ipython_extension",
]
