"""Builds the CompileSite records of a file from the evaluator's raw compile() calls, once.

Loss and metric arguments become LossFact / MetricFact, each with the node a finding reports at
(the argument as written at the call) and the node a fix would replace. A multi-output model
gives one record per output. Nothing here changes the evaluator's values.
"""

from __future__ import annotations

import ast
from typing import Iterator, Mapping, Sequence, TypeGuard

from keraslint import catalogue
from keraslint import source as text
from keraslint.analysis.evaluate import Evaluator
from keraslint.analysis.keras_semantics import DatasetLabels, FitCall, LabelValue, RawCompile
from keraslint.analysis.labels import label_fact
from keraslint.analysis.records import (
    CompileSite,
    LabelFact,
    LayerActivation,
    LossFact,
    MetricFact,
    MetricForm,
    MetricsArgument,
    Output,
    UnmatchedMetrics,
)
from keraslint.analysis.optimizers import optimizer_alternatives, optimizer_fact
from keraslint.analysis.training import logged_keys, training_calls
from keraslint.analysis.values import CallV, Const, DictV, Ref, Seq, Value
from keraslint.immutable import replace
from keraslint.versions import ALL_VERSION_LINES, API_TF, VersionLine

_LOSSES = "keras.losses."
_METRICS = "keras.metrics."
_NOT_L1 = frozenset(ALL_VERSION_LINES - {VersionLine.L1})


def build_sites(evaluator: Evaluator) -> tuple[CompileSite, ...]:
    """Every compile() of the file as rules see it.

    A compile() inside a function of the module is checked with the facts its callers give it when
    they all agree (their labels together); otherwise with the facts of the function alone.
    """
    by_call: dict[int, list[RawCompile]] = {}
    for record in evaluator.call_compiles:
        by_call.setdefault(id(record.call), []).append(record)
    sites: list[CompileSite] = []
    trains = any(record.uses & catalogue.TRAINING_METHODS for record in (*evaluator.compiles, *evaluator.call_compiles))
    fit_lines = frozenset(
        fit[1].lineno for record in (*evaluator.compiles, *evaluator.call_compiles) for fit in record.training
    )
    for raw in evaluator.compiles:
        labels: list[LabelValue] = []
        fits: list[FitCall] = []
        uses = set(raw.uses)
        callers = by_call.get(id(raw.call))
        if callers and all(_same_facts(callers[0], other) for other in callers[1:]):
            for caller in callers:
                labels.extend(caller.labels)
                fits.extend(caller.training)
                uses |= caller.uses
            labels.extend(raw.labels)
            # A fit() met both in a followed call and in the walk with unknown parameters: the
            # call's arguments are the facts (training_calls keeps the first record of a call node).
            fits.extend(raw.training)
            raw = callers[0]
        else:
            fits.extend(raw.training)
            labels.extend(raw.labels)
        sites.extend(_with_training(_expand(raw, labels), raw, fits, evaluator, frozenset(uses), trains, fit_lines))
    if sites:
        # Layer activation strings are facts of the file, checked once: they ride on the first site.
        activations = tuple(LayerActivation(text, node) for text, node in evaluator.layer_activations)
        sites[0] = replace(sites[0], layer_activations=activations)
    return tuple(sites)


def _unseen_fit_with_scheduler(source: str, attributed: frozenset[int]) -> bool:
    """A file that builds a LearningRateScheduler and calls a fit() no compile() is known to reach
    (an alias merged across branches): that fit() may be what trains a compile() whose fit is not seen."""
    if "LearningRateScheduler(" not in source:
        return False
    fits = text.lines_holding(source, ".fit(") | text.lines_holding(source, ".fit_generator(")
    return not fits <= attributed


def _with_training(sites: list[CompileSite], raw: RawCompile, fits: list[FitCall], evaluator: Evaluator,
                   uses: frozenset[str] = frozenset(), trains: bool = False,
                   fit_lines: frozenset[int] = frozenset()) -> list[CompileSite]:
    """The optimizer on every site of a compile(); its fit() calls and logged keys on the first."""
    given = _argument(raw.keywords, raw.positional, "optimizer", 0)
    optimizer = optimizer_fact(given[0]) if given is not None else None
    alternatives = optimizer_alternatives(given[0]) if given is not None else ()
    training = training_calls(fits, evaluator.module, evaluator.history_lines, fit_lines, evaluator.source_text)
    logged = logged_keys(raw, API_TF in evaluator.apis) if training else None
    if training:
        scheduled = all(call.sets_rate for call in training)  # every fit() sets the rate
    else:
        scheduled = _unseen_fit_with_scheduler(evaluator.source_text, fit_lines)
    return [
        replace(site, optimizer=optimizer, optimizer_alternatives=alternatives, training=training if index == 0 else (),
                logged=logged if index == 0 else None, usage=uses, file_trains=trains, rate_scheduled=scheduled)
        for index, site in enumerate(sites)
    ]


def _label_facts(values: list[LabelValue]) -> tuple[LabelFact, ...]:
    facts = []
    for value in values:
        if isinstance(value, DatasetLabels):
            fact = label_fact(value.source, carried=True)
        else:
            fact = label_fact(value)
        if fact is not None:
            facts.append(fact)
    return tuple(facts)


def _same_facts(left: RawCompile, right: RawCompile) -> bool:
    def arguments(record: RawCompile) -> tuple[list[Value], dict[str, Value]]:
        return (
            [value for value, _ in record.positional],
            {key: value for key, (value, _) in record.keywords.items()},
        )

    try:
        return left.output == right.output and arguments(left) == arguments(right) and (
            left.model.outputs == right.model.outputs
        )
    except Exception:  # values without a usable equality: treat as disagreeing
        return False


_Arguments = tuple[tuple[tuple[Value, ast.expr], ...], dict[str, tuple[Value, ast.expr]]]
# Keyword arguments as they apply to one output: (value, the node a finding reports at).
_Keywords = dict[str, tuple[Value, ast.AST]]


def _expand(raw: RawCompile, label_values: list[LabelValue]) -> list[CompileSite]:
    """One site per model output: dict losses, metrics and labels by output name, lists by position."""
    outputs = raw.model.outputs
    positional = tuple(raw.positional)
    labels = _label_facts(label_values)
    if outputs is None:
        output = raw.output if isinstance(raw.output, Output) else None
        name = output.name if output is not None else None
        keywords, per_output = _keywords_for_output(raw, 0, name, 1)
        return [_site(raw, output, positional, keywords, per_output, (), labels, True)]
    sites = []
    for index, fact in enumerate(outputs):
        key: object
        if raw.model.output_keys is not None:
            key = raw.model.output_keys[index]
        else:
            key = fact.name if isinstance(fact, Output) else None
        keywords, per_output = _keywords_for_output(raw, index, key, len(outputs))
        labels = _label_facts(_labels_for_output(label_values, index, key, len(outputs)))
        keras3_entries = _keras3_flat_entries(raw, index, len(outputs))
        sites.append(_site(raw, fact if isinstance(fact, Output) else None, positional[:1], keywords, per_output,
                           keras3_entries, labels, index == 0))
    if sites and raw.model.output_keys is None:
        sites[0] = replace(sites[0], unmatched_metrics=_unmatched_flat_metrics(raw, len(outputs)))
    return sites


def _labels_for_output(values: list[LabelValue], index: int, key: object, count: int) -> list[LabelValue]:
    """The labels of one output of a multi-output model: `fit(x, [y1, y2])` by position,
    `fit(x, {"name": y})` by output name; anything else is not established per output."""
    picked: list[LabelValue] = []
    for value in values:
        if isinstance(value, Seq) and len(value.items) == count:
            picked.append(value.items[index])
        elif isinstance(value, DictV) and key is not None:
            picked.append(value.get(key))
    return picked


def _unmatched_flat_metrics(raw: RawCompile, count: int) -> tuple[UnmatchedMetrics, ...]:
    """Flat metrics lists of a model with a list of `count` >= 2 outputs whose length is not `count`."""
    found = []
    for keyword, value, node in _flat_metrics_lists(raw):
        if count >= 2 and value.items and len(value.items) != count:
            found.append(UnmatchedMetrics(keyword, len(value.items), count, node))
    return tuple(found)


def _flat_metrics_lists(raw: RawCompile) -> Iterator[tuple[str, Seq, ast.AST]]:
    """`metrics=[...]` / `weighted_metrics=[...]` given as one flat list (no per-output lists or dicts)."""
    for keyword in ("metrics", "weighted_metrics"):
        given = raw.keywords.get(keyword)
        if given is None:
            continue
        value, node = given
        if isinstance(value, Seq) and not any(isinstance(item, (Seq, DictV)) for item in value.items):
            yield keyword, value, node


def _keras3_flat_entries(raw: RawCompile, index: int, count: int) -> tuple[MetricsArgument, ...]:
    """Keras 3 reads a flat metrics list whose length equals the number of outputs one entry per
    output (keras/src/trainers/compile_utils.py); Keras 2 applies every entry to every output."""
    found = []
    for keyword, value, node in _flat_metrics_lists(raw):
        if len(value.items) != count or count < 2:
            continue
        item_node = value.item_nodes[index] if value.item_nodes else None
        found.append(_metrics_argument(keyword, frozenset({VersionLine.L5}), value.items[index], item_node or node,
                                       None, per_output=True))
    return tuple(found)


def _site(raw: RawCompile, output: Output | None, positional: tuple[tuple[Value, ast.expr], ...], keywords: _Keywords,
          per_output: frozenset[str], keras3_entries: tuple[MetricsArgument, ...], labels: tuple[LabelFact, ...],
          first: bool) -> CompileSite:
    loss = _argument(keywords, positional, "loss", _LOSS_POSITION)
    if raw.model.custom_training:
        loss = None  # train_step / compute_loss of its own: the compiled loss may never run
    metrics = tuple(_metrics_arguments(keywords, positional, per_output))
    if keras3_entries:
        # Keras 2 applies the flat list to every output, Keras 3 one entry to each.
        metrics = tuple(replace(argument, lines=argument.lines - {VersionLine.L5}) for argument in metrics)
        metrics += keras3_entries
    return CompileSite(
        call=raw.call,
        output=output,
        loss=loss_fact(*loss) if loss is not None else None,
        metrics_arguments=metrics,
        labels=labels,
        positional=tuple(node for _, node in positional),
        keyword_nodes=tuple(raw.keyword_nodes.items()),
        double_star=raw.double_star,
    )


def _argument(keywords: Mapping[str, tuple[Value, ast.AST]], positional: Sequence[tuple[Value, ast.expr]], keyword: str,
              position: int) -> tuple[Value, ast.AST] | None:
    if keyword in keywords:
        return keywords[keyword]
    if position < len(positional):
        return positional[position]
    return None


# Where compile() takes its arguments by position (keras-semantics §3.5): Keras 3 moved metrics.
_LOSS_POSITION = catalogue.COMPILE_POSITIONAL_L1_L4.index("loss")
_METRICS_POSITIONS = (
    (catalogue.COMPILE_POSITIONAL_L1_L4.index("metrics"), frozenset(ALL_VERSION_LINES - {VersionLine.L5})),
    (catalogue.COMPILE_POSITIONAL_L5.index("metrics"), frozenset({VersionLine.L5})),
)


def _metrics_arguments(keywords: _Keywords, positional: tuple[tuple[Value, ast.expr], ...],
                       per_output: frozenset[str]) -> Iterator[MetricsArgument]:
    for keyword in ("metrics", "weighted_metrics"):
        if keyword in keywords:
            value, node = keywords[keyword]
            yield _metrics_argument(keyword, ALL_VERSION_LINES, value, node, None, per_output=keyword in per_output)
    if "metrics" in keywords:
        return
    for position, lines in _METRICS_POSITIONS:
        if len(positional) > position:
            value, node = positional[position]
            yield _metrics_argument("metrics", lines, value, node, position)


def _keywords_for_output(raw: RawCompile, index: int, key: object, count: int) -> tuple[_Keywords, frozenset[str]]:
    """(keyword arguments as they apply to one output, names whose value was picked out of a
    per-output dict or list)."""
    picked_names: set[str] = set()
    keywords: _Keywords = dict(raw.keywords)
    for name in ("loss", "metrics", "weighted_metrics"):
        if name not in keywords:
            continue
        value, node = keywords[name]
        if isinstance(value, DictV):
            picked_names.add(name)
            picked = _pick_by_key(value, key, node)
            if picked is None:
                del keywords[name]
            else:
                keywords[name] = picked
        elif isinstance(value, Seq) and count > 1 and (
            name == "loss" or all(isinstance(item, (Seq, DictV)) for item in value.items)
        ):
            picked_names.add(name)
            if len(value.items) == count:
                item_node = value.item_nodes[index] if value.item_nodes else None
                keywords[name] = (value.items[index], item_node or node)
            else:
                del keywords[name]
    return keywords, frozenset(picked_names)


def _pick_by_key(value: DictV, key: object, keyword_node: ast.AST) -> tuple[Value, ast.AST] | None:
    """`keyword_node`: where a dict without nodes (a loader's Bunch, not a literal) is reported."""
    if key is None:
        return None
    for (item_key, item), item_node in zip(value.items, value.value_nodes or (None,) * len(value.items)):
        if item_key == key:
            return item, item_node or value.node or keyword_node
    return None


def loss_fact(value: Value, report_node: ast.AST) -> LossFact | None:
    if isinstance(value, Seq) and len(value.items) == 1:
        return loss_fact(value.items[0], report_node)
    value_node = getattr(value, "node", None)
    if isinstance(value, Const) and isinstance(value.value, str):
        spelling = catalogue.LOSS_SPELLINGS.get(value.value)
        if spelling is None:
            return LossFact(None, None, repr(value.value), MetricForm.STRING, value.value, frozenset(), report_node,
                            value_node)
        return LossFact(spelling.kind, False, repr(value.value), MetricForm.STRING, value.value, spelling.valid_on,
                        report_node, value_node)
    if isinstance(value, CallV) and value.callee.startswith(_LOSSES):
        name = value.callee[len(_LOSSES) :]
        kind = catalogue.LOSS_CLASSES.get(name)
        if kind is None:
            return None
        return LossFact(kind, _from_logits(value, name), f"{name}()", MetricForm.INSTANCE, None, _NOT_L1,
                        report_node, value_node, bool(value.args))
    if isinstance(value, Ref) and value.name.startswith(_LOSSES):
        name = value.name[len(_LOSSES) :]
        if name in catalogue.LOSS_CLASSES:
            return LossFact(catalogue.LOSS_CLASSES[name], False, name, MetricForm.CLASS, None, _NOT_L1, report_node,
                            None)
        if name in catalogue.LOSS_FUNCTIONS:
            return LossFact(catalogue.LOSS_FUNCTIONS[name], False, name, MetricForm.FUNCTION, None,
                            catalogue.LOSS_SPELLINGS[name].valid_on, report_node, None)
    return None


def _from_logits(call: CallV, name: str) -> bool | None:
    if call.has_star:
        return None
    given = call.kwarg("from_logits")
    if given is None and call.args and name in catalogue.FROM_LOGITS_FIRST_POSITIONAL:
        given = call.args[0]
    if given is None:
        if call.args and name not in catalogue.FROM_LOGITS_FIRST_POSITIONAL:
            return None  # positional arguments whose meaning we do not track
        return False
    if isinstance(given, Const) and isinstance(given.value, bool):
        return given.value
    return None


def _metrics_argument(keyword: str, lines: frozenset[VersionLine], value: Value, node: ast.AST,
                      position: int | None, per_output: bool = False) -> MetricsArgument:
    """`per_output`: the value is one output's entry of a dict or list, where every line accepts a
    bare metric (keras/src/trainers/compile_utils.py wraps it in a list)."""
    if isinstance(value, Const) and isinstance(value.value, str):
        fact = metric_fact(value, node)
        bare = None if per_output else fact
        return MetricsArgument(keyword, lines, (fact,) if fact else (), bare, node, position)
    if per_output and not isinstance(value, Seq):
        fact = metric_fact(value, node)
        return MetricsArgument(keyword, lines, (fact,) if fact else (), None, node, position)
    facts: list[MetricFact] = []
    single = None
    if isinstance(value, Seq):
        for item, item_node in zip(value.items, value.item_nodes or (None,) * len(value.items)):
            report = item_node if item_node is not None else node
            fact = metric_fact(item, report)
            if fact is not None:
                facts.append(fact)
    else:
        single = metric_fact(value, node)  # one metric object, not in a list
    return MetricsArgument(keyword, lines, tuple(facts), None, node, position, single)


def metric_fact(value: Value, report_node: ast.AST) -> MetricFact | None:
    value_node = getattr(value, "node", None)
    if isinstance(value, Const) and isinstance(value.value, str):
        return MetricFact(MetricForm.STRING, value.value, report_node, value_node)
    if isinstance(value, CallV) and value.callee.startswith(_METRICS):
        name = value.callee[len(_METRICS) :]
        looked_up = _looked_up_accuracy(value) if name == "get" else None
        if looked_up is not None:
            return MetricFact(MetricForm.FUNCTION, looked_up, report_node, value_node)
        threshold: float | None = None
        known = not value.has_star
        given = value.kwarg("threshold")
        if given is not None:
            if isinstance(given, Const) and isinstance(given.value, (int, float)) and not isinstance(given.value, bool):
                threshold = float(given.value)
            else:
                known = False
        constants = tuple(
            (key, _constant(given)) for key, given in value.kwargs if _constant(given) is not _NOT_CONSTANT
        )
        unknown = frozenset(key for key, given in value.kwargs if _constant(given) is _NOT_CONSTANT)
        return MetricFact(MetricForm.INSTANCE, name, report_node, value_node, threshold, known, constants, unknown,
                          len(value.args), value.has_star)
    if isinstance(value, Ref) and value.name.startswith(_METRICS):
        name = value.name[len(_METRICS) :]
        form = MetricForm.CLASS if name[:1].isupper() else MetricForm.FUNCTION
        return MetricFact(form, name, report_node, None)
    return None


def _looked_up_accuracy(call: CallV) -> str | None:
    """`keras.metrics.get('accuracy')` / `get('acc')`: the exact-match accuracy function (an Accuracy()
    object on Keras 3), never what compile() resolves the string to (docs/notes.md, session 7)."""
    given = call.args[0] if len(call.args) == 1 and not call.kwargs and not call.has_star else None
    if isinstance(given, Const) and given.value in catalogue.ACCURACY_STRINGS:
        return str(given.value)
    return None


_NOT_CONSTANT = object()


def _constant(value: Value) -> object:
    """The Python constant a value establishes (a tuple for a sequence of constants), or _NOT_CONSTANT."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq) and _all_constants(value.items):
        return tuple(item.value for item in value.items)
    return _NOT_CONSTANT


def _all_constants(items: tuple[Value, ...]) -> TypeGuard[tuple[Const, ...]]:
    return all(isinstance(item, Const) for item in items)
