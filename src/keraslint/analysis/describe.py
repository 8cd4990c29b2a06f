"""One line of text per compile() site: the facts keraslint established there (`keraslint explain`)."""

from __future__ import annotations

from keraslint.lines import Line


def describe_site(site, lines: frozenset[Line]) -> str:
    call = site.call
    parts = [f"line {call.lineno}: compile()"]
    output = site.output
    parts.append(f"output {output.describe()}" if output is not None else "output unknown")
    loss = site.loss
    if loss is None:
        parts.append("loss unknown")
    else:
        logits = {True: ", from_logits=True", False: "", None: ", from_logits unknown"}[loss.from_logits]
        parts.append(f"loss {loss.spelling} ({loss.kind or 'unknown kind'}{logits})")
    metrics = [metric.name for argument in site.metrics_arguments for metric in argument.metrics]
    parts.append("metrics " + (", ".join(metrics) if metrics else "none established"))
    labels = site.labels
    parts.append("labels " + (", ".join(f"{label.kind} ({label.origin})" for label in labels) or "unknown"))
    return "; ".join(parts)
