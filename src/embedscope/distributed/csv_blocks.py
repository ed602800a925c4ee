"""A Lightly CSV INPUT above ``--memory-budget``, left on the cluster: Ray tasks parse byte ranges of the file (each
cut at line ends) with the local reader's Arrow options and checks (:func:`embedscope.io.lightly_csv.csv_rows`),
put the vectors as source blocks and send the driver the names, labels and flags; the driver raises the problem
the local reader would raise first, then :func:`~embedscope.distributed.cluster_input.input_on_cluster` takes
the masked, marked-selected and datapool rows out and normalises.

A chunk is parsed as the local reader parses the whole file: the same column names and types (those of the
columns Arrow infers, labels and flags, are the ones it infers from the file's first block), every line end a
row end (Arrow's default, ``newlines_in_values=False``). Where Arrow cannot parse a chunk, the driver names the
row exactly as the local reader does (:func:`~embedscope.io.lightly_csv.locate_parse_error`, a pass over the
file's text).

Arrow's CSV reader: https://arrow.apache.org/docs/python/csv.html
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from embedscope.distributed.cluster_input import (
    TASK_RETRIES,
    InputOnCluster,
    SourceBlock,
    block_bytes,
    input_on_cluster,
)
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.lightly_csv import (
    FILENAMES_COLUMN,
    PARSE_ERRORS,
    CsvColumns,
    CsvRows,
    convert_options,
    csv_columns,
    csv_rows,
    locate_parse_error,
)
from embedscope.io.validation import check_unique_names, raise_first

MIN_TEXT_BYTES_PER_VALUE = 2
"""A value of the CSV takes a character and a separator at least: N × D ≤ file bytes / 2."""
SCAN_BYTES = 1 << 16


def csv_matrix_bytes_bound(path: Path) -> int | None:
    """At least N × D × 4 for a Lightly CSV, from its size (each value takes :data:`MIN_TEXT_BYTES_PER_VALUE`
    bytes of text at least), without reading it; None: not a file with a valid header (left to the local reader)."""
    try:
        csv_columns(path)
        return 4 * path.stat().st_size // MIN_TEXT_BYTES_PER_VALUE
    except (InputFileError, OSError):
        return None


def _row_start(handle: io.BufferedReader, position: int, data_start: int) -> int:
    """The first byte at or after ``position`` that starts a row (a line)."""
    if position <= data_start:
        return data_start
    handle.seek(position - 1)
    offset = position - 1
    while piece := handle.read(SCAN_BYTES):
        found = piece.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(piece)
    return offset


@dataclass(frozen=True)
class _Chunk:
    """What a chunk task sends the driver: its rows' names, labels and flags and their problems, or that Arrow
    could not parse it."""

    rows: CsvRows | None
    n_rows: int


def _parse(path: str, start: int, stop: int, data_start: int, column_names: list[str],
           other_types: dict[str, pa.DataType], columns: CsvColumns, first_row: int) -> tuple[_Chunk, tuple]:
    """(the chunk's rows, checked as rows ``first_row ..`` of the file, and its source block with positions from 0)."""
    with open(path, "rb") as handle:
        begin, end = _row_start(handle, start, data_start), _row_start(handle, stop, data_start)
        handle.seek(begin)
        data = handle.read(end - begin)
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, len(columns.embedding_names)), dtype=np.float32))
    if not data.strip(b"\r\n"):
        return _Chunk(rows=None, n_rows=0), empty
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(column_names=column_names,
                                                                              use_threads=False),
                               convert_options=convert_options(columns, other_types))
    except PARSE_ERRORS:
        return _Chunk(rows=None, n_rows=-1), empty
    rows = csv_rows(Path(path), table, columns, first_row=first_row)
    if rows.vectors is None:
        return _Chunk(rows=rows, n_rows=table.num_rows), empty
    block = (np.arange(table.num_rows, dtype=np.int64), rows.vectors)
    return _Chunk(rows=dataclasses.replace(rows, vectors=None), n_rows=table.num_rows), block  # vectors: the block


def _inferred_types(path: Path, columns: CsvColumns) -> tuple[list[str], dict[str, pa.DataType]]:
    """The column names Arrow reads from the header and the types it infers, from the file's first block, for the
    columns the local reader lets it infer (labels, masked, selected).

    Raises:
        InputFileError: Arrow cannot parse the first block (named as the local reader names it).
    """
    try:
        reader = pacsv.open_csv(path, convert_options=convert_options(columns))
    except PARSE_ERRORS as error:
        raise locate_parse_error(path, len(columns.header), columns.embedding_names) from error
    schema = reader.schema
    reader.close()
    fixed = {FILENAMES_COLUMN, *columns.embedding_names}
    return schema.names, {name: schema.field(name).type for name in schema.names if name not in fixed}


def load_csv_on_cluster(
    input_path: Path, *, datapool_path: Path | None, normalize: bool, memory_budget: int,
) -> InputOnCluster:
    """Read ``input_path`` as :func:`embedscope.ingest.samples.load_inputs` does, the rows parsed in Ray tasks
    (byte ranges of :func:`~embedscope.distributed.cluster_input.block_bytes`, so a block holds at most twice that).

    The checks and messages are the local reader's (:func:`embedscope.io.lightly_csv.read_lightly_csv`: parsing,
    missing and bad values, names, flags; then :func:`~embedscope.ingest.samples.prepare_inputs`' checks). The
    file must be on storage every node sees.

    Memory on the driver: the names, labels and flags (O(N)), the datapool; never N × D (a file Arrow cannot parse
    is scanned once as text, as the local reader does, to name the row).

    Raises:
        InputFileError: any problem of the file or the datapool; fewer than 2 input samples.
    """
    import ray

    columns = csv_columns(input_path)
    column_names, other_types = _inferred_types(input_path, columns)
    with open(input_path, "rb") as handle:
        data_start = _row_start(handle, 1, 0)  # after the header line
    size = input_path.stat().st_size
    step = max(1, block_bytes(memory_budget))
    parse = ray.remote(max_retries=TASK_RETRIES, num_returns=2)(_parse)
    pending: list[Any] = [parse.remote(str(input_path), start, min(size, start + step), data_start, column_names, other_types,
                            columns, 0) for start in range(data_start, size, step)]
    chunks: list[_Chunk] = get_unwrapped([summary for summary, _ in pending])
    if any(chunk.n_rows < 0 for chunk in chunks):
        raise locate_parse_error(input_path, len(columns.header), columns.embedding_names)
    starts = np.concatenate([[0], np.cumsum([chunk.n_rows for chunk in chunks])]).astype(int)
    if starts[-1] == 0:
        raise InputFileError(input_path, "the file has a header but no data rows")
    if any(_has_problem(chunk) for chunk in chunks):
        _raise_first_problem(input_path, chunks, starts, data_start, size, step, column_names, other_types, columns)
    parts = [chunk.rows for chunk in chunks if chunk.rows is not None]
    names = [name for part in parts for name in part.names]
    check_unique_names(input_path, names, first_line=2)
    labels = [part.labels for part in parts if part.labels is not None]  # a chunk without: the file has none
    table = EmbeddingTable(
        names=names, vectors=np.empty((0, len(columns.embedding_names)), dtype=np.float32), source=input_path,
        labels=np.concatenate(labels) if len(labels) == len(parts) else np.zeros(len(names), np.int64),
        masked=np.concatenate([part.masked for part in parts]),
        marked_selected=np.concatenate([part.selected for part in parts]),
    )
    sources = [SourceBlock(block, int(starts[i]), int(starts[i + 1]), numbered=False)
               for i, (_, block) in enumerate(pending) if chunks[i].n_rows > 0]
    del pending
    return input_on_cluster(table, sources, datapool_path=datapool_path, normalize=normalize)


def _raise_first_problem(path: Path, chunks: list[_Chunk], starts: np.ndarray, data_start: int, size: int, step: int,
                         column_names: list[str], other_types: dict[str, pa.DataType], columns: CsvColumns) -> None:
    """Parse the chunks with problems again knowing their first rows, and raise as the local reader would: the first
    missing or bad value, else the names' problem, else the first bad flag."""
    import ray

    parse: Any = ray.remote(max_retries=TASK_RETRIES, num_returns=2)(_parse)
    again = [parse.remote(str(path), start, min(size, start + step), data_start, column_names, other_types, columns,
                          int(starts[i]))[0]
             for i, start in enumerate(range(data_start, size, step)) if _has_problem(chunks[i])]
    found = [chunk.rows for chunk in get_unwrapped(again) if chunk.rows is not None]
    raise_first([rows.problem for rows in found])
    names = [name for chunk in chunks if chunk.rows is not None for name in chunk.rows.names]
    check_unique_names(path, names, first_line=2)
    raise_first([rows.flag_problem for rows in found])


def _has_problem(chunk: _Chunk) -> bool:
    return chunk.rows is not None and (chunk.rows.problem is not None or chunk.rows.flag_problem is not None)
