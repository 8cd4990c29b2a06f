"""The IPython extension, driven through a real InteractiveShell: what is shown, and when.

Cells run against a stub `keras` package (a few classes, no TensorFlow) installed in a temporary
folder together with a `keras-3.6.0.dist-info`, as a kernel with Keras 3.6.0 would have it; the
extension reads that version from the package metadata.
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap

import pytest

pytest.importorskip("IPython")

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402
from traitlets.config import Config  # noqa: E402

from keraslint import kernel, targeting  # noqa: E402
from keraslint.versions import VersionLine  # noqa: E402

KERAS_STUB = {
    "keras/__init__.py": """
        from keras import layers, utils

        class History:
            def __init__(self):
                self.history = {"loss": [1.0], "accuracy": [0.5]}

        class Model:
            def __init__(self, *args, **kwargs):
                self.compiled = None
            def compile(self, *args, **kwargs):
                self.compiled = (args, kwargs)
            def fit(self, *args, **kwargs):
                return History()
            def summary(self):
                print("stub model")

        class Sequential(Model):
            pass

        def Input(*args, **kwargs):
            return object()
    """,
    "keras/layers.py": """
        class Dense:
            def __init__(self, *args, **kwargs):
                pass
            def __call__(self, inputs):
                return inputs
    """,
    "keras/utils.py": """
        def to_categorical(y, num_classes=None):
            return y
    """,
}


def make_keras_stub(root, version="3.6.0", package=True):
    """A keras distribution in `root`: metadata always, the stub package when `package`."""
    info = root / f"keras-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: keras\nVersion: {version}\n")
    if package:
        for path, text in KERAS_STUB.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text))
    return root


def _forget_keras():
    for name in [name for name in sys.modules if name == "keras" or name.startswith("keras.")]:
        del sys.modules[name]


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """A clean working folder (no pins, no configuration) and a Keras home with no keras.json."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    yield tmp_path
    targeting.clear_caches()
    importlib.invalidate_caches()


@pytest.fixture
def keras_path(environment, monkeypatch):
    """Keras 3.6.0 (stub) importable and visible to importlib.metadata."""
    root = make_keras_stub(environment / "site")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    _forget_keras()
    yield root
    _forget_keras()


@pytest.fixture
def shell(environment):
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance(config=config)
    yield ip
    kernel.unload_ipython_extension(ip)
    InteractiveShell.clear_instance()


class Ran:
    """What one cell printed and displayed."""

    def __init__(self, result, captured):
        self.result = result
        self.stdout = captured.stdout
        self.bundles = [output.data for output in captured.outputs]

    @property
    def keraslint(self) -> list[str]:
        """The plain text of keraslint's displays, in order."""
        return [b["text/plain"] for b in self.bundles if b.get("text/plain", "").startswith("keraslint")]

    @property
    def html(self) -> list[str]:
        return [b["text/html"] for b in self.bundles if "text/html" in b and "keraslint" in b["text/html"]]

    @property
    def text(self) -> str:
        return "\n".join(self.keraslint)


def run(ip, code: str) -> Ran:
    with capture_output() as captured:
        result = ip.run_cell(textwrap.dedent(code), store_history=True)
    return Ran(result, captured)


BUILD_SOFTMAX_1 = (
    'model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"), '
    'layers.Dense(1, activation="softmax")])'
)
COMPILE = 'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'
FIXED = (
    'model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"), '
    'layers.Dense(1, activation="sigmoid")])\n' + COMPILE
)


def load(ip) -> Ran:
    return run(ip, "%load_ext keraslint")


# --- a session: built in one cell, compiled in a later one, fixed in a third ------------------------


def test_session_shows_each_finding_once_in_the_cell_that_completes_it(shell, keras_path):
    loaded = load(shell)
    assert loaded.keraslint == ["keraslint: checking against Keras 3.6.0 (TensorFlow backend)"]

    assert run(shell, "import keras\nfrom keras import layers").keraslint == []
    built = run(shell, BUILD_SOFTMAX_1)  # In [3]: nothing to say yet, no compile()
    assert built.keraslint == []
    assert run(shell, "x = 1\nprint('unrelated')").keraslint == []

    compiled = run(shell, COMPILE)  # In [5] completes the softmax of In [3]
    assert compiled.result.success
    assert len(compiled.keraslint) == 1
    text = compiled.keraslint[0]
    assert text.startswith("keraslint: 1 finding in this cell")
    column = BUILD_SOFTMAX_1.index('"softmax"') + 1
    assert f"cell 3:1:{column}: KER103 softmax on a 1-unit output" in text
    assert "safe fix: use a sigmoid" in text
    # rich display: the severity is visible
    (html,) = compiled.html
    assert "keraslint-broken" in html and ">broken<" in html and "KER103" in html and "cell 3:1:" in html
    # shown before the cell's own output (displays are published in order)
    shown = run(shell, COMPILE + "\nfrom IPython.display import display\ndisplay('own output')")
    plain = [b.get("text/plain") for b in shown.bundles]
    assert plain[-1] == "'own output'"
    assert not shown.keraslint  # the same finding, same cell 3 location: once per session

    fixed = run(shell, FIXED)  # In [7]: a sigmoid model, compiled: nothing
    assert fixed.keraslint == []
    assert fixed.result.success
    assert shell.user_ns["model"].compiled[1]["loss"] == "binary_crossentropy"

    # re-running an unrelated cell shows nothing again
    assert run(shell, "x = 2").keraslint == []

    whole = run(shell, "%keraslint")
    assert len(whole.keraslint) == 1
    assert whole.keraslint[0].startswith("keraslint: 1 finding in the 8 cells run so far")
    assert f"cell 3:1:{column}: KER103" in whole.keraslint[0]


def test_a_finding_located_in_the_new_cell_and_labels_are_execution_counts(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")
    cell = (
        'wide = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])\n'
        'wide.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'
    )
    shown = run(shell, cell)
    assert shown.result.execution_count == 3
    (text,) = shown.keraslint
    column = cell.splitlines()[1].index('"binary_crossentropy"') + 1
    assert f"cell 3:2:{column}: KER101 'binary_crossentropy' on a 10-unit softmax" in text
    assert "Keras 3" in text  # the message names the line the kernel has
    assert "[degraded]" in text or "(degraded)" in text
    # running the same wrong cell again is a new cell: shown again, with its own number
    again = run(shell, cell)
    assert again.result.execution_count == 4
    assert f"cell 4:2:{column}: KER101" in again.text


def test_fit_in_a_later_cell_completes_a_compile_of_an_earlier_one(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")
    run(shell, 'model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(10, activation="softmax")])')
    assert run(shell, 'model.compile(optimizer="adam", loss="categorical_crossentropy")').keraslint == []
    run(shell, "class np:\n    @staticmethod\n    def argmax(y, axis=None):\n        return y\n    eye = None")
    assert run(shell, "y_onehot = [[1, 0]]\ny = np.argmax(y_onehot, axis=1)").keraslint == []
    fitted = run(shell, "model.fit([[0] * 20], y, epochs=1)")
    (text,) = fitted.keraslint
    assert "cell 4:1:" in text and "KER302" in text and "integer labels" in text


def test_ipython_syntax_is_neutralised_and_cells_before_load_are_part_of_the_session(shell, keras_path):
    shell.system = lambda command: None  # `!pip` must not run
    run(shell, "%matplotlib --list\n!pip install keras\nimport keras\nfrom keras import layers")
    run(shell, BUILD_SOFTMAX_1 + "\nmodel?")
    loaded = load(shell)
    assert loaded.keraslint == ["keraslint: checking against Keras 3.6.0 (TensorFlow backend)"]
    shown = run(shell, "%time " + COMPILE.replace('"binary_crossentropy"', "'categorical_crossentropy'"))
    assert "cell 2:1:" in shown.text and "KER103" in shown.text
    column = len("%time ") + COMPILE.index('"binary_crossentropy"') + 1
    assert f"cell 4:1:{column}: KER102" in shown.text  # the column counts the magic


def test_load_lists_the_findings_of_the_cells_run_before(shell, keras_path):
    run(shell, "import keras\nfrom keras import layers")
    run(shell, BUILD_SOFTMAX_1)
    run(shell, COMPILE)
    loaded = load(shell)
    (text,) = loaded.keraslint
    assert text.startswith("keraslint: checking against Keras 3.6.0 (TensorFlow backend); 1 finding in the cells run before")
    assert "cell 2:1:" in text and "KER103" in text
    assert run(shell, "x = 1").keraslint == []


# --- control ------------------------------------------------------------------------------------


def test_strict_mode_stops_a_broken_cell_and_a_marker_runs_it_anyway(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")
    run(shell, BUILD_SOFTMAX_1)
    assert "strict" in run(shell, "%keraslint strict").text

    stopped = run(shell, COMPILE + "\nran = True")
    assert not stopped.result.success
    assert stopped.result.error_before_exec is not None
    assert "ran" not in shell.user_ns  # nothing of the cell ran
    assert stopped.keraslint[0].startswith("keraslint (strict): this cell was not run: 1 finding")
    assert "keraslint stopped this cell (strict mode): KER103 at cell 3:1:" in stopped.stdout
    assert "# keraslint: allow" in stopped.stdout

    # not part of the session: running it again stops it again
    again = run(shell, COMPILE + "\nran = True")
    assert not again.result.success and "ran" not in shell.user_ns

    allowed = run(shell, COMPILE + "  # keraslint: allow\nran = True")
    assert allowed.result.success and shell.user_ns["ran"] is True
    assert allowed.keraslint[0].startswith("keraslint: 1 finding in this cell")


def test_allow_next_and_warn(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")
    run(shell, "%keraslint strict")
    run(shell, BUILD_SOFTMAX_1)
    run(shell, "%keraslint allow-next")
    assert run(shell, COMPILE + "\nfirst = True").result.success
    run(shell, BUILD_SOFTMAX_1)
    assert not run(shell, COMPILE + "\nsecond = True").result.success  # allow-next is one cell only
    run(shell, "%keraslint warn")
    warned = run(shell, COMPILE + "\nthird = True")
    assert warned.result.success and warned.keraslint  # shown, not stopped
    assert "first" in shell.user_ns and "second" not in shell.user_ns


def test_strict_mode_lets_a_degraded_finding_run(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers\n%keraslint strict")
    ran = run(
        shell,
        'm = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(10, activation="softmax")])\n'
        'm.compile(loss="binary_crossentropy")\nok = True',
    )
    assert ran.result.success and ran.keraslint and "KER101" in ran.text


def test_off_on_select_ignore_and_noqa(shell, keras_path):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")
    run(shell, "%keraslint off")
    run(shell, BUILD_SOFTMAX_1)
    assert run(shell, COMPILE).keraslint == []  # off: nothing checked
    run(shell, "%keraslint on")
    assert run(shell, "y = 1").keraslint == []  # what ran while off is not the next cell's

    run(shell, "%keraslint ignore KER1")
    wide = (
        'w = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(10, activation="softmax")])\n'
        'w.compile(loss="binary_crossentropy")'
    )
    assert run(shell, wide).keraslint == []
    assert run(shell, "%keraslint ignore none").text.strip() == "keraslint: select all; ignore none"
    assert "KER101" in run(shell, wide).text
    run(shell, "%keraslint select KER2")
    assert run(shell, wide).keraslint == []
    run(shell, "%keraslint select all")
    assert run(shell, wide.replace('"binary_crossentropy")', '"binary_crossentropy")  # noqa: KER101')).keraslint == []
    bad = run(shell, "%keraslint select XYZ")
    assert "not a keraslint code" in bad.text
    status = run(shell, "%keraslint status").text
    assert "Keras 3.6.0" in status and "version lines: Keras 3" in status and "mode: warn" in status


def test_version_setting_changes_the_lines(shell, keras_path):
    load(shell)
    shown = run(shell, "%keraslint version 2.0.4")
    assert "keras-version '2.0.4' (Keras 2.0-2.2)" in shown.text
    run(shell, "import keras\nfrom keras import layers")
    softmax = (
        'w = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(10, activation="softmax")])\n'
        'w.compile(loss="binary_crossentropy", metrics=["accuracy"])'
    )
    text = run(shell, softmax).text
    assert "KER201" in text and "KER101" not in text  # Keras 2.0-2.2: the inflated accuracy
    assert "invalid keras-version" in run(shell, "%keraslint version 9.9").text
    run(shell, "%keraslint version auto")
    assert "Keras 3.6.0" in run(shell, "%keraslint status").text


# --- never hurts the kernel -----------------------------------------------------------------------


def test_an_internal_failure_is_one_line_and_the_cell_runs(shell, keras_path, monkeypatch):
    load(shell)
    run(shell, "import keras\nfrom keras import layers")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kernel, "cone", broken)
    first = run(shell, BUILD_SOFTMAX_1 + "\nafter = 1")
    assert first.result.success and shell.user_ns["after"] == 1
    assert first.keraslint == [
        "keraslint: KER001 keraslint could not check this cell (RuntimeError); the cell runs as usual. Please report it."
    ]
    second = run(shell, COMPILE)
    assert second.result.success and second.keraslint == []  # reported once


def test_engine_failure_is_a_ker001_finding(shell, keras_path, monkeypatch):
    from keraslint import engine

    load(shell)
    run(shell, "import keras\nfrom keras import layers")

    def broken_facts(*args, **kwargs):
        raise ValueError("facts")

    monkeypatch.setattr(engine, "file_facts", broken_facts, raising=False)
    monkeypatch.setattr(engine, "extract_facts", broken_facts, raising=False)
    shown = run(shell, BUILD_SOFTMAX_1 + "\n" + COMPILE)
    assert shown.result.success
    assert "KER001" in shown.text and "ValueError" in shown.text


def test_nothing_of_tensorflow_or_keras_is_imported(shell, environment, monkeypatch):
    """No stub package here, only the metadata: the cells' own `import keras` fails, and keraslint
    must not import anything of Keras or TensorFlow either (an import hook records who asks)."""
    site = make_keras_stub(environment / "meta-only", package=False)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    package_dir = os.path.dirname(kernel.__file__)
    asked = []

    class Recorder:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
                frame = sys._getframe(1)
                while frame is not None:
                    if frame.f_code.co_filename.startswith(package_dir):
                        asked.append((name, frame.f_code.co_filename))
                        break
                    frame = frame.f_back
            return None

    recorder = Recorder()
    sys.meta_path.insert(0, recorder)
    try:
        _forget_keras()
        assert "keras" not in sys.modules and "tensorflow" not in sys.modules
        assert "Keras 3.6.0" in load(shell).text
        imported = run(shell, "import keras\nfrom keras import layers")
        assert not imported.result.success  # ModuleNotFoundError: it still ran, and is part of the session
        run(shell, BUILD_SOFTMAX_1)
        shown = run(shell, COMPILE)
        assert "KER103" in shown.text
        run(shell, "%keraslint")
        run(shell, "%keraslint status")
    finally:
        sys.meta_path.remove(recorder)
    assert asked == []
    assert "tensorflow" not in sys.modules and "keras" not in sys.modules


def test_pip_install_in_a_cell_reads_the_distributions_again(shell, environment, monkeypatch):
    shell.system = lambda command: None
    monkeypatch.syspath_prepend(str(environment / "empty"))
    loaded = load(shell)
    assert "every Keras version" in loaded.text
    site = make_keras_stub(environment / "site-after", version="2.2.4", package=False)
    shown = run(shell, f"!pip install keras==2.2.4\nimport sys\nsys.path.insert(0, {str(site)!r})")
    assert shown.keraslint == ["keraslint: now checking against Keras 2.2.4"]
    sys.path.remove(str(site))


def test_keras_3_backend_is_read_like_keras_reads_it(environment, monkeypatch):
    assert kernel.keras3_backend() == "TensorFlow"
    home = environment / "keras-home"
    home.mkdir()
    (home / "keras.json").write_text('{"backend": "jax"}')
    assert kernel.keras3_backend() == "JAX"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert kernel.keras3_backend() == "PyTorch"


def test_reload_and_unload(shell, keras_path):
    load(shell)
    run(shell, "%reload_ext keraslint")
    assert shell.events.callbacks["pre_run_cell"].count(kernel.checker_for(shell).pre_run_cell) == 1
    run(shell, "%unload_ext keraslint")
    assert kernel.checker_for(shell) is None
    run(shell, "import keras\nfrom keras import layers")
    run(shell, BUILD_SOFTMAX_1)
    assert run(shell, COMPILE).keraslint == []


# --- the slice gives the findings of the whole session ----------------------------------------------


def _shown_per_cell(cells, target, slice_):
    session = kernel.Session(target, slice=slice_)
    shown = []
    for number, raw in enumerate(cells, 1):
        cell = session.prepare(number, raw)
        result = session.check(cell)
        shown.append(sorted(finding.key for finding in result.findings))
        session.append(cell, result)
    return shown


def test_the_backward_slice_shows_what_the_whole_session_shows():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    try:
        import kernel_cells
    finally:
        sys.path.pop(0)
    sessions = kernel_cells.notebook_sessions(2, 40)
    assert len(sessions) == 2
    total = 0
    for _name, cells in sessions:
        for target in (targeting.UNKNOWN_TARGET, targeting.Target(setting=frozenset({VersionLine.L1}))):
            sliced = _shown_per_cell(cells, target, True)
            whole = _shown_per_cell(cells, target, False)
            assert sliced == whole
            total += sum(len(keys) for keys in sliced)
    assert total > 0  # the sessions do have findings


def test_cells_that_cannot_add_a_finding_are_not_analysed():
    session = kernel.Session()
    for number, raw in enumerate(["import keras", "model = keras.Sequential()", "import numpy as np"], 1):
        cell = session.prepare(number, raw)
        session.append(cell, session.check(cell))
    plain = session.prepare(4, "values = np.arange(10)\nprint(values.mean())")
    assert session.check(plain).analysed is False
    training = session.prepare(4, "model.fit(values, values)")
    assert session.check(training).analysed is True


def test_loaded_from_a_profile_announces_at_the_first_cell(shell, keras_path):
    """`c.InteractiveShellApp.extensions = ["keraslint"]`: loaded before any cell, with nowhere to
    show the message; the first cell shows it, before its own findings."""
    with capture_output() as captured:
        kernel.load_ipython_extension(shell)
    assert captured.outputs == [] and captured.stdout == ""
    first = run(shell, "import keras\nfrom keras import layers\n" + BUILD_SOFTMAX_1 + "\n" + COMPILE)
    assert first.keraslint[0] == "keraslint: checking against Keras 3.6.0 (TensorFlow backend)"
    assert "cell 1:3:" in first.keraslint[1] and "KER103" in first.keraslint[1]
    assert run(shell, "x = 1").keraslint == []
