"""keraslint hosted by the real, installed flake8, in subprocesses: `-j 2` (fork), the spawn start
method (the default on macOS and Windows), and a syntax error next to a Keras file."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

RESULT = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+) (?P<text>.*)$")

BASE = ["--isolated", "--select=KER,E999"]


def _softmax_bce(width: int) -> str:
    # Findings on line 9: a `width`-unit softmax trained with binary_crossentropy.
    return textwrap.dedent(
        f"""\
        import keras

        model = keras.Sequential(
            [
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense({width}, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        """
    )


CLEAN = textwrap.dedent(
    """\
    import keras

    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    """
)

LOGITS = textwrap.dedent(
    """\
    import tensorflow as tf

    def build():
        model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
        return model
    """
)

SINGLE_UNIT = textwrap.dedent(
    """\
    from keras.layers import Dense
    from keras.models import Sequential

    model = Sequential()
    model.add(Dense(1, activation="softmax"))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    """
)

NOT_KERAS = "import re\n\nPATTERN = re.compile(r'\\d+')\n\n\ndef compile_all(items):\n    return [PATTERN.match(i) for i in items]\n"


def _make_project(folder: pathlib.Path) -> dict[str, bool]:
    """20 files, some with findings; returns {file name: has findings}."""
    expected = {}
    makers = [
        lambda i: (_softmax_bce(3 + i), True),
        lambda i: (CLEAN, False),
        lambda i: (LOGITS, True),
        lambda i: (SINGLE_UNIT, True),
        lambda i: (NOT_KERAS, False),
    ]
    for index in range(20):
        source, has_findings = makers[index % len(makers)](index)
        name = f"train_{index:02d}.py"
        (folder / name).write_text(source)
        expected[name] = has_findings
    return expected


def _flake8(args: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _flake8_spawn(args: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    code = (
        "import multiprocessing as mp\n"
        "mp.set_start_method('spawn', force=True)\n"
        "from flake8.main.cli import main\n"
        f"raise SystemExit(main({args!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)


def _results(completed: subprocess.CompletedProcess) -> list[tuple[str, int, int, str, str]]:
    assert "Traceback" not in completed.stderr, completed.stderr
    out = []
    for line in completed.stdout.splitlines():
        match = RESULT.match(line)
        assert match, f"unexpected output line: {line!r}"
        path = pathlib.PurePath(match["path"]).name
        out.append((path, int(match["row"]), int(match["col"]), match["code"], match["text"]))
    return sorted(out)


def _files_with_findings(results) -> set[str]:
    return {path for path, _row, _col, code, _text in results if code.startswith("KER")}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras_project")
    expected = _make_project(folder)
    return folder, expected


@pytest.fixture(scope="module")
def serial(project):
    folder, _expected = project
    completed = _flake8([*BASE, "-j", "1", "."], folder)
    return completed, _results(completed)


def test_serial_run_reports_the_expected_files(project, serial):
    _folder, expected = project
    completed, results = serial
    assert completed.returncode == 1, completed.stderr
    assert _files_with_findings(results) == {name for name, has in expected.items() if has}
    assert all(re.fullmatch(r"KER[0-9]{3}", code) and code != "KER001" for *_rest, code, _text in results)


def test_two_jobs_give_the_same_findings_as_one(project, serial):
    folder, _expected = project
    _completed, one_job = serial
    completed = _flake8([*BASE, "-j", "2", "."], folder)
    assert completed.returncode == 1, completed.stderr
    assert _results(completed) == one_job


def test_spawn_start_method(project, serial):
    folder, _expected = project
    _completed, one_job = serial
    completed = _flake8_spawn([*BASE, "-j", "2", "."], str(folder))
    assert completed.returncode == 1, completed.stderr
    assert _results(completed) == one_job


def test_spawn_workers_see_the_keras_version_option(project, serial):
    """Under spawn every worker parses the options again: `--keras-version` must reach the plugin
    in the workers (Keras 3 drops the Keras<=2.3 accuracy finding, KER201)."""
    folder, _expected = project
    _completed, default = serial
    args = [*BASE, "--keras-version=3", "-j", "2", "."]
    spawned = _flake8_spawn(args, str(folder))
    serial_keras3 = _flake8([*BASE, "--keras-version=3", "-j", "1", "."], folder)
    assert spawned.returncode == 1, spawned.stderr
    assert _results(spawned) == _results(serial_keras3)
    assert _results(spawned) != default
    assert "KER201" in {code for *_rest, code, _text in default}
    assert "KER201" not in {code for *_rest, code, _text in _results(spawned)}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_syntax_error_next_to_a_keras_file(tmp_path, jobs):
    (tmp_path / "broken.py").write_text("import keras\nmodel.compile(loss='mse'\n")
    (tmp_path / "good.py").write_text(_softmax_bce(10))
    (tmp_path / "py2.py").write_text('import keras\nprint "compiling"\nmodel.compile()\n')
    completed = _flake8([*BASE, "-j", jobs, "."], tmp_path)
    assert completed.returncode == 1, completed.stderr
    results = _results(completed)
    by_file: dict[str, set[str]] = {}
    for path, _row, _col, code, _text in results:
        by_file.setdefault(path, set()).add(code)
    assert by_file["broken.py"] == {"E999"}
    assert by_file["py2.py"] == {"E999"}
    assert by_file["good.py"] and all(code.startswith("KER") and code != "KER001" for code in by_file["good.py"])
    assert {row for path, row, *_rest in results if path == "good.py"} == {9}
