"""Fuzz tests of the embeddings readers (Lightly CSV, .npy with or without a names list, Parquet).

Generated files that are valid read back with exactly the written names and float32 values; malformed ones
(and random byte edits of valid ones) are refused with an InputFileError naming the file; nothing else.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.io.validation import FLOAT32_MAX, name_problem
from tests.fuzz_support import FUZZ, mutated, names, read_or_refuse, scratch_folder

values = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e300, -3.5e38, 3.4e38, 0.0, -0.0])


def _valid_names(candidates: list[str]) -> bool:
    return all(name_problem(name) is None for name in candidates) and len(set(candidates)) == len(candidates)


def _valid_values(matrix: np.ndarray) -> bool:
    return bool(np.isfinite(matrix).all() and (np.abs(matrix) <= FLOAT32_MAX).all())


@st.composite
def lightly_csv(draw: st.DrawFn) -> tuple[bytes, list[str], np.ndarray]:
    n_rows, dim = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    row_names = draw(st.lists(names, min_size=n_rows, max_size=n_rows))
    matrix = np.array(draw(st.lists(st.lists(values, min_size=dim, max_size=dim), min_size=n_rows, max_size=n_rows)))
    buffer = io.StringIO()
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    if any("\r" in name for name in row_names):
        quoting = csv.QUOTE_ALL  # Python's writer leaves a lone \r unquoted, which every reader takes as a line end
    writer = csv.writer(buffer, lineterminator=terminator, quoting=quoting)
    writer.writerow(["filenames", *(f"embedding_{i}" for i in range(dim)), "labels"])
    for name, row in zip(row_names, matrix):
        writer.writerow([name, *(repr(float(v)) for v in row), 0])
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + buffer.getvalue()).encode("utf-8"), row_names, matrix


def _expect(result: EmbeddingTable | Exception, row_names: list[str], matrix: np.ndarray) -> None:
    if _valid_names(row_names) and _valid_values(matrix):
        assert isinstance(result, EmbeddingTable), result
        assert result.names == row_names
        np.testing.assert_array_equal(result.vectors, matrix.astype(np.float32))
    else:
        assert not isinstance(result, EmbeddingTable), (row_names, matrix)


@FUZZ
@given(lightly_csv())
def test_lightly_csv_reads_exactly_or_refuses(generated: tuple[bytes, list[str], np.ndarray]) -> None:
    data, row_names, matrix = generated
    with scratch_folder() as folder:
        path = folder / "embeddings.csv"
        path.write_bytes(data)
        _expect(read_or_refuse(path, read_embeddings), row_names, matrix)


@FUZZ
@given(st.data())
def test_lightly_csv_with_random_byte_edits_never_crashes(data: st.DataObject) -> None:
    valid, _, _ = data.draw(lightly_csv())
    with scratch_folder() as folder:
        path = folder / "embeddings.csv"
        path.write_bytes(data.draw(mutated(valid)))
        read_or_refuse(path, read_embeddings)


npy_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.bool_, np.complex64, "<U3"]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
)


@FUZZ
@given(npy_arrays)
def test_npy_reads_exactly_or_refuses(array: np.ndarray) -> None:
    valid = (
        array.ndim == 2 and array.size > 0 and array.dtype.kind in "iuf"
        and _valid_values(array.astype(np.float64))
    )
    with scratch_folder() as folder:
        path = folder / "embeddings.npy"
        np.save(path, array)
        result = read_or_refuse(path, read_embeddings)
    if valid:
        assert isinstance(result, EmbeddingTable), result
        np.testing.assert_array_equal(result.vectors, array.astype(np.float64).astype(np.float32))
        assert result.names == [f"sample_{i:06d}" for i in range(array.shape[0])]
    else:
        assert not isinstance(result, EmbeddingTable)


@FUZZ
@given(st.data())
def test_npy_with_a_names_list_and_byte_edits(data: st.DataObject) -> None:
    n_rows = data.draw(st.integers(1, 4))
    one_line_names = names.map(lambda name: name.replace("\n", "").replace("\r", ""))
    listed = data.draw(st.lists(one_line_names, min_size=n_rows, max_size=n_rows))
    newline = data.draw(st.sampled_from(["\n", "\r\n"]))
    array = np.arange(n_rows * 2, dtype=np.float32).reshape(n_rows, 2)
    with scratch_folder() as folder:
        names_path = folder / "names.txt"
        names_path.write_bytes("".join(f"{name}{newline}" for name in listed).encode("utf-8"))
        good = folder / "good.npy"
        np.save(good, array)
        result = read_or_refuse(good, lambda p: read_embeddings(p, filenames_path=names_path), also=(names_path,))
        if _valid_names(listed):
            assert isinstance(result, EmbeddingTable) and result.names == listed
        else:
            assert not isinstance(result, EmbeddingTable)
        bad = folder / "bad.npy"
        bad.write_bytes(data.draw(mutated(good.read_bytes())))
        read_or_refuse(bad, read_embeddings)


@st.composite
def parquet_tables(draw: st.DrawFn) -> tuple[pa.Table, bool, list[str], np.ndarray]:
    n_rows, dim = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    row_names = draw(st.lists(names | st.none(), min_size=n_rows, max_size=n_rows))
    matrix = np.array(draw(st.lists(st.lists(values, min_size=dim, max_size=dim), min_size=n_rows, max_size=n_rows)))
    layout = draw(st.sampled_from(["list", "columns", "strings", "ragged", "null"]))
    columns: dict[str, pa.Array] = {"filenames": pa.array(row_names, type=pa.string())}
    if layout == "columns":
        columns.update({f"embedding_{i}": pa.array(matrix[:, i]) for i in range(dim)})
    elif layout == "strings":
        columns["embedding"] = pa.array([[repr(float(v)) for v in row] for row in matrix])
    elif layout == "ragged":
        columns["embedding"] = pa.array([list(row[: 1 + i % dim]) for i, row in enumerate(matrix)] + [])
    elif layout == "null":
        columns["embedding"] = pa.array([None, *[list(row) for row in matrix[1:]]], type=pa.list_(pa.float64()))
    else:
        columns["embedding"] = pa.array([list(row) for row in matrix], type=pa.list_(pa.float64()))
    shape_ok = layout in ("list", "columns") or (layout == "ragged" and (dim == 1 or n_rows == 1))
    if layout == "ragged":
        matrix = matrix[:, :1]  # the only uniform case: every row of length 1
    valid = shape_ok and _valid_names(row_names) and _valid_values(matrix)  # type: ignore[arg-type]
    return pa.table(columns), valid, row_names, matrix  # type: ignore[return-value]


@FUZZ
@given(parquet_tables())
def test_parquet_reads_exactly_or_refuses(generated: tuple[pa.Table, bool, list[str], np.ndarray]) -> None:
    table, valid, row_names, matrix = generated
    with scratch_folder() as folder:
        path = folder / "embeddings.parquet"
        pq.write_table(table, path)
        result = read_or_refuse(path, read_embeddings)
    if valid:
        assert isinstance(result, EmbeddingTable), result
        assert result.names == row_names
        np.testing.assert_array_equal(result.vectors, matrix.astype(np.float32))
    else:
        assert not isinstance(result, EmbeddingTable), table


@FUZZ
@given(st.data())
def test_parquet_with_random_byte_edits_never_crashes(data: st.DataObject) -> None:
    table = pa.table({"filenames": ["a", "b", "c"], "embedding": [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]})
    with scratch_folder() as folder:
        path = folder / "embeddings.parquet"
        pq.write_table(table, path)
        path.write_bytes(data.draw(mutated(path.read_bytes())))
        read_or_refuse(path, read_embeddings)


def test_float32_boundary_is_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "edge.csv"
    path.write_text(f"filenames,embedding_0\na,{FLOAT32_MAX!r}\nb,-1e39\n")
    error = read_or_refuse(path, read_embeddings)
    assert "row 2 (line 3), sample 'b', column 'embedding_0': -1e+39 is beyond the float32 range" in str(error)


@FUZZ
@given(st.lists(names.filter(lambda name: name_problem(name) is None), min_size=1, max_size=5, unique=True))
def test_lightly_csv_written_by_embedscope_reads_back_unchanged(row_names: list[str]) -> None:
    vectors = np.arange(len(row_names) * 2, dtype=np.float32).reshape(-1, 2) / 7
    with scratch_folder() as folder:
        path = folder / "written.csv"
        write_lightly_csv(path, row_names, vectors)
        table = read_embeddings(path)
    assert table.names == row_names
    np.testing.assert_array_equal(table.vectors, vectors)
