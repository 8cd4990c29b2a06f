"""Rule objects are the single source of their documentation; examples must behave as documented."""

from __future__ import annotations

import pathlib
import re

import pytest

from keraslint import docgen, targeting
from keraslint.engine import analyse
from keraslint.rules import ALL_RULES
from keraslint.settings import Settings

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_example_fires_and_use_instead_is_silent(rule) -> None:
    settings = Settings(rule.example_target or "any")
    target = targeting.target_for(None, settings.keras_version)
    example = analyse(rule.example, target=target, rules=[rule])
    assert [d.code for d in example] == [rule.code]
    assert analyse(rule.use_instead, target=target, rules=[rule]) == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_declares_what_the_docs_need(rule) -> None:
    assert re.fullmatch(r"KER[0-9]{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert rule.severity in {"wrong-number", "broken", "degraded", "crash", "style"}
    assert rule.fix_safety in {"safe", "unsafe", None}
    for section in ("## What it does", "## Why is this bad?", "## Fix safety"):
        assert section in (rule.__doc__ or ""), f"{rule.code} lacks {section}"


def test_rules_are_registered_sorted_and_unique() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)


def test_no_rule_class_is_left_out_of_the_registry() -> None:
    import importlib
    import inspect
    import pkgutil

    import keraslint.rules as package
    from keraslint.rules.base import Rule

    registered = {type(rule) for rule in ALL_RULES}
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"keraslint.rules.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Rule) and cls is not Rule and cls.__module__ == module.__name__:
                assert cls in registered, f"{cls.__name__} is not in ALL_RULES"


def test_readme_rule_table_is_fresh() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docgen.replace_table(readme) == readme, "run: python -m keraslint.docgen"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_pages_are_fresh(rule) -> None:
    page = ROOT / "docs" / "rules" / f"{rule.code}.md"
    assert page.read_text(encoding="utf-8") == docgen.rule_page(rule), "run: python -m keraslint.docgen"


def test_docgen_outside_a_checkout_writes_nothing_and_says_why(tmp_path, capsys) -> None:
    assert docgen.main([str(tmp_path)]) == 2
    assert "is not keraslint's README" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
