"""Reading embeddings files: formats round-trip, and every bad input names the file and the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from embedscope.errors import InputFileError
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.lightly_csv import write_lightly_csv


def _vectors(rng: np.random.Generator, n: int = 6, d: int = 4) -> np.ndarray:
    return rng.normal(size=(n, d)).astype(np.float32)


def test_lightly_csv_round_trip_is_exact(tmp_path: Path, rng: np.random.Generator) -> None:
    vectors = _vectors(rng)
    names = [f"dir/img,{i}.jpg" for i in range(6)]
    write_lightly_csv(tmp_path / "e.csv", names, vectors)
    table = read_embeddings(tmp_path / "e.csv")
    assert table.names == names
    np.testing.assert_array_equal(table.vectors, vectors)


def test_lightly_csv_ignores_masked_and_selected_columns(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("filenames,embedding_0,embedding_1,masked,selected,labels\na.jpg,1,2,0,1,3\nb.jpg,3,4,1,0,5\n")
    table = read_embeddings(path)
    np.testing.assert_array_equal(table.vectors, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(table.labels, [3, 5])


def test_npy_with_and_without_names(tmp_path: Path, rng: np.random.Generator) -> None:
    vectors = _vectors(rng, n=3)
    np.save(tmp_path / "e.npy", vectors.astype(np.float64))
    assert read_embeddings(tmp_path / "e.npy").names == ["sample_000000", "sample_000001", "sample_000002"]
    (tmp_path / "names.txt").write_text("x\ny\nz\n")
    table = read_embeddings(tmp_path / "e.npy", filenames_path=tmp_path / "names.txt")
    assert table.names == ["x", "y", "z"]
    np.testing.assert_array_equal(table.vectors, vectors)


def test_parquet_list_and_columns(tmp_path: Path, rng: np.random.Generator) -> None:
    vectors = _vectors(rng, n=3, d=2)
    pq.write_table(pa.table({"filenames": ["a", "b", "c"], "embedding": vectors.tolist()}), tmp_path / "l.parquet")
    pq.write_table(
        pa.table({"filenames": ["a", "b", "c"], "embedding_1": vectors[:, 1], "embedding_0": vectors[:, 0]}),
        tmp_path / "c.parquet",
    )
    for name in ("l.parquet", "c.parquet"):
        table = read_embeddings(tmp_path / name)
        assert table.names == ["a", "b", "c"]
        np.testing.assert_array_equal(table.vectors, vectors)


BAD_CSVS = {
    "header_only": ("filenames,embedding_0,labels\n", "header but no data rows"),
    "no_filenames": ("name,embedding_0,labels\na,1,0\n", "first column is 'name', expected 'filenames'"),
    "ragged": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,3,0\n", r"row 2 \(line 3\) has 3 fields, expected 4"),
    "text": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,3,x,0\n", r"row 2 \(line 3\), sample 'b', column 'embedding_1': 'x' is not a number"),
    "nan": ("filenames,embedding_0,embedding_1,labels\na,1,nan,0\n", r"row 1 \(line 2\), sample 'a', column 'embedding_1': NaN"),
    "inf": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,inf,2,0\n", r"row 2 \(line 3\), sample 'b', column 'embedding_0': an infinite"),
    "empty_cell": ("filenames,embedding_0,embedding_1,labels\na,1,,0\n", r"row 1 \(line 2\), sample 'a', column 'embedding_1': empty value"),
    "duplicate": ("filenames,embedding_0,labels\na,1,0\nb,2,0\na,3,0\n", r"duplicate filename 'a' \(rows 1 and 3\)"),
    "bad_order": ("filenames,embedding_1,embedding_0,labels\na,1,2,0\n", "embedding_0, embedding_1, ... in order"),
    "empty": ("", "the file is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSVS))
def test_bad_csv_names_file_and_problem(tmp_path: Path, case: str) -> None:
    text, message = BAD_CSVS[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=message) as info:
        read_embeddings(path)
    assert str(info.value).startswith(str(path))


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        read_embeddings(tmp_path / "nope.csv")
    (tmp_path / "e.txt").write_text("x")
    with pytest.raises(InputFileError, match=r"unknown extension '\.txt'"):
        read_embeddings(tmp_path / "e.txt")


def test_npy_bad_inputs(tmp_path: Path) -> None:
    np.save(tmp_path / "one_d.npy", np.zeros(3))
    with pytest.raises(InputFileError, match="expected a 2-D array"):
        read_embeddings(tmp_path / "one_d.npy")
    np.save(tmp_path / "nan.npy", np.array([[1.0, 2.0], [np.nan, 1.0]]))
    with pytest.raises(InputFileError, match=r"nan\.npy: row 1 \(0-based\), dimension 0: NaN"):
        read_embeddings(tmp_path / "nan.npy")
    np.save(tmp_path / "ok.npy", np.ones((2, 2)))
    (tmp_path / "names.txt").write_text("a\n")
    with pytest.raises(InputFileError, match="has 1 filenames but .* has 2 rows"):
        read_embeddings(tmp_path / "ok.npy", filenames_path=tmp_path / "names.txt")


def test_parquet_bad_value_names_row_sample_and_column(tmp_path: Path) -> None:
    listed = tmp_path / "l.parquet"
    pq.write_table(pa.table({"filenames": ["a", "b"], "embedding": [[1.0, 2.0, 3.0], [4.0, float("nan"), 6.0]]}), listed)
    with pytest.raises(InputFileError, match=r"l\.parquet: row 2, sample 'b', column 'embedding', element 1: NaN"):
        read_embeddings(listed)
    columns = tmp_path / "c.parquet"
    pq.write_table(pa.table({"filenames": ["a", "b"], "embedding_0": [1.0, 2.0], "embedding_1": [float("inf"), 1.0]}),
                   columns)
    with pytest.raises(InputFileError, match=r"c\.parquet: row 1, sample 'a', column 'embedding_1': an infinite value"):
        read_embeddings(columns)
