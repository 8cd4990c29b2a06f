"""Fixes rules offer. A rule decides from the `ast` facts whether a fix exists; the LibCST
replacement is built only when the fixer applies it (on the LibCST node at the `ast` node's
position), so reporting never imports LibCST. A replace function returns None when the LibCST
node turns out not to be what the fix expects: the fixer then leaves it alone."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable

from keraslint.analysis.records import MetricFact, MetricForm
from keraslint.diagnostics import Fix

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    # A fix's replacement: the LibCST node at the fixed node's position -> the new node, or None.
    Replace = Callable[[cst.CSTNode], cst.CSTNode | None]


def is_plain_string(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is str


def _simple_string(old: cst.CSTNode) -> cst.SimpleString | None:
    """The LibCST string literal when it is one plain (not bytes, not f-) string, else None."""
    import libcst as cst

    if not isinstance(old, cst.SimpleString):
        return None
    if "b" in old.prefix.lower() or "f" in old.prefix.lower():
        return None
    return old


def requote(text: str) -> Replace:
    """Replace a string literal by `text`, keeping its prefix and quotes."""

    def replace(old: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        original = _simple_string(old)
        if original is None:
            return None
        return cst.SimpleString(f"{original.prefix}{original.quote}{text}{original.quote}")

    return replace


def string_fix(description: str, safe: bool, node: ast.AST | None, text: str) -> Fix | None:
    """Replace a plain string literal by another string."""
    if not is_plain_string(node):
        return None
    return Fix(description, safe, requote(text), node)


def wrap_in_list_fix(node: ast.AST | None) -> Fix | None:
    if not is_plain_string(node):
        return None

    def replace(old: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        string = _simple_string(old)
        return cst.List([cst.Element(string)]) if string is not None else None

    return Fix("wrap in a list", True, replace, node)


def _no_space() -> cst.AssignEqual:
    import libcst as cst

    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def set_keyword(keyword: str, value_code: str) -> Replace:
    """Set `keyword=value_code` on a call, keeping the other arguments and the comma style."""

    def replace(call: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        if not isinstance(call, cst.Call):
            return None
        value = cst.parse_expression(value_code)
        args = list(call.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == keyword:
                args[index] = arg.with_changes(value=value)
                return call.with_changes(args=args)
        new_arg = cst.Arg(value=value, keyword=cst.Name(keyword), equal=_no_space())
        if args:
            last = args[-1]
            if last.comma is not cst.MaybeSentinel.DEFAULT:
                new_arg = new_arg.with_changes(comma=last.comma)  # keep a trailing comma
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new_arg)
        return call.with_changes(args=args)

    return replace


def keyword_fix(description: str, safe: bool, call: ast.AST | None, keyword: str, value_code: str) -> Fix | None:
    if not isinstance(call, ast.Call):
        return None
    return Fix(description, safe, set_keyword(keyword, value_code), call)


def pass_by_keyword_fix(node: ast.AST | None, keyword: str) -> Fix | None:
    """Turn the positional argument `node` into `keyword=node` (the fix replaces the argument)."""
    if node is None:
        return None

    def replace(arg: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        if not isinstance(arg, cst.Arg) or arg.keyword is not None or arg.star:
            return None
        return arg.with_changes(keyword=cst.Name(keyword), equal=_no_space())

    return Fix(f"pass {keyword}= by keyword", True, replace, node, argument=True)


def rename_class_fix(call: ast.AST | None, class_name: str) -> Fix | None:
    """`module.Old(...)` -> `module.New(...)`; a bare imported name would need an import: no fix."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None

    def replace(old: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        if not isinstance(old, cst.Call) or not isinstance(old.func, cst.Attribute):
            return None
        return old.with_changes(func=old.func.with_changes(attr=cst.Name(class_name)))

    return Fix(f"use {class_name}", False, replace, call)


def metric_object_fix(metric: MetricFact, class_name: str, keywords: tuple[tuple[str, object], ...]) -> Fix | None:
    """Replace a metric string with `ClassName(key=value, ...)`; the fixer adds the import."""
    node = metric.value_node
    if metric.form != MetricForm.STRING or not is_plain_string(node) or node is not metric.report_node:
        return None

    def replace(old: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        original = _simple_string(old)
        if original is None:
            return None
        quote = original.quote if len(original.quote) == 1 else '"'
        args: list[cst.Arg] = []
        for index, (key, value) in enumerate(keywords):
            literal: cst.BaseExpression
            if isinstance(value, str):
                literal = cst.SimpleString(f"{quote}{value}{quote}")
            else:
                literal = cst.parse_expression(repr(value))
            last = index == len(keywords) - 1
            comma = cst.MaybeSentinel.DEFAULT if last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args.append(cst.Arg(value=literal, keyword=cst.Name(key), equal=_no_space(), comma=comma))
        return cst.Call(func=cst.Name(class_name), args=args)

    return Fix(f"use {class_name}()", True, replace, node, ("metrics", class_name))


def threshold_fix(metric: MetricFact) -> Fix | None:
    node = metric.value_node
    if not isinstance(node, ast.Call) or node is not metric.report_node:
        return None
    return Fix("set threshold=0.0", True, set_keyword("threshold", "0.0"), node)


def rename_keyword_fix(call: ast.AST | None, old_name: str, new_name: str, safe: bool) -> Fix | None:
    """`f(old=value)` -> `f(new=value)`: the fix replaces the call, so its span holds the keyword."""
    if not isinstance(call, ast.Call) or not any(keyword.arg == old_name for keyword in call.keywords):
        return None

    def replace(old: cst.CSTNode) -> cst.CSTNode | None:
        import libcst as cst

        if not isinstance(old, cst.Call):
            return None
        args = list(old.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == old_name:
                args[index] = arg.with_changes(keyword=cst.Name(new_name))
                return old.with_changes(args=args)
        return None

    return Fix(f"use {new_name}=", safe, replace, call)
