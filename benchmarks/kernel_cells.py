#!/usr/bin/env python3
"""Per-cell overhead of the IPython extension (`%load_ext keraslint`) in a 100-cell session.

Sessions are the first `--cells` cells of generated notebooks (`make_corpus.py`, the notebook
shapes: cells of realistic Keras training code, helpers, plots and a sweep of experiments, about
25 lines a cell). Each cell goes through a real `IPython.core.interactiveshell.InteractiveShell`
with the extension loaded: transformation, history, keraslint's pre_run_cell / post_run_cell hooks
and AST transformer, in the order IPython runs them. No Keras is installed here, so an AST
transformer registered after keraslint's replaces each cell's body with `pass` once keraslint has
seen it: the user code itself is not run, everything IPython and keraslint do is.

Figures, per cell:

* **in hooks**: time spent inside keraslint's pre_run_cell + post_run_cell (what a user waits for);
* **run_cell delta**: `run_cell` wall time with the extension minus without it, same cells, same
  shell settings (noisier: it includes display publishing and IPython's own variance);
* **whole-session reference**: the same check with the engine given the whole session every
  time instead of the backward slice keraslint computes (`Session(slice=False)`), and whether the
  two show the same findings at the same cells (they must).

Usage::

    python benchmarks/kernel_cells.py                 # 3 notebooks x 100 cells, 3 repetitions
    python benchmarks/kernel_cells.py --quick         # 1 notebook, 1 repetition
    python benchmarks/kernel_cells.py --reference     # also the whole-session reference (slow)
    python benchmarks/kernel_cells.py --json out.json

Standard library plus IPython (pip install -e '.[test]').
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_corpus  # noqa: E402

CELL_MARK = re.compile(r"^# (?:In\[[^\]]*\]:|%%.*)$\n", re.M)
NBCONVERT_SYSTEM = re.compile(r"get_ipython\(\)\.system\((['\"])(.*)\1\)")
NBCONVERT_MAGIC = re.compile(r"get_ipython\(\)\.run_line_magic\((['\"])(\w+)\1, (['\"])(.*)\3\)")


def notebook_sessions(count: int, cells: int, seed: int = make_corpus.DEFAULT_SEED) -> list[tuple[str, list[str]]]:
    """(name, cells) of the first `count` generated notebooks with at least `cells` cells, with
    nbconvert's `get_ipython().system(...)` turned back into the `!` / `%` lines people type."""
    out = []
    index = 0
    while len(out) < count and index < 400:
        text, meta = make_corpus.make_file(index, seed, True)
        index += 1
        if meta["shape"] not in ("notebook", "percent"):
            continue
        parts = [part for part in CELL_MARK.split(text) if part.strip()]
        if len(parts) < cells:
            continue
        parts = [NBCONVERT_MAGIC.sub(r"%\2 \4", NBCONVERT_SYSTEM.sub(r"!\2", part)) for part in parts[:cells]]
        out.append((f"k{index - 1:03d}_{meta['shape']}_{meta['style']}", parts))
    return out


class _Blank(ast.NodeTransformer):
    """Runs after keraslint's transformer: nothing of the cell is executed."""

    def visit(self, node):  # noqa: ANN001, ANN201
        if isinstance(node, ast.Module):
            return ast.Module(body=[ast.Pass()], type_ignores=[])
        return node


def make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(config=config)
    shell.system = lambda command: None  # `!pip install ...` lines: never run
    for name in ("matplotlib", "pip", "time", "timeit"):
        shell.register_magic_function(lambda line="", cell=None: None, "line", name)
    return shell


def run_session(cells: list[str], *, extension: bool, slice_: bool = True) -> dict:
    from IPython.utils.capture import capture_output

    shell = make_shell()
    checker = None
    if extension:
        with capture_output():
            shell.run_cell("%load_ext keraslint", store_history=True)
        from keraslint import kernel

        checker = kernel.checker_for(shell)
        checker.session.slice = slice_
        checker.timings.clear()
    shell.ast_transformers.append(_Blank())  # after keraslint's gate: it sees each cell first
    walls = []
    shown: list[list[str]] = []
    gc.collect()
    for cell in cells:
        with capture_output() as captured:
            start = time.perf_counter()
            shell.run_cell(cell, store_history=True)
            walls.append(time.perf_counter() - start)
        shown.append([o.data.get("text/plain", "") for o in captured.outputs if "keraslint" in o.data.get("text/plain", "")])
    result = {"wall": walls, "shown": shown}
    if checker is not None:
        result["hooks"] = list(checker.timings)
        from keraslint import kernel

        kernel.unload_ipython_extension(shell)
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    return result


def summary(values: list[float]) -> dict:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]

    return {
        "median_ms": statistics.median(ordered) * 1e3,
        "p95_ms": pct(0.95) * 1e3,
        "max_ms": ordered[-1] * 1e3,
        "mean_ms": statistics.fmean(ordered) * 1e3,
    }


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        import IPython

        info["ipython"] = IPython.__version__
    except ImportError:  # pragma: no cover
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        if names:
            info["cpu"] = names[0]
    except OSError:
        pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=3)
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 notebook, 1 repetition")
    parser.add_argument("--reference", action="store_true",
                        help="also run the whole-session reference and compare what is shown (slow: the engine "
                             "then reads the whole session for every cell)")
    parser.add_argument("--keras", default="3.6.0",
                        help="the Keras version the kernel has (a stub distribution's metadata; no Keras "
                             "code), or 'none' (then no version is exact and the slices are larger)")
    parser.add_argument("--json", help="write every figure and timing here")
    args = parser.parse_args(argv)
    if args.quick:
        args.notebooks, args.repeat = 1, 1
    if args.keras != "none":
        import importlib
        import tempfile

        site = Path(tempfile.mkdtemp(prefix="keraslint-bench-")) / f"keras-{args.keras}.dist-info"
        site.mkdir()
        (site / "METADATA").write_text(f"Metadata-Version: 2.1\nName: keras\nVersion: {args.keras}\n")
        sys.path.insert(0, str(site.parent))
        importlib.invalidate_caches()
    sessions = notebook_sessions(args.notebooks, args.cells)
    report: dict = {"machine": machine(), "sessions": {}, "cells_per_session": args.cells, "keras": args.keras}
    hooks_all: list[float] = []
    delta_all: list[float] = []
    reference_all: list[float] = []
    mismatches = 0
    shown_cells = 0
    for name, cells in sessions:
        lines = sum(len(cell.splitlines()) for cell in cells)
        per_cell_hooks: list[list[float]] = []
        per_cell_with: list[list[float]] = []
        per_cell_without: list[list[float]] = []
        shown = None
        for _ in range(args.repeat):
            without = run_session(cells, extension=False)
            with_ = run_session(cells, extension=True)
            per_cell_without.append(without["wall"])
            per_cell_with.append(with_["wall"])
            per_cell_hooks.append(with_["hooks"])
            shown = with_["shown"]
        # per cell: the median over repetitions
        hooks = [statistics.median(run[i] for run in per_cell_hooks) for i in range(len(cells))]
        delta = [
            statistics.median(per_cell_with[r][i] for r in range(args.repeat))
            - statistics.median(per_cell_without[r][i] for r in range(args.repeat))
            for i in range(len(cells))
        ]
        entry = {"lines": lines, "hooks": summary(hooks), "run_cell_delta": summary(delta),
                 "cells_with_findings": sum(1 for s in shown if s)}
        shown_cells += entry["cells_with_findings"]
        if args.reference:
            reference = run_session(cells, extension=True, slice_=False)
            entry["reference_hooks"] = summary(reference["hooks"])
            reference_all.extend(reference["hooks"])
            differing = [i + 1 for i, (a, b) in enumerate(zip(shown, reference["shown"])) if a != b]
            entry["differing_cells"] = differing
            mismatches += len(differing)
        report["sessions"][name] = entry
        hooks_all.extend(hooks)
        delta_all.extend(delta)
        print(
            f"{name}: {len(cells)} cells, {lines} lines, findings shown in {entry['cells_with_findings']} cells; "
            f"in hooks median {entry['hooks']['median_ms']:.2f} ms, p95 {entry['hooks']['p95_ms']:.2f}, "
            f"max {entry['hooks']['max_ms']:.2f}; run_cell delta median {entry['run_cell_delta']['median_ms']:.2f} ms, "
            f"p95 {entry['run_cell_delta']['p95_ms']:.2f}"
            + (
                f"; whole-session reference median {entry['reference_hooks']['median_ms']:.2f} ms, "
                f"p95 {entry['reference_hooks']['p95_ms']:.2f}, max {entry['reference_hooks']['max_ms']:.2f}; "
                f"cells shown differently: {len(entry['differing_cells'])}"
                if "reference_hooks" in entry
                else ""
            ),
            flush=True,
        )
    report["all"] = {"hooks": summary(hooks_all), "run_cell_delta": summary(delta_all)}
    if reference_all:
        report["all"]["reference_hooks"] = summary(reference_all)
        report["all"]["differing_cells"] = mismatches
    m = report["machine"]
    print(
        f"\nall {len(hooks_all)} cells: in hooks median {report['all']['hooks']['median_ms']:.2f} ms, "
        f"p95 {report['all']['hooks']['p95_ms']:.2f} ms, max {report['all']['hooks']['max_ms']:.2f} ms; "
        f"run_cell delta median {report['all']['run_cell_delta']['median_ms']:.2f} ms, "
        f"p95 {report['all']['run_cell_delta']['p95_ms']:.2f} ms"
    )
    if reference_all:
        print(
            f"whole-session reference: median {report['all']['reference_hooks']['median_ms']:.2f} ms, "
            f"p95 {report['all']['reference_hooks']['p95_ms']:.2f} ms; cells whose shown findings differ: {mismatches}"
        )
    print(f"kernel's Keras: {args.keras}")
    print(
        f"machine: {m.get('cpus')} CPUs ({m.get('cpu', '?')}), {m['implementation']} {m['python']}, "
        f"IPython {m.get('ipython', '?')}, {m['platform']}, load average {m.get('load_average')}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
