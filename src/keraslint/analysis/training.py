"""Facts about training a compiled model: its fit() calls (callbacks, validation, the reads of the
returned history) and the keys the model logs on each Keras line (keras-semantics section 6.11).

Built once per compile() from the evaluator's raw records; anything not established is None.
"""

from __future__ import annotations

import ast
import bisect
import functools
import string
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from keraslint import catalogue
from keraslint import source as text
from keraslint.analysis.records import (
    CallbackFact,
    HistoryRead,
    LoggedKeys,
    LoggedMetric,
    Output,
    TrainingCall,
)
from keraslint.analysis.statements import (
    TRY_TYPES, assigned_targets, child_blocks, handler_catches, names_in, spans_a_line,
)
from keraslint.analysis.values import CallV, Const, DictV, FuncV, Ref, Seq, Value
from keraslint.immutable import replace
from keraslint.versions import ALL_VERSION_LINES, VersionLine

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.analysis.keras_semantics import RawCompile

# A fit() call as the evaluator records it (RawCompile.training): (method, call node, args, kwargs, has_star).
FitRecord = tuple[str, ast.Call, Sequence[Value], dict[str, Value], bool]

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
_CALLBACKS = "keras.callbacks."
_METRICS = "keras.metrics."
# Positional index of `monitor` and of ModelCheckpoint's filepath / save_best_only.
_MONITOR_POSITION = {"EarlyStopping": 0, "ModelCheckpoint": 1, "ReduceLROnPlateau": 0}
# Positional index of `callbacks` and the last positional index that is not validation.
_FIT_POSITIONS = {"fit": (5, 5), "fit_generator": (4, 4)}
_KERAS2_LINES = frozenset({L2, L3, L4})


# --- fit() calls -------------------------------------------------------------------------------


def training_calls(raws: Iterable[FitRecord], module: ast.Module | None,
                   read_lines: frozenset[int] = frozenset(),
                   fit_lines: frozenset[int] = frozenset(), source: str = "") -> tuple[TrainingCall, ...]:
    """TrainingCall records of the evaluator's raw fit() calls, once per call node (the history reads
    of the module are found once, on the first fit() of the file). `fit_lines`: the lines of every
    fit() call of the file the evaluator recorded (the same for each compile() of the file)."""
    calls: list[TrainingCall] = []
    seen: set[int] = set()
    reads: dict[int, tuple[HistoryRead, ...]] | None = None
    for method, node, args, kwargs, has_star in raws:
        if id(node) in seen or _blank_fit(node):
            continue
        seen.add(id(node))
        if reads is None:
            reads = history_reads(module, read_lines, fit_lines, source) if module is not None and read_lines else {}
        callbacks_position, last_plain = _FIT_POSITIONS.get(method, (None, -1))
        calls.append(
            TrainingCall(
                method,
                _validation(args, kwargs, has_star, last_plain),
                _callbacks(args, kwargs, has_star, callbacks_position),
                reads.get(id(node), ()),
                node,
                _may_set_rate(_given_callbacks(args, kwargs, callbacks_position), has_star, module),
            )
        )
    return tuple(calls)


def _blank_fit(node: ast.Call) -> bool:
    """`fit()` without data (an exercise's blank, `fit(epochs=5)`): it trains nothing and fails, so
    it says nothing about the keys a history would hold."""
    if node.args:
        return False
    return not any(keyword.arg in (None, "x", "generator") for keyword in node.keywords)


def _validation(args: Sequence[Value], kwargs: dict[str, Value], has_star: bool, last_plain: int) -> bool | None:
    """Whether fit() validates (so that val_ keys are logged); None when not established."""
    if has_star or len(args) > last_plain + 1:
        return None
    data = kwargs.get("validation_data")
    split = kwargs.get("validation_split")
    if data is not None and not (isinstance(data, Const) and data.value is None):
        return True
    if split is not None:
        if isinstance(split, Const) and isinstance(split.value, (int, float)) and not isinstance(split.value, bool):
            return split.value > 0
        return None
    return False


def _callbacks(
    args: Sequence[Value], kwargs: dict[str, Value], has_star: bool, position: int | None
) -> tuple[CallbackFact, ...] | None:
    if has_star:
        return None
    given = _given_callbacks(args, kwargs, position)
    if given is None or (isinstance(given, Const) and given.value is None):
        return ()
    if not isinstance(given, Seq):
        return None
    facts: list[CallbackFact] = []
    for item in given.items:
        fact = callback_fact(item)
        if fact is None:
            return None  # a callback of the project's own may write keys into the logs
        facts.append(fact)
    return tuple(facts)


def _given_callbacks(args: Sequence[Value], kwargs: dict[str, Value], position: int | None) -> Value | None:
    given = kwargs.get("callbacks")
    if given is None and position is not None and len(args) > position:
        given = args[position]
    return given


def _may_set_rate(given: Value | None, has_star: bool, module: ast.Module | None) -> bool:
    """Whether a callback of fit() may set the learning rate each epoch whatever the optimizer was
    given: a LearningRateScheduler of the epoch alone, a callback list not established, or a callback
    other than a class of the module whose code never touches a learning rate."""
    if has_star:
        return True
    if given is None or (isinstance(given, Const) and given.value is None):
        return False
    if not isinstance(given, Seq):
        return True
    nodes = given.item_nodes or (None,) * len(given.items)
    for item, node in zip(given.items, nodes):
        fact = callback_fact(item)
        if fact is not None:
            if fact.sets_rate:
                return True
        elif not _leaves_rate(node, module):
            return True
    return False


_RATE_WORDS = frozenset({"lr", "learning_rate", "_learning_rate", "set_value", "assign"})


def _leaves_rate(node: ast.AST | None, module: ast.Module | None) -> bool:
    """`MyLogger()` of a class of the module whose code names no learning rate (`optimizer.lr`,
    `set_value`): it cannot set one."""
    if module is None or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return False
    classes = [statement for statement in module.body
               if isinstance(statement, ast.ClassDef) and statement.name == node.func.id]
    if len(classes) != 1:
        return False
    for inner in ast.walk(classes[0]):
        word = inner.attr if isinstance(inner, ast.Attribute) else inner.id if isinstance(inner, ast.Name) else None
        if word in _RATE_WORDS:
            return False
    return True


def callback_fact(value: Value) -> CallbackFact | None:
    """A Keras callback object; None for anything else (a callback class of the project's own)."""
    if not isinstance(value, CallV) or not value.callee.startswith(_CALLBACKS):
        return None
    kind = value.callee[len(_CALLBACKS) :]
    adds = tuple(sorted(catalogue.CALLBACK_ADDED_KEYS.get(kind, {}).items()))
    if kind not in catalogue.MONITOR_CALLBACKS:
        if kind in catalogue.OTHER_KERAS_CALLBACKS:
            sets_rate = kind == "LearningRateScheduler" and not _schedule_reads_rate(value)
            return CallbackFact(kind, None, False, None, None, (), adds, value.node, sets_rate=sets_rate)
        return None  # LambdaCallback and others may write into the logs
    if value.has_star:
        return CallbackFact(kind, None, True, None, None, None, adds, value.node)
    position = _MONITOR_POSITION[kind]
    monitor_value = _param(value, position, "monitor")
    monitor_node = value.arg_node(position, "monitor")
    monitor: str | None
    if monitor_value is None:
        monitor, given = catalogue.MONITOR_CALLBACKS[kind], False
    else:
        text = monitor_value.value if isinstance(monitor_value, Const) else None
        monitor, given = (text if isinstance(text, str) else None), True
    mode_value = value.kwarg("mode")
    mode = mode_value.value if isinstance(mode_value, Const) and isinstance(mode_value.value, str) else None
    save_best_only: bool | None = None
    path_fields: tuple[str, ...] | None = ()
    path_node = None
    path = None
    if kind == "ModelCheckpoint":
        best = _param(value, 3, "save_best_only")
        if best is None:
            save_best_only = False
        elif isinstance(best, Const):
            save_best_only = bool(best.value)  # Keras tests it for truth: 'True' and 1 count
        path_node = value.arg_node(0, "filepath")
        path_value = _param(value, 0, "filepath")
        path_fields = _path_fields(path_value, path_node)
        if isinstance(path_value, Const) and isinstance(path_value.value, str):
            path = path_value.value
    return CallbackFact(kind, monitor, given, mode, save_best_only, path_fields, adds, value.node,
                        monitor_node, path_node, path)


def _schedule_reads_rate(scheduler: CallV) -> bool:
    """Whether a LearningRateScheduler's schedule is shown to read the current learning rate (its
    second parameter, `lambda epoch, lr: lr * 0.9`): then the optimizer's own rate is where it
    starts. A schedule of the epoch alone, or one not seen, sets the rate whatever it was."""
    node = scheduler.arg_node(0, "schedule")
    given = _param(scheduler, 0, "schedule")
    function: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None = None
    if isinstance(node, ast.Lambda):
        function = node
    elif isinstance(given, FuncV):
        function = given.node
    if function is None:
        return False
    parameters = [*function.args.posonlyargs, *function.args.args]
    if len(parameters) < 2 and function.args.vararg is None:
        return False  # Keras calls schedule(epoch) when it takes one argument
    rate = parameters[1].arg if len(parameters) >= 2 else None
    body: list[ast.AST] = [function.body] if isinstance(function, ast.Lambda) else list(function.body)
    return rate is None or any(
        isinstance(inner, ast.Name) and inner.id == rate for part in body for inner in ast.walk(part)
    )


def _param(call: CallV, position: int, keyword: str) -> Value | None:
    given = call.kwarg(keyword)
    if given is None and position < len(call.args):
        given = call.args[position]
    return given


def _path_fields(value: Value | None, node: ast.AST | None) -> tuple[str, ...] | None:
    """The `{field}` names a checkpoint path formats with the logs, when the path is established:
    a string constant, or an expression whose literal parts are all there is to format (an
    f-string, `folder + "/w-{val_loss:.2f}.h5"`, `os.path.join(...)`)."""
    if value is None:
        return None
    if isinstance(value, Const):
        return _format_fields(value.value) if isinstance(value.value, str) else None
    if node is None:
        return None
    pieces: list[str] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "format":
            return None  # the braces are formatted away before Keras sees them
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mod):
            return None
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            pieces.append(inner.value)
    if not pieces:
        return None
    fields: list[str] = []
    for piece in pieces:
        found = _format_fields(piece)
        if found is None:
            return None
        fields.extend(found)
    return tuple(fields)


def _format_fields(text: str) -> tuple[str, ...] | None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    fields = []
    for _literal, field, _spec, _conversion in parsed:
        if field is None:
            continue
        if not field or field[0].isdigit():
            return None  # positional fields: not the logs
        fields.append(field.split(".")[0].split("[")[0])
    return tuple(fields)


# --- history.history["key"] reads ---------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def history_reads(
    module: ast.Module, read_lines: frozenset[int], fit_lines: frozenset[int], source: str = ""
) -> dict[int, tuple[HistoryRead, ...]]:
    """For each `name = model.fit(...)` (or `name = train(...)` of a module function returning a fit()
    result): the `name.history["key"]` reads that follow it in the same scope, in source order, up to
    the next binding of the name. Keyed by id() of the fit() call node. Computed once per module.
    `read_lines`: the source lines holding `history[` (a text test); the other statements are only
    checked for what they bind. `fit_lines`: the lines of the fit() calls whose reads are asked for.
    Only the scopes holding one of those (or a line naming a function that returns a fit() result)
    are walked, each from the first such line to the last line that reads a history or may call a
    helper that does (`source`: the text of the module, to find those lines; without it every
    statement is checked for such calls, and returned results are not followed)."""
    found: dict[int, list[HistoryRead]] = {}
    if not read_lines or not fit_lines:
        return {}  # no line holds `history[`: nothing is read
    guarded = _guarded_reads(module.body, read_lines)
    readers = _history_readers(module, read_lines, guarded)
    returners = _fit_returners(module, fit_lines)
    starts = _start_lines(fit_lines, returners, source)
    call_lines: frozenset[int] | None = frozenset()  # lines that may call a reader (None: any line)
    if readers:
        call_lines = frozenset().union(*(text.lines_holding(source, name) for name in readers)) if source else None
    last_read = max(read_lines | call_lines) if call_lines is not None else None
    scopes: list[Sequence[ast.stmt]] = []
    _scopes_holding(module.body, starts, scopes)
    for body in scopes:
        if not readers and body is not module.body and not spans_a_line(body, read_lines):
            continue  # nothing is read in this function
        current: dict[str, int] = {}  # name -> id of the fit() call it holds
        first = min(line for line in starts if line >= body[0].lineno)
        # no read follows, or the scope has ended (what follows an exit never runs)
        stop = _exit_line(body, first, last_read)
        for statement in _in_order(_from_line(body, first)):
            if stop is not None and statement.lineno > stop:
                break
            calls_reader = call_lines is None or (bool(call_lines) and _spans(statement, call_lines))
            fit = _fit_assignment(statement, returners) or _bare_fit(statement)
            if fit is None and (not current or (
                statement.__class__ is ast.Expr and not calls_reader and not _spans(statement, read_lines)
            )):
                continue  # nothing to read yet, or an expression statement that neither reads nor calls a reader
            if _spans(statement, read_lines):
                subscripts, stores = _reads_and_stores(statement)
            else:
                subscripts, stores = [], _bound_directly(statement)
            if calls_reader:
                subscripts += _passed_reads(statement, readers)
            for name, read in subscripts:
                if name in current:
                    found[current[name]].append(read)
            _rebind(current, stores, fit, found)
    return {key: tuple(read for read in reads if id(read.node) not in guarded) for key, reads in found.items()}


# Handlers under which a KeyError is caught: a read inside their `try` cannot fail the program.
_KEY_ERROR_CATCHERS = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})


def _guarded_reads(body: Sequence[ast.stmt], read_lines: frozenset[int]) -> frozenset[int]:
    """The key nodes of `name.history["key"]` reads that code written for several Keras versions
    guards: under an `if` (or conditional expression) testing which keys `name.history` holds
    (`'acc' in h.history`), after `if 'acc' not in h.history: return`, or in a `try` whose handler
    catches the KeyError. Which branch runs depends on the version: such a read is not a finding.
    Only the blocks and statements holding one of `read_lines` are visited."""
    guarded: set[int] = set()
    _guard_block(body, read_lines, guarded)
    return frozenset(guarded)


def _guard_block(block: Sequence[ast.stmt], read_lines: frozenset[int], guarded: set[int]) -> None:
    _guarded_after_exits(block, guarded)
    for statement in _covering(block, read_lines):
        if isinstance(statement, (ast.If, ast.While)):
            names = _tested_histories(statement.test)
            if names:
                guarded.update(_read_keys([statement], names))
        elif isinstance(statement, TRY_TYPES) and any(_catches_key_error(handler) for handler in statement.handlers):
            guarded.update(_read_keys(statement.body, None))
        for child in child_blocks(statement):
            _guard_block(child, read_lines, guarded)


def _guarded_after_exits(block: Sequence[ast.stmt], guarded: set[int]) -> None:
    """`if 'acc' not in h.history: return ...` makes what follows in the block conditional too."""
    for index, statement in enumerate(block):
        if isinstance(statement, ast.If) and statement.body and isinstance(statement.body[-1], _EXITS):
            names = _tested_histories(statement.test)
            if names:
                guarded.update(_read_keys(block[index + 1 :], names))


_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _tested_histories(test: ast.expr) -> set[str]:
    """The names whose `.history` (or `.history.keys()`) a test checks for a key (`in` / `not in`)."""
    names: set[str] = set()
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            continue
        for operand in node.comparators:
            if isinstance(operand, ast.Call) and isinstance(operand.func, ast.Attribute) and not operand.args:
                operand = operand.func.value if operand.func.attr == "keys" else operand
            if isinstance(operand, ast.Attribute) and operand.attr == "history":
                owner = _history_owner(operand.value)
                if owner is not None:
                    names.add(owner)
    return names


def _catches_key_error(handler: ast.ExceptHandler) -> bool:
    return handler_catches(handler, _KEY_ERROR_CATCHERS)


def _read_keys(roots: Sequence[ast.AST], names: set[str] | None) -> Iterable[int]:
    """The ids of the key nodes of history reads inside `roots` (of `names` only, unless None)."""
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Subscript):
                read = _history_read(node)
                if read is not None and (names is None or read[0] in names):
                    yield id(read[1].node)


def _scopes_holding(body: Sequence[ast.stmt], lines: frozenset[int], scopes: list[Sequence[ast.stmt]]) -> None:
    """`body` (a scope) and the function and class bodies nested in it that cover one of `lines`."""
    if not spans_a_line(body, lines):
        return
    scopes.append(body)
    _nested_holding(body, lines, scopes)


def _nested_holding(body: Sequence[ast.stmt], lines: frozenset[int], scopes: list[Sequence[ast.stmt]]) -> None:
    for statement in _covering(body, lines):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            _scopes_holding(statement.body, lines, scopes)
        else:
            for child in child_blocks(statement):
                _nested_holding(child, lines, scopes)


def _covering(body: Sequence[ast.stmt], lines: frozenset[int]) -> list[ast.stmt]:
    """The statements of `body` that cover one of `lines` (a few fit() lines), in order: found by
    bisection on the statements' first lines."""
    starts = [statement.lineno for statement in body]
    picked: list[ast.stmt] = []
    for line in sorted(lines):
        index = bisect.bisect_right(starts, line) - 1
        if index >= 0 and (body[index].end_lineno or body[index].lineno) >= line:
            if not picked or picked[-1] is not body[index]:
                picked.append(body[index])
    return picked


def _from_line(body: Sequence[ast.stmt], line: int) -> Sequence[ast.stmt]:
    """The statements of `body` from the one ending on or after `line`."""
    for index, statement in enumerate(body):
        if (statement.end_lineno or statement.lineno) >= line:
            return body[index:]
    return ()


class _Reader(NamedTuple):
    """A module-level function that reads `param.history["key"]`: its parameters, and the reads per parameter."""

    parameters: list[str]
    reads: dict[str, list[HistoryRead]]
    # history parameter -> reads whose key is built from another parameter: (prefix, that parameter, suffix)
    templated: dict[str, list["_Template"]]


def _history_readers(module: ast.Module, read_lines: frozenset[int], guarded: frozenset[int]) -> dict[str, _Reader]:
    """Module-level functions that read the history of a parameter they never rebind
    (`def plot(h): plt.plot(h.history["acc"])`): a call passing a fit() result reads its keys."""
    readers: dict[str, _Reader] = {}
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and spans_a_line(statement, read_lines):
            reader = _reader_of(statement, read_lines, guarded)
            if reader is not None:
                readers[statement.name] = reader
    return readers


_Template = tuple[str, str, str]  # (prefix, key parameter, suffix) of a key built from a parameter


def _reader_of(
    function: ast.FunctionDef | ast.AsyncFunctionDef, read_lines: frozenset[int], guarded: frozenset[int]
) -> _Reader | None:
    arguments = function.args
    parameters = [param.arg for param in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    found: list[tuple[str, HistoryRead]] = []
    templates: list[tuple[str, _Template]] = []
    for subscript in _subscripts_within(function.body, read_lines):
        constant = _history_read(subscript)
        if constant is not None:
            if constant[0] in parameters:
                found.append(constant)
            continue
        template = _templated_read(subscript, parameters)
        if template is not None:
            templates.append(template)
    if not found and not templates:
        return None  # no read of a parameter's history (a `main()`): no walk for what it rebinds
    rebound, in_expressions, tests_keys = _scan_helper(function)
    reads: dict[str, list[HistoryRead]] = {}
    for name, read in found:
        if name not in rebound and id(read.node) not in guarded and id(read.node) not in in_expressions:
            reads.setdefault(name, []).append(replace(read, in_helper=True))
    templated: dict[str, list[_Template]] = {}
    if not tests_keys:  # a key that is tested may be guarded: built keys are then left alone
        for name, built in templates:
            if name not in rebound and built[1] not in rebound:
                templated.setdefault(name, []).append(built)
    if not reads and not templated:
        return None
    return _Reader(parameters[: len(arguments.posonlyargs) + len(arguments.args)], reads, templated)


def _scan_helper(function: ast.AST) -> tuple[set[str], set[int], bool]:
    """(names rebound, reads guarded by a conditional expression, whether keys are tested:
    `key in h.history` or a try statement)."""
    rebound: set[str] = set()
    in_expressions: set[int] = set()
    tests_keys = False
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            rebound.add(node.id)
        elif isinstance(node, ast.IfExp):
            in_expressions.update(_guarded_in_expression(node))
        elif isinstance(node, TRY_TYPES) or (
            isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        ):
            tests_keys = True
    return rebound, in_expressions, tests_keys


def _templated_read(node: ast.Subscript, parameters: list[str]) -> tuple[str, _Template] | None:
    """(history parameter, (prefix, key parameter, suffix)) for `h.history[key]`, `h.history['val_' + key]`
    or `h.history[f"val_{key}"]`, where `key` is another parameter of the function."""
    value = node.value
    if not (
        isinstance(node.ctx, ast.Load) and isinstance(value, ast.Attribute) and value.attr == "history"
        and isinstance(value.value, ast.Name) and value.value.id in parameters
    ):
        return None
    parts = _string_parts(node.slice)
    if parts is None:
        return None
    names = [index for index, part in enumerate(parts) if isinstance(part, ast.Name)]
    if len(names) != 1:
        return None
    key = parts[names[0]]
    assert isinstance(key, ast.Name)
    if key.id not in parameters or key.id == value.value.id:
        return None
    text = [part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "" for part in parts]
    return value.value.id, ("".join(text[: names[0]]), key.id, "".join(text[names[0] + 1 :]))


def _string_parts(node: ast.expr) -> list[ast.expr] | None:
    """The pieces of a string built by `+` or an f-string: string constants and names; None otherwise."""
    if isinstance(node, ast.Name) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [node]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_parts(node.left), _string_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.conversion != -1 or value.format_spec is not None or not isinstance(value.value, ast.Name):
                    return None
                parts.append(value.value)
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value)
            else:
                return None
        return parts
    return None


def _passed_reads(statement: ast.stmt, readers: dict[str, _Reader]) -> list[tuple[str, HistoryRead]]:
    """(name passed, read) for `reader(history)` / `x = reader(h=history)` statements."""
    value = statement.value if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name) or value.func.id not in readers:
        return []
    reader = readers[value.func.id]
    given: dict[str, ast.expr] = {}  # parameter -> argument
    for parameter, argument in zip(reader.parameters, value.args):
        if isinstance(argument, ast.Starred):
            break
        given[parameter] = argument
    for keyword in value.keywords:
        if keyword.arg is not None:
            given[keyword.arg] = keyword.value
    found: list[tuple[str, HistoryRead]] = []
    for parameter, argument in given.items():
        if not isinstance(argument, ast.Name):
            continue
        found.extend((argument.id, read) for read in reader.reads.get(parameter, ()))
        for prefix, key_parameter, suffix in reader.templated.get(parameter, ()):
            key = given.get(key_parameter)
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                # reported at the key passed: `plot_graphs(history, "acc")`
                read = HistoryRead(prefix + key.value + suffix, key, in_helper=True, receiver=parameter)
                found.append((argument.id, read))
    return found


def _in_order(statements: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements of a scope in source order, compound ones before their bodies; nested
    functions and classes are scopes of their own (left out)."""
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield statement
        for child in child_blocks(statement):
            yield from _in_order(child)


_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _own_nodes(statement: ast.stmt) -> Iterable[ast.AST]:
    """The nodes of a statement outside its nested statement blocks (those are visited on their own)."""
    stack: list[ast.AST] = []
    for field in statement._fields:
        if field not in _BLOCK_FIELDS:
            value = getattr(statement, field, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    yield statement
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.AST):
            continue  # a name list (global, match class keywords): no nodes
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(value)


def _reads_and_stores(statement: ast.stmt) -> tuple[list[tuple[str, HistoryRead]], set[str]]:
    """(`name.history["key"]` reads, names bound) of a statement outside its nested blocks."""
    reads: list[tuple[str, HistoryRead]] = []
    stores: set[str] = set()
    guarded: set[int] = set()
    for node in _own_nodes(statement):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                stores.add(node.id)
        elif isinstance(node, ast.Subscript):
            read = _history_read(node)
            if read is not None:
                reads.append(read)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stores.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.IfExp):
            guarded.update(_guarded_in_expression(node))
    if guarded:
        reads = [(name, read) for name, read in reads if id(read.node) not in guarded]
    return reads, stores


_EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit"})


def _exit_line(body: Sequence[ast.stmt], first: int, last: int | None) -> int | None:
    """The line after which no statement of the scope matters: the last read (`last`, None: any), or
    before it the first statement of the scope itself, from line `first` on, after which nothing
    runs: `raise`, `return`, `sys.exit()` (a script stopped before its plots)."""
    for statement in body:
        if statement.lineno < first:
            continue
        if last is not None and statement.lineno > last:
            break
        kind = statement.__class__
        if kind is ast.Raise or kind is ast.Return:
            return statement.lineno
        if kind is ast.Expr and _calls_exit(statement.value):  # type: ignore[attr-defined]
            return statement.lineno
    return last


def _calls_exit(value: ast.expr) -> bool:
    """`sys.exit(...)`, `exit()`, `quit()`, `os._exit(...)`."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return func.id in _EXIT_CALLS
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
        f"{func.value.id}.{func.attr}" in _EXIT_CALLS
    )


def _subscripts_within(block: Sequence[ast.stmt], read_lines: frozenset[int]) -> Iterable[ast.Subscript]:
    """The subscripts of a block, visiting only the statements holding a history read line."""
    for statement in _covering(block, read_lines):
        for node in _own_nodes(statement):
            if isinstance(node, ast.Subscript):
                yield node
        for child in child_blocks(statement):
            yield from _subscripts_within(child, read_lines)


def _guarded_in_expression(node: ast.IfExp) -> Iterable[int]:
    """`h.history['acc'] if 'acc' in h.history else h.history['accuracy']`: both reads are guarded."""
    names = _tested_histories(node.test)
    return _read_keys([node], names) if names else ()


def _history_read(node: ast.Subscript) -> tuple[str, HistoryRead] | None:
    """(name, read) for `name.history["key"]`, and for `model.history.history["key"]` (name
    "model.history": the History a model keeps from its last fit())."""
    value = node.value
    if (
        isinstance(node.ctx, ast.Load)
        and isinstance(value, ast.Attribute)
        and value.attr == "history"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        owner = _history_owner(value.value)
        if owner is not None:
            return owner, HistoryRead(node.slice.value, node.slice, receiver=owner)
    return None


_MODEL_HISTORY = ".history"


def _rebind(current: dict[str, int], stores: Iterable[str], fit: tuple[str, ast.Call] | None,
            found: dict[int, list[HistoryRead]]) -> None:
    """After a statement: the names it rebinds no longer hold a fit() result; a fit() it makes does
    (and the model keeps its last History: `model.history.history["acc"]`)."""
    for name in stores:
        current.pop(name, None)
        current.pop(name + _MODEL_HISTORY, None)
    if fit is not None:
        name, call = fit
        current[name] = id(call)
        owner = _fit_owner(call)
        if owner is not None:
            current[owner + _MODEL_HISTORY] = id(call)
        found.setdefault(id(call), [])


def _history_owner(node: ast.expr) -> str | None:
    """`h` for `h.history`; `model.history` for `model.history.history`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and node.attr == "history" and isinstance(node.value, ast.Name):
        return node.value.id + _MODEL_HISTORY
    return None


def _bare_fit(statement: ast.stmt) -> tuple[str, ast.Call] | None:
    """`model.fit(...)` as a statement: its History is read as `model.history`."""
    if statement.__class__ is not ast.Expr:
        return None
    call = statement.value
    if not isinstance(call, ast.Call):
        return None
    owner = _fit_owner(call)
    return None if owner is None else (owner + _MODEL_HISTORY, call)


def _fit_owner(call: ast.Call) -> str | None:
    """The model name of `model.fit(...)`."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in catalogue.FIT_METHODS and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _spans(statement: ast.stmt, lines: frozenset[int]) -> bool:
    end = statement.end_lineno or statement.lineno
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)):
        end = statement.body[0].lineno  # the header only: the body's statements are visited on their own
    start = statement.lineno
    if end == start:
        return start in lines  # one line: most statements
    for line in range(start, end + 1):
        if line in lines:
            return True
    return False


def _bound_directly(statement: ast.stmt) -> set[str]:
    """The names a statement binds by its targets (assignments, loops, with, del, imports)."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    return names_in(assigned_targets(statement))


class _Returned(NamedTuple):
    """A module-level function that returns the result of one of its fit() calls: at `position` of
    the tuple it returns (`return model, history`; None: the result itself), of `size` elements."""

    call: ast.Call
    position: int | None
    size: int


def _fit_assignment(
    statement: ast.stmt, returners: dict[str, _Returned] | None = None
) -> tuple[str, ast.Call] | None:
    """(name, fit() call) when the statement binds a fit() result to a name: `h = model.fit(...)`,
    or `h = train(...)` / `model, h = train(...)` of a function returning one."""
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)):
        return None
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    value = statement.value
    if len(targets) != 1 or not isinstance(value, ast.Call):
        return None
    target, func = targets[0], value.func
    returned = returners.get(_called_name(func)) if returners else None  # first: a method named fit
    if returned is None:
        if isinstance(func, ast.Attribute) and func.attr in catalogue.FIT_METHODS:
            return (target.id, value) if isinstance(target, ast.Name) else None
        return None
    if returned.position is None:
        return (target.id, returned.call) if isinstance(target, ast.Name) else None
    if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == returned.size:
        element = target.elts[returned.position]
        if isinstance(element, ast.Name):
            return element.id, returned.call
    return None


def _called_name(func: ast.expr) -> str:
    """`train` for `train(...)`, `self.train` for `self.train(...)` (the keys of _fit_returners)."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return f"self.{func.attr}"
    return ""


def _fit_returners(module: ast.Module, fit_lines: frozenset[int]) -> dict[str, _Returned]:
    """Module-level functions holding a fit() line whose one `return` gives that fit()'s result
    (`return model.fit(...)`, or a name the function binds once to it, alone or in a tuple)."""
    returners: dict[str, _Returned] = {}
    for statement in module.body:
        if not spans_a_line(statement, fit_lines):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            returned = _returned_fit(statement)
            if returned is not None:
                returners[statement.name] = returned
        elif isinstance(statement, ast.ClassDef):  # a method called as `self.train(...)` in its class
            for method in statement.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and spans_a_line(method, fit_lines):
                    returned = _returned_fit(method)
                    if returned is not None:
                        returners[f"self.{method.name}"] = returned
    return returners


def _start_lines(fit_lines: frozenset[int], returners: dict[str, _Returned], source: str) -> frozenset[int]:
    """The lines where a name may first hold a fit() result: the fit() lines, and the lines naming a
    function that returns one (a text test)."""
    if not returners or not source:
        return fit_lines
    return fit_lines.union(*(text.lines_holding(source, name) for name in returners))


def _returned_fit(function: ast.FunctionDef | ast.AsyncFunctionDef) -> _Returned | None:
    returns: list[ast.Return] = []
    bindings: dict[str, list[ast.stmt]] = {}
    for statement in _in_order(function.body):
        if isinstance(statement, ast.Return):
            returns.append(statement)
        for name in _bound_directly(statement):
            bindings.setdefault(name, []).append(statement)
    if len(returns) != 1 or returns[0].value is None:
        return None
    value = returns[0].value
    elements = value.elts if isinstance(value, ast.Tuple) else [value]
    for position, element in enumerate(elements):
        call = _fit_result(element, bindings)
        if call is not None:
            return _Returned(call, position if isinstance(value, ast.Tuple) else None, len(elements))
    return None


def _fit_result(value: ast.expr, bindings: dict[str, list[ast.stmt]]) -> ast.Call | None:
    """The fit() call whose result `value` is: the call itself, or a name bound once, to it."""
    if isinstance(value, ast.Name):
        bound = bindings.get(value.id, [])
        fit = _fit_assignment(bound[0]) if len(bound) == 1 else None
        return fit[1] if fit is not None and fit[0] == value.id else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return value if value.func.attr in catalogue.FIT_METHODS else None
    return None


# --- the keys a compiled model logs ---------------------------------------------------------------


def logged_keys(raw: RawCompile, tf_api: bool) -> LoggedKeys | None:
    """The keys the model of this compile() logs, per line; None when its metrics or output names
    are not established. `tf_api`: the file uses tf.keras, whose Keras 2.3-era line also covers
    TensorFlow 1.x (which logs 'acc' for 'accuracy': LoggedMetric.tf1_keys)."""
    if raw.double_star or getattr(raw.model, "custom_training", False):
        return None
    prefixes = _prefixes(raw)
    if prefixes is None:
        return None
    entries: list[tuple[Value, bool, frozenset[VersionLine]]] = []
    keywords = raw.keywords
    for keyword, weighted in (("metrics", False), ("weighted_metrics", True)):
        if keyword in keywords:
            entries.append((keywords[keyword][0], weighted, ALL_VERSION_LINES))
    positional = raw.positional
    if "metrics" not in keywords:
        if len(positional) > 2:
            entries.append((positional[2][0], False, frozenset(ALL_VERSION_LINES - {L5})))
        if len(positional) > 3:
            entries.append((positional[3][0], False, frozenset({L5})))
    metrics: list[LoggedMetric] = []
    lines = set(ALL_VERSION_LINES)
    for value, weighted, applies in entries:
        elements = _elements(value)
        if elements is None:
            return None
        for element in elements:
            metric = _logged_metric(element, weighted, applies, tf_api)
            if metric is None:
                return None
            lines &= {line for line, _ in metric.keys}
            metrics.append(metric)
    return LoggedKeys(tuple(metrics), prefixes, frozenset(lines))


def _prefixes(raw: RawCompile) -> tuple[str, ...] | None:
    outputs = raw.model.outputs
    if outputs is None:
        # a model the facts cannot see: one output, unless the compile() itself shows several
        return None if _per_output_arguments(raw) else ("",)
    names: set[str] = set()
    keys = raw.model.output_keys
    for index, output in enumerate(outputs):
        if not isinstance(output, Output) or output.name is None:
            return None  # an unnamed output layer: Keras names it (dense_3, ...)
        names.add(output.name)
        if keys is not None:
            if not isinstance(keys[index], str):
                return None
            names.add(keys[index])
    return ("", *sorted(f"{name}_" for name in names))


def _per_output_arguments(raw: RawCompile) -> bool:
    """A loss or loss_weights given per output (a dict, or a list of several): the model has several
    outputs, whose names prefix the keys."""
    for keyword, position in (("loss", 1), ("loss_weights", None)):  # loss_weights' position differs in Keras 3
        found = raw.keywords.get(keyword)
        if found is None and position is not None and len(raw.positional) > position:
            found = raw.positional[position]
        value = found[0] if found is not None else None
        if isinstance(value, DictV) or (isinstance(value, Seq) and len(value.items) > 1):
            return True
    return False


def _elements(value: Value) -> list[Value] | None:
    """The metric values inside a metrics argument (lists, per-output lists and dicts)."""
    if isinstance(value, Const) and value.value is None:
        return []
    if isinstance(value, Seq):
        items: list[Value] = []
        for item in value.items:
            if isinstance(item, (Seq, DictV)) or (isinstance(item, Const) and item.value is None):
                inner = _elements(item)
                if inner is None:
                    return None
                items.extend(inner)
            else:
                items.append(item)
        return items
    if isinstance(value, DictV):
        items = []
        for _key, item in value.items:
            inner = _elements(item) if isinstance(item, (Seq, DictV)) else [item]
            if inner is None:
                return None
            items.extend(inner)
        return items
    return [value]


def _logged_metric(value: Value, weighted: bool, applies: frozenset[VersionLine], tf_api: bool) -> LoggedMetric | None:
    found = _metric_keys(value)
    if found is None:
        return None
    shown, keys, numbered = found
    per_line: list[tuple[VersionLine, frozenset[str]]] = []
    for line in sorted(ALL_VERSION_LINES):
        if line not in applies:
            per_line.append((line, frozenset()))  # not a metric on this line
        elif line in keys:
            per_line.append((line, keys[line]))
    tf1_keys = _tf1_keys(value) if tf_api and L2 in applies and L2 in keys else frozenset()
    return LoggedMetric(shown, tuple(per_line), weighted, numbered, tf1_keys)


def _tf1_keys(value: Value) -> frozenset[str]:
    """What TensorFlow 1.x's tf.keras (within L2) logs besides TF 2.0-2.1's key: 'acc' for
    'accuracy' / 'acc', and a metric function's name for its string (training_utils
    get_metric_name)."""
    if not (isinstance(value, Const) and isinstance(value.value, str)):
        return frozenset()
    if value.value in catalogue.ACCURACY_STRINGS:
        return frozenset({"acc"})
    if value.value in ("crossentropy", "ce"):
        return frozenset({"ce"})
    function_name = catalogue.L1_METRIC_FUNCTION_NAMES.get(value.value)
    return frozenset() if function_name is None else frozenset({function_name})


def _metric_keys(value: Value) -> tuple[str, dict[VersionLine, frozenset[str]], bool] | None:
    """(as written, {line: keys it may log}, numbered) for one metric; None when not established."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return _string_keys(value.value)
    if isinstance(value, CallV) and value.callee.startswith(_METRICS) and not value.has_star:
        name = value.callee[len(_METRICS) :]
        given = value.kwarg("name")
        if given is not None:
            if not (isinstance(given, Const) and isinstance(given.value, str)):
                return None
            keys = dict.fromkeys(ALL_VERSION_LINES - {L1}, frozenset({given.value}))
            return f"{name}(name={given.value!r})", keys, False
        numbered = name in catalogue.NUMBERED_METRIC_CLASSES
        if name not in catalogue.METRIC_DEFAULT_NAMES or (value.args and not numbered) or len(value.args) > 2:
            return None  # a positional argument may be the name (BinaryAccuracy("acc"))
        keys = _default_keys(name)
        return f"{name}()", keys, numbered
    if isinstance(value, Ref) and value.name.startswith(_METRICS):
        name = value.name[len(_METRICS) :]
        canonical = catalogue.L1_METRIC_FUNCTION_NAMES.get(name)
        if canonical is None:
            return None
        return name, dict.fromkeys(ALL_VERSION_LINES, frozenset({canonical, name})), False
    if isinstance(value, FuncV):
        return value.node.name, dict.fromkeys(ALL_VERSION_LINES, frozenset({value.node.name})), False
    return None


def _default_keys(class_name: str) -> dict[VersionLine, frozenset[str]]:
    default = catalogue.METRIC_DEFAULT_NAMES[class_name]
    keys = dict.fromkeys(_KERAS2_LINES, frozenset({default}))
    keys[L5] = frozenset({catalogue.METRIC_DEFAULT_NAMES_L5.get(class_name, default)})
    return keys


def _string_keys(text: str) -> tuple[str, dict[VersionLine, frozenset[str]], bool]:
    shown = repr(text)
    written = frozenset({text})
    if text in catalogue.ACCURACY_STRINGS:
        # Keras 2.0-2.2 logs 'acc' for both (training.py@2.2.4 L398-400); later lines as written
        # (TensorFlow 1.x's tf.keras on L2 too: _tf1_keys).
        return shown, {L1: frozenset({"acc"}), L2: written, L3: written, L4: written, L5: written}, False
    if text.lower() in catalogue.ACCURACY_STRINGS:
        both = frozenset({text, text.lower()})
        return shown, {L3: both, L4: both, L5: both}, False
    if text in ("crossentropy", "ce"):
        return shown, {L1: frozenset({"ce"}), L2: written, L3: written, L4: written}, False
    if text in catalogue.METRIC_DEFAULT_NAMES:
        # A class name: Keras 2 logs the default name of the object it builds, Keras 3 the string.
        keys = {line: written | names for line, names in _default_keys(text).items()}
        return shown, keys, text in catalogue.NUMBERED_METRIC_CLASSES
    keys = dict.fromkeys(ALL_VERSION_LINES - {L1}, written)
    function_name = catalogue.L1_METRIC_FUNCTION_NAMES.get(text)
    if function_name is not None:
        keys[L1] = frozenset({function_name})  # (TensorFlow 1.x's tf.keras on L2 too: _tf1_keys)
    return shown, keys, False
