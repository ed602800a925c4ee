"""Diversity and coverage metrics against float64 brute force (scipy cKDTree)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.analyze.embedding_metrics import compute_embedding_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.neighbors.result import SearchMethod
from embedscope.select.k_center_greedy import COVER_METHOD, float32_tie_tolerance, k_center_greedy


def _nearest_other(points: np.ndarray) -> np.ndarray:
    distances, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=2)
    return distances[:, 1]


def _cover(queries: np.ndarray, points: np.ndarray) -> np.ndarray:
    distances, _ = cKDTree(points.astype(np.float64)).query(queries.astype(np.float64), k=1)
    return distances


@pytest.mark.parametrize(("n", "d", "k", "m"), [(50, 3, 5, 0), (400, 8, 40, 0), (300, 16, 20, 7), (2_000, 32, 100, 50)])
def test_metrics_match_brute_force(rng: np.random.Generator, n: int, d: int, k: int, m: int) -> None:
    data = rng.normal(size=(n, d)).astype(np.float32)
    datapool = rng.normal(size=(m, d)).astype(np.float32) if m else None
    selected = rng.choice(n, size=k, replace=False).astype(np.int64)
    sets = AnalysisSets(input=data, selected_indices=selected, random_indices=random_subset(n, k, seed=3),
                        datapool=datapool)
    metrics = compute_embedding_metrics(sets, exact=True)
    expected_sets = {"input": data, "selected": data[selected], "random": data[sets.random_indices]}
    if datapool is not None:
        expected_sets["preselectedDatapool"] = datapool
        expected_sets["selectedWithDatapool"] = np.concatenate([data[selected], datapool])
    assert set(metrics.nearest_in_set) == set(expected_sets)
    for name, points in expected_sets.items():
        np.testing.assert_allclose(metrics.nearest_in_set[name], _nearest_other(points), atol=1e-5)
    pool = datapool if datapool is not None else np.zeros((0, d), np.float32)
    np.testing.assert_allclose(
        metrics.cover_input["selected"], _cover(data, np.concatenate([data[selected], pool])), atol=1e-5
    )
    np.testing.assert_allclose(
        metrics.cover_input["random"], _cover(data, np.concatenate([data[sets.random_indices], pool])), atol=1e-5
    )


def test_single_sample_set_is_absent_with_reason(rng: np.random.Generator) -> None:
    data = rng.normal(size=(10, 3)).astype(np.float32)
    sets = AnalysisSets(input=data, selected_indices=np.array([4]), random_indices=np.array([2]), datapool=None)
    metrics = compute_embedding_metrics(sets, exact=True)
    assert "selected" not in metrics.nearest_in_set and "at least 2" in metrics.absent["selected"]
    assert "random" in metrics.absent


def test_random_subset_is_seeded_and_uniform_without_replacement() -> None:
    a, b = random_subset(100, 10, seed=7), random_subset(100, 10, seed=7)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 10 and a.min() >= 0 and a.max() < 100
    assert not np.array_equal(a, random_subset(100, 10, seed=8))


@pytest.mark.parametrize("d", [16, 512])  # the fused float32 kernel below 128 dimensions, the BLAS filter from it
def test_coverage_handed_over_by_the_greedy_is_recorded_with_its_method(rng: np.random.Generator, d: int) -> None:
    data = rng.normal(size=(600, d)).astype(np.float32)
    datapool = rng.normal(size=(6, d)).astype(np.float32)
    greedy = k_center_greedy(data, n_samples=20, datapool=datapool)
    sets = AnalysisSets(input=data, selected_indices=greedy.indices, random_indices=random_subset(600, 20, seed=1),
                        datapool=datapool)
    metrics = compute_embedding_metrics(sets, selected_cover=greedy.min_distances, selected_cover_method=COVER_METHOD,
                                        exact=True)
    assert metrics.search["cover:selected"] == SearchMethod(method=COVER_METHOD, recall=None, recall_sample_size=None)
    assert metrics.search["cover:random"].method == "exact"
    # what the entry says holds: the running minimum is each sample's exact distance to selected ∪ datapool
    # (float32 arithmetic: a relative (d + 5)·2⁻²⁴ on the squared distance)
    expected = _cover(data, np.concatenate([data[greedy.indices], datapool]))
    np.testing.assert_allclose(metrics.cover_input["selected"], expected, rtol=float32_tie_tolerance(d), atol=1e-6)
    with pytest.raises(ValueError, match="selected_cover_method"):
        compute_embedding_metrics(sets, selected_cover=greedy.min_distances, exact=True)


def test_coverage_searched_here_is_recorded_as_its_search(rng: np.random.Generator) -> None:
    data = rng.normal(size=(200, 8)).astype(np.float32)
    sets = AnalysisSets(input=data, selected_indices=np.arange(10), random_indices=random_subset(200, 10, seed=2),
                        datapool=None)
    metrics = compute_embedding_metrics(sets, exact=True)
    assert metrics.search["cover:selected"].method == "exact" and metrics.search["cover:selected"].recall is None
