"""DIVERSITY: prefer samples far from everything already selected (and from the datapool).

Alone, DIVERSITY is textbook k-center greedy (:func:`embedscope.select.k_center_greedy.k_center_greedy`).
In a combination its objective for a candidate is its distance to the nearest selected-or-datapool
sample; before the first pick without a datapool (when that distance is undefined) it is the distance to
the candidates' mean, which makes the first pick of DIVERSITY alone the same as k-center greedy's.
Distances use the fixed float32 arithmetic of :mod:`embedscope.neighbors.running_min`, so they are
bit-identical to k-center greedy's.
"""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.neighbors.running_min import as_columns, pad_centre, update_running_min
from embedscope.select.strategies import OBJECTIVE_FLOOR


class DiversityObjective:
    """The running distance of every candidate to its nearest selected-or-datapool sample.

    Args:
        embeddings: (m, d) float32 candidate samples.
        datapool: (p, d) float32 previously selected samples, or None.
        minimum_distance: candidates closer than this to a selected-or-datapool sample are ineligible
            (LightlyOne's ``stopping_condition_minimum_distance``), or None.

    Memory: a (d, m) float32 transposed copy and a few (m,) vectors. Cost per pick: O(m·d).
    """

    def __init__(
        self, embeddings: np.ndarray, *, datapool: np.ndarray | None, minimum_distance: float | None
    ) -> None:
        points = np.ascontiguousarray(embeddings, dtype=np.float32)
        self._columns = as_columns(points)
        self._minimum_distance = minimum_distance
        self._to_mean_sq: np.ndarray | None = None
        if datapool is not None and len(datapool) > 0:
            nearest = exact_nearest_in_other_set(points, np.ascontiguousarray(datapool, dtype=np.float32))
            self._min_sq = np.square(nearest.distances).astype(np.float32)
        else:
            mean = points.mean(axis=0, dtype=np.float64).astype(np.float32)
            self._to_mean_sq = self._squared_distances_to(pad_centre(mean, self._columns.shape[0]))
            self._min_sq = np.full(points.shape[0], np.inf, dtype=np.float32)

    def log_objective(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """log(distance) of candidates ``rows`` (float64; the distance floored at OBJECTIVE_FLOOR)."""
        squared = self._min_sq[rows] if self._to_mean_sq is None else self._to_mean_sq[rows]
        distance = np.sqrt(np.asarray(squared, dtype=np.float64))
        return np.log(np.maximum(distance, OBJECTIVE_FLOOR))

    def ineligible(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Bool mask over ``rows``: closer than the minimum distance to a selected-or-datapool sample."""
        squared = np.asarray(self._min_sq[rows], dtype=np.float64)
        if self._minimum_distance is None:
            return np.zeros(squared.shape[0], dtype=bool)
        return np.sqrt(squared) < self._minimum_distance

    def add(self, row: int) -> np.ndarray:
        """Make candidate ``row`` a selected sample; return (c,) int64 candidates whose distance changed."""
        squared = self._squared_distances_to(np.ascontiguousarray(self._columns[:, row]))
        changed = np.flatnonzero(squared < self._min_sq)
        self._min_sq[changed] = squared[changed]
        if self._to_mean_sq is not None:
            self._to_mean_sq = None
            return np.arange(self._min_sq.shape[0], dtype=np.int64)
        return changed

    def _squared_distances_to(self, centre: np.ndarray) -> np.ndarray:
        """(m,) float32 squared distances to a padded centre, by the serial kernel (the parallel one pays
        thread start-up on every pick, which dominates on a busy 2-core machine)."""
        squared = np.full(self._columns.shape[1], np.inf, dtype=np.float32)
        update_running_min(self._columns, centre, squared, 0, squared.shape[0])
        return squared
