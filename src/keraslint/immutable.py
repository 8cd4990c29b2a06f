"""`record`: the decorator of keraslint's immutable record classes (facts, values, diagnostics).

A record is a dataclass with the equality and hash of `dataclass(frozen=True)`, immutable for the
type checker: mypy (strict, run in CI) reads `@record` as a frozen dataclass and rejects any
assignment to a field. The run-time guard of `frozen=True` is left out on purpose, because it is
what made keraslint slow to start in an editor (measured on CPython 3.11, docs/notes.md "Session
4"): two more generated methods per class (about 0.25 ms each class at import, ~40 classes) and an
`object.__setattr__` call per field on every instance (1.0 µs against 0.2 µs for a value built
hundreds of thousands of times per corpus).
"""

from __future__ import annotations

import dataclasses
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
        return dataclasses.dataclass(klass, eq=eq, unsafe_hash=eq)

    return make if cls is None else make(cls)
