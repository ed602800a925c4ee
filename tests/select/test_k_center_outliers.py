"""k-center with outliers: planted far points are found; the radius without them beats plain greedy's."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.errors import ConfigError
from embedscope.select.k_center_greedy import k_center_greedy
from embedscope.select.k_center_outliers import k_center_with_outliers, parse_outlier_count


def _blobs_with_far_points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((6, 8))
    x = centres[rng.integers(0, 6, 3000)] + 0.2 * rng.standard_normal((3000, 8))
    far = rng.standard_normal((15, 8))
    far = 25.0 * far / np.linalg.norm(far, axis=1, keepdims=True)
    return np.vstack([x, far]).astype(np.float32), np.arange(3000, 3015)


def test_planted_far_points_are_the_outliers() -> None:
    x, far = _blobs_with_far_points(0)
    result = k_center_with_outliers(x, n_samples=20, n_outliers=15)
    np.testing.assert_array_equal(np.sort(result.outliers), far)
    assert not np.isin(result.indices, far).any() and result.indices.size == 20
    # the stated radii are the brute-force distances to the selection
    brute = np.min(np.linalg.norm(x[:, None, :].astype(np.float64) - x[result.indices][None], axis=2), axis=1)
    np.testing.assert_allclose(result.cover_distances, brute, rtol=1e-6)  # float32 greedy arithmetic
    assert result.radius_without_outliers == pytest.approx(np.delete(brute, far).max())
    plain = k_center_greedy(x, n_samples=20)
    assert np.isin(far, plain.indices).all()  # farthest-first spends 15 of 20 picks on the far points
    assert result.radius_without_outliers < np.delete(plain.min_distances, far).max()


def test_datapool_covers_its_region() -> None:
    x, far = _blobs_with_far_points(1)
    result = k_center_with_outliers(x[:3000], n_samples=10, n_outliers=5, datapool=x[far])
    assert result.indices.size == 10 and result.outliers.size == 5


@pytest.mark.parametrize(("value", "expected"), [("50", 50), ("0.01", 10), ("0", 0)])
def test_parse_outlier_count(value: str, expected: int) -> None:
    assert parse_outlier_count(value, 1000) == expected


@pytest.mark.parametrize("value", ["1000", "2000", "-1", "abc", "1.5"])
def test_parse_outlier_count_refuses(value: str) -> None:
    with pytest.raises(ConfigError, match="--outliers"):
        parse_outlier_count(value, 1000)
