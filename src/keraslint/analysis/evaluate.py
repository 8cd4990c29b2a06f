"""One pass over a module's statements (Python's `ast`, the tree flake8 already parsed): binds
names to abstract values, follows models, and records every compile() call with the facts
established at that point. This module holds the Python semantics (scopes, bindings, expressions,
calls of the module's functions, branches, loops); keras_semantics.py holds what Keras names do.

Straight-line code is followed in order; a branch or loop merges what its paths agree on and
turns the rest into UNKNOWN. A model mutated under a branch or loop becomes UNKNOWN.
"""

from __future__ import annotations

import ast
import operator
from typing import Any, Callable, Iterable, Mapping, Sequence

from keraslint import catalogue
from keraslint import source as text
from keraslint.analysis import labels as label_facts
from keraslint.analysis import models
from keraslint.analysis.evidence import VersionEvidence
from keraslint.analysis.names import canonical
from keraslint.analysis.statements import TRY_TYPES, child_blocks, handler_catches, is_main_guard, spans_a_line
from keraslint.analysis.values import (
    UNKNOWN,
    CallV,
    ClassV,
    Const,
    DictV,
    FuncV,
    InstanceV,
    LabelsV,
    MethodV,
    ModelV,
    ObjectClassV,
    OneOfV,
    Ref,
    Seq,
    TensorV,
    Value,
)
from keraslint.analysis.keras_semantics import (
    MAX_CALL_DEPTH,
    Args,
    Function,
    KerasSemantics,
    Kwargs,
    RawCompile,
    fit_target,
    keras_compile_call,
)

_MAX_EXPRESSION_DEPTH = 150
_MAX_FOLLOWED_CALLS = 400
_SEQUENCE_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort", "update"})
_L5_EVIDENCE_PREFIXES = ("keras.ops", "keras.random", "keras.tree")
_L5_ONLY_ROOTS = ("keras.src", "keras_core")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Constants that are facts; bytes, complex numbers and Ellipsis are not.
_CONSTANT_TYPES = (str, int, float, type(None))


class Env:
    def __init__(self, parent: "Env | None" = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.star_module: str | None = None

    def child(self) -> "Env":
        """A scope inside this one."""
        return Env(self)

    def lookup(self, name: str) -> Value:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            if env.star_module is not None and env.parent is None and "." not in name:
                return Ref(*canonical(f"{env.star_module}.{name}"))
            env = env.parent
        if name in _BUILTINS:
            return Ref(name)
        return UNKNOWN


_BUILTINS = frozenset({"len", "int", "float", "str", "list", "tuple", "dict", "print", "range", "map", "object"})


class Evaluator(KerasSemantics):
    def __init__(self) -> None:
        self.compiles: list[RawCompile] = []
        self.apis: set[str] = set()
        self.keras3_evidence = False
        self.graph_mode = False
        self.tf2_behavior = False  # tf.compat.v1.enable_v2_behavior(): TF 1.x behaves as TF 2
        self.custom_objects = False  # a custom-object registry is used: unknown spellings may resolve
        self.history_lines: frozenset[int] = frozenset()  # lines that may hold history["key"] reads
        self.source_text = ""  # the file's text, for word tests that need no walk
        self.module: ast.Module | None = None  # the module walked (facts read after the walk: history reads)
        self.zeros_made = False  # np.zeros(...) called somewhere: loops may fill labels into it
        self.compile_lines: frozenset[int] | None = None  # lines holding "compile" (None: not known)
        # (id of the scope, name) -> the estimator: names a regressor's fit(X, y) was given as y
        self.regression_targets: dict[tuple[int, str], tuple[Env, str]] = {}
        # (first line, last line, evidence) of module-level definitions a script never uses
        self.unused_evidence: list[tuple[int, int, VersionEvidence]] = []
        self.version_evidence = VersionEvidence()  # the lines the file's own APIs exist on
        self._depth = 0  # branch depth
        self._call_depth = 0
        self._expr_depth = 0
        self._record = True
        self._returns: list[list[Value]] = []
        self._pending_functions: list[tuple[Function, Env]] = []
        self._classes: list[list[tuple[Function, Env]]] = []  # each class's methods, for attributes shared between them
        self._seen_compile_calls: set[int] = set()
        # compile() on receivers the facts cannot see: a later walk that sees the model replaces them.
        self._blind_models: set[int] = set()
        self._blind_records: dict[int, RawCompile] = {}
        # Every (activation string, its node) given to a Keras layer in the file.
        self.layer_activations: list[tuple[str, ast.AST]] = []
        # compile() calls met while following a call of a module function (a builder that compiles).
        self.call_compiles: list[RawCompile] = []
        # Following calls of module functions is bounded: per file, and never into recursion.
        self._calls_left = _MAX_FOLLOWED_CALLS
        self._walked_with_arguments: set[int] = set()  # ids of function bodies walked for a call
        self._instances_made = False  # an instance of a plain module class exists (calls may change it)
        self._rebound: frozenset[str] | None = None  # module names bound by several statements (on first use)
        self._active_functions: list[ast.AST] = []
        self._loop_bound: dict[int, frozenset[str]] = {}  # id of a loop -> the names its body may bind
        # dotted name -> (its Ref, the evidence it was recorded in): a name met again is not recorded again
        self._refs: dict[str, tuple[Ref, VersionEvidence]] = {}
        # The first names of every dotted key (`self.model`) ever bound in a scope: an attribute of
        # any other name is bound nowhere, so its lookup is skipped (most attributes: `np.zeros`).
        self._dotted_roots: set[str] = set()

    # --- entry -------------------------------------------------------------------------------

    def run(self, module: ast.Module) -> None:
        env = Env()
        self._root_env = env
        self.module = module
        self.walk_block(module.body, env)
        # Function and method bodies are checked on their own, with parameters unknown.
        walked: set[int] = set()
        ends: dict[int, dict[str, Value]] = {}
        owners = _top_level_owners(module)
        dead = _DeadCode(module, self.source_text)
        while self._pending_functions:
            function, outer = self._pending_functions.pop(0)
            if id(function) in walked:
                continue
            walked.add(id(function))
            owner = owners.get(id(function))
            if owner is function and id(function) in self._walked_with_arguments and not self._compiles_in(function):
                continue  # a module function already walked for a call: a second walk adds no fact
            if owner is not None and dead.never_used(owner):
                # What an unused function of a script uses says nothing about where the script runs,
                # only about the compile() sites inside it.
                kept, self.version_evidence = self.version_evidence, VersionEvidence()
                ends[id(function)] = self._walk_unknown_parameters(function, outer, {})
                self.unused_evidence.append((owner.lineno, owner.end_lineno or owner.lineno, self.version_evidence))
                self.version_evidence = kept
            else:
                ends[id(function)] = self._walk_unknown_parameters(function, outer, {})
        for methods in self._classes:
            self._share_model_attributes(methods, ends)

    def _compiles_in(self, function: Function) -> bool:
        """Whether the function's text may hold a compile() call (its sites are recorded only by
        the walk with unknown parameters)."""
        return self.compile_lines is None or spans_a_line(function, self.compile_lines)

    def _walk_unknown_parameters(
        self, function: Function, outer: Env, attributes: dict[str, Value]
    ) -> dict[str, Value]:
        local = Env(outer)
        if outer is self._root_env:
            # Called at a time the walk does not know: a global the module binds to different
            # values may hold any of them (a notebook's `classes = 2` ... `classes = 10`).
            if self._rebound is None:
                self._rebound = _rebound_globals(self.module.body if self.module is not None else ())
            for name in self._rebound:
                local.vars[name] = UNKNOWN
        for name in _parameter_names(function):
            local.vars[name] = UNKNOWN
        self._bind_keys(local, attributes)
        saved = self._depth
        self._depth = 0
        self._returns.append([])
        self.walk_block(function.body, local)
        self._returns.pop()
        self._depth = saved
        return local.vars

    def _share_model_attributes(self, methods: list[tuple[Function, Env]], ends: dict[int, dict[str, Value]]) -> None:
        """`self.model = <model>` bound by one method of a class (once, not under a branch) is that
        model in the class's other methods: they are walked again with it, e.g. a compile() in train()."""
        bound_by: dict[str, list[Function]] = {}
        named: list[tuple[Function, Env, str]] = []
        for function, outer in methods:
            self_name = _self_name(function)
            if self_name is None:
                return
            named.append((function, outer, self_name))
            for key in _bound_names(function.body):
                if key.startswith(self_name + "."):
                    bound_by.setdefault(key.replace(self_name, "self", 1), []).append(function)
        shared: dict[str, Value] = {}
        for key, binders in bound_by.items():
            if len(binders) != 1:
                continue
            value = ends.get(id(binders[0]), {}).get(key.replace("self", _self_name(binders[0]) or "self", 1))
            if isinstance(value, ModelV) and not value.poisoned:
                shared[key] = value
        if not shared:
            return
        for function, outer, self_name in named:
            own = {key for key, binders in bound_by.items() if function in binders}
            attributes = {
                key.replace("self", self_name, 1): value for key, value in shared.items() if key not in own
            }
            if attributes:
                self._walk_unknown_parameters(function, outer, attributes)

    # --- statements --------------------------------------------------------------------------

    def walk_block(self, statements: Sequence[ast.stmt], env: Env) -> None:
        for statement in statements:
            self.walk_statement(statement, env)

    def walk_statement(self, statement: ast.stmt, env: Env) -> None:
        # Simple statements here, the most frequent first; compound ones in _walk_compound.
        if isinstance(statement, ast.Assign):
            value = self.eval(statement.value, env)
            for target in statement.targets:
                self.bind(target, value, env)
        elif isinstance(statement, ast.Expr):
            self.eval(statement.value, env)
        elif isinstance(statement, ast.AnnAssign):
            if statement.value is not None:
                self.bind(statement.target, self.eval(statement.value, env), env)
        elif isinstance(statement, ast.AugAssign):
            self.eval(statement.value, env)
            self.bind(statement.target, UNKNOWN, env)
        elif isinstance(statement, ast.Import):
            self._walk_import(statement, env)
        elif isinstance(statement, ast.ImportFrom):
            self._walk_import_from(statement, env)
        elif isinstance(statement, ast.Return):
            value = self.eval(statement.value, env) if statement.value is not None else Const(None)
            if self._returns:
                self._returns[-1].append(value if self._depth == 0 else UNKNOWN)
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                self._delete(target, env)
        else:
            self._walk_compound(statement, env)

    def _walk_compound(self, statement: ast.stmt, env: Env) -> None:
        if isinstance(statement, ast.If):
            self._walk_if(statement, env)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            self._walk_loop(statement, env)
        elif isinstance(statement, TRY_TYPES):
            self._walk_try(statement, env)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                self.eval(item.context_expr, env)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, UNKNOWN, env)
            self.walk_block(statement.body, env)
        elif isinstance(statement, _FUNCTIONS):
            self._walk_function_def(statement, env)
        elif isinstance(statement, ast.ClassDef):
            self._walk_class_def(statement, env)
        elif isinstance(statement, ast.Match):
            self.eval(statement.subject, env)
            self._walk_branches([case.body for case in statement.cases], env, exhaustive=False)

    def _walk_import(self, statement: ast.Import, env: Env) -> None:
        for alias in statement.names:
            if alias.asname is not None:
                env.vars[alias.asname] = self.ref(alias.name, imported=True)
            else:
                root = alias.name.split(".")[0]
                self.ref(alias.name, imported=True)
                env.vars[root] = self.ref(root)

    def _walk_function_def(self, statement: Function, env: Env) -> None:
        for decorator in statement.decorator_list:
            self.eval(decorator, env)
        arguments = statement.args
        defaults: dict[str, Value] = {}
        positional = [*arguments.posonlyargs, *arguments.args]
        for param, default in zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults):
            defaults[param.arg] = self.eval(default, env)
        for param, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            if kw_default is not None:
                defaults[param.arg] = self.eval(kw_default, env)
        env.vars[statement.name] = FuncV(statement, defaults)
        self._pending_functions.append((statement, env))

    def _walk_class_def(self, statement: ast.ClassDef, env: Env) -> None:
        methods = {inner.name: inner for inner in statement.body if isinstance(inner, _FUNCTIONS)}
        bases = [self.eval(base, env) for base in statement.bases]
        is_model = any(isinstance(base, Ref) and base.name == "keras.Model" for base in bases)
        inherited: dict[str, Function] = {}
        for base in reversed(bases):
            if isinstance(base, ClassV):  # a model class of this module: its methods are inherited
                is_model = True
                inherited.update(base.methods)
        if is_model:
            env.vars[statement.name] = ClassV(statement, {**inherited, **methods})
        else:
            env.vars[statement.name] = _object_class(statement, methods, bases)
        for method in methods.values():
            self._pending_functions.append((method, env))
        self._classes.append([(method, env) for method in methods.values()])
        for inner in statement.body:
            if isinstance(inner, ast.ClassDef):
                self.walk_statement(inner, Env(env))  # nested classes: their methods are checked too

    def _walk_import_from(self, statement: ast.ImportFrom, env: Env) -> None:
        star = any(alias.name == "*" for alias in statement.names)
        if statement.level or statement.module is None:
            if not star:
                for alias in statement.names:
                    env.vars[alias.asname or alias.name] = UNKNOWN
            return
        module = statement.module
        if star:
            self.ref(module, imported=True)
            env.star_module = module if env.star_module is None else "<several>"
            return
        for alias in statement.names:
            env.vars[alias.asname or alias.name] = self.ref(f"{module}.{alias.name}", imported=True)

    def _walk_if(self, statement: ast.If, env: Env) -> None:
        self.eval(statement.test, env)
        if is_main_guard(statement.test):
            self.walk_block(statement.body, env)
            return
        branches = [statement.body]
        if statement.orelse:
            branches.append(statement.orelse)
        self._walk_branches(branches, env, exhaustive=bool(statement.orelse))

    def _walk_branches(self, branches: Sequence[Sequence[ast.stmt]], env: Env, exhaustive: bool) -> None:
        before = dict(env.vars)
        outcomes = []
        self._depth += 1
        for branch in branches:
            env.vars = dict(before)
            self.walk_block(branch, env)
            outcomes.append(env.vars)
        self._depth -= 1
        if not exhaustive:
            outcomes.append(before)
        env.vars = _merge(outcomes)

    def _walk_loop(self, statement: ast.For | ast.AsyncFor | ast.While, env: Env) -> None:
        target = None
        if isinstance(statement, ast.While):
            self.eval(statement.test, env)
        else:
            self.eval(statement.iter, env)
            target = statement.target
        body = statement.body
        before = dict(env.vars)
        # What the body rebinds is unknown on entry to a later iteration: found syntactically, so
        # that nested loops are walked once each, not 2**depth times.
        changed = self._loop_bound.get(id(statement))
        if changed is None:  # the same loop is walked again in each call of its function
            changed = self._loop_bound[id(statement)] = frozenset(_bound_names(body))
            self._note_keys(changed)
        for name in changed:
            env.vars[name] = UNKNOWN
        self._depth += 1
        if target is not None:
            self.bind(target, UNKNOWN, env)
        self.walk_block(body, env)
        self._depth -= 1
        # What the body changed is unknown after the loop (one pass over the scope, no set built).
        current = env.vars
        for name in [name for name, value in current.items() if before.get(name) is not value]:
            current[name] = UNKNOWN
        for name in changed:
            if name not in current and name in before:
                current[name] = UNKNOWN
        self._note_filled_labels(statement, before, env)
        self.walk_block(statement.orelse, env)

    def _note_filled_labels(self, loop: ast.For | ast.AsyncFor | ast.While, before: dict[str, Value], env: Env) -> None:
        """`y = np.zeros((n, k))` filled with ones by the loop: labels (analysis/labels.py)."""
        if not self.zeros_made or not _holds_zeros(before, env.parent):
            return  # no np.zeros((n, k)) array in scope: nothing for the loop to fill (a cheap test)
        parent = env.parent.lookup if env.parent is not None else (lambda _name: UNKNOWN)
        previous = lambda name: before[name] if name in before else parent(name)  # noqa: E731
        self._bind_keys(env, label_facts.filled_in_loop(loop, previous, env.lookup))

    def _walk_try(self, statement: ast.Try, env: Env) -> None:  # or ast.TryStar (3.11+): the same fields
        # An import fallback (`try: from keras.layers.advanced_activations import ... except
        # ImportError: ...`) runs wherever one of its branches does: their APIs are alternatives.
        outer = self.version_evidence
        fallback = _imports_with_fallback(statement)
        alternatives: list[VersionEvidence] = []
        before = dict(env.vars)
        if fallback:
            self.version_evidence = VersionEvidence()
        self.walk_block(statement.body, env)
        self.walk_block(statement.orelse, env)
        outcomes = [env.vars]
        self._depth += 1
        for handler in statement.handlers:
            env.vars = dict(before)
            if fallback:
                alternatives.append(self.version_evidence)
                self.version_evidence = VersionEvidence()
            self.walk_block(handler.body, env)
            outcomes.append(env.vars)
        self._depth -= 1
        if fallback:
            alternatives.append(self.version_evidence)
            self.version_evidence = outer
            outer.either(alternatives)
        env.vars = _merge(outcomes)
        self.walk_block(statement.finalbody, env)

    # --- binding -----------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: Value, env: Env) -> None:
        if isinstance(target, ast.Name):
            env.vars[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            elements = target.elts
            if isinstance(value, Seq) and len(value.items) == len(elements) and not any(
                isinstance(element, ast.Starred) for element in elements
            ):
                for element, item in zip(elements, value.items):
                    self.bind(element, item, env)
            else:
                for element in elements:
                    self.bind(element, UNKNOWN, env)
        elif isinstance(target, ast.Attribute):
            key = _dotted(target)
            if key is not None:
                self._note_keys((key,))
                env.vars[key] = value
            self._set_instance_attribute(target, value, env)
            self._invalidate_base(target.value, env)
        elif isinstance(target, ast.Subscript):
            key = _dotted(target.value)
            filled = None
            if key is not None:
                current = env.lookup(key)
                filled = label_facts.filled(target, value, current, lambda index: self.eval(index, env))
                filled = filled or label_facts.assigned_ids(target, value, current)
            if key is not None and filled is not None:
                self._note_keys((key,))
                env.vars[key] = filled  # `y[np.arange(n), labels] = 1` on np.zeros((n, k))
            else:
                self._invalidate_base(target.value, env)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, UNKNOWN, env)

    def _note_keys(self, keys: Iterable[str]) -> None:
        for key in keys:
            dot = key.find(".")
            if dot != -1:
                self._dotted_roots.add(key[:dot])

    def _bind_keys(self, env: Env, bound: Mapping[str, Value]) -> None:
        self._note_keys(bound)
        env.vars.update(bound)

    def _set_instance_attribute(self, target: ast.Attribute, value: Value, env: Env) -> None:
        """`w.model = ...` / `del w.model` on an instance of a plain module class."""
        key = _dotted(target.value)
        owner = env.lookup(key) if key is not None else UNKNOWN
        if isinstance(owner, InstanceV):
            owner.attributes[target.attr] = value if self._depth <= owner.depth else UNKNOWN

    def _invalidate_base(self, base: ast.expr, env: Env) -> None:
        """`x[0] = ...` / `x.attr = ...` may change what x is: forget facts about x."""
        key = _dotted(base)
        if key is None:
            return
        value = env.lookup(key)
        if isinstance(value, ModelV):
            value.poisoned = True
        elif isinstance(value, (Seq, DictV, LabelsV)):
            self._note_keys((key,))
            env.vars[key] = UNKNOWN

    def _delete(self, target: ast.expr, env: Env) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._delete(element, env)
        else:
            key = _dotted(target)
            if key is not None:
                self._note_keys((key,))
                env.vars[key] = UNKNOWN
            if isinstance(target, ast.Attribute):
                self._set_instance_attribute(target, UNKNOWN, env)
            if key is None and isinstance(target, (ast.Subscript, ast.Attribute)):
                self._invalidate_base(target.value, env)

    def ref(self, dotted: str, imported: bool = False, route: str | None = None) -> Ref:
        """A Ref by canonical name; `imported` records the import style (API) the file uses. `route`:
        the import route of the Ref an attribute is read from (`K.mean` after `from tensorflow.keras
        import backend as K` is tf.keras's, although its canonical name starts with keras)."""
        key = dotted if route is None else f"{route} {dotted}"
        if imported:
            key = "import " + key  # an import also records the API: its own entry
        known = self._refs.get(key)
        if known is not None and known[1] is self.version_evidence:
            return known[0]  # what this name says was recorded already (the recording is idempotent)
        name, api = canonical(dotted)
        if route is not None and api is not None:
            api = route
        self.version_evidence.name(dotted, name, api)
        if api is not None:
            if imported or dotted.startswith("tensorflow."):  # `import tensorflow as tf` ... tf.keras.X
                self.apis.add(api)
                if dotted.startswith(_L5_ONLY_ROOTS):  # Keras 3's private tree, the keras-core preview
                    self.keras3_evidence = True
            if name.startswith(_L5_EVIDENCE_PREFIXES):
                self.keras3_evidence = True
        made = Ref(name, api)
        self._refs[key] = (made, self.version_evidence)
        return made

    # --- expressions -------------------------------------------------------------------------

    def eval(self, node: ast.expr | None, env: Env) -> Value:
        if node is None or self._expr_depth > _MAX_EXPRESSION_DEPTH:
            return UNKNOWN
        # The hot path: leaves answered here, the most frequent compound forms dispatched by exact
        # type (anything else, subclasses included, goes through _eval's isinstance tests).
        kind = type(node)
        if kind is ast.Name:
            return env.lookup(node.id)  # type: ignore[attr-defined]
        if kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            return Const(value, node) if isinstance(value, _CONSTANT_TYPES) else UNKNOWN
        # No try/finally (hot path): an exception abandons the whole evaluator (the engine's KER001).
        self._expr_depth += 1
        if kind is ast.Call:
            value = self._eval_call(node, env)  # type: ignore[arg-type]
        elif kind is ast.Attribute:
            value = self._eval_attribute(node, env)  # type: ignore[arg-type]
        else:
            value = self._eval(node, env)
        self._expr_depth -= 1
        return value

    def _eval(self, node: ast.expr, env: Env) -> Value:
        kind = type(node)
        if kind is ast.Subscript:  # the most frequent form eval() does not answer itself
            return self._eval_subscript(node, env)  # type: ignore[arg-type]
        if kind is ast.List or kind is ast.Tuple:
            return self._eval_sequence(node, env)  # type: ignore[arg-type]
        if isinstance(node, ast.Name):  # subclasses of the forms eval() answers
            return env.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self._eval_attribute(node, env)
        if isinstance(node, ast.Call):
            return self._eval_call(node, env)
        if isinstance(node, ast.Constant):
            return Const(node.value, node) if isinstance(node.value, _CONSTANT_TYPES) else UNKNOWN
        if isinstance(node, (ast.List, ast.Tuple)):
            return self._eval_sequence(node, env)
        if isinstance(node, ast.Dict):
            return self._eval_dict(node, env)
        if isinstance(node, ast.BinOp):
            return _binary(node, self.eval(node.left, env), self.eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand, env)
            if isinstance(node.op, ast.USub) and isinstance(operand, Const) and _is_number(operand.value):
                return Const(-operand.value, node)
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            return self._eval_subscript(node, env)
        if isinstance(node, ast.JoinedStr):
            return self._eval_f_string(node, env)
        if isinstance(node, ast.IfExp):
            # `units if units > 2 else 1`: the branch a known test chooses; with an unknown test neither
            # is evaluated (their APIs are alternatives, not evidence)
            chosen = _truth(self.eval(node.test, env) if not isinstance(node.test, ast.Compare)
                            else self._compare(node.test, env))
            return UNKNOWN if chosen is None else self.eval(node.body if chosen else node.orelse, env)
        # Anything else (lambda, comprehension, ...) establishes nothing.
        return UNKNOWN

    def _compare(self, node: ast.Compare, env: Env) -> Value:
        """A comparison of two constants (`n > 2`, `mode == "binary"`); UNKNOWN otherwise."""
        if len(node.ops) != 1:
            return UNKNOWN
        left, right = self.eval(node.left, env), self.eval(node.comparators[0], env)
        if not (isinstance(left, Const) and isinstance(right, Const)):
            return UNKNOWN
        compare = _COMPARISONS.get(type(node.ops[0]))
        if compare is None or type(left.value) is not type(right.value) and not (
            _is_number(left.value) and _is_number(right.value)
        ):
            return UNKNOWN
        try:
            return Const(bool(compare(left.value, right.value)), node)
        except TypeError:
            return UNKNOWN

    def _eval_sequence(self, node: ast.List | ast.Tuple, env: Env) -> Value:
        items = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                self.eval(element.value, env)
                return UNKNOWN
            items.append(self.eval(element, env))
        return Seq(tuple(items), node, tuple(node.elts))

    def _eval_f_string(self, node: ast.JoinedStr, env: Env) -> Value:
        """An f-string whose replacement fields are all constants, without format specs, is a constant."""
        pieces = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append(part.value)
                continue
            if not isinstance(part, ast.FormattedValue) or not isinstance(part.value, (ast.Name, ast.Attribute)):
                return UNKNOWN  # calls inside an f-string are not walked (their effects are not facts here)
            value = self.eval(part.value, env)
            if part.format_spec is not None or part.conversion != -1 or not isinstance(value, Const):
                return UNKNOWN
            if not isinstance(value.value, (str, int)) or isinstance(value.value, bool):
                return UNKNOWN
            pieces.append(str(value.value))
        return Const("".join(pieces), node)

    def _eval_attribute(self, node: ast.Attribute, env: Env) -> Value:
        bound = self._bound_attribute(node, env)
        if bound is not UNKNOWN:
            return bound
        base = self.eval(node.value, env)
        attr = node.attr
        if isinstance(base, Ref):
            return self.ref(f"{base.name}.{attr}", route=base.api)
        if isinstance(base, ModelV):
            if attr == "output":
                return TensorV(models.model_output(base))
            return UNKNOWN
        if isinstance(base, (CallV, MethodV)) and attr in catalogue.LABEL_KEEPING_ATTRIBUTES:
            return base  # pandas .values keeps what the frame holds
        if isinstance(base, DictV) and attr in ("data", "target"):
            return base.get(attr)  # a scikit-learn Bunch (analysis/labels.py call_value)
        if isinstance(base, InstanceV) and attr not in base.cls.methods:  # a property is not an attribute
            return base.attributes.get(attr, UNKNOWN)
        return UNKNOWN

    def _bound_attribute(self, node: ast.Attribute, env: Env) -> Value:
        """What a dotted key (`self.head`) is bound to; UNKNOWN when it is bound to nothing."""
        root = node.value
        while root.__class__ is ast.Attribute:
            root = root.value
        if root.__class__ is ast.Name and root.id not in self._dotted_roots:
            return UNKNOWN  # no dotted key under this name was ever bound in any scope
        key = _dotted(node)
        return UNKNOWN if key is None else env.lookup(key)

    def _eval_dict(self, node: ast.Dict, env: Env) -> Value:
        items = []
        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:  # {**other}
                self.eval(value_node, env)
                return UNKNOWN
            key = self.eval(key_node, env)
            value = self.eval(value_node, env)
            if not isinstance(key, Const):
                return UNKNOWN
            items.append((key.value, value))
        return DictV(tuple(items), node, tuple(node.values))

    def _eval_subscript(self, node: ast.Subscript, env: Env) -> Value:
        base = self.eval(node.value, env)
        index_node = node.slice
        shape = node.value
        if base is UNKNOWN and isinstance(shape, ast.Attribute) and shape.attr == "shape":
            array = shape.value
            if isinstance(array, ast.Name) and not isinstance(index_node, (ast.Slice, ast.Tuple)):
                # `num_classes = y.shape[1]` of one-hot labels
                width = label_facts.one_hot_width(env.lookup(array.id), self.eval(index_node, env))
                return UNKNOWN if width is None else Const(width, node)
        kept = label_facts.subscript(base, index_node)
        if kept is not None:
            return kept  # rows or columns that keep an established label kind
        if isinstance(base, (CallV, MethodV)):
            if isinstance(index_node, ast.Slice):
                return base  # rows of the labels are labels of the same kind (not `y[:, 0]`)
            if isinstance(base, CallV) and not isinstance(index_node, ast.Tuple):
                # `np.eye(n)[y]` and similar: a label transformation rules may recognise.
                return MethodV(base, "__getitem__", (self.eval(index_node, env),), ())
            return UNKNOWN
        if isinstance(index_node, (ast.Slice, ast.Tuple)):
            return UNKNOWN
        index = self.eval(index_node, env)
        if not isinstance(index, Const):
            return UNKNOWN
        if isinstance(base, Seq) and isinstance(index.value, int) and not isinstance(index.value, bool):
            if -len(base.items) <= index.value < len(base.items):
                return base.items[index.value]
            return UNKNOWN
        if isinstance(base, DictV):
            return base.get(index.value)
        return UNKNOWN

    def _eval_call(self, node: ast.Call, env: Env) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            callee = self._bound_attribute(func, env)  # e.g. self.head bound in __init__
            if callee is UNKNOWN:
                return self._eval_method_call(node, func, env)
        elif func.__class__ is ast.Name:
            callee = env.lookup(func.id)
        else:
            callee = self.eval(func, env)
        return self._call_value(callee, node, env)

    def _eval_method_call(self, node: ast.Call, func: ast.Attribute, env: Env) -> Value:
        """`receiver.method(...)` whose dotted name is bound to nothing."""
        receiver = self.eval(func.value, env)
        method = func.attr
        if isinstance(receiver, InstanceV):
            if method != "compile" or method not in receiver.cls.methods:
                return self._call_instance_method(receiver, method, node, env)
            # A wrapper's own compile() forwards to a model its other methods built: read the call
            # as Keras's (below), as for a model the facts cannot see.
            receiver = UNKNOWN
        if isinstance(receiver, ModelV):
            if method == "compile" and id(receiver) in self._blind_models and not keras_compile_call(node, env, self):
                self._eval_arguments(node, env)
                return UNKNOWN  # a model the facts cannot see, compiled in a way Keras's compile is not
            return self._model_method(receiver, method, node, env)
        if isinstance(receiver, (Seq, DictV)) and method in _SEQUENCE_MUTATORS:
            key = _dotted(func.value)
            if key is not None:
                self._note_keys((key,))
                env.vars[key] = UNKNOWN
            args, kwargs, _ = self._eval_arguments(node, env)
            if self._instances_made:
                self._forget_instances(args, kwargs)
            return UNKNOWN
        if method == "compile" and not isinstance(receiver, Ref) and keras_compile_call(node, env, self):
            # A model the facts cannot see (load_model(), a parameter): the call alone is facts.
            model = ModelV(None, UNKNOWN, depth=self._depth, node=node)
            self._blind_models.add(id(model))
            key = _dotted(func.value)
            if key is not None and (receiver is UNKNOWN or isinstance(receiver, CallV)):
                self._note_keys((key,))
                env.vars[key] = model  # its later fit() calls give this compile() its labels
            return self._model_method(model, method, node, env)
        if not isinstance(receiver, Ref):
            return self._method_of_a_value(receiver, method, node, env)
        return self._call_value(self.ref(f"{receiver.name}.{method}", route=receiver.api), node, env)

    def _method_of_a_value(self, receiver: Value, method: str, node: ast.Call, env: Env) -> Value:
        """`value.method(...)` on what is not a Keras name, a model or a module instance."""
        if method in catalogue.KERAS_ONLY_MODEL_METHODS:  # a model the facts cannot see
            self.version_evidence.model_method(method, (), sequential=True)
        args, kwargs, has_star = self._eval_arguments(node, env)
        if self._instances_made:
            self._forget_instances(args, kwargs)
        if method == "fit" and isinstance(receiver, CallV) and label_facts.is_regressor(receiver.callee):
            target = fit_target(node)
            if isinstance(target, ast.Name):  # branches do not undo it: it is a fact about the data
                # the scope is kept with the entry so that its id is never reused
                self.regression_targets[(id(env), target.id)] = (env, receiver.callee.rsplit(".", 1)[-1])
        if has_star or (receiver is UNKNOWN and method not in _KIND_FIXING_METHODS):
            return UNKNOWN
        if method == "map" and len(args) == 1 and not kwargs:
            mapped = self._map_dataset(receiver, args[0], node, env)
            if mapped is not None:
                return mapped
        return MethodV(receiver, method, args, kwargs)

    def _call_instance_method(self, instance: InstanceV, name: str, node: ast.Call, env: Env) -> Value:
        """`wrapper.train(x, y)`: the class's own method runs with the call's arguments;
        `wrapper.model(x)` calls what the attribute holds. Inside a method, `self.build()` sees
        what the method has bound on self so far, and the method sees what build() binds."""
        method = instance.cls.methods.get(name)
        if method is None:
            return self._call_value(instance.attributes.get(name, UNKNOWN), node, env)
        args, kwargs, has_star = self._eval_arguments(node, env)
        own = self._own_self(instance, node, env)
        if own is not None:
            _store_attributes(instance, own, env.vars)
        returns = self._run_instance_method(instance, method, args, kwargs, has_star)
        if own is not None:
            self._bind_keys(env, {f"{own}.{key}": value for key, value in instance.attributes.items()})
        if returns is None:
            instance.attributes.clear()  # what the method did to self is not known
            self._forget_instances(args, kwargs)
            return UNKNOWN
        return returns[0] if len(returns) == 1 else UNKNOWN

    def _own_self(self, instance: InstanceV, node: ast.Call, env: Env) -> str | None:
        """The name of `self` when the call is `self.method(...)` in a method running on `instance`."""
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if not isinstance(receiver, ast.Name) or not self._active_functions:
            return None
        running = self._active_functions[-1]
        if not isinstance(running, _FUNCTIONS) or _self_name(running) != receiver.id:
            return None
        return receiver.id if env.vars.get(receiver.id) is instance else None

    def _call_value(self, callee: Value, node: ast.Call, env: Env) -> Value:
        """Calling `callee` (evaluated from node.func) with node's arguments."""
        args, kwargs, has_star = self._eval_arguments(node, env)
        if self._instances_made and not isinstance(callee, (FuncV, ObjectClassV)):
            self._forget_instances(args, kwargs)  # a call not followed may change what it is given
        if isinstance(callee, Ref):
            return self._call_ref(callee, args, kwargs, has_star, node)
        if isinstance(callee, CallV):  # a layer applied to a tensor
            if args and not isinstance(args[0], TensorV):
                encoded = label_facts.encoded_labels(callee)  # StringLookup(output_mode="multi_hot")(tags)
                if encoded is not None:
                    return encoded
            incoming = models.tensor_output(args[0]) if args else UNKNOWN
            if callee.callee in catalogue.MODEL_CLASSES:
                return UNKNOWN
            return TensorV(models.apply_layer(callee, incoming))
        if isinstance(callee, ModelV):
            if callee.compiles:
                callee.compiles[-1].uses.add("__call__")  # a compiled model used inside another one
            return TensorV(models.model_output(callee))
        if isinstance(callee, FuncV):
            return self._call_function(callee, args, kwargs, has_star, env)
        if isinstance(callee, ClassV):
            return self._instantiate(callee, args, kwargs, has_star)
        if isinstance(callee, ObjectClassV):
            return self._instantiate_object(callee, args, kwargs, has_star)
        return UNKNOWN

    def _instantiate_object(self, cls: ObjectClassV, args: Args, kwargs: Kwargs, has_star: bool) -> Value:
        """An instance of a plain module class, with what its __init__ binds on self."""
        instance = InstanceV(cls, {}, self._depth)
        init = cls.methods.get("__init__")
        if init is None:
            if args or kwargs or has_star:
                return UNKNOWN
        elif self._run_instance_method(instance, init, args, kwargs, has_star) is None:
            self._forget_instances(args, kwargs)
            return UNKNOWN
        self._instances_made = True
        return instance

    def _forget_instances(self, args: Args, kwargs: Kwargs) -> None:
        """Instances handed to code that is not followed: what it does to their attributes is unknown."""
        for value in (*args, *(value for _, value in kwargs)):
            if isinstance(value, InstanceV):
                value.attributes.clear()

    def _run_instance_method(
        self, instance: InstanceV, method: Function, args: Args, kwargs: Kwargs, has_star: bool
    ) -> list[Value] | None:
        """Run a method of a plain module class on an instance; what it binds on self is kept.
        None when the call is not followed (bounds, recursion, arguments that do not bind)."""
        if has_star or self._call_depth >= MAX_CALL_DEPTH or self._calls_left <= 0 or method in self._active_functions:
            return None
        self_name = _self_name(method)
        if self_name is None:
            return None
        self._calls_left -= 1
        before = dict(instance.attributes)
        given = {f"{self_name}.{key}": value for key, value in before.items()}
        ran = self._run_method(method, args, kwargs, given, instance)
        if ran is None:
            return None
        returns, local = ran
        _store_attributes(instance, self_name, local.vars)
        if self._depth > instance.depth:  # under a branch or loop the instance was made outside of
            for name, value in instance.attributes.items():
                if before.get(name) is not value:
                    instance.attributes[name] = UNKNOWN
        return returns

    def _eval_arguments(self, node: ast.Call, env: Env) -> tuple[Args, Kwargs, bool]:
        if not node.args and not node.keywords:
            return (), (), False
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        has_star = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                value = self.eval(arg.value, env)
                if isinstance(value, Seq):
                    args.extend(value.items)
                else:
                    has_star = True
            else:
                args.append(self.eval(arg, env))
        for keyword in node.keywords:
            value = self.eval(keyword.value, env)
            if keyword.arg is None:
                if isinstance(value, DictV) and all(isinstance(key, str) for key, _ in value.items):
                    kwargs.extend(value.items)
                else:
                    has_star = True
            else:
                kwargs.append((keyword.arg, value))
        return tuple(args), tuple(kwargs), has_star

    def _run_method(
        self, method: Function, args: Args, kwargs: Kwargs, attributes: dict[str, Value], instance: Value = UNKNOWN
    ) -> tuple[list[Value], Env] | None:
        """Run a method body with `self` (`instance`, else unknown) and the given arguments;
        (returns, local env) or None."""
        arguments = method.args
        if not arguments.args or arguments.posonlyargs:
            return None
        defaults: dict[str, Value] = {}
        positional = arguments.args
        for param, default in zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults):
            if param is not positional[0]:
                defaults[param.arg] = self.eval(default, self._root_env)
        for param, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            if kw_default is not None:
                defaults[param.arg] = self.eval(kw_default, self._root_env)
        local = self._bind_arguments(arguments, args, kwargs, defaults, skip_self=True)
        if local is None:
            return None
        local.vars[positional[0].arg] = instance
        self._bind_keys(local, attributes)
        return self._run_body(method, local), local

    def _bind_arguments(
        self, arguments: ast.arguments, args: Args, kwargs: Kwargs, defaults: dict[str, Value], skip_self: bool
    ) -> Env | None:
        """A local scope with the parameters bound as a call binds them; None when that is unclear."""
        if arguments.posonlyargs:
            return None
        positional = list(arguments.args[1:] if skip_self else arguments.args)
        names = [param.arg for param in positional]
        if len(args) > len(names) and arguments.vararg is None:
            return None
        declared = set(names) | {param.arg for param in arguments.kwonlyargs}
        if arguments.kwarg is None and any(key not in declared for key, _ in kwargs):
            return None
        bound = dict(defaults)
        bound.update(zip(names, args))
        bound.update((key, value) for key, value in kwargs if key in declared)
        local = Env(self._root_env)
        for name in declared:
            local.vars[name] = bound.get(name, UNKNOWN)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                local.vars[extra.arg] = UNKNOWN
        if skip_self:
            local.vars[arguments.args[0].arg] = UNKNOWN
        return local

    def _run_body(self, function: Function, local: Env) -> list[Value]:
        saved = (self._depth, self._record)
        self._depth, self._record = 0, False
        self._call_depth += 1
        self._active_functions.append(function)
        self._returns.append([])
        try:
            self.walk_block(function.body, local)
            return self._returns[-1]
        finally:
            self._returns.pop()
            self._active_functions.pop()
            self._call_depth -= 1
            self._depth, self._record = saved

    def _call_function(self, function: FuncV, args: Args, kwargs: Kwargs, has_star: bool, env: Env) -> Value:
        local = None
        if not (has_star or self._call_depth >= MAX_CALL_DEPTH or self._calls_left <= 0) and (
            function.node not in self._active_functions  # recursion: the result is not established
        ):
            self._calls_left -= 1
            local = self._bind_arguments(function.node.args, args, kwargs, function.defaults, skip_self=False)
        if local is None:
            if self._instances_made:
                self._forget_instances(args, kwargs)
            return UNKNOWN
        returns = self._run_body(function.node, local)
        self._walked_with_arguments.add(id(function.node))
        if len(returns) == 1:
            result = returns[0]
            if isinstance(result, ModelV):
                result.depth = self._depth
            return result
        return UNKNOWN


# --- helpers ---------------------------------------------------------------------------------

_TRAINING_METHODS = frozenset({"compile", "fit", "fit_generator", "train_on_batch"})


def _store_attributes(instance: InstanceV, self_name: str, bound: dict[str, Value]) -> None:
    """What a method's scope holds as `self.<name>` becomes the instance's attribute (a property's
    setter decides what `self.<property> = ...` stores: not read)."""
    prefix = self_name + "."
    for key, value in bound.items():
        if key.startswith(prefix) and "." not in key[len(prefix):]:
            name = key[len(prefix):]
            if name not in instance.cls.methods:
                instance.attributes[name] = value


def _object_class(statement: ast.ClassDef, methods: dict[str, Function], bases: list[Value]) -> Value:
    """A plain class whose every method is known (no base but `object` or plain module classes,
    no metaclass, decorator or attribute hooks); UNKNOWN otherwise."""
    if statement.keywords or statement.decorator_list or {"__getattr__", "__getattribute__", "__new__"} & set(methods):
        return UNKNOWN
    inherited: dict[str, Function] = {}
    for base in reversed(bases):
        if isinstance(base, ObjectClassV):
            inherited.update(base.methods)
        elif not (isinstance(base, Ref) and base.name == "object"):
            return UNKNOWN
    return ObjectClassV(statement, {**inherited, **methods})


def _top_level_owners(module: ast.Module) -> dict[int, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """id of each module-level function and method -> the module-level definition holding it."""
    owners: dict[int, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = {}
    for statement in module.body:
        if isinstance(statement, _FUNCTIONS):
            owners[id(statement)] = statement
        elif isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                if isinstance(inner, _FUNCTIONS):
                    owners[id(inner)] = statement
    return owners


class _DeadCode:
    """Module-level functions and classes a script never uses. Decided only in the clear case: the
    name appears nowhere else in the text, and the module trains at its own level (a library's
    functions are used elsewhere)."""

    def __init__(self, module: ast.Module, source: str) -> None:
        self.module = module
        self.source = source
        self._script: bool | None = None
        self._verdicts: dict[int, bool] = {}  # id of a definition -> never used (a class: once for its methods)

    def never_used(self, definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        verdict = self._verdicts.get(id(definition))
        if verdict is None:
            verdict = self._verdicts[id(definition)] = self._decide(definition)
        return verdict

    def _decide(self, definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        source, name = self.source, definition.name
        first = source.find(name) if source else -1
        if first == -1 or source.find(name, first + len(name)) != -1:
            return False  # not written exactly once (count() without scanning past a second time)
        if self._script is None:
            self._script = _trains_at_module_level(self.module, source)
        return self._script


def _trains_at_module_level(module: ast.Module, source: str) -> bool:
    # Only the statements on a line naming a training method can call one (a text test first).
    lines = frozenset().union(*(text.lines_holding(source, method) for method in _TRAINING_METHODS))
    if not lines:
        return False
    for statement in module.body:
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef, ast.Import, ast.ImportFrom)):
            continue
        if not spans_a_line(statement, lines):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _TRAINING_METHODS
            ):
                return True
    return False


# Methods whose result kind does not depend on the receiver (`anything.argmax(axis=1)` is class ids).
_KIND_FIXING_METHODS = frozenset({"argmax"})


def _bound_names(statements: Sequence[ast.stmt]) -> set[str]:
    """Names (and dotted keys like self.model) a block may bind, found without evaluating it."""
    names: set[str] = set()
    _block_names(statements, names)
    return names


def _block_names(body: Sequence[ast.stmt], names: set[str]) -> None:
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if target.__class__ is ast.Name:
                    names.add(target.id)  # the most frequent target
                else:
                    _target_names(target, names)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            _target_names(statement.target, names)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name != "*":
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(statement, ast.Expr):
            receiver = _changed_receiver(statement.value)
            if receiver is not None:
                names.add(receiver)  # a method call may change its receiver
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                _target_names(target, names)
        elif isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            names.add(statement.name)
        else:
            _compound_names(statement, names)


def _rebound_globals(body: Sequence[ast.stmt]) -> frozenset[str]:
    """Module-level names bound by more than one statement (an import of the same name from the
    same module, as notebooks repeat them, counts once)."""
    sources: dict[str, set[object]] = {}
    _global_sources(body, sources)
    return frozenset(name for name, found in sources.items() if len(found) > 1)


def _global_sources(body: Sequence[ast.stmt], sources: dict[str, set[object]]) -> None:
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            origin = (statement.module, statement.level) if isinstance(statement, ast.ImportFrom) else None
            for alias in statement.names:
                name = (alias.asname or alias.name).split(".")[0]
                sources.setdefault(name, set()).add((origin, alias.name))
            continue
        if isinstance(statement, ast.Expr):
            continue  # a call may change an object, never which object a name holds
        if isinstance(statement, ast.Assign) and all(target.__class__ is ast.Name for target in statement.targets):
            for target in statement.targets:  # the most frequent statement: `name = ...`
                sources.setdefault(target.id, set()).add(id(statement))  # type: ignore[attr-defined]
            continue
        names: set[str] = set()
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            names.add(statement.name)
        elif blocks := child_blocks(statement):
            _global_sources([inner for block in blocks for inner in block], sources)
            _compound_targets(statement, names)
        else:
            _block_names([statement], names)
        for name in names:
            if "." not in name:
                sources.setdefault(name, set()).add(id(statement))


def _compound_targets(statement: ast.stmt, names: set[str]) -> None:
    """The names a for loop's target or a with statement's `as` bind."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        _target_names(statement.target, names)
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            if item.optional_vars is not None:
                _target_names(item.optional_vars, names)


def _compound_names(statement: ast.stmt, names: set[str]) -> None:
    _compound_targets(statement, names)
    for child in child_blocks(statement):
        _block_names(child, names)


_UNCHANGING_METHODS = catalogue.READ_ONLY_METHODS | catalogue.LAYER_ADDING_METHODS


def _changed_receiver(value: ast.expr) -> str | None:
    """The dotted receiver of a method call that may change it (not a read-only or layer-adding one)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr not in _UNCHANGING_METHODS:
            return _dotted(value.func.value)
    return None


def _target_names(node: ast.expr, names: set[str]) -> None:
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _target_names(element, names)
    elif isinstance(node, ast.Starred):
        _target_names(node.value, names)
    elif isinstance(node, (ast.Subscript, ast.Attribute)):
        key = _dotted(node)
        if key is not None:
            names.add(key)
        base = _dotted(node.value)
        if base is not None:
            names.add(base)
    else:
        key = _dotted(node)
        if key is not None:
            names.add(key)


def _holds_zeros(variables: dict[str, Value], parent: Env | None) -> bool:
    scopes = [variables]
    while parent is not None:
        scopes.append(parent.vars)
        parent = parent.parent
    return any(label_facts.zeros_shape(value) is not None for scope in scopes for value in scope.values())


def _self_name(function: Function) -> str | None:
    params = function.args.args
    return params[0].arg if params else None


def _merge(outcomes: list[dict[str, Value]]) -> dict[str, Value]:
    """Each name's value where every outcome agrees on it (a name an outcome lacks is UNKNOWN there);
    UNKNOWN elsewhere. Most names are the same object in every outcome: that test comes first."""
    merged = dict(outcomes[0])
    for other in outcomes[1:]:
        for name, value in other.items():
            mine = merged.get(name, _ABSENT)
            if mine is value:
                continue
            if mine is _ABSENT:
                merged[name] = UNKNOWN  # not bound in the first outcome
            elif not (type(value) is type(mine) and _same(value, mine)):
                merged[name] = _one_of(mine, value)  # type: ignore[arg-type]  # mine is a Value here
        if len(other) != len(merged):
            for name in merged.keys() - other.keys():
                merged[name] = UNKNOWN
    return merged


_ABSENT = object()


def _one_of(mine: Value, other: Value) -> Value:
    """What a name holds after branches that bound it differently: the alternatives when each is a
    Keras object rules read per alternative (an optimizer built on each branch), else UNKNOWN."""
    alternatives: list[CallV] = []
    for value in (mine, other):
        if isinstance(value, OneOfV):
            alternatives.extend(value.alternatives)
        elif isinstance(value, CallV) and value.callee.startswith(catalogue.ALTERNATIVE_PREFIXES):
            alternatives.append(value)
        else:
            return UNKNOWN
    return OneOfV(tuple(alternatives))


def _same(left: Value, right: Value) -> bool:
    if isinstance(left, (Const, Ref)):
        return left == right
    return left is right


def _binary(node: ast.BinOp, left: Value, right: Value) -> Value:
    if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(node.op, ast.Add):
        return Seq(left.items + right.items, node, left.item_nodes + right.item_nodes)
    divided = label_facts.divided(left, right, node)
    if divided is not None:
        return divided  # `y / 255.`: continuous values
    if not (isinstance(left, Const) and isinstance(right, Const)):
        return UNKNOWN
    a, b = left.value, right.value
    if isinstance(a, str) and isinstance(b, str) and isinstance(node.op, ast.Add):
        return Const(a + b, node)  # a path or a name built from pieces
    if not (_is_number(a) and _is_number(b)):
        return UNKNOWN
    operator = node.op
    try:
        if isinstance(operator, ast.Add):
            return Const(a + b, node)
        if isinstance(operator, ast.Sub):
            return Const(a - b, node)
        if isinstance(operator, ast.Mult):
            return Const(a * b, node)
        if isinstance(operator, ast.FloorDiv):
            return Const(a // b, node)
        if isinstance(operator, ast.Div):
            return Const(a / b, node)
        if isinstance(operator, ast.Mod):
            return Const(a % b, node)
        if isinstance(operator, ast.Pow) and abs(b) <= 64:
            return Const(a**b, node)
    except (ArithmeticError, ValueError):
        return UNKNOWN
    return UNKNOWN


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dotted(node: ast.AST) -> str | None:
    if node.__class__ is ast.Attribute:
        value = node.value
        if value.__class__ is ast.Name:
            return f"{value.id}.{node.attr}"  # `name.attr`: most of the calls
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _parameter_names(function: Function) -> Iterable[str]:
    arguments = function.args
    for param in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        yield param.arg
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            yield extra.arg


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_ANY_ERROR = frozenset({"Exception", "BaseException"})


def _imports_with_fallback(statement: ast.Try) -> bool:
    """A try statement that catches a failed import: ImportError, or any exception around imports only."""
    if any(handler_catches(handler, _IMPORT_ERRORS) for handler in statement.handlers):
        return True
    imports_only = all(isinstance(line, (ast.Import, ast.ImportFrom)) for line in statement.body)
    return imports_only and any(handler_catches(handler, _ANY_ERROR) for handler in statement.handlers)


_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}


def _truth(value: Value) -> bool | None:
    """The truth of a constant (None: not established)."""
    if isinstance(value, Const) and (value.value is None or isinstance(value.value, (bool, int, float, str))):
        return bool(value.value)
    return None
