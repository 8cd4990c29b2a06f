"""The Keras catalogue: identifiers per version line, from keras-semantics.md section 3.

Rules read these tables; no rule spells a Keras identifier of its own.
"""

from __future__ import annotations

from keraslint.analysis.records import Activation, LabelKind, LossKind
from keraslint.immutable import record
from keraslint.versions import ALL_VERSION_LINES, VersionLine

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5


def _lines(*members: VersionLine) -> frozenset[VersionLine]:
    return frozenset(members)


# Loss kinds the rules reason about.
BCE = LossKind.BCE
CCE = LossKind.CCE
SCCE = LossKind.SCCE
BFCE = LossKind.BFCE
CFCE = LossKind.CFCE
REGRESSION = LossKind.REGRESSION
OTHER = LossKind.OTHER

CROSSENTROPY_KINDS = frozenset({BCE, CCE, SCCE, BFCE, CFCE})
CATEGORICAL_KINDS = frozenset({CCE, SCCE, CFCE})  # need a class axis of width >= 2
BINARY_KINDS = frozenset({BCE, BFCE})


@record
class LossSpelling:
    kind: LossKind
    valid_on: frozenset[VersionLine]
    suggestion: str | None = None  # the spelling valid where this one is not


def _loss_table() -> dict[str, LossSpelling]:
    table: dict[str, LossSpelling] = {}

    def add(names: str, kind: LossKind, valid_on: frozenset[VersionLine], suggestion: str | None = None) -> None:
        for name in names.split():
            table[name] = LossSpelling(kind, valid_on, suggestion)

    # keras-semantics.md section 3.1. L1 counts 2.0.5-2.2.5 (2.0.0 lacked a few).
    add("binary_crossentropy", BCE, ALL_VERSION_LINES)
    add("categorical_crossentropy", CCE, ALL_VERSION_LINES)
    add("sparse_categorical_crossentropy", SCCE, ALL_VERSION_LINES)
    add(
        "mse MSE mae MAE mape MAPE msle MSLE mean_squared_error mean_absolute_error "
        "mean_absolute_percentage_error mean_squared_logarithmic_error poisson",
        REGRESSION,
        ALL_VERSION_LINES,
    )
    add("kld KLD hinge squared_hinge categorical_hinge", OTHER, ALL_VERSION_LINES)
    add("kullback_leibler_divergence", OTHER, _lines(L1, L2, L3, L4), "kl_divergence")
    add("kl_divergence", OTHER, _lines(L3, L4, L5), "kullback_leibler_divergence")
    add("logcosh", REGRESSION, _lines(L1, L2, L3, L4), "log_cosh")
    add("log_cosh", REGRESSION, _lines(L3, L4, L5), "logcosh")
    add("cosine cosine_proximity", REGRESSION, _lines(L1, L2), "cosine_similarity")
    add("cosine_similarity", REGRESSION, _lines(L2, L3, L4, L5), "cosine_proximity")
    add("huber_loss", REGRESSION, _lines(L2, L3, L4), "huber")
    add("huber", REGRESSION, _lines(L3, L4, L5), "huber_loss")
    add("bce BCE", BCE, _lines(L3, L4, L5), "binary_crossentropy")
    add("binary_focal_crossentropy", BFCE, _lines(L3, L4, L5))
    add("categorical_focal_crossentropy", CFCE, _lines(L3, L4, L5))
    add("dice tversky circle ctc", OTHER, _lines(L5))
    add("crossentropy ce", OTHER, _lines(L5), "binary_crossentropy or categorical_crossentropy")
    # Spellings that no Keras version accepts.
    add("cce CCE", CCE, frozenset(), "categorical_crossentropy")
    add("scce SCCE", SCCE, frozenset(), "sparse_categorical_crossentropy")
    add("focal", OTHER, frozenset(), "binary_focal_crossentropy")
    # Class names as strings: resolved from module globals from Keras 2.3 on.
    for cls, kind in LOSS_CLASSES.items():
        table.setdefault(cls, LossSpelling(kind, _lines(L2, L3, L4, L5)))
    return table


# Loss classes (canonical keras.losses.<Name>) -> kind.
LOSS_CLASSES: dict[str, LossKind] = {
    "BinaryCrossentropy": BCE,
    "CategoricalCrossentropy": CCE,
    "SparseCategoricalCrossentropy": SCCE,
    "BinaryFocalCrossentropy": BFCE,
    "CategoricalFocalCrossentropy": CFCE,
    "MeanSquaredError": REGRESSION,
    "MeanAbsoluteError": REGRESSION,
    "MeanAbsolutePercentageError": REGRESSION,
    "MeanSquaredLogarithmicError": REGRESSION,
    "Huber": REGRESSION,
    "LogCosh": REGRESSION,
    "Poisson": REGRESSION,
    "CosineSimilarity": REGRESSION,
    "KLDivergence": OTHER,
    "Hinge": OTHER,
    "SquaredHinge": OTHER,
    "CategoricalHinge": OTHER,
}

LOSS_SPELLINGS: dict[str, LossSpelling] = _loss_table()

# Loss functions reachable as keras.losses.<name> (and the loss aliases).
LOSS_FUNCTIONS: dict[str, LossKind] = {
    name: spelling.kind for name, spelling in LOSS_SPELLINGS.items() if name[0].islower() and spelling.valid_on
}

# The first positional parameter of these classes is from_logits (section 3.2).
FROM_LOGITS_FIRST_POSITIONAL = frozenset(
    {"BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"}
)


# --- metrics (section 3.3) ---------------------------------------------------------------

ACCURACY_STRINGS = ("accuracy", "acc")

# Metric classes that compute an accuracy.
ACCURACY_CLASSES = frozenset(
    {
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
    }
)
ACCURACY_FUNCTIONS = frozenset(
    {
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
    }
)


@record
class BadMetricSpelling:
    invalid_on: frozenset[VersionLine]
    suggestion: str


# Metric strings measured or read to fail on some lines (snake_case class names are Keras 3 only).
# Only lines where failure is established are listed; elsewhere the rule stays silent.
BAD_METRIC_SPELLINGS: dict[str, BadMetricSpelling] = {
    "crossentropy": BadMetricSpelling(_lines(L5), "the explicit crossentropy name"),
    "ce": BadMetricSpelling(_lines(L5), "the explicit crossentropy name"),
    "kld": BadMetricSpelling(_lines(L4, L5), "keras.metrics.KLDivergence()"),
    "rmse": BadMetricSpelling(_lines(L4, L5), "keras.metrics.RootMeanSquaredError()"),
    "logcosh": BadMetricSpelling(_lines(L5), "keras.metrics.LogCoshError()"),
    "cosine_proximity": BadMetricSpelling(_lines(L5), "keras.metrics.CosineSimilarity()"),
    "auc": BadMetricSpelling(_lines(L1, L2, L3, L4), "'AUC'"),
    "precision": BadMetricSpelling(_lines(L1, L2, L3, L4), "'Precision'"),
    "recall": BadMetricSpelling(_lines(L1, L2, L3, L4), "'Recall'"),
    "f1_score": BadMetricSpelling(_lines(L1, L2, L3, L4), "keras.metrics.F1Score()"),
    "r2_score": BadMetricSpelling(_lines(L1, L2, L3, L4), "keras.metrics.R2Score()"),
    "root_mean_squared_error": BadMetricSpelling(_lines(L1, L2, L3, L4), "'RootMeanSquaredError'"),
    "bce": BadMetricSpelling(_lines(L4), "'binary_crossentropy'"),
}


# --- activations (section 3.4) -------------------------------------------------------------

SOFTMAX = Activation.SOFTMAX
SIGMOID = Activation.SIGMOID
LINEAR = Activation.LINEAR


def activation_kind(text: str) -> Activation:
    """The Activation of a spelling Keras accepts (ACTIVATION_SPELLINGS)."""
    try:
        return Activation(text)
    except ValueError:
        return Activation.OTHER


_CORE_ACTIVATIONS = "elu hard_sigmoid linear relu sigmoid softmax softplus softsign tanh selu exponential"
_L4_ACTIVATIONS = "gelu leaky_relu log_softmax mish relu6 silu swish"
_L5_ONLY_ACTIVATIONS = (
    "celu glu hard_shrink hard_silu hard_swish hard_tanh log_sigmoid soft_shrink sparse_plus "
    "sparse_sigmoid sparsemax squareplus tanh_shrink threshold"
)

ACTIVATION_SPELLINGS: dict[str, frozenset[VersionLine]] = {}
for _name in _CORE_ACTIVATIONS.split():
    ACTIVATION_SPELLINGS[_name] = ALL_VERSION_LINES
for _name in _L4_ACTIVATIONS.split():
    ACTIVATION_SPELLINGS[_name] = _lines(L3, L4, L5)  # on later TF 2.x minors only: L3 is not claimed missing
for _name in _L5_ONLY_ACTIVATIONS.split():
    ACTIVATION_SPELLINGS[_name] = _lines(L5)

# Canonical callables that apply an activation, by canonical dotted name.
ACTIVATION_FUNCTIONS: dict[str, Activation] = {}
for _prefix in ("keras.activations", "keras.backend", "keras.ops", "tensorflow.nn", "tensorflow.math", "tensorflow"):
    ACTIVATION_FUNCTIONS[f"{_prefix}.softmax"] = SOFTMAX
    ACTIVATION_FUNCTIONS[f"{_prefix}.sigmoid"] = SIGMOID
ACTIVATION_FUNCTIONS["keras.activations.linear"] = LINEAR
for _name in ("relu", "tanh", "elu", "selu", "softplus"):
    ACTIVATION_FUNCTIONS[f"keras.activations.{_name}"] = Activation(_name)
    ACTIVATION_FUNCTIONS[f"tensorflow.nn.{_name}"] = Activation(_name)
del _name, _prefix


# --- layers --------------------------------------------------------------------------------

# Layers whose output width is their first argument. Value: position of `activation`
# among positional arguments (None when activation is keyword-only in practice).
DENSE_LIKE: dict[str, int | None] = {
    "Dense": 1,
    "SimpleRNN": 1,
    "LSTM": 1,
    "GRU": 1,
    "Conv1D": None,
    "Conv2D": None,
    "Conv3D": None,
    "Conv1DTranspose": None,
    "Conv2DTranspose": None,
    "Conv3DTranspose": None,
    "SeparableConv1D": None,
    "SeparableConv2D": None,
    "Convolution1D": None,
    "Convolution2D": None,
    "Convolution3D": None,
}
# Default activation when none is given.
DEFAULT_ACTIVATION: dict[str, Activation] = {
    "SimpleRNN": Activation.TANH, "LSTM": Activation.TANH, "GRU": Activation.TANH
}
# Layers that keep width and activation of their input.
TRANSPARENT_LAYERS = frozenset(
    {"Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "ActivityRegularization"}
)
MODEL_CLASSES = frozenset({"keras.Model", "keras.Sequential"})
INPUT_CALLABLES = frozenset({"keras.Input", "keras.layers.Input"})


# --- compile() (section 3.5) ---------------------------------------------------------------

COMPILE_POSITIONAL_L1_L4 = ("optimizer", "loss", "metrics", "loss_weights", "sample_weight_mode", "weighted_metrics")
COMPILE_POSITIONAL_L5 = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")
# compile()'s keywords on tf.keras 2.2-2.15 and tf-keras (keras/engine/training.py@v2.6.0 and @v2.15.0:
# the signature, plus what compile() and _validate_compile pop or raise on by name: `cloning` and
# `experimental_run_tf_function` are dropped, L2706-2712 @v2.6.0); any other raises
# TypeError("Invalid keyword argument(s) in `compile`") there. The union over the minors: a keyword
# one minor has is never reported.
COMPILE_KEYWORDS_TF2 = frozenset({
    "optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly", "steps_per_execution",
    "jit_compile", "pss_evaluation_shards", "sample_weight_mode", "experimental_steps_per_execution",
    "target_tensors", "distribute", "cloning", "experimental_run_tf_function", "from_serialized",
})
COMPILE_KEYWORDS_L5 = frozenset(
    {
        "optimizer",
        "loss",
        "loss_weights",
        "metrics",
        "weighted_metrics",
        "run_eagerly",
        "steps_per_execution",
        "jit_compile",
        "auto_scale_loss",
    }
)


# Methods of a Model subclass that take over training: the compiled loss may never run.
TRAINING_OVERRIDES = frozenset({"train_step", "compute_loss"})

# Model methods no other library has: calling one on an unknown receiver is still version evidence.
KERAS_ONLY_MODEL_METHODS = frozenset({"predict_classes", "fit_generator", "evaluate_generator", "predict_generator"})

# Sequential.add: changes the model object in place, never rebinds its name.
LAYER_ADDING_METHODS = frozenset({"add"})

# Method calls that never change what a model outputs or how it was compiled.
READ_ONLY_METHODS = frozenset(
    {
        "compile", "fit", "evaluate", "predict", "summary", "save", "save_weights", "load_weights", "fit_generator",
        "evaluate_generator", "predict_generator", "train_on_batch", "test_on_batch", "predict_on_batch",
        "to_json", "get_config", "count_params", "plot", "show", "print", "savefig", "figure",
        "title", "xlabel", "ylabel", "legend", "head", "describe", "info",
    }
)


# Keras objects a name may hold "one of" when the branches of an if/else bind different ones: rules
# read their facts per alternative (KER306: an lr= that every branch's optimizer is given).
ALTERNATIVE_PREFIXES = ("keras.optimizers.",)


# --- training calls and labels (read by the evaluator and the kernel's session slice) -------

# Model methods that train or evaluate on labels.
TRAINING_METHODS = frozenset(
    {"fit", "evaluate", "train_on_batch", "test_on_batch", "fit_generator", "evaluate_generator"}
)
# Methods whose result holds the same labels as their receiver (datasets, arrays, frames).
LABEL_KEEPING_METHODS = frozenset(
    {"cache", "prefetch", "shuffle", "batch", "repeat", "take", "skip", "unbatch", "astype", "copy", "numpy"}
)
# Attributes that keep what a frame or array holds (`df.values`).
LABEL_KEEPING_ATTRIBUTES = frozenset({"values"})
# What keras.datasets.<name>.load_data() gives as labels: (kind, number of classes); keras-io
# dataset docs (boston_housing: house prices in k$; imdb: 0/1 sentiment; reuters: 46 topics).
DATASET_LABELS: dict[str, tuple[LabelKind, int | None]] = {
    "mnist": (LabelKind.INTEGER, 10),
    "fashion_mnist": (LabelKind.INTEGER, 10),
    "cifar10": (LabelKind.INTEGER, 10),
    "reuters": (LabelKind.INTEGER, 46),
    "imdb": (LabelKind.BINARY, 2),
    "boston_housing": (LabelKind.CONTINUOUS, None),
    "california_housing": (LabelKind.CONTINUOUS, None),
}

# Registries that make custom loss / metric / activation strings resolve (segmentation_models and
# similar): with one of them in the file, an unknown spelling is not evidence of a mistake.
CUSTOM_OBJECT_REGISTRIES = frozenset(
    {
        "keras.utils.get_custom_objects", "keras.utils.register_keras_serializable",
        "keras.saving.register_keras_serializable", "keras.utils.CustomObjectScope",
        "keras.utils.custom_object_scope", "keras.saving.custom_object_scope",
        "keras.saving.get_custom_objects",
    }
)

# --- activations that are not probabilities (keras-semantics 6.7) ------------------------------

# Crossentropy with from_logits=False reads the output as probabilities; these activations give
# values outside (0, 1) (relu, softplus, exponential: unbounded; tanh, elu, selu, leaky relu: negative).
NON_PROBABILITY_ACTIVATIONS = frozenset(
    {
        Activation.RELU,
        Activation.TANH,
        Activation.ELU,
        Activation.SELU,
        Activation.SOFTPLUS,
        Activation.EXPONENTIAL,
        Activation.LEAKY_RELU,
    }
)
# Positive activations: categorical crossentropy divides the output by its sum on every backend
# (keras/backend.py@v2.15.0 categorical_crossentropy, keras/src/backend/*/nn.py@v3.15.1), which
# makes them a valid distribution (exponential: exactly a softmax). The sparse loss does not
# normalise on TensorFlow backends (clip and log of the true class only).
POSITIVE_ACTIVATIONS = frozenset({Activation.SOFTPLUS, Activation.EXPONENTIAL})
# Layers that apply an activation and nothing else (beyond Activation / Softmax).
ACTIVATION_LAYERS: dict[str, Activation] = {
    "ReLU": Activation.RELU,
    "LeakyReLU": Activation.LEAKY_RELU,
    "ELU": Activation.ELU,
}
for _name in ("leaky_relu", "exponential"):
    ACTIVATION_FUNCTIONS.setdefault(f"keras.activations.{_name}", Activation(_name))
ACTIVATION_FUNCTIONS.setdefault("tensorflow.nn.leaky_relu", Activation.LEAKY_RELU)
del _name


# --- threshold metrics (section 6.4) -----------------------------------------------------------

# Metrics that threshold probabilities, by class name. AUC takes from_logits (tf.keras >= 2.5, Keras 3).
AUC_METRICS = frozenset({"AUC"})
# Confusion metrics with `thresholds=` (default 0.5); no from_logits anywhere.
CONFUSION_METRICS = frozenset(
    {"Precision", "Recall", "TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives"}
)
# Metrics that sweep probability thresholds in [0, 1] and take neither thresholds nor from_logits.
SWEEP_METRICS = frozenset(
    {"PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity"}
)
# Metrics with one `threshold=`: its default (None: top-1 mode, not a probability threshold).
SINGLE_THRESHOLD_METRICS: dict[str, float | None] = {"F1Score": None, "FBetaScore": None, "BinaryIoU": 0.5}
# F1Score / FBetaScore reject a threshold outside (0, 1] (keras/src/metrics/f_score_metrics.py@v3.15.1,
# keras/metrics/f_score_metrics.py@v2.15.0): no threshold of theirs means probability 0.5 on logits.
ZERO_THRESHOLD_REJECTED = frozenset({"F1Score", "FBetaScore"})
THRESHOLD_METRICS = AUC_METRICS | CONFUSION_METRICS | SWEEP_METRICS | frozenset(SINGLE_THRESHOLD_METRICS)
# Strings that resolve to a default-constructed threshold metric, and the lines where they do:
# class names from Keras 2.3 on (module globals), snake_case names on Keras 3 only (section 3.3).
THRESHOLD_METRIC_STRINGS: dict[str, tuple[str, frozenset[VersionLine]]] = {}
for _name in sorted(AUC_METRICS | CONFUSION_METRICS):
    THRESHOLD_METRIC_STRINGS[_name] = (_name, _lines(L2, L3, L4, L5))
for _name, _snake in (
    ("AUC", "auc"), ("Precision", "precision"), ("Recall", "recall"), ("TruePositives", "true_positives"),
    ("TrueNegatives", "true_negatives"), ("FalsePositives", "false_positives"), ("FalseNegatives", "false_negatives"),
):
    THRESHOLD_METRIC_STRINGS[_snake] = (_name, _lines(L5))
del _name, _snake


# --- accuracy metrics against the label encoding (section 6.5) ---------------------------------

# Categorical accuracy metric (string / function name or class) -> its sparse counterpart.
CATEGORICAL_TO_SPARSE_ACCURACY: dict[str, str] = {
    "categorical_accuracy": "sparse_categorical_accuracy",
    "top_k_categorical_accuracy": "sparse_top_k_categorical_accuracy",
    "CategoricalAccuracy": "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy": "SparseTopKCategoricalAccuracy",
}
SPARSE_TO_CATEGORICAL_ACCURACY: dict[str, str] = {
    sparse: categorical for categorical, sparse in CATEGORICAL_TO_SPARSE_ACCURACY.items()
}
BINARY_ACCURACY_NAMES = frozenset({"binary_accuracy", "BinaryAccuracy"})


# --- the keys a model logs (section 6.11) ------------------------------------------------------

# Default `name` of metric classes (tf.keras 2.x, tf-keras and Keras 3 agree unless listed in
# METRIC_DEFAULT_NAMES_L5). Classes whose default is None take their snake_case class name and are
# made unique per process (auc, auc_1, ...): NUMBERED_METRIC_CLASSES. Keras 2.3 numbers them always.
METRIC_DEFAULT_NAMES: dict[str, str] = {
    "Accuracy": "accuracy",
    "BinaryAccuracy": "binary_accuracy",
    "CategoricalAccuracy": "categorical_accuracy",
    "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
    "TopKCategoricalAccuracy": "top_k_categorical_accuracy",
    "SparseTopKCategoricalAccuracy": "sparse_top_k_categorical_accuracy",
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "RootMeanSquaredError": "root_mean_squared_error",
    "CosineSimilarity": "cosine_similarity",
    "LogCoshError": "logcosh",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
    "CategoricalHinge": "categorical_hinge",
    "Poisson": "poisson",
    "KLDivergence": "kullback_leibler_divergence",
    "F1Score": "f1_score",
    "FBetaScore": "fbeta_score",
    "R2Score": "r2_score",
    "AUC": "auc",
    "Precision": "precision",
    "Recall": "recall",
    "TruePositives": "true_positives",
    "TrueNegatives": "true_negatives",
    "FalsePositives": "false_positives",
    "FalseNegatives": "false_negatives",
    "PrecisionAtRecall": "precision_at_recall",
    "RecallAtPrecision": "recall_at_precision",
    "SensitivityAtSpecificity": "sensitivity_at_specificity",
    "SpecificityAtSensitivity": "specificity_at_sensitivity",
}
METRIC_DEFAULT_NAMES_L5: dict[str, str] = {"KLDivergence": "kl_divergence"}
NUMBERED_METRIC_CLASSES = frozenset(AUC_METRICS | CONFUSION_METRICS | SWEEP_METRICS)
# The name Keras 2.0-2.2 logs for a metric string other than 'accuracy'/'acc' (the function's
# __name__, keras/engine/training.py@2.2.4 L406-414): canonical function names and their aliases.
L1_METRIC_FUNCTION_NAMES: dict[str, str] = {
    name: name
    for name in (
        "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy", "mean_squared_error", "mean_absolute_error",
        "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "squared_hinge", "hinge",
        "categorical_hinge", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
        "kullback_leibler_divergence", "poisson", "cosine_proximity", "logcosh",
    )
}
L1_METRIC_FUNCTION_NAMES.update(
    {
        "mse": "mean_squared_error", "MSE": "mean_squared_error", "mae": "mean_absolute_error",
        "MAE": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
        "MAPE": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
        "MSLE": "mean_squared_logarithmic_error", "kld": "kullback_leibler_divergence",
        "KLD": "kullback_leibler_divergence", "cosine": "cosine_proximity",
    }
)

# Callbacks that act on a monitored key, and the key they watch by default.
MONITOR_CALLBACKS: dict[str, str] = {
    "EarlyStopping": "val_loss",
    "ModelCheckpoint": "val_loss",
    "ReduceLROnPlateau": "val_loss",
}
# Keras callbacks that read no key, and the keys some of them write into the logs
# (tf.keras: `lr`; Keras 3: `learning_rate`).
OTHER_KERAS_CALLBACKS = frozenset(
    {
        "TensorBoard", "CSVLogger", "TerminateOnNaN", "ProgbarLogger", "History", "BackupAndRestore",
        "RemoteMonitor", "LearningRateScheduler", "BaseLogger",
    }
)
# Keys a callback writes into the logs, per line: Keras 2 writes 'lr' (keras/callbacks.py@2.2.4 L666,
# L1103; @v2.15.0 L2296, L3108; tf-keras tf_keras/callbacks.py@v2.21.0 L2318, L3130), Keras 3
# 'learning_rate' (keras/callbacks/learning_rate_scheduler.py@v3.0.0 L79, reduce_lr_on_plateau.py L107;
# keras/src/callbacks/*@v3.15.1 L100, L110; tensorboard.py@v3.15.1 too).
_KERAS2_LINES = frozenset(ALL_VERSION_LINES - {VersionLine.L5})
_LR_KEYS = {**dict.fromkeys(_KERAS2_LINES, frozenset({"lr"})), VersionLine.L5: frozenset({"learning_rate"})}
CALLBACK_ADDED_KEYS: dict[str, dict[VersionLine, frozenset[str]]] = {
    "ReduceLROnPlateau": _LR_KEYS,
    "LearningRateScheduler": _LR_KEYS,
    "TensorBoard": {VersionLine.L5: frozenset({"learning_rate"})},
}
# Model methods whose call trains with callbacks and returns a History.
FIT_METHODS = frozenset({"fit", "fit_generator"})
# Keys a ModelCheckpoint path may format besides the logs (`{epoch:02d}`, `{batch}`).
CHECKPOINT_PATH_FIELDS = frozenset({"epoch", "batch"})


# --- optimizers (section 6.12) -----------------------------------------------------------------

# Optimizer classes of the new API (tf.keras >= 2.11, tf-keras, Keras 3) and their default
# learning rate (what trains when `lr=` is dropped).
OPTIMIZER_DEFAULT_LEARNING_RATES: dict[str, float] = {
    "Adam": 0.001, "AdamW": 0.001, "SGD": 0.01, "RMSprop": 0.001, "Adagrad": 0.001, "Adadelta": 0.001,
    "Adamax": 0.001, "Nadam": 0.001, "Ftrl": 0.001,
}

# Uses of a compiled model that run it without its loss: applied inside another model ("__call__")
# or predicted. A model used only so (a GAN's generator, a feature extractor) never trains with the
# loss and metrics of its own compile().
INFERENCE_METHODS = frozenset({"__call__", "predict", "predict_on_batch", "predict_generator", "predict_step"})
