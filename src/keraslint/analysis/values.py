"""Abstract values the evaluator computes for expressions. UNKNOWN is the absence of a fact."""

from __future__ import annotations

from typing import Any, Union

import ast

from keraslint.analysis.records import LabelFact, Output
from keraslint.immutable import field, record


class _Unknown:
    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


@record
class Const:
    value: Any
    node: ast.AST | None = field(default=None, compare=False, repr=False)


@record
class Seq:
    items: tuple["Value", ...]
    node: ast.AST | None = field(default=None, compare=False, repr=False)
    # Nodes of the elements, parallel to items, when the sequence is a literal.
    item_nodes: tuple[ast.AST | None, ...] = field(default=(), compare=False, repr=False)


@record
class DictV:
    items: tuple[tuple[Any, "Value"], ...]  # keys are plain Python constants
    node: ast.AST | None = field(default=None, compare=False, repr=False)
    value_nodes: tuple[ast.AST | None, ...] = field(default=(), compare=False, repr=False)

    def get(self, key: Any) -> "Value":
        for item_key, value in self.items:
            if item_key == key:
                return value
        return UNKNOWN


@record
class Ref:
    """A module, class or function, by canonical dotted name (see names.canonical), and the import
    route it was reached through (names.canonical's api: keras, tensorflow, tf_keras; None otherwise)."""

    name: str
    api: str | None = field(default=None, compare=False, repr=False)


@record
class CallV:
    """The result of calling a named callable: a layer, a loss or metric object, ..."""

    callee: str
    args: tuple["Value", ...]
    kwargs: tuple[tuple[str, "Value"], ...]
    node: ast.Call = field(compare=False, repr=False)
    has_star: bool = False
    api: str | None = field(default=None, compare=False, repr=False)  # the callee's import route (Ref.api)

    def kwarg(self, name: str) -> "Value | None":
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def arg_node(self, position: int | None, keyword: str) -> ast.expr | None:
        """The expression node given for a parameter, by keyword or by position."""
        for given in self.node.keywords:
            if given.arg == keyword:
                return given.value
        index = 0
        for arg in self.node.args:
            if isinstance(arg, ast.Starred):
                continue
            if index == position:
                return arg
            index += 1
        return None


@record(eq=False)
class TensorV:
    output: Output | _Unknown


@record(eq=False, frozen=False)
class ModelV:
    layers: list["Value"] | None  # Sequential layers; None for functional models
    functional_output: Output | _Unknown = UNKNOWN
    poisoned: bool = False
    depth: int = 0  # branch depth at creation: a mutation deeper than this makes it unknown
    node: ast.AST | None = None
    # A model with several outputs: their facts, and the dict keys when outputs were given as a dict.
    outputs: tuple["Output | _Unknown", ...] | None = None
    output_keys: tuple[Any, ...] | None = None
    compiles: list[Any] = field(default_factory=list)  # RawCompile records, in order
    # A model class of the module that defines (or inherits) its own compile(): its arguments are
    # the class's, not Keras's. One that overrides train_step / compute_loss may never run the loss.
    own_compile: bool = False
    custom_training: bool = False


@record(eq=False)
class ClassV:
    """A keras.Model subclass defined in the module."""

    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]


@record(eq=False)
class ObjectClassV:
    """A plain class of the module (no base but `object` or other such classes): a wrapper that
    builds, compiles or trains a model in its methods."""

    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]


@record(eq=False)
class InstanceV:
    """An instance of a plain module class: the attributes its methods have bound on `self` so far."""

    cls: ObjectClassV
    attributes: dict[str, "Value"]  # "model" for self.model
    depth: int = 0  # branch depth at creation: a method run deeper may or may not have happened


@record(eq=False)
class MethodV:
    """The result of a method call on a value that is not a Keras name: `encoder.fit_transform(y)`,
    `y.argmax(axis=-1)`, `np.eye(n)[y]` (method "__getitem__")."""

    receiver: "Value"
    method: str
    args: tuple["Value", ...]
    kwargs: tuple[tuple[str, "Value"], ...]

    def kwarg(self, name: str) -> "Value | None":
        for key, value in self.kwargs:
            if key == name:
                return value
        return None


@record(eq=False)
class FuncV:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    defaults: dict[str, "Value"]


@record
class OneOfV:
    """A name bound to different objects on the branches of an if/else or try (each branch binds
    one): kept only for the Keras objects whose facts rules read per alternative (catalogue
    ALTERNATIVE_PREFIXES); any other disagreement is UNKNOWN."""

    alternatives: tuple["CallV", ...]


@record
class LabelsV:
    """An array whose label kind the module's code establishes without a single call saying it:
    one-hot filled in by index assignment, a regression data set's targets, targets scaled by float
    arithmetic (analysis/labels.py)."""

    fact: LabelFact


Value = Union[_Unknown, Const, Seq, DictV, Ref, CallV, TensorV, ModelV, FuncV, ClassV, ObjectClassV, InstanceV, MethodV,
              OneOfV, LabelsV]
