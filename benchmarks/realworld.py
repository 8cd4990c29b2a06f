#!/usr/bin/env python3
"""Run keraslint over the real-code development corpus and compare with the triage table.

The development corpus (``../shared/devcorpus/README.md``) is 746 third-party Keras files with
1,079 ``compile()`` sites.  Materialize it once, outside the repository::

    bash ../shared/devcorpus/materialize.sh /work/devcorpus

then, from the project root::

    python benchmarks/realworld.py /work/devcorpus                        # target auto
    python benchmarks/realworld.py /work/devcorpus --keras-version era    # each file on its era
    python benchmarks/realworld.py /work/devcorpus --keras-version 2.15   # any version keraslint accepts
    python benchmarks/realworld.py /work/devcorpus --only keras-rl/keras-rl   # one repository
    python benchmarks/realworld.py /work/devcorpus --update               # append new findings as '?'

Every finding is reduced to ``(target, repo, path, cell, line, code)``: ``repo`` is ``owner/name``
(from the ``owner+name`` top folder), ``cell`` indexes ``nb["cells"]`` from 0 as in ``sites.tsv``
(``-`` for ``.py``), ``line`` is inside the cell.  ``target`` is the ``--keras-version`` value
(``auto`` by default); with ``era`` each file runs on the version of the Keras its imports show
(standalone ``keras`` → 2.0.4, ``tf.keras`` or both → 2.15, Keras 3 only APIs → 3) and its rows
carry that version.

The triage table (``benchmarks/realworld_triage.tsv``) has one row per finding::

    target  repo  path  cell  line  code  verdict  reason

with verdict ``true``, ``false`` or ``?`` (not triaged yet).  The script prints the findings that
are NEW (not in the table), GONE (in the table for this target and these files, no longer
reported), FALSE (triaged false and still reported) and UNTRIAGED (``?``), then the figures:
compile sites, findings by code, true/false/untriaged and false alarms per 1,000 compile sites.

Exit status: 0 when nothing is new, false or untriaged; 1 otherwise; 2 on a usage or run error.
Standard library only; Python 3.10+.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TABLE_COLUMNS = ["target", "repo", "path", "cell", "line", "code", "verdict", "reason"]
VERDICTS = ("true", "false", "?")

# Per-file era (used by --keras-version era).  A hint from the imports, like the corpus's own
# API column: Keras 3 only APIs first, then tf.keras, then standalone keras.
KERAS3_MARKS = re.compile(
    r"\bkeras_(?:nlp|hub|core)\b|\bkeras\.ops\b|from keras import[^\n]*\bops\b|\bkeras\.src\b"
    r"|\bkeras\.config\.|KERAS_BACKEND['\"]?\]?\s*=\s*['\"](?:jax|torch)")
TF_KERAS_MARKS = re.compile(
    r"tensorflow\.keras|\btf\.keras\b|from tensorflow import[^\n]*\bkeras\b|tensorflow\.python\.keras"
    r"|\btf_keras\b")
STANDALONE_MARKS = re.compile(r"^\s*(?:from|import)\s+keras\b", re.M)
ERA_VERSIONS = {"keras3": "3", "tf.keras": "2.15", "keras": "2.0.4"}


@dataclass(frozen=True, order=True)
class Key:
    """What identifies a finding across runs (columns are not stable enough to include)."""

    target: str
    repo: str
    path: str
    cell: str
    line: int
    code: str

    def where(self) -> str:
        cell = "" if self.cell == "-" else f" cell {self.cell}"
        return f"{self.repo}/{self.path}{cell}:{self.line}"


def default_corpus() -> Path:
    # materialize.sh writes to $TMPDIR/devcorpus (or /tmp/devcorpus) by default; the checkout's
    # sibling folder is the other usual place.
    candidates = [Path(os.environ.get("TMPDIR") or "/tmp") / "devcorpus", Path("/tmp/devcorpus"),
                  PROJECT_ROOT.parent / "devcorpus"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


def corpus_files(corpus: Path, only: list[str]) -> list[str]:
    """Relative paths of every .py / .ipynb file, optionally under the given repos or folders."""
    prefixes = [p.replace("/", "+", 1).rstrip("/") + "/" for p in only]
    files = []
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for name in sorted(names):
            if name.endswith((".py", ".ipynb")):
                rel = (Path(root) / name).relative_to(corpus).as_posix()
                if not prefixes or any(rel.startswith(p) for p in prefixes):
                    files.append(rel)
    return files


def code_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return text
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        return text
    return "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                     else str(c.get("source", "")) for c in cells if c.get("cell_type") == "code")


def era_version(path: Path) -> str | None:
    """The Keras version a file was written for, or None when its imports do not say."""
    code = code_text(path)
    if KERAS3_MARKS.search(code):
        return ERA_VERSIONS["keras3"]
    if TF_KERAS_MARKS.search(code):  # tf.keras, alone or with `import keras` (2.4+ re-exports it)
        return ERA_VERSIONS["tf.keras"]
    if STANDALONE_MARKS.search(code):
        return ERA_VERSIONS["keras"]
    return None


def split_path(rel: str) -> tuple[str, str]:
    top, _, rest = rel.partition("/")
    return top.replace("+", "/", 1), rest


def run_keraslint(command: list[str], corpus: Path, files: list[str], version: str | None
                  ) -> tuple[list[dict], list[str]]:
    """One keraslint process over the files; returns (findings, stderr lines)."""
    args = [*command, "check", "--format", "json"]
    if version is not None:
        args += ["--keras-version", version]
    # 1 = findings, 2 = some input could not be parsed (reported on stderr): both still print JSON.
    proc = subprocess.run([*args, "--", *files], cwd=corpus, capture_output=True, text=True)
    try:
        findings = json.loads(proc.stdout or "[]")
    except ValueError:
        sys.exit(f"keraslint exited {proc.returncode} without JSON output:\n{proc.stderr[-2000:]}")
    return findings, proc.stderr.splitlines()


def normalise(finding: dict, target: str) -> Key:
    repo, path = split_path(finding["path"].replace(os.sep, "/"))
    cell = "-" if finding.get("cell") is None else str(int(finding["cell"]) - 1)  # printed from 1
    return Key(target, repo, path, cell, int(finding["line"]), finding["code"])


def read_sites(sites: Path) -> Counter:
    """Compile sites per (repo, path)."""
    counts: Counter = Counter()
    with sites.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            counts[(row["repo"], row["path"])] += 1
    return counts


def read_table(table: Path) -> dict[Key, dict]:
    rows: dict[Key, dict] = {}
    if not table.exists():
        return rows
    with table.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = Key(row["target"], row["repo"], row["path"], row["cell"], int(row["line"]),
                      row["code"])
            if row["verdict"] not in VERDICTS:
                sys.exit(f"{table}: verdict must be one of {VERDICTS}: {key.where()} {key.code}")
            rows[key] = row
    return rows


def write_table(table: Path, rows: dict[Key, dict]) -> None:
    def order(key: Key):
        # numeric cell order, with '-' (a .py file) first
        return (key.target, key.repo, key.path, -1 if key.cell == "-" else int(key.cell), key.line,
                key.code)

    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n",
                            escapechar="\\")
        writer.writerow(TABLE_COLUMNS)
        for key in sorted(rows, key=order):
            writer.writerow([rows[key][c] for c in TABLE_COLUMNS])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=default_corpus(),
                        help="materialized corpus folder (default: %(default)s)")
    parser.add_argument("--triage", type=Path, default=PROJECT_ROOT / "benchmarks/realworld_triage.tsv",
                        help="triage table (default: %(default)s)")
    parser.add_argument("--keras-version", default=None,
                        help="passed to keraslint; 'era' = each file on the version its imports "
                             "show (default: keraslint's auto, recorded as target 'auto')")
    parser.add_argument("--sites", type=Path,
                        default=PROJECT_ROOT.parent / "shared/devcorpus/sites.tsv",
                        help="the corpus's sites.tsv, for the compile-site count (default: %(default)s)")
    parser.add_argument("--keraslint", default=str(Path(sys.executable).parent / "keraslint"),
                        help="keraslint command, split like a shell would (default: %(default)s)")
    parser.add_argument("--only", action="append", default=[], metavar="REPO[/FOLDER]",
                        help="check only this repository or folder (repeatable)")
    parser.add_argument("--update", action="store_true",
                        help="append findings not in the table with verdict '?'")
    opts = parser.parse_args(argv)

    corpus = opts.corpus.resolve()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}: run bash ../shared/devcorpus/materialize.sh {corpus}",
              file=sys.stderr)
        return 2
    if PROJECT_ROOT in corpus.parents or corpus == PROJECT_ROOT:
        print("the corpus must stay outside the repository", file=sys.stderr)
        return 2
    files = corpus_files(corpus, opts.only)
    if not files:
        print(f"no .py / .ipynb files under {corpus} for {opts.only}", file=sys.stderr)
        return 2

    # Which files run under which target: one group normally, up to three with 'era'.
    groups: dict[str, tuple[str | None, list[str]]] = {}
    unassigned: list[str] = []
    if opts.keras_version == "era":
        for rel in files:
            version = era_version(corpus / rel)
            if version is None:
                unassigned.append(rel)
            else:
                groups.setdefault(version, (version, []))[1].append(rel)
    else:
        target = opts.keras_version or "auto"
        groups[target] = (opts.keras_version, files)

    command = shlex.split(opts.keraslint)
    started = time.perf_counter()
    reported: dict[Key, dict] = {}
    stderr_lines: list[str] = []
    for target, (version, group_files) in sorted(groups.items()):
        findings, errors = run_keraslint(command, corpus, group_files, version)
        stderr_lines += errors
        for finding in findings:
            # Two findings of one code on one line (e.g. two metrics) collapse into one row.
            reported.setdefault(normalise(finding, target), finding)
    elapsed = time.perf_counter() - started

    table = read_table(opts.triage)
    checked = {split_path(rel) + (target,) for target, (_, fs) in groups.items() for rel in fs}
    in_scope = {k: r for k, r in table.items() if (k.repo, k.path, k.target) in checked}
    new = sorted(k for k in reported if k not in table)
    gone = sorted(k for k in in_scope if k not in reported)
    false = sorted(k for k in reported if k in table and table[k]["verdict"] == "false")
    untriaged = sorted(k for k in reported if k in table and table[k]["verdict"] == "?")

    def show(title: str, keys: list[Key], note) -> None:
        if keys:
            print(f"{title} ({len(keys)})")
            for k in keys:
                print(f"  [{k.target}] {k.where()} {k.code} {note(k)}")
            print()

    show("NEW: not in the triage table", new, lambda k: reported[k]["message"])
    show("GONE: triaged, no longer reported", gone,
         lambda k: f"(was {table[k]['verdict']}: {table[k]['reason']})")
    show("FALSE: triaged false, still reported", false, lambda k: f"-- {table[k]['reason']}")
    show("UNTRIAGED: verdict '?'", untriaged, lambda k: reported[k]["message"])

    sites = read_sites(opts.sites) if opts.sites.exists() else None
    site_count = (sum(sites[split_path(rel)] for rel in files if rel not in unassigned)
                  if sites is not None else 0)
    verdicts = Counter(table[k]["verdict"] if k in table else "?" for k in reported)
    by_code = Counter(k.code for k in reported)
    unparsed = sum("cannot parse" in line for line in stderr_lines)

    print(f"targets        : {', '.join(sorted(groups))}"
          + (f" ({len(unassigned)} files without a Keras import left out)" if unassigned else ""))
    print(f"files          : {len(files) - len(unassigned)} checked in {elapsed:.1f} s"
          f" ({unparsed} files or cells keraslint could not parse)")
    print(f"compile sites  : {site_count}" if sites is not None
          else f"compile sites  : unknown ({opts.sites} not found)")
    print(f"findings       : {len(reported)}  "
          + " ".join(f"{code}:{n}" for code, n in sorted(by_code.items())))
    print(f"triaged        : true {verdicts['true']}, false {verdicts['false']}, "
          f"untriaged {verdicts['?']} (new {len(new)}), gone {len(gone)}")
    if site_count:
        print(f"false alarms   : {1000 * verdicts['false'] / site_count:.1f} per 1,000 compile sites"
              + (f" (at most {1000 * (verdicts['false'] + verdicts['?']) / site_count:.1f} counting"
                 " untriaged)" if verdicts["?"] else ""))
    if len(groups) > 1 and sites is not None:
        # With 'era', the same figures per target.
        for target, (_, group_files) in sorted(groups.items()):
            keys = [k for k in reported if k.target == target]
            false_here = sum(table.get(k, {}).get("verdict") == "false" for k in keys)
            print(f"  {target:<12} : {len(group_files)} files, "
                  f"{sum(sites[split_path(rel)] for rel in group_files)} sites, "
                  f"{len(keys)} findings, {false_here} false")
    for line in stderr_lines:
        if "cannot parse" not in line:  # anything else on stderr deserves a look
            print(f"keraslint: {line}", file=sys.stderr)

    if opts.update and new:
        for k in new:
            table[k] = {"target": k.target, "repo": k.repo, "path": k.path, "cell": k.cell,
                        "line": str(k.line), "code": k.code, "verdict": "?",
                        "reason": reported[k]["message"].replace("\t", " ")}
        write_table(opts.triage, table)
        print(f"appended {len(new)} rows with verdict '?' to {opts.triage}")

    return 0 if not (new or false or untriaged) else 1


if __name__ == "__main__":
    sys.exit(main())
