"""Output width and activation of layers, tensors and models."""

from __future__ import annotations

import ast

from keraslint import catalogue
from keraslint.analysis.records import Activation, Origin
from keraslint.analysis.records import Output
from keraslint.analysis.values import UNKNOWN, CallV, Const, ModelV, Ref, TensorV, Value, _Unknown
from keraslint.immutable import replace

LAYER_PREFIX = "keras.layers."


def activation_origin(name: str) -> Origin | None:
    """Who applies an activation function given by canonical name (see Output.origin)."""
    if name.startswith("tensorflow."):
        return Origin.RAW
    if name.startswith(("keras.activations.", "keras.ops.")):
        return Origin.KERAS
    return None


def activation_of(value: Value) -> tuple[Activation | None, Origin | None]:
    """(activation, origin) for an activation argument."""
    if isinstance(value, Const):
        if value.value is None:
            return catalogue.LINEAR, Origin.KERAS
        if isinstance(value.value, str) and value.value in catalogue.ACTIVATION_SPELLINGS:
            return catalogue.activation_kind(value.value), Origin.KERAS
        return None, None
    if isinstance(value, Ref) and value.name in catalogue.ACTIVATION_FUNCTIONS:
        return catalogue.ACTIVATION_FUNCTIONS[value.name], activation_origin(value.name)
    return None, None


def _int(value: Value | None) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def _param(layer: CallV, position: int | None, keyword: str) -> Value | None:
    given = layer.kwarg(keyword)
    if given is not None:
        return given
    if position is not None and position < len(layer.args):
        return layer.args[position]
    return None


def with_activation(
    incoming: Output | _Unknown, activation: Activation | None, origin: Origin | None, node: ast.AST,
    value_node: ast.AST | None, name: str | None = None,
) -> Output:
    if isinstance(incoming, Output):
        return replace(
            incoming, activation=activation, origin=origin, activation_node=node, activation_value=value_node,
            name=name, applied_on=incoming.activation,
        )
    return Output(None, activation, None, origin, node, value_node, name)


def _layer_name(layer: CallV) -> str | None:
    given = layer.kwarg("name")
    if isinstance(given, Const) and isinstance(given.value, str):
        return given.value
    return None


def apply_layer(layer: Value, incoming: Output | _Unknown) -> Output | _Unknown:
    """The output after `layer` is applied to a tensor whose facts are `incoming`."""
    if isinstance(layer, ModelV):
        return model_output(layer)
    if not isinstance(layer, CallV) or layer.has_star or not layer.callee.startswith(LAYER_PREFIX):
        return UNKNOWN
    name = layer.callee[len(LAYER_PREFIX) :]
    layer_name = _layer_name(layer)
    if name in catalogue.DENSE_LIKE:
        keyword = "filters" if "Conv" in name or "Convolution" in name else "units"
        width = _int(_param(layer, 0, keyword))
        width_node = layer.arg_node(0, keyword)
        activation_position = catalogue.DENSE_LIKE[name]
        given = _param(layer, activation_position, "activation")
        if activation_position is None and len(layer.args) > 5:
            # activation may be positional: not established
            return Output(width, None, name, name=layer_name, width_node=width_node)
        if given is None:
            default = catalogue.DEFAULT_ACTIVATION.get(name, catalogue.LINEAR)
            return Output(width, default, name, Origin.KERAS, layer.node, None, layer_name, width_node)
        value_node = layer.arg_node(activation_position, "activation")
        activation, origin = activation_of(given)
        return Output(width, activation, name, origin, value_node, value_node, layer_name, width_node)
    if name == "Activation":
        given = _param(layer, 0, "activation")
        activation, origin = activation_of(given) if given is not None else (None, None)
        if activation == catalogue.LINEAR and isinstance(incoming, Output):
            return replace(incoming, name=layer_name)  # the identity keeps what came in
        return with_activation(incoming, activation, origin, layer.node, layer.arg_node(0, "activation"), layer_name)
    if name == "Softmax":
        axis = _param(layer, 0, "axis")
        if axis is not None and _int(axis) != -1:
            return UNKNOWN
        return with_activation(incoming, catalogue.SOFTMAX, Origin.SOFTMAX_LAYER, layer.node, None, layer_name)
    wrapper = _WRAPPERS.get(name)
    if wrapper is not None:
        return wrapper(layer, incoming, layer_name)
    if name in catalogue.ACTIVATION_LAYERS and not layer.args and all(key != "max_value" for key, _ in layer.kwargs):
        # ReLU() / LeakyReLU() / ELU(); a ReLU capped by max_value may be a probability-like range
        activation = catalogue.ACTIVATION_LAYERS[name]
        return with_activation(incoming, activation, Origin.KERAS, layer.node, None, layer_name)
    if name in catalogue.TRANSPARENT_LAYERS:
        if isinstance(incoming, Output):
            return replace(incoming, name=layer_name)
        return incoming
    return UNKNOWN


def _lambda(layer: CallV, incoming: Output | _Unknown, layer_name: str | None) -> Output | _Unknown:
    """`Lambda(tf.nn.softmax)`: an activation function as a layer; any other function is not followed."""
    function = _param(layer, 0, "function")
    if isinstance(function, Ref) and function.name in catalogue.ACTIVATION_FUNCTIONS:
        activation = catalogue.ACTIVATION_FUNCTIONS[function.name]
        return with_activation(incoming, activation, activation_origin(function.name), layer.node, None, layer_name)
    return UNKNOWN


def _time_distributed(layer: CallV, incoming: Output | _Unknown, layer_name: str | None) -> Output | _Unknown:
    """The wrapped layer applied at every step: the last axis (what losses and metrics read) is its own."""
    inner = _param(layer, 0, "layer")
    wrapped = apply_layer(inner, incoming) if isinstance(inner, CallV) else UNKNOWN
    return replace(wrapped, name=layer_name) if isinstance(wrapped, Output) else wrapped


# Layers that apply a function or another layer: what they give is what that gives.
_WRAPPERS = {"Lambda": _lambda, "TimeDistributed": _time_distributed}


def model_output(model: ModelV) -> Output | _Unknown:
    if model.poisoned:
        return UNKNOWN
    if model.layers is None:
        return model.functional_output
    output: Output | _Unknown = UNKNOWN
    for layer in model.layers:
        output = apply_layer(layer, output)
    return output


def tensor_output(value: Value) -> Output | _Unknown:
    if isinstance(value, TensorV):
        return value.output
    return UNKNOWN
