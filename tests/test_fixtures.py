"""Each fixture file states, per line, the findings its rule must report.

A line where a finding of the file's rule starts ends with `# expect: KERxxx@COL`: COL is the
1-based column where the finding starts, as flake8 and `keraslint check` print it (so it can be
copied from their output); several findings on one line are separated by commas
(`# expect: KER201@31, KER201@45`). Only that file's rule runs; the (line, column, code) of its
findings must be exactly the expected ones, and every other line must stay silent.

The column pins the node a rule promises to report at (rules.md principle 3): the loss value, the
metric element, the output layer's activation argument. `@COL` is optional in the syntax, and an
expectation without it is matched on (line, code) only, but test_every_expectation_has_a_column
requires it everywhere: when it fails, its message lists the annotations to write.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import pytest

from keraslint.engine import analyse
from keraslint.rules import ALL_RULES, RULES_BY_CODE
from keraslint import targeting

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
_ITEM = r"KER\d{3}(?:@\d+)?"
_EXPECT = re.compile(rf"#\s*expect:\s*({_ITEM}(?:\s*,\s*{_ITEM})*)")
_TARGET = re.compile(r"^#\s*keraslint-target:\s*(.+?)\s*$")

ALL_FIXTURES = sorted(FIXTURES.glob("KER*.py"))
# KER001/KER002 are not rules: KER002's fixture runs through the flake8 plugin (test below).
RULE_FIXTURES = [path for path in ALL_FIXTURES if path.name[:6] in RULES_BY_CODE]
CONFIG_FIXTURE = FIXTURES / "KER002_configuration_error.py"

# Fixture files added while columns were introduced, by other work: their expectations carry no
# column yet. Each is a strict xfail of test_every_expectation_has_a_column; remove the name once
# its annotations have columns (the failure message of that test lists them).
WITHOUT_COLUMNS = frozenset(
    {
    }
)


@dataclasses.dataclass(frozen=True)
class Expectation:
    line: int
    code: str
    column: int | None  # 1-based; None when the annotation has no @COL

    def __str__(self) -> str:
        return f"{self.line}:{self.column if self.column is not None else '?'} {self.code}"


def expectations(source: str) -> list[Expectation]:
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for item in re.split(r"\s*,\s*", match.group(1)):
                code, _, column = item.partition("@")
                found.append(Expectation(number, code, int(column) if column else None))
    return found


def expected_findings(source: str) -> set[tuple[int, str]]:
    """(line, code) of every expectation."""
    return {(expectation.line, expectation.code) for expectation in expectations(source)}


def fixture_target(source: str) -> str:
    first = source.splitlines()[0] if source else ""
    match = _TARGET.match(first)
    return match.group(1).split("#", 1)[0].strip() if match else "any"


def run_fixture(path: pathlib.Path):
    source = path.read_text(encoding="utf-8")
    rule = RULES_BY_CODE[path.name[:6]]
    return source, analyse(source, filename=str(path), target=targeting.target_for(str(path), fixture_target(source)), rules=[rule])


def match(expected: list[Expectation], diagnostics) -> tuple[list[Expectation], list]:
    """(expectations not met, diagnostics not expected). An expectation with a column takes the
    finding at exactly that (line, column, code); one without, any finding of its (line, code)."""
    remaining = list(diagnostics)
    missing = []
    for expectation in sorted(expected, key=lambda item: item.column is None):
        for diagnostic in remaining:
            if (diagnostic.line, diagnostic.code) == (expectation.line, expectation.code) and (
                expectation.column is None or diagnostic.column + 1 == expectation.column
            ):
                remaining.remove(diagnostic)
                break
        else:
            missing.append(expectation)
    return missing, remaining


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda path: path.name)
def test_fixture_findings_match_expectations(path: pathlib.Path) -> None:
    code = path.name[:6]
    source, diagnostics = run_fixture(path)
    assert not any(d.code == "KER001" for d in diagnostics)
    expected = [expectation for expectation in expectations(source) if expectation.code == code]
    missing, unexpected = match(expected, diagnostics)
    assert not missing and not unexpected, (
        f"missing: {[str(item) for item in missing]}; unexpected: "
        f"{[f'{d.line}:{d.column + 1} {d.code} {d.message}' for d in unexpected]}"
    )


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, id=path.name, marks=pytest.mark.xfail(strict=True, reason="no @COL annotations yet"))
        if path.name in WITHOUT_COLUMNS
        else pytest.param(path, id=path.name)
        for path in ALL_FIXTURES
    ],
)
def test_every_expectation_has_a_column(path: pathlib.Path) -> None:
    source = path.read_text(encoding="utf-8")
    without = [expectation for expectation in expectations(source) if expectation.column is None]
    if not without:
        return
    _, diagnostics = run_fixture(path)  # only to suggest the columns to write
    at = {(d.line, d.code): d.column + 1 for d in diagnostics}
    suggestions = [
        f"line {item.line}: # expect: {item.code}@{at[(item.line, item.code)]}" if (item.line, item.code) in at
        else f"line {item.line}: {item.code} (not reported: see test_fixture_findings_match_expectations)"
        for item in without
    ]
    assert not without, f"{path.name}: expectations without a column; write:\n  " + "\n  ".join(suggestions)


def test_column_annotations_are_parsed() -> None:
    source = "a = 1  # expect: KER201@31, KER201\nb = 2\nc = 3  # expect:KER305@1\n"
    assert expectations(source) == [
        Expectation(1, "KER201", 31), Expectation(1, "KER201", None), Expectation(3, "KER305", 1),
    ]
    assert expected_findings(source) == {(1, "KER201"), (3, "KER305")}


def test_a_wrong_column_is_a_mismatch() -> None:
    from keraslint.diagnostics import Diagnostic

    found = [Diagnostic(4, 10, "KER101", "m"), Diagnostic(4, 30, "KER101", "m")]
    assert match([Expectation(4, "KER101", 11), Expectation(4, "KER101", 31)], found) == ([], [])
    missing, unexpected = match([Expectation(4, "KER101", 12), Expectation(4, "KER101", None)], found)
    assert missing == [Expectation(4, "KER101", 12)] and len(unexpected) == 1


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_has_positive_and_negative_fixtures(rule) -> None:
    files = [path for path in RULE_FIXTURES if path.name.startswith(rule.code)]
    assert files, f"{rule.code} has no fixture file"
    sources = [path.read_text(encoding="utf-8") for path in files]
    positives = sum(len([e for e in expected_findings(s) if e[1] == rule.code]) for s in sources)
    compile_calls = sum(s.count(".compile(") for s in sources)
    assert positives >= 3, f"{rule.code}: fewer than 3 positive cases"
    assert compile_calls > positives, f"{rule.code}: no negative case"


CLEAN = sorted((FIXTURES / "clean_programs").glob("*.py"))


@pytest.mark.parametrize("target", ["any", "2.0.4", "2.3.1", "tensorflow==2.1", "tensorflow==2.10", "tf-keras==2.17", "3"])
@pytest.mark.parametrize("path", CLEAN, ids=lambda path: path.name)
def test_clean_programs_have_no_findings(path: pathlib.Path, target: str) -> None:
    source = path.read_text(encoding="utf-8")
    diagnostics = analyse(source, filename=str(path), target=targeting.target_for(str(path), target))
    assert diagnostics == []


def test_clean_programs_exist() -> None:
    assert len(CLEAN) >= 4


def test_configuration_error_fixture_through_the_flake8_plugin() -> None:
    """KER002: the fixture's target, given as flake8's --keras-version, names no Keras release: the
    plugin reports exactly the expected KER002 and nothing else of keraslint's."""
    import argparse
    import ast

    from keraslint import flake8_plugin

    source = CONFIG_FIXTURE.read_text(encoding="utf-8")
    assert fixture_target(source) == "9.9"
    flake8_plugin.KerasLintPlugin.parse_options(argparse.Namespace(keras_version=fixture_target(source), isolated=True))
    try:
        plugin = flake8_plugin.KerasLintPlugin(ast.parse(source), source.splitlines(True), str(CONFIG_FIXTURE))
        reported = [(line, column + 1, message.split()[0]) for line, column, message, _ in plugin.run()]
        messages = [message for _, _, message, _ in plugin.run()]
    finally:
        flake8_plugin.KerasLintPlugin.parse_options(argparse.Namespace(keras_version=None, isolated=False))
    expected = [(item.line, item.column, item.code) for item in expectations(source)]
    assert reported == expected == [(1, 1, "KER002")]
    assert "keras-version" in messages[0] and "9.9" in messages[0] and "no KER checks run" in messages[0]
