"""Settings shared by the flake8 adapter and the CLI (config.py builds them for both).

The flake8 adapter uses keras_version and the code selection of `[tool.keraslint]` (on top of
flake8's own selection); the CLI uses everything, from `[tool.keraslint]`, flake8's configuration
and its flags.

Code selection follows ruff: a selector is a code prefix (`KER`, `KER2`, `KER201`); for each code
the most specific matching selector among select + extend-select (enable) and ignore (disable)
decides, and on a tie ignore wins. per-file-ignores then remove codes for matching paths.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re

from keraslint.immutable import record


SELECTOR_PATTERN = r"^KER[0-9]{0,3}$"
DEFAULT_SELECT: tuple[str, ...] = ("KER",)


@record
class Settings:
    keras_version: str | None = None  # raw setting; validated by validate()
    select: tuple[str, ...] | None = None  # None: every rule ("KER")
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    # (glob, codes) pairs; globs are matched against the path relative to `root` and the file name.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()  # globs, matched like per-file-ignores and against every path part
    root: str | None = None  # directory that relative globs are anchored to (the config's folder)
    extend_exclude: tuple[str, ...] = ()  # added to exclude
    respect_gitignore: bool = True  # the CLI's folder walk skips what .gitignore files ignore
    keras_version_source: str | None = None  # where keras_version came from, for messages

    def validate(self) -> "Settings":
        """Raise targeting.ConfigError for a bad value, naming it."""
        if self.keras_version is not None:
            from keraslint import targeting  # imports packaging: only when there is a value

            targeting.parse_keras_version(self.keras_version)
        for key, values in (
            ("select", self.select or ()),
            ("ignore", self.ignore),
            ("extend-select", self.extend_select),
        ):
            for value in values:
                check_selector(value, key)
        for pattern, codes in self.per_file_ignores:
            for value in codes:
                check_selector(value, f"per-file-ignores[{pattern!r}]")
        return self

    # --- code selection ------------------------------------------------------------------------

    def enabled(self, code: str, path: str | None = None) -> bool:
        """Whether findings with this code are reported (for this file, when a path is given)."""
        enable = (self.select if self.select is not None else DEFAULT_SELECT) + self.extend_select
        best_on = max((len(s) for s in enable if code.startswith(s)), default=-1)
        best_off = max((len(s) for s in self.ignore if code.startswith(s)), default=-1)
        if best_on < 0 or best_off >= best_on:
            return False
        if path is not None and self.per_file_ignores:
            for pattern, codes in self.per_file_ignores:
                if path_matches(path, pattern, self.root) and any(code.startswith(c) for c in codes):
                    return False
        return True

    def excluded(self, path: str) -> bool:
        return any(
            path_matches(path, pattern, self.root, parts=True) for pattern in self.exclude + self.extend_exclude
        )


def check_selector(value: str, key: str) -> None:
    if not isinstance(value, str) or not re.match(SELECTOR_PATTERN, value):
        from keraslint.targeting import ConfigError

        raise ConfigError(
            f"{key}: {value!r} is not a keraslint code or prefix (expected KER followed by up to three digits, "
            "e.g. KER, KER2, KER201)"
        )
    from keraslint.diagnostics import INTERNAL_ERROR_CODE
    from keraslint.rules import ALL_RULES

    codes = [rule.code for rule in ALL_RULES] + [INTERNAL_ERROR_CODE]
    if not any(code.startswith(value) for code in codes):
        from keraslint.targeting import ConfigError

        raise ConfigError(f"{key}: {value!r} matches no keraslint rule (see `keraslint rules`)")


def _relative(path: str, root: str | None) -> str:
    absolute = os.path.abspath(path)
    base = os.path.abspath(root or os.curdir)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        relative = absolute
    if relative.startswith(".."):
        relative = absolute
    return relative.replace(os.sep, "/")


def path_matches(path: str, pattern: str, root: str | None, parts: bool = False) -> bool:
    """fnmatch against the path relative to root, its file name, and (parts=True) every folder
    prefix of it, so that `build`, `build/`, `data/*.ipynb` and `*.ipynb` all work."""
    pattern = pattern.replace("\\", "/").rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        return False
    relative = _relative(path, root)
    if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(posixpath.basename(relative), pattern):
        return True
    if parts:
        pieces = relative.split("/")
        for index in range(1, len(pieces)):
            prefix = "/".join(pieces[:index])
            if fnmatch.fnmatchcase(prefix, pattern) or fnmatch.fnmatchcase(pieces[index - 1], pattern):
                return True
    return False


DEFAULT_SETTINGS = Settings()
