"""Formats for the CLI's findings: text (flake8's shape), JSON, SARIF 2.1.0, GitHub annotations.

Positions: lines are 1-based and columns 1-based in every format (the engine's columns are
0-based; flake8 adds 1 the same way). End columns point one past the last character (SARIF's
convention). For a notebook, line and column are inside the cell:

- text:   `path.ipynb:cell 3:2:5: KER201 message`
- json:   `"cell": 3, "line": 2, "column": 5` (`"cell": null` for Python files)
- sarif:  the region holds the line and column inside the cell, the message starts with
          `cell 3: `, and `properties.cell` carries the number (a region in the notebook's JSON
          text would be meaningless to a reader);
- github: no line (it would point into the JSON), the message starts with `cell 3, line 2, column 5: `.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from keraslint import __version__
from keraslint.diagnostics import Diagnostic
from keraslint.immutable import record

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.rules.base import Rule

# The repository's intended public home (nothing is published yet; see README "Install"). Every
# link keraslint prints (SARIF/JSON help links, pyproject's project URLs) is built from it and
# points at a file of this repository: docs/rules/KERxxx.md for a rule, README.md otherwise.
REPOSITORY = "https://github.com/keraslint/keraslint"
BRANCH = "main"
DOCS = f"{REPOSITORY}/blob/{BRANCH}"
# Codes without a page of their own: a section of README.md (test_output checks the anchors exist).
README_ANCHORS = {"KER001": "what-it-catches", "KER002": "configuration-errors"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ERROR_SEVERITIES = frozenset({"wrong-number", "broken", "crash"})
FORMATS = ("text", "json", "sarif", "github")


@record
class Result:
    """One finding, located in the file (or cell) as a user sees it."""

    path: str  # as displayed (relative when under the working directory)
    diagnostic: Diagnostic
    line: int  # 1-based, in the file or in the cell
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, one past the end
    cell: int | None = None  # notebook cell number (all cells counted from 1)

    @property
    def code(self) -> str:
        return self.diagnostic.code


@record
class FileError:
    """A file that could not be read or parsed (exit code 2)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None  # 1-based
    cell: int | None = None

    def location(self) -> str:
        where = self.path
        if self.cell is not None:
            where += f":cell {self.cell}"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


def rule_url(code: str) -> str | None:
    from keraslint.rules import RULES_BY_CODE

    if code in README_ANCHORS:
        return f"{DOCS}/README.md#{README_ANCHORS[code]}"
    if code not in RULES_BY_CODE:
        return None
    return f"{DOCS}/docs/rules/{code}.md"


def _rule(code: str) -> Rule | None:
    from keraslint.rules import RULES_BY_CODE

    return RULES_BY_CODE.get(code)


def severity(code: str) -> str:
    rule = _rule(code)
    return str(rule.severity) if rule is not None else "internal"


def diagnostic_severity(diagnostic: Diagnostic) -> str:
    """The finding's own severity when the engine sets one (it may vary by version line), else the rule's."""
    return str(getattr(diagnostic, "severity", None) or severity(diagnostic.code))


def level(code: str, diagnostic: Diagnostic | None = None) -> str:
    """SARIF / GitHub level: error for wrong-number, broken and crash findings, warning otherwise."""
    found = diagnostic_severity(diagnostic) if diagnostic is not None else severity(code)
    return "error" if found in ERROR_SEVERITIES else "warning"


def fix_info(diagnostic: Diagnostic) -> dict[str, Any] | None:
    fix = diagnostic.fix
    if fix is None or fix.node is None:
        return None
    return {
        "safety": "safe" if fix.safe else "unsafe",
        "description": fix.description,
        "applied_by": "--fix" if fix.safe else "--fix --unsafe-fixes",
    }


# --- text -----------------------------------------------------------------------------------------


def location(result: Result) -> str:
    if result.cell is not None:
        return f"{result.path}:cell {result.cell}:{result.line}:{result.column}"
    return f"{result.path}:{result.line}:{result.column}"


def format_text(results: Sequence[Result]) -> str:
    return "".join(f"{location(r)}: {r.code} {r.diagnostic.message}\n" for r in results)


def summary(results: Sequence[Result], files: int, unsafe_named: bool = False) -> str:
    """One human line for stderr after text output."""
    if not results:
        return ""
    safe = sum(1 for r in results if (info := fix_info(r.diagnostic)) and info["safety"] == "safe")
    unsafe = sum(1 for r in results if (info := fix_info(r.diagnostic)) and info["safety"] == "unsafe")
    noun = "finding" if len(results) == 1 else "findings"
    text = f"Found {len(results)} {noun} in {files} file{'s' if files != 1 else ''}."
    if safe:
        text += f" {safe} fixable with `keraslint check --fix`."
    if unsafe:
        text += f" {unsafe} {'more' if safe else 'fixable'} with `keraslint check --fix --unsafe-fixes`"
        text += " (review the diff: `--diff --unsafe-fixes`)." if unsafe_named else "."
    return text


def statistics(results: Sequence[Result]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    fixable: dict[str, int] = {}
    for result in results:
        code = result.code
        counts[code] = counts.get(code, 0) + 1
        names[code] = result.diagnostic.name
        if fix_info(result.diagnostic) is not None:
            fixable[code] = fixable.get(code, 0) + 1
    return [
        {"code": code, "name": names[code], "count": counts[code], "fixable": fixable.get(code, 0)}
        for code in sorted(counts, key=lambda c: (-counts[c], c))
    ]


def format_statistics(results: Sequence[Result], fmt: str = "text") -> str:
    """`--statistics`: findings per code, most frequent first (ruff's shape: count, code, name)."""
    rows = statistics(results)
    if fmt == "json":
        import json

        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(row["count"])) for row in rows), default=1)
    return "".join(
        f"{row['count']:>{width}}\t{row['code']}\t{'[*] ' if row['fixable'] else ''}{row['name']}\n" for row in rows
    )


# --- json -----------------------------------------------------------------------------------------


def result_dict(result: Result) -> dict[str, Any]:
    d = result.diagnostic
    fix = fix_info(d)
    return {
        "path": result.path,
        "cell": result.cell,
        "line": result.line,
        "column": result.column,
        "end_line": result.end_line,
        "end_column": result.end_column,
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "severity": diagnostic_severity(d),
        "url": rule_url(d.code),
        "fix_available": fix is not None,
        "fix": fix,
    }


def format_json(results: Sequence[Result]) -> str:
    import json

    return json.dumps([result_dict(r) for r in results], indent=2, ensure_ascii=False) + "\n"


# --- sarif ----------------------------------------------------------------------------------------


def _section(doc: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return " ".join(match.group(1).split()) if match else ""


def sarif_rules() -> list[dict[str, Any]]:
    import inspect

    from keraslint.docgen import rule_page
    from keraslint.diagnostics import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME
    from keraslint.rules import ALL_RULES

    rules = []
    for rule in ALL_RULES:
        doc = inspect.cleandoc(rule.__doc__ or "")
        full = _section(doc, "What it does") or rule.summary
        why = _section(doc, "Why is this bad?")
        rules.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": f"{rule.summary[0].upper()}{rule.summary[1:]}"},
                "fullDescription": {"text": f"{full} {why}".strip()},
                "helpUri": rule_url(rule.code),
                "help": {"text": f"{full} See {rule_url(rule.code)}", "markdown": rule_page(rule)},
                "defaultConfiguration": {"level": level(rule.code)},
                "properties": {
                    "tags": [str(rule.severity)], "severity": str(rule.severity), "fix": rule.fix_safety or "none"
                },
            }
        )
    rules.append(
        {
            "id": INTERNAL_ERROR_CODE,
            "name": INTERNAL_ERROR_NAME,
            "shortDescription": {"text": "keraslint could not analyse the file"},
            "fullDescription": {"text": "An internal error of keraslint on this file; please report it."},
            "helpUri": rule_url(INTERNAL_ERROR_CODE),
            "defaultConfiguration": {"level": "warning"},
        }
    )
    return rules


def artifact_uri(path: str) -> tuple[str, bool]:
    """(uri, relative): a relative POSIX path when under the working directory, else a file URI."""
    if path in ("-", "stdin"):
        return "stdin", True
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        relative = absolute
    if not relative.startswith("..") and not os.path.isabs(relative):
        return relative.replace(os.sep, "/"), True
    from pathlib import Path

    return Path(absolute).as_uri(), False


def _artifact(path: str) -> dict[str, str]:
    uri, relative = artifact_uri(path)
    artifact = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    return artifact


def format_sarif(results: Sequence[Result], errors: Sequence[FileError] = ()) -> str:
    rules = sarif_rules()
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        d = result.diagnostic
        message = d.message if result.cell is None else f"cell {result.cell}: {d.message}"
        item: dict[str, Any] = {
            "ruleId": d.code,
            "level": level(d.code, d),
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(result.path),
                        "region": {
                            "startLine": result.line,
                            "startColumn": result.column,
                            "endLine": result.end_line,
                            "endColumn": result.end_column,
                        },
                    }
                }
            ],
        }
        if d.code in index:
            item["ruleIndex"] = index[d.code]
        if result.cell is not None:
            item["properties"] = {"cell": result.cell, "lineInCell": result.line}
        fix = fix_info(d)
        if fix is not None:
            item.setdefault("properties", {})["fix"] = fix
        sarif_results.append(item)
    notifications: list[dict[str, Any]] = []
    for error in errors:
        note: dict[str, Any] = {"level": "error", "message": {"text": f"{error.location()}: {error.message}"}}
        note["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(error.path)}}]
        notifications.append(note)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "keraslint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": REPOSITORY,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {"executionSuccessful": not errors, "toolExecutionNotifications": notifications}
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _cwd_uri()}},
                "results": sarif_results,
            }
        ],
    }
    import json

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cwd_uri() -> str:
    from pathlib import Path

    uri = Path(os.path.abspath(os.curdir)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


# --- github ---------------------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Sequence[Result], errors: Sequence[FileError] = ()) -> str:
    lines = []
    for result in results:
        d = result.diagnostic
        title = f"{d.code} {d.name}".strip()
        if result.cell is None:
            props = (
                f"file={_escape_property(result.path)},line={result.line},col={result.column},"
                f"endLine={result.end_line},endColumn={result.end_column},title={_escape_property(title)}"
            )
            message = d.message
        else:
            props = f"file={_escape_property(result.path)},title={_escape_property(title)}"
            message = f"cell {result.cell}, line {result.line}, column {result.column}: {d.message}"
        lines.append(f"::{level(d.code, d)} {props}::{_escape_data(message)}\n")
    for error in errors:
        props = f"file={_escape_property(error.path)}"
        if error.line is not None and error.cell is None:
            props += f",line={error.line}"
            if error.column is not None:
                props += f",col={error.column}"
        props += ",title=keraslint"
        lines.append(f"::error {props}::{_escape_data(error.location() + ': ' + error.message)}\n")
    return "".join(lines)


def render(fmt: str, results: Sequence[Result], errors: Sequence[FileError] = ()) -> str:
    """The report in one format. Text and JSON leave errors to stderr; SARIF and GitHub carry them."""
    if fmt == "json":
        return format_json(results)
    if fmt == "sarif":
        return format_sarif(results, errors)
    if fmt == "github":
        return format_github(results, errors)
    return format_text(results)


def format_errors(errors: Iterable[FileError]) -> str:
    return "".join(f"{error.location()}: error: {error.message}\n" for error in errors)
