"""Version targeting: the setting, project pins, installed pins and their resolution."""

from __future__ import annotations

import os

import pytest
from packaging.specifiers import SpecifierSet

from keraslint import targeting
from keraslint.version_help import KERAS_VERSION_HELP
from keraslint.versions import ALL_VERSION_LINES, VersionLine
from keraslint.targeting import (
    API_KERAS,
    API_TF,
    API_TF_KERAS,
    ConfigError,
    Pins,
    find_project_pins,
    installed_pins,
    l3_minors_for,
    lines_for,
    parse_keras_version,
    parse_l3_minors,
    resolve_lines,
    target_for,
)

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5
KERAS = frozenset({API_KERAS})
TF = frozenset({API_TF})
TFK = frozenset({API_TF_KERAS})


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch):
    # Each test sees its own files, and never the distributions of the test environment.
    targeting.clear_caches()
    monkeypatch.setattr(targeting, "installed_pins", lambda: None)
    yield
    targeting.clear_caches()


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project_of(tmp_path, files):
    """The pins of a repository holding `files` (name -> text)."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        write(tmp_path / name, text)
    return find_project_pins(str(tmp_path))


def project(tmp_path, name, text):
    """A repository root holding one project file; returns its pins."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    write(tmp_path / name, text)
    return find_project_pins(str(tmp_path))


def pins(keras=None, tf=None, tfk=None):
    def s(x):
        return None if x is None else SpecifierSet(x)

    return Pins(keras=s(keras), tensorflow=s(tf), tf_keras=s(tfk), source="test")


# --- parse_keras_version ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        # bare Keras versions
        ("2.0.4", {L1}),
        ("2.2.5", {L1}),
        ("2.3", {L2}),
        ("2.3.1", {L2}),
        ("2.4", {L3}),
        ("2.15", {L3}),
        ("2.16", {L4}),  # no standalone keras 2.16: means tf-keras
        ("2.21", {L4}),
        ("3", {L5}),
        ("3.15.1", {L5}),
        (" 3 ", {L5}),
        ("2.3.*", {L2}),
        # keras package forms
        ("keras==2.2.4", {L1}),
        ("keras 2.3.1", {L2}),
        ("keras=2.3", {L2}),
        ("Keras==3", {L5}),
        ("keras3", {L5}),
        # TensorFlow forms
        ("tensorflow==1.15", {L2}),
        ("tensorflow==2.0", {L2}),
        ("tf==2.1", {L2}),
        ("tensorflow 2.2", {L3}),
        ("tf2.15", {L3}),
        ("tensorflow==2.16", {L5}),
        ("tf 2.21", {L5}),
        ("tf.keras==2.10", {L3}),
        # tf-keras forms
        ("tf-keras==2.17", {L4}),
        ("tf_keras 2.16", {L4}),
        ("tf-keras==2.15", {L3}),
        # ranges
        ("keras>=2.3,<3", {L2, L3}),
        ("keras<2.3", {L1}),
        (">=3", {L5}),
        ("tensorflow>=2.16", {L5}),
        # lines
        ("L1", {L1}),
        ("l5", {L5}),
        ("L3,L4", {L3, L4}),
        ("l2, L3 ,l5", {L2, L3, L5}),
        # everything
        ("any", set(ALL_VERSION_LINES)),
        ("unknown", set(ALL_VERSION_LINES)),
        ("ALL", set(ALL_VERSION_LINES)),
    ],
)
def test_parse_keras_version_spellings(value, expected):
    assert parse_keras_version(value) == frozenset(expected)


@pytest.mark.parametrize("value", ["auto", "AUTO", "", "  "])
def test_parse_keras_version_auto_returns_none(value):
    assert parse_keras_version(value) is None


@pytest.mark.parametrize(
    "value", ["xyz", "L6", "L0", "keras", "1.2.2", "keras>=9,<2", "tensorflow==banana", "L3;L4"]
)
def test_parse_keras_version_rejects_with_named_value(value):
    with pytest.raises(ConfigError) as info:
        parse_keras_version(value)
    message = str(info.value)
    assert repr(value) in message
    for accepted in ("2.2.4", "tensorflow==2.1", "tf-keras==2.17", "L1..L5", "auto"):
        assert accepted in message


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_help_text_lists_the_spellings():
    for word in ("auto", "any", "L1..L5", "tensorflow==X", "tf-keras==X", "2.16"):
        assert word in KERAS_VERSION_HELP


# --- lines_for --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("tensorflow==2.0", False),  # L2 without TensorFlow 1.x
        ("tf 2.1.0", False),
        ("tensorflow>=2.0,<2.2", False),
        ("tensorflow==1.15", True),
        ("tensorflow<2.2", True),
        ("tensorflow==2.1.*", False),
        ("keras==2.3.1", True),  # a Keras version says nothing about TensorFlow
        ("L2", True),
        ("auto", True),
    ],
)
def test_setting_leaves_tensorflow_1_possible(setting, expected):
    parse_keras_version(setting)  # accepted
    assert targeting.parse_tf1(setting) is expected
    assert target_for("x.py", setting).tf1_possible(TF) is expected


@pytest.mark.parametrize(
    "requirements, expected",
    [
        ("tensorflow==2.0.0\n", False),
        ("tensorflow-gpu>=2.1,<2.2\n", False),
        ("tensorflow==1.15.5\n", True),
        ("tensorflow\n", True),  # unpinned
        ("keras==2.3.1\n", True),  # tf.keras is not decided by a Keras pin
    ],
)
def test_pins_leave_tensorflow_1_possible(tmp_path, requirements, expected):
    project_of(tmp_path, {"requirements.txt": requirements})
    assert target_for(str(tmp_path / "train.py"), None).tf1_possible(TF) is expected


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("tensorflow==1.15", False),  # L2 with TensorFlow 1.x only
        ("tensorflow<2", False),
        ("tensorflow==2.1", True),
        ("tensorflow<2.2", True),
        ("keras==2.3.1", True),
        ("auto", True),
    ],
)
def test_setting_leaves_tensorflow_2_possible(setting, expected):
    parse_keras_version(setting)
    assert targeting.parse_tf2(setting) is expected
    assert target_for("x.py", setting).tf2_possible(TF) is expected


@pytest.mark.parametrize(
    "requirements, expected",
    [("tensorflow==1.15.5\n", False), ("tensorflow-gpu>=1.13,<2\n", False), ("tensorflow==2.1.0\n", True),
     ("tensorflow\n", True)],
)
def test_pins_leave_tensorflow_2_possible(tmp_path, requirements, expected):
    project_of(tmp_path, {"requirements.txt": requirements})
    assert target_for(str(tmp_path / "train.py"), None).tf2_possible(TF) is expected


def test_nothing_known_leaves_tensorflow_1_possible(tmp_path):
    assert target_for(str(tmp_path / "train.py"), None).tf1_possible(TF) is True


@pytest.mark.parametrize(
    "p, apis, expected",
    [
        (pins(keras="==2.0.4"), KERAS, {L1}),
        (pins(keras="<2.3"), KERAS, {L1}),
        (pins(keras=">=2.3,<3"), KERAS, {L2, L3}),
        (pins(keras="==2.4.1"), KERAS, {L3}),  # a patch that is no representative
        (pins(keras=">=2.4.1,<2.4.3"), KERAS, {L3}),
        (pins(keras=">=3"), KERAS, {L5}),
        (pins(keras="==3.0.0rc1"), KERAS, {L5}),
        (pins(keras=""), KERAS, {L1, L2, L3, L5}),  # present, unpinned
        # keras unpinned or absent: a TensorFlow pin decides
        (pins(keras="", tf="==2.10"), KERAS, {L3}),
        (pins(tf=">=2.16"), KERAS, {L5}),
        (pins(tf="==2.1"), KERAS, None),  # keras was a separate install then
        # tf.keras
        (pins(tf="==2.1"), TF, {L2}),
        (pins(tf="==1.15.5"), TF, {L2}),
        (pins(tf="==2.1.0+cu101"), TF, {L2}),  # local versions of installed wheels
        (pins(tf="~=2.4"), TF, {L3, L5}),
        (pins(tf=">=2.2,<2.16"), TF, {L3}),
        (pins(tf=">=2.16"), TF, {L5}),
        (pins(tf=">=2.16", tfk=""), TF, {L4, L5}),
        (pins(tf=">=2.16", tfk=">=2.16"), TF, {L4, L5}),
        (pins(tf="==2.12", tfk=""), TF, {L3}),  # no legacy switch before 2.16
        (pins(tf="==2.17.0.dev20240301"), TF, {L5}),
        (pins(keras=">=3"), TF, None),  # a keras pin says nothing about tf.keras
        (pins(tfk="==2.17"), TF, {L4, L5}),  # tf-keras requires TF of its own version
        # tf_keras
        (pins(tfk=">=2.16"), TFK, {L4}),
        (pins(tfk="==2.15"), TFK, {L3}),
        (pins(tfk="", tf="==2.17"), TFK, {L4}),
        (pins(tf="==2.17"), TFK, {L4}),
        (pins(keras="==3"), TFK, None),
        # unions
        (pins(keras="==2.3.1", tf="==2.1"), KERAS | TF, {L2}),
        (pins(keras=">=3", tf="==2.12"), KERAS | TF, {L3, L5}),
        (pins(keras=">=3"), KERAS | TF, None),  # tf.keras part undecided
        (pins(keras="==2.0.4"), frozenset(), {L1}),  # no import seen: what the pins decide
        # contradictions admit nothing
        (pins(keras=">=3,<2"), KERAS, None),
    ],
)
def test_lines_for(p, apis, expected):
    result = lines_for(apis, p)
    assert result == (None if expected is None else frozenset(expected))


# --- TensorFlow minors within L3 -------------------------------------------------------------
# KER306 and KER205 hold from TF 2.11 / 2.10 on, KER101 from 2.6 on: a pin to one TF minor must not
# read as "any of TF 2.2-2.15". Standalone Keras 2.6+ is released in step with TensorFlow (keras 2.6
# with TF 2.6, ...); keras 2.4 re-exports the tf.keras of TF 2.2-2.5.


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("tensorflow==2.5", (5, 5)),
        ("tf 2.10.1", (10, 10)),
        ("tf.keras==2.9", (9, 9)),
        ("keras==2.8", (8, 8)),
        ("keras==2.4.3", (2, 5)),
        ("tf-keras==2.15", (15, 15)),
        ("tensorflow>=2.4,<2.11", (4, 10)),
        ("keras>=2.6,<2.9", (6, 8)),
        ("tensorflow>=2.0", (2, 15)),  # every minor of L3
        ("tensorflow==2.1", None),  # L2
        ("tensorflow==2.16", None),  # Keras 3
        ("3", None),
        ("L3", None),
        ("auto", None),
        ("any", None),
    ],
)
def test_setting_names_tf_minors_within_l3(setting, expected):
    parse_keras_version(setting)  # accepted
    assert parse_l3_minors(setting) == expected


@pytest.mark.parametrize(
    "p, apis, expected",
    [
        (pins(tf="~=2.6.0"), TF, (6, 6)),
        (pins(tf="==2.10.0"), TF, (10, 10)),
        (pins(tf="==2.8.*"), KERAS, (8, 8)),  # keras comes with the pinned TensorFlow
        (pins(keras="==2.4.3", tf=">=2.2"), KERAS, (2, 5)),
        (pins(keras="==2.12.0"), KERAS, (12, 12)),
        (pins(tf=">=2.3,<2.12"), TF, (3, 11)),
        (pins(tf=""), TF, (2, 15)),  # unpinned: every minor
        (pins(keras="==3.1"), KERAS, None),  # no L3 release admitted
        (pins(keras="==3.1", tf="==2.5"), KERAS | TF, (5, 5)),
    ],
)
def test_pins_name_tf_minors_within_l3(p, apis, expected):
    assert l3_minors_for(apis, p) == expected


def test_target_minors_come_from_the_source_that_decides(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "tensorflow==2.5.0\n")
    f = str(tmp_path / "train.py")
    assert target_for(f, None).decide(TF) == (frozenset({L3}), (5, 5), f"pins in {tmp_path / 'requirements.txt'}")
    # The setting wins, with its own minors (none narrowed by "L3").
    assert target_for(f, "tensorflow==2.12").decide(TF)[:2] == (frozenset({L3}), (12, 12))
    assert target_for(f, "L3").decide(TF)[:2] == (frozenset({L3}), (2, 15))


# --- project files ----------------------------------------------------------------------------


def test_requirements_txt_exact_pin(tmp_path):
    p = project(tmp_path, "requirements.txt", "numpy>=1.0\nkeras==2.0.4\n")
    assert p.keras == SpecifierSet("==2.0.4")
    assert p.source == str(tmp_path / "requirements.txt")
    assert lines_for(KERAS, p) == {L1}


def test_requirements_txt_options_comments_hashes(tmp_path):
    text = (
        "# comment\n"
        "-r base.txt\n"
        "-e git+https://example.com/x.git#egg=x\n"
        "--index-url https://example.com/simple\n"
        "tensorflow-cpu==2.1.0 \\\n"
        "    --hash=sha256:abc  # pinned\n"
        "tf-keras @ https://example.com/tf_keras.whl\n"
        "keras ; python_version < '3.8'\n"
        "not a requirement !!\n"
    )
    p = project(tmp_path, "requirements.txt", text)
    assert p.tensorflow == SpecifierSet("==2.1.0")
    assert p.keras == SpecifierSet("")
    assert p.tf_keras is None  # URL requirement skipped
    assert lines_for(TF, p) == {L2}


def test_requirements_variants_and_subfolder_intersect(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements-dev.txt", "keras>=2.3\n")
    write(tmp_path / "requirements" / "base.txt", "keras<3\n")
    p = find_project_pins(str(tmp_path))
    assert p.keras == SpecifierSet(">=2.3,<3")
    assert "requirements-dev.txt" in p.source and "base.txt" in p.source
    assert lines_for(KERAS, p) == {L2, L3}


def test_pyproject_project_dependencies(tmp_path):
    p = project(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = ["keras>=3", "numpy"]\n'
        '[project.optional-dependencies]\ntf = ["tensorflow>=2.16"]\n',
    )
    assert lines_for(KERAS, p) == {L5}
    assert lines_for(TF, p) == {L5}


def test_pyproject_poetry_caret_and_tilde(tmp_path):
    p = project(
        tmp_path,
        "pyproject.toml",
        "[tool.poetry.dependencies]\n"
        'python = "^3.8"\n'
        'keras = "^2.3"\n'
        "[tool.poetry.group.ml.dependencies]\n"
        'tensorflow = { version = "~2.1", optional = true }\n',
    )
    assert p.keras == SpecifierSet(">=2.3,<3")
    assert p.tensorflow == SpecifierSet(">=2.1,<2.2")
    assert lines_for(KERAS, p) == {L2, L3}
    assert lines_for(TF, p) == {L2}


@pytest.mark.parametrize(
    "constraint, expected",
    [
        ("^2.3", ">=2.3,<3"),
        ("^2", ">=2,<3"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("~2.3", ">=2.3,<2.4"),
        ("~2.3.1", ">=2.3.1,<2.4"),
        ("~=2.3", "~=2.3"),
        ("2.3.1", "==2.3.1"),
        ("2.3.*", "==2.3.*"),
        (">=2.3 <3", ">=2.3,<3"),
        (">= 2.3, < 3", ">=2.3,<3"),
        ("*", ""),
        ("^2.3 || ^3.0", ""),
    ],
)
def test_poetry_constraints(constraint, expected):
    assert targeting._loose_spec(constraint) == SpecifierSet(expected)


def test_setup_cfg(tmp_path):
    p = project(
        tmp_path,
        "setup.cfg",
        "[metadata]\nname = x\n[options]\ninstall_requires =\n    numpy\n    keras>=2.4,<2.16\n"
        "[options.extras_require]\ntf = tensorflow==2.12.0\n",
    )
    assert lines_for(KERAS, p) == {L3}
    assert lines_for(TF, p) == {L3}


def test_setup_py_literals_never_executed(tmp_path):
    marker = tmp_path / "executed"
    p = project(
        tmp_path,
        "setup.py",
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('oops')\n"
        "from setuptools import setup\n"
        "REQUIRED = ['numpy', 'keras==2.3.1']\n"
        "setup(name='x', install_requires=REQUIRED + ['h5py'],\n"
        "      extras_require={'tf': ['tensorflow>=2.0,<2.2']})\n",
    )
    assert not marker.exists()
    assert lines_for(KERAS, p) == {L2}
    assert lines_for(TF, p) == {L2}


def test_environment_yml_conda_and_pip(tmp_path):
    p = project(
        tmp_path,
        "environment.yml",
        "name: demo\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.7\n"
        "  - conda-forge::tensorflow=2.1  # conda pin\n"
        "  - pip\n"
        "  - pip:\n"
        "    - keras==2.3.1\n"
        "    - -r requirements.txt\n"
        "  - numpy\n"
        "variables:\n"
        "  keras: '3'\n",
    )
    assert p.tensorflow == SpecifierSet("==2.1.*")
    assert p.keras == SpecifierSet("==2.3.1")
    assert lines_for(TF, p) == {L2}
    assert lines_for(KERAS, p) == {L2}


def test_environment_yml_in_utf16_with_its_byte_order_mark(tmp_path):
    # `conda env export > environment.yml` in Windows PowerShell writes UTF-16.
    (tmp_path / ".git").mkdir()
    text = "name: tf\ndependencies:\n  - tensorflow=2.8.0\n"
    (tmp_path / "environment.yml").write_bytes(text.encode("utf-16"))
    p = find_project_pins(str(tmp_path))
    assert p is not None and p.tensorflow == SpecifierSet("==2.8.0")


def test_requirements_file_name_in_any_case(tmp_path):
    p = project(tmp_path, "REQUIREMENTS.txt", "keras==2.0.5\n")
    assert p is not None and p.keras == SpecifierSet("==2.0.5")


def test_a_conda_environment_under_another_name(tmp_path):
    p = project(tmp_path, "deep-learning.yml", "name: dl\ndependencies:\n  - python=3.5\n  - pip:\n    - keras==2.0.3\n")
    assert p is not None and p.keras == SpecifierSet("==2.0.3")


def test_contradicting_exact_pins_are_alternative_environments(tmp_path):
    # deep-learning.yml (Linux) pins keras==2.0.3, deep-learning-osx.yml keras==2.0.2: either runs.
    p = project_of(tmp_path, {
        "deep-learning.yml": "dependencies:\n  - pip:\n    - keras==2.0.3\n",
        "deep-learning-osx.yml": "dependencies:\n  - pip:\n    - keras==2.0.2\n",
    })
    assert p is not None and p.keras == SpecifierSet(">=2.0.2,<=2.0.3")
    assert lines_for(KERAS, p) == {L1}


def test_other_yaml_files_are_not_pins(tmp_path):
    # A CI or compose file naming a package is no environment: no top-level `dependencies:` list.
    p = project(tmp_path, ".travis.yml", "install:\n  - pip install keras==2.0.3\nscript: pytest\n")
    assert p is None
    p = project(tmp_path, "docker-compose.yml", "services:\n  serving:\n    image: tensorflow/serving:2.4.1\n")
    assert p is None


def test_dockerfile_pip_installs_and_continuations(tmp_path):
    p = project(
        tmp_path,
        "Dockerfile",
        "FROM ubuntu:14.04\n"
        "RUN apt-get update && apt-get install -y python3-pip keras\n"
        "RUN pip install --no-cache-dir -r requirements.txt numpy six \\\n"
        "    tensorflow==1.3.0 'keras==2.0.8' && python -c 'import keras'\n",
    )
    assert p.keras == SpecifierSet("==2.0.8") and p.tensorflow == SpecifierSet("==1.3.0")
    assert lines_for(KERAS, p) == {L1}


@pytest.mark.parametrize(
    "dockerfile, expected_tf, expected_keras",
    [
        ("FROM tensorflow/tensorflow:2.4.1-gpu-py3\n", "==2.4.1", None),
        ("FROM tensorflow/tensorflow:1.15.0-py3 AS base\n", "==1.15.0", None),
        ("FROM --platform=linux/amd64 tensorflow/tensorflow:2.12.0\n", "==2.12.0", None),
        ("FROM tensorflow/tensorflow:latest-gpu\n", "", None),  # present, unpinned
        ("FROM tensorflow/serving:2.4.1\n", None, None),  # not the TensorFlow image
        ("FROM python:3.8\nRUN python -m pip install --upgrade keras==2.2.4\n", None, "==2.2.4"),
        ("FROM continuumio/miniconda3\nRUN conda install -y -c conda-forge keras=2.3\n", None, "==2.3.*"),
        ("FROM python:3.8\nRUN pip3 install -U tensorflow>=2.3,<2.5\n", ">=2.3,<2.5", None),
    ],
)
def test_dockerfile_pins(tmp_path, dockerfile, expected_tf, expected_keras):
    p = project(tmp_path, "Dockerfile", dockerfile)
    if expected_tf is None and expected_keras is None:
        assert p is None
        return
    assert p is not None
    assert p.tensorflow == (None if expected_tf is None else SpecifierSet(expected_tf))
    assert p.keras == (None if expected_keras is None else SpecifierSet(expected_keras))


def test_dockerfile_comments_inside_a_continued_run_and_wheels(tmp_path):
    # Docker drops comment lines before joining continuations; a wheel's file name carries its version.
    p = project(
        tmp_path,
        "Dockerfile-gpu",
        "FROM jupyter/scipy-notebook:e7000ca1416d\n"
        "RUN \\\n"
        "\t# install TensorFlow\n"
        "\tpip install --upgrade https://storage.googleapis.com/tensorflow/linux/cpu/"
        "tensorflow-1.8.0-cp36-cp36m-linux_x86_64.whl && \\\n"
        "\t# then Keras\n"
        "\tpip install tflearn==0.3.2 \\\n"
        "\t\tkeras==2.2.0 \\\n"
        "\t\th5py==2.8.0\n",
    )
    assert p.keras == SpecifierSet("==2.2.0") and p.tensorflow == SpecifierSet("==1.8.0")


def test_the_plain_dockerfile_speaks_for_its_variants(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "Docker" / "Dockerfile", "FROM ubuntu\nRUN pip install tensorflow==1.3.0 keras==2.0.8\n")
    write(tmp_path / "Docker" / "Dockerfile-wavnet", "FROM ubuntu\nRUN pip install tensorflow==1.2.0 keras==2.0.5\n")
    p = find_project_pins(str(tmp_path))
    assert p is not None and p.keras == SpecifierSet("==2.0.8")


@pytest.mark.parametrize("variant", ["requirements_gpu.txt", "requirements-macos.txt", "requirements.cuda11.txt"])
def test_the_plain_requirements_file_speaks_for_its_platform_variants(tmp_path, variant):
    # tensorflow (CPU) or tensorflow-gpu: alternative installs; intersecting them ended the project
    # at TF 2.11 (tensorflow-gpu's last release) and hid every Keras 3 finding (precision probe 3).
    p = project_of(tmp_path, {"requirements.txt": "tensorflow\nKeras\n", variant: "tensorflow-gpu\nKeras\n"})
    assert p is not None and p.tensorflow == SpecifierSet("")
    assert p.source == str(tmp_path / "requirements.txt")


def test_additional_requirements_files_still_hold_together(tmp_path):
    p = project_of(tmp_path, {"requirements.txt": "tensorflow>=2.4\n", "requirements-dev.txt": "tensorflow<2.11\npytest\n"})
    assert p is not None and p.tensorflow == SpecifierSet(">=2.4,<2.11")


def test_platform_variants_alone_are_read(tmp_path):
    p = project_of(tmp_path, {"requirements-gpu.txt": "tensorflow-gpu==2.4.1\n"})
    assert p is not None and p.tensorflow == SpecifierSet("==2.4.1,<2.12")  # tensorflow-gpu ends at 2.11


def test_dockerfile_in_a_docker_folder(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "Docker" / "Dockerfile.gpu", "FROM tensorflow/tensorflow:2.5.0-gpu\n")
    p = find_project_pins(str(tmp_path / "chapter1"))
    assert p is not None and p.tensorflow == SpecifierSet("==2.5.0")
    assert p.source == str(tmp_path / "Docker" / "Dockerfile.gpu")


def test_tensorflow_gpu_never_reaches_keras_3(tmp_path):
    # tensorflow-gpu stopped at 2.11 (2.12.0 is an empty package that fails to install).
    p = project(tmp_path, "requirements.txt", "tensorflow-gpu\n")
    assert lines_for(TF, p) == {L2, L3}
    assert l3_minors_for(TF, p) == (2, 11)
    assert lines_for(TF, project(tmp_path, "requirements.txt", "tensorflow\n")) == {L2, L3, L5}


@pytest.mark.parametrize(
    "item, expected",
    [
        ("keras=2.3.1", "==2.3.1"),
        ("keras=2.3", "==2.3.*"),
        ("keras==2.3", "==2.3"),
        ("keras>=2.3,<3", ">=2.3,<3"),
        ("keras 2.2.4 py37_0", "==2.2.4"),
        ("keras=2.2.4=py37_0", "==2.2.4"),
        ("keras", ""),
    ],
)
def test_conda_match_specs(item, expected):
    assert targeting._conda_item(item) == ("keras", SpecifierSet(expected))


def test_pipfile(tmp_path):
    p = project(
        tmp_path,
        "Pipfile",
        '[[source]]\nurl = "https://pypi.org/simple"\n'
        '[packages]\nkeras = "==2.2.4"\n'
        '[dev-packages]\ntensorflow-gpu = {version = ">=2.2,<2.16"}\n',
    )
    assert lines_for(KERAS, p) == {L1}
    assert lines_for(TF, p) == {L3}


def test_tf_keras_underscore_name_is_normalised(tmp_path):
    p = project(tmp_path, "requirements.txt", "tensorflow>=2.16\ntf_keras\n")
    assert lines_for(TF, p) == {L4, L5}
    assert lines_for(TFK, p) == {L4}


def test_similar_names_are_not_pins(tmp_path):
    text = "tensorflow-datasets==4.0\nkeras-tuner==1.0\ntensorflow-addons\n"
    p = project(tmp_path, "requirements.txt", text)
    assert p is None


# --- walking up -------------------------------------------------------------------------------


def test_walk_up_from_nested_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")
    nested = tmp_path / "src" / "pkg" / "models"
    nested.mkdir(parents=True)
    p = find_project_pins(str(nested))
    assert p is not None and lines_for(KERAS, p) == {L1}


def test_walk_up_skips_project_files_without_keras(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "tensorflow==2.1\n")
    sub = tmp_path / "sub"
    write(sub / "requirements.txt", "numpy\n")
    p = find_project_pins(str(sub))
    assert p.source == str(tmp_path / "requirements.txt")


def test_walk_up_stops_at_git(tmp_path):
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")  # outside the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pkg").mkdir()
    assert find_project_pins(str(repo / "pkg")) is None
    # Without the .git marker the outer pins are found.
    os.rmdir(repo / ".git")
    targeting.clear_caches()
    assert find_project_pins(str(repo / "pkg")) is not None


def test_git_file_also_stops(tmp_path):
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")
    write(tmp_path / "wt" / ".git", "gitdir: /elsewhere\n")  # a worktree / submodule
    assert find_project_pins(str(tmp_path / "wt")) is None


def test_the_repository_root_itself_is_read(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[project]\nname="x"\ndependencies=["keras==3.1"]\n')
    assert find_project_pins(str(tmp_path)).keras == SpecifierSet("==3.1")


def test_pins_are_read_once_per_directory(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    reads = []
    real = targeting._read_text
    monkeypatch.setattr(targeting, "_read_text", lambda path: reads.append(path) or real(path))
    for _ in range(1000):
        assert find_project_pins(str(sub)) is not None
        assert find_project_pins(str(tmp_path)) is not None
    assert sorted(reads) == sorted([str(tmp_path / "requirements.txt"), str(tmp_path / "pyproject.toml")])
    targeting.clear_caches()
    find_project_pins(str(sub))
    assert len(reads) == 4  # clear_caches forgets


def test_a_run_checks_shared_ancestors_once(tmp_path, monkeypatch):
    """Within a lint run the folders of a project share their ancestors' pins (checked once); the
    next run, and every lookup outside a run, sees a changed pin file."""
    (tmp_path / ".git").mkdir()
    requirements = tmp_path / "requirements.txt"
    write(requirements, "keras==2.0.4\n")
    folders = [tmp_path / "a", tmp_path / "b", tmp_path / "b" / "c"]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    checked = []
    real = targeting._pins_in_dir
    monkeypatch.setattr(targeting, "_pins_in_dir", lambda directory: checked.append(directory) or real(directory))
    targeting.begin_run()
    try:
        assert [find_project_pins(str(folder)).keras for folder in folders] == [SpecifierSet("==2.0.4")] * 3
        assert checked.count(str(tmp_path)) == 1  # the shared ancestor, once in the run
        assert checked.count(str(tmp_path / "b")) == 1  # the parent of c, checked for b already
        write(requirements, "keras==3.1\n")
        os.utime(requirements, ns=(1, 1))
        targeting.begin_run()  # the next run
        assert find_project_pins(str(folders[0])).keras == SpecifierSet("==3.1")
    finally:
        targeting.clear_caches()  # outside a run again
    write(requirements, "keras==3.2\n")
    os.utime(requirements, ns=(2, 2))
    assert find_project_pins(str(folders[1])).keras == SpecifierSet("==3.2")


def test_pins_are_read_again_when_a_project_file_changes(tmp_path):
    """Editors keep flake8 in-process: the cache must follow the files, not the process."""
    (tmp_path / ".git").mkdir()
    requirements = tmp_path / "requirements.txt"
    write(requirements, "keras==2.0.4\n")
    assert find_project_pins(str(tmp_path)).keras == SpecifierSet("==2.0.4")
    write(requirements, "keras>=3\n")  # edited in place: its own key changes
    os.utime(requirements, ns=(10**18, 10**18))
    assert find_project_pins(str(tmp_path)).keras == SpecifierSet(">=3")
    requirements.unlink()  # removed: the folder's key changes
    os.utime(tmp_path, ns=(10**18 + 1, 10**18 + 1))
    assert find_project_pins(str(tmp_path)) is None
    write(tmp_path / "requirements-dev.txt", "tensorflow==2.1\n")  # a new file
    os.utime(tmp_path, ns=(10**18 + 2, 10**18 + 2))
    assert find_project_pins(str(tmp_path)).tensorflow == SpecifierSet("==2.1")


@pytest.mark.parametrize(
    "value",
    ["4", "2.99", "3.99", "3.40", "tensorflow==2.99", "tf==3", "tf-keras==2.99", "tensorflow==1.16", "keras==4.0",
     "keras>=4", "tensorflow>=2.50", "1.2.2", "keras==1.2"],
)
def test_versions_that_do_not_exist_are_rejected(value):
    with pytest.raises(ConfigError) as info:
        parse_keras_version(value)
    message = str(info.value)
    assert repr(value) in message and "keras-version" in message
    assert "does not exist" in message or "not supported" in message or "admits no release" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2.15      # optional, see below", {L3}),  # flake8 keeps inline comments in values
        ("keras==2.0.4 # pinned", {L1}),
        ("tensorflow==2.1 ; why", {L2}),
        ("auto  # default", None),
        ("3.15.1", {L5}),
        ("3.16", {L5}),  # a release after this keraslint's table: accepted, within the headroom
        ("tensorflow==2.21", {L5}),
        ("tf-keras==2.21", {L4}),
    ],
)
def test_inline_comments_and_recent_releases(value, expected):
    got = parse_keras_version(value)
    assert (got if got is None else set(got)) == expected


@pytest.mark.parametrize(
    "name, text",
    [
        ("pyproject.toml", "[project\ndependencies = ["),
        ("pyproject.toml", '[project]\ndependencies = "keras"\n[tool]\npoetry = 3\n'),
        ("setup.cfg", "install_requires = keras\n[[[nonsense"),
        ("setup.py", "setup(install_requires=['keras==2.3'\n"),
        ("setup.py", "setup(install_requires=get_reqs())\n"),
        ("Pipfile", "[packages\nkeras ="),
        ("Pipfile", "[packages]\nkeras = 3\n"),
        ("environment.yml", "dependencies: [keras, {pip: [x]}]\n\t- : -\n"),
        ("requirements.txt", "\x00\xff\xfe garbage ==== \n==2\n"),
    ],
)
def test_malformed_files_never_raise(tmp_path, name, text):
    (tmp_path / ".git").mkdir()
    write(tmp_path / name, text)
    assert find_project_pins(str(tmp_path)) is None


def test_malformed_file_does_not_hide_a_good_one(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[[[ broken")
    write(tmp_path / "requirements.txt", "keras==3.0\n")
    assert lines_for(KERAS, find_project_pins(str(tmp_path))) == {L5}


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==3.0\n")
    monkeypatch.setattr(targeting, "_read_text", lambda path: None)
    assert find_project_pins(str(tmp_path)) is None


def test_missing_start_directory_walks_up(tmp_path):
    (tmp_path / ".git").mkdir()
    assert find_project_pins(str(tmp_path / "does" / "not" / "exist")) is None
    write(tmp_path / "requirements.txt", "keras==3\n")
    targeting.clear_caches()
    assert find_project_pins(str(tmp_path / "does" / "not" / "exist")).keras == SpecifierSet("==3")


# --- installed distributions ------------------------------------------------------------------


def _site(folder, dists):
    folder.mkdir(parents=True, exist_ok=True)
    for name in dists:
        (folder / name).mkdir()
        (folder / name / "METADATA").write_text("Metadata-Version: 2.1\nName: x\nVersion: 9.9.9\n")
    return str(folder)


def test_installed_pins_reads_the_dist_info_folders_of_sys_path(monkeypatch, tmp_path):
    monkeypatch.undo()  # the real installed_pins, on a fake sys.path
    targeting.clear_caches()
    first = _site(tmp_path / "a", ["tensorflow_cpu-2.15.0.post1.dist-info", "tf_keras-2.17.0.dist-info", "six-1.0.dist-info"])
    second = _site(tmp_path / "b", ["keras-3.3.3.dist-info", "tf_keras-2.18.0.dist-info"])
    monkeypatch.setattr("sys.path", [first, second, str(tmp_path / "missing")])
    p = installed_pins()
    assert p == Pins(
        keras=SpecifierSet("==3.3.3"),
        tensorflow=SpecifierSet("==2.15.0.post1"),
        tf_keras=SpecifierSet("==2.17.0"),  # the first sys.path entry wins, as for importlib
        source="installed distributions",
    )
    assert lines_for(TF, p) == {L3}
    assert lines_for(KERAS, p) == {L5}


def test_installed_pins_egg_info_without_version_reads_its_metadata(monkeypatch, tmp_path):
    monkeypatch.undo()
    targeting.clear_caches()
    site = _site(tmp_path / "a", ["keras.egg-info"])
    (tmp_path / "a" / "keras.egg-info" / "METADATA").unlink()
    (tmp_path / "a" / "keras.egg-info" / "PKG-INFO").write_text("Name: keras\nVersion: 2.3.1\n")
    monkeypatch.setattr("sys.path", [site])
    assert installed_pins().keras == SpecifierSet("==2.3.1")


def test_installed_pins_see_a_pip_install_without_a_restart(monkeypatch, tmp_path):
    """A long-lived host (an editor's flake8 server) sees `pip install keras` on its next lint."""
    monkeypatch.undo()
    targeting.clear_caches()
    site = _site(tmp_path / "a", ["numpy-2.0.0.dist-info"])
    monkeypatch.setattr("sys.path", [site])
    assert installed_pins() is None
    (tmp_path / "a" / "keras-2.2.4.dist-info").mkdir()
    os.utime(site, ns=(10**18, 10**18))  # the folder changed (as adding an entry does), whatever the clock
    assert installed_pins().keras == SpecifierSet("==2.2.4")


def test_installed_pins_none_when_nothing_installed(monkeypatch, tmp_path):
    monkeypatch.undo()
    targeting.clear_caches()
    monkeypatch.setattr("sys.path", [_site(tmp_path / "a", ["numpy-2.0.0.dist-info"])])
    assert installed_pins() is None


def test_installed_pins_of_this_environment_match_importlib_metadata(monkeypatch):
    monkeypatch.undo()
    targeting.clear_caches()
    import importlib.metadata

    expected = {}
    for kind, names in targeting._INSTALLED_ORDER:
        for name in names:
            try:
                expected[kind] = SpecifierSet("==" + importlib.metadata.version(name))
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    p = installed_pins()
    got = {} if p is None else {k: v for k, v in (("keras", p.keras), ("tensorflow", p.tensorflow), ("tf_keras", p.tf_keras)) if v is not None}
    assert got == expected


# --- resolve_lines ----------------------------------------------------------------------------


def test_resolve_setting_wins(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")
    f = str(tmp_path / "model.py")
    assert resolve_lines(f, "3", KERAS) == (frozenset({L5}), "keras-version setting")


def test_resolve_auto_setting_falls_through_to_pins(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==2.0.4\n")
    f = str(tmp_path / "pkg" / "model.py")
    lines, reason = resolve_lines(f, "auto", KERAS)
    assert lines == {L1}
    assert reason == f"pins in {tmp_path / 'requirements.txt'}"
    assert resolve_lines(f, None, KERAS)[0] == {L1}


def test_resolve_bad_setting_raises(tmp_path):
    with pytest.raises(ConfigError, match="'2.x.y'"):
        resolve_lines(str(tmp_path / "m.py"), "2.x.y", KERAS)


def test_resolve_installed_then_unknown(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    f = str(tmp_path / "m.py")
    assert resolve_lines(f, None, KERAS) == (ALL_VERSION_LINES, "unknown")
    monkeypatch.setattr(targeting, "installed_pins", lambda: pins(tf="==2.10"))
    assert resolve_lines(f, None, TF) == (frozenset({L3}), "installed distributions")


def test_resolve_pins_that_do_not_decide_the_api_fall_through(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras>=3\n")
    f = str(tmp_path / "m.py")
    assert resolve_lines(f, None, TF) == (ALL_VERSION_LINES, "unknown")
    monkeypatch.setattr(targeting, "installed_pins", lambda: pins(tf="==2.1.0"))
    assert resolve_lines(f, None, TF) == (frozenset({L2}), "installed distributions")


def test_resolve_installed_refines_loose_pins(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "tensorflow\n")
    f = str(tmp_path / "m.py")
    assert resolve_lines(f, None, TF)[0] == {L2, L3, L5}
    monkeypatch.setattr(targeting, "installed_pins", lambda: pins(tf="==2.12.0"))
    lines, reason = resolve_lines(f, None, TF)
    assert lines == {L3}
    assert reason.startswith("installed distributions within pins in ")
    # An installed version the pins exclude does not override them.
    monkeypatch.setattr(targeting, "installed_pins", lambda: pins(tf="==2.1.0"))
    write(tmp_path / "requirements.txt", "tensorflow>=2.2\n")
    targeting.clear_caches()
    assert resolve_lines(f, None, TF)[0] == {L3, L5}


@pytest.mark.parametrize("name", [None, "stdin", "-"])
def test_resolve_stdin_uses_cwd(tmp_path, monkeypatch, name):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "requirements.txt", "keras==2.3.1\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_lines(name, None, KERAS)[0] == {L2}


def test_a_project_file_naming_no_package_of_keras_is_not_parsed(tmp_path, monkeypatch):
    """Words such as `keraslint`, `keras-tuner` or `tensorflow_datasets` are other packages: the
    file is not parsed (a TOML parser costs ~2 ms to import on an editor lint)."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml",
          '[project]\nname = "x"\ndependencies = ["keraslint", "keras-tuner>=1", "tensorflow_datasets==4.9"]\n')
    parsed = []
    real = targeting._pyproject
    monkeypatch.setattr(targeting, "_project_files", lambda directory: [
        (str(tmp_path / "pyproject.toml"), lambda text: parsed.append(text) or real(text))])
    assert find_project_pins(str(tmp_path)) is None
    assert parsed == []


@pytest.mark.parametrize(
    "dependency, expected",
    [
        ('"Tensorflow_CPU>=2.4,<2.5"', ("tensorflow", ">=2.4,<2.5")),
        ('"tf.keras==2.15.1"', ("tf_keras", "==2.15.1")),
        ('"keras[jax]==3.1 ; python_version >= \'3.9\'"', ("keras", "==3.1")),
        ('"TF-Nightly==2.16.0.dev20231101"', ("tensorflow", "==2.16.0.dev20231101")),
    ],
)
def test_a_package_name_in_any_spelling_is_still_read(tmp_path, dependency, expected):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", f'[project]\nname = "keraslint-user"\ndependencies = [{dependency}]\n')
    pins = find_project_pins(str(tmp_path))
    kind, spec = expected
    assert getattr(pins, kind) == SpecifierSet(spec)
