"""Jupyter notebooks, read with the json module (the nbformat 4 structure, no nbformat needed).

- Detection is by content: a JSON object with a `cells` list is a notebook, whatever the name.
- All code cells, in order, form one module (a model built in one cell and compiled in a later one
  links). Each cell contributes exactly its own lines, so every line of the joined module maps back
  to (cell number counting ALL cells from 1, line in that cell).
- IPython syntax is neutralised without shifting lines, only in cells that are not valid Python as
  they stand: `%magic` / `!shell` / `obj?` / `?obj` lines become `pass` (same indentation),
  `x = %magic` / `x = !cmd` become `x = None`, continuation lines of such a line (trailing `\\`)
  become empty, and a cell whose first line is a non-Python cell magic (`%%bash`, `%%html`, ...)
  is blanked entirely (`%%time`, `%%timeit`, `%%capture`, `%%prun` bodies stay Python). A cell that
  still is not Python is blanked and reported as an error of the notebook.
- Writing back edits only the `source` value of the changed cells inside the original JSON text;
  every other byte of the file is kept as it was. The new `source` value keeps the original form
  (a list of lines split like nbformat's `splitlines(keepends=True)`, or one string) and the
  original list layout (indentation, line breaks); strings are escaped like nbformat
  (`ensure_ascii=False`) unless the file escaped non-ASCII text itself.
"""

from __future__ import annotations

import dataclasses
import json
import re

from keraslint.immutable import record
from keraslint.source import parse as parse_python, split_lines

# Cell magics whose body is Python: only the magic line is neutralised.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug", "pypy"})

_LINE_MAGIC = re.compile(r"^([ \t]*)(%|!|\?)")
_HELP_SUFFIX = re.compile(r"^([ \t]*)[A-Za-z_][\w.]*(\(\))?[ \t]*\?{1,2}[ \t]*$")
_ASSIGN_MAGIC = re.compile(r"^([ \t]*)([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)[ \t]*=[ \t]*[%!]")
_CELL_MAGIC = re.compile(r"^[ \t]*%%([A-Za-z_][\w]*)")


class NotebookError(ValueError):
    """The text is not a usable notebook; the message says why."""


@record
class CellError:
    cell: int  # 1-based, counting all cells
    line: int  # 1-based, in the cell
    column: int  # 0-based
    message: str


def looks_like_notebook(text: str) -> bool:
    """A cheap content test: the text is a JSON object (callers then parse it)."""
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def _valid_python(source: str) -> SyntaxError | None:
    parsed = parse_python(source)
    return parsed if isinstance(parsed, SyntaxError) else None


def _line_body(line: str) -> tuple[str, str]:
    """(text, line ending) of one line from split_lines."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith(("\n", "\r")):
        return line[:-1], line[-1]
    return line, ""


def neutralise(source: str) -> str:
    """The cell with IPython-only lines replaced, line for line (see the module docstring)."""
    lines = split_lines(source)
    if not lines:
        return source
    first_code = next((line for line in lines if line.strip()), "")
    match = _CELL_MAGIC.match(first_code)
    if match and match.group(1) not in PYTHON_CELL_MAGICS:
        return "".join(_line_body(line)[1] or "" for line in lines)
    out = []
    continuing = False
    for line in lines:
        body, ending = _line_body(line)
        if continuing:
            out.append(ending)
            continuing = body.endswith("\\")
            continue
        assigned = _ASSIGN_MAGIC.match(body)
        magic = _LINE_MAGIC.match(body) or _HELP_SUFFIX.match(body)
        if assigned:
            targets = re.sub(r"[ \t]+", "", assigned.group(2)).split(",")
            value = ", ".join("None" for _ in targets)
            out.append(f"{assigned.group(1)}{', '.join(targets)} = {value}{ending}")
            continuing = body.endswith("\\")
        elif magic:
            out.append(f"{magic.group(1)}pass{ending}")
            continuing = body.endswith("\\")
        else:
            out.append(line)
    return "".join(out)


@dataclasses.dataclass
class Cell:
    index: int  # 0-based position among all cells
    cell_type: str
    source: str  # the cell's source joined into one string
    source_was_list: bool

    @property
    def number(self) -> int:
        return self.index + 1


class Notebook:
    """A parsed notebook: its cells, the joined module of its code cells, and the line map."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            data = json.loads(text[1:] if text.startswith("\ufeff") else text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise NotebookError(f"invalid notebook JSON: {error}") from None
        if not isinstance(data, dict):
            raise NotebookError("invalid notebook: the JSON is not an object")
        if "cells" not in data:
            if "worksheets" in data:
                raise NotebookError(
                    "nbformat 3 notebooks are not supported; convert with `jupyter nbconvert --to notebook`"
                )
            raise NotebookError("invalid notebook: no 'cells' list")
        cells = data["cells"]
        if not isinstance(cells, list):
            raise NotebookError("invalid notebook: 'cells' is not a list")
        self.data = data
        self.cells: list[Cell] = []
        for index, raw in enumerate(cells):
            if not isinstance(raw, dict):
                raise NotebookError(f"invalid notebook: cell {index + 1} is not an object")
            cell_type = raw.get("cell_type")
            source = raw.get("source", "")
            if isinstance(source, list) and all(isinstance(part, str) for part in source):
                joined, was_list = "".join(source), True
            elif isinstance(source, str):
                joined, was_list = source, False
            else:
                raise NotebookError(f"invalid notebook: cell {index + 1} has a source that is not text")
            self.cells.append(Cell(index, cell_type if isinstance(cell_type, str) else "", joined, was_list))
        self.errors: list[CellError] = []
        self._join()

    # --- the joined module ----------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The notebook's language as its metadata states it ("python" when it says nothing)."""
        metadata = self.data.get("metadata")
        if isinstance(metadata, dict):
            info = metadata.get("language_info")
            name = info.get("name") if isinstance(info, dict) else None
            if isinstance(name, str):
                return name.lower()
            spec = metadata.get("kernelspec")
            language = spec.get("language") if isinstance(spec, dict) else None
            if isinstance(language, str):
                return language.lower()
        return "python"

    @property
    def is_python(self) -> bool:
        return self.language in ("python", "python3", "ipython", "ipython3")

    def code_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.cell_type == "code"]

    def _join(self) -> None:
        parts: list[str] = []
        self.line_map: list[tuple[int, int]] = []  # joined line - 1 -> (cell number, line in cell)
        self.cell_start: dict[int, int] = {}  # cell index -> first joined line (1-based)
        for cell in self.code_cells():
            text = cell.source
            if _valid_python(text) is not None:
                text = neutralise(text)
                error = _valid_python(text)
                if error is not None:
                    line = max(error.lineno or 1, 1)
                    column = max((error.offset or 1) - 1, 0)
                    self.errors.append(CellError(cell.number, line, column, f"cannot parse cell: {error.msg}"))
                    text = "".join(_line_body(line)[1] for line in split_lines(text))
            lines = split_lines(text)
            if lines and not lines[-1].endswith(("\n", "\r")):
                lines[-1] += "\n"
            while len(lines) < len(split_lines(cell.source)):
                lines.append("\n")  # a blanked last line without a line break
            self.cell_start[cell.index] = len(self.line_map) + 1
            for number, joined_line in enumerate(lines, start=1):
                parts.append(joined_line)
                self.line_map.append((cell.number, number))
        self.joined = "".join(parts)

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line in cell) of a 1-based joined line."""
        if not self.line_map:
            return (1, line)
        index = min(max(line, 1), len(self.line_map)) - 1
        return self.line_map[index]

    def cell_line_text(self, line: int) -> str:
        lines = split_lines(self.joined)
        return lines[line - 1] if 0 < line <= len(lines) else ""

    # --- writing back ---------------------------------------------------------------------------

    def with_sources(self, sources: dict[int, str]) -> str:
        """The notebook's JSON text with new sources for some cells (cell index -> text).

        Only the `source` values of those cells change; every other byte is the original's."""
        if not sources:
            return self.text
        spans = _source_spans(self.text)
        ascii_escapes = _uses_ascii_escapes(self.text)
        out = []
        position = 0
        for index in sorted(sources):
            if index not in spans:
                raise NotebookError(f"cell {index + 1} has no source to rewrite")
            key_column, start, end = spans[index]
            out.append(self.text[position:start])
            out.append(_serialise_source(self.text, key_column, start, end, sources[index],
                                         self.cells[index].source_was_list, ascii_escapes))
            position = end
        out.append(self.text[position:])
        return "".join(out)


# --- a minimal scanner for spans in the original JSON text --------------------------------------

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _value_end(text: str, index: int) -> int:
    _value, end = _DECODER.raw_decode(text, index)
    return end


def _members(text: str, index: int) -> tuple[list[tuple[str, int, int, int]], int]:
    """Members of the object starting at text[index] == '{': (key, key start, value start, value end)."""
    assert text[index] == "{"
    members: list[tuple[str, int, int, int]] = []
    index = _skip(text, index + 1)
    if text[index] == "}":
        return members, index + 1
    while True:
        key_start = index
        key, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        assert text[index] == ":"
        value_start = _skip(text, index + 1)
        value_end = _value_end(text, value_start)
        members.append((key, key_start, value_start, value_end))
        index = _skip(text, value_end)
        if text[index] == ",":
            index = _skip(text, index + 1)
            continue
        assert text[index] == "}"
        return members, index + 1


def _items(text: str, index: int) -> list[tuple[int, int]]:
    """(start, end) of each item of the array starting at text[index] == '['."""
    assert text[index] == "["
    items: list[tuple[int, int]] = []
    index = _skip(text, index + 1)
    if text[index] == "]":
        return items
    while True:
        end = _value_end(text, index)
        items.append((index, end))
        index = _skip(text, end)
        if text[index] == ",":
            index = _skip(text, index + 1)
            continue
        assert text[index] == "]"
        return items


def _column(text: str, index: int) -> int:
    return index - (max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1)


def _source_spans(text: str) -> dict[int, tuple[int, int, int]]:
    """cell index -> (column of the "source" key, start, end of its value) in the JSON text."""
    start = _skip(text, 1 if text.startswith("\ufeff") else 0)
    members, _end = _members(text, start)
    cells = [m for m in members if m[0] == "cells"][-1]  # json.loads keeps the last duplicate
    spans = {}
    for index, (item_start, _item_end) in enumerate(_items(text, cells[2])):
        found = [m for m in _members(text, item_start)[0] if m[0] == "source"]
        if found:
            key, key_start, value_start, value_end = found[-1]
            spans[index] = (_column(text, key_start), value_start, value_end)
    return spans


def _uses_ascii_escapes(text: str) -> bool:
    """True when the file escapes non-ASCII characters (json.dumps' default ensure_ascii=True)."""
    if not text.isascii():
        return False
    non_ascii = r"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})"
    return re.search(non_ascii, text) is not None


def split_source(source: str) -> list[str]:
    """nbformat's split of a cell source into the list form."""
    return source.splitlines(keepends=True)


def _serialise_source(text: str, key_column: int, start: int, end: int, source: str,
                      was_list: bool, ascii_escapes: bool) -> str:
    def dump(value: str) -> str:
        return json.dumps(value, ensure_ascii=ascii_escapes)

    if not was_list:
        return dump(source)
    lines = split_source(source)
    if not lines:
        return "[]"
    items = _items(text, start)
    newline = "\r\n" if "\r\n" in text[:start] else "\n"
    if items:
        opening = text[start + 1 : items[0][0]]
        closing = text[items[-1][1] : end - 1]
        separator = text[items[0][1] : items[1][0]] if len(items) > 1 else "," + opening
    else:  # "source": [] before: nbformat's layout under the key's indentation
        opening = newline + " " * (key_column + 1)
        closing = newline + " " * key_column
        separator = "," + opening
    return "[" + opening + separator.join(dump(line) for line in lines) + closing + "]"


def parse(text: str) -> Notebook:
    return Notebook(text)


__all__ = [
    "Cell",
    "CellError",
    "Notebook",
    "NotebookError",
    "PYTHON_CELL_MAGICS",
    "looks_like_notebook",
    "neutralise",
    "parse",
    "split_source",
]
