"""Outlier score of every sample: the distance to its k-th nearest other sample.

The k-NN distance outlier of Ramaswamy, Rastogi and Shim (SIGMOD 2000,
https://doi.org/10.1145/335191.335437): a sample far from its k-th neighbour sits in an empty region.
k = OUTLIER_SCORE_K. Exact (faiss flat, in query blocks) up to EXACT_LIMIT samples; above, the IVF-Flat
index of :mod:`embedscope.neighbors.approximate`, whose missed neighbours can only raise a score.
"""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.approximate import build_ivf_index
from embedscope.neighbors.k_nearest import k_nearest_neighbors
from embedscope.select.strategies.typicality import _drop_self

OUTLIER_SCORE_K = 5
"""Neighbours: k = 5 ignores a sample's few own near-duplicates yet stays local (Ramaswamy et al. use 1-10)."""

EXACT_LIMIT = 20_000
"""Up to this many samples the exact k-NN search (O(n²·d)) takes a few seconds on 2 cores."""


def outlier_scores(embeddings: np.ndarray, *, k: int = OUTLIER_SCORE_K, seed: int = 0) -> np.ndarray:
    """(n,) float64 Euclidean distance of each sample to its k-th nearest other sample.

    Args:
        embeddings: (n, d) float32, n >= 2; k is capped at n - 1.
        seed: seeds the IVF k-means above EXACT_LIMIT.

    Cost: exact O(n²·d) up to EXACT_LIMIT, about O(8·n·√n·d) above; memory O(n·k), never n×n.
    """
    points = np.ascontiguousarray(embeddings, dtype=np.float32)
    k = min(k, points.shape[0] - 1)
    if points.shape[0] <= EXACT_LIMIT:
        distances, _ = k_nearest_neighbors(points, points, k=k, exclude_self=True)
        return distances[:, -1].astype(np.float64)
    index = build_ivf_index(points, seed=seed)
    squared, found = index.search(points, k + 1)
    kth = np.sqrt(np.maximum(_drop_self(squared, found, k)[:, -1], 0.0))
    missing = np.isnan(kth)
    if missing.any():  # the probed lists held fewer than k others: as far as anything seen
        kth[missing] = np.nanmax(kth) if (~missing).any() else 0.0
    return kth
