"""KER30x label rules: the loss or the output against the labels given to fit()."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, LabelFact, LabelKind, Severity
from keraslint.versions import ALL_VERSION_LINES
from keraslint.rules.base import Finding, Rule, RuleContext

# --- label evidence, as rules read it ---------------------------------------------------------


def _is_single_label(label: LabelFact) -> bool:
    return label.kind == LabelKind.ONE_HOT and label.exclusive and not label.one_column_for_two_classes


def single_label(site: CompileSite) -> LabelFact | None:
    """A one-hot label fact (one 1 per row) when no other fact of the site contradicts it."""
    found = None
    for label in site.labels:
        if _is_single_label(label):
            found = found or label
        elif label.kind != LabelKind.ONE_HOT:
            return None  # integer ids, multi-hot, one 0/1 column or continuous targets: not one story
    return found


def multi_label(site: CompileSite) -> LabelFact | None:
    """A multi-hot label fact (several 1s per row) when no other fact contradicts it."""
    found = None
    for label in site.labels:
        if label.kind == LabelKind.MULTI_HOT:
            found = found or label
        elif label.kind != LabelKind.ONE_HOT or _is_single_label(label):
            return None
    return found


def continuous_targets(site: CompileSite) -> LabelFact | None:
    """A continuous (regression) target fact when every label fact of the site says so."""
    kinds = {label.kind for label in site.labels}
    if kinds != {LabelKind.CONTINUOUS}:
        return None
    return site.labels[0]


def integer_ids(site: CompileSite) -> LabelFact | None:
    """An integer class-id fact when every label fact of the site says so."""
    kinds = {label.kind for label in site.labels}
    if kinds != {LabelKind.INTEGER}:
        return None
    return site.labels[0]


class SparseLossWithOneHotLabels(Rule):
    """## What it does
    Flags sparse categorical crossentropy when the labels given to `fit()` (or `evaluate()`,
    `train_on_batch()`, `validation_data`) are visibly one-hot or multi-hot: `to_categorical`,
    `tf.one_hot`, `np.eye(n)[y]`, `pd.get_dummies`, `OneHotEncoder`, `MultiLabelBinarizer`,
    `flow_from_directory` (class_mode "categorical", the default),
    `image_dataset_from_directory(label_mode="categorical")`, `y[np.arange(n), ids] = 1` on
    `np.zeros((n, k))`, a literal array of 0/1 rows.

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
    true_on = ALL_VERSION_LINES
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
            if label.kind not in (LabelKind.ONE_HOT, LabelKind.MULTI_HOT):
                continue
            if label.one_column_for_two_classes:
                output = site.output
                if output is None or output.width is None or output.width < 3:
                    continue
            yield Finding(loss.report_node, f"{loss.spelling} with {label.kind} labels ({label.origin}): fit() fails")
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
    true_on = ALL_VERSION_LINES
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
    `to_categorical(y, n)`, `np.eye(n)[y]`, `np.zeros((n, k))` filled by index, a literal label
    array, the `class_names=` / `classes=` given to a dataset utility, a Keras data set's classes
    (with a sparse loss); and labels that are one 0/1 column (`class_mode="binary"`) against an
    output of two or more units with a categorical or binary crossentropy.

    ## Why is this bad?
    With one-hot labels the shapes disagree and `fit()` fails; with integer labels beyond the
    width, the loss reads out of range (a crash, or NaN on some backends). One 0/1 column against
    a 2-unit softmax fails with categorical crossentropy; with binary crossentropy Keras 2.0-2.3
    and Keras 3 fail and tf.keras 2.2+ broadcasts the column to every unit.

    ## Fix safety
    Unsafe, not applied: use the same constant for the labels and the output layer.
    """

    code = "KER303"
    name = "output-width-mismatch"
    summary = "output width differs from the number of label classes"
    severity = Severity.CRASH
    true_on = ALL_VERSION_LINES
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
        loss = site.loss
        node = output.width_node or output.activation_node or site.call
        for label in site.labels:
            if label.kind == LabelKind.BINARY:
                # One 0/1 column against several units: the categorical losses compare shapes
                # and fail; binary crossentropy fails on Keras 2.0-2.3 and Keras 3 and elsewhere
                # trains every unit on the same column. The sparse loss reads 0/1 as class ids: fine.
                if output.width < 2 or loss is None or loss.kind not in _COLUMN_MISMATCH_LOSSES:
                    continue
                consequence = "fit() fails" if loss.kind in (catalogue.CCE, catalogue.CFCE) else (
                    "fit() fails or every unit learns that column")
                yield Finding(node, f"output has {output.width} units but the labels are one 0/1 column "
                                    f"({label.origin}): {consequence}")
                return
            if label.kind not in (LabelKind.ONE_HOT, LabelKind.MULTI_HOT, LabelKind.INTEGER):
                continue
            if label.classes is None or label.classes == output.width or label.one_column_for_two_classes:
                continue
            if label.kind == LabelKind.INTEGER and (
                label.classes < output.width or (loss is not None and loss.kind not in catalogue.CATEGORICAL_KINDS)
            ):
                # Fewer classes than units trains (wastefully) without error; with a regression or
                # binary loss the ids are targets of another kind, not indices into the output.
                continue
            if label.kind == LabelKind.INTEGER:
                consequence = "ids out of range, fit() fails or gives NaN"
            else:
                consequence = "fit() fails"
            what = "label columns" if label.kind == LabelKind.MULTI_HOT else "classes"
            yield Finding(node, f"output has {output.width} units but the labels have {label.classes} {what} "
                                f"({label.origin}): {consequence}")
            return


_COLUMN_MISMATCH_LOSSES = frozenset({catalogue.CCE, catalogue.CFCE, catalogue.BCE, catalogue.BFCE})
