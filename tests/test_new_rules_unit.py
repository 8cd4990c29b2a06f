"""Unit tests of the issue-11 rules (KER106 widened, KER107, KER108, KER205, KER206, KER207, KER306) on
hand-built fact records: one case per branch of each rule's check(). Messages carry no severity (the
engine appends it); nodes are compared by identity.
"""

from __future__ import annotations

import ast

import pytest

from keraslint.analysis.records import (
    Activation,
    CallbackFact,
    CompileSite,
    HistoryRead,
    LabelFact,
    LabelKind,
    LoggedKeys,
    LoggedMetric,
    LossFact,
    LossKind,
    MetricFact,
    MetricForm,
    MetricsArgument,
    OptimizerFact,
    Origin,
    Output,
    Severity,
    TrainingCall,
)
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, API_TF, API_TF_KERAS, VersionLine
from keraslint.immutable import replace
from keraslint.rules import RULES_BY_CODE
from keraslint.rules.base import RuleContext

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
NOT_L1 = frozenset({L2, L3, L4, L5})
SOFTMAX, SIGMOID, LINEAR = Activation.SOFTMAX, Activation.SIGMOID, Activation.LINEAR
BCE, CCE, SCCE, CFCE, REGRESSION = LossKind.BCE, LossKind.CCE, LossKind.SCCE, LossKind.CFCE, LossKind.REGRESSION


def expr(source: str) -> ast.expr:
    statement = ast.parse(source).body[0]
    assert isinstance(statement, ast.Expr)
    return statement.value


def output(width=10, activation=SOFTMAX, *, applied_on=None, layer="Dense", value=True, name=None) -> Output:
    node = expr(repr(str(activation)))
    return Output(width, activation, layer, Origin.KERAS, node, node if value else None, name, None, applied_on)


def string_loss(identifier: str, kind: LossKind) -> LossFact:
    node = expr(repr(identifier))
    return LossFact(kind, False, repr(identifier), MetricForm.STRING, identifier, ALL_VERSION_LINES, node, node)


def instance_loss(name: str, kind: LossKind, from_logits: bool | None) -> LossFact:
    node = expr(f"keras.losses.{name}()")
    return LossFact(kind, from_logits, f"{name}()", MetricForm.INSTANCE, None, NOT_L1, node, node)


def metric(name: str, form=MetricForm.INSTANCE, keywords=(), unknown=(), positional=0, open_arguments=False):
    if form == MetricForm.STRING:
        node = expr(repr(name))
    else:
        arguments = ", ".join(f"{key}={value!r}" for key, value in keywords)
        node = expr(f"keras.metrics.{name}({arguments})" if form == MetricForm.INSTANCE else f"keras.metrics.{name}")
    return MetricFact(form, name, node, node, None, True, tuple(keywords), frozenset(unknown), positional,
                      open_arguments)


def site(out=None, loss=None, metrics=(), labels=(), lines=ALL_VERSION_LINES, **extra) -> CompileSite:
    argument = MetricsArgument("metrics", lines, tuple(metrics), None, expr("[]"))
    return CompileSite(expr("model.compile()"), out, loss, (argument,), tuple(labels), (), (), False, **extra)


def check(code: str, compile_site: CompileSite, lines=ALL_VERSION_LINES, apis=frozenset(), tf1=True, tf2=True):
    context = RuleContext(frozenset(lines), False, frozenset(apis), tf1=tf1, tf2=tf2)
    return list(RULES_BY_CODE[code].check(compile_site, context))


# --- KER106 widened -------------------------------------------------------------------------------------


def test_ker106_sparse_categorical_crossentropy_on_a_sigmoid() -> None:
    loss = string_loss("sparse_categorical_crossentropy", SCCE)
    out = output(5, SIGMOID)
    [finding] = check("KER106", site(out, loss))
    assert finding.node is loss.report_node
    assert finding.message == "'sparse_categorical_crossentropy' on a 5-unit sigmoid: outputs are not a class distribution"
    assert finding.fix is not None and finding.fix.safe and finding.fix.node is out.activation_value


# --- KER107 ---------------------------------------------------------------------------------------------


class TestKER107:
    def test_softmax_of_a_softmax(self) -> None:
        out = output(10, SOFTMAX, applied_on=SOFTMAX)
        [finding] = check("KER107", site(out))
        assert finding.node is out.activation_node
        assert finding.message == "softmax of a softmax output: probabilities capped at 0.232 (10 classes), slower training"
        assert finding.fix is not None and finding.fix.safe and finding.fix.node is out.activation_value

    def test_width_unknown(self) -> None:
        [finding] = check("KER107", site(output(None, SOFTMAX, applied_on=SOFTMAX)))
        assert "squashed towards uniform" in finding.message

    def test_softmax_layer_has_no_string_to_edit(self) -> None:
        [finding] = check("KER107", site(output(3, SOFTMAX, applied_on=SOFTMAX, value=False)))
        assert "0.576 (3 classes)" in finding.message and finding.fix is None

    @pytest.mark.parametrize(
        "out",
        [
            pytest.param(None, id="output unknown"),
            pytest.param(output(10, SOFTMAX), id="one softmax"),
            pytest.param(output(10, SOFTMAX, applied_on=SIGMOID), id="softmax over a sigmoid"),
            pytest.param(output(10, SOFTMAX, applied_on=LINEAR), id="mixed precision: Dense then softmax"),
            pytest.param(output(10, LINEAR, applied_on=SOFTMAX), id="softmax then something else"),
        ],
    )
    def test_silent(self, out) -> None:
        assert check("KER107", site(out)) == []


# --- KER108 ---------------------------------------------------------------------------------------------


class TestKER108:
    def test_categorical_on_relu_is_a_nan_loss(self) -> None:
        loss, out = string_loss("categorical_crossentropy", CCE), output(10, Activation.RELU)
        [finding] = check("KER108", site(out, loss))
        assert finding.node is loss.report_node and finding.severity == Severity.BROKEN
        assert finding.message == "'categorical_crossentropy' reads a 10-unit relu output as probabilities: the model cannot learn (NaN loss once a row's units are all 0)"
        assert finding.fix is not None and not finding.fix.safe and finding.fix.node is out.activation_value

    def test_categorical_on_tanh(self) -> None:
        [finding] = check("KER108", site(output(10, Activation.TANH), string_loss("categorical_crossentropy", CCE)))
        assert finding.message.endswith("tanh output as probabilities: the model cannot learn")

    def test_sparse_on_softplus(self) -> None:
        # The TF backend clips the output to [eps, 1-eps], then normalises it (a softmax of its log:
        # keras/backend.py@v2.15.0, keras/src/backend/tensorflow/nn.py@v3.15.1): it trains worse,
        # it is not the categorical loss's NaN (precision probe 5 measured 0.45 against 0.72).
        [finding] = check("KER108", site(output(10, Activation.SOFTPLUS), instance_loss("SparseCategoricalCrossentropy", SCCE, False)))
        assert finding.severity == Severity.DEGRADED and "softplus" in finding.message
        assert finding.message.endswith("output as probabilities: values outside (0, 1) are clipped, trains worse")

    def test_binary_on_relu_is_degraded(self) -> None:
        out = output(1, Activation.LEAKY_RELU)
        [finding] = check("KER108", site(out, string_loss("binary_crossentropy", BCE)))
        assert finding.severity == Severity.DEGRADED
        assert finding.message == (
            "'binary_crossentropy' reads a 1-unit leaky_relu output as probabilities: values outside (0, 1) are "
            "clipped, trains worse"
        )

    def test_rnn_default_tanh_names_the_layer(self) -> None:
        out = output(10, Activation.TANH, layer="LSTM", value=False)
        [finding] = check("KER108", site(out, string_loss("categorical_crossentropy", CCE)))
        assert "10-unit tanh (LSTM) output" in finding.message and finding.fix is None

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(None, string_loss("categorical_crossentropy", CCE)), id="output unknown"),
            pytest.param(site(output(10, Activation.RELU), None), id="loss unknown"),
            pytest.param(site(output(10, Activation.RELU), string_loss("mse", REGRESSION)), id="regression loss"),
            pytest.param(site(output(10, Activation.RELU), instance_loss("CategoricalCrossentropy", CCE, True)), id="logits"),
            pytest.param(site(output(10, Activation.RELU), instance_loss("CategoricalCrossentropy", CCE, None)), id="from_logits unknown"),
            pytest.param(site(output(10, Activation.OTHER), string_loss("categorical_crossentropy", CCE)), id="other activation"),
            pytest.param(site(output(10, SOFTMAX), string_loss("categorical_crossentropy", CCE)), id="softmax"),
            pytest.param(site(output(10, Activation.SOFTPLUS), string_loss("categorical_crossentropy", CCE)), id="softplus normalised"),
            pytest.param(site(output(10, Activation.EXPONENTIAL), instance_loss("CategoricalFocalCrossentropy", CFCE, False)), id="exponential is a softmax"),
            pytest.param(site(output(1, Activation.RELU), string_loss("categorical_crossentropy", CCE)), id="1 unit (KER102)"),
        ],
    )
    def test_silent(self, compile_site) -> None:
        assert check("KER108", compile_site) == []


# --- KER205 ---------------------------------------------------------------------------------------------

LOGITS = instance_loss("BinaryCrossentropy", BCE, True)


def logits_site(*metrics, loss=LOGITS, out=None):
    return site(out or output(1, LINEAR), loss, metrics)


class TestKER205:
    def test_auc_everywhere_with_keras(self) -> None:
        auc = metric("AUC")
        [finding] = check("KER205", logits_site(auc), ALL_VERSION_LINES, {API_KERAS})
        assert finding.node is auc.report_node and finding.severity is None
        assert finding.message == (
            "AUC() reads logits as probabilities: wrong on Keras 2.3/TF 2.10-2.15/tf-keras/Keras 3; fit() fails on TF 2.2-2.9"
        )
        assert finding.fix is None  # Keras 2.3's AUC has no from_logits

    def test_auc_fix_safe_on_tf_keras_and_keras_3(self) -> None:
        auc = metric("AUC")
        [finding] = check("KER205", logits_site(auc), {L4, L5}, {API_TF})
        assert finding.message == "AUC() reads logits as probabilities: wrong on tf-keras/Keras 3"
        assert finding.fix is not None and finding.fix.safe and finding.fix.node is auc.value_node

    def test_auc_fix_unsafe_where_early_tf_keras_may_run(self) -> None:
        [finding] = check("KER205", logits_site(metric("AUC")), {L3, L5}, {API_TF})
        assert finding.fix is not None and not finding.fix.safe

    def test_tf_keras_package_on_l3_is_2_14_or_later(self) -> None:
        [finding] = check("KER205", logits_site(metric("Precision")), {L3, L4}, {API_TF_KERAS})
        assert "fails" not in finding.message and finding.fix is not None and finding.fix.safe

    def test_precision_explicit_half_threshold(self) -> None:
        [finding] = check("KER205", logits_site(metric("Precision", keywords=(("thresholds", 0.5),))), {L5})
        assert finding.fix is not None and finding.fix.safe and "thresholds=0.0" in finding.fix.description

    def test_several_thresholds_have_no_one_fix(self) -> None:
        [finding] = check("KER205", logits_site(metric("Recall", keywords=(("thresholds", (0.3, 0.5)),))), {L5})
        assert finding.fix is None

    def test_sweep_metric(self) -> None:
        [finding] = check("KER205", logits_site(metric("PrecisionAtRecall", positional=1)), {L4})
        assert finding.fix is None and "wrong on tf-keras" in finding.message

    def test_f1_threshold_cannot_be_zero(self) -> None:
        [finding] = check("KER205", logits_site(metric("F1Score", keywords=(("threshold", 0.5),))), {L5})
        assert finding.fix is None

    def test_binary_iou_default_threshold(self) -> None:
        [finding] = check("KER205", logits_site(metric("BinaryIoU")), {L5})
        assert finding.fix is not None and "threshold=0.0" in finding.fix.description

    def test_strings(self) -> None:
        findings = check("KER205", logits_site(metric("AUC", MetricForm.STRING), metric("auc", MetricForm.STRING)), {L4})
        assert [finding.message for finding in findings] == ["'AUC' reads logits as probabilities: wrong on tf-keras"]
        [finding] = check("KER205", logits_site(metric("recall", MetricForm.STRING)), {L5})
        assert finding.fix is None

    def test_focal_loss_logits(self) -> None:
        loss = instance_loss("BinaryFocalCrossentropy", LossKind.BFCE, True)
        assert len(check("KER205", logits_site(metric("AUC"), loss=loss), {L5})) == 1

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(logits_site(metric("AUC"), loss=instance_loss("BinaryCrossentropy", BCE, False)), id="probabilities"),
            pytest.param(logits_site(metric("AUC"), loss=instance_loss("BinaryCrossentropy", BCE, None)), id="from_logits unknown"),
            pytest.param(logits_site(metric("AUC"), out=output(1, SIGMOID)), id="sigmoid output"),
            pytest.param(logits_site(metric("AUC"), out=output(1, LINEAR, layer=None)), id="linear, layer unknown"),
            pytest.param(logits_site(metric("AUC", keywords=(("from_logits", True),))), id="AUC(from_logits=True)"),
            pytest.param(logits_site(metric("AUC", unknown=("from_logits",))), id="AUC from_logits unknown"),
            pytest.param(logits_site(metric("Precision", keywords=(("thresholds", 0.0),))), id="Precision(thresholds=0.0)"),
            pytest.param(logits_site(metric("Precision", unknown=("thresholds",))), id="thresholds unknown"),
            pytest.param(logits_site(metric("Precision", positional=1)), id="thresholds by position"),
            pytest.param(logits_site(metric("Precision", keywords=(("top_k", 2),))), id="top_k"),
            pytest.param(logits_site(metric("F1Score")), id="F1Score top-1 mode"),
            pytest.param(logits_site(metric("AUC", open_arguments=True)), id="**kwargs"),
            pytest.param(logits_site(metric("AUC", MetricForm.CLASS)), id="class, not an instance"),
            pytest.param(logits_site(metric("BinaryAccuracy")), id="BinaryAccuracy is KER204's"),
        ],
    )
    def test_silent(self, compile_site) -> None:
        assert check("KER205", compile_site) == []

    def test_silent_on_keras_2_0_to_2_2(self) -> None:
        assert check("KER205", logits_site(metric("AUC")), {L1}) == []


# --- KER206 ---------------------------------------------------------------------------------------------

SPARSE = string_loss("sparse_categorical_crossentropy", SCCE)
ONE_HOT_LOSS = string_loss("categorical_crossentropy", CCE)


class TestKER206:
    def test_categorical_accuracy_with_a_sparse_loss(self) -> None:
        accuracy = metric("categorical_accuracy", MetricForm.STRING)
        [finding] = check("KER206", site(output(), SPARSE, (accuracy,)))
        assert finding.node is accuracy.report_node and finding.severity is None
        assert finding.message == "'categorical_accuracy' reads integer labels (sparse loss) as one-hot: ~0.07 on all versions"
        assert finding.fix is not None and finding.fix.safe and finding.fix.node is accuracy.value_node

    def test_instance_is_not_on_keras_2_0_to_2_2_and_keeps_arguments(self) -> None:
        top_k = metric("TopKCategoricalAccuracy", keywords=(("k", 3),))
        [finding] = check("KER206", site(output(), SPARSE, (top_k,)))
        assert finding.message.endswith("~0.07 on Keras>=2.3") and finding.fix is None

    def test_integer_labels_from_the_labels(self) -> None:
        labels = (LabelFact(LabelKind.INTEGER, None, "LabelEncoder"),)
        [finding] = check("KER206", site(output(), string_loss("kld", LossKind.OTHER), (metric("CategoricalAccuracy"),), labels))
        assert "(LabelEncoder)" in finding.message and finding.fix is not None

    def test_one_unit_output(self) -> None:
        accuracy = metric("categorical_accuracy", MetricForm.STRING)
        [finding] = check("KER206", site(output(1, SIGMOID), string_loss("binary_crossentropy", BCE), (accuracy,)))
        assert finding.message == "'categorical_accuracy' on a 1-unit output always reports 1.0"
        assert finding.fix is not None and "binary_accuracy" in finding.fix.description

    def test_one_unit_output_without_a_binary_loss_has_no_fix(self) -> None:
        [finding] = check("KER206", site(output(1, LINEAR), string_loss("mse", REGRESSION), (metric("CategoricalAccuracy"),)))
        assert finding.fix is None

    def test_sparse_accuracy_with_one_hot_labels(self) -> None:
        sparse = metric("sparse_categorical_accuracy", MetricForm.STRING)
        [finding] = check("KER206", site(output(), ONE_HOT_LOSS, (sparse,)))
        assert finding.severity == Severity.CRASH
        assert finding.message == "'sparse_categorical_accuracy' with one-hot labels (categorical loss): fit() fails at the first batch"

    def test_binary_accuracy_with_class_ids(self) -> None:
        binary = metric("binary_accuracy", MetricForm.STRING)
        [finding] = check("KER206", site(output(), SPARSE, (binary,)), {L3, L4, L5})
        assert finding.severity is None
        assert finding.message == (
            "'binary_accuracy' compares class ids (sparse loss) with a 10-unit softmax: ~0.09 on TF 2.2-2.15/tf-keras, "
            "fit() fails on Keras 3"
        )

    def test_binary_accuracy_with_class_ids_on_keras_3_only(self) -> None:
        [finding] = check("KER206", site(output(), SPARSE, (metric("BinaryAccuracy"),)), {L5})
        assert finding.severity == Severity.CRASH and finding.fix is not None

    def test_fix_unsafe_when_the_old_key_is_read(self) -> None:
        stop = CallbackFact("EarlyStopping", "val_categorical_accuracy", True, None, None, (), (), expr("x"))
        call = TrainingCall("fit", True, (stop,), (), expr("model.fit()"))
        accuracy = metric("categorical_accuracy", MetricForm.STRING)
        [finding] = check("KER206", site(output(), SPARSE, (accuracy,), training=(call,)))
        assert finding.fix is not None and not finding.fix.safe

    @pytest.mark.parametrize(
        "compile_site, lines",
        [
            pytest.param(site(output(), SPARSE, (metric("sparse_categorical_accuracy", MetricForm.STRING),)), ALL_VERSION_LINES, id="matching"),
            pytest.param(site(output(), SPARSE, (metric("accuracy", MetricForm.STRING),)), ALL_VERSION_LINES, id="'accuracy'"),
            pytest.param(site(output(), None, (metric("categorical_accuracy", MetricForm.STRING),)), ALL_VERSION_LINES, id="loss unknown"),
            pytest.param(site(output(), SPARSE, (metric("categorical_accuracy", MetricForm.STRING),),
                              (LabelFact(LabelKind.ONE_HOT, 10, "to_categorical"),)), ALL_VERSION_LINES, id="sparse loss, one-hot labels (KER301)"),
            pytest.param(site(output(), SPARSE, (metric("CategoricalAccuracy", MetricForm.CLASS),)), ALL_VERSION_LINES, id="class"),
            pytest.param(site(output(), SPARSE, (metric("CategoricalAccuracy"),)), {L1}, id="instance on Keras 2.0-2.2"),
            pytest.param(site(output(5, SIGMOID), SPARSE, (metric("binary_accuracy", MetricForm.STRING),)), ALL_VERSION_LINES, id="binary on sigmoid"),
            pytest.param(site(output(), SPARSE, (metric("binary_accuracy", MetricForm.STRING),)), {L1, L2}, id="binary, Keras <= 2.3"),
            pytest.param(site(output(), ONE_HOT_LOSS, (metric("categorical_accuracy", MetricForm.STRING),)), ALL_VERSION_LINES, id="one-hot matching"),
        ],
    )
    def test_silent(self, compile_site, lines) -> None:
        assert check("KER206", compile_site, lines) == []


# --- KER207 ---------------------------------------------------------------------------------------------


def accuracy_keys(written: str = "accuracy") -> LoggedKeys:
    keys = ((L1, frozenset({"acc"})),) + tuple((line, frozenset({written})) for line in (L2, L3, L4, L5))
    return LoggedKeys((LoggedMetric(repr(written), keys),), ("",), ALL_VERSION_LINES)


def callback(kind="EarlyStopping", monitor="val_acc", given=True, mode=None, best=None, fields=(), adds=(), path=None):
    node = expr(repr(monitor))
    path_node = expr(repr(path)) if path is not None else None
    return CallbackFact(kind, monitor, given, mode, best, fields, adds, expr(f"{kind}()"), node, path_node, path)


def fit(*callbacks, validation=True, reads=()):
    return TrainingCall("fit", validation, tuple(callbacks), tuple(reads), expr("model.fit()"))


def trained(*calls, logged=None):
    return site(output(), ONE_HOT_LOSS, training=tuple(calls), logged=logged or accuracy_keys())


def tf1_accuracy_keys() -> LoggedKeys:
    """'accuracy' on tf.keras: TF 2.0-2.1 log 'accuracy', TF 1.x 'acc' (LoggedMetric.tf1_keys)."""
    tf1_accuracy = LoggedMetric("'accuracy'", accuracy_keys().metrics[0].keys, tf1_keys=frozenset({"acc"}))
    return LoggedKeys((tf1_accuracy,), ("",), ALL_VERSION_LINES)


class TestKER207:
    def test_val_acc_with_accuracy(self) -> None:
        stop = callback()
        [finding] = check("KER207", trained(fit(stop)), {L1, L2, L3, L5})
        assert finding.node is stop.monitor_node and finding.severity == Severity.DEGRADED
        assert finding.message == (
            "EarlyStopping monitors 'val_acc', not logged on Keras>=2.3 ('val_accuracy' is): never stops early; raises on Keras 3"
        )
        assert finding.fix is None  # 'val_accuracy' is not logged on Keras 2.0-2.2

    def test_fix_where_the_key_is_the_same_on_every_line(self) -> None:
        stop = callback()
        [finding] = check("KER207", trained(fit(stop)), {L3, L4, L5})
        assert finding.fix is not None and finding.fix.safe and finding.fix.node is stop.monitor_node

    def test_right_on_the_newest_line(self) -> None:
        assert check("KER207", trained(fit(callback(monitor="val_accuracy"))), {L1, L2, L3, L5}) == []

    def test_keras_3_only_raises(self) -> None:
        [finding] = check("KER207", trained(fit(callback())), {L5})
        assert finding.severity == Severity.CRASH and finding.message.endswith(": raises on Keras 3")

    def test_keras_3_explicit_mode_does_not_raise(self) -> None:
        [finding] = check("KER207", trained(fit(callback(mode="max"))), {L5})
        assert finding.severity == Severity.DEGRADED and finding.message.endswith(": never stops early")

    def test_default_monitor_without_validation(self) -> None:
        stop = callback(monitor="val_loss", given=False)
        [finding] = check("KER207", trained(fit(stop, validation=False)), {L3, L4, L5})
        assert finding.message == (
            "EarlyStopping monitors 'val_loss' (its default), never logged (fit() has no validation data): never stops early"
        )
        assert finding.fix is None

    def test_checkpoint_path_field(self) -> None:
        best = callback("ModelCheckpoint", monitor="val_loss", given=False, best=False, fields=("epoch", "val_acc"),
                        path="w-{epoch:02d}-{val_acc:.2f}.h5")
        [finding] = check("KER207", trained(fit(best)), {L3, L4, L5})
        assert finding.node is best.path_node and finding.severity == Severity.CRASH
        assert finding.message == "checkpoint path field '{val_acc}' is never logged ('val_accuracy' is): KeyError when saving"
        assert finding.fix is not None and finding.fix.safe

    def test_checkpoint_monitor_only_with_save_best_only(self) -> None:
        assert check("KER207", trained(fit(callback("ModelCheckpoint", best=False))), {L5}) == []
        [finding] = check("KER207", trained(fit(callback("ModelCheckpoint", best=True))), {L3})
        assert finding.message.endswith("never saves a best model")

    def test_history_read(self) -> None:
        read = HistoryRead("acc", expr("'acc'"))
        [finding] = check("KER207", trained(fit(reads=(read,))), {L2, L3})
        assert finding.node is read.node and finding.severity == Severity.CRASH
        assert finding.message == "history.history['acc'] is never logged ('accuracy' is): KeyError"

    @pytest.mark.parametrize(
        ("key", "flags", "message"),
        [
            # TF 2.0-2.1 excluded (pins on TF 2.0 / 2.1): TF 1.x's 'acc' is not logged (keras-semantics 6.11)
            ("acc", {"tf1": False}, "history.history['acc'] is never logged ('accuracy' is): KeyError"),
            # TF 2.x excluded (tensorflow==1.15): training_utils.get_metric_name without TF 2 behaviour
            # names 'accuracy' 'acc' (tensorflow #32886)
            ("accuracy", {"tf2": False}, "history.history['accuracy'] is never logged ('acc' is): KeyError"),
        ],
    )
    def test_tensorflow_1_and_2_keys_on_l2(self, key: str, flags: dict, message: str) -> None:
        read = HistoryRead(key, expr(repr(key)))
        assert check("KER207", trained(fit(reads=(read,)), logged=tf1_accuracy_keys()), {L2}) == []
        [finding] = check("KER207", trained(fit(reads=(read,)), logged=tf1_accuracy_keys()), {L2}, **flags)
        assert finding.message == message

    def test_tensorflow_1_only_keeps_keys_it_names_as_tf_2_does(self) -> None:
        # a metric TF 1.x names as TF 2 does (no TF 1.x key of its own) keeps its key
        auc = LoggedMetric("AUC()", ((L2, frozenset({"auc"})),))
        auc_read = HistoryRead("auc", expr("'auc'"))
        assert check("KER207", trained(fit(reads=(auc_read,)), logged=LoggedKeys((auc,), ("",), frozenset({L2}))),
                     {L2}, tf2=False) == []

    def test_keys_written_by_callbacks(self) -> None:
        # Keras 2 writes 'lr' (keras/callbacks.py@v2.15.0 L3108), Keras 3 'learning_rate'
        # (keras/src/callbacks/reduce_lr_on_plateau.py@v3.15.1 L110).
        adds = ((L3, frozenset({"lr"})), (L5, frozenset({"learning_rate"})))
        reduce = callback("ReduceLROnPlateau", monitor="val_loss", given=False, adds=adds)
        read_lr = fit(reduce, reads=(HistoryRead("lr", expr("'lr'")),))
        assert check("KER207", trained(read_lr), {L3}) == []
        [finding] = check("KER207", trained(read_lr), {L3, L5})
        assert finding.message == "history.history['lr'] is not logged on Keras 3: KeyError"
        read_new = fit(reduce, reads=(HistoryRead("learning_rate", expr("'learning_rate'")),))
        assert check("KER207", trained(read_new), {L3, L5}) == []  # right on the newest line

    def test_validation_unknown_allows_val_keys(self) -> None:
        assert check("KER207", trained(fit(callback(monitor="val_accuracy"), validation=None)), {L5}) == []

    @pytest.mark.parametrize(
        "compile_site",
        [
            pytest.param(site(output(), ONE_HOT_LOSS, training=(fit(callback()),)), id="keys not established"),
            pytest.param(trained(TrainingCall("fit", True, None, (), expr("f()"))), id="callbacks not established"),
            pytest.param(trained(fit(callback(monitor="val_auc_1"))), id="numbered key"),
            pytest.param(trained(fit(callback(monitor=None))), id="monitor not established"),
            pytest.param(trained(), id="no fit()"),
            pytest.param(trained(fit(callback(monitor="val_loss"))), id="val_loss with validation"),
        ],
    )
    def test_silent(self, compile_site) -> None:
        assert check("KER207", compile_site, {L3, L5}) == []

    def test_multi_output_prefixes(self) -> None:
        logged = LoggedKeys(accuracy_keys().metrics, ("", "kind_", "age_"), ALL_VERSION_LINES)
        reads = (HistoryRead("val_kind_accuracy", expr("'x'")), HistoryRead("age_loss", expr("'y'")))
        assert check("KER207", trained(fit(reads=reads), logged=logged), {L3, L5}) == []


# --- KER306 ---------------------------------------------------------------------------------------------


def optimizer(name="Adam", *keywords, legacy=False, constants=()):
    source = ", ".join(f"{key}={dict(constants).get(key, 0.01)!r}" for key in keywords)
    call = ast.parse(f"keras.optimizers.{name}({source})").body[0].value
    nodes = tuple((keyword.arg, keyword) for keyword in call.keywords)
    return OptimizerFact(name, legacy, tuple(keywords), tuple(constants), 0, False, call, nodes)


class TestKER306:
    def test_lr_everywhere(self) -> None:
        adam = optimizer("Adam", "lr")
        [finding] = check("KER306", site(optimizer=adam), ALL_VERSION_LINES)
        assert finding.node is adam.keyword_node("lr") and finding.severity == Severity.DEGRADED
        assert finding.message == "lr= on Adam() of the new optimizer API: ignored on TF 2.11-2.15/tf-keras (trains at 0.001), ValueError on Keras 3"
        assert finding.fix is not None and not finding.fix.safe  # no learning_rate on Keras 2.0-2.2
        assert finding.fix.node is adam.node and not finding.fix.argument

    def test_standalone_keras_has_the_new_optimizers_from_2_13(self) -> None:
        # keras/optimizers/__init__.py@v2.11.0 / @v2.12.0 export the old optimizers under `import keras`;
        # pip_build.py@v2.13.1 makes the public API (the new ones) the package (precision probe 8).
        standalone = replace(optimizer("Adam", "lr"), standalone=True)
        [finding] = check("KER306", site(optimizer=standalone), {L3})
        assert finding.message == "lr= on Adam() of the new optimizer API: ignored on TF 2.13-2.15 (trains at 0.001)"
        context = RuleContext(frozenset({L3}), False, frozenset(), l3_minors=(2, 12))
        assert list(RULES_BY_CODE["KER306"].check(site(optimizer=standalone), context)) == []
        assert len(list(RULES_BY_CODE["KER306"].check(site(optimizer=optimizer("Adam", "lr")), context))) == 1

    def test_lr_next_to_decay_names_keras_3_only(self) -> None:
        # keras-semantics §6.12: on TF 2.11-2.15 / tf-keras decay= raises ValueError before anything
        # trains, so lr= "trains at the default" is not what happens there (precision probe 7).
        [lr, decay] = check("KER306", site(optimizer=optimizer("SGD", "lr", "decay")), {L3, L4, L5})
        assert lr.message == "lr= on SGD() of the new optimizer API: ValueError on Keras 3"
        assert lr.severity == Severity.CRASH
        assert decay.message.startswith("decay= on SGD() of the new optimizer API: ValueError on TF 2.11-2.15")
        # without Keras 3 among the lines, lr= has nothing left to report
        assert [f.message for f in check("KER306", site(optimizer=optimizer("SGD", "lr", "decay")), {L3})] == [
            "decay= on SGD() of the new optimizer API: ValueError on TF 2.11-2.15"]

    def test_lr_fix_safe_without_keras_2_0_to_2_2(self) -> None:
        [finding] = check("KER306", site(optimizer=optimizer("SGD", "lr")), {L2, L3})
        assert "(trains at 0.01)" in finding.message and finding.fix is not None and finding.fix.safe

    @pytest.mark.parametrize(("minors", "shown"), [((2, 11), "TF 2.11"), ((9, 12), "TF 2.11-2.12"), ((14, 14), "TF 2.14"), ((13, 15), "TF 2.13-2.15"), ((2, 15), "TF 2.11-2.15")])
    def test_the_tf_minors_the_file_allows_are_named(self, minors, shown) -> None:
        # keras-semantics §6: the new optimizers from TF 2.11; a pin (tensorflow==2.11) keeps its minor.
        context = RuleContext(frozenset({L3}), False, frozenset(), l3_minors=minors)
        [finding] = RULES_BY_CODE["KER306"].check(site(optimizer=optimizer("Adam", "lr")), context)
        assert finding.message == f"lr= on Adam() of the new optimizer API: ignored on {shown} (trains at 0.001)"

    def test_one_optimizer_per_branch_all_wrong(self) -> None:
        # Whichever branch runs, its optimizer is given lr= (or decay=): each one is reported.
        adam, sgd = optimizer("Adam", "lr"), optimizer("SGD", "decay")
        findings = check("KER306", site(optimizer_alternatives=(adam, sgd)), {L3})
        assert [finding.node for finding in findings] == [adam.keyword_node("lr"), sgd.keyword_node("decay")]

    def test_one_optimizer_per_branch_one_right_is_silent(self) -> None:
        # Version-guarded code: Adam(lr=) before TF 2.11, Adam(learning_rate=) after.
        alternatives = (optimizer("Adam", "lr"), optimizer("Adam", "learning_rate"))
        assert check("KER306", site(optimizer_alternatives=alternatives), {L3, L5}) == []

    def test_lr_on_keras_3_only_is_a_crash(self) -> None:
        [finding] = check("KER306", site(optimizer=optimizer("Adam", "lr")), {L5})
        assert finding.severity == Severity.CRASH and finding.message.endswith(": ValueError on Keras 3")

    def test_lr_next_to_learning_rate(self) -> None:
        assert check("KER306", site(optimizer=optimizer("Adam", "lr", "learning_rate")), {L3, L4}) == []
        [finding] = check("KER306", site(optimizer=optimizer("Adam", "lr", "learning_rate")), {L3, L5})
        assert finding.fix is None and finding.severity == Severity.CRASH

    def test_lr_next_to_a_rate_by_position(self) -> None:
        # SGD(0.9, lr=1e-5): the first parameter is the learning rate; where lr= is dropped 0.9 trains
        # (precision probe 6, measured on tf-keras 2.21); learning_rate= would pass it twice.
        sgd = optimizer("SGD", "lr")
        sgd = OptimizerFact(sgd.name, False, sgd.given, sgd.constants, 1, False, sgd.node, sgd.keyword_nodes)
        [finding] = check("KER306", site(optimizer=sgd), {L3, L4})
        assert finding.message.endswith("ignored on TF 2.11-2.15/tf-keras (the learning rate given by position trains)")
        assert finding.fix is None

    def test_lr_replaced_by_a_schedule_only_raises_on_keras_3(self) -> None:
        # A LearningRateScheduler of the epoch alone sets the rate from epoch 0 on (precision probe 5):
        # dropping lr= changes nothing on TF 2.11-2.15 / tf-keras; Keras 3 still rejects it.
        scheduled = site(optimizer=optimizer("SGD", "lr"), rate_scheduled=True)
        assert check("KER306", scheduled, {L3, L4}) == []
        [finding] = check("KER306", scheduled, {L3, L5})
        assert finding.message == "lr= on SGD() of the new optimizer API: ValueError on Keras 3"
        [decay] = check("KER306", site(optimizer=optimizer("SGD", "decay"), rate_scheduled=True), {L3})
        assert decay.message.endswith("ValueError on TF 2.11-2.15")  # decay= is rejected whatever sets the rate

    def test_decay(self) -> None:
        sgd = optimizer("SGD", "decay")
        [finding] = check("KER306", site(optimizer=sgd), {L3, L4})
        assert finding.node is sgd.keyword_node("decay") and finding.severity == Severity.CRASH and finding.fix is None
        assert finding.message == "decay= on SGD() of the new optimizer API: ValueError on TF 2.11-2.15/tf-keras"
        [finding] = check("KER306", site(optimizer=sgd), {L5})
        assert finding.severity == Severity.DEGRADED and finding.message.endswith("ignored on Keras 3 (no decay)")

    def test_zero_decay_is_harmless_on_keras_3(self) -> None:
        assert check("KER306", site(optimizer=optimizer("SGD", "decay", constants=(("decay", 0.0),))), {L5}) == []

    @pytest.mark.parametrize(
        "compile_site, lines",
        [
            pytest.param(site(), ALL_VERSION_LINES, id="optimizer unknown"),
            pytest.param(site(optimizer=optimizer("Adam", "lr", legacy=True)), ALL_VERSION_LINES, id="legacy"),
            pytest.param(site(optimizer=optimizer("MyOptimizer", "lr")), ALL_VERSION_LINES, id="not a Keras optimizer class"),
            pytest.param(site(optimizer=optimizer("Adam", "learning_rate")), ALL_VERSION_LINES, id="learning_rate"),
            pytest.param(site(optimizer=optimizer("Adam", "lr", "decay")), {L1, L2}, id="Keras <= 2.3"),
        ],
    )
    def test_silent(self, compile_site, lines) -> None:
        assert check("KER306", compile_site, lines) == []


def test_ker306_lr_equal_to_the_default_only_matters_on_keras_3() -> None:
    adam = optimizer("Adam", "lr", constants=(("lr", 0.001),))
    assert check("KER306", site(optimizer=adam), {L3, L4}) == []
    [finding] = check("KER306", site(optimizer=adam), {L3, L4, L5})
    assert finding.severity == Severity.CRASH and finding.message.endswith(": ValueError on Keras 3")


def test_never_trained_compiles_are_silent() -> None:
    loss, out = string_loss("categorical_crossentropy", CCE), output(10, Activation.RELU)
    assert check("KER108", site(out, loss, usage=frozenset({"__call__"}))) == []
    assert check("KER108", site(out, loss, usage=frozenset({"predict"}))) == []
    assert check("KER108", site(out, loss, file_trains=True)) == []
    assert len(check("KER108", site(out, loss, usage=frozenset({"__call__", "fit"}), file_trains=True))) == 1
    accuracy = metric("categorical_accuracy", MetricForm.STRING)
    assert check("KER206", site(output(), SPARSE, (accuracy,), file_trains=True)) == []
    assert check("KER205", site(output(1, LINEAR), LOGITS, (metric("AUC"),), usage=frozenset({"predict"}))) == []
