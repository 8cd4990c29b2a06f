"""The project modules a file imports bound its Keras lines (project_modules.py).

The subject throughout: `Adam(lr=1e-4)` (KER306) is reported for TF 2.11-2.15 and Keras 3, where
`lr=` is ignored or raises. `keras.layers.advanced_activations` is gone from keras 2.9 on
(docs/api-evidence.md): a project module importing it keeps those lines out, so nothing is reported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keraslint import engine, project_modules, targeting

TRAIN = textwrap.dedent(
    """\
    {imports}
    from keras.layers import Dense
    from keras.models import Sequential
    from keras.optimizers import Adam

    model = Sequential([Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=Adam(lr=1e-4), metrics=["accuracy"])
    """
)
OLD_MODULE = "from keras.layers.advanced_activations import LeakyReLU\n\n\ndef block(x):\n    return LeakyReLU()(x)\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def codes(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    target = targeting.target_for(str(path), None)
    return [d.code for d in engine.analyse(source, filename=str(path), target=target)]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    project_modules._CACHE.clear()


@pytest.mark.parametrize(
    ("imports", "files"),
    [
        pytest.param("from pkg.model import block", {"pkg/__init__.py": "", "pkg/model.py": OLD_MODULE},
                     id="from a package module"),
        pytest.param("import helpers", {"helpers.py": OLD_MODULE}, id="a module beside the file"),
        pytest.param("from pkg import model", {"pkg/__init__.py": "", "pkg/model.py": OLD_MODULE},
                     id="a submodule taken from a package"),
        pytest.param("import pkg", {"pkg/__init__.py": "from .layers import *\n", "pkg/layers.py": OLD_MODULE},
                     id="through the package's __init__ (relative import inside)"),
        pytest.param("from helpers import block", {"helpers.py": "from deeper import block\n", "deeper.py": OLD_MODULE},
                     id="a module that imports another"),
    ],
)
def test_an_imported_project_module_bounds_the_lines(tmp_path: Path, imports: str, files: dict[str, str]) -> None:
    write(tmp_path, {"train.py": TRAIN.format(imports=imports), **files})
    assert codes(tmp_path / "train.py") == []


@pytest.mark.parametrize(
    ("imports", "files"),
    [
        pytest.param("import os", {}, id="no project module"),
        pytest.param("from pkg.model import block", {"pkg/__init__.py": "", "pkg/model.py": "import keras\n"},
                     id="a module whose APIs exist everywhere"),
        pytest.param("from helpers import block",
                     {"helpers.py": "def block(x):\n    return x\n\nif __name__ == '__main__':\n"
                                    "    from keras.layers.advanced_activations import LeakyReLU\n"},
                     id="evidence under __main__: an import does not run it"),
        pytest.param("def load():\n    import helpers", {"helpers.py": OLD_MODULE},
                     id="an import inside a function may never run"),
        pytest.param("import helpers", {"helpers.py": "from keras.layers import (\n"},
                     id="a module that does not parse"),
        pytest.param("import keras", {"keras/__init__.py": OLD_MODULE}, id="a folder named like a library"),
    ],
)
def test_modules_that_say_nothing_leave_the_finding(tmp_path: Path, imports: str, files: dict[str, str]) -> None:
    write(tmp_path, {"train.py": TRAIN.format(imports=imports), **files})
    assert codes(tmp_path / "train.py") == ["KER306"]


def test_a_relative_import_inside_a_package(tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/train.py": TRAIN.format(imports="from .model import block"),
                     "app/model.py": OLD_MODULE})
    assert codes(tmp_path / "app" / "train.py") == []


def test_a_module_found_from_the_folder_above_the_package(tmp_path: Path) -> None:
    # app/train.py run as `python -m app.train`: `import shared` is found beside the package.
    write(tmp_path, {"app/__init__.py": "", "app/train.py": TRAIN.format(imports="import shared"),
                     "shared.py": OLD_MODULE})
    assert codes(tmp_path / "app" / "train.py") == []


def test_modules_are_read_only_for_a_file_with_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = project_modules._read
    monkeypatch.setattr(project_modules, "_read", lambda path: read.append(path) or original(path))
    clean = TRAIN.format(imports="import helpers").replace("Adam(lr=1e-4)", "Adam(learning_rate=1e-4)")
    write(tmp_path, {"clean.py": clean, "train.py": TRAIN.format(imports="import helpers"), "helpers.py": OLD_MODULE})
    assert codes(tmp_path / "clean.py") == []
    assert read == []
    assert codes(tmp_path / "train.py") == []
    assert codes(tmp_path / "train.py") == []
    assert [Path(path).name for path in read] == ["helpers.py"]  # once: cached by size and mtime


def test_explain_names_the_module_that_narrowed(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TRAIN.format(imports="import helpers"), "helpers.py": OLD_MODULE})
    source = (tmp_path / "train.py").read_text(encoding="utf-8")
    _lines, reason, _sites = engine.explain(source, target=targeting.target_for(str(tmp_path / "train.py"), None))
    assert "keras.layers.advanced_activations in helpers.py" in reason


def test_flake8_bounds_the_lines_by_the_imported_module(tmp_path: Path) -> None:
    write(tmp_path, {"train.py": TRAIN.format(imports="import helpers"), "helpers.py": OLD_MODULE,
                     "alone.py": TRAIN.format(imports="")})
    result = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "KER", "train.py", "alone.py"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["KER306"]
    assert result.stdout.startswith("alone.py:7:")
