"""An INPUT above ``--memory-budget`` held on the cluster: the driver keeps the names, labels and datapool, the
N × D rows stay in the Ray object store as blocks (:class:`~embedscope.distributed.vector_blocks.VectorBlocks`).

Every source (a ``.npy`` file, a Parquet or CSV embeddings file, the projected shards of an image folder, of video
frames or of object crops) first puts
the file's rows in the object store as *source blocks*: ``(positions, vectors)`` with positions the consecutive
file rows ``start .. stop - 1`` and vectors checked float32 (:class:`SourceBlock`). :func:`input_on_cluster`
then does what :func:`embedscope.ingest.samples.prepare_inputs` does to a table in memory — masked rows out,
rows marked selected into the datapool, datapool names out, rows L2-normalised — with the row decisions taken
from the names on the driver (:func:`embedscope.ingest.samples.input_rows`, the same function) and the rows
moved by one Ray task per source block. The driver's :class:`~embedscope.ingest.samples.LoadedInputs` then holds
the names and labels of every input row but a (0, D) ``vectors`` array, so any code that would index the matrix
on the driver fails loudly instead of loading it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.distributed.block_maps import Block
from embedscope.distributed.cluster_hygiene import table_rows
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE, VectorBlocks
from embedscope.ingest.samples import LoadedInputs, concat_tables, input_rows, l2_normalize, prepare_inputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.row_normalize import l2_normalized_rows

MAX_BLOCK_BYTES = 32 * 2**20
"""float32 bytes of one object-store block at most: a task holds a few blocks, the driver one at a time."""
BLOCKS_PER_BUDGET = 4
"""A block is also at most a quarter of ``--memory-budget``, so the driver's one block stays well inside it."""
TASK_RETRIES = 3


def block_bytes(memory_budget: int) -> int:
    """float32 bytes of one block: at most :data:`MAX_BLOCK_BYTES` and a :data:`BLOCKS_PER_BUDGET`-th of the budget."""
    return min(MAX_BLOCK_BYTES, memory_budget // BLOCKS_PER_BUDGET)


def rows_per_block(dim: int, *, memory_budget: int) -> int:
    """Rows of one block of ``dim`` columns (:func:`block_bytes`), at least 1."""
    return max(1, block_bytes(memory_budget) // (dim * BYTES_PER_VALUE))


@dataclass(frozen=True)
class InputOnCluster:
    """An INPUT whose rows are held by the cluster.

    Attributes:
        samples: the driver's view: names, labels, the datapool, the folder's lists; ``input.vectors`` is (0, D)
            float32.
        blocks: the (n_input, D) float32 input rows (masked and datapool names removed, normalised if asked), each
            block holding consecutive positions, the blocks in position order.
    """

    samples: LoadedInputs
    blocks: VectorBlocks


@dataclass(frozen=True)
class SourceBlock:
    """One block of a file's rows in the object store.

    Attributes:
        ref: Ray ObjectRef (or a task's pending result) to ``(positions (m,) int64, vectors (m, D) float32)``, the
            vectors the file rows ``start .. stop - 1``, checked finite.
        start, stop: the file rows the block holds.
        numbered: the block's positions are those file rows (else they are ignored: the reader did not know
            them when it made the block).
    """

    ref: Any
    start: int
    stop: int
    numbered: bool = True


def _block_rows(block: Block) -> int:
    return len(block[0])


def wait_for_blocks(refs: Sequence[Any]) -> list[int]:
    """Wait until every block of ``refs`` is computed; their row counts.

    Raises:
        EmbedscopeError: the error of the first block (in list order) whose task raised one (a bad value).
    """
    import ray

    count = ray.remote(max_retries=TASK_RETRIES)(_block_rows)
    return [int(n) for n in get_unwrapped([count.remote(ref) for ref in refs])]


def _span(block: Block) -> tuple[int, int]:
    positions = block[0]
    first = int(positions[0]) if len(positions) else 0
    if not np.array_equal(positions, np.arange(first, first + len(positions))):
        raise RuntimeError("a block does not hold consecutive positions")
    return first, len(positions)


def source_blocks(blocks: VectorBlocks) -> list[SourceBlock]:
    """``blocks`` (each holding consecutive positions) as source blocks, in position order (one small task per
    block reports its span; nothing else comes back).

    Raises:
        RuntimeError: a block whose positions are not consecutive, or positions that do not tile 0 .. n_rows - 1.
    """
    import ray

    span = ray.remote(max_retries=TASK_RETRIES)(_span)
    spans = get_unwrapped([span.remote(ref) for ref in blocks.refs])
    sources = sorted((SourceBlock(ref, first, first + n) for ref, (first, n) in zip(blocks.refs, spans) if n),
                     key=lambda source: source.start)
    if [s.start for s in sources] != [0, *(s.stop for s in sources[:-1])] or sources[-1].stop != blocks.n_rows:
        raise RuntimeError("the blocks do not tile the rows 0 .. n_rows - 1")
    return sources


def _source_rows(block: Block, start: int, rows: np.ndarray) -> np.ndarray:
    return block[1][rows - start]


def _rows_of_sources(sources: Sequence[SourceBlock], rows: np.ndarray) -> np.ndarray:
    """(len(rows), D) float32 file rows ``rows`` (increasing), fetched from the blocks holding them."""
    import ray

    take = ray.remote(max_retries=TASK_RETRIES)(_source_rows)
    refs = []
    for block in sources:
        low, high = (int(i) for i in np.searchsorted(rows, [block.start, block.stop]))
        if high > low:
            refs.append(take.remote(block.ref, block.start, rows[low:high]))
    return np.concatenate(get_unwrapped(refs))


def _kept_block(
    block: Block, start: int, kept: np.ndarray | None, first_position: int, names: Sequence[str], normalize: bool,
    source: str,
) -> Block:
    """One input block: the rows ``kept`` (file rows, all when None) of a source block holding file rows
    ``start ..``, renumbered from ``first_position``, normalised as :func:`embedscope.ingest.samples.l2_normalize`
    does."""
    vectors = block[1]
    if kept is not None:
        vectors = vectors[kept - start]
    if normalize:
        vectors = l2_normalized_rows(vectors, source=Path(source), names=names, first_row=first_position)
    return np.arange(first_position, first_position + len(vectors), dtype=np.int64), vectors


def input_on_cluster(
    table: EmbeddingTable,
    sources: list[SourceBlock],
    *,
    datapool_path: Path | None,
    normalize: bool,
    corrupt: dict[str, str] | None = None,
    duplicates: dict[str, str] | None = None,
    image_root: Path | None = None,
) -> InputOnCluster:
    """:func:`embedscope.ingest.samples.prepare_inputs` for a table whose rows are ``sources``.

    Args:
        table: names, labels and flag columns of every file row, ``vectors`` (0, D).
        sources: the file's rows, in row order, tiling 0 .. len(table) - 1. The list is taken over: it is
            emptied once each block has its task, so a source block is freed when its task ends (the object
            store holds little more than one copy of the matrix).

    Memory on the driver: the names, the datapool and the rows marked selected (which join it); never N × D.

    Raises:
        InputFileError: as :func:`~embedscope.ingest.samples.prepare_inputs`: a datapool of another dimension,
            fewer than 2 input samples, a zero vector under ``normalize`` (row and name as the local message).
    """
    import ray

    source = table.source or Path("<input>")
    datapool = read_embeddings(datapool_path) if datapool_path is not None else None
    rows = input_rows(table, datapool, datapool_path=datapool_path)
    if rows.marked.size:
        marked = dataclasses.replace(table_rows(table, rows.marked), vectors=_rows_of_sources(sources, rows.marked))
        datapool = marked if datapool is None else concat_tables(datapool, marked)
    kept = rows.kept
    names = [table.names[int(i)] for i in kept]
    move = ray.remote(max_retries=TASK_RETRIES)(_kept_block)
    refs = []
    for block in sources:
        low, high = (int(i) for i in np.searchsorted(kept, [block.start, block.stop]))
        if high == low:
            continue
        every_row = high - low == block.stop - block.start
        if every_row and low == block.start and block.numbered and not normalize:
            refs.append(block.ref)  # the block is already the input's: positions and rows unchanged
        else:
            refs.append(move.remote(block.ref, block.start, None if every_row else kept[low:high], low,
                                    names[low:high], normalize, str(source)))
    sources.clear()
    wait_for_blocks(refs)  # a zero vector fails here, with the local message
    if normalize and datapool is not None:
        datapool = l2_normalize(datapool)
    driver_table = dataclasses.replace(table_rows(table, kept), vectors=np.empty((0, table.dim), dtype=np.float32))
    samples = LoadedInputs(
        input=driver_table, datapool=datapool, corrupt=dict(corrupt or {}), duplicates=dict(duplicates or {}),
        removed_from_input=rows.removed, image_root=image_root, masked=rows.masked,
        n_marked_selected=len(rows.marked),
    )
    return InputOnCluster(samples=samples, blocks=VectorBlocks.from_position_refs(refs, n_rows=len(kept),
                                                                                 dim=table.dim))


HoldOnCluster = Callable[[InputOnCluster], None]
"""Takes an input left on the cluster (the Ray executor keeps it for the select and analyze stages)."""


def inputs_within_budget(
    names: Sequence[str],
    blocks: VectorBlocks,
    *,
    source: Path,
    datapool_path: Path | None,
    normalize: bool,
    memory_budget: int,
    on_cluster: HoldOnCluster | None,
    corrupt: dict[str, str] | None = None,
    duplicates: dict[str, str] | None = None,
    image_root: Path | None = None,
) -> LoadedInputs:
    """:func:`embedscope.ingest.samples.prepare_inputs` of the embedded samples ``names`` (labels 0), whose
    projected rows are ``blocks`` (each block holding consecutive positions, in ``names`` order): the blocks
    gathered on the driver when their N × D × 4 bytes fit ``memory_budget`` (decided from ``blocks.nbytes``,
    before anything is fetched), else left on the cluster (:func:`input_on_cluster`) and handed to
    ``on_cluster``; the driver's samples then hold a (0, D) ``vectors`` array.

    Raises:
        MemoryBudgetError: above the budget with no ``on_cluster`` (nothing gathered).
        InputFileError: fewer than 2 samples, a bad datapool, a zero vector under ``normalize``.
    """
    labels = np.zeros(len(names), dtype=np.int64)
    if blocks.nbytes <= memory_budget or on_cluster is None:
        table = EmbeddingTable(names=list(names), vectors=blocks.gather(memory_budget=memory_budget), source=source,
                               labels=labels)
        return prepare_inputs(table, datapool_path=datapool_path, normalize=normalize, corrupt=corrupt,
                              duplicates=duplicates, image_root=image_root)
    table = EmbeddingTable(names=list(names), vectors=np.empty((0, blocks.dim), dtype=np.float32), source=source,
                           labels=labels)
    held = input_on_cluster(table, source_blocks(blocks), datapool_path=datapool_path, normalize=normalize,
                            corrupt=corrupt, duplicates=duplicates, image_root=image_root)
    on_cluster(held)
    return held.samples
