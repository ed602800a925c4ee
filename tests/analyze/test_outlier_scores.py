"""Outlier score = distance to the k-th nearest other sample, against brute force."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from embedscope.analyze import outlier_scores as scores_module
from embedscope.analyze.outlier_scores import OUTLIER_SCORE_K, outlier_scores


def test_kth_neighbour_distance_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((500, 5)).astype(np.float32)
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    np.fill_diagonal(d, np.inf)
    expected = np.sort(d, axis=1)[:, OUTLIER_SCORE_K - 1]
    np.testing.assert_allclose(outlier_scores(x), expected, rtol=1e-5)


def test_approximate_path_finds_planted_far_points(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    x = np.vstack([rng.standard_normal((3000, 4)), 30 + rng.standard_normal((3, 4))]).astype(np.float32)
    monkeypatch.setattr(scores_module, "EXACT_LIMIT", 100)
    scores = outlier_scores(x)
    np.testing.assert_array_equal(np.sort(np.argsort(scores)[-3:]), [3000, 3001, 3002])
