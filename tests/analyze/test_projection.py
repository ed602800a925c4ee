"""2-D projections at high dimension: PCA before UMAP keeps the geometry that UMAP sees."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

from embedscope.analyze.projection import UMAP_INPUT_DIMS, reduce_dimensions


def test_reduction_preserves_distances_of_low_rank_data() -> None:
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((768, 20)))[0].T
    x = (rng.standard_normal((1500, 20)) @ basis + 0.3).astype(np.float32)  # rank 20 (+ a shift) in 768-d
    reduced = reduce_dimensions(x, n_components=UMAP_INPUT_DIMS, seed=0)
    assert reduced.shape == (1500, UMAP_INPUT_DIMS)
    np.testing.assert_allclose(pdist(reduced.astype(np.float64)), pdist(x.astype(np.float64)), atol=1e-4)

