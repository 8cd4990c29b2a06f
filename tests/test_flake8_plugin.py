"""The installed flake8 runs keraslint as a plugin: entry point, stdin, noqa, config, targeting."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MNIST = textwrap.dedent(
    """\
    import keras
    from keras.models import Sequential
    from keras.layers import Dense, Dropout, Flatten, Conv2D, MaxPooling2D

    num_classes = 10
    input_shape = (28, 28, 1)

    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=input_shape))
    model.add(Conv2D(64, (3, 3), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation='softmax'))

    model.compile(loss=keras.losses.binary_crossentropy,
                  optimizer=keras.optimizers.Adadelta(),
                  metrics=['accuracy'])
    """
)
LOSS_LINE = 18
METRICS_LINE = 20


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "KER", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def codes_by_line(output: str) -> set[tuple[int, str]]:
    found = set()
    for line in output.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[3].strip().startswith("KER"):
            found.add((int(parts[1]), parts[3].split()[0]))
    return found


def project(tmp_path: Path, pins: str | None, source: str = MNIST) -> Path:
    if pins is not None:
        (tmp_path / "requirements.txt").write_text(pins)
    (tmp_path / ".git").mkdir(exist_ok=True)  # stop the pin search at the project root
    (tmp_path / "mnist_cnn.py").write_text(source)
    return tmp_path


def test_entry_point_is_registered() -> None:
    from importlib.metadata import entry_points

    names = {entry.name: entry.value for entry in entry_points(group="flake8.extension")}
    assert names.get("KER") == "keraslint.flake8_plugin:KerasLintPlugin"


def test_keras_2_0_4_pin_reports_ambiguous_accuracy_only(tmp_path: Path) -> None:
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\nnumpy\n"))
    assert codes_by_line(result.stdout) == {(METRICS_LINE, "KER201")}
    assert "binary_accuracy" in result.stdout and "Keras 2.0-2.2" in result.stdout
    assert result.returncode == 1


def test_keras_3_pin_reports_bce_on_softmax_not_accuracy(tmp_path: Path) -> None:
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras>=3\n"))
    assert codes_by_line(result.stdout) == {(LOSS_LINE, "KER101")}
    assert "Keras 3" in result.stdout


def test_categorical_accuracy_on_keras_2_0_4_is_clean(tmp_path: Path) -> None:
    source = MNIST.replace("metrics=['accuracy']", "metrics=[keras.metrics.categorical_accuracy]")
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\n", source))
    assert result.stdout == ""
    assert result.returncode == 0


def test_keras_version_option_overrides_pins(tmp_path: Path) -> None:
    result = flake8("--keras-version", "3", "mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\n"))
    assert codes_by_line(result.stdout) == {(LOSS_LINE, "KER101")}


def test_keras_version_read_from_config_file(tmp_path: Path) -> None:
    root = project(tmp_path, None)
    (root / "setup.cfg").write_text("[flake8]\nselect = KER\nkeras-version = 2.2.4\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "mnist_cnn.py"], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert codes_by_line(result.stdout) == {(METRICS_LINE, "KER201")}


def test_bad_keras_version_is_one_ker002_line_not_a_traceback(tmp_path: Path) -> None:
    result = flake8("--keras-version", "banana", "mnist_cnn.py", cwd=project(tmp_path, None))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("mnist_cnn.py:1:1: KER002 ")
    assert "'banana'" in lines[0] and "keras-version" in lines[0] and "tensorflow==2.1" in lines[0]


def test_stdin_with_display_name(tmp_path: Path) -> None:
    root = project(tmp_path, "keras==2.0.4\n")
    result = flake8("--stdin-display-name", "mnist_cnn.py", "-", cwd=root, stdin=MNIST)
    assert result.stdout.startswith("mnist_cnn.py:20:")
    assert codes_by_line(result.stdout) == {(METRICS_LINE, "KER201")}


def test_noqa_on_reported_line_silences_it(tmp_path: Path) -> None:
    source = MNIST.replace("metrics=['accuracy'])", "metrics=['accuracy'])  # noqa: KER201")
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\n", source))
    assert result.stdout == ""
    other_code = MNIST.replace("metrics=['accuracy'])", "metrics=['accuracy'])  # noqa: KER101")
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\n", other_code))
    assert codes_by_line(result.stdout) == {(METRICS_LINE, "KER201")}


def test_columns_are_one_based_in_flake8_output(tmp_path: Path) -> None:
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, "keras==2.0.4\n"))
    column = int(result.stdout.split(":")[2])
    assert MNIST.splitlines()[METRICS_LINE - 1].index("'accuracy'") + 1 == column


def test_parallel_jobs_give_the_same_findings(tmp_path: Path) -> None:
    root = project(tmp_path, "keras==2.0.4\n")
    for index in range(6):
        (root / f"copy_{index}.py").write_text(MNIST)
    single = flake8("-j", "1", ".", cwd=root)
    parallel = flake8("-j", "2", ".", cwd=root)
    assert sorted(single.stdout.splitlines()) == sorted(parallel.stdout.splitlines())
    assert len(single.stdout.splitlines()) == 7


def test_syntax_error_file_does_not_stop_the_run(tmp_path: Path) -> None:
    root = project(tmp_path, "keras==2.0.4\n")
    (root / "broken.py").write_text("import keras\nmodel.compile(loss='mse'\nprint 'python 2'\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "KER,E999", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert "broken.py:" in result.stdout and "E999" in result.stdout
    assert ("mnist_cnn.py", "KER201") in {(line.split(":")[0].lstrip("./"), line.split()[1]) for line in result.stdout.splitlines()}
    assert "Traceback" not in result.stderr


def test_plugin_prints_nothing_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import ast

    from keraslint.flake8_plugin import KerasLintPlugin

    lines = MNIST.splitlines(keepends=True)
    results = list(KerasLintPlugin(ast.parse(MNIST), lines, str(tmp_path / "x.py")).run())
    captured = capsys.readouterr()
    assert results and captured.out == "" and captured.err == ""
    assert all(message.startswith("KER") and "\n" not in message for _, _, message, _ in results)


NON_ASCII = (
    "import keras\n"
    'titre = "données à classer"; model = keras.Sequential([keras.layers.Dense(10, activation="softmax")]); '
    'model.compile(loss="binary_crossentropy", metrics=["accuracy"])\n'
)


def test_columns_count_characters_after_non_ascii_text(tmp_path: Path) -> None:
    """`ast` columns are UTF-8 byte offsets; flake8 users see character columns."""
    (tmp_path / "train.py").write_text(NON_ASCII, encoding="utf-8")
    result = flake8("--keras-version", "2.0.4", "train.py", cwd=tmp_path)
    (line,) = result.stdout.splitlines()
    assert line.split(":")[3].split()[0] == "KER201"
    assert int(line.split(":")[2]) == NON_ASCII.splitlines()[1].index('"accuracy"') + 1


def test_reporting_does_not_import_libcst(tmp_path: Path) -> None:
    """Facts come from flake8's `ast`: an editor lint pays no LibCST import (LibCST is for --fix)."""
    script = textwrap.dedent(
        """
        import ast, sys
        from keraslint.flake8_plugin import KerasLintPlugin
        source = open(sys.argv[1], encoding="utf-8").read()
        plugin = KerasLintPlugin(ast.parse(source), source.splitlines(keepends=True), sys.argv[1])
        codes = [message.split()[0] for _, _, message, _ in plugin.run()]
        print(codes, "libcst" in sys.modules)
        """
    )
    (tmp_path / "mnist_cnn.py").write_text(MNIST)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "mnist_cnn.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "['KER101', 'KER201'] False", result.stderr


def test_pins_are_resolved_once_per_folder_and_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse
    import ast

    from keraslint import flake8_plugin, targeting

    root = project(tmp_path, "keras==2.0.4\n")
    other = root / "sub"
    other.mkdir()
    calls: list[str | None] = []
    real = targeting.target_for
    monkeypatch.setattr(
        targeting, "target_for", lambda filename, setting: calls.append(filename) or real(filename, setting)
    )

    def lint_run(*paths: Path) -> list[set[str]]:
        flake8_plugin.KerasLintPlugin.parse_options(argparse.Namespace(keras_version=None, isolated=True))
        lines = MNIST.splitlines(keepends=True)
        plugins = [flake8_plugin.KerasLintPlugin(ast.parse(MNIST), lines, str(path)) for path in paths]
        return [{message.split()[0] for _, _, message, _ in plugin.run()} for plugin in plugins]

    first = lint_run(root / "a.py", root / "b.py", other / "c.py")
    assert first == [{"KER201"}] * 3  # keras 2.0.4 pinned: 'accuracy' read as binary_accuracy
    assert calls == [str(root / "a.py"), str(other / "c.py")]  # once per folder in one run
    (root / "requirements.txt").write_text("keras>=3\n")
    second = lint_run(root / "a.py")
    assert len(calls) == 3 and second == [{"KER101"}]  # the next run reads the changed pins: BCE on softmax


REUTERS_TF = textwrap.dedent(
    """\
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(46, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, tf.keras.utils.to_categorical(y_train), epochs=20)
    print(history.history["acc"])
    """
)


@pytest.mark.parametrize(
    "pins, expected",
    [
        ("tensorflow==2.0.0\n", {(6, "KER207")}),  # TF 2.0 logs 'accuracy': KeyError
        ("tensorflow==1.15\n", set()),  # TF 1.x's tf.keras logs 'acc'
    ],
)
def test_tensorflow_2_0_pin_excludes_tensorflow_1_keys(tmp_path: Path, pins: str, expected: set) -> None:
    result = flake8("mnist_cnn.py", cwd=project(tmp_path, pins, REUTERS_TF))
    assert codes_by_line(result.stdout) == expected, result.stdout + result.stderr
