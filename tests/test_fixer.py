"""Fix invariants on every fixture, plus the fixer's own mechanics (imports, overlaps, unsafe)."""

from __future__ import annotations

import ast
import difflib
import pathlib
import re
import textwrap

import libcst as cst
import pytest

from keraslint import fixer
from keraslint.diagnostics import Fix
from keraslint import targeting
from keraslint.engine import analyse, extract_facts, run_rules
from keraslint.rules import Finding, Rule
from keraslint.settings import Settings

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
RULE_FIXTURES = sorted(path for path in FIXTURES.glob("KER*.py") if path.name[:6] not in ("KER001", "KER002"))
_TARGET = re.compile(r"^#\s*keraslint-target:\s*(.+?)\s*$")
_ADDED_IMPORT = re.compile(r"^from (keras|tensorflow\.keras|tf_keras)\.\w+ import [\w, ]+\r?\n?$")


def fixture_target(source: str) -> str:
    first = source.splitlines()[0] if source else ""
    match = _TARGET.match(first)
    return match.group(1) if match else "any"


def fixable(diagnostics, unsafe: bool):
    return [d for d in diagnostics if d.fix is not None and d.fix.node is not None and (d.fix.safe or unsafe)]


def offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column


def fix_spans(source: str, settings: Settings, filename: str, unsafe: bool) -> list[tuple[int, int]]:
    """The original spans of the fix nodes, by the engine's own positions (merged when overlapping)."""
    facts = extract_facts(source)
    if facts is None:
        return []
    lines = source.splitlines(keepends=True)
    spans = []
    for diagnostic in fixable(run_rules(facts, targeting.target_for(filename, settings.keras_version), None, None), unsafe):
        start_line, start_col, end_line, end_col = facts.position(diagnostic.fix.node)
        spans.append((offset(lines, start_line, start_col), offset(lines, end_line, end_col)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def assert_only_spans_changed(old: str, new: str, spans: list[tuple[int, int]]) -> None:
    added = [
        line
        for tag, _a0, _a1, b0, b1 in difflib.SequenceMatcher(
            a=old.splitlines(keepends=True), b=new.splitlines(keepends=True), autojunk=False
        ).get_opcodes()
        if tag == "insert"
        for line in new.splitlines(keepends=True)[b0:b1]
    ]
    assert all(_ADDED_IMPORT.match(line) for line in added), added
    stripped = "".join(line for line in new.splitlines(keepends=True) if line not in added)
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(re.escape(old[position:start]))
        position = end
    pieces.append(re.escape(old[position:]))
    assert re.fullmatch("(.*?)".join(pieces), stripped, re.S), "text outside the fixed spans changed"


def line_mapping(old: str, new: str) -> dict[int, int]:
    """Old line number -> new line number for lines kept or replaced one for one."""
    mapping = {}
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("equal", "replace") and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                mapping[a0 + k + 1] = b0 + k + 1
    return mapping


@pytest.mark.parametrize("unsafe", [False, True], ids=["fix", "unsafe-fixes"])
@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda path: path.name)
def test_fix_invariants_on_fixture(path: pathlib.Path, unsafe: bool) -> None:
    source = path.read_text(encoding="utf-8")
    settings = Settings(fixture_target(source))
    filename = str(path)
    before = analyse(source, filename=filename, target=targeting.target_for(filename, settings.keras_version))
    to_fix = fixable(before, unsafe)

    result = fixer.fix_source(source, filename=filename, settings=settings, unsafe=unsafe)
    assert result.error is None
    fixed = result.text

    # 1. The result re-parses.
    ast.parse(fixed)
    cst.parse_module(fixed)

    # 2. Every fixed finding is gone (no fixable finding is left either).
    after = analyse(fixed, filename=filename, target=targeting.target_for(filename, settings.keras_version))
    assert not fixable(after, unsafe), [(d.line, d.code) for d in fixable(after, unsafe)]
    mapping = line_mapping(source, fixed)
    remaining = {(d.line, d.code) for d in after}
    for diagnostic in to_fix:
        assert (mapping.get(diagnostic.line), diagnostic.code) not in remaining, diagnostic
    if to_fix:
        assert result.fixed

    # 3. Round by round (a fix may enable another, e.g. from_logits=True then threshold=0.0), the
    #    text outside the spans of that round's fixable nodes is unchanged, except added import lines.
    text, rounds = source, 0
    while True:
        fix_plan = fixer.plan(text, filename=filename, settings=settings, unsafe=unsafe)
        if not fix_plan:
            break
        new_text = fixer.apply_plan(text, fix_plan)
        assert_only_spans_changed(text, new_text, fix_spans(text, settings, filename, unsafe))
        text, rounds = new_text, rounds + 1
        assert rounds < fixer.MAX_ROUNDS
    assert text == fixed

    # 4. A second run changes nothing.
    again = fixer.fix_source(fixed, filename=filename, settings=settings, unsafe=unsafe)
    assert again.text == fixed
    assert again.fixed == []


def test_fixtures_exercise_every_applied_fix() -> None:
    """The invariant test above is only worth something if fixes really happen on the fixtures."""
    from keraslint.rules import ALL_RULES

    codes = set()
    for path in RULE_FIXTURES:
        source = path.read_text(encoding="utf-8")
        result = fixer.fix_source(source, filename=str(path), settings=Settings(fixture_target(source)), unsafe=True)
        codes |= {d.code for d in result.fixed}
    assert {rule.code for rule in ALL_RULES if rule.fix_applied} <= codes


SIGMOID_ACCURACY = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
    """
)
KERAS3 = Settings("3")


def test_metric_fix_adds_import_after_the_last_import() -> None:
    result = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3)
    assert result.text == textwrap.dedent(
        """\
        import keras
        from keras import layers
        from keras.metrics import BinaryAccuracy

        model = keras.Sequential([layers.Dense(10, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[BinaryAccuracy(name="accuracy")])
        model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
        """
    )


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        ("import tensorflow as tf\nfrom tensorflow import keras\n", "from tensorflow.keras.metrics import BinaryAccuracy"),
        ("import tf_keras as keras\n", "from tf_keras.metrics import BinaryAccuracy"),
        ("import keras\n", "from keras.metrics import BinaryAccuracy"),
    ],
)
def test_import_follows_the_file_style(imports: str, expected: str) -> None:
    source = imports + textwrap.dedent(
        """\
        model = keras.Sequential([keras.layers.Dense(10, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels
        """
    )
    settings = Settings("tf-keras==2.17") if "tf_keras" in imports else Settings("tensorflow==2.15")
    result = fixer.fix_source(source, settings=settings)
    assert expected + "\n" in result.text
    assert "BinaryAccuracy(name=\"accuracy\")" in result.text
    assert result.text.index(expected) > result.text.index(imports.splitlines()[-1])


def test_no_import_added_when_already_imported() -> None:
    source = SIGMOID_ACCURACY.replace("from keras import layers\n", "from keras import layers\nfrom keras.metrics import AUC, BinaryAccuracy\n")
    result = fixer.fix_source(source, settings=KERAS3)
    assert result.text.count("import") == source.count("import")
    assert "metrics=[BinaryAccuracy(name=\"accuracy\")]" in result.text


def test_fix_skipped_when_the_name_means_something_else() -> None:
    source = SIGMOID_ACCURACY + "\n\nclass BinaryAccuracy:\n    pass\n"
    result = fixer.fix_source(source, settings=KERAS3)
    assert result.text == source


def test_crlf_and_missing_final_newline_are_kept() -> None:
    source = SIGMOID_ACCURACY.replace("\n", "\r\n").rstrip("\r\n")
    result = fixer.fix_source(source, settings=KERAS3)
    assert "from keras.metrics import BinaryAccuracy\r\n" in result.text
    assert "\n" not in result.text.replace("\r\n", "")
    assert not result.text.endswith("\n")


def test_import_goes_before_first_statement_without_imports_before_use() -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\n# comment\nx = 1\n' + SIGMOID_ACCURACY
    result = fixer.fix_source(source, settings=KERAS3)
    lines = result.text.splitlines()
    # After the keras imports (they precede the fixed line), not at the top.
    assert lines.index("from keras.metrics import BinaryAccuracy") == lines.index("from keras import layers") + 1


def test_insertion_positions() -> None:
    text = "a\nb"
    assert fixer.apply_edits(text, [fixer.insertion_edit(text, fixer.Insertion(2, True, "c"))]) == "a\nb\nc"
    assert fixer.apply_edits(text, [fixer.insertion_edit(text, fixer.Insertion(1, True, "c"))]) == "a\nc\nb"
    assert fixer.apply_edits(text, [fixer.insertion_edit(text, fixer.Insertion(1, False, "c"))]) == "c\na\nb"
    assert fixer.apply_edits("", [fixer.insertion_edit("", fixer.Insertion(1, False, "c"))]) == "c\n"


def test_apply_edits_puts_insertions_before_replacements_at_the_same_place() -> None:
    edits = [fixer.Edit(0, 1, "X"), fixer.Edit(0, 0, "i\n")]
    assert fixer.apply_edits("abc", edits) == "i\nXbc"


class _UnsafeJit(Rule):
    """A test rule with an unsafe fix: adds jit_compile=False."""

    code = "KER999"
    name = "test-unsafe"
    summary = "test"
    severity = "style"
    true_on = frozenset()
    example = use_instead = ""

    def check(self, site, context):
        call = site.call
        if any(keyword.arg == "jit_compile" for keyword in call.keywords):
            return

        def replace(old: cst.Call) -> cst.Call:
            args = list(old.args)
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            return old.with_changes(args=[*args, cst.Arg(cst.Name("False"), keyword=cst.Name("jit_compile"),
                                                          equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))])

        yield Finding(call, "test finding", Fix("add jit_compile=False", False, replace, call))


def test_unsafe_fixes_only_with_unsafe() -> None:
    rules = [_UnsafeJit()]
    safe_only = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=rules, keep=lambda d, lines: True)
    assert safe_only.text == SIGMOID_ACCURACY
    unsafe = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=rules, keep=lambda d, lines: True, unsafe=True)
    assert 'metrics=["accuracy"], jit_compile=False)' in unsafe.text
    assert [d.code for d in unsafe.fixed] == ["KER999"]


def test_overlapping_fixes_first_wins_then_next_round() -> None:
    """The unsafe call fix contains the metric string fix: both end up applied over two rounds."""
    rules = [_UnsafeJit(), *[r for r in __import__("keraslint.rules", fromlist=["ALL_RULES"]).ALL_RULES if r.code == "KER201"]]
    one_round = fixer.plan(SIGMOID_ACCURACY, settings=KERAS3, rules=rules, keep=lambda d, lines: True, unsafe=True)
    assert len(one_round.edits) == 1
    result = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=rules, keep=lambda d, lines: True, unsafe=True)
    assert "BinaryAccuracy(name=\"accuracy\")], jit_compile=False)" in result.text
    assert sorted(d.code for d in result.fixed) == ["KER201", "KER999"]


def test_noqa_and_selection_limit_what_is_fixed() -> None:
    source = SIGMOID_ACCURACY.replace('metrics=["accuracy"])', 'metrics=["accuracy"])  # noqa: KER201')
    assert fixer.fix_source(source, settings=KERAS3).text == source
    ignored = Settings("3", ignore=("KER201",))
    assert fixer.fix_source(SIGMOID_ACCURACY, settings=ignored).text == SIGMOID_ACCURACY


def test_a_failing_replace_does_not_stop_the_fixer() -> None:
    from keraslint.rules import RULES_BY_CODE

    class Broken(_UnsafeJit):
        code = "KER998"

        def check(self, site, context):
            def boom(_old):
                raise RuntimeError("bug in a fix")

            yield Finding(site.call, "x", Fix("boom", True, boom, site.call))

    alone = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=[Broken()], keep=lambda d, lines: True)
    assert alone.text == SIGMOID_ACCURACY
    assert alone.error is None
    # Next to it, the other fixes are still applied.
    rules = [Broken(), RULES_BY_CODE["KER201"]]
    result = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=rules, keep=lambda d, lines: True)
    assert result.error is None
    assert 'metrics=[BinaryAccuracy(name="accuracy")])' in result.text
    assert [d.code for d in result.fixed] == ["KER201"]


def test_unparseable_result_is_discarded() -> None:
    class Breaks(_UnsafeJit):
        code = "KER997"

        def check(self, site, context):
            broken = cst.Attribute(value=cst.Integer("1"), attr=cst.Name("x"))  # `1.x(...)`: not Python
            yield Finding(site.call, "x", Fix("bad", True, lambda old: old.with_changes(func=broken), site.call))

    result = fixer.fix_source(SIGMOID_ACCURACY, settings=KERAS3, rules=[Breaks()], keep=lambda d, lines: True)
    assert result.text == SIGMOID_ACCURACY
    assert result.error and "does not parse" in result.error


def test_unified_diff_marks_missing_newline() -> None:
    diff = fixer.unified_diff("a\nb", "a\nc", "f.py")
    assert diff.startswith("--- f.py\n+++ f.py\n")
    assert "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n" in diff
    assert fixer.unified_diff("same", "same", "f.py") == ""


def test_fix_lands_at_the_right_characters_after_non_ascii_text() -> None:
    source = (
        "import keras\n"
        'titre = "données"; model = keras.Sequential([keras.layers.Dense(10, activation="sigmoid")]); '
        'model.compile(loss="binary_crossentropy", metrics=["accuracy"])\n'
        "model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])  # multi-hot labels\n"
    )
    result = fixer.fix_source(source, settings=KERAS3)
    assert 'titre = "données"; model' in result.text
    assert 'metrics=[BinaryAccuracy(name="accuracy")])\n' in result.text


SOFTMAX_BCE_ACCURACY = textwrap.dedent(
    """\
    import keras
    from keras.layers import Dense

    model = keras.models.Sequential([Dense(64, activation="relu", input_shape=(20,)), Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """
)


def test_ambiguous_accuracy_fix_uses_no_metric_class_where_keras_2_0_to_2_2_may_run() -> None:
    """keras-semantics: metric classes exist from Keras 2.3 on; 2.0-2.2 only have the functions."""
    old_keras = Settings("2.0.4")
    assert fixer.fix_source(SOFTMAX_BCE_ACCURACY, settings=old_keras).text == SOFTMAX_BCE_ACCURACY  # unsafe only
    fixed = fixer.fix_source(SOFTMAX_BCE_ACCURACY, settings=old_keras, unsafe=True).text
    assert 'metrics=["categorical_accuracy"]' in fixed and "import CategoricalAccuracy" not in fixed
    unknown = fixer.fix_source(SOFTMAX_BCE_ACCURACY, settings=Settings(None), unsafe=True).text
    assert 'metrics=["categorical_accuracy"]' in unknown  # `import keras` with no pin: 2.0 is possible
    keras_2_3 = fixer.fix_source(SOFTMAX_BCE_ACCURACY, settings=Settings("2.3.1")).text
    assert "from keras.metrics import CategoricalAccuracy\n" in keras_2_3
    assert 'metrics=[CategoricalAccuracy(name="accuracy")]' in keras_2_3
