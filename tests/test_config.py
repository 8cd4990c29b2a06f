"""[tool.keraslint] in pyproject.toml, the flags that override it, and the Settings they build."""

from __future__ import annotations

import os
import textwrap

import pytest

from keraslint import config
from keraslint.cli import main
from keraslint.settings import Settings
from keraslint.targeting import ConfigError

SOURCE = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
    model.compile("adam", "binary_crossentropy", ["accuracy"])
    """
)


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def write_config(root, body: str, name: str = "pyproject.toml") -> None:
    (root / name).write_text(textwrap.dedent(body), encoding="utf-8")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def codes(out: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in out.splitlines()]


def test_defaults_without_configuration(project, capsys) -> None:
    status, out, _ = run(capsys, "check", "--keras-version", "3", "pkg")
    assert status == 1
    assert codes(out) == ["KER201", "KER304"]


def test_select_ignore_and_keras_version_from_pyproject(project, capsys) -> None:
    write_config(project, """\
        [project]
        name = "demo"

        [tool.keraslint]
        keras-version = "3"
        select = ["KER3"]
        """)
    assert codes(run(capsys, "check", "pkg")[1]) == ["KER304"]
    write_config(project, """\
        [tool.keraslint]
        keras-version = "3"
        ignore = ["KER304"]
        """)
    assert codes(run(capsys, "check", "pkg")[1]) == ["KER201"]


def test_nearest_pyproject_with_a_keraslint_table_wins(project, capsys, monkeypatch) -> None:
    write_config(project, """\
        [tool.keraslint]
        keras-version = "3"
        ignore = ["KER2"]
        """)
    write_config(project / "pkg", """\
        [project]
        name = "inner, without a keraslint table"
        """)
    monkeypatch.chdir(project / "pkg")
    assert codes(run(capsys, "check", "model.py")[1]) == ["KER304"]
    assert config.find_pyproject() == str(project / "pyproject.toml")


def test_flags_replace_the_file_values(project, capsys) -> None:
    write_config(project, """\
        [tool.keraslint]
        keras-version = "2.3.1"
        select = ["KER3"]
        """)
    status, out, _ = run(capsys, "check", "--keras-version", "3", "--select", "KER2", "pkg")
    assert codes(out) == ["KER201"]
    status, out, _ = run(capsys, "check", "--keras-version", "3", "--select", "KER201", "--extend-select", "KER304", "pkg")
    assert codes(out) == ["KER201", "KER304"]


def test_per_file_ignores(project, capsys) -> None:
    write_config(project, """\
        [tool.keraslint]
        keras-version = "3"
        per-file-ignores = { "pkg/*.py" = ["KER201"], "other/*" = ["KER304"] }
        """)
    assert codes(run(capsys, "check", "pkg")[1]) == ["KER304"]


def test_exclude_in_file_and_flag(project, capsys) -> None:
    (project / "scratch").mkdir()
    (project / "scratch" / "tmp.py").write_text(SOURCE, encoding="utf-8")
    write_config(project, """\
        [tool.keraslint]
        keras-version = "3"
        exclude = ["scratch"]
        """)
    out = run(capsys, "check", ".")[1]
    assert "scratch" not in out and "pkg/model.py" in out
    # Explicitly named files are excluded too (pre-commit passes file names).
    assert run(capsys, "check", "scratch/tmp.py")[0] == 0
    # The flag replaces the file's list.
    out = run(capsys, "check", "--exclude", "pkg", ".")[1]
    assert "scratch/tmp.py" in out and "pkg/model.py" not in out


def test_explicit_config_file(project, capsys) -> None:
    write_config(project / "pkg", 'keras-version = "3"\nselect = ["KER304"]\n', name="keraslint.toml")
    assert codes(run(capsys, "check", "--config", "pkg/keraslint.toml", "pkg")[1]) == ["KER304"]
    status, _, err = run(capsys, "check", "--config", "missing.toml", "pkg")
    assert status == 2 and "no such file: missing.toml" in err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[tool.keraslint]\nselct = ["KER2"]\n', "unknown key 'selct'"),
        ('[tool.keraslint]\nkeras_version = "3"\n', "unknown key 'keras_version' (did you mean 'keras-version'?)"),
        ('[tool.keraslint]\nselect = ["E501"]\n', "select: 'E501' is not a keraslint code"),
        ('[tool.keraslint]\nignore = ["KER999"]\n', "ignore: 'KER999' matches no keraslint rule"),
        ('[tool.keraslint]\nselect = 3\n', "select must be a list of codes"),
        ('[tool.keraslint]\nkeras-version = "keras==banana"\n', "keras-version"),
        ('[tool.keraslint]\nkeras-version = 3\n', "keras-version must be a string"),
        ('[tool.keraslint]\nper-file-ignores = ["x"]\n', "per-file-ignores must be a table"),
        ('[tool.keraslint]\nper-file-ignores = { "a/*" = ["X1"] }\n', "per-file-ignores['a/*']: 'X1'"),
        ('[tool.keraslint]\nexclude = [1]\n', "exclude must be a list of glob patterns"),
        ("[tool.keraslint\n", "is not valid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(project, capsys, body: str, expected: str) -> None:
    (project / "pyproject.toml").write_text(body, encoding="utf-8")
    status, out, err = run(capsys, "check", "pkg")
    assert status == 2
    assert out == ""
    assert expected in err
    assert "pyproject.toml" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--select", "W605"], "--select: 'W605' is not a keraslint code"),
        (["--ignore", "KER9"], "--ignore: 'KER9' matches no keraslint rule"),
        (["--keras-version", "nonsense"], "--keras-version"),
    ],
)
def test_bad_flags_are_clear_errors(project, capsys, argv, expected) -> None:
    status, _out, err = run(capsys, "check", *argv, "pkg")
    assert status == 2 and expected in err


def test_settings_selection_is_most_specific_wins() -> None:
    settings = Settings(select=("KER2",), ignore=("KER201",))
    assert not settings.enabled("KER201")
    assert settings.enabled("KER202")
    assert not settings.enabled("KER304")
    assert Settings(select=("KER201",), ignore=("KER2",)).enabled("KER201")
    assert not Settings(ignore=("KER",)).enabled("KER101")
    assert Settings(ignore=("KER",), extend_select=("KER101",)).enabled("KER101")
    assert Settings().enabled("KER001")


def test_per_file_ignores_and_exclude_match_relative_paths(tmp_path) -> None:
    settings = Settings(per_file_ignores=(("tests/*", ("KER2",)),), exclude=("build", "*.ipynb"), root=str(tmp_path))
    assert not settings.enabled("KER201", str(tmp_path / "tests" / "t.py"))
    assert settings.enabled("KER304", str(tmp_path / "tests" / "t.py"))
    assert settings.enabled("KER201", str(tmp_path / "src" / "t.py"))
    assert settings.excluded(str(tmp_path / "build" / "lib" / "x.py"))
    assert settings.excluded(str(tmp_path / "nb" / "a.ipynb"))
    assert not settings.excluded(str(tmp_path / "src" / "x.py"))


def test_flake8_adapter_style_settings_still_work() -> None:
    settings = Settings("3")
    assert settings.keras_version == "3"
    assert settings.validate() is settings
    with pytest.raises(ConfigError):
        Settings("nonsense").validate()


def test_build_settings_is_validated_and_anchored(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.keraslint]\nexclude = ["b"]\n', encoding="utf-8")
    loaded = config.load(start=str(tmp_path))
    settings = config.build_settings(loaded, ignore=("KER201",))
    assert settings.root == os.path.abspath(tmp_path)
    assert settings.exclude == ("b",) and settings.ignore == ("KER201",)
