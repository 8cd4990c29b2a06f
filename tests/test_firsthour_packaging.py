"""Packaging and start-up: the distribution builds and passes `twine check`, every link keraslint
prints points at a file of this repository, and a lint imports only what it needs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from keraslint import output
from keraslint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_spdx_with_its_file():
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # PEP 639: the expression only


def test_project_urls_and_help_links_point_at_this_repository():
    urls = _pyproject()["project"]["urls"]
    assert urls and all(url.startswith(output.REPOSITORY) for url in urls.values())
    for url in urls.values():
        if "/blob/main/" in url or "/tree/main/" in url:
            assert (ROOT / re.split(r"/(?:blob|tree)/main/", url)[1]).exists(), url
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = {_anchor(line) for line in readme.splitlines() if line.startswith("#")}
    for code in [rule.code for rule in ALL_RULES] + ["KER001", "KER002"]:
        url = output.rule_url(code)
        assert url is not None and url.startswith(f"{output.REPOSITORY}/blob/main/"), code
        path, _, anchor = url.split("/blob/main/", 1)[1].partition("#")
        assert (ROOT / path).is_file(), url
        if anchor:
            assert anchor in anchors, url


def _anchor(heading: str) -> str:
    text = heading.lstrip("#").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_sarif_help_links_are_the_rule_pages():
    rules = {rule["id"]: rule for rule in output.sarif_rules()}
    assert rules["KER201"]["helpUri"] == f"{output.REPOSITORY}/blob/main/docs/rules/KER201.md"
    assert rules["KER001"]["helpUri"].endswith("README.md#what-it-catches")


@pytest.mark.skipif(
    importlib.util.find_spec("build") is None or importlib.util.find_spec("twine") is None,
    reason="needs the test extra (build, twine)",
)
def test_build_and_twine_check_are_clean(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
        env={**__import__("os").environ, "PYTHONDONTWRITEBYTECODE": ""},
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    log = completed.stdout + completed.stderr
    warnings = [line for line in log.splitlines() if re.search(r"warn", line, re.I)
                and "byte-compiling is disabled" not in line]
    assert not warnings, warnings
    built = sorted(tmp_path.iterdir())
    assert sorted(p.suffix for p in built) == [".gz", ".whl"]
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("PASSED") == 2
    with zipfile.ZipFile(next(p for p in built if p.suffix == ".whl")) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
        entry_points = wheel.read(next(n for n in names if n.endswith("dist-info/entry_points.txt"))).decode()
    assert "keraslint/__main__.py" in names
    assert any(n.endswith("dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata
    assert f"Project-URL: Homepage, {output.REPOSITORY}" in metadata
    assert "KER = keraslint.flake8_plugin:KerasLintPlugin" in entry_points


# --- start-up ------------------------------------------------------------------------------------

PROBE = """
import sys
{setup}
heavy = sorted({{m.split('.')[0] if m.startswith('libcst') else m for m in sys.modules
                 if m.startswith({names!r})}})
print(heavy)
"""


HEAVY = ("libcst", "packaging.requirements", "packaging.markers", "importlib.metadata", "configparser")


def _probe(setup: str, cwd: Path, names: tuple[str, ...] = HEAVY) -> list[str]:
    completed = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup, names=names)], cwd=cwd,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return eval(completed.stdout.strip().splitlines()[-1])  # noqa: S307 - our own list literal


def test_importing_the_plugin_and_the_cli_stays_light(tmp_path):
    assert _probe("import keraslint.flake8_plugin, keraslint.cli", tmp_path, HEAVY + ("json", "tomllib", "packaging")) == []


def test_a_cli_lint_with_pins_imports_no_libcst_and_no_requirement_parser(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("numpy\nkeras==2.0.4\n")
    (tmp_path / "train.py").write_text(
        "import keras\nm = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
        "m.compile(loss='binary_crossentropy', metrics=['accuracy'])\n"
    )
    setup = (
        "from keraslint.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    status = main(['check', '--quiet', 'train.py'])\n"
        "assert status == 1 and 'KER201' in out.getvalue(), out.getvalue()\n"
    )
    assert _probe(setup, tmp_path) == []
