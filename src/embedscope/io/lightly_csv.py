"""Lightly's embeddings CSV: ``filenames,embedding_0..embedding_{D-1}[,masked][,selected],labels``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_path
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.text_file import decode_text, read_text
from embedscope.io.validation import (
    Cells,
    as_float32,
    check_unique_names,
    embedding_column_names,
    table_cells,
)

IGNORED_COLUMNS = ("masked", "selected")  # flag columns of LightlyOne's CSV (0/1): row left out / already selected
LABELS_COLUMN = "labels"
FILENAMES_COLUMN = "filenames"


HEADER_PROBE_BYTES = 1 << 20  # the header of any real embeddings CSV fits in its first MiB
WRITE_BLOCK_VALUES = 2**25
"""Embedding values converted to Arrow and formatted per block when writing (128 MiB of float32)."""


def _read_header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        probe = handle.read(HEADER_PROBE_BYTES)
    first = decode_text(path, probe.split(b"\n", 1)[0])
    if not first.strip():
        raise InputFileError(path, "the first line is empty; expected a header 'filenames,embedding_0,...'")
    try:
        return [name.strip() for name in next(csv.reader(io.StringIO(first, newline="")))]
    except csv.Error as error:
        raise InputFileError(path, f"line 1: the header is not valid CSV ({error})") from None


def _embedding_columns(path: Path, header: list[str]) -> tuple[list[str], int]:
    """Validate the header; return the embedding column names and the index of the labels column (-1)."""
    if header[0] != FILENAMES_COLUMN:
        raise InputFileError(
            path, f"the first column is '{header[0]}', expected 'filenames' (Lightly CSV: filenames,embedding_0,...)"
        )
    rest = header[1:]
    embedding_names = [name for name in rest if name.startswith("embedding_")]
    expected = embedding_column_names(len(embedding_names))
    if not embedding_names or embedding_names != expected or rest[: len(expected)] != expected:
        raise InputFileError(
            path, "expected columns embedding_0, embedding_1, ... in order right after 'filenames'"
        )
    tail = rest[len(expected):]
    allowed_tail = [c for c in tail if c in IGNORED_COLUMNS or c == LABELS_COLUMN]
    if tail != allowed_tail or (LABELS_COLUMN in tail and tail[-1] != LABELS_COLUMN):
        raise InputFileError(
            path, f"unexpected columns {tail}; after the embeddings only masked, selected and labels are allowed"
        )
    return expected, header.index(LABELS_COLUMN) if LABELS_COLUMN in header else -1


def _locate_parse_error(path: Path, n_columns: int, embedding_names: list[str]) -> InputFileError:
    """Scan the file with the csv module to name the row and column that pyarrow could not parse."""
    try:
        return _first_bad_row(path, n_columns, embedding_names)
    except csv.Error as error:
        return InputFileError(path, f"not valid CSV ({error})")


def _first_bad_row(path: Path, n_columns: int, embedding_names: list[str]) -> InputFileError:
    with io.StringIO(read_text(path), newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row_number, row in enumerate(reader, start=1):
            line = row_number + 1
            if not row:
                continue
            if len(row) != n_columns:
                return InputFileError(
                    path, f"row {row_number} (line {line}) has {len(row)} fields, expected {n_columns} like the header"
                )
            for offset in range(1, len(embedding_names) + 1):
                try:
                    float(row[offset])
                except ValueError:
                    cells = table_cells(embedding_names, names=[row[0]], first_line=2, first_row=row_number - 1)
                    where = cells.at(0, offset - 1)
                    return InputFileError(path, f"{where}: '{row[offset]}' is not a number")
    return InputFileError(path, "could not be parsed as a CSV file")


def read_lightly_csv(path: Path) -> EmbeddingTable:
    """Read a Lightly embeddings CSV.

    Returns:
        An :class:`EmbeddingTable` with vectors (n_samples, dim) float32.

    Raises:
        InputFileError: bad header, ragged row, non-numeric/NaN/infinite value, duplicate names, no rows.
    """
    header = _read_header(path)
    embedding_names, labels_index = _embedding_columns(path, header)
    column_types: dict[str, pa.DataType] = {FILENAMES_COLUMN: pa.string()}
    column_types.update({name: pa.float64() for name in embedding_names})
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, null_values=[""], strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as error:
        raise _locate_parse_error(path, len(header), embedding_names) from error
    if table.num_rows == 0:
        raise InputFileError(path, "the file has a header but no data rows")
    names = [str(name) for name in table.column(FILENAMES_COLUMN).to_pylist()]
    values = np.column_stack([table.column(name).to_numpy(zero_copy_only=False) for name in embedding_names])
    cells = table_cells(embedding_names, names=names, first_line=2)
    if np.isnan(values).any():
        _reject_missing_cells(path, table, embedding_names, cells)
    vectors = as_float32(path, values, cells)
    check_unique_names(path, names, first_line=2)
    labels = _labels(table, header, labels_index)
    masked, marked_selected = (_flags(path, table, column) for column in IGNORED_COLUMNS)
    return EmbeddingTable(
        names=names, vectors=vectors, source=path, labels=labels, masked=masked, marked_selected=marked_selected
    )


def _flags(path: Path, table: pa.Table, column: str) -> np.ndarray:
    """(n,) bool of a 0/1 (or true/false) flag column; empty when the column is absent.

    Raises:
        InputFileError: a value that is not 0, 1, true or false.
    """
    if column not in table.column_names:
        return np.zeros(0, dtype=bool)
    values = [str(v).strip().lower() for v in table.column(column).to_pylist()]
    flags = np.array([v in ("1", "true", "1.0") for v in values], dtype=bool)
    bad = [i for i, v in enumerate(values) if v not in ("0", "1", "true", "false", "0.0", "1.0")]
    if bad:
        raise InputFileError(path, f"row {bad[0] + 1} (line {bad[0] + 2}), column '{column}': "
                             f"{values[bad[0]]!r} is not 0 or 1")
    return flags


def _reject_missing_cells(path: Path, table: pa.Table, embedding_names: list[str], cells: Cells) -> None:
    """An empty cell parses as null (NaN in numpy); name it as a missing value, not as NaN."""
    for col, name in enumerate(embedding_names):
        nulls = table.column(name).is_null().to_numpy(zero_copy_only=False)
        if nulls.any():
            raise InputFileError(path, f"{cells.at(int(np.argmax(nulls)), col)}: empty value")


def _labels(table: pa.Table, header: list[str], labels_index: int) -> np.ndarray:
    if labels_index < 0:
        return np.zeros(table.num_rows, dtype=np.int64)
    column = table.column(header[labels_index])
    try:
        return np.asarray(column.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.zeros(table.num_rows, dtype=np.int64)


def write_lightly_csv(path: Path, names: list[str], vectors: np.ndarray, labels: np.ndarray | None = None) -> None:
    """Write a Lightly embeddings CSV atomically (floats in shortest float32 round-trip form).

    Args:
        names: (n_samples,) filenames.
        vectors: (n_samples, dim) float array (a memory-mapped one is read block by block), written as float32.
        labels: (n_samples,) int labels; zeros when None.

    Memory: one block of WRITE_BLOCK_VALUES values as Arrow columns (128 MiB), never a copy of ``vectors``.
    """
    n_samples, dim = vectors.shape
    if labels is None:
        labels = np.zeros(n_samples, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    rows_per_block = max(1, WRITE_BLOCK_VALUES // max(1, dim))
    write_lightly_csv_blocks(path, dim, (
        (names[start:start + rows_per_block], vectors[start:start + rows_per_block], labels[start:start + rows_per_block])
        for start in range(0, n_samples, rows_per_block)
    ))


def write_lightly_csv_blocks(
    path: Path, dim: int, blocks: Iterable[tuple[Sequence[str], np.ndarray, np.ndarray]]
) -> None:
    """Write a Lightly embeddings CSV atomically from consecutive row blocks (names (m,), vectors (m, dim)
    float, labels (m,) int), each formatted as :func:`write_lightly_csv` formats its rows: the file does not
    depend on how the rows are split. Memory: one block at a time (the caller's blocks are consumed lazily)."""
    column_names = [FILENAMES_COLUMN, *embedding_column_names(dim), LABELS_COLUMN]
    schema = pa.schema([(FILENAMES_COLUMN, pa.string())] + [(name, pa.float32()) for name in column_names[1:-1]]
                       + [(LABELS_COLUMN, pa.int64())])
    with atomic_path(Path(path)) as tmp, tmp.open("wb") as handle:
        handle.write((",".join(column_names) + "\n").encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        with pacsv.CSVWriter(handle, schema, write_options=options) as writer:
            for names, vectors, labels in blocks:
                columns = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).T)
                arrays = [pa.array(list(names), type=pa.string()), *(pa.array(column) for column in columns),
                          pa.array(np.asarray(labels, dtype=np.int64))]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
