"""2-D projections at high dimension: PCA before UMAP keeps the geometry that UMAP sees."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from embedscope.analyze.projection import UMAP_INPUT_DIMS, reduce_dimensions


def test_reduction_preserves_distances_of_low_rank_data() -> None:
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((768, 20)))[0].T
    x = (rng.standard_normal((1500, 20)) @ basis + 0.3).astype(np.float32)  # rank 20 (+ a shift) in 768-d
    reduced = reduce_dimensions(x, n_components=UMAP_INPUT_DIMS, seed=0)
    assert reduced.shape == (1500, UMAP_INPUT_DIMS)
    np.testing.assert_allclose(pdist(reduced.astype(np.float64)), pdist(x.astype(np.float64)), atol=1e-4)



def test_umap_is_reproducible_and_stacking_the_datapool_copies_nothing() -> None:
    """Same seed → the same layout (on one machine); rows passed as ``also_project`` are placed exactly as
    the same rows stacked into one array (the run passes the datapool that way, so no (n, d) copy is made)."""
    from embedscope.analyze.projection import umap_2d

    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 64)).astype(np.float32)
    pool = rng.standard_normal((30, 64)).astype(np.float32)
    stacked = umap_2d(np.concatenate([x, pool]), seed=3, fit_sample=200).coordinates
    again = umap_2d(np.concatenate([x, pool]), seed=3, fit_sample=200).coordinates
    parts = umap_2d(x, also_project=pool, seed=3, fit_sample=200).coordinates
    np.testing.assert_array_equal(stacked, again)
    np.testing.assert_array_equal(parts, stacked)


def test_pca_of_parts_equals_pca_of_the_stack_fitted_on_the_first_part() -> None:
    from embedscope.analyze.projection import pca_2d

    rng = np.random.default_rng(2)
    x = rng.standard_normal((300, 12)).astype(np.float32)
    pool = rng.standard_normal((20, 12)).astype(np.float32) + 1.0
    parts = pca_2d(x, also_project=pool).coordinates
    stack = pca_2d(np.concatenate([x, pool]), fit_indices=np.arange(300)).coordinates
    np.testing.assert_allclose(parts, stack, atol=1e-6)
    # independent reference: numpy SVD of the centred first part, signs as svd_flip
    centred = x.astype(np.float64) - x.astype(np.float64).mean(axis=0)
    axes = np.linalg.svd(centred, full_matrices=False)[2][:2].T
    axes *= np.sign(axes[np.argmax(np.abs(axes), axis=0), [0, 1]])
    expected = (np.concatenate([x, pool]).astype(np.float64) - x.astype(np.float64).mean(axis=0)) @ axes
    np.testing.assert_allclose(parts, expected, atol=1e-5)


def test_2d_pca_of_many_points_is_fitted_on_a_seeded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    from embedscope.analyze import projection

    monkeypatch.setattr(projection, "PCA_2D_FIT_SAMPLE", 500)
    assert projection.pca_2d_fit_rows(500, seed=0) is None
    rows = projection.pca_2d_fit_rows(2000, seed=3)
    np.testing.assert_array_equal(rows, projection.pca_2d_fit_rows(2000, seed=3))
    assert len(rows) == 500 and np.all(np.diff(rows) > 0)
    rng = np.random.default_rng(0)
    points = (rng.standard_normal((2000, 40)) * np.linspace(3, 0.1, 40)).astype(np.float32)
    fitted = projection.pca_2d(points, fit_indices=rows).coordinates
    sample = points[rows].astype(np.float64)
    _, _, vt = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
    axes = vt[:2].T * np.sign(vt[:2].T[np.abs(vt[:2].T).argmax(axis=0), [0, 1]])
    np.testing.assert_allclose(fitted, (points - sample.mean(axis=0)) @ axes, atol=1e-5)
