"""KER207: the keys callbacks and history lookups read against the keys the model logs."""

from __future__ import annotations

from typing import Iterable

from keraslint import catalogue
from keraslint.analysis.records import CallbackFact, CompileSite, FixSafety, Severity, TrainingCall
from keraslint.diagnostics import Fix
from keraslint.fixes import string_fix
from keraslint.immutable import record
from keraslint.versions import ALL_VERSION_LINES, VersionLine
from keraslint.rules.base import Finding, Node, Rule, RuleContext, on

L5 = VersionLine.L5
_VAL = "val_"
# What a callback does when its key is never logged (keras-semantics 6.11): L1-L4 warn and never
# act; Keras 3 ...
_SILENT = {
    "EarlyStopping": "never stops early",
    "ModelCheckpoint": "never saves a best model",
    "ReduceLROnPlateau": "never reduces the learning rate",
}
# ... and on Keras 3 (3.0-3.10 / 3.11+) when mode="auto" cannot tell the direction of the key.
_KERAS3 = {
    "EarlyStopping": "raises on Keras 3",
    "ModelCheckpoint": "saves nothing or raises on Keras 3",
    "ReduceLROnPlateau": "raises on Keras 3.11+",
}


@record
class _Read:
    key: str
    node: Node
    what: str  # "monitor", "path" or "history"
    callback: CallbackFact | None = None
    in_helper: bool = False  # a history read inside a helper other fit() results may reach: no fix
    receiver: str = "history"  # the name a history read goes through, as written


def _reads(call: TrainingCall) -> Iterable[_Read]:
    for callback in call.callbacks or ():
        if callback.kind in catalogue.MONITOR_CALLBACKS and callback.monitor is not None:
            if callback.kind != "ModelCheckpoint" or callback.save_best_only is True:
                yield _Read(callback.monitor, callback.monitor_node or callback.node, "monitor", callback)
        if callback.kind == "ModelCheckpoint":
            for field in callback.path_fields or ():
                if field not in catalogue.CHECKPOINT_PATH_FIELDS:
                    yield _Read(field, callback.path_node or callback.node, "path", callback)
    for read in call.history_reads:
        yield _Read(read.key, read.node, "history", in_helper=read.in_helper, receiver=read.receiver)


def _numbered(key: str) -> bool:
    """`auc_1`: Keras numbers default names of repeated metric objects; which one is not a fact."""
    stem, _, number = key.rpartition("_")
    return bool(stem) and number.isdigit()


def _normal(key: str) -> str:
    return key.lower().replace("accuracy", "acc")


def _suggestion(key: str, keys: frozenset[str]) -> str | None:
    """The logged key a person most likely meant: the same key up to 'acc'/'accuracy' and case."""
    wanted = _normal(key)
    matches = [candidate for candidate in keys if _normal(candidate) == wanted and candidate != key]
    return matches[0] if len(matches) == 1 else None


class MonitoredMetricNotLogged(Rule):
    """## What it does
    Flags a key the compiled model never logs, read by a callback (`EarlyStopping`,
    `ModelCheckpoint(save_best_only=True)`, `ReduceLROnPlateau` `monitor=`, a `{field}` of a
    checkpoint path) or looked up in the history `fit()` returns: `'val_acc'` when the metric is
    `'accuracy'` (Keras 2.0-2.2 logged `acc` for both; from Keras 2.3 on the key is the string as
    written), any `val_` key when `fit()` has no validation data, a metric object's default name
    spelled otherwise. The keys are the metric strings as written, the objects' `name=` or default
    names, `loss`, the `val_` copies with validation data, the output-name prefixes of a
    multi-output model and the learning rate `ReduceLROnPlateau` / `LearningRateScheduler` write
    (`lr` on Keras 2, `learning_rate` on Keras 3); a callback of the project's own, which may log
    keys itself, makes the fit() unknown: not flagged. A key is flagged when the newest line the
    project may use does not log it (and the message names every line that does not):
    `'val_accuracy'` is how code for Keras 2.3 and later is written, not a mistake because Keras
    2.0-2.2 might also run it.

    ## Why is this bad?
    Keras 2.x only warns: EarlyStopping never stops, ModelCheckpoint never saves the best model,
    ReduceLROnPlateau never reduces the learning rate. Keras 3 raises after the first epoch where it
    cannot tell whether the key should grow or shrink (`mode="auto"`). A checkpoint path field or a
    `history.history[...]` lookup raises KeyError, after training.

    ## Fix safety
    The key the model logs on every line the project may use (`'val_accuracy'` for
    `metrics=["accuracy"]` where Keras 2.0-2.2 cannot run): safe, applied. No fix when that key
    differs between the lines (the metric string `'acc'` then logs `acc` everywhere) or when
    validation data is missing.
    """

    code = "KER207"
    name = "monitored-metric-not-logged"
    summary = "a callback monitor, checkpoint field or history lookup of a key the model never logs"
    severity = Severity.DEGRADED
    true_on = ALL_VERSION_LINES
    wrong_on_note = "every line, per key: 'val_acc' for 'accuracy' from Keras 2.3 on"
    fix_safety = FixSafety.SAFE
    fix_applied = True
    example = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
stop = tf.keras.callbacks.EarlyStopping(monitor="val_acc", patience=3)
model.fit(x_train, y_train, validation_split=0.1, callbacks=[stop])
"""
    use_instead = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
stop = tf.keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=3)
model.fit(x_train, y_train, validation_split=0.1, callbacks=[stop])
"""

    def check(self, site: CompileSite, context: RuleContext) -> Iterable[Finding]:
        logged = site.logged
        if logged is None:
            return
        for call in site.training:
            if call.callbacks is None:
                continue  # a callback of the project's own may write keys into the logs
            keys_by_line: dict[VersionLine, frozenset[str]] = {}
            for line in context.lines:
                base = logged.keys(line, context.tf1, context.tf2)
                if base is None:
                    continue
                keys = set(base).union(*(callback.added_keys(line) for callback in call.callbacks))
                if call.validation is not False:
                    keys |= {_VAL + key for key in keys}
                keys_by_line[line] = frozenset(keys)
            if not keys_by_line:
                continue
            for read in _reads(call):
                finding = self._finding(read, call, keys_by_line, context)
                if finding is not None:
                    yield finding

    def _finding(self, read: _Read, call: TrainingCall, keys_by_line: dict[VersionLine, frozenset[str]],
                 context: RuleContext) -> Finding | None:
        key = read.key
        if _numbered(key):
            return None
        wrong = frozenset(line for line, keys in keys_by_line.items() if key not in keys)
        if max(keys_by_line) not in wrong:
            # Right on the newest line the project may use: a key Keras renamed later ('val_accuracy',
            # 'acc' before Keras 2.3) is how code for that line is written, as for KER305.
            return None
        no_validation = key.startswith(_VAL) and call.validation is False
        suggestion = None
        if not no_validation:
            suggestion = _suggestion(key, frozenset.intersection(*(keys_by_line[line] for line in wrong)))
        hint = " (fit() has no validation data)" if no_validation else (f" ('{suggestion}' is)" if suggestion else "")
        severity = Severity.CRASH
        if read.what == "monitor":
            callback = read.callback
            assert callback is not None
            subject = f"{callback.kind} monitors '{key}'{'' if callback.monitor_given else ' (its default)'},"
            consequence, severity = self._callback_consequence(callback, key, wrong, keys_by_line)
        elif read.what == "path":
            subject, consequence = f"checkpoint path field '{{{key}}}' is", "KeyError when saving"
        else:
            subject, consequence = f"{read.receiver}.history['{key}'] is", "KeyError"
        where = "never logged" if wrong == set(keys_by_line) == set(context.lines) else f"not logged on {on(wrong)}"
        fix = self._fix(read, key, suggestion, keys_by_line, context)
        return Finding(read.node, f"{subject} {where}{hint}: {consequence}", fix, severity)

    @staticmethod
    def _callback_consequence(callback: CallbackFact, key: str, wrong: frozenset[VersionLine],
                              keys_by_line: dict[VersionLine, frozenset[str]]) -> tuple[str, Severity]:
        silent = _SILENT[callback.kind]
        raises = False
        if L5 in wrong and callback.mode in (None, "auto"):
            # Keras 3 looks the key's direction up among the metric names (monitor_callback.py@v3.15.1)
            base = key[len(_VAL):] if key.startswith(_VAL) else key
            raises = base != "loss" and base not in keys_by_line[L5]
        if not raises:
            return silent, Severity.DEGRADED
        if wrong - {L5}:
            return f"{silent}; {_KERAS3[callback.kind]}", Severity.DEGRADED
        return _KERAS3[callback.kind], Severity.CRASH

    @staticmethod
    def _fix(read: _Read, key: str, suggestion: str | None, keys_by_line: dict[VersionLine, frozenset[str]],
             context: RuleContext) -> Fix | None:
        if suggestion is None or read.in_helper or set(keys_by_line) != set(context.lines):
            return None
        if any(suggestion not in keys for keys in keys_by_line.values()):
            return None  # the key differs between the lines the project may use
        if read.what == "path":
            return _path_fix(read, key, suggestion)
        return string_fix(f"use '{suggestion}'", True, read.node, suggestion)


def _path_fix(read: _Read, key: str, suggestion: str) -> Fix | None:
    text = read.callback.path if read.callback is not None else None
    if text is None or "\\" in text or '"' in text or "'" in text:
        return None  # escapes would have to be written back
    replaced = text.replace("{" + key + ":", "{" + suggestion + ":").replace("{" + key + "}", "{" + suggestion + "}")
    if replaced == text:
        return None
    return string_fix(f"format '{{{suggestion}}}'", True, read.node, replaced)
