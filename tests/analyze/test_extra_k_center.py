"""k-center radius, its certified lower bound, and the facility-location objective."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.analyze.extra_metrics.k_center import k_center_objectives
from embedscope.select.k_center_greedy import k_center_greedy


def _optimal_radius(points: np.ndarray, k: int, datapool: np.ndarray | None) -> float:
    """Brute force over every k-subset of the points as centres (datapool always a centre), float64."""
    best = np.inf
    for centres in itertools.combinations(range(len(points)), k):
        stack = points[list(centres)] if datapool is None else np.concatenate([points[list(centres)], datapool])
        best = min(best, float(cdist(points, stack).min(axis=1).max()))
    return best


@pytest.mark.parametrize(("n", "k", "m"), [(10, 3, 0), (11, 2, 2), (9, 4, 1)])
def test_greedy_bound_brackets_the_optimum(rng: np.random.Generator, n: int, k: int, m: int) -> None:
    points = rng.normal(size=(n, 2)).astype(np.float64)
    datapool = rng.normal(size=(m, 2)) if m else None
    greedy = k_center_greedy(points.astype(np.float32), n_samples=k,
                             datapool=None if datapool is None else datapool.astype(np.float32))
    stack = points[greedy.indices] if datapool is None else np.concatenate([points[greedy.indices], datapool])
    cover = cdist(points, stack).min(axis=1)
    objectives = k_center_objectives(cover, from_greedy=True)
    optimum = _optimal_radius(points, k, datapool)
    assert objectives.radius == pytest.approx(cover.max())
    assert objectives.facility_location == pytest.approx(cover.mean())
    bound = objectives.optimal_radius_lower_bound
    assert bound is not None and bound == pytest.approx(cover.max() / 2)
    assert bound <= optimum + 1e-9 <= objectives.radius + 2e-9


def test_no_bound_without_greedy(rng: np.random.Generator) -> None:
    cover = rng.uniform(size=50)
    objectives = k_center_objectives(cover, from_greedy=False)
    assert objectives.optimal_radius_lower_bound is None
    assert objectives.radius == pytest.approx(float(cover.max()))
    assert objectives.facility_location == pytest.approx(float(cover.mean()))
