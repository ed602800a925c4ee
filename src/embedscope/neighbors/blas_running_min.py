"""Running nearest-centre distances for high-dimensional points: pruned, lazy, and filtered by BLAS.

The same lazy, triangle-inequality-pruned scheme as :mod:`embedscope.neighbors.pruned_running_min` (units
are shells of k-means clusters; a unit is brought up to date only when its stale maximum could be the next
pick), with a different inner step. At 512–1024 dimensions the fixed float32 arithmetic of
:mod:`embedscope.neighbors.running_min` costs 3·d scalar operations per (point, centre) pair and streams
the points once per centre. Here, when a unit catches up on its pending centres, one float32 matrix
product gives every pair's squared distance by the expansion |p|² + |c|² − 2 p·c, whose rounding error is
bounded (see :func:`expansion_error`). A pair whose lower bound is not below the point's running minimum
cannot lower it and is dropped; the few others are recomputed with the fixed arithmetic
(:func:`fixed_squared_distance`, bit-identical to the reference) and applied. So every running minimum,
and every pick, is bit-identical to the naive greedy's, while the work is a BLAS product.

The points are read in place (input order, gathered one unit at a time): no transposed or reordered copy
of the (n, d) matrix is made, so the greedy's extra memory is O(n + max_centres·d).
"""

from __future__ import annotations

import numba
import numpy as np

from embedscope.neighbors.partition import Partition
from embedscope.neighbors.running_min import PICKED

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
"""u for float32: bounds the relative error of each rounded operation."""

DISTANCE_SLACK = 1e-12
"""Relative rounding allowance of a float64 centre-to-centroid distance (its error is ~1e-16)."""

ERROR_SAFETY = 2.0
"""Extra factor on the rounding-error bounds of the expansion and of the fixed arithmetic."""


@numba.njit(cache=True, nogil=True, inline="always")
def fixed_squared_distance(point: np.ndarray, centre: np.ndarray) -> np.float32:
    """float32 |point − centre|² by the fixed arithmetic of :mod:`embedscope.neighbors.running_min`:
    ``s = 0; s = s + (x[k] − c[k])²`` for k = 0..d−1 in order, every operation rounded to float32, no fused
    multiply-add (numba without fastmath). Zero-padded dimensions of the column kernels add exactly 0, so
    the value is bit-identical to theirs."""
    s = np.float32(0.0)
    for k in range(point.shape[0]):
        t = point[k] - centre[k]
        s = s + t * t
    return s


@numba.njit(cache=True, nogil=True, parallel=True)
def fixed_squared_distances_rows(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """(n,) float32 squared distances of the rows of ``points`` (n, d) float32 to ``centre`` (d,) float32 by
    the fixed arithmetic (rows in parallel; each row's sum is sequential, so threads do not change bits)."""
    n = points.shape[0]
    out = np.empty(n, dtype=np.float32)
    for i in numba.prange(n):
        out[i] = fixed_squared_distance(points[i], centre)
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def row_norms64(points: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(len(rows),) float64 Euclidean norms of ``points[rows]`` (no float64 copy of the rows)."""
    out = np.empty(rows.shape[0])
    for r in numba.prange(rows.shape[0]):
        s = 0.0
        row = points[rows[r]]
        for k in range(row.shape[0]):
            s += np.float64(row[k]) * np.float64(row[k])
        out[r] = np.sqrt(s)
    return out


@numba.njit(cache=True, nogil=True)
def _filter_and_apply(
    products: np.ndarray,
    p_norm: np.ndarray,
    c_norm: np.ndarray,
    points: np.ndarray,
    rows: np.ndarray,
    centres: np.ndarray,
    pending: np.ndarray,
    min_sq: np.ndarray,
    offset: int,
    error: float,
    shrink: float,
) -> tuple[float, int, int]:
    """Lower ``min_sq[offset + i]`` by every pending centre j that might lower it, exactly.

    ``products[i, j]`` = fl32(p_i · c_j). The pair's squared distance is at least
    ``(|p|² + |c|² − 2 p·c − error·(|p| + |c|)²)·shrink`` in the fixed arithmetic; only when that is below
    the point's running minimum is the fixed-arithmetic value computed and applied.

    Returns:
        (largest running minimum of the rows, its lowest offset-based position, pairs recomputed exactly).
    """
    best_value = -np.inf
    best_pos = offset
    exact = 0
    for i in range(products.shape[0]):
        current = min_sq[offset + i]
        pn = p_norm[i]
        for j in range(products.shape[1]):
            cn = c_norm[j]
            approx = pn * pn + cn * cn - 2.0 * products[i, j]
            if (approx - error * (pn + cn) * (pn + cn)) * shrink < current:
                value = fixed_squared_distance(points[rows[i]], centres[pending[j]])
                exact += 1
                if value < current:  # noqa: PLR1730 (same form as the reference kernel)
                    current = value
        min_sq[offset + i] = current
        if current > best_value:
            best_value = current
            best_pos = offset + i
    return best_value, best_pos, exact


def expansion_error(d: int) -> float:
    """Relative factor e such that |fl32(|p|² + |c|² − 2 p·c) − |p − c|²| ≤ e·(|p| + |c|)².

    Each float32 dot product of length d errs by at most ~d·u·|p||c| (any summation order, as BLAS
    blocks it), each squared norm by d·u·|p|², and the two additions add a few u of the operands; so
    (d + 4)·u·(|p|² + |c|² + 2|p||c|) bounds the whole. Doubled (ERROR_SAFETY) for margin.
    """
    return ERROR_SAFETY * (d + 4) * FLOAT32_UNIT_ROUNDOFF


class BlasPrunedRunningMin:
    """Running min squared distance of n points to a growing set of centres, for large d.

    Same contract as :class:`embedscope.neighbors.pruned_running_min.PrunedRunningMin` and the same
    float32 values bit for bit.

    Args:
        points: (n, d) float32 C-contiguous, read in place (not copied; may be a read-only memory map).
        min_sq: (n,) float32 starting running minimum in input order (+inf, or datapool distances²).
        partition: a :class:`~embedscope.neighbors.partition.Partition` of ``points``.
        max_centres: the most centres that will be added.

    Memory: O(n) (running minima and squared norms in unit order), the centres (max_centres·d·4 bytes)
    and their distances to the centroids (max_centres·n_clusters·8 bytes); the products are one unit's
    rows × its pending centres at a time.
    """

    def __init__(
        self, points: np.ndarray, min_sq: np.ndarray, partition: Partition, *, max_centres: int
    ) -> None:
        self._points = points.view(np.ndarray)
        self._order = partition.order
        self._position = np.empty_like(self._order)
        self._position[self._order] = np.arange(self._order.size)
        self._starts = partition.starts
        self._unit_cluster = partition.unit_cluster
        self._centroids = partition.centroids
        self._inner = partition.inner
        self._outer = partition.outer
        self._min_sq = np.ascontiguousarray(min_sq[self._order], dtype=np.float32)
        self._point_norm = row_norms64(self._points, self._order)
        d = points.shape[1]
        self._expansion_error = expansion_error(d)
        # Relative error of the fixed arithmetic's sum of d non-negative terms: ≤ (d + 3)·u, doubled.
        self._shrink = 1.0 - ERROR_SAFETY * (d + 4) * FLOAT32_UNIT_ROUNDOFF
        n_units = self._starts.size - 1
        self._unit_of = np.repeat(np.arange(n_units), np.diff(self._starts))
        self._unit_max = np.empty(n_units)
        self._unit_arg = np.empty(n_units, dtype=np.int64)
        for u in range(n_units):
            self._refresh_max(u)
        self._seen = np.zeros(n_units, dtype=np.int64)
        capacity = max(1, max_centres)
        self._centres = np.zeros((capacity, d), dtype=np.float32)
        self._centre_norm = np.zeros(capacity, dtype=np.float64)
        self._centre_to_centroid = np.zeros((capacity, self._centroids.shape[0]), dtype=np.float64)
        self._n_centres = 0
        self._work = 0
        self._exact = 0

    @property
    def n_distance_evaluations(self) -> int:
        """(point, centre) pairs whose distance was computed so far by a product."""
        return self._work

    @property
    def n_exact_rechecks(self) -> int:
        """(point, centre) pairs that were also computed by the fixed arithmetic (they might lower a minimum)."""
        return self._exact

    def add_centre(self, index: int) -> tuple[float, int]:
        """Mark input point ``index`` picked, add it as a centre; return (largest running min, lowest index)."""
        position = self._position[index]
        self._min_sq[position] = PICKED
        t = self._n_centres
        self._centres[t] = self._points[index]
        centre64 = self._centres[t].astype(np.float64)
        self._centre_norm[t] = np.sqrt(centre64 @ centre64)
        self._centre_to_centroid[t] = np.sqrt(np.sum((self._centroids - centre64) ** 2, axis=1))
        self._n_centres += 1
        self._catch_up(int(self._unit_of[position]), force=True)
        umax, seen = self._unit_max, self._seen
        while True:
            top = umax.max()
            stale = np.flatnonzero((umax >= top) & (seen < self._n_centres))
            if stale.size == 0:
                break
            for u in stale:
                self._catch_up(int(u), force=False)
        at_top = np.flatnonzero(umax == top)
        return float(top), int(self._order[self._unit_arg[at_top]].min())

    def running_min(self) -> np.ndarray:
        """(n,) float32 running min squared distance in input order (PICKED for picked points)."""
        for u in range(self._unit_max.size):
            self._catch_up(u, force=False)
        out = np.empty_like(self._min_sq)
        out[self._order] = self._min_sq
        return out

    def _refresh_max(self, u: int) -> None:
        start, stop = self._starts[u], self._starts[u + 1]
        local = int(np.argmax(self._min_sq[start:stop]))
        self._unit_max[u] = self._min_sq[start + local]
        self._unit_arg[u] = start + local

    def _pending(self, u: int) -> np.ndarray:
        """Centres unit ``u`` has not seen that the triangle inequality says might lower its maximum."""
        first = self._seen[u]
        dist = self._centre_to_centroid[first : self._n_centres, self._unit_cluster[u]]
        lower = np.maximum(
            dist * (1.0 - DISTANCE_SLACK) - self._outer[u], self._inner[u] - dist * (1.0 + DISTANCE_SLACK)
        )
        skip = (lower > 0.0) & (lower * lower * self._shrink >= self._unit_max[u])
        return first + np.flatnonzero(~skip)

    def _catch_up(self, u: int, *, force: bool) -> None:
        """Apply to unit ``u`` every centre it has not seen and might reach; refresh its maximum."""
        pending = self._pending(u) if self._seen[u] < self._n_centres else np.zeros(0, dtype=np.int64)
        self._seen[u] = self._n_centres
        if pending.size == 0 and not force:
            return
        start, stop = self._starts[u], self._starts[u + 1]
        if pending.size == 0:
            self._refresh_max(u)
            return
        rows = self._order[start:stop]
        products = self._points[rows] @ self._centres[pending].T
        value, position, exact = _filter_and_apply(
            products,
            self._point_norm[start:stop],
            self._centre_norm[pending],
            self._points,
            rows,
            self._centres,
            pending,
            self._min_sq,
            int(start),
            self._expansion_error,
            self._shrink,
        )
        self._unit_max[u] = value
        self._unit_arg[u] = position
        self._work += rows.size * pending.size
        self._exact += exact
