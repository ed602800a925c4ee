"""k nearest candidates of every point by an inverted file whose lists are scored with matrix products.

An IVF index (Jégou, Douze, Schmid, "Product quantization for nearest neighbor search", TPAMI 2011,
https://doi.org/10.1109/TPAMI.2010.57) files the points under their nearest of ~sqrt(n) k-means centroids
and scans, for each query, the lists of its ``n_probe`` nearest centroids. faiss's ``IndexIVFFlat`` scans one
query at a time (SIMD distance loops, ~5 GFLOP/s on this machine's 2 cores). Here the loop is turned around:
for each list, every query that probes it is gathered and scored against the list's points with one float32
matrix product (BLAS, ~10× the rate), and each query's running top-k is merged in. The candidates are the
ones a per-query scan with the same lists and probes finds (float32 near-ties may go either way).

Used for the self search of the input's diversity at high dimensions (the PCA space of
:mod:`embedscope.neighbors.projected_search`), where it replaces faiss's scan.
"""

from __future__ import annotations

import math

import faiss
import numba
import numpy as np

TRAINING_POINTS_PER_LIST = 64
"""k-means sample per list: centroids need only be roughly right (they decide recall and speed, not results)."""

K_MEANS_ITERATIONS = 10

QUERY_CHUNK = 8_192
"""Queries scored against a list per product: a (chunk × list size) float32 block, ~32 MiB at 1M points."""


def ivf_k_nearest_candidates(
    points: np.ndarray, k: int, *, n_probe: int, seed: int = 0, lists_per_sqrt_point: float = 1.0
) -> np.ndarray:
    """For each point, its ``k`` nearest *other* points among those filed under its ``n_probe`` nearest lists.

    Args:
        points: (n, d) float32 C-contiguous, n ≥ 2.
        k: candidates per point, 1 ≤ k.
        n_probe: lists scanned per point (clipped to the number of lists).
        seed: seeds the k-means sample and its initialisation.
        lists_per_sqrt_point: round(lists_per_sqrt_point · sqrt(n)) lists.

    Returns:
        (n, k) int64 indices, nearest first in float32 |x − q|² (ties: the point met first); -1 where fewer
        than k other points were scanned.

    Cost: O(n·n_lists·d) for the probes, O(n·n_probe·(n / n_lists)·d) multiply-adds in products;
    memory: (n, n_probe) int64 probes and pairs, the (n, k) top-k (12 bytes per entry), one chunk block.

    Raises:
        ValueError: a non-2-D array, fewer than 2 points, or k < 1.
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[0] < 2 or k < 1:
        raise ValueError(f"points must have shape (n >= 2, d) and k >= 1, got {points.shape} and k={k}")
    n = points.shape[0]
    n_lists = max(1, min(n // 4, round(lists_per_sqrt_point * math.sqrt(n))))
    centroids = _train_centroids(points, n_lists, seed)
    n_probe = min(n_probe, n_lists)
    probes = _nearest_centroids(centroids, points, n_probe)

    home = probes[:, 0]
    members = np.argsort(home, kind="stable")
    member_start = np.concatenate([[0], np.cumsum(np.bincount(home, minlength=n_lists))])
    pair_list = probes.ravel()
    del probes
    pair_order = np.argsort(pair_list, kind="stable")
    query_of_pair = (pair_order // n_probe).astype(np.int64)
    pair_start = np.concatenate([[0], np.cumsum(np.bincount(pair_list, minlength=n_lists))])
    del pair_list, pair_order

    top_score = np.full((n, k), np.inf, dtype=np.float32)
    top_index = np.full((n, k), -1, dtype=np.int64)
    for lst in range(n_lists):
        ids = members[member_start[lst] : member_start[lst + 1]]
        if ids.size == 0:
            continue
        listed = points[ids]
        listed_sq = np.einsum("ij,ij->i", listed, listed)
        listed_t = np.ascontiguousarray(listed.T)
        queries = query_of_pair[pair_start[lst] : pair_start[lst + 1]]
        for a in range(0, queries.size, QUERY_CHUNK):
            chunk = queries[a : a + QUERY_CHUNK]
            scores = points[chunk] @ listed_t
            scores *= -2.0
            scores += listed_sq
            _merge_top_k(scores, ids, chunk, top_score, top_index)
    return top_index


def _train_centroids(points: np.ndarray, n_lists: int, seed: int) -> np.ndarray:
    n, d = points.shape
    rng = np.random.default_rng(seed)
    sample = points[np.sort(rng.choice(n, size=min(n, TRAINING_POINTS_PER_LIST * n_lists), replace=False))]
    kmeans = faiss.Kmeans(d, n_lists, niter=K_MEANS_ITERATIONS, seed=seed, max_points_per_centroid=TRAINING_POINTS_PER_LIST)
    kmeans.train(np.ascontiguousarray(sample))
    return kmeans.centroids


def _nearest_centroids(centroids: np.ndarray, points: np.ndarray, n_probe: int) -> np.ndarray:
    index = faiss.IndexFlatL2(centroids.shape[1])
    index.add(centroids)
    _, probes = index.search(points, n_probe)
    return probes.astype(np.int64)


@numba.njit(cache=True, nogil=True, parallel=True)
def _merge_top_k(scores, ids, queries, top_score, top_index):  # pragma: no cover - numba
    """Insert ``scores[r, c]`` (|x|² − 2q·x of list point ``ids[c]``) into query ``queries[r]``'s sorted top-k.

    Rows are distinct queries, so the parallel rows never share a top-k row.
    """
    k = top_score.shape[1]
    for r in numba.prange(scores.shape[0]):
        q = queries[r]
        worst = top_score[q, k - 1]
        for c in range(scores.shape[1]):
            s = scores[r, c]
            if s < worst and ids[c] != q:
                pos = k - 1
                while pos > 0 and top_score[q, pos - 1] > s:
                    top_score[q, pos] = top_score[q, pos - 1]
                    top_index[q, pos] = top_index[q, pos - 1]
                    pos -= 1
                top_score[q, pos] = s
                top_index[q, pos] = ids[c]
                worst = top_score[q, k - 1]
