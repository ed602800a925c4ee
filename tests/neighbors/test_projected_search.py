"""High-dimensional approximate self-1-NN: PCA-space candidates re-ranked in the full space, against float64
brute force on 3,000 × 768 clustered points (each cluster varying in its own 24-d subspace)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.neighbors import projected_search, search
from embedscope.neighbors.search import nearest_neighbor_in_set


def subspace_clusters(n: int, d: int, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((12, d))
    bases = rng.standard_normal((12, 24, d)) / np.sqrt(d)
    labels = rng.integers(0, 12, n)
    x = centres[labels] + np.einsum("nk,nkd->nd", rng.standard_normal((n, 24)), bases[labels])
    x += 0.02 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def points() -> np.ndarray:
    return subspace_clusters(3000, 768, seed=0)


@pytest.fixture(scope="module")
def truth(points: np.ndarray) -> np.ndarray:
    distances = cdist(points.astype(np.float64), points.astype(np.float64))
    np.fill_diagonal(distances, np.inf)
    return distances.min(axis=1)


def test_distances_are_exact_for_the_neighbour_found_and_recall_is_measured(points: np.ndarray, truth: np.ndarray) -> None:
    result = projected_search.projected_nearest_in_set(points, seed=1, recall_sample=500)
    assert result.method == projected_search.METHOD and result.recall_sample_size == 500
    assert np.all(result.indices != np.arange(len(points)))
    found = np.linalg.norm(points.astype(np.float64) - points[result.indices].astype(np.float64), axis=1)
    np.testing.assert_allclose(result.distances, found, rtol=0, atol=1e-12)
    assert np.all(result.distances >= truth - 1e-9)
    hit = np.abs(result.distances - truth) <= 1e-6
    sample = np.sort(np.random.default_rng(1).choice(len(points), size=500, replace=False))
    assert result.recall == pytest.approx(float(hit[sample].mean()), abs=1e-12)
    assert hit.mean() >= 0.97


def test_same_seed_same_result_and_memory_mapped_input(points: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "x.npy"
    np.save(path, points)
    first = projected_search.projected_nearest_in_set(points, seed=2)
    mapped = projected_search.projected_nearest_in_set(np.load(path, mmap_mode="r"), seed=2)
    np.testing.assert_array_equal(first.indices, mapped.indices)
    np.testing.assert_array_equal(first.distances, mapped.distances)


def test_duplicates_are_found_at_distance_zero() -> None:
    base = subspace_clusters(400, 256, seed=3)
    points = np.concatenate([base, base[:50]])
    result = projected_search.projected_nearest_in_set(points, seed=0)
    np.testing.assert_array_equal(result.distances[:50], 0.0)
    np.testing.assert_array_equal(result.indices[400:], np.arange(50))


def test_facade_uses_it_from_its_dimension_on(monkeypatch: pytest.MonkeyPatch, points: np.ndarray) -> None:
    monkeypatch.setattr(search, "EXACT_LIMIT", 1000)
    assert nearest_neighbor_in_set(points, seed=0).method == projected_search.METHOD
    assert nearest_neighbor_in_set(np.ascontiguousarray(points[:, :64]), seed=0).method == "ivf"
