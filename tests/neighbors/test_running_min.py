"""The fixed float32 arithmetic of the running minimum: bit-identical across kernels and to numpy."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors.running_min import (
    PICKED,
    as_columns,
    pad_centre,
    squared_distances_to,
    update_running_min,
    update_running_min_all,
)


def sequential_float32(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """s = 0; s = s + (x_k - c_k)² for k in order, every step rounded to float32 (numpy, no FMA)."""
    out = np.zeros(points.shape[0], dtype=np.float32)
    for k in range(points.shape[1]):
        t = points[:, k] - centre[k]
        out = out + t * t
    return out


@pytest.mark.parametrize(("n", "d"), [(1, 1), (5, 3), (1000, 7), (3000, 32), (700, 65)])
def test_distances_bit_identical_to_sequential_numpy(n: int, d: int) -> None:
    rng = np.random.default_rng(n + d)
    points = rng.standard_normal((n, d)).astype(np.float32)
    centre = rng.standard_normal(d).astype(np.float32)
    columns = as_columns(points)
    assert columns.shape[0] % 4 == 0
    got = squared_distances_to(columns, pad_centre(centre, columns.shape[0]))
    np.testing.assert_array_equal(got, sequential_float32(points, centre))
    exact = ((points.astype(np.float64) - centre.astype(np.float64)) ** 2).sum(axis=1)
    np.testing.assert_allclose(got, exact, rtol=1e-5)


def test_parallel_and_serial_updates_agree() -> None:
    rng = np.random.default_rng(3)
    points = rng.standard_normal((20_000, 12)).astype(np.float32)
    columns = as_columns(points)
    serial = np.full(20_000, np.inf, dtype=np.float32)
    parallel = serial.copy()
    for index in (5, 17_000, 9_999):
        serial[index] = PICKED
        parallel[index] = PICKED
        centre = pad_centre(points[index], columns.shape[0])
        expected = update_running_min(columns, centre, serial, 0, 20_000)
        got = update_running_min_all(columns, centre, parallel)
        np.testing.assert_array_equal(parallel, serial)
        assert got == expected
        assert expected[1] == int(np.argmax(serial)) and expected[0] == serial.max()
    assert serial[5] == PICKED and serial[17_000] == PICKED


def test_ties_return_lowest_index_and_picked_stay() -> None:
    points = np.array([[0.0], [2.0], [-2.0], [2.0], [1.0]], dtype=np.float32)
    columns = as_columns(points)
    min_sq = np.full(5, np.inf, dtype=np.float32)
    min_sq[0] = PICKED
    value, index = update_running_min_all(columns, pad_centre(points[0], columns.shape[0]), min_sq)
    assert (value, index) == (4.0, 1)
    np.testing.assert_array_equal(min_sq, [PICKED, 4.0, 4.0, 4.0, 1.0])
