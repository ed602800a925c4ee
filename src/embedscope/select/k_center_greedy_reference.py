"""Naive k-center greedy: after each pick, the distance of *every* input point to the new centre.

The benchmark baseline and the test oracle for :func:`embedscope.select.k_center_greedy.k_center_greedy`.
It shares the pick loop and the distance arithmetic with the fast path, so both give identical picks. The
full scan is a fused, vectorised numba pass over all points on all cores: the fastest naive greedy we
know how to write, so that the benchmark ratio is honest.
"""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.running_min import PICKED, as_columns, pad_centre, update_running_min_all
from embedscope.select.k_center_greedy import GreedyResult, prepare_greedy, run_greedy


class FullScanRunningMin:
    """Updates the running minimum of all n points for every new centre: O(n·d) per pick.

    Args:
        points: (n, d) float32; min_sq: (n,) float32 starting running minimum (copied).
    """

    def __init__(self, points: np.ndarray, min_sq: np.ndarray) -> None:
        self._columns = as_columns(points)
        self._points = points
        self._min_sq = np.array(min_sq, dtype=np.float32)

    def add_centre(self, index: int) -> tuple[float, int]:
        """Mark input point ``index`` picked, add it as a centre; return (largest running min, lowest index)."""
        self._min_sq[index] = PICKED
        centre = pad_centre(self._points[index], self._columns.shape[0])
        value, best = update_running_min_all(self._columns, centre, self._min_sq)
        return value, best

    def running_min(self) -> np.ndarray:
        """(n,) float32 running min squared distance; PICKED for picked points."""
        return self._min_sq


def k_center_greedy_reference(
    embeddings: np.ndarray,
    *,
    n_samples: int,
    datapool: np.ndarray | None = None,
    min_distance: float | None = None,
) -> GreedyResult:
    """Same contract and result as :func:`embedscope.select.k_center_greedy.k_center_greedy`.

    Cost: O(n_samples·n·d) time, O(n·d) memory (one transposed float32 copy of the input).
    """
    prepared = prepare_greedy(embeddings, n_samples=n_samples, datapool=datapool, min_distance=min_distance)
    return run_greedy(prepared, FullScanRunningMin(prepared.points, prepared.min_sq))
