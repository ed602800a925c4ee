"""Running nearest-centre distances, updated only in clusters a new centre can reach.

For a cluster with centroid m and radius ρ, every member p satisfies |p - c| ≥ |c - m| - ρ (triangle
inequality). When that bound, shrunk by the worst float32 rounding of the fixed arithmetic in
:mod:`embedscope.neighbors.running_min`, is not below the cluster's largest running minimum, no member's
value can change, and the cluster is skipped. Updated clusters use that same arithmetic, so the values are
bit-identical to a full scan.
"""

from __future__ import annotations

import numba
import numpy as np

from embedscope.neighbors.partition import Partition
from embedscope.neighbors.running_min import CHUNK, PICKED, as_columns, pad_centre, update_range

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
"""u for float32: bounds the relative error of each rounded operation."""


class PrunedRunningMin:
    """Running min squared distance of n points to a growing set of centres, with cluster pruning.

    Args:
        points: (n, d) float32.
        min_sq: (n,) float32 starting running minimum in input order (+inf, or datapool distances²).
        partition: a :class:`~embedscope.neighbors.partition.Partition` of ``points``.

    Memory: a cluster-ordered transposed float32 copy of the points (n·d·4 bytes) plus O(n).
    """

    def __init__(self, points: np.ndarray, min_sq: np.ndarray, partition: Partition) -> None:
        self._order = partition.order
        self._position = np.empty_like(self._order)
        self._position[self._order] = np.arange(self._order.size)
        self._starts = partition.starts
        self._centroids = partition.centroids
        self._radii = partition.radii
        self._points = points
        self._columns = as_columns(points[self._order])
        self._min_sq = np.ascontiguousarray(min_sq[self._order], dtype=np.float32)
        d_pad = self._columns.shape[0]
        # Relative error of fl32(|p-c|²) ≤ (d_pad + 3)·u; doubled for margin.
        self._shrink = 1.0 - 2.0 * (d_pad + 4) * FLOAT32_UNIT_ROUNDOFF
        n_clusters = self._starts.size - 1
        self._cluster_of = np.repeat(np.arange(n_clusters), np.diff(self._starts))
        self._cluster_max = np.empty(n_clusters)
        self._cluster_arg = np.empty(n_clusters, dtype=np.int64)
        _cluster_maxima(self._min_sq, self._starts, self._cluster_max, self._cluster_arg)
        self.n_updated_points = 0

    def add_centre(self, index: int) -> tuple[float, int]:
        """Mark input point ``index`` picked, add it as a centre; return (largest running min, lowest index)."""
        position = self._position[index]
        self._min_sq[position] = PICKED
        centre = pad_centre(self._points[index], self._columns.shape[0])
        value, best, updated = _add_centre(
            self._columns,
            centre,
            self._points[index].astype(np.float64),
            self._min_sq,
            self._order,
            self._starts,
            self._centroids,
            self._radii,
            self._cluster_max,
            self._cluster_arg,
            int(self._cluster_of[position]),
            self._shrink,
        )
        self.n_updated_points += updated
        return value, best

    def running_min(self) -> np.ndarray:
        """(n,) float32 running min squared distance in input order (PICKED for picked points)."""
        out = np.empty_like(self._min_sq)
        out[self._order] = self._min_sq
        return out


@numba.njit(cache=True, nogil=True)
def _cluster_maxima(min_sq: np.ndarray, starts: np.ndarray, cmax: np.ndarray, carg: np.ndarray) -> None:
    for c in range(starts.size - 1):
        best_value = -np.inf
        best_pos = starts[c]
        for p in range(starts[c], starts[c + 1]):
            if min_sq[p] > best_value:
                best_value = min_sq[p]
                best_pos = p
        cmax[c] = best_value
        carg[c] = best_pos


@numba.njit(cache=True, nogil=True)
def _add_centre(
    columns: np.ndarray,
    centre: np.ndarray,
    centre64: np.ndarray,
    min_sq: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    centroids: np.ndarray,
    radii: np.ndarray,
    cmax: np.ndarray,
    carg: np.ndarray,
    own_cluster: int,
    shrink: float,
) -> tuple[float, int, int]:
    n_clusters = starts.size - 1
    d = centroids.shape[1]
    acc = np.empty(CHUNK, dtype=np.float32)
    updated = 0
    for c in range(n_clusters):
        if c != own_cluster:
            dist_sq = 0.0
            for k in range(d):
                t = centre64[k] - centroids[c, k]
                dist_sq += t * t
            lower = np.sqrt(dist_sq) * (1.0 - 1e-12) - radii[c]
            if lower > 0.0 and lower * lower * shrink >= cmax[c]:
                continue
        value, pos = update_range(columns, centre, min_sq, starts[c], starts[c + 1], acc)
        cmax[c] = value
        carg[c] = pos
        updated += starts[c + 1] - starts[c]
    best_value = -np.inf
    best_index = -1
    for c in range(n_clusters):
        value = cmax[c]
        index = order[carg[c]]
        if value > best_value or (value == best_value and index < best_index):
            best_value = value
            best_index = index
    return best_value, best_index, updated
