"""The Keras version lines of keras-semantics.md, and sets of them."""

from __future__ import annotations

import enum


class Line(enum.IntEnum):
    L1 = 1  # standalone Keras 2.0 - 2.2
    L2 = 2  # Keras 2.3, tf.keras in TF 2.0 - 2.1, and any v1 graph-mode file
    L3 = 3  # tf.keras in TF 2.2 - 2.15, standalone keras 2.4 - 2.15
    L4 = 4  # the tf_keras package 2.16+
    L5 = 5  # Keras 3

    @property
    def label(self) -> str:
        return LINE_LABELS[self]


LINE_LABELS = {
    Line.L1: "Keras 2.0-2.2",
    Line.L2: "Keras 2.3/TF 2.0-2.1",
    Line.L3: "TF 2.2-2.15",
    Line.L4: "tf-keras",
    Line.L5: "Keras 3",
}

ALL_LINES: frozenset[Line] = frozenset(Line)

# How a file imports Keras (an "API"): each reaches only some lines.
API_KERAS = "keras"  # `import keras` / `from keras...` (the standalone package)
API_TF = "tensorflow"  # tf.keras / tensorflow.keras / tensorflow.python.keras
API_TF_KERAS = "tf_keras"  # `import tf_keras`


def describe(lines: frozenset[Line]) -> str:
    """A short human name for a set of lines, e.g. 'Keras 2.0-2.2, Keras 2.3/TF 2.0-2.1'."""
    if lines == ALL_LINES:
        return "all versions"
    ordered = sorted(lines)
    # Collapse consecutive runs that have a well-known joint name.
    joint = {
        (Line.L1, Line.L2): "Keras<=2.3/TF<=2.1",
        (Line.L3, Line.L4, Line.L5): "TF>=2.2/Keras 3",
        (Line.L3, Line.L5): "TF>=2.2/Keras 3",
        (Line.L2, Line.L3, Line.L4, Line.L5): "Keras>=2.3",
        (Line.L2, Line.L3, Line.L5): "Keras>=2.3",
        (Line.L1, Line.L2, Line.L3, Line.L5): "all versions",
        (Line.L3, Line.L4): "TF 2.2-2.15/tf-keras",
        (Line.L4, Line.L5): "tf-keras/Keras 3",
    }
    key = tuple(ordered)
    if key in joint:
        return joint[key]
    return ", ".join(line.label for line in ordered)
