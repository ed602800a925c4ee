"""Metrics of several random subsets against float64 brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.analyze.extra_metrics.random_baseline import SubsetMetrics, random_baseline
from embedscope.analyze.sets import random_subset
from tests.analyze.test_extra_vendi import _reference_vendi


def _reference_subset(data: np.ndarray, rows: np.ndarray, datapool: np.ndarray | None) -> SubsetMetrics:
    subset = data[rows].astype(np.float64)
    within = cdist(subset, subset)
    np.fill_diagonal(within, np.inf)
    centres = subset if datapool is None else np.concatenate([subset, datapool.astype(np.float64)])
    cover = cdist(data.astype(np.float64), centres).min(axis=1)
    return SubsetMetrics(
        diversity_mean=float(within.min(axis=1).mean()), coverage_mean=float(cover.mean()),
        coverage_max=float(cover.max()), vendi=_reference_vendi(data[rows]),
    )


@pytest.mark.parametrize(("n", "k", "m"), [(200, 20, 0), (500, 7, 30)])
def test_each_seed_matches_brute_force(rng: np.random.Generator, n: int, k: int, m: int) -> None:
    data = rng.normal(size=(n, 6)).astype(np.float32)
    datapool = rng.normal(size=(m, 6)).astype(np.float32) if m else None
    results = random_baseline(data, subset_size=k, seeds=[3, 4, 5], datapool=datapool, exact=True)
    assert sorted(results) == [3, 4, 5]
    for seed, got in results.items():
        expected = _reference_subset(data, random_subset(n, k, seed=seed), datapool)
        assert got.diversity_mean == pytest.approx(expected.diversity_mean, rel=1e-6)
        assert got.coverage_mean == pytest.approx(expected.coverage_mean, rel=1e-6)
        assert got.coverage_max == pytest.approx(expected.coverage_max, rel=1e-6)
        assert got.vendi == pytest.approx(expected.vendi, rel=1e-9)


def test_known_seeds_are_reused(rng: np.random.Generator) -> None:
    data = rng.normal(size=(100, 4)).astype(np.float32)
    known = SubsetMetrics(diversity_mean=-1.0, coverage_mean=-2.0, coverage_max=-3.0, vendi=-4.0)
    results = random_baseline(data, subset_size=10, seeds=[0, 1], known={0: known})
    assert results[0] is known
    assert results[1].coverage_mean > 0
