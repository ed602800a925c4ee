"""Exact neighbour search against float64 brute force and scipy's cKDTree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.neighbors import block_search
from embedscope.neighbors.exact import exact_nearest_in_other_set, exact_nearest_in_set

TOLERANCE = 1e-5
"""Issue 7: exact distances within 1e-5 (absolute) of float64 brute force."""


def brute_force_self(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of the nearest other point, float64, excluding self by index."""
    x = points.astype(np.float64)
    dist = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    return dist.min(axis=1), dist.argmin(axis=1)


def brute_force_other(queries: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q, x = queries.astype(np.float64), points.astype(np.float64)
    dist = np.sqrt(((q[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    return dist.min(axis=1), dist.argmin(axis=1)


def clustered(rng: np.random.Generator, n: int, d: int, spread: float = 0.1) -> np.ndarray:
    centres = rng.standard_normal((7, d))
    x = centres[rng.integers(0, 7, n)] + spread * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize(("n", "d"), [(2, 1), (3, 1), (17, 2), (300, 8), (1500, 32), (700, 100)])
def test_self_matches_brute_force(n: int, d: int) -> None:
    rng = np.random.default_rng(n * 1000 + d)
    points = clustered(rng, n, d)
    expected_dist, _ = brute_force_self(points)
    result = exact_nearest_in_set(points)
    assert result.method == "exact" and result.recall is None and result.recall_sample_size is None
    assert result.distances.dtype == np.float64 and result.indices.dtype == np.int64
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    assert np.all(result.indices != np.arange(n))
    chosen = np.linalg.norm(points.astype(np.float64) - points[result.indices].astype(np.float64), axis=1)
    np.testing.assert_allclose(result.distances, chosen, rtol=0, atol=1e-12)


def test_self_matches_ckdtree_in_many_blocks() -> None:
    rng = np.random.default_rng(7)
    points = clustered(rng, 3000, 16)
    expected, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    result = exact_nearest_in_set(points, memory_budget_bytes=64 * 1024)
    np.testing.assert_allclose(result.distances, expected[:, 1], rtol=0, atol=TOLERANCE)


def test_duplicates_count_at_distance_zero() -> None:
    rng = np.random.default_rng(11)
    points = rng.standard_normal((40, 5)).astype(np.float32)
    points[25] = points[3]
    points[30] = points[3]
    result = exact_nearest_in_set(points)
    assert result.distances[3] == 0.0 and result.indices[3] in (25, 30)
    assert result.distances[25] == 0.0 and result.indices[25] in (3, 30)
    two = np.zeros((2, 4), dtype=np.float32)
    pair = exact_nearest_in_set(two)
    np.testing.assert_array_equal(pair.indices, [1, 0])
    np.testing.assert_array_equal(pair.distances, [0.0, 0.0])


def test_tiny_distances_are_exact() -> None:
    """Near-duplicates 1e-4 apart: float32 |x|²+|y|²-2x·y would be off by ~1e-3 here."""
    rng = np.random.default_rng(5)
    base = clustered(rng, 400, 32)
    points = np.concatenate(
        [base, base + np.float32(1e-4) * rng.standard_normal(base.shape, dtype=np.float32)]
    )
    expected_dist, _ = brute_force_self(points)
    result = exact_nearest_in_set(points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    assert np.all(np.abs(result.indices - np.arange(800)) == 400)


def test_query_indices_subset() -> None:
    rng = np.random.default_rng(3)
    points = clustered(rng, 500, 12)
    expected_dist, expected_idx = brute_force_self(points)
    subset = np.array([0, 7, 499, 250])
    result = exact_nearest_in_set(points, query_indices=subset)
    np.testing.assert_allclose(result.distances, expected_dist[subset], rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(result.indices, expected_idx[subset])


@pytest.mark.parametrize(("m", "n", "d"), [(1, 1, 1), (5, 1, 3), (200, 2, 4), (900, 1300, 32), (64, 3000, 7)])
def test_other_set_matches_brute_force(m: int, n: int, d: int) -> None:
    rng = np.random.default_rng(m + 10 * n + 100 * d)
    queries = clustered(rng, m, d)
    points = clustered(rng, n, d)
    expected_dist, _ = brute_force_other(queries, points)
    result = exact_nearest_in_other_set(queries, points, memory_budget_bytes=256 * 1024)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    chosen = np.linalg.norm(queries.astype(np.float64) - points[result.indices].astype(np.float64), axis=1)
    np.testing.assert_allclose(result.distances, chosen, rtol=0, atol=1e-12)


def test_other_set_finds_identical_points() -> None:
    rng = np.random.default_rng(9)
    points = clustered(rng, 1000, 32)
    order = rng.permutation(1000)[:300]
    result = exact_nearest_in_other_set(points[order], points)
    np.testing.assert_array_equal(result.distances, 0.0)
    np.testing.assert_array_equal(result.indices, order)


def test_unnormalised_large_values() -> None:
    rng = np.random.default_rng(21)
    points = (rng.standard_normal((600, 24)) * 3.0 + 5.0).astype(np.float32)
    expected_dist, _ = brute_force_self(points)
    result = exact_nearest_in_set(points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=1e-6, atol=TOLERANCE)


@pytest.fixture
def small_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiles of 64 points, so that small sets cross many tiles (symmetric pairs, merges, edges)."""
    monkeypatch.setattr(block_search, "TILE", 64)


@pytest.mark.usefixtures("small_tiles")
@pytest.mark.parametrize(("n", "d"), [(65, 3), (1000, 32), (1501, 9)])
def test_self_across_tiles(n: int, d: int) -> None:
    rng = np.random.default_rng(n + d)
    points = clustered(rng, n, d)
    expected_dist, expected_idx = brute_force_self(points)
    result = exact_nearest_in_set(points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(result.indices, expected_idx)


@pytest.mark.usefixtures("small_tiles")
def test_other_set_across_tiles() -> None:
    rng = np.random.default_rng(17)
    queries = clustered(rng, 700, 16)
    points = clustered(rng, 900, 16)
    expected_dist, expected_idx = brute_force_other(queries, points)
    result = exact_nearest_in_other_set(queries, points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(result.indices, expected_idx)


@pytest.mark.usefixtures("small_tiles")
def test_groups_of_duplicates_are_resolved_to_lowest_index() -> None:
    """Three or more identical vectors tie in float32: those queries are re-searched in float64."""
    rng = np.random.default_rng(23)
    base = clustered(rng, 200, 8)
    points = np.concatenate([base, base, base, clustered(rng, 100, 8)])
    result = exact_nearest_in_set(points)
    expected_dist, _ = brute_force_self(points)
    np.testing.assert_allclose(result.distances, expected_dist, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(result.distances[:600], 0.0)
    np.testing.assert_array_equal(result.indices[:200], np.arange(200, 400))
    np.testing.assert_array_equal(result.indices[200:600], np.tile(np.arange(200), 2))
    other = exact_nearest_in_other_set(base, points)
    np.testing.assert_array_equal(other.indices, np.arange(200))
