"""Notebooks: joining code cells, neutralising IPython syntax, cell locations, noqa, fixes written back."""

from __future__ import annotations

import json

import pytest

from keraslint import fixer, notebooks
from keraslint.cli import main
from keraslint.notebooks import Notebook, NotebookError, neutralise
from keraslint.settings import Settings


_IDS = iter(range(10**9))


def code(source, **extra):
    cell = {"cell_type": "code", "execution_count": None, "id": f"c{next(_IDS)}", "metadata": {}, "outputs": []}
    return {**cell, "source": source, **extra}


def markdown(source):
    return {"cell_type": "markdown", "id": f"m{next(_IDS)}", "metadata": {}, "source": source}


def notebook_json(cells, *, indent=1, ensure_ascii=False, language="python") -> str:
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii) + "\n"


def lines(text: str) -> list[str]:
    """A cell source in nbformat's list form."""
    return text.splitlines(keepends=True)


IMPORTS = lines("%matplotlib inline\n!pip install keras\nimport keras\nfrom keras import layers")
BUILD = lines('model = keras.Sequential([layers.Dense(10, activation="sigmoid")])\nmodel.summary?')
COMPILE = 'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'
FIT = 'model.fit(x, [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])'  # multi-hot labels: KER201 on Keras 3


def multilabel_notebook(**kwargs) -> str:
    return notebook_json(
        [
            markdown(["# A multi-label model\n", "Ünïcode text"]),
            code(IMPORTS),
            code(BUILD, execution_count=2, outputs=[{"name": "stdout", "output_type": "stream", "text": ["hi\n"]}]),
            code("%%bash\necho not python\nls -la"),
            code(lines(f"if True:\n    %time x = 1\n{COMPILE}\n{FIT}")),
        ],
        **kwargs,
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- joining and mapping ----------------------------------------------------------------------------


def test_code_cells_join_in_order_and_map_back_to_cells() -> None:
    nb = Notebook(multilabel_notebook())
    # Cell 1 is markdown; cells count from 1 over all cells.
    assert [cell.number for cell in nb.code_cells()] == [2, 3, 4, 5]
    joined = nb.joined.splitlines()
    assert len(joined) == 4 + 2 + 3 + 4
    assert nb.locate(1) == (2, 1)
    assert nb.locate(5) == (3, 1)
    assert nb.locate(12) == (5, 3)
    assert joined[11] == COMPILE


def test_magics_and_shell_lines_are_neutralised_without_shifting_lines() -> None:
    source = "%load_ext autoreload\n!ls -la \\\n  more\nfiles = !ls\nobj?\n??obj\nif x:\n    %time f()\nprint(1)\n"
    result = neutralise(source)
    assert result.splitlines() == [
        "pass", "pass", "", "files = None", "pass", "pass", "if x:", "    pass", "print(1)",
    ]
    assert result.count("\n") == source.count("\n")


@pytest.mark.parametrize("magic", ["bash", "html", "writefile out.txt", "R"])
def test_non_python_cell_magics_blank_the_cell(magic: str) -> None:
    assert neutralise(f"%%{magic}\necho hi\nx = (\n") == "\n\n\n"


@pytest.mark.parametrize("magic", ["time", "timeit -n 3", "capture out"])
def test_python_cell_magics_keep_the_body(magic: str) -> None:
    assert neutralise(f"%%{magic}\nx = 1\n") == "pass\nx = 1\n"


def test_valid_python_cells_are_never_rewritten() -> None:
    source = 's = """\n%d lines\n!not a shell\n"""\n'
    nb = Notebook(notebook_json([code(lines(source))]))
    assert nb.joined == source


def test_unparseable_cell_is_an_error_and_the_rest_is_still_checked() -> None:
    nb = Notebook(notebook_json([code(lines("import keras\n")), code(lines("def broken(:\n    pass")), code(["x = 1"])]))
    assert [(e.cell, e.line) for e in nb.errors] == [(2, 1)]
    assert nb.joined.splitlines() == ["import keras", "", "", "x = 1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "invalid notebook JSON"),
        ("[1, 2]", "not an object"),
        ('{"metadata": {}}', "no 'cells' list"),
        ('{"worksheets": []}', "nbformat 3"),
        ('{"cells": [{"cell_type": "code", "source": 3}]}', "cell 1 has a source that is not text"),
    ],
)
def test_invalid_notebooks_raise_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(NotebookError, match=message):
        Notebook(text)


def test_language_from_metadata() -> None:
    assert Notebook(notebook_json([], language="R")).is_python is False
    assert Notebook('{"cells": []}').is_python is True


# --- through the CLI --------------------------------------------------------------------------------


def test_check_reports_cell_locations_across_cells(tmp_path, capsys) -> None:
    path = tmp_path / "model.ipynb"
    path.write_text(multilabel_notebook(), encoding="utf-8")
    status, out, err = run(capsys, "check", "--keras-version", "3", str(path))
    assert status == 1
    assert out.splitlines() == [f"{path}:cell 5:3:70: KER201 " + out.split(" KER201 ", 1)[1].splitlines()[0]]
    assert "Traceback" not in err


def test_folder_of_notebooks(tmp_path, capsys) -> None:
    (tmp_path / "nbs").mkdir()
    (tmp_path / "nbs" / "a.ipynb").write_text(multilabel_notebook(), encoding="utf-8")
    (tmp_path / "nbs" / "b.ipynb").write_text(notebook_json([code(["import keras\n"])]), encoding="utf-8")
    (tmp_path / "nbs" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "nbs" / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text(multilabel_notebook(), encoding="utf-8")
    status, out, _err = run(capsys, "check", "--keras-version", "3", str(tmp_path / "nbs"))
    assert status == 1
    assert len(out.splitlines()) == 1 and "a.ipynb:cell 5:3:70: KER201" in out


def test_noqa_applies_per_cell_line(tmp_path, capsys) -> None:
    path = tmp_path / "n.ipynb"
    path.write_text(
        notebook_json([code(IMPORTS), code(BUILD), code([COMPILE + "  # noqa: KER201\n", FIT])]), encoding="utf-8"
    )
    status, out, _err = run(capsys, "check", "--keras-version", "3", str(path))
    assert (status, out) == (0, "")


def test_invalid_notebook_json_is_an_input_error(tmp_path, capsys) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    status, out, err = run(capsys, "check", str(path))
    assert status == 2
    assert out == ""
    assert f"{path}: error: invalid notebook JSON" in err
    assert "Traceback" not in err


def test_notebook_detected_by_content_not_name(tmp_path, capsys) -> None:
    path = tmp_path / "exported.txt"
    path.write_text(multilabel_notebook(), encoding="utf-8")
    status, out, _err = run(capsys, "check", "--keras-version", "3", str(path))
    assert status == 1 and ":cell 5:3:70: KER201" in out


def test_ipynb_path_holding_python_is_checked_as_python(tmp_path, capsys) -> None:
    path = tmp_path / "nbqa_tmp.ipynb"
    path.write_text("import keras\nfrom keras import layers\n" + "".join(BUILD[:1]) + COMPILE + "\n" + FIT + "\n", encoding="utf-8")
    status, out, _err = run(capsys, "check", "--keras-version", "3", str(path))
    assert status == 1 and f"{path}:4:70: KER201" in out


def test_unparseable_cell_reported_with_its_cell(tmp_path, capsys) -> None:
    path = tmp_path / "n.ipynb"
    path.write_text(
        notebook_json([code(IMPORTS), code(BUILD), code(["def broken(:\n"]), code([COMPILE + "\n", FIT])]), encoding="utf-8"
    )
    status, out, err = run(capsys, "check", "--keras-version", "3", str(path))
    assert status == 2
    assert f"{path}:cell 3:1:" in err and "cannot parse cell" in err
    assert ":cell 4:1:70: KER201" in out


def test_non_python_notebook_is_skipped(tmp_path, capsys) -> None:
    path = tmp_path / "r.ipynb"
    path.write_text(notebook_json([code(["library(keras)\n", "model %>% compile(loss = 'binary_crossentropy')"])], language="R"))
    assert run(capsys, "check", str(path)) == (0, "", "")  # not even a parse error for the R code


# --- fixes written back -----------------------------------------------------------------------------


def raw_cells(text: str) -> list[str]:
    """Each cell's exact JSON text in the file."""
    start = text.index("{")
    members, _ = notebooks._members(text, start)
    cells = [m for m in members if m[0] == "cells"][-1]
    return [text[a:b] for a, b in notebooks._items(text, cells[2])]


@pytest.mark.parametrize(
    "style",
    [
        {"indent": 1, "ensure_ascii": False},  # nbformat's own
        {"indent": 2, "ensure_ascii": True},  # another writer
        {"indent": None, "ensure_ascii": False},  # one line
    ],
)
def test_fix_round_trip_keeps_untouched_cells_byte_identical(tmp_path, capsys, style) -> None:
    text = multilabel_notebook(**style)
    path = tmp_path / "model.ipynb"
    path.write_bytes(text.encode("utf-8"))
    status, _out, err = run(capsys, "check", "--keras-version", "3", "--fix", str(path))
    assert status == 0, err
    new = path.read_bytes().decode("utf-8")
    data = json.loads(new)  # valid JSON
    assert data["nbformat"] == 4
    old_cells, new_cells = raw_cells(text), raw_cells(new)
    changed = [i for i, (a, b) in enumerate(zip(old_cells, new_cells)) if a != b]
    assert changed == [1, 4]  # the import lands in the imports cell, the fix in the compile cell
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in data["cells"]]
    assert sources[1].endswith("from keras import layers\nfrom keras.metrics import BinaryAccuracy")
    assert sources[4].endswith('metrics=[BinaryAccuracy(name="accuracy")])\n' + FIT)
    # Outside the two `source` values, the file is byte-identical.
    spans = notebooks._source_spans(text)
    new_spans = notebooks._source_spans(new)
    assert text[: spans[1][1]] == new[: new_spans[1][1]]
    assert text[spans[1][2] : spans[4][1]] == new[new_spans[1][2] : new_spans[4][1]]
    assert text[spans[4][2] :] == new[new_spans[4][2] :]
    # nbformat style stays nbformat style: the whole file equals a fresh nbformat-style dump.
    if style == {"indent": 1, "ensure_ascii": False}:
        assert new == json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    # A second run changes nothing.
    assert run(capsys, "check", "--keras-version", "3", "--fix", str(path))[0] == 0
    assert path.read_bytes().decode("utf-8") == new


def test_fix_validates_with_nbformat_when_available(tmp_path) -> None:
    nbformat = pytest.importorskip("nbformat")
    text = multilabel_notebook()
    result = fixer.fix_notebook(text, settings=Settings("3"))
    assert result.text != text
    nbformat.validate(nbformat.reads(result.text, as_version=4))


def test_string_sources_stay_strings_and_crlf_files_keep_crlf() -> None:
    cells = [code("import keras\nfrom keras import layers"), code("".join(BUILD)), code(COMPILE + "\n" + FIT)]
    text = notebook_json(cells).replace("\n", "\r\n")
    result = fixer.fix_notebook(text, settings=Settings("3"))
    data = json.loads(result.text)
    assert all(isinstance(cell["source"], str) for cell in data["cells"])
    assert data["cells"][0]["source"] == "import keras\nfrom keras import layers\nfrom keras.metrics import BinaryAccuracy"
    assert "\r\n" in result.text and "\n" not in result.text.replace("\r\n", "")


def test_with_sources_from_an_empty_list_uses_nbformat_layout() -> None:
    text = notebook_json([code([]), code(["x = 1"])])
    new = Notebook(text).with_sources({0: "a\nb"})
    assert json.loads(new)["cells"][0]["source"] == ["a\n", "b"]
    assert json.loads(new)["cells"][1]["source"] == ["x = 1"]
    assert new == json.dumps(json.loads(new), indent=1, ensure_ascii=False) + "\n"


def test_diff_shows_cells(tmp_path, capsys) -> None:
    path = tmp_path / "model.ipynb"
    path.write_text(multilabel_notebook(), encoding="utf-8")
    before = path.read_bytes()
    status, out, _err = run(capsys, "check", "--keras-version", "3", "--diff", str(path))
    assert status == 1
    assert f"--- {path}:cell 2\n" in out and f"--- {path}:cell 5\n" in out
    assert "+from keras.metrics import BinaryAccuracy" in out
    assert path.read_bytes() == before
