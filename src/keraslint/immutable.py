"""`record`: the decorator of keraslint's immutable record classes (facts, values, diagnostics).

A record is a dataclass with the equality and hash of `dataclass(frozen=True)`, immutable for the
type checker: mypy (strict, run in CI) reads `@record` as a frozen dataclass and rejects any
assignment to a field. The run-time guard of `frozen=True` is left out on purpose, because it is
what made keraslint slow to start in an editor (measured on CPython 3.11, docs/notes.md "Session
4"): two more generated methods per class (about 0.25 ms each class at import, ~40 classes) and an
`object.__setattr__` call per field on every instance (1.0 µs against 0.2 µs for a value built
hundreds of thousands of times per corpus). For the same reason only `__init__` is generated per
class: equality, hash and repr are three shared functions below.
"""

from __future__ import annotations

import dataclasses
import operator
import reprlib
from typing import TYPE_CHECKING, Any, Callable, TypeVar, overload

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options: Any) -> Callable[[T], T]:
        return lambda decorator: decorator


@overload
def record(cls: type[T], /) -> type[T]:
    ...


@overload
def record(*, eq: bool = True) -> Callable[[type[T]], type[T]]:
    ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T] | None = None, /, *, eq: bool = True) -> Any:
    """`@record` or `@record(eq=False)` (identity equality, as `dataclass(frozen=True, eq=False)`)."""

    def make(klass: type[T]) -> type[T]:
        if not klass.__doc__:
            klass.__doc__ = klass.__name__  # spares dataclass an inspect.signature() call at import
        made: Any = dataclasses.dataclass(klass, eq=False, repr=False)  # only __init__ is generated
        fields = dataclasses.fields(made)
        compared = tuple(field.name for field in fields if field.compare)
        shown = tuple(field.name for field in fields if field.repr)
        # (a plain function would bind as a method: staticmethod keeps it a function of the record)
        made._record_key = operator.attrgetter(*compared) if compared else staticmethod(_no_key)
        made._record_shown = shown
        if "__repr__" not in klass.__dict__:
            made.__repr__ = _repr
        if eq and "__eq__" not in klass.__dict__ and "__hash__" not in klass.__dict__:
            made.__eq__ = _eq
            made.__hash__ = _hash
        return klass

    return make if cls is None else make(cls)


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
