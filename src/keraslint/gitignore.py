"""`.gitignore` for the CLI's folder walk, without git and without a dependency.

The patterns of every `.gitignore` from the repository's top (the nearest folder holding `.git`)
down to the folder being walked apply, plus `.git/info/exclude`; deeper files override, and the
last matching line of a file wins, as in git. Supported: comments, `!` negation, a trailing `/`
(folders only), a leading or inner `/` (anchored to the file's folder), `*`, `?`, `[...]`, `**`
(`**/x`, `x/**`, `a/**/b`) and backslash escapes. As in git, an ignored folder is not entered, so
a negation cannot bring back a file inside it. Not read: the global `core.excludesFile`.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple


class Rule(NamedTuple):
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(pattern: str) -> str:
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                after = pattern[i + 2:i + 3]
                if at_start and after == "/":
                    out.append("(?:.*/)?")  # "**/": any number of folders
                    i += 3
                    continue
                if at_start and i + 2 == n:
                    out.append(".*")  # trailing "/**": everything inside
                    i += 2
                    continue
                out.append("[^/]*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "^") else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse(text: str) -> list[Rule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        # Trailing spaces are dropped unless escaped.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        if not anchored:
            body = "(?:.*/)?" + body
        try:
            rules.append(Rule(re.compile(body + r"\Z", re.DOTALL), negate, dir_only))
        except re.error:
            continue
    return rules


def _read(path: str) -> list[Rule]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return parse(handle.read())
    except OSError:
        return []


def repository_root(path: str) -> str | None:
    directory = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


class GitIgnore:
    """Answers `ignored(path, is_dir)` for paths under the folders it was told about."""

    def __init__(self) -> None:
        self._rules: dict[str, list[Rule]] = {}  # folder -> rules of its .gitignore (and info/exclude)
        self._chains: dict[str, list[str]] = {}

    def _folder_rules(self, folder: str) -> list[Rule]:
        rules = self._rules.get(folder)
        if rules is None:
            rules = _read(os.path.join(folder, ".gitignore"))
            info = os.path.join(folder, ".git", "info", "exclude")
            if os.path.isfile(info):
                rules = _read(info) + rules
            self._rules[folder] = rules
        return rules

    def _chain(self, folder: str) -> list[str]:
        """The folders whose .gitignore apply inside `folder`: from the repository top down."""
        folder = os.path.abspath(folder)
        if folder in self._chains:
            return self._chains[folder]
        top = repository_root(folder)
        chain = [folder]
        current = folder
        while top is not None and current != top:
            parent = os.path.dirname(current)
            if parent == current:
                break
            chain.append(parent)
            current = parent
        chain.reverse()
        self._chains[folder] = chain
        return chain

    def ignored(self, path: str, is_dir: bool) -> bool:
        absolute = os.path.abspath(path)
        state = False
        for folder in self._chain(os.path.dirname(absolute)):
            rules = self._folder_rules(folder)
            if not rules:
                continue
            relative = os.path.relpath(absolute, folder).replace(os.sep, "/")
            for rule in rules:
                if rule.dir_only and not is_dir:
                    continue
                if rule.regex.match(relative):
                    state = not rule.negate
        return state
