"""KER107-KER108: the activations at the end of the model against what the loss expects."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import Activation, CompileSite, FixSafety, LossKind, Severity
from keraslint.fixes import string_fix
from keraslint.versions import ALL_VERSION_LINES
from keraslint.rules.base import Finding, Rule, RuleContext


_E = 2.718281828459045


def never_trained(site: CompileSite) -> bool:
    """Nothing trains or evaluates the compiled model after this compile(), while it is applied
    inside another model or predicted, or while the file trains other models: its loss and metrics
    never run (a GAN's generator, a feature extractor compiled out of habit)."""
    if site.usage & catalogue.TRAINING_METHODS:
        return False
    return bool(site.usage & catalogue.INFERENCE_METHODS) or site.file_trains


def softmax_cap(classes: int) -> float:
    """The largest probability a softmax of a softmax can give over `classes` classes: e/(e+n-1)."""
    return _E / (_E + classes - 1)


class SoftmaxAppliedTwice(Rule):
    """## What it does
    Flags a softmax applied to an output that already ends in a softmax, with nothing in between
    that changes the values: `Dense(10, activation="softmax")` followed by `Activation("softmax")`,
    `Softmax()`, a softmax `Lambda` or `keras.activations.softmax(x)` (dropout and
    `Activation("linear")` in between change nothing).

    ## Why is this bad?
    The second softmax squashes probabilities that are already in [0, 1]: the largest probability
    the model can give is e/(e+n-1), 0.232 for 10 classes, the training loss cannot fall below 1.5
    and training converges more slowly (0.38-0.52 against 0.64-0.67 accuracy after one epoch,
    0.4-0.9 points lower at the end, on every backend). `predict()` no longer returns usable
    probabilities. A softmax inside the network (attention weights) followed by other layers, and
    a linear `Dense(10)` followed by `Activation("softmax", dtype="float32")` (mixed precision) are
    one softmax each: not flagged.

    ## Fix safety
    Turning the second `Activation("softmax")` into `Activation("linear")` removes it and keeps the
    layer (its name and dtype): safe, applied. A `Softmax()` layer, a `Lambda` or a function call
    must be deleted by hand.
    """

    code = "KER107"
    name = "softmax-applied-twice"
    summary = "a softmax applied to an output that already ends in a softmax"
    severity = Severity.DEGRADED
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
    keras.layers.Activation("softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""
    use_instead = """\
import keras

model = keras.Sequential([
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(10),
    keras.layers.Activation("softmax", dtype="float32"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        output = site.output
        if output is None or output.activation != Activation.SOFTMAX or output.applied_on != Activation.SOFTMAX:
            return
        if output.width is not None and output.width >= 2:
            consequence = f"probabilities capped at {softmax_cap(output.width):.3f} ({output.width} classes)"
        else:
            consequence = "probabilities squashed towards uniform"
        fix = string_fix("drop the second softmax (Activation('linear'))", True, output.activation_value, "linear")
        yield Finding(
            output.activation_node or site.call, f"softmax of a softmax output: {consequence}, slower training", fix
        )


# What a crossentropy makes of a non-probability output (keras-semantics 6.7; backends' nn.py).
_CATEGORICAL = frozenset({LossKind.CCE, LossKind.CFCE})


class CrossentropyOnNonProbabilityOutput(Rule):
    """## What it does
    Flags a crossentropy loss that expects probabilities (`from_logits=False`, the default, and
    every plain string) on an output whose last activation gives values outside (0, 1): relu, tanh,
    elu, selu, leaky relu, softplus, exponential (also the tanh an `LSTM` / `GRU` / `SimpleRNN`
    ends in by default).

    ## Why is this bad?
    Categorical crossentropy divides the output by its sum: a relu output gives a NaN loss as soon as
    a row's units are all 0 (every run measured in keras-semantics §6.7; reported runs that kept a
    positive unit had a finite loss that does not fall), tanh 0.11-0.16 accuracy against 0.97.
    Sparse categorical crossentropy on the TensorFlow backend clips the output to [eps, 1-eps] and
    then normalises it (a softmax of its log: `sparse_categorical_crossentropy` in
    keras/backend.py@v2.15.0 and in
    keras/src/backend/tensorflow/nn.py@v3.15.1), so every value below eps counts as eps: it trains
    worse. Binary crossentropy clips the output to [eps, 1-eps]: 0.4 to 10 points lost. Only softmax
    and sigmoid outputs are recovered as logits by the TensorFlow backend; nothing undoes these.
    Softplus and exponential outputs are positive, so categorical crossentropy's division turns them
    into a distribution (the exponential exactly into a softmax): not flagged with categorical
    crossentropy. A model that is never trained after its
    compile() while it is applied inside another model, predicted, or while the file trains other
    models (a GAN's generator) never trains with that loss: not flagged.

    ## Fix safety
    Unsafe: a softmax output (categorical) or a sigmoid output (binary) is what the loss expects,
    but the activation may have been chosen for `predict()`. `--unsafe-fixes` replaces an
    activation string.
    """

    code = "KER108"
    name = "crossentropy-on-non-probability-output"
    summary = "crossentropy expecting probabilities on a relu / tanh / elu / ... output"
    severity = Severity.BROKEN
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.UNSAFE
    fix_applied = True
    example = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="relu")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""
    use_instead = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        loss, output = site.loss, site.output
        if loss is None or output is None or loss.kind not in catalogue.CROSSENTROPY_KINDS:
            return
        activation = output.activation
        if loss.from_logits is not False or activation not in catalogue.NON_PROBABILITY_ACTIVATIONS:
            return
        if loss.kind in _CATEGORICAL and activation in catalogue.POSITIVE_ACTIVATIONS:
            return  # divided by its sum: a distribution (an exponential output is a softmax)
        if output.width == 1 and loss.kind in catalogue.CATEGORICAL_KINDS:
            return  # KER102 reports the graver problem of the same loss
        if never_trained(site):
            return  # never trained with this loss
        binary = loss.kind in catalogue.BINARY_KINDS
        if binary or loss.kind not in _CATEGORICAL:  # binary, or sparse: clipped (and renormalised), not lost
            consequence, severity = "values outside (0, 1) are clipped, trains worse", Severity.DEGRADED
        elif loss.kind in _CATEGORICAL and activation == Activation.RELU:
            # NaN as soon as a row's units are all 0 (every run of §6.7); probes 7-8 saw runs that kept a
            # positive unit and a finite, flat loss instead: either way nothing is learned
            consequence, severity = "the model cannot learn (NaN loss once a row's units are all 0)", Severity.BROKEN
        else:
            consequence, severity = "the model cannot learn", Severity.BROKEN
        shown = str(activation)
        if output.activation_value is None and output.layer in catalogue.DEFAULT_ACTIVATION:
            shown = f"{activation} ({output.layer})"  # the activation an RNN layer applies by default
        width = f"{output.width}-unit " if output.width is not None else ""
        fix = string_fix(
            f"use a {'sigmoid' if binary else 'softmax'} output", False, output.activation_value,
            catalogue.SIGMOID if binary else catalogue.SOFTMAX,
        )
        yield Finding(
            loss.report_node,
            f"{loss.spelling} reads a {width}{shown} output as probabilities: {consequence}",
            fix,
            severity,
        )
