"""Rule documentation generated from the rule objects: the README table and docs/rules/*.md."""

from __future__ import annotations

import inspect
import pathlib

from keraslint.diagnostics import CONFIG_ERROR_CODE, CONFIG_ERROR_NAME, INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME
from keraslint.rules import ALL_RULES, Rule

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def fix_text(rule: Rule) -> str:
    if rule.fix_safety is None:
        return "none"
    if rule.fix_applied:
        return f"{rule.fix_safety}, applied by `keraslint check --fix`" if rule.fix_safety == "safe" else (
            f"{rule.fix_safety}, applied with `--fix --unsafe-fixes`"
        )
    return "documented, not applied"


def rules_table() -> str:
    rows = [
        "| code | name | what it catches | wrong on | severity | fix |",
        "|---|---|---|---|---|---|",
    ]
    for rule in ALL_RULES:
        rows.append(
            f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} | {rule.summary} | "
            f"{rule.wrong_on_text()} | {rule.severity} | {fix_text(rule)} |"
        )
    rows.append(
        f"| {INTERNAL_ERROR_CODE} | {INTERNAL_ERROR_NAME} | keraslint could not analyse the file "
        "(reported once per file, never a crash of the host) | - | - | none |"
    )
    rows.append(
        f"| {CONFIG_ERROR_CODE} | {CONFIG_ERROR_NAME} | inside flake8 only: a bad keraslint setting (one finding at "
        "line 1 naming the setting and what it accepts; flake8's other checks still run) | - | - | none |"
    )
    return "\n".join(rows)


def rule_page(rule: Rule) -> str:
    body = inspect.cleandoc(rule.__doc__ or "")
    target = f" (checked with `--keras-version {rule.example_target}`)" if rule.example_target else ""
    return (
        f"# {rule.code} {rule.name}\n\n"
        f"{rule.summary[0].upper()}{rule.summary[1:]}. Wrong on: {rule.wrong_on_text()}. "
        f"Severity: {rule.severity}. Fix: {fix_text(rule)}.\n\n"
        f"{body}\n\n"
        f"## Example{target}\n\n```python\n{rule.example}```\n\n"
        f"## Use instead\n\n```python\n{rule.use_instead}```\n"
    )


def replace_table(readme: str) -> str:
    start = readme.index(TABLE_START) + len(TABLE_START)
    end = readme.index(TABLE_END)
    return readme[:start] + "\n" + rules_table() + "\n" + readme[end:]


def write_docs(root: pathlib.Path) -> list[pathlib.Path]:
    """Regenerate docs/rules/*.md and the README table under `root`; returns the files written."""
    written = []
    pages = root / "docs" / "rules"
    pages.mkdir(parents=True, exist_ok=True)
    for rule in ALL_RULES:
        path = pages / f"{rule.code}.md"
        path.write_text(rule_page(rule), encoding="utf-8")
        written.append(path)
    readme = root / "README.md"
    readme.write_text(replace_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    written.append(readme)
    return written


def main(argv: list[str]) -> int:
    """`python -m keraslint.docgen [ROOT]`, ROOT being a checkout of this project (default: here)."""
    import sys

    root = pathlib.Path(argv[0] if argv else ".")
    readme = root / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError:
        text = ""
    if TABLE_START not in text or TABLE_END not in text:
        sys.stderr.write(f"keraslint.docgen: error: {readme} is not keraslint's README (run it in a checkout)\n")
        return 2
    for path in write_docs(root):
        print(path)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
