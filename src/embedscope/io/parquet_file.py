"""Embeddings in Parquet: a ``filenames`` column plus an ``embedding`` list column or ``embedding_i`` columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.validation import (
    as_float32,
    check_unique_names,
    embedding_column_names,
    list_column_cells,
    table_cells,
)


def _embedding_matrix(path: Path, table: pa.Table) -> np.ndarray:
    if "embedding" in table.column_names:
        column = table.column("embedding").combine_chunks()
        if not pa.types.is_list(column.type) and not pa.types.is_fixed_size_list(column.type) \
                and not pa.types.is_large_list(column.type):
            raise InputFileError(path, f"column 'embedding' must be a list of numbers, got {column.type}")
        lengths = np.asarray(column.value_lengths().fill_null(0).to_numpy(zero_copy_only=False))
        if column.null_count or (lengths != lengths[0]).any():
            row = int(np.argmax(lengths != lengths[0])) if column.null_count == 0 else \
                int(np.argmax(column.is_null().to_numpy(zero_copy_only=False)))
            raise InputFileError(path, f"row {row + 1}: embedding has a different length than row 1 (ragged)")
        value_type = column.type.value_type
        if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type)):
            raise InputFileError(path, f"column 'embedding' must be a list of numbers, got a list of {value_type}")
        flat = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
        return flat.reshape(len(lengths), int(lengths[0]))
    names = [c for c in table.column_names if c.startswith("embedding_")]
    expected = embedding_column_names(len(names))
    if not names or sorted(names, key=lambda c: int(c.split("_")[1]) if c.split("_")[1].isdigit() else -1) != expected:
        raise InputFileError(path, "expected an 'embedding' list column or columns embedding_0, embedding_1, ...")
    columns = []
    for name in expected:
        column = table.column(name)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            raise InputFileError(path, f"column '{name}' must be numeric, got {column.type}")
        if column.null_count:
            row = int(np.argmax(column.is_null().to_numpy(zero_copy_only=False)))
            raise InputFileError(path, f"row {row + 1}, column '{name}': empty value")
        columns.append(np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64))
    return np.column_stack(columns)


def read_parquet(path: Path) -> EmbeddingTable:
    """Read embeddings from a Parquet file."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(path, f"not a readable Parquet file ({error})") from error
    if "filenames" not in table.column_names:
        raise InputFileError(path, f"no 'filenames' column (columns: {', '.join(table.column_names[:8])})")
    if table.num_rows == 0:
        raise InputFileError(path, "the file has no rows")
    values = _embedding_matrix(path, table)
    if values.shape[1] == 0:
        raise InputFileError(path, "embeddings have length 0")
    names = table.column("filenames").to_pylist()
    if "embedding" in table.column_names:
        cells = list_column_cells("embedding", names=names)
    else:
        cells = table_cells(embedding_column_names(values.shape[1]), names=names)
    vectors = as_float32(path, values, cells)
    check_unique_names(path, names)
    return EmbeddingTable(names=names, vectors=vectors, source=path, labels=np.zeros(len(names), dtype=np.int64))
