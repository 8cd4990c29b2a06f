"""Replacement nodes for fixes. Rules decide whether a fix exists; this module only builds nodes."""

from __future__ import annotations

import libcst as cst

from keraslint.analysis.sites import MetricFact
from keraslint.diagnostics import Fix


def _literal(value: object, quote: str) -> cst.BaseExpression:
    if isinstance(value, str):
        return cst.SimpleString(f"{quote}{value}{quote}")
    if isinstance(value, float):
        return cst.Float(repr(value))
    return cst.Integer(repr(value))


def _keyword(name: str, value: cst.BaseExpression, last: bool) -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
        comma=cst.MaybeSentinel.DEFAULT if last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )


def metric_object_fix(metric: MetricFact, class_name: str, keywords: tuple[tuple[str, object], ...]) -> Fix | None:
    """Replace a metric string with `ClassName(key=value, ...)`; the fixer adds the import."""
    node = metric.value_node
    if metric.form != "string" or not isinstance(node, cst.SimpleString) or node is not metric.report_node:
        return None
    quote = node.quote if len(node.quote) == 1 else '"'
    args = [_keyword(key, _literal(value, quote), index == len(keywords) - 1) for index, (key, value) in enumerate(keywords)]
    replacement = cst.Call(func=cst.Name(class_name), args=args)
    return Fix(f"use {class_name}()", True, lambda _old: replacement, node, ("metrics", class_name))


def threshold_fix(metric: MetricFact) -> Fix | None:
    node = metric.value_node
    if not isinstance(node, cst.Call) or node is not metric.report_node:
        return None
    from keraslint.rules.loss_output import set_keyword

    return Fix("set threshold=0.0", True, set_keyword("threshold", cst.Float("0.0")), node)
