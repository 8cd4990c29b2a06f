"""Label facts on the records (issue 10, causes 2, 7, 8 and 9): what the code establishes about the
labels given to fit(), and the rules that depend on it (KER201-KER204, KER101/KER106 fixes, KER301-303).
"""

from __future__ import annotations

import textwrap

import pytest

from keraslint.analysis.facts import file_facts
from keraslint.analysis.names import canonical
from keraslint.analysis.records import CompileSite, LabelKind
from keraslint.versions import ALL_VERSION_LINES, VersionLine
from keraslint.rules import RULES_BY_CODE, RuleContext

ONE_HOT, INTEGER, BINARY = LabelKind.ONE_HOT, LabelKind.INTEGER, LabelKind.BINARY
MULTI_HOT, CONTINUOUS = LabelKind.MULTI_HOT, LabelKind.CONTINUOUS
L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5

HEADER = """\
import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.preprocessing import LabelBinarizer, LabelEncoder, MinMaxScaler, MultiLabelBinarizer, OneHotEncoder, StandardScaler
"""
MODEL = """
model = keras.Sequential([keras.layers.Dense(3, activation="sigmoid")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])
"""


def sites(source: str) -> tuple[CompileSite, ...]:
    facts = file_facts(textwrap.dedent(source))
    assert facts is not None
    return facts.sites


def labels_of(source: str) -> list[tuple]:
    """(kind, classes, exclusive) of the labels of the one site."""
    return [(label.kind, label.classes, label.exclusive) for label in sites(source)[0].labels]


def program(before: str, fit: str = "model.fit(x, y)") -> str:
    return HEADER + before + MODEL + fit + "\n"


# --- single-label evidence --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        pytest.param("y = keras.utils.to_categorical(raw, 3)\n", (ONE_HOT, 3, True), id="to_categorical"),
        pytest.param("y = tf.keras.utils.to_categorical(raw, num_classes=3)\n", (ONE_HOT, 3, True), id="tf.keras spelling"),
        pytest.param("y = tf.one_hot(ids, 3)\n", (ONE_HOT, 3, True), id="tf.one_hot"),
        pytest.param("y = np.eye(3)[ids]\n", (ONE_HOT, 3, True), id="np.eye"),
        pytest.param("y = pd.get_dummies(frame['label'])\n", (ONE_HOT, None, True), id="get_dummies"),
        pytest.param("y = OneHotEncoder().fit_transform(names)\n", (ONE_HOT, None, True), id="OneHotEncoder"),
        pytest.param("y = LabelBinarizer().fit(['a', 'b', 'c']).transform(names)\n", (ONE_HOT, 3, True),
                     id="LabelBinarizer with 3 classes"),
        pytest.param("n = 100\ny = np.zeros((n, 3))\ny[np.arange(n), ids] = 1\n", (ONE_HOT, 3, True),
                     id="index assignment"),
        pytest.param("ids = LabelEncoder().fit_transform(names)\ny = np.zeros((len(ids), 3))\n"
                     "for i, c in enumerate(ids):\n    y[i, c] = 1\n", (ONE_HOT, 3, True), id="loop over class ids"),
        pytest.param("ids = np.argmax(raw, axis=1)\ny = np.zeros((len(ids), 3))\n"
                     "for i in range(len(ids)):\n    y[i, ids[i]] = 1\n", (ONE_HOT, 3, True), id="loop indexing ids"),
        pytest.param("y = np.zeros((len(rows), 3))\nfor i in range(len(rows)):\n    y[i, int(rows[i])] = 1\n",
                     (ONE_HOT, 3, True), id="loop with int()"),
        pytest.param("y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])\n", (ONE_HOT, 3, True), id="literal one-hot"),
        pytest.param("(_, raw), _ = keras.datasets.cifar10.load_data()\ny = keras.utils.to_categorical(raw)\n",
                     (ONE_HOT, 10, True), id="to_categorical of a data set's ids"),
    ],
)
def test_single_label_evidence(before: str, expected) -> None:
    assert labels_of(program(before)) == [expected]


def test_dummies_without_the_first_class_are_not_one_hot() -> None:
    # pd.get_dummies(drop_first=True): k-1 columns, the first class a row of zeros (one 0/1 column for
    # two classes): not one-hot (precision probe 6: `explain` called it one-hot)
    assert labels_of(program("y = pd.get_dummies(frame['label'], drop_first=True)\n")) == []
    assert labels_of(program("y = pd.get_dummies(frame['label'], drop_first=False)\n")) == [(ONE_HOT, None, True)]


def test_directory_loaders() -> None:
    flow = "gen = keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', classes=['a', 'b', 'c'])\n"
    assert labels_of(program(flow, "model.fit(gen)")) == [(ONE_HOT, 3, True)]
    frame = "gen = keras.preprocessing.image.ImageDataGenerator().flow_from_dataframe(df, classes=['a', 'b', 'c'])\n"
    assert labels_of(program(frame, "model.fit(gen)")) == [(ONE_HOT, 3, False)]  # may be multi-hot rows
    binary = "gen = keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', class_mode='binary')\n"
    assert labels_of(program(binary, "model.fit(gen)")) == [(BINARY, 2, True)]
    autoencoder = "gen = keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', class_mode='input')\n"
    assert labels_of(program(autoencoder, "model.fit(gen)")) == [(CONTINUOUS, None, True)]
    dataset = "ds = keras.utils.image_dataset_from_directory('d', label_mode='categorical').prefetch(2)\n"
    assert labels_of(program(dataset, "model.fit(ds)")) == [(ONE_HOT, None, True)]


def test_datasets_carrying_labels() -> None:
    slices = "ds = tf.data.Dataset.from_tensor_slices((x, tf.one_hot(ids, 3))).shuffle(100).batch(8)\n"
    assert labels_of(program(slices, "model.fit(ds)")) == [(ONE_HOT, 3, True)]
    flow = "gen = keras.preprocessing.image.ImageDataGenerator().flow(x, keras.utils.to_categorical(raw, 3))\n"
    assert labels_of(program(flow, "model.fit(gen)")) == [(ONE_HOT, 3, True)]
    series = "s = MinMaxScaler().fit_transform(raw)\ngen = keras.preprocessing.sequence.TimeseriesGenerator(s, s, length=5)\n"
    assert labels_of(program(series, "model.fit(gen)")) == [(CONTINUOUS, None, True)]
    mapped = "ds = tf.data.Dataset.from_tensor_slices((x, ids)).map(lambda a, b: (a, tf.one_hot(b, 3)))\n"
    assert labels_of(program(mapped, "model.fit(ds)")) == [(ONE_HOT, 3, True)]  # the lambda's pair
    unknown = "ds = tf.data.Dataset.from_tensor_slices((x, tf.one_hot(ids, 3))).map(augment)\n"
    assert labels_of(program(unknown, "model.fit(ds)")) == []  # a function the facts cannot see


def test_labels_through_helper_functions_of_the_module() -> None:
    helper = "def encode(raw):\n    return keras.utils.to_categorical(raw, 3)\ny = encode(raw)\n"
    assert labels_of(program(helper)) == [(ONE_HOT, 3, True)]
    loader = "def load():\n    x = np.load('x.npy')\n    return x, keras.utils.to_categorical(np.load('y.npy'), 3)\nx, y = load()\n"
    assert labels_of(program(loader)) == [(ONE_HOT, 3, True)]
    direct = "def encode(raw):\n    return MultiLabelBinarizer().fit_transform(raw)\n"
    assert labels_of(program(direct, "model.fit(x, encode(tags))")) == [(MULTI_HOT, None, True)]


# --- multi-label evidence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        pytest.param("y = MultiLabelBinarizer().fit_transform(tags)\n", (MULTI_HOT, None, True), id="MultiLabelBinarizer"),
        pytest.param("y = MultiLabelBinarizer(classes=['a', 'b', 'c']).fit_transform(tags)\n", (MULTI_HOT, 3, True),
                     id="MultiLabelBinarizer with classes"),
        pytest.param("y = np.zeros((len(tags), 3))\nfor i, ts in enumerate(tags):\n    for t in ts:\n"
                     "        y[i, index[t]] = 1\n", (MULTI_HOT, 3, True), id="nested loop"),
        pytest.param("y = np.zeros((len(tags), 3))\nfor i in range(len(tags)):\n    for j in tags[i]:\n"
                     "        y[i][j] = 1\n", (MULTI_HOT, 3, True), id="chained subscripts"),
        pytest.param("y = np.array([[1, 1, 0], [0, 0, 1]])\n", (MULTI_HOT, 3, True), id="literal multi-hot"),
    ],
)
def test_multi_label_evidence(before: str, expected) -> None:
    assert labels_of(program(before)) == [expected]


@pytest.mark.parametrize(
    "before",
    [
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, t[i]] = 1\n", id="ids of unknown kind"),
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, t[i]] = 1\n    y = y * 2\n",
                     id="rebound in the loop"),
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, 0] = 1\n", id="constant column"),
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, :] = 1\n", id="whole row"),
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, t[i]] = 0.5\n", id="not a one"),
        pytest.param("y = np.zeros((len(t), 3))\nfor i in range(len(t)):\n    y[i, t[i]] = 1\n    y.fill(0)\n",
                     id="mutated by a method"),
        pytest.param("n = 10\ny = np.zeros((n, 3))\ny[:, ids] = 1\n", id="columns for every row"),
        pytest.param("y = np.zeros((len(t), 3))\ny[np.arange(len(t)), t] = 1\ny[0, 0] = 5\n", id="changed afterwards"),
        pytest.param("y = np.array([[0, 0, 0], [0, 1, 0]])\n", id="literal with an empty row"),
        pytest.param("y = np.array([[0, 2, 1], [1, 0, 0]])\n", id="literal integer matrix"),
    ],
)
def test_fills_that_establish_nothing(before: str) -> None:
    assert labels_of(program(before)) == []


# --- integer ids, one 0/1 column -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        pytest.param("(x, y), _ = keras.datasets.mnist.load_data()\n", (INTEGER, 10, True), id="mnist"),
        pytest.param("(x, y), _ = tf.keras.datasets.cifar100.load_data(label_mode='coarse')\n", (INTEGER, 20, True),
                     id="cifar100 coarse"),
        pytest.param("(x, y), _ = keras.datasets.imdb.load_data(num_words=1000)\n", (BINARY, 2, True), id="imdb"),
        pytest.param("from sklearn.datasets import load_iris\nx, y = load_iris(return_X_y=True)\n", (INTEGER, 3, True),
                     id="iris"),
        pytest.param("y = np.array([0, 2, 1, 3])\n", (INTEGER, None, True), id="literal ids"),
        pytest.param("y = np.array([0, 1, 1, 0])\n", (BINARY, 2, True), id="literal 0/1"),
        pytest.param("y = [[0], [1], [1]]\n", (BINARY, 2, True), id="literal 0/1 column"),
        pytest.param("(x, y), _ = keras.datasets.mnist.load_data()\ny = y.reshape(-1, 1)\n", (INTEGER, 10, True),
                     id="reshaped ids stay ids"),
    ],
)
def test_integer_and_binary_evidence(before: str, expected) -> None:
    assert labels_of(program(before)) == [expected]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # class ids written by index stay class ids; how many is no longer established (recall probe 6)
        pytest.param("y[y > 4] = 1\n", [(LabelKind.INTEGER, None, True)], id="classes merged"),
        pytest.param("y[100:] = 10\n", [(LabelKind.INTEGER, None, True)], id="a class added"),
        pytest.param("y[y > 4] = 0.5\n", [], id="a fraction: no longer class ids"),
        pytest.param("y[y > 4] = -1\n", [], id="a negative id: not a class"),
        pytest.param("y[0, 1] = 1\n", [], id="a cell of a matrix"),
    ],
)
def test_data_set_labels_changed_in_place(change: str, expected: list) -> None:
    before = "(x, y), _ = keras.datasets.mnist.load_data()\n" + change
    assert labels_of(program(before)) == expected


# --- continuous targets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "fit"),
    [
        pytest.param("", "model.fit(images, images)", id="fitted on its inputs"),
        pytest.param("", "model.fit(x=images, y=images, validation_data=(val, val))", id="keywords and validation"),
        pytest.param("y = StandardScaler().fit_transform(prices)\n", "model.fit(x, y)", id="StandardScaler"),
        pytest.param("s = MinMaxScaler()\ns.fit(prices)\ny = s.transform(prices)\n", "model.fit(x, y)", id="fitted scaler"),
        pytest.param("t = MinMaxScaler().fit_transform(table)\n", "model.fit(t[:, :-1], t[:, -1])", id="scaled table column"),
        pytest.param("y = prices / 1000.0\n", "model.fit(x, y)", id="true division"),
        pytest.param("", "model.fit(x, np.log1p(counts))", id="log"),
        pytest.param("y = np.array([[152.], [185.], [180.]])\n", "model.fit(x, y)", id="fractional literal"),
        pytest.param("xy = np.array([[0.5, 2.0, 1.75], [0.25, 1.0, 2.5]])\n", "model.fit(xy[:, 0:2], xy[:, [-1]])",
                     id="literal table column"),
        pytest.param("(x, y), _ = keras.datasets.boston_housing.load_data()\n", "model.fit(x, y)", id="boston_housing"),
        pytest.param("from sklearn.datasets import load_diabetes\nd = load_diabetes()\n", "model.fit(d.data, d.target)",
                     id="a Bunch's target"),
        pytest.param("from sklearn.datasets import fetch_california_housing\nd = fetch_california_housing()\n",
                     "model.fit(d['data'], d['target'])", id="a Bunch by key"),
        pytest.param("from sklearn.datasets import make_regression\nx, y = make_regression(n_samples=10)\n",
                     "model.fit(x, y)", id="make_regression"),
    ],
)
def test_continuous_evidence(before: str, fit: str) -> None:
    assert {kind for kind, _, _ in labels_of(program(before, fit))} == {CONTINUOUS}


@pytest.mark.parametrize(
    ("before", "fit"),
    [
        pytest.param("", "model.fit(next(gen), next(gen))", id="two batches of a generator"),
        pytest.param("y = (prices / 1000.0).astype('int32')\n", "model.fit(x, y)", id="truncated to integers"),
        pytest.param("t = np.array([[0.5, 1.25, 0], [0.75, 2.5, 1]])\n", "model.fit(t[:, :2], t[:, -1])",
                     id="a 0/1 column of a fractional literal table"),
        pytest.param("y = keras.utils.to_categorical(raw, 3)\n", "model.fit(y, y)", id="one-hot given as both"),
    ],
)
def test_continuous_not_established(before: str, fit: str) -> None:
    assert CONTINUOUS not in {kind for kind, _, _ in labels_of(program(before, fit))}


def test_a_regressor_wrapper_fits_continuous_targets() -> None:
    source = HEADER + textwrap.dedent(
        """
        from keras.wrappers.scikit_learn import KerasRegressor

        def build():
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(loss="mse", metrics=["accuracy"])
            return model

        estimator = KerasRegressor(build_fn=build, epochs=10)
        """
    )
    (site,) = sites(source)
    assert [label.kind for label in site.labels] == [CONTINUOUS]


# --- labels per output, compile() of a model the facts cannot see -----------------------------------


def test_labels_go_to_their_output() -> None:
    source = HEADER + textwrap.dedent(
        """
        inputs = keras.Input(shape=(8,))
        kind = keras.layers.Dense(3, activation="softmax", name="kind")(inputs)
        size = keras.layers.Dense(1, name="size")(inputs)
        model = keras.Model(inputs, [kind, size])
        model.compile(loss=["categorical_crossentropy", "mse"])
        model.fit(x, [keras.utils.to_categorical(k, 3), sizes / 10.0])
        model.fit(x, {"kind": keras.utils.to_categorical(k, 3), "size": sizes / 10.0})
        """
    )
    first, second = sites(source)
    assert [label.kind for label in first.labels] == [ONE_HOT, ONE_HOT]
    assert [label.kind for label in second.labels] == [CONTINUOUS, CONTINUOUS]


def test_compile_of_a_model_the_facts_cannot_see() -> None:
    source = HEADER + textwrap.dedent(
        """
        model = keras.models.load_model("m.keras")
        model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.Accuracy()])
        model.fit(x, keras.utils.to_categorical(raw, 3))
        model.compile(sampler="top_k")  # not keras.Model.compile's arguments: not a site
        re_like.compile(pattern)
        """
    )
    (site,) = sites(source)
    assert site.output is None and site.loss is not None
    assert [label.kind for label in site.labels] == [ONE_HOT]
    codes = {finding_code for finding_code, _ in _findings(site, ALL_VERSION_LINES)}
    assert {"KER202", "KER301"} <= codes


def test_a_later_walk_that_sees_the_model_replaces_the_blind_site() -> None:
    source = """\
    import keras
    class Agent:
        def build(self):
            self.net = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
        def train(self):
            self.net.compile(loss="categorical_crossentropy")
    """
    (site,) = sites(source)
    assert site.output is not None and site.output.width == 4


# --- rules that read the evidence ---------------------------------------------------------------------


def _findings(site: CompileSite, lines) -> list[tuple[str, object]]:
    context = RuleContext(frozenset(lines))
    found = []
    for code in ("KER101", "KER106", "KER201", "KER202", "KER203", "KER204", "KER301", "KER302", "KER303"):
        found.extend((code, finding) for finding in RULES_BY_CODE[code].check(site, context))
    return found


def only(source: str, code: str, lines=ALL_VERSION_LINES):
    found = [finding for site in sites(source) for found_code, finding in _findings(site, lines) if found_code == code]
    return found


SIGMOID_BCE = HEADER + """
model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])
"""


def test_ker201_sigmoid_depends_on_the_labels() -> None:
    assert only(SIGMOID_BCE + "model.fit(x, y)\n", "KER201") == []
    multi = SIGMOID_BCE + "model.fit(x, MultiLabelBinarizer().fit_transform(tags))\n"
    (finding,) = only(multi, "KER201", {L3, L4, L5})
    assert "multi-hot" in finding.message and finding.fix.safe
    assert only(multi, "KER201", {L1, L2}) == []  # binary_accuracy is right for multi-hot labels
    one_hot = SIGMOID_BCE + "model.fit(x, keras.utils.to_categorical(raw, 5))\n"
    (finding,) = only(one_hot, "KER201", {L2})
    assert "inflated" in finding.message and finding.fix.safe and finding.fix.needs_import == ("metrics", "CategoricalAccuracy")
    assert only(one_hot, "KER201", {L3, L4, L5}) == []  # categorical accuracy is right for one-hot labels


def test_ker201_fix_matches_the_evidence_and_keeps_the_key() -> None:
    import libcst as cst

    multi = SIGMOID_BCE.replace('["accuracy"]', '["acc"]') + "model.fit(x, MultiLabelBinarizer().fit_transform(t))\n"
    (finding,) = only(multi, "KER201", {L5})
    assert finding.fix.replace(cst.parse_expression('"acc"')).deep_equals(cst.parse_expression('BinaryAccuracy(name="acc")'))


CCE_SIGMOID = HEADER + """
model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
model.compile(loss="categorical_crossentropy")
"""


def test_ker106_softmax_fix_is_safe_only_for_single_label_targets() -> None:
    (no_evidence,) = only(CCE_SIGMOID + "model.fit(x, y)\n", "KER106")
    assert no_evidence.fix is not None and not no_evidence.fix.safe
    (one_hot,) = only(CCE_SIGMOID + "model.fit(x, keras.utils.to_categorical(raw, 5))\n", "KER106")
    assert one_hot.fix.safe
    (multi,) = only(CCE_SIGMOID + "model.fit(x, MultiLabelBinarizer().fit_transform(tags))\n", "KER106")
    assert multi.fix is None
    (sparse,) = only(CCE_SIGMOID.replace("categorical_crossentropy", "sparse_categorical_crossentropy"), "KER106")
    assert sparse.fix.safe  # integer class ids: one class per sample


BCE_SOFTMAX = HEADER + """
model = keras.Sequential([keras.layers.Dense(5, activation="softmax")])
model.compile(loss="binary_crossentropy")
"""


def test_ker101_fix_names_the_loss_the_labels_call_for() -> None:
    def fix(fit: str):
        (finding,) = only(BCE_SOFTMAX + fit, "KER101", {L3})
        return finding.fix

    assert "sparse_categorical_crossentropy (integer labels" in fix("model.fit(x, LabelEncoder().fit_transform(n))\n").description
    assert "categorical_crossentropy (one-hot labels" in fix("model.fit(x, keras.utils.to_categorical(r, 5))\n").description
    multi = fix("model.fit(x, MultiLabelBinarizer().fit_transform(t))\n")
    assert "sigmoid" in multi.description and not multi.safe
    assert "for one-hot labels" in fix("model.fit(x, y)\n").description


def test_ker202_from_the_compile_call_alone() -> None:
    source = HEADER + "model = build()\nmodel.compile(loss='binary_crossentropy', metrics=[keras.metrics.Accuracy()])\n"
    (finding,) = only(source, "KER202")
    assert finding.message.startswith("Accuracy() with loss 'binary_crossentropy': exact matches")
    regression = source.replace("'binary_crossentropy'", "'mae'")
    assert only(regression, "KER202") == []  # a regression loss says nothing about the output


REGRESSION = HEADER + """
model = keras.Sequential([keras.layers.Dense({width})])
model.compile(loss="mse", metrics={metrics})
"""


def test_ker203_needs_continuous_targets_and_says_what_accuracy_is() -> None:
    one = REGRESSION.format(width=1, metrics='["accuracy"]')
    assert only(one + "model.fit(x, y)\n", "KER203") == []
    (finding,) = only(one + "model.fit(x, y / 2.5)\n", "KER203")
    assert "binary accuracy, ~0.0" in finding.message
    wide = REGRESSION.format(width=3, metrics='["accuracy"]')
    (finding,) = only(wide + "model.fit(x, y / 2.5)\n", "KER203")
    assert "argmax match of 3 units" in finding.message and "~0.0" not in finding.message
    explicit = REGRESSION.format(width=1, metrics='["accuracy", keras.metrics.BinaryAccuracy()]')
    assert only(explicit + "model.fit(x, y / 2.5)\n", "KER203") == []  # 0/1 targets stated


def test_ker204_fix_works_on_keras_3_0_to_3_4() -> None:
    import libcst as cst

    source = HEADER + """
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=[keras.metrics.BinaryAccuracy()])
"""
    (keras3,) = only(source, "KER204", {L5})
    fixed = keras3.fix.replace(cst.parse_expression("keras.metrics.BinaryAccuracy()"))
    assert cst.Module([]).code_for_node(fixed) == "keras.metrics.BinaryAccuracy(threshold=1e-07)"
    (keras2,) = only(source, "KER204", {L3, L4})
    fixed = keras2.fix.replace(cst.parse_expression("keras.metrics.BinaryAccuracy()"))
    assert cst.Module([]).code_for_node(fixed) == "keras.metrics.BinaryAccuracy(threshold=0.0)"
    assert only(source.replace("BinaryAccuracy()", "BinaryAccuracy(threshold=1e-07)"), "KER204", {L5}) == []


def test_ker303_one_label_column_against_several_units() -> None:
    source = HEADER + """
gen = keras.preprocessing.image.ImageDataGenerator().flow_from_directory("d", class_mode="binary")
model = keras.Sequential([keras.layers.Dense(2, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(gen)
"""
    (finding,) = only(source, "KER303")
    assert "one 0/1 column" in finding.message
    assert only(source.replace('loss="categorical_crossentropy"', 'loss="sparse_categorical_crossentropy"'), "KER303") == []


# --- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dotted", "expected"),
    [
        ("tensorflow.losses.BinaryCrossentropy", "keras.losses.BinaryCrossentropy"),
        ("tensorflow.losses.categorical_crossentropy", "keras.losses.categorical_crossentropy"),
        ("tensorflow.metrics.Accuracy", "keras.metrics.Accuracy"),
        ("tensorflow.optimizers.Adam", "keras.optimizers.Adam"),
        ("tensorflow.compat.v1.losses.log_loss", "tensorflow.compat.v1.losses.log_loss"),  # TF 1 API: not Keras
        ("tensorflow.lossesx.Thing", "tensorflow.lossesx.Thing"),
    ],
)
def test_tf_module_aliases_of_the_keras_modules(dotted: str, expected: str) -> None:
    assert canonical(dotted)[0] == expected


def test_tf_aliases_reach_the_rules() -> None:
    source = """\
    import tensorflow as tf
    model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(loss=tf.losses.BinaryCrossentropy(), metrics=[tf.metrics.Accuracy()])
    """
    (site,) = sites(source)
    assert site.loss is not None and site.loss.spelling == "BinaryCrossentropy()"
    assert [metric.name for argument in site.metrics_arguments for metric in argument.metrics] == ["Accuracy"]
