"""What the labels given to fit() are: one-hot, integer class ids or binary, and how many classes.

Only origins that settle it count (keras-semantics section 5, rule 16); anything else is None.
"""

from __future__ import annotations

from keraslint import catalogue
from keraslint.analysis.records import LabelFact, LabelKind
from keraslint.analysis.values import CallV, Const, MethodV, Seq, Value

ONE_HOT = LabelKind.ONE_HOT
INTEGER = LabelKind.INTEGER
BINARY = LabelKind.BINARY
_DIRECTORY_DATASETS = ("image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory")
_LABEL_MODES = {"int": INTEGER, "categorical": ONE_HOT, "binary": BINARY}
_CLASS_MODES = {"categorical": ONE_HOT, "sparse": INTEGER, "binary": BINARY}


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _int(value: Value | None) -> int | None:
    if isinstance(value, Const) and type(value.value) is int:
        return value.value
    return None


def _kwarg(call: CallV | MethodV, name: str, position: int | None = None) -> Value | None:
    given = call.kwarg(name)
    if given is None and position is not None and position < len(call.args):
        given = call.args[position]
    return given


def label_fact(value: Value, *, carried: bool = False) -> LabelFact | None:
    """`carried`: the value is an x argument whose elements carry the labels (a dataset)."""
    while isinstance(value, MethodV) and value.method in catalogue.LABEL_KEEPING_METHODS:
        value = value.receiver
    if carried:
        return _dataset_labels(value)
    if isinstance(value, CallV):
        if value.callee in ("keras.utils.to_categorical",) and not value.has_star:
            classes = _int(_kwarg(value, "num_classes", 1))
            shown = f"to_categorical(y, {classes})" if classes is not None else "to_categorical"
            return LabelFact(ONE_HOT, classes, shown)
        if value.callee == "pandas.get_dummies":
            return LabelFact(ONE_HOT, None, "pd.get_dummies")
        if value.callee == "numpy.argmax" and _int(_kwarg(value, "axis", 1)) in (1, -1):
            return LabelFact(INTEGER, None, "np.argmax(..., axis=1)")
        return None
    if isinstance(value, MethodV):
        receiver = value.receiver
        if value.method == "__getitem__" and isinstance(receiver, CallV) and receiver.callee in ("numpy.eye", "numpy.identity"):
            classes = _int(receiver.args[0]) if receiver.args else None
            return LabelFact(ONE_HOT, classes, "np.eye(n)[y]")
        if value.method == "argmax" and _int(_kwarg(value, "axis", 0)) in (1, -1):
            return LabelFact(INTEGER, None, ".argmax(axis=1)")
        classes = None
        if value.method == "transform" and isinstance(receiver, MethodV) and receiver.method == "fit":
            # encoder.fit(known_classes).transform(y): the fitted classes are visible
            fitted = receiver.args[0] if receiver.args else None
            classes = len(fitted.items) if isinstance(fitted, Seq) else None
            receiver = receiver.receiver
        elif value.method != "fit_transform":
            return None
        if isinstance(receiver, CallV) and receiver.callee.startswith("sklearn."):
            encoder = _last(receiver.callee)
            if encoder == "LabelEncoder":
                return LabelFact(INTEGER, classes, "LabelEncoder")
            if encoder == "LabelBinarizer":
                if classes == 2:
                    return None  # one 0/1 column
                return LabelFact(ONE_HOT, classes, "LabelBinarizer", one_column_for_two_classes=classes is None)
            if encoder == "OneHotEncoder" and receiver.kwarg("drop") is None:
                return LabelFact(ONE_HOT, classes, "OneHotEncoder")
    return None


def _dataset_labels(value: Value) -> LabelFact | None:
    if isinstance(value, CallV) and value.callee.startswith("keras.") and _last(value.callee) in _DIRECTORY_DATASETS:
        return _mode_labels(value, "label_mode", "int", _LABEL_MODES, "class_names")
    if (
        isinstance(value, MethodV)
        and value.method in ("flow_from_directory", "flow_from_dataframe")
        and isinstance(value.receiver, CallV)
        and value.receiver.callee.startswith("keras.")
        and _last(value.receiver.callee) == "ImageDataGenerator"
    ):
        return _mode_labels(value, "class_mode", "categorical", _CLASS_MODES, "classes")
    return None


def _mode_labels(call: CallV | MethodV, keyword: str, default: str, kinds: dict[str, str], names_keyword: str):
    """Labels of a directory loader, from its label/class mode (default when not given)."""
    mode = call.kwarg(keyword)
    mode_text = default if mode is None else (mode.value if isinstance(mode, Const) else None)
    kind = kinds.get(mode_text) if isinstance(mode_text, str) else None
    if kind is None:
        return None
    names = call.kwarg(names_keyword)
    classes = len(names.items) if isinstance(names, Seq) else None
    return LabelFact(kind, classes, f"{keyword}={mode_text!r}")
