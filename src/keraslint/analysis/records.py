"""The fact records rules read: immutable, typed, computed once per file.

Every field is an established fact or None (not established). `ast` nodes ride along only as
report positions and fix targets (compare=False): rules never walk them.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from keraslint.lines import Line


class Text(str, enum.Enum):
    """An enum whose members are their spelling, in messages and in comparisons with strings."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class LossKind(Text):
    BCE = "binary_crossentropy"
    CCE = "categorical_crossentropy"
    SCCE = "sparse_categorical_crossentropy"
    BFCE = "binary_focal_crossentropy"
    CFCE = "categorical_focal_crossentropy"
    REGRESSION = "regression"
    OTHER = "other"


class MetricForm(Text):
    STRING = "string"  # metrics=["accuracy"]
    INSTANCE = "instance"  # keras.metrics.AUC()
    CLASS = "class"  # keras.metrics.AUC (uninstantiated)
    FUNCTION = "function"  # keras.metrics.binary_accuracy


class Activation(Text):
    """The activations rules reason about; any other established activation is OTHER."""

    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"
    LINEAR = "linear"
    RELU = "relu"
    TANH = "tanh"
    ELU = "elu"
    SELU = "selu"
    SOFTPLUS = "softplus"
    SOFTSIGN = "softsign"
    HARD_SIGMOID = "hard_sigmoid"
    EXPONENTIAL = "exponential"
    LOG_SOFTMAX = "log_softmax"
    OTHER = "other"


class Origin(Text):
    """Who applied the output activation: a Keras activation records the logits the TensorFlow
    backend recovers; a raw tf.nn / tf.math function does not."""

    KERAS = "keras"
    RAW = "raw"


class LabelKind(Text):
    ONE_HOT = "one-hot"
    INTEGER = "integer"
    BINARY = "binary"
    MULTI_HOT = "multi-hot"


class Severity(Text):
    WRONG_NUMBER = "wrong-number"
    BROKEN = "broken"
    DEGRADED = "degraded"
    CRASH = "crash"
    STYLE = "style"


class FixSafety(Text):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclasses.dataclass(frozen=True)
class Output:
    """What a model or tensor produces: width of the last axis and the activation applied last."""

    width: int | None  # None: unknown
    activation: Activation | None  # None: unknown; LINEAR when no activation
    layer: str | None = None  # class name of the layer that set the width
    origin: Origin | None = None
    activation_node: ast.AST | None = dataclasses.field(default=None, compare=False, repr=False)
    activation_value: ast.AST | None = dataclasses.field(default=None, compare=False, repr=False)
    name: str | None = None  # `name=` of the last layer applied: how dict losses and metrics address it
    width_node: ast.AST | None = dataclasses.field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        width = f"{self.width}-unit " if self.width is not None else ""
        activation = self.activation or "unknown-activation"
        return f"{width}{activation} output"


@dataclasses.dataclass(frozen=True)
class LossFact:
    kind: LossKind | None  # None when the loss is not one Keras knows by that spelling
    from_logits: bool | None  # None: not established
    spelling: str  # as shown in messages
    form: MetricForm  # the same four forms as metrics: string, instance, class, function
    identifier: str | None  # the string, when given as a string
    valid_on: frozenset[Line]  # lines where this spelling exists
    report_node: ast.AST = dataclasses.field(compare=False, repr=False)
    value_node: ast.AST | None = dataclasses.field(compare=False, repr=False)  # the loss expression itself
    positional_arguments: bool = False  # the loss object was built with positional arguments


@dataclasses.dataclass(frozen=True)
class MetricFact:
    form: MetricForm
    name: str  # the string, or the class / function name
    report_node: ast.AST = dataclasses.field(compare=False, repr=False)
    value_node: ast.AST | None = dataclasses.field(compare=False, repr=False)
    threshold: float | None = None  # BinaryAccuracy threshold when given
    threshold_known: bool = True  # False when a threshold is passed but not established


@dataclasses.dataclass(frozen=True)
class MetricsArgument:
    keyword: str  # "metrics" or "weighted_metrics"
    lines: frozenset[Line]  # lines on which this argument is the metrics parameter
    metrics: tuple[MetricFact, ...]  # established elements only
    bare_string: MetricFact | None  # metrics="accuracy" (not a list)
    node: ast.AST = dataclasses.field(compare=False, repr=False)
    position: int | None = None  # positional index, when passed by position
    single_object: MetricFact | None = None  # metrics=keras.metrics.AUC() (one object, not a list)


@dataclasses.dataclass(frozen=True)
class LabelFact:
    kind: LabelKind
    classes: int | None  # number of classes when established
    origin: str  # for messages, e.g. "to_categorical(y, 7)"
    # LabelBinarizer gives one column, not a one-hot matrix, for two classes.
    one_column_for_two_classes: bool = False


@dataclasses.dataclass(frozen=True)
class LayerActivation:
    """An activation string given to a Keras layer, checked against the target lines."""

    text: str
    node: ast.AST = dataclasses.field(compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class CompileSite:
    """One compile() call seen from one model output (a multi-output model gives one per output)."""

    call: ast.Call = dataclasses.field(repr=False)
    output: Output | None
    loss: LossFact | None
    metrics_arguments: tuple[MetricsArgument, ...]
    labels: tuple[LabelFact, ...]
    positional: tuple[ast.expr, ...] = dataclasses.field(repr=False)  # the positional argument nodes
    keyword_nodes: tuple[tuple[str, ast.keyword], ...] = dataclasses.field(repr=False)
    double_star: bool  # an unresolved **kwargs: other keywords may be present
    # Activation strings of layers first seen before this compile() (each checked once per file).
    layer_activations: tuple[LayerActivation, ...] = ()


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What a file's own code says about the Keras lines it can run on."""

    apis: frozenset[str]  # import styles (targeting.API_*)
    keras3_only: bool  # keras.ops, keras.src, ...: Keras 3 only
    graph_mode: bool  # tf.compat.v1.disable_eager_execution() in a tf.keras file
    # Lines the file's APIs exist on (intersection over the APIs found); ALL when none narrow it.
    possible: frozenset[Line] = frozenset(Line)
    reasons: tuple[str, ...] = ()  # the APIs that narrowed `possible`, for explanations
    custom_objects: bool = False  # a custom-object registry: unknown spellings may resolve


@dataclasses.dataclass(frozen=True)
class ModuleFacts:
    sites: tuple[CompileSite, ...]
    evidence: Evidence
