"""What a file's own APIs say about the Keras lines it can run on (api_lines.py holds the table).

The evaluator reports every Keras name it resolves, every call with its keywords and every model
method it sees; the lines an API exists on are intersected. Unknown names narrow nothing.
"""

from __future__ import annotations

from typing import Iterable

from keraslint.analysis import api_lines
from keraslint.lines import ALL_LINES, Line

# Roots that are Keras under another name, longest first: PATH keys spell them `keras`.
_KERAS_ROOTS = ("tensorflow.compat.v1.keras", "tensorflow.compat.v2.keras", "tensorflow.keras", "tf_keras", "keras")


class VersionEvidence:
    def __init__(self) -> None:
        self.possible: frozenset[Line] = ALL_LINES
        self.reasons: list[str] = []

    def _narrow(self, key: str, lines: frozenset[Line] | None) -> None:
        if lines is None or lines >= self.possible:
            return
        self.possible &= lines
        if key not in self.reasons:
            self.reasons.append(key)

    def name(self, dotted: str, canonical: str, api: str | None) -> None:
        """A name referred to: `dotted` as written (imports resolved), `canonical` from names.py."""
        if dotted.startswith(api_lines.PRIVATE_PREFIXES):
            return
        self._narrow(canonical, api_lines.API_LINES.get(canonical))
        path = _path(dotted)
        for prefix in _prefixes(path):
            self._narrow(prefix, api_lines.PATH_LINES.get(prefix))
        if api is not None:
            for prefix in _prefixes(canonical):
                self._narrow(f"{prefix} (through {api})", api_lines.ROUTE_LINES.get((api, prefix)))

    def call(self, canonical: str, keywords: Iterable[str]) -> None:
        self._narrow(f"{canonical}()", api_lines.API_LINES.get(f"{canonical}()"))
        for keyword in keywords:
            key = f"{canonical}({keyword}=)"
            self._narrow(key, api_lines.API_LINES.get(key))

    def model_method(self, method: str, keywords: Iterable[str], sequential: bool) -> None:
        owners = ("keras.Model", "keras.Sequential") if sequential else ("keras.Model",)
        for owner in owners:
            self._narrow(f"{owner}.{method}", api_lines.API_LINES.get(f"{owner}.{method}"))
            for keyword in keywords:
                key = f"{owner}.{method}({keyword}=)"
                self._narrow(key, api_lines.API_LINES.get(key))


def _path(dotted: str) -> str:
    for root in _KERAS_ROOTS:
        if dotted == root or dotted.startswith(root + "."):
            return "keras" + dotted[len(root):]
    return dotted


def _prefixes(dotted: str) -> Iterable[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])
