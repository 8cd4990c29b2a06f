"""KER205-KER206: metrics that read the output or the labels in a form they do not have."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import (
    Activation,
    CompileSite,
    FixSafety,
    LabelKind,
    LossKind,
    MetricFact,
    MetricForm,
    Output,
    Severity,
)
from keraslint.diagnostics import Fix
from keraslint.fixes import keyword_fix, rename_class_fix, string_fix
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, API_TF_KERAS, VersionLine
from keraslint.rules.activations import never_trained
from keraslint.rules.base import Finding, Rule, RuleContext, on

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
_NOT_L1 = frozenset({L2, L3, L4, L5})
_MISSING = object()


def shown(metric: MetricFact) -> str:
    return f"'{metric.name}'" if metric.form == MetricForm.STRING else (
        f"{metric.name}()" if metric.form == MetricForm.INSTANCE else metric.name
    )


# --- KER205 ------------------------------------------------------------------------------------

# How each line treats a threshold metric given logits (keras-semantics 6.4): silently wrong
# numbers on tf.keras >= 2.10, tf-keras, Keras 3 (and Keras 2.3, which has no range assertion:
# keras/utils/metrics_utils.py@2.3.1); an assertion failure at fit() on tf.keras 2.2-2.9.
_LINE_WORDS = {L2: "Keras 2.3", L3: "TF 2.10-2.15", L4: "tf-keras", L5: "Keras 3"}


def _wrong_lines(lines: frozenset[VersionLine], context: RuleContext) -> frozenset[VersionLine]:
    silent = {L4, L5}
    if context.l3_from(10):
        silent.add(L3)
    if API_KERAS in context.apis:
        silent.add(L2)  # standalone Keras 2.3 (tf.keras 2.0-2.1 is not established)
    return frozenset(lines & silent)


def _early_tf(lines: frozenset[VersionLine], context: RuleContext) -> bool:
    """Whether tf.keras 2.2-2.9 may run: L3 through tf.keras or keras (tf-keras on L3 is 2.14-2.15)."""
    apis = context.apis
    return L3 in lines and context.l3_minors[0] <= 9 and (not apis or bool(apis - {API_TF_KERAS}))


class ThresholdMetricOnLogits(Rule):
    """## What it does
    Flags threshold metrics that read probabilities used on logits: binary crossentropy with
    `from_logits=True` on a linear output, together with `AUC()` without `from_logits=True`,
    `Precision()` / `Recall()` / `TruePositives()` ... without `thresholds=0`,
    `PrecisionAtRecall()` and the other sweep metrics, `BinaryIoU()` at its 0.5 threshold or
    `F1Score` / `FBetaScore` with a `threshold=`.

    ## Why is this bad?
    The metrics compare the logits with probability thresholds. AUC clips them to [0, 1] first:
    AUC is 0.8 to 4.2 points off, Recall 1.2 to 13.9 points, Precision up to 5.7 points (measured on
    tf.keras 2.15, tf-keras and Keras 3; Keras 2.3 has no range check either). tf.keras 2.2-2.9
    assert `0 <= y_pred <= 1` in every confusion metric: fit() fails there, whatever the thresholds.
    `AUC(from_logits=True)` and `Precision(thresholds=0.0)` measure the logits correctly: not
    flagged.

    ## Fix safety
    `AUC(from_logits=True)` (TF >= 2.5, tf-keras, Keras 3) and `thresholds=0.0` / `threshold=0.0`
    (tf.keras >= 2.10, tf-keras, Keras 3): safe when only tf-keras and Keras 3 may run, unsafe where
    tf.keras 2.2-2.15 may run (on 2.2-2.9 the metrics fail on logits whatever their arguments: a
    sigmoid output with `from_logits=False` is the fix there), not offered where Keras 2.3 may run
    (its AUC has no `from_logits`). The sweep metrics, F1Score and FBetaScore (whose threshold must
    lie in (0, 1]) need a sigmoid output: no fix.
    """

    code = "KER205"
    name = "threshold-metric-on-logits"
    summary = "AUC / Precision / Recall ... thresholding logits as if they were probabilities"
    severity = Severity.WRONG_NUMBER
    true_on = frozenset({L2, L3, L4, L5})
    wrong_on_note = "tf.keras 2.10+, tf-keras, Keras 3 (fit() fails on TF 2.2-2.9)"
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example_target = "3"
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.AUC(), keras.metrics.Precision(thresholds=0.0)],
)
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.AUC(from_logits=True), keras.metrics.Precision(thresholds=0.0)],
)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in catalogue.BINARY_KINDS or loss.from_logits is not True:
            return
        if output.activation != catalogue.LINEAR or output.layer not in catalogue.DENSE_LIKE or never_trained(site):
            return
        for argument in site.metrics_arguments:
            for metric in (*argument.metrics, *((argument.single_object,) if argument.single_object else ())):
                found = _threshold_metric(metric)
                if found is None:
                    continue
                valid_on, remedy = found
                lines = valid_on & argument.lines & context.lines
                wrong = _wrong_lines(lines, context)
                early = _early_tf(lines, context)
                if not wrong and not early:
                    continue
                consequences = ["wrong on " + "/".join(_LINE_WORDS[line] for line in sorted(wrong))] if wrong else []
                if early:
                    consequences.append("fit() fails on TF 2.2-2.9")
                yield Finding(
                    metric.report_node,
                    f"{shown(metric)} reads logits as probabilities: {'; '.join(consequences)}",
                    _threshold_metric_fix(metric, remedy, lines, context),
                    None if wrong else Severity.CRASH,  # only TF 2.2-2.9 may run: the failure is all there is
                )


def _threshold_metric(metric: MetricFact) -> tuple[frozenset[VersionLine], str | None] | None:
    """(lines on which the metric reads probabilities, the keyword that fixes it or None) for a
    threshold metric that is not set up for logits; None otherwise or when not established."""
    if metric.form == MetricForm.STRING:
        resolved = catalogue.THRESHOLD_METRIC_STRINGS.get(metric.name)
        if resolved is None:
            return None
        _class_name, lines = resolved
        # A string is built by Keras with the default arguments; Keras 2.3 may not instantiate it.
        return lines & {L3, L4, L5}, None
    if metric.form != MetricForm.INSTANCE or metric.name not in catalogue.THRESHOLD_METRICS or metric.open_arguments:
        return None
    name = metric.name
    if name in catalogue.AUC_METRICS:
        if "from_logits" in metric.unknown_keywords or metric.positional > 4:
            return None
        if metric.keyword("from_logits", False) is True:
            return None
        return _NOT_L1, "from_logits"
    if name in catalogue.CONFUSION_METRICS:
        if metric.positional or {"thresholds", "top_k"} & metric.unknown_keywords:
            return None
        if metric.keyword("top_k") is not None:
            return None  # top-k mode: the largest predictions, whatever their scale
        thresholds = metric.keyword("thresholds", _MISSING)
        if thresholds is _MISSING or thresholds is None:
            return _NOT_L1, "thresholds"
        if isinstance(thresholds, (int, float)) and not isinstance(thresholds, bool):
            return (None if thresholds == 0 else (_NOT_L1, "thresholds"))
        return _NOT_L1, None  # several thresholds: all of them mean probabilities
    if name in catalogue.SWEEP_METRICS:
        return frozenset({L3, L4, L5}), None
    if metric.positional > 1 or "threshold" in metric.unknown_keywords:
        return None
    threshold = metric.keyword("threshold", catalogue.SINGLE_THRESHOLD_METRICS[name])
    if threshold is None or threshold == 0 or not isinstance(threshold, (int, float)):
        return None  # None: top-1 mode (F1Score, FBetaScore), logit scale does not matter
    return frozenset({L3, L4, L5}), (None if name in catalogue.ZERO_THRESHOLD_REJECTED else "threshold")


def _threshold_metric_fix(metric: MetricFact, remedy: str | None, lines: frozenset[VersionLine],
                          context: RuleContext) -> Fix | None:
    if remedy is None or metric.form != MetricForm.INSTANCE or metric.value_node is not metric.report_node:
        return None
    if remedy == "from_logits":
        if L2 in lines and API_KERAS in context.apis:
            return None  # Keras 2.3's AUC has no from_logits: the fix would fail where the code runs
        safe = L2 not in lines and not _early_tf(lines, context)  # AUC(from_logits=) arrived in TF 2.5
        return keyword_fix("pass from_logits=True", safe, metric.value_node, "from_logits", "True")
    safe = not _early_tf(lines, context)
    return keyword_fix(f"set {remedy}=0.0 (the logit of probability 0.5)", safe, metric.value_node, remedy, "0.0")


# --- KER206 ------------------------------------------------------------------------------------


def _label_evidence(site: CompileSite) -> tuple[str | None, str | None]:
    """(why the labels are integer class ids, why they are one-hot), each None when not established."""
    loss = site.loss
    kinds = {label.kind for label in site.labels}
    integer = one_hot = None
    if loss is not None and loss.kind == LossKind.SCCE and LabelKind.ONE_HOT not in kinds:
        integer = "sparse loss"
    elif LabelKind.INTEGER in kinds and LabelKind.ONE_HOT not in kinds and (
        loss is None or loss.kind not in (LossKind.CCE, LossKind.CFCE)
    ):
        integer = next(label.origin for label in site.labels if label.kind == LabelKind.INTEGER)
    if loss is not None and loss.kind in (LossKind.CCE, LossKind.CFCE) and LabelKind.INTEGER not in kinds:
        one_hot = "categorical loss"
    elif LabelKind.ONE_HOT in kinds and LabelKind.INTEGER not in kinds and (loss is None or loss.kind != LossKind.SCCE):
        one_hot = next(label.origin for label in site.labels if label.kind == LabelKind.ONE_HOT)
    return integer, one_hot


def _keys_in_use(site: CompileSite) -> frozenset[str]:
    """History keys the code reads (callback monitors, checkpoint path fields, history lookups)."""
    keys: set[str] = set()
    for call in site.training:
        for callback in call.callbacks or ():
            if callback.monitor:
                keys.add(callback.monitor)
            keys.update(callback.path_fields or ())
        keys.update(read.key for read in call.history_reads)
    return frozenset(keys)


def _metric_rename(metric: MetricFact, replacement: str, site: CompileSite, safe: bool) -> Fix | None:
    """Use `replacement` (a string or function name, or a class name for objects) for `metric`."""
    old_key = metric.name if metric.form == MetricForm.STRING else None
    if metric.form == MetricForm.INSTANCE:
        if metric.keywords or metric.unknown_keywords or metric.positional or metric.open_arguments:
            return None  # arguments of one class may not exist on the other
        fix = rename_class_fix(metric.value_node, replacement)
        if fix is None or metric.value_node is not metric.report_node:
            return None
        old_key = catalogue.METRIC_DEFAULT_NAMES.get(metric.name)
    elif metric.form == MetricForm.STRING:
        if metric.value_node is not metric.report_node:
            return None
        fix = string_fix(f"use '{replacement}'", safe, metric.value_node, replacement)
    else:
        return None
    if fix is None:
        return None
    in_use = old_key is not None and any(key.endswith(old_key) for key in _keys_in_use(site))
    return Fix(fix.description, safe and not in_use, fix.replace, fix.node, fix.needs_import, fix.argument)


class MetricLabelEncodingMismatch(Rule):
    """## What it does
    Flags an accuracy metric that expects another label encoding than the one the model trains
    with: `categorical_accuracy` / `CategoricalAccuracy` / `top_k_categorical_accuracy` with integer
    labels (a sparse categorical loss is itself the evidence) or on a 1-unit output;
    `sparse_categorical_accuracy` and its top-k variant with one-hot labels (categorical
    crossentropy); `binary_accuracy` with integer class ids on a softmax output.

    ## Why is this bad?
    A categorical accuracy takes the argmax of the label row; an integer label has one column, so
    its argmax is always 0: 0.065-0.086 is reported where the true accuracy is 0.956-0.963, on every
    version and backend. On a 1-unit output every argmax is 0: always 1.0. A sparse accuracy fails
    at the first batch on one-hot labels. `binary_accuracy` compares class ids with rounded
    probabilities: about 0.09 on TF 2.2-2.15 and tf-keras, a failure on Keras 3. `'accuracy'` picks
    the right one by itself.

    ## Fix safety
    The matching metric (`sparse_categorical_accuracy` with a sparse loss, `categorical_accuracy`
    with one-hot labels, `binary_accuracy` on a 1-unit output) is safe and applied, unless the code
    reads the old history key (a callback monitor, a checkpoint path, `history.history[...]`): then
    unsafe.
    """

    code = "KER206"
    name = "metric-label-encoding-mismatch"
    summary = "an accuracy metric for one-hot labels used with integer labels, or the reverse"
    severity = Severity.WRONG_NUMBER
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"])
"""  # noqa: E501 - the documented example, one statement a line
    use_instead = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
"""  # noqa: E501

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        if never_trained(site):
            return  # its metrics are never computed
        integer, one_hot = _label_evidence(site)
        output = site.output
        for argument in site.metrics_arguments:
            for metric in argument.metrics:
                if metric.form == MetricForm.CLASS:
                    continue
                lines = argument.lines & context.lines
                if metric.form == MetricForm.INSTANCE:
                    lines &= _NOT_L1  # no metric classes before Keras 2.3
                if not lines:
                    continue
                yield from self._check_metric(site, metric, lines, integer, one_hot, output)

    def _check_metric(self, site: CompileSite, metric: MetricFact, lines: frozenset[VersionLine], integer: str | None,
                      one_hot: str | None, output: Output | None) -> Iterable[Finding]:
        name = metric.name
        if name in catalogue.CATEGORICAL_TO_SPARSE_ACCURACY:
            if output is not None and output.width == 1:
                replacement = "binary_accuracy" if metric.form != MetricForm.INSTANCE else "BinaryAccuracy"
                loss = site.loss
                fix = None
                if loss is not None and loss.kind in catalogue.BINARY_KINDS:
                    fix = _metric_rename(metric, replacement, site, True)
                yield Finding(metric.report_node, f"{shown(metric)} on a 1-unit output always reports 1.0", fix)
            elif integer is not None:
                fix = _metric_rename(metric, catalogue.CATEGORICAL_TO_SPARSE_ACCURACY[name], site, True)
                yield Finding(
                    metric.report_node,
                    f"{shown(metric)} reads integer labels ({integer}) as one-hot: ~0.07 on {on(lines)}",
                    fix,
                )
        elif name in catalogue.SPARSE_TO_CATEGORICAL_ACCURACY:
            if one_hot is not None:
                fix = _metric_rename(metric, catalogue.SPARSE_TO_CATEGORICAL_ACCURACY[name], site, True)
                yield Finding(
                    metric.report_node,
                    f"{shown(metric)} with one-hot labels ({one_hot}): fit() fails at the first batch",
                    fix,
                    Severity.CRASH,
                )
        elif name in catalogue.BINARY_ACCURACY_NAMES and integer is not None:
            if output is None or output.activation != Activation.SOFTMAX or output.width is None or output.width < 2:
                return
            bad = lines & {L3, L4, L5}  # measured; Keras 2.0-2.3 and TF 2.0-2.1 were not
            if not bad:
                return
            parts = []
            if bad & {L3, L4}:
                parts.append(f"~0.09 on {on(frozenset(bad & {L3, L4}))}")
            if L5 in bad:
                parts.append("fit() fails on Keras 3")
            replacement = "sparse_categorical_accuracy" if metric.form != MetricForm.INSTANCE else (
                "SparseCategoricalAccuracy"
            )
            yield Finding(
                metric.report_node,
                f"{shown(metric)} compares class ids ({integer}) with a {output.width}-unit softmax: "
                f"{', '.join(parts)}",
                _metric_rename(metric, replacement, site, True),
                None if bad & {L3, L4} else Severity.CRASH,
            )
