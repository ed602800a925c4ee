"""The facade: exact below EXACT_LIMIT (or when forced), approximate with measured recall above."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.neighbors import approximate, search
from embedscope.neighbors.search import nearest_in_other_set, nearest_neighbor_in_set


def clustered(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    centres = rng.standard_normal((20, d))
    x = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_exact_below_limit() -> None:
    rng = np.random.default_rng(1)
    points = clustered(rng, 800, 16)
    expected, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    result = nearest_neighbor_in_set(points)
    assert result.method == "exact" and result.recall is None
    np.testing.assert_allclose(result.distances, expected[:, 1], rtol=0, atol=1e-5)


def test_approximate_self_above_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_LIMIT", 500)
    rng = np.random.default_rng(2)
    points = clustered(rng, 4000, 16)
    truth, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    result = nearest_neighbor_in_set(points, seed=3)
    assert result.method == "ivf"
    assert result.recall_sample_size == 1000
    assert np.all(result.indices != np.arange(4000))
    chosen = np.linalg.norm(points.astype(np.float64) - points[result.indices].astype(np.float64), axis=1)
    np.testing.assert_allclose(result.distances, chosen, rtol=0, atol=1e-12)
    assert np.all(result.distances >= truth[:, 1] - 1e-9)
    full_recall = float(np.mean(np.abs(result.distances - truth[:, 1]) <= 1e-6))
    assert result.recall is not None and abs(result.recall - full_recall) < 0.05
    assert 0.5 < full_recall <= 1.0
    again = nearest_neighbor_in_set(points, seed=3)
    np.testing.assert_array_equal(again.indices, result.indices)
    assert again.recall == result.recall


def test_exact_forced_above_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_LIMIT", 10)
    rng = np.random.default_rng(4)
    points = clustered(rng, 300, 8)
    expected, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    result = nearest_neighbor_in_set(points, exact=True)
    assert result.method == "exact"
    np.testing.assert_allclose(result.distances, expected[:, 1], rtol=0, atol=1e-5)


def test_approximate_other_set_above_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_LIMIT", 500)
    rng = np.random.default_rng(5)
    points = clustered(rng, 3000, 16)
    queries = clustered(rng, 1500, 16)
    truth, _ = cKDTree(points.astype(np.float64)).query(queries.astype(np.float64), k=1)
    result = nearest_in_other_set(queries, points, seed=0)
    assert result.method == "ivf" and result.recall_sample_size == 1000
    assert np.all(result.distances >= truth - 1e-9)
    full_recall = float(np.mean(np.abs(result.distances - truth) <= 1e-6))
    assert result.recall is not None and abs(result.recall - full_recall) < 0.05


def test_other_set_small_searched_set_is_exact() -> None:
    rng = np.random.default_rng(6)
    queries = clustered(rng, 50, 4)
    points = clustered(rng, 1, 4)
    result = nearest_in_other_set(queries, points)
    np.testing.assert_array_equal(result.indices, 0)
    np.testing.assert_allclose(result.distances, np.linalg.norm(queries - points[0], axis=1), atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 3), (0, 3), (5,)])
def test_self_rejects_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="n >= 2"):
        nearest_neighbor_in_set(np.zeros(shape, dtype=np.float32))


def test_other_set_rejects_dimension_mismatch() -> None:
    with pytest.raises(ValueError, match=r"queries must have shape \(m, 3\)"):
        nearest_in_other_set(np.zeros((4, 2), dtype=np.float32), np.zeros((4, 3), dtype=np.float32))


def test_approximate_recall_is_measured_not_assumed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probing only 2 clusters misses many neighbours: the reported recall must say so."""
    monkeypatch.setattr(search, "EXACT_LIMIT", 500)
    monkeypatch.setattr(approximate, "N_PROBE", 2)
    rng = np.random.default_rng(8)
    points = rng.standard_normal((3000, 16)).astype(np.float32)
    truth, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    result = nearest_neighbor_in_set(points)
    full_recall = float(np.mean(np.abs(result.distances - truth[:, 1]) <= 1e-6))
    assert full_recall < 0.9
    assert result.recall is not None and abs(result.recall - full_recall) < 0.05
    assert np.all(result.distances >= truth[:, 1] - 1e-9)
