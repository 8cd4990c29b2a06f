"""Never crash: keraslint must not take flake8 down, whatever the input.

Every test here feeds the plugin exactly what flake8 gives it (flake8's own FileProcessor reads the
file: encoding detection with a latin-1 fallback, BOM stripped, `tree` = ast.parse of the lines) and/or
calls `keraslint.engine.analyse` directly. An internal failure must be exactly one KER001, never an
exception; the inputs below must not even produce KER001.

Several tests are regressions for defects found while writing this file; their docstrings say what
used to happen.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import io
import logging
import multiprocessing
import os
import pathlib
import re
import signal
import subprocess
import sys
import sysconfig
import textwrap
import time

import pytest
from flake8.processor import FileProcessor

from keraslint import engine, targeting
from keraslint.engine import analyse
from keraslint.flake8_plugin import KerasLintPlugin

CODE = re.compile(r"^KER[0-9]{3}$")

# What FileProcessor reads from flake8's options.
FLAKE8_OPTIONS = argparse.Namespace(
    hang_closing=False,
    indent_size=4,
    max_line_length=79,
    max_doc_length=None,
    verbose=0,
    stdin_display_name="stdin",
    disable_noqa=False,
)

# Line 9 carries findings (a 10-unit softmax trained with binary_crossentropy).
KERAS_PROGRAM = textwrap.dedent(
    """\
    import keras

    model = keras.Sequential(
        [
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """
)
COMPILE_LINE = 9


# --- helpers ---------------------------------------------------------------------------------


def plugin_results(lines: list[str], filename: str = "example.py") -> list[tuple[int, int, str]]:
    """Run the plugin as flake8 does: tree = ast.parse of the joined lines, then iterate run()."""
    tree = ast.parse("".join(lines))
    results = list(KerasLintPlugin(tree, lines, filename).run())
    for line, column, text, kind in results:
        assert kind is KerasLintPlugin
        assert isinstance(line, int) and isinstance(column, int)
    return [(line, column, text) for line, column, text, _kind in results]


def flake8_file_results(path: pathlib.Path) -> list[tuple[int, int, str]] | None:
    """Read `path` with flake8's FileProcessor and run the plugin on it; None when flake8 would
    report E999/E902 and never call a tree plugin."""
    processor = FileProcessor(str(path), FLAKE8_OPTIONS)
    try:
        tree = processor.build_ast()
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    results = list(KerasLintPlugin(tree, processor.lines, processor.filename).run())
    return [(line, column, text) for line, column, text, _kind in results]


def codes_and_lines(results) -> list[tuple[int, str]]:
    """(line, code) of plugin results or engine diagnostics."""
    out = []
    for item in results:
        if hasattr(item, "code"):
            out.append((item.line, item.code))
        else:
            out.append((item[0], item[2].split(" ", 1)[0]))
    return sorted(out)


def assert_clean(results, line_count: int | None = None) -> None:
    """Well-formed results and no KER001."""
    for line, code in codes_and_lines(results):
        assert CODE.match(code), code
        assert code != "KER001", results
        assert line >= 1
        if line_count is not None:
            assert line <= max(line_count, 1)


def keep_ends(source: str) -> list[str]:
    """Lines split on \\n, \\r\\n and \\r only, endings kept (an editor buffer as flake8 gets it)."""
    return io.StringIO(source, newline="").readlines()


def baseline() -> list[tuple[int, str]]:
    found = codes_and_lines(analyse(KERAS_PROGRAM))
    assert found, "the reference program must have findings"
    assert {line for line, _code in found} == {COMPILE_LINE}
    return found


# --- the standard library through the plugin ---------------------------------------------------


def _stdlib_files() -> list[pathlib.Path]:
    root = pathlib.Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


class _Budget(BaseException):
    """Raised by SIGALRM inside a worker: escapes `except Exception` in keraslint on purpose."""


def _on_alarm(*_args):
    raise _Budget


def _check_stdlib_file(path: str, header: str, budget: int) -> tuple[str, str, str] | None:
    """None when the plugin is fine on the file (or flake8 would not run it); else (path, kind, detail)."""
    try:
        processor = FileProcessor(path, FLAKE8_OPTIONS)
        lines = list(processor.lines)
        if header:
            lines = [header] + lines
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError, UnicodeError, OSError, RecursionError, MemoryError):
        return None
    opened = header and "compile" in "".join(lines)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(budget)
    try:
        results = list(KerasLintPlugin(tree, lines, path).run())
    except _Budget:
        return (path, "slow", f"more than {budget} s")
    except BaseException as error:  # noqa: BLE001 - anything escaping run() aborts flake8
        return (path, "raised", repr(error))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    for _line, _column, text, _kind in results:
        if text.startswith("KER001"):
            return (path, "KER001", text)
        if not CODE.match(text.split(" ", 1)[0]):
            return (path, "bad code", text)
    return ("", "opened", "") if opened else None


def _run_over_stdlib(header: str, budget: int):
    root = pathlib.Path(sysconfig.get_paths()["stdlib"])
    files = [str(p) for p in _stdlib_files()]
    assert len(files) > 500, f"standard library not found under {root}"
    outcomes = []
    if hasattr(signal, "SIGALRM") and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            outcomes = list(pool.map(_check_stdlib_file, files, [header] * len(files), [budget] * len(files), chunksize=16))
    else:  # pragma: no cover - no fork / no SIGALRM (Windows)
        outcomes = [_check_stdlib_file(f, header, budget) for f in files]
    problems = [o for o in outcomes if o is not None and o[1] != "opened"]
    opened = sum(1 for o in outcomes if o is not None and o[1] == "opened")
    return len(files), problems, opened


def test_standard_library_through_the_plugin_as_flake8_calls_it():
    """Every parseable stdlib module, read by flake8's FileProcessor: nothing escapes, no KER001.

    ~10 s on 2 cores (reading and ast.parse dominate): the text gate sends no stdlib module to the evaluator.
    """
    count, problems, _opened = _run_over_stdlib("", budget=30)
    assert problems == [], problems[:20]
    assert count > 500


def test_standard_library_with_the_gate_forced_open():
    """The same modules with `import keras` prepended, so that every module mentioning `compile`
    passes the gate and its relevant statements go through the evaluator and every rule.

    ~20 s on 2 cores. A module taking more than 20 s fails the test: in an editor that is a hang.
    (re/_compiler.py once took more than 15 minutes here: loop bodies were walked twice per level.)"""
    count, problems, opened = _run_over_stdlib("import keras\n", budget=20)
    assert problems == [], problems[:20]
    assert opened > 100, "the gate should open for every module that mentions compile"


# --- hostile inputs ----------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    assert flake8_file_results(path) == []
    assert plugin_results([]) == []
    assert analyse("") == []


def test_only_a_bom(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf")
    assert flake8_file_results(path) == []
    assert analyse("\ufeff") == []


def test_bom_and_keras_code_through_flake8(tmp_path):
    path = tmp_path / "bom_keras.py"
    path.write_bytes(b"\xef\xbb\xbf" + KERAS_PROGRAM.encode())
    assert codes_and_lines(flake8_file_results(path)) == baseline()


def test_bom_and_keras_code_through_analyse_finds_the_same():
    """Regression: analyse()'s own ast.parse refused the BOM and it silently returned []."""
    assert codes_and_lines(analyse("\ufeff" + KERAS_PROGRAM)) == baseline()


def test_non_utf8_bytes_fall_back_like_flake8(tmp_path):
    # flake8 falls back to latin-1 when the declared/implied encoding does not decode.
    path = tmp_path / "latin.py"
    path.write_bytes(b"# caf\xe9 \xff\xfe\n" + KERAS_PROGRAM.encode())
    expected = [(line + 1, code) for line, code in baseline()]
    assert codes_and_lines(flake8_file_results(path)) == expected


def test_declared_latin1_encoding(tmp_path):
    path = tmp_path / "declared.py"
    source = "# -*- coding: latin-1 -*-\nLABEL = 'caf\xe9'\n" + KERAS_PROGRAM
    path.write_bytes(source.encode("latin-1"))
    expected = [(line + 2, code) for line, code in baseline()]
    assert codes_and_lines(flake8_file_results(path)) == expected
    assert codes_and_lines(analyse(source)) == expected


def test_nul_byte_in_source(tmp_path):
    # A raw NUL byte: ast refuses the file, flake8 reports E999 and never calls the plugin;
    # analyse must come to the same conclusion on its own.
    source = KERAS_PROGRAM + 'NAME = "a\x00b"\n'
    path = tmp_path / "nul.py"
    path.write_bytes(source.encode())
    assert flake8_file_results(path) is None
    assert analyse(source) == []


def test_nul_escape_in_string_keeps_findings(tmp_path):
    source = KERAS_PROGRAM.replace('"relu"', '"re\\x00lu"') + 'NAME = "a\\x00b\\0"\n'
    path = tmp_path / "nul_escape.py"
    path.write_bytes(source.encode())
    assert codes_and_lines(flake8_file_results(path)) == baseline()
    assert codes_and_lines(analyse(source)) == baseline()


def test_form_feeds():
    # A form feed alone on the blank line, at the start of the compile line and inside its
    # indentation: the findings stay where they were.
    source = KERAS_PROGRAM.replace("\n\n", "\n\x0c\n", 1).replace("model.compile", "\x0cmodel.compile")
    assert codes_and_lines(analyse(source)) == baseline()
    assert codes_and_lines(plugin_results(keep_ends(source))) == baseline()
    nested = "def build():\n\x0c    " + "\n    ".join(KERAS_PROGRAM.splitlines()[2:]) + "\n"
    nested = "import keras\n" + nested
    found = codes_and_lines(analyse(nested))
    assert found and {line for line, _ in found} == {nested.count("\n")}
    assert codes_and_lines(plugin_results(keep_ends(nested))) == found


def test_tabs_and_spaces_mix(tmp_path):
    # Python accepts mixing when the meaning does not depend on the tab size.
    source = (
        "import keras\n"
        "def build():\n"
        "\tmodel = keras.Sequential([\n"
        "        keras.layers.Dense(64, activation='relu'),\n"  # inside brackets: any whitespace
        "\t    keras.layers.Dense(10, activation='softmax')])\n"
        "\tif True:\n"
        "\t    model.compile(optimizer='adam', loss='binary_crossentropy')\n"
        "\treturn model\n"
    )
    ast.parse(source)
    found = codes_and_lines(analyse(source))
    assert found and {line for line, _ in found} == {7}
    assert codes_and_lines(plugin_results(keep_ends(source))) == found
    path = tmp_path / "tabs.py"
    path.write_text(source)
    assert codes_and_lines(flake8_file_results(path)) == found


def test_inconsistent_tabs_are_flake8s_business(tmp_path):
    source = "import keras\nif True:\n        x = 1\n\ty = 2\nmodel.compile()\n"
    path = tmp_path / "taberror.py"
    path.write_text(source)
    assert flake8_file_results(path) is None  # TabError is a SyntaxError: E999
    assert analyse(source) == []


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings_keep_findings_on_the_same_lines(ending, tmp_path):
    source = KERAS_PROGRAM.replace("\n", ending)
    expected = baseline()
    assert codes_and_lines(analyse(source)) == expected
    raw_lines = keep_ends(source)
    assert all(line.endswith(ending) for line in raw_lines)
    assert codes_and_lines(plugin_results(raw_lines)) == expected
    path = tmp_path / "endings.py"
    path.write_bytes(source.encode())
    assert codes_and_lines(flake8_file_results(path)) == expected


def test_mixed_line_endings():
    lines = KERAS_PROGRAM.splitlines()
    endings = ["\n", "\r\n", "\r"]
    source = "".join(line + endings[index % 3] for index, line in enumerate(lines))
    assert codes_and_lines(analyse(source)) == baseline()
    assert codes_and_lines(plugin_results(keep_ends(source))) == baseline()


def _helper_block(index: int) -> str:
    return textwrap.dedent(
        f"""

        def preprocess_{index}(batch, scale={index}.0):
            out = []
            for row in batch:
                if row is None:
                    continue
                out.append([value / scale for value in row])
            return out


        CONFIG_{index} = {{"name": "run_{index}", "lr": 1e-3, "epochs": {index % 7 + 1}}}
        """
    )


def _model_block(index: int) -> str:
    return textwrap.dedent(
        f"""
        model_{index} = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense({index % 9 + 3}, activation="softmax")])
        model_{index}.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """
    )


def test_fifty_thousand_line_keras_file():
    """A generated 50,000-line training module (helpers, configs, a model + compile every 20
    blocks): completes, in bounded time (~1 s here), with findings on every compile line."""
    parts = ["import keras\n"]
    compile_lines = []
    line_count = 1
    index = 0
    while line_count < 49_990:
        block = _model_block(index) if index % 20 == 0 else _helper_block(index)
        if index % 20 == 0:
            compile_lines.append(line_count + 3)
        parts.append(block)
        line_count += block.count("\n")
        index += 1
    source = "".join(parts)
    lines = keep_ends(source)
    assert len(lines) >= 49_990

    start = time.perf_counter()
    from_plugin = plugin_results(lines, "big.py")
    plugin_seconds = time.perf_counter() - start
    start = time.perf_counter()
    from_engine = analyse(source)
    engine_seconds = time.perf_counter() - start

    assert_clean(from_plugin, len(lines))
    assert {line for line, _ in codes_and_lines(from_plugin)} == set(compile_lines)
    assert codes_and_lines(from_plugin) == codes_and_lines(from_engine)
    print(f"50,000 lines: plugin {plugin_seconds:.2f} s, analyse {engine_seconds:.2f} s")
    assert plugin_seconds < 60 and engine_seconds < 60


# Expressions Python accepts 2,000 levels deep (2,000 nested parentheses are refused by the
# tokenizer at 200, so those cannot reach a tree plugin at all).
DEEP_FORMS = {
    "attribute": lambda n: "a" + ".b" * n,
    "call": lambda n: "f" + "()" * n,
    "subscript": lambda n: "a" + "[0]" * n,
    "unary": lambda n: "-" * n + "1",
    "not": lambda n: "not " * n + "x",
    "binary": lambda n: " + ".join(["1"] * n),
    "power": lambda n: " ** ".join(["2"] * n),
    "conditional": lambda n: "1 if x else " * n + "2",
    "lambda": lambda n: "lambda: " * n + "1",
    "boolean": lambda n: " and ".join(["x"] * n),
    "comparison": lambda n: " < ".join(["x"] * n),
    "strings": lambda n: " ".join(["'a'"] * n),
}


@pytest.mark.parametrize("form", sorted(DEEP_FORMS))
def test_two_thousand_level_expression(form):
    expression = DEEP_FORMS[form](2000)
    # Once per file: a robustness test, not a benchmark.
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
        f"model.compile(loss={expression}, metrics=['accuracy'])\n"
    )
    try:
        ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError):  # pragma: no cover - depends on CPython limits
        pytest.skip("this Python refuses the expression: flake8 would report E999")
    assert_clean(analyse(source), 3)
    assert_clean(plugin_results(keep_ends(source)), 3)


def _in_subprocess(source: str, timeout: float) -> subprocess.CompletedProcess:
    code = (
        "import sys\n"
        "from keraslint.engine import analyse\n"
        "result = analyse(sys.stdin.read())\n"
        "print([d.code for d in result])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], input=source, capture_output=True, text=True, timeout=timeout
    )


def test_very_long_boolean_chain_does_not_kill_the_process():
    """Regression: LibCST's native parser overflowed the C stack (SIGSEGV, the flake8 process dies)
    on ~7,500 `and` operands, which ast accepts (LibCST issues #619, #1000). Run in a subprocess so
    that a crash fails this test instead of the test run."""
    source = "import keras\nmodel.compile(loss=" + " and ".join(["x"] * 20_000) + ")\n"
    ast.parse(source)
    completed = _in_subprocess(source, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "[]"


def test_fixing_next_to_a_very_long_boolean_chain_does_not_kill_the_process():
    """The fixer is the one place LibCST parses a whole file: its parse runs on a large stack."""
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy', metrics=['accuracy'])\n"
        "model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])\n"  # multi-hot labels: KER201 on Keras 3
        "flag = " + " and ".join(["x"] * 20_000) + "\n"
    )
    code = (
        "import sys\n"
        "from keraslint import fixer\n"
        "from keraslint.settings import Settings\n"
        "result = fixer.fix_source(sys.stdin.read(), settings=Settings('3'))\n"
        "print([d.code for d in result.fixed])\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], input=source, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "['KER201']"


def test_recursive_helper_called_in_a_loop_is_analysed_quickly():
    """Regression: following calls 6 deep with loop bodies walked twice made this 7-line module
    take ~60 s (and re/_compiler.py with `import keras` more than 15 minutes)."""
    calls = "\n        ".join(["f(a)"] * 5)
    source = (
        "import keras\n"
        "def f(x):\n"
        "    for a in x:\n"
        f"        {calls}\n"
        "    return keras.Sequential()\n"
        "model = f([])\n"
        "model.compile(loss='mse')\n"
    )
    try:
        completed = _in_subprocess(source, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("analyse took more than 10 s on a 7-line module")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "[]"  # an empty Sequential: nothing to report, and no KER001


def test_deeply_nested_loops_are_analysed_quickly():
    """Regression: each loop body was walked twice, 2**depth walks (18 nested loops: ~6 s)."""
    depth = 22
    source = "import keras\nmodel = keras.Sequential()\n"
    for level in range(depth):
        source += "    " * level + f"for i{level} in range(2):\n"
    source += "    " * depth + "model.compile(loss='mse')\n"
    ast.parse(source)
    try:
        completed = _in_subprocess(source, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("analyse took more than 10 s")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "[]"


# Code that ast accepts and LibCST refuses. On Python 3.12+ PEP 695 syntax is accepted by both
# (LibCST 1.9 parses `type X = int` and `def f[T](x: T)`), so the known example is a LibCST bug:
# `() if 0 else(lambda:())` makes LibCST's node validation raise TypeError (LibCST issue #1061).
LIBCST_REJECTS = "import keras\nmodel.compile(loss=() if 0 else(lambda:()))\n"


def test_code_libcst_rejects_is_really_rejected_by_libcst():
    import libcst

    ast.parse(LIBCST_REJECTS)
    with pytest.raises(Exception):
        libcst.parse_module(LIBCST_REJECTS)


def test_code_libcst_rejects_is_not_an_internal_error():
    """Regression: LibCST's TypeError on this valid code escaped the parse step and became KER001.
    The module compiles a model the facts cannot see: nothing at all is reported."""
    assert analyse(LIBCST_REJECTS) == []
    assert plugin_results(keep_ends(LIBCST_REJECTS)) == []


def test_code_libcst_rejects_is_reported_and_fixed_only_where_libcst_parses():
    """Facts come from `ast`, so the finding is always there; the fixer parses with LibCST only the
    statement it edits: odd code elsewhere does not stop the fix, odd code in that statement does."""
    from keraslint import fixer
    from keraslint.settings import Settings

    build = "import keras\nmodel = keras.Sequential([keras.layers.Dense(10, activation='sigmoid')])\n"
    settings = Settings(keras_version="3")
    fit = "model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])\n"  # multi-hot labels: KER201 on Keras 3
    elsewhere = build + "model.compile(loss='binary_crossentropy', metrics=['accuracy'])\n" + fit + "odd = () if 0 else(lambda:())\n"
    inside = build + "model.compile(loss='binary_crossentropy', metrics=['accuracy'], run_eagerly=() if 0 else(lambda:()))\n" + fit
    for source in (elsewhere, inside):
        assert [d.code for d in analyse(source, target=targeting.target_for(None, settings.keras_version))] == ["KER201"]
    fixed = fixer.fix_source(elsewhere, settings=settings)
    assert [d.code for d in fixed.fixed] == ["KER201"] and "BinaryAccuracy(name='accuracy')" in fixed.text
    untouched = fixer.fix_source(inside, settings=settings)
    assert untouched.text == inside and untouched.fixed == []


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 syntax needs Python 3.12")
def test_pep695_syntax():  # pragma: no cover - runs on 3.12+
    source = KERAS_PROGRAM + "type Shape = tuple[int, ...]\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"
    assert codes_and_lines(analyse(source)) == baseline()
    assert codes_and_lines(plugin_results(keep_ends(source))) == baseline()


def test_python2_print_statement(tmp_path):
    source = KERAS_PROGRAM + 'print "accuracy", model.evaluate(x, y)\n'
    path = tmp_path / "py2.py"
    path.write_text(source)
    assert flake8_file_results(path) is None  # flake8: E999, no tree plugin call
    assert analyse(source) == []  # the engine's own ast.parse fails: nothing, quietly


def test_python2_exec_and_backticks():
    assert analyse("import keras\nexec 'x = 1'\nmodel.compile(loss=`x`)\n") == []


DEEP_HEADS = [
    "class Trainer:",
    "def run(self):",
    "for epoch in range(3):",
    "try:",
    "with strategy.scope():",
    "while not done:",
    "if use_gpu:",
    "def inner():",
    "async def fetch():",
    "match mode:",
    "case 'train':",
]


def _nest(heads: list[str], body: list[str]) -> tuple[str, int]:
    out = ["import keras"]
    for level, head in enumerate(heads):
        out.append("    " * level + head)
    compile_line = 0
    for statement in body:
        out.append("    " * len(heads) + statement)
        if "compile(" in statement:
            compile_line = len(out)
    for level in reversed(range(len(heads))):
        if heads[level] == "try:":
            out += ["    " * level + "except Exception:", "    " * level + "    raise"]
    return "\n".join(out) + "\n", compile_line


NESTED_BODY = [
    'model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])',
    'model.compile(optimizer="adam", loss="binary_crossentropy")',
]


def test_compile_inside_nested_functions_classes_loops_and_try():
    source, compile_line = _nest(DEEP_HEADS[:8], NESTED_BODY)
    found = codes_and_lines(analyse(source))
    assert found and {line for line, _ in found} == {compile_line}
    assert codes_and_lines(plugin_results(keep_ends(source))) == found


def test_compile_sixty_blocks_deep():
    heads = DEEP_HEADS[:7] + ["def g():", "if flag:", "try:", "with ctx():"] * 14
    heads = heads[:60]
    source, compile_line = _nest(heads, NESTED_BODY)
    ast.parse(source)
    start = time.perf_counter()
    results = analyse(source)
    assert time.perf_counter() - start < 10
    assert_clean(results, source.count("\n"))
    assert_clean(plugin_results(keep_ends(source)), source.count("\n"))
    assert codes_and_lines(results) == [(compile_line, "KER101")]


def test_every_kind_of_block_nested():
    source, compile_line = _nest(DEEP_HEADS, NESTED_BODY)
    ast.parse(source)
    assert codes_and_lines(analyse(source)) == [(compile_line, "KER101")]
    assert codes_and_lines(plugin_results(keep_ends(source))) == [(compile_line, "KER101")]


PROGRAM_HEAD = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(10, activation="softmax")])\n'


@pytest.mark.parametrize(
    ("call", "codes"),
    [
        # A literal dict behind ** is read: its loss and its keywords are facts.
        ("model.compile(**kwargs)", ["KER101", "KER305"]),
        ('model.compile(optimizer="adam", loss="mse", frobnicate=3, **{"colour": "blue"})', ["KER305", "KER305"]),
        # Whatever an unresolved * or ** may hold is unknown: silent (rules.md principle 1).
        ('model.compile(**{"loss": "mse"}, **extra)', []),
        ('model.compile(**{"loss": "mse", **more})', []),
        ("model.compile(**{1: 2})", []),
        ("model.compile(**{})", []),
        ("model.compile(**None)", []),
        ("model.compile(*args)", []),
        ('model.compile("adam", *args, loss="mse")', []),
        ("model.compile(*args, **kwargs)", []),
        ("model.compile(*[], **{})", []),
        ("model.compile(*('adam', 'mse', ['accuracy']))", []),
        ("model.compile(*'abc')", []),
    ],
)
def test_star_arguments(call, codes):
    source = PROGRAM_HEAD + "kwargs = {'loss': 'binary_crossentropy', 'unknown_option': 1}\n" + call + "\n"
    assert codes_and_lines(analyse(source)) == [(4, code) for code in codes]
    assert codes_and_lines(plugin_results(keep_ends(source))) == [(4, code) for code in codes]


def test_unknown_keyword_arguments_do_not_hide_known_ones():
    source = PROGRAM_HEAD + 'model.compile(optimizer="adam", loss="binary_crossentropy", frobnicate=3, **extra)\n'
    found = codes_and_lines(analyse(source))
    assert ("KER101" in {code for _, code in found}) and {line for line, _ in found} == {3}


# --- a broken rule, a broken engine -------------------------------------------------------------


class Broken:
    code = "KER999"
    name = "broken"

    def check(self, site, context):
        raise RuntimeError("deliberately broken rule")


class BrokenAfterYielding:
    """Yields a real finding, then fails: no partial result may leak out."""

    code = "KER998"
    name = "broken-after-yielding"

    def check(self, site, context):
        from keraslint.rules import Finding

        yield Finding(site.call, "half done")
        raise ZeroDivisionError("after the first finding")


class DeepRecursion:
    code = "KER997"
    name = "deep-recursion"

    def check(self, site, context):
        def down(n):
            return down(n + 1)

        return down(0)


@pytest.mark.parametrize("rule", [Broken(), BrokenAfterYielding(), DeepRecursion()], ids=lambda r: r.name)
def test_a_failing_rule_is_one_internal_error_and_a_log_record(rule, caplog):
    with caplog.at_level(logging.WARNING, logger="keraslint"):
        results = analyse(KERAS_PROGRAM, rules=[rule])
    assert [d.code for d in results] == ["KER001"]
    (diagnostic,) = results
    assert (diagnostic.line, diagnostic.column) == (1, 0)
    assert "\n" not in diagnostic.message
    records = [r for r in caplog.records if r.name == "keraslint"]
    assert len(records) == 1
    assert records[0].exc_info is not None


def test_a_failing_rule_next_to_good_rules_still_one_internal_error(caplog):
    from keraslint.rules import ALL_RULES

    with caplog.at_level(logging.WARNING, logger="keraslint"):
        results = analyse(KERAS_PROGRAM, rules=[*ALL_RULES, Broken()])
    assert [d.code for d in results] == ["KER001"]


def test_engine_failure_inside_the_plugin_yields_one_ker001(monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(engine, "analyse", explode)
    tree = ast.parse(KERAS_PROGRAM)
    plugin = KerasLintPlugin(tree, keep_ends(KERAS_PROGRAM), "broken.py")
    with caplog.at_level(logging.WARNING, logger="flake8.keraslint"):
        results = list(plugin.run())
    assert len(results) == 1
    line, column, text, kind = results[0]
    assert (line, column, kind) == (1, 0, KerasLintPlugin)
    assert text.startswith("KER001 ") and "\n" not in text
    records = [r for r in caplog.records if r.name == "flake8.keraslint"]
    assert len(records) == 1 and records[0].exc_info is not None


def test_recursion_error_inside_the_plugin_yields_one_ker001(monkeypatch):
    def recurse(*args, **kwargs):
        return recurse(*args, **kwargs)

    monkeypatch.setattr(engine, "analyse", recurse)
    tree = ast.parse(KERAS_PROGRAM)
    results = list(KerasLintPlugin(tree, keep_ends(KERAS_PROGRAM), "broken.py").run())
    assert [text.split(" ", 1)[0] for _l, _c, text, _k in results] == ["KER001"]


def test_failure_in_the_facts_is_one_internal_error(monkeypatch, caplog):
    from keraslint.analysis import evaluate

    def explode(self, module):
        raise KeyError("facts exploded")

    monkeypatch.setattr(evaluate.Evaluator, "run", explode)
    with caplog.at_level(logging.WARNING, logger="keraslint"):
        results = analyse(KERAS_PROGRAM)
    assert [d.code for d in results] == ["KER001"]
    assert any(r.name == "keraslint" for r in caplog.records)


# --- determinism --------------------------------------------------------------------------------

DETERMINISM_PROGRAM = KERAS_PROGRAM + textwrap.dedent(
    """
    import tensorflow as tf
    from keras.layers import Dense

    other = tf.keras.Sequential([Dense(1, activation="softmax")])
    other.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["acc", "auc", "accuracy"])
    third = keras.Sequential()
    third.add(Dense(3, activation="sigmoid"))
    third.compile("sgd", "categorical_crossentropy", ["accuracy"])
    """
)


def _full(diagnostics):
    return [(d.line, d.column, d.code, d.message, d.end_line, d.end_column, d.name) for d in diagnostics]


def test_same_source_twice_gives_identical_diagnostics():
    first = _full(analyse(DETERMINISM_PROGRAM))
    second = _full(analyse(DETERMINISM_PROGRAM))
    assert first and first == second
    tree = ast.parse(DETERMINISM_PROGRAM)
    lines = keep_ends(DETERMINISM_PROGRAM)
    assert list(KerasLintPlugin(tree, lines, "d.py").run()) == list(KerasLintPlugin(tree, lines, "d.py").run())


def test_identical_across_processes_and_hash_seeds():
    code = (
        "import sys\n"
        "from keraslint.engine import analyse\n"
        "for d in analyse(sys.stdin.read()):\n"
        "    print(d.line, d.column, d.end_line, d.end_column, d.code, d.name, d.message)\n"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        completed = subprocess.run(
            [sys.executable, "-c", code], input=DETERMINISM_PROGRAM, capture_output=True, text=True, env=env, timeout=120
        )
        assert completed.returncode == 0, completed.stderr
        outputs.add(completed.stdout)
    assert len(outputs) == 1
    (output,) = outputs
    assert output.strip()
    in_process = "".join(
        f"{d.line} {d.column} {d.end_line} {d.end_column} {d.code} {d.name} {d.message}\n"
        for d in analyse(DETERMINISM_PROGRAM)
    )
    assert output == in_process
