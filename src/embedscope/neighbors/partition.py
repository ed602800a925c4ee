"""A coarse k-means partition of a point set with exact cluster radii, for triangle-inequality pruning.

Only the radii must be right (they are computed exactly, in float64, after the assignment); the quality of
the clustering affects speed, never results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_PER_CLUSTER = 32
"""k-means is fitted on this many sampled points per cluster: centroids need only be roughly right."""

LLOYD_ITERATIONS = 6
"""Lloyd iterations on the sample; more barely changes the radii that decide pruning."""

ASSIGN_BLOCK_ROWS = 16_384
"""Rows assigned per matrix product: a (rows × clusters) float32 block of a few tens of MiB."""

RADIUS_SLACK = 1e-12
"""Relative inflation of each radius, covering float64 rounding in the radius and centre distances."""


@dataclass(frozen=True)
class Partition:
    """Points grouped into clusters, members of a cluster in increasing index order.

    Attributes:
        order: (n,) int64 point indices grouped by cluster; cluster c is ``order[starts[c]:starts[c+1]]``.
        starts: (n_clusters + 1,) int64 boundaries in ``order``.
        centroids: (n_clusters, d) float64.
        radii: (n_clusters,) float64, ≥ the largest distance of a member to its centroid.
    """

    order: np.ndarray
    starts: np.ndarray
    centroids: np.ndarray
    radii: np.ndarray


def coarse_partition(points: np.ndarray, *, n_clusters: int, seed: int = 0) -> Partition:
    """Partition ``points`` (n, d) float32 into at most ``n_clusters`` non-empty clusters by k-means.

    Cost: O(n·n_clusters·d) time (one assignment pass plus Lloyd on a sample), O(n) extra memory.
    """
    n = points.shape[0]
    n_clusters = max(1, min(n_clusters, n))
    rng = np.random.default_rng(seed)
    sample = points[np.sort(rng.choice(n, size=min(n, SAMPLE_PER_CLUSTER * n_clusters), replace=False))]
    centroids = sample[rng.choice(sample.shape[0], size=n_clusters, replace=False)].astype(np.float32)
    for _ in range(LLOYD_ITERATIONS):
        labels = _assign(sample, centroids)
        sums = np.zeros(centroids.shape, dtype=np.float64)
        np.add.at(sums, labels, sample)
        counts = np.bincount(labels, minlength=n_clusters)
        filled = counts > 0
        centroids[filled] = (sums[filled] / counts[filled, None]).astype(np.float32)
    labels = _assign(points, centroids)
    used = np.unique(labels)
    relabel = np.full(n_clusters, -1, dtype=np.int64)
    relabel[used] = np.arange(used.size)
    labels = relabel[labels]
    order = np.argsort(labels, kind="stable").astype(np.int64)
    counts = np.bincount(labels, minlength=used.size)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    centroids64 = centroids[used].astype(np.float64)
    radii = np.zeros(used.size)
    for r0 in range(0, n, ASSIGN_BLOCK_ROWS):
        rows = slice(r0, min(n, r0 + ASSIGN_BLOCK_ROWS))
        diff = points[rows].astype(np.float64) - centroids64[labels[rows]]
        np.maximum.at(radii, labels[rows], np.sqrt(np.einsum("ij,ij->i", diff, diff)))
    return Partition(order=order, starts=starts, centroids=centroids64, radii=radii * (1 + RADIUS_SLACK))


def _assign(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(n,) int64 nearest centroid (float32 expansion: approximate, which only affects speed)."""
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    labels = np.empty(points.shape[0], dtype=np.int64)
    for r0 in range(0, points.shape[0], ASSIGN_BLOCK_ROWS):
        block = points[r0 : r0 + ASSIGN_BLOCK_ROWS]
        labels[r0 : r0 + block.shape[0]] = np.argmin(c_sq - 2.0 * (block @ centroids.T), axis=1)
    return labels
