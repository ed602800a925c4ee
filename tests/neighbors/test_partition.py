"""The coarse partition: a permutation into units whose radius intervals really hold."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors.partition import coarse_partition


@pytest.mark.parametrize(("n", "n_clusters"), [(1, 1), (10, 3), (5000, 40), (3000, 3000)])
def test_units_cover_points_and_bound_radii(n: int, n_clusters: int) -> None:
    rng = np.random.default_rng(n)
    centres = rng.standard_normal((6, 16)) * 3
    points = (centres[rng.integers(0, 6, n)] + rng.standard_normal((n, 16))).astype(np.float32)
    part = coarse_partition(points, n_clusters=n_clusters, seed=1)
    np.testing.assert_array_equal(np.sort(part.order), np.arange(n))
    assert part.starts[0] == 0 and part.starts[-1] == n and np.all(np.diff(part.starts) > 0)
    for u in range(part.starts.size - 1):
        members = part.order[part.starts[u] : part.starts[u + 1]]
        assert np.all(np.diff(members) > 0)
        centroid = part.centroids[part.unit_cluster[u]]
        r = np.linalg.norm(points[members].astype(np.float64) - centroid, axis=1)
        assert np.all(r >= part.inner[u]) and np.all(r <= part.outer[u])


def test_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(2)
    points = rng.standard_normal((4000, 8)).astype(np.float32)
    a = coarse_partition(points, n_clusters=30, seed=5)
    b = coarse_partition(points, n_clusters=30, seed=5)
    np.testing.assert_array_equal(a.order, b.order)
    np.testing.assert_array_equal(a.outer, b.outer)
