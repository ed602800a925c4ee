"""compute_extra_metrics on a k-center greedy run: every block against a brute-force float64 reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.analyze.embedding_metrics import compute_embedding_metrics
from embedscope.analyze.extra_metrics.summary import compute_extra_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.select.k_center_greedy import COVER_METHOD, k_center_greedy
from tests.analyze.test_extra_prdc import _reference_prdc
from tests.analyze.test_extra_random_baseline import _reference_subset
from tests.analyze.test_extra_vendi import _reference_vendi


@pytest.mark.parametrize("with_datapool", [False, True])
def test_extra_metrics_of_a_greedy_run(rng: np.random.Generator, with_datapool: bool) -> None:
    data = rng.normal(size=(400, 8)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    datapool = data[:15].copy() + 0.01 if with_datapool else None
    greedy = k_center_greedy(data, n_samples=30, datapool=datapool)
    sets = AnalysisSets(input=data, selected_indices=greedy.indices, random_indices=random_subset(400, 30, seed=2),
                        datapool=datapool)
    metrics = compute_embedding_metrics(sets, selected_cover=greedy.min_distances, selected_cover_method=COVER_METHOD,
                                        exact=True, seed=2)
    labels: list[str] = []
    result = compute_extra_metrics(sets, metrics, from_greedy=True, normalized=True, seed=2, exact=True,
                                   n_random_seeds=3, on_step=labels.append)

    assert sorted(result.random_subsets) == [2, 3, 4] and result.subset_size == 30 and labels
    for seed, got in result.random_subsets.items():
        expected = _reference_subset(data, random_subset(400, 30, seed=seed), datapool)
        assert got.coverage_max == pytest.approx(expected.coverage_max, rel=1e-6)
        assert got.diversity_mean == pytest.approx(expected.diversity_mean, rel=1e-6)
    pool = datapool if datapool is not None else np.zeros((0, 8), np.float32)
    selected_fake = np.concatenate([data[greedy.indices], pool])
    cover = cdist(data.astype(np.float64), selected_fake.astype(np.float64)).min(axis=1)
    assert result.k_center.radius == pytest.approx(cover.max(), rel=1e-6)
    assert result.k_center.facility_location == pytest.approx(cover.mean(), rel=1e-6)
    assert result.k_center.optimal_radius_lower_bound == pytest.approx(cover.max() / 2, rel=1e-6)
    assert result.random_k_center.optimal_radius_lower_bound is None
    assert result.selected.vendi == pytest.approx(_reference_vendi(data[greedy.indices]), rel=1e-9)
    assert result.input_vendi == pytest.approx(_reference_vendi(data), rel=1e-9)
    assert result.prdc_selected is not None and sorted(result.prdc_random) == [2, 3, 4]
    coverage, recall = _reference_prdc(data, selected_fake, 5)
    assert (result.prdc_selected.scores.coverage, result.prdc_selected.scores.recall) == pytest.approx(
        (coverage, recall), abs=1e-12)
    for seed, prdc in result.prdc_random.items():
        random_fake = np.concatenate([data[random_subset(400, 30, seed=seed)], pool])
        assert (prdc.scores.coverage, prdc.scores.recall) == pytest.approx(_reference_prdc(data, random_fake, 5),
                                                                           abs=1e-12)


def test_prdc_absent_for_tiny_selection(rng: np.random.Generator) -> None:
    data = rng.normal(size=(50, 4)).astype(np.float32)
    greedy = k_center_greedy(data, n_samples=3)
    sets = AnalysisSets(input=data, selected_indices=greedy.indices, random_indices=random_subset(50, 3, seed=0),
                        datapool=None)
    metrics = compute_embedding_metrics(sets, selected_cover=greedy.min_distances, selected_cover_method=COVER_METHOD,
                                        exact=True)
    result = compute_extra_metrics(sets, metrics, from_greedy=True, normalized=False, seed=0, n_random_seeds=2)
    assert result.prdc_selected is None and result.prdc_random == {} and result.prdc_absent_reason is not None
    assert "k=5" in result.prdc_absent_reason
