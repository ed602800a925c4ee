"""A ``.npy`` INPUT above ``--memory-budget``, left on the cluster: Ray tasks read it in row blocks
(memory-mapped on the worker), check and L2-normalise each block as the local engine does, and keep the blocks
in the object store; the driver reads the header, the names and the datapool only.

The driver's :class:`~embedscope.ingest.samples.LoadedInputs` then holds the names and labels of every input
row but a (0, D) ``vectors`` array, so any code that would index the matrix on the driver fails loudly instead of
loading it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE, VectorBlocks
from embedscope.errors import InputFileError
from embedscope.ingest.samples import MIN_INPUT_SAMPLES, LoadedInputs, l2_normalize
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.npy_file import checked_float32, generated_names, open_npy, read_names
from embedscope.io.row_normalize import l2_normalized_rows
from embedscope.io.validation import check_unique_names

MAX_BLOCK_BYTES = 32 * 2**20
"""float32 bytes of one object-store block at most: a task holds a few blocks, the driver one at a time."""
BLOCKS_PER_BUDGET = 4
"""A block is also at most a quarter of ``--memory-budget``, so the driver's one block stays well inside it."""
TASK_RETRIES = 3


def npy_matrix_bytes(path: Path) -> int | None:
    """N × D × 4 of a ``.npy`` file from its header (None: not a readable 2-D numeric ``.npy``, left to the reader
    to report)."""
    try:
        array = open_npy(path)
    except InputFileError:
        return None
    return int(array.shape[0]) * int(array.shape[1]) * BYTES_PER_VALUE


def rows_per_block(dim: int, *, memory_budget: int) -> int:
    """Rows of one block: at most :data:`MAX_BLOCK_BYTES` and a :data:`BLOCKS_PER_BUDGET`-th of the budget."""
    return max(1, min(MAX_BLOCK_BYTES, memory_budget // BLOCKS_PER_BUDGET) // (dim * BYTES_PER_VALUE))


@dataclass(frozen=True)
class InputOnCluster:
    """A ``.npy`` INPUT read by Ray tasks.

    Attributes:
        samples: the driver's view: names, labels and the datapool; ``input.vectors`` is (0, D) float32.
        blocks: the (n_input, D) float32 input rows (datapool names removed, normalised if asked).
    """

    samples: LoadedInputs
    blocks: VectorBlocks


def _read_block(
    path: str, start: int, stop: int, kept: np.ndarray | None, first_position: int, names: Sequence[str],
    normalize: bool, given_names: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One block: file rows start..stop (only ``kept`` of them when given), checked, as float32, normalised.

    ``names``: of the kept rows (for the zero-vector message); ``given_names``: of file rows start..stop when
    ``--filenames`` gave them (for the non-finite message), else None.
    """
    source = Path(path)
    mapped = open_npy(source)[start:stop]
    vectors = np.array(checked_float32(source, mapped, first_row=start, names=given_names), dtype=np.float32)
    if kept is not None:
        vectors = vectors[kept - start]
    if normalize:
        vectors = l2_normalized_rows(vectors, source=source, names=names, first_row=first_position)
    return np.arange(first_position, first_position + len(vectors), dtype=np.int64), vectors


def _block_rows(block: tuple[np.ndarray, np.ndarray]) -> int:
    return len(block[0])


def load_npy_on_cluster(
    input_path: Path,
    *,
    datapool_path: Path | None,
    filenames_path: Path | None,
    normalize: bool,
    memory_budget: int,
) -> InputOnCluster:
    """Read ``input_path`` as :func:`embedscope.ingest.samples.load_inputs` does, the vectors in Ray tasks.

    The checks and errors are the local reader's (:func:`embedscope.io.npy_file.read_npy`, the datapool checks of
    :func:`~embedscope.ingest.samples.prepare_inputs`), raised on the driver as the local engine raises them.

    Memory on the driver: the names (O(N)), the datapool, one block header; never N × D.

    Raises:
        InputFileError: any problem of the file, the names or the datapool; fewer than 2 input samples.
    """
    import ray

    array = open_npy(input_path)
    n_rows, dim = (int(v) for v in array.shape)
    del array
    given = read_names(input_path, n_rows, filenames_path)
    names = given if given is not None else generated_names(n_rows)
    check_unique_names(input_path, names)
    datapool = read_embeddings(datapool_path) if datapool_path is not None else None
    kept_rows: np.ndarray | None = None
    removed: list[str] = []
    if datapool is not None:
        if datapool.dim != dim:
            raise InputFileError(
                datapool_path or Path("<datapool>"),
                f"embeddings have dimension {datapool.dim} but the input ({input_path}) has {dim}; "
                "both must come from the same model",
            )
        pool_names = set(datapool.names)
        keep = np.array([name not in pool_names for name in names], dtype=bool)
        if not keep.all():
            removed = [name for name, kept in zip(names, keep) if not kept]
            kept_rows = np.flatnonzero(keep)
            names = [names[int(i)] for i in kept_rows]
    if len(names) < MIN_INPUT_SAMPLES:
        raise InputFileError(
            input_path, f"has {len(names)} usable sample(s) (after removing datapool samples); at least 2 are needed"
        )
    if normalize and datapool is not None:
        datapool = l2_normalize(datapool)
    step = rows_per_block(dim, memory_budget=memory_budget)
    read = ray.remote(max_retries=TASK_RETRIES)(_read_block)
    refs, position = [], 0
    for start in range(0, n_rows, step):
        stop = min(n_rows, start + step)
        kept = None if kept_rows is None else kept_rows[(kept_rows >= start) & (kept_rows < stop)]
        count = stop - start if kept is None else len(kept)
        if count:
            refs.append(read.remote(str(input_path), start, stop, kept, position, names[position:position + count],
                                    normalize, None if given is None else given[start:stop]))
        position += count
    count_rows = ray.remote(max_retries=TASK_RETRIES)(_block_rows)
    get_unwrapped([count_rows.remote(ref) for ref in refs])  # a bad value fails here, with the local message
    table = EmbeddingTable(
        names=names, vectors=np.empty((0, dim), dtype=np.float32), source=input_path,
        labels=np.zeros(len(names), dtype=np.int64),
    )
    samples = LoadedInputs(input=table, datapool=datapool, removed_from_input=removed)
    return InputOnCluster(samples=samples, blocks=VectorBlocks.from_position_refs(refs, n_rows=len(names), dim=dim))

