"""Output formats: text (flake8's shape), JSON, SARIF 2.1.0, GitHub Actions annotations."""

from __future__ import annotations

import json
import textwrap

import pytest

from keraslint import output
from keraslint.cli import main
from keraslint.diagnostics import Diagnostic, Fix
from keraslint.output import FileError, Result
from keraslint.rules import ALL_RULES

SOURCE = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
    model.compile("adam", loss="binary_crossentropy", metrics=["acc"], sample_weight_mode="temporal")
    """
)


def notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# t"]}]
            + [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c} for c in cells],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 4,
        },
        indent=1,
    )


@pytest.fixture()
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "nb.ipynb").write_text(
        notebook(["import keras\nfrom keras import layers", 'model = keras.Sequential([layers.Dense(1, activation="softmax")])',
                  'model.compile(loss="binary_crossentropy")']),
        encoding="utf-8",
    )
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_text_is_flake8_shaped(files, capsys) -> None:
    status, out, err = run(capsys, "check", "--keras-version", "3", ".")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("nb.ipynb:cell 3:1:")
    assert " KER103 " in lines[0]
    assert any(line.startswith("src/model.py:5:70: KER201 ") for line in lines)
    for line in lines:
        location, rest = line.split(": ", 1)
        assert rest.split()[0].startswith("KER")
    assert "Found" in err and "fixable with `keraslint check --fix`" in err


def test_json_carries_every_field(files, capsys) -> None:
    status, out, _ = run(capsys, "check", "--keras-version", "3", "--format", "json", ".")
    assert status == 1
    data = json.loads(out)
    assert data
    keys = {"path", "cell", "line", "column", "end_line", "end_column", "code", "name", "message",
            "severity", "url", "fix_available", "fix"}
    for item in data:
        assert set(item) == keys
        assert item["line"] >= 1 and item["column"] >= 1
        assert (item["end_line"], item["end_column"]) >= (item["line"], item["column"])
        assert item["fix_available"] == (item["fix"] is not None)
    by_path = {}
    for item in data:
        by_path.setdefault(item["path"], []).append(item)
    assert {item["cell"] for item in by_path["nb.ipynb"]} == {3}
    assert {item["cell"] for item in by_path["src/model.py"]} == {None}
    first = next(item for item in by_path["src/model.py"] if item["code"] == "KER201")
    assert first["line"] == 5 and first["column"] == 70 and first["end_column"] == 80
    assert first["name"] == "ambiguous-accuracy"
    assert first["fix"] == {"safety": "safe", "description": "use BinaryAccuracy()", "applied_by": "--fix"}
    assert first["url"].endswith("/docs/rules/KER201.md")


def test_json_is_an_empty_list_when_clean(tmp_path, capsys) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    status, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert (status, json.loads(out)) == (0, [])


def test_sarif_structure(files, capsys) -> None:
    status, out, _ = run(capsys, "check", "--keras-version", "3", "--format", "sarif", ".")
    assert status == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "keraslint" and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids[: len(ALL_RULES)] == [rule.code for rule in ALL_RULES] and "KER001" in rule_ids
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"].startswith("https://")
    ker201 = driver["rules"][rule_ids.index("KER201")]
    assert ker201["helpUri"] == "https://github.com/keraslint/keraslint/blob/main/docs/rules/KER201.md"
    assert ker201["defaultConfiguration"]["level"] == "error"
    assert run_["invocations"][0]["executionSuccessful"] is True
    results = run_["results"]
    assert results
    for result in results:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
    notebook_results = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb.ipynb"]
    assert notebook_results and all(r["message"]["text"].startswith("cell 3: ") for r in notebook_results)
    assert all(r["properties"]["cell"] == 3 for r in notebook_results)
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1 for r in notebook_results)
    py = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/model.py"]
    levels = {r["ruleId"]: r["level"] for r in py}
    assert levels["KER201"] == "error"  # wrong-number
    assert levels["KER305"] == "error"  # crash


def test_sarif_levels_follow_severity() -> None:
    for rule in ALL_RULES:
        expected = "error" if rule.severity in ("wrong-number", "broken", "crash") else "warning"
        assert output.level(rule.code) == expected
    assert output.level("KER001") == "warning"


def test_sarif_reports_input_errors_as_notifications(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.py").write_text("def (:\n", encoding="utf-8")
    status, out, err = run(capsys, "check", "--format", "sarif", "bad.py")
    assert status == 2
    run_ = json.loads(out)["runs"][0]
    assert run_["invocations"][0]["executionSuccessful"] is False
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"].startswith("bad.py:1:")
    assert "bad.py:1:" in err


def test_github_annotations(files, capsys) -> None:
    status, out, _ = run(capsys, "check", "--keras-version", "3", "--format", "github", ".")
    assert status == 1
    lines = out.splitlines()
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)
    py = next(line for line in lines if "KER201" in line and "model.py" in line)
    assert py.startswith("::error file=src/model.py,line=5,col=70,endLine=5,endColumn=80,title=KER201 ambiguous-accuracy::")
    nb = next(line for line in lines if "nb.ipynb" in line)
    assert "line=" not in nb.split("::")[1]
    assert nb.split("::", 2)[2].startswith("cell 3, line 1, column ")


def test_github_escaping() -> None:
    diagnostic = Diagnostic(1, 0, "KER201", "100% wrong,\nreally: yes", 1, 3, "ambiguous-accuracy")
    text = output.format_github([Result("a,b:c.py", diagnostic, 1, 1, 1, 4)])
    assert text == (
        "::error file=a%2Cb%3Ac.py,line=1,col=1,endLine=1,endColumn=4,title=KER201 ambiguous-accuracy"
        "::100%25 wrong,%0Areally: yes\n"
    )


def test_text_for_errors_and_locations() -> None:
    assert FileError("a.py", "cannot parse: x", 3, 4).location() == "a.py:3:4"
    assert FileError("n.ipynb", "cannot parse cell: x", 2, 1, cell=5).location() == "n.ipynb:cell 5:2:1"
    assert output.format_errors([FileError("a.py", "boom")]) == "a.py: error: boom\n"


def test_fix_info_for_unsafe_fix() -> None:
    fix = Fix("do it", False, lambda node: node, object())
    diagnostic = Diagnostic(1, 0, "KER101", "m", fix=fix)
    assert output.fix_info(diagnostic) == {"safety": "unsafe", "description": "do it", "applied_by": "--fix --unsafe-fixes"}
    result = Result("a.py", diagnostic, 1, 1, 1, 1)
    assert "1 fixable with `keraslint check --fix --unsafe-fixes`" in output.summary([result], 1)
    safe = Diagnostic(2, 0, "KER201", "m", fix=Fix("safe", True, lambda node: node, object()))
    both = [result, Result("a.py", safe, 2, 1, 2, 1)]
    assert output.summary(both, 1) == (
        "Found 2 findings in 1 file. 1 fixable with `keraslint check --fix`. "
        "1 more with `keraslint check --fix --unsafe-fixes`."
    )
