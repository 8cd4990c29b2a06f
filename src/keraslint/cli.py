"""The `keraslint` command: check files and notebooks, fix, explain rules.

    keraslint check [PATH ...]      # files and folders (default: .); '-' reads stdin
    keraslint rules                 # the rule table (markdown)
    keraslint rule KER201           # one rule's page
    keraslint --version

Exit codes: 0 nothing found, 1 findings (or, with --diff, fixes to show), 2 usage, configuration
or input errors (a file that cannot be read or parsed, a notebook that is not valid JSON).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import sys
import tokenize
from typing import Sequence

from keraslint import __version__, noqa, output
from keraslint.output import FileError, Result
from keraslint.settings import Settings
from keraslint.targeting import KERAS_VERSION_HELP, ConfigError

SOURCE_SUFFIXES = (".py", ".ipynb")
# Folders never entered when walking a directory (an explicitly named file is always checked).
SKIPPED_DIRS = frozenset(
    {
        "__pycache__", "node_modules", "build", "dist", "site-packages", "venv", "__pypackages__",
        "_build", "buck-out", "htmlcov",
    }
)


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg")) or os.path.isdir(os.path.join(path, "conda-meta"))


def _skip_dir(name: str, path: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info") or _is_virtualenv(path)


def discover(paths: Sequence[str], settings: Settings) -> tuple[list[str], list[FileError]]:
    """Files to check, in a stable order, and errors for paths that do not exist."""
    files: list[str] = []
    errors: list[FileError] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    for given in paths:
        path = os.path.normpath(given)
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(
                    d for d in dirs
                    if not _skip_dir(d, os.path.join(root, d)) and not settings.excluded(os.path.join(root, d))
                )
                for name in sorted(names):
                    full = os.path.normpath(os.path.join(root, name))
                    if name.endswith(SOURCE_SUFFIXES) and not settings.excluded(full):
                        add(full)
        elif os.path.exists(path):
            if not settings.excluded(path):
                add(path)
        else:
            errors.append(FileError(given, "no such file or directory"))
    return files, errors


# --- one file -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    results: list[Result] = dataclasses.field(default_factory=list)
    errors: list[FileError] = dataclasses.field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    new_data: bytes | None = None  # set when fixes changed the file


@dataclasses.dataclass(frozen=True)
class Options:
    settings: Settings
    fix: bool = False
    unsafe: bool = False
    diff: bool = False


def _decode_python(data: bytes) -> tuple[str, str]:
    """(text, encoding) honouring a PEP 263 cookie and a BOM; raises UnicodeDecodeError / SyntaxError."""
    encoding, _lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def _selected_rules(settings: Settings, path: str | None):
    from keraslint.rules import ALL_RULES

    return [rule for rule in ALL_RULES if settings.enabled(rule.code, path)]


def _diagnose(text: str, filename: str | None, settings: Settings):
    from keraslint.engine import analyse

    rules = _selected_rules(settings, filename)
    if not rules and not settings.enabled("KER001", filename):
        return []
    diagnostics = analyse(text, filename=filename, settings=settings, rules=rules)
    from keraslint.reduce import split_lines

    lines = split_lines(text)
    kept = []
    for diagnostic in diagnostics:
        if not settings.enabled(diagnostic.code, filename):
            continue
        line_text = lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(lines) else ""
        if noqa.suppressed(diagnostic.code, line_text):
            continue
        kept.append(diagnostic)
    return kept


def _result(path: str, diagnostic, locate=None) -> Result:
    line, column = diagnostic.line, diagnostic.column + 1
    end_line = diagnostic.end_line or diagnostic.line
    end_column = diagnostic.end_column + 1 if diagnostic.end_line else column
    cell = None
    if locate is not None:
        cell, line = locate(diagnostic.line)
        end_cell, end_line = locate(end_line)
        if end_cell != cell:
            end_line, end_column = line, column
    return Result(path, diagnostic, line, column, end_line, end_column, cell)


def check_python(path: str, filename: str | None, data: bytes, options: Options) -> Outcome:
    outcome = Outcome()
    try:
        text, encoding = _decode_python(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        outcome.errors.append(FileError(path, f"cannot decode file: {error}"))
        return outcome
    syntax = _syntax_error(text)
    if syntax is not None:
        outcome.errors.append(syntax_error(path, syntax))
        return outcome
    if options.fix or options.diff:
        from keraslint import fixer

        text = _apply_fixes(outcome, path, filename, text, options, fixer.fix_source, fixer.unified_diff, encoding)
        if text is None:
            return outcome
    outcome.results = [_result(path, d) for d in _diagnose(text, filename, options.settings)]
    return outcome


def _apply_fixes(outcome: Outcome, path: str, filename, text: str, options: Options, fix, diff, encoding: str):
    """Fix `text` (or record the diff). The text to check afterwards, or None when only diffing."""
    from keraslint import fixer

    settings = options.settings
    fixed = fix(text, filename=filename, settings=settings, keep=fixer.default_keep(settings, filename),
                unsafe=options.unsafe)
    if fixed.error:
        outcome.errors.append(FileError(path, fixed.error))
    if fixed.text == text:
        return None if options.diff else text
    outcome.fixed = len(fixed.fixed)
    if options.diff:
        outcome.diff = diff(text, fixed.text, path)
        return None
    outcome.new_data = fixed.text.encode(encoding)
    return fixed.text


def _syntax_error(text: str) -> SyntaxError | None:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as error:
        return error
    except (ValueError, MemoryError, RecursionError) as error:
        return SyntaxError(f"{type(error).__name__}: {error}")
    return None


def syntax_error(path: str, error: SyntaxError) -> FileError:
    line = error.lineno if error.lineno else None
    column = error.offset if (error.offset and line) else None
    return FileError(path, f"cannot parse: {error.msg}", line, column)


def check_notebook(path: str, filename: str | None, text: str, options: Options) -> Outcome:
    from keraslint.notebooks import Notebook, NotebookError

    outcome = Outcome()
    try:
        notebook = Notebook(text)
    except NotebookError as error:
        outcome.errors.append(FileError(path, str(error)))
        return outcome
    if not notebook.is_python:
        return outcome  # an R or Julia notebook: nothing for us
    outcome.errors.extend(
        FileError(path, error.message, error.line, error.column + 1, error.cell) for error in notebook.errors
    )
    if options.fix or options.diff:
        from keraslint import fixer

        fixed_text = _apply_fixes(outcome, path, filename, text, options, fixer.fix_notebook, fixer.notebook_diff, "utf-8")
        if fixed_text is None:
            return outcome
        if fixed_text != text:
            notebook = Notebook(fixed_text)
    diagnostics = _diagnose(notebook.joined, filename, options.settings)
    outcome.results = [_result(path, d, notebook.locate) for d in diagnostics]
    return outcome


def check_data(path: str, filename: str | None, data: bytes, options: Options) -> Outcome:
    """Notebook or Python, decided by content: a JSON object is a notebook."""
    from keraslint.notebooks import looks_like_notebook

    head = data[:4096].decode("utf-8", errors="replace")
    is_ipynb = (filename or path).endswith(".ipynb")
    if looks_like_notebook(head):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return Outcome(errors=[FileError(path, f"invalid notebook: not UTF-8 ({error})")])
        import json

        try:
            parsed = json.loads(text[1:] if text.startswith("\ufeff") else text)
        except (json.JSONDecodeError, RecursionError) as error:
            if is_ipynb:
                return Outcome(errors=[FileError(path, f"invalid notebook JSON: {error}")])
            parsed = None
        if is_ipynb or (isinstance(parsed, dict) and "cells" in parsed):
            return check_notebook(path, filename, text, options)  # reports what is wrong with it
    elif is_ipynb:
        # A .ipynb path holding Python (nbQA-style temporary files) is checked as Python.
        try:
            text, _encoding = _decode_python(data)
        except (UnicodeDecodeError, SyntaxError, LookupError):
            text = None
        if text is None or _syntax_error(text) is not None:
            return Outcome(errors=[FileError(path, "invalid notebook JSON: the file is not a JSON object")])
    return check_python(path, filename, data, options)


def check_path(path: str, options: Options) -> Outcome:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return Outcome(errors=[FileError(path, f"cannot read file: {error.strerror or error}")])
    outcome = check_data(path, path, data, options)
    if outcome.new_data is not None and options.fix and not options.diff:
        try:
            with open(path, "wb") as handle:
                handle.write(outcome.new_data)
        except OSError as error:
            outcome.errors.append(FileError(path, f"cannot write fixed file: {error.strerror or error}"))
    return outcome


# --- the command line ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: exit 2 with argparse's usage line
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _codes(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    out = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(out)


def _globs(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    out = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="keraslint",
        description="Static analysis of Keras compile() configurations, for scripts and Jupyter notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"keraslint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check", help="check files, folders and notebooks",
        description="Check Python files and Jupyter notebooks (folders recursively). "
                    "Exit 0 when clean, 1 on findings, 2 on usage or input errors.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders ('-' reads stdin); default: .")
    check.add_argument("--format", choices=output.FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply unsafe fixes (implies --fix unless --diff is given)")
    check.add_argument("--diff", action="store_true",
                       help="print the changes the fixes would make, write nothing (exit 1 when there are any)")
    check.add_argument("--exclude", action="append", metavar="GLOBS",
                       help="comma-separated glob patterns of files and folders to skip (replaces `exclude` of the config)")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="the name of the file read from stdin (for config, targeting and notebook detection)")
    check.add_argument("--select", action="append", metavar="CODES",
                       help="comma-separated codes or prefixes to report (default: KER, every rule)")
    check.add_argument("--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes not to report")
    check.add_argument("--extend-select", action="append", metavar="CODES", help="codes or prefixes added to --select")
    check.add_argument("--keras-version", metavar="VERSION", help=KERAS_VERSION_HELP)
    check.add_argument("--config", metavar="PATH",
                       help="configuration file (default: the nearest pyproject.toml with [tool.keraslint])")

    commands.add_parser("rules", help="print the rule table", description="Print the table of every rule (markdown).")
    rule = commands.add_parser("rule", help="explain one rule", description="Print one rule's documentation page.")
    rule.add_argument("code", metavar="CODE", help="a rule code such as KER201, or its name")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "rules":
            from keraslint.docgen import rules_table

            sys.stdout.write(rules_table() + "\n")
            return 0
        if args.command == "rule":
            return _explain(args.code)
        if args.command == "check":
            return run_check(args)
        parser.print_help(sys.stderr)
        return 2
    except BrokenPipeError:  # `keraslint rules | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0


def _explain(code: str) -> int:
    from keraslint.docgen import rule_page
    from keraslint.rules import ALL_RULES, INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME

    wanted = code.strip()
    for rule in ALL_RULES:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            sys.stdout.write(rule_page(rule))
            return 0
    if wanted.upper() == INTERNAL_ERROR_CODE or wanted.lower() == INTERNAL_ERROR_NAME:
        sys.stdout.write(
            f"# {INTERNAL_ERROR_CODE} {INTERNAL_ERROR_NAME}\n\nkeraslint could not analyse the file: an internal "
            "error, reported once per file instead of crashing the host (flake8, an editor, CI). Please report "
            "it with the file that triggers it.\n"
        )
        return 0
    sys.stderr.write(f"keraslint: error: unknown rule {code!r}; `keraslint rules` lists them\n")
    return 2


def run_check(args: argparse.Namespace) -> int:
    from keraslint import config

    try:
        file_config = config.load(args.config)
        settings = config.build_settings(
            file_config,
            select=_codes(args.select),
            ignore=_codes(args.ignore),
            extend_select=_codes(args.extend_select),
            keras_version=args.keras_version,
            exclude=_globs(args.exclude),
        )
    except ConfigError as error:
        sys.stderr.write(f"keraslint: error: {error}\n")
        return 2
    fix = args.fix or (args.unsafe_fixes and not args.diff)
    options = Options(settings, fix=fix, unsafe=args.unsafe_fixes, diff=args.diff)

    paths = list(args.paths)
    if not paths:
        paths = ["-"] if args.stdin_filename else ["."]
    use_stdin = "-" in paths
    if use_stdin and len(paths) > 1:
        sys.stderr.write("keraslint: error: '-' (stdin) cannot be combined with other paths\n")
        return 2

    outcomes: list[Outcome] = []
    errors: list[FileError] = []
    fixed_source: bytes | None = None
    stdin_data = b""
    if use_stdin:
        display = args.stdin_filename or "stdin"
        stdin_data = sys.stdin.buffer.read()
        if args.stdin_filename is None or not settings.excluded(args.stdin_filename):
            outcome = check_data(display, args.stdin_filename, stdin_data, options)
            outcomes.append(outcome)
            if options.fix and not options.diff:
                fixed_source = outcome.new_data if outcome.new_data is not None else stdin_data
        elif options.fix and not options.diff:
            fixed_source = stdin_data
    else:
        files, errors = discover(paths, settings)
        for path in files:
            outcomes.append(check_path(path, options))

    results = [result for outcome in outcomes for result in outcome.results]
    errors = errors + [error for outcome in outcomes for error in outcome.errors]
    fixed = sum(outcome.fixed for outcome in outcomes)
    diff = "".join(outcome.diff for outcome in outcomes)

    report_stream = sys.stdout
    if fixed_source is not None:
        sys.stdout.buffer.write(fixed_source)
        sys.stdout.flush()
        report_stream = sys.stderr  # stdout carries the fixed source
    if options.diff:
        sys.stdout.write(diff)
        if fixed:
            sys.stderr.write(f"Would fix {fixed} finding{'s' if fixed != 1 else ''}.\n")
    else:
        report_stream.write(output.render(args.format, results, errors))
        if fixed:
            sys.stderr.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.\n")
        if args.format == "text" and results:
            sys.stderr.write(output.summary(results, len({r.path for r in results})) + "\n")
    if errors:
        sys.stderr.write(output.format_errors(errors))
    if errors:
        return 2
    if options.diff:
        return 1 if diff else 0
    return 1 if results else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
