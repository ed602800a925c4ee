"""Exact nearest-neighbour search in blocks: no N×N matrix is ever held in memory.

Tiles of dot products come from float32 BLAS; :mod:`embedscope.neighbors.tile_min` keeps each query's best
candidate in the same pass. The expansion |x|²+|y|²-2x·y loses precision in float32, so a query is settled
in float32 only when its best candidate beats every other by more than twice the worst-case rounding error
(then it is provably the exact nearest); the few others are searched again in float64. Every returned
distance is recomputed in float64 from the difference vector, so it matches float64 brute force to ~1e-15.
Searching a set against itself uses symmetry: each pair of points is scored once, for both of them.
"""

from __future__ import annotations

import logging

import numpy as np

from embedscope.neighbors import block_search
from embedscope.neighbors.block_search import n_workers, new_state, run_workers, search_blocks, settle_window
from embedscope.neighbors.pruned_search import pruned_nearest_in_other_set
from embedscope.neighbors.result import NearestNeighbors
from embedscope.neighbors.tile_min import merge_states, update_columns, update_rows

logger = logging.getLogger(__name__)

METHOD = "exact"

DEFAULT_MEMORY_BUDGET_BYTES = 128 * 2**20
"""Working memory for the float64 re-search of unsettled queries (its blocks of distances)."""

QUERIES_PER_TASK = 4096
"""Queries per task of a query → set search: enough tasks to keep every core busy to the end."""

PRUNED_MIN_POINTS = 20_000
"""From this many searched points on, query → set search skips clusters that the triangle inequality rules
out (:mod:`embedscope.neighbors.pruned_search`); below, its k-means costs more than it saves."""

SELF_PRUNED_MIN_POINTS = 50_000
"""From this many points on, a self search goes through the same cluster pruning instead of the symmetric tiles
(which score each pair once): at 60k × 768 it took 0.50× the tiles' time (0.33× faiss ``search(X, 2)``), at
100k × 32 0.70×, but at 40k × 768 1.12× and at 20k × 768 1.29× (measured 2026-12-02, loaded machine, same
process)."""

PRUNED_COPY_BYTES = 1 * 2**30
"""A self search is pruned only while its cluster-ordered copy of the points stays under this (1 GiB: 350k × 768
float32); above, the symmetric tiles read the points in place (a run searches itself exactly up to 100k points)."""


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
        memory_budget_bytes: working memory for float64 blocks of distances.

    Returns:
        NearestNeighbors with (m,) float64 distances and int64 indices into ``points``. Among identical
        neighbour vectors the lowest index is returned.

    Cost: O(n²·d/2) float32 operations (each pair once; O(m·n·d) with query_indices); from
    SELF_PRUNED_MIN_POINTS points on, the cluster pruning of :mod:`embedscope.neighbors.pruned_search` (each
    pair scored from both sides, but clusters that cannot hold a point's nearest neighbour skipped; same result).
    Memory O(n·d + threads·TILE² + budget), plus a cluster-ordered copy of the points when pruned.
    """
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 2:
        raise ValueError(f"points must have shape (n >= 2, d), got {points.shape}")
    points32 = np.ascontiguousarray(points, dtype=np.float32)
    if query_indices is None and _prunable(points32):
        own = np.arange(points.shape[0], dtype=np.int64)
        best, second, arg = pruned_nearest_in_other_set(points32, points32, query_self=own)
    elif query_indices is None:
        own = np.arange(points.shape[0], dtype=np.int64)
        best, second, arg = _self_tiles(points32)
    else:
        own = np.asarray(query_indices, dtype=np.int64)
        best, second, arg = _all_pairs(points32[own], points32, own)
    arg = settle_nearest(points[own], points, (best, second, arg), window=settle_window(points32, points32),
                         self_indices=own, memory_budget_bytes=memory_budget_bytes)
    return _result(points[own], points, arg)


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
        memory_budget_bytes: working memory for float64 blocks of distances.

    Returns:
        NearestNeighbors with (m,) float64 distances and int64 indices into ``points``. Among identical
        neighbour vectors the lowest index is returned.

    Cost: O(m·n·d) float32 operations at worst; from PRUNED_MIN_POINTS points on, clusters of points that
    cannot hold a query's nearest neighbour are skipped (a fraction of that on clustered data; the result is
    the same). Memory O((m + n)·d + threads·TILE² + budget).
    """
    queries = np.asarray(queries)
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 1:
        raise ValueError(f"points must have shape (n >= 1, d), got {points.shape}")
    if queries.ndim != 2 or queries.shape[1] != points.shape[1]:
        raise ValueError(f"queries must have shape (m, {points.shape[1]}), got {queries.shape}")
    if queries.shape[0] == 0:
        return _result(queries, points, np.zeros(0, dtype=np.int64))
    queries32 = np.ascontiguousarray(queries, dtype=np.float32)
    points32 = np.ascontiguousarray(points, dtype=np.float32)
    if points.shape[0] >= PRUNED_MIN_POINTS:
        best, second, arg = pruned_nearest_in_other_set(queries32, points32)
    else:
        best, second, arg = _all_pairs(queries32, points32, np.full(queries.shape[0], -1, dtype=np.int64))
    arg = settle_nearest(queries, points, (best, second, arg), window=settle_window(queries32, points32),
                         memory_budget_bytes=memory_budget_bytes)
    return _result(queries, points, arg)


def settle_nearest(
    queries: np.ndarray,
    points: np.ndarray,
    state: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    window: float,
    self_indices: np.ndarray | None = None,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
) -> np.ndarray:
    """(m,) int64 exact nearest point of each query from a float32 search's (best, second, arg) state.

    A query whose second-best score exceeds its best by more than ``window`` (:func:`settle_window`, or wider
    where the float32 operands were themselves rounded) keeps its float32 answer; the others are searched again
    in float64 (``self_indices[i]``, when given, is query i's own index in ``points``, excluded).
    """
    best, second, arg = state
    unsettled = np.flatnonzero(~(second > best + window))
    if unsettled.size:
        logger.debug("exact search: %d of %d queries re-searched in float64", unsettled.size, len(best))
        own = None if self_indices is None else self_indices[unsettled]
        arg[unsettled] = _float64_argmin(queries[unsettled], points, own, memory_budget_bytes)
    return arg


DISTANCE_BLOCK_VALUES = 2**21
"""Coordinates per block when recomputing distances in float64 (16 MiB per float64 array): at 1M × 768 the
unblocked differences took two 6 GB arrays."""


def exact_distances_to(queries: np.ndarray, points: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(m,) float64 distances |queries[i] - points[indices[i]]|, computed from the difference vectors in
    float64 (accurate also for tiny distances, unlike the |x|²+|y|²-2x·y expansion).

    Memory: blocks of DISTANCE_BLOCK_VALUES coordinates (queries may be memory-mapped); each distance is the
    same float64 number at any block size."""
    m = len(indices)
    out = np.empty(m, dtype=np.float64)
    rows = max(1, DISTANCE_BLOCK_VALUES // max(1, queries.shape[1]))
    for start in range(0, m, rows):
        stop = min(m, start + rows)
        diff = np.asarray(queries[start:stop], dtype=np.float64) - np.asarray(points[indices[start:stop]], dtype=np.float64)
        out[start:stop] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def _result(queries: np.ndarray, points: np.ndarray, indices: np.ndarray) -> NearestNeighbors:
    return NearestNeighbors(
        distances=exact_distances_to(queries, points, indices),
        indices=indices,
        method=METHOD,
        recall=None,
        recall_sample_size=None,
    )


def _prunable(points: np.ndarray) -> bool:
    """Whether a self search goes through the cluster pruning: enough points, and a cluster-ordered copy
    within PRUNED_COPY_BYTES."""
    return SELF_PRUNED_MIN_POINTS <= points.shape[0] and points.nbytes <= PRUNED_COPY_BYTES


def _all_pairs(queries: np.ndarray, points: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every query against every point (``own[i]`` excluded), in tasks of QUERIES_PER_TASK queries."""
    return search_blocks(queries, points, all_pairs_tasks(queries.shape[0], points.shape[0]), own)


def all_pairs_tasks(m: int, n: int) -> list[block_search.Task]:
    """Tasks of QUERIES_PER_TASK queries, each against all n points."""
    return [(a, min(m, a + QUERIES_PER_TASK), [(0, n)]) for a in range(0, m, QUERIES_PER_TASK)]


def _self_tiles(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score every pair (i < j) once in float32 tiles, for both points; per point (best, second, arg).

    Workers take tile pairs round-robin with private states, merged at the end (each pair is scored by
    exactly one worker, so the states cover disjoint candidates).
    """
    n = points.shape[0]
    tile_size = block_search.TILE
    sq = np.einsum("ij,ij->i", points, points)
    own = np.arange(n, dtype=np.int64)
    window = settle_window(points, points)
    starts = list(range(0, n, tile_size))
    pairs = [(a, b) for ia, a in enumerate(starts) for b in starts[ia:]]

    def work(worker: int, workers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        best, second, arg = new_state(n)
        tile = np.empty((tile_size, tile_size), dtype=np.float32)
        for a, b in pairs[worker::workers]:
            rows, cols = points[a : a + tile_size], points[b : b + tile_size]
            out = tile[: rows.shape[0], : cols.shape[0]]
            np.matmul(rows, cols.T, out=out)
            update_columns(out, sq[a : a + tile_size], a, best, second, arg, b, own)
            if a != b:
                update_rows(out, sq[b : b + tile_size], b, best, second, arg, a, window)
        return best, second, arg

    states = run_workers(work, min(n_workers(), len(pairs)))
    best, second, arg = states[0]
    for other in states[1:]:
        merge_states(best, second, arg, *other)
    return best, second, arg


def _float64_argmin(
    queries: np.ndarray,
    points: np.ndarray,
    self_indices: np.ndarray | None,
    memory_budget_bytes: int,
) -> np.ndarray:
    """(m,) int64 index of the nearest point for each query by float64 blocked matrix products.

    ``self_indices[i]``, when given, is the index of query i within ``points``; it is excluded.
    In float64 the expansion |y|² - 2x·y has error ~1e-15, far below the 1e-5 distance tolerance.
    Among exactly equal scores the lowest index wins. Memory: one float64 block of points and one of scores,
    each within ``memory_budget_bytes``.
    """
    m, n = queries.shape[0], points.shape[0]
    block_q = max(1, min(m, 4096))
    block_p = max(1, min(n, memory_budget_bytes // (8 * max(block_q, points.shape[1]))))
    best_value = np.full(m, np.inf)
    best_index = np.zeros(m, dtype=np.int64)
    for p0 in range(0, n, block_p):  # points converted one block at a time: no float64 copy of the whole set
        p1 = min(n, p0 + block_p)
        points64 = np.asarray(points[p0:p1], dtype=np.float64)
        sq_norms = np.einsum("ij,ij->i", points64, points64)
        for q0 in range(0, m, block_q):
            q1 = min(m, q0 + block_q)
            q64 = np.asarray(queries[q0:q1], dtype=np.float64)
            rows = np.arange(q1 - q0)
            scores = sq_norms - 2.0 * (q64 @ points64.T)
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
