"""The file's own APIs narrow the Keras lines it can run on (analysis/api_lines.py, docs/api-evidence.md)."""

from __future__ import annotations

import textwrap

import pytest

from keraslint import engine, targeting
from keraslint.analysis import api_lines
from keraslint.analysis.facts import file_facts
from keraslint.versions import ALL_VERSION_LINES, VersionLine

L1, L2, L3, L4, L5 = VersionLine.L1, VersionLine.L2, VersionLine.L3, VersionLine.L4, VersionLine.L5

COMPILE = 'model = keras.Sequential([keras.layers.Dense(1)])\nmodel.compile(optimizer="adam", loss="mse")\n'


def possible(source: str) -> frozenset[VersionLine]:
    facts = file_facts(textwrap.dedent(source))
    assert facts is not None
    return facts.evidence.possible


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        pytest.param("import keras\n" + COMPILE + "model.fit_generator(g, steps_per_epoch=3)\n",
                     {L1, L2, L3, L4}, id="fit_generator: not Keras 3"),
        pytest.param("import keras\nfrom keras.layers import Merge\n" + COMPILE, {L1}, id="Merge: Keras 2.0-2.1"),
        pytest.param("import keras\nimport tensorflow_hub as hub\nlayer = hub.KerasLayer('url')\n" + COMPILE,
                     {L2, L3, L4}, id="tensorflow_hub.KerasLayer"),
        pytest.param("import tensorflow as tf\nfrom tensorflow import keras\n"
                     "aug = tf.keras.layers.experimental.preprocessing.RandomFlip()\n" + COMPILE,
                     {L3, L4}, id="experimental.preprocessing path and the layer name"),
        pytest.param("import keras\nx = keras.ops.relu(1)\n" + COMPILE, {L5}, id="keras.ops"),
        # keras-team/keras-core 0.1 (the Keras 3 preview): keras_core/optimizers/base_optimizer.py rejects
        # lr= and ignores decay=, keras_core/trainers/compile_utils.py resolves 'accuracy' as Keras 3 does
        pytest.param("import keras\n" + COMPILE + "model.fit(x, y, nb_epoch=3)\n", {L1, L2},
                     id="nb_epoch: Keras 2.0-2.3 in eager mode"),
        pytest.param("import tensorflow as tf\nfrom tensorflow import keras\ntf.compat.v1.disable_eager_execution()\n"
                     + COMPILE + "model.fit(x, y, nb_epoch=3)\n", {L1, L2, L3, L4},
                     id="nb_epoch: also tf.keras's v1 graph mode"),
        pytest.param("import keras\nimport tensorflow as tf\nsess = tf.Session()\n" + COMPILE, {L1, L2},
                     id="TF 1.x session"),
        pytest.param("import keras\nfrom tensorflow.contrib import layers\n" + COMPILE, {L1, L2},
                     id="TF 1.x contrib module imported from"),
        pytest.param("import keras\nfrom tensorflow.examples.tutorials.mnist import input_data\n" + COMPILE,
                     {L1, L2}, id="TF 1.x tutorials module (precision probe 5)"),
        pytest.param("import keras\nimport tensorflow as tf\ncell = tf.contrib.rnn.LSTMCell(8)\n" + COMPILE,
                     {L1, L2}, id="TF 1.x contrib through tf."),
        pytest.param("import keras\nimport horovod.tensorflow.keras as hvd\n" + COMPILE, {L1, L2, L3},
                     id="horovod: not TF 2.16+"),
        pytest.param("import keras\nfrom tensorflow.python.keras.layers import Dense\n" + COMPILE, {L2, L3},
                     id="TensorFlow's own Keras 2 tree (precision probe 7)"),
        pytest.param("import keras\nfrom tensorflow.python.keras.models import Model\n" + COMPILE, {L2, L3},
                     id="TensorFlow's own Keras 2 models"),
        pytest.param("import keras\nfrom tensorflow.python.keras.metrics import accuracy\n" + COMPILE,
                     ALL_VERSION_LINES, id="a tensor function of TensorFlow's own Keras 2 works under any Keras"),
    ],
)
def test_apis_narrow_the_lines(source: str, lines: set[VersionLine]) -> None:
    assert possible(source) == frozenset(lines)


def test_private_module_trees_do_not_narrow() -> None:
    # Keras 3's private tree has a Merge base class the public API never had.
    assert possible("import keras\nfrom keras.src.layers.merging.base_merge import Merge\n" + COMPILE) == ALL_VERSION_LINES


def test_the_subject_of_a_rule_is_not_evidence() -> None:
    # lr= is what KER306 reports on Keras 3: it must not remove Keras 3 from the lines.
    source = "import keras\nopt = keras.optimizers.Adam(lr=0.01)\n" + COMPILE
    assert possible(source) == ALL_VERSION_LINES
    assert "keras.optimizers.Adam(lr=)" in api_lines.API_FACTS  # still documented


def test_an_unrelated_statement_holding_evidence_counts() -> None:
    source = "import keras\nimport tensorflow_hub as hub\nunused = hub.KerasLayer('url')\n" + COMPILE
    assert possible(source) == frozenset({L2, L3, L4})


def test_keras_1_code_gets_no_findings() -> None:
    source = textwrap.dedent(
        """\
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential([Dense(10, activation="softmax", input_dim=4)])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x, y, nb_epoch=2, show_accuracy=True)
        """
    )
    assert possible(source) == frozenset()
    assert engine.analyse(source, target=targeting.UNKNOWN_TARGET) == []
    lines, reason, _sites = engine.explain(source)
    assert lines == frozenset() and "show_accuracy" in reason


def test_evidence_narrows_the_target_and_the_message_names_only_possible_lines() -> None:
    source = textwrap.dedent(
        """\
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(output_dim=64, input_dim=100))
        model.add(Dense(10, activation="softmax"))
        model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        """
    )
    (finding,) = engine.analyse(source, target=targeting.UNKNOWN_TARGET)
    assert finding.code == "KER201"
    assert "Keras<=2.3/TF<=2.1" in finding.message  # output_dim= runs on Keras 2.0-2.3 only
    lines, reason, _ = engine.explain(source)
    assert lines == frozenset({L1, L2}) and "output_dim" in reason


def test_a_target_the_file_cannot_run_on_checks_nothing() -> None:
    # The project says Keras 3; the file uses fit_generator (gone there): nothing said about Keras 3
    # would be true of this file.
    source = "import keras\n" + COMPILE.replace('"mse"', '"logcosh"') + "model.fit_generator(g)\n"
    facts = file_facts(source)
    assert facts is not None
    lines, reason = engine.target_lines(facts, targeting.Target(setting=frozenset({L5})))
    assert lines == frozenset() and "fit_generator" in reason
    assert engine.analyse(source, target=targeting.Target(setting=frozenset({L5}))) == []
    # The same file on a target it runs on is checked.
    assert engine.analyse(source, target=targeting.Target(setting=frozenset({L3, L5}))) == []  # logcosh exists on L3


def test_keras_only_methods_on_a_model_the_facts_cannot_see_are_evidence() -> None:
    source = "import keras\nmodel = keras.models.load_model('m.h5')\nmodel.predict_classes(x)\n" + COMPILE
    facts = file_facts(source)
    assert facts is not None
    assert facts.evidence.possible == frozenset({L1, L2, L3}) and facts.evidence.l3_minors == (2, 5)


def test_every_entry_names_its_source() -> None:
    for table in (api_lines.API_FACTS, api_lines.PATH_FACTS, api_lines.ROUTE_FACTS, api_lines.PRIVATE_TREE_FACTS):
        for key, fact in table.items():
            assert fact.source.strip(), key
            assert fact.possible <= ALL_VERSION_LINES, key


def test_a_module_that_ends_inside_tf_2_x_narrows_the_minors() -> None:
    source = "import keras\nfrom keras.layers.merge import concatenate\n" + COMPILE
    facts = file_facts(source)
    assert facts is not None
    assert facts.evidence.possible == frozenset({L1, L2, L3})
    assert facts.evidence.l3_minors == (2, 8)  # keras.layers.merge is gone from keras 2.9 on


def test_rules_true_from_a_later_minor_stay_silent_before_it() -> None:
    # KER306 is true on L3 from TF 2.11 (the new optimizers); a file whose APIs end at 2.8 cannot be there.
    base = "import keras\n{extra}opt = keras.optimizers.Adam(lr=0.01)\n" + COMPILE.replace('"adam"', "opt") + "\n"
    plain = [d.code for d in engine.analyse(base.format(extra=""), target=targeting.Target(setting=frozenset({L3})))]
    old = [d.code for d in engine.analyse(base.format(extra="from keras.layers.merge import concatenate\n"),
                                          target=targeting.Target(setting=frozenset({L3})))]
    assert "KER306" in plain and "KER306" not in old


UNUSED_BUILDER = """
import tensorflow as tf

def build_with_features(columns):
    return tf.keras.Sequential([tf.keras.layers.DenseFeatures(columns), tf.keras.layers.Dense(10)])

def build():
    return tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])

model = build()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""


def test_a_function_a_script_never_uses_is_not_evidence() -> None:
    # DenseFeatures (absent from Keras 3) only in a builder nobody calls: Keras 3 stays possible.
    assert L5 in possible(UNUSED_BUILDER)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(("model = build()", "model = build()\nbuild_with_features(None)"), id="called"),
        pytest.param(("builders = []", "builders = [build_with_features]"), id="referred to"),
        pytest.param(("model = build()\nmodel.compile(", "def train():\n    model = build()\n    model.compile("),
                     id="a library: nothing trains at module level"),
    ],
)
def test_evidence_from_functions_that_may_run_still_narrows(change: tuple[str, str]) -> None:
    old, new = change
    source = ("builders = []\n" + UNUSED_BUILDER).replace(old, new)
    assert L5 not in possible(source)


def test_a_compile_inside_an_unused_function_keeps_that_function_s_evidence() -> None:
    # The module-level compile runs on Keras 3 (positional metrics are loss_weights there: KER304);
    # the one inside the unused DenseFeatures builder cannot, so it stays silent.
    source = textwrap.dedent("""
        import tensorflow as tf

        def build_with_features(columns):
            model = tf.keras.Sequential([tf.keras.layers.DenseFeatures(columns), tf.keras.layers.Dense(10)])
            model.compile("adam", "mse", ["mae"])
            return model

        model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
        model.compile("adam", "mse", ["mae"])
        model.fit(x, y)
    """)
    found = [(d.line, d.code) for d in engine.analyse(source)]
    assert found == [(10, "KER304")]
    facts = file_facts(source)
    assert facts is not None and L5 in facts.evidence.possible
    assert [(local.first, local.last, L5 in local.possible) for local in facts.evidence.local] == [(4, 7, False)]


def _on_l3(minors: tuple[int, int] | None) -> targeting.Target:
    return targeting.Target(setting=frozenset({L3}), setting_l3_minors=minors)


def test_a_target_on_one_tf_minor_keeps_facts_of_later_minors_out() -> None:
    # lr= is dropped from TF 2.11 on (keras-semantics 6.12): a project on TF 2.5 trains at its lr.
    source = textwrap.dedent(
        """\
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(lr=0.01), loss="categorical_crossentropy")
        """
    )
    assert engine.analyse(source, target=_on_l3((5, 5))) == []
    assert [d.code for d in engine.analyse(source, target=_on_l3((12, 12)))] == ["KER306"]
    assert [d.code for d in engine.analyse(source, target=_on_l3(None))] == ["KER306"]


def test_threshold_metrics_on_logits_by_tf_minor() -> None:
    # keras-semantics 6.4: tf.keras 2.2-2.9 fail at fit() on logits, 2.10+ report wrong numbers.
    source = textwrap.dedent(
        """\
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.AUC()])
        model.fit(x, y)
        """
    )
    (early,) = engine.analyse(source, target=_on_l3((5, 5)))
    assert early.code == "KER205" and early.message.endswith("fit() fails on TF 2.2-2.9 (crash)")
    assert "wrong on" not in early.message
    (late,) = engine.analyse(source, target=_on_l3((12, 12)))
    assert late.code == "KER205" and late.message.endswith("wrong on TF 2.10-2.15 (wrong-number)")
    (both,) = engine.analyse(source, target=_on_l3(None))
    assert both.message.endswith("wrong on TF 2.10-2.15; fit() fails on TF 2.2-2.9 (wrong-number)")


def test_pins_on_tf_minors_where_the_files_apis_do_not_exist_leave_l3() -> None:
    # predict_classes exists up to TF 2.5: a project on TF 2.12 cannot run this file on L3.
    source = "import tensorflow as tf\nmodel = tf.keras.models.load_model('m.h5')\nmodel.predict_classes(x)\n" + \
        COMPILE.replace("keras.", "tf.keras.")
    facts = file_facts(source)
    assert facts is not None and facts.evidence.l3_minors == (2, 5)
    assert engine.target_lines(facts, _on_l3((12, 12)))[0] == frozenset()
    assert engine.target_lines(facts, _on_l3((4, 12)))[0] == frozenset({L3})


def test_keras_core_is_the_keras_3_preview() -> None:
    # keras-team/keras-core 0.1: keras_core/optimizers/base_optimizer.py rejects lr= and ignores decay=,
    # keras_core/trainers/compile_utils.py resolves 'accuracy' as Keras 3 does: a file importing it runs L5.
    from keraslint.analysis.facts import refine

    facts = file_facts("import keras_core as keras\n" + COMPILE)
    assert facts is not None and facts.sites  # its compile() is Keras's
    assert refine(ALL_VERSION_LINES, facts.evidence) == frozenset({L5})


FALLBACK_BODY = "    from keras.layers.advanced_activations import LeakyReLU\n"


@pytest.mark.parametrize(
    ("handler", "narrows"),
    [
        pytest.param("except ImportError:\n    from keras.layers import LeakyReLU\n", False, id="ImportError"),
        pytest.param("except (ModuleNotFoundError, ValueError):\n    LeakyReLU = None\n", False,
                     id="ModuleNotFoundError in a tuple"),
        pytest.param("except Exception:\n    pass\n", False, id="any exception around imports only"),
        pytest.param("except:\n    pass\n", False, id="bare except around imports only"),
        pytest.param("except KeyError:\n    pass\n", True, id="an unrelated exception: the import must work"),
        pytest.param("finally:\n    pass\n", True, id="no handler"),
    ],
)
def test_an_import_with_a_fallback_runs_wherever_one_branch_does(handler: str, narrows: bool) -> None:
    # keras.layers.advanced_activations is gone from keras 2.9 on: alone it removes L3's later minors,
    # Keras 3 and tf-keras; with a fallback the file runs there too.
    source = "import keras\ntry:\n" + FALLBACK_BODY + handler + COMPILE
    facts = file_facts(source)
    assert facts is not None
    narrowed = facts.evidence.possible != ALL_VERSION_LINES or facts.evidence.l3_minors != (2, 15)
    assert narrowed is narrows


def test_a_fallback_whose_branches_both_narrow_keeps_their_union() -> None:
    # Both branches are Keras 2-only (Merge: 2.0-2.1; fit_generator: not Keras 3): the file is not Keras 3.
    source = ("import keras\ntry:\n    from keras.layers import Merge\nexcept ImportError:\n"
              "    from keras.engine.topology import Layer\n" + COMPILE)
    facts = file_facts(source)
    assert facts is not None
    assert VersionLine.L5 not in facts.evidence.possible
    assert facts.evidence.possible >= {L1}


def test_any_exception_around_more_than_imports_still_narrows() -> None:
    # `except Exception` around training code is error handling, not an import fallback.
    source = ("import keras\n" + COMPILE + "try:\n    model.fit_generator(g, steps_per_epoch=3)\n"
              "except Exception as error:\n    print(error)\n")
    assert possible(source) == {L1, L2, L3, L4}


@pytest.mark.parametrize(
    ("call", "expected"),
    [("tf.compat.v1.enable_v2_behavior()\n", True), ("tf.compat.v1.enable_eager_execution()\n", False), ("", False)],
)
def test_tf2_behaviour_turned_on_in_tensorflow_1(call: str, expected: bool) -> None:
    # Only TF 2 behaviour (tf2.enabled()) makes TF 1.x's tf.keras log metric strings as written.
    source = "import tensorflow as tf\n" + call + COMPILE.replace("keras.", "tf.keras.")
    facts = file_facts(source)
    assert facts is not None
    assert facts.evidence.tf2_behavior is expected


def test_tf2_behaviour_keeps_the_tensorflow_2_key_on_tensorflow_1() -> None:
    source = textwrap.dedent("""\
        import tensorflow as tf
        tf.compat.v1.enable_v2_behavior()
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y)
        print(history.history["accuracy"])
        """)
    tf115 = targeting.setting_target("tensorflow==1.15")
    assert engine.analyse(source, target=tf115) == []
    assert [d.code for d in engine.analyse(source.replace("tf.compat.v1.enable_v2_behavior()\n", ""),
                                            target=tf115)] == ["KER207"]


def test_standalone_keras_internal_modules_end_at_2_12() -> None:
    # pip_build.py@v2.13.1: from keras 2.13 the package is the public API and the code lives in keras.src.
    facts = file_facts("import keras\nfrom keras.layers.core import Dense\n" + COMPILE)
    assert facts is not None
    assert facts.evidence.l3_minors == (2, 12)

