"""k nearest other points, each pair scored once, against float64 brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.neighbors.k_nearest_self import k_nearest_in_set


@pytest.mark.parametrize(("n", "d", "k"), [(50, 3, 5), (2600, 16, 5), (1100, 768, 3)])
def test_matches_brute_force(rng: np.random.Generator, n: int, d: int, k: int) -> None:
    points = rng.normal(size=(n, d)).astype(np.float32)
    distance = cdist(points.astype(np.float64), points.astype(np.float64))
    np.fill_diagonal(distance, np.inf)
    np.testing.assert_array_equal(k_nearest_in_set(points, k=k), np.argsort(distance, axis=1, kind="stable")[:, :k])


def test_duplicates_count_at_distance_zero_and_self_is_excluded(rng: np.random.Generator) -> None:
    base = rng.normal(size=(1500, 8)).astype(np.float32)
    points = np.concatenate([base, base[:700]])  # rows 1500.. repeat rows 0..699
    found = k_nearest_in_set(points, k=4)
    assert not (found == np.arange(len(points))[:, None]).any()
    np.testing.assert_array_equal(found[:700, 0], np.arange(1500, 2200))
    np.testing.assert_array_equal(found[1500:, 0], np.arange(700))
    distance = cdist(points.astype(np.float64), points.astype(np.float64))
    np.fill_diagonal(distance, np.inf)
    np.testing.assert_allclose(np.take_along_axis(distance, found, axis=1), np.sort(distance, axis=1)[:, :4])


def test_k_must_leave_other_points() -> None:
    with pytest.raises(ValueError, match=r"k must be in \[1, 2\]"):
        k_nearest_in_set(np.zeros((3, 2), dtype=np.float32), k=3)
