"""One line of text per compile() site: the facts keraslint established there (`keraslint explain`)."""

from __future__ import annotations

from keraslint import catalogue
from keraslint.analysis.records import CompileSite, LabelKind, LossKind, MetricForm
from keraslint.versions import VersionLine, describe


def describe_site(site: CompileSite, lines: frozenset[VersionLine]) -> str:
    parts = [f"line {site.call.lineno}: compile()"]
    parts.append(site.output.describe() if site.output is not None else "output unknown")
    loss = site.loss
    if loss is None:
        parts.append("loss unknown")
    else:
        logits = {True: ", from_logits=True", False: "", None: ", from_logits unknown"}[loss.from_logits]
        parts.append(f"loss {loss.spelling} ({loss.kind or 'unknown kind'}{logits})")
    metrics = [metric.name for argument in site.metrics_arguments for metric in argument.metrics]
    parts.append("metrics " + (", ".join(metrics) if metrics else "none established"))
    labels = list(dict.fromkeys(f"{label.kind} ({label.origin})" for label in site.labels))
    parts.append("labels " + (", ".join(labels) or "unknown"))
    written = [metric for argument in site.metrics_arguments for metric in argument.metrics]
    # compile() resolves the string only, never a function object named accuracy
    accuracy = catalogue.ACCURACY_STRINGS
    if any(metric.form == MetricForm.STRING and metric.name.lower() in accuracy for metric in written):
        resolved = accuracy_resolution(site, lines)
        if resolved:
            parts.append("'accuracy' is " + ", ".join(f"{name} on {describe(on)}" for name, on in resolved.items()))
    return "; ".join(parts)


def accuracy_resolution(site: CompileSite, lines: frozenset[VersionLine]) -> dict[str, frozenset[VersionLine]]:
    """What Keras turns the string 'accuracy' into on each target line, where the facts settle it
    (keras-semantics §1): Keras 2.0-2.3 and TF 2.0-2.1 decide from the loss and the output width,
    later lines from the shapes of the labels and the output."""
    output, loss = site.output, site.loss
    width = output.width if output is not None else None
    kind = loss.kind if loss is not None else None
    found: dict[str, set[VersionLine]] = {}
    for line in sorted(lines):
        if line in (VersionLine.L1, VersionLine.L2):
            if width == 1 or kind in (LossKind.BCE, LossKind.BFCE):
                name = "binary_accuracy"
            elif kind == LossKind.SCCE:
                name = "sparse_categorical_accuracy"
            elif kind is not None:
                name = "categorical_accuracy"
            else:
                continue
        elif width == 1:
            name = "binary_accuracy"
        elif kind == LossKind.SCCE or any(label.kind == LabelKind.INTEGER for label in site.labels):
            name = "sparse_categorical_accuracy"  # integer labels: one column against many
        elif width is not None:
            name = "categorical_accuracy"
        else:
            continue
        found.setdefault(name, set()).add(line)
    return {name: frozenset(on) for name, on in found.items()}
