"""A real notebook executed in a real Jupyter kernel (ipykernel, started by nbclient) with
`%load_ext keraslint`: the right cells carry keraslint's output, before their own.

The kernel is this virtual environment's Python, through a kernelspec written to a temporary
JUPYTER_PATH. Its PYTHONPATH holds a stub `keras` package and a `keras-3.6.0.dist-info` (no
TensorFlow): the cells run, and keraslint reads Keras 3.6.0 from the metadata. No network.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from test_kernel import make_keras_stub  # noqa: E402  (tests/ is on sys.path under pytest)

KERNEL_NAME = "keraslint-test-python"


@pytest.fixture
def jupyter_env(tmp_path, monkeypatch):
    """A kernelspec for this interpreter, and Jupyter / IPython folders of our own."""
    site = make_keras_stub(tmp_path / "site")
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "keraslint test",
                "language": "python",
                "env": {
                    "PYTHONPATH": os.pathsep.join([str(site), src]),
                    "KERAS_HOME": str(tmp_path / "keras-home"),
                    "IPYTHONDIR": str(tmp_path / "ipython"),
                    "MPLBACKEND": "agg",
                },
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    return work


CELLS = [
    "%load_ext keraslint",
    "import keras\nfrom keras import layers",
    'model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"),\n'
    '                          layers.Dense(1, activation="softmax")])',
    "print('unrelated')",
    'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\nprint("compiled")',
    'model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"),\n'
    '                          layers.Dense(1, activation="sigmoid")])\n'
    'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\nprint("fixed")',
    "%keraslint strict",
    'bad = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation="softmax")])\n'
    'bad.compile(loss="binary_crossentropy")\nprint("should not run")',
    "import sys\nprint(sorted(m for m in ('tensorflow', 'tf_keras') if m in sys.modules))",
]


def _keraslint_outputs(cell) -> list[dict]:
    return [
        output
        for output in cell.outputs
        if output.get("output_type") == "display_data" and output["data"].get("text/plain", "").startswith("keraslint")
    ]


def _stdout_output(cell):
    return next(o for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _stdout(cell) -> str:
    return "".join(o["text"] for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_notebook_in_a_real_kernel(jupyter_env):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "keraslint test", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(source)) for source in CELLS]
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=60,
        startup_timeout=90,
        allow_errors=True,
        resources={"metadata": {"path": str(jupyter_env)}},
    )
    client.execute()
    cells = nb.cells
    shown = [_keraslint_outputs(cell) for cell in cells]

    # In [1]: the load message names the Keras the kernel has
    assert [o["data"]["text/plain"] for o in shown[0]] == ["keraslint: checking against Keras 3.6.0 (TensorFlow backend)"]
    # In [2] - [4]: nothing
    assert shown[1] == shown[2] == shown[3] == []
    # In [5]: the compile completes the softmax of In [3]; shown first, then the cell's own output
    (finding,) = shown[4]
    plain = finding["data"]["text/plain"]
    assert plain.startswith("keraslint: 1 finding in this cell")
    assert "cell 3:2:" in plain and "KER103" in plain
    html = finding["data"]["text/html"]
    assert "keraslint-broken" in html and "KER103" in html
    outputs = cells[4].outputs
    assert outputs[0] is finding
    assert _stdout(cells[4]) == "compiled\n" and outputs.index(finding) < outputs.index(_stdout_output(cells[4]))
    assert cells[4].execution_count == 5
    # In [6]: fixed, nothing shown, it ran
    assert shown[5] == [] and _stdout(cells[5]) == "fixed\n"
    # In [8]: strict mode stops the broken cell: findings, then the error, and nothing of it ran
    assert shown[7] and shown[7][0]["data"]["text/plain"].startswith("keraslint (strict): this cell was not run")
    errors = [o for o in cells[7].outputs if o["output_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "CellStopped"
    assert _stdout(cells[7]) == ""
    # In [9]: nothing of TensorFlow in the kernel
    assert _stdout(cells[8]) == "[]\n"
