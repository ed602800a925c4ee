"""The inverted-file k-NN candidate search scored list by list, against float64 brute force (scipy cdist)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.neighbors.list_batched_knn import ivf_k_nearest_candidates


def clustered(n: int, d: int, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, d))
    return (centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, d))).astype(np.float32)


def brute_force_k_nearest(points: np.ndarray, k: int) -> np.ndarray:
    distances = cdist(points.astype(np.float64), points.astype(np.float64))
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :k], np.sort(distances, axis=1)[:, :k]


def test_probing_every_list_gives_the_exact_k_nearest_others() -> None:
    points = clustered(1500, 24, seed=0)
    found = ivf_k_nearest_candidates(points, 8, n_probe=10_000, seed=3)
    _, truth_distances = brute_force_k_nearest(points, 8)
    found_distances = np.linalg.norm(points[found].astype(np.float64) - points[:, None, :].astype(np.float64), axis=2)
    # same k nearest up to float32 near-ties: the distances match, nearest first
    np.testing.assert_allclose(found_distances, truth_distances, rtol=0, atol=1e-5)
    assert not np.any(found == np.arange(len(points))[:, None])


def test_few_probes_keep_a_high_recall_on_clustered_points_and_are_deterministic() -> None:
    points = clustered(4000, 32, seed=1)
    found = ivf_k_nearest_candidates(points, 16, n_probe=4, seed=5)
    truth, _ = brute_force_k_nearest(points, 1)
    recall = np.mean(np.any(found == truth, axis=1))
    assert recall >= 0.95
    np.testing.assert_array_equal(found, ivf_k_nearest_candidates(points, 16, n_probe=4, seed=5))


def test_fewer_scanned_points_than_k_are_padded_with_minus_one() -> None:
    points = clustered(12, 4, seed=2)
    found = ivf_k_nearest_candidates(points, 20, n_probe=100, seed=0)
    assert np.all(found[:, :11] >= 0) and np.all(found[:, 11:] == -1)


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="n >= 2"):
        ivf_k_nearest_candidates(np.zeros((1, 4), dtype=np.float32), 2, n_probe=1)
