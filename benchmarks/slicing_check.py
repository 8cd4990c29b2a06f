#!/usr/bin/env python3
"""Check that the statement slicer never changes a result, on a folder of real code.

keraslint walks only the statements the facts need (``reduce.irrelevant_statements``). This script
computes every file's diagnostics twice, with the slicer and with every statement walked
(``file_facts(..., slice_statements=False)``), for several version targets, and prints the files
whose (line, column, code, message) differ. ``tests/test_slicing.py`` runs the same comparison on
the fixtures and generated programs; this script is for corpora that stay outside the repository,
such as the development corpus (``../shared/devcorpus/README.md``)::

    bash ../shared/devcorpus/materialize.sh /work/devcorpus    # once, outside the repository
    python benchmarks/slicing_check.py /work/devcorpus

Notebooks (``.ipynb``, or any file whose content is notebook JSON) are checked as keraslint checks
them: their code cells joined into one module. Lines are those of the joined module.

Exit status: 0 when slicing changed nothing, 1 when some file differs, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "src"))

from keraslint import targeting  # noqa: E402
from keraslint.analysis.facts import file_facts  # noqa: E402
from keraslint.engine import run_rules  # noqa: E402
from keraslint.versions import ALL_VERSION_LINES, VersionLine  # noqa: E402
from keraslint.notebooks import Notebook, NotebookError, looks_like_notebook  # noqa: E402

TARGETS: dict[str, frozenset[VersionLine]] = {
    "all": ALL_VERSION_LINES,
    "L1": frozenset({VersionLine.L1}),
    "L3": frozenset({VersionLine.L3}),
    "L5": frozenset({VersionLine.L5}),
}

Row = tuple[int, int, str, str]


def findings(source: str, tree: ast.Module, sliced: bool, lines: frozenset[VersionLine]) -> list[Row]:
    facts = file_facts(source, tree, slice_statements=sliced)
    if facts is None:
        return []
    return [(d.line, d.column, d.code, d.message) for d in run_rules(facts, targeting.UNKNOWN_TARGET, None, lines)]


def compare(source: str, targets: dict[str, frozenset[VersionLine]] = TARGETS) -> dict[str, tuple[list[Row], list[Row]]]:
    """Per target, (only with slicing, only without) for a module; empty when they agree.

    An exception in either run is a difference too: it is shown as a KER001 row."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    differences = {}
    for name, lines in targets.items():
        runs = []
        for sliced in (True, False):
            try:
                runs.append(findings(source, tree, sliced, lines))
            except Exception as error:  # noqa: BLE001 - reported, never fatal
                runs.append([(1, 0, "KER001", f"{type(error).__name__}: {error}")])
        with_slicer, without = runs
        if with_slicer != without:
            differences[name] = (
                [row for row in with_slicer if row not in without],
                [row for row in without if row not in with_slicer],
            )
    return differences


def module_source(path: Path) -> str | None:
    """The Python module keraslint analyses for this file, or None (not Python, not readable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if path.suffix == ".ipynb" or looks_like_notebook(text[:200]):
        try:
            notebook = Notebook(text)
        except NotebookError:
            return None
        return notebook.joined if notebook.is_python else None
    return text


def findings_for_all(source: str) -> list[Row]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
    return findings(source, tree, True, ALL_VERSION_LINES)



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders (searched recursively) or files")
    options = parser.parse_args(argv)
    paths: list[Path] = []
    for folder in options.folders:
        if folder.is_file():
            paths.append(folder)
        elif folder.is_dir():
            paths.extend(sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file()))
        else:
            print(f"slicing_check: {folder}: no such file or folder", file=sys.stderr)
            return 2
    start = time.perf_counter()
    checked = with_findings = differing = 0
    for path in paths:
        source = module_source(path)
        if source is None:
            continue
        checked += 1
        differences = compare(source)
        try:
            with_findings += bool(findings_for_all(source))
        except Exception:  # noqa: BLE001 - not Python, or shown by compare() as KER001
            pass
        if not differences:
            continue
        differing += 1
        print(f"DIFFERS {path}")
        for target, (sliced_only, unsliced_only) in differences.items():
            for row in sliced_only:
                print(f"  [{target}] only with slicing:    {row[0]}:{row[1]} {row[2]} {row[3]}")
            for row in unsliced_only:
                print(f"  [{target}] only without slicing: {row[0]}:{row[1]} {row[2]} {row[3]}")
    elapsed = time.perf_counter() - start
    print(
        f"{checked} files checked ({with_findings} with findings), {differing} differ between slicing and no "
        f"slicing, targets {', '.join(TARGETS)}; {elapsed:.1f} s"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
