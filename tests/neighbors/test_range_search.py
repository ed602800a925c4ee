"""Range search against float64 brute force (scipy cdist) on small data with planted near-duplicates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.neighbors import range_search
from embedscope.neighbors.range_search import pairs_across, pairs_within


def _planted(seed: int, n: int = 1500, d: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((8, d))
    x = centres[rng.integers(0, 8, n)] + 0.4 * rng.standard_normal((n, d))
    copies = x[rng.choice(n, 150)] + rng.normal(0, 0.01, (150, d))
    return np.vstack([x, copies, x[:5]]).astype(np.float32)  # 5 exact copies too


@pytest.mark.parametrize("threshold", [0.0, 0.02, 0.1, 0.6])
def test_pairs_within_equal_brute_force(threshold: float) -> None:
    x = _planted(0)
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    first, second = np.nonzero(np.triu(d < threshold, 1))
    found = pairs_within(x, threshold=threshold)
    assert found.method == "exact"
    np.testing.assert_array_equal(found.first, first)
    np.testing.assert_array_equal(found.second, second)
    np.testing.assert_allclose(found.distances, d[first, second], rtol=0, atol=1e-12)


@pytest.mark.parametrize("threshold", [0.05, 0.5])
def test_pairs_across_equal_brute_force(threshold: float) -> None:
    x = _planted(1)
    queries = x[:400] + np.float32(0.01)
    d = cdist(queries.astype(np.float64), x.astype(np.float64))
    first, second = np.nonzero(d < threshold)
    found = pairs_across(queries, x, threshold=threshold)
    np.testing.assert_array_equal(found.first, first)
    np.testing.assert_array_equal(found.second, second)


def test_over_budget_search_is_approximate_with_measured_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _planted(2)
    monkeypatch.setattr(range_search, "EXACT_LIMIT", 10)
    monkeypatch.setattr(range_search, "WORK_BUDGET_PAIRS", 1)
    monkeypatch.setattr(range_search, "MAX_PROBES", 0)
    monkeypatch.setattr(range_search, "RECALL_SAMPLE_SIZE", 10**6)
    found = pairs_within(x, threshold=0.8)
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    true_pairs = set(zip(*np.nonzero(np.triu(d < 0.8, 1))))
    assert found.method == "approximate"
    assert set(zip(found.first.tolist(), found.second.tolist())) <= true_pairs  # never a false pair
    sample = found.recall_sample_size
    assert sample == len(x)  # every query sampled: the recall is the true fraction of pairs found
    assert found.recall == pytest.approx(len(found.first) / len(true_pairs))


def test_bad_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        pairs_within(np.zeros((3, 2), np.float32), threshold=-1.0)
