"""One pass over a module's statements: binds names to abstract values, follows models, and
records every compile() call with the facts established at that point.

Straight-line code is followed in order; a branch or loop merges what its paths agree on and
turns the rest into UNKNOWN. A model mutated under a branch or loop becomes UNKNOWN.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import libcst as cst

from keraslint import catalogue
from keraslint.analysis import models
from keraslint.analysis.names import canonical
from keraslint.analysis.values import (
    UNKNOWN,
    CallV,
    ClassV,
    Const,
    DictV,
    FuncV,
    MethodV,
    ModelV,
    Output,
    Ref,
    Seq,
    TensorV,
    Value,
)

_MAX_EXPRESSION_DEPTH = 150
_MAX_CALL_DEPTH = 6
_MAX_FOLLOWED_CALLS = 400
_SEQUENCE_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort", "update"})
_L5_EVIDENCE_PREFIXES = ("keras.ops", "keras.random", "keras.tree")


@dataclasses.dataclass
class RawCompile:
    """A compile() call as written, with argument values evaluated where it stands."""

    call: cst.Call
    model: ModelV
    output: Output | type(UNKNOWN)  # type: ignore[valid-type]
    positional: list[tuple[Value, cst.BaseExpression]]
    keywords: dict[str, tuple[Value, cst.BaseExpression]]
    keyword_nodes: dict[str, cst.CSTNode]
    double_star: bool  # an unresolved **kwargs: other keywords may be present
    # Every (activation string, its node) given to a Keras layer in the file so far.
    layer_activations: list[tuple[str, cst.CSTNode]]
    # Label values passed to fit()/evaluate()/train_on_batch() on this model after this compile.
    labels: list[Value] = dataclasses.field(default_factory=list)


class Env:
    def __init__(self, parent: "Env | None" = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.star_module: str | None = None

    def lookup(self, name: str) -> Value:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            if env.star_module is not None and env.parent is None and "." not in name:
                return Ref(canonical(f"{env.star_module}.{name}")[0])
            env = env.parent
        if name in _BUILTINS:
            return Ref(name)
        return UNKNOWN


_BUILTINS = frozenset({"len", "int", "float", "str", "list", "tuple", "dict", "print", "range"})


class Evaluator:
    def __init__(self) -> None:
        self.compiles: list[RawCompile] = []
        self.apis: set[str] = set()
        self.keras3_evidence = False
        self.graph_mode = False
        self._depth = 0  # branch depth
        self._call_depth = 0
        self._expr_depth = 0
        self._record = True
        self._returns: list[list[Value]] = []
        self._pending_functions: list[tuple[cst.FunctionDef, Env]] = []
        self._classes: list[list] = []  # each class's methods, for attributes shared between them
        self._seen_compile_calls: set[int] = set()
        self.layer_activations: list[tuple[str, cst.CSTNode]] = []
        self._activations_checked = 0
        # compile() calls met while following a call of a module function (a builder that compiles).
        self.call_compiles: list[RawCompile] = []
        # Following calls of module functions is bounded: per file, and never into recursion.
        self._calls_left = _MAX_FOLLOWED_CALLS
        self._active_functions: list[cst.FunctionDef] = []
        # Module-level statement being walked, and for every evaluated node the statement holding
        # it: positions are then computed for that one statement, not the whole module.
        self._top: cst.CSTNode | None = None
        self.tops: dict[int, cst.CSTNode] = {}

    # --- entry -------------------------------------------------------------------------------

    def run(self, module: cst.Module) -> None:
        env = Env()
        self._root_env = env
        for statement in module.body:
            self._top = statement
            self.walk_statement(statement, env)
        # Function and method bodies are checked on their own, with parameters unknown.
        walked: set[int] = set()
        ends: dict[int, dict[str, Value]] = {}
        while self._pending_functions:
            function, outer, self._top = self._pending_functions.pop(0)
            if id(function) in walked:
                continue
            walked.add(id(function))
            ends[id(function)] = self._walk_unknown_parameters(function, outer, {})
        for methods in self._classes:
            self._share_model_attributes(methods, ends)

    def _walk_unknown_parameters(self, function: cst.FunctionDef, outer: Env, attributes: dict[str, Value]):
        local = Env(outer)
        for name in _parameter_names(function):
            local.vars[name] = UNKNOWN
        local.vars.update(attributes)
        saved = self._depth
        self._depth = 0
        self._returns.append([])
        self.walk_block(_body_statements(function.body), local)
        self._returns.pop()
        self._depth = saved
        return local.vars

    def _share_model_attributes(self, methods, ends: dict[int, dict[str, Value]]) -> None:
        """`self.model = <model>` bound by one method of a class (once, not under a branch) is that
        model in the class's other methods: they are walked again with it, e.g. a compile() in train()."""
        bound_by: dict[str, list] = {}
        for function, _outer, _top in methods:
            self_name = _self_name(function)
            if self_name is None:
                return
            for key in _bound_names(_body_statements(function.body)):
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
        for function, outer, top in methods:
            self_name = _self_name(function)
            own = {key for key, binders in bound_by.items() if function in binders}
            attributes = {
                key.replace("self", self_name, 1): value for key, value in shared.items() if key not in own
            }
            if attributes:
                self._top = top
                self._walk_unknown_parameters(function, outer, attributes)

    # --- statements --------------------------------------------------------------------------

    def walk_block(self, statements: Sequence[cst.BaseStatement], env: Env) -> None:
        for statement in statements:
            self.walk_statement(statement, env)

    def walk_statement(self, statement: cst.BaseStatement, env: Env) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.walk_small(small, env)
        elif isinstance(statement, cst.If):
            self._walk_if(statement, env)
        elif isinstance(statement, (cst.For, cst.While)):
            self._walk_loop(statement, env)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            self._walk_try(statement, env)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self.eval(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, UNKNOWN, env)
            self.walk_block(_body_statements(statement.body), env)
        elif isinstance(statement, cst.FunctionDef):
            defaults: dict[str, Value] = {}
            for param in (*statement.params.params, *statement.params.kwonly_params):
                if param.default is not None:
                    defaults[param.name.value] = self.eval(param.default, env)
            env.vars[statement.name.value] = FuncV(statement, defaults, self._top)
            self._pending_functions.append((statement, env, self._top))
        elif isinstance(statement, cst.ClassDef):
            methods = {
                inner.name.value: inner for inner in _body_statements(statement.body) if isinstance(inner, cst.FunctionDef)
            }
            bases = [self.eval(base.value, env) for base in statement.bases if base.keyword is None]
            is_model = any(isinstance(base, Ref) and base.name == "keras.Model" for base in bases)
            env.vars[statement.name.value] = ClassV(statement, methods, self._top) if is_model else UNKNOWN
            for inner in methods.values():
                self._pending_functions.append((inner, env, self._top))
            self._classes.append([(inner, env, self._top) for inner in methods.values()])
            for inner in _body_statements(statement.body):
                if isinstance(inner, cst.ClassDef):
                    self.walk_statement(inner, Env(env))  # nested classes: their methods are checked too
        elif isinstance(statement, cst.Match):
            self._walk_branches([_body_statements(case.body) for case in statement.cases], env, exhaustive=False)
        else:
            pass

    def walk_small(self, small: cst.BaseSmallStatement, env: Env) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, env)
            for target in small.targets:
                self.bind(target.target, value, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.bind(small.target, self.eval(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            self.eval(small.value, env)
            self.bind(small.target, UNKNOWN, env)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, env)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                dotted = _dotted(alias.name)
                if dotted is None:
                    continue
                if alias.asname is not None:
                    self.bind(alias.asname.name, self.ref(dotted, imported=True), env)
                else:
                    root = dotted.split(".")[0]
                    self.ref(dotted, imported=True)
                    env.vars[root] = self.ref(root)
        elif isinstance(small, cst.ImportFrom):
            self._walk_import_from(small, env)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, env) if small.value is not None else Const(None)
            if self._returns:
                self._returns[-1].append(value if self._depth == 0 else UNKNOWN)
        elif isinstance(small, cst.Del):
            self._delete(small.target, env)

    def _walk_import_from(self, small: cst.ImportFrom, env: Env) -> None:
        if small.relative or small.module is None:
            if not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    self.bind(alias.asname.name if alias.asname else alias.name, UNKNOWN, env)
            return
        module = _dotted(small.module)
        if module is None:
            return
        if isinstance(small.names, cst.ImportStar):
            self.ref(module, imported=True)
            env.star_module = module if env.star_module is None else "<several>"
            return
        for alias in small.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            target = alias.asname.name if alias.asname is not None else alias.name
            self.bind(target, self.ref(f"{module}.{name}", imported=True), env)

    def _walk_if(self, statement: cst.If, env: Env) -> None:
        self.eval(statement.test, env)
        if _is_main_guard(statement.test):
            self.walk_block(_body_statements(statement.body), env)
            return
        branches = [_body_statements(statement.body)]
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            branches.append([orelse])
        elif isinstance(orelse, cst.Else):
            branches.append(_body_statements(orelse.body))
        self._walk_branches(branches, env, exhaustive=orelse is not None)

    def _walk_branches(self, branches: list[Sequence[cst.BaseStatement]], env: Env, exhaustive: bool) -> None:
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

    def _walk_loop(self, statement: cst.For | cst.While, env: Env) -> None:
        if isinstance(statement, cst.For):
            self.eval(statement.iter, env)
        else:
            self.eval(statement.test, env)
        body = _body_statements(statement.body)
        before = dict(env.vars)
        # What the body rebinds is unknown on entry to a later iteration: found syntactically, so
        # that nested loops are walked once each, not 2**depth times.
        changed = _bound_names(body)
        for name in changed:
            env.vars[name] = UNKNOWN
        self._depth += 1
        if isinstance(statement, cst.For):
            self.bind(statement.target, UNKNOWN, env)
        self.walk_block(body, env)
        self._depth -= 1
        for name in set(env.vars) | changed:
            if before.get(name, None) is not env.vars.get(name):
                env.vars[name] = UNKNOWN
        if statement.orelse is not None:
            self.walk_block(_body_statements(statement.orelse.body), env)

    def _walk_try(self, statement: cst.Try | cst.TryStar, env: Env) -> None:
        before = dict(env.vars)
        self.walk_block(_body_statements(statement.body), env)
        if statement.orelse is not None:
            self.walk_block(_body_statements(statement.orelse.body), env)
        outcomes = [env.vars]
        self._depth += 1
        for handler in statement.handlers:
            env.vars = dict(before)
            self.walk_block(_body_statements(handler.body), env)
            outcomes.append(env.vars)
        self._depth -= 1
        env.vars = _merge(outcomes)
        if statement.finalbody is not None:
            self.walk_block(_body_statements(statement.finalbody.body), env)

    # --- binding -----------------------------------------------------------------------------

    def bind(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if isinstance(value, Seq) and len(value.items) == len(elements) and not any(
                isinstance(element, cst.StarredElement) for element in elements
            ):
                for element, item in zip(elements, value.items):
                    self.bind(element.value, item, env)
            else:
                for element in elements:
                    self.bind(element.value, UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            key = _dotted(target)
            if key is not None:
                env.vars[key] = value
            self._invalidate_base(target.value, env)
        elif isinstance(target, cst.Subscript):
            self._invalidate_base(target.value, env)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, UNKNOWN, env)

    def _invalidate_base(self, base: cst.BaseExpression, env: Env) -> None:
        """`x[0] = ...` / `x.attr = ...` may change what x is: forget facts about x."""
        key = _dotted(base)
        if key is None:
            return
        value = env.lookup(key)
        if isinstance(value, ModelV):
            value.poisoned = True
        elif isinstance(value, (Seq, DictV)):
            env.vars[key] = UNKNOWN

    def _delete(self, target: cst.BaseExpression, env: Env) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, env)
        else:
            key = _dotted(target)
            if key is not None:
                env.vars[key] = UNKNOWN
            elif isinstance(target, (cst.Subscript, cst.Attribute)):
                self._invalidate_base(target.value, env)

    def ref(self, dotted: str, imported: bool = False) -> Ref:
        """A Ref by canonical name; `imported` records the import style (API) the file uses."""
        name, api = canonical(dotted)
        if api is not None:
            if imported:
                self.apis.add(api)
                if dotted.startswith("keras.src"):
                    self.keras3_evidence = True
            if name.startswith(_L5_EVIDENCE_PREFIXES):
                self.keras3_evidence = True
        return Ref(name)

    # --- expressions -------------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression | None, env: Env) -> Value:
        if node is None:
            return UNKNOWN
        if self._expr_depth > _MAX_EXPRESSION_DEPTH:
            return UNKNOWN
        self.tops[id(node)] = self._top
        self._expr_depth += 1
        try:
            return self._eval(node, env)
        finally:
            self._expr_depth -= 1

    def _eval(self, node: cst.BaseExpression, env: Env) -> Value:
        if isinstance(node, cst.Name):
            if node.value in ("None", "True", "False"):
                return Const({"None": None, "True": True, "False": False}[node.value], node)
            return env.lookup(node.value)
        if isinstance(node, cst.Attribute):
            return self._eval_attribute(node, env)
        if isinstance(node, cst.Call):
            return self._eval_call(node, env)
        if isinstance(node, (cst.Integer, cst.Float)):
            try:
                return Const(node.evaluated_value, node)
            except (ValueError, SyntaxError):
                return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = node.evaluated_value
            except Exception:  # odd prefixes or escapes: no fact
                return UNKNOWN
            return Const(value, node) if isinstance(value, str) else UNKNOWN
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            nodes = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    self.eval(element.value, env)
                    return UNKNOWN
                items.append(self.eval(element.value, env))
                nodes.append(element.value)
            return Seq(tuple(items), node, tuple(nodes))
        if isinstance(node, cst.Dict):
            return self._eval_dict(node, env)
        if isinstance(node, cst.BinaryOperation):
            return _binary(node, self.eval(node.left, env), self.eval(node.right, env))
        if isinstance(node, cst.UnaryOperation):
            operand = self.eval(node.expression, env)
            if isinstance(node.operator, cst.Minus) and isinstance(operand, Const) and _is_number(operand.value):
                return Const(-operand.value, node)
            return UNKNOWN
        if isinstance(node, cst.Subscript):
            return self._eval_subscript(node, env)
        # Anything else (lambda, comprehension, f-string, ...) establishes nothing, but calls inside
        # it are still visited for compile() sites only when they are plain statements.
        return UNKNOWN

    def _eval_attribute(self, node: cst.Attribute, env: Env) -> Value:
        key = _dotted(node)
        if key is not None and "." in key:
            bound = env.lookup(key)
            if bound is not UNKNOWN:
                return bound
        base = self.eval(node.value, env)
        attr = node.attr.value
        if isinstance(base, Ref):
            return self.ref(f"{base.name}.{attr}")
        if isinstance(base, ModelV):
            if attr == "output":
                return TensorV(models.model_output(base))
            return UNKNOWN
        if isinstance(base, (CallV, MethodV)) and attr == "values":
            return base  # pandas .values keeps what the frame holds
        return UNKNOWN

    def _eval_dict(self, node: cst.Dict, env: Env) -> Value:
        items = []
        nodes = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                self.eval(element.value, env)
                return UNKNOWN
            key = self.eval(element.key, env)
            value = self.eval(element.value, env)
            if not isinstance(key, Const):
                return UNKNOWN
            items.append((key.value, value))
            nodes.append(element.value)
        return DictV(tuple(items), node, tuple(nodes))

    def _eval_subscript(self, node: cst.Subscript, env: Env) -> Value:
        base = self.eval(node.value, env)
        if isinstance(base, (CallV, MethodV)):
            return self._eval_getitem(base, node, env)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return UNKNOWN
        index = self.eval(node.slice[0].slice.value, env)
        if not isinstance(index, Const):
            return UNKNOWN
        if isinstance(base, Seq) and isinstance(index.value, int) and not isinstance(index.value, bool):
            if -len(base.items) <= index.value < len(base.items):
                return base.items[index.value]
            return UNKNOWN
        if isinstance(base, DictV):
            return base.get(index.value)
        return UNKNOWN

    def _eval_getitem(self, base: Value, node: cst.Subscript, env: Env) -> Value:
        """`np.eye(n)[y]` and similar: a label transformation rules may recognise."""
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            return base  # rows of the labels are labels of the same kind (not `y[:, 0]`)
        if isinstance(base, CallV) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return MethodV(base, "__getitem__", (self.eval(node.slice[0].slice.value, env),), ())
        return UNKNOWN

    def _eval_call(self, node: cst.Call, env: Env) -> Value:
        func = node.func
        bound = UNKNOWN
        if isinstance(func, cst.Attribute):
            key = _dotted(func)
            bound = env.lookup(key) if key is not None else UNKNOWN  # e.g. self.head bound in __init__
        if bound is not UNKNOWN:
            callee = bound
        elif isinstance(func, cst.Attribute):
            receiver = self.eval(func.value, env)
            method = func.attr.value
            if isinstance(receiver, ModelV):
                return self._model_method(receiver, method, node, env)
            if isinstance(receiver, (Seq, DictV)) and method in _SEQUENCE_MUTATORS:
                key = _dotted(func.value)
                if key is not None:
                    env.vars[key] = UNKNOWN
                self._eval_arguments(node, env)
                return UNKNOWN
            if not isinstance(receiver, Ref):
                args, kwargs, has_star = self._eval_arguments(node, env)
                if has_star or (receiver is UNKNOWN and method not in _KIND_FIXING_METHODS):
                    return UNKNOWN
                return MethodV(receiver, method, args, kwargs)
            callee = self.ref(f"{receiver.name}.{method}")
        else:
            callee = self.eval(func, env)
        args, kwargs, has_star = self._eval_arguments(node, env)
        if isinstance(callee, Ref):
            return self._call_ref(callee, args, kwargs, has_star, node)
        if isinstance(callee, CallV):  # a layer applied to a tensor
            incoming = models.tensor_output(args[0]) if args else UNKNOWN
            if callee.callee in catalogue.MODEL_CLASSES:
                return UNKNOWN
            return TensorV(models.apply_layer(callee, incoming))
        if isinstance(callee, ModelV):
            return TensorV(models.model_output(callee))
        if isinstance(callee, FuncV):
            return self._call_function(callee, args, kwargs, has_star, env)
        if isinstance(callee, ClassV):
            return self._instantiate(callee, args, kwargs, has_star)
        return UNKNOWN

    def _eval_arguments(self, node: cst.Call, env: Env):
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        has_star = False
        for arg in node.args:
            value = self.eval(arg.value, env)
            if arg.star == "**":
                if isinstance(value, DictV) and all(isinstance(key, str) for key, _ in value.items):
                    kwargs.extend(value.items)
                else:
                    has_star = True
            elif arg.star == "*":
                if isinstance(value, Seq):
                    args.extend(value.items)
                else:
                    has_star = True
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                args.append(value)
        return tuple(args), tuple(kwargs), has_star

    def _call_ref(self, callee: Ref, args, kwargs, has_star: bool, node: cst.Call) -> Value:
        name = callee.name
        if name == "tensorflow.compat.v1.disable_eager_execution":
            self.graph_mode = True
            return Const(None, node)
        if name in catalogue.MODEL_CLASSES:
            return self._construct_model(name, args, kwargs, has_star, node)
        if name.startswith(_APPLICATIONS) and name[len(_APPLICATIONS) :][:1].isupper():
            return self._construct_application(args, kwargs, has_star, node)
        if name in catalogue.INPUT_CALLABLES:
            return TensorV(Output(None, None))
        if name in catalogue.ACTIVATION_FUNCTIONS and args and isinstance(args[0], TensorV):
            incoming = args[0].output
            activation = catalogue.ACTIVATION_FUNCTIONS[name]
            return TensorV(models.with_activation(incoming, activation, models.activation_origin(name), node, None))
        if name == "sklearn.model_selection.train_test_split" and args and not has_star:
            # (a_train, a_test, b_train, b_test, ...): rows of each array keep its label kind
            return Seq(tuple(part for array in args for part in (array, array)), node)
        if name == "len" and len(args) == 1 and isinstance(args[0], (Seq, DictV)):
            return Const(len(args[0].items), node)
        if name == "int" and len(args) == 1 and isinstance(args[0], Const) and isinstance(args[0].value, int):
            return args[0]
        call = CallV(name, args, kwargs, node, has_star)
        if name.startswith(models.LAYER_PREFIX):
            self._note_activation_string(call)
        return call

    def _note_activation_string(self, layer: CallV) -> None:
        layer_name = layer.callee[len(models.LAYER_PREFIX) :]
        position = 0 if layer_name == "Activation" else catalogue.DENSE_LIKE.get(layer_name, -1)
        if position == -1:
            return
        given = layer.kwarg("activation")
        if given is None and position is not None and position < len(layer.args):
            given = layer.args[position]
        if isinstance(given, Const) and isinstance(given.value, str) and given.node is not None:
            self.layer_activations.append((given.value, given.node))

    def _construct_model(self, name: str, args, kwargs, has_star: bool, node: cst.Call) -> Value:
        if has_star:
            return UNKNOWN
        given = dict(kwargs)
        if name == "keras.Sequential":
            layers = given.get("layers", args[0] if args else None)
            if layers is None:
                return ModelV([], depth=self._depth, node=node)
            if isinstance(layers, Seq):
                return ModelV(list(layers.items), depth=self._depth, node=node)
            return UNKNOWN
        outputs = given.get("outputs", given.get("output", args[1] if len(args) > 1 else None))
        if outputs is None:
            return UNKNOWN  # a subclassed-style Model() call: not followed here
        if isinstance(outputs, Seq) and len(outputs.items) == 1:
            outputs = outputs.items[0]
        if isinstance(outputs, TensorV):
            return ModelV(None, outputs.output, depth=self._depth, node=node)
        if isinstance(outputs, Seq):
            facts = tuple(models.tensor_output(item) for item in outputs.items)
            return ModelV(None, UNKNOWN, depth=self._depth, node=node, outputs=facts)
        if isinstance(outputs, DictV):
            facts = tuple(models.tensor_output(item) for _, item in outputs.items)
            keys = tuple(key for key, _ in outputs.items)
            return ModelV(None, UNKNOWN, depth=self._depth, node=node, outputs=facts, output_keys=keys)
        return ModelV(None, UNKNOWN, depth=self._depth, node=node)

    def _construct_application(self, args, kwargs, has_star: bool, node: cst.Call) -> Value:
        """keras.applications.X(...): a classifier head unless include_top=False."""
        if has_star or args:
            return UNKNOWN  # positional parameters differ between applications
        given = dict(kwargs)
        include_top = given.get("include_top", Const(True))
        if not isinstance(include_top, Const) or include_top.value is not True:
            return ModelV(None, UNKNOWN, depth=self._depth, node=node)  # features, not classes
        classes = given.get("classes", Const(1000))
        width = classes.value if isinstance(classes, Const) and type(classes.value) is int else None
        activation_value = given.get("classifier_activation", Const("softmax"))
        activation, origin = models.activation_of(activation_value)
        value_node = _keyword_value(node, "classifier_activation")
        output = Output(width, activation, "Dense", origin, value_node or node, value_node, None, _keyword_value(node, "classes"))
        return ModelV(None, output, depth=self._depth, node=node)

    def _model_method(self, model: ModelV, method: str, node: cst.Call, env: Env) -> Value:
        if method == "compile":
            self._record_compile(model, node, env)
            return Const(None, node)
        args, _, has_star = self._eval_arguments(node, env)
        if method == "add":
            if model.layers is None or has_star or len(args) != 1 or self._depth > model.depth:
                model.poisoned = True
            else:
                model.layers.append(args[0])
            return Const(None, node)
        if method in ("pop", "build_from_config", "set_weights_and_layers"):
            model.poisoned = True
        if method in _TRAINING_METHODS and model.compiles:
            labels = _labels_of(args, dict(self._keywords_of(node, env)))
            if labels is not None:
                model.compiles[-1].labels.extend(labels)
        return UNKNOWN

    def _keywords_of(self, node: cst.Call, env: Env):
        for arg in node.args:
            if arg.keyword is not None:
                yield arg.keyword.value, self.eval(arg.value, env)

    def _record_compile(self, model: ModelV, node: cst.Call, env: Env) -> None:
        positional: list[tuple[Value, cst.BaseExpression]] = []
        keywords: dict[str, tuple[Value, cst.BaseExpression]] = {}
        keyword_nodes: dict[str, cst.CSTNode] = {}
        double_star = False
        for arg in node.args:
            value = self.eval(arg.value, env)
            if arg.star == "**":
                if isinstance(value, DictV) and all(isinstance(key, str) for key, _ in value.items):
                    # Reported where the call is written (`**cfg`), the line a person annotates.
                    for key, item in value.items:
                        keywords[key] = (item, arg.value)
                        keyword_nodes[key] = arg
                    self.tops[id(arg)] = self._top
                else:
                    double_star = True
            elif arg.star == "*":
                return  # positions unknown: nothing established
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = (value, arg.value)
                keyword_nodes[arg.keyword.value] = arg
                self.tops[id(arg)] = self._top
            else:
                positional.append((value, arg.value))
        # Each layer activation string is checked with the first compile() after it, once per file.
        activations = self.layer_activations[self._activations_checked :]
        self._activations_checked = len(self.layer_activations)
        record = RawCompile(node, model, models.model_output(model), positional, keywords, keyword_nodes, double_star,
                            activations)
        model.compiles.append(record)
        if not self._record:
            self.call_compiles.append(record)
            return
        if id(node) in self._seen_compile_calls:
            return
        self._seen_compile_calls.add(id(node))
        self.compiles.append(record)

    def _instantiate(self, cls: ClassV, args, kwargs, has_star: bool) -> Value:
        """A keras.Model subclass: __init__ binds self.<layer>; call() returns the output tensor."""
        call = cls.methods.get("call")
        if has_star or call is None or self._call_depth >= _MAX_CALL_DEPTH:
            return UNKNOWN
        attributes: dict[str, Value] = {}
        init = cls.methods.get("__init__")
        if init is not None:
            ran = self._run_method(init, args, kwargs, {}, cls.top)
            if ran is None:
                return UNKNOWN
            _, local = ran
            attributes = {key: value for key, value in local.vars.items() if key.startswith("self.")}
        ran = self._run_method(call, (TensorV(Output(None, None)),), (), attributes, cls.top)
        if ran is None:
            return UNKNOWN
        returns, _ = ran
        if len(returns) == 1 and isinstance(returns[0], TensorV):
            return ModelV(None, returns[0].output, depth=self._depth)
        return ModelV(None, UNKNOWN, depth=self._depth)

    def _run_method(self, method: cst.FunctionDef, args, kwargs, attributes: dict[str, Value], top):
        """Run a method body with `self` and the given arguments; (returns, local env) or None."""
        if not method.params.params:
            return None
        defaults = {
            param.name.value: self.eval(param.default, self._root_env)
            for param in (*method.params.params[1:], *method.params.kwonly_params)
            if param.default is not None
        }
        local = self._bind_arguments(method.params, args, kwargs, defaults, skip_self=True)
        if local is None:
            return None
        local.vars.update(attributes)
        return self._run_body(method, local, top), local

    def _bind_arguments(self, params: cst.Parameters, args, kwargs, defaults: dict[str, Value], skip_self: bool):
        """A local scope with the parameters bound as a call binds them; None when that is unclear."""
        if params.posonly_params:
            return None
        positional = list(params.params[1:] if skip_self else params.params)
        names = [param.name.value for param in positional]
        if len(args) > len(names) and not isinstance(params.star_arg, cst.Param):
            return None
        declared = set(names) | {param.name.value for param in params.kwonly_params}
        if params.star_kwarg is None and any(key not in declared for key, _ in kwargs):
            return None
        bound = dict(defaults)
        bound.update(zip(names, args))
        bound.update((key, value) for key, value in kwargs if key in declared)
        local = Env(self._root_env)
        for name in declared:
            local.vars[name] = bound.get(name, UNKNOWN)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                local.vars[extra.name.value] = UNKNOWN
        if skip_self:
            local.vars[params.params[0].name.value] = UNKNOWN
        return local

    def _run_body(self, function: cst.FunctionDef, local: Env, top) -> list[Value]:
        saved = (self._depth, self._record, self._top)
        self._depth, self._record, self._top = 0, False, top
        self._call_depth += 1
        self._active_functions.append(function)
        self._returns.append([])
        try:
            self.walk_block(_body_statements(function.body), local)
            return self._returns[-1]
        finally:
            self._returns.pop()
            self._active_functions.pop()
            self._call_depth -= 1
            self._depth, self._record, self._top = saved

    def _call_function(self, function: FuncV, args, kwargs, has_star: bool, env: Env) -> Value:
        if has_star or self._call_depth >= _MAX_CALL_DEPTH or self._calls_left <= 0:
            return UNKNOWN
        if function.node in self._active_functions:
            return UNKNOWN  # recursion: the result is not established
        self._calls_left -= 1
        local = self._bind_arguments(function.node.params, args, kwargs, function.defaults, skip_self=False)
        if local is None:
            return UNKNOWN
        returns = self._run_body(function.node, local, function.top)
        if len(returns) == 1:
            result = returns[0]
            if isinstance(result, ModelV):
                result.depth = self._depth
            return result
        return UNKNOWN


# --- helpers ---------------------------------------------------------------------------------

_APPLICATIONS = "keras.applications."
# Methods whose result kind does not depend on the receiver (`anything.argmax(axis=1)` is class ids).
_KIND_FIXING_METHODS = frozenset({"argmax"})
_TRAINING_METHODS = frozenset(
    {"fit", "evaluate", "train_on_batch", "test_on_batch", "fit_generator", "evaluate_generator"}
)


def _labels_of(args, keywords: dict[str, Value]) -> list[Value] | None:
    """The label values a training call passes: y (positional or keyword), validation_data's y,
    or the dataset itself when no y is given (it then carries the labels)."""
    labels: list[Value] = []
    if "y" in keywords:
        labels.append(keywords["y"])
    elif len(args) > 1:
        labels.append(args[1])
    elif "x" in keywords or args:
        labels.append(DatasetLabels(keywords.get("x", args[0] if args else UNKNOWN)))
    validation = keywords.get("validation_data")
    if isinstance(validation, Seq) and len(validation.items) >= 2:
        labels.append(validation.items[1])
    elif validation is not None:
        labels.append(DatasetLabels(validation))
    return labels


@dataclasses.dataclass(eq=False)
class DatasetLabels:
    """Labels carried inside the x argument (a tf.data dataset or a directory iterator)."""

    source: Value


def _keyword_value(node: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _bound_names(statements: Sequence[cst.BaseStatement]) -> set[str]:
    """Names (and dotted keys like self.model) a block may bind, found without evaluating it."""
    names: set[str] = set()

    def targets(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                targets(element.value)
        elif isinstance(node, cst.StarredElement):
            targets(node.value)
        elif isinstance(node, (cst.Subscript, cst.Attribute)):
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

    def block(body: Sequence[cst.BaseStatement]) -> None:
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign):
                        for target in small.targets:
                            targets(target.target)
                    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                        targets(small.target)
                    elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                        for alias in small.names:
                            bound = alias.asname.name if alias.asname is not None else alias.name
                            key = _dotted(bound)
                            if key is not None:
                                names.add(key.split(".")[0])
                    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                        func = small.value.func
                        if isinstance(func, cst.Attribute) and func.attr.value not in catalogue.READ_ONLY_METHODS:
                            receiver = _dotted(func.value)
                            if receiver is not None:
                                names.add(receiver)  # a method call may change its receiver
                    elif isinstance(small, cst.Del):
                        targets(small.target)
            elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                names.add(statement.name.value)
            else:
                if isinstance(statement, cst.For):
                    targets(statement.target)
                if isinstance(statement, cst.With):
                    for item in statement.items:
                        if item.asname is not None:
                            targets(item.asname.name)
                for child in _child_blocks(statement):
                    block(child)

    block(statements)
    return names


def _self_name(function: cst.FunctionDef) -> str | None:
    params = function.params.params
    return params[0].name.value if params else None


def _child_blocks(statement: cst.BaseStatement) -> list[Sequence[cst.BaseStatement]]:
    blocks = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        blocks.append(_body_statements(body))
    orelse = getattr(statement, "orelse", None)
    if isinstance(orelse, cst.If):
        blocks.append([orelse])
    elif orelse is not None and hasattr(orelse, "body"):
        blocks.append(_body_statements(orelse.body))
    for handler in getattr(statement, "handlers", ()) or ():
        blocks.append(_body_statements(handler.body))
    final = getattr(statement, "finalbody", None)
    if final is not None:
        blocks.append(_body_statements(final.body))
    for case in getattr(statement, "cases", ()) or ():
        blocks.append(_body_statements(case.body))
    return blocks


def _merge(outcomes: list[dict[str, Value]]) -> dict[str, Value]:
    merged: dict[str, Value] = {}
    names = set().union(*outcomes)
    for name in names:
        values = [outcome.get(name, UNKNOWN) for outcome in outcomes]
        first = values[0]
        if all(value is first or (type(value) is type(first) and _same(value, first)) for value in values):
            merged[name] = first
        else:
            merged[name] = UNKNOWN
    return merged


def _same(left: Value, right: Value) -> bool:
    if isinstance(left, (Const, Ref)):
        return left == right
    return left is right


def _binary(node: cst.BinaryOperation, left: Value, right: Value) -> Value:
    if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(node.operator, cst.Add):
        return Seq(left.items + right.items, node, left.item_nodes + right.item_nodes)
    if not (isinstance(left, Const) and isinstance(right, Const)):
        return UNKNOWN
    a, b = left.value, right.value
    if not (_is_number(a) and _is_number(b)):
        return UNKNOWN
    operator = node.operator
    try:
        if isinstance(operator, cst.Add):
            return Const(a + b, node)
        if isinstance(operator, cst.Subtract):
            return Const(a - b, node)
        if isinstance(operator, cst.Multiply):
            return Const(a * b, node)
        if isinstance(operator, cst.FloorDivide):
            return Const(a // b, node)
        if isinstance(operator, cst.Divide):
            return Const(a / b, node)
        if isinstance(operator, cst.Modulo):
            return Const(a % b, node)
        if isinstance(operator, cst.Power) and abs(b) <= 64:
            return Const(a**b, node)
    except (ArithmeticError, ValueError):
        return UNKNOWN
    return UNKNOWN


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dotted(node: cst.CSTNode) -> str | None:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _body_statements(body: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return ()


def _parameter_names(function: cst.FunctionDef) -> Iterable[str]:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        yield param.name.value
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg.name.value
    if params.star_kwarg is not None:
        yield params.star_kwarg.name.value


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0].comparator
    return (
        isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and isinstance(target, cst.SimpleString)
        and target.evaluated_value == "__main__"
    )
