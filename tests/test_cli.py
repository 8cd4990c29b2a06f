"""The keraslint command: discovery, exit codes, errors, noqa, stdin, fixes, rule pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keraslint import __version__
from keraslint.cli import main
from keraslint.rules import ALL_RULES

SOURCE = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
    """
)
FIXED = textwrap.dedent(
    """\
    import keras
    from keras import layers
    from keras.metrics import BinaryAccuracy

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[BinaryAccuracy(name="accuracy")])
    model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
    """
)
# KER101 (documented unsafe fix, not applied) stays after --fix.
UNFIXABLE = textwrap.dedent(
    """\
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    """
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def keraslint(*argv: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("keraslint", path=os.path.dirname(sys.executable))
    command = [exe] if exe else [sys.executable, "-c", "import sys; from keraslint.cli import main; sys.exit(main())"]
    return subprocess.run([*command, *argv], cwd=cwd, input=stdin, capture_output=True, timeout=120)


# --- commands -----------------------------------------------------------------------------------


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"keraslint {__version__}"


def test_no_command_and_bad_flags_are_usage_errors(capsys) -> None:
    assert run(capsys, )[0] == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--no-such-flag"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "xml"])
    assert exit_info.value.code == 2


def test_rules_table(capsys) -> None:
    status, out, _ = run(capsys, "rules")
    assert status == 0
    for rule in ALL_RULES:
        assert f"[{rule.code}](docs/rules/{rule.code}.md) | {rule.name} |" in out


@pytest.mark.parametrize("code", ["KER201", "ker201", "ambiguous-accuracy"])
def test_rule_page(capsys, code: str) -> None:
    status, out, _ = run(capsys, "rule", code)
    assert status == 0
    assert out.startswith("# KER201 ambiguous-accuracy\n")
    assert "## Example" in out and "## Use instead" in out


def test_rule_page_for_internal_error_and_unknown(capsys) -> None:
    assert run(capsys, "rule", "KER001")[1].startswith("# KER001 internal-error")
    status, _, err = run(capsys, "rule", "KER999")
    assert status == 2 and "unknown rule 'KER999'" in err


# --- discovery and exit codes ---------------------------------------------------------------------


def test_exit_codes(tmp_path, capsys) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\n", encoding="utf-8")
    finding = tmp_path / "finding.py"
    finding.write_text(SOURCE, encoding="utf-8")
    assert run(capsys, "check", "--keras-version", "3", str(clean))[0] == 0
    assert run(capsys, "check", "--keras-version", "3", str(finding))[0] == 1
    status, out, err = run(capsys, "check", "--keras-version", "3", str(finding), str(tmp_path / "missing.py"))
    assert status == 2
    assert "KER201" in out  # the other files are still checked
    assert f"{tmp_path / 'missing.py'}: error: no such file or directory" in err


def test_directory_walk_skips_hidden_virtualenv_and_build_folders(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ["src/pkg", ".hidden", "env", "build", "node_modules", "__pycache__", "x.egg-info"]:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "m.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (tmp_path / "src" / "notes.txt").write_text(SOURCE, encoding="utf-8")
    status, out, _ = run(capsys, "check", "--keras-version", "3")
    assert status == 1
    assert [line.split(":")[0] for line in out.splitlines()] == ["src/pkg/m.py"]
    # Named explicitly, a file in such a folder is checked.
    assert run(capsys, "check", "--keras-version", "3", "build/m.py")[0] == 1


def test_syntax_error_is_reported_not_raised(tmp_path, capsys) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import keras\ndef f(:\n    pass\n", encoding="utf-8")
    status, out, err = run(capsys, "check", str(path))
    assert status == 2
    assert out == ""
    assert f"{path}:2:7: error: cannot parse: invalid syntax" in err
    assert "Traceback" not in err


def test_undecodable_file_is_an_input_error(tmp_path, capsys) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"x = '\xe9'\n")
    status, _, err = run(capsys, "check", str(path))
    assert status == 2 and "cannot decode file" in err


def test_unreadable_file_is_an_input_error(tmp_path, capsys, monkeypatch) -> None:
    # Reading fails whoever runs the test (root reads files whatever their mode).
    path = tmp_path / "secret.py"
    path.write_text(SOURCE, encoding="utf-8")
    real_open = open

    def failing_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    status, _, err = run(capsys, "check", str(path))
    monkeypatch.undo()
    assert status == 2 and "cannot read file: Permission denied" in err


def test_internal_error_is_a_ker001_finding(tmp_path, capsys, monkeypatch) -> None:
    import keraslint.engine

    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(keraslint.engine, "file_facts", explode)
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    status, out, _ = run(capsys, "check", str(path))
    assert status == 1
    assert out.startswith(f"{path}:1:1: KER001 keraslint could not analyse this file")


# --- noqa -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "silenced"),
    [
        ("  # noqa", True),
        ("  # noqa: KER201", True),
        ("  # NOQA:KER101,KER201", True),
        ("  # noqa: KER2", True),
        ("  # noqa: KER101", False),
        ("  # noqa: E501", False),
        ("  # noqa:", True),  # flake8: a noqa without valid codes is bare
    ],
)
def test_noqa(tmp_path, capsys, comment: str, silenced: bool) -> None:
    path = tmp_path / "m.py"
    compile_line = 'metrics=["accuracy"])\n'  # the comment goes on the reported line
    path.write_text(SOURCE.replace(compile_line, compile_line[:-1] + comment + "\n"), encoding="utf-8")
    status, out, _ = run(capsys, "check", "--keras-version", "3", str(path))
    assert (status == 0) == silenced
    assert ("KER201" in out) != silenced


def test_noqa_only_counts_on_the_reported_line(tmp_path, capsys) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE.replace("import keras\n", "import keras  # noqa\n"), encoding="utf-8")
    assert run(capsys, "check", "--keras-version", "3", str(path))[0] == 1


# --- fixes ----------------------------------------------------------------------------------------


def test_fix_writes_safe_fixes_and_reports_what_is_left(tmp_path, capsys) -> None:
    fixable = tmp_path / "fixable.py"
    fixable.write_text(SOURCE, encoding="utf-8")
    unfixable = tmp_path / "unfixable.py"
    unfixable.write_text(UNFIXABLE, encoding="utf-8")
    status, out, err = run(capsys, "check", "--keras-version", "3", "--fix", str(tmp_path))
    assert fixable.read_text(encoding="utf-8") == FIXED
    assert unfixable.read_text(encoding="utf-8") == UNFIXABLE
    assert status == 1
    assert "KER101" in out and "KER201" not in out
    assert "Fixed 1 finding." in err
    # Everything fixable is fixed: a second run fixes nothing more and exits as before.
    assert run(capsys, "check", "--keras-version", "3", "--fix", str(fixable))[0] == 0
    assert fixable.read_text(encoding="utf-8") == FIXED


def test_diff_previews_without_writing(tmp_path, capsys) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    status, out, err = run(capsys, "check", "--keras-version", "3", "--diff", str(path))
    assert status == 1
    assert out.startswith(f"--- {path}\n+++ {path}\n")
    assert "+from keras.metrics import BinaryAccuracy\n" in out
    assert '-model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\n' in out
    assert path.read_text(encoding="utf-8") == SOURCE
    assert "Would fix 1 finding." in err
    path.write_text(FIXED, encoding="utf-8")
    assert run(capsys, "check", "--keras-version", "3", "--diff", str(path))[:2] == (0, "")


def test_unsafe_fixes_alone_writes_nothing_as_in_ruff(tmp_path, capsys) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    status, out, _err = run(capsys, "check", "--keras-version", "3", "--unsafe-fixes", str(path))
    assert status == 1 and "KER201" in out
    assert path.read_text(encoding="utf-8") == SOURCE
    assert run(capsys, "check", "--keras-version", "3", "--fix", "--unsafe-fixes", str(path))[0] == 0
    assert path.read_text(encoding="utf-8") == FIXED


def test_fix_respects_ignore_and_noqa(tmp_path, capsys) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    run(capsys, "check", "--keras-version", "3", "--fix", "--ignore", "KER201", str(path))
    assert path.read_text(encoding="utf-8") == SOURCE


def test_fix_keeps_encoding_bom_and_line_endings(tmp_path, capsys) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\r\n" + SOURCE.replace("\n", "\r\n").encode("latin-1"))
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + SOURCE.encode("utf-8"))
    run(capsys, "check", "--keras-version", "3", "--fix", str(latin), str(bom))
    fixed_latin = latin.read_bytes()
    assert fixed_latin.startswith(b"# -*- coding: latin-1 -*-\n# caf\xe9\r\n")
    assert b"from keras.metrics import BinaryAccuracy\r\n" in fixed_latin
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode("utf-8")


# --- stdin and the installed command ----------------------------------------------------------------


def test_stdin_with_a_file_name(tmp_path) -> None:
    result = keraslint("check", "--keras-version", "3", "--stdin-filename", "pkg/model.py", "-",
                       cwd=tmp_path, stdin=SOURCE.encode())
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode().startswith("pkg/model.py:5:70: KER201 ")
    plain = keraslint("check", "--keras-version", "3", "-", cwd=tmp_path, stdin=SOURCE.encode())
    assert plain.stdout.decode().startswith("stdin:5:70: KER201 ")


def test_stdin_fix_prints_the_fixed_source(tmp_path) -> None:
    result = keraslint("check", "--keras-version", "3", "--fix", "-", cwd=tmp_path, stdin=UNFIXABLE.encode() + b"\n" + SOURCE.encode())
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "metrics=[BinaryAccuracy(name=\"accuracy\")]" in out and "KER" not in out
    assert "KER101" in result.stderr.decode()


def test_stdin_notebook(tmp_path) -> None:
    import json

    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": SOURCE}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    result = keraslint("check", "--keras-version", "3", "--stdin-filename", "x.ipynb", cwd=tmp_path,
                       stdin=json.dumps(nb).encode())
    assert result.returncode == 1
    assert result.stdout.decode().startswith("x.ipynb:cell 1:5:70: KER201")


def test_installed_command_reports_and_never_tracebacks(tmp_path) -> None:
    (tmp_path / "bad.ipynb").write_text("{", encoding="utf-8")
    (tmp_path / "bad.py").write_text("def (:\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(SOURCE, encoding="utf-8")
    result = keraslint("check", "--keras-version", "3", ".", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "bad.ipynb: error: invalid notebook JSON" in err and "bad.py:1:5: error: cannot parse" in err
    assert "Traceback" not in err
    assert result.stdout.decode().startswith("m.py:5:70: KER201")
