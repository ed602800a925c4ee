"""Lightly's embeddings CSV: ``filenames,embedding_0..embedding_{D-1}[,masked][,selected],labels``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_path
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.text_file import decode_text, read_text
from embedscope.io.validation import (
    Problem,
    check_unique_names,
    embedding_column_names,
    raise_first,
    table_cells,
    value_problem,
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


@dataclass(frozen=True)
class CsvColumns:
    """The checked header of a Lightly CSV: every column, the embedding columns, the labels column's index (-1)."""

    header: list[str]
    embedding_names: list[str]
    labels_index: int


def csv_columns(path: Path) -> CsvColumns:
    """Read and check the header line.

    Raises:
        InputFileError: an empty or invalid header, columns not in Lightly's order.
    """
    header = _read_header(path)
    embedding_names, labels_index = _embedding_columns(path, header)
    return CsvColumns(header=header, embedding_names=embedding_names, labels_index=labels_index)


def convert_options(columns: CsvColumns, other_types: dict[str, pa.DataType] | None = None) -> pacsv.ConvertOptions:
    """How the reader converts cells: names as text, embeddings as float64, empty cells as missing; the other
    columns' types inferred by Arrow, or ``other_types``."""
    column_types: dict[str, pa.DataType] = {FILENAMES_COLUMN: pa.string()}
    column_types.update({name: pa.float64() for name in columns.embedding_names})
    column_types.update(other_types or {})
    return pacsv.ConvertOptions(column_types=column_types, null_values=[""], strings_can_be_null=False,
                                quoted_strings_can_be_null=False)


PARSE_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError)
"""What Arrow raises on text it cannot parse; :func:`locate_parse_error` then names the row."""


def locate_parse_error(path: Path, n_columns: int, embedding_names: list[str]) -> InputFileError:
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


@dataclass(frozen=True)
class CsvRows:
    """Consecutive rows of a Lightly CSV, converted and checked.

    Attributes:
        names: the filenames (not yet checked: uniqueness is a property of the whole file).
        vectors: (m, D) float32, or None when ``problem`` is set.
        labels: (m,) int64, or None when a label is not an integer (the file then has no labels).
        masked, selected: (m,) bool flag columns (empty when absent).
        problem: the first missing or bad value ((0, column, row) a missing cell, then
            (1 + kind, row, column) of :func:`~embedscope.io.validation.value_problem`), or None.
        flag_problem: the first flag that is not 0 or 1 ((0, row) masked, (1, row) selected), or None.
    """

    names: list[str]
    vectors: np.ndarray | None
    labels: np.ndarray | None
    masked: np.ndarray
    selected: np.ndarray
    problem: Problem | None
    flag_problem: Problem | None


def csv_rows(path: Path, table: pa.Table, columns: CsvColumns, *, first_row: int) -> CsvRows:
    """The rows of ``table`` (parsed with :func:`convert_options`; rows ``first_row ..`` of the file), checked as
    :func:`read_lightly_csv` checks them (the file row, line and sample named in the problems)."""
    names = [str(name) for name in table.column(FILENAMES_COLUMN).to_pylist()]
    cells = table_cells(columns.embedding_names, names=names, first_line=2, first_row=first_row)
    vectors, problem = None, None
    for index, name in enumerate(columns.embedding_names):  # an empty cell is named as missing, not as NaN
        nulls = table.column(name).is_null().to_numpy(zero_copy_only=False)
        if nulls.any():
            row = int(np.argmax(nulls))
            problem = ((0, index, first_row + row), InputFileError(path, f"{cells.at(row, index)}: empty value"))
            break
    if problem is None:
        values = np.column_stack([table.column(name).to_numpy(zero_copy_only=False) for name in columns.embedding_names])
        found = value_problem(path, values, cells)
        if found is None:
            vectors = values.astype(np.float32)
        else:
            (kind, row, column), error = found
            problem = ((1 + kind, row, column), error)
    (masked, masked_problem), (selected, selected_problem) = (
        _flags(path, table, column, first_row=first_row, rank=rank) for rank, column in enumerate(IGNORED_COLUMNS))
    return CsvRows(names=names, vectors=vectors, labels=_labels(table, columns), masked=masked, selected=selected,
                   problem=problem, flag_problem=masked_problem or selected_problem)


def read_lightly_csv(path: Path) -> EmbeddingTable:
    """Read a Lightly embeddings CSV.

    Returns:
        An :class:`EmbeddingTable` with vectors (n_samples, dim) float32.

    Raises:
        InputFileError: bad header, ragged row, non-numeric/NaN/infinite value, duplicate names, no rows.
    """
    columns = csv_columns(path)
    try:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=True),
                               convert_options=convert_options(columns))
    except PARSE_ERRORS as error:
        raise locate_parse_error(path, len(columns.header), columns.embedding_names) from error
    if table.num_rows == 0:
        raise InputFileError(path, "the file has a header but no data rows")
    rows = csv_rows(path, table, columns, first_row=0)
    raise_first([rows.problem])
    assert rows.vectors is not None
    check_unique_names(path, rows.names, first_line=2)
    raise_first([rows.flag_problem])
    labels = rows.labels if rows.labels is not None else np.zeros(table.num_rows, dtype=np.int64)
    return EmbeddingTable(names=rows.names, vectors=rows.vectors, source=path, labels=labels, masked=rows.masked,
                          marked_selected=rows.selected)


def _flags(path: Path, table: pa.Table, column: str, *, first_row: int, rank: int) -> tuple[np.ndarray, Problem | None]:
    """(n,) bool of a 0/1 (or true/false) flag column (empty when the column is absent), and the first value that
    is not 0, 1, true or false (ranked ``(rank, file row)``), or None."""
    if column not in table.column_names:
        return np.zeros(0, dtype=bool), None
    values = [str(v).strip().lower() for v in table.column(column).to_pylist()]
    flags = np.array([v in ("1", "true", "1.0") for v in values], dtype=bool)
    bad = [i for i, v in enumerate(values) if v not in ("0", "1", "true", "false", "0.0", "1.0")]
    if not bad:
        return flags, None
    row = first_row + bad[0]
    return flags, ((rank, row), InputFileError(path, f"row {row + 1} (line {row + 2}), column '{column}': "
                                                     f"{values[bad[0]]!r} is not 0 or 1"))


def _labels(table: pa.Table, columns: CsvColumns) -> np.ndarray | None:
    if columns.labels_index < 0:
        return np.zeros(table.num_rows, dtype=np.int64)
    column = table.column(columns.header[columns.labels_index])
    try:
        return np.asarray(column.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


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
