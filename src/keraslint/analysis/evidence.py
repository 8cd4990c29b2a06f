"""What a file's own APIs say about the Keras lines it can run on (api_lines.py holds the table).

The evaluator reports every Keras name it resolves, every call with its keywords and every model
method it sees; the lines an API exists on are intersected. Unknown names narrow nothing.
"""

from __future__ import annotations

import functools
from typing import Iterable, Sequence

from keraslint.analysis import api_lines
from keraslint.analysis.api_lines import ApiFact
from keraslint.versions import ALL_VERSION_LINES, L3_MINORS, VersionLine

# Roots that are Keras under another name, longest first: PATH keys spell them `keras`.
_KERAS_ROOTS = ("tensorflow.compat.v1.keras", "tensorflow.compat.v2.keras", "tensorflow.keras", "tf_keras", "keras")


class VersionEvidence:
    def __init__(self) -> None:
        self.eager: frozenset[VersionLine] = ALL_VERSION_LINES  # lines in the default (eager) mode
        self.graph: frozenset[VersionLine] = ALL_VERSION_LINES  # lines when the file runs in TF1 graph mode
        self.l3_minors: tuple[int, int] = L3_MINORS
        self.reasons: list[str] = []

    def possible(self, graph_mode: bool) -> frozenset[VersionLine]:
        return self.graph if graph_mode else self.eager

    def _narrow(self, key: str, fact: ApiFact | None) -> None:
        if fact is None or key in api_lines.RULE_SUBJECTS:
            return
        eager, graph = self.eager & fact.lines, self.graph & fact.possible
        low, high = self.l3_minors
        if fact.l3_minors is not None:
            low, high = max(low, fact.l3_minors[0]), min(high, fact.l3_minors[1])
            if low > high:  # no TF 2.x minor has all of the file's APIs
                eager, graph = eager - {VersionLine.L3}, graph - {VersionLine.L3}
        if (eager, graph, (low, high)) == (self.eager, self.graph, self.l3_minors):
            return
        self.eager, self.graph, self.l3_minors = eager, graph, (low, high)
        if key not in self.reasons:
            self.reasons.append(key)

    def either(self, alternatives: Sequence[VersionEvidence]) -> None:
        """Narrowed to where at least one of the alternatives runs (the branches of an import fallback)."""
        eager = frozenset().union(*(found.eager for found in alternatives))
        graph = frozenset().union(*(found.graph for found in alternatives))
        low = min(found.l3_minors[0] for found in alternatives)
        high = max(found.l3_minors[1] for found in alternatives)
        reasons = [reason for found in alternatives for reason in found.reasons]
        key = " or ".join(dict.fromkeys(reasons))
        self._narrow(key, ApiFact(eager, key, graph - eager, (low, high)))

    def name(self, dotted: str, canonical: str, api: str | None) -> None:
        """A name referred to: `dotted` as written (imports resolved), `canonical` from names.py."""
        for key, fact in _name_facts(dotted, canonical, api):
            self._narrow(key, fact)

    def call(self, canonical: str, keywords: Iterable[tuple[str, object]]) -> None:
        """A call of `canonical` with these (keyword, value) arguments."""
        if canonical not in _CALLED_NAMES:
            return  # no entry for a call of this name (most calls: numpy, pandas, ...)
        self._narrow(f"{canonical}()", api_lines.API_FACTS.get(f"{canonical}()"))
        for keyword, _value in keywords:
            key = f"{canonical}({keyword}=)"
            self._narrow(key, api_lines.API_FACTS.get(key))

    def model_method(self, method: str, keywords: Iterable[str], sequential: bool) -> None:
        if method not in _MODEL_METHODS:
            return  # no entry for this method (most calls: add, summary, predict, ...)
        keywords = tuple(keywords)  # read once per owner
        owners = ("keras.Model", "keras.Sequential") if sequential else ("keras.Model",)
        for owner in owners:
            self._narrow(f"{owner}.{method}", api_lines.API_FACTS.get(f"{owner}.{method}"))
            for keyword in keywords:
                key = f"{owner}.{method}({keyword}=)"
                self._narrow(key, api_lines.API_FACTS.get(key))


# The model methods that have an entry in the table (`keras.Model.fit_generator`,
# `keras.Sequential.fit(show_accuracy=)`).
_MODEL_METHODS = frozenset(
    key.split("(", 1)[0].rsplit(".", 1)[1]
    for key in api_lines.API_FACTS
    if key.startswith(("keras.Model.", "keras.Sequential."))
)
# The names that have a call entry in the table: `name()` or `name(keyword=)`.
_CALLED_NAMES = frozenset(key.split("(", 1)[0] for key in api_lines.API_FACTS if key.endswith(")"))


@functools.lru_cache(maxsize=8192)
def _name_facts(dotted: str, canonical: str, api: str | None) -> tuple[tuple[str, ApiFact], ...]:
    """The table entries a name matches (most names match none): looked up once per name."""
    if dotted.startswith(api_lines.PRIVATE_PREFIXES):
        # only the models and layers of TensorFlow's own Keras 2 narrow, never the names of a private tree
        head = ".".join(dotted.split(".", 4)[:4])
        fact = api_lines.PRIVATE_TREE_FACTS.get(head)
        return () if fact is None else ((head, fact),)
    found: list[tuple[str, ApiFact]] = []
    fact = api_lines.API_FACTS.get(canonical)
    if fact is not None:
        found.append((canonical, fact))
    for prefix in _prefixes(_path(dotted)):
        fact = api_lines.PATH_FACTS.get(prefix)
        if fact is not None:
            found.append((prefix, fact))
    if api is not None:
        for prefix in _prefixes(canonical):
            fact = api_lines.ROUTE_FACTS.get((api, prefix))
            if fact is not None:
                found.append((f"{prefix} (through {api})", fact))
    return tuple(found)


def _path(dotted: str) -> str:
    for root in _KERAS_ROOTS:
        if dotted == root or dotted.startswith(root + "."):
            return "keras" + dotted[len(root):]
    return dotted


def _prefixes(dotted: str) -> Iterable[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])
