"""Above MAX_COVERAGE_QUERIES input samples the extra random subsets' coverage is measured on a seeded query
sample: checked against a float64 brute force over exactly that sample."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from embedscope.analyze.extra_metrics import random_baseline as rb
from embedscope.analyze.sets import random_subset


def test_extra_seeds_measured_on_the_stated_query_sample() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 8)).astype(np.float32)
    results = rb.random_baseline(vectors, subset_size=40, seeds=range(5, 8), max_coverage_queries=500)
    queries = random_subset(3000, 500, seed=5 + rb.COVERAGE_SAMPLE_SEED_OFFSET)
    for seed, metrics in results.items():
        rows = random_subset(3000, 40, seed=seed)
        cover = cdist(vectors[queries].astype(np.float64), vectors[rows].astype(np.float64)).min(axis=1)
        assert metrics.coverage_queries == 500
        np.testing.assert_allclose(metrics.coverage_mean, cover.mean(), rtol=1e-9)
        np.testing.assert_allclose(metrics.coverage_max, cover.max(), rtol=1e-9)
        everyone = cdist(vectors.astype(np.float64), vectors[rows].astype(np.float64)).min(axis=1)
        assert metrics.coverage_max <= everyone.max() + 1e-9


def test_every_input_sample_below_the_limit() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((400, 4)).astype(np.float32)
    result = rb.random_baseline(vectors, subset_size=10, seeds=[0])[0]
    rows = random_subset(400, 10, seed=0)
    cover = cdist(vectors.astype(np.float64), vectors[rows].astype(np.float64)).min(axis=1)
    assert result.coverage_queries is None
    np.testing.assert_allclose(result.coverage_max, cover.max(), rtol=1e-9)
