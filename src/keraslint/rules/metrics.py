"""KER2xx: metrics that report a number other than the one the user reads."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, MetricFact, Severity
from keraslint.fixes import metric_object_fix, rename_class_fix, string_fix, threshold_fix
from keraslint.lines import ALL_LINES, API_KERAS, Line
from keraslint.rules.base import Finding, Rule, RuleContext, on

L1, L2, L3, L4, L5 = Line.L1, Line.L2, Line.L3, Line.L4, Line.L5
_NOT_L1 = frozenset({L2, L3, L4, L5})


def accuracy_string_lines(metric: MetricFact) -> frozenset[Line]:
    """Lines on which a metric string is resolved as the ambiguous 'accuracy' (section 1, 3.3)."""
    if metric.form != "string":
        return frozenset()
    text = metric.name
    if text in catalogue.ACCURACY_STRINGS:
        return ALL_LINES
    if text == "Accuracy":
        return frozenset({L4, L5})  # the Accuracy class on TF 2.1/2.2 and in graph mode
    if text.lower() in catalogue.ACCURACY_STRINGS:
        return frozenset({L3, L4, L5})  # matched case-insensitively from keras 2.6 on
    return frozenset()


def is_exact_accuracy(metric: MetricFact, lines: frozenset[Line]) -> frozenset[Line]:
    """Lines on which this metric is keras.metrics.Accuracy (exact equality)."""
    if metric.form == "instance" and metric.name == "Accuracy":
        return _NOT_L1 & lines
    if metric.form == "string" and metric.name == "Accuracy":
        return frozenset({L2}) & lines
    return frozenset()


class AmbiguousAccuracy(Rule):
    """## What it does
    Flags `metrics=["accuracy"]` (or `"acc"`) together with binary crossentropy on a softmax output
    of width >= 3 or a sigmoid output of width >= 2.

    ## Why is this bad?
    Keras resolves the string to a concrete metric, differently by version. Keras 2.0-2.3 and
    TF 2.0-2.1 (and graph mode) look at the loss and pick `binary_accuracy`: on a softmax output it
    counts every one of the N outputs and reports 0.95 where the true accuracy is 0.79. TF 2.2+,
    tf-keras and Keras 3 look at shapes only and pick `categorical_accuracy`: correct for a softmax,
    meaningless for a multi-label sigmoid output (0.37 against 0.91 element-wise).
    A 2-unit softmax gives identical numbers on every version: not flagged.

    ## Fix safety
    Naming the metric keeps the history key `accuracy`:
    `keras.metrics.CategoricalAccuracy(name="accuracy")` for a softmax (single-label) output,
    `keras.metrics.BinaryAccuracy(name="accuracy")` for a sigmoid (multi-label) output. Safe, applied.
    When the project may run Keras 2.0-2.2, which has no metric classes (they arrived in 2.3), the
    fix names the function instead, `"categorical_accuracy"` or `"binary_accuracy"`: that renames
    the history key (`acc` becomes `categorical_accuracy`), so there it is unsafe.
    """

    code = "KER201"
    name = "ambiguous-accuracy"
    summary = "'accuracy' resolved by Keras to a metric that is wrong for this output"
    severity = Severity.WRONG_NUMBER
    true_on = ALL_LINES
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
    wrong_on_note = "Keras<=2.3/TF<=2.1 for a softmax; TF>=2.2/Keras 3 for a multi-label sigmoid"

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.BCE or output.width is None:
            return
        if output.activation == catalogue.SOFTMAX and output.width >= 3:
            # Keras <= 2.3 resolves from the loss: binary accuracy over every unit.
            wrong_on, picked = frozenset({L1, L2}), f"binary_accuracy with {loss.spelling}"
            consequence = f"inflated for a {output.width}-unit softmax"
            metric_class, function = "CategoricalAccuracy", "categorical_accuracy"
        elif output.activation == catalogue.SIGMOID and output.width >= 2:
            # TF >= 2.2 and Keras 3 resolve from shapes only: argmax against argmax.
            wrong_on, picked = frozenset({L3, L4, L5}), "categorical_accuracy"
            consequence = f"wrong for this {output.width}-unit multi-label sigmoid"
            metric_class, function = "BinaryAccuracy", "binary_accuracy"
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


def _named_metric_fix(metric: MetricFact, metric_class: str, function: str, classless_line: bool):
    if classless_line:  # Keras 2.0-2.2 has no metric classes: the function, renaming the history key
        if metric.form != "string" or metric.value_node is not metric.report_node:
            return None
        return string_fix(f"use '{function}' (renames the history key)", False, metric.value_node, function)
    return metric_object_fix(metric, metric_class, (("name", "accuracy"),))


class ExactMatchAccuracy(Rule):
    """## What it does
    Flags `keras.metrics.Accuracy()` (and the string `"Accuracy"` where it resolves to that class:
    TF 2.1, TF 2.2, graph mode) on an output of probabilities or logits.

    ## Why is this bad?
    `Accuracy` counts predictions exactly equal to the labels. A probability such as 0.93 never
    equals the label 1, so the metric reports about 0.000 on every version.

    ## Fix safety
    Unsafe: the matching class (`CategoricalAccuracy`, `SparseCategoricalAccuracy`,
    `BinaryAccuracy`) depends on the labels. `--unsafe-fixes` uses `CategoricalAccuracy` on a
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
        output = site.output
        if output is None or not _is_score_output(output):
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                bad = is_exact_accuracy(metric, argument.lines & context.metric_lines)
                if bad:
                    shown = "Accuracy()" if metric.form == "instance" else "'Accuracy'"
                    yield Finding(
                        metric.report_node,
                        f"{shown} on a {output.describe()} counts exact matches: ~0.0 on {on(bad)}",
                        _accuracy_class_fix(metric, output),
                    )


def _accuracy_class_fix(metric: MetricFact, output):
    """Unsafe: CategoricalAccuracy for a softmax, BinaryAccuracy for a sigmoid (labels decide)."""
    replacement_class = {catalogue.SOFTMAX: "CategoricalAccuracy", catalogue.SIGMOID: "BinaryAccuracy"}.get(
        output.activation or ""
    )
    if replacement_class is None or metric.form != "instance":
        return None
    return rename_class_fix(metric.value_node, replacement_class)


def _is_score_output(output) -> bool:
    if output.activation in (catalogue.SOFTMAX, catalogue.SIGMOID):
        return True
    return output.activation == catalogue.LINEAR and output.layer in catalogue.DENSE_LIKE


class AccuracyOnRegression(Rule):
    """## What it does
    Flags an accuracy metric with a regression loss (mse, mae, mape, msle, huber, log_cosh,
    poisson, cosine similarity, in any spelling) on an output that is not a softmax or sigmoid.

    ## Why is this bad?
    Accuracy compares rounded or arg-maxed predictions with continuous targets. It reports about
    0.000 on every Keras version, and says nothing about the regression.

    ## Fix safety
    Unsafe: a regression metric such as `"mae"` or `keras.metrics.RootMeanSquaredError()` is the
    usual replacement, but which one is a choice (and the history key changes).
    `--unsafe-fixes` replaces a metric string with `"mae"`.
    """

    code = "KER203"
    name = "accuracy-on-regression"
    summary = "an accuracy metric with a regression loss"
    severity = Severity.WRONG_NUMBER
    true_on = ALL_LINES
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
"""
    use_instead = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.REGRESSION:
            return
        if output.activation is None or output.activation in (catalogue.SOFTMAX, catalogue.SIGMOID):
            return
        if output.layer is None:
            return
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                lines = _accuracy_lines(metric, output) & argument.lines & context.lines
                if lines:
                    shown = f"'{metric.name}'" if metric.form == "string" else f"{metric.name}()"
                    yield Finding(
                        metric.report_node,
                        f"{shown} with loss {loss.spelling}: ~0.0 for continuous targets on {on(lines)}",
                        _regression_metric_fix(metric),
                    )


def _regression_metric_fix(metric: MetricFact):
    if metric.form != "string" or metric.value_node is not metric.report_node:
        return None
    return string_fix("report mean absolute error instead", False, metric.value_node, "mae")


def _accuracy_lines(metric: MetricFact, output) -> frozenset[Line]:
    if metric.form == "string":
        if metric.name in catalogue.ACCURACY_FUNCTIONS:
            return ALL_LINES
        return accuracy_string_lines(metric)
    if metric.form == "instance" and metric.name in catalogue.ACCURACY_CLASSES:
        if metric.name == "Accuracy" and _is_score_output(output):
            return frozenset()  # reported once, as KER202
        return _NOT_L1
    if metric.form == "function" and metric.name in catalogue.ACCURACY_FUNCTIONS:
        return ALL_LINES
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
    logits and keeps the history key: safe, applied.
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
                # Keras 2.3 rounds logits (0.164 against 0.913); tf.keras thresholds them.
                size = "by a wide margin" if L2 in lines and API_KERAS in context.apis else "by about a point"
                shown = f"'{metric.name}'" if metric.form == "string" else f"{metric.name}()"
                yield Finding(
                    metric.report_node,
                    f"{shown} thresholds logits at 0.5 (from_logits=True): off {size} on {on(lines)}",
                    _threshold_fix(metric),
                )

    @staticmethod
    def _threshold_lines(metric: MetricFact, width: int | None) -> frozenset[Line]:
        if metric.form == "string":
            if metric.name == "binary_accuracy":
                return ALL_LINES
            lines = accuracy_string_lines(metric)
            if width == 1:
                return lines
            return lines & {L1, L2}  # wider outputs get categorical_accuracy from TF 2.2 on
        if metric.form == "instance" and metric.name == "BinaryAccuracy":
            if not metric.threshold_known or metric.threshold == 0.0:
                return frozenset()
            return ALL_LINES
        if metric.form == "function" and metric.name == "binary_accuracy":
            return ALL_LINES
        return frozenset()


def _threshold_fix(metric: MetricFact):
    if metric.form == "instance":
        return threshold_fix(metric)
    if metric.form == "string":
        return metric_object_fix(metric, "BinaryAccuracy", (("threshold", 0.0), ("name", metric.name)))
    return None
