"""What the labels given to fit() are: one-hot, multi-hot, integer class ids, one 0/1 column or
continuous (regression) targets, and how many classes.

Only origins that settle it count (keras-semantics section 5, rule 16); anything else is None:
- single-label (one 1 per row): to_categorical, tf.one_hot, np.eye(n)[y], pd.get_dummies, OneHotEncoder,
  LabelBinarizer with more than two classes, directory loaders in categorical mode, `y[np.arange(n), ids] = 1`
  on `np.zeros((n, k))` (or the same in a loop over the rows with an established class id), a literal
  array whose rows each hold exactly one 1;
- multi-label: MultiLabelBinarizer, a literal array with a row holding several 1s, `y[i, j] = 1` filled
  by a loop nested inside the loop over the rows;
- integer ids: argmax, LabelEncoder, directory loaders in int / sparse mode, keras.datasets
  classification sets, scikit-learn's classification toy sets, a flat literal list of class ids;
- continuous: the inputs fitted as targets (`fit(x, x)`, an autoencoder), a scaler's output, true
  division by a number, log / sqrt, keras / scikit-learn regression data sets, a literal array written
  with fractional numbers, a regressor wrapper's model.
"""

from __future__ import annotations

import ast
from typing import Callable, Sequence, TypeGuard

from keraslint import catalogue
from keraslint.analysis.records import LabelFact, LabelKind
from keraslint.analysis.statements import assigned_targets, child_blocks, names_in
from keraslint.analysis.values import UNKNOWN, CallV, Const, DictV, LabelsV, MethodV, ModelV, Ref, Seq, TensorV, Value

ONE_HOT = LabelKind.ONE_HOT
INTEGER = LabelKind.INTEGER
BINARY = LabelKind.BINARY
MULTI_HOT = LabelKind.MULTI_HOT
CONTINUOUS = LabelKind.CONTINUOUS
_DIRECTORY_DATASETS = ("image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory")
_LABEL_MODES = {"int": INTEGER, "categorical": ONE_HOT, "binary": BINARY}
_CLASS_MODES = {"categorical": ONE_HOT, "sparse": INTEGER, "binary": BINARY, "input": CONTINUOUS}
# Methods and numpy functions that change an array's shape but keep its values: kinds that are a
# property of each value (ids, 0/1, continuous) survive them; one-hot / multi-hot rows do not.
_SHAPE_METHODS = frozenset({"reshape", "flatten", "ravel", "squeeze", "to_numpy", "tolist"})
_SHAPE_FUNCTIONS = frozenset({"numpy.reshape", "numpy.ravel", "numpy.squeeze", "numpy.expand_dims"})
_PER_VALUE_KINDS = frozenset({INTEGER, BINARY, CONTINUOUS})
# Functions that keep the labels they are given (`list(...)`: the same rows as a list).
_ARRAY_FUNCTIONS = frozenset({"numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.copy", "list", "tuple"})
# Float functions of the targets: log-transformed prices, square-rooted counts.
_FLOAT_FUNCTIONS = frozenset({"numpy.log", "numpy.log1p", "numpy.log2", "numpy.log10", "numpy.sqrt"})
_ONE_HOT_FUNCTIONS = {
    "tensorflow.one_hot": "depth", "keras.ops.one_hot": "num_classes", "keras.backend.one_hot": "num_classes"
}
# scikit-learn transformers whose output is continuous whatever they are given.
_SCALERS = frozenset(
    {"StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "QuantileTransformer", "PowerTransformer"}
)
# scikit-learn toy data sets: (kind of their target, number of classes).
_SKLEARN_DATASETS: dict[str, tuple[LabelKind, int | None]] = {
    "load_diabetes": (CONTINUOUS, None),
    "fetch_california_housing": (CONTINUOUS, None),
    "load_boston": (CONTINUOUS, None),
    "load_linnerud": (CONTINUOUS, None),
    "make_regression": (CONTINUOUS, None),
    "load_iris": (INTEGER, 3),
    "load_wine": (INTEGER, 3),
    "load_digits": (INTEGER, 10),
    "load_breast_cancer": (BINARY, 2),
}
_REGRESSOR_WRAPPERS = ("keras.", "scikeras.")
_IDENTITY_MATRICES = ("numpy.eye", "numpy.identity")
_ONE = (1, 1.0, True)


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
    reshaped = to_integers = False
    while isinstance(value, MethodV) and (
        value.method in catalogue.LABEL_KEEPING_METHODS or value.method in _SHAPE_METHODS
    ):
        reshaped |= value.method in _SHAPE_METHODS
        to_integers |= value.method == "astype" and _integer_dtype(value)
        value = value.receiver
    fact = _dataset_labels(value) if carried else _value_labels(value)
    if fact is None:
        return None
    if reshaped and fact.kind not in _PER_VALUE_KINDS:
        return None  # `one_hot.reshape(-1, 1)`: not rows of classes any more
    if to_integers and fact.kind == CONTINUOUS:
        return None  # truncated to integers: no longer established as continuous
    return fact


def _integer_dtype(call: MethodV | CallV, position: int = 0) -> bool:
    given = _kwarg(call, "dtype", position)
    if isinstance(given, Const) and isinstance(given.value, str):
        return "int" in given.value or given.value == "bool"
    if isinstance(given, Ref):
        return _last(given.name).startswith(("int", "uint", "bool"))
    return given is not None and not isinstance(given, Const)  # unknown dtype: not established as float


def _value_labels(value: Value) -> LabelFact | None:
    if isinstance(value, LabelsV):
        return value.fact
    if isinstance(value, Seq):
        return literal_labels(value)
    if isinstance(value, CallV):
        return _call_labels(value)
    if isinstance(value, MethodV):
        return _method_labels(value)
    return None


def _call_labels(call: CallV) -> LabelFact | None:
    name = call.callee
    if name in _TOKEN_ID_FUNCTIONS and not call.has_star:
        return LabelFact(INTEGER, None, "pad_sequences (token ids)")  # integer ids, whatever the dtype
    if name == "tensorflow.cast" and call.args and not call.has_star:
        fact = label_fact(call.args[0])  # a cast keeps the classes; to integers, continuous values are not
        return None if fact is not None and fact.kind == CONTINUOUS and _integer_dtype(call, 1) else fact
    if name == "keras.utils.to_categorical" and not call.has_star:
        classes = _int(_kwarg(call, "num_classes", 1))
        shown = f"to_categorical(y, {classes})" if classes is not None else "to_categorical"
        if classes is None and _kwarg(call, "num_classes", 1) is None and call.args:
            ids = label_fact(call.args[0])  # without num_classes: max id + 1, known for a data set's ids
            if ids is not None and ids.kind == INTEGER and ids.classes is not None:
                classes, shown = ids.classes, f"to_categorical of {ids.origin}"
        return LabelFact(ONE_HOT, classes, shown)
    if name in _ONE_HOT_FUNCTIONS and not call.has_star:
        classes = _int(_kwarg(call, _ONE_HOT_FUNCTIONS[name], 1))
        prefix = "tf." if name.startswith("tensorflow.") else "keras.ops." if name.startswith("keras.ops") else "K."
        shown = f"{prefix}one_hot(y, {classes})" if classes is not None else f"{prefix}one_hot"
        return LabelFact(ONE_HOT, classes, shown)
    if name == "pandas.get_dummies":
        drop_first = call.kwarg("drop_first")
        if call.has_star or not (drop_first is None or (isinstance(drop_first, Const) and drop_first.value is False)):
            return None  # drop_first=True: k-1 columns, the first class a row of zeros (one 0/1 column for two)
        return LabelFact(ONE_HOT, None, "pd.get_dummies")
    if name == "numpy.argmax" and _int(_kwarg(call, "axis", 1)) in (1, -1):
        return LabelFact(INTEGER, None, "np.argmax(..., axis=1)")
    if not call.args or call.has_star:
        return None
    if name in _ARRAY_FUNCTIONS and len(call.args) == 1:
        return label_fact(call.args[0])
    if name == "map" and len(call.args) == 2 and isinstance(call.args[0], Ref) and call.args[0].name == "int":
        return LabelFact(INTEGER, None, "map(int, ...)")  # one integer per sample: class ids
    if name in _SHAPE_FUNCTIONS:
        fact = label_fact(call.args[0])
        return fact if fact is not None and fact.kind in _PER_VALUE_KINDS else None
    if name in _FLOAT_FUNCTIONS and not isinstance(call.args[0], Const):
        return LabelFact(CONTINUOUS, None, f"np.{_last(name)}(y)")
    return None


def _method_labels(value: MethodV) -> LabelFact | None:
    receiver = value.receiver
    if value.method == "__getitem__" and isinstance(receiver, CallV) and receiver.callee in _IDENTITY_MATRICES:
        classes = _int(receiver.args[0]) if receiver.args else None
        return LabelFact(ONE_HOT, classes, "np.eye(n)[y]")
    if value.method == "argmax" and _int(_kwarg(value, "axis", 0)) in (1, -1):
        return LabelFact(INTEGER, None, ".argmax(axis=1)")
    classes = None
    method = value.method
    if method in ("transform", "inverse_transform") and isinstance(receiver, MethodV) and receiver.method == "fit":
        # encoder.fit(known_classes).transform(y): the fitted classes are visible
        fitted = receiver.args[0] if receiver.args else None
        classes = len(fitted.items) if isinstance(fitted, Seq) else None
        receiver = receiver.receiver
    elif method not in ("fit_transform", "transform", "inverse_transform"):
        return None
    if not (isinstance(receiver, CallV) and receiver.callee.startswith("sklearn.")):
        return None
    encoder = _last(receiver.callee)
    if encoder in _SCALERS:
        return LabelFact(CONTINUOUS, None, f"{encoder}().{method}")
    if method == "inverse_transform":
        return None
    if encoder == "LabelEncoder":
        return LabelFact(INTEGER, classes, "LabelEncoder")
    if encoder == "LabelBinarizer":
        if classes == 2:
            return None  # one 0/1 column
        return LabelFact(ONE_HOT, classes, "LabelBinarizer", one_column_for_two_classes=classes is None)
    if encoder == "OneHotEncoder" and receiver.kwarg("drop") is None:
        return LabelFact(ONE_HOT, classes, "OneHotEncoder")
    if encoder == "MultiLabelBinarizer":
        given = receiver.kwarg("classes")
        if isinstance(given, Seq):
            classes = len(given.items)
        return LabelFact(MULTI_HOT, classes, "MultiLabelBinarizer")
    return None


_TOKEN_ID_FUNCTIONS = frozenset({"keras.preprocessing.sequence.pad_sequences", "keras.utils.pad_sequences"})
DATASET_FROM_PAIRS = "tensorflow.data.Dataset.from_tensor_slices"
_DATASETS_OF_PAIRS = frozenset({DATASET_FROM_PAIRS, "tensorflow.data.Dataset.from_tensors"})


def dataset_elements(value: Value) -> tuple[Value, ...] | None:
    """(inputs, targets) of the elements of a tf.data dataset built from a pair, through the methods
    that keep them (shuffle, batch, ...); None for anything else."""
    while isinstance(value, MethodV) and value.method in catalogue.LABEL_KEEPING_METHODS:
        value = value.receiver
    if isinstance(value, CallV) and value.callee in _DATASETS_OF_PAIRS and not value.has_star and value.args:
        pair = value.args[0]
        if isinstance(pair, Seq) and len(pair.items) == 2:
            return pair.items
    return None


def _dataset_labels(value: Value) -> LabelFact | None:
    if isinstance(value, LabelsV):
        return None  # an array of inputs, not a dataset of (x, y) pairs
    if isinstance(value, CallV) and value.callee.startswith("keras.") and _last(value.callee) in _DIRECTORY_DATASETS:
        return _mode_labels(value, "label_mode", "int", _LABEL_MODES, "class_names")
    if isinstance(value, MethodV) and isinstance(value.receiver, CallV) and value.receiver.callee.startswith("keras."):
        if _last(value.receiver.callee) != "ImageDataGenerator":
            return None
        if value.method == "flow_from_directory":
            return _mode_labels(value, "class_mode", "categorical", _CLASS_MODES, "classes")
        if value.method == "flow_from_dataframe":
            fact = _mode_labels(value, "class_mode", "categorical", _CLASS_MODES, "classes")
            if fact is not None and fact.kind == ONE_HOT:  # a list-valued y_col gives multi-hot rows
                return LabelFact(ONE_HOT, fact.classes, fact.origin, exclusive=False)
            return fact
        if value.method == "flow":
            targets = _kwarg(value, "y", 1)
            return label_fact(targets) if targets is not None else None
        return None
    if isinstance(value, CallV) and not value.has_star:
        name = value.callee
        if name in _DATASETS_OF_PAIRS:
            pair = value.args[0] if value.args else None
            if isinstance(pair, Seq) and len(pair.items) == 2:
                return label_fact(pair.items[1])
            return None
        if name.startswith("keras.") and _last(name) in ("TimeseriesGenerator", "timeseries_dataset_from_array"):
            targets = _kwarg(value, "targets", 1)
            return label_fact(targets) if targets is not None else None
    return None


def _mode_labels(
    call: CallV | MethodV, keyword: str, default: str, kinds: dict[str, LabelKind], names_keyword: str
) -> LabelFact | None:
    """Labels of a directory loader, from its label/class mode (default when not given)."""
    mode = call.kwarg(keyword)
    mode_text = default if mode is None else (mode.value if isinstance(mode, Const) else None)
    kind = kinds.get(mode_text) if isinstance(mode_text, str) else None
    if kind is None:
        return None
    if kind == CONTINUOUS:
        return LabelFact(CONTINUOUS, None, f"{keyword}={mode_text!r}")  # the images themselves
    names = call.kwarg(names_keyword)
    classes = len(names.items) if isinstance(names, Seq) else None
    if kind == BINARY:
        classes = 2
    return LabelFact(kind, classes, f"{keyword}={mode_text!r}")


# --- literal arrays ------------------------------------------------------------------------------


def _number(value: Value) -> int | float | None:
    if isinstance(value, Const) and isinstance(value.value, (int, float)):
        return value.value
    return None


def _seq_rows(items: tuple[Value, ...]) -> list[Seq] | None:
    """The rows of a literal matrix; None unless every item is a sequence."""
    rows = [row for row in items if isinstance(row, Seq)]
    return rows if len(rows) == len(items) else None


def _numbers(items: Sequence[Value]) -> list[int | float] | None:
    """The numbers of a literal row or column; None unless every item is one."""
    numbers = [number for number in map(_number, items) if number is not None]
    return numbers if len(numbers) == len(items) else None


def literal_labels(array: Seq) -> LabelFact | None:
    """A literal label array: `[[0, 1, 0], [1, 0, 0]]` (one-hot), `[[1, 1, 0], ...]` (multi-hot),
    `[0, 2, 1]` (class ids), `[0, 1, 1]` (one 0/1 column), `[1.5, 2.25]` (continuous); of rank 3 or
    more (`[[[1, 0], [0, 1]]]`, a sequence's labels per step), by its innermost rows."""
    if not array.items:
        return None
    seq_rows = _seq_rows(array.items)
    shape = [len(array.items)]
    while seq_rows is not None and seq_rows[0].items and _seq_rows(seq_rows[0].items) is not None:
        # rank 3 or more (samples, steps, classes): the innermost rows hold the labels
        depth = len(seq_rows[0].items)
        if any(len(row.items) != depth for row in seq_rows):
            return None
        shape.append(depth)
        seq_rows = _seq_rows(tuple(item for row in seq_rows for item in row.items))
    if seq_rows is not None:
        rows = [row.items for row in seq_rows]
        width = len(rows[0])
        if width == 0 or any(len(row) != width for row in rows):
            return None
        dims = "x".join(str(size) for size in shape)
        if width == 1:
            return _column_labels([row[0] for row in rows], f"a literal {dims}x1 array")
        numbers: list[list[int | float]] = []
        for row in rows:
            row_numbers = _numbers(row)
            if row_numbers is None:
                return None
            numbers.append(row_numbers)
        shown = f"a literal {dims}x{width} array"
        if any(_fractional(number) for row in numbers for number in row):
            return LabelFact(CONTINUOUS, None, "literal fractional values")
        if any(number not in (0, 1) for row in numbers for number in row):
            return None  # integer matrices: several integer targets, not established as anything
        counts = [sum(row) for row in numbers]
        if all(count == 1 for count in counts):
            return LabelFact(ONE_HOT, width, shown)
        if any(count >= 2 for count in counts):
            return LabelFact(MULTI_HOT, width, shown)
        return None
    return _column_labels(list(array.items), f"a literal list of {len(array.items)}")


def _fractional(number: int | float) -> bool:
    """Written as a float other than 0.0 / 1.0 (`152.`, `0.5`): a measurement, not a class."""
    return isinstance(number, float) and number not in (0.0, 1.0)


def _column_labels(items: list[Value], shown: str) -> LabelFact | None:
    numbers = _numbers(items)
    if numbers is None:
        return None
    if any(_fractional(number) for number in numbers):
        return LabelFact(CONTINUOUS, None, "literal fractional values")
    if all(number in (0, 1) for number in numbers):
        return LabelFact(BINARY, 2, shown)
    if all(number >= 0 for number in numbers):
        return LabelFact(INTEGER, None, shown)  # ids or integer targets: the class count is not claimed
    return None


def one_hot_width(labels: Value, index: Value) -> int | None:
    """`y.shape[1]` (or `[-1]`) of one-hot labels whose classes are known: their number of columns."""
    if not isinstance(index, Const) or type(index.value) is not int or index.value not in (1, -1):
        return None
    fact = label_fact(labels)
    if fact is None or fact.kind != ONE_HOT or fact.one_column_for_two_classes:
        return None  # LabelBinarizer gives one column for two classes
    return fact.classes


def literal_subscript(base: Value, index: ast.expr) -> LabelsV | None:
    """Columns of a literal array: `data[:, -1]`, `data[:, [4]]`, `data[:, 0:3]`."""
    if isinstance(base, CallV) and base.callee in _ARRAY_FUNCTIONS and len(base.args) == 1:
        base = base.args[0]
    rows = _seq_rows(base.items) if isinstance(base, Seq) else None
    if not rows:
        return None
    if not isinstance(index, ast.Tuple) or len(index.elts) != 2 or not _whole(index.elts[0]):
        return None
    width = len(rows[0].items)
    if any(len(row.items) != width for row in rows):
        return None
    columns = _columns(index.elts[1], width)
    if columns is None:
        return None
    picked, as_matrix = columns
    if as_matrix:
        selected = Seq(tuple(Seq(tuple(row.items[column] for column in picked)) for row in rows))
    else:
        selected = Seq(tuple(row.items[picked[0]] for row in rows))
    fact = literal_labels(selected)
    return LabelsV(fact) if fact is not None else None


def _whole(node: ast.expr) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


def _constant_int(node: ast.expr | None) -> int | None:
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if type(value) is int else None


def _columns(node: ast.expr, width: int) -> tuple[list[int], bool] | None:
    """(column indices, kept as a matrix) for a column index of a literal array."""
    if isinstance(node, ast.Slice):
        if node.step is not None:
            return None
        lower = 0 if node.lower is None else _constant_int(node.lower)
        upper = width if node.upper is None else _constant_int(node.upper)
        if lower is None or upper is None:
            return None
        picked = list(range(width))[lower:upper]
        return (picked, True) if picked else None
    if isinstance(node, ast.List):
        listed = [_constant_int(element) for element in node.elts]
        in_range = [index for index in listed if index is not None and -width <= index < width]
        if not listed or len(in_range) != len(listed):
            return None
        return [index % width for index in in_range], True
    index = _constant_int(node)
    if index is None or not -width <= index < width:
        return None
    return [index % width], False


# --- values the evaluator makes with these facts --------------------------------------------------


def continuous(origin: str) -> LabelsV:
    return LabelsV(LabelFact(CONTINUOUS, None, origin))


def subscript(base: Value, index: ast.expr) -> Value | None:
    """A subscript of an array whose labels are known, when the result keeps them."""
    if isinstance(base, LabelsV):
        if isinstance(index, (ast.Slice, ast.Name, ast.Attribute)):
            return base  # rows: `y[:800]`, `y[train_index]`
        if base.fact.kind in _PER_VALUE_KINDS and isinstance(index, ast.Tuple):
            return base  # columns of ids, 0/1 values or continuous values
        return None
    literal = literal_subscript(base, index)
    if literal is not None:
        return literal
    if isinstance(base, (CallV, MethodV)) and isinstance(index, ast.Tuple):
        fact = label_fact(base)
        if fact is not None and fact.kind in _PER_VALUE_KINDS:
            return LabelsV(fact)  # columns of a scaled table are scaled, of token ids are ids
    return None


def divided(left: Value, right: Value, node: ast.BinOp) -> Value | None:
    """`y / 255.`, `prices / 1000`: true division of an array by a number gives continuous values."""
    if not isinstance(node.op, ast.Div) or isinstance(left, (Const, Seq, DictV, Ref, TensorV, ModelV)):
        return None
    number = _number(right)
    if number is None or isinstance(number, bool) or number in (0, 1):
        return None
    return continuous(f"y / {number!r}")


def call_value(
    name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...], has_star: bool
) -> Value | None:
    """What a data-set loader returns, with its targets' facts: `(x_train, y_train), (x_test, y_test)
    = keras.datasets.mnist.load_data()`, `X, y = load_diabetes(return_X_y=True)`, `load_iris().target`."""
    if has_star or not name.startswith(("keras.datasets.", "sklearn.datasets.")):
        return None  # most calls: decided without building anything
    given = dict(kwargs)
    if name.startswith("keras.datasets.") and _last(name) == "load_data":
        dataset = name.split(".")[2]
        if dataset == "cifar100":
            mode = given.get("label_mode", Const("fine"))
            classes = {"fine": 100, "coarse": 20}.get(mode.value) if isinstance(mode, Const) else None
            if classes is None:
                return None
            kind: LabelKind = INTEGER
        elif dataset in catalogue.DATASET_LABELS:
            kind, classes = catalogue.DATASET_LABELS[dataset]
        else:
            return None
        targets = LabelsV(LabelFact(kind, classes, f"{dataset}.load_data()"))
        return Seq((Seq((UNKNOWN, targets)), Seq((UNKNOWN, targets))))
    if name.startswith("sklearn.datasets.") and _last(name) in _SKLEARN_DATASETS:
        kind, classes = _SKLEARN_DATASETS[_last(name)]
        targets = LabelsV(LabelFact(kind, classes, f"{_last(name)}()"))
        split = given.get("return_X_y", Const(_last(name).startswith("make_")))
        if not isinstance(split, Const):
            return None
        if split.value:
            return Seq((UNKNOWN, targets))
        return DictV((("data", UNKNOWN), ("target", targets)))  # a Bunch: .target or ["target"]
    return None


def is_regressor_wrapper(name: str) -> bool:
    return name.startswith(_REGRESSOR_WRAPPERS) and _last(name) == "KerasRegressor"


REGRESSOR_TARGETS = continuous("KerasRegressor")

# scikit-learn style estimators that fit continuous targets (a classifier's name never ends in
# "Regressor"; LogisticRegression is a classifier and is not listed).
_REGRESSOR_ROOTS = ("sklearn.", "lightgbm.", "xgboost.", "catboost.")
_LINEAR_REGRESSORS = frozenset({
    "LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "SVR", "LinearSVR",
    "NuSVR", "BayesianRidge", "ARDRegression", "Lars", "LassoLars", "KernelRidge",
})


def is_regressor(name: str) -> bool:
    """An estimator whose fit(X, y) says y holds continuous targets."""
    last = _last(name)
    return name.startswith(_REGRESSOR_ROOTS) and (last.endswith("Regressor") or last in _LINEAR_REGRESSORS)


def inputs_as_targets(call: ast.Call, targets: list[Value]) -> list[Value]:
    """The targets of `fit(x, x)` / `validation_data=(v, v)`: the inputs themselves (an autoencoder),
    continuous unless the array's own origin says otherwise. `targets` are the label values found
    for the call, in the order `y`, validation y."""
    pairs: list[tuple[ast.expr | None, ast.expr | None]] = []
    x_node = call.args[0] if call.args else _keyword(call, "x")
    y_node = call.args[1] if len(call.args) > 1 else _keyword(call, "y")
    pairs.append((x_node, y_node))
    validation = _keyword(call, "validation_data")
    if isinstance(validation, (ast.Tuple, ast.List)) and len(validation.elts) >= 2:
        pairs.append((validation.elts[0], validation.elts[1]))
    extra: list[Value] = []
    for (inputs, outputs), value in zip(pairs, targets):
        if _same_array(inputs, outputs) and label_fact(value) is None:
            shown = ast.unparse(inputs)
            extra.append(continuous(f"fit({shown}, {shown})" if len(shown) <= 14 else "fitted on its inputs"))
    return extra


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _same_array(left: ast.expr | None, right: ast.expr | None) -> TypeGuard[ast.expr]:
    """Both are the same plain array expression (so `left` is one)."""
    if left is None or right is None or any(isinstance(node, ast.Starred) for node in (left, right)):
        return False
    if not isinstance(left, (ast.Name, ast.Attribute, ast.Subscript)):
        return False
    if left.__class__ is ast.Name and right.__class__ is ast.Name:  # the common case, without dumps
        return left.id == right.id and left.ctx.__class__ is right.ctx.__class__
    if any(isinstance(node, ast.Call) for node in ast.walk(left)):
        return False  # `next(gen)` twice is two batches
    return ast.dump(left) == ast.dump(right)


# --- one-hot and multi-hot filled in by index assignment -----------------------------------------


def zeros_shape(value: Value) -> tuple[Value, ...] | None:
    """The shape of `np.zeros(shape)` when it is a literal tuple or list."""
    if not isinstance(value, CallV) or value.callee != "numpy.zeros" or value.has_star:
        return None
    shape = _kwarg(value, "shape", 0)
    if isinstance(shape, Seq) and len(shape.items) >= 2:
        return shape.items
    return None


def _indices(target: ast.Subscript) -> tuple[str, list[ast.expr]] | None:
    """`y[i, c]` / `y[i][c]` -> ("y", [i, c])."""
    indices: list[ast.expr] = []
    node: ast.expr = target
    while isinstance(node, ast.Subscript):
        index = node.slice
        indices[:0] = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return node.id, indices


def _is_one(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value in _ONE and type(node.value) in (int, float, bool)


def filled(
    target: ast.Subscript, assigned: Value, current: Value, evaluate: Callable[[ast.expr], Value]
) -> LabelsV | None:
    """`y[np.arange(n), labels] = 1` on `y = np.zeros((n, k))`: one 1 per row, in k columns."""
    shape = zeros_shape(current)
    if shape is None or len(shape) != 2 or not (isinstance(assigned, Const) and assigned.value in _ONE):
        return None
    found = _indices(target)
    if found is None or len(found[1]) != 2:
        return None
    rows, column = found[1]
    if isinstance(column, (ast.Slice, ast.Constant, ast.List, ast.Tuple)):
        return None
    counter = evaluate(rows)
    if not (isinstance(counter, CallV) and counter.callee in ("numpy.arange", "range")):
        return None
    return LabelsV(LabelFact(ONE_HOT, _int(shape[-1]), f"{found[0]}[np.arange(n), labels] = 1"))


_ENCODING_LAYERS = frozenset(
    {"keras.layers.StringLookup", "keras.layers.IntegerLookup", "keras.layers.CategoryEncoding"}
)
_ENCODED_KINDS = {"multi_hot": MULTI_HOT, "one_hot": ONE_HOT}


def encoded_labels(layer: CallV) -> LabelsV | None:
    """A lookup or encoding layer with a one-hot / multi-hot output mode applied to data (not to a
    model's tensor): `StringLookup(output_mode="multi_hot")(tags)` gives multi-hot rows."""
    if layer.callee not in _ENCODING_LAYERS or layer.has_star:
        return None
    mode = layer.kwarg("output_mode")
    if not (isinstance(mode, Const) and isinstance(mode.value, str)) or mode.value not in _ENCODED_KINDS:
        return None
    return LabelsV(LabelFact(_ENCODED_KINDS[mode.value], None, f"{_last(layer.callee)}(output_mode={mode.value!r})"))


def assigned_ids(target: ast.Subscript, assigned: Value, current: Value) -> LabelsV | None:
    """`y[22000:] = 2` / `y[y > 3] = 3` on integer class ids: still integer class ids, but no longer
    an established number of classes (one may be added, or several merged)."""
    if isinstance(target.value, ast.Subscript) or isinstance(target.slice, ast.Tuple):
        return None  # `y[i, c] = ...`: a cell of a matrix, not a row's class id
    if not isinstance(current, LabelsV) or current.fact.kind not in (INTEGER, BINARY):
        return None
    fact = current.fact
    value = assigned.value if isinstance(assigned, Const) else None
    if type(value) is not int or value < 0:
        return None
    if fact.kind is BINARY and value in (0, 1):
        return current
    return LabelsV(LabelFact(INTEGER, None, f"{fact.origin} with class id {value} assigned by index"))


_LOOPS = (ast.For, ast.AsyncFor, ast.While)
Loop = ast.For | ast.AsyncFor | ast.While
Lookup = Callable[[str], Value]


def filled_in_loop(loop: Loop, previous: Lookup, lookup: Lookup) -> dict[str, LabelsV]:
    """Arrays `np.zeros((n, k))` a loop fills with `y[i, c] = 1`, and nothing else does to them:
    one 1 per row (ONE_HOT) when each iteration over the rows sets one established class id; several
    (MULTI_HOT) when a loop inside the one over the rows sets them. `previous` gives a name's value
    before the loop, `lookup` after it."""
    # name -> (assignment, its indices, the loops around it, outermost first) for each `name[...] = 1`
    fills: dict[str, list[tuple[ast.Assign, list[ast.expr], list[ast.stmt]]]] = {}
    spoiled: set[str] = set()

    def visit(statements: Sequence[ast.stmt], chain: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(
                statement.targets[0], ast.Subscript
            ) and _is_one(statement.value):
                found = _indices(statement.targets[0])
                if found is not None:
                    fills.setdefault(found[0], []).append((statement, found[1], chain))
                    continue
            spoiled.update(_stored(statement))
            inner = chain + [statement] if isinstance(statement, _LOOPS) else chain
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for block in child_blocks(statement):
                    visit(block, inner)

    visit(loop.body, [loop])
    result: dict[str, LabelsV] = {}
    for name, assignments in fills.items():
        if name in spoiled:
            continue
        shape = zeros_shape(previous(name))
        if shape is None:
            continue
        kinds = {_fill_kind(indices, chain, len(shape), lookup) for _assign, indices, chain in assignments}
        if len(kinds) != 1:
            continue
        kind = kinds.pop()
        if kind is None or (kind == ONE_HOT and len(assignments) > 1):
            continue
        shown = ast.unparse(assignments[0][0]).strip()
        shown = shown if len(shown) <= 30 else shown[:27] + "..."
        result[name] = LabelsV(LabelFact(kind, _int(shape[-1]), f"{shown} in a loop"))
    return result


def _stored(statement: ast.stmt) -> set[str]:
    """Names a statement (not its nested blocks) may rebind or change."""
    names = names_in(assigned_targets(statement))
    if isinstance(statement, ast.Expr):
        for node in ast.walk(statement.value):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                base = node.func.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    names.add(base.id)  # y.fill(0), y.sort(): may change it
    if isinstance(statement, (ast.Global, ast.Nonlocal)):
        names.update(statement.names)
    return names


def _loop_names(loop: ast.stmt) -> set[str]:
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return set()
    return {node.id for node in ast.walk(loop.target) if isinstance(node, ast.Name)}


def _fill_kind(indices: list[ast.expr], chain: list[ast.stmt], dims: int, lookup: Lookup) -> LabelKind | None:
    """`indices`: of one `y[i, c] = 1` inside the loops `chain` (outermost first)."""
    if len(indices) != dims:
        return None
    *rows, column = indices
    depths: list[int] = []
    row_names: set[str] = set()
    for row in rows:
        if not isinstance(row, ast.Name):
            return None
        binding = [depth for depth, loop in enumerate(chain) if row.id in _loop_names(loop)]
        if not binding:
            return None
        depths.append(max(binding))
        row_names.add(row.id)
    row_depth = max(depths)
    if isinstance(column, (ast.Slice, ast.Constant)):
        return None
    column_names = {node.id for node in ast.walk(column) if isinstance(node, ast.Name)}
    if len(chain) > row_depth + 1:
        # A loop inside the one over the rows sets several columns of a row.
        inner: set[str] = set().union(*(_loop_names(loop) for loop in chain[row_depth + 1 :]))
        return MULTI_HOT if column_names & inner else None
    return ONE_HOT if _one_class_id(column, chain[row_depth], row_names, lookup) else None


def _one_class_id(column: ast.expr, row_loop: ast.stmt, rows: set[str], lookup: Lookup) -> bool:
    """The column index is one established class id per row: `ids[i]`, `int(...)`, or the element
    of `for i, label in enumerate(ids)` / `zip(..., ids)` where `ids` are integer class ids."""
    if isinstance(column, ast.Call) and isinstance(column.func, ast.Name) and column.func.id == "int":
        return True
    if isinstance(column, ast.Subscript) and isinstance(column.slice, ast.Name) and column.slice.id in rows:
        return _integer_ids(column.value, lookup)
    if isinstance(column, ast.Name) and isinstance(row_loop, (ast.For, ast.AsyncFor)):
        source = _element_source(row_loop.target, row_loop.iter, column.id)
        return source is not None and _integer_ids(source, lookup)
    return False


def _element_source(target: ast.expr, iterable: ast.expr, name: str) -> ast.expr | None:
    """The sequence whose elements the loop variable `name` runs over."""
    if isinstance(target, ast.Name):
        return iterable if target.id == name and not isinstance(iterable, ast.Call) else None
    if not isinstance(target, ast.Tuple) or not isinstance(iterable, ast.Call):
        return None
    if not isinstance(iterable.func, ast.Name):
        return None
    if iterable.func.id == "enumerate" and len(target.elts) == 2 and iterable.args:
        return _element_source(target.elts[1], iterable.args[0], name)
    if iterable.func.id == "zip" and len(target.elts) == len(iterable.args):
        for element, source in zip(target.elts, iterable.args):
            if isinstance(element, ast.Name) and element.id == name:
                return source
    return None


def _integer_ids(node: ast.expr, lookup: Lookup) -> bool:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return False
    value = lookup(".".join([node.id, *reversed(parts)]))
    fact = label_fact(value) if value is not UNKNOWN else None
    return fact is not None and fact.kind in (INTEGER, BINARY)
