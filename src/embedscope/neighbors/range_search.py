"""All pairs of points closer than a threshold, in blocks, exact by Voronoi pruning.

Points are grouped by the coarse k-means of :mod:`embedscope.neighbors.partition`. A point y filed under
cluster B is (up to the float32 rounding ε of the assignment) nearer to B's centroid than to any other
centroid, so it lies in the half-space {z : |z - c_B|² - |z - c_A|² ≤ ε}. For a query x of cluster A the
distance to that half-space, (|x - c_B|² - |x - c_A|² - ε) / (2 |c_B - c_A|), is a lower bound on |x - y|
for every member y of B. A query is therefore compared with its own cluster and with the clusters whose
bound is within the threshold only — for a small threshold a handful per query, and the result is exact.

When the bound leaves more work than WORK_BUDGET_PAIRS (a large threshold above the exact limit) each query
keeps only its MAX_PROBES most promising clusters; the result is then approximate and its recall is
measured against brute force on a seeded sample of queries.

Tiles of dot products come from float32 BLAS (threads of :mod:`embedscope.neighbors.block_search`); pairs
within the float32 error window of the threshold are kept as candidates and every kept distance is
recomputed in float64 from the difference vectors, so a returned pair is closer than the threshold exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from embedscope.neighbors.block_search import FLOAT32_UNIT_ROUNDOFF, TILE, n_workers, run_workers
from embedscope.neighbors.partition import assign_to_centroids, cluster_ranges, coarse_partition
from embedscope.neighbors.search import EXACT_LIMIT  # up to this many points no cluster is ever dropped

WORK_BUDGET_PAIRS = 30_000_000_000
"""Above EXACT_LIMIT, at most this many point pairs are compared (~2 minutes on 2 cores) before the
search limits each query to MAX_PROBES clusters and becomes approximate."""

MAX_PROBES = 8
"""Clusters (besides its own) a query keeps when the work budget is exceeded: those with the smallest bound."""

RECALL_SAMPLE_SIZE = 1000
"""Queries whose pairs are checked against brute force when the search is approximate."""

RECALL_BLOCK_ROWS = 16
"""Sampled queries per brute-force block: a (16 × n) float64 score block, 128 MiB at n = 1M."""

CLUSTERS_PER_SQRT_POINT = 1.0
"""k-means clusters per √n: more clusters mean fewer pairs inside each, but more query-to-centroid bounds."""

RADIUS_SLACK = 1e-6
"""Relative widening of a cluster's radius in the cluster-level skip test (float rounding of the radius)."""


@dataclass(frozen=True)
class RangePairs:
    """Pairs closer than a threshold.

    Attributes:
        first, second: (m,) int64 indices; for a self search first < second, for a cross search
            first indexes the queries and second the points. Sorted by (first, second).
        distances: (m,) float64 Euclidean distances, all < threshold.
        method: ``"exact"`` or ``"approximate"``.
        recall: fraction of the true pairs of a sample of queries that were found (measured when the
            search is approximate; None when exact, where the Voronoi bound proves it is 1).
        recall_sample_size: number of sampled queries (None when not measured).
    """

    first: np.ndarray
    second: np.ndarray
    distances: np.ndarray
    method: str
    recall: float | None
    recall_sample_size: int | None


def pairs_within(points: np.ndarray, *, threshold: float, exact: bool = False, seed: int = 0) -> RangePairs:
    """Every pair (i < j) of ``points`` with |points[i] - points[j]| < ``threshold``.

    Args:
        points: (n, d) float32 or float64.
        threshold: Euclidean distance, >= 0.
        exact: never drop clusters, whatever the work.
        seed: seeds the k-means and the recall sample.

    Returns:
        RangePairs; recall is measured when the search had to become approximate.

    Cost: O(Σ compared pairs · d) float32 operations; memory O(n·d + pairs + workers·TILE²), never n×n.
    """
    return _search(points, None, threshold=threshold, exact=exact, seed=seed)


def pairs_across(
    queries: np.ndarray, points: np.ndarray, *, threshold: float, exact: bool = False, seed: int = 0
) -> RangePairs:
    """Every (query i, point j) with |queries[i] - points[j]| < ``threshold``.

    Args:
        queries: (m, d); points: (n, d), float32 or float64, same d.
        threshold, exact, seed: as in :func:`pairs_within`.

    Cost: as :func:`pairs_within`; memory O((m + n)·d + pairs).
    """
    return _search(points, queries, threshold=threshold, exact=exact, seed=seed)


def _search(points: np.ndarray, queries: np.ndarray | None, *, threshold: float, exact: bool, seed: int) -> RangePairs:
    if not (math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold}")
    points32 = np.ascontiguousarray(points, dtype=np.float32)
    queries32 = points32 if queries is None else np.ascontiguousarray(queries, dtype=np.float32)
    n = points32.shape[0]
    if n == 0 or queries32.shape[0] == 0 or threshold == 0:
        return _empty("exact")
    partition = coarse_partition(points32, n_clusters=max(1, round(CLUSTERS_PER_SQRT_POINT * math.sqrt(n))), seed=seed)
    start, stop = cluster_ranges(partition)
    own_cluster = np.empty(n, dtype=np.int64)
    for c in range(start.size):
        own_cluster[partition.order[start[c] : stop[c]]] = c
    self_search = queries is None
    query_cluster = own_cluster if self_search else assign_to_centroids(queries32, partition.centroids)
    sizes = stop - start
    cand_query, cand_cluster, bound = _candidates(
        queries32, query_cluster, partition.centroids, threshold, self_search, _epsilon(queries32, points32)
    )
    work = int(sizes[cand_cluster].sum()) + (
        int((sizes.astype(np.float64) ** 2).sum() / 2) if self_search else int(sizes[query_cluster].sum())
    )
    method = "exact"
    if not exact and n > EXACT_LIMIT and work > WORK_BUDGET_PAIRS:
        keep = _best_probes(cand_query, bound)
        cand_query, cand_cluster, method = cand_query[keep], cand_cluster[keep], "approximate"
    if not self_search:  # a query's own (nearest-centroid) cluster is always searched
        cand_query = np.concatenate([cand_query, np.arange(queries32.shape[0])])
        cand_cluster = np.concatenate([cand_cluster, query_cluster])
    limit = _float32_limit(threshold, queries32, points32)
    tasks = _tasks(cand_query, cand_cluster, start, stop, self_search)
    first, second = _run_tasks(tasks, queries32, points32, partition.order, limit)
    result = _finish(queries32, points32, first, second, threshold, self_search, method)
    if method == "approximate":
        recall, size = measured_recall(result, queries32, points32, threshold, self_search, seed)
        return RangePairs(result.first, result.second, result.distances, method, recall, size)
    return result


def _epsilon(queries: np.ndarray, points: np.ndarray) -> float:
    """A bound on the float32 error of a difference of two squared point-to-centroid distances, doubled."""
    largest = max(_largest_magnitude(queries), _largest_magnitude(points))  # no |x| temporary (3 GB at 1M × 768)
    scale = largest**2 * queries.shape[1]
    return 16.0 * (queries.shape[1] + 4) * FLOAT32_UNIT_ROUNDOFF * scale


def _largest_magnitude(values: np.ndarray) -> float:
    if values.size == 0:
        return 0.0
    return float(max(values.max(), -values.min(), 0.0))


def _candidates(
    queries: np.ndarray, query_cluster: np.ndarray, centroids: np.ndarray, threshold: float, self_search: bool,
    epsilon: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, cluster, bound) for every other cluster whose Voronoi bound is within ``threshold``
    (self search: only clusters after the query's own, so that each pair of clusters is visited once).

    Queries are taken cluster by cluster. A whole cluster B is skipped for the queries of A when even the
    query of A nearest to the bisector of (c_A, c_B) is too far: |c_A - c_B| / 2 - r_A > threshold, with r_A
    the largest distance of those queries to c_A (the bound is a distance to that bisector).
    """
    c32 = centroids.astype(np.float32)
    c_sq = np.einsum("ij,ij->i", c32, c32)
    between = np.stack([np.linalg.norm(centroids - centroid, axis=1) for centroid in centroids])
    order = np.argsort(query_cluster, kind="stable")
    edges = np.searchsorted(query_cluster[order], np.arange(centroids.shape[0] + 1), side="left")
    found_q, found_c, found_b = [], [], []
    for a in range(centroids.shape[0]):
        rows = order[edges[a] : edges[a + 1]]
        if rows.size == 0:
            continue
        block = queries[rows]
        radius = float(np.sqrt(np.max(np.sum((block.astype(np.float64) - centroids[a]) ** 2, axis=1))))
        near = between[a] / 2.0 - radius * (1.0 + RADIUS_SLACK) <= threshold
        near[: a + 1 if self_search else 0] = False
        near[a] = False
        columns = np.flatnonzero(near)
        if columns.size == 0:
            continue
        own = c_sq[a] - 2.0 * (block @ c32[a]) + np.float32(epsilon)
        gap = (c_sq[columns][None, :] - 2.0 * (block @ c32[columns].T)) - own[:, None]
        hit_row, hit_col = np.nonzero(gap <= (2.0 * threshold) * between[a, columns][None, :])
        found_q.append(rows[hit_row])
        found_c.append(columns[hit_col])
        found_b.append(gap[hit_row, hit_col] / (2.0 * between[a, columns[hit_col]]))
    if not found_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return (
        np.concatenate(found_q).astype(np.int64),
        np.concatenate(found_c).astype(np.int64),
        np.concatenate(found_b).astype(np.float64),
    )


def _best_probes(cand_query: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Indices of each query's MAX_PROBES candidates with the smallest bound."""
    order = np.lexsort((bound, cand_query))
    sorted_query = cand_query[order]
    first_of_query = np.searchsorted(sorted_query, sorted_query, side="left")
    rank = np.arange(order.size) - first_of_query
    return np.sort(order[rank < MAX_PROBES])


def _float32_limit(threshold: float, queries: np.ndarray, points: np.ndarray) -> float:
    """The float32 squared-distance cut that keeps every pair truly under ``threshold`` (widened by the
    worst rounding of |q|² + |p|² - 2 q·p)."""
    q_max = float(np.sqrt(np.max(np.einsum("ij,ij->i", queries, queries, dtype=np.float64))))
    p_max = float(np.sqrt(np.max(np.einsum("ij,ij->i", points, points, dtype=np.float64))))
    window = 4.0 * (points.shape[1] + 4) * FLOAT32_UNIT_ROUNDOFF * (q_max + p_max) ** 2
    return threshold * threshold + window


QUERY_CHUNK = 8_192
"""Queries gathered at a time by a task (24 MiB at 768-d)."""

Task = tuple[np.ndarray, int, int, bool]
"""(query rows, cluster start, cluster stop in the ordered points, triangle: same rows as the cluster)."""


def _tasks(
    cand_query: np.ndarray, cand_cluster: np.ndarray, start: np.ndarray, stop: np.ndarray, self_search: bool
) -> list[Task]:
    order = np.lexsort((cand_query, cand_cluster))
    cluster_sorted = cand_cluster[order]
    tasks: list[Task] = []
    bounds = np.searchsorted(cluster_sorted, np.arange(start.size + 1), side="left")
    for c in range(start.size):
        rows = cand_query[order[bounds[c] : bounds[c + 1]]]
        if rows.size:
            tasks.append((rows, int(start[c]), int(stop[c]), False))
        if self_search and stop[c] - start[c] > 1:
            tasks.append((np.empty(0, dtype=np.int64), int(start[c]), int(stop[c]), True))
    return tasks


def _run_tasks(
    tasks: list[Task], queries: np.ndarray, points: np.ndarray, order: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (query, point) pairs under ``limit`` (float32 squared distance), from all tasks, on all cores.

    Each task gathers its cluster's points (``points[order[start:stop]]``) and its queries in chunks of
    QUERY_CHUNK rows, so no cluster-ordered copy of the whole set exists: memory per worker is one cluster
    and one chunk of queries (each cluster is gathered by at most two tasks).
    """
    weights = [(rows.size or (stop - start)) * (stop - start) for rows, start, stop, _ in tasks]
    by_weight = list(np.argsort(weights)[::-1])

    def work(worker: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
        tile = np.empty((TILE, TILE), dtype=np.float32)
        out_first = np.empty(2 * TILE * TILE, dtype=np.int64)
        out_second = np.empty(2 * TILE * TILE, dtype=np.int64)
        kept_first, kept_second, count = [], [], 0
        for t in by_weight[worker::workers]:
            rows, start, stop, triangle = tasks[t]
            members = order[start:stop]
            cluster = points[members]
            cluster_sq = np.einsum("ij,ij->i", cluster, cluster)
            chunks = [(cluster, members)] if triangle else [
                (queries[rows[c : c + QUERY_CHUNK]], rows[c : c + QUERY_CHUNK]) for c in range(0, rows.size, QUERY_CHUNK)
            ]
            for query_block, query_ids in chunks:
                query_sq = np.einsum("ij,ij->i", query_block, query_block)
                for a in range(0, query_block.shape[0], TILE):
                    qa = query_block[a : a + TILE]
                    for b in range(a if triangle else 0, stop - start, TILE):
                        pb = cluster[b : b + TILE]
                        out = tile[: qa.shape[0], : pb.shape[0]]
                        np.matmul(qa, pb.T, out=out)
                        if count + out.size > out_first.size:
                            kept_first.append(out_first[:count].copy())
                            kept_second.append(out_second[:count].copy())
                            count = 0
                        count = _collect(
                            out, query_sq[a : a + qa.shape[0]], cluster_sq[b : b + pb.shape[0]], limit,
                            query_ids[a : a + qa.shape[0]], members[b : b + pb.shape[0]],
                            a - b if triangle else -(1 << 62), out_first, out_second, count,
                        )
        kept_first.append(out_first[:count].copy())
        kept_second.append(out_second[:count].copy())
        return np.concatenate(kept_first), np.concatenate(kept_second)

    results = run_workers(work, min(n_workers(), max(1, len(tasks))))
    return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])


@numba.njit(cache=True, nogil=True)
def _collect(
    tile: np.ndarray, row_sq: np.ndarray, col_sq: np.ndarray, limit: float, row_ids: np.ndarray,
    col_ids: np.ndarray, diagonal: int, out_first: np.ndarray, out_second: np.ndarray, count: int,
) -> int:
    """Append (row id, column id) of each tile entry with |r|² + |c|² - 2 r·c <= limit; with a triangle
    tile (``diagonal`` = row position - column position of entry (0, 0)) only entries above the diagonal."""
    for i in range(tile.shape[0]):
        for j in range(tile.shape[1]):
            if i + diagonal >= j:
                continue
            value = row_sq[i] + col_sq[j] - 2.0 * tile[i, j]
            if value <= limit:
                out_first[count] = row_ids[i]
                out_second[count] = col_ids[j]
                count += 1
    return count


def _finish(
    queries: np.ndarray, points: np.ndarray, first: np.ndarray, second: np.ndarray, threshold: float,
    self_search: bool, method: str,
) -> RangePairs:
    if self_search:
        first, second = np.minimum(first, second), np.maximum(first, second)
    diff = queries[first].astype(np.float64) - points[second].astype(np.float64)
    distances = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    keep = distances < threshold
    first, second, distances = first[keep], second[keep], distances[keep]
    order = np.lexsort((second, first))
    return RangePairs(first[order], second[order], distances[order], method, None, None)


def measured_recall(
    result: RangePairs, queries: np.ndarray, points: np.ndarray, threshold: float, self_search: bool, seed: int
) -> tuple[float, int]:
    """Fraction of the true pairs of RECALL_SAMPLE_SIZE sampled queries (float64 brute force) that were found."""
    m = queries.shape[0]
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(m, size=min(m, RECALL_SAMPLE_SIZE), replace=False))
    n = points.shape[0]
    points64_sq = np.einsum("ij,ij->i", points, points, dtype=np.float64)
    limit = _float32_limit(threshold, queries, points)
    true_keys = []
    for s0 in range(0, sample.size, RECALL_BLOCK_ROWS):
        rows = sample[s0 : s0 + RECALL_BLOCK_ROWS]
        block = queries[rows]
        scores = np.einsum("ij,ij->i", block, block, dtype=np.float64)[:, None] + points64_sq[None, :] - 2.0 * (
            block @ points.T
        )
        r, p = np.nonzero(scores <= limit)
        q = rows[r]
        if self_search:
            keep = q != p
            q, p = q[keep], p[keep]
        diff = queries[q].astype(np.float64) - points[p].astype(np.float64)
        close = np.sqrt(np.einsum("ij,ij->i", diff, diff)) < threshold
        q, p = q[close], p[close]
        if self_search:
            q, p = np.minimum(q, p), np.maximum(q, p)
        true_keys.append(q.astype(np.int64) * n + p)
    truth = np.unique(np.concatenate(true_keys))
    if truth.size == 0:
        return 1.0, int(sample.size)
    found = result.first * n + result.second
    return float(np.isin(truth, found).mean()), int(sample.size)


def _empty(method: str) -> RangePairs:
    empty = np.zeros(0, dtype=np.int64)
    return RangePairs(empty, empty.copy(), np.zeros(0), method, None, None)
