"""PCA + L2 normalisation against a float64 SVD written here."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.embed.projection import l2_normalize_rows, project_features
from embedscope.errors import ConfigError


def _reference(features: np.ndarray, dim: int) -> np.ndarray:
    """Centre, project on the top ``dim`` right singular vectors (float64), normalise rows."""
    centred = features.astype(np.float64) - features.astype(np.float64).mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ vt[:dim].T
    return projected / np.linalg.norm(projected, axis=1, keepdims=True)


def _low_rank_features(rng: np.random.Generator, n: int, rank: int = 40) -> np.ndarray:
    """(n, 1280) features with a decaying spectrum, so the top components are well separated."""
    scales = 10.0 * 0.85 ** np.arange(rank)
    return ((rng.standard_normal((n, rank)) * scales) @ rng.standard_normal((rank, 1280))).astype(np.float32)


def test_pca_matches_reference_up_to_component_signs() -> None:
    rng = np.random.default_rng(9)
    features = _low_rank_features(rng, 300)
    projected = project_features(features, embedding_dim=8)
    expected = _reference(features, 8)
    assert projected.shape == (300, 8) and projected.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(projected, axis=1), 1.0, atol=1e-6)
    # Gram matrices do not depend on the sign of each component.
    np.testing.assert_allclose(projected @ projected.T, expected @ expected.T, atol=1e-4)
    np.testing.assert_array_equal(project_features(features, embedding_dim=8), projected)


def test_fewer_samples_than_dimensions_pads_with_zero_columns() -> None:
    rng = np.random.default_rng(10)
    features = _low_rank_features(rng, 5)
    projected = project_features(features, embedding_dim=32)
    assert projected.shape == (5, 32)
    assert (projected[:, 4:] == 0).all()
    expected = _reference(features, 4)  # 5 centred samples span 4 directions: nothing is lost
    np.testing.assert_allclose(projected[:, :4] @ projected[:, :4].T, expected @ expected.T, atol=1e-4)


def test_zero_dim_keeps_all_features_normalised() -> None:
    features = np.random.default_rng(11).standard_normal((7, 1280)).astype(np.float32)
    expected = features.astype(np.float64) / np.linalg.norm(
        features.astype(np.float64), axis=1, keepdims=True
    )
    np.testing.assert_allclose(project_features(features, embedding_dim=0), expected, atol=1e-6)
    np.testing.assert_array_equal(l2_normalize_rows(np.zeros((2, 3), np.float32)), np.zeros((2, 3)))


@pytest.mark.parametrize("dim", [-1, 1281])
def test_embedding_dim_out_of_range(dim: int) -> None:
    features = np.ones((4, 1280), dtype=np.float32)
    with pytest.raises(ConfigError, match=rf"--embedding-dim must be between 1 and 1280 .*got {dim}"):
        project_features(features, embedding_dim=dim)


def test_pca_needs_two_samples() -> None:
    with pytest.raises(ConfigError, match="needs at least 2 samples, got 1; pass --embedding-dim 0"):
        project_features(np.ones((1, 1280), dtype=np.float32), embedding_dim=32)
    assert project_features(np.ones((1, 1280), dtype=np.float32), embedding_dim=0).shape == (1, 1280)


def test_few_samples_warning_says_samples(rng: np.random.Generator, caplog: pytest.LogCaptureFixture) -> None:
    """Video frames and crops are samples too: the warning does not call them images; the zero columns are real."""
    features = rng.normal(size=(5, 1280)).astype(np.float32)
    with caplog.at_level("WARNING", logger="embedscope.embed.projection"):
        projected = project_features(features, embedding_dim=8)
    assert [r.getMessage() for r in caplog.records] == [
        "only 5 samples (images, frames or crops): PCA keeps 4 components, the other 4 embedding columns are zero"]
    assert np.all(projected[:, 4:] == 0) and np.linalg.matrix_rank(projected[:, :4].astype(np.float64)) == 4
