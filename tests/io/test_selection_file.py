"""``embedscope report --selected`` files: a filename list, or the map's CSV exports with a ``selected`` column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.io.selection_file import read_selected_names


def test_a_lightly_csv_with_a_selected_column_selects_its_flagged_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    names = [f"a/{i}.jpg" for i in range(6)] + ['odd, "quoted".jpg']
    vectors = rng.normal(size=(7, 3)).astype(np.float32)
    flags = [0, 1, 0, 0, 1, 0, 1]
    lines = ["filenames,embedding_0,embedding_1,embedding_2,selected,labels"]
    for name, vector, flag in zip(names, vectors, flags):
        quoted = '"' + name.replace('"', '""') + '"' if "," in name else name
        lines.append(",".join([quoted, *(repr(float(v)) for v in vector), str(flag), "3"]))
    path = tmp_path / "selection.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chosen = [n for n, f in zip(names, flags) if f]
    assert read_selected_names(path) == chosen
    assert [n for n, f in zip(names, read_lightly_csv(path).marked_selected) if f] == chosen  # `run` agrees


def test_names_labels_and_flags_and_a_plain_list(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("filenames,labels,selected\nx.jpg,0,0\ny.jpg,2,1\nz.jpg,0,true\n", encoding="utf-8")
    assert read_selected_names(path) == ["y.jpg", "z.jpg"]
    plain = tmp_path / "s.txt"
    plain.write_text("filenames.jpg\nb, c.jpg\n", encoding="utf-8")
    assert read_selected_names(plain) == ["filenames.jpg", "b, c.jpg"]


@pytest.mark.parametrize(("body", "message"), [
    ("x.jpg,0,2\n", "row 1 (line 2), column 'selected': '2' is not 0 or 1"),
    ("x.jpg,0\n", "row 1 (line 2) has 2 fields, expected 3"),
    ("x.jpg,0,0\n", "no row has selected = 1"),
    ("x.jpg,0,1\nx.jpg,0,1\n", "row 2: 'x.jpg' is listed twice"),
])
def test_bad_selection_csv_is_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text("filenames,labels,selected\n" + body, encoding="utf-8")
    with pytest.raises(InputFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_selected_names(path)


def test_a_lightly_csv_without_selected_is_refused(tmp_path: Path) -> None:
    """data/embeddings.csv itself has no selected column: it is not a selection."""
    path = tmp_path / "embeddings.csv"
    write_lightly_csv(path, ["a.jpg"], np.zeros((1, 2), dtype=np.float32))
    with pytest.raises(InputFileError, match="a CSV without a 'selected' column"):
        read_selected_names(path)
