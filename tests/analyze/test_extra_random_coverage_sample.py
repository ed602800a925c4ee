"""Large inputs: the extra random subsets' coverage is measured on a seeded query sample, the subset's own samples
counted at distance 0 and the others' mean scaled by their share; checked against a float64 brute force over
exactly that sample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.analyze.extra_metrics import random_baseline as rb
from embedscope.analyze.extra_metrics.prdc import real_reference
from embedscope.analyze.sets import random_subset
from tests.analyze.test_extra_prdc import _reference_prdc


def test_extra_seeds_measured_on_the_stated_query_sample() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 8)).astype(np.float32)
    results = rb.random_baseline(vectors, subset_size=40, seeds=range(5, 8), max_coverage_queries=500)
    queries = random_subset(3000, 500, seed=5 + rb.COVERAGE_SAMPLE_SEED_OFFSET)
    for seed, metrics in results.items():
        rows = random_subset(3000, 40, seed=seed)
        others = np.setdiff1d(queries, rows)
        cover = cdist(vectors[others].astype(np.float64), vectors[rows].astype(np.float64)).min(axis=1)
        assert metrics.coverage_queries == 500
        np.testing.assert_allclose(metrics.coverage_mean, cover.mean() * (3000 - 40) / 3000, rtol=1e-9)
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
    np.testing.assert_allclose(result.coverage_mean, cover.mean(), rtol=1e-12)
    np.testing.assert_allclose(result.coverage_max, cover.max(), rtol=1e-9)


def test_the_extra_seeds_together_search_as_many_pairs_as_one_full_search() -> None:
    assert rb.coverage_sample_size(5_000, 4) == 5_000
    assert rb.coverage_sample_size(30_000, 4) == rb.MIN_COVERAGE_QUERIES
    assert rb.coverage_sample_size(200_000, 4) == 50_000
    assert rb.coverage_sample_size(2_000_000, 4) == rb.MAX_COVERAGE_QUERIES
    assert rb.coverage_sample_size(60_000, 0) == 60_000


def test_sampled_coverage_and_prdc_from_one_search_match_brute_force() -> None:
    """With PRDC requested the query sample holds the PRDC reference: one search answers both."""
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((3000, 6)).astype(np.float32)
    reference = real_reference(vectors, k=5, max_samples=300, seed=1)
    request = rb.PrdcRequest(reference=reference, k=5, max_samples=1000, seed=1)
    results = rb.random_baseline(vectors, subset_size=60, seeds=range(1, 4), max_coverage_queries=500, prdc=request)
    queries = np.union1d(random_subset(3000, 500, seed=1 + rb.COVERAGE_SAMPLE_SEED_OFFSET), reference.rows)
    for seed, metrics in results.items():
        rows = random_subset(3000, 60, seed=seed)
        others = np.setdiff1d(queries, rows)
        cover = cdist(vectors[others].astype(np.float64), vectors[rows].astype(np.float64)).min(axis=1)
        assert metrics.coverage_queries == len(queries)
        np.testing.assert_allclose(metrics.coverage_mean, cover.mean() * (3000 - 60) / 3000, rtol=1e-9)
        np.testing.assert_allclose(metrics.coverage_max, cover.max(), rtol=1e-9)
        coverage, recall = _reference_prdc(vectors[reference.rows], vectors[rows], 5)
        assert request.results[seed].scores.coverage == pytest.approx(coverage, abs=1e-12)
        assert request.results[seed].scores.recall == pytest.approx(recall, abs=1e-12)
