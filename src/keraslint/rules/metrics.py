"""KER2xx: metrics that report a number other than the one the user reads."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, LossFact, MetricFact, MetricForm, Output, Severity
from keraslint.diagnostics import Fix
from keraslint.fixes import keyword_fix, metric_object_fix, rename_class_fix, string_fix
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, VersionLine
from keraslint.rules.base import Finding, Rule, RuleContext, on
from keraslint.rules.labels import continuous_targets, integer_ids, multi_label, single_label

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
_NOT_L1 = frozenset({L2, L3, L4, L5})


def accuracy_string_lines(metric: MetricFact) -> frozenset[VersionLine]:
    """Lines on which a metric string is resolved as the ambiguous 'accuracy' (section 1, 3.3)."""
    if metric.form != MetricForm.STRING:
        return frozenset()
    text = metric.name
    if text in catalogue.ACCURACY_STRINGS:
        return ALL_VERSION_LINES
    if text == "Accuracy":
        return frozenset({L4, L5})  # the Accuracy class on TF 2.1/2.2 and in graph mode
    if text.lower() in catalogue.ACCURACY_STRINGS:
        return frozenset({L3, L4, L5})  # matched case-insensitively from keras 2.6 on
    return frozenset()


def is_exact_accuracy(metric: MetricFact, lines: frozenset[VersionLine]) -> frozenset[VersionLine]:
    """Lines on which this metric is exact-match accuracy: keras.metrics.Accuracy, the `accuracy`
    function (also what `metrics.get('accuracy')` returns; an Accuracy() object on Keras 3) or its
    `acc` alias (TF 2.1 through tf-keras). compile() resolves only strings, never a function."""
    if metric.form == MetricForm.INSTANCE and metric.name == "Accuracy":
        return _NOT_L1 & lines
    if metric.form == MetricForm.STRING and metric.name == "Accuracy":
        return frozenset({L2}) & lines
    if metric.form == MetricForm.FUNCTION and metric.name == "accuracy":
        return _NOT_L1 & lines  # absent from Keras 2.0-2.2
    if metric.form == MetricForm.FUNCTION and metric.name == "acc":
        return frozenset({L3, L4}) & lines  # keras 2.3.1, TF 2.0 and Keras 3 raise instead
    return frozenset()


class AmbiguousAccuracy(Rule):
    """## What it does
    Flags `metrics=["accuracy"]` (or `"acc"`) together with binary crossentropy on a softmax output
    of width >= 3, or on a sigmoid output whose labels the code shows to be one-hot (width >= 3:
    `to_categorical`, `OneHotEncoder`, a categorical directory loader, ...) or multi-hot (width >= 2:
    `MultiLabelBinarizer`, several 1s set per row, ...).

    ## Why is this bad?
    Keras resolves the string to a concrete metric, differently by version. Keras 2.0-2.3 and
    TF 2.0-2.1 (and graph mode) look at the loss and pick `binary_accuracy`: on a softmax output, or
    a sigmoid output trained on one-hot labels, it counts every one of the N outputs and reports
    0.95 where the true accuracy is 0.79. TF 2.2+, tf-keras and Keras 3 look at shapes only and pick
    `categorical_accuracy`: correct for single-label outputs, meaningless for multi-hot labels
    (0.37 against 0.91 element-wise). A sigmoid output alone says nothing about the labels: without
    label evidence it is not flagged. A 2-unit softmax gives identical numbers on every version:
    not flagged; nor a 2-unit sigmoid on one-hot rows, whose two columns are complementary (binary
    accuracy there stays within a few rows of argmax accuracy). Nor is a softmax trained on integer
    class ids: Keras 2.0-2.3 checks the targets against the output shape for binary crossentropy and
    stops at `fit()` before any accuracy is reported (`_standardize_user_data`), and TF 2.2+ picks
    sparse categorical accuracy.

    ## Fix safety
    Naming the metric keeps the history key as written (`accuracy`, or `acc`):
    `keras.metrics.CategoricalAccuracy(name="accuracy")` for single-label outputs (a softmax, or
    one-hot labels), `keras.metrics.BinaryAccuracy(name="accuracy")` for multi-hot labels. Safe,
    applied: the fix is the metric the labels call for, never chosen from the activation alone.
    When the project may run Keras 2.0-2.2, which has no metric classes (they arrived in 2.3), the
    fix names the function instead, `"categorical_accuracy"` or `"binary_accuracy"`: that renames
    the history key (`acc` becomes `categorical_accuracy`), so there it is unsafe.
    """

    code = "KER201"
    name = "ambiguous-accuracy"
    summary = "'accuracy' resolved by Keras to a metric that is wrong for this output"
    severity = Severity.WRONG_NUMBER
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential([Dense(128, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
"""
    use_instead = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential([Dense(128, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
"""
    example_target = "2.0.4"
    wrong_on_note = "Keras<=2.3/TF<=2.1 for a softmax or one-hot labels; TF>=2.2/Keras 3 for multi-hot labels"

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.BCE or output.width is None:
            return
        if output.activation == catalogue.SOFTMAX and output.width >= 3:
            if integer_ids(site) is not None:
                return  # integer ids: Keras <= 2.3 fails fit()'s target-shape check, nothing is inflated
            # Keras <= 2.3 resolves from the loss: binary accuracy over every unit.
            wrong_on, picked = frozenset({L1, L2}), f"binary_accuracy with {loss.spelling}"
            consequence = f"inflated for a {output.width}-unit softmax"
            metric_class, function = "CategoricalAccuracy", "categorical_accuracy"
        elif output.activation == catalogue.SIGMOID and output.width >= 2:
            # A sigmoid output is no evidence of multi-label targets: the labels decide (section 6.10).
            multi, single = multi_label(site), single_label(site)
            if multi is not None:
                # TF >= 2.2 and Keras 3 resolve from shapes only: argmax against argmax.
                wrong_on, picked = frozenset({L3, L4, L5}), "categorical_accuracy"
                consequence = f"wrong for multi-hot labels ({multi.origin})"
                metric_class, function = "BinaryAccuracy", "binary_accuracy"
            elif single is not None and output.width >= 3:
                # Keras <= 2.3 resolves from the loss: binary accuracy over every unit of a one-hot row
                # (two columns of one-hot rows are complementary: no more inflated than a 2-unit softmax).
                wrong_on, picked = frozenset({L1, L2}), "binary_accuracy"
                consequence = f"inflated for one-hot labels ({single.origin})"
                metric_class, function = "CategoricalAccuracy", "categorical_accuracy"
            else:
                return
        else:
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                bad = accuracy_string_lines(metric) & argument.lines & wrong_on & context.metric_lines
                if bad:
                    yield Finding(
                        metric.report_node,
                        f"'{metric.name}' is {picked} on {on(bad)}: {consequence}",
                        _named_metric_fix(metric, metric_class, function, L1 in context.lines),
                    )


def _named_metric_fix(metric: MetricFact, metric_class: str, function: str, classless_line: bool) -> Fix | None:
    if classless_line:  # Keras 2.0-2.2 has no metric classes: the function, renaming the history key
        if metric.form != MetricForm.STRING or metric.value_node is not metric.report_node:
            return None
        return string_fix(f"use '{function}' (renames the history key)", False, metric.value_node, function)
    # The name as written: L2-L5 log a metric string under its own spelling ('acc' -> acc, val_acc).
    return metric_object_fix(metric, metric_class, (("name", metric.name),))


class ExactMatchAccuracy(Rule):
    """## What it does
    Flags `keras.metrics.Accuracy()` (and the string `"Accuracy"` where it resolves to that class:
    TF 2.1, TF 2.2, graph mode), the exact-match `accuracy` function (imported from
    `tensorflow.python.keras.metrics`, `keras.src`, ...) and `keras.metrics.get("accuracy")` on an
    output of probabilities or logits, or together with a crossentropy loss when the model itself
    is not visible: a crossentropy loss is computed on probabilities or logits, whatever the model.

    ## Why is this bad?
    `Accuracy` counts predictions exactly equal to the labels. A probability such as 0.93 never
    equals the label 1, so the metric reports about 0.000 on every version. Only the string
    `"accuracy"` is resolved by `compile()` to binary, categorical or sparse accuracy; the function
    of that name, and what `metrics.get("accuracy")` returns (the function on Keras 2.3 to tf-keras,
    an `Accuracy()` object on Keras 3), are exact matches (`get("acc")`: TF 2.1 to tf-keras).
    With integer class ids (a sparse loss, or labels the code shows to be ids) against an output of
    several units, TF 2.2-2.15 and tf-keras stop instead: the ids, expanded to one column, fail the
    function's shape check (`y_true.shape.assert_is_compatible_with(y_pred.shape)`,
    `tf_keras/metrics/accuracy_metrics.py`; tensorflow #44674): ValueError at the first `fit()`.

    ## Fix safety
    Unsafe: the matching class (`CategoricalAccuracy`, `SparseCategoricalAccuracy`,
    `BinaryAccuracy`) depends on the labels. `--unsafe-fixes` uses the class that matches the
    crossentropy loss (categorical, sparse categorical, binary), or else `CategoricalAccuracy` on a
    softmax and `BinaryAccuracy` on a sigmoid output.
    """

    code = "KER202"
    name = "exact-match-accuracy"
    summary = "keras.metrics.Accuracy() on probabilities or logits"
    severity = Severity.WRONG_NUMBER
    true_on = _NOT_L1
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keras.metrics.Accuracy()])
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keras.metrics.CategoricalAccuracy()])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        output, loss = site.output, site.loss
        if output is not None and _is_score_output(output):
            what = f"on a {output.describe()} counts exact matches:"
        elif loss is not None and loss.kind in catalogue.CROSSENTROPY_KINDS:
            # Without the model, a crossentropy loss still shows that the output is probabilities or logits.
            what = f"with loss {loss.spelling}: exact matches of predicted scores,"
        else:
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                bad = is_exact_accuracy(metric, argument.lines & context.metric_lines)
                if not bad:
                    continue
                shown = _EXACT_SPELLINGS.get(metric.form, f"the {metric.name} function")
                crash = bad & {L3, L4} if _ids_against_units(site) else frozenset()
                parts = [f"ValueError at fit() on {on(crash)} (integer labels against several units)"] if crash else []
                if bad - crash:
                    parts.append(f"~0.0 on {on(bad - crash)}")
                yield Finding(metric.report_node, f"{shown} {what} {', '.join(parts)}",
                              _accuracy_class_fix(metric, output, loss), Severity.CRASH if crash else None)


def _ids_against_units(site: CompileSite) -> bool:
    """Integer class ids (a sparse loss, or labels shown to be ids) against an output of several units."""
    loss, output = site.loss, site.output
    if output is not None and (output.width is None or output.width < 2):
        return False
    sparse = loss is not None and loss.kind == catalogue.SCCE
    return sparse or (output is not None and integer_ids(site) is not None)


_EXACT_SPELLINGS = {MetricForm.INSTANCE: "Accuracy()", MetricForm.STRING: "'Accuracy'"}

# The accuracy class that reads what a crossentropy loss trains on.
_ACCURACY_FOR_LOSS = {
    catalogue.CCE: "CategoricalAccuracy",
    catalogue.CFCE: "CategoricalAccuracy",
    catalogue.SCCE: "SparseCategoricalAccuracy",
    catalogue.BCE: "BinaryAccuracy",
    catalogue.BFCE: "BinaryAccuracy",
}


def _accuracy_class_fix(metric: MetricFact, output: Output | None, loss: LossFact | None) -> Fix | None:
    """Unsafe: the class matching the crossentropy loss, else CategoricalAccuracy for a softmax
    and BinaryAccuracy for a sigmoid (labels decide)."""
    if metric.form != MetricForm.INSTANCE:
        return None
    activation = output.activation if output is not None else None
    kind = loss.kind if loss is not None else None
    if kind == catalogue.SCCE:
        replacement_class = "SparseCategoricalAccuracy"  # integer class ids
    elif activation == catalogue.SOFTMAX:
        replacement_class = "CategoricalAccuracy"
    elif loss is not None and kind in _ACCURACY_FOR_LOSS:
        if kind in catalogue.BINARY_KINDS and loss.from_logits is not False:
            return None  # logits: BinaryAccuracy's 0.5 threshold would be KER204's mistake
        replacement_class = _ACCURACY_FOR_LOSS[kind]
    elif activation == catalogue.SIGMOID:
        replacement_class = "BinaryAccuracy"
    else:
        return None
    return rename_class_fix(metric.value_node, replacement_class)


def _is_score_output(output: Output) -> bool:
    if output.activation in (catalogue.SOFTMAX, catalogue.SIGMOID):
        return True
    return output.activation == catalogue.LINEAR and output.layer in catalogue.DENSE_LIKE


class AccuracyOnRegression(Rule):
    """## What it does
    Flags an accuracy metric with a regression loss (mse, mae, mape, msle, huber, log_cosh,
    poisson, cosine similarity, in any spelling) on an output that is not a softmax or sigmoid,
    when the code shows the targets to be continuous: an autoencoder fitted on its inputs
    (`fit(x, x)`), targets from a scaler (`MinMaxScaler().fit_transform`), divided by a number or
    log-transformed, a regression data set (`boston_housing`, `load_diabetes`, ...), a literal
    array of fractional numbers, or a model built for `KerasRegressor`.

    ## Why is this bad?
    On a 1-unit output `'accuracy'` is binary accuracy: it compares continuous targets with 0/1
    predictions and reports about 0.000 on every Keras version. On a wider output it is
    categorical accuracy, an argmax agreement that says nothing about the regression.
    Without that evidence the rule is silent: with 0/1 or one-hot targets a least-squares
    classifier's accuracy is meaningful (0.92-0.98 measured). An explicit `BinaryAccuracy()` /
    `'binary_accuracy'` states 0/1 targets: silent as well.

    ## Fix safety
    Unsafe: a regression metric such as `"mae"` or `keras.metrics.RootMeanSquaredError()` is the
    usual replacement, but which one is a choice (and the history key changes).
    `--unsafe-fixes` replaces a metric string with `"mae"`.
    """

    code = "KER203"
    name = "accuracy-on-regression"
    summary = "an accuracy metric with a regression loss"
    severity = Severity.WRONG_NUMBER
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.boston_housing.load_data()
model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10)
"""
    use_instead = """\
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.boston_housing.load_data()
model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit(x_train, y_train, epochs=10)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.REGRESSION:
            return
        if output.activation is None or output.activation in (catalogue.SOFTMAX, catalogue.SIGMOID):
            return
        if output.layer is None:
            return
        targets = continuous_targets(site)
        if targets is None:
            return  # 0/1 or one-hot targets make accuracy meaningful (section 6.9)
        metrics = [metric for argument in site.metrics_arguments for metric in argument.metrics]
        if any(_states_binary_targets(metric) for metric in metrics):
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                lines = _accuracy_lines(metric, output) & argument.lines & context.lines
                consequence = _regression_consequence(metric, output.width)
                if lines and consequence is not None:
                    shown = f"'{metric.name}'" if metric.form == MetricForm.STRING else f"{metric.name}()"
                    yield Finding(
                        metric.report_node,
                        f"{shown} on continuous targets ({targets.origin}): {consequence} on {on(lines)}",
                        _regression_metric_fix(metric),
                    )


def _states_binary_targets(metric: MetricFact) -> bool:
    """`BinaryAccuracy()` / `'binary_accuracy'` written out: the author says the targets are 0/1."""
    return metric.name in ("BinaryAccuracy", "binary_accuracy")


_CATEGORICAL_ACCURACIES = frozenset(
    {"categorical_accuracy", "CategoricalAccuracy", "top_k_categorical_accuracy", "TopKCategoricalAccuracy"}
)


def _regression_consequence(metric: MetricFact, width: int | None) -> str | None:
    """What the accuracy reports on continuous targets, by what it resolves to (sections 1, 6.9);
    None for a categorical accuracy named on one column (always 1.0 whatever the targets: KER206's)."""
    if metric.name == "Accuracy" and metric.form == MetricForm.INSTANCE:
        return "exact matches, ~0.0"
    ambiguous = metric.form == MetricForm.STRING and metric.name not in catalogue.ACCURACY_FUNCTIONS
    if ambiguous and width == 1:
        return "binary accuracy, ~0.0"
    categorical = ambiguous or metric.name in _CATEGORICAL_ACCURACIES
    if categorical and width == 1:
        return None
    if categorical and width is not None:
        return f"categorical accuracy, an argmax match of {width} units: meaningless"
    return "meaningless"


def _regression_metric_fix(metric: MetricFact) -> Fix | None:
    if metric.form != MetricForm.STRING or metric.value_node is not metric.report_node:
        return None
    return string_fix("report mean absolute error instead", False, metric.value_node, "mae")


def _accuracy_lines(metric: MetricFact, output: Output) -> frozenset[VersionLine]:
    if metric.form == MetricForm.STRING:
        if metric.name in catalogue.ACCURACY_FUNCTIONS:
            return ALL_VERSION_LINES
        return accuracy_string_lines(metric)
    if metric.form == MetricForm.INSTANCE and metric.name in catalogue.ACCURACY_CLASSES:
        if metric.name == "Accuracy" and _is_score_output(output):
            return frozenset()  # reported once, as KER202
        return _NOT_L1
    if metric.form == MetricForm.FUNCTION and metric.name in catalogue.ACCURACY_FUNCTIONS:
        return ALL_VERSION_LINES
    return frozenset()


class ThresholdAccuracyOnLogits(Rule):
    """## What it does
    Flags binary crossentropy with `from_logits=True` on a linear output together with
    `"accuracy"`, `"binary_accuracy"` or `BinaryAccuracy()` left at its 0.5 threshold.

    ## Why is this bad?
    The output is a logit, whose decision boundary is 0, not 0.5. Keras 2.3 rounds logits and
    reports 0.164 where the true accuracy is 0.913; later versions threshold at 0.5 and misreport
    by about a point.

    ## Fix safety
    `keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")` measures the same thing on
    logits and keeps the history key: safe, applied. Keras 3.0-3.4 reject a threshold outside
    (0, 1) with a ValueError (the check was removed in 3.5), so where Keras 3 may run the fix uses
    `threshold=1e-07`: the same decision on logits (a probability of 0.5000000250), accepted by
    every version.
    """

    code = "KER204"
    name = "threshold-accuracy-on-logits"
    summary = "0.5-threshold accuracy on logits from BinaryCrossentropy(from_logits=True)"
    severity = Severity.WRONG_NUMBER
    true_on = _NOT_L1
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],
)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.BCE or loss.from_logits is not True:
            return
        if output.activation != catalogue.LINEAR or output.layer not in catalogue.DENSE_LIKE:
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                lines = self._threshold_lines(metric, output.width) & argument.lines & context.lines & self.true_on
                if not lines:
                    continue
                # Keras 2.3 rounds logits (0.164 against 0.913); tf.keras thresholds them (about a point).
                wide = L2 in lines and API_KERAS in context.apis
                if wide and lines != {L2}:
                    size = f"by a wide margin on Keras 2.3, by about a point on {on(lines - {L2})}"
                else:
                    size = f"by a wide margin on {on(lines)}" if wide else f"by about a point on {on(lines)}"
                shown = f"'{metric.name}'" if metric.form == MetricForm.STRING else f"{metric.name}()"
                yield Finding(
                    metric.report_node,
                    f"{shown} thresholds logits at 0.5 (from_logits=True): off {size}",
                    _threshold_fix(metric, L5 in context.lines),
                )

    @staticmethod
    def _threshold_lines(metric: MetricFact, width: int | None) -> frozenset[VersionLine]:
        if metric.form == MetricForm.STRING:
            if metric.name == "binary_accuracy":
                return ALL_VERSION_LINES
            lines = accuracy_string_lines(metric)
            if width == 1:
                return lines
            return lines & {L1, L2}  # wider outputs get categorical_accuracy from TF 2.2 on
        if metric.form == MetricForm.INSTANCE and metric.name == "BinaryAccuracy":
            if not metric.threshold_known or (metric.threshold is not None and abs(metric.threshold) <= _LOGIT_ZERO):
                return frozenset()  # a threshold at (or a hair above) 0 reads logits right
            return ALL_VERSION_LINES
        if metric.form == MetricForm.FUNCTION and metric.name == "binary_accuracy":
            return ALL_VERSION_LINES
        return frozenset()


# A logit threshold this close to 0 decides as 0 does; 1e-07 is what the fix writes where Keras
# 3.0-3.4 (threshold must lie in (0, 1), keras/metrics/accuracy_metrics.py@v3.0.0) may run.
_LOGIT_ZERO = 1e-3
_KERAS3_SAFE_THRESHOLD = 1e-07


def _threshold_fix(metric: MetricFact, keras3: bool) -> Fix | None:
    threshold = _KERAS3_SAFE_THRESHOLD if keras3 else 0.0
    if metric.form == MetricForm.INSTANCE:
        node = metric.value_node
        if node is not metric.report_node:
            return None
        why = " (Keras 3.0-3.4 reject 0.0)" if keras3 else ""
        return keyword_fix(f"set threshold={threshold!r}{why}", True, node, "threshold", repr(threshold))
    if metric.form == MetricForm.STRING:
        return metric_object_fix(metric, "BinaryAccuracy", (("threshold", threshold), ("name", metric.name)))
    return None
