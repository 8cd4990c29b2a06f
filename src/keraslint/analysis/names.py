"""Import-style independent Keras names.

`tf.keras.layers.Dense`, `tensorflow.python.keras.layers.core.Dense`, `tf_keras.layers.Dense` and
`keras.src.layers.core.dense.Dense` all canonicalise to `keras.layers.Dense`.
"""

from __future__ import annotations

import functools

# Prefixes that are the Keras API under another name; longest first.
_KERAS_ALIASES = (
    ("tensorflow.compat.v1.keras", "tensorflow"),
    ("tensorflow.compat.v2.keras", "tensorflow"),
    ("tensorflow.python.keras", "tensorflow"),
    ("tensorflow.keras", "tensorflow"),
    ("keras._tf_keras.keras", "keras"),
    ("tf_keras.src", "tf_keras"),
    ("tf_keras", "tf_keras"),
    ("keras.src", "keras"),
    ("keras_core", "keras"),  # the Keras 3 preview (keras-core 0.1): the same API, imported under this name
    ("keras", "keras"),
)
# TensorFlow's own Keras 2 tree (tf.keras up to TF 2.5, a frozen copy later): never the new optimizers.
_KERAS_2_TREES = frozenset({"tensorflow.python.keras"})
_CATEGORIES = frozenset(
    {"losses", "metrics", "layers", "activations", "applications", "utils", "optimizers", "ops", "backend", "callbacks"}
)
_MODEL_NAMES = frozenset({"Model", "Sequential", "Input"})
# TensorFlow 2 modules that are the Keras modules under a shorter name: `tf.losses` is
# `tf.keras.losses` (and `tf.metrics`, `tf.optimizers`). TF 1's tf.compat.v1.losses is not.
_TF_KERAS_MODULES = ("tensorflow.losses", "tensorflow.metrics", "tensorflow.optimizers")
# Optimizer namespaces kept apart from keras.optimizers.X (the new API from TF 2.11 on): the Keras 2
# optimizers (legacy, and their tf.keras 2.11+ module optimizer_v2) and the TF 2.9-2.10 preview.
_OPTIMIZER_FAMILIES = {
    "legacy": "legacy",
    "optimizer_v2": "legacy",
    "optimizer_v1": "legacy",
    "experimental": "experimental",
    "optimizer_experimental": "experimental",
}


@functools.lru_cache(maxsize=4096)
def canonical(dotted: str) -> tuple[str, str | None]:
    """(canonical name, API it came through or None when not Keras)."""
    for prefix, api in _KERAS_ALIASES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            rest = dotted[len(prefix) + 1 :]
            if prefix in _KERAS_2_TREES:
                if not rest:
                    return dotted, api  # the tree itself keeps its name: its attributes are read from it
                if rest == "optimizers" or (rest.startswith("optimizers.") and rest.count(".") == 1):
                    rest = "optimizers.legacy" + rest[len("optimizers") :]  # its optimizers are Keras 2's
            return _canonical_keras(rest), api
    for prefix in _TF_KERAS_MODULES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            return _canonical_keras(dotted[len("tensorflow.") :]), "tensorflow"
    return dotted, None


def _canonical_keras(rest: str) -> str:
    if not rest:
        return "keras"
    parts = rest.split(".")
    for index, part in enumerate(parts):
        if part in _CATEGORIES:
            if index == len(parts) - 1:
                return "keras." + part
            name = parts[-1]
            if part == "layers" and name == "Input":
                return "keras.Input"
            if part == "utils" and name == "np_utils":
                return "keras.utils"
            if part == "optimizers" and parts[index + 1] in _OPTIMIZER_FAMILIES:
                # keras.optimizers.legacy.Adam is not keras.optimizers.Adam (keras-semantics 6.12)
                family = _OPTIMIZER_FAMILIES[parts[index + 1]]
                return f"keras.optimizers.{family}" if index + 2 == len(parts) else f"keras.optimizers.{family}.{name}"
            return f"keras.{part}.{name}"
    if parts[-1] in _MODEL_NAMES and parts[0] in {"models", "engine", parts[-1]} or (
        len(parts) == 1 and parts[0] in _MODEL_NAMES
    ):
        return "keras." + parts[-1]
    if parts[0] in {"models", "engine"} and parts[-1] in {"Functional", "training"}:
        return "keras.Model"
    return "keras." + ".".join(parts)
