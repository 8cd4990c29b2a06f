"""`record`: the decorator of keraslint's immutable record classes (facts, values, diagnostics).

A record has the constructor, equality, hash and repr of `dataclass(frozen=True)` and is immutable
for the type checker: mypy (strict, run in CI) reads `@record` as a frozen dataclass and rejects any
assignment to a field. `field()` and `replace()` are the records' `dataclasses.field` and
`dataclasses.replace`.

Why not `dataclasses` itself: start-up time in an editor (measured on CPython 3.11, docs/notes.md
"Session 4" and "Session 5"). `dataclass()` costs ~0.2 ms per class at import (~40 classes are
imported on every lint) and `frozen=True` adds an `object.__setattr__` call per field on every
instance (1.0 µs against 0.2 µs, for values built hundreds of thousands of times per corpus). Here
the only code generated per class is `__init__`; equality, hash and repr are shared functions.
"""

from __future__ import annotations

import functools
import operator
import reprlib
import types
from typing import TYPE_CHECKING, Any, Callable, TypeVar, overload

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options: Any) -> Callable[[T], T]:
        return lambda decorator: decorator


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """What `field()` declares about one record field."""

    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool) -> None:
        self.default, self.default_factory, self.compare, self.repr = default, default_factory, compare, repr


def field(
    *, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field's default (or a function making it), and whether equality, hash (`compare`) and
    repr (`repr`) take it in."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare, repr)


@overload
def record(cls: type[T], /) -> type[T]:
    ...


@overload
def record(*, eq: bool = True, frozen: bool = True) -> Callable[[type[T]], type[T]]:
    ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, eq: bool = True, frozen: bool = True) -> Any:
    """`@record`, `@record(eq=False)` (identity equality, as `dataclass(frozen=True, eq=False)`) or
    `@record(frozen=False)`: an accumulator the evaluator fills in, unhashable when compared by value
    (as `dataclass(eq=True)`). Frozen or not is checked by the type checker only."""

    def make(klass: type[T]) -> type[T]:
        made: Any = klass
        fields = _declared_fields(klass)
        made._record_fields = tuple(fields)
        if "__init__" not in klass.__dict__:
            made.__init__ = _init_for(klass, fields)
        compared = tuple(name for name, spec in fields.items() if spec.compare)
        # (a plain function would bind as a method: staticmethod keeps it a function of the record)
        made._record_key = operator.attrgetter(*compared) if compared else staticmethod(_no_key)
        made._record_shown = tuple(name for name, spec in fields.items() if spec.repr)
        if "__repr__" not in klass.__dict__:
            made.__repr__ = _repr
        if eq and "__eq__" not in klass.__dict__ and "__hash__" not in klass.__dict__:
            made.__eq__ = _eq
            made.__hash__ = _hash if frozen else None
        return klass

    return make if cls is None else make(cls)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with the given fields changed (`dataclasses.replace`)."""
    names: tuple[str, ...] = getattr(obj, "_record_fields")
    unknown = changes.keys() - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {', '.join(sorted(unknown))}")
    values = {name: getattr(obj, name) for name in names}
    values.update(changes)
    return type(obj)(**values)


def _declared_fields(klass: type) -> dict[str, Field]:
    """The fields in constructor order: a record base's first, then the class's annotations."""
    fields: dict[str, Field] = {}
    for base in reversed(klass.__mro__[1:]):
        fields.update(getattr(base, "_record_specs", {}))
    # The class's own annotations (Python 3.14 evaluates them on first access to the attribute).
    annotations = klass.__dict__.get("__annotations__")
    if annotations is None:
        annotations = getattr(klass, "__annotations__", None) or {}
    for name, annotation in annotations.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        declared = klass.__dict__.get(name, MISSING)
        spec = declared if isinstance(declared, Field) else Field(declared, MISSING, True, True)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(spec.default).__name__} for field {name}")
        if spec.default is MISSING:
            if name in klass.__dict__:
                delattr(klass, name)
        else:
            setattr(klass, name, spec.default)
        fields[name] = spec
    setattr(klass, "_record_specs", fields)
    return fields


def _init_for(klass: type, fields: dict[str, Field]) -> Callable[..., None]:
    """`__init__(self, <fields>)` assigning each field, as `dataclass` writes it."""
    defaults: list[Any] = []
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, spec in fields.items():
        if spec.default_factory is not MISSING:
            factories.append((name, spec.default_factory))
            defaults.append(MISSING)
        elif spec.default is not MISSING:
            defaults.append(spec.default)
        elif defaults:
            raise TypeError(f"non-default field {name!r} follows a default field in {klass.__qualname__}")
    names = tuple(fields)
    # The code assigning N fields, renamed: compiling one function per class cost ~65 µs at import.
    code = _assigning_code(len(names)).replace(co_varnames=("self", *names), co_names=names)
    init: Any = types.FunctionType(code, {}, "__init__", tuple(defaults) or None)
    if factories:
        assign = init

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            assign(self, *args, **kwargs)
            for name, make in factories:
                if getattr(self, name) is MISSING:
                    setattr(self, name, make())

    init.__qualname__ = f"{klass.__qualname__}.__init__"
    init.__module__ = klass.__module__
    return init  # type: ignore[no-any-return]


@functools.cache
def _assigning_code(count: int) -> types.CodeType:
    """The code of `def __init__(self, f0, ..., fN): self.f0 = f0; ...`: `co_varnames` holds
    `self` and the parameters, `co_names` the attribute names, both in field order."""
    parameters = [f"f{index}" for index in range(count)]
    body = "".join(f"\n    self.{name} = {name}" for name in parameters) or " pass"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {', '.join(parameters)}):{body}", {}, namespace)
    code: types.CodeType = namespace["__init__"].__code__
    return code


# The methods dataclass(frozen=True) would compile for each class, written once: the same results
# (equal when of the same class with equal compared fields; hash of those fields; the dataclass repr).


def _no_key(_record: object) -> tuple[()]:
    return ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self._record_key
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self._record_key(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{self.__class__.__qualname__}({shown})"
