"""`@record` (keraslint.immutable): frozen for the type checker; the constructor, equality, hash,
repr and `replace` of a frozen dataclass at run time."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import textwrap

import pytest

from keraslint.analysis.records import HistoryRead, Output
from keraslint.analysis.values import CallV, Const, Ref
from keraslint.immutable import field, record, replace


def test_equality_and_hash_ignore_fields_declared_compare_false() -> None:
    first, second = ast.Constant(3), ast.Constant(3)
    assert Const(3, first) == Const(3, second)
    assert hash(Const(3, first)) == hash(Const(3, second))
    assert Const(3) != Const(4)
    assert {Ref("keras.layers.Dense"), Ref("keras.layers.Dense")} == {Ref("keras.layers.Dense")}


def test_replace_builds_a_new_record_and_leaves_the_old_one() -> None:
    node = ast.Constant("acc")
    read = HistoryRead("acc", node, receiver="history")
    moved = replace(read, in_helper=True)
    assert moved.in_helper and not read.in_helper
    assert moved.key == read.key == "acc"
    output = Output(10, None)
    assert replace(output, width=3).width == 3 and output.width == 10
    with pytest.raises(TypeError, match="no field colour"):
        replace(output, colour=3)


def test_eq_false_records_compare_by_identity() -> None:
    @record(eq=False)
    class Handle:
        name: str

    one = Handle("a")
    assert one == one and one != Handle("a")
    assert len({one, Handle("a")}) == 2


def test_records_without_compared_fields_are_all_equal_as_with_dataclass() -> None:
    @record
    class Opaque:
        node: object = field(default=None, compare=False)

    @dataclasses.dataclass(frozen=True)
    class Reference:
        node: object = dataclasses.field(default=None, compare=False)

    assert (Opaque(1) == Opaque(2)) is (Reference(1) == Reference(2)) is True
    assert hash(Opaque(1)) == hash(Opaque(2))


def test_a_record_without_a_docstring_is_a_record() -> None:
    @record
    class Plain:
        value: int

    assert Plain(1) == Plain(1)
    assert repr(Plain(1)).endswith("Plain(value=1)")


def test_call_values_compare_by_value_not_by_node() -> None:
    call_a, call_b = ast.parse("f()").body[0].value, ast.parse("f()").body[0].value  # type: ignore[attr-defined]
    assert CallV("keras.layers.Dense", (Const(10),), (), call_a) == CallV("keras.layers.Dense", (Const(10),), (), call_b)


def test_the_type_checker_rejects_assigning_a_field(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api  # a test dependency (.ci/run installs it)

    monkeypatch.setenv("MYPYPATH", str(pathlib.Path(__file__).resolve().parent.parent / "src"))
    program = tmp_path / "mutates.py"
    program.write_text(
        textwrap.dedent(
            """
            from keraslint.analysis.values import Const
            from keraslint.immutable import record

            @record
            class Point:
                x: int

            @record(frozen=False)
            class Tally:
                count: int

            Point(1).x = 2
            Const(1).value = 2
            Tally(1).count = 2
            """
        )
    )
    stdout, _stderr, status = api.run(
        ["--no-incremental", "--follow-imports=silent", "--python-version=3.10", str(program)]
    )
    assert status == 1
    assert stdout.count("is read-only") == 2 and "count" not in stdout, stdout


def test_repr_shows_the_fields_a_dataclass_repr_shows() -> None:
    assert repr(Const(3, ast.Constant(3))) == "Const(value=3)"  # node is repr=False
    assert repr(Ref("keras.Sequential")) == "Ref(name='keras.Sequential')"
    assert Const(1) != Ref("x") and Const(1) != (1,)


def test_the_constructor_is_a_dataclass_constructor() -> None:
    @record
    class Spec:
        name: str
        width: int = 1
        shifts: dict[int, int] = field(default_factory=dict)
        note: object = field(default=None, compare=False, repr=False)

    @dataclasses.dataclass(frozen=True)
    class Reference:
        name: str
        width: int = 1
        shifts: dict[int, int] = dataclasses.field(default_factory=dict)
        note: object = dataclasses.field(default=None, compare=False, repr=False)

    for made in (Spec("a"), Spec("a", 2, {1: 2}, note="n"), Spec(name="a", note="n")):
        expected = Reference(made.name, made.width, made.shifts, made.note)
        assert (made.name, made.width, made.shifts, made.note) == (
            expected.name, expected.width, expected.shifts, expected.note)
        assert repr(made).rsplit(".", 1)[-1][len("Spec"):] == repr(expected).rsplit(".", 1)[-1][len("Reference"):]
    assert Spec("a").shifts is not Spec("a").shifts  # a new dict per instance
    assert Spec.width == 1 and not hasattr(Spec, "name")  # defaults stay class attributes, as with dataclass
    with pytest.raises(TypeError):
        Spec()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Spec("a", colour=1)  # type: ignore[call-arg]


def test_declarations_a_dataclass_rejects_are_rejected() -> None:
    with pytest.raises(TypeError, match="follows a default"):
        @record
        class Misordered:
            first: int = 0
            second: int

    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=0, default_factory=int)

    with pytest.raises(ValueError, match="mutable default list"):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012


def test_a_record_derived_from_a_record_takes_the_base_fields_first() -> None:
    @record
    class Base:
        name: str

    @record
    class Derived(Base):
        width: int = 0

    assert Derived("a", 3).name == "a" and Derived("a", 3).width == 3
    assert Derived("a") == Derived("a", 0) != Derived("a", 1)
    assert repr(Derived("a")).endswith("Derived(name='a', width=0)")

    @record
    class Renamed(Base):  # no annotations of its own: the base's fields only
        pass

    assert Renamed("b").name == "b" and Renamed("b") != Base("b")


def test_an_accumulator_record_is_mutable_and_compared_by_value_like_a_dataclass() -> None:
    @record(frozen=False)
    class Tally:
        items: list[int] = field(default_factory=list)

    tally = Tally()
    tally.items.append(1)
    assert tally == Tally([1]) != Tally()
    with pytest.raises(TypeError):
        hash(tally)  # as dataclass(eq=True) without frozen=True


@pytest.mark.parametrize("count", [0, 1, 2, 5, 13])
def test_every_field_lands_in_its_own_attribute_whatever_the_count_and_order(count: int) -> None:
    names = [f"{chr(ord('z') - index)}_{index}" for index in range(count)]  # not in sorted order
    klass = type("Wide", (), {"__annotations__": {name: "int" for name in names}})
    wide = record(klass)
    by_position = wide(*range(count))
    by_keyword = wide(**{name: index for index, name in enumerate(names)})
    for index, name in enumerate(names):
        assert getattr(by_position, name) == getattr(by_keyword, name) == index
    assert by_position == by_keyword
    with pytest.raises(TypeError):
        wide(*range(count + 1))
