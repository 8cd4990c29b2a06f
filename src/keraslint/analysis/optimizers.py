"""The optimizer object a compile() receives (keras-semantics section 6.12)."""

from __future__ import annotations

from keraslint.analysis.records import OptimizerFact
from keraslint.analysis.values import CallV, Const, OneOfV, Value

_OPTIMIZERS = "keras.optimizers."
_LEGACY = "keras.optimizers.legacy."
# Constants a fact may hold (a keyword given another value is listed in `given` only).
_CONSTANTS = (str, int, float, bool, type(None))


def optimizer_alternatives(value: Value | None) -> tuple[OptimizerFact, ...]:
    """The optimizers one of which reaches compile() (one per branch); () unless each is established."""
    if not isinstance(value, OneOfV):
        return ()
    facts = [optimizer_fact(alternative) for alternative in value.alternatives]
    established = tuple(fact for fact in facts if fact is not None)
    return established if len(established) == len(facts) else ()


def optimizer_fact(value: Value | None) -> OptimizerFact | None:
    """`keras.optimizers.Adam(...)` or `keras.optimizers.legacy.Adam(...)` as passed to compile()
    (directly, through a variable or a helper's return value: the evaluator has followed those);
    None for a string, an optimizer of the TF 2.9-2.10 `experimental` preview, or anything else."""
    if not isinstance(value, CallV):
        return None
    callee = value.callee
    if callee.startswith(_LEGACY):
        name, legacy = callee[len(_LEGACY) :], True
    elif callee.startswith(_OPTIMIZERS):
        name, legacy = callee[len(_OPTIMIZERS) :], False
    else:
        return None
    if "." in name or not name[:1].isupper():
        return None  # keras.optimizers.experimental.X, keras.optimizers.get, schedules ...
    constants = tuple(
        (key, given.value)
        for key, given in value.kwargs
        if isinstance(given, Const) and isinstance(given.value, _CONSTANTS)
    )
    nodes = tuple((keyword.arg, keyword) for keyword in value.node.keywords if keyword.arg is not None)
    return OptimizerFact(
        name,
        legacy,
        tuple(key for key, _ in value.kwargs),
        constants,
        len(value.args),
        value.has_star,
        value.node,
        nodes,
        value.api == "keras",
    )
