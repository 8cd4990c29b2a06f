"""Source text before any analysis: the gate, line splitting and the one quiet parse.

Imports nothing of keraslint, so that adapters can test a file for Keras cheaply.
"""

from __future__ import annotations

import ast
import re
import warnings

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
KERAS_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})


def might_be_keras(source: str) -> bool:
    """A near-free text test: no compile call or no Keras / TensorFlow mention means nothing to do."""
    return "compile" in source and ("keras" in source or "tensorflow" in source)


_ANY_COMPILE = re.compile(r"\.\s*compile\s*\(")
_REGEX_RECEIVER = re.compile(r"(?:re|regex)\s*\Z")
_NAME_CHAR = re.compile(r"[\w.]")


def calls_model_compile(text: str) -> bool:
    """A `.compile(` call other than `re.compile(` / `regex.compile(` (a cheap text test,
    conservative: it may let a file through, never stop one that calls a model's compile())."""
    if "re.compile" not in text and "regex.compile" not in text:
        # the common case: a substring test (C speed), then the regex for `. compile (` spacings
        return ".compile(" in text or _ANY_COMPILE.search(text) is not None
    for match in _ANY_COMPILE.finditer(text):
        if not _regex_receiver(text, match.start()):
            return True  # the first compile() that is not a regular expression's: no need to count
    return False


def _regex_receiver(text: str, dot: int) -> bool:
    """Whether `re` / `regex` (a whole name) stands right before the `.` at `dot`."""
    start = max(0, dot - 64)
    found = _REGEX_RECEIVER.search(text, start, dot)
    if found is None or (found.start() == start and start > 0):
        return False  # no such name, or one that may go on to the left of the window: not proven
    return found.start() == 0 or _NAME_CHAR.match(text, found.start() - 1) is None


def split_lines(source: str) -> list[str]:
    """Lines as `ast` counts them (\\n, \\r\\n and \\r only), each with its line ending."""
    lines = []
    start = 0
    for match in _LINE_BREAK.finditer(source):
        lines.append(source[start : match.end()])
        start = match.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


def parse(text: str) -> ast.Module | SyntaxError:
    """The module, or the SyntaxError that stops it (null bytes, too deep a nesting or too little
    memory come back as a SyntaxError too). Never raises, never warns."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as error:
        return error
    except (ValueError, TypeError, MemoryError, RecursionError, OverflowError) as error:
        return SyntaxError(f"{type(error).__name__}: {error}")


def statement_groups(statements: list[ast.stmt]) -> list[tuple[int, int, list[ast.stmt]]]:
    """(first line, last line, statements): statements grouped when they share a line
    (`a = 1; b = 2`), decorators included, so whole lines can be kept or edited."""
    groups: list[tuple[int, int, list[ast.stmt]]] = []
    for statement in statements:
        start = min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", ()))])
        end = statement.end_lineno or statement.lineno
        if groups and start <= groups[-1][1]:
            first, last, members = groups[-1]
            groups[-1] = (first, max(last, end), members + [statement])
        else:
            groups.append((start, end, [statement]))
    return groups


def lines_holding(source: str, needle: str) -> frozenset[int]:
    """The numbers of the lines (as `ast` counts them) holding `needle`."""
    if needle not in source:
        return frozenset()
    if "\r" in source:  # \r and \r\n line ends: split as ast does
        return frozenset(number for number, line in enumerate(split_lines(source), 1) if needle in line)
    found: set[int] = set()
    position, line, counted = source.find(needle), 1, 0
    while position != -1:
        line += source.count("\n", counted, position)
        counted = position
        found.add(line)
        position = source.find(needle, position + 1)
    return frozenset(found)
