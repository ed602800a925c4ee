"""Running nearest-centre distances with pruning and lazy, cache-blocked updates.

Points are grouped into units (shells of k-means clusters, :mod:`embedscope.neighbors.partition`): every
member p of a unit is at a distance r ∈ [inner, outer] from its cluster's centroid m, so for a centre c at
distance D from m, |p - c| ≥ max(D - outer, inner - D) (triangle inequality). When that bound, shrunk by
the worst float32 rounding of the fixed arithmetic in :mod:`embedscope.neighbors.running_min`, is not below
the largest running minimum of the unit, the centre cannot change any member, and is skipped for it.

Updates are lazy, as in lazy greedy: a unit records how many centres it has seen; its largest running
minimum is exact when it has seen all of them and an upper bound otherwise (minima only decrease). The
next pick is the largest exact value once no stale unit's bound reaches it, so only units near the top
are brought up to date after each pick; the rest catch up later, applying all their pending centres in one
pass over their points (which then stay in cache). A running minimum is a minimum of values computed by
the fixed arithmetic, so the order in which centres are applied does not change it: every value, and so
every pick, is bit-identical to a full scan after each pick.
"""

from __future__ import annotations

import numba
import numpy as np

from embedscope.neighbors.partition import Partition
from embedscope.neighbors.running_min import PICKED, as_columns, block_squared_distances, pad_centre

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
"""u for float32: bounds the relative error of each rounded operation."""

DISTANCE_SLACK = 1e-12
"""Relative rounding allowance of a float64 centre-to-centroid distance (its error is ~1e-16)."""

BLOCK = 64
"""Points per block while applying several centres: the block's d_pad × 64 float32 stay in L1 cache."""


class PrunedRunningMin:
    """Running min squared distance of n points to a growing set of centres.

    Args:
        points: (n, d) float32.
        min_sq: (n,) float32 starting running minimum in input order (+inf, or datapool distances²).
        partition: a :class:`~embedscope.neighbors.partition.Partition` of ``points``.
        max_centres: the most centres that will be added.

    Memory: a cluster-ordered transposed float32 copy of the points (n·d_pad·4 bytes), the centres
    (max_centres·d·12 bytes), O(n) more.
    """

    def __init__(
        self, points: np.ndarray, min_sq: np.ndarray, partition: Partition, *, max_centres: int
    ) -> None:
        self._order = partition.order
        self._position = np.empty_like(self._order)
        self._position[self._order] = np.arange(self._order.size)
        self._starts = partition.starts
        self._unit_cluster = partition.unit_cluster
        self._centroids = partition.centroids
        self._inner = partition.inner
        self._outer = partition.outer
        self._points = points
        self._columns = as_columns(points[self._order])
        self._min_sq = np.ascontiguousarray(min_sq[self._order], dtype=np.float32)
        d_pad = self._columns.shape[0]
        # Relative error of fl32(|p-c|²) ≤ (d_pad + 3)·u; doubled for margin.
        self._shrink = 1.0 - 2.0 * (d_pad + 4) * FLOAT32_UNIT_ROUNDOFF
        n_units = self._starts.size - 1
        self._unit_of = np.repeat(np.arange(n_units), np.diff(self._starts))
        self._unit_max = np.empty(n_units)
        self._unit_arg = np.empty(n_units, dtype=np.int64)
        _unit_maxima(self._min_sq, self._starts, self._unit_max, self._unit_arg)
        self._seen = np.zeros(n_units, dtype=np.int64)
        self._centres = np.zeros((max(1, max_centres), d_pad), dtype=np.float32)
        self._centres64 = np.zeros((max(1, max_centres), points.shape[1]), dtype=np.float64)
        self._n_centres = 0
        self._work = np.zeros(1, dtype=np.int64)

    @property
    def n_distance_evaluations(self) -> int:
        """Point-to-centre distances computed so far (a full scan would compute n per centre)."""
        return int(self._work[0])

    def add_centre(self, index: int) -> tuple[float, int]:
        """Mark input point ``index`` picked, add it as a centre; return (largest running min, lowest index)."""
        position = self._position[index]
        self._min_sq[position] = PICKED
        self._centres[self._n_centres] = pad_centre(self._points[index], self._columns.shape[0])
        self._centres64[self._n_centres] = self._points[index]
        self._n_centres += 1
        return _add_and_pick(
            self._columns,
            self._min_sq,
            self._order,
            self._starts,
            self._unit_cluster,
            self._centroids,
            self._inner,
            self._outer,
            self._unit_max,
            self._unit_arg,
            self._seen,
            self._centres,
            self._centres64,
            self._n_centres,
            self._shrink,
            int(self._unit_of[position]),
            self._work,
        )

    def running_min(self) -> np.ndarray:
        """(n,) float32 running min squared distance in input order (PICKED for picked points)."""
        _catch_up_all(
            self._columns,
            self._min_sq,
            self._starts,
            self._unit_cluster,
            self._centroids,
            self._inner,
            self._outer,
            self._unit_max,
            self._unit_arg,
            self._seen,
            self._centres,
            self._centres64,
            self._n_centres,
            self._shrink,
            self._work,
        )
        out = np.empty_like(self._min_sq)
        out[self._order] = self._min_sq
        return out


@numba.njit(cache=True, nogil=True)
def _unit_maxima(min_sq: np.ndarray, starts: np.ndarray, umax: np.ndarray, uarg: np.ndarray) -> None:
    for u in range(starts.size - 1):
        best_value = -np.inf
        best_pos = starts[u]
        for p in range(starts[u], starts[u + 1]):
            if min_sq[p] > best_value:
                best_value = min_sq[p]
                best_pos = p
        umax[u] = best_value
        uarg[u] = best_pos


@numba.njit(cache=True, nogil=True)
def _catch_up(
    u: int,
    force: bool,
    columns: np.ndarray,
    min_sq: np.ndarray,
    starts: np.ndarray,
    unit_cluster: np.ndarray,
    centroids: np.ndarray,
    inner: np.ndarray,
    outer: np.ndarray,
    umax: np.ndarray,
    uarg: np.ndarray,
    seen: np.ndarray,
    centres: np.ndarray,
    centres64: np.ndarray,
    n_centres: int,
    shrink: float,
    pending: np.ndarray,
    acc: np.ndarray,
) -> int:
    """Apply to unit ``u`` every centre it has not seen and might reach; refresh its max (always when
    ``force``). Returns the number of distances computed."""
    cluster = unit_cluster[u]
    d = centroids.shape[1]
    n_pending = 0
    for t in range(seen[u], n_centres):
        dist_sq = 0.0
        for k in range(d):
            diff = centres64[t, k] - centroids[cluster, k]
            dist_sq += diff * diff
        dist = np.sqrt(dist_sq)
        lower = max(dist * (1.0 - DISTANCE_SLACK) - outer[u], inner[u] - dist * (1.0 + DISTANCE_SLACK))
        if lower > 0.0 and lower * lower * shrink >= umax[u]:
            continue
        pending[n_pending] = t
        n_pending += 1
    seen[u] = n_centres
    if n_pending == 0 and not force:
        return 0
    best_value = -np.inf
    best_pos = starts[u]
    for c0 in range(starts[u], starts[u + 1], BLOCK):
        c1 = min(starts[u + 1], c0 + BLOCK)
        width = c1 - c0
        for p in range(n_pending):
            block_squared_distances(columns, centres[pending[p]], c0, c1, acc)
            for i in range(width):
                if acc[i] < min_sq[c0 + i]:  # noqa: PLR1730 (same form as the reference kernel)
                    min_sq[c0 + i] = acc[i]
        for i in range(width):
            if min_sq[c0 + i] > best_value:
                best_value = min_sq[c0 + i]
                best_pos = c0 + i
    umax[u] = best_value
    uarg[u] = best_pos
    return n_pending * (starts[u + 1] - starts[u])


@numba.njit(cache=True, nogil=True)
def _add_and_pick(
    columns: np.ndarray,
    min_sq: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    unit_cluster: np.ndarray,
    centroids: np.ndarray,
    inner: np.ndarray,
    outer: np.ndarray,
    umax: np.ndarray,
    uarg: np.ndarray,
    seen: np.ndarray,
    centres: np.ndarray,
    centres64: np.ndarray,
    n_centres: int,
    shrink: float,
    own_unit: int,
    work: np.ndarray,
) -> tuple[float, int]:
    """After the newest centre: bring stale units at the top up to date; return (max, lowest index)."""
    pending = np.empty(n_centres, dtype=np.int64)
    acc = np.empty(BLOCK, dtype=np.float32)
    args = (
        columns,
        min_sq,
        starts,
        unit_cluster,
        centroids,
        inner,
        outer,
        umax,
        uarg,
        seen,
        centres,
        centres64,
        n_centres,
        shrink,
        pending,
        acc,
    )
    work[0] += _catch_up(own_unit, True, *args)
    n_units = umax.size
    while True:
        top = -np.inf
        for u in range(n_units):
            top = max(top, umax[u])
        caught_up = False
        for u in range(n_units):
            if umax[u] >= top and seen[u] < n_centres:
                work[0] += _catch_up(u, False, *args)
                caught_up = True
        if not caught_up:
            break
    best_index = -1
    for u in range(n_units):
        if umax[u] == top:
            index = order[uarg[u]]
            if best_index < 0 or index < best_index:
                best_index = index
    return top, best_index


@numba.njit(cache=True, nogil=True, parallel=True)
def _catch_up_all(
    columns: np.ndarray,
    min_sq: np.ndarray,
    starts: np.ndarray,
    unit_cluster: np.ndarray,
    centroids: np.ndarray,
    inner: np.ndarray,
    outer: np.ndarray,
    umax: np.ndarray,
    uarg: np.ndarray,
    seen: np.ndarray,
    centres: np.ndarray,
    centres64: np.ndarray,
    n_centres: int,
    shrink: float,
    work: np.ndarray,
) -> None:
    """Bring every unit up to date (in parallel over units)."""
    n_units = umax.size
    done = np.zeros(n_units, dtype=np.int64)
    for u in numba.prange(n_units):
        pending = np.empty(max(1, n_centres), dtype=np.int64)
        acc = np.empty(BLOCK, dtype=np.float32)
        done[u] = _catch_up(
            u,
            False,
            columns,
            min_sq,
            starts,
            unit_cluster,
            centroids,
            inner,
            outer,
            umax,
            uarg,
            seen,
            centres,
            centres64,
            n_centres,
            shrink,
            pending,
            acc,
        )
    work[0] += done.sum()
