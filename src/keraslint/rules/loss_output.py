"""KER1xx: the loss against the model's output layer."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import (
    Activation, CompileSite, FixSafety, LossFact, LossKind, MetricForm, Origin, Output, Severity,
)
from keraslint.diagnostics import Fix
from keraslint.fixes import keyword_fix, string_fix
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, VersionLine
from keraslint.rules.base import Finding, Rule, RuleContext, on, tf_minors
from keraslint.rules.labels import integer_ids, multi_label, single_label

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5


class BinaryCrossentropyOnSoftmax(Rule):
    """## What it does
    Flags binary crossentropy used as the loss of a softmax output with three or more units.

    ## Why is this bad?
    The TensorFlow backend (tf.keras 2.6+, tf-keras, Keras 3 on TensorFlow) recovers the logits
    under a softmax and trains them as independent sigmoids: the model learns worse (0.67 against
    0.80 measured on a 10-class problem). On Keras 2.0-2.3 it trains as an unusual but valid loss.
    A 2-unit softmax with binary crossentropy is numerically categorical crossentropy: not flagged.
    A raw `tf.nn.softmax` records no logits, so the loss reads its probabilities: not flagged.

    ## Fix safety
    Unsafe: categorical_crossentropy needs one-hot labels and sparse_categorical_crossentropy
    needs integer labels; only the data tells which. `--unsafe-fixes` replaces a string loss with
    the one the labels visible in the code call for (`"sparse_categorical_crossentropy"` for integer
    ids, `"categorical_crossentropy"` otherwise); with multi-hot labels the softmax is the mistake
    and the fix is a `"sigmoid"` output.
    """

    code = "KER101"
    name = "binary-crossentropy-on-softmax"
    summary = "binary crossentropy on a softmax output of width >= 3"
    severity = Severity.DEGRADED
    true_on = frozenset({L3, L4, L5})
    wrong_on_note = "tf.keras 2.6+, tf-keras, Keras 3 on TensorFlow"
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind != catalogue.BCE or loss.from_logits is not False:
            return
        if output.activation != catalogue.SOFTMAX or output.width is None or output.width < 3:
            return
        first = first_recovery(output.origin, output.activation, loss.kind)
        if first is None:
            return  # a raw tf.nn.softmax records no logits: BCE then reads the probabilities as given
        bad = self.true_on & context.lines
        if not context.l3_from(first):
            bad -= {L3}  # the TF backend recovers these logits from that keras minor on; the file's APIs end before
        if bad:
            fix = _softmax_loss_fix(site, loss, output)
            yield Finding(
                loss.report_node,
                f"{loss.spelling} on a {output.width}-unit softmax trains {output.width} separate sigmoids "
                f"on {_tf_backend_lines(bad)}",
                fix,
            )


def _softmax_loss_fix(site: CompileSite, loss: LossFact, output: Output) -> Fix | None:
    """The loss (or, for multi-hot labels, the activation) the labels in the code call for."""
    node = loss.value_node if loss.form == MetricForm.STRING else None
    multi, single, integers = multi_label(site), single_label(site), integer_ids(site)
    if multi is not None:
        return string_fix(f"use a sigmoid output (multi-hot labels: {multi.origin})", False, output.activation_value,
                          catalogue.SIGMOID)
    if integers is not None:
        return string_fix(f"use sparse_categorical_crossentropy (integer labels: {integers.origin})", False, node,
                          catalogue.SCCE)
    if single is not None:
        return string_fix(f"use categorical_crossentropy (one-hot labels: {single.origin})", False, node, catalogue.CCE)
    return string_fix("use categorical_crossentropy for one-hot labels (sparse_categorical_crossentropy for "
                      "integer ids)", False, node, catalogue.CCE)


def _tf_backend_lines(lines: frozenset[VersionLine]) -> str:
    """Where the TensorFlow backend recovers logits: measured from keras 2.6 on, not in TF 2.2."""
    if lines == {L3, L4, L5}:
        return "tf.keras 2.6+ and Keras 3's TF backend"
    names = {L3: "tf.keras 2.6-2.15", L4: "tf-keras", L5: "Keras 3's TF backend"}
    return "/".join(names[line] for line in sorted(lines))


class CategoricalCrossentropyOnSingleUnit(Rule):
    """## What it does
    Flags categorical, sparse categorical or categorical focal crossentropy on an output with one unit.

    ## Why is this bad?
    Categorical crossentropy sums over the class axis. With one unit there is one class: the loss
    is identically 0 and nothing is learned (TF 2.2 and later, silent before Keras 2.12); Keras
    2.0-2.3 and TF 2.0-2.1 fail at fit() with a shape error instead.

    ## Fix safety
    Not applied automatically: binary crossentropy also needs a sigmoid unit and 0/1 labels.
    """

    code = "KER102"
    name = "categorical-crossentropy-on-single-unit"
    summary = "categorical / sparse categorical crossentropy on a 1-unit output"
    severity = Severity.BROKEN
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.UNSAFE
    example = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""
    use_instead = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in catalogue.CATEGORICAL_KINDS or output.width != 1:
            return
        # v1 graph mode checks loss against target shapes at fit() (keras-semantics §2, §4).
        silent_zero = frozenset() if context.graph_mode else context.lines & {L3, L4, L5}
        if silent_zero:
            consequence, severity = f"loss always 0 on {on(silent_zero)}, nothing learned", Severity.BROKEN
        else:
            consequence, severity = f"fit() fails on {on(context.lines)}", Severity.CRASH
        yield Finding(loss.report_node, f"{loss.spelling} on a 1-unit output: {consequence}", severity=severity)


class SoftmaxOnSingleUnit(Rule):
    """## What it does
    Flags a softmax applied to an output with one unit, in any spelling: `activation="softmax"`,
    a following `Activation("softmax")` or `Softmax()` layer, `Lambda(tf.nn.softmax)`.

    ## Why is this bad?
    A softmax over one value is always 1.0. The model predicts the same class for every input and
    accuracy sticks at the base rate, whatever the loss.

    ## Fix safety
    Replacing the activation string with `"sigmoid"` is safe when the loss is binary crossentropy,
    and applied only then.
    """

    code = "KER103"
    name = "softmax-on-single-unit"
    summary = "softmax activation on a 1-unit output"
    severity = Severity.BROKEN
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""  # noqa: E501 - the documented example, one statement a line
    use_instead = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""  # noqa: E501

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        output = site.output
        if output is None or output.width != 1 or output.activation != catalogue.SOFTMAX:
            return
        node = output.activation_node or site.call
        fix = None
        loss = site.loss
        if loss is not None and loss.kind == catalogue.BCE:
            fix = string_fix("use a sigmoid", True, output.activation_value, catalogue.SIGMOID)
        yield Finding(node, "softmax on a 1-unit output always returns 1.0: the model cannot learn", fix)


class FromLogitsOnProbabilities(Rule):
    """## What it does
    Flags a crossentropy loss created with `from_logits=True` on an output that already ends in a
    softmax or sigmoid.

    ## Why is this bad?
    The probabilities are treated as logits and squashed a second time: training is degraded
    (0.68 against 0.78 measured on Keras 2.3, 0.74 against 0.80 on Keras 3 with JAX). The TensorFlow
    backend of keras 2.6 and later (tf-keras, Keras 3's TF backend) warns and trains on the logits
    behind the activation; JAX, torch and Keras 2.3 to TF 2.5 do not. For tf.keras's `Softmax` layer
    and raw `tf.nn` activations that repair starts at keras 2.10, where the backend reads the logits
    from a Softmax / Sigmoid op matching the loss (`_get_logits`), or never when they do not match
    (the `Softmax` layer records its logits from 2.14 on). The message names where the
    activation is applied twice and where it is undone; on a target where it is only undone the
    finding is a style finding (the configuration contradicts itself and relies on that repair).
    `from_logits` does not exist in Keras 2.0-2.2.

    ## Fix safety
    Unsafe: either the activation or `from_logits=True` must go, and the choice changes what
    `predict()` returns. `--unsafe-fixes` sets `from_logits=False` on the loss object.
    """

    code = "KER104"
    name = "from-logits-on-probabilities"
    summary = "from_logits=True on an output that ends in softmax or sigmoid"
    severity = Severity.DEGRADED
    true_on = frozenset({L2, L3, L4, L5})
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in catalogue.CROSSENTROPY_KINDS:
            return
        if loss.from_logits is not True:
            return
        if output.activation not in (catalogue.SOFTMAX, catalogue.SIGMOID):
            return
        # who applied the activation unknown: named as for a Keras activation, the usual case
        first = first_recovery(output.origin or Origin.KERAS, output.activation, loss.kind)
        squashed, repaired = _double_squash_lines(self.true_on & context.lines, context, first)
        if not squashed and not repaired:
            return
        fix = None
        if loss.form == MetricForm.INSTANCE:
            fix = keyword_fix("drop from_logits (the output keeps its activation)", False,
                              loss.value_node, "from_logits", "False")
        head = f"from_logits=True on a {output.activation} output"
        undone = f"undone, with a warning, on {'/'.join(repaired)}"
        if squashed:
            tail = f" ({undone})" if repaired else ""
            yield Finding(loss.report_node, f"{head} squashes twice on {', '.join(squashed)}{tail}", fix)
        else:  # trained right only because the TF backend repairs it: contradictory, not wrong numbers
            yield Finding(loss.report_node, f"{head} contradicts it: {undone}", fix, Severity.STYLE)


_OP_TYPES = {catalogue.SOFTMAX: (catalogue.CCE, catalogue.SCCE, catalogue.CFCE),
             catalogue.SIGMOID: (catalogue.BCE, catalogue.BFCE)}


def first_recovery(origin: Origin | None, activation: Activation | None, loss: LossKind) -> int | None:
    """The keras 2 minor from which the TF backend trains a crossentropy on the logits behind the
    output activation (None: never). keras.activations record them from 2.6 (keras-semantics §2);
    tf.keras's Softmax layer calls backend.softmax, which records them from 2.14 only
    (keras/backend.py@v2.13.1 / @v2.14.0); from 2.10 `_get_logits` also takes them from a Softmax /
    Sigmoid op that matches the loss (keras/backend.py@v2.10.0; absent up to v2.9.0)."""
    if origin is Origin.KERAS:
        return 6
    if origin is None:
        return None  # who applied it is not known
    matches = loss in _OP_TYPES.get(activation, ()) if activation is not None else False
    if matches:
        return 10
    return 14 if origin is Origin.SOFTMAX_LAYER else None


def _double_squash_lines(
    lines: frozenset[VersionLine], context: RuleContext, first: int | None
) -> tuple[list[str], list[str]]:
    """(where the activation is applied twice, where the TF backend warns and uses the logits behind
    it from keras 2.`first` on: see first_recovery; None: never), keras-semantics §2; not in TF 2.2;
    none on Keras 3's JAX/torch backends, which a tf.keras-only file does not use."""
    low, high = context.l3_minors
    squashed: list[str] = []
    repaired: list[str] = []
    if L2 in lines:
        squashed.append("Keras 2.3/TF 2.0-2.1")
    last_squashed = high if first is None else min(high, first - 1)
    if L3 in lines and low <= last_squashed:
        squashed.append(tf_minors(low, last_squashed))
    if first is None:  # a raw activation records no logits: applied twice everywhere
        if L4 in lines:
            squashed.append("tf-keras")
        if L5 in lines:
            squashed.append("Keras 3")
        return squashed, repaired
    if L5 in lines and (API_KERAS in context.apis or not context.apis):
        squashed.append("Keras 3's JAX/torch backends")
    if L3 in lines and high >= first:
        repaired.append(f"TF 2.{first}+" if L4 in lines or L5 in lines else tf_minors(max(low, first), high))
    if L4 in lines and not (L3 in lines and high >= first):
        repaired.append("tf-keras")
    if L5 in lines and not (L3 in lines and high >= first):
        repaired.append("Keras 3's TF backend")
    return squashed, repaired


class ProbabilitiesLossOnLogits(Rule):
    """## What it does
    Flags a crossentropy loss that expects probabilities (`from_logits=False`, the default, and
    every plain string) on an output layer with no activation.

    ## Why is this bad?
    The loss clips the raw scores into [0, 1] and treats them as probabilities. Categorical and
    sparse categorical crossentropy barely learn (0.06-0.18 accuracy against 0.80 measured);
    binary crossentropy learns worse. No Keras version warns.

    ## Fix safety
    Adding `from_logits=True` to a loss object is safe (the output stays logits, the loss reads
    them correctly) and applied. A string loss must first become a loss object: not applied.
    """

    code = "KER105"
    name = "probabilities-loss-on-logits"
    summary = "crossentropy expecting probabilities on a linear output"
    severity = Severity.BROKEN
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
from tensorflow import keras

inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(32, activation="relu")(inputs)
outputs = keras.layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
"""
    use_instead = """\
from tensorflow import keras

inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(32, activation="relu")(inputs)
outputs = keras.layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in catalogue.CROSSENTROPY_KINDS:
            return
        if loss.from_logits is not False or output.activation != catalogue.LINEAR:
            return
        if output.layer not in catalogue.DENSE_LIKE:
            return
        if output.width == 1 and loss.kind in catalogue.CATEGORICAL_KINDS:
            return  # KER102 reports the graver problem of the same loss
        severity = Severity.DEGRADED if loss.kind in catalogue.BINARY_KINDS else Severity.BROKEN
        width = f"{output.width}-unit " if output.width is not None else ""
        fix = None
        if loss.form == MetricForm.INSTANCE:
            fix = keyword_fix("pass from_logits=True", True, loss.value_node, "from_logits", "True")
        yield Finding(
            loss.report_node,
            f"{loss.spelling} on a linear {width}output reads logits as probabilities",
            fix,
            severity,
        )


class SigmoidWithCategoricalCrossentropy(Rule):
    """## What it does
    Flags categorical or sparse categorical crossentropy on a sigmoid output with two or more units.

    ## Why is this bad?
    It trains about as well as a softmax, but the outputs no longer sum to one, so `predict()`
    does not return a distribution over the classes that callers expect. With the sparse loss the
    TensorFlow backend of tf.keras 2.6+ and Keras 3 trains the sigmoid's logits as a softmax; older
    versions normalise the clipped sigmoid values (a softmax of their log: keras backend
    `sparse_categorical_crossentropy`), as the categorical loss divides them by their sum.

    ## Fix safety
    Replacing the activation string with `"softmax"` is safe, and applied, when the targets are
    single-label: the sparse loss (integer class ids) or one-hot labels visible in the code
    (`to_categorical`, `OneHotEncoder`, a categorical directory loader, ...). The categorical loss
    alone does not establish that: Keras's categorical crossentropy divides the output by its sum
    and accepts any target row, so a multi-hot row `[1, 1, 0]` trains a sigmoid output towards
    `[1, 1, 0]` (the loss is the same at any common scale) where a softmax can only give
    `[0.5, 0.5, 0]`: predictions thresholded at 0.5, and threshold metrics, would change. Without
    label evidence the fix is offered as unsafe; with multi-hot labels it is not offered (binary
    crossentropy is the loss for multi-label targets).
    """

    code = "KER106"
    name = "sigmoid-with-categorical-crossentropy"
    summary = "categorical / sparse categorical crossentropy on a sigmoid output of width >= 2"
    severity = Severity.STYLE
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(64, activation="relu", input_dim=20))
model.add(Dense(5, activation="sigmoid"))
model.compile(loss="categorical_crossentropy", optimizer="sgd")
"""
    use_instead = """\
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(64, activation="relu", input_dim=20))
model.add(Dense(5, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="sgd")
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in (catalogue.CCE, catalogue.SCCE):
            return
        if output.activation != catalogue.SIGMOID or output.width is None or output.width < 2:
            return
        yield Finding(
            loss.report_node,
            f"{loss.spelling} on a {output.width}-unit sigmoid: outputs are not a class distribution",
            _softmax_fix(site, loss, output),
        )


def _softmax_fix(site: CompileSite, loss: LossFact, output: Output) -> Fix | None:
    """Safe only when the targets are single-label (see SigmoidWithCategoricalCrossentropy)."""
    if multi_label(site) is not None:
        return None
    if loss.kind == catalogue.SCCE:
        return string_fix("use a softmax (integer class ids: one class per sample)", True, output.activation_value,
                          catalogue.SOFTMAX)
    single = single_label(site)
    if single is not None:
        return string_fix(f"use a softmax (one-hot labels: {single.origin})", True, output.activation_value,
                          catalogue.SOFTMAX)
    return string_fix("use a softmax (if every sample has one class)", False, output.activation_value,
                      catalogue.SOFTMAX)
