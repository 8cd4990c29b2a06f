"""KER3xx: compile() arguments that do not mean the same thing on every Keras line."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, MetricFact, MetricForm, Severity
from keraslint.diagnostics import Fix
from keraslint.fixes import pass_by_keyword_fix, string_fix, wrap_in_list_fix
from keraslint.versions import ALL_VERSION_LINES, VersionLine
from keraslint.rules.base import Finding, Node, Rule, RuleContext, on

L3, L4, L5 = VersionLine.L3, VersionLine.L4, VersionLine.L5


class PositionalMetrics(Rule):
    """## What it does
    Flags a `compile()` call whose third positional argument is a list of metrics.

    ## Why is this bad?
    Keras 3 moved `loss_weights` to the third position. `model.compile("adam", loss, ["accuracy"])`
    compiles without complaint, reports no accuracy, then fails at the first `fit()` with a dtype
    error that does not mention metrics. Keras 2 reads the same call as metrics.

    ## Fix safety
    Passing `metrics=` by keyword means the same on every version: safe, applied.
    """

    code = "KER304"
    name = "positional-metrics"
    summary = "metrics passed as the third positional argument of compile()"
    severity = Severity.CRASH
    true_on = frozenset({L5})
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "categorical_crossentropy", ["accuracy"])
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        if len(site.positional) <= catalogue.COMPILE_POSITIONAL_L5.index("loss_weights") or L5 not in context.lines:
            return
        keras2_position = catalogue.COMPILE_POSITIONAL_L1_L4.index("metrics")  # loss_weights on Keras 3
        for argument in site.metrics_arguments:
            if argument.position != keras2_position:
                continue
            if not (argument.metrics or argument.bare_string or argument.single_object):
                return  # nothing that is visibly a metric
            fix = None
            if len(site.positional) == 3:
                fix = pass_by_keyword_fix(argument.node, "metrics")
            yield Finding(argument.node,
                          "third positional compile() argument is loss_weights on Keras 3, not metrics: fails at fit()",
                          fix)


class UnknownIdentifier(Rule):
    """## What it does
    Flags a loss or metric string, or a `compile()` keyword, that does not exist on the newest
    Keras line the project may use: for example loss `"logcosh"` or `"huber_loss"` on Keras 3,
    metric `"auc"` on TF 2.x or tf-keras, a bare-string `metrics="accuracy"` or
    `sample_weight_mode=` on Keras 3, a keyword such as `metric=` or `lr=` that tf.keras 2.2-2.15 and
    tf-keras reject (TypeError at `compile()`), and spellings no version accepts (`"cce"`, `"scce"`). On a
    model with a list of outputs, a flat `metrics=[...]` whose length is not the number of outputs
    (`["accuracy"]` on two outputs): Keras 2 applies every entry to every output, Keras 3 reads one
    entry per output and raises ValueError at the first fit().

    ## Why is this bad?
    Keras raises at compile() or, worse, at the first fit(), after data loading and model building
    have run. Layer activation strings are checked too (`"SOFTMAX"` exists nowhere; `"gelu"` not on
    Keras 2.0-2.3).

    Unlike the other rules, an unknown target is checked against the **newest** line the project
    could use, not against every possible line: a spelling that only newer versions added (`"huber"`,
    `"auc"` on Keras 3) is what current code writes, and reporting it as missing from Keras 2.0
    would be noise. Pin the version (or set `keras-version`) to check against an older line.

    ## Fix safety
    Replacing a string with the spelling valid on the target line is safe, applied when there is
    exactly one such spelling.
    """

    code = "KER305"
    name = "unknown-identifier"
    summary = "a loss, metric or compile() keyword that the target Keras line does not have"
    severity = Severity.CRASH
    true_on = ALL_VERSION_LINES
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import keras

model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="logcosh")
"""
    use_instead = """\
import keras

model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="log_cosh")
"""
    example_target = "3"

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        newest = context.newest
        where = on(frozenset({newest}))
        if not context.custom_objects:  # a registry may give any spelling a meaning
            yield from self._loss(site, newest, where)
            yield from self._activations(site, newest, where)
        yield from self._metrics(site, newest, where, context.custom_objects)
        if newest == L5:
            for unmatched in site.unmatched_metrics:
                entries = f"{unmatched.entries} {'entry' if unmatched.entries == 1 else 'entries'}"
                yield Finding(
                    unmatched.node,
                    f"{unmatched.keyword}= has {entries} for {unmatched.outputs} outputs: Keras 3 reads one entry "
                    f"per output and raises ValueError at the first fit() (give one list per output)",
                )
        if not site.double_star:
            yield from self._keywords(site, context, newest, where)

    @staticmethod
    def _keywords(site: CompileSite, context: RuleContext, newest: VersionLine, where: str) -> Iterable[Finding]:
        """compile() keywords the newest line does not have: Keras 3 and tf.keras 2.2+ raise TypeError
        at compile() (graph mode's v1 compile passes them on instead)."""
        if newest == L5:
            known = catalogue.COMPILE_KEYWORDS_L5
        elif newest in (L3, L4) and not context.graph_mode:
            known = catalogue.COMPILE_KEYWORDS_TF2
        else:
            return
        for keyword, node in site.keyword_nodes:
            if keyword not in known:
                yield Finding(node, f"compile() has no {keyword}= on {where}: TypeError at compile()")

    @staticmethod
    def _loss(site: CompileSite, newest: VersionLine, where: str) -> Iterable[Finding]:
        loss = site.loss
        if loss is None or loss.form != MetricForm.STRING or loss.identifier not in catalogue.LOSS_SPELLINGS:
            return
        if newest not in loss.valid_on:
            spelling = catalogue.LOSS_SPELLINGS[loss.identifier]
            hint = f" (use '{spelling.suggestion}')" if spelling.suggestion and " " not in spelling.suggestion else ""
            # Keras 2.0-2.3 resolve the loss in compile(); TF 2.2+ and Keras 3 at the first fit() (§6.13).
            when = "compile()" if newest in (VersionLine.L1, VersionLine.L2) else "the first fit()"
            yield Finding(loss.report_node, f"loss {loss.spelling} does not exist on {where}: fails at {when}{hint}",
                          _string_fix(loss.value_node, spelling.suggestion))

    @staticmethod
    def _metrics(site: CompileSite, newest: VersionLine, where: str, custom_objects: bool) -> Iterable[Finding]:
        for argument in site.metrics_arguments:
            if newest not in argument.lines:
                continue
            if argument.bare_string is not None and newest == L5:
                yield Finding(argument.bare_string.report_node,
                              f"metrics={argument.bare_string.name!r} is not a list: Keras 3 rejects it at compile()",
                              wrap_in_list_fix(argument.bare_string.value_node))
                continue
            if custom_objects:
                continue
            for metric in argument.metrics:
                if metric.form == MetricForm.STRING:
                    yield from _metric_spelling(metric, newest, where)

    @staticmethod
    def _activations(site: CompileSite, newest: VersionLine, where: str) -> Iterable[Finding]:
        for activation in site.layer_activations:
            text, node = activation.text, activation.node
            valid_on = catalogue.ACTIVATION_SPELLINGS.get(text)
            if valid_on is not None:
                if newest not in valid_on:
                    yield Finding(node, f"activation '{text}' does not exist on {where}: fails when the layer is built")
            elif text.lower() in catalogue.ACTIVATION_SPELLINGS and not (
                text == "Softmax" and newest == VersionLine.L4
            ):
                # tf-keras takes 'Softmax' (the layer's name, keras-semantics §3.4); other spellings fail everywhere.
                nowhere = "not accepted on " + where if text == "Softmax" else "no Keras version accepts it"
                yield Finding(node, f"activation '{text}' is case-sensitive: {nowhere} (use '{text.lower()}')",
                              _string_fix(node, text.lower()))


def _metric_spelling(metric: MetricFact, newest: VersionLine, where: str) -> Iterable[Finding]:
    bad = catalogue.BAD_METRIC_SPELLINGS.get(metric.name)
    if bad is not None and newest in bad.invalid_on:
        # Keras 2.0-2.2 has no metric classes (they arrived in 2.3): a class suggestion would not exist there.
        names_a_class = bad.suggestion[1:2].isupper() or bad.suggestion.startswith("keras.metrics.")
        hint = "" if newest == VersionLine.L1 and names_a_class else f" (use {bad.suggestion})"
        yield Finding(metric.report_node, f"metric '{metric.name}' does not exist on {where}{hint}")
    elif (
        metric.name.lower() in catalogue.ACCURACY_STRINGS
        and metric.name not in catalogue.ACCURACY_STRINGS
        and metric.name != "Accuracy"
        and newest in (VersionLine.L1, VersionLine.L2)
    ):
        fix_node = metric.value_node if metric.value_node is metric.report_node else None
        yield Finding(metric.report_node,
                      f"metric '{metric.name}' is matched exactly on {where}: fails at compile() (use 'accuracy')",
                      _string_fix(fix_node, "accuracy"))


def _string_fix(node: Node | None, suggestion: str | None) -> Fix | None:
    if suggestion is None or " " in suggestion:
        return None
    return string_fix(f"use '{suggestion}'", True, node, suggestion)
