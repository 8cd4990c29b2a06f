"""The fact records rules read: immutable, typed, computed once per file.

Every field is an established fact or None (not established). `ast` nodes ride along only as
report positions and fix targets (compare=False): rules never walk them.
"""

from __future__ import annotations

import ast
import enum

from keraslint.immutable import field, record
from keraslint.versions import L3_MINORS, VersionLine


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
    LEAKY_RELU = "leaky_relu"
    OTHER = "other"


class Origin(Text):
    """Who applied the output activation: a Keras activation records the logits the TensorFlow
    backend recovers; a raw tf.nn / tf.math function does not."""

    KERAS = "keras"
    RAW = "raw"
    # The Softmax layer: tf.keras calls backend.softmax, which records the logits from keras 2.14 on
    # only (keras/backend.py@v2.13.1 returns tf.nn.softmax as is; @v2.14.0 sets _keras_logits).
    SOFTMAX_LAYER = "softmax layer"


class LabelKind(Text):
    ONE_HOT = "one-hot"
    INTEGER = "integer"
    BINARY = "binary"  # one 0/1 column
    MULTI_HOT = "multi-hot"
    CONTINUOUS = "continuous"  # regression targets: not class labels at all


class Severity(Text):
    WRONG_NUMBER = "wrong-number"
    BROKEN = "broken"
    DEGRADED = "degraded"
    CRASH = "crash"
    STYLE = "style"


class FixSafety(Text):
    SAFE = "safe"
    UNSAFE = "unsafe"


@record
class Output:
    """What a model or tensor produces: width of the last axis and the activation applied last."""

    width: int | None  # None: unknown
    activation: Activation | None  # None: unknown; LINEAR when no activation
    layer: str | None = None  # class name of the layer that set the width
    origin: Origin | None = None
    activation_node: ast.AST | None = field(default=None, compare=False, repr=False)
    activation_value: ast.AST | None = field(default=None, compare=False, repr=False)
    name: str | None = None  # `name=` of the last layer applied: how dict losses and metrics address it
    width_node: ast.AST | None = field(default=None, compare=False, repr=False)
    # The activation the tensor already had when the last activation was applied to it, with only
    # value-preserving layers between (a softmax applied to a softmax output: SOFTMAX). None when
    # the last activation came with the layer that set the width, or is not established.
    applied_on: Activation | None = None

    def describe(self) -> str:
        width = f"{self.width}-unit " if self.width is not None else ""
        activation = self.activation or "unknown-activation"
        return f"{width}{activation} output"


@record
class LossFact:
    kind: LossKind | None  # None when the loss is not one Keras knows by that spelling
    from_logits: bool | None  # None: not established
    spelling: str  # as shown in messages
    form: MetricForm  # the same four forms as metrics: string, instance, class, function
    identifier: str | None  # the string, when given as a string
    valid_on: frozenset[VersionLine]  # lines where this spelling exists
    report_node: ast.AST = field(compare=False, repr=False)
    value_node: ast.AST | None = field(compare=False, repr=False)  # the loss expression itself
    positional_arguments: bool = False  # the loss object was built with positional arguments


@record
class MetricFact:
    form: MetricForm
    name: str  # the string, or the class / function name
    report_node: ast.AST = field(compare=False, repr=False)
    value_node: ast.AST | None = field(compare=False, repr=False)
    threshold: float | None = None  # BinaryAccuracy threshold when given
    threshold_known: bool = True  # False when a threshold is passed but not established
    # Keyword arguments of a metric object whose values are established constants (a sequence of
    # constants is a tuple), those given with a value that is not, and the positional count.
    keywords: tuple[tuple[str, object], ...] = ()
    unknown_keywords: frozenset[str] = frozenset()
    positional: int = 0
    open_arguments: bool = False  # *args / **kwargs that were not resolved: anything may be passed

    def keyword(self, name: str, default: object = None) -> object:
        for key, value in self.keywords:
            if key == name:
                return value
        return default


@record
class MetricsArgument:
    keyword: str  # "metrics" or "weighted_metrics"
    lines: frozenset[VersionLine]  # lines on which this argument is the metrics parameter
    metrics: tuple[MetricFact, ...]  # established elements only
    bare_string: MetricFact | None  # metrics="accuracy" (not a list)
    node: ast.AST = field(compare=False, repr=False)
    position: int | None = None  # positional index, when passed by position
    single_object: MetricFact | None = None  # metrics=keras.metrics.AUC() (one object, not a list)


@record
class UnmatchedMetrics:
    """A flat metrics list whose length differs from the number of outputs of a multi-output model
    (Keras 3 reads it one entry per output and raises at the first fit(), keras-semantics 6.1)."""

    keyword: str  # "metrics" or "weighted_metrics"
    entries: int
    outputs: int
    node: ast.AST = field(compare=False, repr=False)


@record
class LabelFact:
    kind: LabelKind
    classes: int | None  # number of classes when established
    origin: str  # for messages, e.g. "to_categorical(y, 7)"
    # LabelBinarizer gives one column, not a one-hot matrix, for two classes.
    one_column_for_two_classes: bool = False
    # ONE_HOT: every row holds exactly one 1 (single-label). False when rows may hold several
    # (flow_from_dataframe's categorical mode reads list-valued label columns as multi-hot).
    exclusive: bool = True


@record
class LayerActivation:
    """An activation string given to a Keras layer, checked against the target lines."""

    text: str
    node: ast.AST = field(compare=False, repr=False)


@record
class OptimizerFact:
    """An optimizer object that reaches compile(): `Adam(lr=0.01)` directly, through a variable or
    returned by a helper of the module."""

    name: str  # the class name, e.g. "Adam"
    legacy: bool  # keras.optimizers.legacy.X (the Keras 2 optimizers kept from TF 2.11 on)
    given: tuple[str, ...]  # keyword names passed, in order
    constants: tuple[tuple[str, object], ...]  # keywords whose values are established constants
    positional: int  # number of positional arguments
    open_arguments: bool  # unresolved *args / **kwargs
    node: ast.Call = field(compare=False, repr=False)
    keyword_nodes: tuple[tuple[str, ast.keyword], ...] = field(default=(), compare=False, repr=False)
    # Reached through `import keras`: standalone keras 2.11-2.12 exported its own tree, whose
    # optimizers are the old ones; its public API (the new optimizers) from keras 2.13 on.
    standalone: bool = False

    def keyword_node(self, name: str) -> ast.keyword | None:
        for key, node in self.keyword_nodes:
            if key == name:
                return node
        return None

    def constant(self, name: str, default: object = None) -> object:
        for key, value in self.constants:
            if key == name:
                return value
        return default


@record
class CallbackFact:
    """A Keras callback passed to fit(callbacks=[...])."""

    kind: str  # the class name, e.g. "EarlyStopping"
    monitor: str | None  # the key it watches (its default when not given); None when not established
    monitor_given: bool  # monitor= was passed
    mode: str | None  # mode= when given as a string
    save_best_only: bool | None  # ModelCheckpoint: established value (False when not given)
    path_fields: tuple[str, ...] | None  # `{field}`s of a literal ModelCheckpoint filepath; None: not established
    # keys the callback itself writes into the logs, per line (ReduceLROnPlateau: lr; learning_rate on Keras 3)
    adds_keys: tuple[tuple[VersionLine, frozenset[str]], ...]

    def added_keys(self, line: VersionLine) -> frozenset[str]:
        for known, keys in self.adds_keys:
            if known == line:
                return keys
        return frozenset()
    node: ast.AST = field(compare=False, repr=False)
    monitor_node: ast.AST | None = field(default=None, compare=False, repr=False)
    path_node: ast.AST | None = field(default=None, compare=False, repr=False)
    path: str | None = None  # the checkpoint path when it is one string constant
    # It may set the learning rate each epoch whatever the optimizer was given (a LearningRateScheduler
    # whose schedule is not shown to read the current rate).
    sets_rate: bool = False


@record
class HistoryRead:
    """`history.history["key"]` read from the result of a fit() call."""

    key: str
    node: ast.AST = field(compare=False, repr=False)
    # read inside a helper the fit() result is passed to: the helper may serve other fit() calls too
    in_helper: bool = False
    receiver: str = "history"  # the name read, as written (`run` in `run.history["acc"]`)


@record
class TrainingCall:
    """A fit() of the compiled model, after this compile() and before the next one."""

    method: str  # "fit" or "fit_generator"
    validation: bool | None  # validation_data / validation_split given; None when not established
    callbacks: tuple[CallbackFact, ...] | None  # None when the list is not established or not all Keras's
    history_reads: tuple[HistoryRead, ...]
    node: ast.Call = field(compare=False, repr=False)
    # A callback may set the learning rate each epoch whatever the optimizer was given (a
    # LearningRateScheduler of the epoch alone, a callback not shown to leave the rate alone).
    sets_rate: bool = False


@record
class LoggedMetric:
    """One metrics entry of compile() and the history key it logs, per line (the keys Keras may
    choose between on that line). A line absent from `keys` is not established; an empty set means
    the entry is not a metric there (a positional argument read as loss_weights)."""

    shown: str  # as written, for messages
    keys: tuple[tuple[VersionLine, frozenset[str]], ...]
    weighted: bool = False  # from weighted_metrics: may also be logged as weighted_<key>
    # Default names that Keras makes unique with a numeric suffix (auc, auc_1, ...).
    numbered: bool = False
    # Keys logged on L2 only by TensorFlow 1.x's tf.keras ('acc' for 'accuracy'), not by TF 2.0-2.1.
    tf1_keys: frozenset[str] = frozenset()

    def on(self, line: VersionLine, tf1: bool = True, tf2: bool = True) -> frozenset[str] | None:
        """The keys on `line`; `tf1` / `tf2`: TensorFlow 1.x / 2.x may be what runs L2."""
        for key_line, keys in self.keys:
            if key_line == line:
                if line is not VersionLine.L2 or not (tf1 and self.tf1_keys):
                    return keys
                return keys | self.tf1_keys if tf2 else self.tf1_keys
        return None


@record
class LoggedKeys:
    """The keys a compiled model logs (in the fit() history and the callbacks' logs), without the
    `val_` copies, on the lines where every metric entry is established."""

    metrics: tuple[LoggedMetric, ...]
    prefixes: tuple[str, ...]  # output-name prefixes ("" for a single output); may hold both forms
    lines: frozenset[VersionLine]

    def keys(self, line: VersionLine, tf1: bool = True, tf2: bool = True) -> frozenset[str] | None:
        """Every key that may be logged on `line` (a superset), or None when not established.
        `tf1` / `tf2`: TensorFlow 1.x / 2.x may be what runs L2 (the pins may exclude either)."""
        if line not in self.lines:
            return None
        keys = {"loss"}
        keys.update(f"{prefix}loss" for prefix in self.prefixes if prefix)
        for metric in self.metrics:
            for key in metric.on(line, tf1, tf2) or ():
                for prefix in self.prefixes:
                    keys.add(prefix + key)
                    if metric.weighted:
                        keys.add(f"{prefix}weighted_{key}")
        return frozenset(keys)


@record
class CompileSite:
    """One compile() call seen from one model output (a multi-output model gives one per output)."""

    call: ast.Call = field(repr=False)
    output: Output | None
    loss: LossFact | None
    metrics_arguments: tuple[MetricsArgument, ...]
    labels: tuple[LabelFact, ...]
    positional: tuple[ast.expr, ...] = field(repr=False)  # the positional argument nodes
    keyword_nodes: tuple[tuple[str, ast.keyword], ...] = field(repr=False)
    double_star: bool  # an unresolved **kwargs: other keywords may be present
    # Activation strings of layers first seen before this compile() (each checked once per file).
    layer_activations: tuple[LayerActivation, ...] = ()
    optimizer: OptimizerFact | None = None  # the optimizer object passed, when established
    # Otherwise, the optimizers one of which is passed (each branch of an if/else builds one).
    optimizer_alternatives: tuple[OptimizerFact, ...] = ()
    # fit() calls of the compiled model and the keys it logs (on the first site of a compile() only).
    training: tuple[TrainingCall, ...] = ()
    logged: LoggedKeys | None = None
    # Every fit() of this compile() may set the learning rate each epoch whatever the optimizer was
    # given (a schedule of the epoch alone, or a callback keraslint does not know): on every site.
    rate_scheduled: bool = False
    # Methods called on the compiled model after this compile() ("__call__": applied to tensors inside
    # another model); empty when none was seen.
    usage: frozenset[str] = frozenset()
    # The file trains or evaluates some compiled model (this one or another): a compiled model the
    # file never trains while it trains others is a compile() whose loss never runs.
    file_trains: bool = False
    # Flat metrics lists of a multi-output model that do not give one entry per output (first site only).
    unmatched_metrics: tuple[UnmatchedMetrics, ...] = ()


@record
class Evidence:
    """What a file's own code says about the Keras lines it can run on."""

    apis: frozenset[str]  # import styles (targeting.API_*)
    keras3_only: bool  # keras.ops, keras.src, ...: Keras 3 only
    graph_mode: bool  # tf.compat.v1.disable_eager_execution() in a tf.keras file
    # Lines the file's APIs exist on (intersection over the APIs found); ALL when none narrow it.
    possible: frozenset[VersionLine] = frozenset(VersionLine)
    reasons: tuple[str, ...] = ()  # the APIs that narrowed `possible`, for explanations
    custom_objects: bool = False  # a custom-object registry: unknown spellings may resolve
    # tf.compat.v1.enable_v2_behavior(): TF 1.x's tf.keras names metrics as TF 2 does.
    tf2_behavior: bool = False
    # TF 2.x minors within L3 (TF 2.2-2.15) the file's APIs allow: (2, 15) when nothing narrows them.
    l3_minors: tuple[int, int] = L3_MINORS
    # Evidence that holds only inside module-level definitions a script never uses.
    local: tuple[LocalEvidence, ...] = ()


@record
class LocalEvidence:
    """What the APIs of an unused function say about the compile() sites inside it (lines first-last)."""

    first: int
    last: int
    possible: frozenset[VersionLine]
    l3_minors: tuple[int, int]
    reasons: tuple[str, ...]

    def holds_at(self, line: int) -> bool:
        return self.first <= line <= self.last


@record
class ModuleFacts:
    sites: tuple[CompileSite, ...]
    evidence: Evidence
