"""`# noqa` comments for the CLI (flake8 applies its own for the plugin), with flake8's meaning:
`# noqa` silences every finding on that line, `# noqa: KER201,KER101` (or `# noqa:KER201 KER101`)
only those codes (a listed code also covers the codes it is a prefix of). Case does not matter.
A `# noqa:` followed by no valid code list counts as a bare `# noqa`, as in flake8.
"""

from __future__ import annotations

import re

NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def suppressed(code: str, line_text: str) -> bool:
    """Whether the physical line `line_text` carries a noqa comment covering `code`."""
    if "noqa" not in line_text.lower():
        return False
    match = NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    listed = [item.upper() for item in re.split(r"[,\s]+", codes.strip()) if item]
    return any(code == item or code.startswith(item) for item in listed)
