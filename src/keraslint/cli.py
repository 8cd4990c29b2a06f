"""The `keraslint` command: check files and notebooks, fix, explain rules.

    keraslint check [PATH ...]      # files and folders (default: .); '-' reads stdin
    keraslint explain PATH ...      # the Keras lines each file targets, why, and the facts per compile()
    keraslint rules                 # the rule table (markdown)
    keraslint rule KER201           # one rule's page
    keraslint --version             # also: python -m keraslint ...

Exit codes: 0 nothing found (or --exit-zero), 1 findings (or, with --diff, fixes to show),
2 usage, configuration or input errors (a file or folder that cannot be read, a file that cannot
be parsed, a notebook that is not valid JSON).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import sys
import tokenize
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Sequence

from keraslint import __version__, noqa, output
from keraslint.diagnostics import Diagnostic
from keraslint.immutable import record
from keraslint.output import FileError, Result
from keraslint.settings import Settings
from keraslint.version_help import KERAS_VERSION_HELP

if TYPE_CHECKING:  # pragma: no cover
    from keraslint import fixer
    from keraslint.gitignore import GitIgnore
    from keraslint.rules.base import Rule
    from keraslint.targeting import Target

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


@dataclasses.dataclass
class Discovery:
    files: list[str] = dataclasses.field(default_factory=list)
    errors: list[FileError] = dataclasses.field(default_factory=list)
    skipped: int = 0  # excluded or git-ignored files and folders (for the "nothing checked" message)


def discover(paths: Sequence[str], settings: Settings) -> tuple[list[str], list[FileError]]:
    """Files to check, in a stable order, and errors for paths that do not exist or cannot be read."""
    found = discover_all(paths, settings)
    return found.files, found.errors


def discover_all(paths: Sequence[str], settings: Settings) -> Discovery:
    found = Discovery()
    seen: set[str] = set()
    ignore: GitIgnore | None = None
    if settings.respect_gitignore:
        from keraslint.gitignore import GitIgnore

        ignore = GitIgnore()

    def add(path: str) -> None:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    def unreadable(error: OSError) -> None:
        where = error.filename or "?"
        found.errors.append(FileError(os.path.normpath(where), f"cannot read folder: {error.strerror or error}"))

    for given in paths:
        path = os.path.normpath(given)
        if os.path.isdir(path):
            for full in _walk_folder(path, settings, ignore, found, unreadable):
                add(full)
        elif os.path.exists(path):
            # A file named explicitly is checked even when .gitignore ignores it (as ruff does);
            # `exclude` still applies (pre-commit passes every changed file).
            if settings.excluded(path):
                found.skipped += 1
            else:
                add(path)
        else:
            found.errors.append(FileError(given, "no such file or directory"))
    return found


def _walk_folder(path: str, settings: Settings, ignore: GitIgnore | None, found: Discovery,
                 onerror: Callable[[OSError], None]) -> Iterator[str]:
    """The source files under a folder, in a stable order; what is excluded or git-ignored counts
    as skipped (a skipped folder is not entered)."""
    for root, dirs, names in os.walk(path, onerror=onerror):
        kept = []
        for d in sorted(dirs):
            full = os.path.join(root, d)
            if _skip_dir(d, full):
                continue
            if settings.excluded(full) or (ignore is not None and ignore.ignored(full, True)):
                found.skipped += 1
                continue
            kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            full = os.path.normpath(os.path.join(root, name))
            if settings.excluded(full) or (ignore is not None and ignore.ignored(full, False)):
                found.skipped += 1
                continue
            yield full


# --- one file -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    results: list[Result] = dataclasses.field(default_factory=list)
    errors: list[FileError] = dataclasses.field(default_factory=list)
    fixed: int = 0
    fixed_diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)  # what the fixes fixed (--show-fixes)
    diff: str = ""
    new_data: bytes | None = None  # set when fixes changed the file


@record
class Options:
    settings: Settings
    fix: bool = False
    unsafe: bool = False
    diff: bool = False


def _decode_python(data: bytes) -> tuple[str, str]:
    """(text, encoding) honouring a PEP 263 cookie and a BOM; raises UnicodeDecodeError / SyntaxError."""
    encoding, _lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def _selected_rules(settings: Settings, path: str | None) -> list[Rule]:
    from keraslint.rules import ALL_RULES

    return [rule for rule in ALL_RULES if settings.enabled(rule.code, path)]


def _target(settings: Settings, filename: str | None) -> Target:
    from keraslint import targeting

    return targeting.target_for(filename, settings.keras_version)


def _diagnose(text: str, filename: str | None, settings: Settings) -> list[Diagnostic]:
    if "compile" not in text:
        return []  # decided without importing the engine
    from keraslint.engine import analyse
    from keraslint.source import might_be_keras

    if not might_be_keras(text):
        return []  # no compile() and no Keras: nothing to resolve a target for
    suppression = noqa.file_suppression(text)
    if suppression is True:
        return []
    rules = _selected_rules(settings, filename)
    if not rules and not settings.enabled("KER001", filename):
        return []
    diagnostics = analyse(text, filename=filename, target=_target(settings, filename), rules=rules)
    if suppression:
        diagnostics = [d for d in diagnostics if not noqa.file_suppresses(suppression, d.code)]
    from keraslint.source import split_lines

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


def _result(path: str, diagnostic: Diagnostic, locate: Callable[[int], tuple[int, int]] | None = None) -> Result:
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

        fixed_text = _apply_fixes(outcome, path, filename, text, options, fixer.fix_source, fixer.unified_diff,
                                  encoding)
        if fixed_text is None:
            return outcome
        text = fixed_text
    outcome.results = [_result(path, d) for d in _diagnose(text, filename, options.settings)]
    return outcome


def _apply_fixes(outcome: Outcome, path: str, filename: str | None, text: str, options: Options,
                 fix: Callable[..., fixer.Result], diff: Callable[[str, str, str], str], encoding: str) -> str | None:
    """Fix `text` (or record the diff). The text to check afterwards, or None when only diffing."""
    from keraslint import fixer

    settings = options.settings
    analysed = text
    if fix is fixer.fix_notebook:
        from keraslint.notebooks import Notebook

        analysed = Notebook(text).joined
    suppression = noqa.file_suppression(analysed)
    if suppression is True:
        return None if options.diff else text
    keep_selected = fixer.default_keep(settings, filename)

    def keep(diagnostic: Diagnostic, lines: Sequence[str]) -> bool:
        return not noqa.file_suppresses(suppression, diagnostic.code) and keep_selected(diagnostic, lines)

    fixed = fix(text, filename=filename, settings=settings, keep=keep, unsafe=options.unsafe)
    if fixed.error:
        outcome.errors.append(FileError(path, fixed.error))
    if fixed.text == text:
        return None if options.diff else text
    outcome.fixed = len(fixed.fixed)
    outcome.fixed_diagnostics = list(fixed.fixed)
    if options.diff:
        outcome.diff = diff(text, fixed.text, path)
        return None
    outcome.new_data = fixed.text.encode(encoding)
    return fixed.text


def _syntax_error(text: str) -> SyntaxError | None:
    from keraslint.source import parse

    parsed = parse(text)
    return parsed if isinstance(parsed, SyntaxError) else None


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

        fixed_text = _apply_fixes(outcome, path, filename, text, options, fixer.fix_notebook, fixer.notebook_diff,
                                  "utf-8")
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
    if is_ipynb and not data.strip():
        return Outcome(errors=[FileError(path, "invalid notebook: the file is empty (a notebook is a JSON object)")])
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
    def error(self, message: str) -> NoReturn:  # usage errors: exit 2 with argparse's usage line
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _codes(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(out)


def _globs(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keras-version", metavar="VERSION", help=KERAS_VERSION_HELP)
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: the nearest pyproject.toml with [tool.keraslint])")
    parser.add_argument("--isolated", action="store_true",
                        help="read no configuration file (neither [tool.keraslint] nor flake8's)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="keraslint",
        description="Static analysis of Keras compile() configurations, for scripts and Jupyter notebooks.",
        epilog="Exit codes: 0 clean, 1 findings, 2 usage, configuration or input errors.",
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
    check.add_argument("--output-file", "-o", metavar="PATH", help="write the report to this file instead of stdout")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes and write the files")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff: include the unsafe fixes (alone it only names them as available)")
    check.add_argument("--diff", action="store_true",
                       help="print the changes the fixes would make, write nothing (exit 1 when there are any)")
    check.add_argument("--show-fixes", action="store_true",
                       help="list the fixes applied (with --fix) or available (otherwise) after the report")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (errors still exit 2)")
    check.add_argument("--statistics", action="store_true",
                       help="print the number of findings per code instead of the findings")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print the findings and errors only: no summary or progress lines")
    check.add_argument("--exclude", action="append", metavar="GLOBS",
                       help="comma-separated glob patterns of files and folders to skip "
                       "(replaces `exclude` of the config)")
    check.add_argument("--extend-exclude", action="append", metavar="GLOBS",
                       help="comma-separated glob patterns to skip in addition to `exclude`")
    gitignore = check.add_mutually_exclusive_group()
    gitignore.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_const", const=True,
                           default=None, help="skip files and folders that .gitignore ignores (the default)")
    gitignore.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_const", const=False,
                           help="walk folders without reading .gitignore")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="the name of the file read from stdin (for config, targeting and notebook detection)")
    check.add_argument("--select", action="append", metavar="CODES",
                       help="comma-separated codes or prefixes to report (default: KER, every rule)")
    check.add_argument("--ignore", action="append", metavar="CODES",
                       help="comma-separated codes or prefixes not to report")
    check.add_argument("--extend-select", action="append", metavar="CODES", help="codes or prefixes added to --select")
    _add_config_flags(check)
    check.add_argument("--show-settings", action="store_true",
                       help="print the settings in force and where each comes from, then exit")

    explain = commands.add_parser(
        "explain", help="show the Keras lines a file targets, why, and the facts of each compile()",
        description="For each file: the Keras version lines keraslint checks it against and the evidence "
                    "(setting, pin file, installed package, the file's imports), then one line per compile() "
                    "with the facts established there (output, loss, metrics, labels).",
    )
    explain.add_argument("paths", nargs="+", metavar="PATH", help="Python files, notebooks or folders")
    _add_config_flags(explain)

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
        if args.command == "explain":
            return run_explain(args)
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
    from keraslint.diagnostics import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME
    from keraslint.rules import ALL_RULES

    wanted = code.strip()
    for rule in ALL_RULES:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            sys.stdout.write(rule_page(rule))
            return 0
    if wanted.upper() == "KER002" or wanted.lower() == "configuration-error":
        sys.stdout.write(
            "# KER002 configuration-error\n\nOnly inside flake8: keraslint's configuration has a bad value (flake8's "
            "`keras-version`, or `[tool.keraslint]` in pyproject.toml). keraslint reports it once per file it would "
            "check, at line 1, with the setting and the accepted values, and runs no KER check until it is fixed; "
            "flake8's other plugins report as usual. `keraslint check` stops with exit code 2 and the same message "
            "instead.\n"
        )
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


def _settings(args: argparse.Namespace, **flags: Any) -> Settings:
    from keraslint import config

    return config.resolve(
        config_path=args.config, isolated=args.isolated, keras_version=args.keras_version, **flags
    )


def _usage_error(message: str) -> int:
    sys.stderr.write(f"keraslint: error: {message}\n")
    return 2


@dataclasses.dataclass
class _Checked:
    """What `keraslint check` checked: per path its outcome, the errors of finding the files, the
    fixed source that --fix on stdin writes to stdout."""

    checked: list[tuple[str, Outcome]] = dataclasses.field(default_factory=list)
    errors: list[FileError] = dataclasses.field(default_factory=list)
    fixed_source: bytes | None = None
    discovery: Discovery = dataclasses.field(default_factory=Discovery)


def _check_usage_error(args: argparse.Namespace) -> int | None:
    """The exit status of a combination of `check` flags that cannot work together (None: fine)."""
    if args.diff and args.format != "text":
        return _usage_error(f"--diff prints a unified diff; it cannot be combined with --format {args.format} "
                            "(use --format text, or drop --diff)")
    if args.statistics and args.format not in ("text", "json"):
        return _usage_error(f"--statistics prints text or json, not --format {args.format}")
    if args.statistics and args.diff:
        return _usage_error("--statistics and --diff cannot be combined")
    return None


def _check_settings(args: argparse.Namespace) -> Settings:
    return _settings(
        args,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        extend_select=_codes(args.extend_select),
        exclude=_globs(args.exclude),
        extend_exclude=_globs(args.extend_exclude),
        respect_gitignore=args.respect_gitignore,
    )


def _check_options(args: argparse.Namespace, settings: Settings) -> Options:
    # ruff's convention: --fix writes the safe fixes, --unsafe-fixes adds the unsafe ones to --fix
    # or --diff; alone it writes nothing.
    fix = args.fix and not args.diff
    unsafe = args.unsafe_fixes and (args.fix or args.diff)
    return Options(settings, fix=fix, unsafe=unsafe, diff=args.diff)


def _check_stdin(args: argparse.Namespace, settings: Settings, options: Options) -> _Checked:
    run = _Checked()
    display = args.stdin_filename or "stdin"
    stdin_data = sys.stdin.buffer.read()
    if args.stdin_filename is None or not settings.excluded(args.stdin_filename):
        outcome = check_data(display, args.stdin_filename, stdin_data, options)
        run.checked.append((display, outcome))
        if options.fix:
            run.fixed_source = outcome.new_data if outcome.new_data is not None else stdin_data
    elif options.fix:
        run.fixed_source = stdin_data
    return run


def _check_paths(paths: list[str], settings: Settings, options: Options) -> _Checked:
    discovery = discover_all(paths, settings)
    run = _Checked(errors=list(discovery.errors), discovery=discovery)
    for path in discovery.files:
        run.checked.append((path, check_path(path, options)))
    return run


def _write_findings(args: argparse.Namespace, options: Options, stream: IO[str], results: list[Result],
                    errors: list[FileError], fixed: int, diff: str) -> None:
    """The report (the diff, the statistics or the findings in --format) and the counts on stderr."""
    if options.diff:
        stream.write(diff)
        if fixed and not args.quiet:
            sys.stderr.write(f"Would fix {fixed} finding{'s' if fixed != 1 else ''}.\n")
        return
    if args.statistics:
        stream.write(output.format_statistics(results, args.format))
    else:
        stream.write(output.render(args.format, results, errors))
    if fixed and not args.quiet:
        sys.stderr.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.\n")
    if args.format == "text" and results and not args.quiet and not args.statistics:
        summary = output.summary(results, len({r.path for r in results}), unsafe_named=args.unsafe_fixes)
        sys.stderr.write(summary + "\n")


def _write_report(args: argparse.Namespace, options: Options, report: IO[str] | None, run: _Checked,
                  results: list[Result], errors: list[FileError], fixed: int, diff: str) -> None:
    """The fixed source of stdin (--fix), the report (to --output-file, else stdout or, when stdout
    carries the fixed source, stderr), then --show-fixes."""
    report_stream = report or sys.stdout
    if run.fixed_source is not None:
        sys.stdout.buffer.write(run.fixed_source)
        sys.stdout.flush()
        report_stream = report or sys.stderr  # stdout carries the fixed source
    _write_findings(args, options, report_stream, results, errors, fixed, diff)
    if args.show_fixes:
        sys.stderr.write(_show_fixes(run.checked, results, applied=options.fix or options.diff))


def run_check(args: argparse.Namespace) -> int:
    from keraslint.targeting import ConfigError

    usage_error = _check_usage_error(args)
    if usage_error is not None:
        return usage_error
    try:
        settings = _check_settings(args)
    except ConfigError as error:
        return _usage_error(str(error))
    if args.show_settings:
        sys.stdout.write(show_settings(settings, args))
        return 0
    options = _check_options(args, settings)

    paths = list(args.paths)
    if not paths:
        paths = ["-"] if args.stdin_filename else ["."]
    use_stdin = "-" in paths
    if use_stdin and len(paths) > 1:
        return _usage_error("'-' (stdin) cannot be combined with other paths")

    run = _check_stdin(args, settings, options) if use_stdin else _check_paths(paths, settings, options)
    discovery = run.discovery
    outcomes = [outcome for _path, outcome in run.checked]
    results = [result for outcome in outcomes for result in outcome.results]
    errors = run.errors + [error for outcome in outcomes for error in outcome.errors]
    fixed = sum(outcome.fixed for outcome in outcomes)
    diff = "".join(outcome.diff for outcome in outcomes)

    try:
        report = open(args.output_file, "w", encoding="utf-8") if args.output_file else None  # noqa: SIM115
    except OSError as error:
        return _usage_error(f"--output-file: cannot write {args.output_file}: {error.strerror or error}")
    try:
        _write_report(args, options, report, run, results, errors, fixed, diff)
    finally:
        if report is not None:
            report.close()
    if errors:
        sys.stderr.write(output.format_errors(errors))
    if not use_stdin and not discovery.files and not errors and not args.quiet:
        _warn_nothing_checked(paths, discovery)
    if errors:
        return 2
    if options.diff:
        return 1 if diff and not args.exit_zero else 0
    return 1 if results and not args.exit_zero else 0


def _warn_nothing_checked(paths: list[str], discovery: Discovery) -> None:
    skipped = f" ({discovery.skipped} excluded or git-ignored)" if discovery.skipped else ""
    sys.stderr.write(
        f"keraslint: warning: no Python files or notebooks found in {', '.join(paths)}{skipped}; nothing was checked\n"
    )


def _show_fixes(checked: list[tuple[str, Outcome]], results: list[Result], *, applied: bool) -> str:
    lines = []
    if applied:
        total = 0
        for path, outcome in checked:
            if not outcome.fixed_diagnostics:
                continue
            lines.append(f"{path}:")
            for diagnostic in outcome.fixed_diagnostics:
                total += 1
                fix = diagnostic.fix
                description = f": {fix.description}" if fix is not None else ""
                lines.append(f"  {diagnostic.code} {diagnostic.name}{description}")
        head = f"Fixed {total} finding{'s' if total != 1 else ''}:" if total else "No fixes applied."
        return "\n".join([head, *lines]) + "\n"
    for result in results:
        info = output.fix_info(result.diagnostic)
        if info is not None:
            lines.append(f"{output.location(result)}: {result.code} {info['safety']} fix ({info['applied_by']}): "
                         f"{info['description']}")
    head = f"{len(lines)} fix{'es' if len(lines) != 1 else ''} available:" if lines else "No fixes available."
    return "\n".join([head, *lines]) + "\n"


def show_settings(settings: Settings, args: argparse.Namespace) -> str:
    """`keraslint check --show-settings`: what is in force and where it comes from."""
    from keraslint import config

    out = []
    if args.isolated:
        out.append("configuration files: none (--isolated)")
    else:
        pyproject = args.config or config.find_pyproject()
        flake8_file = config.find_flake8_config()
        out.append(f"[tool.keraslint]: {pyproject or 'none found'}")
        out.append(f"flake8 configuration: {flake8_file or 'none found'}")
    version = settings.keras_version
    if version is None or version.strip().lower() in ("", "auto"):
        out.append("keras-version: auto (each file: the nearest project's pins, then the installed packages; "
                   "`keraslint explain FILE` shows the decision)")
    else:
        from keraslint.versions import describe
        from keraslint.targeting import parse_keras_version

        lines = parse_keras_version(version)
        names = ", ".join(f"{line.name} ({line.label})" for line in sorted(lines)) if lines else "auto"
        shown = version.split("#", 1)[0].strip()  # flake8 hands an ini value over with its inline comment
        out.append(f"keras-version: {shown!r} from {settings.keras_version_source} -> {names}"
                   f" [{describe(lines)}]" if lines else f"keras-version: {version!r}")
    out.append(f"select: {', '.join(settings.select or ('KER',))}")
    out.append(f"extend-select: {', '.join(settings.extend_select) or '-'}")
    out.append(f"ignore: {', '.join(settings.ignore) or '-'}")
    out.append("per-file-ignores: " + (
        "; ".join(f"{pattern} = {', '.join(codes)}" for pattern, codes in settings.per_file_ignores) or "-"))
    out.append(f"exclude: {', '.join(settings.exclude + settings.extend_exclude) or '-'} "
               "(always skipped: hidden folders, virtual environments, build, dist, node_modules, __pycache__)")
    out.append(f"respect-gitignore: {'yes' if settings.respect_gitignore else 'no'}")
    out.append(f"globs relative to: {settings.root or os.getcwd()}")
    return "\n".join(out) + "\n"


def run_explain(args: argparse.Namespace) -> int:
    """`keraslint explain FILE...`: the target decision and the established facts, per file."""
    from keraslint.versions import describe
    from keraslint.targeting import ConfigError

    try:
        settings = _settings(args)
    except ConfigError as error:
        return _usage_error(str(error))
    status = 0
    found = discover_all(args.paths, settings)  # folders as `check` reads them
    for unreadable in found.errors:
        sys.stderr.write(f"{unreadable.path}: error: {unreadable.message}\n")
        status = 2
    for index, path in enumerate(found.files):
        if index:
            sys.stdout.write("\n")
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            sys.stderr.write(f"{path}: error: cannot read file: {error.strerror or error}\n")
            status = 2
            continue
        text, problem = _python_text(path, data)
        if text is None:
            sys.stderr.write(f"{path}: error: {problem}\n")
            status = 2
            continue
        from keraslint import engine

        try:
            target = _target(settings, path)
            lines, reason, sites = engine.explain(text, filename=path, target=target)
        except ConfigError as error:
            return _usage_error(str(error))
        names = ", ".join(f"{line.name} ({line.label})" for line in sorted(lines))
        sys.stdout.write(f"{path}\n")
        source = ""
        if settings.keras_version is not None and settings.keras_version_source:
            source = f" ({settings.keras_version_source}: keras-version = {settings.keras_version.strip()!r})"
        sys.stdout.write(f"  target: {names} [{describe(lines)}]\n")
        sys.stdout.write(f"  because: {reason}{source}\n")
        if not sites:
            sys.stdout.write("  compile() calls: none found that keraslint follows\n")
        for site in sites:
            sys.stdout.write(f"  {site}\n")
    return status


def _python_text(path: str, data: bytes) -> tuple[str | None, str]:
    """The Python text keraslint analyses for a file: a notebook's code cells joined."""
    from keraslint.notebooks import Notebook, NotebookError, looks_like_notebook

    head = data[:4096].decode("utf-8", errors="replace")
    if looks_like_notebook(head):
        try:
            notebook = Notebook(data.decode("utf-8"))
        except (NotebookError, UnicodeDecodeError) as error:
            return None, f"invalid notebook: {error}"
        return notebook.joined, ""
    if path.endswith(".ipynb") and not data.strip():
        return None, "invalid notebook: the file is empty"
    try:
        text, _encoding = _decode_python(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        return None, f"cannot decode file: {error}"
    return text, ""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
