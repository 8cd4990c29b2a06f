"""Keras APIs whose presence in a file narrows the version lines the file can run on.

Pure data: every entry says on which lines an API *exists* (runs without raising; a deprecation
warning still counts as existing) and where that was read. The evidence, the method and the
caveats are in docs/api-evidence.md. An entry never removes a line unless the API is absent from
every release of that line; when only part of a line has it (TF 2.6+ inside L3), the line stays.

Key scheme
----------
API_FACTS, keyed by the canonical name that `keraslint.analysis.names.canonical` returns:

* ``"keras.layers.Merge"``                a name referenced (imported, read or called);
* ``"keras.layers.merge()"``              the name *called* (only where calling differs from
                                          referring: here the name is a module on later lines);
* ``"keras.layers.Dense(output_dim=)"``   a call of that callable passing that keyword;
* ``"keras.Model.fit_generator"``         an attribute of a Keras model instance (a Model,
                                          Sequential or a subclass); ``"keras.Sequential.x"`` for
                                          attributes only Sequential models ever had;
* ``"keras.Model.fit(nb_epoch=)"``        a method call on a model with that keyword;
* ``"tensorflow_hub.KerasLayer"``         a non-Keras name, spelled as names.py leaves it.

Names reached through an alias class (``Convolution2D``) have their own keys because names.py
does not merge aliases.

PATH_FACTS, keyed by a *module path*: the dotted name as written (after import resolution) with
its Keras root (``tf.keras``, ``tensorflow.keras``, ``tensorflow.compat.v1.keras``, ``tf_keras``,
``keras``) replaced by ``keras``, before names.py collapses it. A key matches the path equal to it
or starting with it plus a dot. These exist because canonicalisation erases the segments that
tell versions apart: ``tf.keras.layers.experimental.preprocessing.Rescaling``,
``tf.keras.optimizers.legacy.Adam``, ``keras.utils.np_utils.to_categorical``,
``keras.backend.tensorflow_backend.set_session``, ``keras.layers.core.Dense`` all lose them.

ROUTE_FACTS, keyed ``(api, canonical name)`` with ``api`` as names.canonical reports it
(``"keras"``, ``"tensorflow"``, ``"tf_keras"``): a further narrowing when the name was reached
through that import route; the name part matches like a PATH key (equal, or a dotted prefix).
On Keras 3, ``tf.keras`` (TF 2.16+) is Keras 3's compatibility namespace ``keras._tf_keras.keras``,
which still carries ``ImageDataGenerator``, ``Tokenizer`` and
most of the old ``keras.backend`` functions, while ``import keras`` does not.

How to combine: the lines a file can run on are the intersection of the lines of every key it
matches. ``lines`` is where the API works in the default (eager, TF2) mode; ``graph_lines`` adds
lines where it works only when the file runs in TF1 graph mode
(``tf.compat.v1.disable_eager_execution()``), which selects tf.keras's ``training_v1`` path.
API_LINES / PATH_LINES / ROUTE_LINES are the conservative union of both. Do not narrow on names
reached through PRIVATE_PREFIXES: private module trees hold names (e.g. an internal ``Merge`` base
class in Keras 3) that the public API never had.

VersionLine membership here is about the installed release (targeting), not about the L2 override the
rules apply to graph-mode files for metric resolution.
"""

from typing import Dict, FrozenSet, Iterable, Tuple

from keraslint.immutable import record
from keraslint.versions import VersionLine

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5


@record
class ApiFact:
    lines: FrozenSet[VersionLine]
    source: str
    graph_lines: FrozenSet[VersionLine] = frozenset()
    # TF 2.x minors of L3 (2.2-2.15) the API exists on, when only part of that line has it.
    l3_minors: Tuple[int, int] | None = None

    @property
    def possible(self) -> FrozenSet[VersionLine]:
        return self.lines | self.graph_lines


def _on(*lines: VersionLine) -> FrozenSet[VersionLine]:
    return frozenset(lines)


def _fact(lines: FrozenSet[VersionLine], source: str, graph_lines: FrozenSet[VersionLine] = frozenset(),
          l3_minors: Tuple[int, int] | None = None) -> ApiFact:
    return ApiFact(lines, source, graph_lines, l3_minors)


# Frequently used line sets.
_K1_K2 = _on(L1, L2)  # standalone Keras 2.0-2.3 (and tf.keras 2.0/2.1 where noted)
_NOT_K3 = _on(L1, L2, L3, L4)
_UP_TO_TF215 = _on(L1, L2, L3)
_FROM_TF22 = _on(L3, L4, L5)
_FROM_TF21 = _on(L2, L3, L4, L5)
_TF_KERAS_ERA = _on(L2, L3, L4)
_K3 = _on(L5)

# Source shorthands (repositories read at release tags; TF wheels from PyPI, see the doc).
_SA = "keras-team/keras"
_TK = "keras-team/tf-keras"
_K3_API = (
    "absent from the public API of every keras-team/keras v3.0.0-v3.15.1 tag (keras_export names; "
    "keras/api/ at v3.15.1)"
)
_TK_API = "keras-team/tf-keras v2.15.0-v2.21.0 (keras_export names)"

API_FACTS: Dict[str, ApiFact] = {}


def _add(keys: Iterable[str], fact: ApiFact) -> None:
    for key in keys:
        API_FACTS[key] = fact


# --- Keras 1 leftovers kept by Keras 2.0-2.3 ------------------------------------------------------

_add(
    ["keras.layers.Merge"],
    _fact(
        _on(L1),
        f"{_SA}@2.0.0..2.1.6:keras/legacy/layers.py defines Merge (deprecation warning), re-exported by "
        "keras/layers/__init__.py; gone from keras/legacy/layers.py@2.2.0; never in tf.keras, tf-keras "
        f"or Keras 3 public APIs ({_K3_API})",
    ),
)
_add(
    ["keras.layers.merge()"],
    _fact(
        _on(L1),
        f"{_SA}@2.0.0..2.1.6:keras/legacy/layers.py defines merge(..., mode=) (deprecation warning) and the "
        "star import in keras/layers/__init__.py makes it shadow the merge module; from @2.2.0 "
        "keras.layers.merge is only the module (calling it is a TypeError)",
    ),
)
_add(
    ["keras.layers.MaxoutDense", "keras.layers.Highway", "keras.layers.AtrousConvolution1D",
     "keras.layers.AtrousConvolution2D", "keras.layers.AtrousConv1D", "keras.layers.AtrousConv2D"],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/legacy/layers.py (deprecated, still exported by keras/layers); "
        "keras@2.4.0 keras/layers re-exports tf.keras only; never in tf.keras / tf-keras / Keras 3",
    ),
)
_add(
    ["keras.layers.Deconvolution2D", "keras.layers.Deconv2D", "keras.layers.Deconvolution3D",
     "keras.layers.Deconv3D"],
    _fact(
        _UP_TO_TF215,
        f"aliases of Conv2DTranspose/Conv3DTranspose in {_SA}@2.0.0..2.3.1:keras/layers/convolutional.py; "
        "module-level aliases still in keras@2.4.0 and keras@v2.6.0..v2.8.0 keras/layers/convolutional.py "
        "(not in the public tf.keras API); absent from tf-keras and Keras 3",
    ),
)
_add(
    ["keras.optimizers.TFOptimizer"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1:keras/optimizers.py; the module keras/optimizers.py of keras@v2.6.0..v2.12.0 still "
        "imports it from optimizer_v1 (not public tf.keras API); absent from tf-keras and Keras 3",
    ),
)
_add(
    ["keras.backend.set_image_dim_ordering", "keras.backend.image_dim_ordering"],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/backend/common.py; keras@2.4.0 keras/backend.py is tf.keras.backend; "
        "never in tf.keras / tf-keras / Keras 3",
    ),
)
_add(
    ["keras.backend.set_session", "keras.backend.get_session", "keras.backend.placeholder",
     "keras.backend.function", "keras.backend.learning_phase", "keras.backend.set_learning_phase",
     "keras.backend.manual_variable_initialization", "keras.backend.reset_uids"],
    _fact(
        _NOT_K3,
        f"{_SA}@2.0.0..2.3.1:keras/backend/tensorflow_backend.py; TF 1.15-2.5 wheels and keras@v2.6.0..v2.15.0 "
        f"(in TF2 the session functions are only in the compat.v1 API, which names.py merges); "
        f"{_TK_API} incl. its v1 API; {_K3_API}, also absent from Keras 3's tf.keras namespace",
    ),
)
_add(
    ["keras.layers.CuDNNLSTM", "keras.layers.CuDNNGRU"],
    _fact(
        _NOT_K3,
        f"{_SA}@2.0.9..2.3.1:keras/layers/cudnn_recurrent.py (not in 2.0.0-2.0.8); tf.keras has them only in "
        "TF1 and in tf.compat.v1.keras (TF 2.0-2.15 v1 API, tf-keras v1 API), which names.py merges with "
        f"tf.keras; {_K3_API}",
    ),
)
_add(
    ["keras.layers.LocallyConnected1D", "keras.layers.LocallyConnected2D"],
    _fact(_NOT_K3, f"{_SA}@2.0.0..v2.15.0 keras/layers (local.py, later locally_connected/); {_TK_API}; {_K3_API}"),
)
_add(
    ["keras.utils.multi_gpu_model"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.9..2.3.1:keras/utils/multi_gpu_utils.py; TF 1.15-2.2 wheels (gone by TF 2.5); "
        "absent from keras@v2.6.0+, tf-keras, Keras 3",
    ),
)
_add(
    ["keras.utils.HDF5Matrix"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1:keras/utils/io_utils.py; TF 1.15-2.2 wheels; absent from keras@v2.6.0+, "
        "tf-keras, Keras 3",
    ),
)
_add(
    ["keras.utils.GeneratorEnqueuer", "keras.utils.OrderedEnqueuer", "keras.utils.SequenceEnqueuer",
     "keras.callbacks.BaseLogger"],
    _fact(_NOT_K3, f"{_SA}@2.0.0..v2.15.0 public API (enqueuers from 2.0.x); {_TK_API}; {_K3_API}"),
)
_add(
    ["keras.models.model_from_yaml"],
    _fact(
        _UP_TO_TF215,
        "works in standalone Keras 2.0-2.3 and TF 1.15-2.5 (saving/model_config.py loads the YAML); from "
        f"{_SA}@v2.6.0 and in tf-keras@v2.21.0:tf_keras/saving/legacy/model_config.py it still exists but "
        f"raises RuntimeError when called; {_K3_API}",
    ),
)
_add(
    ["keras.layers.DenseFeatures"],
    _fact(
        _TF_KERAS_ERA,
        "TF 1.15/2.0/2.1 wheels (tf.keras only, not standalone Keras 2.3), TF 2.2-2.15, "
        f"{_TK_API}; {_K3_API}",
    ),
)

# --- Keras 3 only ---------------------------------------------------------------------------------

_add(
    ["keras.layers.TFSMLayer", "keras.layers.JaxLayer", "keras.layers.TorchModuleWrapper",
     "keras.utils.PyDataset", "keras.Variable", "keras.KerasTensor", "keras.Function", "keras.device",
     "keras.name_scope", "keras.version", "keras.losses.Tversky", "keras.losses.Dice",
     "keras.optimizers.LossScaleOptimizer", "keras.callbacks.SwapEMAWeights", "keras.layers.Pipeline",
     "keras.layers.MelSpectrogram", "keras.layers.Equalization"],
    _fact(
        _K3,
        f"keras_export names of {_SA} v3.x tags (some from a later 3.x only); absent from every "
        "standalone Keras 2.x tag, the TF 1.15-2.5 wheels, keras v2.6.0-v2.15.0 and tf-keras",
    ),
)

# --- introduced after Keras 2.3 / TF 2.1 ------------------------------------------------------------

_PREPROCESSING_TF22 = [
    "Rescaling", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
    "RandomCrop", "RandomTranslation", "RandomHeight", "RandomWidth", "StringLookup", "IntegerLookup",
    "CategoryEncoding", "Hashing", "Discretization", "HashedCrossing", "RandomBrightness",
]
_add(
    [f"keras.layers.{name}" for name in _PREPROCESSING_TF22],
    _fact(
        _FROM_TF22,
        "tf.keras.layers.experimental.preprocessing from TF 2.2 (image layers; lookups/encodings by 2.5), "
        f"keras.layers.X from keras@v2.6.0, both paths in {_TK_API}, keras.layers.X in Keras 3 (via "
        "tf.keras only for RandomHeight/RandomWidth); absent from standalone Keras 2.0-2.3 and TF 1.15/2.0/2.1. "
        "names.py maps both paths to keras.layers.X",
    ),
)
_add(
    ["keras.layers.Normalization", "keras.layers.TextVectorization"],
    _fact(
        _FROM_TF21,
        "TF 2.1 wheel tensorflow_core/python/keras/api/_v2/keras/layers/experimental/preprocessing/__init__.py "
        "already exports Normalization and TextVectorization; then as the other preprocessing layers",
    ),
)
_add(
    ["keras.layers.MultiHeadAttention", "keras.layers.EinsumDense", "keras.layers.Conv1DTranspose",
     "keras.layers.GroupNormalization", "keras.layers.UnitNormalization", "keras.layers.Identity",
     "keras.layers.SpectralNormalization",
     "keras.utils.image_dataset_from_directory", "keras.utils.text_dataset_from_directory",
     "keras.utils.timeseries_dataset_from_array", "keras.utils.audio_dataset_from_directory",
     "keras.utils.split_dataset", "keras.utils.set_random_seed", "keras.utils.load_img",
     "keras.utils.img_to_array", "keras.utils.array_to_img", "keras.utils.pad_sequences",
     "keras.utils.FeatureSpace",
     "keras.preprocessing.image_dataset_from_directory", "keras.preprocessing.text_dataset_from_directory",
     "keras.preprocessing.timeseries_dataset_from_array", "keras.preprocessing.image.smart_resize",
     "keras.optimizers.AdamW", "keras.optimizers.Lion", "keras.optimizers.Adafactor",
     "keras.metrics.F1Score", "keras.metrics.FBetaScore", "keras.metrics.R2Score",
     "keras.losses.CategoricalFocalCrossentropy",
     "keras.mixed_precision.set_global_policy", "keras.mixed_precision.Policy",
     "keras.mixed_precision.LossScaleOptimizer", "keras.callbacks.BackupAndRestore",
     "keras.activations.swish", "keras.activations.gelu", "keras.activations.mish",
     "keras.regularizers.OrthogonalRegularizer",
     "keras.applications.EfficientNetB0", "keras.applications.EfficientNetV2B0",
     "keras.applications.ConvNeXtTiny", "keras.applications.MobileNetV3Small"],
    _fact(
        _FROM_TF22,
        "first seen in the TF 2.5 wheel or a keras v2.6.0-v2.13.1 tag (MultiHeadAttention/EinsumDense/"
        "Conv1DTranspose by TF 2.5, image_dataset_from_directory under keras.preprocessing after TF 2.2 (in the "
        "TF 2.5 wheel; 2.3/2.4 not read), under "
        "keras.utils from keras@v2.6.0, pad_sequences under keras.utils @v2.9.0, AdamW @v2.9.0 (experimental) "
        "/ v2.11.0, F1Score @v2.13.1); present in tf-keras and Keras 3; absent from standalone Keras 2.0-2.3 "
        "and the TF 1.15/2.0/2.1 wheels",
    ),
)
_add(
    ["keras.layers.LayerNormalization", "keras.layers.Attention", "keras.layers.AdditiveAttention",
     "keras.optimizers.Ftrl", "keras.utils.register_keras_serializable"],
    _fact(
        _FROM_TF21,
        "tf.keras in TF 1.15/2.0/2.1 (register_keras_serializable from TF 2.1) and every later line; "
        "absent from standalone Keras 2.0-2.3 (keras-team/keras@2.3.1 has none of them)",
    ),
)

# --- model methods --------------------------------------------------------------------------------

_add(
    ["keras.Model.fit_generator", "keras.Model.evaluate_generator", "keras.Model.predict_generator"],
    _fact(
        _NOT_K3,
        f"{_SA}@2.0.0..2.3.1:keras/engine/training.py; TF 1.15-2.5 training.py (deprecated from TF 2.1); "
        f"{_SA}@v2.6.0..v2.15.0:keras/engine/training.py and {_TK}@v2.21.0:tf_keras/engine/training.py "
        "(warning only); no such method in Keras 3 (keras/src/trainers/trainer.py@v3.15.1)",
    ),
)
_add(
    ["keras.Sequential.predict_classes", "keras.Sequential.predict_proba"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.1.6:keras/models.py and @2.2.0..2.3.1:keras/engine/sequential.py (Sequential only, "
        "never on functional models); TF 1.15-2.5 sequential.py (deprecation warning in 2.5); removed in "
        f"{_SA}@v2.6.0:keras/engine/sequential.py; absent from tf-keras and Keras 3",
        l3_minors=(2, 5),
    ),
)

# --- keywords -------------------------------------------------------------------------------------

_LEGACY_SRC = (
    f"Keras 1 keyword converted with a warning by {_SA}@2.0.0..2.3.1:keras/legacy/interfaces.py "
    "(the decorator on this class); the module is gone in keras@2.4.0; tf.keras/tf-keras layers reject "
    "unknown keywords with TypeError (base_layer allowed_kwargs), Keras 3 with ValueError"
)
_W_B = ["init", "W_regularizer", "b_regularizer", "W_constraint", "b_constraint", "bias"]
_CONV = ["nb_filter", "subsample", "border_mode", "dim_ordering"] + _W_B
_RNN = ["output_dim", "init", "inner_init", "inner_activation", "W_regularizer", "b_regularizer",
        "U_regularizer", "dropout_W", "dropout_U", "consume_less", "forget_bias_init"]
_POOL_ND = ["border_mode", "dim_ordering"]
_LEGACY_KEYWORDS: Dict[Tuple[str, ...], Tuple[str, ...]] = {
    ("Dense",): ("output_dim",) + tuple(_W_B),
    ("Dropout", "GaussianDropout", "SpatialDropout1D"): ("p",),
    ("SpatialDropout2D", "SpatialDropout3D"): ("p", "dim_ordering"),
    ("Embedding",): ("init", "W_regularizer", "W_constraint", "dropout"),
    ("MaxPooling1D", "AveragePooling1D", "MaxPool1D", "AvgPool1D"): ("pool_length", "stride", "border_mode"),
    ("MaxPooling2D", "AveragePooling2D", "MaxPooling3D", "AveragePooling3D",
     "MaxPool2D", "AvgPool2D", "MaxPool3D", "AvgPool3D"): tuple(_POOL_ND),
    ("GlobalMaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
     "GlobalMaxPool2D", "GlobalAvgPool2D", "GlobalMaxPool3D", "GlobalAvgPool3D",
     "UpSampling2D", "UpSampling3D", "ZeroPadding2D", "ZeroPadding3D", "Cropping2D", "Cropping3D"): ("dim_ordering",),
    ("UpSampling1D",): ("length",),
    ("PReLU",): ("init",),
    ("GaussianNoise",): ("sigma",),
    ("LSTM", "GRU", "SimpleRNN"): tuple(_RNN),
    ("Conv1D", "Convolution1D", "LocallyConnected1D"): (
        "nb_filter", "filter_length", "subsample_length", "border_mode") + tuple(_W_B),
    ("Conv2D", "Convolution2D", "LocallyConnected2D", "Conv2DTranspose", "Convolution2DTranspose"): tuple(
        _CONV) + ("nb_row", "nb_col"),
    ("SeparableConv2D", "SeparableConvolution2D"): (
        "nb_filter", "subsample", "border_mode", "dim_ordering", "init", "b_regularizer", "b_constraint",
        "bias", "nb_row", "nb_col"),
    ("Conv3D", "Convolution3D"): tuple(_CONV) + ("kernel_dim1", "kernel_dim2", "kernel_dim3"),
    # No W_constraint/b_constraint conversion for ConvLSTM2D: those raise on every line.
    ("ConvLSTM2D",): (
        "nb_filter", "subsample", "border_mode", "dim_ordering", "init", "inner_init", "W_regularizer",
        "U_regularizer", "b_regularizer", "inner_activation", "dropout_W", "dropout_U", "bias",
        "forget_bias_init", "nb_row", "nb_col"),
    ("BatchNormalization",): ("beta_init", "gamma_init", "mode"),
}
for _classes, _keywords in _LEGACY_KEYWORDS.items():
    _add([f"keras.layers.{c}({k}=)" for c in _classes for k in _keywords], _fact(_K1_K2, _LEGACY_SRC))
API_FACTS["keras.layers.BatchNormalization(mode=)"] = _fact(
    _K1_K2, _LEGACY_SRC + "; only mode=0 is accepted, any other value raises TypeError"
)
API_FACTS["keras.layers.Embedding(dropout=)"] = _fact(
    _K1_K2, _LEGACY_SRC + "; the value is dropped with a warning (no dropout is applied)"
)
_add(
    ["keras.Model(input=)", "keras.Model(output=)"],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/legacy/interfaces.py legacy_model_constructor_support (on Container/Network); "
        "tf.keras 1.15-2.15 and tf-keras treat Model(input=, output=) as a subclassed model and reject the "
        "keywords (network.py _base_init validate_kwargs: TypeError); Keras 3 raises ValueError (measured 3.15.1)",
    ),
)
_add(
    [f"keras.Model.{m}({k}=)" for m in ("fit_generator", "evaluate_generator", "predict_generator")
     for k in ("samples_per_epoch", "val_samples", "nb_epoch", "nb_val_samples", "nb_worker", "pickle_safe",
               "max_q_size")],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/legacy/interfaces.py legacy_generator_methods_support (pickle_safe and "
        "max_q_size added after 2.0.0); tf.keras generator methods have fixed signatures (TypeError)",
    ),
)
API_FACTS["keras.Model.fit(nb_epoch=)"] = _fact(
    _K1_K2,
    f"{_SA}@2.0.0..2.3.1:keras/engine/training.py fit(**kwargs) maps nb_epoch to epochs with a warning; so "
    "do TF 1.15/2.0/2.1 training.py and training_v1.py of TF 2.2-2.15 and tf-keras (graph mode only); "
    "eager fit of TF 2.2+ and tf-keras has no **kwargs (TypeError, measured tf-keras 2.21); Keras 3 TypeError",
    graph_lines=_on(L3, L4),
)
_add(
    [f"keras.Model.fit({k}=)" for k in ("workers", "use_multiprocessing", "max_queue_size")],
    _fact(
        _NOT_K3,
        f"fit() gained these in {_SA}@2.2.5 (absent @2.2.4, so only late L1) and has them through 2.3.1, TF "
        "1.15-2.15 and tf-keras; Keras 3 fit has no such parameter and no **kwargs (every backend trainer "
        "@v3.0.0 and @v3.15.1; TypeError measured on 3.15.1)",
    ),
)
# Keras 0.x / 1.x only: every later line rejects these, so a file using them runs on no line here.
_add(
    [f"keras.Model.{m}(show_accuracy=)" for m in ("fit", "evaluate")]
    + [f"keras.Sequential.{m}(show_accuracy=)" for m in ("fit", "evaluate")],
    _fact(
        frozenset(),
        f"{_SA}@2.0.0:keras/models.py Sequential.fit pops only nb_epoch from **kwargs, then raises TypeError "
        "('Unrecognized keyword arguments'); the same check in keras/engine/training.py@2.3.1 fit(); tf.keras, "
        "tf-keras and Keras 3 fit() take no **kwargs",
    ),
)

_OPTIMIZERS = ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam")
_add(
    [f"keras.optimizers.{o}(lr=)" for o in _OPTIMIZERS],
    _fact(
        _NOT_K3,
        f"lr is the parameter in {_SA}@2.0.0..2.2.5:keras/optimizers.py, still popped from kwargs @2.3.0+, "
        "allowed by tf.keras optimizer_v2 (TF 1.15-2.10); tf.keras 2.11+ / tf-keras new optimizers pop and "
        "ignore it (no error; legacy optimizers honour it); Keras 3 base_optimizer raises ValueError "
        "('Argument(s) not recognized', @v3.0.0 and @v3.15.1)",
    ),
)
_add(
    [f"keras.optimizers.{o}(learning_rate=)" for o in _OPTIMIZERS],
    _fact(
        _FROM_TF21,
        f"not accepted by {_SA}@2.0.0..2.2.5:keras/optimizers.py (Optimizer allows only clipnorm/clipvalue: "
        "TypeError); the parameter exists from keras@2.3.0, in TF 1.15+ optimizer_v2, tf-keras and Keras 3",
    ),
)

# --- third-party layers ---------------------------------------------------------------------------

API_FACTS["tensorflow_hub.KerasLayer"] = _fact(
    _TF_KERAS_ERA,
    "tensorflow/hub@v0.7.0..v0.15.0:tensorflow_hub/keras_layer.py subclasses tf.keras.layers.Layer, "
    "@v0.16.0 switches to tf_keras.layers.Layer when tf.keras is Keras 3: always a Keras 2 layer, so a "
    "Keras 3 model rejects it ('Only instances of keras.Layer can be added', tensorflow/tensorflow#65419, "
    "tensorflow/hub#920) and standalone Keras 2.0-2.3 models reject a tf.keras layer; works with tf.keras "
    "TF 1.15-2.15 and tf-keras",
)


# --- module paths ---------------------------------------------------------------------------------

PATH_FACTS: Dict[str, ApiFact] = {}


def _path(keys: Iterable[str], fact: ApiFact) -> None:
    for key in keys:
        PATH_FACTS[key] = fact


_path(
    ["keras.backend.tensorflow_backend"],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/backend/tensorflow_backend.py; keras@2.4.0 has keras/backend.py only; "
        "tf.keras, tf-keras and Keras 3 never had it",
    ),
)
_path(
    ["keras.legacy.layers", "keras.legacy.interfaces"],
    _fact(
        _K1_K2,
        f"{_SA}@2.0.0..2.3.1:keras/legacy/; gone in keras@2.4.0 (Keras 3's public keras.legacy holds only saving)",
    ),
)
_path(
    ["keras.engine.topology", "keras.objectives"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1 and @2.4.0 (keras/engine/topology.py, keras/objectives.py); not in keras@v2.6.0+, "
        "tf.keras public API, tf-keras or Keras 3",
    ),
)
_path(
    ["keras.engine", "keras.layers.core", "keras.layers.convolutional", "keras.layers.pooling",
     "keras.layers.normalization", "keras.layers.noise", "keras.layers.recurrent", "keras.layers.embeddings",
     "keras.layers.merge", "keras.layers.advanced_activations", "keras.layers.wrappers", "keras.layers.local",
     "keras.layers.cudnn_recurrent", "keras.layers.convolutional_recurrent",
     "keras.utils.np_utils", "keras.utils.vis_utils", "keras.utils.generic_utils", "keras.utils.data_utils",
     "keras.utils.io_utils", "keras.utils.layer_utils", "keras.utils.conv_utils",
     "keras.utils.multi_gpu_utils"],
    _fact(
        _UP_TO_TF215,
        f"module files of {_SA}@2.0.0..2.3.1 and @2.4.0, and of keras@v2.6.0..v2.8.0 or ..v2.12.0 (recurrent, "
        "embeddings, merge, advanced_activations, wrappers, local, cudnn_recurrent, convolutional_recurrent, "
        "multi_gpu_utils end at 2.8); from keras 2.13 the code lives under the private keras.src "
        "(pip_build.py@v2.13.1: the package is the generated public API): not importable after 2.12; never part "
        "of the public tf.keras, tf-keras or Keras 3 API (Keras 3 has keras.src.layers.core etc. only)",
        l3_minors=(2, 12),
    ),
)
_path(
    ["keras.wrappers.scikit_learn"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1:keras/wrappers/scikit_learn.py, TF 1.15-2.5, keras@v2.6.0..v2.12.0 "
        "(removed @v2.13.1); absent from tf-keras and Keras 3 (3.x has keras.wrappers.SKLearn* only)",
    ),
)
_path(
    ["keras.layers.experimental"],
    _fact(
        _TF_KERAS_ERA,
        "tf.keras.layers.experimental in TF 1.15/2.0/2.1 (empty there), TF 2.2-2.15, tf-keras; never in "
        f"standalone Keras 2.0-2.3 nor Keras 3 ({_K3_API})",
    ),
)
_path(
    ["keras.layers.experimental.preprocessing"],
    _fact(
        _TF_KERAS_ERA,
        "TF 2.1 wheel (Normalization, TextVectorization only), TF 2.2-2.15, keras@2.4.0 and keras@v2.6.0.."
        f"v2.15.0, {_TK_API}; removed only in Keras 3",
    ),
)
_path(
    ["keras.optimizers.legacy"],
    _fact(
        _on(L3, L4),
        f"{_SA}@v2.9.0..v2.15.0 (keras/optimizers/legacy/ or optimizer_v2), {_TK_API}; Keras 3 exports "
        "keras.optimizers.legacy.{Adam,SGD,RMSprop,Adagrad,Ftrl,Optimizer} as a stub whose constructor raises "
        "ImportError (keras/optimizers/__init__.py@v3.0.0, measured 3.15.1): importing works, using fails",
    ),
)
_path(
    ["keras.optimizers.experimental"],
    _fact(
        _on(L3, L4),
        f"keras_export names keras.optimizers.experimental.* from {_SA}@v2.9.0 (none @v2.8.0) through "
        f"v2.15.0 and in {_TK_API}; {_K3_API}",
    ),
)
_path(
    ["keras.mixed_precision.experimental"],
    _fact(
        _on(L2, L3),
        "TF 1.15/2.0/2.1 wheels, TF 2.2-2.5, keras@v2.6.0..v2.8.0; absent from keras@v2.9.0+, tf-keras, Keras 3",
    ),
)
_path(
    ["keras.experimental", "keras.estimator"],
    _fact(_TF_KERAS_ERA, f"TF 1.15/2.0/2.1 wheels through keras@v2.15.0 and {_TK_API}; {_K3_API}"),
)
_path(
    ["keras.dtensor", "keras.metrics.experimental", "keras.callbacks.experimental", "keras.models.experimental"],
    _fact(_on(L3, L4), f"keras_export names of keras v2.x tags (2.5+ / 2.9+ / 2.13+) and {_TK_API}; {_K3_API}"),
)
_path(
    ["keras.ops", "keras.random", "keras.config", "keras.distribution", "keras.tree", "keras.quantizers",
     "keras.dtype_policies"],
    _fact(
        _K3,
        f"public modules of {_SA} v3.x (tree from 3.3, quantizers/dtype_policies from 3.1); absent from "
        "standalone Keras 2.x, TF 1.15-2.5, keras v2.6.0-v2.15.0 and tf-keras",
    ),
)
_path(
    ["keras.saving", "keras.export"],
    _fact(
        _FROM_TF22,
        f"public from {_SA}@v2.12.0 (keras.saving, keras.export), in tf-keras and Keras 3; absent from "
        "standalone Keras 2.x and TF <= 2.5 public APIs",
    ),
)

# Module paths whose last release inside L3 is known: rules whose L3 truth starts at a later minor
# (KER101 from 2.6, KER306 from 2.11) stay silent for a file that uses them.
_path(
    ["keras.layers.merge", "keras.layers.recurrent", "keras.layers.embeddings", "keras.layers.advanced_activations",
     "keras.layers.wrappers", "keras.layers.local", "keras.layers.cudnn_recurrent",
     "keras.layers.convolutional_recurrent", "keras.utils.multi_gpu_utils"],
    _fact(
        _UP_TO_TF215,
        f"module files of {_SA}@2.0.0..2.3.1 and @2.4.0, and keras@v2.6.0..v2.8.0 (not at v2.9.0: "
        "`git ls-tree v2.9.0 keras/layers`); never public tf.keras, tf-keras or Keras 3",
        l3_minors=(2, 8),
    ),
)
_path(
    ["keras.engine.Model", "keras.engine.training.Model"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.4.0:keras/engine/__init__.py exports Model; @v2.6.0 keras/engine/__init__.py exports "
        "nothing (the class lives in keras/engine/training.py, exported only as keras.Model)",
        l3_minors=(2, 5),
    ),
)
# TensorFlow 1.x names that TF 2.0 removed from the top-level API (they live on as tf.compat.v1.*):
# TF 1.x is Keras's L2 line (tf.keras 1.x), or the backend of standalone Keras 2.0-2.3.
_add(
    [f"tensorflow.{name}" for name in (
        "Session", "InteractiveSession", "placeholder", "set_random_seed", "global_variables_initializer",
        "get_variable", "variable_scope", "get_default_graph", "reset_default_graph", "ConfigProto",
        "train.AdamOptimizer", "train.GradientDescentOptimizer", "train.RMSPropOptimizer",
        "train.MomentumOptimizer", "train.AdagradOptimizer", "logging")],
    _fact(
        _K1_K2,
        "removed from the top-level API of tensorflow/tensorflow@v2.0.0 (tensorflow/python/... tf_export "
        "v1-only: tf_export(v1=[...])); TF 1.x tf.keras is the L2 code path and TF 1.x backs standalone "
        "Keras 2.0-2.3",
    ),
)

# TensorFlow 1.x modules that TF 2.0 no longer ships (imported from, not only named: `from
# tensorflow.contrib import rnn`, `from tensorflow.examples.tutorials.mnist import input_data`).
_path(
    ["tensorflow.contrib", "tensorflow.examples.tutorials"],
    _fact(
        _K1_K2,
        "tensorflow/tensorflow@v2.0.0 has no tensorflow/contrib (the TF 2.0 release notes: contrib removed "
        "or moved to tensorflow/addons); the TF 2.0 wheel has no tensorflow.examples.tutorials "
        "(tensorflow/tensorflow #32790, #34083: ModuleNotFoundError on 2.0.0)",
    ),
)

# Names that only some module paths exported, and only up to a TF 2.x minor (checked with
# `git show <tag>:<path>` on keras-team/keras).
_path(
    ["keras.models.Input"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1 and keras/models.py@v2.8.0 L28 import Input; keras/models/__init__.py@v2.9.0 does "
        "not; never in the public tf.keras.models, tf-keras or Keras 3 (keras.Input instead)",
        l3_minors=(2, 8),
    ),
)
_path(
    ["keras.layers.normalization.BatchNormalization"],
    _fact(
        _UP_TO_TF215,
        f"{_SA}@2.0.0..2.3.1 and @2.4.0:keras/layers/normalization.py define or re-export it; "
        "keras/layers/normalization/__init__.py@v2.6.0 is empty (the class moved to batch_normalization.py)",
        l3_minors=(2, 5),
    ),
)

# Libraries built on tf.keras 2.x that do not run on TensorFlow 2.16+ (where tf.keras is Keras 3).
_path(
    ["horovod.tensorflow", "horovod.keras"],
    _fact(
        _UP_TO_TF215,
        "horovod/horovod#4290 (open): horovod 0.28.1, the last release, fails on TF 2.16.1 "
        "(AttributeError: 'Variable' object has no attribute 'ref'); its Keras integration wraps tf.keras / "
        "keras 2 optimizers",
    ),
)
_path(
    ["tensorflow_addons"],
    _fact(
        _on(L2, L3),
        "tensorflow/addons README compatibility table: every release needs TF 2.x below 2.16 (0.23: TF 2.13-2.15) "
        "and development ended in 2024; its layers, losses and optimizers subclass tf.keras 2 classes",
    ),
)


# --- import-route narrowing -----------------------------------------------------------------------

ROUTE_FACTS: Dict[Tuple[str, str], ApiFact] = {}

_TF_NAMESPACE_ONLY = (
    "in Keras 3 only keras._tf_keras.keras (what tf.keras is under TF 2.16+) has it, copied from "
    "keras._legacy (keras/api/_tf_keras@v3.15.1; keras_export('keras._legacy...') @v3.0.0); `import keras` "
    "3.x lacks it (measured 3.15.1). Reached through `import keras` it exists on standalone Keras 2.x only"
)
_ROUTE_KERAS_NOT_K3 = [
    "keras.preprocessing.image.ImageDataGenerator", "keras.preprocessing.image.DirectoryIterator",
    "keras.preprocessing.image.NumpyArrayIterator", "keras.preprocessing.image.Iterator",
    "keras.preprocessing.image.apply_affine_transform", "keras.preprocessing.image.random_rotation",
    "keras.preprocessing.image.random_shift", "keras.preprocessing.image.random_shear",
    "keras.preprocessing.image.random_zoom", "keras.preprocessing.image.random_brightness",
    "keras.preprocessing.image.random_channel_shift",
    "keras.preprocessing.sequence.TimeseriesGenerator", "keras.preprocessing.sequence.skipgrams",
    "keras.preprocessing.sequence.make_sampling_table",
    "keras.preprocessing.text", "keras.preprocessing.text.Tokenizer", "keras.preprocessing.text.one_hot",
    "keras.preprocessing.text.hashing_trick", "keras.preprocessing.text.text_to_word_sequence",
    "keras.preprocessing.text.tokenizer_from_json",
    "keras.layers.ThresholdedReLU",
]
# The old keras.backend tensor functions: in Keras 3 only under tf.keras (TF 2.16+).
_BACKEND_TF_ONLY = (
    "abs all any arange argmax argmin batch_dot batch_flatten batch_get_value batch_normalization "
    "batch_set_value bias_add binary_crossentropy cast cast_to_floatx categorical_crossentropy clip concatenate "
    "constant conv1d conv2d conv2d_transpose conv3d cos count_params ctc_batch_cost ctc_decode "
    "ctc_label_dense_to_sparse cumprod cumsum depthwise_conv2d dot dropout dtype elu equal eval exp "
    "expand_dims eye flatten foldl foldr gather get_value gradients greater greater_equal hard_sigmoid "
    "in_top_k int_shape is_sparse l2_normalize less less_equal log map_fn max maximum mean min minimum "
    "moving_average_update name_scope ndim not_equal one_hot ones ones_like permute_dimensions pool2d pool3d "
    "pow prod random_normal random_normal_variable random_uniform random_uniform_variable relu repeat "
    "repeat_elements reshape resize_images resize_volumes reverse rnn round separable_conv2d set_value shape "
    "sigmoid sign sin softmax softplus softsign sparse_categorical_crossentropy spatial_2d_padding "
    "spatial_3d_padding sqrt square squeeze stack std stop_gradient sum switch tanh temporal_padding tile "
    "to_dense transpose truncated_normal update update_add update_sub var variable zeros zeros_like"
).split()
for _name in _ROUTE_KERAS_NOT_K3 + [f"keras.backend.{n}" for n in _BACKEND_TF_ONLY]:
    ROUTE_FACTS[("keras", _name)] = _fact(_UP_TO_TF215, _TF_NAMESPACE_ONLY)
for _name in ("keras.layers.RandomHeight", "keras.layers.RandomWidth"):
    ROUTE_FACTS[("keras", _name)] = _fact(
        _on(L3),
        "through `import keras`: keras@2.4.0 / v2.6.0-v2.15.0 only; Keras 3 has them only under tf.keras "
        "(keras._legacy exports)",
    )
for _name in ("keras.layers.LayerNormalization", "keras.layers.Attention", "keras.layers.AdditiveAttention",
              "keras.layers.Normalization", "keras.layers.TextVectorization"):
    ROUTE_FACTS[("keras", _name)] = _fact(
        _on(L3, L5),
        "through `import keras` absent from standalone Keras 2.0-2.3 (the TF 2.0/2.1 copies are tf.keras only)",
    )


# --- names checked and found on every line (documentation; they narrow nothing) -------------------

NOT_NARROWING: Tuple[str, ...] = (
    "keras.layers.Convolution1D",  # alias kept by every line, Keras 3 included (conv2d.py@v3.15.1)
    "keras.layers.Convolution2D",
    "keras.layers.Convolution3D",
    "keras.layers.Convolution2DTranspose",
    "keras.utils.to_categorical",
    "keras.utils.Sequence",  # Keras 3: alias of PyDataset
    "keras.utils.plot_model",
    "keras.preprocessing.sequence.pad_sequences",
    "keras.preprocessing.image.load_img",
    "keras.preprocessing.image.img_to_array",
    "keras.backend.clear_session",
    "keras.backend.image_data_format",
    "keras.backend.set_image_data_format",
    "keras.Model.train_on_batch",
    "keras.layers.Embedding(input_length=)",  # raises on Keras 3.0-3.1, warns from 3.2 (so L5 stays)
    "keras.optimizers.Adam(decay=)",  # ignored with a warning on Keras 3; legacy optimizers accept it
)

# Names reached through these prefixes are private module trees: do not narrow on them.
PRIVATE_PREFIXES: Tuple[str, ...] = (
    "keras.src.",
    "tf_keras.src.",
    "tensorflow.python.keras.",
    "tensorflow_core.python.keras.",
)

# TensorFlow's own Keras tree is private, yet its models and layers narrow: it is tf.keras itself up
# to TF 2.5, then a frozen Keras 2 copy beside the public tf.keras (the keras package), never Keras 3
# or tf-keras. Its functions (metrics, losses, backend) work on tensors under any Keras: no evidence.
_TF_OWN_KERAS = _fact(
    _on(L2, L3),
    "tensorflow/tensorflow@v2.6.0: tf.keras is exported from the keras package, tensorflow/python/keras "
    "stays as an unexported copy; precision probe 7 on TF 2.16.1 + Keras 3.15.1: a model of that copy "
    "cannot fit and its layers cannot be added to a Keras 3 model",
)
PRIVATE_TREE_FACTS: Dict[str, ApiFact] = {
    f"{root}.{part}": _TF_OWN_KERAS
    for root in ("tensorflow.python.keras", "tensorflow_core.python.keras")
    for part in ("layers", "models", "engine", "Model", "Sequential", "Input")
}

# What a rule checks is never evidence against the lines where that rule would fire: an `lr=` that
# Keras 3 rejects is KER306's finding, not proof that the file avoids Keras 3. Kept for the docs.
RULE_SUBJECTS: FrozenSet[str] = frozenset(
    key for key in API_FACTS if key.startswith("keras.optimizers.") and key.endswith(("(lr=)", "(learning_rate=)"))
)
API_LINES: Dict[str, FrozenSet[VersionLine]] = {
    key: fact.possible for key, fact in API_FACTS.items() if key not in RULE_SUBJECTS
}
PATH_LINES: Dict[str, FrozenSet[VersionLine]] = {key: fact.possible for key, fact in PATH_FACTS.items()}
ROUTE_LINES: Dict[Tuple[str, str], FrozenSet[VersionLine]] = {key: fact.possible for key, fact in ROUTE_FACTS.items()}
