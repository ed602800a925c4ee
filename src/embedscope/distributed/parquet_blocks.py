"""A Parquet embeddings INPUT above ``--memory-budget``, left on the cluster: one Ray task per row group reads it in
batches (Arrow's streaming reader), checks each batch with the local reader's own checks
(:func:`embedscope.io.parquet_file.chunk_values`) and puts it as source blocks of consecutive rows; the driver
reads the footer, the ``filenames`` column and one row, raises the problem the local reader would raise first
(every problem is ranked by the order in which the local reader meets it), then
:func:`~embedscope.distributed.cluster_input.input_on_cluster` removes the datapool names and normalises.

Arrow's Parquet reader: https://arrow.apache.org/docs/python/parquet.html
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedscope.distributed.cluster_input import (
    TASK_RETRIES,
    InputOnCluster,
    SourceBlock,
    input_on_cluster,
    rows_per_block,
)
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE
from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.parquet_file import (
    FILENAMES_COLUMN,
    UNREADABLE,
    chunk_values,
    first_row_length,
    schema_problems,
)
from embedscope.io.validation import Problem, check_unique_names, raise_first


def _layout(path: Path) -> tuple[pq.ParquetFile, list[str], list[Problem], int] | None:
    """The file, its embedding columns, the schema's problems and the first row's length; None when the local
    reader stops before the rows (not Parquet, no ``filenames`` column, no rows, no embedding columns)."""
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        if FILENAMES_COLUMN not in schema.names or parquet.metadata.num_rows == 0:
            return None
        columns, problems = schema_problems(path, schema)
        if not columns:
            return None
        first = next(parquet.iter_batches(batch_size=1, columns=columns))
        return parquet, columns, problems, first_row_length(pa.Table.from_batches([first]), columns)
    except (pa.ArrowInvalid, OSError, StopIteration):
        return None


def parquet_matrix_bytes(path: Path) -> int | None:
    """N × D × 4 of a Parquet embeddings file from its footer and first row (None: a file the local reader stops
    on before its rows, left to it to report)."""
    layout = _layout(path)
    if layout is None:
        return None
    parquet, _, _, dim = layout
    return int(parquet.metadata.num_rows) * dim * BYTES_PER_VALUE


def _batches(path: str, group: int, columns: Sequence[str], rows: int) -> Iterator[pa.Table]:
    """The row group's rows in tables of exactly ``rows`` rows (the last one fewer)."""
    buffer: pa.Table | None = None
    read = [FILENAMES_COLUMN, *columns]
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, row_groups=[group], columns=read):
        table = pa.Table.from_batches([batch])
        buffer = table if buffer is None else pa.concat_tables([buffer, table])
        while buffer.num_rows >= rows:
            yield buffer.slice(0, rows)
            buffer = buffer.slice(rows)
    if buffer is not None and buffer.num_rows:
        yield buffer


def _read_row_group(
    path: str, group: int, columns: Sequence[str], dim: int, first_row: int, rows: int, n_blocks: int,
) -> tuple[object, ...]:
    """(the first problem of the row group or None, then its ``n_blocks`` source blocks of ``rows`` rows)."""
    source, blocks = Path(path), []
    problems: list[Problem] = []
    start = first_row
    try:
        for table in _batches(path, group, columns, rows):
            values, problem = chunk_values(source, table, columns, first_row=start, dim=dim,
                                           names=table.column(FILENAMES_COLUMN).to_pylist())
            if problem is not None:
                problems.append(problem)
            if not problems:
                blocks.append((np.arange(start, start + table.num_rows, dtype=np.int64), values))
            start += table.num_rows
    except (pa.ArrowInvalid, OSError) as error:
        problems.append((UNREADABLE, InputFileError(source, f"not a readable Parquet file ({error})")))
    if not problems and len(blocks) != n_blocks:
        problems.append((UNREADABLE, InputFileError(source, f"not a readable Parquet file (row group {group} holds "
                                                            f"{start - first_row} rows, not the footer's count)")))
    first = min(problems, key=lambda problem: problem[0]) if problems else None
    if first is not None:
        empty = (np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32))
        blocks = [empty] * n_blocks  # the run stops on the problem: no rows are needed
    return (first, *blocks)


def load_parquet_on_cluster(
    input_path: Path, *, datapool_path: Path | None, normalize: bool, memory_budget: int,
) -> InputOnCluster:
    """Read ``input_path`` as :func:`embedscope.ingest.samples.load_inputs` does, the rows in Ray tasks (one per
    row group, blocks of :func:`~embedscope.distributed.cluster_input.rows_per_block` rows).

    The checks and their messages are the local reader's (:func:`embedscope.io.parquet_file.read_parquet`: the
    rows' problem it would meet first, then the names; then the datapool checks of
    :func:`~embedscope.ingest.samples.prepare_inputs`). The file must be on storage every node sees.

    Memory on the driver: the names (O(N)), the datapool, one row; never N × D.

    Raises:
        InputFileError: any problem of the file, the names or the datapool; fewer than 2 input samples.
    """
    import ray

    layout = _layout(input_path)
    if layout is None:
        raise InputFileError(input_path, "not a Parquet embeddings file the Ray engine can read in row groups")
    parquet, columns, problems, dim = layout
    step = rows_per_block(max(dim, 1), memory_budget=memory_budget)
    read = ray.remote(max_retries=TASK_RETRIES)(_read_row_group)
    firsts, sources, start = [], [], 0
    for group in range(parquet.metadata.num_row_groups):
        n_rows = int(parquet.metadata.row_group(group).num_rows)
        n_blocks = -(-n_rows // step)
        returned: Any = read.options(num_returns=1 + n_blocks).remote(str(input_path), group, columns, dim, start, step,
                                                                       n_blocks)
        refs = returned if isinstance(returned, list) else [returned]
        firsts.append(refs[0])
        sources += [SourceBlock(ref, begin, min(begin + step, start + n_rows))
                    for ref, begin in zip(refs[1:], range(start, start + n_rows, step))]
        start += n_rows
    raise_first([*problems, *get_unwrapped(firsts)])
    names = pq.read_table(input_path, columns=[FILENAMES_COLUMN]).column(FILENAMES_COLUMN).to_pylist()
    check_unique_names(input_path, names)
    table = EmbeddingTable(names=names, vectors=np.empty((0, dim), dtype=np.float32), source=input_path,
                           labels=np.zeros(len(names), dtype=np.int64))
    return input_on_cluster(table, sources, datapool_path=datapool_path, normalize=normalize)
