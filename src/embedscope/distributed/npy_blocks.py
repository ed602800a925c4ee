"""A ``.npy`` INPUT above ``--memory-budget``, left on the cluster: Ray tasks read it in row blocks
(memory-mapped on the worker) and check them as the local reader does; :func:`~embedscope.distributed.cluster_input.input_on_cluster`
then takes the datapool names out and L2-normalises the blocks as the local engine does. The driver reads the
header, the names and the datapool only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.distributed.cluster_input import (
    TASK_RETRIES,
    InputOnCluster,
    SourceBlock,
    input_on_cluster,
    rows_per_block,
    wait_for_blocks,
)
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE
from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.npy_file import checked_float32, generated_names, open_npy, read_names
from embedscope.io.validation import check_unique_names

__all__ = ["InputOnCluster", "load_npy_on_cluster", "npy_matrix_bytes"]


def npy_matrix_bytes(path: Path) -> int | None:
    """N × D × 4 of a ``.npy`` file from its header (None: not a readable 2-D numeric ``.npy``, left to the reader
    to report)."""
    try:
        array = open_npy(path)
    except InputFileError:
        return None
    return int(array.shape[0]) * int(array.shape[1]) * BYTES_PER_VALUE


def _read_rows(path: str, start: int, stop: int, names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """One source block: file rows start..stop, checked, as float32. ``names``: of those rows when ``--filenames``
    gave them (the message of a bad value names the sample, as the local reader's does), else None."""
    source = Path(path)
    vectors = np.array(checked_float32(source, open_npy(source)[start:stop], first_row=start, names=names),
                       dtype=np.float32)
    return np.arange(start, stop, dtype=np.int64), vectors


def load_npy_on_cluster(
    input_path: Path,
    *,
    datapool_path: Path | None,
    filenames_path: Path | None,
    normalize: bool,
    memory_budget: int,
) -> InputOnCluster:
    """Read ``input_path`` as :func:`embedscope.ingest.samples.load_inputs` does, the vectors in Ray tasks.

    The checks and errors are the local reader's (:func:`embedscope.io.npy_file.read_npy`: values, then names;
    then the datapool checks of :func:`~embedscope.ingest.samples.prepare_inputs`), raised on the driver as the
    local engine raises them.

    Memory on the driver: the names (O(N)), the datapool, one block header; never N × D.

    Raises:
        InputFileError: any problem of the file, the names or the datapool; fewer than 2 input samples.
    """
    import ray

    array = open_npy(input_path)
    n_rows, dim = (int(v) for v in array.shape)
    del array
    given = read_names(input_path, n_rows, filenames_path)
    step = rows_per_block(dim, memory_budget=memory_budget)
    read = ray.remote(max_retries=TASK_RETRIES)(_read_rows)
    sources = []
    for start in range(0, n_rows, step):
        stop = min(n_rows, start + step)
        ref = read.remote(str(input_path), start, stop, None if given is None else given[start:stop])
        sources.append(SourceBlock(ref, start, stop))
    wait_for_blocks([source.ref for source in sources])  # a bad value fails here, with the local message
    names = given if given is not None else generated_names(n_rows)
    check_unique_names(input_path, names)
    table = EmbeddingTable(names=names, vectors=np.empty((0, dim), dtype=np.float32), source=input_path,
                           labels=np.zeros(n_rows, dtype=np.int64))
    return input_on_cluster(table, sources, datapool_path=datapool_path, normalize=normalize)
