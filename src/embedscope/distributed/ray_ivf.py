"""Each input row's nearest other row with the input on the cluster: exact block pairs up to the local engine's
exact limit (:data:`embedscope.neighbors.search.EXACT_LIMIT`) or with ``--exact``; above it an inverted file
built from Ray tasks, with recall@1 measured on a seeded sample against exact search, as the local engine
measures its approximate searches (:mod:`embedscope.neighbors.approximate`).

The inverted file: k-means centroids (~√n, faiss) trained on a seeded sample gathered on the driver; a map
files every row under its nearest centroid and lists its :data:`N_PROBE` nearest centroids; the centroids are
dealt to G groups, and each block sends every group the rows filed there and the rows probing it; one task per
group searches each probed cluster exactly (float32 faiss, the winner's distance recomputed in float64). The
driver keeps the best per row. A row whose true nearest neighbour lies in an unprobed cluster gets a farther
one: that is what the measured recall counts.
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

from embedscope.analyze.sets import random_subset
from embedscope.distributed.block_maps import TASK_RETRIES, rows_at
from embedscope.distributed.block_pairs import exact_nearest_in_set_on_blocks
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import VectorBlocks, driver_sample_rows
from embedscope.neighbors.approximate import RECALL_SAMPLE_SIZE, with_measured_recall
from embedscope.neighbors.result import NearestNeighbors
from embedscope.neighbors.search import EXACT_LIMIT

METHOD = "ivf (ray tasks)"
N_PROBE = 8
"""Clusters searched per row (its own and the 7 next nearest centroids)."""
TRAINING_POINTS_PER_CENTROID = 40
"""k-means training rows per centroid (faiss warns below 39)."""
K_MEANS_ITERATIONS = 10
RECALL_BLOCK_ROWS = 4_096
"""Block rows compared in float64 with the recall sample at a time (4096 × 1000 float64: 31 MiB)."""


def input_nearest_on_blocks(blocks: VectorBlocks, *, exact: bool, seed: int, memory_budget: int) -> NearestNeighbors:
    """For each input row, its nearest other row: exact (Ray block pairs) up to EXACT_LIMIT rows or with ``exact``,
    else approximate (:data:`METHOD`) with its recall@1 on RECALL_SAMPLE_SIZE seeded rows.

    Memory on the driver: the k-means sample (bounded by the budget), the centroids, (n,) results; never n × d.
    """
    if exact or blocks.n_rows <= EXACT_LIMIT:
        return exact_nearest_in_set_on_blocks(blocks)
    distances, indices = _ivf_search(blocks, seed=seed, memory_budget=memory_budget)
    sample = random_subset(blocks.n_rows, min(RECALL_SAMPLE_SIZE, blocks.n_rows), seed=seed)
    exact_distances = _exact_for_sample(blocks, sample)
    return with_measured_recall(distances, indices, exact_distances, sample, method=METHOD)


def _split(
    block: tuple[np.ndarray, np.ndarray], centroids: np.ndarray, n_probe: int, groups: int
) -> tuple[Any, ...]:
    """Per group: (member positions, member vectors, their clusters, query positions, query vectors, the query
    probes in this group (others -1)). A row's own cluster is its nearest centroid, its first probe."""
    positions, vectors = block
    index = faiss.IndexFlatL2(centroids.shape[1])
    index.add(centroids)
    probes = index.search(np.ascontiguousarray(vectors, dtype=np.float32), n_probe)[1].astype(np.int64)
    group_of = probes % groups
    out = []
    for g in range(groups):
        members = group_of[:, 0] == g
        asking = (group_of == g).any(axis=1)
        probe = np.where(group_of[asking] == g, probes[asking], -1)
        out.append((positions[members], vectors[members], probes[members, 0], positions[asking], vectors[asking], probe))
    return tuple(out)


def _search_group(parts: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import ray

    pieces = [ray.get(ref) for ref in parts]
    member_positions = np.concatenate([p[0] for p in pieces])
    members = np.concatenate([p[1] for p in pieces])
    clusters = np.concatenate([p[2] for p in pieces])
    query_positions = np.concatenate([p[3] for p in pieces])
    queries = np.concatenate([p[4] for p in pieces])
    probes = np.concatenate([p[5] for p in pieces])
    best = np.full(len(queries), np.inf)
    best_position = np.full(len(queries), -1, dtype=np.int64)
    for cluster in np.unique(clusters):
        in_cluster = np.flatnonzero(clusters == cluster)
        asking = np.flatnonzero((probes == cluster).any(axis=1))
        if asking.size == 0:
            continue
        k = min(2, in_cluster.size)
        index = faiss.IndexFlatL2(members.shape[1])
        index.add(np.ascontiguousarray(members[in_cluster], dtype=np.float32))
        _, found = index.search(np.ascontiguousarray(queries[asking], dtype=np.float32), k)
        found_positions = np.where(found >= 0, member_positions[in_cluster][np.maximum(found, 0)], -1)
        own = found_positions[:, 0] == query_positions[asking]
        choice = np.where(own & (k > 1), found[:, min(1, k - 1)], found[:, 0])
        valid = (choice >= 0) & ~(own & (k == 1))
        rows, chosen = asking[valid], in_cluster[choice[valid]]
        distance = np.linalg.norm(members[chosen].astype(np.float64) - queries[rows].astype(np.float64), axis=1)
        chosen_positions = member_positions[chosen]
        better = (distance < best[rows]) | ((distance == best[rows]) & (chosen_positions < best_position[rows]))
        best[rows[better]], best_position[rows[better]] = distance[better], chosen_positions[better]
    return query_positions, best, best_position


def _ivf_search(blocks: VectorBlocks, *, seed: int, memory_budget: int) -> tuple[np.ndarray, np.ndarray]:
    import ray

    n, dim = blocks.n_rows, blocks.dim
    n_clusters = max(1, round(math.sqrt(n)))
    train_rows = driver_sample_rows(TRAINING_POINTS_PER_CENTROID * n_clusters, dim=dim, memory_budget=memory_budget)
    n_clusters = max(1, min(n_clusters, train_rows // TRAINING_POINTS_PER_CENTROID))
    sample = rows_at(blocks, random_subset(n, min(n, train_rows), seed=seed))
    kmeans = faiss.Kmeans(dim, n_clusters, niter=K_MEANS_ITERATIONS, seed=seed, verbose=False)
    kmeans.train(np.ascontiguousarray(sample, dtype=np.float32))
    centroids = np.asarray(kmeans.centroids, dtype=np.float32)
    del sample
    n_probe = min(N_PROBE, n_clusters)
    groups = max(2, len(blocks.refs))
    split = ray.remote(max_retries=TASK_RETRIES, num_returns=groups)(_split)
    centroids_ref = ray.put(centroids)
    parts: list[list[Any]] = [[] for _ in range(groups)]
    for ref in blocks.refs:
        per_group: list[Any] = split.remote(ref, centroids_ref, n_probe, groups)  # type: ignore[assignment]
        for g, part in enumerate(per_group):  # num_returns=groups: one reference per group
            parts[g].append(part)
    search = ray.remote(max_retries=TASK_RETRIES)(_search_group)
    best = np.full(n, np.inf)
    best_position = np.full(n, -1, dtype=np.int64)
    pending = [search.remote(group) for group in parts]
    for ref in pending:  # one group's results on the driver at a time (a row is a query of up to N_PROBE groups)
        positions, distance, found = get_unwrapped([ref])[0]
        better = (distance < best[positions]) | ((distance == best[positions]) & (found < best_position[positions]))
        best[positions[better]], best_position[positions[better]] = distance[better], found[better]
        del positions, distance, found
    return best, best_position


def _exact_rows(block: tuple[np.ndarray, np.ndarray], queries: np.ndarray, query_positions: np.ndarray) -> np.ndarray:
    positions, vectors = block
    best = np.full(len(queries), np.inf)
    query_sq = np.einsum("ij,ij->i", queries, queries)
    for start in range(0, len(vectors), RECALL_BLOCK_ROWS):
        part = vectors[start:start + RECALL_BLOCK_ROWS].astype(np.float64)
        squared = query_sq[:, None] + np.einsum("ij,ij->i", part, part)[None, :] - 2.0 * (queries @ part.T)
        squared[query_positions[:, None] == positions[None, start:start + RECALL_BLOCK_ROWS]] = np.inf
        nearest = np.argmin(squared, axis=1)
        distance = np.linalg.norm(part[nearest] - queries, axis=1)
        distance[np.isinf(squared[np.arange(len(queries)), nearest])] = np.inf  # only the query itself here
        best = np.minimum(best, distance)
    return best


def _exact_for_sample(blocks: VectorBlocks, sample: np.ndarray) -> np.ndarray:
    """(len(sample),) float64 exact distance of each sampled row to its nearest other row (float64 brute force
    over every block; the winner's distance from its difference vector)."""
    import ray

    queries = rows_at(blocks, sample).astype(np.float64)
    task = ray.remote(max_retries=TASK_RETRIES)(_exact_rows)
    queries_ref, positions_ref = ray.put(queries), ray.put(np.asarray(sample, dtype=np.int64))
    best = np.full(len(sample), np.inf)
    for distances in get_unwrapped([task.remote(ref, queries_ref, positions_ref) for ref in blocks.refs]):
        best = np.minimum(best, distances)
    return best
