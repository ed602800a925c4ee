"""Coverage on Ray: every input sample's distance to its nearest centre, as a map over the blocks with the
centres broadcast through the object store."""

from __future__ import annotations

import numpy as np

from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.neighbors.result import NearestNeighbors

TASK_RETRIES = 3


METHOD = "exact (ray map)"


def _block_cover(block: tuple[np.ndarray, np.ndarray], centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    positions, vectors = block
    found = exact_nearest_in_other_set(vectors, centres)
    return positions, found.distances, found.indices


def cover_distances(blocks: VectorBlocks, centres: np.ndarray) -> np.ndarray:
    """(n,) float64 distances of :func:`cover_nearest`."""
    return cover_nearest(blocks, centres).distances


def cover_nearest(blocks: VectorBlocks, centres: np.ndarray) -> NearestNeighbors:
    """Exact distance of every row of ``blocks`` to its nearest row of ``centres``.

    Args:
        blocks: the (n, d) input in the object store.
        centres: (c, d) float32, c ≥ 1 (the selection ∪ datapool).

    Returns:
        (n,) float64 distances and (n,) int64 centre indices in row order (the only O(n) results on the driver;
        never n × d), method :data:`METHOD`.

    Cost: O(n·c·d) over the cluster; a task holds one block plus the centres.
    """
    import ray

    centres_ref = ray.put(np.ascontiguousarray(centres, dtype=np.float32))
    cover = ray.remote(max_retries=TASK_RETRIES)(_block_cover)
    out = np.empty(blocks.n_rows, dtype=np.float64)
    nearest = np.empty(blocks.n_rows, dtype=np.int64)
    for positions, distances, indices in ray.get([cover.remote(ref, centres_ref) for ref in blocks.refs]):
        out[positions], nearest[positions] = distances, indices
    return NearestNeighbors(distances=out, indices=nearest, method=METHOD, recall=None, recall_sample_size=None)

