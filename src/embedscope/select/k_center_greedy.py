"""Diversity selection by k-center greedy (Gonzalez 1985; Sener & Savarese 2017, Algorithm 1).

Each pick is the input sample whose distance to the nearest already-selected-or-datapool sample is
largest; ties go to the lowest input index. Without a datapool the first pick is the input sample farthest
from the input mean (ties: lowest index); with a datapool the running distance starts as each sample's
distance to its nearest datapool sample and the first pick is its largest. With ``min_distance`` the
selection stops before a pick whose distance is below it (the first pick without datapool, whose distance
is to the mean rather than to a selected sample, is always made). When every remaining sample is at
distance 0 (more picks requested than distinct points), picking continues by the same rule — the
lowest-index unpicked sample, distance 0 — so the requested count is honoured.

Papers: https://doi.org/10.1016/0304-3975(85)90224-5 , https://arxiv.org/abs/1708.00489

Distances are computed in float32 with one fixed arithmetic (see
:mod:`embedscope.neighbors.running_min`), so the fast paths here and the naive reference in
:mod:`embedscope.select.k_center_greedy_reference` give identical picks.

Float32 and ties: the picks equal those of the same greedy in float64 except where float32 cannot tell
two candidates apart. Each squared distance is within a relative (d + 5)·2⁻²⁴ of its float64 value, so a
pick can differ from the float64 greedy's only when the two candidates' float64 distances differ by less
than :func:`float32_tie_tolerance` (relative; ~1e-7 to 1e-6 in practice, 4.6e-5 worst case at 768-d);
then the float32 greedy takes the lowest index among the values it sees as equal. Every pick is a valid
float64 greedy step up to that tolerance (tested on constructed near-ties).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from embedscope.errors import ConfigError
from embedscope.neighbors.blas_running_min import BlasPrunedRunningMin, fixed_squared_distances_rows
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.neighbors.partition import coarse_partition
from embedscope.neighbors.pruned_running_min import PrunedRunningMin

logger = logging.getLogger(__name__)

COVER_METHOD = "k-center greedy running minimum (exact, float32 arithmetic)"
"""How :attr:`GreedyResult.min_distances` are found, as the report's ``embedscopeNeighborSearch`` names it: each
input sample's nearest selected ∪ datapool sample is the greedy's final running minimum. Its squared
distances use the fixed float32 arithmetic of :mod:`embedscope.neighbors.running_min` (within (d + 5)·2⁻²⁴
relative of float64); the pruning skips only centres the triangle inequality proves cannot lower a minimum,
and :meth:`CentreUpdater.running_min` applies every pending centre, so none is missed; the start with a
datapool is the exact search's distance, rounded to float32 when squared; the square root is taken in float64."""


@dataclass(frozen=True)
class GreedyResult:
    """The outcome of k-center greedy selection.

    Attributes:
        indices: (k,) int64, picked input indices in pick order.
        pick_distances: (k,) float64, each pick's distance to the nearest already-selected-or-datapool
            sample when it was picked (first pick without datapool: its distance to the input mean).
        min_distances: (n,) float64, after the last pick each input sample's distance to the nearest
            selected ∪ datapool sample (the coverage distances; 0 for picked samples), found as
            :data:`COVER_METHOD` says.
        stopped_by_min_distance: True when ``min_distance`` stopped the selection before ``n_samples``.
    """

    indices: np.ndarray
    pick_distances: np.ndarray
    min_distances: np.ndarray
    stopped_by_min_distance: bool


@dataclass
class PreparedGreedy:
    """Validated inputs and the starting state shared by the fast and the reference greedy.

    Attributes:
        points: (n, d) float32, C-contiguous input.
        min_sq: (n,) float32 starting running min squared distance (+inf without datapool, else the squared
            distance to the nearest datapool sample).
        first_pick: index of the first pick; first_value: its squared distance (float32 arithmetic).
    """

    points: np.ndarray
    min_sq: np.ndarray
    first_pick: int
    first_value: float
    has_datapool: bool
    n_samples: int
    min_distance: float | None


class CentreUpdater(Protocol):
    """Keeps the running min squared distance (the one part the fast and the naive greedy differ in)."""

    def add_centre(self, index: int) -> tuple[float, int]:
        """Mark input point ``index`` picked, add it as a centre; return (largest running min, lowest index)."""
        ...

    def running_min(self) -> np.ndarray:
        """(n,) float32 running min squared distance in input order; PICKED for picked points."""
        ...


CLUSTERS_PER_SQRT_POINT = 0.25
"""Pruning clusters: sqrt(n)/4 (250 at 1M, each cut into shells) keeps the k-means assignment to ~1 s."""

BLAS_MIN_DIM = 128
"""From this dimension on, pending centres are applied by a BLAS product with an exact re-check
(:mod:`embedscope.neighbors.blas_running_min`); below it the fused column kernel is faster (measured:
benchmarks/README.md, "k-center greedy at 768-d")."""


def float32_tie_tolerance(d: int) -> float:
    """Relative distance within which the float32 greedy may order two candidates unlike float64.

    The fixed arithmetic rounds each of d differences, squares and sums: a squared distance errs by at
    most (d + 5)·u relative (u = 2⁻²⁴), so a distance by half that; two candidates compared both err, so
    (d + 5)·u bounds the relative gap that float32 may misorder.
    """
    return (d + 5) * 2.0**-24


def k_center_greedy(
    embeddings: np.ndarray,
    *,
    n_samples: int,
    datapool: np.ndarray | None = None,
    min_distance: float | None = None,
) -> GreedyResult:
    """Pick ``n_samples`` diverse samples by k-center greedy.

    Points are grouped by a coarse k-means into ~sqrt(n)/4 clusters cut into shells; a new centre updates only the clusters
    that the triangle inequality says it can reach (:mod:`embedscope.neighbors.pruned_running_min`), so
    on clustered data a pick costs a fraction of a full O(n·d) scan; picks are identical to
    :func:`embedscope.select.k_center_greedy_reference.k_center_greedy_reference`.

    Args:
        embeddings: (n, d) float32 input samples (L2-normalised or not; Euclidean distance is used).
        n_samples: number of picks, 1 <= n_samples <= n.
        datapool: (p, d) float32 previously selected samples, or None.
        min_distance: stop before a pick whose distance is below this, or None.

    Returns:
        GreedyResult.

    Cost: below BLAS_MIN_DIM dimensions a cluster-ordered transposed float32 copy (n·d·4 bytes); from it
    on, O(n + n_samples·d): the points are read in place. Never an n×n matrix.
    """
    prepared = prepare_greedy(embeddings, n_samples=n_samples, datapool=datapool, min_distance=min_distance)
    n, d = prepared.points.shape
    partition = coarse_partition(prepared.points, n_clusters=round(CLUSTERS_PER_SQRT_POINT * np.sqrt(n)))
    kind = BlasPrunedRunningMin if d >= BLAS_MIN_DIM else PrunedRunningMin
    updater = kind(prepared.points, prepared.min_sq, partition, max_centres=prepared.n_samples)
    with threadpool_limits(limits=1, user_api="blas"):  # its products are small: threads only add waits
        result = run_greedy(prepared, updater)
    logger.debug(
        "k-center greedy: %d distances for %d picks (full scans: %d)",
        updater.n_distance_evaluations,
        result.indices.size,
        result.indices.size * n,
    )
    return result


def prepare_greedy(
    embeddings: np.ndarray,
    *,
    n_samples: int,
    datapool: np.ndarray | None,
    min_distance: float | None,
) -> PreparedGreedy:
    """Validate the arguments and compute the starting running minimum and first pick."""
    points = np.asarray(embeddings)
    if points.ndim != 2 or points.shape[0] < 1 or points.shape[1] < 1:
        raise ConfigError(f"embeddings must have shape (n >= 1, d >= 1), got {points.shape}")
    n = points.shape[0]
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or not 1 <= n_samples <= n:
        raise ConfigError(
            f"n_samples must be an integer between 1 and the number of samples ({n}), got {n_samples}"
        )
    if min_distance is not None and not (np.isfinite(min_distance) and min_distance >= 0):
        raise ConfigError(f"min_distance must be a finite number >= 0, got {min_distance}")
    points = np.ascontiguousarray(points, dtype=np.float32)
    has_datapool = datapool is not None and len(datapool) > 0
    if has_datapool:
        pool = np.asarray(datapool)
        if pool.ndim != 2 or pool.shape[1] != points.shape[1]:
            raise ConfigError(
                f"datapool embeddings must have dimension {points.shape[1]} like the input, got shape {pool.shape}"
            )
        nearest = exact_nearest_in_other_set(points, np.ascontiguousarray(pool, dtype=np.float32))
        min_sq = np.square(nearest.distances).astype(np.float32)
        first_pick = int(np.argmax(min_sq))
        first_value = float(min_sq[first_pick])
    else:
        mean = points.mean(axis=0, dtype=np.float64).astype(np.float32)
        to_mean = fixed_squared_distances_rows(points, mean)
        first_pick = int(np.argmax(to_mean))
        first_value = float(to_mean[first_pick])
        min_sq = np.full(n, np.inf, dtype=np.float32)
    return PreparedGreedy(
        points=points,
        min_sq=min_sq,
        first_pick=first_pick,
        first_value=first_value,
        has_datapool=has_datapool,
        n_samples=int(n_samples),
        min_distance=None if min_distance is None else float(min_distance),
    )


def run_greedy(prepared: PreparedGreedy, updater: CentreUpdater) -> GreedyResult:
    """The pick loop: pick the current farthest sample, add it as a centre, repeat."""
    picks: list[int] = []
    pick_sq: list[float] = []
    pick, value = prepared.first_pick, prepared.first_value
    stopped = False
    for step in range(prepared.n_samples):
        stoppable = step > 0 or prepared.has_datapool
        if stoppable and prepared.min_distance is not None and np.sqrt(value) < prepared.min_distance:
            stopped = True
            break
        picks.append(pick)
        pick_sq.append(value)
        value, pick = updater.add_centre(pick)
    min_sq = updater.running_min() if picks else prepared.min_sq
    return GreedyResult(
        indices=np.asarray(picks, dtype=np.int64),
        pick_distances=np.sqrt(np.asarray(pick_sq, dtype=np.float64)),
        min_distances=np.sqrt(np.maximum(min_sq.astype(np.float64), 0.0)),
        stopped_by_min_distance=stopped,
    )
