"""Snapshots of what users read: every message on the fixtures, and the diffs the fixer writes.

    UPDATE (after an intended change of a message or a fix; then read the diff of tests/snapshots/):

        KERASLINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_snapshots.py

tests/snapshots/ holds:
  - messages-<target>.txt: every finding of every rule on fixtures/KER*.py with keras-version set to
    `any`, `2.0.4`, `2.15` and `3`: `path:line:column: CODE message (severity)`, the column 1-based as
    flake8 prints it, followed by the fix the finding offers, if any, and its safety;
  - fix.diff and unsafe-fixes.diff: the unified diff of `keraslint check --fix` (safe fixes only) and
    `--fix --unsafe-fixes` on each fixture, with the fixture's own target (its `# keraslint-target:`).

A failing test prints the difference between the stored snapshot and the current output. Messages
change when rules change: update the snapshots in the same commit, after reading the new messages
against ../shared/keras-semantics.md. With KERASLINT_UPDATE_SNAPSHOTS=1 the tests rewrite the files
and pass.
"""

from __future__ import annotations

import difflib
import os
import pathlib
import re

import pytest

from keraslint import fixer, targeting
from keraslint.engine import analyse
from keraslint.settings import Settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
SNAPSHOTS = pathlib.Path(__file__).resolve().parent / "snapshots"
FIXTURES = sorted(path for path in (ROOT / "fixtures").glob("KER*.py") if path.name[:6] not in ("KER001", "KER002"))
TARGETS = ("any", "2.0.4", "2.15", "3")
UPDATE = os.environ.get("KERASLINT_UPDATE_SNAPSHOTS") == "1"
UPDATE_COMMAND = "KERASLINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_snapshots.py"
_TARGET = re.compile(r"^#\s*keraslint-target:\s*(.+?)\s*$")


def relative(path: pathlib.Path) -> str:
    return path.relative_to(ROOT).as_posix()


def own_target(source: str) -> str:
    first = source.splitlines()[0] if source else ""
    match = _TARGET.match(first)
    return match.group(1) if match else "any"


def messages(target: str) -> str:
    out = [
        f"# Every finding on fixtures/KER*.py with keras-version={target}, all rules.",
        f"# Regenerate: {UPDATE_COMMAND}",
    ]
    for path in FIXTURES:
        name = relative(path)
        source = path.read_text(encoding="utf-8")
        for d in analyse(source, filename=name, target=targeting.target_for(name, target)):
            out.append(f"{name}:{d.line}:{d.column + 1}: {d.code} {d.message}")
            if d.fix is not None:
                out.append(f"    fix ({'safe' if d.fix.safe else 'unsafe'}): {d.fix.description}")
    return "\n".join(out) + "\n"


def fix_diffs(unsafe: bool) -> str:
    flag = "--fix --unsafe-fixes" if unsafe else "--fix"
    out = [
        f"# keraslint check {flag} on each fixtures/KER*.py, with the fixture's own target.",
        f"# Regenerate: {UPDATE_COMMAND}",
    ]
    for path in FIXTURES:
        name = relative(path)
        source = path.read_text(encoding="utf-8")
        result = fixer.fix_source(source, filename=name, settings=Settings(own_target(source)), unsafe=unsafe)
        if result.error is not None:
            out.append(f"# {name}: {result.error}")
        out.append(fixer.unified_diff(source, result.text, f"a/{name}", f"b/{name}").rstrip("\n"))
    return "\n".join(line for line in out if line) + "\n"


SNAPSHOT_FILES = {f"messages-{target}.txt": (lambda target=target: messages(target)) for target in TARGETS}
SNAPSHOT_FILES["fix.diff"] = lambda: fix_diffs(unsafe=False)
SNAPSHOT_FILES["unsafe-fixes.diff"] = lambda: fix_diffs(unsafe=True)


def check_snapshot(name: str, current: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != current:
            path.write_text(current, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path.relative_to(ROOT)}; create it with:\n    {UPDATE_COMMAND}"
    stored = path.read_text(encoding="utf-8")
    if stored != current:
        diff = "".join(difflib.unified_diff(
            stored.splitlines(keepends=True), current.splitlines(keepends=True),
            fromfile=f"{name} (stored)", tofile=f"{name} (now)", n=1,
        ))
        pytest.fail(
            f"{name} differs from the snapshot. If the change is intended, read it, then run\n"
            f"    {UPDATE_COMMAND}\n\n{diff}",
            pytrace=False,
        )


@pytest.mark.parametrize("name", sorted(SNAPSHOT_FILES))
def test_snapshot(name: str) -> None:
    check_snapshot(name, SNAPSHOT_FILES[name]())


def test_no_stale_snapshot_files() -> None:
    stored = {path.name for path in SNAPSHOTS.glob("*") if path.is_file()}
    assert stored <= set(SNAPSHOT_FILES), f"snapshot files nothing writes: {sorted(stored - set(SNAPSHOT_FILES))}"


def test_snapshots_are_not_empty() -> None:
    """Each snapshot holds findings or edits, so that comparing it means something."""
    if UPDATE:
        pytest.skip("updating")
    for name in SNAPSHOT_FILES:
        body = [line for line in (SNAPSHOTS / name).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        assert len(body) > 20, name


def test_a_changed_message_fails_with_the_difference(tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.setitem(globals(), "SNAPSHOTS", tmp_path)
    monkeypatch.setitem(globals(), "UPDATE", False)
    (tmp_path / "x.txt").write_text("a\nb\n", encoding="utf-8")
    check_snapshot("x.txt", "a\nb\n")
    with pytest.raises(pytest.fail.Exception) as failure:
        check_snapshot("x.txt", "a\nc\n")
    assert "-b\n+c" in str(failure.value) and UPDATE_COMMAND in str(failure.value)
