"""Pruned running minimum: bit-identical to the full scan, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors.partition import coarse_partition
from embedscope.neighbors.pruned_running_min import PrunedRunningMin
from embedscope.neighbors.running_min import PICKED, as_columns, pad_centre, update_running_min_all


def full_scan_steps(
    points: np.ndarray, start: np.ndarray, centres: list[int]
) -> tuple[list[tuple[float, int]], np.ndarray]:
    """(value, index) after each centre, and the final running minimum, by the naive full scan."""
    columns = as_columns(points)
    min_sq = start.copy()
    steps = []
    for index in centres:
        min_sq[index] = PICKED
        steps.append(update_running_min_all(columns, pad_centre(points[index], columns.shape[0]), min_sq))
    return steps, min_sq


@pytest.mark.parametrize("with_start", [False, True])
def test_identical_to_full_scan_on_clusters(with_start: bool) -> None:
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((12, 24)) * 2
    points = (centres[rng.integers(0, 12, 6000)] + 0.3 * rng.standard_normal((6000, 24))).astype(np.float32)
    start = (
        rng.uniform(0.5, 30, 6000).astype(np.float32)
        if with_start
        else np.full(6000, np.inf, dtype=np.float32)
    )
    pruned = PrunedRunningMin(points, start, coarse_partition(points, n_clusters=30), max_centres=151)
    order = []
    value, index = pruned.add_centre(17)
    order.append(17)
    got = [(value, index)]
    for _ in range(150):
        order.append(index)
        value, index = pruned.add_centre(index)
        got.append((value, index))
    expected, final = full_scan_steps(points, start, order)
    assert got == expected
    np.testing.assert_array_equal(pruned.running_min(), final)
    assert pruned.n_distance_evaluations < 151 * 6000 // 2


def test_ties_across_units_go_to_lowest_index() -> None:
    rng = np.random.default_rng(6)
    points = rng.integers(-3, 4, size=(3000, 3)).astype(np.float32)
    start = np.full(3000, np.inf, dtype=np.float32)
    pruned = PrunedRunningMin(points, start, coarse_partition(points, n_clusters=20), max_centres=400)
    order = [2999]
    got = [pruned.add_centre(2999)]
    while len(order) < 400:
        order.append(got[-1][1])
        got.append(pruned.add_centre(order[-1]))
    expected, final = full_scan_steps(points, start, order)
    assert got == expected
    np.testing.assert_array_equal(pruned.running_min(), final)
