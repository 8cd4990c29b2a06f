"""A new user's first hour, command side: the conventions ruff users bring (`--fix`,
`--unsafe-fixes`, `--exit-zero`, `--statistics`, `--quiet`, `--show-fixes`, `--output-file`,
`--extend-exclude`, `python -m keraslint`, file-level noqa, .gitignore), clear messages instead of
silent exits, `keraslint explain` and `--show-settings`. Through the installed `keraslint`
executable unless a test needs to fake the file system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keraslint.cli import main

BIN = Path(sys.executable).parent
KERASLINT = str(BIN / "keraslint")
FLAKE8 = str(BIN / "flake8")

# Keras 3: metrics passed positionally are loss_weights (KER304, safe fix: by keyword, line 5);
# a 10-unit softmax with binary crossentropy (KER101, unsafe fix, line 9).
SOURCE = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", ["accuracy"])

    other = keras.Sequential([layers.Dense(10, activation="softmax")])
    other.compile(optimizer="adam",
                  loss="binary_crossentropy")
    """
)


def keraslint(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([KERASLINT, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=180)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.keraslint]\nkeras-version = "3"\n')
    (tmp_path / "train.py").write_text(SOURCE)
    return tmp_path


def codes(stdout: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in stdout.splitlines()]


def test_unsafe_fixes_only_with_fix(project):
    alone = keraslint("check", "--unsafe-fixes", "train.py", cwd=project)
    assert alone.returncode == 1 and (project / "train.py").read_text() == SOURCE  # writes nothing
    assert "--fix --unsafe-fixes" in alone.stderr
    safe = keraslint("check", "--fix", "train.py", cwd=project)
    assert safe.returncode == 1 and codes(safe.stdout) == ["KER101"]  # KER304 fixed, KER101 is unsafe
    both = keraslint("check", "--fix", "--unsafe-fixes", "train.py", cwd=project)
    assert both.returncode == 0 and both.stdout == ""
    assert 'loss="categorical_crossentropy"' in (project / "train.py").read_text()


def test_diff_with_unsafe_fixes_shows_them_and_writes_nothing(project):
    safe = keraslint("check", "--diff", "train.py", cwd=project)
    unsafe = keraslint("check", "--diff", "--unsafe-fixes", "train.py", cwd=project)
    assert safe.returncode == unsafe.returncode == 1
    assert "categorical_crossentropy" not in safe.stdout and "categorical_crossentropy" in unsafe.stdout
    assert (project / "train.py").read_text() == SOURCE


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_diff_with_a_machine_format_is_refused(project, fmt):
    completed = keraslint("check", "--diff", "--format", fmt, "train.py", cwd=project)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.startswith("keraslint: error: --diff") and fmt in completed.stderr


def test_exit_zero(project):
    completed = keraslint("check", "--exit-zero", "train.py", cwd=project)
    assert completed.returncode == 0 and codes(completed.stdout) == ["KER304", "KER101"]
    missing = keraslint("check", "--exit-zero", "nope.py", cwd=project)
    assert missing.returncode == 2  # errors are not findings


def test_statistics(project):
    (project / "b.py").write_text(SOURCE)
    text = keraslint("check", "--statistics", ".", cwd=project)
    assert text.returncode == 1
    assert text.stdout.splitlines() == ["2\tKER101\t[*] binary-crossentropy-on-softmax", "2\tKER304\t[*] positional-metrics"]
    as_json = keraslint("check", "--statistics", "--format", "json", ".", cwd=project)
    assert json.loads(as_json.stdout) == [
        {"code": "KER101", "name": "binary-crossentropy-on-softmax", "count": 2, "fixable": 2},
        {"code": "KER304", "name": "positional-metrics", "count": 2, "fixable": 2},
    ]


def test_quiet_prints_only_the_findings(project):
    loud = keraslint("check", "train.py", cwd=project)
    quiet = keraslint("check", "--quiet", "train.py", cwd=project)
    assert "Found 2 findings" in loud.stderr
    assert quiet.stderr == "" and quiet.stdout == loud.stdout and quiet.returncode == 1


def test_show_fixes(project):
    available = keraslint("check", "--show-fixes", "train.py", cwd=project)
    assert "2 fixes available:" in available.stderr
    assert "train.py:5:" in available.stderr and "KER304 safe fix (--fix)" in available.stderr
    assert "KER101 unsafe fix (--fix --unsafe-fixes)" in available.stderr
    applied = keraslint("check", "--fix", "--show-fixes", "train.py", cwd=project)
    assert "Fixed 1 finding:" in applied.stderr and "train.py:" in applied.stderr
    assert "KER304 positional-metrics" in applied.stderr


def test_output_file(project):
    completed = keraslint("check", "--format", "json", "--output-file", "report.json", "train.py", cwd=project)
    assert completed.returncode == 1 and completed.stdout == ""
    assert [item["code"] for item in json.loads((project / "report.json").read_text())] == ["KER304", "KER101"]
    bad = keraslint("check", "--output-file", "no/such/dir/report.txt", "train.py", cwd=project)
    assert bad.returncode == 2 and "--output-file" in bad.stderr


def test_extend_exclude_flag_and_key(project):
    (project / "gen").mkdir()
    (project / "gen" / "model.py").write_text(SOURCE)
    (project / "scratch.py").write_text(SOURCE)
    everything = keraslint("check", "--quiet", ".", cwd=project)
    assert {line.split(":")[0] for line in everything.stdout.splitlines()} == {"gen/model.py", "scratch.py", "train.py"}
    flag = keraslint("check", "--extend-exclude", "gen,scratch.py", ".", cwd=project)
    assert {line.split(":")[0] for line in flag.stdout.splitlines()} == {"train.py"}
    with open(project / "pyproject.toml", "a") as handle:
        handle.write('extend-exclude = ["gen"]\n')
    key = keraslint("check", "--extend-exclude", "scratch.py", ".", cwd=project)  # the flag adds to the key
    assert {line.split(":")[0] for line in key.stdout.splitlines()} == {"train.py"}


def test_python_dash_m_keraslint(project):
    completed = subprocess.run([sys.executable, "-m", "keraslint", "check", "train.py"], cwd=project,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1 and codes(completed.stdout) == ["KER304", "KER101"]
    version = subprocess.run([sys.executable, "-m", "keraslint", "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("keraslint ")


@pytest.mark.parametrize(
    "header, expected",
    [
        ("# keraslint: noqa\n", []),
        ("#!/usr/bin/env python\n# flake8: noqa\n", []),
        ("# keraslint: noqa: KER304\n", ["KER101"]),
        ("# KERASLINT: NOQA:KER1,KER304\n", []),
        ("x = 1  # keraslint: noqa\n", ["KER304", "KER101"]),  # not on a line of its own: no effect (as flake8)
    ],
)
def test_file_level_noqa(project, header, expected):
    (project / "train.py").write_text(header + SOURCE)
    completed = keraslint("check", "train.py", cwd=project)
    assert codes(completed.stdout) == expected
    fixed = keraslint("check", "--fix", "--unsafe-fixes", "train.py", cwd=project)
    if not expected:
        assert (project / "train.py").read_text() == header + SOURCE  # nothing fixed either
    assert fixed.returncode in (0, 1)


def test_file_level_keraslint_noqa_in_flake8(project):
    (project / "train.py").write_text("# keraslint: noqa: KER304\n" + SOURCE)
    completed = subprocess.run([FLAKE8, "--select", "KER", "train.py"], cwd=project, capture_output=True, text=True)
    assert codes(completed.stdout) == ["KER101"]


def test_gitignore_is_respected_by_default(project):
    (project / ".gitignore").write_text("generated/\n*_tmp.py\n!keep_tmp.py\n")
    for name in ("generated/model.py", "scratch_tmp.py", "keep_tmp.py", "sub/deep/x_tmp.py", "sub/ok.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(SOURCE)
    (project / "sub" / ".gitignore").write_text("ok.py\n")
    checked = keraslint("check", "--quiet", ".", cwd=project)
    assert {line.split(":")[0] for line in checked.stdout.splitlines()} == {"train.py", "keep_tmp.py"}
    everything = keraslint("check", "--quiet", "--no-respect-gitignore", ".", cwd=project)
    assert {line.split(":")[0] for line in everything.stdout.splitlines()} == {
        "train.py", "keep_tmp.py", "generated/model.py", "scratch_tmp.py", "sub/deep/x_tmp.py", "sub/ok.py"
    }
    named = keraslint("check", "--quiet", "scratch_tmp.py", cwd=project)  # named explicitly: checked
    assert codes(named.stdout) == ["KER304", "KER101"]
    with open(project / "pyproject.toml", "a") as handle:
        handle.write("respect-gitignore = false\n")
    by_key = keraslint("check", "--quiet", ".", cwd=project)
    assert len({line.split(":")[0] for line in by_key.stdout.splitlines()}) == 6


def test_nothing_checked_is_said(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("no python here\n")
    completed = keraslint("check", "data", cwd=tmp_path)
    assert completed.returncode == 0 and completed.stdout == ""
    assert "no Python files or notebooks found in data" in completed.stderr
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "data" / "x.py").write_text("import os\n")
    ignored = keraslint("check", "data", cwd=tmp_path)
    assert "nothing was checked" in ignored.stderr and "1 excluded or git-ignored" in ignored.stderr


def test_empty_notebook_is_an_error(tmp_path):
    (tmp_path / "empty.ipynb").write_text("")
    completed = keraslint("check", ".", cwd=tmp_path)
    assert completed.returncode == 2
    assert "empty.ipynb: error: invalid notebook: the file is empty" in completed.stderr


def test_unreadable_sub_folder_is_an_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "ok.py").write_text("import os\n")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    status = main(["check", "."])
    err = capsys.readouterr().err
    assert status == 2
    assert "locked: error: cannot read folder: Permission denied" in err


def test_explain_shows_lines_evidence_and_facts(project):
    (project / "requirements.txt").write_text("keras>=2.3,<3\n")
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    completed = keraslint("explain", "train.py", cwd=project)
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert out.startswith("train.py\n")
    assert "target: L2 (Keras 2.3/TF 2.0-2.1), L3 (TF 2.2-2.15)" in out
    assert "requirements.txt" in out  # the evidence: the pin file
    assert "line 5: compile()" in out and "line 8: compile()" in out
    assert "10" in out and "softmax" in out and "binary_crossentropy" in out
    with_setting = keraslint("explain", "--keras-version", "2.0.4", "train.py", cwd=project)
    assert "target: L1 (Keras 2.0-2.2)" in with_setting.stdout and "--keras-version" in with_setting.stdout


def test_explain_a_notebook_and_a_bad_file(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": SOURCE}
    notebook = {"cells": [cell], "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "broken.ipynb").write_text("{not json")
    completed = keraslint("explain", "--keras-version", "3", "nb.ipynb", "broken.ipynb", cwd=tmp_path)
    assert completed.returncode == 2
    assert "nb.ipynb\n  target: L5 (Keras 3)" in completed.stdout
    assert "broken.ipynb: error: invalid notebook" in completed.stderr


def test_explain_a_folder_as_check_reads_it(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "one.py").write_text(SOURCE)
    (tmp_path / "lessons" / "notes.txt").write_text("not python")
    completed = keraslint("explain", "--keras-version", "3", "lessons", "missing", cwd=tmp_path)
    assert completed.returncode == 2  # the missing path
    assert completed.stdout.startswith(f"{os.path.join('lessons', 'one.py')}\n  target: L5 (Keras 3)")
    assert "notes.txt" not in completed.stdout
    assert "missing: error: no such file or directory" in completed.stderr


def test_show_settings(project):
    (project / "setup.cfg").write_text("[flake8]\nkeras-version = 2.15  # pinned\nextend-ignore = E501,KER106\n")
    completed = keraslint("check", "--show-settings", cwd=project)
    assert completed.returncode == 0
    out = completed.stdout
    assert "[tool.keraslint]: " in out and "pyproject.toml" in out
    assert "flake8 configuration: " in out and "setup.cfg" in out
    assert "keras-version: '2.15' from " in out and "setup.cfg [flake8]" in out and "L3" in out
    assert "ignore: KER106" in out
    assert "respect-gitignore: yes" in out


def test_readme_commands_of_the_cli_section_run(project):
    """The README's CLI examples, as written (stdin, rules, rule page)."""
    assert keraslint("rules", cwd=project).stdout.startswith("| code |")
    assert keraslint("rule", "KER201", cwd=project).stdout.startswith("# KER201")
    assert keraslint("rule", "KER002", cwd=project).stdout.startswith("# KER002")
    piped = keraslint("check", "--stdin-filename", "train.py", "-", cwd=project, stdin=SOURCE)
    assert piped.returncode == 1 and piped.stdout.startswith("train.py:5:")


@pytest.mark.parametrize(
    "source, expected",
    [
        ("# Flake8: NoQA\nx = 1\n", True),
        ("x = 1\n  #\tkeraslint=nOqA:KER201, KER3\n", frozenset({"KER201", "KER3"})),
        ("# noqa\nx = 1  # flake8 checks this\n", None),  # noqa, but no file-level line
        ("# flake8 is run by pre-commit (QA)\n", None),
        ("é = 1\n# KERASLINT: NOQA\n", True),  # not ASCII
    ],
)
def test_file_suppression_in_any_case(source, expected):
    from keraslint.noqa import file_suppression

    assert file_suppression(source) == expected
