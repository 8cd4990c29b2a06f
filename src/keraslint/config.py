"""`[tool.keraslint]` in the nearest pyproject.toml, merged with the command line.

Keys (all optional):

    [tool.keraslint]
    select = ["KER"]                 # code prefixes to report (default: every rule)
    extend-select = []               # added to select
    ignore = ["KER106"]              # code prefixes not to report
    per-file-ignores = { "tests/*" = ["KER2"], "*.ipynb" = ["KER304"] }
    keras-version = "tensorflow==2.15"   # see `keraslint check --help`
    exclude = ["build", "notebooks/scratch/*.ipynb"]

The nearest pyproject.toml is the first one, walking up from the working directory, that has a
`[tool.keraslint]` table. Globs are relative to the folder of that file. A command-line flag
replaces the value of the same key from the file. An unknown key or a bad value is a ConfigError
that names it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from keraslint.settings import Settings, check_selector
from keraslint.targeting import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

KNOWN_KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "keras-version", "exclude")


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


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read configuration file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


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


def build_settings(
    config: FileConfig,
    *,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] | None = None,
    extend_select: tuple[str, ...] | None = None,
    keras_version: str | None = None,
    exclude: tuple[str, ...] | None = None,
) -> Settings:
    """Settings from the file, each given flag replacing the same key. Validated: a ConfigError
    names the file and key, or the flag, that holds the bad value."""
    table = config.table
    where = config.path or "configuration"

    def bad(key: str, error: Exception) -> ConfigError:
        return ConfigError(f"{where}: {key}: {error}")

    values: dict[str, Any] = {}
    if "keras-version" in table:
        version = table["keras-version"]
        if not isinstance(version, str):
            raise ConfigError(f"{where}: keras-version must be a string such as \"3\" or "
                              f"\"tensorflow==2.15\", got {version!r}")
        try:
            Settings(keras_version=version).validate()
        except ConfigError as error:
            raise bad("keras-version", error) from None
        values["keras_version"] = version
    for key, field in (("select", "select"), ("ignore", "ignore"), ("extend-select", "extend_select")):
        if key in table:
            codes = _codes(table[key], key, where)
            for code in codes:
                try:
                    check_selector(code, key)
                except ConfigError as error:
                    raise ConfigError(f"{where}: {error}") from None
            values[field] = codes
    if "exclude" in table:
        values["exclude"] = _globs(table["exclude"], "exclude", where)
    raw_per_file = table.get("per-file-ignores", {})
    if not isinstance(raw_per_file, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of glob = [codes], got {raw_per_file!r}")
    per_file: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in raw_per_file.items():
        key = f"per-file-ignores[{pattern!r}]"
        parsed = _codes(codes, key, where)
        for code in parsed:
            try:
                check_selector(code, key)
            except ConfigError as error:
                raise ConfigError(f"{where}: {error}") from None
        per_file.append((pattern, parsed))
    values["per_file_ignores"] = tuple(per_file)

    # Flags replace the file's value of the same key.
    for flag, field, value in (
        ("--select", "select", select),
        ("--ignore", "ignore", ignore),
        ("--extend-select", "extend_select", extend_select),
    ):
        if value is None:
            continue
        for code in value:
            try:
                check_selector(code, flag)
            except ConfigError as error:
                raise ConfigError(str(error)) from None
        values[field] = tuple(value)
    if keras_version is not None:
        try:
            Settings(keras_version=keras_version).validate()
        except ConfigError as error:
            raise ConfigError(f"--keras-version: {error}") from None
        values["keras_version"] = keras_version
    if exclude is not None:
        values["exclude"] = tuple(exclude)
    return Settings(root=config.root, **values)
