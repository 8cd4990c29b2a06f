"""Choose the statements the facts need, using flake8's `ast` (already parsed).

The evaluator then walks only those statements. A statement is kept when it contains a compile()
call or an import, or binds a name that a kept statement reads; statements that rebind or mutate
a needed name are kept too, so dropping a statement never changes a fact. Module-level statements
and the body statements of module-level functions are chosen this way.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from keraslint import catalogue
from keraslint.analysis import api_lines
from keraslint.catalogue import READ_ONLY_METHODS
from keraslint.source import KERAS_ROOTS, split_lines, statement_groups

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EVIDENCE_IMPORTS = KERAS_ROOTS | api_lines.EVIDENCE_ROOTS


def _imports_keras(statement: ast.stmt) -> bool:
    """An import of Keras, or of a module whose presence is version evidence (tensorflow_hub, ...)."""
    if isinstance(statement, ast.Import):
        return any(alias.name.split(".")[0] in _EVIDENCE_IMPORTS for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return statement.level == 0 and (statement.module or "").split(".")[0] in _EVIDENCE_IMPORTS
    return False


def irrelevant_statements(source: str, tree: ast.Module) -> set[int] | None:
    """ids of the statements the facts do not need, or None when nothing in the file is relevant
    (no model compile() call, or no Keras import or mention)."""
    if not tree.body:
        return None
    selection = _select(tree.body, split_lines(source), in_function=False, label_functions=frozenset())
    if not selection.has_compile or not (selection.has_keras_import or "keras" in source):
        return None
    return selection.dropped


class _Selection:
    def __init__(self) -> None:
        self.dropped: set[int] = set()  # ids of statements not needed, nested ones included
        self.kept_any = False
        self.words: set[str] = set()  # names the kept statements mention
        self.has_compile = False
        self.has_keras_import = False


# Inside a function, these words make a statement part of what the function means.
_FUNCTION_INHERENT = frozenset({"compile", "return", "yield", "global", "nonlocal"}) | catalogue.EVIDENCE_WORDS


class _Info(NamedTuple):
    """One statement group of a body, as the backward pass sees it."""

    members: list[ast.stmt]
    inherent: bool  # kept whatever follows
    stores: set[str]  # names it may bind or change
    reads: set[str]  # names it needs when kept
    label_reads: set[str]  # names it needs weakly (labels)
    words: set[str]  # names it mentions
    dropped_inside: set[int]  # ids of unneeded statements inside a reduced function


def _select(
    statements: list[ast.stmt], lines: list[str], in_function: bool, label_functions: frozenset[str]
) -> _Selection:
    """Backward pass: keep inherent statements and those binding or mutating a needed name.
    `label_functions`: the module's functions that make labels (a call of one is followed in any body)."""
    selection = _Selection()
    groups = statement_groups(statements)
    if not in_function:
        label_functions = _functions_using(groups, lines, _LABEL_WORDS)
    infos = [
        _group_info(first, last, members, lines, in_function, selection, label_functions)
        for first, last, members in groups
    ]
    _mark_helper_calls(infos, lines)
    _mark_compiling_callers(infos)
    keep, selection.words = _kept(infos, _LABEL_WORDS | label_functions)
    for info, kept in zip(infos, keep):
        if kept:
            selection.kept_any = True
            selection.dropped |= info.dropped_inside
        else:
            selection.dropped.update(id(member) for member in info.members)
    return selection


def _group_info(
    first: int, last: int, members: list[ast.stmt], lines: list[str], in_function: bool, selection: _Selection,
    label_functions: frozenset[str],
) -> _Info:
    """The group's info; notes a compile() call or a Keras import in `selection`."""
    text = "".join(lines[first - 1 : last])
    words = set(_WORD.findall(text))
    inherent = False
    stores: set[str] = set()
    dropped_inside: set[int] = set()
    for statement in members:
        if _is_import(statement):
            keras_import = any(_imports_keras(inner) for inner in ast.walk(statement) if isinstance(inner, ast.stmt))
            selection.has_keras_import |= keras_import
            inherent |= keras_import or in_function
        stores |= _stores(statement, words)
    compiles = "compile" in words and _calls_model_compile(text)
    selection.has_compile |= compiles
    reads = _reads(members, lines, words)
    label_reads: set[str] = set()
    if compiles or (_FUNCTION_INHERENT if in_function else _MODULE_INHERENT) & words - {"compile"}:
        inherent = True
    elif _TRAINING_METHODS & words:
        training = _training_call_names(members)
        if training is not None:
            # fit(x, y): the model matters, and the labels' origin; not how x was built.
            inherent, (reads, label_reads) = True, training
        elif any(isinstance(member, (ast.For, ast.While, ast.With, ast.If)) for member in members):
            inherent = True  # a training loop: kept whole
    if len(members) == 1 and isinstance(members[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        reduced_function = _reduce_function(members[0], first, lines, label_functions)
        if reduced_function is not None:
            dropped_inside, words = reduced_function
            reads = words
    return _Info(members, inherent, stores, reads, label_reads, words, dropped_inside)


def _is_import(statement: ast.stmt) -> bool:
    """An import, or a `try:` whose body imports (`try: import x except ImportError: ...`)."""
    return isinstance(statement, (ast.Import, ast.ImportFrom)) or (
        isinstance(statement, ast.Try)
        and any(isinstance(inner, (ast.Import, ast.ImportFrom)) for inner in statement.body)
    )


def _mark_compiling_callers(infos: list[_Info]) -> None:
    """Callers of a function that compiles give that compile() its facts: keep them too, transitively."""
    compiling = {
        member.name
        for info in infos
        for member in info.members
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and "compile" in info.words
    }
    while compiling:
        grown = set(compiling)
        for index, info in enumerate(infos):
            if not info.inherent and info.reads & compiling and not info.stores <= compiling:
                infos[index] = info._replace(inherent=True)
                grown |= info.stores
        if grown == compiling:
            break
        compiling = grown


def _kept(infos: list[_Info], label_words: frozenset[str]) -> tuple[list[bool], set[str]]:
    """(which groups are kept, the names they need), from the last group back.

    Names are needed strongly (every binding and everything it reads is kept) or, for labels,
    weakly: every binding is kept (dropping a rebinding would change the fact), but what it reads
    is followed only through label-making calls; elsewhere the labels stay unknown.
    """
    aliases = _aliases(infos)
    needed: set[str] = set()
    weak: set[str] = set()
    keep = [False] * len(infos)
    for index in range(len(infos) - 1, -1, -1):
        info = infos[index]
        if info.inherent or info.stores & needed:
            keep[index] = True
            needed |= _with_aliases(info.reads, aliases)
            weak |= _with_aliases(info.label_reads, aliases)
        elif info.stores & weak:
            keep[index] = True
            if info.words & label_words:
                needed |= _with_aliases(info.reads, aliases)
    return keep, needed | weak


# A statement that builds a layer with an activation is a fact of its own (KER305 checks the
# spelling), whether or not a compiled model uses the layer.
_MODULE_INHERENT = catalogue.EVIDENCE_WORDS | api_lines.EVIDENCE_WORDS | {"activation", "Activation"}


def _functions_using(
    groups: list[tuple[int, int, list[ast.stmt]]], lines: list[str], words: frozenset[str]
) -> frozenset[str]:
    """Names of the module's functions whose bodies mention any of `words`."""
    found: set[str] = set()
    for _first, _last, members in groups:
        for member in members:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                text = "".join(lines[member.lineno - 1 : member.end_lineno or member.lineno])
                if words.intersection(_WORD.findall(text)):
                    found.add(member.name)
    return frozenset(found)


def _mark_helper_calls(infos: list[_Info], lines: list[str]) -> None:
    """A call of a module function that trains a model (fit() inside) is a training call itself:
    kept, with everything it passes."""
    trainers = _functions_using([(0, 0, info.members) for info in infos], lines, _TRAINING_METHODS)
    if not trainers:
        return
    for index, info in enumerate(infos):
        if info.inherent or not info.words & trainers:
            continue
        if any(_calls_named(member, trainers) for member in info.members):
            infos[index] = info._replace(inherent=True, reads=info.words)


def _calls_named(statement: ast.stmt, names: frozenset[str]) -> bool:
    value = statement.value if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in names


def _aliases(infos: list[_Info]) -> dict[str, set[str]]:
    """Names bound to the same object (`m2 = model`, `models = [model]`): needing one needs all."""
    groups: dict[str, set[str]] = {}
    for info in infos:
        for statement in info.members:
            if not isinstance(statement, ast.Assign) or not _is_reference(statement.value):
                continue
            names = _target_names(statement.targets) | _base_names(statement.value)
            merged = set(names)
            for name in names:
                merged |= groups.get(name, set())
            for name in merged:
                groups[name] = merged
    return groups


def _is_reference(node: ast.expr) -> bool:
    """An expression that is a name, or holds names as they are (no call, no arithmetic)."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred)):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_reference(element) for element in node.elts)
    return False


def _with_aliases(names: set[str], aliases: dict[str, set[str]]) -> set[str]:
    if not aliases:
        return names
    found = set(names)
    for name in names:
        found |= aliases.get(name, set())
    return found


_ANY_COMPILE = re.compile(r"\.\s*compile\s*\(")
_REGEX_COMPILE = re.compile(r"(?<![\w.])(?:re|regex)\s*\.\s*compile\s*\(")


def _calls_model_compile(text: str) -> bool:
    """A `.compile(` call other than `re.compile(` (a cheap text test, conservative)."""
    return len(_ANY_COMPILE.findall(text)) > len(_REGEX_COMPILE.findall(text))


def _reads(members: list[ast.stmt], lines: list[str], words: set[str]) -> set[str]:
    """Names a statement group reads: an assignment's targets are not reads (their subscripts are)."""
    statement = members[0] if len(members) == 1 else None
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
        return words
    value = statement.value
    segment = _segment(lines, value)
    if segment is None:
        return words
    reads = set(_WORD.findall(segment))
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, (ast.Subscript, ast.Attribute)):
                reads |= {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name)}
    return reads


def _segment(lines: list[str], node: ast.expr) -> str | None:
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None or end_line > len(lines):
        return None
    # ast columns are UTF-8 byte offsets.
    first = lines[node.lineno - 1].encode("utf-8", "surrogatepass")
    if node.lineno == end_line:
        return first[node.col_offset : end_col].decode("utf-8", "replace")
    last = lines[end_line - 1].encode("utf-8", "surrogatepass")
    middle = "".join(lines[node.lineno : end_line - 1])
    return first[node.col_offset :].decode("utf-8", "replace") + middle + last[:end_col].decode("utf-8", "replace")


_TRAINING_METHODS = catalogue.TRAINING_METHODS
# Calls whose result says what labels are, and methods keeping them: the evaluator's own tables.
_LABEL_WORDS = catalogue.LABEL_MAKERS | catalogue.LABEL_KEEPING_METHODS | catalogue.LABEL_KEEPING_ATTRIBUTES


def _training_call_names(members: list[ast.stmt]) -> tuple[set[str], set[str]] | None:
    """(model names, label names) a `model.fit(...)` statement reads, or None when it is none."""
    models: set[str] = set()
    labels: set[str] = set()
    found = False
    for statement in members:
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
            continue
        if value.func.attr not in _TRAINING_METHODS:
            continue
        found = True
        models |= _base_names(value.func.value)
        label_args = value.args[1:2] if len(value.args) > 1 else value.args[:1]
        label_args += [
            kw.value for kw in value.keywords
            if kw.arg in ("y", "validation_data") or (kw.arg == "x" and len(value.args) < 2)
        ]
        for argument in label_args:
            labels |= {node.id for node in ast.walk(argument) if isinstance(node, ast.Name)}
        for keyword in value.keywords:
            if keyword.arg == "callbacks":  # the callbacks and what they watch are facts too
                models |= {node.id for node in ast.walk(keyword.value) if isinstance(node, ast.Name)}
    return (models, labels) if found else None


def _reduce_function(
    function: ast.FunctionDef | ast.AsyncFunctionDef, first: int, lines: list[str], label_functions: frozenset[str]
) -> tuple[set[int], set[str]] | None:
    """(ids of body statements not needed, words) of a function whose body keeps only what its
    results depend on; None when the function is kept whole."""
    body_start = function.body[0].lineno
    if body_start <= function.lineno or any(
        isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for statement in function.body
    ):
        return None  # one-line or nested definitions: keep whole
    inner = _select(function.body, lines, in_function=True, label_functions=label_functions)
    if not inner.kept_any:
        return None
    words = set(_WORD.findall("".join(lines[first - 1 : body_start - 1]))) | inner.words
    return inner.dropped, words


def _stores(statement: ast.stmt, words: set[str]) -> set[str]:
    """Names the statement may bind or change. Compound statements: every word (conservative)."""
    if isinstance(statement, ast.Assign):
        stored = _target_names(statement.targets)
        if isinstance(statement.value, ast.Call) and isinstance(statement.value.func, ast.Name):
            stored |= _argument_names(statement.value)  # a module function may change what it is passed
        return stored
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        return _target_names([statement.target])
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute):
                if func.attr in READ_ONLY_METHODS:
                    return set()
                return _base_names(func.value)
            return _argument_names(value)  # a function may change what it is passed
        return set()
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    if isinstance(statement, (ast.Pass, ast.Return, ast.Break, ast.Continue, ast.Assert, ast.Raise)):
        return set()
    return words


def _target_names(targets: list[ast.expr]) -> set[str]:
    names: set[str] = set()
    for target in targets:
        names |= _base_names(target)
    return names


def _base_names(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        return _base_names(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        names: set[str] = set()
        for element in node.elts:
            names |= _base_names(element)
        return names
    return set()


def _argument_names(call: ast.Call) -> set[str]:
    names: set[str] = set()
    for argument in (*call.args, *(keyword.value for keyword in call.keywords)):
        if isinstance(argument, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred)):
            names |= _base_names(argument)
    return names
