"""The objective of each strategy, against values computed independently (brute force, by hand)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial import cKDTree

from embedscope.errors import ConfigError
from embedscope.select.config import BalanceStrategy, ThresholdOperation
from embedscope.select.sample_data import ClassMembership
from embedscope.select.strategies import typicality as typicality_module
from embedscope.select.strategies.balance import OTHER, BalanceObjective, balance_target
from embedscope.select.strategies.diversity import DiversityObjective
from embedscope.select.strategies.similarity import similarity_objective
from embedscope.select.strategies.threshold import threshold_mask
from embedscope.select.strategies.typicality import typicality
from embedscope.select.strategies.weights import weights_objective


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (ThresholdOperation.SMALLER, [True, False, False, False]),
        (ThresholdOperation.SMALLER_EQUAL, [True, True, False, False]),
        (ThresholdOperation.BIGGER, [False, False, True, False]),
        (ThresholdOperation.BIGGER_EQUAL, [False, True, True, False]),
    ],
)
def test_threshold_operations_at_the_boundary(operation: ThresholdOperation, expected: list[bool]) -> None:
    values = np.array([1.0, 2.0, 3.0, np.nan])
    np.testing.assert_array_equal(threshold_mask(values, threshold=2.0, operation=operation), expected)


def test_weights_objective_scales() -> None:
    np.testing.assert_allclose(weights_objective(np.array([1.0, 4.0, 2.0, np.nan])), [0.25, 1.0, 0.5, 0.0])
    np.testing.assert_allclose(weights_objective(np.array([-1.0, 3.0, 1.0])), [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(weights_objective(np.array([2.0, 2.0, np.nan])), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(weights_objective(np.array([np.nan, np.nan])), [0.0, 0.0])


def test_similarity_objective_matches_brute_force() -> None:
    rng = np.random.default_rng(21)
    points = rng.standard_normal((300, 5)).astype(np.float32)
    queries = rng.standard_normal((7, 5)).astype(np.float32)
    nearest = np.min(
        np.linalg.norm(points[:, None, :].astype(np.float64) - queries[None, :, :], axis=2), axis=1
    )
    np.testing.assert_allclose(
        similarity_objective(points, queries=queries), 1.0 / (1.0 + nearest), rtol=1e-6
    )


def _brute_typicality(points: np.ndarray, k: int) -> np.ndarray:
    distances, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=k + 1)
    return 1.0 / distances[:, 1:].mean(axis=1)


def test_exact_typicality_matches_brute_force() -> None:
    rng = np.random.default_rng(22)
    points = rng.standard_normal((500, 6)).astype(np.float32)
    np.testing.assert_allclose(
        typicality(points, num_nearest_neighbors=10), _brute_typicality(points, 10), rtol=1e-4
    )


def test_approximate_typicality_is_close(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(23)
    centres = rng.standard_normal((20, 8)) * 3.0
    points = (centres[rng.integers(0, 20, 4000)] + rng.standard_normal((4000, 8))).astype(np.float32)
    monkeypatch.setattr(typicality_module, "EXACT_LIMIT", 1000)
    approximate = typicality(points, num_nearest_neighbors=10, seed=1)
    exact = _brute_typicality(points, 10)
    relative = np.abs(approximate - exact) / exact
    assert np.mean(relative < 1e-4) > 0.9  # most samples find their exact neighbours
    assert np.all(approximate <= exact * (1 + 1e-4))  # a missed neighbour can only lower typicality
    assert np.all(relative < 0.25)
    np.testing.assert_array_equal(approximate, typicality(points, num_nearest_neighbors=10, seed=1))


def test_typicality_edge_cases() -> None:
    duplicates = np.zeros((4, 3), dtype=np.float32)
    assert np.all(np.isfinite(typicality(duplicates, num_nearest_neighbors=2)))
    assert typicality(np.ones((1, 3), dtype=np.float32), num_nearest_neighbors=5).tolist() == [1.0]
    pair = np.array([[0.0, 0.0], [3.0, 4.0]], dtype=np.float32)
    np.testing.assert_allclose(typicality(pair, num_nearest_neighbors=20), [0.2, 0.2])  # K capped at n - 1


def _membership(labels: list[str | None], categories: list[str]) -> ClassMembership:
    rows = [i for i, label in enumerate(labels) if label is not None]
    cols = [categories.index(label) for label in labels if label is not None]
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(labels), len(categories)))
    return ClassMembership(categories=categories, counts=counts, single_label=True)


def _balance(**fields: object) -> BalanceStrategy:
    return BalanceStrategy.model_validate({"type": "BALANCE", **fields})


def test_balance_targets() -> None:
    membership = _membership(["a", "a", "b", "c", "a", None], ["a", "b", "c"])
    everyone = np.arange(6)
    uniform_membership, uniform = balance_target(
        membership, _balance(distribution="UNIFORM"), candidates=np.array([0, 1, 2, 5]), where="w"
    )
    np.testing.assert_allclose(uniform, [0.5, 0.5, 0.0])  # c is not among the candidates
    assert uniform_membership.counts.shape == (4, 3)
    _, from_input = balance_target(membership, _balance(distribution="INPUT"), candidates=everyone, where="w")
    np.testing.assert_allclose(from_input, [3 / 5, 1 / 5, 1 / 5])
    merged, target = balance_target(membership, _balance(target={"b": 0.3}), candidates=everyone, where="w")
    assert merged.categories == ["b", OTHER]
    np.testing.assert_allclose(target, [0.3, 0.7])
    np.testing.assert_array_equal(merged.labels(), [1, 1, 0, 1, 1, -1])
    _, rescaled = balance_target(
        membership, _balance(target={"a": 0.2, "b": 0.1, "c": 0.1}), candidates=everyone, where="w"
    )
    np.testing.assert_allclose(rescaled, [0.5, 0.25, 0.25])
    with pytest.raises(
        ConfigError, match=r"cfg: strategies\[0\]\.strategy\.target: class 'd' does not occur"
    ):
        balance_target(
            membership, _balance(target={"d": 0.5}), candidates=everyone, where="cfg: strategies[0]"
        )
    with pytest.raises(ConfigError, match=r"w\.strategy\.target: the fractions sum to 0"):
        balance_target(
            membership, _balance(target={"a": 0.0, "b": 0.0, "c": 0.0}), candidates=everyone, where="w"
        )


def test_balance_objective_by_hand() -> None:
    membership = _membership(["a", "b", None], ["a", "b"])
    objective = BalanceObjective(membership, np.array([0.75, 0.25]))
    np.testing.assert_allclose(objective.log_objective(), [0.0, 0.0, 0.0])  # nothing selected: neutral
    objective.add(0)  # one 'a' selected: r_a = 0.75·2/1.75, r_b = 0.25·2/0.25
    np.testing.assert_allclose(np.exp(objective.log_objective()), [1.5 / 1.75, 2.0, 1.0])
    objective.add(1)  # r_a = 0.75·3/1.75, r_b = 0.25·3/1.25
    np.testing.assert_allclose(np.exp(objective.log_objective()), [2.25 / 1.75, 0.6, 1.0])


def test_balance_objective_averages_ratios_over_objects() -> None:
    counts = sp.csr_matrix(np.array([[2.0, 1.0], [0.0, 1.0], [0.0, 0.0]]))
    objective = BalanceObjective(
        ClassMembership(["a", "b"], counts, single_label=False), np.array([0.5, 0.5])
    )
    objective.add(0)  # c = (2, 1), C = 3: r_a = 0.5·4/2.5 = 0.8, r_b = 0.5·4/1.5 = 4/3
    expected = [(2 * 0.8 + 4 / 3) / 3, 4 / 3, 1.0]
    np.testing.assert_allclose(np.exp(objective.log_objective()), expected)


def test_diversity_objective_tracks_distances() -> None:
    rng = np.random.default_rng(24)
    points = rng.standard_normal((50, 4)).astype(np.float32)
    objective = DiversityObjective(points, datapool=None, minimum_distance=0.5)
    to_mean = np.linalg.norm(points.astype(np.float64) - points.astype(np.float64).mean(axis=0), axis=1)
    np.testing.assert_allclose(np.exp(objective.log_objective()), to_mean, rtol=1e-5)
    assert not objective.ineligible().any()
    assert objective.add(3).size == 50
    changed = objective.add(7)
    to_picks = np.linalg.norm(points[:, None, :].astype(np.float64) - points[[3, 7]][None], axis=2).min(
        axis=1
    )
    to_three = np.linalg.norm(points.astype(np.float64) - points[3], axis=1)
    np.testing.assert_array_equal(np.sort(changed), np.flatnonzero(to_picks < to_three - 1e-6))
    np.testing.assert_allclose(
        np.exp(objective.log_objective()), np.maximum(to_picks, 1e-12), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_array_equal(objective.ineligible(), to_picks < 0.5)
