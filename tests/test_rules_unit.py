"""Per-rule unit tests on hand-built CompileSite records (issue 9, deliverable 6).

No source is turned into facts here: each case builds the records a rule reads (Output, LossFact,
MetricFact, MetricsArgument, LabelFact) with the small builders below and calls
`rule.check(site, context)` directly. There is one case per branch of each rule's check(): silent
cases assert that nothing is reported; firing cases assert the exact message (the engine appends
" (severity)" later, so messages here carry none), the node reported (by identity), the severity
override and the fix (presence, safety, the node it edits).

Every expected message was checked against ../shared/keras-semantics.md and rules.md. Where the rule
contradicts them, the case states what the specification says and is `xfail(strict=True)`, with the
section in the reason: the gap stays visible, and the marker must go when the rule is fixed.

KER107, KER108, KER205-KER207 and KER306 (issue 11) have their own tests (test_new_rules_unit.py).
"""

from __future__ import annotations

import ast

import pytest

from keraslint.analysis.records import (
    Activation,
    CompileSite,
    LabelFact,
    LabelKind,
    LayerActivation,
    LossFact,
    LossKind,
    MetricFact,
    MetricForm,
    MetricsArgument,
    Origin,
    Output,
    Severity,
    UnmatchedMetrics,
)
from keraslint.diagnostics import Fix
from keraslint.immutable import replace
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, API_TF, VersionLine
from keraslint.rules.loss_output import first_recovery
from keraslint.rules import RULES_BY_CODE
from keraslint.rules.base import Finding, RuleContext

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
NOT_L1 = frozenset({L2, L3, L4, L5})
SOFTMAX, SIGMOID, LINEAR, RELU = Activation.SOFTMAX, Activation.SIGMOID, Activation.LINEAR, Activation.RELU
BCE, CCE, SCCE = LossKind.BCE, LossKind.CCE, LossKind.SCCE
BFCE, CFCE, REGRESSION, OTHER = LossKind.BFCE, LossKind.CFCE, LossKind.REGRESSION, LossKind.OTHER
ONE_HOT, INTEGER, BINARY, MULTI_HOT = LabelKind.ONE_HOT, LabelKind.INTEGER, LabelKind.BINARY, LabelKind.MULTI_HOT
CONTINUOUS = LabelKind.CONTINUOUS


# --- builders -------------------------------------------------------------------------------------


def expr(source: str) -> ast.expr:
    """An expression node (positions do not matter to rules: the engine maps nodes to positions)."""
    statement = ast.parse(source).body[0]
    assert isinstance(statement, ast.Expr)
    return statement.value


def output(
    width: int | None = 10,
    activation: Activation | None = SOFTMAX,
    *,
    layer: str | None = "Dense",
    origin: Origin | None = Origin.KERAS,
    activation_node: ast.AST | None = None,
    activation_value: ast.AST | None = None,
    width_node: ast.AST | None = None,
) -> Output:
    """The output of `Dense(width, activation="<activation>")`: the activation string is both the
    node reported and the node a fix edits, as analysis/models.py records it."""
    if activation_node is None and activation is not None:
        activation_node = expr(repr(str(activation)))
        activation_value = activation_value or activation_node
    return Output(width, activation, layer, origin, activation_node, activation_value, None, width_node)


def string_loss(identifier: str, kind: LossKind | None, *, valid_on=ALL_VERSION_LINES, node: ast.AST | None = None,
                value_node: ast.AST | None = None) -> LossFact:
    """loss="<identifier>" (a plain string: from_logits False)."""
    node = node or expr(repr(identifier))
    value = node if value_node is None else value_node
    return LossFact(kind, False, repr(identifier), MetricForm.STRING, identifier, valid_on, node, value)


def instance_loss(name: str, kind: LossKind, from_logits: bool | None = False, arguments: str = "") -> LossFact:
    """loss=keras.losses.<name>(<arguments>)."""
    node = expr(f"keras.losses.{name}({arguments})")
    return LossFact(kind, from_logits, f"{name}()", MetricForm.INSTANCE, None, NOT_L1, node, node)


def function_loss(name: str, kind: LossKind) -> LossFact:
    """loss=keras.losses.<name> (the function object)."""
    return LossFact(kind, False, name, MetricForm.FUNCTION, None, ALL_VERSION_LINES, expr(f"keras.losses.{name}"), None)


def string_metric(name: str, *, value_node: ast.AST | None = None) -> MetricFact:
    """A metric string element. `value_node` differs from the reported element when the string
    comes from elsewhere (a constant defined on another line)."""
    node = expr(repr(name))
    return MetricFact(MetricForm.STRING, name, node, node if value_node is None else value_node)


def instance_metric(name: str, arguments: str = "", *, threshold: float | None = None, known: bool = True,
                    qualified: bool = True) -> MetricFact:
    node = expr(f"keras.metrics.{name}({arguments})" if qualified else f"{name}({arguments})")
    return MetricFact(MetricForm.INSTANCE, name, node, node, threshold, known)


def function_metric(name: str) -> MetricFact:
    return MetricFact(MetricForm.FUNCTION, name, expr(f"keras.metrics.{name}"), None)


def metrics_argument(*metrics: MetricFact, keyword: str = "metrics", lines=ALL_VERSION_LINES, position: int | None = None,
                     bare_string: MetricFact | None = None, single_object: MetricFact | None = None) -> MetricsArgument:
    return MetricsArgument(keyword, frozenset(lines), tuple(metrics), bare_string, expr("[metric]"), position,
                           single_object)


def label(kind: LabelKind, classes: int | None = None, origin: str = "to_categorical(y, 10)", *,
          one_column_for_two_classes: bool = False) -> LabelFact:
    return LabelFact(kind, classes, origin, one_column_for_two_classes)


def site(
    output: Output | None = None,
    loss: LossFact | None = None,
    metrics: tuple[MetricFact, ...] | list[MetricsArgument] = (),
    *,
    labels: tuple[LabelFact, ...] = (),
    positional: tuple[ast.expr, ...] = (),
    keywords: tuple[tuple[str, ast.keyword], ...] = (),
    double_star: bool = False,
    layer_activations: tuple[LayerActivation, ...] = (),
) -> CompileSite:
    """One compile() site. `metrics` is either the elements of one `metrics=[...]` list or a list of
    MetricsArgument records."""
    if metrics and isinstance(metrics[0], MetricFact):
        arguments: tuple[MetricsArgument, ...] = (metrics_argument(*metrics),)  # type: ignore[arg-type]
    else:
        arguments = tuple(metrics)  # type: ignore[arg-type]
    return CompileSite(
        call=expr("model.compile()"),  # type: ignore[arg-type]
        output=output,
        loss=loss,
        metrics_arguments=arguments,
        labels=labels,
        positional=positional,
        keyword_nodes=keywords,
        double_star=double_star,
        layer_activations=layer_activations,
    )


def check(code: str, compile_site: CompileSite, lines=ALL_VERSION_LINES, *, graph_mode: bool = False,
          apis: frozenset[str] = frozenset(), custom_objects: bool = False) -> list[Finding]:
    context = RuleContext(frozenset(lines), graph_mode, apis, custom_objects=custom_objects)
    return list(RULES_BY_CODE[code].check(compile_site, context))


def single(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def assert_fix(fix: Fix | None, *, safe: bool, description: str, node: ast.AST) -> None:
    assert fix is not None
    assert (fix.safe, fix.description) == (safe, description)
    assert fix.node is node


def applied(fix: Fix | None, source: str) -> str:
    """The code a fix writes in place of `source` (the fixer applies it to the LibCST node at the
    fix's position; here the node is parsed from `source`)."""
    import libcst as cst

    assert fix is not None
    new = fix.replace(cst.parse_expression(source))
    assert new is not None
    return cst.Module([]).code_for_node(new)


# --- KER101 binary-crossentropy-on-softmax ---------------------------------------------------------


class TestKER101:
    def test_fires_on_every_tf_backend_line(self) -> None:
        loss = string_loss("binary_crossentropy", BCE)
        finding = single(check("KER101", site(output(10, SOFTMAX), loss)))
        # keras-semantics §2 (TF backend un-squashes activations, tf.keras >= 2.6, tf-keras, Keras 3 TF).
        assert finding.message == (
            "'binary_crossentropy' on a 10-unit softmax trains 10 separate sigmoids on tf.keras 2.6+ and Keras 3's TF backend"
        )
        assert finding.node is loss.report_node
        assert finding.severity is None  # the rule's: degraded
        # rules.md: categorical_crossentropy depends on the labels: unsafe; without label evidence both are named.
        assert_fix(finding.fix, safe=False, description=(
            "use categorical_crossentropy for one-hot labels (sparse_categorical_crossentropy for integer ids)"),
            node=loss.value_node)

    @pytest.mark.parametrize(
        ("lines", "where"),
        [
            ({L3}, "tf.keras 2.6-2.15"),
            ({L4}, "tf-keras"),
            ({L5}, "Keras 3's TF backend"),
            ({L1, L3, L5}, "tf.keras 2.6-2.15/Keras 3's TF backend"),
            ({L2, L4}, "tf-keras"),
        ],
    )
    def test_names_only_the_target_lines_where_it_is_true(self, lines, where) -> None:
        finding = single(check("KER101", site(output(3, SOFTMAX), string_loss("binary_crossentropy", BCE)), lines))
        assert finding.message == f"'binary_crossentropy' on a 3-unit softmax trains 3 separate sigmoids on {where}"

    def test_silent_on_keras_2_0_to_2_3(self) -> None:
        # keras-semantics §5 rule 1: BCE on a softmax trains as a valid if unusual loss on L1/L2.
        assert check("KER101", site(output(10, SOFTMAX), string_loss("binary_crossentropy", BCE)), {L1, L2}) == []

    def test_loss_object_gets_no_fix(self) -> None:
        loss = instance_loss("BinaryCrossentropy", BCE)
        finding = single(check("KER101", site(output(5, SOFTMAX), loss), {L5}))
        assert finding.message == "BinaryCrossentropy() on a 5-unit softmax trains 5 separate sigmoids on Keras 3's TF backend"
        assert finding.node is loss.report_node
        assert finding.fix is None

    def test_loss_function_gets_no_fix(self) -> None:
        loss = function_loss("binary_crossentropy", BCE)
        finding = single(check("KER101", site(output(4, SOFTMAX), loss), {L3}))
        assert finding.message == "binary_crossentropy on a 4-unit softmax trains 4 separate sigmoids on tf.keras 2.6-2.15"
        assert finding.fix is None

    def test_string_loss_held_elsewhere_than_a_plain_literal_gets_no_fix(self) -> None:
        loss = string_loss("binary_crossentropy", BCE, value_node=expr("LOSS"))
        assert single(check("KER101", site(output(10, SOFTMAX), loss))).fix is None

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, string_loss("binary_crossentropy", BCE)), id="output unknown"),
            pytest.param(site(output(10, SOFTMAX), None), id="loss unknown"),
            pytest.param(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="not BCE"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("BinaryFocalCrossentropy", BFCE)), id="focal BCE"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("BinaryCrossentropy", BCE, True, "from_logits=True")),
                         id="from_logits=True (KER104's)"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("BinaryCrossentropy", BCE, None, "**kw")),
                         id="from_logits unknown"),
            pytest.param(site(output(10, SIGMOID), string_loss("binary_crossentropy", BCE)), id="sigmoid"),
            pytest.param(site(output(10, None), string_loss("binary_crossentropy", BCE)), id="activation unknown"),
            pytest.param(site(output(None, SOFTMAX), string_loss("binary_crossentropy", BCE)), id="width unknown"),
            # keras-semantics §2 last row: a 2-unit softmax with BCE gives the numbers of CCE.
            pytest.param(site(output(2, SOFTMAX), string_loss("binary_crossentropy", BCE)), id="2-unit softmax"),
            # §3.4: a raw tf.nn.softmax records no logits: BCE reads the probabilities as given.
            pytest.param(site(output(10, SOFTMAX, origin=Origin.RAW), string_loss("binary_crossentropy", BCE)),
                         id="raw tf.nn.softmax"),
            pytest.param(site(output(10, SOFTMAX, origin=None), string_loss("binary_crossentropy", BCE)),
                         id="origin unknown"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER101", compile_site) == []


# --- KER102 categorical-crossentropy-on-single-unit -------------------------------------------------


class TestKER102:
    def test_loss_always_zero_on_tf_2_2_and_later(self) -> None:
        loss = string_loss("categorical_crossentropy", CCE)
        finding = single(check("KER102", site(output(1, SIGMOID), loss)))
        # keras-semantics §2 (CCE + Dense(1): loss == 0 on TF 2.2, tf-keras, Keras 3) and §5 rule 7.
        assert finding.message == "'categorical_crossentropy' on a 1-unit output: loss always 0 on TF>=2.2/Keras 3, nothing learned"
        assert finding.node is loss.report_node
        assert finding.severity == Severity.BROKEN
        assert finding.fix is None  # rules.md: binary_crossentropy also needs a sigmoid unit: not applied

    @pytest.mark.parametrize(("lines", "where"), [({L4}, "tf-keras"), ({L1, L3}, "TF 2.2-2.15"), ({L5}, "Keras 3")])
    def test_names_the_lines_where_the_loss_is_zero(self, lines, where) -> None:
        finding = single(check("KER102", site(output(1, SOFTMAX), instance_loss("SparseCategoricalCrossentropy", SCCE)), lines))
        assert finding.message == f"SparseCategoricalCrossentropy() on a 1-unit output: loss always 0 on {where}, nothing learned"
        assert finding.severity == Severity.BROKEN

    @pytest.mark.parametrize(("lines", "where"), [({L1, L2}, "Keras<=2.3/TF<=2.1"), ({L2}, "Keras 2.3/TF 2.0-2.1")])
    def test_fit_fails_on_keras_2_0_to_2_3(self, lines, where) -> None:
        # keras-semantics §2 and §4: ValueError at fit (check_loss_and_target_compatibility) on L1/L2.
        loss = string_loss("categorical_crossentropy", CCE)
        finding = single(check("KER102", site(output(1, LINEAR), loss), lines))
        assert finding.message == f"'categorical_crossentropy' on a 1-unit output: fit() fails on {where}"
        assert finding.severity == Severity.CRASH
        assert finding.node is loss.report_node

    def test_categorical_focal_crossentropy_too(self) -> None:
        finding = single(check("KER102", site(output(1, SIGMOID), string_loss("categorical_focal_crossentropy", CFCE)), {L3}))
        assert finding.message == (
            "'categorical_focal_crossentropy' on a 1-unit output: loss always 0 on TF 2.2-2.15, nothing learned"
        )

    def test_graph_mode_fails_at_fit(self) -> None:
        finding = single(check("KER102", site(output(1, SIGMOID), string_loss("categorical_crossentropy", CCE)), {L3},
                               graph_mode=True))
        assert "fit() fails" in finding.message
        assert finding.severity == Severity.CRASH

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, string_loss("categorical_crossentropy", CCE)), id="output unknown"),
            pytest.param(site(output(1, SIGMOID), None), id="loss unknown"),
            pytest.param(site(output(1, SIGMOID), string_loss("binary_crossentropy", BCE)), id="BCE"),
            pytest.param(site(output(2, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="2 units"),
            pytest.param(site(output(None, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="width unknown"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER102", compile_site) == []


# --- KER103 softmax-on-single-unit ----------------------------------------------------------------


class TestKER103:
    def test_fires_at_the_activation_with_a_safe_fix_under_bce(self) -> None:
        out = output(1, SOFTMAX)
        finding = single(check("KER103", site(out, string_loss("binary_crossentropy", BCE))))
        # keras-semantics §5 rule 6: output == 1.0 on every line.
        assert finding.message == "softmax on a 1-unit output always returns 1.0: the model cannot learn"
        assert finding.node is out.activation_node
        assert finding.severity is None
        assert_fix(finding.fix, safe=True, description="use a sigmoid", node=out.activation_value)

    @pytest.mark.parametrize("loss", [None, string_loss("categorical_crossentropy", CCE), string_loss("mse", REGRESSION)],
                             ids=["loss unknown", "CCE", "mse"])
    def test_no_fix_unless_the_loss_is_binary_crossentropy(self, loss) -> None:
        finding = single(check("KER103", site(output(1, SOFTMAX), loss)))
        assert finding.message == "softmax on a 1-unit output always returns 1.0: the model cannot learn"
        assert finding.fix is None

    def test_softmax_layer_is_reported_at_the_layer_without_a_fix(self) -> None:
        layer = expr("keras.layers.Softmax()")
        out = output(1, SOFTMAX, activation_node=layer, activation_value=None)
        finding = single(check("KER103", site(out, string_loss("binary_crossentropy", BCE))))
        assert finding.node is layer
        assert finding.fix is None  # no string to replace

    def test_without_an_activation_node_it_reports_the_compile_call(self) -> None:
        out = Output(1, SOFTMAX, "Dense", Origin.KERAS)
        compile_site = site(out, string_loss("binary_crossentropy", BCE))
        finding = single(check("KER103", compile_site))
        assert finding.node is compile_site.call
        assert finding.fix is None

    def test_true_on_every_line(self) -> None:
        for line in VersionLine:
            assert len(check("KER103", site(output(1, SOFTMAX), None), {line})) == 1

    @pytest.mark.parametrize(
        "out",
        [None, output(2, SOFTMAX), output(None, SOFTMAX), output(1, SIGMOID), output(1, None)],
        ids=["output unknown", "2 units", "width unknown", "sigmoid", "activation unknown"],
    )
    def test_silent(self, out) -> None:
        assert check("KER103", site(out, string_loss("binary_crossentropy", BCE))) == []


# --- KER104 from-logits-on-probabilities ----------------------------------------------------------


class TestKER104:
    @pytest.mark.parametrize(
        ("origin", "activation", "loss", "first"),
        [
            (Origin.KERAS, SOFTMAX, CCE, 6),  # keras.activations record _keras_logits from keras 2.6
            (Origin.SOFTMAX_LAYER, SOFTMAX, CCE, 10),  # backend.softmax: a Softmax op, read by _get_logits from 2.10
            (Origin.SOFTMAX_LAYER, SOFTMAX, BCE, 14),  # no Sigmoid op: only backend.softmax's _keras_logits (2.14)
            (Origin.RAW, SIGMOID, BCE, 10),  # tf.nn.sigmoid: a Sigmoid op
            (Origin.RAW, SOFTMAX, BCE, None),  # a Softmax op under binary crossentropy: never
            (None, SOFTMAX, CCE, None),  # who applied it unknown
        ],
    )
    def test_where_the_tf_backend_recovers_the_logits(self, origin, activation, loss, first) -> None:
        # keras/backend.py: _get_logits from v2.10.0 (absent up to v2.9.0); backend.softmax sets
        # _keras_logits from v2.14.0 (recall probe 7, case 06)
        assert first_recovery(origin, activation, loss) == first

    def test_softmax_layer_squashes_twice_until_tf_2_10(self) -> None:
        loss = instance_loss("CategoricalCrossentropy", CCE, True, "from_logits=True")
        finding = single(check("KER104", site(output(10, SOFTMAX, origin=Origin.SOFTMAX_LAYER), loss), {L3}))
        assert finding.message == (
            "from_logits=True on a softmax output squashes twice on TF 2.2-2.9 (undone, with a warning, on TF 2.10-2.15)"
        )

    def test_fires_with_an_unsafe_fix_on_a_loss_object(self) -> None:
        loss = instance_loss("CategoricalCrossentropy", CCE, True, "from_logits=True")
        finding = single(check("KER104", site(output(10, SOFTMAX), loss)))
        # keras-semantics §5 rule 10 / rules.md: L2-L5 (from_logits does not exist on L1); §2: the TF
        # backend recovers the logits from keras 2.6 on (with a warning), not in TF 2.2, not on JAX/torch.
        assert finding.message == (
            "from_logits=True on a softmax output squashes twice on Keras 2.3/TF 2.0-2.1, TF 2.2-2.5, "
            "Keras 3's JAX/torch backends (undone, with a warning, on TF 2.6+)"
        )
        assert finding.node is loss.report_node
        assert finding.severity is None  # degraded
        assert_fix(finding.fix, safe=False, description="drop from_logits (the output keeps its activation)",
                   node=loss.value_node)

    @pytest.mark.parametrize(
        ("lines", "apis", "minors", "where"),
        [
            ({L1, L2}, frozenset(), (2, 15), "squashes twice on Keras 2.3/TF 2.0-2.1"),
            ({L3}, frozenset(), (2, 5), "squashes twice on TF 2.2-2.5"),
            ({L3}, frozenset(), (4, 4), "squashes twice on TF 2.4"),
            ({L3}, frozenset(), (4, 9), "squashes twice on TF 2.4-2.5 (undone, with a warning, on TF 2.6-2.9)"),
            ({L5}, frozenset({API_KERAS}), (2, 15),
             "squashes twice on Keras 3's JAX/torch backends (undone, with a warning, on Keras 3's TF backend)"),
        ],
    )
    def test_where_the_activation_is_applied_twice(self, lines, apis, minors, where) -> None:
        loss = instance_loss("BinaryCrossentropy", BCE, True, "from_logits=True")
        context = RuleContext(frozenset(lines), False, apis, l3_minors=minors)
        finding = single(list(RULES_BY_CODE["KER104"].check(site(output(1, SIGMOID), loss), context)))
        assert finding.message == f"from_logits=True on a sigmoid output {where}"
        assert finding.severity is None  # degraded

    @pytest.mark.parametrize(
        ("lines", "apis", "minors", "where"),
        [
            ({L3}, frozenset(), (6, 15), "TF 2.6-2.15"),
            ({L4}, frozenset(), (2, 15), "tf-keras"),
            ({L5}, frozenset({API_TF}), (2, 15), "Keras 3's TF backend"),  # tf.keras is Keras 3 on TF there
        ],
    )
    def test_only_undone_is_a_style_finding(self, lines, apis, minors, where) -> None:
        loss = instance_loss("CategoricalCrossentropy", CCE, True, "from_logits=True")
        context = RuleContext(frozenset(lines), False, apis, l3_minors=minors)
        finding = single(list(RULES_BY_CODE["KER104"].check(site(output(10, SOFTMAX), loss), context)))
        assert finding.message == f"from_logits=True on a softmax output contradicts it: undone, with a warning, on {where}"
        assert finding.severity == Severity.STYLE

    def test_focal_losses_are_crossentropy_too(self) -> None:
        for name, kind in (("BinaryFocalCrossentropy", BFCE), ("CategoricalFocalCrossentropy", CFCE)):
            loss = instance_loss(name, kind, True, "from_logits=True")
            assert len(check("KER104", site(output(3, SOFTMAX), loss))) == 1

    def test_a_loss_that_is_not_an_object_gets_no_fix(self) -> None:
        # A string loss never has from_logits=True; the fact can still say so (e.g. a partial): no edit.
        loss = LossFact(SCCE, True, "loss_fn", MetricForm.FUNCTION, None, ALL_VERSION_LINES, expr("loss_fn"), None)
        assert single(check("KER104", site(output(10, SOFTMAX), loss))).fix is None

    def test_silent_on_keras_2_0_to_2_2(self) -> None:
        loss = instance_loss("CategoricalCrossentropy", CCE, True, "from_logits=True")
        assert check("KER104", site(output(10, SOFTMAX), loss), {L1}) == []

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, instance_loss("CategoricalCrossentropy", CCE, True)), id="output unknown"),
            pytest.param(site(output(10, SOFTMAX), None), id="loss unknown"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("Hinge", OTHER, True)), id="not a crossentropy"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("CategoricalCrossentropy", CCE, False)), id="from_logits=False"),
            pytest.param(site(output(10, SOFTMAX), instance_loss("CategoricalCrossentropy", CCE, None)), id="from_logits unknown"),
            pytest.param(site(output(10, LINEAR), instance_loss("CategoricalCrossentropy", CCE, True)), id="linear (correct)"),
            pytest.param(site(output(10, RELU), instance_loss("CategoricalCrossentropy", CCE, True)), id="relu"),
            pytest.param(site(output(10, None), instance_loss("CategoricalCrossentropy", CCE, True)), id="activation unknown"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER104", compile_site) == []


# --- KER105 probabilities-loss-on-logits ----------------------------------------------------------


class TestKER105:
    def test_categorical_on_a_linear_output_is_broken(self) -> None:
        loss = string_loss("categorical_crossentropy", CCE)
        finding = single(check("KER105", site(output(10, LINEAR), loss)))
        # keras-semantics §5 rule 8: 0.06-0.18 against 0.80, every line.
        assert finding.message == "'categorical_crossentropy' on a linear 10-unit output reads logits as probabilities"
        assert finding.node is loss.report_node
        assert finding.severity == Severity.BROKEN
        assert finding.fix is None  # a string must first become a loss object (rules.md)

    def test_binary_on_a_linear_output_is_degraded_and_an_object_gets_the_safe_fix(self) -> None:
        loss = instance_loss("BinaryCrossentropy", BCE)
        finding = single(check("KER105", site(output(1, LINEAR), loss)))
        # keras-semantics §5 rule 9: BCE with from_logits=False on a linear output: degraded.
        assert finding.message == "BinaryCrossentropy() on a linear 1-unit output reads logits as probabilities"
        assert finding.severity == Severity.DEGRADED
        assert_fix(finding.fix, safe=True, description="pass from_logits=True", node=loss.value_node)

    def test_binary_focal_is_degraded_too(self) -> None:
        finding = single(check("KER105", site(output(1, LINEAR), instance_loss("BinaryFocalCrossentropy", BFCE))))
        assert finding.severity == Severity.DEGRADED

    def test_sparse_object_with_unknown_width(self) -> None:
        loss = instance_loss("SparseCategoricalCrossentropy", SCCE)
        finding = single(check("KER105", site(output(None, LINEAR, layer="Conv2D"), loss)))
        assert finding.message == "SparseCategoricalCrossentropy() on a linear output reads logits as probabilities"
        assert finding.severity == Severity.BROKEN
        assert_fix(finding.fix, safe=True, description="pass from_logits=True", node=loss.value_node)

    def test_true_on_every_line(self) -> None:
        for line in VersionLine:
            assert len(check("KER105", site(output(10, LINEAR), string_loss("categorical_crossentropy", CCE)), {line})) == 1

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, string_loss("categorical_crossentropy", CCE)), id="output unknown"),
            pytest.param(site(output(10, LINEAR), None), id="loss unknown"),
            pytest.param(site(output(1, LINEAR), string_loss("mse", REGRESSION)), id="regression"),
            pytest.param(site(output(10, LINEAR), instance_loss("CategoricalCrossentropy", CCE, True)), id="from_logits=True"),
            pytest.param(site(output(10, LINEAR), instance_loss("CategoricalCrossentropy", CCE, None)), id="from_logits unknown"),
            pytest.param(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="softmax"),
            pytest.param(site(output(10, None), string_loss("categorical_crossentropy", CCE)), id="activation unknown"),
            pytest.param(site(output(10, LINEAR, layer=None), string_loss("categorical_crossentropy", CCE)), id="layer unknown"),
            pytest.param(site(output(10, LINEAR, layer="Lambda"), string_loss("categorical_crossentropy", CCE)),
                         id="not a Dense-like layer"),
            # KER102 reports the graver problem of the same loss.
            pytest.param(site(output(1, LINEAR), string_loss("categorical_crossentropy", CCE)), id="1 unit, CCE"),
            pytest.param(site(output(1, LINEAR), string_loss("sparse_categorical_crossentropy", SCCE)), id="1 unit, SCCE"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER105", compile_site) == []


# --- KER106 sigmoid-with-categorical-crossentropy -------------------------------------------------


class TestKER106:
    def test_fires_at_the_loss_with_a_safe_fix_on_the_activation(self) -> None:
        out, loss = output(5, SIGMOID), string_loss("categorical_crossentropy", CCE)
        finding = single(check("KER106", site(out, loss, labels=(label(ONE_HOT, 5),))))
        # keras-semantics §5 rule 12 (style on every line).
        assert finding.message == "'categorical_crossentropy' on a 5-unit sigmoid: outputs are not a class distribution"
        assert finding.node is loss.report_node
        assert finding.severity is None
        # Safe with single-label evidence only (issue 10, item 2; tests/test_label_facts.py has the rest).
        assert_fix(finding.fix, safe=True, description="use a softmax (one-hot labels: to_categorical(y, 10))",
                   node=out.activation_value)

    def test_two_units_is_enough(self) -> None:
        assert len(check("KER106", site(output(2, SIGMOID), instance_loss("CategoricalCrossentropy", CCE)), {L1})) == 1

    def test_no_fix_without_an_activation_string(self) -> None:
        out = output(5, SIGMOID, activation_node=expr("keras.activations.sigmoid"), activation_value=None)
        assert single(check("KER106", site(out, string_loss("categorical_crossentropy", CCE)))).fix is None

    def test_sparse_categorical_crossentropy_on_a_sigmoid(self) -> None:  # widened in issue 11
        assert len(check("KER106", site(output(5, SIGMOID), string_loss("sparse_categorical_crossentropy", SCCE)))) == 1

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, string_loss("categorical_crossentropy", CCE)), id="output unknown"),
            pytest.param(site(output(5, SIGMOID), None), id="loss unknown"),
            pytest.param(site(output(5, SIGMOID), string_loss("binary_crossentropy", BCE)), id="BCE (multi-label)"),
            pytest.param(site(output(5, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="softmax"),
            pytest.param(site(output(None, SIGMOID), string_loss("categorical_crossentropy", CCE)), id="width unknown"),
            pytest.param(site(output(1, SIGMOID), string_loss("categorical_crossentropy", CCE)), id="1 unit (KER102)"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER106", compile_site) == []


# --- KER201 ambiguous-accuracy --------------------------------------------------------------------


def bce() -> LossFact:
    return string_loss("binary_crossentropy", BCE)


class TestKER201:
    def test_softmax_inflated_on_keras_2_0_to_2_3_with_the_function_fix_where_2_0_to_2_2_may_run(self) -> None:
        metric = string_metric("accuracy")
        finding = single(check("KER201", site(output(10, SOFTMAX), bce(), (metric,))))
        # keras-semantics §1 (L1/L2 decide on the loss: binary_accuracy) and §2 (0.950 vs 0.787).
        assert finding.message == (
            "'accuracy' is binary_accuracy with 'binary_crossentropy' on Keras<=2.3/TF<=2.1: inflated for a 10-unit softmax"
        )
        assert finding.node is metric.report_node
        assert finding.severity is None  # wrong-number
        # Keras 2.0-2.2 has no metric classes: the function name, which renames the history key: unsafe.
        assert_fix(finding.fix, safe=False, description="use 'categorical_accuracy' (renames the history key)",
                   node=metric.value_node)

    def test_softmax_on_keras_2_3_gets_the_named_class_fix(self) -> None:
        metric = string_metric("acc")
        finding = single(check("KER201", site(output(3, SOFTMAX), bce(), (metric,)), {L2, L3}))
        assert finding.message == (
            "'acc' is binary_accuracy with 'binary_crossentropy' on Keras 2.3/TF 2.0-2.1: inflated for a 3-unit softmax"
        )
        assert_fix(finding.fix, safe=True, description="use CategoricalAccuracy()", node=metric.value_node)
        assert finding.fix.needs_import == ("metrics", "CategoricalAccuracy")

    def test_softmax_with_integer_ids_is_silent(self) -> None:
        # Integer ids against a 10-unit output fail fit()'s target-shape check on Keras<=2.3 (no accuracy
        # is ever reported) and TF>=2.2 picks sparse_categorical_accuracy: nothing is inflated.
        labels = (label(INTEGER, None, "map(int, ...)"),)
        assert check("KER201", site(output(10, SOFTMAX), bce(), (string_metric("accuracy"),), labels=labels)) == []

    def test_softmax_is_correct_from_tf_2_2_on(self) -> None:
        # keras-semantics §1: L3-L5 resolve from shapes: categorical_accuracy, correct for a softmax.
        assert check("KER201", site(output(10, SOFTMAX), bce(), (string_metric("accuracy"),)), {L3, L4, L5}) == []

    def test_graph_mode_resolves_metrics_as_keras_2_3(self) -> None:
        # keras-semantics §2: tf-keras 2.21 graph(v1) reports 0.930 against 0.675.
        metric = string_metric("accuracy")
        finding = single(check("KER201", site(output(10, SOFTMAX), bce(), (metric,)), {L3}, graph_mode=True))
        assert finding.message == (
            "'accuracy' is binary_accuracy with 'binary_crossentropy' on Keras 2.3/TF 2.0-2.1: inflated for a 10-unit softmax"
        )
        assert_fix(finding.fix, safe=True, description="use CategoricalAccuracy()", node=metric.value_node)

    def test_loss_object_spelling_is_shown(self) -> None:
        loss = instance_loss("BinaryCrossentropy", BCE)
        finding = single(check("KER201", site(output(10, SOFTMAX), loss, (string_metric("accuracy"),)), {L2}))
        assert finding.message == (
            "'accuracy' is binary_accuracy with BinaryCrossentropy() on Keras 2.3/TF 2.0-2.1: inflated for a 10-unit softmax"
        )

    def test_multi_hot_sigmoid_is_wrong_from_tf_2_2_on(self) -> None:
        metric = string_metric("accuracy")
        compile_site = site(output(6, SIGMOID), bce(), (metric,), labels=(label(MULTI_HOT, 6, "MultiLabelBinarizer"),))
        finding = single(check("KER201", compile_site, {L3, L4, L5}))
        # keras-semantics §1 and §6.10: categorical_accuracy, meaningless on multi-hot targets.
        assert finding.message == "'accuracy' is categorical_accuracy on TF>=2.2/Keras 3: wrong for multi-hot labels (MultiLabelBinarizer)"
        assert finding.node is metric.report_node
        assert_fix(finding.fix, safe=True, description="use BinaryAccuracy()", node=metric.value_node)
        assert finding.fix.needs_import == ("metrics", "BinaryAccuracy")

    def test_capitalised_strings_match_from_keras_2_6_on(self) -> None:
        # keras-semantics §3.3: L3-L5 lower-case the string; 'Accuracy' is the exact-match class on TF 2.2
        # (part of L3), so it counts as 'accuracy' on L4/L5 only.
        labels = (label(MULTI_HOT, 4, "MultiLabelBinarizer"),)
        upper = single(check("KER201", site(output(4, SIGMOID), bce(), (string_metric("ACC"),), labels=labels)))
        assert upper.message == "'ACC' is categorical_accuracy on TF>=2.2/Keras 3: wrong for multi-hot labels (MultiLabelBinarizer)"
        title = single(check("KER201", site(output(4, SIGMOID), bce(), (string_metric("Accuracy"),), labels=labels)))
        assert title.message == (
            "'Accuracy' is categorical_accuracy on tf-keras/Keras 3: wrong for multi-hot labels (MultiLabelBinarizer)"
        )

    def test_capitalised_acc_on_a_softmax_is_silent(self) -> None:
        # fixtures/README: L1/L2 do not resolve 'ACC' at all (KER305), L3-L5 give categorical accuracy.
        assert check("KER201", site(output(10, SOFTMAX), bce(), (string_metric("ACC"),))) == []

    def test_positional_metrics_argument_counts_only_on_the_lines_that_read_it_as_metrics(self) -> None:
        metric = string_metric("accuracy")
        argument = metrics_argument(metric, lines=ALL_VERSION_LINES - {L5}, position=2)
        compile_site = site(output(4, SIGMOID), bce(), [argument], labels=(label(MULTI_HOT, 4, "MultiLabelBinarizer"),))
        finding = single(check("KER201", compile_site))
        assert finding.message == (
            "'accuracy' is categorical_accuracy on TF 2.2-2.15/tf-keras: wrong for multi-hot labels (MultiLabelBinarizer)"
        )

    def test_each_metrics_argument_and_element_is_reported(self) -> None:
        first, second, third = string_metric("accuracy"), string_metric("acc"), string_metric("accuracy")
        arguments = [metrics_argument(first, second), metrics_argument(third, keyword="weighted_metrics")]
        findings = check("KER201", site(output(10, SOFTMAX), bce(), arguments), {L1})
        assert [finding.node for finding in findings] == [first.report_node, second.report_node, third.report_node]

    def test_string_held_in_a_constant_gets_no_fix(self) -> None:
        held = string_metric("accuracy", value_node=expr("'accuracy'"))
        assert single(check("KER201", site(output(10, SOFTMAX), bce(), (held,)), {L1})).fix is None
        assert single(check("KER201", site(output(10, SOFTMAX), bce(), (held,)), {L2})).fix is None

    def test_named_class_fix_keeps_the_history_key_accuracy(self) -> None:
        metric = string_metric("accuracy")
        finding = single(check("KER201", site(output(10, SOFTMAX), bce(), (metric,)), {L2}))
        assert applied(finding.fix, '"accuracy"') == 'CategoricalAccuracy(name="accuracy")'

    # keras-semantics §6.11: L2-L5 log a metric string under the name as written ('acc' -> acc, val_acc).
    @pytest.mark.parametrize("text", ["acc", "ACC", "Accuracy"])
    def test_named_class_fix_keeps_the_history_key_as_written(self, text: str) -> None:
        metric = string_metric(text)
        labels = (label(MULTI_HOT, 4, "MultiLabelBinarizer"),)
        finding = single(check("KER201", site(output(4, SIGMOID), bce(), (metric,), labels=labels), {L5}))
        assert finding.fix is not None and finding.fix.safe
        assert applied(finding.fix, f'"{text}"') == f'BinaryAccuracy(name="{text}")'

    def test_graph_mode_does_not_apply_to_keras_3(self) -> None:
        compile_site = site(output(10, SOFTMAX), bce(), (string_metric("accuracy"),))
        assert check("KER201", compile_site, {L5}, graph_mode=True) == []

    # rules.md KER201 and keras-semantics §6.10: a sigmoid output is not evidence of multi-label targets.
    def test_sigmoid_without_label_evidence_is_silent(self) -> None:
        assert check("KER201", site(output(6, SIGMOID), bce(), (string_metric("accuracy"),)), {L3, L4, L5}) == []

    # keras-semantics §6.10: with one-hot labels, categorical accuracy on L3-L5 is correct.
    def test_sigmoid_with_one_hot_labels_is_correct_from_tf_2_2_on(self) -> None:
        compile_site = site(output(6, SIGMOID), bce(), (string_metric("accuracy"),), labels=(label(ONE_HOT, 6),))
        assert check("KER201", compile_site, {L3, L4, L5}) == []

    # rules.md KER201 / issue 10 item 2: single-label evidence makes the sigmoid case the inflated binary_accuracy.
    def test_sigmoid_with_one_hot_labels_is_inflated_on_keras_2_0_to_2_3(self) -> None:
        compile_site = site(output(6, SIGMOID), bce(), (string_metric("accuracy"),), labels=(label(ONE_HOT, 6),))
        assert len(check("KER201", compile_site, {L1, L2})) == 1

    # Precision probe 7: two one-hot columns are complementary, binary accuracy is not inflated (as a 2-unit softmax).
    def test_two_unit_sigmoid_with_one_hot_labels_is_silent(self) -> None:
        compile_site = site(output(2, SIGMOID), bce(), (string_metric("accuracy"),), labels=(label(ONE_HOT, 2),))
        assert check("KER201", compile_site, {L1, L2}) == []
        assert len(check("KER201", replace(compile_site, output=output(3, SIGMOID)), {L1, L2})) == 1

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, bce(), (string_metric("accuracy"),)), id="output unknown"),
            pytest.param(site(output(10, SOFTMAX), None, (string_metric("accuracy"),)), id="loss unknown"),
            pytest.param(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE), (string_metric("accuracy"),)),
                         id="CCE"),
            pytest.param(site(output(None, SOFTMAX), bce(), (string_metric("accuracy"),)), id="width unknown"),
            # keras-semantics §2 last row: identical numbers on every line.
            pytest.param(site(output(2, SOFTMAX), bce(), (string_metric("accuracy"),)), id="2-unit softmax"),
            pytest.param(site(output(1, SIGMOID), bce(), (string_metric("accuracy"),)), id="1-unit sigmoid"),
            pytest.param(site(output(10, LINEAR), bce(), (string_metric("accuracy"),)), id="linear (KER204's)"),
            pytest.param(site(output(10, SOFTMAX), bce(), (string_metric("binary_accuracy"),)), id="named metric"),
            pytest.param(site(output(10, SOFTMAX), bce(), (instance_metric("Accuracy"),)), id="metric object"),
            pytest.param(site(output(10, SOFTMAX), bce(), [metrics_argument(string_metric("accuracy"), lines={L5}, position=3)]),
                         id="argument read on Keras 3 only"),
            pytest.param(site(output(10, SOFTMAX), bce(), ()), id="no metrics"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER201", compile_site) == []


# --- KER202 exact-match-accuracy ------------------------------------------------------------------


class TestKER202:
    def test_accuracy_object_on_a_softmax(self) -> None:
        metric = instance_metric("Accuracy")
        finding = single(check("KER202", site(output(10, SOFTMAX), None, (metric,))))
        # keras-semantics §2 and §3.3: exact equality, 0.000 on probabilities; no class on L1.
        assert finding.message == "Accuracy() on a 10-unit softmax output counts exact matches: ~0.0 on Keras>=2.3"
        assert finding.node is metric.report_node
        assert finding.severity is None
        # rules.md: the matching class depends on the labels: unsafe.
        assert_fix(finding.fix, safe=False, description="use CategoricalAccuracy", node=metric.value_node)

    def test_integer_ids_against_several_units_fail_the_shape_check(self) -> None:
        # tf_keras/metrics/accuracy_metrics.py accuracy(): y_true.shape.assert_is_compatible_with(y_pred.shape);
        # the ids, expanded to one column, meet 10 units: ValueError on TF 2.2-2.15/tf-keras (tensorflow #44674).
        metric = instance_metric("Accuracy")
        sparse = string_loss("sparse_categorical_crossentropy", SCCE)
        finding = single(check("KER202", site(output(10, LINEAR), sparse, (metric,)), {L3, L4, L5}))
        assert finding.message == ("Accuracy() on a 10-unit linear output counts exact matches: ValueError at fit() "
                                   "on TF 2.2-2.15/tf-keras (integer labels against several units), ~0.0 on Keras 3")
        assert finding.severity is Severity.CRASH
        # Keras 3 broadcasts the comparison: ~0.0, no error
        assert single(check("KER202", site(output(10, LINEAR), sparse, (metric,)), {L5})).severity is None
        # integer labels shown by the code, with a loss that is not sparse
        by_labels = site(output(10, SOFTMAX), None, (metric,), labels=(label(INTEGER, 10),))
        assert single(check("KER202", by_labels, {L3})).severity is Severity.CRASH

    def test_accuracy_object_on_a_sigmoid_gets_binary_accuracy(self) -> None:
        metric = instance_metric("Accuracy")
        finding = single(check("KER202", site(output(1, SIGMOID), None, (metric,)), {L5}))
        assert finding.message == "Accuracy() on a 1-unit sigmoid output counts exact matches: ~0.0 on Keras 3"
        assert_fix(finding.fix, safe=False, description="use BinaryAccuracy", node=metric.value_node)

    def test_linear_dense_output_fires_without_a_fix(self) -> None:
        finding = single(check("KER202", site(output(None, LINEAR, layer="Conv2D"), None, (instance_metric("Accuracy"),))))
        assert finding.message == "Accuracy() on a linear output counts exact matches: ~0.0 on Keras>=2.3"
        assert finding.fix is None

    def test_imported_class_name_gets_no_fix(self) -> None:
        metric = instance_metric("Accuracy", qualified=False)
        assert single(check("KER202", site(output(10, SOFTMAX), None, (metric,)))).fix is None

    def test_the_accuracy_function_is_exact_match_wherever_it_exists(self) -> None:
        # docs/notes.md (session 7), from Keras source at the release tags: the function
        # (and metrics.get('accuracy')) is cast(equal(y_true, y_pred)) on L2-L5; compile() resolves
        # strings only; Keras 2.0-2.2 have no such function.
        metric = function_metric("accuracy")
        finding = single(check("KER202", site(output(10, SOFTMAX), None, (metric,))))
        assert finding.message == "the accuracy function on a 10-unit softmax output counts exact matches: ~0.0 on Keras>=2.3"
        assert finding.fix is None
        assert check("KER202", site(output(10, SOFTMAX), None, (metric,)), {L1}) == []

    def test_the_acc_alias_only_where_it_exists(self) -> None:
        # TF 2.1 through tf-keras alias acc = accuracy; keras 2.3.1, TF 2.0 and Keras 3 raise at get('acc').
        metric = function_metric("acc")
        finding = single(check("KER202", site(output(10, SOFTMAX), None, (metric,))))
        assert finding.message == "the acc function on a 10-unit softmax output counts exact matches: ~0.0 on TF 2.2-2.15/tf-keras"
        assert check("KER202", site(output(10, SOFTMAX), None, (metric,)), {L2, L5}) == []

    def test_other_metric_functions_are_not_exact_match(self) -> None:
        assert check("KER202", site(output(10, SOFTMAX), None, (function_metric("categorical_accuracy"),))) == []

    def test_capitalised_string_on_keras_2_3_lines(self) -> None:
        metric = string_metric("Accuracy")
        finding = single(check("KER202", site(output(10, SOFTMAX), None, (metric,))))
        # keras-semantics §3.3: 'Accuracy' is the exact-match class on TF 2.1 (L2), TF 2.2 and graph mode.
        assert finding.message == "'Accuracy' on a 10-unit softmax output counts exact matches: ~0.0 on Keras 2.3/TF 2.0-2.1"
        assert finding.node is metric.report_node
        assert finding.fix is None

    def test_capitalised_string_in_graph_mode(self) -> None:
        finding = single(check("KER202", site(output(10, SOFTMAX), None, (string_metric("Accuracy"),)), {L3}, graph_mode=True))
        assert finding.message == "'Accuracy' on a 10-unit softmax output counts exact matches: ~0.0 on Keras 2.3/TF 2.0-2.1"

    def test_argument_lines_narrow_the_message(self) -> None:
        argument = metrics_argument(instance_metric("Accuracy"), lines={L5}, position=3)
        finding = single(check("KER202", site(output(10, SOFTMAX), None, [argument])))
        assert finding.message == "Accuracy() on a 10-unit softmax output counts exact matches: ~0.0 on Keras 3"

    @pytest.mark.parametrize(
        ("compile_site", "lines"),
        [
            pytest.param(site(None, None, (instance_metric("Accuracy"),)), ALL_VERSION_LINES, id="output unknown"),
            pytest.param(site(output(10, RELU), None, (instance_metric("Accuracy"),)), ALL_VERSION_LINES, id="relu"),
            pytest.param(site(output(10, None), None, (instance_metric("Accuracy"),)), ALL_VERSION_LINES, id="activation unknown"),
            pytest.param(site(output(10, LINEAR, layer=None), None, (instance_metric("Accuracy"),)), ALL_VERSION_LINES,
                         id="linear, layer unknown (could be argmax ids)"),
            pytest.param(site(output(10, LINEAR, layer="Lambda"), None, (instance_metric("Accuracy"),)), ALL_VERSION_LINES,
                         id="linear Lambda"),
            pytest.param(site(output(10, SOFTMAX), None, (instance_metric("Accuracy"),)), {L1}, id="no class on 2.0-2.2"),
            # keras-semantics §3.3: from keras 2.6 on (L3 late), L4 and L5 'Accuracy' is 'accuracy'.
            pytest.param(site(output(10, SOFTMAX), None, (string_metric("Accuracy"),)), {L3, L4, L5}, id="'Accuracy' on L3-L5"),
            pytest.param(site(output(10, SOFTMAX), None, (instance_metric("CategoricalAccuracy"),)), ALL_VERSION_LINES, id="other class"),
            pytest.param(site(output(10, SOFTMAX), None, (string_metric("accuracy"),)), ALL_VERSION_LINES, id="'accuracy'"),
        ],
    )
    def test_silent(self, compile_site: CompileSite, lines) -> None:
        assert check("KER202", compile_site, lines) == []


# --- KER203 accuracy-on-regression ----------------------------------------------------------------
#
# rules.md makes KER203 depend on evidence of continuous targets (keras-semantics §6.9): a label
# record of kind CONTINUOUS (issue 10, item 9); the message says what the accuracy resolves to.


def mse() -> LossFact:
    return string_loss("mse", REGRESSION)


SCALED = (label(CONTINUOUS, None, "MinMaxScaler().fit_transform"),)


class TestKER203:
    def test_accuracy_string_with_mse(self) -> None:
        metric = string_metric("accuracy")
        finding = single(check("KER203", site(output(1, LINEAR), mse(), (metric,), labels=SCALED)))
        assert finding.message == (
            "'accuracy' on continuous targets (MinMaxScaler().fit_transform): binary accuracy, ~0.0 on all versions")
        assert finding.node is metric.report_node
        assert finding.severity is None
        # rules.md: a regression metric is a choice: unsafe.
        assert_fix(finding.fix, safe=False, description="report mean absolute error instead", node=metric.value_node)

    def test_accuracy_function_strings_are_true_everywhere(self) -> None:
        metric = string_metric("categorical_accuracy")
        finding = single(check("KER203", site(output(2, RELU), mse(), (metric,), labels=SCALED), {L1}))
        assert finding.message == ("'categorical_accuracy' on continuous targets (MinMaxScaler().fit_transform): "
                                   "categorical accuracy, an argmax match of 2 units: meaningless on Keras 2.0-2.2")

    def test_capitalised_strings_follow_the_accuracy_resolution(self) -> None:
        finding = single(check("KER203", site(output(1, LINEAR), mse(), (string_metric("ACC"),), labels=SCALED)))
        assert finding.message == (
            "'ACC' on continuous targets (MinMaxScaler().fit_transform): binary accuracy, ~0.0 on TF>=2.2/Keras 3")

    def test_accuracy_class_objects_exist_from_keras_2_3(self) -> None:
        metric = instance_metric("SparseCategoricalAccuracy")
        loss = instance_loss("MeanSquaredError", REGRESSION)
        finding = single(check("KER203", site(output(1, LINEAR), loss, (metric,), labels=SCALED)))
        assert finding.message == (
            "SparseCategoricalAccuracy() on continuous targets (MinMaxScaler().fit_transform): meaningless on Keras>=2.3"
        )
        assert finding.node is metric.report_node
        assert finding.fix is None  # only a metric string is replaced

    def test_accuracy_object_on_an_output_that_is_not_a_score(self) -> None:
        # On a relu output Accuracy() is not KER202's (not a probability or logit): reported here.
        finding = single(check("KER203", site(output(1, RELU), mse(), (instance_metric("Accuracy"),), labels=SCALED), {L2}))
        assert finding.message == (
            "Accuracy() on continuous targets (MinMaxScaler().fit_transform): exact matches, ~0.0 on Keras 2.3/TF 2.0-2.1")

    def test_accuracy_function_object(self) -> None:
        metric = function_metric("categorical_accuracy")
        loss = function_loss("mean_squared_error", REGRESSION)
        finding = single(check("KER203", site(output(3, LINEAR), loss, (metric,), labels=SCALED)))
        assert finding.message == ("categorical_accuracy() on continuous targets (MinMaxScaler().fit_transform): "
                                   "categorical accuracy, an argmax match of 3 units: meaningless on all versions")
        assert finding.node is metric.report_node
        assert finding.fix is None

    # keras-semantics §6.5/§6.13: a categorical accuracy on a width-1 output always reports 1.0, whatever
    # the targets: not ~0.0, and KER206's finding (reported once).
    @pytest.mark.parametrize("metric", [function_metric("categorical_accuracy"), string_metric("categorical_accuracy"),
                                        instance_metric("CategoricalAccuracy")], ids=["function", "string", "object"])
    def test_categorical_accuracy_on_one_unit_is_not_claimed_zero(self, metric) -> None:
        assert check("KER203", site(output(1, LINEAR), mse(), (metric,), labels=SCALED)) == []

    def test_string_held_in_a_constant_gets_no_fix(self) -> None:
        held = string_metric("accuracy", value_node=expr("'accuracy'"))
        assert single(check("KER203", site(output(1, LINEAR), mse(), (held,), labels=SCALED))).fix is None

    def test_argument_and_target_lines_intersect(self) -> None:
        argument = metrics_argument(instance_metric("CategoricalAccuracy"), lines=ALL_VERSION_LINES - {L5}, position=2)
        finding = single(check("KER203", site(output(2, RELU), mse(), [argument], labels=SCALED), {L1, L2, L5}))
        assert finding.message == ("CategoricalAccuracy() on continuous targets (MinMaxScaler().fit_transform): "
                                   "categorical accuracy, an argmax match of 2 units: meaningless on Keras 2.3/TF 2.0-2.1")

    # rules.md KER203 and keras-semantics §6.9/§6.13: meaningful for 0/1 targets; silent without evidence.
    def test_silent_without_evidence_of_continuous_targets(self) -> None:
        assert check("KER203", site(output(1, LINEAR), mse(), (string_metric("accuracy"),))) == []

    # rules.md KER203: 'An explicit BinaryAccuracy() signals 0/1 targets' (silent).
    def test_explicit_binary_accuracy_signals_binary_targets(self) -> None:
        assert check("KER203", site(output(1, LINEAR), mse(), (instance_metric("BinaryAccuracy"),), labels=SCALED)) == []

    # keras-semantics §6.9: on an output of width >= 2 'accuracy' is categorical accuracy, not ~0.0.
    def test_multi_column_output_is_not_claimed_zero(self) -> None:
        finding = single(check("KER203", site(output(10, LINEAR), mse(), (string_metric("accuracy"),), labels=SCALED)))
        assert "~0.0" not in finding.message and "argmax match of 10 units" in finding.message

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, mse(), (string_metric("accuracy"),)), id="output unknown"),
            pytest.param(site(output(1, LINEAR), None, (string_metric("accuracy"),)), id="loss unknown"),
            pytest.param(site(output(1, LINEAR), string_loss("hinge", OTHER), (string_metric("accuracy"),)), id="not regression"),
            pytest.param(site(output(1, LINEAR), bce(), (string_metric("accuracy"),)), id="BCE"),
            pytest.param(site(output(1, None), mse(), (string_metric("accuracy"),)), id="activation unknown"),
            # rules.md hard negative: a softmax output trained with mse and 'accuracy'.
            pytest.param(site(output(10, SOFTMAX), mse(), (string_metric("accuracy"),)), id="softmax"),
            pytest.param(site(output(1, SIGMOID), mse(), (string_metric("accuracy"),)), id="sigmoid"),
            pytest.param(site(output(1, LINEAR, layer=None), mse(), (string_metric("accuracy"),)), id="layer unknown"),
            pytest.param(site(output(1, LINEAR), mse(), (string_metric("mae"),)), id="regression metric"),
            pytest.param(site(output(1, LINEAR), mse(), (instance_metric("AUC"),)), id="not an accuracy class"),
            pytest.param(site(output(1, LINEAR), mse(), (function_metric("mean_absolute_error"),)), id="regression function"),
            # Accuracy() on a linear Dense output is KER202's, reported once.
            pytest.param(site(output(1, LINEAR), mse(), (instance_metric("Accuracy"),)), id="Accuracy() on a score (KER202)"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER203", compile_site) == []

    def test_class_objects_silent_on_keras_2_0_to_2_2(self) -> None:
        compile_site = site(output(2, LINEAR), mse(), (instance_metric("CategoricalAccuracy"),), labels=SCALED)
        assert check("KER203", compile_site, {L1}) == []


# --- KER204 threshold-accuracy-on-logits ----------------------------------------------------------


def logits_bce() -> LossFact:
    return instance_loss("BinaryCrossentropy", BCE, True, "from_logits=True")


class TestKER204:
    def test_accuracy_string_on_a_1_unit_logit(self) -> None:
        metric = string_metric("accuracy")
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (metric,))))
        # keras-semantics §6.3: binary accuracy at 0.5 on every flavour; small off Keras 2.3.
        assert finding.message == "'accuracy' thresholds logits at 0.5 (from_logits=True): off by about a point on Keras>=2.3"
        assert finding.node is metric.report_node
        assert finding.severity is None
        assert_fix(finding.fix, safe=True, description="use BinaryAccuracy()", node=metric.value_node)
        assert finding.fix.needs_import == ("metrics", "BinaryAccuracy")

    def test_standalone_keras_2_3_is_off_by_a_wide_margin(self) -> None:
        # keras-semantics §2: Keras 2.3.1 rounds logits, 0.164 against 0.913.
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (string_metric("acc"),)), {L2}, apis=frozenset({API_KERAS})))
        assert finding.message == "'acc' thresholds logits at 0.5 (from_logits=True): off by a wide margin on Keras 2.3/TF 2.0-2.1"

    def test_wide_margin_is_not_claimed_for_every_line(self) -> None:
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (string_metric("acc"),)), apis=frozenset({API_KERAS})))
        assert "by a wide margin on Keras>=2.3" not in finding.message
        assert finding.message.endswith("off by a wide margin on Keras 2.3, by about a point on TF>=2.2/Keras 3")

    def test_tf_keras_2_1_is_off_by_about_a_point(self) -> None:
        # keras-semantics §2: TF 2.1 0.906 against 0.911.
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (string_metric("acc"),)), {L2}, apis=frozenset({API_TF})))
        assert finding.message == "'acc' thresholds logits at 0.5 (from_logits=True): off by about a point on Keras 2.3/TF 2.0-2.1"

    def test_binary_accuracy_string_on_a_wide_output(self) -> None:
        finding = single(check("KER204", site(output(4, LINEAR), logits_bce(), (string_metric("binary_accuracy"),)), {L3, L4}))
        assert finding.message == (
            "'binary_accuracy' thresholds logits at 0.5 (from_logits=True): off by about a point on TF 2.2-2.15/tf-keras"
        )

    def test_accuracy_string_on_a_wide_output_only_where_it_is_binary_accuracy(self) -> None:
        # keras-semantics §1: with BCE and width > 1 'accuracy' is binary_accuracy on L1/L2 only.
        finding = single(check("KER204", site(output(4, LINEAR), logits_bce(), (string_metric("accuracy"),))))
        assert finding.message == "'accuracy' thresholds logits at 0.5 (from_logits=True): off by about a point on Keras 2.3/TF 2.0-2.1"
        assert check("KER204", site(output(4, LINEAR), logits_bce(), (string_metric("accuracy"),)), {L3, L4, L5}) == []

    def test_binary_accuracy_object_at_the_default_threshold_gets_the_threshold_fix(self) -> None:
        metric = instance_metric("BinaryAccuracy")
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (metric,)), {L3}))
        assert finding.message == "BinaryAccuracy() thresholds logits at 0.5 (from_logits=True): off by about a point on TF 2.2-2.15"
        assert_fix(finding.fix, safe=True, description="set threshold=0.0", node=metric.value_node)

    def test_binary_accuracy_object_with_an_explicit_half_threshold(self) -> None:
        metric = instance_metric("BinaryAccuracy", "threshold=0.5", threshold=0.5)
        assert len(check("KER204", site(output(1, LINEAR), logits_bce(), (metric,)))) == 1

    def test_binary_accuracy_function_gets_no_fix(self) -> None:
        metric = function_metric("binary_accuracy")
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (metric,)), {L4}))
        assert finding.message == "binary_accuracy() thresholds logits at 0.5 (from_logits=True): off by about a point on tf-keras"
        assert finding.fix is None

    def test_string_held_in_a_constant_gets_no_fix(self) -> None:
        held = string_metric("accuracy", value_node=expr("'accuracy'"))
        assert single(check("KER204", site(output(1, LINEAR), logits_bce(), (held,)))).fix is None

    # rules.md KER204 and keras-semantics §6.3: BinaryAccuracy(threshold=0.0) raises ValueError on Keras
    # 3.0-3.4, so where Keras 3 may run the fix must be threshold=1e-7 or none (issue 10, item 9).
    def test_fix_does_not_set_threshold_zero_where_keras_3_may_run(self) -> None:
        finding = single(check("KER204", site(output(1, LINEAR), logits_bce(), (instance_metric("BinaryAccuracy"),)), {L5}))
        assert finding.fix is None or "threshold=0.0" not in applied(finding.fix, "keras.metrics.BinaryAccuracy()")

    @pytest.mark.parametrize(
        ("compile_site", "lines"),
        [
            pytest.param(site(None, logits_bce(), (string_metric("accuracy"),)), ALL_VERSION_LINES, id="output unknown"),
            pytest.param(site(output(1, LINEAR), None, (string_metric("accuracy"),)), ALL_VERSION_LINES, id="loss unknown"),
            pytest.param(site(output(1, LINEAR), instance_loss("CategoricalCrossentropy", CCE, True),
                              (string_metric("accuracy"),)), ALL_VERSION_LINES, id="not BCE"),
            pytest.param(site(output(1, LINEAR), instance_loss("BinaryCrossentropy", BCE, False),
                              (string_metric("accuracy"),)), ALL_VERSION_LINES, id="from_logits=False (KER105's)"),
            pytest.param(site(output(1, LINEAR), instance_loss("BinaryCrossentropy", BCE, None),
                              (string_metric("accuracy"),)), ALL_VERSION_LINES, id="from_logits unknown"),
            pytest.param(site(output(1, SIGMOID), logits_bce(), (string_metric("accuracy"),)), ALL_VERSION_LINES, id="sigmoid (KER104's)"),
            pytest.param(site(output(1, LINEAR, layer=None), logits_bce(), (string_metric("accuracy"),)), ALL_VERSION_LINES,
                         id="layer unknown"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (string_metric("accuracy"),)), {L1}, id="no from_logits on 2.0-2.2"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (instance_metric("BinaryAccuracy", "threshold=0.0", threshold=0.0),)),
                         ALL_VERSION_LINES, id="threshold=0.0"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (instance_metric("BinaryAccuracy", "threshold=t", known=False),)),
                         ALL_VERSION_LINES, id="threshold unknown"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (string_metric("AUC"),)), ALL_VERSION_LINES, id="other string"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (instance_metric("AUC"),)), ALL_VERSION_LINES, id="other object (KER205's)"),
            pytest.param(site(output(1, LINEAR), logits_bce(), (function_metric("categorical_accuracy"),)), ALL_VERSION_LINES,
                         id="other function"),
            pytest.param(site(output(1, LINEAR), logits_bce(), [metrics_argument(string_metric("accuracy"), lines={L5}, position=3)]),
                         {L2}, id="argument not read as metrics on the target"),
        ],
    )
    def test_silent(self, compile_site: CompileSite, lines) -> None:
        assert check("KER204", compile_site, lines) == []


# --- KER301 sparse-loss-with-one-hot-labels -------------------------------------------------------


def scce() -> LossFact:
    return string_loss("sparse_categorical_crossentropy", SCCE)


class TestKER301:
    def test_fires_once_at_the_loss_naming_the_first_one_hot_origin(self) -> None:
        loss = scce()
        labels = (label(INTEGER, None, "LabelEncoder"), label(ONE_HOT, 10, "to_categorical(y, 10)"), label(ONE_HOT, None, "pd.get_dummies"))
        finding = single(check("KER301", site(output(10, SOFTMAX), loss, labels=labels)))
        # keras-semantics §2: SCCE with one-hot labels fails on every line.
        assert finding.message == "'sparse_categorical_crossentropy' with one-hot labels (to_categorical(y, 10)): fit() fails"
        assert finding.node is loss.report_node
        assert finding.severity is None  # crash
        assert finding.fix is None  # rules.md: unsafe, not applied

    def test_output_is_not_needed(self) -> None:
        loss = instance_loss("SparseCategoricalCrossentropy", SCCE)
        finding = single(check("KER301", site(None, loss, labels=(label(ONE_HOT, None, "pd.get_dummies"),)), {L1}))
        assert finding.message == "SparseCategoricalCrossentropy() with one-hot labels (pd.get_dummies): fit() fails"

    def test_label_binarizer_is_one_hot_when_the_output_has_three_or_more_units(self) -> None:
        binarizer = label(ONE_HOT, None, "LabelBinarizer", one_column_for_two_classes=True)
        finding = single(check("KER301", site(output(3, SOFTMAX), scce(), labels=(binarizer,))))
        assert finding.message == "'sparse_categorical_crossentropy' with one-hot labels (LabelBinarizer): fit() fails"

    @pytest.mark.parametrize("out", [None, output(None, SOFTMAX), output(2, SOFTMAX), output(1, SIGMOID)],
                             ids=["output unknown", "width unknown", "2 units", "1 unit"])
    def test_label_binarizer_may_give_one_integer_column(self, out) -> None:
        # Two classes: one 0/1 column, which is a valid sparse label.
        binarizer = label(ONE_HOT, None, "LabelBinarizer", one_column_for_two_classes=True)
        assert check("KER301", site(out, scce(), labels=(binarizer,))) == []

    def test_a_later_one_hot_label_is_reported_when_the_binarizer_is_skipped(self) -> None:
        binarizer = label(ONE_HOT, None, "LabelBinarizer", one_column_for_two_classes=True)
        finding = single(check("KER301", site(output(2, SOFTMAX), scce(), labels=(binarizer, label(ONE_HOT, 2, "np.eye(n)[y]")))))
        assert finding.message == "'sparse_categorical_crossentropy' with one-hot labels (np.eye(n)[y]): fit() fails"

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(output(10, SOFTMAX), None, labels=(label(ONE_HOT, 10),)), id="loss unknown"),
            pytest.param(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE), labels=(label(ONE_HOT, 10),)),
                         id="CCE"),
            pytest.param(site(output(10, SOFTMAX), scce()), id="labels unknown"),
            pytest.param(site(output(10, SOFTMAX), scce(), labels=(label(INTEGER, 10, "LabelEncoder"),)), id="integer labels"),
            pytest.param(site(output(1, SIGMOID), scce(), labels=(label(BINARY, None, "class_mode='binary'"),)), id="binary"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER301", compile_site) == []


# --- KER302 categorical-loss-with-integer-labels --------------------------------------------------


class TestKER302:
    def test_fires_once_at_the_loss_naming_the_first_integer_origin(self) -> None:
        loss = string_loss("categorical_crossentropy", CCE)
        labels = (label(ONE_HOT, 5), label(INTEGER, None, "np.argmax(..., axis=1)"), label(INTEGER, 5, "LabelEncoder"))
        finding = single(check("KER302", site(output(5, SOFTMAX), loss, labels=labels)))
        # keras-semantics §2: CCE with int labels fails on every line.
        assert finding.message == "'categorical_crossentropy' with integer labels (np.argmax(..., axis=1)): fit() fails"
        assert finding.node is loss.report_node
        assert finding.severity is None
        assert finding.fix is None

    def test_categorical_focal_and_unknown_output(self) -> None:
        loss = instance_loss("CategoricalFocalCrossentropy", CFCE)
        finding = single(check("KER302", site(None, loss, labels=(label(INTEGER, None, "label_mode='int'"),))))
        assert finding.message == "CategoricalFocalCrossentropy() with integer labels (label_mode='int'): fit() fails"

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(output(5, SOFTMAX), None, labels=(label(INTEGER),)), id="loss unknown"),
            pytest.param(site(output(5, SOFTMAX), scce(), labels=(label(INTEGER),)), id="sparse loss (correct)"),
            pytest.param(site(output(5, SOFTMAX), bce(), labels=(label(INTEGER),)), id="BCE"),
            pytest.param(site(output(1, SIGMOID), string_loss("categorical_crossentropy", CCE), labels=(label(INTEGER),)),
                         id="1 unit (KER102's)"),
            pytest.param(site(output(5, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="labels unknown"),
            pytest.param(site(output(5, SOFTMAX), string_loss("categorical_crossentropy", CCE), labels=(label(ONE_HOT, 5),)),
                         id="one-hot (correct)"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER302", compile_site) == []


# --- KER303 output-width-mismatch -----------------------------------------------------------------


class TestKER303:
    def test_one_hot_classes_differ_reported_at_the_width(self) -> None:
        width = expr("10")
        out = output(10, SOFTMAX, width_node=width)
        finding = single(check("KER303", site(out, None, labels=(label(ONE_HOT, 7, "to_categorical(y, 7)"),))))
        assert finding.message == "output has 10 units but the labels have 7 classes (to_categorical(y, 7)): fit() fails"
        assert finding.node is width
        assert finding.severity is None  # crash
        assert finding.fix is None

    def test_without_a_width_node_it_reports_the_activation_then_the_call(self) -> None:
        out = output(10, SOFTMAX)
        assert single(check("KER303", site(out, None, labels=(label(ONE_HOT, 7),)))).node is out.activation_node
        bare = Output(10, SOFTMAX, "Dense", Origin.KERAS)
        compile_site = site(bare, None, labels=(label(ONE_HOT, 7),))
        assert single(check("KER303", compile_site)).node is compile_site.call

    def test_more_integer_classes_than_units(self) -> None:
        finding = single(check("KER303", site(output(3, SOFTMAX), None, labels=(label(INTEGER, 5, "LabelEncoder"),))))
        assert finding.message == (
            "output has 3 units but the labels have 5 classes (LabelEncoder): ids out of range, fit() fails or gives NaN")

    def test_reports_the_first_mismatch_only(self) -> None:
        labels = (label(ONE_HOT, 10), label(ONE_HOT, 4, "np.eye(n)[y]"), label(ONE_HOT, 3, "OneHotEncoder"))
        finding = single(check("KER303", site(output(10, SOFTMAX), None, labels=labels)))
        assert finding.message == "output has 10 units but the labels have 4 classes (np.eye(n)[y]): fit() fails"

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, None, labels=(label(ONE_HOT, 7),)), id="output unknown"),
            pytest.param(site(output(None, SOFTMAX), None, labels=(label(ONE_HOT, 7),)), id="width unknown"),
            pytest.param(site(output(10, SOFTMAX), None), id="labels unknown"),
            pytest.param(site(output(10, SOFTMAX), None, labels=(label(ONE_HOT, 10),)), id="same width"),
            pytest.param(site(output(10, SOFTMAX), None, labels=(label(ONE_HOT, None, "pd.get_dummies"),)), id="classes unknown"),
            pytest.param(site(output(7, SIGMOID), None, labels=(label(MULTI_HOT, 7, "MultiLabelBinarizer"),)), id="multi-hot"),
            pytest.param(site(output(1, SIGMOID), None, labels=(label(BINARY, 2, "class_mode='binary'"),)), id="binary"),
            # Fewer integer classes than units trains (wastefully) without error.
            pytest.param(site(output(10, SOFTMAX), None, labels=(label(INTEGER, 7, "LabelEncoder"),)), id="fewer integer classes"),
        ],
    )
    def test_silent(self, compile_site: CompileSite) -> None:
        assert check("KER303", compile_site) == []


# --- KER304 positional-metrics --------------------------------------------------------------------


def positional_site(count: int, *metrics: MetricFact, bare: MetricFact | None = None,
                    single_object: MetricFact | None = None) -> CompileSite:
    nodes = tuple(expr(source) for source in ('"adam"', '"categorical_crossentropy"', '["accuracy"]', "[1.0]")[:count])
    arguments = []
    if count > 2:
        arguments.append(MetricsArgument("metrics", frozenset(ALL_VERSION_LINES - {L5}), tuple(metrics), bare, nodes[2], 2,
                                         single_object))
    if count > 3:
        arguments.append(MetricsArgument("metrics", frozenset({L5}), (), None, nodes[3], 3))
    return site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE), arguments, positional=nodes)


class TestKER304:
    MESSAGE = "third positional compile() argument is loss_weights on Keras 3, not metrics: fails at fit()"

    def test_fires_at_the_argument_with_the_keyword_fix(self) -> None:
        compile_site = positional_site(3, string_metric("accuracy"))
        finding = single(check("KER304", compile_site))
        # keras-semantics §3.5: Keras 3's third positional parameter is loss_weights.
        assert finding.message == self.MESSAGE
        assert finding.node is compile_site.positional[2]
        assert finding.severity is None  # crash
        assert_fix(finding.fix, safe=True, description="pass metrics= by keyword", node=compile_site.positional[2])
        assert finding.fix.argument

    def test_four_positional_arguments_get_no_fix(self) -> None:
        compile_site = positional_site(4, string_metric("accuracy"))
        finding = single(check("KER304", compile_site, {L5}))
        assert finding.node is compile_site.positional[2]
        assert finding.fix is None  # metrics= by keyword would then precede a positional argument

    def test_a_bare_string_or_one_metric_object_is_visibly_a_metric(self) -> None:
        bare = string_metric("accuracy")
        assert len(check("KER304", positional_site(3, bare, bare=bare))) == 1
        assert len(check("KER304", positional_site(3, single_object=instance_metric("AUC")))) == 1

    @pytest.mark.parametrize(
        ("compile_site", "lines"),
        [
            pytest.param(positional_site(2), ALL_VERSION_LINES, id="two positional arguments"),
            pytest.param(positional_site(3, string_metric("accuracy")), {L1, L2, L3, L4}, id="Keras 2 reads metrics"),
            pytest.param(positional_site(3), ALL_VERSION_LINES, id="nothing visibly a metric"),
            pytest.param(site(output(10, SOFTMAX), None, [metrics_argument(string_metric("accuracy"))],
                              positional=(expr('"adam"'), expr('"mse"'), expr("weights"))),
                         ALL_VERSION_LINES, id="metrics by keyword"),
        ],
    )
    def test_silent(self, compile_site: CompileSite, lines) -> None:
        assert check("KER304", compile_site, lines) == []


# --- KER305 unknown-identifier --------------------------------------------------------------------


def keyword(name: str) -> ast.keyword:
    call = expr(f"model.compile({name}=None)")
    assert isinstance(call, ast.Call)
    return call.keywords[0]


class TestKER305FlatMetricsOnSeveralOutputs:
    # keras-semantics §6.1: Keras 3 reads a flat list one entry per output and raises at the first
    # fit() when the lengths differ; tf.keras and tf-keras apply every entry to every output.
    def unmatched_site(self) -> CompileSite:
        node = expr('["accuracy"]')
        return replace(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE)),
                       unmatched_metrics=(UnmatchedMetrics("metrics", 1, 2, node),))

    def test_fires_when_keras_3_may_run(self) -> None:
        compile_site = self.unmatched_site()
        finding = single(check("KER305", compile_site, {L3, L5}))
        assert finding.node is compile_site.unmatched_metrics[0].node
        assert finding.message == ("metrics= has 1 entry for 2 outputs: Keras 3 reads one entry per output and raises "
                                   "ValueError at the first fit() (give one list per output)")
        assert finding.severity is None and finding.fix is None  # the rule's: crash

    def test_silent_where_every_entry_applies_to_every_output(self) -> None:
        assert check("KER305", self.unmatched_site(), {L3, L4}) == []


class TestKER305Losses:
    def test_loss_missing_on_keras_3_with_the_spelling_that_exists_there(self) -> None:
        loss = string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4}))
        finding = single(check("KER305", site(output(1, LINEAR), loss)))
        assert finding.node is loss.report_node
        assert finding.severity is None  # crash
        assert_fix(finding.fix, safe=True, description="use 'log_cosh'", node=loss.value_node)
        assert finding.message.startswith("loss 'logcosh' does not exist on Keras 3: ")
        assert finding.message.endswith(" (use 'log_cosh')")

    @pytest.mark.parametrize(
        ("loss", "lines"),
        [
            (string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4})), {L5}),
            (string_loss("crossentropy", OTHER, valid_on=frozenset({L5})), {L4}),
            (string_loss("huber_loss", REGRESSION, valid_on=frozenset({L2, L3, L4})), {L5}),
        ],
        ids=["logcosh on Keras 3", "crossentropy on tf-keras", "huber_loss on Keras 3"],
    )
    def test_loss_message_names_fit_from_tf_2_2_on(self, loss, lines) -> None:
        finding = single(check("KER305", site(output(1, LINEAR), loss), lines))
        assert "fit()" in finding.message and "compile()" not in finding.message

    def test_loss_missing_on_keras_2_0_to_2_2(self) -> None:
        # keras-semantics §3.1: huber exists from TF 2.2 on; the older spelling is huber_loss (2.3 on).
        loss = string_loss("huber", REGRESSION, valid_on=frozenset({L3, L4, L5}))
        finding = single(check("KER305", site(output(1, LINEAR), loss), {L1}))
        assert finding.message == "loss 'huber' does not exist on Keras 2.0-2.2: fails at compile() (use 'huber_loss')"
        assert_fix(finding.fix, safe=True, description="use 'huber_loss'", node=loss.value_node)

    def test_a_two_word_suggestion_is_neither_hint_nor_fix(self) -> None:
        loss = string_loss("crossentropy", OTHER, valid_on=frozenset({L5}))
        finding = single(check("KER305", site(None, loss), {L3, L4}))
        assert finding.message.startswith("loss 'crossentropy' does not exist on tf-keras: ")
        assert "(use" not in finding.message
        assert finding.fix is None

    def test_no_suggestion(self) -> None:
        loss = string_loss("binary_focal_crossentropy", BFCE, valid_on=frozenset({L3, L4, L5}))
        finding = single(check("KER305", site(None, loss), {L2}))
        assert finding.message == "loss 'binary_focal_crossentropy' does not exist on Keras 2.3/TF 2.0-2.1: fails at compile()"
        assert finding.fix is None

    def test_spelling_no_version_accepts(self) -> None:
        loss = string_loss("cce", CCE, valid_on=frozenset())
        for line in VersionLine:
            finding = single(check("KER305", site(None, loss), {line}))
            assert finding.message.startswith(f"loss 'cce' does not exist on {line.label}: ")
            assert finding.message.endswith(" (use 'categorical_crossentropy')")

    def test_string_held_in_a_constant_keeps_the_fix_on_the_literal(self) -> None:
        literal = expr("'logcosh'")
        loss = string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4}), node=expr("LOSS"), value_node=literal)
        finding = single(check("KER305", site(None, loss)))
        assert finding.node is loss.report_node
        assert_fix(finding.fix, safe=True, description="use 'log_cosh'", node=literal)

    @pytest.mark.parametrize(
        ("loss", "lines"),
        [
            pytest.param(string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4})), {L1, L4}, id="exists on the newest"),
            # An unknown target is checked against the newest line only (rule docstring).
            pytest.param(string_loss("huber", REGRESSION, valid_on=frozenset({L3, L4, L5})), ALL_VERSION_LINES, id="newest is Keras 3"),
            pytest.param(string_loss("my_loss", None, valid_on=frozenset()), ALL_VERSION_LINES, id="not a Keras spelling (unknown)"),
            pytest.param(instance_loss("Huber", REGRESSION), {L1}, id="a loss object"),
            pytest.param(None, ALL_VERSION_LINES, id="loss unknown"),
        ],
    )
    def test_silent(self, loss, lines) -> None:
        assert check("KER305", site(None, loss), lines) == []


class TestKER305Metrics:
    def test_bare_string_metrics_on_keras_3(self) -> None:
        bare = string_metric("accuracy")
        compile_site = site(None, None, [metrics_argument(bare, bare_string=bare)])
        finding = single(check("KER305", compile_site))
        # keras-semantics §6.1: ValueError at compile() on Keras 3 only.
        assert finding.message == "metrics='accuracy' is not a list: Keras 3 rejects it at compile()"
        assert finding.node is bare.report_node
        assert_fix(finding.fix, safe=True, description="wrap in a list", node=bare.value_node)

    def test_bare_string_is_reported_once_even_when_also_misspelled(self) -> None:
        bare = string_metric("rmse")
        findings = check("KER305", site(None, None, [metrics_argument(bare, bare_string=bare)]))
        assert [finding.message for finding in findings] == ["metrics='rmse' is not a list: Keras 3 rejects it at compile()"]

    def test_bare_string_accepted_before_keras_3(self) -> None:
        bare = string_metric("accuracy")
        assert check("KER305", site(None, None, [metrics_argument(bare, bare_string=bare)]), {L4}) == []

    def test_metric_string_missing_on_tf_keras(self) -> None:
        metric = string_metric("auc")
        finding = single(check("KER305", site(None, None, (metric,)), {L4}))
        # keras-semantics §3.3: snake_case class names are Keras 3 only.
        assert finding.message == "metric 'auc' does not exist on tf-keras (use 'AUC')"
        assert finding.node is metric.report_node
        assert finding.fix is None

    @pytest.mark.parametrize("text", ["auc", "precision", "recall"])
    def test_suggestion_exists_on_keras_2_0_to_2_2(self, text: str) -> None:
        finding = single(check("KER305", site(None, None, (string_metric(text),)), {L1}))
        assert f"(use '{text.upper() if text == 'auc' else text.capitalize()}')" not in finding.message

    def test_metric_string_missing_on_keras_3(self) -> None:
        finding = single(check("KER305", site(None, None, (string_metric("rmse"),))))
        assert finding.message == "metric 'rmse' does not exist on Keras 3 (use keras.metrics.RootMeanSquaredError())"

    def test_case_variant_of_accuracy_on_keras_2_0_to_2_3(self) -> None:
        metric = string_metric("ACC")
        finding = single(check("KER305", site(None, None, (metric,)), {L2}))
        # keras-semantics §1 / §3.3: L1/L2 match 'accuracy' / 'acc' exactly.
        assert finding.message == "metric 'ACC' is matched exactly on Keras 2.3/TF 2.0-2.1: fails at compile() (use 'accuracy')"
        assert finding.node is metric.report_node
        assert_fix(finding.fix, safe=True, description="use 'accuracy'", node=metric.value_node)

    def test_case_variant_held_in_a_constant_gets_no_fix(self) -> None:
        held = string_metric("Acc", value_node=expr("'Acc'"))
        finding = single(check("KER305", site(None, None, (held,)), {L1}))
        assert finding.message == "metric 'Acc' is matched exactly on Keras 2.0-2.2: fails at compile() (use 'accuracy')"
        assert finding.fix is None

    def test_each_argument_is_checked(self) -> None:
        first, second = string_metric("precision"), string_metric("recall")
        arguments = [metrics_argument(first), metrics_argument(second, keyword="weighted_metrics")]
        findings = check("KER305", site(None, None, arguments), {L3})
        assert [finding.node for finding in findings] == [first.report_node, second.report_node]

    @pytest.mark.parametrize(
        ("metrics", "lines"),
        [
            pytest.param((string_metric("auc"),), ALL_VERSION_LINES, id="'auc' exists on Keras 3"),
            pytest.param((string_metric("ACC"),), {L1, L3}, id="'ACC' matched on TF 2.6+"),
            # 'Accuracy' is KER202's on L2 and an error on 2.2.4 (keras-semantics §3.3): not this rule.
            pytest.param((string_metric("Accuracy"),), {L1}, id="'Accuracy'"),
            pytest.param((instance_metric("AUC"),), {L1}, id="metric object"),
            pytest.param((string_metric("mae"),), ALL_VERSION_LINES, id="valid string"),
            pytest.param([metrics_argument(string_metric("auc"), lines={L5}, position=3)], {L4},
                         id="argument not read as metrics on the newest line"),
        ],
    )
    def test_silent(self, metrics, lines) -> None:
        assert check("KER305", site(None, None, metrics), lines) == []


class TestKER305Activations:
    def test_activation_missing_on_the_newest_line(self) -> None:
        node = expr("'gelu'")
        finding = single(check("KER305", site(None, None, layer_activations=(LayerActivation("gelu", node),)), {L1, L2}))
        assert finding.message == "activation 'gelu' does not exist on Keras 2.3/TF 2.0-2.1: fails when the layer is built"
        assert finding.node is node
        assert finding.fix is None

    def test_wrong_case_fires_with_a_safe_fix(self) -> None:
        node = expr("'SOFTMAX'")
        finding = single(check("KER305", site(None, None, layer_activations=(LayerActivation("SOFTMAX", node),))))
        # keras-semantics §3.4: 'SOFTMAX' is rejected everywhere.
        assert finding.message == "activation 'SOFTMAX' is case-sensitive: no Keras version accepts it (use 'softmax')"
        assert finding.node is node
        assert_fix(finding.fix, safe=True, description="use 'softmax'", node=node)

    def test_capitalised_softmax_is_the_layer_on_tf_keras(self) -> None:
        # keras-semantics §3.4: L4 accepts 'Softmax' (the Softmax layer).
        activations = (LayerActivation("Softmax", expr("'Softmax'")),)
        assert check("KER305", site(None, None, layer_activations=activations), {L3, L4}) == []
        # Elsewhere it fails; the message's "no Keras version accepts it" overclaims for this one spelling
        # (tf-keras does), which the report lists.
        assert len(check("KER305", site(None, None, layer_activations=activations), {L5})) == 1

    def test_capitalised_softmax_message_does_not_deny_tf_keras(self) -> None:
        activations = (LayerActivation("Softmax", expr("'Softmax'")),)
        finding = single(check("KER305", site(None, None, layer_activations=activations), {L5}))
        assert "no Keras version accepts it" not in finding.message

    @pytest.mark.parametrize(
        ("text", "lines"),
        [("gelu", {L4}), ("softmax", {L1}), ("hard_silu", {L5}), ("my_activation", ALL_VERSION_LINES)],
        ids=["exists on the newest", "core", "Keras 3 only, newest Keras 3", "unknown spelling"],
    )
    def test_silent(self, text, lines) -> None:
        activations = (LayerActivation(text, expr(repr(text))),)
        assert check("KER305", site(None, None, layer_activations=activations), lines) == []


class TestKER305Keywords:
    def test_keyword_keras_3_does_not_have(self) -> None:
        node = keyword("sample_weight_mode")
        finding = single(check("KER305", site(None, None, keywords=(("sample_weight_mode", node),))))
        # keras-semantics §3.5: Keras 3's compile() has no **kwargs: TypeError.
        assert finding.message == "compile() has no sample_weight_mode= on Keras 3: TypeError at compile()"
        assert finding.node is node
        assert finding.fix is None

    @pytest.mark.parametrize(
        ("compile_site", "lines"),
        [
            pytest.param(site(None, None, keywords=(("sample_weight_mode", keyword("sample_weight_mode")),)), {L4},
                         id="Keras 2 accepts it"),
            pytest.param(site(None, None, keywords=(("sample_weight_mode", keyword("sample_weight_mode")),), double_star=True),
                         ALL_VERSION_LINES, id="**kwargs: other keywords may be present"),
            pytest.param(site(None, None, keywords=(("jit_compile", keyword("jit_compile")),)), {L5}, id="a Keras 3 keyword"),
        ],
    )
    def test_silent(self, compile_site: CompileSite, lines) -> None:
        assert check("KER305", compile_site, lines) == []

    def test_double_star_still_checks_strings(self) -> None:
        loss = string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4}))
        compile_site = site(None, loss, keywords=(("sample_weight_mode", keyword("sample_weight_mode")),), double_star=True)
        assert [finding.node for finding in check("KER305", compile_site)] == [loss.report_node]


class TestKER305CustomObjects:
    """A file that registers custom objects may give any spelling a meaning: only what no registry
    changes is still reported (a bare-string metrics= and compile() keywords on Keras 3)."""

    def test_spellings_are_not_reported(self) -> None:
        compile_site = site(
            None,
            string_loss("logcosh", REGRESSION, valid_on=frozenset({L1, L2, L3, L4})),
            (string_metric("rmse"), string_metric("ACC")),
            layer_activations=(LayerActivation("SOFTMAX", expr("'SOFTMAX'")), LayerActivation("gelu", expr("'gelu'"))),
        )
        assert check("KER305", compile_site, custom_objects=True) == []
        assert check("KER305", compile_site, {L1}, custom_objects=True) == []
        # Without a registry: on Keras 3 the loss, 'rmse' and 'SOFTMAX'; on Keras 2.0-2.2 'ACC', 'SOFTMAX' and 'gelu'.
        assert len(check("KER305", compile_site)) == 3
        assert len(check("KER305", compile_site, {L1})) == 3

    def test_bare_string_metrics_and_keywords_still_fail_on_keras_3(self) -> None:
        bare = string_metric("accuracy")
        node = keyword("target_tensors")
        compile_site = site(None, None, [metrics_argument(bare, bare_string=bare)], keywords=(("target_tensors", node),))
        findings = check("KER305", compile_site, custom_objects=True)
        assert [finding.message for finding in findings] == [
            "metrics='accuracy' is not a list: Keras 3 rejects it at compile()",
            "compile() has no target_tensors= on Keras 3: TypeError at compile()",
        ]
        assert [finding.node for finding in findings] == [bare.report_node, node]


def test_every_existing_rule_has_unit_tests_here() -> None:
    covered = {name[len("TestKER"):len("TestKER") + 3] for name in globals() if name.startswith("TestKER")}
    existing = {"101", "102", "103", "104", "105", "106", "201", "202", "203", "204", "301", "302", "303", "304", "305"}
    assert existing <= covered
    assert all(f"KER{code}" in RULES_BY_CODE for code in existing)
