"""Each fixture file states, per line, the findings its rule must report (`# expect: KERxxx`).

Only that file's rule runs; the set of (line, code) must be exactly the expected set.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from keraslint.engine import analyse
from keraslint.rules import ALL_RULES, RULES_BY_CODE
from keraslint.settings import Settings

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(KER\d{3}(?:\s*,\s*KER\d{3})*)")
_TARGET = re.compile(r"^#\s*keraslint-target:\s*(.+?)\s*$")

RULE_FIXTURES = sorted(FIXTURES.glob("KER*.py"))


def expected_findings(source: str) -> set[tuple[int, str]]:
    expected = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for code in re.split(r"\s*,\s*", match.group(1)):
                expected.add((number, code))
    return expected


def fixture_target(source: str) -> str:
    first = source.splitlines()[0] if source else ""
    match = _TARGET.match(first)
    return match.group(1) if match else "any"


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda path: path.name)
def test_fixture_findings_match_expectations(path: pathlib.Path) -> None:
    code = path.name[:6]
    rule = RULES_BY_CODE[code]
    source = path.read_text(encoding="utf-8")
    diagnostics = analyse(source, filename=str(path), settings=Settings(fixture_target(source)), rules=[rule])
    found = {(diagnostic.line, diagnostic.code) for diagnostic in diagnostics}
    expected = {item for item in expected_findings(source) if item[1] == code}
    assert not any(d.code == "KER001" for d in diagnostics)
    assert found == expected, (
        f"missing: {sorted(expected - found)}; unexpected: {sorted(found - expected)}"
    )


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
    diagnostics = analyse(source, filename=str(path), settings=Settings(target))
    assert diagnostics == []


def test_clean_programs_exist() -> None:
    assert len(CLEAN) >= 4
