"""Exact query → set nearest-neighbour search that skips clusters the triangle inequality rules out.

The points are grouped by a coarse k-means (:mod:`embedscope.neighbors.partition`); every member p of
cluster c lies within ``outer[c]`` of its centroid m, so |q − p| ≥ |q − m| − outer[c] for any query q.
Queries are sorted by their nearest centroid and taken in blocks; a block visits the clusters in order of
that lower bound, and a cluster is skipped for the whole block once, for every query of the block, the
bound exceeds the best distance found so far by more than twice the float32 error window. Visited clusters
go through the same float32 tiles and (best, second, arg) state as the brute-force search
(:mod:`embedscope.neighbors.tile_min`), and the caller settles near-ties in float64 exactly as there. A
skipped point is farther than the best candidate by more than the window, so it could neither be the
nearest nor matter to the settling test: the result is the exact nearest neighbour, like brute force,
with a fraction of its products on clustered data.
"""

from __future__ import annotations

import math

import numpy as np

from embedscope.neighbors.block_search import n_workers, new_state, run_workers, settle_window
from embedscope.neighbors.partition import assign_to_centroids, cluster_ranges, coarse_partition
from embedscope.neighbors.tile_min import update_columns

CLUSTERS_PER_SQRT_POINT = 1.0
"""sqrt(n) clusters: the usual balance of per-cluster overhead and pruning resolution."""

QUERY_BLOCK = 512
"""Queries searched together: one GEMM operand; small enough that a block's queries share their clusters."""

FLOAT32_UNIT_ROUNDOFF = 2.0**-24

ROW_TILE = 2048
"""Candidate rows per product at most (a large cluster is taken in pieces)."""


def pruned_nearest_in_other_set(
    queries: np.ndarray, points: np.ndarray, *, seed: int = 0, query_self: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per query, the best candidate of ``points`` in float32 scores, skipping unreachable clusters.

    Args:
        queries: (m, d) float32 C-contiguous; points: (n, d) float32 C-contiguous, n >= 1.
        seed: seeds the k-means (affects speed only, never the result).
        query_self: (m,) int64 index of each query within ``points`` (a self search: that point is excluded),
            or None.

    Returns:
        (best, second, arg) as :func:`embedscope.neighbors.block_search.search_blocks`: (m,) float32 best
        score |p|² − 2q·p, (m,) float32 second score (exact when within :func:`settle_window` of best,
        else only known to exceed best + window), (m,) int64 index into ``points``.

    Cost: O(m·n·d) products at worst, a fraction of them on clustered data; memory: a cluster-ordered copy
    of ``points``, O(m) state, one QUERY_BLOCK × ROW_TILE tile per worker.
    """
    m, n = queries.shape[0], points.shape[0]
    partition = coarse_partition(points, n_clusters=max(1, round(CLUSTERS_PER_SQRT_POINT * math.sqrt(n))), seed=seed)
    start, stop = cluster_ranges(partition)
    outer = np.zeros(start.size)
    np.maximum.at(outer, partition.unit_cluster, partition.outer)
    ordered = np.ascontiguousarray(points[partition.order])
    sq = np.einsum("ij,ij->i", ordered, ordered)
    centroids = partition.centroids.astype(np.float32)
    centroid_norm = np.sqrt(np.einsum("ij,ij->i", partition.centroids, partition.centroids))
    window = settle_window(queries, points)
    d = points.shape[1]
    expansion = 2.0 * (d + 4) * FLOAT32_UNIT_ROUNDOFF
    query_order = np.argsort(assign_to_centroids(queries, centroids), kind="stable")
    blocks = [query_order[a : a + QUERY_BLOCK] for a in range(0, m, QUERY_BLOCK)]
    best_all, second_all, arg_all = new_state(m)
    own_all = np.full(m, -1, dtype=np.int64)
    if query_self is not None:
        rank = np.empty(n, dtype=np.int64)
        rank[partition.order] = np.arange(n)
        own_all = rank[np.asarray(query_self, dtype=np.int64)]

    def work(worker: int, workers: int) -> None:
        tile = np.empty((ROW_TILE, QUERY_BLOCK), dtype=np.float32)
        for rows in blocks[worker::workers]:
            block = np.ascontiguousarray(queries[rows])
            q_sq = np.einsum("ij,ij->i", block, block).astype(np.float64)
            q_norm = np.sqrt(q_sq)
            dist_sq = q_sq[:, None] + centroid_norm[None, :] ** 2 - 2.0 * (block @ centroids.T)
            dist_sq -= expansion * (q_norm[:, None] + centroid_norm[None, :]) ** 2
            lower = np.maximum(np.sqrt(np.maximum(dist_sq, 0.0)) - outer[None, :], 0.0)
            lower_sq = lower * lower
            best, second, arg = new_state(rows.size)
            own = own_all[rows]
            for c in np.argsort(lower_sq.min(axis=0), kind="stable"):
                reach = best.astype(np.float64) + q_sq + 2.0 * window
                if np.all(lower_sq[:, c] > reach):
                    continue
                for b in range(int(start[c]), int(stop[c]), ROW_TILE):
                    e = min(int(stop[c]), b + ROW_TILE)
                    out = tile[: e - b, : rows.size]
                    np.matmul(ordered[b:e], block.T, out=out)
                    update_columns(out, sq[b:e], b, best, second, arg, 0, own)
            best_all[rows], second_all[rows], arg_all[rows] = best, second, partition.order[arg]

    run_workers(work, min(n_workers(), len(blocks)))
    return best_all, second_all, arg_all
