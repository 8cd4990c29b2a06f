"""KER306: optimizer arguments that the new optimizers (TF 2.11+, tf-keras, Keras 3) drop."""

from __future__ import annotations

from typing import Iterable, Iterator

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, FixSafety, OptimizerFact, Severity
from keraslint.diagnostics import Fix
from keraslint.fixes import rename_keyword_fix
from keraslint.versions import VersionLine
from keraslint.rules.base import Finding, Rule, RuleContext, tf_minors

L1, L3, L4, L5 = VersionLine.L1, VersionLine.L3, VersionLine.L4, VersionLine.L5
# Where keras.optimizers.X is the new optimizer. L3 only from TF 2.11 on: the words say so.
_NEW_API = frozenset({L3, L4, L5})
_KERAS2_WORDS = {L3: "TF 2.11-2.15", L4: "tf-keras"}


def _keras2(lines: frozenset[VersionLine], context: RuleContext, first: int = 11) -> str:
    """The tf.keras lines with the new optimizers, TF minors as the file allows (`tensorflow==2.11`);
    `first`: the minor they arrive in (13 through `import keras`)."""
    words = dict(_KERAS2_WORDS)
    low, high = max(context.l3_minors[0], first), min(context.l3_minors[1], 15)
    if (low, high) != (11, 15):
        words[L3] = tf_minors(low, high)
    return "/".join(words[line] for line in sorted(lines & {L3, L4}))


class LegacyOptimizerArgument(Rule):
    """## What it does
    Flags `lr=` or `decay=` given to an optimizer of the new API (`keras.optimizers.Adam(...)`,
    not `keras.optimizers.legacy.Adam(...)`) that reaches `compile()`, directly, through a variable
    or from a helper of the module.

    ## Why is this bad?
    From TF 2.11 on (and in tf-keras) `keras.optimizers.Adam` is the new optimizer: it drops `lr=`
    with a log line and trains at its default learning rate (0.001, SGD 0.01), and raises
    ValueError for `decay=`; through `import keras` (standalone keras) from keras 2.13 on, because up
    to 2.12 the `keras` package exported its own tree, whose optimizers are the old ones
    (`keras/optimizers/__init__.py@v2.12.0`; `pip_build.py@v2.13.1` makes the public API the
    package). Keras 3 raises ValueError for `lr=` and ignores `decay=` with a warning:
    no decay happens. Keras 2.0-2.10 accept both (Keras 2.0-2.2 know only `lr`). An `lr=` equal to the
    default learning rate changes nothing where it is dropped, nor does one that a `LearningRateScheduler`
    of the epoch alone replaces from the first epoch on: then only Keras 3 is named. Next to a learning
    rate given by position (`SGD(0.9, lr=1e-5)`: the first parameter is the learning rate), `lr=`
    is dropped and the positional value trains. Next to `decay=`, TF 2.11-2.15 raise for `decay=`
    before anything trains: `lr=` names Keras 3 only there. The `legacy`
    optimizers keep both on tf.keras; a learning rate passed by position (`Adam(0.01)`) is fine
    everywhere: neither is flagged.

    ## Fix safety
    `learning_rate=` means the same on Keras 2.3 and every later version: safe, applied, unless
    Keras 2.0-2.2 may run (it has no `learning_rate`): unsafe there. None is offered next to a
    positional argument (it would pass the learning rate twice: TypeError). `decay=` has no one-word
    replacement (a `keras.optimizers.schedules.InverseTimeDecay` learning rate): not applied.
    """

    code = "KER306"
    name = "legacy-optimizer-argument"
    summary = "lr= / decay= on an optimizer of the new API (ignored or rejected from TF 2.11 on)"
    severity = Severity.DEGRADED
    true_on = _NEW_API
    wrong_on_note = "TF 2.11-2.15, tf-keras, Keras 3"
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(lr=0.01), loss="categorical_crossentropy")
"""
    use_instead = """\
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy")
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        if site.optimizer is not None:
            yield from self._check_one(site.optimizer, context, site.rate_scheduled)
            return
        # One optimizer per branch: reported only when the optimizer of every branch is wrong, so
        # that whichever runs, training is (version-guarded code builds `lr=` on one branch and
        # `learning_rate=` on the other: silent).
        per_branch = [list(self._check_one(optimizer, context, site.rate_scheduled))
                      for optimizer in site.optimizer_alternatives]
        if per_branch and all(per_branch):
            yield from (finding for branch in per_branch for finding in branch)

    def _check_one(self, optimizer: OptimizerFact, context: RuleContext, scheduled: bool) -> Iterator[Finding]:
        """The findings for the lr= / decay= this optimizer is given. `scheduled`: training may set
        the learning rate each epoch (a LearningRateScheduler), so a dropped `lr=` may change nothing."""
        if optimizer.legacy or optimizer.name not in catalogue.OPTIMIZER_DEFAULT_LEARNING_RATES:
            return
        lines = context.lines & _NEW_API
        # tf.keras has the new optimizers from TF 2.11; `import keras` from keras 2.13 (keras/__init__.py
        # exported the old ones up to v2.12.0; pip_build.py@v2.13.1 made the public API the package)
        first = 13 if optimizer.standalone else 11
        if not context.l3_from(first):
            lines -= {L3}  # the file's APIs end before
        if not lines:
            return
        shown = f"{optimizer.name}()"
        if "lr" in optimizer.given:
            default = catalogue.OPTIMIZER_DEFAULT_LEARNING_RATES[optimizer.name]
            # A learning rate by position (`SGD(0.9, lr=1e-5)`) is what trains where lr= is dropped.
            by_position = optimizer.positional >= 1
            # dropped, but it was the default, or a schedule sets the rate from the first epoch on
            ignored_harmlessly = scheduled or (not by_position and optimizer.constant("lr", None) == default)
            bad = lines if "learning_rate" not in optimizer.given and not ignored_harmlessly else lines & {L5}
            if "decay" in optimizer.given:
                bad -= {L3, L4}  # decay= raises there first: nothing trains (the decay= finding says so)
            if bad:
                parts = []
                if bad & {L3, L4}:
                    trains = "the learning rate given by position trains" if by_position else f"trains at {default}"
                    parts.append(f"ignored on {_keras2(bad, context, first)} ({trains})")
                if L5 in bad:
                    parts.append("ValueError on Keras 3")
                yield Finding(
                    optimizer.keyword_node("lr") or optimizer.node,
                    f"lr= on {shown} of the new optimizer API: {', '.join(parts)}",
                    self._lr_fix(optimizer, context),
                    Severity.DEGRADED if bad & {L3, L4} else Severity.CRASH,
                )
        if "decay" in optimizer.given:
            harmless_on_keras3 = optimizer.constant("decay", "unknown") in (None, 0, 0.0)
            bad = lines - ({L5} if harmless_on_keras3 else set())
            if bad:
                parts = []
                if bad & {L3, L4}:
                    parts.append(f"ValueError on {_keras2(bad, context, first)}")
                if L5 in bad:
                    parts.append("ignored on Keras 3 (no decay)")
                yield Finding(
                    optimizer.keyword_node("decay") or optimizer.node,
                    f"decay= on {shown} of the new optimizer API: {', '.join(parts)}",
                    None,
                    Severity.CRASH if bad & {L3, L4} else Severity.DEGRADED,
                )

    @staticmethod
    def _lr_fix(optimizer: OptimizerFact, context: RuleContext) -> Fix | None:
        if "learning_rate" in optimizer.given or optimizer.positional or optimizer.open_arguments:
            return None  # learning_rate= next to a learning rate by position: TypeError everywhere
        if optimizer.keyword_node("lr") is None:
            return None  # passed through **kwargs
        return rename_keyword_fix(optimizer.node, "lr", "learning_rate", safe=L1 not in context.lines)
