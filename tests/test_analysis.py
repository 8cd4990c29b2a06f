"""Unit tests of the facts: names, values, models and compile sites."""

from __future__ import annotations

import textwrap

import pytest

from keraslint.analysis.names import canonical
from keraslint.analysis.records import CompileSite
from keraslint.analysis.values import Output
from keraslint.engine import extract_facts


def sites(source: str) -> list[CompileSite]:
    facts = extract_facts(textwrap.dedent(source))
    assert facts is not None
    return list(facts.sites)


def output_of(source: str) -> Output | None:
    """The output facts of the file's single compile site; None when not established."""
    found = sites(source)
    assert len(found) <= 1
    return found[0].output if found else None


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dotted, expected",
    [
        ("tensorflow.keras.layers.Dense", "keras.layers.Dense"),
        ("tensorflow.python.keras.layers.core.Dense", "keras.layers.Dense"),
        ("tf_keras.layers.Dense", "keras.layers.Dense"),
        ("keras.src.layers.core.dense.Dense", "keras.layers.Dense"),
        ("keras.layers.core.Dense", "keras.layers.Dense"),
        ("keras.models.Sequential", "keras.Sequential"),
        ("keras.engine.training.Model", "keras.Model"),
        ("keras.utils.np_utils.to_categorical", "keras.utils.to_categorical"),
        ("keras.src.metrics.accuracy_metrics.Accuracy", "keras.metrics.Accuracy"),
        ("tensorflow.compat.v1.keras.losses.BinaryCrossentropy", "keras.losses.BinaryCrossentropy"),
        ("keras._tf_keras.keras.activations.softmax", "keras.activations.softmax"),
        ("tensorflow.nn.softmax", "tensorflow.nn.softmax"),
        ("numpy.argmax", "numpy.argmax"),
        # TensorFlow's own Keras 2 tree: its optimizers are Keras 2's (precision probes 7 and 8); the tree
        # keeps its name so that attributes read from it (`from tensorflow.python import keras`) stay its own
        ("tensorflow.python.keras.optimizers.SGD", "keras.optimizers.legacy.SGD"),
        ("tensorflow.python.keras.optimizers", "keras.optimizers.legacy"),
        ("tensorflow.python.keras", "tensorflow.python.keras"),
        ("tensorflow.keras.optimizers.SGD", "keras.optimizers.SGD"),
    ],
)
def test_canonical_names(dotted: str, expected: str) -> None:
    assert canonical(dotted)[0] == expected


IMPORT_STYLES = {
    "import keras": "keras.Sequential([keras.layers.Dense(7, activation='softmax')])",
    "from tensorflow import keras": "keras.Sequential([keras.layers.Dense(7, activation='softmax')])",
    "import tensorflow as tf": "tf.keras.Sequential([tf.keras.layers.Dense(7, activation='softmax')])",
    "from keras.layers import Dense as D\nfrom keras.models import Sequential": "Sequential([D(7, activation='softmax')])",
    "from tensorflow.keras import layers as L\nfrom tensorflow.keras import Sequential": "Sequential([L.Dense(7, activation='softmax')])",
    "import tf_keras": "tf_keras.Sequential([tf_keras.layers.Dense(7, activation='softmax')])",
    "import tf_keras as keras": "keras.Sequential([keras.layers.Dense(7, activation='softmax')])",
    "from tensorflow.python.keras.layers import Dense\nfrom tensorflow.python.keras.models import Sequential": "Sequential([Dense(7, activation='softmax')])",
    "from keras.src.layers import Dense\nfrom keras.src.models import Sequential": "Sequential([Dense(7, activation='softmax')])",
    "from tensorflow.keras.layers import *\nfrom tensorflow.keras.models import Sequential": "Sequential([Dense(7, activation='softmax')])",
}


@pytest.mark.parametrize("imports", list(IMPORT_STYLES), ids=lambda text: text.splitlines()[0])
def test_every_import_style_resolves_the_output(imports: str) -> None:
    source = f"{imports}\nmodel = {IMPORT_STYLES[imports]}\nmodel.compile(loss='mse')\n"
    output = output_of(source)
    assert output is not None and (output.width, output.activation) == (7, "softmax")


def test_try_except_import_alternatives_that_agree() -> None:
    output = output_of(
        """
        try:
            from tensorflow.keras.layers import Dense
        except ImportError:
            from keras.layers import Dense
        import keras
        model = keras.Sequential([Dense(3, activation="sigmoid")])
        model.compile(loss="mse")
        """
    )
    assert output is not None and (output.width, output.activation) == (3, "sigmoid")


def test_try_except_import_alternatives_that_disagree_are_unknown() -> None:
    (site,) = sites(
        """
        import keras
        try:
            from keras.layers import Dense
        except ImportError:
            from mylib import Dense
        model = keras.Sequential([Dense(3, activation="sigmoid")])
        model.compile(loss="mse")
        """
    )
    assert site.output is None  # the compile() is a site; only its output is unknown


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "binding, width",
    [
        ("N = 10", 10),
        ("CLASSES = ['a', 'b', 'c']\nN = len(CLASSES)", 3),
        ("N = 2 * 3 + 1", 7),
        ("A, N = 1, 4", 4),
        ("(A, N) = (1, 4)", 4),
        ("BASE = 8\nN = BASE // 2", 4),
        ("N = 10\nN = N + 1", 11),
    ],
)
def test_constant_widths(binding: str, width: int) -> None:
    source = f"import keras\n{binding}\nmodel = keras.Sequential([keras.layers.Dense(N)])\nmodel.compile(loss='mse')\n"
    output = output_of(source)
    assert output is not None and output.width == width


@pytest.mark.parametrize(
    "binding",
    [
        "N = int(input())",
        "N = 10\nif flag:\n    N = 5",
        "N = 10\nfor _ in range(3):\n    N += 1",
        "import sys\nN = len(sys.argv)",
    ],
)
def test_widths_that_are_not_established(binding: str) -> None:
    source = f"import keras\n{binding}\nmodel = keras.Sequential([keras.layers.Dense(N)])\nmodel.compile(loss='mse')\n"
    (site,) = sites(source)
    output = site.output
    # The width alone is unknown: the layer and its (absent) activation are still established.
    assert output is not None and (output.width, output.activation, output.layer) == (None, "linear", "Dense")


def test_function_scope_constants_and_module_constants() -> None:
    output = output_of(
        """
        import keras
        HIDDEN = 32
        def train():
            classes = 5
            model = keras.Sequential([keras.layers.Dense(HIDDEN), keras.layers.Dense(classes)])
            model.compile(loss="mse")
        """
    )
    assert output is not None and output.width == 5


# --- models ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head, expected",
    [
        ("keras.layers.Dense(4, activation='softmax')", (4, "softmax", "keras")),
        ("keras.layers.Dense(4, 'sigmoid')", (4, "sigmoid", "keras")),
        ("keras.layers.Dense(units=4)", (4, "linear", "keras")),
        ("keras.layers.Dense(4, activation=None)", (4, "linear", "keras")),
        ("keras.layers.Dense(4, activation=keras.activations.softmax)", (4, "softmax", "keras")),
        ("keras.layers.Dense(4, activation=tf.nn.softmax)", (4, "softmax", "raw")),
        ("keras.layers.Dense(4), keras.layers.Activation('softmax')", (4, "softmax", "keras")),
        ("keras.layers.Dense(4), keras.layers.Softmax()", (4, "softmax", "softmax layer")),
        ("keras.layers.Dense(4), keras.layers.Lambda(tf.nn.softmax)", (4, "softmax", "raw")),
        ("keras.layers.Dense(4, activation='sigmoid'), keras.layers.Dropout(0.5)", (4, "sigmoid", "keras")),
        ("keras.layers.Conv2D(3, (1, 1), activation='softmax')", (3, "softmax", "keras")),
        ("keras.layers.LSTM(6)", (6, "tanh", "keras")),
    ],
)
def test_sequential_output_facts(head: str, expected: tuple) -> None:
    source = f"import keras\nimport tensorflow as tf\nmodel = keras.Sequential([keras.layers.Dense(8), {head}])\nmodel.compile(loss='mse')\n"
    output = output_of(source)
    assert output is not None and (output.width, output.activation, output.origin) == expected


@pytest.mark.parametrize(
    "head",
    [
        "keras.layers.Dense(4, activation='softmax'), keras.layers.Flatten()",
        "keras.layers.Dense(4, activation='softmax'), keras.layers.BatchNormalization()",
        "keras.layers.Dense(4), keras.layers.Lambda(lambda t: tf.argmax(t, axis=-1))",
        "keras.layers.Dense(4), keras.layers.Softmax(axis=1)",
        "keras.layers.Dense(4, **options)",
        "make_head()",
    ],
)
def test_outputs_that_are_not_established(head: str) -> None:
    source = f"import keras\nimport tensorflow as tf\nmodel = keras.Sequential([keras.layers.Dense(8), {head}])\nmodel.compile(loss='mse')\n"
    (site,) = sites(source)
    output = site.output
    assert output is None or output.activation is None or output.width is None


def test_sequential_add_in_straight_line() -> None:
    output = output_of(
        """
        from keras.models import Sequential
        from keras.layers import Dense, Activation
        model = Sequential()
        model.add(Dense(64, input_dim=20))
        model.add(Activation("relu"))
        model.add(Dense(3))
        model.add(Activation("softmax"))
        model.compile(loss="mse")
        """
    )
    assert output is not None and (output.width, output.activation) == (3, "softmax")


@pytest.mark.parametrize("block", ["for units in (64, 3):\n    model.add(Dense(units, activation='softmax'))",
                                   "if wide:\n    model.add(Dense(30, activation='softmax'))"])
def test_add_under_a_loop_or_condition_makes_the_model_unknown(block: str) -> None:
    source = f"from keras.models import Sequential\nfrom keras.layers import Dense\nmodel = Sequential()\nmodel.add(Dense(3, activation='softmax'))\n{block}\nmodel.compile(loss='mse')\n"
    (site,) = sites(source)
    assert site.output is None


def test_functional_chain_and_keyword_model() -> None:
    output = output_of(
        """
        from tensorflow import keras
        inputs = keras.Input(shape=(20,))
        x = keras.layers.Dense(32, activation="relu")(inputs)
        x = keras.layers.Dropout(0.2)(x)
        x = keras.layers.Dense(6)(x)
        outputs = keras.activations.sigmoid(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(loss="mse")
        """
    )
    assert output is not None and (output.width, output.activation) == (6, "sigmoid")


def test_keras1_input_output_keywords() -> None:
    output = output_of(
        """
        from keras.models import Model
        from keras.layers import Input, Dense
        a = Input(shape=(4,))
        b = Dense(2, activation="softmax")(a)
        model = Model(input=a, output=b)
        model.compile(loss="mse")
        """
    )
    assert output is not None and (output.width, output.activation) == (2, "softmax")


def test_model_returned_by_a_builder_in_the_module() -> None:
    output = output_of(
        """
        import keras
        def build_model(classes, activation="softmax"):
            model = keras.Sequential()
            model.add(keras.layers.Dense(32, activation="relu"))
            model.add(keras.layers.Dense(classes, activation=activation))
            return model
        model = build_model(12)
        model.compile(loss="mse")
        """
    )
    assert output is not None and (output.width, output.activation) == (12, "softmax")


def test_builder_with_two_returns_is_unknown() -> None:
    output = output_of(
        """
        import keras
        def build_model(big):
            if big:
                return keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            return keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model = build_model(True)
        model.compile(loss="mse")
        """
    )
    assert output is None


def test_rebinding_the_model_name_follows_program_order() -> None:
    first, second = sites(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy")
        """
    )
    assert (first.output.width, first.output.activation) == (10, "softmax")
    assert (second.output.width, second.output.activation) == (1, "sigmoid")


# --- compile sites -----------------------------------------------------------------------


def test_compile_positional_and_keyword_arguments() -> None:
    (site,) = sites(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "binary_crossentropy", ["accuracy"], weighted_metrics=["acc"])
        """
    )
    loss = site.loss
    assert loss is not None and loss.kind == "binary_crossentropy" and loss.from_logits is False
    arguments = {(argument.keyword, tuple(m.name for m in argument.metrics)) for argument in site.metrics_arguments}
    assert arguments == {("metrics", ("accuracy",)), ("weighted_metrics", ("acc",))}


def test_compile_with_a_literal_config_dict() -> None:
    (site,) = sites(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        cfg = dict(optimizer="adam")
        config = {"loss": keras.losses.CategoricalCrossentropy(from_logits=True), "metrics": ["accuracy"]}
        model.compile(**config)
        """
    )
    loss = site.loss
    assert loss is not None and loss.kind == "categorical_crossentropy" and loss.from_logits is True


@pytest.mark.parametrize(
    "loss, kind, from_logits",
    [
        ("'bce'", "binary_crossentropy", False),
        ("keras.losses.BinaryCrossentropy(True)", "binary_crossentropy", True),
        ("keras.losses.BinaryCrossentropy(from_logits=FLAG)", "binary_crossentropy", None),
        ("keras.losses.SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", False),
        ("keras.losses.categorical_crossentropy", "categorical_crossentropy", False),
        ("LOSS", "regression", False),  # LOSS = "huber"
    ],
)
def test_loss_facts(loss: str, kind: str, from_logits) -> None:
    (site,) = sites(
        f"import keras\nFLAG = bool(1)\nLOSS = 'huber'\nmodel = keras.Sequential([keras.layers.Dense(2)])\nmodel.compile(loss={loss})\n"
    )
    fact = site.loss
    assert fact is not None and (fact.kind, fact.from_logits) == (kind, from_logits)


@pytest.mark.parametrize(
    "binding, identifier",
    [
        ('KIND = "categorical"\nLOSS = KIND + "_crossentropy"', "categorical_crossentropy"),
        ('KIND = "binary"\nLOSS = f"{KIND}_crossentropy"', "binary_crossentropy"),
        ('LOSS = os.path.join("mse")', "mse"),
    ],
)
def test_strings_built_from_constants_are_constants(binding: str, identifier: str) -> None:
    (site,) = sites(f"import os\nimport keras\n{binding}\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
                    "model.compile(loss=LOSS)\n")
    assert site.loss is not None and site.loss.identifier == identifier


@pytest.mark.parametrize(
    "binding",
    [
        'LOSS = kind + "_crossentropy"',  # a piece that is not established
        'LOSS = f"{KIND:>5}_crossentropy"',  # a format spec
        'LOSS = f"{KIND!r}_crossentropy"',  # a conversion
        'LOSS = f"{get_kind()}_crossentropy"',  # a call inside the f-string
        'LOSS = os.path.join(KIND, sep="/")',
        'LOSS = KIND + 1',
    ],
)
def test_strings_that_are_not_established(binding: str) -> None:
    (site,) = sites(f"import os\nimport keras\nKIND = 'binary'\n{binding}\n"
                    "model = keras.Sequential([keras.layers.Dense(2)])\nmodel.compile(loss=LOSS)\n")
    assert site.loss is None


def test_unknown_loss_is_no_fact() -> None:
    (site,) = sites("import keras\nmodel = keras.Sequential([keras.layers.Dense(2)])\nmodel.compile(loss=my_loss)\n")
    assert site.loss is None


def test_files_without_keras_are_not_parsed() -> None:
    assert extract_facts("import numpy\nx.compile()\n") is None
    assert extract_facts("import keras\nprint(keras.__version__)\n") is None


@pytest.mark.parametrize(
    "labels, expected",
    [
        ("y = keras.utils.to_categorical(raw, 7)", ("one-hot", 7)),
        ("y = np.eye(5)[raw]", ("one-hot", 5)),
        ("y = keras.utils.to_categorical(raw, 7)[:100]", ("one-hot", 7)),
        ("y = np.argmax(onehot, axis=1)", ("integer", None)),
        ("y = onehot.argmax(axis=-1)", ("integer", None)),
        ("y = LabelEncoder().fit_transform(names)", ("integer", None)),
        ("a, b, y, c = train_test_split(x, keras.utils.to_categorical(raw, 3))", ("one-hot", 3)),
        ("y = keras.utils.to_categorical(raw, 7)[:, 0]", None),
        ("y = load_labels()", None),
        ("y = keras.utils.normalize(raw)", None),  # a Keras call that says nothing about the labels
        ("y = LabelBinarizer().fit(['a', 'b']).transform(names)", None),
        ("y = OneHotEncoder(drop='if_binary').fit_transform(names)", None),
    ],
)
def test_label_facts(labels: str, expected) -> None:
    (site,) = sites(
        "import keras\nimport numpy as np\nfrom sklearn.preprocessing import LabelEncoder, LabelBinarizer, OneHotEncoder\n"
        "from sklearn.model_selection import train_test_split\n"
        f"{labels}\nmodel = keras.Sequential([keras.layers.Dense(7, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\nmodel.fit(x, y)\n"
    )
    facts = [(fact.kind, fact.classes) for fact in site.labels]
    assert facts == ([] if expected is None else [expected])


def test_compile_in_a_method_of_a_nested_class_is_a_site() -> None:
    (site,) = sites(
        """
        import keras
        class Outer:
            class Trainer:
                def run(self):
                    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
                    model.compile(loss="mse")
        """
    )
    assert (site.output.width, site.output.activation) == (3, "softmax")


def test_a_model_attribute_bound_by_one_method_is_seen_by_the_others() -> None:
    (site,) = sites(
        """
        import keras
        class Agent:
            def create_model(self):
                self.model = keras.Sequential([keras.layers.Dense(32), keras.layers.Dense(4, activation="softmax")])
            def train(self, x, y):
                self.model.compile(loss="categorical_crossentropy")
        """
    )
    assert (site.output.width, site.output.activation) == (4, "softmax")


def test_a_model_attribute_bound_by_two_methods_stays_unknown() -> None:
    # The compile() call is still a site (its arguments are facts), with the output not established.
    assert [site.output for site in sites(
        """
        import keras
        class Agent:
            def small(self):
                self.model = keras.Sequential([keras.layers.Dense(1)])
            def large(self):
                self.model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])
            def train(self):
                self.model.compile(loss="categorical_crossentropy")
        """
    )] == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("model.compile(loss='mse')", True),
        ("model . compile (loss='mse')", True),
        ("pattern = re.compile('a+')", False),
        ("pattern = regex.compile('a+')", False),
        ("pattern = re.compile('a+')\nmodel.compile()", True),
        ("compile_all = 1  # no call", False),
        ("model.compile()\npattern = re.compile('a+')", True),
        ("a = re.compile('x'); b = regex . compile('y')", False),
        ("pre.compile(loss='mse'); p = re.compile('a')", True),  # `pre` is not `re`
        ("x.re.compile(1); p = re.compile('a')", True),  # an attribute named re is not the module
        ("_re.compile(1); p = re.compile('a')", True),
        (" " * 80 + "p = re.compile('a')", False),
    ],
)
def test_the_gate_needs_a_compile_call_other_than_a_regular_expression(text: str, expected: bool) -> None:
    from keraslint.source import calls_model_compile

    assert calls_model_compile(text) is expected


# --- instances of plain module classes ----------------------------------------------------------

WRAPPER = """\
import keras

class Wrapper:
    def __init__(self, width):
        self.model = keras.Sequential([keras.layers.Dense(width, activation="softmax")])

    def shrink(self):
        self.model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])

    def train(self, x, y):
        return self.model.fit(x, y)
"""


def test_an_attribute_bound_in_init_is_the_instance_attribute() -> None:
    output = output_of(WRAPPER + "w = Wrapper(10)\nw.model.compile(loss='categorical_crossentropy')\n")
    assert output is not None and (output.width, output.activation) == (10, "softmax")


def test_a_method_run_on_the_instance_rebinds_its_attributes() -> None:
    output = output_of(WRAPPER + "w = Wrapper(10)\nw.shrink()\nw.model.compile(loss='categorical_crossentropy')\n")
    assert output is not None and output.width == 1


@pytest.mark.parametrize(
    "use",
    [
        "w = Wrapper(10)\nif flag:\n    w.shrink()\n",  # may or may not have run
        "w = Wrapper(10)\nfor _ in range(3):\n    w.shrink()\n",
        "w = Wrapper(10)\nw.model = load()\n",
        "w = Wrapper(10)\ndel w.model\n",
        "w = Wrapper(*sizes)\n",  # arguments that do not bind
    ],
)
def test_attributes_that_are_not_established(use: str) -> None:
    found = sites(WRAPPER + use + "w.model.compile(loss='categorical_crossentropy')\n")
    assert all(site.output is None or site.output.width is None for site in found if site.call.lineno > 12)


def test_a_class_with_an_unknown_base_has_no_instances() -> None:
    source = WRAPPER.replace("class Wrapper:", "class Wrapper(SomeBase):")
    found = sites(source + "w = Wrapper(10)\nw.model.compile(loss='categorical_crossentropy')\n")
    assert all(site.output is None for site in found if site.call.lineno > 12)


def test_a_wrappers_own_compile_is_read_as_keras_compile() -> None:
    # Forwarding wrappers (`def compile(self, loss=..., optimizer=...): self.model.compile(...)`): the
    # call written like Keras's compile is the compile site, as for a model the facts cannot see.
    source = WRAPPER.replace("    def train(self, x, y):", "    def compile(self, **kw):\n        pass\n\n    def train(self, x, y):")
    source += "w = Wrapper(10)\nw.compile(loss='binary_crossentropy', metrics=['accuracy'])\n"
    found = sites(source)
    assert [site.call.lineno for site in found] == [source.count("\n")]


def test_a_property_is_not_an_attribute() -> None:
    # `self.head = ...` goes through the setter: what the getter returns is not what was assigned.
    source = """\
import keras

class Wrapper:
    def __init__(self):
        self.head = keras.Sequential([keras.layers.Dense(1, activation="softmax")])

    @property
    def head(self):
        return self._head

    @head.setter
    def head(self, value):
        self._head = wrap(value)

w = Wrapper()
w.head.compile(loss="categorical_crossentropy")
"""
    assert [site.output for site in sites(source)] == [None]


def test_calling_what_an_attribute_holds() -> None:
    source = WRAPPER + (
        "w = Wrapper(10)\ninputs = keras.Input(shape=(4,))\nouter = keras.Model(inputs, w.model(inputs))\n"
        "outer.compile(loss='categorical_crossentropy')\n"
    )
    output = output_of(source)
    assert output is not None and (output.width, output.activation) == (10, "softmax")


CONFIG = """\
import keras

class Config:
    def __init__(self):
        self.classes = 10

cfg = Config()
"""
COMPILE_WITH_CONFIG = (
    "model = keras.Sequential([keras.layers.Dense(cfg.classes, activation='softmax')])\n"
    "model.compile(loss='categorical_crossentropy')\n"
)


def test_an_instance_attribute_read_as_a_constant() -> None:
    output = output_of(CONFIG + COMPILE_WITH_CONFIG)
    assert output is not None and output.width == 10


@pytest.mark.parametrize(
    "between",
    [
        "setattr(cfg, 'classes', n)\n",  # a call that is not followed may change it
        "update_from_args(cfg)\n",
        "runner.configure(cfg)\n",
        "store = [1]\nstore.append(cfg)\n",
    ],
)
def test_an_instance_given_to_code_that_is_not_followed_is_forgotten(between: str) -> None:
    output = output_of(CONFIG + between + COMPILE_WITH_CONFIG)
    assert output is None or output.width is None


def test_an_instance_changed_by_a_followed_function_keeps_the_change() -> None:
    output = output_of(CONFIG + "def binary(c):\n    c.classes = 1\n\nbinary(cfg)\n" + COMPILE_WITH_CONFIG)
    assert output is not None and output.width == 1


REBOUND = """\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras.utils import to_categorical

classes = 2
Y = to_categorical(np.random.randint(0, 2, 100), classes)


def build_model():
    model = Sequential([Dense(16, activation="relu"), Dense(classes, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, Y)

"""


def test_a_global_bound_twice_is_unknown_where_the_call_time_is() -> None:
    # build_model is called where the walk cannot see (timeit, a callback): `classes` may be 2 or 10.
    (site,) = sites(REBOUND + "timeit.timeit(build_model, number=1)\nclasses = 10\n")
    assert site.output is not None and site.output.width is None


@pytest.mark.parametrize(
    "tail",
    [
        "from keras.layers import Dense\ntimeit.timeit(build_model)\n",  # the same import again
        "timeit.timeit(build_model)\n",
    ],
)
def test_a_global_bound_once_is_known_everywhere(tail: str) -> None:
    (site,) = sites(REBOUND + tail)
    assert site.output is not None and site.output.width == 2


def test_a_visible_call_reads_the_globals_of_its_time() -> None:
    found = sites(REBOUND + "build_model()\nclasses = 10\n")
    assert {site.output.width for site in found if site.output is not None} == {2}


def test_a_compile_of_placeholders_is_no_site() -> None:
    # An exercise template: `compile(loss=None, optimizer=None, metrics=None)` configures nothing yet.
    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
    assert sites(source + "model.compile(loss=None, optimizer=None, metrics=None)\n") == []
    assert len(sites(source + "model.compile(loss=None, optimizer='adam')\n")) == 1  # add_loss models


def test_methods_called_on_self_inside_a_method() -> None:
    # __init__ calls self._build(), which reads what __init__ bound and binds the model.
    source = """\
import keras

class Wrapper:
    def __init__(self, width):
        self.width = width
        self.model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])  # replaced by _build()
        self._build()
        self.model.compile(loss="categorical_crossentropy")

    def _build(self):
        self.model = keras.Sequential([keras.layers.Dense(self.width, activation="softmax")])

w = Wrapper(10)
w.model.fit(x, y)
"""
    (site,) = sites(source)
    assert site.output is not None and (site.output.width, site.output.activation) == (10, "softmax")
    assert "fit" in site.usage
