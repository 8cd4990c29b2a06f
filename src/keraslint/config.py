"""The one configuration of both front ends: `[tool.keraslint]` in the nearest pyproject.toml and
flake8's own configuration file, merged with the command line.

Keys of `[tool.keraslint]` (all optional):

    [tool.keraslint]
    select = ["KER"]                 # code prefixes to report (default: every rule)
    extend-select = []               # added to select
    ignore = ["KER106"]              # code prefixes not to report
    per-file-ignores = { "tests/*" = ["KER2"], "*.ipynb" = ["KER304"] }
    keras-version = "tensorflow==2.15"   # see `keraslint check --help`
    exclude = ["build", "notebooks/scratch/*.ipynb"]   # (CLI) replaces the default of nothing
    extend-exclude = []              # (CLI) added to exclude
    respect-gitignore = true         # (CLI) skip what .gitignore files ignore when walking folders

From flake8's configuration (the first of setup.cfg, tox.ini, .flake8 with a [flake8] section,
walking up from the working directory, as flake8 finds it): `keras-version`, and the KER codes
of `ignore`, `extend-ignore` and `per-file-ignores`.

Precedence, the same in `flake8` and `keraslint check`: a command-line flag, then flake8's
configuration, then `[tool.keraslint]`, then the project's pins (targeting.py). The flake8 plugin
gets the flag and flake8's configuration from flake8 itself (they arrive as one option), and reads
`[tool.keraslint]` here; flake8 applies its own ignore lists.

The nearest pyproject.toml is the first one, walking up from the working directory, that has a
`[tool.keraslint]` table. Globs are relative to the folder of that file. An unknown key or a bad
value is a ConfigError: one line that names the file, the key and what is accepted. Files are
re-read when they change (modification time and size), for long-lived hosts such as editors.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any

from keraslint.immutable import record, replace
from keraslint.settings import Settings, check_selector
from keraslint.targeting import ConfigError, _stat_key

if TYPE_CHECKING:  # pragma: no cover
    import configparser

KNOWN_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "keras-version", "exclude", "extend-exclude",
    "respect-gitignore",
)
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")


class FileConfig:
    """What one configuration file says: the raw table and where it lives."""

    def __init__(self, table: dict[str, Any], path: str | None) -> None:
        self.table = table
        self.path = path

    @property
    def root(self) -> str | None:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else None


def find_pyproject(start: str | None = None) -> str | None:
    """The nearest pyproject.toml with a [tool.keraslint] table, walking up from start."""
    try:
        directory = os.path.abspath(start or os.getcwd())
    except OSError:
        return None
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            data = _read_toml(candidate)  # a broken pyproject.toml on the way is an error
            if isinstance(data.get("tool"), dict) and "keraslint" in data["tool"]:
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


_TOML_CACHE: dict[str, tuple[Any, dict[str, Any]]] = {}


def _read_toml(path: str) -> dict[str, Any]:
    """The parsed file; cached until its modification time or size changes."""
    key = _stat_key(path)
    cached = _TOML_CACHE.get(path)
    if cached is not None and key is not None and cached[0] == key:
        return cached[1]
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read configuration file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    if len(_TOML_CACHE) > 256:
        _TOML_CACHE.clear()
    _TOML_CACHE[path] = (key, data)
    return data


def clear_caches() -> None:
    _TOML_CACHE.clear()
    _INI_CACHE.clear()


def load(path: str | None = None, start: str | None = None) -> FileConfig:
    """The configuration: `path` when given (--config), else the nearest pyproject.toml.

    An explicit file named pyproject.toml is read at [tool.keraslint] (absent: empty); any other
    TOML file is read at [tool.keraslint] when it has one, else at its top level.
    """
    if path is None:
        path = find_pyproject(start)
        if path is None:
            return FileConfig({}, None)
        explicit = False
    else:
        if not os.path.isfile(path):
            raise ConfigError(f"--config: no such file: {path}")
        explicit = True
    data = _read_toml(path)
    tool = data.get("tool")
    if isinstance(tool, dict) and "keraslint" in tool:
        table = tool["keraslint"]
        where = "[tool.keraslint]"
    elif explicit and os.path.basename(path) != "pyproject.toml":
        table = data
        where = "top level"
    else:
        table = {}
        where = "[tool.keraslint]"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.keraslint] must be a table")
    _validate_keys(table, f"{path} ({where})")
    return FileConfig(table, path)


def _validate_keys(table: dict[str, Any], where: str) -> None:
    for key in table:
        if key not in KNOWN_KEYS:
            hint = ""
            underscored = key.replace("_", "-")
            if underscored in KNOWN_KEYS:
                hint = f" (did you mean {underscored!r}?)"
            raise ConfigError(
                f"{where}: unknown key {key!r}{hint}; known keys: {', '.join(KNOWN_KEYS)}"
            )


def _codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        items = [item.strip() for item in value]
    else:
        raise ConfigError(f"{where}: {key} must be a list of codes such as [\"KER201\"], got {value!r}")
    return tuple(items)


def _globs(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{where}: {key} must be a list of glob patterns, got {value!r}")


# --- flake8's configuration -----------------------------------------------------------------------


@record
class Flake8Config:
    """What flake8's configuration file says about keraslint."""

    path: str | None = None
    keras_version: str | None = None  # raw, as flake8 hands it to the plugin (inline comment and all)
    ignore: tuple[str, ...] = ()  # KER codes of ignore and extend-ignore
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # KER codes only

    @property
    def where(self) -> str:
        return f"{self.path} [flake8]"


_INI_CACHE: dict[str, tuple[tuple[int, int, int] | None, configparser.RawConfigParser | None]] = {}


def _read_ini(path: str) -> configparser.RawConfigParser | None:
    """configparser.RawConfigParser of the file as flake8 reads it (None when unreadable); cached
    until the file changes."""
    key = _stat_key(path)
    cached = _INI_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    import configparser

    parser = configparser.RawConfigParser()
    result: configparser.RawConfigParser | None = parser
    try:
        parser.read(path, encoding="UTF-8")
    except (UnicodeDecodeError, configparser.Error):
        result = None  # flake8 ignores an unparseable file too
    if len(_INI_CACHE) > 256:
        _INI_CACHE.clear()
    _INI_CACHE[path] = (key, result)
    return result


def find_flake8_config(start: str | None = None) -> str | None:
    """The file flake8 would read: the first setup.cfg, tox.ini or .flake8 with a [flake8] section,
    walking up from start (the working directory) and stopping at the home folder."""
    try:
        directory = os.path.abspath(start or os.getcwd())
    except OSError:
        return None
    home = os.path.expanduser("~")
    while True:
        for name in FLAKE8_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                parser = _read_ini(candidate)
                if parser is not None and ("flake8" in parser or "flake8:local-plugins" in parser):
                    return candidate
        parent = os.path.dirname(directory)
        if parent == directory or parent == home:
            return None
        directory = parent


def _split_codes(value: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", value.split("#", 1)[0]) if part]


def load_flake8(path: str | None = None, start: str | None = None) -> Flake8Config:
    """keraslint's part of flake8's configuration (empty when there is none)."""
    path = path or find_flake8_config(start)
    if path is None:
        return Flake8Config()
    parser = _read_ini(path)
    if parser is None or "flake8" not in parser:
        return Flake8Config(path)
    section = parser["flake8"]
    keras_version = section.get("keras-version", section.get("keras_version"))
    ignore: list[str] = []
    for key in ("ignore", "extend-ignore", "extend_ignore"):
        ignore.extend(code for code in _split_codes(section.get(key, "")) if code.upper().startswith("KER"))
    per_file: list[tuple[str, tuple[str, ...]]] = []
    raw = section.get("per-file-ignores", section.get("per_file_ignores", ""))
    # flake8's format: "pattern: codes" pairs separated by whitespace or commas.
    for pattern, codes in re.findall(r"([^\s,:]+)\s*:\s*([A-Z0-9,\s]*?)(?=\s+[^\s,:]+\s*:|\s*$)", raw.strip()):
        kept = tuple(code for code in _split_codes(codes) if code.upper().startswith("KER"))
        if kept:
            per_file.append((pattern, kept))
    return Flake8Config(path, keras_version, tuple(code.upper() for code in ignore), tuple(per_file))


# --- the merged settings -------------------------------------------------------------------------


def build_settings(
    config: FileConfig,
    *,
    flake8: Flake8Config | None = None,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] | None = None,
    extend_select: tuple[str, ...] | None = None,
    keras_version: str | None = None,
    keras_version_flag: str = "--keras-version",
    exclude: tuple[str, ...] | None = None,
    extend_exclude: tuple[str, ...] | None = None,
    respect_gitignore: bool | None = None,
) -> Settings:
    """Settings from the files, each given flag replacing the same key. Validated: a ConfigError
    names the file and key, or the flag, that holds the bad value (one line)."""
    values = _table_values(config.table, config.path or "configuration")
    # flake8's configuration: above [tool.keraslint], below the flags.
    if flake8 is not None and flake8.path is not None:
        _apply_flake8(values, flake8)
    # Flags replace the files' value of the same key.
    for flag, field, value in (
        ("--select", "select", select),
        ("--ignore", "ignore", ignore),
        ("--extend-select", "extend_select", extend_select),
    ):
        if value is None:
            continue
        for code in value:
            check_selector(code, flag)
        values[field] = tuple(value)
    if keras_version is not None:
        _check_version(keras_version, keras_version_flag)
        values["keras_version"] = keras_version
        values["keras_version_source"] = keras_version_flag
    if exclude is not None:
        values["exclude"] = tuple(exclude)
    if extend_exclude is not None:
        values["extend_exclude"] = tuple(values.get("extend_exclude", ())) + tuple(extend_exclude)
    if respect_gitignore is not None:
        values["respect_gitignore"] = respect_gitignore
    settings = Settings(root=config.root, **values)
    if flake8 is not None and flake8.per_file_ignores:
        settings = _add_flake8_per_file_ignores(settings, flake8)
    return settings


def _checked_codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    """The codes of a [tool.keraslint] list, each a valid selector (else a ConfigError naming the file)."""
    codes = _codes(value, key, where)
    for code in codes:
        try:
            check_selector(code, key)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None
    return codes


def _table_values(table: dict[str, Any], where: str) -> dict[str, Any]:
    """The Settings fields that [tool.keraslint] (`table`, read from `where`) gives, validated."""
    values: dict[str, Any] = {}
    if "keras-version" in table:
        version = table["keras-version"]
        if not isinstance(version, str):
            raise ConfigError(f"{where}: keras-version must be a string such as \"3\" or "
                              f"\"tensorflow==2.15\", got {version!r}")
        _check_version(version, f"{where}: keras-version")
        values["keras_version"] = version
        values["keras_version_source"] = f"{where} [tool.keraslint]"
    for key, field in (("select", "select"), ("ignore", "ignore"), ("extend-select", "extend_select")):
        if key in table:
            values[field] = _checked_codes(table[key], key, where)
    if "exclude" in table:
        values["exclude"] = _globs(table["exclude"], "exclude", where)
    if "extend-exclude" in table:
        values["extend_exclude"] = _globs(table["extend-exclude"], "extend-exclude", where)
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: respect-gitignore must be true or false, got {table['respect-gitignore']!r}")
        values["respect_gitignore"] = table["respect-gitignore"]
    raw_per_file = table.get("per-file-ignores", {})
    if not isinstance(raw_per_file, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of glob = [codes], got {raw_per_file!r}")
    values["per_file_ignores"] = tuple(
        (pattern, _checked_codes(codes, f"per-file-ignores[{pattern!r}]", where))
        for pattern, codes in raw_per_file.items()
    )
    return values


def _apply_flake8(values: dict[str, Any], flake8: Flake8Config) -> None:
    """flake8's keras-version replaces [tool.keraslint]'s; its KER ignores add to the ignore list."""
    if flake8.keras_version is not None:
        _check_version(flake8.keras_version, f"{flake8.where}: keras-version")
        values["keras_version"] = flake8.keras_version
        values["keras_version_source"] = flake8.where
    for code in flake8.ignore:
        try:
            check_selector(code, "ignore")
        except ConfigError as error:
            raise ConfigError(f"{flake8.where}: {error}") from None
    values["ignore"] = tuple(values.get("ignore", ())) + flake8.ignore


def _add_flake8_per_file_ignores(settings: Settings, flake8: Flake8Config) -> Settings:
    for pattern, codes in flake8.per_file_ignores:
        for code in codes:
            try:
                check_selector(code, f"per-file-ignores[{pattern!r}]")
            except ConfigError as error:
                raise ConfigError(f"{flake8.where}: {error}") from None
    return replace(settings, per_file_ignores=settings.per_file_ignores + flake8.per_file_ignores)


def _check_version(value: str, where: str) -> None:
    from keraslint.targeting import parse_keras_version

    try:
        parse_keras_version(value)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def resolve(
    *,
    config_path: str | None = None,
    isolated: bool = False,
    start: str | None = None,
    **flags: Any,
) -> Settings:
    """The CLI's settings: [tool.keraslint] (or --config), flake8's configuration, then the flags."""
    if isolated:
        return build_settings(FileConfig({}, None), **flags)
    file_config = load(config_path, start)
    return build_settings(file_config, flake8=load_flake8(start=start), **flags)


def for_flake8(keras_version: str | None, *, isolated: bool = False, start: str | None = None) -> Settings:
    """The flake8 plugin's settings: `keras_version` is flake8's option (its flag or its
    configuration file, which flake8 has merged), above [tool.keraslint]."""
    file_config = FileConfig({}, None) if isolated else load(None, start)
    flag = "flake8 --keras-version"
    if keras_version is not None and not isolated:
        flake8 = load_flake8(start=start)  # only to name where the value came from
        if flake8.keras_version is not None and flake8.keras_version.strip() == keras_version.strip():
            flag = f"{flake8.where}: keras-version"
    return build_settings(file_config, keras_version=keras_version, keras_version_flag=flag)
