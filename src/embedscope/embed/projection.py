"""From raw 1280-d features to the run's embedding: PCA to the embedding dimension, then L2 normalisation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from embedscope.errors import ConfigError

if TYPE_CHECKING:  # scikit-learn (~1 s to import) is loaded by the fit: Ray workers importing this module skip it
    from sklearn.decomposition import PCA

logger = logging.getLogger(__name__)

KEEP_ALL_DIMS = 0  # embedding_dim value meaning "no PCA, keep the 1280 features"
PCA_FIT_MAX_SAMPLES = 20_000  # top components are stable long before this; caps the fit at ~400 MB float64
PCA_SUBSAMPLE_SEED = 0  # fixed: the same features always give the same projection
TRANSFORM_BLOCK_ROWS = 16_384  # rows projected at a time: 160 MB as float64
PCA_BLAS_THREADS = 1  # 1280x1280 LAPACK gains little from threads and slows ~10x when cores are busy
ZERO_NORM = 1e-12  # a row shorter than this has no direction and stays zero


def l2_normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (norms computed in float64); zero rows stay zero. Returns float32."""
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1, keepdims=True)
    zero = norms[:, 0] < ZERO_NORM
    if zero.any():
        logger.warning("%d embedding(s) are zero after projection and stay zero", int(zero.sum()))
    return (vectors / np.where(zero[:, None], 1.0, norms)).astype(np.float32)


@dataclass(frozen=True)
class FeatureProjection:
    """A fitted PCA (None: keep all features) and the output size; :meth:`apply` works on any block of rows.

    Attributes:
        pca: the fitted model, or None for ``embedding_dim`` 0.
        embedding_dim: output columns (columns past the PCA's components are zero).
    """

    pca: PCA | None
    embedding_dim: int

    def apply(self, features: np.ndarray) -> np.ndarray:
        """(n, 1280) float32 raw features → (n, embedding_dim or 1280) float32 unit rows, in blocks of
        :data:`TRANSFORM_BLOCK_ROWS` (each row's result depends on that row alone)."""
        if self.pca is None:
            return l2_normalize_rows(features)
        n_components = int(self.pca.n_components_)
        projected = np.zeros((len(features), self.embedding_dim), dtype=np.float32)
        with threadpool_limits(limits=PCA_BLAS_THREADS, user_api="blas"):
            for start in range(0, len(features), TRANSFORM_BLOCK_ROWS):
                block = features[start : start + TRANSFORM_BLOCK_ROWS].astype(np.float64)
                projected[start : start + len(block), :n_components] = self.pca.transform(block)
        return l2_normalize_rows(projected)


def projection_fit_rows(n_samples: int) -> np.ndarray:
    """The rows (ascending int64 indices) the PCA is fitted on: all, or a fixed-seed subsample of
    :data:`PCA_FIT_MAX_SAMPLES` — so a caller holding the features in pieces can read just these."""
    if n_samples <= PCA_FIT_MAX_SAMPLES:
        return np.arange(n_samples, dtype=np.int64)
    picked = np.random.default_rng(PCA_SUBSAMPLE_SEED).choice(n_samples, PCA_FIT_MAX_SAMPLES, replace=False)
    return np.sort(picked).astype(np.int64)


def fit_projection(fit_rows: np.ndarray, *, n_samples: int, embedding_dim: int) -> FeatureProjection:
    """Fit the projection of :func:`project_features` on ``fit_rows`` = the features at
    :func:`projection_fit_rows` ``(n_samples)``.

    Raises:
        ConfigError: as :func:`project_features`.
    """
    n_features = fit_rows.shape[1]
    if not KEEP_ALL_DIMS <= embedding_dim <= n_features:
        raise ConfigError(
            f"--embedding-dim must be between 1 and {n_features} (or 0 to keep all {n_features} features), "
            f"got {embedding_dim}"
        )
    if embedding_dim == KEEP_ALL_DIMS:
        return FeatureProjection(pca=None, embedding_dim=n_features)
    if n_samples < 2:
        raise ConfigError(
            f"--embedding-dim {embedding_dim}: the PCA projection needs at least 2 samples, got {n_samples}; "
            "pass --embedding-dim 0 to keep the model's features"
        )
    n_components = min(embedding_dim, n_samples - 1)
    if n_components < embedding_dim:
        logger.warning(
            "only %d samples (images, frames or crops): PCA keeps %d components, the other %d embedding columns are zero",
            n_samples,
            n_components,
            embedding_dim - n_components,
        )
    from sklearn.decomposition import PCA

    solver = "full" if len(fit_rows) < n_features else "covariance_eigh"
    with threadpool_limits(limits=PCA_BLAS_THREADS, user_api="blas"):
        pca = PCA(n_components=n_components, svd_solver=solver).fit(fit_rows.astype(np.float64))
    return FeatureProjection(pca=pca, embedding_dim=embedding_dim)


def project_features(features: np.ndarray, *, embedding_dim: int) -> np.ndarray:
    """PCA (fitted on these features) to ``embedding_dim`` dimensions, then L2 normalisation.

    PCA is exact and deterministic (signs fixed by scikit-learn's ``svd_flip``): a full SVD when there are fewer
    samples than features, else the eigendecomposition of the 1280x1280 covariance. It is fitted on at most
    :data:`PCA_FIT_MAX_SAMPLES` rows (a fixed-seed subsample, :func:`projection_fit_rows`) and applied to all
    rows in blocks. With fewer than ``embedding_dim + 1`` samples the centred data has fewer directions than
    asked for: the PCA keeps ``n_samples - 1`` components and the remaining columns are zero (distances are
    exactly those of the full PCA), and a warning is logged.

    Args:
        features: (n_samples, 1280) float32 raw features.
        embedding_dim: output dimension, 1..1280; 0 keeps all 1280 features (only normalised).

    Returns:
        (n_samples, embedding_dim or 1280) float32, rows of unit length.

    Raises:
        ConfigError: ``embedding_dim`` outside 0..1280, or PCA asked for with fewer than 2 samples.
    """
    n_samples = len(features)
    rows = projection_fit_rows(n_samples)
    fit_rows = features if len(rows) == n_samples else features[rows]
    return fit_projection(fit_rows, n_samples=n_samples, embedding_dim=embedding_dim).apply(features)
