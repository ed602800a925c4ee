"""Approximate nearest-neighbour search with a faiss inverted-file index (IVF-Flat), and its recall.

This is the one module of the package that talks to faiss. IVF-Flat is used rather than HNSW because
its result is deterministic on any number of threads (an HNSW graph built in parallel depends on thread
timing). Distances to the returned neighbours are recomputed in float64 from the difference vectors, so
a returned distance is exact for the neighbour that was found; only the neighbour may be wrong.
"""

from __future__ import annotations

import logging
import math

import faiss
import numpy as np

from embedscope.neighbors.exact import (
    exact_distances_to,
    exact_nearest_in_other_set,
    exact_nearest_in_set,
)
from embedscope.neighbors.result import NearestNeighbors

logger = logging.getLogger(__name__)

METHOD = "ivf"

RECALL_SAMPLE_SIZE = 1000
"""Queries checked against exact search: recall@1 to about ±1.5 % (binomial s.e. at recall 0.95)."""

RECALL_TOLERANCE = 1e-6
"""A returned distance this close to the exact nearest distance counts as a hit (ties at other indices)."""

LISTS_PER_SQRT_POINT = 1.0
"""nlist = sqrt(n): the classic IVF balance between scanning centroids and scanning list members."""

N_PROBE = 8
"""Lists scanned per query; recall@1 is measured and reported, not assumed."""

TRAINING_POINTS_PER_LIST = 64
"""k-means training sample size per list; more only refines centroids of an index whose recall is measured."""

K_MEANS_ITERATIONS = 10
"""Lloyd iterations when training the coarse quantizer; centroids only decide which lists are scanned."""


def approximate_nearest_in_set(points: np.ndarray, *, seed: int = 0) -> NearestNeighbors:
    """For each point, an approximate nearest *other* point of the same set, with measured recall@1.

    Args:
        points: (n, d) float32, n >= 2.
        seed: seeds k-means training and the recall sample.

    Returns:
        NearestNeighbors (distances (n,) float64, indices (n,) int64), method ``"ivf"``, recall measured
        on min(n, RECALL_SAMPLE_SIZE) queries against exact search.

    Cost: index of n·d float32 plus O(n) results; search O(n·N_PROBE·n/nlist·d).
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    n = points.shape[0]
    index = _build_index(points, seed=seed)
    _, found = index.search(points, 2)
    own = np.arange(n, dtype=np.int64)
    first_is_self = found[:, 0] == own
    indices = np.where(first_is_self, found[:, 1], found[:, 0]).astype(np.int64)
    indices = _fill_missing(indices, own)
    distances = exact_distances_to(points, points, indices)

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, RECALL_SAMPLE_SIZE), replace=False))
    truth = exact_nearest_in_set(points, query_indices=sample)
    return _with_recall(distances, indices, truth.distances, sample)


def approximate_nearest_in_other_set(
    queries: np.ndarray, points: np.ndarray, *, seed: int = 0
) -> NearestNeighbors:
    """For each query, an approximate nearest point of ``points``, with measured recall@1.

    Args:
        queries: (m, d) float32.
        points: (n, d) float32, n >= 1.
        seed: seeds k-means training and the recall sample.

    Returns:
        NearestNeighbors (distances (m,) float64, indices (m,) int64), method ``"ivf"``, recall measured
        on min(m, RECALL_SAMPLE_SIZE) queries against exact search.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    points = np.ascontiguousarray(points, dtype=np.float32)
    m = queries.shape[0]
    index = _build_index(points, seed=seed)
    _, found = index.search(queries, 1)
    indices = _fill_missing(found[:, 0].astype(np.int64), np.full(m, -1, dtype=np.int64))
    distances = exact_distances_to(queries, points, indices)

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(m, size=min(m, RECALL_SAMPLE_SIZE), replace=False))
    truth = exact_nearest_in_other_set(queries[sample], points)
    return _with_recall(distances, indices, truth.distances, sample)


def _build_index(points: np.ndarray, *, seed: int) -> faiss.IndexIVFFlat:
    n, d = points.shape
    n_lists = max(1, min(n, round(LISTS_PER_SQRT_POINT * math.sqrt(n))))
    quantizer = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quantizer, d, n_lists, faiss.METRIC_L2)
    index.cp.seed = seed
    index.cp.niter = K_MEANS_ITERATIONS
    index.cp.max_points_per_centroid = TRAINING_POINTS_PER_LIST
    rng = np.random.default_rng(seed)
    n_train = min(n, TRAINING_POINTS_PER_LIST * n_lists)
    train = points[np.sort(rng.choice(n, size=n_train, replace=False))]
    index.train(train)
    index.add(points)
    index.nprobe = min(N_PROBE, n_lists)
    logger.debug("IVF-Flat index: %d points, %d lists, nprobe %d", n, n_lists, index.nprobe)
    return index


def _fill_missing(indices: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Replace faiss's -1 (fewer candidates than asked for in the probed lists) by any other index."""
    missing = indices < 0
    if missing.any():
        indices = indices.copy()
        indices[missing] = np.where(own[missing] == 0, 1, 0)
    return indices


def _with_recall(
    distances: np.ndarray, indices: np.ndarray, exact_distances: np.ndarray, sample: np.ndarray
) -> NearestNeighbors:
    hits = np.abs(distances[sample] - exact_distances) <= RECALL_TOLERANCE
    recall = float(hits.mean())
    logger.info("approximate nearest neighbours: recall@1 %.4f on %d sampled queries", recall, sample.size)
    return NearestNeighbors(
        distances=distances,
        indices=indices,
        method=METHOD,
        recall=recall,
        recall_sample_size=int(sample.size),
    )
