"""A new user's first hour, configuration side: one configuration for flake8 and `keraslint check`,
bad values that never take the host down, and caches that follow the files in a long-lived flake8.

Every test runs the installed executables (.venv/bin/flake8, .venv/bin/keraslint) in a subprocess,
in a project folder of its own (with a .git folder, so nothing above it is read)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
FLAKE8 = str(BIN / "flake8")
KERASLINT = str(BIN / "keraslint")

# A 10-unit softmax with binary crossentropy and 'accuracy' (line 7):
#   Keras 2.0-2.2 (keras==2.0.4)  -> KER201 only (KER101 is a TF-backend issue of later versions)
#   Keras 3 (keras>=3)            -> KER101 only
#   TF 2.2-2.15 (2.15)            -> KER101
TRAIN = textwrap.dedent(
    """\
    import os
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam",
                  loss="binary_crossentropy", metrics=["accuracy"])
    """
)
RESULT = re.compile(r"^(?P<path>.+?):(?:cell \d+:)?(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+) (?P<text>.*)$")


def make_project(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("PYTHONWARNINGS", None)
    environment.update(env or {})
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, env=environment)


def findings(stdout: str, prefix: str = "KER") -> set[tuple[str, int, int, str]]:
    out = set()
    for line in stdout.splitlines():
        match = RESULT.match(line)
        assert match, f"unexpected output line: {line!r}"
        if match["code"].startswith(prefix):
            out.add((Path(match["path"]).as_posix(), int(match["row"]), int(match["col"]), match["code"]))
    return out


def flake8_findings(root: Path, *args: str) -> set:
    completed = run([FLAKE8, "--select", "KER", *args, "."], root)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode in (0, 1), completed.stderr
    return {(path.removeprefix("./"), row, col, code) for path, row, col, code in findings(completed.stdout)}


def check_findings(root: Path, *args: str) -> set:
    completed = run([KERASLINT, "check", *args, "."], root)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode in (0, 1), completed.stderr
    return findings(completed.stdout)


PROJECTS = {
    "pins: keras==2.0.4": {"requirements.txt": "keras==2.0.4\n"},
    "pins: keras>=3": {"requirements.txt": "keras>=3\n"},
    "[tool.keraslint] keras-version over the pins": {
        "requirements.txt": "keras>=3\n",
        "pyproject.toml": '[tool.keraslint]\nkeras-version = "2.0.4"\n',
    },
    "[tool.keraslint] ignore and per-file-ignores": {
        "requirements.txt": "keras>=3\n",
        "pyproject.toml": '[tool.keraslint]\nignore = ["KER101"]\nper-file-ignores = { "sub/*" = ["KER2"] }\n'
                          'keras-version = "any"\n',
    },
    "flake8 keras-version with an inline comment": {
        "requirements.txt": "keras>=3\n",
        ".flake8": "[flake8]\nextend-select = KER\nkeras-version = 2.0.4      # optional, see below\n",
    },
    "flake8 config above [tool.keraslint]": {
        "setup.cfg": "[flake8]\nkeras-version = 2.0.4\n",
        "pyproject.toml": '[tool.keraslint]\nkeras-version = "3"\n',
    },
    "[tool.keraslint] exclude": {
        "pyproject.toml": '[tool.keraslint]\nkeras-version = "any"\nexclude = ["sub"]\n',
    },
    "file-level noqa": {
        "pyproject.toml": '[tool.keraslint]\nkeras-version = "any"\n',
        "sub/quiet.py": "# keraslint: noqa\n" + TRAIN,
        "sub/some.py": "# keraslint: noqa: KER201\n" + TRAIN,
    },
}


@pytest.mark.parametrize("name", list(PROJECTS))
def test_flake8_and_keraslint_check_give_the_same_findings(tmp_path, name):
    files = {"train.py": TRAIN, "sub/model.py": TRAIN, **PROJECTS[name]}
    root = make_project(tmp_path, files)
    from_flake8 = flake8_findings(root)
    from_check = check_findings(root)
    assert from_flake8 == from_check
    assert from_flake8 or name == "file-level noqa"


def test_the_same_findings_are_the_expected_ones(tmp_path):
    """The agreement above is not vacuous: each source of configuration changes the answer."""
    def codes(files):
        root = make_project(tmp_path / str(len(list(tmp_path.iterdir()))), {"train.py": TRAIN, **files})
        return {code for *_rest, code in check_findings(root)}

    assert codes({"requirements.txt": "keras==2.0.4\n"}) == {"KER201"}
    assert codes({"requirements.txt": "keras>=3\n"}) == {"KER101"}
    assert codes({"requirements.txt": "keras>=3\n", ".flake8": "[flake8]\nkeras-version = 2.0.4  # old\n"}) == {"KER201"}
    assert codes({"requirements.txt": "keras==2.0.4\n", "pyproject.toml": '[tool.keraslint]\nkeras-version = "3"\n'}) == {
        "KER101"
    }


def test_command_line_flag_wins_in_both_front_ends(tmp_path):
    root = make_project(tmp_path, {
        "train.py": TRAIN,
        "setup.cfg": "[flake8]\nkeras-version = 3\n",
        "pyproject.toml": '[tool.keraslint]\nkeras-version = "3"\n',
    })
    assert {c for *_r, c in flake8_findings(root, "--keras-version", "2.0.4")} == {"KER201"}
    assert {c for *_r, c in check_findings(root, "--keras-version", "2.0.4")} == {"KER201"}


def test_readme_flake8_snippet_works_as_written(tmp_path):
    """README's `.flake8` example, comment and all (flake8 keeps inline comments in values)."""
    root = make_project(tmp_path, {
        "train.py": TRAIN,
        ".flake8": "[flake8]\nextend-select = KER\nkeras-version = 2.15      # optional, see below\n",
    })
    completed = run([FLAKE8, "train.py"], root)
    assert "Traceback" not in completed.stderr and completed.stderr == ""
    assert {(row, code) for _p, row, _c, code in findings(completed.stdout)} == {(7, "KER101")}


# --- bad configuration ---------------------------------------------------------------------------

BAD = {
    "flake8 flag": ({}, ["--keras-version", "banana"], "'banana'"),
    "flake8 config": ({"setup.cfg": "[flake8]\nkeras-version = 2.99   # typo\n"}, [], "2.99"),
    "flake8 config, version 4": ({"tox.ini": "[flake8]\nkeras-version = 4\n"}, [], "'4'"),
    "[tool.keraslint] value": ({"pyproject.toml": '[tool.keraslint]\nkeras-version = "tensorflow==2.99"\n'}, [],
                               "tensorflow==2.99"),
    "[tool.keraslint] unknown key": ({"pyproject.toml": '[tool.keraslint]\nkeras_versoin = "3"\n'}, [], "keras_versoin"),
    "[tool.keraslint] not TOML": ({"pyproject.toml": "[tool.keraslint\n"}, [], "not valid TOML"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_configuration_inside_flake8_keeps_the_other_plugins(tmp_path, name):
    """pyflakes (F401) and pycodestyle (E) still report, keraslint says one KER002 line, no traceback."""
    files, flags, needle = BAD[name]
    root = make_project(tmp_path, {"train.py": TRAIN, **files})
    completed = run([FLAKE8, "--select", "E,F,KER", "--max-line-length", "79", *flags, "train.py"], root)
    assert "Traceback" not in completed.stderr and completed.stderr == "", completed.stderr
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    codes = [RESULT.match(line)["code"] for line in lines]
    assert "F401" in codes  # `import os`, unused
    assert "E501" in codes  # the long Sequential line
    ker = [line for line in lines if RESULT.match(line)["code"].startswith("KER")]
    assert len(ker) == 1, ker
    assert ker[0].startswith("train.py:1:1: KER002 keraslint configuration error")
    assert needle in ker[0]
    if "unknown key" not in name and "TOML" not in name:
        assert "expected a Keras version" in ker[0]  # the accepted forms


@pytest.mark.parametrize("name", list(BAD))
def test_bad_configuration_in_keraslint_check_is_one_line_and_exit_2(tmp_path, name):
    files, flags, needle = BAD[name]
    root = make_project(tmp_path, {"train.py": TRAIN, **files})
    completed = run([KERASLINT, "check", *flags, "train.py"], root)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("keraslint: error: ") and needle in lines[0], lines
    assert "keras-version" in lines[0] or "keras_versoin" in lines[0] or "TOML" in lines[0]


def test_bad_configuration_does_not_flag_files_keraslint_would_not_check(tmp_path):
    root = make_project(tmp_path, {"plain.py": "import os\n", "setup.cfg": "[flake8]\nkeras-version = 9\n"})
    completed = run([FLAKE8, "--select", "F,KER", "plain.py"], root)
    assert [RESULT.match(line)["code"] for line in completed.stdout.splitlines()] == ["F401"]


# --- a long-lived flake8 (VS Code's flake8 server keeps it in one process) ------------------------

SERVER = textwrap.dedent(
    """\
    import io, os, sys, contextlib, time
    from flake8.main.cli import main

    def lint():
        if os.path.exists("report.txt"):
            os.remove("report.txt")  # flake8 appends to its --output-file
        try:
            main(["--select", "KER,F", "--output-file", "report.txt", "train.py"])
        except SystemExit:
            pass
        with open("report.txt") as handle:
            return sorted(line.split(": ", 1)[1].split()[0] for line in handle.read().splitlines())

    def bump(path):  # a later modification time, whatever the clock's resolution
        stat = os.stat(path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))

    print("first", lint())
    with open("requirements.txt", "w") as handle:
        handle.write("keras>=3\\n")
    bump("requirements.txt")
    print("pins changed", lint())
    with open("pyproject.toml", "w") as handle:
        handle.write('[tool.keraslint]\\nkeras-version = "2.0.4"\\n')
    bump("pyproject.toml")
    print("pyproject changed", lint())
    with open("pyproject.toml", "w") as handle:
        handle.write('[tool.keraslint]\\nkeras-version = "2.99"\\n')
    bump("pyproject.toml")
    print("pyproject broken", lint())
    with open("pyproject.toml", "w") as handle:
        handle.write('[tool.keraslint]\\nkeras-version = "2.0.4"\\n')
    bump("pyproject.toml")
    with open("setup.cfg", "w") as handle:
        handle.write("[flake8]\\nkeras-version = 3\\n")
    print("flake8 config", lint())
    """
)


def test_long_lived_flake8_sees_pin_and_config_changes(tmp_path):
    root = make_project(tmp_path, {"train.py": TRAIN, "requirements.txt": "keras==2.0.4\n", "server.py": SERVER})
    completed = run([sys.executable, "server.py"], root)
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    lines = dict(line.split(" [", 1) for line in completed.stdout.splitlines())
    assert lines == {
        "first": "'F401', 'KER201']",
        "pins changed": "'F401', 'KER101']",
        "pyproject changed": "'F401', 'KER201']",
        "pyproject broken": "'F401', 'KER002']",
        "flake8 config": "'F401', 'KER101']",
    }


def test_flake8_legacy_api_in_one_process_sees_a_pin_change(tmp_path):
    """The same through flake8.api.legacy, which editor integrations also use."""
    script = textwrap.dedent(
        """\
        import io, os, contextlib
        from flake8.api import legacy

        def lint():
            report = legacy.get_style_guide(select=["KER"]).check_files(["train.py"])
            print("---", report.total_errors, flush=True)

        lint()
        with open("requirements.txt", "w") as handle:
            handle.write("keras>=3\\n")
        stat = os.stat("requirements.txt")
        os.utime("requirements.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        lint()
        """
    )
    root = make_project(tmp_path, {"train.py": TRAIN, "requirements.txt": "keras==2.0.4\n", "api.py": script})
    completed = run([sys.executable, "api.py"], root)
    assert completed.returncode == 0, completed.stderr
    runs = [[line.split(": ", 1)[1].split()[0] for line in chunk.strip().splitlines() if ": " in line]
            for chunk in completed.stdout.split("--- 1")[:2]]
    assert runs == [["KER201"], ["KER101"]], completed.stdout
