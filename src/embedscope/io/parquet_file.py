"""Embeddings in Parquet: a ``filenames`` column plus an ``embedding`` list column or ``embedding_i`` columns.

The checks are written once for any run of consecutive rows (:func:`chunk_values`) plus the schema
(:func:`schema_problems`), each problem ranked by the order in which the reader of a whole file meets it: the
reader of the whole file (:func:`read_parquet`) and one that reads row groups in parallel
(:mod:`embedscope.distributed.parquet_blocks`) report the same first problem, with the same message.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.validation import (
    Problem,
    check_unique_names,
    embedding_column_names,
    list_column_cells,
    raise_first,
    table_cells,
    value_problem,
)

LIST_COLUMN = "embedding"
FILENAMES_COLUMN = "filenames"

# Ranks of a Parquet file's problems (:data:`~embedscope.io.validation.Problem`): (0,) the schema cannot hold
# embeddings; (1, row) a null list / (1, column, row) a null cell, (1, column, -1) a column that is not numeric;
# (2, row) a ragged list; (3,) a list of non-numbers; (4,) lists of length 0; (5 + kind, row, column) a value
# (:func:`~embedscope.io.validation.value_problem`); then the names, on the whole column.
UNREADABLE: tuple[int, ...] = (-1,)
"""Rank of a row group that cannot be read at all: reported before anything found in the rows."""


def _is_list(kind: pa.DataType) -> bool:
    return bool(pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_large_list(kind))


def _is_number(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def schema_problems(path: Path, schema: pa.Schema) -> tuple[list[str], list[Problem]]:
    """The embedding columns of ``schema`` (``["embedding"]`` or ``embedding_0 ..``; empty when it holds none) and the
    problems the schema alone shows."""
    if LIST_COLUMN in schema.names:
        kind = schema.field(LIST_COLUMN).type
        if not _is_list(kind):
            return [], [((0,), InputFileError(path, f"column 'embedding' must be a list of numbers, got {kind}"))]
        if not _is_number(kind.value_type):
            return [LIST_COLUMN], [((3,), InputFileError(
                path, f"column 'embedding' must be a list of numbers, got a list of {kind.value_type}"))]
        return [LIST_COLUMN], []
    names = [c for c in schema.names if c.startswith("embedding_")]
    expected = embedding_column_names(len(names))
    if not names or sorted(names, key=lambda c: int(c.split("_")[1]) if c.split("_")[1].isdigit() else -1) != expected:
        return [], [((0,), InputFileError(
            path, "expected an 'embedding' list column or columns embedding_0, embedding_1, ..."))]
    return expected, [((1, j, -1), InputFileError(path, f"column '{name}' must be numeric, got {schema.field(name).type}"))
                      for j, name in enumerate(expected) if not _is_number(schema.field(name).type)]


def first_row_length(table: pa.Table, columns: Sequence[str]) -> int:
    """Embedding length of the table's first row: the list's length (0 when null), or the number of columns."""
    if list(columns) != [LIST_COLUMN]:
        return len(columns)
    first = table.column(LIST_COLUMN).slice(0, 1).combine_chunks()
    return int(first.value_lengths().fill_null(0).to_numpy(zero_copy_only=False)[0])


def _first(flags: np.ndarray) -> int:
    return int(np.argmax(flags))


def _list_values(path: Path, table: pa.Table, *, first_row: int, dim: int) -> tuple[np.ndarray | None, Problem | None]:
    column = table.column(LIST_COLUMN).combine_chunks()
    if column.null_count:
        row = first_row + _first(column.is_null().to_numpy(zero_copy_only=False))
        return None, ((1, row), InputFileError(path, f"row {row + 1}: embedding has a different length than row 1 (ragged)"))
    lengths = np.asarray(column.value_lengths().to_numpy(zero_copy_only=False))
    if (lengths != dim).any():
        row = first_row + _first(lengths != dim)
        return None, ((2, row), InputFileError(path, f"row {row + 1}: embedding has a different length than row 1 (ragged)"))
    if not _is_number(column.type.value_type):
        return None, None  # a schema problem
    if dim == 0:
        return None, ((4,), InputFileError(path, "embeddings have length 0"))
    flat = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
    return flat.reshape(len(lengths), dim), None


def _column_values(path: Path, table: pa.Table, columns: Sequence[str], *,
                   first_row: int) -> tuple[np.ndarray | None, Problem | None]:
    numeric = True
    for j, name in enumerate(columns):
        column = table.column(name)
        if not _is_number(column.type):
            numeric = False  # a schema problem
        elif column.null_count:
            row = first_row + _first(column.is_null().to_numpy(zero_copy_only=False))
            return None, ((1, j, row), InputFileError(path, f"row {row + 1}, column '{name}': empty value"))
    if not numeric:
        return None, None
    return np.column_stack([np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
                            for name in columns]), None


def chunk_values(
    path: Path, table: pa.Table, columns: Sequence[str], *, first_row: int, dim: int, names: Sequence[object]
) -> tuple[np.ndarray | None, Problem | None]:
    """The (m, dim) float32 embeddings of ``table``, rows ``first_row ..`` of the file, or the first problem they
    show (None, and no values, when only the schema's problems stop them).

    Args:
        columns: the embedding columns (:func:`schema_problems`); dim: the file's first row's length.
        names: (m,) the ``filenames`` of ``table``'s rows (a bad value's message names its sample).
    """
    if list(columns) == [LIST_COLUMN]:
        values, problem = _list_values(path, table, first_row=first_row, dim=dim)
    else:
        values, problem = _column_values(path, table, columns, first_row=first_row)
    if values is None:
        return None, problem
    if list(columns) == [LIST_COLUMN]:
        cells = list_column_cells(LIST_COLUMN, names=names, first_row=first_row)
    else:
        cells = table_cells(columns, names=names, first_row=first_row)
    found = value_problem(path, values, cells)
    if found is not None:
        (kind, row, column), error = found
        return None, ((5 + kind, row, column), error)
    return values.astype(np.float32), None


def read_parquet(path: Path) -> EmbeddingTable:
    """Read embeddings from a Parquet file.

    Raises:
        InputFileError: not a Parquet file, no ``filenames`` column or no rows, embedding columns of the wrong kind,
            a null, ragged, non-finite or out-of-float32 value (row named), duplicate or unusable names.
    """
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(path, f"not a readable Parquet file ({error})") from error
    if FILENAMES_COLUMN not in table.column_names:
        raise InputFileError(path, f"no 'filenames' column (columns: {', '.join(table.column_names[:8])})")
    if table.num_rows == 0:
        raise InputFileError(path, "the file has no rows")
    columns, problems = schema_problems(path, table.schema)
    names = table.column(FILENAMES_COLUMN).to_pylist()
    values, problem = None, None
    if columns:
        values, problem = chunk_values(path, table, columns, first_row=0, dim=first_row_length(table, columns),
                                       names=names)
    raise_first([*problems, problem])
    assert values is not None
    check_unique_names(path, names)
    return EmbeddingTable(names=names, vectors=values, source=path, labels=np.zeros(len(names), dtype=np.int64))
