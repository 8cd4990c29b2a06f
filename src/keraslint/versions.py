"""The Keras version lines of keras-semantics.md, and sets of them."""

from __future__ import annotations

import enum


class VersionLine(enum.IntEnum):
    L1 = 1  # standalone Keras 2.0 - 2.2
    L2 = 2  # Keras 2.3, tf.keras in TF 2.0 - 2.1, and any v1 graph-mode file
    L3 = 3  # tf.keras in TF 2.2 - 2.15, standalone keras 2.4 - 2.15
    L4 = 4  # the tf_keras package 2.16+
    L5 = 5  # Keras 3

    @property
    def label(self) -> str:
        return VERSION_LABELS[self]


VERSION_LABELS = {
    VersionLine.L1: "Keras 2.0-2.2",
    VersionLine.L2: "Keras 2.3/TF 2.0-2.1",
    VersionLine.L3: "TF 2.2-2.15",
    VersionLine.L4: "tf-keras",
    VersionLine.L5: "Keras 3",
}

ALL_VERSION_LINES: frozenset[VersionLine] = frozenset(VersionLine)

# The TensorFlow 2.x minors of L3 (TF 2.2 - 2.15): within L3 some facts hold from a minor on.
L3_MINORS = (2, 15)

# How a file imports Keras (an "API"): each reaches only some lines.
API_KERAS = "keras"  # `import keras` / `from keras...` (the standalone package)
API_TF = "tensorflow"  # tf.keras / tensorflow.keras / tensorflow.python.keras
API_TF_KERAS = "tf_keras"  # `import tf_keras`


def describe(lines: frozenset[VersionLine]) -> str:
    """A short human name for a set of lines, e.g. 'Keras 2.0-2.2, Keras 2.3/TF 2.0-2.1'."""
    if lines == ALL_VERSION_LINES:
        return "all versions"
    ordered = sorted(lines)
    # Collapse consecutive runs that have a well-known joint name.
    joint = {
        (VersionLine.L1, VersionLine.L2): "Keras<=2.3/TF<=2.1",
        (VersionLine.L3, VersionLine.L4, VersionLine.L5): "TF>=2.2/Keras 3",
        (VersionLine.L3, VersionLine.L5): "TF>=2.2/Keras 3",
        (VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5): "Keras>=2.3",
        (VersionLine.L2, VersionLine.L3, VersionLine.L5): "Keras>=2.3",
        (VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L5): "all versions",
        (VersionLine.L3, VersionLine.L4): "TF 2.2-2.15/tf-keras",
        (VersionLine.L4, VersionLine.L5): "tf-keras/Keras 3",
    }
    key = tuple(ordered)
    if key in joint:
        return joint[key]
    return ", ".join(line.label for line in ordered)
