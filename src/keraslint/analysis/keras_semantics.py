"""Keras semantics of the evaluator: what calling a Keras name makes (layers, models, applications),
what model methods do (compile, add, fit), model subclasses of the module, and the compile()
records. evaluate.py holds the Python semantics (bindings, calls, branches, loops) it extends."""

from __future__ import annotations

import ast
import functools
import posixpath
import re
from typing import TYPE_CHECKING, Mapping, Union, cast

from keraslint import catalogue
from keraslint.analysis import labels as label_facts
from keraslint.analysis import models
from keraslint.analysis.evidence import VersionEvidence
from keraslint.analysis.records import Output
from keraslint.analysis.values import (
    UNKNOWN,
    CallV,
    ClassV,
    Const,
    DictV,
    FuncV,
    ModelV,
    Ref,
    Seq,
    TensorV,
    Value,
    _Unknown,
)
from keraslint.immutable import field, record

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.analysis.evaluate import Env, Evaluator

_APPLICATIONS = "keras.applications."
MAX_CALL_DEPTH = 6  # nested calls of the module's functions and classes followed

Args = tuple[Value, ...]
Kwargs = tuple[tuple[str, Value], ...]
# A fit()-like call on a compiled model: (method, call node, args, keywords, has_star).
FitCall = tuple[str, ast.Call, Args, dict[str, Value], bool]


_GRAPH_MODE = "tensorflow.compat.v1.disable_eager_execution"
_TF2_BEHAVIOUR = frozenset(
    f"tensorflow.{module}enable_v2_behavior" for module in ("", "compat.v1.", "compat.v2.")
)
# Calls that switch how the whole file runs (looked up on every call: one set test first)
_SWITCHES = frozenset({_GRAPH_MODE, *_TF2_BEHAVIOUR, *catalogue.CUSTOM_OBJECT_REGISTRIES})


@record(frozen=False)
class RawCompile:
    """A compile() call as written, with argument values evaluated where it stands."""

    call: ast.Call
    model: ModelV
    output: Output | _Unknown
    positional: list[tuple[Value, ast.expr]]
    keywords: dict[str, tuple[Value, ast.expr]]
    keyword_nodes: dict[str, ast.keyword]
    double_star: bool  # an unresolved **kwargs: other keywords may be present
    # Label values passed to fit()/evaluate()/train_on_batch() on this model after this compile.
    labels: list[LabelValue] = field(default_factory=list)
    # fit() calls on this model after this compile.
    training: list[FitCall] = field(default_factory=list)
    # Methods called on the model after this compile ("__call__": applied to tensors as a layer).
    uses: set[str] = field(default_factory=set)


class KerasSemantics:
    """Mixed into the Evaluator: the methods that know Keras."""

    # The Evaluator's state and Python semantics used here (defined in evaluate.py), for the type checker.
    graph_mode: bool
    tf2_behavior: bool
    custom_objects: bool
    zeros_made: bool
    regression_targets: dict[tuple[int, str], tuple[Env, str]]
    version_evidence: VersionEvidence
    compiles: list[RawCompile]
    call_compiles: list[RawCompile]
    layer_activations: list[tuple[str, ast.AST]]
    _depth: int
    _call_depth: int
    _record: bool
    _root_env: Env
    _seen_compile_calls: set[int]
    _blind_models: set[int]
    _blind_records: dict[int, RawCompile]

    if TYPE_CHECKING:  # pragma: no cover

        def eval(self, node: ast.expr | None, env: Env) -> Value:
            ...

        def _eval_arguments(self, node: ast.Call, env: Env) -> tuple[Args, Kwargs, bool]:
            ...

        def _call_function(self, function: FuncV, args: Args, kwargs: Kwargs, has_star: bool, env: Env) -> Value:
            ...

        def _run_method(
            self, method: Function, args: Args, kwargs: Kwargs, attributes: dict[str, Value], instance: Value = ...
        ) -> tuple[list[Value], Env] | None:
            ...

    def _switches(self, name: str) -> bool:
        """Notes calls that switch how the whole file runs; True for graph mode (the call returns None)."""
        if name == _GRAPH_MODE:
            self.graph_mode = True
            return True
        if name in _TF2_BEHAVIOUR:
            self.tf2_behavior = True
        elif name in catalogue.CUSTOM_OBJECT_REGISTRIES:
            self.custom_objects = True
        return False

    def _call_ref(self, callee: Ref, args: Args, kwargs: Kwargs, has_star: bool, node: ast.Call) -> Value:
        name = callee.name
        if name in _SWITCHES and self._switches(name):
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
        if name == "os.path.join" and args and not kwargs and not has_star and all(
            isinstance(arg, Const) and isinstance(arg.value, str) for arg in args
        ):
            return Const(posixpath.join(*(arg.value for arg in args)), node)  # type: ignore[union-attr]
        self.version_evidence.call(name, kwargs)
        if name == "numpy.zeros":
            self.zeros_made = True
        loaded = label_facts.call_value(name, args, kwargs, has_star)
        if loaded is not None:
            return loaded  # a data set loader: its targets' facts
        if label_facts.is_regressor_wrapper(name):
            self._follow_regressor(args, kwargs)
        call = CallV(name, args, kwargs, node, has_star, callee.api)
        if name.startswith(models.LAYER_PREFIX):
            self._note_activation_string(call)
        return call

    def _map_dataset(self, dataset: Value, function: Value, node: ast.Call, env: Env) -> Value | None:
        """`dataset.map(f)` on a tf.data dataset of (inputs, targets) pairs: a dataset of the pair f
        returns for them (`lambda x, y: (x / 255, y)`, a module function); None when not established."""
        elements = label_facts.dataset_elements(dataset)
        if elements is None:
            return None
        given = node.args[0]
        if isinstance(function, FuncV):
            result = self._call_function(function, elements, (), False, env)
        elif isinstance(given, ast.Lambda):
            result = self._call_lambda(given, elements, env)
        else:
            return None
        if not isinstance(result, Seq) or len(result.items) != 2:
            return None
        return CallV(label_facts.DATASET_FROM_PAIRS, (Seq(result.items),), (), node)

    def _call_lambda(self, function: ast.Lambda, args: Args, env: Env) -> Value:
        """A lambda of plain positional parameters called with `args`: the value of its body."""
        parameters = function.args
        names = [param.arg for param in parameters.args]
        if parameters.posonlyargs or parameters.vararg or parameters.kwonlyargs or parameters.kwarg:
            return UNKNOWN
        if parameters.defaults or len(names) != len(args):
            return UNKNOWN
        local = env.child()
        local.vars.update(zip(names, args))
        return self.eval(function.body, local)

    def _follow_regressor(self, args: Args, kwargs: Kwargs) -> None:
        """KerasRegressor(build_fn=f): the model f builds and compiles is fitted on continuous targets."""
        given = dict(kwargs)
        build = given.get("build_fn", given.get("model", args[0] if args else None))
        if not isinstance(build, FuncV):
            return
        start = len(self.call_compiles)
        self._call_function(build, (), (), False, self._root_env)
        for raw in self.call_compiles[start:]:
            raw.labels.append(label_facts.REGRESSOR_TARGETS)

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

    def _construct_model(self, name: str, args: Args, kwargs: Kwargs, has_star: bool, node: ast.Call) -> Value:
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

    def _construct_application(self, args: Args, kwargs: Kwargs, has_star: bool, node: ast.Call) -> Value:
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
        value_node = keyword_value(node, "classifier_activation")
        output = Output(width, activation, "Dense", origin, value_node or node, value_node, None,
                        keyword_value(node, "classes"))
        return ModelV(None, output, depth=self._depth, node=node)

    def _model_method(self, model: ModelV, method: str, node: ast.Call, env: Env) -> Value:
        self.version_evidence.model_method(method, (keyword.arg for keyword in node.keywords if keyword.arg),
                                           model.layers is not None)
        if method == "compile":
            if model.own_compile or _blank_compile(node):
                # The class's own compile(): not Keras's arguments. A blank to fill in (`compile()`,
                # `compile(loss=None, optimizer=None)` in an exercise) configures nothing yet.
                self._eval_arguments(node, env)
                return UNKNOWN
            self._record_compile(model, node, env)
            return Const(None, node)
        args, kwargs, has_star = self._eval_arguments(node, env)
        if method == "add":
            if model.layers is None or has_star or len(args) != 1:
                model.poisoned = True
            elif self._depth > model.depth:
                # Added under a branch or loop: that layer is unknown, the ones added after it are not.
                model.layers.append(UNKNOWN)
            else:
                model.layers.append(args[0])
            return Const(None, node)
        if method in ("pop", "build_from_config", "set_weights_and_layers"):
            model.poisoned = True
        if method in catalogue.TRAINING_METHODS and model.compiles:
            given = _labels_of(args, dict(kwargs)) + self._regressor_targets(node, env)
            # inputs_as_targets pairs targets by position; a DatasetLabels there is simply no label fact.
            inputs = label_facts.inputs_as_targets(node, cast("list[Value]", given))
            model.compiles[-1].labels.extend(given + inputs)
        if method in catalogue.FIT_METHODS and model.compiles:
            model.compiles[-1].training.append((method, node, args, dict(kwargs), has_star))
        if model.compiles:
            model.compiles[-1].uses.add(method)
        return UNKNOWN

    def _regressor_targets(self, node: ast.Call, env: Env) -> list[LabelValue]:
        """Continuous targets for `model.fit(X, y)` when a regressor was fitted on the same name y in
        this scope and nothing else says what y is."""
        target = fit_target(node)
        if not isinstance(target, ast.Name) or (id(env), target.id) not in self.regression_targets:
            return []
        if label_facts.label_fact(env.lookup(target.id)) is not None:
            return []
        estimator = self.regression_targets[(id(env), target.id)][1]
        return [label_facts.continuous(f"also fitted by {estimator}")]

    def _record_compile(self, model: ModelV, node: ast.Call, env: Env) -> None:
        positional: list[tuple[Value, ast.expr]] = []
        keywords: dict[str, tuple[Value, ast.expr]] = {}
        keyword_nodes: dict[str, ast.keyword] = {}
        double_star = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.eval(arg.value, env)
                return  # positions unknown: nothing established
            positional.append((self.eval(arg, env), arg))
        for keyword in node.keywords:
            value = self.eval(keyword.value, env)
            if keyword.arg is None:
                if isinstance(value, DictV) and all(isinstance(key, str) for key, _ in value.items):
                    # Reported where the call is written (`**cfg`), the line a person annotates.
                    for key, item in value.items:
                        keywords[key] = (item, keyword.value)
                        keyword_nodes[key] = keyword
                else:
                    double_star = True
            else:
                keywords[keyword.arg] = (value, keyword.value)
                keyword_nodes[keyword.arg] = keyword
        raw = RawCompile(node, model, models.model_output(model), positional, keywords, keyword_nodes, double_star)
        model.compiles.append(raw)
        if not self._record:
            self.call_compiles.append(raw)
            return
        blind = id(model) in self._blind_models
        if id(node) in self._seen_compile_calls:
            earlier = self._blind_records.pop(id(node), None) if not blind else None
            if earlier is not None:
                self.compiles[self.compiles.index(earlier)] = raw  # the model seen at last
            return
        self._seen_compile_calls.add(id(node))
        self.compiles.append(raw)
        if blind:
            self._blind_records[id(node)] = raw

    def _instantiate(self, cls: ClassV, args: Args, kwargs: Kwargs, has_star: bool) -> Value:
        """A keras.Model subclass: __init__ binds self.<layer>; call() returns the output tensor."""
        model = self._instantiate_model(cls, args, kwargs, has_star)
        own_compile = "compile" in cls.methods
        custom_training = bool(catalogue.TRAINING_OVERRIDES & set(cls.methods))
        if own_compile or custom_training:
            if model is UNKNOWN:
                model = ModelV(None, UNKNOWN, depth=self._depth)
            if isinstance(model, ModelV):
                model.own_compile, model.custom_training = own_compile, custom_training
        return model

    def _instantiate_model(self, cls: ClassV, args: Args, kwargs: Kwargs, has_star: bool) -> Value:
        call = cls.methods.get("call")
        if has_star or call is None or self._call_depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        attributes: dict[str, Value] = {}
        init = cls.methods.get("__init__")
        if init is not None:
            ran = self._run_method(init, args, kwargs, {})
            if ran is None:
                return UNKNOWN
            _, local = ran
            attributes = {key: value for key, value in local.vars.items() if key.startswith("self.")}
        ran = self._run_method(call, (TensorV(Output(None, None)),), (), attributes)
        if ran is None:
            return UNKNOWN
        returns, _ = ran
        if len(returns) == 1 and isinstance(returns[0], TensorV):
            return ModelV(None, returns[0].output, depth=self._depth)
        return ModelV(None, UNKNOWN, depth=self._depth)


# Every keyword keras.Model.compile takes on some line (section 3.5).
_COMPILE_KEYWORDS = catalogue.COMPILE_KEYWORDS_L5 | {"sample_weight_mode", "target_tensors", "distribute",
                                                     "pss_evaluation_shards"}


def keras_compile_call(node: ast.Call, env: Env, evaluator: "Evaluator") -> bool:
    """`x.compile(...)` on a receiver the facts cannot see, written as keras.Model.compile is: only
    Keras compile keywords, and a loss Keras knows (a string it spells, or a keras.losses name)."""
    if any(isinstance(arg, ast.Starred) for arg in node.args) or len(node.args) > 3:
        return False
    if any(keyword.arg is None or keyword.arg not in _COMPILE_KEYWORDS for keyword in node.keywords):
        return False
    loss = keyword_value(node, "loss")
    if loss is None and len(node.args) > 1:
        loss = node.args[1]
    if loss is None:
        return False  # no loss: a custom training step may log anything
    optimizer = keyword_value(node, "optimizer")
    if optimizer is None and node.args:
        optimizer = node.args[0]
    if _keras_value(loss, "keras.losses.", env, evaluator, catalogue.LOSS_SPELLINGS):
        return True
    # A Keras optimizer object is evidence too (`compile(loss=loss_fn, optimizer=Adam(...))` with a
    # loss the facts cannot see, a parameter), unless the module defines a compile() of its own,
    # which `self.compile(...)` on an unknown receiver may be.
    if _defines_compile(evaluator.source_text):
        return False
    return _keras_value(optimizer, "keras.optimizers.", env, evaluator, {})


@functools.lru_cache(maxsize=4)
def _defines_compile(source: str) -> bool:
    """Whether the module defines a compile() of its own (searched once per file)."""
    return re.search(r"\bdef\s+compile\s*\(", source) is not None


def _keras_value(
    node: ast.expr | None, prefix: str, env: Env, evaluator: "Evaluator", spellings: Mapping[str, object]
) -> bool:
    """Whether a compile() argument is a Keras object of the module `prefix` (or a string Keras spells)."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in spellings
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
        return False
    value = evaluator.eval(node, env)
    name = value.callee if isinstance(value, CallV) else value.name if isinstance(value, Ref) else ""
    return name.startswith(prefix)


def fit_target(node: ast.Call) -> ast.expr | None:
    """The y of `model.fit(X, y)` / `estimator.fit(X, y=y)`."""
    if len(node.args) > 1:
        return node.args[1]
    return next((keyword.value for keyword in node.keywords if keyword.arg == "y"), None)


def _labels_of(args: Args, keywords: dict[str, Value]) -> list[LabelValue]:
    """The label values a training call passes: y (positional or keyword), validation_data's y,
    or the dataset itself when no y is given (it then carries the labels)."""
    labels: list[LabelValue] = []
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


@record(eq=False)
class DatasetLabels:
    """Labels carried inside the x argument (a tf.data dataset or a directory iterator)."""

    source: Value


# A label value a training call passes: a value, or labels carried inside its x.
LabelValue = Union[Value, DatasetLabels]
# Functions and methods of the module.
Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def _blank_compile(node: ast.Call) -> bool:
    """`compile()` or `compile(loss=None, optimizer=None, ...)`: an exercise's placeholders, left for
    the student to fill in (code that trains names its loss, or its optimizer)."""
    if not node.args and not node.keywords:
        return True
    loss, optimizer = keyword_value(node, "loss"), keyword_value(node, "optimizer")
    return all(isinstance(given, ast.Constant) and given.value is None for given in (loss, optimizer))


def keyword_value(node: ast.Call, keyword: str) -> ast.expr | None:
    for given in node.keywords:
        if given.arg == keyword:
            return given.value
    return None
