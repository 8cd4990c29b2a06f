"""KER30x label rules: the loss or the output against the labels given to fit()."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, LabelKind, Severity
from keraslint.lines import ALL_LINES
from keraslint.rules.base import Finding, Rule, RuleContext


class SparseLossWithOneHotLabels(Rule):
    """## What it does
    Flags sparse categorical crossentropy when the labels given to `fit()` (or `evaluate()`,
    `train_on_batch()`, `validation_data`) are visibly one-hot: `to_categorical`, `np.eye(n)[y]`,
    `pd.get_dummies`, `OneHotEncoder`, `flow_from_directory` (class_mode "categorical", the default),
    `image_dataset_from_directory(label_mode="categorical")`.

    ## Why is this bad?
    The sparse loss expects one integer class id per sample. Every Keras version fails at `fit()`
    with a shape error, after data loading and model building have already run.

    ## Fix safety
    Unsafe, not applied: either the loss becomes `categorical_crossentropy` or the labels stop
    being one-hot, and both change the rest of the script.
    """

    code = "KER301"
    name = "sparse-loss-with-one-hot-labels"
    summary = "sparse categorical crossentropy with one-hot labels"
    severity = Severity.CRASH
    true_on = ALL_LINES
    fix_safety = FixSafety.UNSAFE
    example = """\
import keras
import numpy as np

y = keras.utils.to_categorical(np.load("labels.npy"), 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.load("x.npy"), y, epochs=3)
"""
    use_instead = """\
import keras
import numpy as np

y = keras.utils.to_categorical(np.load("labels.npy"), 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.load("x.npy"), y, epochs=3)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss = site.loss
        if loss is None or loss.kind != catalogue.SCCE:
            return
        for label in site.labels:
            if label.kind != LabelKind.ONE_HOT:
                continue
            if label.one_column_for_two_classes:
                output = site.output
                if output is None or output.width is None or output.width < 3:
                    continue
            yield Finding(loss.report_node, f"{loss.spelling} with one-hot labels ({label.origin}): fit() fails")
            return


class CategoricalLossWithIntegerLabels(Rule):
    """## What it does
    Flags categorical crossentropy when the labels given to `fit()` are visibly integer class ids:
    `np.argmax(..., axis=1)`, `LabelEncoder().fit_transform`, `image_dataset_from_directory` /
    `text_dataset_from_directory` (label_mode "int", the default), `flow_from_directory(class_mode="sparse")`.

    ## Why is this bad?
    Categorical crossentropy expects one-hot rows. Every Keras version fails at `fit()` with a shape
    error (or, for (N, 1) labels on old versions, a check error).

    ## Fix safety
    Unsafe, not applied: `sparse_categorical_crossentropy` is the usual answer, but the metrics
    and any label post-processing may assume one-hot labels.
    """

    code = "KER302"
    name = "categorical-loss-with-integer-labels"
    summary = "categorical crossentropy with integer class-id labels"
    severity = Severity.CRASH
    true_on = ALL_LINES
    fix_safety = FixSafety.UNSAFE
    example = """\
import keras

train = keras.utils.image_dataset_from_directory("data/train", image_size=(64, 64))
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(train, epochs=3)
"""
    use_instead = """\
import keras

train = keras.utils.image_dataset_from_directory("data/train", image_size=(64, 64))
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(train, epochs=3)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss = site.loss
        if loss is None or loss.kind not in (catalogue.CCE, catalogue.CFCE):
            return
        output = site.output
        if output is not None and output.width == 1:
            return  # one unit is KER102's problem
        for label in site.labels:
            if label.kind == LabelKind.INTEGER:
                yield Finding(loss.report_node, f"{loss.spelling} with integer labels ({label.origin}): fit() fails")
                return


class OutputWidthMismatch(Rule):
    """## What it does
    Flags an output layer whose width differs from the number of classes the labels visibly have:
    `to_categorical(y, n)`, `np.eye(n)[y]`, the `class_names=` / `classes=` given to a dataset utility.

    ## Why is this bad?
    With one-hot labels the shapes disagree and `fit()` fails; with integer labels beyond the
    width, the loss reads out of range (a crash, or NaN on some backends).

    ## Fix safety
    Unsafe, not applied: use the same constant for the labels and the output layer.
    """

    code = "KER303"
    name = "output-width-mismatch"
    summary = "output width differs from the number of label classes"
    severity = Severity.CRASH
    true_on = ALL_LINES
    fix_safety = FixSafety.UNSAFE
    example = """\
import keras
import numpy as np

y = keras.utils.to_categorical(np.load("labels.npy"), 7)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.load("x.npy"), y)
"""
    use_instead = """\
import keras
import numpy as np

y = keras.utils.to_categorical(np.load("labels.npy"), 7)
model = keras.Sequential([keras.layers.Dense(7, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.load("x.npy"), y)
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        output = site.output
        if output is None or output.width is None:
            return
        for label in site.labels:
            if label.kind not in (LabelKind.ONE_HOT, LabelKind.INTEGER) or label.classes is None or label.classes == output.width:
                continue
            if label.kind == LabelKind.INTEGER and label.classes < output.width:
                continue  # fewer classes than units trains (wastefully) without error
            node = output.width_node or output.activation_node or site.call
            yield Finding(node, f"output has {output.width} units but the labels have {label.classes} classes "
                                f"({label.origin}): fit() fails")
            return
