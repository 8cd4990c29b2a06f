"""Which Keras version lines a file targets (rules.md, "Version targeting").

First match wins: the explicit ``keras-version`` setting, then the pins of the
nearest project (pyproject.toml, requirements*.txt, setup.cfg, setup.py,
environment.yml, Pipfile), then the distributions installed in the running
environment, then "unknown" (every line).

Nothing here imports Keras or executes project code; project files are only
read and parsed, and a file that cannot be read or parsed is skipped.

Caches are checked against the files' modification times (and sizes) on every use, so a
long-lived host (an editor's flake8 server) sees a changed requirements.txt or a newly installed
Keras on its next lint. `packaging` is imported only when a version has to be compared.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeGuard

from keraslint.immutable import record, replace
from keraslint.versions import ALL_VERSION_LINES, API_KERAS, API_TF, API_TF_KERAS, L3_MINORS, VersionLine

if TYPE_CHECKING:  # pragma: no cover
    from keraslint.analysis.records import Evidence
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)


def _specifier_set(text: str) -> "SpecifierSet":
    """packaging.specifiers.SpecifierSet(text), imported on first use; InvalidSpecifier propagates."""
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


def _version(text: str) -> "Version | None":
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


__all__ = [
    "API_KERAS",
    "API_TF",
    "API_TF_KERAS",
    "ConfigError",
    "Pins",
    "begin_run",
    "clear_caches",
    "find_project_pins",
    "installed_pins",
    "l3_minors_for",
    "lines_for",
    "parse_keras_version",
    "parse_l3_minors",
    "parse_tf1",
    "parse_tf2",
    "setting_target",
    "resolve_lines",
    "Target",
    "UNKNOWN_TARGET",
    "target_for",
]


class ConfigError(ValueError):
    """A bad keras-version setting; the message names the value and what is accepted."""


_ALL_APIS = frozenset({API_KERAS, API_TF, API_TF_KERAS})


_EXPECTED = (
    "expected a Keras version (2.2.4, 3), 'tensorflow==2.1', 'tf-keras==2.17', "
    "a range ('keras>=2.3,<3'), a line L1..L5 (or several: 'L3,L4'), any, or auto"
)

# The newest minor release of each package that keraslint knows of, and how many minor releases
# after it a setting may name (releases that come out after this keraslint). Anything newer, such
# as keras 2.99, 4 or tensorflow==2.99, does not exist and is rejected.
LATEST = {"keras": (3, 15), "tensorflow": (2, 21), "tf-keras": (2, 21)}
_HEADROOM = 2
# Oldest minor release that a setting may name, per package (Keras 1 is not supported).
_OLDEST = {"keras": (2, 0), "tensorflow": (1, 0), "tf-keras": (2, 14)}


def _released(package: str, v: "Version") -> bool:
    """Whether a release of `package` with this major.minor exists (or may, within the headroom)."""
    major, minor = (v.release + (0,))[:2]
    if (major, minor) < _OLDEST[package]:
        return False
    if package == "tensorflow" and major == 1:
        return minor <= 15
    if package == "keras" and major == 2:
        # standalone 2.0-2.15; 2.16+ in a setting means tf-keras, which has its own releases
        return minor <= 15 or _released("tf-keras", v)
    latest_major, latest_minor = LATEST[package]
    return major == latest_major and minor <= latest_minor + _HEADROOM or major < latest_major


def _known_range(package: str) -> str:
    latest_major, latest_minor = LATEST[package]
    if package == "keras":
        tfk_major, tfk_minor = LATEST["tf-keras"]
        return (f"Keras 2.0-2.15 and 3.0-{latest_major}.{latest_minor} "
                f"(2.16-{tfk_major}.{tfk_minor} are read as tf-keras)")
    if package == "tensorflow":
        return f"TensorFlow 1.0-1.15 and 2.0-{latest_major}.{latest_minor}"
    return f"tf-keras 2.14-{latest_major}.{latest_minor}"


def _strip_comment(value: str) -> str:
    """flake8 keeps an inline comment in a config value (`keras-version = 2.15  # optional`)."""
    value = value.split("#", 1)[0]
    return re.split(r"\s;", value, maxsplit=1)[0]


# --- version -> line --------------------------------------------------------------------------


def _keras_line(v: Version) -> VersionLine | None:
    """The line of a standalone `keras` release (keras-semantics.md, "Version lines")."""
    major, minor = (v.release + (0,))[:2]
    if major == 2 and minor <= 2:
        return VersionLine.L1
    if major == 2 and minor == 3:
        return VersionLine.L2
    if major == 2 and 4 <= minor <= 15:
        return VersionLine.L3  # keras 2.4+ re-exports tf.keras
    if major >= 3:
        return VersionLine.L5
    return None  # Keras 1.x, and keras 2.16+ which was never released


def _tf_line(v: Version) -> VersionLine | None:
    """The line `tf.keras` gives with this TensorFlow release (without TF_USE_LEGACY_KERAS)."""
    major, minor = (v.release + (0,))[:2]
    if major == 1 or (major == 2 and minor <= 1):
        return VersionLine.L2  # TF1 graph mode and TF 2.0/2.1 share the training_v1 path
    if major == 2 and minor <= 15:
        return VersionLine.L3
    if major >= 2:
        return VersionLine.L5  # TF 2.16+ ships Keras 3 as tf.keras
    return None


def _tf_keras_line(v: Version) -> VersionLine | None:
    """The line of a `tf-keras` release: Keras 2 legacy from 2.16 on, tf.keras copies before."""
    major, minor = (v.release + (0,))[:2]
    if (major, minor) >= (2, 16):
        return VersionLine.L4
    if (major, minor) >= (2, 14):
        return VersionLine.L3  # tf-keras 2.14/2.15 are the Keras 2.14/2.15 code
    return None


def _keras_via_tf_line(v: Version) -> VersionLine | None:
    """`import keras` when only TensorFlow is pinned: TF brings the matching keras."""
    line = _tf_line(v)
    # Before TF 2.2 the keras package was an independent install (2.2.x or 2.3.x): unknown.
    return line if line in (VersionLine.L3, VersionLine.L5) else None


def _tf_keras_via_tf_line(v: Version) -> VersionLine | None:
    """`import tf_keras` when only TensorFlow is pinned (tf-keras follows TF's minor version)."""
    return _tf_keras_line(v)


def _versions(prefix_minors: Iterable[tuple[int, int]], extra: Iterable[str] = ()) -> tuple["Version", ...]:
    # Dense representatives (every patch 0-9) so that narrow ranges such as
    # ">=2.4.1,<2.4.3" still admit one of them.
    from packaging.version import Version

    out = [Version(f"{a}.{b}.{p}") for a, b in prefix_minors for p in range(10)]
    out.extend(Version(x) for x in extra)
    return tuple(out)


# Representative versions per package, built on first use (a few hundred Version objects).
@functools.lru_cache(maxsize=None)
def _reps(package: str) -> tuple[Version, ...]:
    if package == "keras":
        return _versions([(2, m) for m in range(16)] + [(3, m) for m in range(30)], ["3.99", "4.0"])
    if package == "tensorflow":
        return _versions([(1, m) for m in range(16)] + [(2, m) for m in range(30)], ["2.99", "3.0"])
    return _versions([(2, m) for m in range(14, 30)], ["2.99"])


def _admitted_versions(
    spec: "SpecifierSet", reps: tuple["Version", ...], released: Callable[["Version"], bool] | None = None
) -> list["Version"]:
    """The representative versions (plus the versions named in the spec) the spec admits.
    `released`, when given, keeps only versions that exist (for a setting)."""
    if released is not None:
        reps = tuple(v for v in reps if released(v))
    candidates = list(reps)
    # The spec's own versions catch exact pins that are not representatives:
    # "==2.1.0+cu101", "==2.15.0.post1", "==2.17.0.dev20240301".
    for clause in spec:
        v = _version(clause.version)
        if v is not None and (released is None or released(v)):
            candidates.append(v)  # wildcards like "2.3.*" are covered by the representatives
    return [v for v in candidates if spec.contains(v, prereleases=True)]


def _admitted(
    spec: "SpecifierSet", reps: tuple["Version", ...], line_of: Callable[["Version"], VersionLine | None],
    released: Callable[["Version"], bool] | None = None,
) -> frozenset[VersionLine]:
    """Every line whose versions the spec admits (see _admitted_versions)."""
    lines = (line_of(v) for v in _admitted_versions(spec, reps, released))
    return frozenset(line for line in lines if line is not None)


def _l3_span(v: "Version", standalone_keras: bool) -> tuple[int, int]:
    """The TensorFlow 2.x minors a release on L3 runs with: its own minor (TensorFlow, tf-keras 2.14/2.15,
    and standalone Keras from 2.6 on, released in step with TensorFlow); standalone Keras 2.4/2.5 only
    re-export the tf.keras of TensorFlow 2.2-2.5."""
    minor = (v.release + (0,))[1]
    if standalone_keras and minor < 6:
        return (2, 5)
    return (minor, minor)


def _admitted_l3_minors(
    spec: "SpecifierSet", reps: tuple["Version", ...], line_of: Callable[["Version"], VersionLine | None],
    released: Callable[["Version"], bool] | None = None,
) -> tuple[int, int] | None:
    """The TensorFlow 2.x minors within L3 (TF 2.2-2.15) the spec admits; None when it admits no L3 release."""
    standalone_keras = line_of in (_keras_line, _setting_keras_line)
    spans = [_l3_span(v, standalone_keras) for v in _admitted_versions(spec, reps, released)
             if line_of(v) is VersionLine.L3]
    if not spans:
        return None
    return (max(L3_MINORS[0], min(low for low, _ in spans)), min(L3_MINORS[1], max(high for _, high in spans)))


# --- the explicit setting ---------------------------------------------------------------------

# Regular expressions are given as patterns, compiled on first use (re caches them), not at
# import: an editor lint imports this module every time.
_LINE_LIST_PATTERN = r"^l[1-5](\s*,\s*l[1-5])*$"
_PKG_PATTERN = r"^(?P<pkg>tf[-_.]keras|tensorflow|keras|tf)(?P<rest>.*)$"
_OPS = ("===", "==", "~=", "!=", "<=", ">=", "<", ">")


def _setting_keras_line(v: Version) -> VersionLine | None:
    major, minor = (v.release + (0,))[:2]
    if major == 2 and minor >= 16:
        return VersionLine.L4  # no standalone Keras 2.16+ exists: the user means tf-keras
    return _keras_line(v)


def _setting_tf_keras_line(v: Version) -> VersionLine | None:
    line = _tf_keras_line(v)
    return line if line is not None else _tf_line(v)  # "else like the TF version X"


# version -> line for a setting naming one version, and for a setting naming a range
_SETTING_LINE_OF: dict[str, Callable[["Version"], VersionLine | None]] = {
    "keras": _setting_keras_line, "tensorflow": _tf_line, "tf-keras": _setting_tf_keras_line,
}
_RANGE_LINE_OF: dict[str, Callable[["Version"], VersionLine | None]] = {**_SETTING_LINE_OF, "keras": _keras_line}


def parse_keras_version(value: str) -> frozenset[VersionLine] | None:
    """Parse the keras-version setting (--keras-version, [tool.keraslint] keras-version).

    Accepted values (case-insensitive, surrounding spaces ignored):

    - ``""`` or ``"auto"``: returns None (decide from the project pins, then installed packages);
    - ``"any"``, ``"all"`` or ``"unknown"``: every line;
    - ``"L1"`` .. ``"L5"``, or several comma-separated (``"L3,L4"``);
    - a bare Keras version, also written ``"keras==X"``, ``"keras X"``, ``"kerasX"``:
      2.0-2.2 -> L1, 2.3 -> L2, 2.4-2.15 -> L3, 2.16-2.x -> L4 (no standalone Keras 2.16+
      was released, so such a number can only mean the tf-keras package), 3+ -> L5;
    - a TensorFlow version ``"tensorflow==X"``, ``"tf==X"``, ``"tensorflow X"``, ``"tfX"``,
      ``"tf.keras==X"``: 1.x and 2.0-2.1 -> L2, 2.2-2.15 -> L3, 2.16+ -> L5;
    - ``"tf-keras==X"`` / ``"tf_keras X"``: X >= 2.16 -> L4, else like TensorFlow X;
    - any of the package forms with a PEP 440 range (``"keras>=2.3,<3"``, or a bare ``">=3"``
      meaning keras): every line the range admits.

    Anything else raises ConfigError naming the value and the accepted forms.
    """
    text = _strip_comment(value or "").strip().lower()
    if text in ("", "auto"):
        return None
    if text in ("any", "all", "unknown"):
        return ALL_VERSION_LINES
    compact = re.sub(r"\s+", "", text)
    if re.match(_LINE_LIST_PATTERN, compact):
        return frozenset(VersionLine(int(part[1])) for part in compact.split(","))

    pkg, rest = _setting_package(text)
    shown = _strip_comment(value).strip()
    lines: frozenset[VersionLine] | None = None
    if rest and not rest.startswith(_OPS) and "," not in rest:
        # A single version: map it directly (covers "2.16", which the pin tables never see).
        v = _version(rest)
        if v is None:
            rest = "==" + rest  # "2.3.*": let the range branch try it
        else:
            lines = _setting_version_lines(pkg, v, shown)
    if rest and lines is None and (rest.startswith(_OPS) or "," in rest):
        lines = _setting_range_lines(pkg, rest, shown)
    if not lines:
        raise ConfigError(f"invalid keras-version {shown!r}: {_EXPECTED}")
    return lines


def _setting_versions(value: str | None) -> tuple[str, "Version | None", "SpecifierSet | None"] | None:
    """(package, the one version it names, or else the range) of a keras-version setting; None for
    auto, line names and an unreadable range. Call after parse_keras_version accepted the value."""
    text = _strip_comment(value or "").strip().lower()
    if text in ("", "auto", "any", "all", "unknown") or re.match(_LINE_LIST_PATTERN, re.sub(r"\s+", "", text)):
        return None
    pkg, rest = _setting_package(text)
    single = _version(rest) if rest and not rest.startswith(_OPS) and "," not in rest else None
    if single is not None:
        return pkg, single, None
    from packaging.specifiers import InvalidSpecifier

    try:
        return pkg, None, _specifier_set(rest if rest.startswith(_OPS) or "," in rest else "==" + rest)
    except InvalidSpecifier:
        return None


def parse_l3_minors(value: str | None) -> tuple[int, int] | None:
    """The TensorFlow 2.x minors within L3 a keras-version setting names ("tensorflow==2.5" -> (5, 5),
    "keras>=2.6,<2.11" -> (6, 10)); None when it names none in particular (auto, line names, a
    version off L3). Call after parse_keras_version accepted the value: nothing here raises."""
    found = _setting_versions(value)
    if found is None:
        return None
    pkg, single, spec = found
    if single is not None:
        line_of = _SETTING_LINE_OF[pkg]
        return _l3_span(single, line_of is _setting_keras_line) if line_of(single) is VersionLine.L3 else None
    assert spec is not None
    reps = _reps("tf-keras") + _reps("tensorflow") if pkg == "tf-keras" else _reps(pkg)
    return _admitted_l3_minors(spec, reps, _RANGE_LINE_OF[pkg], functools.partial(_setting_released, pkg))


def parse_tf1(value: str | None) -> bool:
    """Whether a keras-version setting leaves TensorFlow 1.x possible (False for a TensorFlow version
    or range admitting no 1.x release: "tensorflow==2.0", "tf>=2.0,<2.2"). Call after
    parse_keras_version accepted the value: nothing here raises."""
    return _setting_admits(value, _major_1)


def parse_tf2(value: str | None) -> bool:
    """Whether a keras-version setting leaves TensorFlow 2.x possible (False for "tensorflow==1.15",
    "tensorflow<2"); as parse_tf1."""
    return _setting_admits(value, _major_2_or_later)


def _major_1(major: int) -> bool:
    return major == 1


def _major_2_or_later(major: int) -> bool:
    return major >= 2


def _setting_admits(value: str | None, wanted: Callable[[int], bool]) -> bool:
    found = _setting_versions(value)
    if found is None or found[0] != "tensorflow":
        return True  # auto, line names, or a Keras (tf-keras) version: nothing about TensorFlow's major
    _pkg, single, spec = found
    if single is not None:
        return wanted(single.release[0])
    assert spec is not None
    return _admits(spec, wanted)


def _admits(spec: "SpecifierSet", wanted: Callable[[int], bool]) -> bool:
    return any(wanted(v.release[0]) for v in _admitted_versions(spec, _reps("tensorflow")))


def _setting_package(text: str) -> tuple[str, str]:
    """(package: keras, tensorflow or tf-keras; the version or range after it, spaces removed)."""
    pkg, rest = "keras", text
    m = re.match(_PKG_PATTERN, text)
    if m:
        pkg, rest = m.group("pkg"), m.group("rest").strip()
        if pkg in ("tf-keras", "tf_keras", "tf.keras"):
            pkg = "tf-keras" if pkg != "tf.keras" else "tensorflow"
        elif pkg == "tf":
            pkg = "tensorflow"
    rest = rest.replace(" ", "")
    if rest.startswith("=") and not rest.startswith("=="):
        rest = rest[1:]  # "keras=2.3" as conda writes it
    return pkg, rest


def _setting_released(pkg: str, v: "Version") -> bool:
    """Whether `pkg` released version `v` (tf-keras before its first release: TensorFlow's)."""
    if pkg == "tf-keras":
        return _released("tf-keras", v) or (
            (v.release + (0,))[:2] < _OLDEST["tf-keras"] and _released("tensorflow", v)
        )
    return _released(pkg, v)


def _unreleased(pkg: str, v: "Version", shown: str) -> ConfigError:
    name = {"keras": "Keras", "tensorflow": "TensorFlow", "tf-keras": "tf-keras"}[pkg]
    oldest = _OLDEST["tensorflow" if pkg == "tf-keras" else pkg]
    what = "is not supported" if (v.release + (0,))[:2] < oldest else "does not exist"
    return ConfigError(
        f"invalid keras-version {shown!r}: {name} {v} {what} (known: {_known_range(pkg)}); {_EXPECTED}"
    )


def _setting_version_lines(pkg: str, v: "Version", shown: str) -> frozenset[VersionLine]:
    """The line of one released version of `pkg` (empty when it has none); ConfigError when unreleased."""
    if not _setting_released(pkg, v):
        raise _unreleased(pkg, v, shown)
    line = _SETTING_LINE_OF[pkg](v)
    return frozenset({line}) if line is not None else frozenset()


def _setting_range_lines(pkg: str, rest: str, shown: str) -> frozenset[VersionLine] | None:
    """The lines a PEP 440 range of `pkg` admits (None when `rest` is no range); ConfigError when none."""
    from packaging.specifiers import InvalidSpecifier

    try:
        spec = _specifier_set(rest)
    except InvalidSpecifier:
        return None
    reps = _reps("tf-keras") + _reps("tensorflow") if pkg == "tf-keras" else _reps(pkg)
    lines = _admitted(spec, reps, _RANGE_LINE_OF[pkg], functools.partial(_setting_released, pkg))
    if not lines:
        exact = [_version(c.version) for c in spec if c.operator in ("==", "===")]
        for v in exact:
            if v is not None and not _setting_released(pkg, v):
                raise _unreleased(pkg, v, shown)
        raise ConfigError(
            f"invalid keras-version {shown!r}: the range admits no release keraslint knows "
            f"(known: {_known_range(pkg)}); {_EXPECTED}"
        )
    return lines


# --- project pins -----------------------------------------------------------------------------

_KERAS_NAMES = frozenset({"keras", "keras-nightly"})
_TF_NAMES = frozenset(
    {
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "tensorflow-macos",
        "tensorflow-intel",
        "tensorflow-aarch64",
        "tensorflow-rocm",
        "intel-tensorflow",
        "tensorflow-base",  # conda
        "tf-nightly",
        "tf-nightly-cpu",
        "tf-nightly-gpu",
    }
)
_TF_KERAS_NAMES = frozenset({"tf-keras", "tf-keras-nightly"})
# Distributions that stopped: tensorflow-gpu's last release is 2.11 (2.12.0 is an empty package that
# fails to install, pypi.org/project/tensorflow-gpu), so it never brings Keras 3.
_LAST_RELEASES = {"tensorflow-gpu": "<2.12"}
_MAX_FILE_BYTES = 5_000_000  # a lock file or a vendored blob is not a pin list


@record
class Pins:
    keras: SpecifierSet | None  # SpecifierSet("") means "present, unpinned"
    tensorflow: SpecifierSet | None  # any TensorFlow distribution (tensorflow-cpu, tf-nightly, ...)
    tf_keras: SpecifierSet | None  # tf-keras / tf_keras
    source: str  # where the pins came from, for messages


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # packaging.utils.canonicalize_name


def _kind(name: str) -> str | None:
    norm = _canonical(name)
    if norm in _KERAS_NAMES:
        return "keras"
    if norm in _TF_NAMES:
        return "tensorflow"
    if norm in _TF_KERAS_NAMES:
        return "tf_keras"
    return None


def _read_text(path: str) -> str | None:
    """Every project-file read goes through here (one place to count reads in tests). UTF-8, or
    UTF-16/32 when the file starts with their byte-order mark (`conda env export` on Windows)."""
    try:
        if os.path.getsize(path) > _MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return None
    import codecs

    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _spec_or_none(text: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier

    try:
        return _specifier_set(text)
    except InvalidSpecifier:
        return None


_CLAUSE_PATTERN = r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*(\*|[0-9][0-9A-Za-z.*+!_-]*)"


def _loose_spec(text: str, *, bare_is_prefix: bool = False) -> SpecifierSet | None:
    """Poetry / Pipfile / conda constraints as a PEP 440 set.

    Poetry: "^2.3" -> >=2.3,<3.0; "~2.3" -> >=2.3,<2.4; "2.3.1" -> ==2.3.1; "*" -> any.
    Conda (bare_is_prefix): "=2.3" / "2.3" -> ==2.3.*, "=2.3.1" -> ==2.3.1.
    An "or" ("||", "|") cannot be one SpecifierSet: treated as present but unpinned.
    """
    text = text.strip().strip("'\"")
    if not text or text == "*" or "|" in text:
        return _specifier_set("")
    clauses = []
    for op, ver in re.findall(_CLAUSE_PATTERN, text.replace(",", " ")):
        if ver == "*":
            continue
        parts = ver.rstrip(".*").split(".")
        if op == "^":
            nums = [int(p) if p.isdigit() else 0 for p in parts]
            # The upper bound bumps the first non-zero component (Poetry's caret).
            i = next((k for k, n in enumerate(nums) if n != 0), len(nums) - 1)
            upper = nums[: i + 1]
            upper[i] += 1
            clauses += [f">={ver}", "<" + ".".join(map(str, upper))]
        elif op == "~":
            nums = [int(p) if p.isdigit() else 0 for p in parts]
            keep = 1 if len(nums) == 1 else 2
            upper = nums[:keep]
            upper[-1] += 1
            clauses += [f">={ver}", "<" + ".".join(map(str, upper))]
        elif op in ("", "="):
            if ver.endswith("*"):
                clauses.append(f"=={ver}")
            elif bare_is_prefix and len(parts) < 3:
                clauses.append(f"=={ver}.*")
            else:
                clauses.append(f"=={ver}")
        else:
            clauses.append(f"{op}{ver}")
    return _spec_or_none(",".join(clauses))


_REQUIREMENT_PATTERN = (
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?P<rest>.*)$"
)


def _pep508(line: str) -> tuple[str, SpecifierSet | None] | None:
    """A PEP 508 requirement string -> (name, specifier); None for anything else."""
    line = line.strip()
    if not line or line.startswith(("#", "-")):
        return None
    # Inline options of requirements files ("--hash=...") and comments end the requirement.
    line = re.split(r"\s+(?:#|-{1,2}[A-Za-z])", line, maxsplit=1)[0].strip()
    # name [extras] (specifier) ; marker -- read without packaging.requirements (slow to import);
    # the specifier is parsed only for the packages that matter here.
    m = re.match(_REQUIREMENT_PATTERN, line)
    if m is None:
        return None
    name, rest = m.group("name"), m.group("rest").split(";", 1)[0].strip()
    if rest.startswith("@"):
        return None  # a URL requirement: no version to read
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if _kind(name) is None:
        return (name, None) if (not rest or rest[0] in "<>=!~") else None
    spec = _spec_or_none(rest)
    return (name, spec) if spec is not None else None


def _requirements_txt(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    text = re.sub(r"\\\r?\n", " ", text)  # pip joins backslash continuations
    for raw in text.splitlines():
        found = _pep508(raw)
        if found:
            yield found


def _toml_requirement_lists(data: dict[str, Any]) -> Iterator[tuple[str, SpecifierSet | None]]:
    project = data.get("project")
    if isinstance(project, dict):
        yield from _pep508_list(project.get("dependencies"))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                yield from _pep508_list(group)
    groups = data.get("dependency-groups")  # PEP 735
    if isinstance(groups, dict):
        for group in groups.values():
            yield from _pep508_list(group)
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return
    for table in ("pdm", "uv"):
        dev = tool.get(table, {}).get("dev-dependencies") if isinstance(tool.get(table), dict) else None
        if isinstance(dev, dict):
            for group in dev.values():
                yield from _pep508_list(group)
        else:
            yield from _pep508_list(dev)
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        yield from _poetry_table(poetry.get("dependencies"))
        yield from _poetry_table(poetry.get("dev-dependencies"))
        group_tables = poetry.get("group")
        if isinstance(group_tables, dict):
            for group in group_tables.values():
                if isinstance(group, dict):
                    yield from _poetry_table(group.get("dependencies"))


def _pep508_list(items: object) -> Iterator[tuple[str, SpecifierSet | None]]:
    if isinstance(items, list):
        for item in items:
            if isinstance(item, str):
                found = _pep508(item)
                if found:
                    yield found


def _poetry_table(table: object) -> Iterator[tuple[str, SpecifierSet | None]]:
    """Poetry and Pipfile share the shape name = "constraint" | {version = ...} | [{...}, ...]."""
    if not isinstance(table, dict):
        return
    for name, value in table.items():
        if not isinstance(name, str) or _kind(name) is None:
            continue
        if isinstance(value, dict):
            value = value.get("version", "*")
        elif isinstance(value, list):
            # Several constraints with markers: we ignore markers, so only "present" is sure.
            value = "*"
        if isinstance(value, str):
            spec = _loose_spec(value)
            if spec is not None:
                yield name, spec


def _pyproject(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    yield from _toml_requirement_lists(_toml_loads(text))


def _pipfile(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    data = _toml_loads(text)
    for table in ("packages", "dev-packages"):
        yield from _poetry_table(data.get(table))


def _setup_cfg(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    values = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values.extend(v for _, v in parser.items("options.extras_require"))
    for value in values:
        for item in re.split(r"[\n;]", value):
            found = _pep508(item)
            if found:
                yield found


def _setup_py(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    """String literals given to install_requires / extras_require (the file is never executed)."""
    tree = ast.parse(text)
    # One level of indirection: install_requires=REQUIRED where REQUIRED = [...] at top level.
    assigned: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value

    for call in ast.walk(tree):
        if isinstance(call, ast.Call):
            for kw in call.keywords:
                if kw.arg in ("install_requires", "extras_require"):
                    for item in _setup_py_strings(kw.value, assigned):
                        found = _pep508(item)
                        if found:
                            yield found


def _setup_py_strings(node: ast.expr | None, assigned: dict[str, ast.expr], depth: int = 0) -> Iterator[str]:
    """The string literals of a requirement list: list, tuple or set literals, a dict of them,
    their sums, and (one level) a top-level name assigned one of those."""
    if node is None or depth > 3:
        return
    if isinstance(node, ast.Name) and node.id in assigned:
        yield from _setup_py_strings(assigned[node.id], assigned, depth + 1)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                yield elt.value
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _setup_py_strings(value, assigned, depth + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _setup_py_strings(node.left, assigned, depth + 1)
        yield from _setup_py_strings(node.right, assigned, depth + 1)


_CONDA_SPEC_PATTERN = r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<rest>.*)$"


def _conda_item(item: str) -> tuple[str, SpecifierSet | None] | None:
    """A conda match spec: "keras=2.3.1", "keras==2.3.1", "keras>=2.3", "keras 2.3 py37_0",
    "conda-forge::keras=2.3", "keras=2.3.1=py37_0"."""
    item = item.strip().strip("'\"")
    if "::" in item:
        item = item.split("::", 1)[1]
    m = re.match(_CONDA_SPEC_PATTERN, item)
    if not m:
        return None
    name, rest = m.group("name"), m.group("rest").strip()
    if _kind(name) is None:
        return None
    if not rest:
        return name, _specifier_set("")
    if rest.startswith("=") and not rest.startswith("=="):
        rest = rest[1:].split("=", 1)[0]  # drop a "=build" suffix
    elif " " in rest and not rest.startswith(_OPS):
        rest = rest.split()[0]  # "2.3.1 py37_0": version then build string
    spec = _loose_spec(rest, bare_is_prefix=True)
    return (name, spec) if spec is not None else None


def _environment_yml(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    """A line-based reader for the `dependencies:` list (and its `pip:` sub-list)."""
    in_deps = False
    pip_indent: int | None = None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if indent == 0 and not stripped.startswith("-"):
            in_deps = stripped.startswith("dependencies:")
            pip_indent = None
            continue
        if not in_deps or not stripped.startswith("-"):
            continue
        entry = stripped[1:].strip()
        if pip_indent is not None and indent <= pip_indent:
            pip_indent = None  # back at the conda list
        if entry.rstrip(":").strip().strip("'\"") == "pip" and entry.endswith(":"):
            pip_indent = indent
            continue
        if pip_indent is not None:
            found = _pep508(entry.strip("'\""))
        else:
            found = _conda_item(entry)
        if found:
            yield found


# Options of `pip install` / `conda install` whose value is the next word (when not joined by "=").
_INSTALL_OPTIONS_WITH_VALUE = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links", "-i", "--index-url",
    "--extra-index-url", "-t", "--target", "--prefix", "--root", "--trusted-host", "--platform",
    "--python-version", "--implementation", "--abi", "--src", "--upgrade-strategy", "--progress-bar",
    "--cache-dir", "--log", "--timeout", "--retries", "--proxy", "--cert", "--client-cert", "-n", "--name",
    "-p", "-C", "--channel",
})
# The official TensorFlow images: FROM tensorflow/tensorflow:2.4.1-gpu pins TensorFlow 2.4.1.
_TF_IMAGE_PATTERN = r"^(?:docker\.io/)?tensorflow/tensorflow(?::(?P<tag>\S+))?$"


def _dockerfile(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    """`FROM tensorflow/tensorflow:<version>` and the packages of `pip install` / `conda install`
    commands in RUN instructions (a repository that pins Keras only in its Dockerfile)."""
    # Comment lines go first (also inside a continued instruction), then continuations are joined.
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = re.sub(r"\\[ \t]*\n", " ", text)
    for raw in text.splitlines():
        words = raw.split()
        if not words:
            continue
        instruction = words[0].upper()
        if instruction == "FROM":
            yield from _tensorflow_image(words[1:])
        elif instruction == "RUN":
            for command in re.split(r"&&|\|\||;|\|", raw[raw.upper().index("RUN") + 3:]):
                yield from _installed_by(command.split())


def _tensorflow_image(words: list[str]) -> Iterator[tuple[str, SpecifierSet | None]]:
    image = next((word for word in words if not word.startswith("--")), "")
    m = re.match(_TF_IMAGE_PATTERN, image)
    if m is None:
        return
    version = re.match(r"\d+(?:\.\d+)*", m.group("tag") or "")
    spec = _loose_spec(version.group(0), bare_is_prefix=True) if version else _specifier_set("")
    if spec is not None:
        yield "tensorflow", spec  # "latest", "nightly": present, unpinned


def _installed_by(words: list[str]) -> Iterator[tuple[str, SpecifierSet | None]]:
    """The requirements one shell command installs with pip or conda (nothing for other commands)."""
    if "install" not in words:
        return
    at = words.index("install")
    tool = [word.rsplit("/", 1)[-1] for word in words[:at] if not word.startswith("-")]
    if not tool or not (tool[-1].startswith("pip") or tool[-1] in ("conda", "mamba", "micromamba")
                        or tool[-2:] == ["-m", "pip"]):
        return
    read = _conda_item if tool[-1] in ("conda", "mamba", "micromamba") else _pep508
    skip_next = False
    for word in words[at + 1:]:
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            skip_next = word in _INSTALL_OPTIONS_WITH_VALUE
            continue
        word = word.strip("'\"")
        found = _wheel(word) if word.endswith(".whl") else read(word)
        if found:
            yield found


def _wheel(path: str) -> tuple[str, SpecifierSet | None] | None:
    """A wheel named by file or URL: `.../tensorflow-1.8.0-cp36-cp36m-linux_x86_64.whl` is that version."""
    parts = path.rsplit("/", 1)[-1].split("-")
    if len(parts) < 5 or _kind(parts[0]) is None or _version(parts[1]) is None:
        return None
    return parts[0], _spec_or_none(f"=={parts[1]}")


def _conda_environment(text: str) -> Iterator[tuple[str, SpecifierSet | None]]:
    """A YAML file under another name than environment.yml that is a conda environment (a
    top-level `dependencies:` list, as `conda env export` writes): read like environment.yml."""
    if re.search(r"^dependencies:", text, re.MULTILINE) is None:
        return iter(())
    return _environment_yml(text)


# A project file's reader: its text -> (package name, specifier or None) for each requirement.
_Reader = Callable[[str], Iterable[tuple[str, "SpecifierSet | None"]]]


_FIXED_PROJECT_FILES: dict[str, _Reader] = {
    "pyproject.toml": _pyproject,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    "Pipfile": _pipfile,
    "environment.yml": _environment_yml,
    "environment.yaml": _environment_yml,
}


def _project_files(directory: str) -> list[tuple[str, _Reader]]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    files = [(os.path.join(directory, name), reader) for name, reader in _FIXED_PROJECT_FILES.items() if name in names]
    dockerfiles = []
    requirements = []
    for name in names:
        lowered = name.lower()
        if lowered.startswith("requirements") and lowered.endswith((".txt", ".in")):
            requirements.append(os.path.join(directory, name))
        elif _is_dockerfile(name):
            dockerfiles.append(os.path.join(directory, name))
        elif lowered.endswith((".yml", ".yaml")) and name not in _FIXED_PROJECT_FILES:
            files.append((os.path.join(directory, name), _conda_environment))
    for folder in _DOCKER_FOLDERS:
        if folder in names:
            dockerfiles.extend(_dockerfiles_in(os.path.join(directory, folder)))
    files.extend((path, _requirements_txt) for path in _speaking_requirements(requirements))
    files.extend((path, _dockerfile) for path in _speaking_dockerfiles(dockerfiles))
    if "requirements" in names:
        listed = _requirement_lists_in(os.path.join(directory, "requirements"))
        files.extend((path, _requirements_txt) for path in listed)
    return [(p, r) for p, r in files if os.path.isfile(p)]


def _speaking_dockerfiles(paths: list[str]) -> list[str]:
    """Variants (Dockerfile.gpu, Dockerfile-py2) are alternative environments, not one: the plain
    Dockerfile speaks for the project when there is one."""
    plain = [path for path in paths if os.path.basename(path).lower() == "dockerfile"]
    return plain or paths


def _speaking_requirements(paths: list[str]) -> list[str]:
    """requirements_gpu.txt / requirements-mac.txt beside requirements.txt are alternative installs
    (tensorflow-gpu or tensorflow, tensorflow-macos ...), not additions: the plain file speaks for
    them. Additions (requirements-dev.txt) are read with it."""
    plain = any(os.path.basename(path).lower() in ("requirements.txt", "requirements.in") for path in paths)
    return [path for path in paths if not (plain and _platform_variant(os.path.basename(path)))]


# Words that name a platform or an accelerator in a requirements file name.
_PLATFORM_WORDS = frozenset({"gpu", "cpu", "tpu", "cuda", "mac", "macos", "osx", "darwin", "m1", "m2", "apple",
                             "arm", "arm64", "aarch64", "linux", "win", "windows", "win32", "colab", "rocm"})


def _platform_variant(name: str) -> bool:
    words = re.split(r"[-_.]", name.lower().removeprefix("requirements").rsplit(".", 1)[0])
    return any(word in _PLATFORM_WORDS or re.fullmatch(r"cu(da)?\d+", word) is not None for word in words)


def _requirement_lists_in(folder: str) -> list[str]:
    try:
        return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if name.endswith((".txt", ".in"))]
    except OSError:
        return []


_DOCKER_FOLDERS = ("docker", "Docker")


def _is_dockerfile(name: str) -> bool:
    lowered = name.lower()
    return lowered == "dockerfile" or lowered.startswith(("dockerfile.", "dockerfile-")) or lowered.endswith(
        ".dockerfile"
    )


def _dockerfiles_in(folder: str) -> list[str]:
    try:
        return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if _is_dockerfile(name)]
    except OSError:
        return []


_StatKey = tuple[int, int, int] | None


def _stat_key(path: str) -> _StatKey:
    """What tells that a file or folder changed: modification time, size, inode (None: absent)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


# directory -> (folder keys, project files, their keys, pins): valid while none of the keys changed.
# The folder itself and its subfolders that may hold project files: a file added there changes the key.
_PIN_FOLDERS = ("", "requirements", *_DOCKER_FOLDERS)
_DIR_CACHE: dict[str, tuple[tuple[_StatKey, ...], tuple[str, ...], tuple[_StatKey, ...], "Pins | None"]] = {}
_CACHE_LIMIT = 4096


def _pins_in_dir(directory: str) -> Pins | None:
    """The pins declared by the project files of one directory. Read once, and again only when
    the folder (a file added, removed or replaced) or one of its project files changed."""
    folder_key = tuple(_stat_key(os.path.join(directory, sub)) for sub in _PIN_FOLDERS)
    cached = _DIR_CACHE.get(directory)
    if cached is not None and cached[0] == folder_key:
        if tuple(_stat_key(path) for path in cached[1]) == cached[2]:
            return cached[3]
    files = _project_files(directory)
    paths = tuple(path for path, _reader in files)
    keys = tuple(_stat_key(path) for path in paths)  # taken before reading: a racing write re-reads
    pins = _read_pins(files)
    if len(_DIR_CACHE) >= _CACHE_LIMIT:
        _DIR_CACHE.clear()
    _DIR_CACHE[directory] = (folder_key, paths, keys, pins)
    return pins


_PACKAGE_WORDS = r"keras|tensorflow|nightly"  # tf-nightly is the one without either word
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _names_a_package(text: str) -> bool:
    """Whether a name one of the readers could return as a pinned package appears in the text:
    a whole run of name characters (letters, digits, `.`, `_`, `-`) that is a package's name."""
    lowered = text.lower()
    for found in re.finditer(_PACKAGE_WORDS, lowered):
        start, end = found.start(), found.end()
        while start > 0 and lowered[start - 1] in _NAME_CHARACTERS:
            start -= 1
        while end < len(lowered) and lowered[end] in _NAME_CHARACTERS:
            end += 1
        if _kind(lowered[start:end]) is not None:
            return True
    return False


def _read_pins(files: list[tuple[str, _Reader]]) -> Pins | None:
    found: dict[str, SpecifierSet] = {}
    exact: dict[str, list[str]] = {}  # the versions of each package's exact pins, file by file
    sources: list[str] = []
    for path, reader in files:
        text = _read_text(path)
        if text is None:
            continue
        if not _names_a_package(text):
            continue  # spares parsing (a TOML parser costs ~2 ms to import)
        try:
            entries = list(reader(text))
        except Exception:  # noqa: BLE001 - a malformed project file must never break linting
            continue
        used = False
        for name, spec in entries:
            kind = _kind(name)
            if kind is None or spec is None:
                continue
            bound = _LAST_RELEASES.get(_canonical(name))
            if bound is not None:
                spec = spec & _specifier_set(bound)
            used = True
            # pip installs all of them together, so several mentions must all hold.
            found[kind] = found[kind] & spec if kind in found else spec
            clauses = list(spec)
            if len(clauses) == 1 and clauses[0].operator == "==" and not clauses[0].version.endswith("*"):
                exact.setdefault(kind, []).append(clauses[0].version)
        if used:
            sources.append(path)
    if not found:
        return None
    for kind, versions in exact.items():
        found[kind] = _alternatives(found[kind], versions, kind)
    return Pins(
        keras=found.get("keras"),
        tensorflow=found.get("tensorflow"),
        tf_keras=found.get("tf_keras"),
        source=", ".join(sources),
    )


def _alternatives(spec: SpecifierSet, versions: list[str], kind: str) -> SpecifierSet:
    """Exact pins that contradict each other (environment-linux.yml with keras==2.0.3 and
    environment-osx.yml with keras==2.0.2) are alternative environments: the range they span."""
    if len(set(versions)) < 2 or _admitted_versions(spec, _reps(_KIND_PACKAGE[kind])):
        return spec
    parsed = sorted((v, text) for v, text in ((_version(text), text) for text in versions) if v is not None)
    if len(parsed) < 2:
        return spec
    return _specifier_set(f">={parsed[0][1]},<={parsed[-1][1]}")


_KIND_PACKAGE = {"keras": "keras", "tensorflow": "tensorflow", "tf_keras": "tf-keras"}


# Within a lint run (begin_run()): directory -> its project's pins. The folders of a project share
# their ancestors, which are then checked once per run instead of once per folder. Outside a run
# (a notebook kernel) every lookup checks the pin files for changes.
_RUN_PINS: dict[str, Pins | None] | None = None


def begin_run() -> None:
    """A new lint run (flake8's next run in a long-lived host): pin files are checked again, once."""
    global _RUN_PINS
    _RUN_PINS = {}
    from keraslint import project_modules

    project_modules.clear()


def _walk_up(directory: str) -> Pins | None:
    memo = _RUN_PINS if _RUN_PINS is not None else {}
    walked: list[str] = []
    found: Pins | None = None
    while True:
        if directory in memo:
            found = memo[directory]
            break
        walked.append(directory)
        found = _pins_in_dir(directory)
        if found is not None:
            break
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            break  # filesystem root, or the top of this repository
        directory = parent
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    for seen in walked:
        memo[seen] = found
    return found


def find_project_pins(start_dir: str) -> Pins | None:
    """The keras / tensorflow / tf-keras pins of the project that contains start_dir.

    Walks up from start_dir; the first directory whose pyproject.toml ([project] dependencies
    and optional-dependencies, [tool.poetry] dependencies and groups), requirements*.txt
    (and requirements/*.txt), setup.cfg, setup.py (literals only, never executed),
    environment.yml (conda and pip: entries), Pipfile or Dockerfile (also docker/Dockerfile*:
    the tensorflow/tensorflow image tag, pip and conda installs) mentions one of those packages
    gives the answer. Stops after a directory holding .git, or at the root. Results are cached per
    directory and re-read when a file changes (clear_caches() forgets them). Never raises.
    """
    try:
        directory = os.path.abspath(start_dir or os.curdir)
        return _walk_up(directory)
    except Exception:  # noqa: BLE001 - e.g. a deleted working directory
        return None


_INSTALLED_ORDER = (
    ("keras", ("keras", "keras-nightly")),
    (
        "tensorflow",
        (
            "tensorflow",
            "tensorflow-cpu",
            "tensorflow-gpu",
            "tensorflow-macos",
            "tensorflow-intel",
            "tensorflow-aarch64",
            "tensorflow-rocm",
            "intel-tensorflow",
            "tf-nightly",
            "tf-nightly-cpu",
            "tf-nightly-gpu",
        ),
    ),
    ("tf_keras", ("tf-keras", "tf_keras", "tf-keras-nightly")),
)


_INSTALLED_NAMES = {
    _canonical(name): (kind, order)
    for kind, names in _INSTALLED_ORDER
    for order, name in enumerate(names)
}
_DIST_SUFFIXES = (".dist-info", ".egg-info")
# sys.path and its folders' keys -> the installed pins (a pip install changes a folder's key).
_INSTALLED_CACHE: dict[tuple[tuple[str, _StatKey], ...], Pins | None] = {}  # one entry


def _metadata_version(path: str) -> str | None:
    for name in ("METADATA", "PKG-INFO"):
        text = _read_text(os.path.join(path, name)) if os.path.isdir(path) else (
            _read_text(path) if name == "PKG-INFO" else None
        )
        if text:
            match = re.search(r"^Version:\s*(\S+)", text, re.M)
            if match:
                return match.group(1)
    return None


def _installed_versions() -> dict[str, str]:
    """{normalised distribution name: version} for the distributions that matter, read from the
    `*.dist-info` / `*.egg-info` entries of sys.path (first one wins, as for importlib.metadata),
    without importing importlib.metadata."""
    found: dict[str, str] = {}
    for entry in sys.path:
        folder = entry or os.curdir
        try:
            names = os.listdir(folder)
        except (OSError, ValueError):
            continue
        for name in names:
            if not name.endswith(_DIST_SUFFIXES):
                continue
            stem = name.rsplit(".", 1)[0]
            parts = stem.split("-")
            dist = _canonical(parts[0])
            if dist not in _INSTALLED_NAMES or dist in found:
                continue
            version = parts[1] if len(parts) > 1 and parts[1][:1].isdigit() else None
            version = version or _metadata_version(os.path.join(folder, name))
            if version:
                found[dist] = version
    return found


def _installed_key() -> tuple[tuple[str, _StatKey], ...]:
    return tuple((entry, _stat_key(entry or os.curdir)) for entry in sys.path)


def installed_pins() -> Pins | None:
    """Versions of keras, TensorFlow (any distribution) and tf-keras installed in the running
    environment, each as SpecifierSet("==X"); None when none of them is installed. Cached until
    sys.path or one of its folders changes (a pip install or uninstall)."""
    key = _installed_key()
    if key in _INSTALLED_CACHE:
        return _INSTALLED_CACHE[key]
    versions = _installed_versions()
    found: dict[str, SpecifierSet] = {}
    ranked: dict[str, tuple[int, str]] = {}
    for dist, version in versions.items():
        kind, order = _INSTALLED_NAMES[dist]
        if kind not in ranked or order < ranked[kind][0]:
            ranked[kind] = (order, version)
    for kind, (_order, version) in ranked.items():
        spec = _spec_or_none(f"=={version}")
        if spec is not None:
            found[kind] = spec
    pins = None
    if found:
        pins = Pins(
            keras=found.get("keras"),
            tensorflow=found.get("tensorflow"),
            tf_keras=found.get("tf_keras"),
            source="installed distributions",
        )
    _INSTALLED_CACHE.clear()
    _INSTALLED_CACHE[key] = pins
    return pins


def clear_caches() -> None:
    """Forget cached project pins, installed versions and line mappings (for long-lived hosts)."""
    global _RUN_PINS
    _DIR_CACHE.clear()
    _RUN_PINS = None
    from keraslint import project_modules

    project_modules.clear()
    _INSTALLED_CACHE.clear()
    _lines_for_api.cache_clear()


# --- pins -> lines ----------------------------------------------------------------------------


def _pinned(spec: SpecifierSet | None) -> TypeGuard[SpecifierSet]:
    return spec is not None and len(spec) > 0


def _deciding_pin(
    api: str, pins: Pins
) -> tuple["SpecifierSet", str, Callable[["Version"], VersionLine | None]] | None:
    """Which pin decides the lines of an import style: (its spec, the package whose representative
    versions it is read with, version -> line); None when the pins do not decide it."""
    keras, tf, tfk = pins.keras, pins.tensorflow, pins.tf_keras
    if api == API_KERAS:
        # An explicit keras pin decides; a bare "keras" defers to a pinned TensorFlow.
        if _pinned(keras) or (keras is not None and not _pinned(tf)):
            return keras, "keras", _keras_line
        if tf is not None:
            return tf, "tensorflow", _keras_via_tf_line
        return None
    if api == API_TF:
        if tf is not None:
            return tf, "tensorflow", _tf_line
        if _pinned(tfk):
            return tfk, "tf-keras", _tf_line  # tf-keras requires the TensorFlow of its own minor version
        return None
    if api == API_TF_KERAS:
        if _pinned(tfk) or (tfk is not None and not _pinned(tf)):
            return tfk, "tf-keras", _tf_keras_line
        if tf is not None:
            return tf, "tensorflow", _tf_keras_via_tf_line
    return None


@functools.lru_cache(maxsize=1024)
def _lines_for_api(api: str, pins: Pins) -> frozenset[VersionLine]:
    deciding = _deciding_pin(api, pins)
    if deciding is None:
        return frozenset()
    spec, package, line_of = deciding
    lines = _admitted(spec, _reps(package), line_of)
    if api == API_TF and pins.tf_keras is not None and VersionLine.L5 in lines:
        lines |= {VersionLine.L4}  # TF_USE_LEGACY_KERAS=1 may route tf.keras to tf-keras
    return lines


@functools.lru_cache(maxsize=1024)
def _l3_minors_for_api(api: str, pins: Pins) -> tuple[int, int] | None:
    deciding = _deciding_pin(api, pins)
    return None if deciding is None else _admitted_l3_minors(deciding[0], _reps(deciding[1]), deciding[2])


@functools.lru_cache(maxsize=1024)
def tf1_for(pins: Pins) -> bool:
    """Whether the pins leave TensorFlow 1.x possible for tf.keras (its line L2 also holds TF 2.0-2.1)."""
    deciding = _deciding_pin(API_TF, pins)
    return deciding is None or deciding[1] != "tensorflow" or _admits(deciding[0], _major_1)


@functools.lru_cache(maxsize=1024)
def tf2_for(pins: Pins) -> bool:
    """Whether the pins leave TensorFlow 2.x possible for tf.keras (False: TF 1.x only)."""
    deciding = _deciding_pin(API_TF, pins)
    return deciding is None or deciding[1] != "tensorflow" or _admits(deciding[0], _major_2_or_later)


def lines_for(apis: frozenset[str], pins: Pins) -> frozenset[VersionLine] | None:
    """The lines the pins allow for a file that uses these APIs (API_* constants).

    keras pin: 2.0-2.2 -> L1, 2.3 -> L2, 2.4-2.15 -> L3, >=3 -> L5; with keras unpinned or
    absent, a TensorFlow pin decides (2.2-2.15 -> L3, >=2.16 -> L5). TensorFlow pin for
    tf.keras: <2.2 -> L2, 2.2-2.15 -> L3, >=2.16 -> L5, plus L4 when tf-keras is also listed.
    tf-keras: >=2.16 -> L4, else from the TensorFlow pin. A range maps to every line it
    admits; an unpinned entry admits everything.

    Union over apis, but None as soon as one API in use is not decided by the pins (the
    file could then be on any line). An empty apis set means "no Keras import seen": the
    union of whatever the pins decide. None when the result is empty.
    """
    apis = frozenset(apis)
    if not apis:
        parts = [_lines_for_api(api, pins) for api in sorted(_ALL_APIS)]
        union: frozenset[VersionLine] = frozenset().union(*parts)
        return union or None
    result: frozenset[VersionLine] = frozenset()
    for api in apis:
        part = _lines_for_api(api, pins)
        if not part:
            return None
        result |= part
    return result or None


def l3_minors_for(apis: frozenset[str], pins: Pins) -> tuple[int, int] | None:
    """The TensorFlow 2.x minors within L3 the pins admit for a file that uses these APIs (over all
    APIs when none is known), e.g. (5, 5) for tensorflow==2.5.*; None when they admit no L3 release.
    Read together with lines_for, which decides whether the pins apply at all."""
    spans = []
    for api in apis or sorted(_ALL_APIS):
        span = _l3_minors_for_api(api, pins)
        if span is not None:
            spans.append(span)
    if not spans:
        return None
    return (min(low for low, _ in spans), max(high for _, high in spans))


# --- resolution -------------------------------------------------------------------------------


@record
class Target:
    """What the adapters know about a file's Keras before reading its code: the explicit setting,
    the nearest project's pins, the installed distributions. The engine asks `lines_for` with the
    import styles the file uses and refines the answer with the file's own evidence."""

    setting: frozenset[VersionLine] | None = None  # parsed keras-version setting
    project: Pins | None = None
    installed: Pins | None = None
    installed_first: bool = False  # a notebook kernel: what is installed is what runs
    setting_l3_minors: tuple[int, int] | None = None  # the TF minors within L3 the setting names
    setting_tf1: bool = True  # the setting leaves TensorFlow 1.x possible (not "tensorflow==2.0")
    setting_tf2: bool = True  # the setting leaves TensorFlow 2.x possible (not "tensorflow==1.15")
    folder: str | None = None  # where the file lies: the project modules it imports are found from there

    def imported_evidence(self, tree: ast.Module) -> Evidence | None:
        """The version evidence of the project modules the file imports (read from `folder`)."""
        if self.folder is None:
            return None
        from keraslint import project_modules

        return project_modules.imported_evidence(self.folder, tree)

    def lines_for(self, apis: frozenset[str]) -> tuple[frozenset[VersionLine], str]:
        """(lines, reason). First match wins: setting, project pins (narrowed to the installed
        versions when those allow a strict subset), installed distributions, else every line."""
        lines, _minors, reason = self.decide(apis)
        return lines, reason

    def decide(self, apis: frozenset[str]) -> tuple[frozenset[VersionLine], tuple[int, int], str]:
        """(lines, the TensorFlow 2.x minors within L3 the same source admits, reason): see lines_for."""
        if self.setting is not None:
            return self.setting, self.setting_l3_minors or L3_MINORS, "keras-version setting"
        pins, reason = self._deciding_pins(apis)
        lines = lines_for(apis, pins) if pins is not None else None
        if pins is None or lines is None:
            return ALL_VERSION_LINES, L3_MINORS, "unknown"
        return lines, self._minors(apis, pins), reason

    def tf1_possible(self, apis: frozenset[str]) -> bool:
        """Whether TensorFlow 1.x's tf.keras may run the file, from the same source as decide()."""
        return self._tf_possible(apis, self.setting_tf1, tf1_for)

    def tf2_possible(self, apis: frozenset[str]) -> bool:
        """Whether TensorFlow 2.x's tf.keras may run the file, from the same source as decide()."""
        return self._tf_possible(apis, self.setting_tf2, tf2_for)

    def _tf_possible(self, apis: frozenset[str], by_setting: bool, by_pins: Callable[[Pins], bool]) -> bool:
        if self.setting is not None:
            return by_setting
        pins, _reason = self._deciding_pins(apis)
        return True if pins is None else by_pins(pins)

    def _deciding_pins(self, apis: frozenset[str]) -> tuple[Pins | None, str]:
        """The pins the lines are read from, and why (None, "unknown": nothing decides them). First
        match wins: project pins (narrowed to the installed versions when those allow a strict
        subset), installed distributions; the installed ones first in a notebook kernel."""
        installed_lines = lines_for(apis, self.installed) if self.installed is not None else None
        if self.installed_first and installed_lines is not None:
            return self.installed, "installed distributions"
        if self.project is not None:
            project_lines = lines_for(apis, self.project)
            if project_lines is not None:
                if len(project_lines) > 1 and installed_lines is not None and installed_lines < project_lines:
                    return self.installed, f"installed distributions within pins in {self.project.source}"
                return self.project, f"pins in {self.project.source}"
        if installed_lines is not None:
            return self.installed, "installed distributions"
        return None, "unknown"

    @staticmethod
    def _minors(apis: frozenset[str], pins: Pins | None) -> tuple[int, int]:
        return (l3_minors_for(apis, pins) if pins is not None else None) or L3_MINORS


UNKNOWN_TARGET = Target()


def setting_target(setting: str | None) -> Target | None:
    """The Target a keras-version setting names; None for auto (or no setting). ConfigError from a
    bad setting propagates."""
    lines = parse_keras_version(setting) if setting is not None else None
    if lines is None:
        return None
    return Target(setting=lines, setting_l3_minors=parse_l3_minors(setting), setting_tf1=parse_tf1(setting),
                  setting_tf2=parse_tf2(setting))


def target_for(filename: str | None, setting: str | None) -> Target:
    """The Target of a file: reads the project's pin files and the installed distributions
    (cached). ConfigError from a bad setting propagates."""
    explicit = setting_target(setting)
    if filename is None or filename in ("stdin", "-"):
        try:
            directory = os.getcwd()
        except OSError:
            directory = os.curdir
    else:
        directory = os.path.dirname(os.path.abspath(filename))
    if explicit is not None:
        return replace(explicit, folder=directory)
    return Target(project=find_project_pins(directory), installed=installed_pins(), folder=directory)


def resolve_lines(
    filename: str | None, setting: str | None, apis: frozenset[str]
) -> tuple[frozenset[VersionLine], str]:
    """The lines a file targets and why: (lines, reason); see Target.lines_for."""
    return target_for(filename, setting).lines_for(apis)
