#!/usr/bin/env python3
"""Time flake8 with and without keraslint on the same files, in one run.

Two configurations, identical except for the plugin:

* **with**: ``flake8`` of a virtual environment holding flake8 and its own
  plugins at the versions of the interpreter running this script, plus keraslint
  (editable, from this checkout) and its dependencies (created once under
  ``benchmarks/.cache/``; when pip cannot build it, the running interpreter,
  which must have keraslint installed: ``pip install -e .``);
* **without**: ``flake8`` of a second virtual environment holding only flake8
  and its own plugins at exactly the same versions (created once with
  ``python -m venv`` + pip under ``benchmarks/.cache/``).

Both run as ``flake8 --isolated -j N FILES`` with the default checks.  The two
configurations alternate (ABBA order) for ``--repeat`` repetitions; medians and
the with/without ratio are reported for the generated Keras corpus and for a
fixed subset of the standard library, single process (``-j 1``) and ``-j 2``.
Also measured: the editor case (one flake8 process on one ~300-line training
script), the per-stage cost from ``keraslint.engine.profile_stages`` in ms per
1,000 lines, and peak memory (tracemalloc) on the largest corpus file against
``libcst.parse_module`` of the same file.

Usage::

    python benchmarks/run.py                 # full run (several minutes)
    python benchmarks/run.py --quick         # fewer files, 3 repetitions
    python benchmarks/run.py --json out.json # also write the figures as JSON

Standard library only (plus flake8, libcst and keraslint, which it measures).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata as md
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
DEFAULT_CORPUS = HERE / ".corpus" / "keras"

# Targets: the brief (<= 1.10x on Keras scripts, <= 1.02x elsewhere, <= +50 ms per editor lint).
TARGET_KERAS_RATIO = 1.10
TARGET_STDLIB_RATIO = 1.02
TARGET_EDITOR_ADDED_MS = 50.0
TARGET_MEMORY_RATIO = 4.0

STAGES = ("gate", "parse", "facts", "rules")
BASELINE_DISTS = ("flake8", "pycodestyle", "pyflakes", "mccabe")
KERASLINT_DEPENDENCIES = ("libcst", "packaging", "pyyaml", "typing-extensions")  # pinned as installed here
EXCLUDED_STDLIB_DIRS = {
    "test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__",
}

# Runs flake8 exactly like `python -m flake8`, then reports on stderr whether
# LibCST was imported in this (the main) process.
FLAKE8_PROBE = (
    "import sys\n"
    "from flake8.main.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    sys.stderr.write('\\n__bench__ libcst=%d\\n' % ('libcst' in sys.modules))\n"
    "sys.exit(code)\n"
)


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def count_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def version_of(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def venv_python(root: Path) -> Path:
    if os.name == "nt":
        return root / "Scripts" / "python.exe"
    return root / "bin" / "python"


def clean_env() -> dict[str, str]:
    """The environment for every measured child process, the same for both
    configurations.  Byte-code caching is switched on (as on a developer's
    machine) but kept under benchmarks/.cache/pycache, so nothing is written
    next to the sources; the warm-up run fills it for both environments."""
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    return env


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    mem = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    mem = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": ncpu,
        "memory_gib": mem,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "flake8": version_of("flake8"),
        "pycodestyle": version_of("pycodestyle"),
        "pyflakes": version_of("pyflakes"),
        "libcst": version_of("libcst"),
        "keraslint": version_of("keraslint"),
    }


# --------------------------------------------------------------------------
# the baseline environment (flake8 without keraslint)
# --------------------------------------------------------------------------


ENTRY_POINTS_CODE = (
    "import importlib.metadata as m, json\n"
    "eps = m.entry_points()\n"
    "groups = ('flake8.extension', 'flake8.report')\n"
    "sel = [ep for g in groups for ep in (eps.select(group=g) if hasattr(eps, 'select') else eps.get(g, []))]\n"
    "print(json.dumps(sorted(f'{ep.group}:{ep.name}={ep.value}' for ep in sel)))\n"
)


def flake8_version_line(python: Path | str) -> str:
    out = subprocess.run(
        [str(python), "-m", "flake8", "--version"], capture_output=True, text=True, env=clean_env(), check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{python} -m flake8 --version failed:\n{out.stderr}")
    return " ".join(out.stdout.split())


def flake8_plugins(python: Path | str) -> list[str]:
    """The flake8 entry points visible to `python` (group:name=module:attr)."""
    out = subprocess.run(
        [str(python), "-c", ENTRY_POINTS_CODE], capture_output=True, text=True, env=clean_env(), check=True
    )
    return json.loads(out.stdout)


def _mirror_install(site: Path) -> None:
    """Offline fallback: link the four distributions from this interpreter."""
    for dist_name in BASELINE_DISTS:
        dist = md.distribution(dist_name)
        tops: set[str] = set()
        for f in dist.files or []:
            first = f.parts[0]
            if first in ("..", "__pycache__") or first.endswith(".pth"):
                continue
            tops.add(first)
        for top in sorted(tops):
            src = Path(str(dist.locate_file(top)))
            dst = site / top
            if src.exists() and not dst.exists():
                dst.symlink_to(src, target_is_directory=src.is_dir())


def _built_for(root: Path, want: dict) -> bool:
    """Whether `root` holds a virtual environment built for `want` (its marker file says so)."""
    marker = root / "bench-versions.json"
    if not (marker.exists() and venv_python(root).exists()):
        return False
    try:
        have = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return {k: have.get(k) for k in want} == want


def _new_venv(root: Path, requirements: list[str]) -> subprocess.CompletedProcess:
    """A fresh virtual environment in `root` and pip's attempt to install `requirements` in it."""
    if root.exists():
        shutil.rmtree(root)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    return subprocess.run(
        [str(venv_python(root)), "-m", "pip", "install", "--disable-pip-version-check", "-q", *requirements],
        capture_output=True, text=True, env=clean_env(), check=False,
    )


def ensure_baseline(force: bool = False) -> Path:
    """A venv with only flake8 (same versions as here); created once, cached."""
    pins = {d: version_of(d) for d in BASELINE_DISTS}
    missing = [d for d, v in pins.items() if v is None]
    if missing:
        raise SystemExit(f"not installed in this interpreter: {', '.join(missing)}")
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}-flake8-{pins['flake8']}"
    root = CACHE / f"flake8-only-{tag}"
    marker = root / "bench-versions.json"
    want = {"python": platform.python_version(), "pins": pins}
    py = venv_python(root)
    if not force and _built_for(root, want):
        return py
    log(f"creating the flake8-only environment in {root} ...")
    pip = _new_venv(root, [f"{d}=={v}" for d, v in pins.items()])
    how = "pip"
    if pip.returncode != 0:
        log("pip could not install the pins (offline?); linking this interpreter's copies instead:\n"
            + pip.stderr.strip()[-800:])
        site = Path(
            subprocess.run(
                [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        )
        _mirror_install(site)
        how = "mirror"
    marker.write_text(json.dumps({**want, "installed_by": how}, indent=1) + "\n")
    return py


def ensure_with_env(base_py: Path, force: bool = False) -> Path | None:
    """A venv like the flake8-only one plus keraslint (editable, from this checkout) and the
    dependencies it declares: the two configurations then differ by the plugin only, not by the
    dozens of test and development packages of this interpreter (flake8 scans every installed
    distribution for plugins at start-up: ~4 ms more with 90 of them than with 6). Created once,
    cached; None when pip cannot build it (offline), and this interpreter is used instead."""
    pins = {d: version_of(d) for d in (*BASELINE_DISTS, *KERASLINT_DEPENDENCIES)}
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}-flake8-{pins['flake8']}"
    root = CACHE / f"flake8-keraslint-{tag}"
    marker = root / "bench-versions.json"
    want = {"python": platform.python_version(), "pins": pins, "checkout": str(REPO)}
    py = venv_python(root)
    if not force and _built_for(root, want):
        return py
    log(f"creating the flake8 + keraslint environment in {root} ...")
    pip = _new_venv(root, [f"{d}=={v}" for d, v in pins.items() if v is not None] + ["-e", str(REPO)])
    if pip.returncode != 0:
        log("pip could not build the flake8 + keraslint environment (offline?); timing this interpreter "
            "instead:\n" + pip.stderr.strip()[-800:])
        shutil.rmtree(root, ignore_errors=True)
        return None
    marker.write_text(json.dumps(want, indent=1) + "\n")
    return py


# --------------------------------------------------------------------------
# file sets
# --------------------------------------------------------------------------


def corpus_files(corpus: Path, quick: bool) -> list[Path]:
    files = sorted(p for p in corpus.rglob("*.py") if "__pycache__" not in p.parts)
    if quick:
        files = files[::4]
    return files


def stdlib_files(limit: int) -> tuple[Path, list[Path]]:
    """Every parseable .py file of the stdlib outside test dirs; an evenly
    spaced, sorted subset of `limit` of them (0 = all)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_STDLIB_DIRS)
        for name in filenames:
            if name.endswith(".py"):
                found.append(Path(dirpath) / name)
    found.sort(key=lambda p: p.relative_to(root).as_posix())
    if limit and len(found) > limit:
        n = len(found)
        found = [found[(i * n) // limit] for i in range(limit)]
    ok = []
    for p in found:
        try:
            ast.parse(p.read_bytes(), str(p))
        except (SyntaxError, ValueError):
            continue
        ok.append(p)
    return root, ok


def find_real_corpus(given: Path | None) -> Path | None:
    """The materialized development corpus (real code nobody here wrote), or None."""
    if given is not None:
        if str(given) == "none":
            return None
        if not given.is_dir():
            raise SystemExit(f"--real-corpus: no such folder: {given}")
        return given.resolve()
    for candidate in (Path(os.environ.get("TMPDIR", "/tmp")) / "devcorpus", Path("/tmp/devcorpus"),
                      HERE.parent.parent / "devcorpus"):
        if candidate.is_dir() and any(candidate.iterdir()):
            return candidate.resolve()
    return None


def pick_editor_file(files: list[Path], lines: dict[Path, int]) -> Path:
    """The training script closest to 300 lines that calls compile()."""
    cands = [p for p in files if b".compile(" in p.read_bytes()] or files
    return min(cands, key=lambda p: (abs(lines[p] - 300), p.name))


# --------------------------------------------------------------------------
# timing flake8
# --------------------------------------------------------------------------


class Config:
    def __init__(self, name: str, python: Path | str) -> None:
        self.name = name
        self.python = str(python)

    def cmd(self, args: list[str]) -> list[str]:
        return [self.python, "-c", FLAKE8_PROBE, *args]


def children_cpu() -> float | None:
    """user + system CPU seconds of all waited-for descendants (Unix only)."""
    if resource is None:
        return None
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cfg: Config, args: list[str]) -> tuple[float, str, bool, float | None]:
    c0 = children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        cfg.cmd(args), capture_output=True, text=True, env=clean_env(), cwd=str(CACHE), check=False
    )
    elapsed = time.perf_counter() - t0
    c1 = children_cpu()
    cpu = None if c0 is None or c1 is None else c1 - c0
    if proc.returncode not in (0, 1):
        raise RuntimeError(
            f"flake8 ({cfg.name}) exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        )
    libcst_loaded = "__bench__ libcst=1" in proc.stderr
    return elapsed, proc.stdout, libcst_loaded, cpu


def split_findings(stdout: str) -> tuple[list[str], list[str]]:
    ker, other = [], []
    for line in stdout.splitlines():
        parts = line.split(": ", 1)
        code = parts[1].split(" ", 1)[0] if len(parts) == 2 else ""
        (ker if code.startswith("KER") else other).append(line)
    return ker, other


def time_case(label: str, cfgs: tuple[Config, Config], args: list[str], reps: int, lines: int, files: int) -> dict:
    with_cfg, without_cfg = cfgs
    times: dict[str, list[float]] = {"with": [], "without": []}
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    out: dict[str, str] = {}
    libcst_loaded: dict[str, bool] = {}
    for rep in range(reps):
        order = (with_cfg, without_cfg) if rep % 2 == 0 else (without_cfg, with_cfg)
        for cfg in order:
            t, stdout, loaded, c = run_once(cfg, args)
            times[cfg.name].append(t)
            if c is not None:
                cpu[cfg.name].append(c)
            out.setdefault(cfg.name, stdout)
            libcst_loaded[cfg.name] = libcst_loaded.get(cfg.name, False) or loaded
        log(f"  {label}: rep {rep + 1}/{reps}  with {times['with'][-1]:.2f}s  without {times['without'][-1]:.2f}s")
    med_with = statistics.median(times["with"])
    med_without = statistics.median(times["without"])
    ker, other_with = split_findings(out["with"])
    ker_wo, other_without = split_findings(out["without"])
    spread = max(
        (max(v) - min(v)) / statistics.median(v) if len(v) > 1 else 0.0 for v in times.values()
    )
    return {
        "case": label,
        "files": files,
        "lines": lines,
        "reps": reps,
        "times_with_s": [round(t, 4) for t in times["with"]],
        "times_without_s": [round(t, 4) for t in times["without"]],
        "median_with_s": round(med_with, 4),
        "median_without_s": round(med_without, 4),
        "ratio": round(med_with / med_without, 4),
        "ratio_of_minimums": round(min(times["with"]) / min(times["without"]), 4),
        "cpu_with_s": [round(t, 4) for t in cpu["with"]],
        "cpu_without_s": [round(t, 4) for t in cpu["without"]],
        "cpu_ratio": (round(statistics.median(cpu["with"]) / statistics.median(cpu["without"]), 4)
                      if cpu["with"] and cpu["without"] else None),
        "added_ms": round((med_with - med_without) * 1000, 1),
        "ms_per_kloc_with": round(med_with * 1e6 / lines, 2) if lines else None,
        "ms_per_kloc_without": round(med_without * 1e6 / lines, 2) if lines else None,
        "spread": round(spread, 4),
        "ker_findings": len(ker),
        "other_findings_identical": other_with == other_without and not ker_wo,
        "other_findings": len(other_without),
        "libcst_imported_with": libcst_loaded.get("with", False),
    }


# --------------------------------------------------------------------------
# in-process measurements: stages and memory
# --------------------------------------------------------------------------


def load_profile_stages():
    """keraslint.engine.profile_stages, or (None, reason)."""
    try:
        engine = importlib.import_module("keraslint.engine")
        fn = getattr(engine, "profile_stages")
    except (ImportError, AttributeError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return fn, ""


def measure_stages(fn, files: list[Path], lines: dict[Path, int], passes: int, warm: Path) -> dict:
    sources = [(p, p.read_text(encoding="utf-8", errors="surrogateescape")) for p in files]
    fn(warm.read_text(encoding="utf-8"), str(warm))  # imports, caches: not part of the figures
    totals_per_pass: list[dict[str, float]] = []
    ast_per_pass: list[float] = []
    parsed = errors = 0
    first_error = ""
    for k in range(passes):
        acc: dict[str, float] = {}
        parsed = 0
        t_ast = 0.0
        for path, src in sources:
            t0 = time.perf_counter()
            try:
                ast.parse(src)
            except (SyntaxError, ValueError):
                pass
            t_ast += time.perf_counter() - t0
            try:
                res = fn(src, str(path))
            except Exception as exc:  # noqa: BLE001 - a finding for the report
                errors += 1
                first_error = first_error or f"{path.name}: {type(exc).__name__}: {exc}"
                continue
            for key, val in res.items():
                acc[key] = acc.get(key, 0.0) + float(val)
            if float(res.get("facts", 0.0)) > 0:
                parsed += 1
        totals_per_pass.append(acc)
        ast_per_pass.append(t_ast)
    keys = list(STAGES) + sorted({k for t in totals_per_pass for k in t} - set(STAGES))
    total_lines = sum(lines[p] for p in files)
    per_kloc = {}
    for key in keys:
        med = statistics.median(t.get(key, 0.0) for t in totals_per_pass)
        per_kloc[key] = round(med * 1e6 / total_lines, 2) if total_lines else None
    per_kloc["total"] = round(sum(v for k, v in per_kloc.items() if k in keys and v is not None), 2)
    return {
        "files": len(files),
        "lines": total_lines,
        "passes": passes,
        "files_parsed": parsed,
        "errors": errors // max(1, passes),
        "first_error": first_error,
        "ms_per_kloc": per_kloc,
        "ast_parse_ms_per_kloc": (round(statistics.median(ast_per_pass) * 1e6 / total_lines, 2)
                                  if total_lines else None),
    }


WARMUP_SNIPPET = (
    "import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
)


def memprobe(mode: str, path: str) -> int:
    """Child-process entry point: print the tracemalloc peak (bytes) as JSON."""
    import tracemalloc

    src = Path(path).read_text(encoding="utf-8")
    if mode == "keraslint":
        fn, why = load_profile_stages()
        if fn is None:
            print(json.dumps({"error": why}))
            return 0
        fn(WARMUP_SNIPPET, "warmup.py")
        tree = ast.parse(src)  # flake8's tree, made before keraslint runs: not keraslint's memory
        tracemalloc.start()
        fn(src, path, tree)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        import libcst

        libcst.parse_module(WARMUP_SNIPPET)
        tracemalloc.start()
        tree = libcst.parse_module(src)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert tree is not None  # the tree was alive when the peak was read
    print(json.dumps({"peak": peak}))
    return 0


def measure_memory(path: Path, lines: int) -> dict:
    res: dict = {"file": path.name, "lines": lines}
    for mode in ("keraslint", "libcst"):
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--_memprobe", mode, str(path)],
            capture_output=True, text=True, check=False, env=clean_env(),
        )
        try:
            data = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            data = {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
        if "error" in data:
            res[f"{mode}_error"] = data["error"]
            res[f"{mode}_peak_mib"] = None
        else:
            res[f"{mode}_peak_mib"] = round(data["peak"] / 2**20, 2)
    if res.get("keraslint_peak_mib") and res.get("libcst_peak_mib"):
        res["ratio"] = round(res["keraslint_peak_mib"] / res["libcst_peak_mib"], 2)
    else:
        res["ratio"] = None
    return res


def measure_import(python: str, reps: int) -> dict:
    """Wall time of `import libcst, libcst.metadata` in a fresh interpreter."""
    def once(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, env=clean_env(), cwd=str(CACHE))
        return time.perf_counter() - t0

    base, imp = [], []
    for _ in range(reps):
        base.append(once("pass"))
        imp.append(once("import libcst, libcst.metadata"))
    return {"libcst_import_ms": round((statistics.median(imp) - statistics.median(base)) * 1000, 1)}


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a"
    return "ok" if value <= target else "MISS"


def fmt(v, spec: str = ".2f", na: str = "n/a") -> str:
    return na if v is None else format(v, spec)


def print_report(res: dict) -> None:
    m = res["machine"]
    p = print
    p("")
    p("keraslint benchmark")
    p(f"  machine : {m['cpu']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}")
    p(f"  software: {m['python']}, flake8 {m['flake8']} (pycodestyle {m['pycodestyle']}, pyflakes {m['pyflakes']}), "
      f"libcst {m['libcst']}, keraslint {m['keraslint']}")
    p(f"  with    : {res['flake8_version']['with']}")
    p(f"  without : {res['flake8_version']['without']}")
    p(f"            (entry points differing: {', '.join(res['plugins']['differ']) or 'none'})")
    c, s = res["corpus"], res["stdlib"]
    p(f"  corpus  : {c['files']} files, {c['lines']:,} lines ({c['path']})")
    r = res.get("real_corpus")
    if r:
        p(f"  real    : {r['files']} files, {r['lines']:,} lines ({r['path']})")
    else:
        p("  real    : not measured (materialize ../shared/devcorpus, or pass --real-corpus)")
    p(f"  stdlib  : {s['files']} files, {s['lines']:,} lines ({s['path']}; {s['selection']})")
    p(f"  method  : flake8 --isolated, default checks, {res['repeat']} alternating repetitions, medians")
    p("")
    hdr = (f"{'case':<18}{'lines':>8}{'without':>10}{'with':>10}{'ratio':>8}{'cpu ratio':>10}{'min ratio':>10}"
           f"{'spread':>8}{'ms/kloc w/o':>12}{'with':>7}{'target':>11}  ")
    p(hdr)
    p("-" * (len(hdr) + 4))
    for case in res["timing"]:
        target = TARGET_STDLIB_RATIO if case["case"].startswith("stdlib") else TARGET_KERAS_RATIO
        p(f"{case['case']:<18}{case['lines']:>8}{case['median_without_s']:>9.2f}s{case['median_with_s']:>9.2f}s"
          f"{case['ratio']:>7.3f}x{fmt(case['cpu_ratio'], '.3f'):>9}x{case['ratio_of_minimums']:>9.3f}x"
          f"{case['spread'] * 100:>7.1f}%{fmt(case['ms_per_kloc_without'], '.0f'):>12}"
          f"{fmt(case['ms_per_kloc_with'], '.0f'):>7}{'<= ' + format(target, '.2f') + 'x':>11}"
          f"  {verdict(case['ratio'], target)}")
    ed = res.get("editor")
    if ed:
        p(f"{'editor (1 file)':<18}{ed['lines']:>8}{ed['median_without_s'] * 1000:>8.0f}ms"
          f"{ed['median_with_s'] * 1000:>8.0f}ms{ed['ratio']:>7.3f}x{fmt(ed['cpu_ratio'], '.3f'):>9}x"
          f"{ed['ratio_of_minimums']:>9.3f}x{ed['spread'] * 100:>7.1f}%{'added ' + format(ed['added_ms'], '.0f') + ' ms':>19}"
          f"{'<= ' + format(TARGET_EDITOR_ADDED_MS, '.0f') + ' ms':>11}  {verdict(ed['added_ms'], TARGET_EDITOR_ADDED_MS)}")
        p(f"  editor file: {ed['file']}; {ed['reps']} runs each; "
          f"`import libcst, libcst.metadata` alone costs {fmt(res.get('imports', {}).get('libcst_import_ms'), '.0f')} ms")
    p("  ratio = median wall time with / without (the figure the targets apply to); cpu ratio = the same on")
    p("  user+sys CPU time of flake8 and its workers; min ratio = fastest with / fastest without; spread =")
    p("  (max - min) / median of the noisier configuration.")
    la = res.get("load_average") or {}
    if la.get("before") is not None and max(la["before"], la.get("after") or 0) > 0.5:
        p(f"  WARNING: the machine was busy (1-min load average {la['before']:.2f} before, {la['after']:.2f} after):"
          " wall-time figures are noisy; see cpu ratio.")
    checks = []
    for case in res["timing"] + ([ed] if ed else []):
        checks.append(f"{case['case']}: {case['ker_findings']} KER findings, other findings "
                      f"{'identical' if case['other_findings_identical'] else 'DIFFER'} ({case['other_findings']})"
                      + ("" if "-j2" in case["case"] or case["case"] == "editor" else
                         f", LibCST imported: {'yes' if case['libcst_imported_with'] else 'no'}"))
    p("")
    p("sanity (with-run output vs without-run output):")
    for line in checks:
        p(f"  {line}")

    p("")
    st = res.get("stages")
    p("per-stage cost, ms per 1,000 lines (keraslint.engine.profile_stages, in-process, after warm-up)")
    if not st or st.get("unavailable"):
        p(f"  n/a ({(st or {}).get('unavailable', 'not measured')})")
    else:
        keys = [k for k in st["corpus"]["ms_per_kloc"] if k != "total"]
        p(f"  {'files':<10}" + "".join(f"{k:>9}" for k in keys) + f"{'total':>9}{'parsed':>12}{'errors':>8}{'ast.parse':>11}")
        for name in ("corpus", "real corpus", "stdlib"):
            d = st.get(name)
            if not d:
                continue
            vals = d["ms_per_kloc"]
            p(f"  {name:<10}" + "".join(f"{fmt(vals.get(k), '.1f'):>9}" for k in keys)
              + f"{fmt(vals['total'], '.1f'):>9}{str(d['files_parsed']) + '/' + str(d['files']):>12}{d['errors']:>8}"
              + f"{fmt(d['ast_parse_ms_per_kloc'], '.1f'):>11}")
            if d["first_error"]:
                p(f"    first error: {d['first_error']}")
        p("  parse = keraslint's own parsing (none: the facts use the ast flake8 has already made); parsed = files")
        p("  the gate let through to the evaluator; ast.parse = a plain ast.parse of the same files, for reference")
        p("  (flake8 has already paid for it: a plugin that parsed again would cost that much a second time).")
    p("")
    mem = res.get("memory")
    p("peak memory (tracemalloc) on the largest corpus file")
    if not mem:
        p("  n/a")
    else:
        def mib(v):
            return "n/a" if v is None else f"{v:.2f} MiB"

        p(f"  {mem['file']} ({mem['lines']} lines): keraslint {mib(mem['keraslint_peak_mib'])}, "
          f"libcst.parse_module {mib(mem['libcst_peak_mib'])}, ratio {fmt(mem['ratio'])}"
          f"{'x' if mem['ratio'] is not None else ''} (target <= {TARGET_MEMORY_RATIO:.0f}x) "
          f"{verdict(mem['ratio'], TARGET_MEMORY_RATIO)}")
        if mem.get("keraslint_error"):
            p(f"  keraslint: n/a ({mem['keraslint_error']})")
    p("")
    p(f"total benchmark time: {res['elapsed_s']:.0f} s")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time flake8 with and without keraslint.")
    ap.add_argument("--repeat", type=int, default=None, help="repetitions per configuration (default 5; 3 with --quick)")
    ap.add_argument("--quick", action="store_true", help="a quarter of the corpus, 80 stdlib files, 3 repetitions")
    ap.add_argument("--corpus", type=Path, default=None, help=f"Keras corpus directory (default {DEFAULT_CORPUS}, "
                    "generated by make_corpus.py when missing)")
    ap.add_argument("--real-corpus", type=Path, default=None,
                    help="real Keras code (the development corpus, materialized by ../shared/devcorpus/materialize.sh; "
                    "default: the first of $TMPDIR/devcorpus, /tmp/devcorpus, ../devcorpus that exists; "
                    "'none' to skip)")
    ap.add_argument("--stdlib-files", type=int, default=None, help="stdlib subset size (default 300; 0 = all)")
    ap.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: timing,editor,stages,memory")
    ap.add_argument("--rebuild-baseline", action="store_true", help="recreate the flake8-only environment")
    ap.add_argument("--_memprobe", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._memprobe:
        return memprobe(*args._memprobe)

    started = time.perf_counter()
    reps = args.repeat or (3 if args.quick else 5)
    if reps < 1:
        ap.error("--repeat must be >= 1")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - {"timing", "editor", "stages", "memory"}
    if unknown:
        ap.error(f"unknown part(s) for --skip: {', '.join(sorted(unknown))}")

    CACHE.mkdir(parents=True, exist_ok=True)
    corpus = (args.corpus or DEFAULT_CORPUS).resolve()
    if args.corpus is None and not any(corpus.glob("*.py")):
        sys.path.insert(0, str(HERE))
        import make_corpus  # noqa: E402

        log(f"generating the corpus into {corpus} ...")
        make_corpus.generate(corpus, quiet=True)
    if not corpus.is_dir():
        ap.error(f"corpus directory not found: {corpus}")
    kfiles = corpus_files(corpus, args.quick)
    if not kfiles:
        ap.error(f"no .py files under {corpus}")
    real_root = find_real_corpus(args.real_corpus)
    rfiles = corpus_files(real_root, args.quick) if real_root is not None else []
    n_std = args.stdlib_files if args.stdlib_files is not None else (80 if args.quick else 300)
    std_root, sfiles = stdlib_files(n_std)

    lines = {p: count_lines(p) for p in kfiles + sfiles + rfiles}
    klines = sum(lines[p] for p in kfiles)
    rlines = sum(lines[p] for p in rfiles)
    slines = sum(lines[p] for p in sfiles)
    all_kfiles = corpus_files(corpus, False)
    for p in all_kfiles:
        lines.setdefault(p, count_lines(p))

    base_py = ensure_baseline(force=args.rebuild_baseline)
    with_py: Path | str = ensure_with_env(base_py, force=args.rebuild_baseline) or sys.executable
    plugins_with = flake8_plugins(with_py)
    if not any(pl.startswith("flake8.extension:KER=") for pl in plugins_with):
        raise SystemExit(
            f"keraslint is not registered with flake8 in {with_py} (no flake8.extension entry point KER).\n"
            "Install it first: pip install -e ."
        )
    plugins_without = flake8_plugins(base_py)
    differ = sorted(set(plugins_with) ^ set(plugins_without))
    if any(not d.startswith("flake8.extension:KER=") for d in differ):
        log(f"WARNING: the two configurations differ by more than keraslint: {differ}")
    versions = {"with": flake8_version_line(with_py), "without": flake8_version_line(base_py)}

    res: dict = {
        "machine": machine_info(),
        "plugins": {"with": plugins_with, "without": plugins_without, "differ": differ},
        "flake8_version": versions,
        "baseline_python": str(base_py),
        "with_python": str(with_py),
        "repeat": reps,
        "quick": args.quick,
        "corpus": {"path": str(corpus), "files": len(kfiles), "lines": klines},
        "real_corpus": {"path": str(real_root), "files": len(rfiles), "lines": rlines} if rfiles else None,
        "stdlib": {
            "path": str(std_root), "files": len(sfiles), "lines": slines,
            "selection": ("all files" if not n_std else f"{len(sfiles)} evenly spaced of the sorted list")
            + ", excluding " + "/".join(sorted(EXCLUDED_STDLIB_DIRS - {'__pycache__'})) + " dirs",
        },
        "targets": {
            "keras_ratio": TARGET_KERAS_RATIO, "stdlib_ratio": TARGET_STDLIB_RATIO,
            "editor_added_ms": TARGET_EDITOR_ADDED_MS, "memory_ratio": TARGET_MEMORY_RATIO,
        },
        "timing": [],
    }
    cfgs = (Config("with", with_py), Config("without", base_py))
    editor_file = pick_editor_file(all_kfiles, lines)

    # warm-up: byte-compile both environments and fill the page cache
    for p in kfiles + sfiles + rfiles:
        p.read_bytes()
    for cfg in cfgs:
        run_once(cfg, ["--isolated", str(editor_file)])
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None

    if "timing" not in skip:
        cases = [("keras corpus", kfiles, klines), ("stdlib", sfiles, slines)]
        if rfiles:
            cases.insert(1, ("real corpus", rfiles, rlines))
        for label, files, nlines in cases:
            for jobs in (1, 2):
                case = f"{label} -j{jobs}"
                log(f"timing {case} ({len(files)} files, {nlines} lines) ...")
                res["timing"].append(
                    time_case(case, cfgs, ["--isolated", f"-j{jobs}", *map(str, files)], reps, nlines, len(files))
                )
    if "editor" not in skip:
        ed_reps = max(10 if args.quick else 20, reps * 4)
        log(f"timing the editor case ({editor_file.name}, {ed_reps} runs each) ...")
        ed = time_case("editor", cfgs, ["--isolated", str(editor_file)], ed_reps, lines[editor_file], 1)
        ed["file"] = editor_file.name
        res["editor"] = ed
        res["imports"] = measure_import(str(with_py), 3 if args.quick else 7)

    fn, why = load_profile_stages()
    if "stages" not in skip:
        if fn is None:
            res["stages"] = {"unavailable": why}
        else:
            log("per-stage profile ...")
            passes = 1 if args.quick else 3
            res["stages"] = {
                "corpus": measure_stages(fn, kfiles, lines, passes, editor_file),
                **({"real corpus": measure_stages(fn, rfiles, lines, passes, editor_file)} if rfiles else {}),
                "stdlib": measure_stages(fn, sfiles, lines, passes, editor_file),
            }
    if "memory" not in skip:
        largest = max(all_kfiles, key=lambda p: (lines[p], p.name))
        log(f"memory on {largest.name} ...")
        res["memory"] = measure_memory(largest, lines[largest])
        if fn is None:
            res["memory"]["keraslint_error"] = why

    res["elapsed_s"] = round(time.perf_counter() - started, 1)
    res["load_average"] = {
        "before": load_before,
        "after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    print_report(res)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
