"""Cluster-pruned exact query → set search: the float64 brute-force answer, at high dimension too."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors import exact
from embedscope.neighbors.exact import exact_nearest_in_other_set


def brute_force(queries: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 (distance, index) of the nearest point, by blocks of direct differences."""
    x = points.astype(np.float64)
    dist, index = np.empty(len(queries)), np.empty(len(queries), dtype=np.int64)
    for i, q in enumerate(queries.astype(np.float64)):
        row = np.sqrt(((x - q) ** 2).sum(axis=1))
        index[i], dist[i] = int(np.argmin(row)), row.min()
    return dist, index


def clustered(rng: np.random.Generator, n: int, d: int, n_clusters: int) -> np.ndarray:
    centres = rng.standard_normal((n_clusters, d))
    x = centres[rng.integers(0, n_clusters, n)] + 0.3 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("d", [32, 768])
def test_matches_float64_brute_force(d: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exact, "PRUNED_MIN_POINTS", 0)
    rng = np.random.default_rng(d)
    data = clustered(rng, 2400, d, 12)
    points, queries = data[:2000], data[2000:].copy()
    queries[:20] = points[100:120]  # distance 0
    queries[20] = -points[0]  # far from everything
    points[1500:1510] = points[1000:1010]  # identical vectors: the lowest index wins
    queries[21:31] = points[1000:1010]
    expected_dist, expected_index = brute_force(queries, points)
    result = exact_nearest_in_other_set(queries, points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.indices, expected_index)


@pytest.mark.parametrize("d", [32, 768])
def test_self_search_through_the_pruning_matches_float64_brute_force(d: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exact, "SELF_PRUNED_MIN_POINTS", 0)
    rng = np.random.default_rng(d + 1)
    points = clustered(rng, 2000, d, 12)
    points[1500:1510] = points[1000:1010]  # duplicates: the other copy at distance 0, lower index first
    points[1700:1703] = points[20]
    expected_dist, expected_index = np.empty(len(points)), np.empty(len(points), dtype=np.int64)
    x = points.astype(np.float64)
    for i in range(len(points)):
        row = np.sqrt(((x - x[i]) ** 2).sum(axis=1))
        row[i] = np.inf
        expected_index[i], expected_dist[i] = int(np.argmin(row)), row.min()
    result = exact.exact_nearest_in_set(points)
    assert exact._prunable(np.ascontiguousarray(points))
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.indices, expected_index)
