"""The rule registry: every rule, sorted by code."""

from __future__ import annotations

from keraslint.rules.activations import CrossentropyOnNonProbabilityOutput, SoftmaxAppliedTwice
from keraslint.rules.base import Finding, Rule, RuleContext
from keraslint.rules.compile_args import PositionalMetrics, UnknownIdentifier
from keraslint.rules.labels import CategoricalLossWithIntegerLabels, OutputWidthMismatch, SparseLossWithOneHotLabels
from keraslint.rules.loss_output import (
    BinaryCrossentropyOnSoftmax,
    CategoricalCrossentropyOnSingleUnit,
    FromLogitsOnProbabilities,
    ProbabilitiesLossOnLogits,
    SigmoidWithCategoricalCrossentropy,
    SoftmaxOnSingleUnit,
)
from keraslint.rules.metric_inputs import MetricLabelEncodingMismatch, ThresholdMetricOnLogits
from keraslint.rules.metrics import (
    AccuracyOnRegression,
    AmbiguousAccuracy,
    ExactMatchAccuracy,
    ThresholdAccuracyOnLogits,
)
from keraslint.rules.optimizers import LegacyOptimizerArgument
from keraslint.rules.training import MonitoredMetricNotLogged

ALL_RULES: tuple[Rule, ...] = (
    BinaryCrossentropyOnSoftmax(),
    CategoricalCrossentropyOnSingleUnit(),
    SoftmaxOnSingleUnit(),
    FromLogitsOnProbabilities(),
    ProbabilitiesLossOnLogits(),
    SigmoidWithCategoricalCrossentropy(),
    SoftmaxAppliedTwice(),
    CrossentropyOnNonProbabilityOutput(),
    AmbiguousAccuracy(),
    ExactMatchAccuracy(),
    AccuracyOnRegression(),
    ThresholdAccuracyOnLogits(),
    ThresholdMetricOnLogits(),
    MetricLabelEncodingMismatch(),
    MonitoredMetricNotLogged(),
    SparseLossWithOneHotLabels(),
    CategoricalLossWithIntegerLabels(),
    OutputWidthMismatch(),
    PositionalMetrics(),
    UnknownIdentifier(),
    LegacyOptimizerArgument(),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}


__all__ = ["ALL_RULES", "RULES_BY_CODE", "Finding", "Rule", "RuleContext"]
