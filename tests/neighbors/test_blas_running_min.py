"""BLAS-filtered running minimum at high dimension: bit-identical to the naive full scan, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors.blas_running_min import (
    BlasPrunedRunningMin,
    fixed_squared_distances_rows,
)
from embedscope.neighbors.partition import coarse_partition
from embedscope.neighbors.running_min import (
    PICKED,
    as_columns,
    pad_centre,
    squared_distances_to,
    update_running_min_all,
)


def clustered(rng: np.random.Generator, n: int, d: int, n_clusters: int) -> np.ndarray:
    centres = rng.standard_normal((n_clusters, d))
    x = centres[rng.integers(0, n_clusters, n)] + 0.4 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_row_distances_bit_identical_to_column_kernel() -> None:
    rng = np.random.default_rng(1)
    points = clustered(rng, 2000, 771, 5)  # 771: not a multiple of the column kernel's 4-row step
    centre = points[3] + np.float32(0.01)
    columns = as_columns(points)
    expected = squared_distances_to(columns, pad_centre(centre, columns.shape[0]))
    np.testing.assert_array_equal(fixed_squared_distances_rows(points, centre), expected)
    truth = ((points.astype(np.float64) - centre.astype(np.float64)) ** 2).sum(axis=1)
    np.testing.assert_allclose(expected, truth, rtol=1e-5)


@pytest.mark.parametrize("with_start", [False, True])
def test_identical_to_full_scan(with_start: bool) -> None:
    rng = np.random.default_rng(2)
    points = clustered(rng, 3000, 768, 8)
    start = rng.uniform(0.2, 2.0, 3000).astype(np.float32) if with_start else np.full(3000, np.inf, np.float32)
    fast = BlasPrunedRunningMin(points, start, coarse_partition(points, n_clusters=12), max_centres=120)
    columns = as_columns(points)
    naive = start.copy()
    index = 11
    for _ in range(120):
        value, next_index = fast.add_centre(index)
        naive[index] = PICKED
        expected = update_running_min_all(columns, pad_centre(points[index], columns.shape[0]), naive)
        assert (value, next_index) == expected
        index = next_index
    np.testing.assert_array_equal(fast.running_min(), naive)
    assert fast.n_distance_evaluations < 120 * 3000


def test_reads_a_read_only_memory_map(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    points = clustered(rng, 1500, 512, 4)
    np.save(tmp_path / "x.npy", points)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    start = np.full(1500, np.inf, np.float32)
    a = BlasPrunedRunningMin(mapped, start, coarse_partition(mapped, n_clusters=6), max_centres=30)
    b = BlasPrunedRunningMin(points, start, coarse_partition(points, n_clusters=6), max_centres=30)
    index_a = index_b = 0
    for _ in range(30):
        value_a, index_a = a.add_centre(index_a)
        value_b, index_b = b.add_centre(index_b)
        assert (value_a, index_a) == (value_b, index_b)
