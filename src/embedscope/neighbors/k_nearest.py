"""Exact k-nearest-neighbour search (k > 1) in query blocks, for graphs (UMAP) and densities (typicality)."""

from __future__ import annotations

import faiss
import numpy as np

QUERY_BLOCK_BYTES = 256 * 2**20  # distance rows faiss holds per block: block × n_points × 4 bytes


def k_nearest_neighbors(
    queries: np.ndarray, points: np.ndarray, *, k: int, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest ``points`` of every query, nearest first.

    Args:
        queries: (m, d) float32.
        points: (n, d) float32.
        k: neighbours per query; at most n (n - 1 with ``exclude_self``).
        exclude_self: ``queries`` are ``points`` (same rows): drop each query's own index.

    Returns:
        (distances (m, k) float32 Euclidean, indices (m, k) int64).

    Memory: O(block × n) with block = QUERY_BLOCK_BYTES / (4 n); never m × n.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    points = np.ascontiguousarray(points, dtype=np.float32)
    n_points = points.shape[0]
    available = n_points - 1 if exclude_self else n_points
    if not 1 <= k <= available:
        raise ValueError(f"k must be in [1, {available}], got {k}")
    index = faiss.IndexFlatL2(points.shape[1])
    index.add(points)
    search_k = k + 1 if exclude_self else k
    block = max(1, QUERY_BLOCK_BYTES // (4 * max(n_points, 1)))
    distances = np.empty((queries.shape[0], k), dtype=np.float32)
    indices = np.empty((queries.shape[0], k), dtype=np.int64)
    for start in range(0, queries.shape[0], block):
        stop = min(start + block, queries.shape[0])
        squared, found = index.search(queries[start:stop], search_k)
        if exclude_self:
            squared, found = drop_own_index(squared, found, np.arange(start, stop), k)
        distances[start:stop] = np.sqrt(np.maximum(squared, 0.0))
        indices[start:stop] = found
    return distances, indices


def drop_own_index(
    squared: np.ndarray, found: np.ndarray, own: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index (or its last column when a duplicate pushed it out of the k + 1)."""
    is_own = found == own[:, None]
    missing = ~is_own.any(axis=1)
    is_own[missing, -1] = True
    keep = ~is_own
    return squared[keep].reshape(-1, k), found[keep].reshape(-1, k)
