"""Property tests: generated programs never crash keraslint, never produce KER001, and the analysis is
deterministic.

(a) hypothesmith programs (the generator LibCST itself is tested with), made to pass the text gate;
(b) generated Keras training programs: import style, layer stack, model construction, loss,
    metrics and the way compile() is called are all drawn at random.

Example counts are chosen so that the whole file takes well under 60 s on 2 cores.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap

import hypothesmith
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from keraslint.engine import analyse
from keraslint.flake8_plugin import KerasLintPlugin

CODE = re.compile(r"^KER[0-9]{3}$")

# hypothesmith compiles what it generates; CPython warns about e.g. `1()`.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

PROPERTY_SETTINGS = dict(
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _full(diagnostics):
    return [(d.line, d.column, d.code, d.message, d.end_line, d.end_column, d.name) for d in diagnostics]


def _keep_ends(source: str) -> list[str]:
    return io.StringIO(source, newline="").readlines()


def check_program(source: str, tree: ast.Module | None = None) -> list:
    """The shared property: no exception, no KER001, well-formed, deterministic, plugin == engine."""
    line_count = len(_keep_ends(source))
    first = analyse(source, tree=tree)
    second = analyse(source, tree=tree)
    assert _full(first) == _full(second), "analysis is not deterministic"
    for diagnostic in first:
        assert diagnostic.code != "KER001", (diagnostic, source)
        assert CODE.match(diagnostic.code), diagnostic
        assert 1 <= diagnostic.line <= max(line_count, 1), (diagnostic, line_count)
        assert diagnostic.column >= 0
        assert diagnostic.message and "\n" not in diagnostic.message and "\r" not in diagnostic.message
    if tree is not None:
        results = list(KerasLintPlugin(tree, _keep_ends(source), "generated.py").run())
        assert [(line, column, text) for line, column, text, _kind in results] == [
            (d.line, d.column, f"{d.code} {d.message}") for d in first
        ]
    return first


# --- (a) hypothesmith ----------------------------------------------------------------------------

KERAS_HEADER = "import keras\nmodel.compile()\n"


def _gate_opened(code: str, placement: str) -> str:
    """Make a generated program pass the gate. `wrap` puts it inside `def compile():`, so that the
    whole program is a statement the reducer keeps and the evaluator and the rules see it."""
    if placement == "prepend":
        return KERAS_HEADER + code
    if placement == "append":
        if code and not code.endswith(("\n", "\r")):
            code += "\n"
        return code + KERAS_HEADER
    body = textwrap.indent(code, "    ", lambda _line: True) if code.strip() else ""
    if body and not body.endswith(("\n", "\r")):
        body += "\n"
    return "import keras\ndef compile():\n" + body + "    pass\nmodel.compile()\n"


def _check_generated(code: str, placement: str) -> None:
    source = _gate_opened(code, placement)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        event("not valid Python once placed")  # flake8 would report E999 and never call us
        assert analyse(source) == []
        return
    event(f"valid, {placement}")
    check_program(source, tree)


@settings(max_examples=250, **PROPERTY_SETTINGS)
@given(code=hypothesmith.from_grammar(), placement=st.sampled_from(["prepend", "append", "wrap"]))
def test_hypothesmith_grammar_programs(code, placement):
    _check_generated(code, placement)


@settings(max_examples=60, **PROPERTY_SETTINGS)
@given(code=hypothesmith.from_node(), placement=st.sampled_from(["prepend", "append", "wrap"]))
def test_hypothesmith_node_programs(code, placement):
    _check_generated(code, placement)


# --- (b) generated Keras programs ---------------------------------------------------------------


class Style:
    def __init__(self, header: str, prefix: str | None) -> None:
        self.header = header
        self.prefix = prefix  # None: names imported directly

    def layer(self, name: str) -> str:
        return name if self.prefix is None else f"{self.prefix}layers.{name}"

    def model(self, name: str) -> str:
        return name if self.prefix is None else f"{self.prefix}{name}"

    def loss(self, name: str) -> str:
        return f"losses.{name}" if self.prefix is None else f"{self.prefix}losses.{name}"

    def metric(self, name: str) -> str:
        return f"metrics.{name}" if self.prefix is None else f"{self.prefix}metrics.{name}"

    def optimizer(self) -> str:
        return "optimizers.Adam(1e-3)" if self.prefix is None else f"{self.prefix}optimizers.Adam(learning_rate=1e-3)"


STYLES = {
    "import keras": Style("import keras\n", "keras."),
    "from tensorflow import keras": Style("from tensorflow import keras\n", "keras."),
    "import tensorflow as tf": Style("import tensorflow as tf\n", "tf.keras."),
    "from keras.layers import Dense": Style(
        "from keras import losses, metrics, optimizers\n"
        "from keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, Input, Softmax\n"
        "from keras.models import Model, Sequential\n",
        None,
    ),
    "import tf_keras as keras": Style("import tf_keras as keras\n", "keras."),
}

ACTIVATIONS = ["softmax", "sigmoid", "relu", "linear", None, "tanh"]
LOSS_STRINGS = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mse",
    "mean_squared_error",
    "mae",
    "hinge",
    "kl_divergence",
    "poisson",
    "bce",
    "not_a_loss",
]
LOSS_CLASSES = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy"]
LOSS_FUNCTIONS = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error"]
METRIC_STRINGS = [
    "accuracy",
    "acc",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "mae",
    "mse",
    "AUC",
    "precision",
    "f1",
]
METRIC_CLASSES = ["AUC()", "Precision()", "Recall()", "BinaryAccuracy(threshold=0.5)", "CategoricalAccuracy()", "Accuracy()"]


@st.composite
def widths(draw):
    if draw(st.booleans()):
        return draw(st.sampled_from([1, 2, 3, 10]))
    return draw(st.one_of(st.integers(1, 1024), st.just("NUM_CLASSES"), st.just("len(CLASSES)")))


@st.composite
def layers(draw, style: Style, first: bool, functional: bool):
    kind = draw(st.sampled_from(["Dense", "Dense", "Dense", "Conv2D", "Dropout", "Activation", "Softmax", "Flatten"]))
    activation = draw(st.sampled_from(ACTIVATIONS))
    extra = ", input_shape=(32,)" if first and not functional and draw(st.booleans()) else ""
    if kind in ("Dense", "Conv2D"):
        width = draw(widths())
        kernel = ", 3" if kind == "Conv2D" else ""
        how = draw(st.sampled_from(["keyword", "positional", "omitted"]))
        if activation is None:
            act = draw(st.sampled_from(["", ", activation=None"]))
        elif how == "positional" and kind == "Dense":
            act = f', "{activation}"'
        elif how == "omitted":
            act = ""
        else:
            act = f', activation="{activation}"'
        return f"{style.layer(kind)}({width}{kernel}{act}{extra})"
    if kind == "Dropout":
        return f"{style.layer('Dropout')}({draw(st.sampled_from(['0.1', '0.5', 'rate']))}{extra})"
    if kind == "Activation":
        return f'{style.layer("Activation")}("{activation or "linear"}"{extra})'
    return f"{style.layer(kind)}({extra.lstrip(', ')})"


@st.composite
def losses(draw, style: Style):
    choice = draw(st.sampled_from(["string", "class", "function"]))
    if choice == "string":
        return repr(draw(st.sampled_from(LOSS_STRINGS)))
    if choice == "function":
        return style.loss(draw(st.sampled_from(LOSS_FUNCTIONS)))
    from_logits = draw(st.sampled_from(["", "from_logits=True", "from_logits=False", "True"]))
    return f"{style.loss(draw(st.sampled_from(LOSS_CLASSES)))}({from_logits})"


@st.composite
def metric_lists(draw, style: Style):
    if draw(st.integers(0, 4)) == 0:
        return None
    items = draw(
        st.lists(
            st.one_of(
                st.sampled_from(METRIC_STRINGS).map(repr),
                st.sampled_from(METRIC_CLASSES).map(style.metric),
            ),
            max_size=4,
        )
    )
    return "[" + ", ".join(items) + "]"


@st.composite
def keras_programs(draw):
    style = STYLES[draw(st.sampled_from(sorted(STYLES)))]
    construction = draw(st.sampled_from(["list", "add", "functional"]))
    functional = construction == "functional"
    count = draw(st.integers(1, 6))
    stack = [draw(layers(style, first=index == 0, functional=functional)) for index in range(count)]

    body: list[str] = []
    if construction == "list":
        body.append(f"model = {style.model('Sequential')}([")
        body += [f"    {layer}," for layer in stack]
        body.append("])")
    elif construction == "add":
        body.append(f"model = {style.model('Sequential')}()")
        body += [f"model.add({layer})" for layer in stack]
    else:
        body.append(f"inputs = {style.model('Input')}(shape=(32,))")
        previous = "inputs"
        for layer in stack:
            body.append(f"x = {layer}({previous})")
            previous = "x"
        outputs = draw(st.sampled_from(["positional", "keyword"]))
        body.append(
            f"model = {style.model('Model')}(inputs, {previous})"
            if outputs == "positional"
            else f"model = {style.model('Model')}(inputs=inputs, outputs={previous})"
        )

    loss = draw(losses(style))
    metrics = draw(metric_lists(style))
    optimizer = draw(st.sampled_from(['"adam"', '"sgd"', style.optimizer()]))
    if draw(st.booleans()):
        body.append(f"loss_fn = {loss}")
        loss = "loss_fn"
    call = draw(st.sampled_from(["keyword", "positional", "mixed"]))
    if call == "positional":
        arguments = [optimizer, loss] + ([metrics] if metrics is not None else [])
    elif call == "mixed":
        arguments = [optimizer, f"loss={loss}"] + ([f"metrics={metrics}"] if metrics is not None else [])
    else:
        arguments = [f"loss={loss}", f"optimizer={optimizer}"] + ([f"metrics={metrics}"] if metrics is not None else [])
        arguments = draw(st.permutations(arguments))
    body.append(f"model.compile({', '.join(arguments)})")
    body.append("model.fit(x_train, y_train, epochs=2)")

    wrapper = draw(st.sampled_from(["module", "function", "main"]))
    if wrapper == "function":
        body = ["def build_and_compile(rate=0.5):"] + ["    " + line for line in body] + ["    return model", "", "model = build_and_compile()"]
    elif wrapper == "main":
        body = ['if __name__ == "__main__":'] + ["    " + line for line in body]
    classes = draw(st.sampled_from(['["cat", "dog"]', '["a", "b", "c"]', "[0]"]))
    constants = f"NUM_CLASSES = {draw(st.integers(1, 20))}\nCLASSES = {classes}\nrate = 0.5\n"
    return style.header + constants + "\n" + "\n".join(body) + "\n"


KNOWN_PROGRAM = (
    "import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
)


@settings(max_examples=500, **PROPERTY_SETTINGS)
@given(source=keras_programs())
@example(source=KNOWN_PROGRAM)
def test_generated_keras_programs(source):
    tree = ast.parse(source)
    found = check_program(source, tree)
    event("with findings" if found else "no finding")
    if source == KNOWN_PROGRAM:  # the property is not vacuous: this one has findings
        assert found and {d.line for d in found} == {3}
    # Findings do not depend on the line endings.
    for ending in ("\r\n", "\r"):
        other = source.replace("\n", ending)
        assert [(d.line, d.code) for d in analyse(other)] == [(d.line, d.code) for d in found]


def test_generated_programs_reach_the_rules():
    """The strategy must produce programs the rules have something to say about."""
    found_any = []

    @settings(max_examples=60, derandomize=True, **PROPERTY_SETTINGS)
    @given(source=keras_programs())
    def collect(source):
        found_any.extend(d.code for d in analyse(source))

    collect()
    codes = set(found_any)
    assert len(codes) >= 4, f"generated programs reach only {sorted(codes)}: the strategy no longer exercises the rules"
    assert {code[:4] for code in codes} >= {"KER1", "KER2", "KER3"}, sorted(codes)
