"""`# noqa` comments for the CLI (flake8 applies its own for the plugin), with flake8's meaning:
`# noqa` silences every finding on that line, `# noqa: KER201,KER101` (or `# noqa:KER201 KER101`)
only those codes (a listed code also covers the codes it is a prefix of). Case does not matter.
A `# noqa:` followed by no valid code list counts as a bare `# noqa`, as in flake8.
"""

from __future__ import annotations

import re

# Patterns, compiled on first use (re caches them): most files have no noqa comment at all.
NOQA = r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"


def suppressed(code: str, line_text: str) -> bool:
    """Whether the physical line `line_text` carries a noqa comment covering `code`."""
    if "noqa" not in line_text.lower():
        return False
    match = re.search(NOQA, line_text, re.IGNORECASE)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    listed = [item.upper() for item in re.split(r"[,\s]+", codes.strip()) if item]
    return any(code == item or code.startswith(item) for item in listed)


# File-level suppression, on a line of its own (anywhere in the file, like flake8's and ruff's):
#   # keraslint: noqa                 -> no keraslint finding in this file
#   # keraslint: noqa: KER201,KER1    -> none of these codes in this file
#   # flake8: noqa                    -> the whole file, as flake8 itself does (the CLI honours it too)
FILE_NOQA = (
    r"^[ \t]*#[ \t]*(?P<tool>keraslint|flake8)[:=][ \t]*noqa"
    r"(?::[ \t]?(?P<codes>[A-Z]+[0-9]+(?:[, \t]+[A-Z]+[0-9]+)*))?"
)


# "qa" in every case: a file without one holds no "noqa" in any case.
_NOQA_TAILS = ("qa", "QA", "qA", "Qa")


def file_suppression(source: str) -> bool | frozenset[str] | None:
    """True when the whole file is suppressed, the suppressed codes (prefixes) when a
    `# keraslint: noqa: CODES` line lists some, None when nothing is."""
    if not any(tail in source for tail in _NOQA_TAILS):
        return None  # substring tests (upper() of a non-ASCII file costs more than the rest)
    lowered = source.lower()
    if "noqa" not in lowered or ("flake8" not in lowered and "keraslint" not in lowered):
        return None  # the expression below scans every line: only where it can match
    codes: set[str] = set()
    for match in re.finditer(FILE_NOQA, source, re.IGNORECASE | re.MULTILINE):
        listed = match.group("codes")
        if match.group("tool").lower() == "flake8" or not listed:
            return True  # flake8 ignores the whole file even when codes follow
        codes.update(item.upper() for item in re.split(r"[,\s]+", listed.strip()) if item)
    return frozenset(codes) or None


def file_suppresses(suppression: bool | frozenset[str] | None, code: str) -> bool:
    if suppression is None:
        return False
    if isinstance(suppression, bool):
        return suppression
    return any(code.startswith(item) for item in suppression)
