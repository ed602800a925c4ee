"""PCA scatter coordinates: equal to scikit-learn's float64 PCA, and the same for 1 and 2 BLAS threads."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from embedscope.analyze.projection import PCA_BLOCK_ROWS, PCA_THREAD_TOLERANCE, pca_2d


def _unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    points = rng.normal(size=(n, d)) * np.linspace(3.0, 0.5, d)  # distinct variances: well-separated axes
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_pca_matches_sklearn_in_float64(rng: np.random.Generator) -> None:
    points = _unit_rows(rng, PCA_BLOCK_ROWS + 1000, 12)  # more than one block
    fit = np.arange(0, len(points), 3)
    reference = PCA(n_components=2, svd_solver="full").fit(points[fit].astype(np.float64))
    expected = reference.transform(points.astype(np.float64))
    got = pca_2d(points, fit_indices=fit).coordinates
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_pca_is_the_same_for_one_and_two_threads(rng: np.random.Generator) -> None:
    points = _unit_rows(rng, 20_000, 32)
    with threadpool_limits(limits=1):
        one = pca_2d(points).coordinates
    with threadpool_limits(limits=2):
        two = pca_2d(points).coordinates
    assert np.max(np.abs(one - two)) <= PCA_THREAD_TOLERANCE


def test_pca_of_one_dimensional_points_fills_one_axis() -> None:
    points = np.array([[1.0], [2.0], [4.0]], dtype=np.float32)
    coordinates = pca_2d(points).coordinates
    np.testing.assert_allclose(coordinates[:, 0], [-4 / 3, -1 / 3, 5 / 3], atol=1e-6)
    assert not coordinates[:, 1].any()
