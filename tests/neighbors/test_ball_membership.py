"""Nearest centre and strict ball membership in one pass, against float64 brute force (scipy cdist)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.neighbors.ball_membership import nearest_center_and_ball_membership
from embedscope.neighbors.pair_distances import pair_distances


def _reference(queries: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distance = cdist(queries.astype(np.float64), centers.astype(np.float64))
    return np.argmin(distance, axis=1), (distance < radii[None, :]).any(axis=1)


@pytest.mark.parametrize(("m", "n", "d"), [(700, 90, 3), (1500, 1300, 64), (300, 2100, 768)])
def test_matches_brute_force(rng: np.random.Generator, m: int, n: int, d: int) -> None:
    centers = rng.normal(size=(n, d)).astype(np.float32)
    queries = (centers[rng.integers(0, n, size=m)] + rng.normal(scale=0.4, size=(m, d))).astype(np.float32)
    nearest_distance = cdist(queries.astype(np.float64), centers.astype(np.float64)).min(axis=1)
    radii = rng.uniform(0.8, 1.2, size=n) * np.median(nearest_distance)
    nearest, inside = nearest_center_and_ball_membership(queries, centers, radii)
    expected_nearest, expected_inside = _reference(queries, centers, radii)
    assert 0.1 < expected_inside.mean() < 0.9
    np.testing.assert_array_equal(nearest, expected_nearest)
    np.testing.assert_array_equal(inside, expected_inside)


def test_ties_on_the_boundary_are_outside_and_duplicates_take_the_lowest_index() -> None:
    """Integer grid points: every squared distance is exact, so radii equal to a distance put queries exactly
    on a ball's boundary (the strict < of PRDC says outside), and duplicate centres tie exactly."""
    grid = np.array([[x, y, z] for x in range(6) for y in range(6) for z in range(4)], dtype=np.float32)
    centers = np.concatenate([grid[::3], grid[::3][:5]])  # the last five repeat earlier centres
    neighbours = centers + np.array([1, 1, 0], dtype=np.float32) * (np.arange(len(centers)) % 2)[:, None]
    neighbours[:, 0] += 1 - np.arange(len(centers)) % 2  # odd centres: (1, 1, 0) away, √2; even: (1, 0, 0), 1
    own = np.arange(len(centers))
    radii = pair_distances(neighbours, own, centers, own)
    nearest, inside = nearest_center_and_ball_membership(grid, centers, radii)
    expected_nearest, expected_inside = _reference(grid, centers, radii)
    np.testing.assert_array_equal(nearest, expected_nearest)
    np.testing.assert_array_equal(inside, expected_inside)
    on_boundary = (cdist(grid, centers) == radii[None, :]).any(axis=1) & ~expected_inside
    assert on_boundary.sum() > 0


def test_float64_far_from_the_origin(rng: np.random.Generator) -> None:
    """Norm ~1e4 with radii ~1: the float32 pass alone could not tell; centring and the float64 re-check do."""
    offset = np.full(8, 1e4)
    centers = offset + rng.normal(size=(200, 8))
    queries = offset + rng.normal(scale=1.3, size=(900, 8))
    radii = rng.uniform(0.5, 1.5, size=200)
    nearest, inside = nearest_center_and_ball_membership(queries, centers, radii)
    expected_nearest, expected_inside = _reference(queries, centers, radii)
    np.testing.assert_array_equal(nearest, expected_nearest)
    np.testing.assert_array_equal(inside, expected_inside)


def test_bad_shapes_are_refused(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="radii must have shape"):
        nearest_center_and_ball_membership(rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), np.ones(4))
    with pytest.raises(ValueError, match="queries"):
        nearest_center_and_ball_membership(rng.normal(size=(4, 2)), rng.normal(size=(5, 3)), np.ones(5))
