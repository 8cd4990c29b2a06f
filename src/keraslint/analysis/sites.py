"""CompileSite: the facts of one compile() call that rules read.

Loss and metric arguments are turned into LossFact / MetricFact, each with the node a finding
reports at (the argument as written at the call) and the node a fix would replace.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.analysis.labels import LabelFact

import ast

from keraslint import catalogue
from keraslint.analysis.evaluate import RawCompile
from keraslint.analysis.values import CallV, Const, DictV, Output, Ref, Seq, Value
from keraslint.lines import ALL_LINES, Line

_LOSSES = "keras.losses."
_METRICS = "keras.metrics."


@dataclasses.dataclass(frozen=True)
class LossFact:
    kind: str | None  # catalogue kind; None when the loss is not one Keras knows by that spelling
    from_logits: bool | None  # None: not established
    spelling: str  # as shown in messages
    form: str  # "string", "instance", "class", "function"
    identifier: str | None  # the string, when given as a string
    valid_on: frozenset[Line]  # lines where this spelling exists
    report_node: ast.AST = dataclasses.field(compare=False, repr=False)
    value_node: ast.AST | None = dataclasses.field(compare=False, repr=False)  # the loss expression itself
    call: CallV | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class MetricFact:
    form: str  # "string", "instance", "class", "function"
    name: str  # the string, or the class / function name
    report_node: ast.AST = dataclasses.field(compare=False, repr=False)
    value_node: ast.AST | None = dataclasses.field(compare=False, repr=False)
    threshold: float | None = None  # BinaryAccuracy threshold when given
    threshold_known: bool = True  # False when a threshold is passed but not established
    call: CallV | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class MetricsArgument:
    keyword: str  # "metrics" or "weighted_metrics"
    lines: frozenset[Line]  # lines on which this argument is the metrics parameter
    metrics: tuple[MetricFact, ...]  # established elements only
    bare_string: MetricFact | None  # metrics="accuracy" (not a list)
    node: ast.AST


@dataclasses.dataclass
class CompileSite:
    """One compile() call seen from one model output (a multi-output model gives one per output)."""

    raw: RawCompile

    def labels(self) -> list["LabelFact"]:
        """What the labels passed to fit()/evaluate() on this model are, where established."""
        from keraslint.analysis.evaluate import DatasetLabels
        from keraslint.analysis.labels import label_fact

        facts = []
        for value in self.raw.labels:
            if isinstance(value, DatasetLabels):
                fact = label_fact(value.source, carried=True)
            else:
                fact = label_fact(value)
            if fact is not None:
                facts.append(fact)
        return facts

    @property
    def call(self) -> ast.Call:
        return self.raw.call

    @property
    def output(self) -> Output | None:
        output = self.raw.output
        return output if isinstance(output, Output) else None

    def argument(self, keyword: str, position: int | None) -> tuple[Value, ast.expr] | None:
        if keyword in self.raw.keywords:
            return self.raw.keywords[keyword]
        if position is not None and position < len(self.raw.positional):
            return self.raw.positional[position]
        return None

    def loss(self) -> LossFact | None:
        given = self.argument("loss", 1)
        if given is None:
            return None
        value, node = given
        return loss_fact(value, node)

    def metrics_arguments(self) -> Iterator[MetricsArgument]:
        for keyword in ("metrics", "weighted_metrics"):
            if keyword in self.raw.keywords:
                value, node = self.raw.keywords[keyword]
                yield _metrics_argument(keyword, ALL_LINES, value, node)
        positional = self.raw.positional
        if "metrics" not in self.raw.keywords and len(positional) > 2:
            value, node = positional[2]
            yield _metrics_argument("metrics", frozenset(ALL_LINES - {Line.L5}), value, node)
        if "metrics" not in self.raw.keywords and len(positional) > 3:
            value, node = positional[3]
            yield _metrics_argument("metrics", frozenset({Line.L5}), value, node)


def expand(raw: RawCompile) -> list[CompileSite]:
    """One site per model output: dict losses and metrics by output name, lists by position."""
    outputs = raw.model.outputs
    if outputs is None:
        output = raw.output
        name = output.name if isinstance(output, Output) else None
        keywords = _keywords_for_output(raw, 0, name, 1)
        return [CompileSite(raw if keywords is None else dataclasses.replace(raw, keywords=keywords))]
    sites = []
    for index, output in enumerate(outputs):
        if raw.model.output_keys is not None:
            key = raw.model.output_keys[index]
        else:
            key = output.name if isinstance(output, Output) else None
        keywords = _keywords_for_output(raw, index, key, len(outputs))
        sites.append(CompileSite(dataclasses.replace(raw, output=output, keywords=keywords or raw.keywords,
                                                     positional=raw.positional[:1])))
    return sites


def _keywords_for_output(raw: RawCompile, index: int, key, count: int):
    """The keyword arguments as they apply to one output, or None when nothing is per-output."""
    changed = False
    keywords = dict(raw.keywords)
    for name in ("loss", "metrics", "weighted_metrics"):
        if name not in keywords:
            continue
        value, node = keywords[name]
        if isinstance(value, DictV):
            changed = True
            picked = _pick_by_key(value, key)
            if picked is None:
                del keywords[name]
            else:
                keywords[name] = picked
        elif isinstance(value, Seq) and count > 1 and (
            name == "loss" or all(isinstance(item, (Seq, DictV)) for item in value.items)
        ):
            changed = True
            if len(value.items) == count:
                item_node = value.item_nodes[index] if value.item_nodes else None
                keywords[name] = (value.items[index], item_node or node)
            else:
                del keywords[name]
    return keywords if changed else None


def _pick_by_key(value: DictV, key) -> tuple[Value, ast.AST] | None:
    if key is None:
        return None
    for (item_key, item), item_node in zip(value.items, value.value_nodes or (None,) * len(value.items)):
        if item_key == key:
            return item, item_node or value.node
    return None


def loss_fact(value: Value, report_node: ast.AST) -> LossFact | None:
    if isinstance(value, Seq) and len(value.items) == 1:
        return loss_fact(value.items[0], report_node)
    value_node = getattr(value, "node", None)
    if isinstance(value, Const) and isinstance(value.value, str):
        spelling = catalogue.LOSS_SPELLINGS.get(value.value)
        if spelling is None:
            return LossFact(None, None, repr(value.value), "string", value.value, frozenset(), report_node, value_node)
        return LossFact(
            spelling.kind, False, repr(value.value), "string", value.value, spelling.valid_on, report_node, value_node
        )
    if isinstance(value, CallV) and value.callee.startswith(_LOSSES):
        name = value.callee[len(_LOSSES) :]
        kind = catalogue.LOSS_CLASSES.get(name)
        if kind is None:
            return None
        return LossFact(
            kind, _from_logits(value, name), f"{name}()", "instance", None,
            frozenset(ALL_LINES - {Line.L1}), report_node, value_node, value,
        )
    if isinstance(value, Ref) and value.name.startswith(_LOSSES):
        name = value.name[len(_LOSSES) :]
        if name in catalogue.LOSS_CLASSES:
            return LossFact(catalogue.LOSS_CLASSES[name], False, name, "class", None,
                            frozenset(ALL_LINES - {Line.L1}), report_node, None)
        if name in catalogue.LOSS_FUNCTIONS:
            return LossFact(catalogue.LOSS_FUNCTIONS[name], False, name, "function", None,
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


def _metrics_argument(keyword: str, lines: frozenset[Line], value: Value, node: ast.AST) -> MetricsArgument:
    if isinstance(value, Const) and isinstance(value.value, str):
        bare = metric_fact(value, node)
        return MetricsArgument(keyword, lines, (bare,) if bare else (), bare, node)
    facts: list[MetricFact] = []
    if isinstance(value, Seq):
        for item, item_node in zip(value.items, value.item_nodes or (None,) * len(value.items)):
            report = item_node if item_node is not None else node
            fact = metric_fact(item, report)
            if fact is not None:
                facts.append(fact)
    return MetricsArgument(keyword, lines, tuple(facts), None, node)


def metric_fact(value: Value, report_node: ast.AST) -> MetricFact | None:
    value_node = getattr(value, "node", None)
    if isinstance(value, Const) and isinstance(value.value, str):
        return MetricFact("string", value.value, report_node, value_node)
    if isinstance(value, CallV) and value.callee.startswith(_METRICS):
        name = value.callee[len(_METRICS) :]
        threshold: float | None = None
        known = not value.has_star
        given = value.kwarg("threshold")
        if given is not None:
            if isinstance(given, Const) and isinstance(given.value, (int, float)) and not isinstance(given.value, bool):
                threshold = float(given.value)
            else:
                known = False
        return MetricFact("instance", name, report_node, value_node, threshold, known, value)
    if isinstance(value, Ref) and value.name.startswith(_METRICS):
        name = value.name[len(_METRICS) :]
        form = "class" if name[:1].isupper() else "function"
        return MetricFact(form, name, report_node, None)
    return None
