"""Coverage on Ray: every input sample's distance to its nearest centre, as a map over the blocks with the
centres broadcast through the object store."""

from __future__ import annotations

import numpy as np

from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.neighbors.exact import exact_nearest_in_other_set

TASK_RETRIES = 3


def _block_cover(block: tuple[np.ndarray, np.ndarray], centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    positions, vectors = block
    return positions, exact_nearest_in_other_set(vectors, centres).distances


def cover_distances(blocks: VectorBlocks, centres: np.ndarray) -> np.ndarray:
    """Exact distance of every row of ``blocks`` to its nearest row of ``centres``.

    Args:
        blocks: the (n, d) input in the object store.
        centres: (c, d) float32, c ≥ 1 (the selection ∪ datapool).

    Returns:
        (n,) float64 distances in row order (the only O(n) result on the driver; never n × d).

    Cost: O(n·c·d) over the cluster; a task holds one block plus the centres.
    """
    import ray

    centres_ref = ray.put(np.ascontiguousarray(centres, dtype=np.float32))
    cover = ray.remote(max_retries=TASK_RETRIES)(_block_cover)
    out = np.empty(blocks.n_rows, dtype=np.float64)
    for positions, distances in ray.get([cover.remote(ref, centres_ref) for ref in blocks.refs]):
        out[positions] = distances
    return out


def rows_at(blocks: VectorBlocks, positions: np.ndarray) -> np.ndarray:
    """(len(positions), d) float32 rows of ``blocks`` at ``positions`` (the selected samples), fetched block
    by block without gathering the matrix."""
    import ray

    wanted = np.asarray(positions, dtype=np.int64)
    sorter = np.argsort(wanted, kind="stable")
    sorted_wanted = wanted[sorter]
    out = np.empty((len(wanted), blocks.dim), dtype=np.float32)
    for ref in blocks.refs:
        block_positions, vectors = ray.get(ref)
        slot = np.minimum(np.searchsorted(sorted_wanted, block_positions), len(wanted) - 1)
        hit = sorted_wanted[slot] == block_positions
        out[sorter[slot[hit]]] = vectors[hit]
    return out
