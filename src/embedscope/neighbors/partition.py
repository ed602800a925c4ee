"""A coarse k-means partition of a point set into shells with exact radii, for triangle-inequality pruning.

Each k-means cluster is cut into shells by distance to its centroid, so that every shell (a *unit*) holds
points whose distance r to the centroid lies in a known interval [inner, outer]. For any point c at distance
D from the centroid, every member p of the unit then satisfies |p - c| ≥ max(D - outer, inner - D).
Only the radii must be right (computed exactly, in float64, after the assignment); the clustering's quality
affects speed, never results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

SAMPLE_PER_CLUSTER = 32
"""k-means is fitted on this many sampled points per cluster: centroids need only be roughly right."""

LLOYD_ITERATIONS = 5
"""Lloyd iterations on the sample; more barely changes the radii that decide pruning."""

SHELLS_PER_CLUSTER = 8
"""Shells per cluster: outliers get their own shell instead of loosening the bound of the whole cluster."""

ASSIGN_BLOCK_ROWS = 16_384
"""Rows assigned per matrix product: a (rows × clusters) float32 block of a few MiB."""

RADIUS_SLACK = 1e-12
"""Relative widening of each shell's radius interval, covering float64 rounding of the radii."""


@dataclass(frozen=True)
class Partition:
    """Points grouped into units (shells of clusters); members of a unit in increasing index order.

    Attributes:
        order: (n,) int64 point indices grouped by unit; unit u is ``order[starts[u]:starts[u+1]]``.
        starts: (n_units + 1,) int64 boundaries in ``order``.
        unit_cluster: (n_units,) int64 cluster of each unit.
        centroids: (n_clusters, d) float64.
        inner: (n_units,) float64, ≤ the smallest distance of a member to its cluster's centroid.
        outer: (n_units,) float64, ≥ the largest distance of a member to its cluster's centroid.
    """

    order: np.ndarray
    starts: np.ndarray
    unit_cluster: np.ndarray
    centroids: np.ndarray
    inner: np.ndarray
    outer: np.ndarray


def coarse_partition(points: np.ndarray, *, n_clusters: int, seed: int = 0) -> Partition:
    """Partition ``points`` (n, d) float32 into shells of at most ``n_clusters`` k-means clusters.

    Cost: O(n·n_clusters·d) time (one assignment pass plus Lloyd on a sample), O(n) extra memory.
    """
    n = points.shape[0]
    n_clusters = max(1, min(n_clusters, n))
    rng = np.random.default_rng(seed)
    sample = points[np.sort(rng.choice(n, size=min(n, SAMPLE_PER_CLUSTER * n_clusters), replace=False))]
    centroids = sample[rng.choice(sample.shape[0], size=n_clusters, replace=False)].astype(np.float32)
    for _ in range(LLOYD_ITERATIONS):
        labels = assign_to_centroids(sample, centroids)
        counts = np.bincount(labels, minlength=n_clusters)
        filled = counts > 0
        for k in range(points.shape[1]):
            sums = np.bincount(labels, weights=sample[:, k], minlength=n_clusters)
            centroids[filled, k] = sums[filled] / counts[filled]
    labels = assign_to_centroids(points, centroids)
    used = np.unique(labels)
    relabel = np.full(n_clusters, -1, dtype=np.int64)
    relabel[used] = np.arange(used.size)
    labels = relabel[labels]
    centroids64 = centroids[used].astype(np.float64)
    radius = _distances_to_assigned(np.asarray(points).view(np.ndarray), centroids64, labels)

    by_cluster_radius = np.lexsort((radius, labels))
    counts = np.bincount(labels, minlength=used.size)
    cluster_start = np.concatenate([[0], np.cumsum(counts)])
    rank = np.arange(n) - np.repeat(cluster_start[:-1], counts)
    shells = np.minimum(counts, SHELLS_PER_CLUSTER)
    shell = (rank * np.repeat(shells, counts)) // np.repeat(counts, counts)
    unit_offset = np.concatenate([[0], np.cumsum(shells)])
    unit_of_sorted = np.repeat(unit_offset[:-1], counts) + shell
    unit = np.empty(n, dtype=np.int64)
    unit[by_cluster_radius] = unit_of_sorted
    order = np.argsort(unit, kind="stable").astype(np.int64)
    n_units = int(unit_offset[-1])
    starts = np.concatenate([[0], np.cumsum(np.bincount(unit, minlength=n_units))]).astype(np.int64)
    inner = np.full(n_units, np.inf)
    outer = np.zeros(n_units)
    np.minimum.at(inner, unit, radius)
    np.maximum.at(outer, unit, radius)
    unit_cluster = np.repeat(np.arange(used.size), shells).astype(np.int64)
    return Partition(
        order=order,
        starts=starts,
        unit_cluster=unit_cluster,
        centroids=centroids64,
        inner=inner * (1 - RADIUS_SLACK),
        outer=outer * (1 + RADIUS_SLACK),
    )


@numba.njit(cache=True, nogil=True, parallel=True)
def _distances_to_assigned(points: np.ndarray, centroids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(n,) float64 |points[i] − centroids[labels[i]]|, summed in float64 (no float64 copy of the points)."""
    out = np.empty(points.shape[0])
    for i in numba.prange(points.shape[0]):
        centre = centroids[labels[i]]
        s = 0.0
        for k in range(points.shape[1]):
            diff = np.float64(points[i, k]) - centre[k]
            s += diff * diff
        out[i] = np.sqrt(s)
    return out


def cluster_ranges(partition: Partition) -> tuple[np.ndarray, np.ndarray]:
    """(start, stop) in ``partition.order`` of each cluster: its units are consecutive. (n_clusters,) int64 each."""
    clusters = np.arange(partition.centroids.shape[0])
    first_unit = np.searchsorted(partition.unit_cluster, clusters, side="left")
    stop_unit = np.searchsorted(partition.unit_cluster, clusters, side="right")
    return partition.starts[first_unit], partition.starts[stop_unit]


def assign_to_centroids(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(n,) int64 index of the nearest of ``centroids`` (k, d) for each of ``points`` (n, d).

    Float32 expansion |c|² - 2p·c: near-ties may go either way, which here only affects speed or recall.
    """
    centroids = np.asarray(centroids, dtype=np.float32)
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    centroids_t = np.ascontiguousarray(centroids.T)
    labels = np.empty(points.shape[0], dtype=np.int64)
    for r0 in range(0, points.shape[0], ASSIGN_BLOCK_ROWS):
        block = points[r0 : r0 + ASSIGN_BLOCK_ROWS]
        scores = block @ centroids_t
        scores *= -2.0
        scores += c_sq
        labels[r0 : r0 + block.shape[0]] = np.argmin(scores, axis=1)
    return labels
