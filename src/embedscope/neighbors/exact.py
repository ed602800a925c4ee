"""Exact nearest-neighbour search in blocks: no N×N matrix is ever held in memory."""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.result import NearestNeighbors

DEFAULT_MEMORY_BUDGET_BYTES = 128 * 2**20
"""Working memory for one block of distances; large enough for efficient matrix products."""

METHOD = "exact"


def exact_nearest_in_set(
    points: np.ndarray,
    *,
    query_indices: np.ndarray | None = None,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
) -> NearestNeighbors:
    """For each point, the nearest *other* point of the same set (excluded by index, so a duplicate
    vector at another index counts, at distance 0).

    Args:
        points: (n, d) float32 or float64, n >= 2.
        query_indices: (m,) int, optional: only these points are queries (each still excludes itself).
        memory_budget_bytes: working memory for one block of distances.

    Returns:
        NearestNeighbors with (m,) float64 distances and int64 indices into ``points``.

    Cost: O(m·n·d) time, O(memory_budget_bytes + (n + m)·d) memory.
    """
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 2:
        raise ValueError(f"points must have shape (n >= 2, d), got {points.shape}")
    queries_idx = (
        np.arange(points.shape[0], dtype=np.int64)
        if query_indices is None
        else np.asarray(query_indices, dtype=np.int64)
    )
    indices = _blocked_argmin(points[queries_idx], points, queries_idx, memory_budget_bytes)
    return _result(points[queries_idx], points, indices)


def exact_nearest_in_other_set(
    queries: np.ndarray,
    points: np.ndarray,
    *,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
) -> NearestNeighbors:
    """For each query, the nearest point of ``points``.

    Args:
        queries: (m, d) float32 or float64.
        points: (n, d) float32 or float64, n >= 1.
        memory_budget_bytes: working memory for one block of distances.

    Returns:
        NearestNeighbors with (m,) float64 distances and int64 indices into ``points``.

    Cost: O(m·n·d) time, O(memory_budget_bytes + (n + m)·d) memory.
    """
    queries = np.asarray(queries)
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 1:
        raise ValueError(f"points must have shape (n >= 1, d), got {points.shape}")
    if queries.ndim != 2 or queries.shape[1] != points.shape[1]:
        raise ValueError(f"queries must have shape (m, {points.shape[1]}), got {queries.shape}")
    indices = _blocked_argmin(queries, points, None, memory_budget_bytes)
    return _result(queries, points, indices)


def exact_distances_to(queries: np.ndarray, points: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(m,) float64 distances |queries[i] - points[indices[i]]|, computed from the difference vectors in
    float64 (accurate also for tiny distances, unlike the |x|²+|y|²-2x·y expansion)."""
    diff = np.asarray(queries, dtype=np.float64) - np.asarray(points[indices], dtype=np.float64)
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def _result(queries: np.ndarray, points: np.ndarray, indices: np.ndarray) -> NearestNeighbors:
    return NearestNeighbors(
        distances=exact_distances_to(queries, points, indices),
        indices=indices,
        method=METHOD,
        recall=None,
        recall_sample_size=None,
    )


def _blocked_argmin(
    queries: np.ndarray,
    points: np.ndarray,
    self_indices: np.ndarray | None,
    memory_budget_bytes: int,
) -> np.ndarray:
    """(m,) int64 index of the nearest point for each query by float64 blocked matrix products.

    ``self_indices[i]``, when given, is the index of query i within ``points``; it is excluded.
    In float64 the expansion |y|² - 2x·y has error ~1e-15, far below the 1e-5 distance tolerance.
    """
    m, n = queries.shape[0], points.shape[0]
    points64 = np.asarray(points, dtype=np.float64)
    sq_norms = np.einsum("ij,ij->i", points64, points64)
    block_q = max(1, min(m, 4096))
    block_p = max(1, min(n, memory_budget_bytes // (8 * block_q)))
    best_value = np.full(m, np.inf)
    best_index = np.zeros(m, dtype=np.int64)
    for q0 in range(0, m, block_q):
        q1 = min(m, q0 + block_q)
        q64 = np.asarray(queries[q0:q1], dtype=np.float64)
        rows = np.arange(q1 - q0)
        for p0 in range(0, n, block_p):
            p1 = min(n, p0 + block_p)
            scores = sq_norms[p0:p1] - 2.0 * (q64 @ points64[p0:p1].T)
            if self_indices is not None:
                own = self_indices[q0:q1] - p0
                inside = (own >= 0) & (own < p1 - p0)
                scores[rows[inside], own[inside]] = np.inf
            local = np.argmin(scores, axis=1)
            value = scores[rows, local]
            better = value < best_value[q0:q1]
            best_value[q0:q1][better] = value[better]
            best_index[q0:q1][better] = local[better] + p0
    return best_index
