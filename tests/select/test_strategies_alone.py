"""Each strategy alone (with thresholds where noted), on small cases whose picks can be checked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.select.combined import SelectionOutcome, select_with_config
from embedscope.select.config import SelectionConfig
from embedscope.select.k_center_greedy import k_center_greedy
from embedscope.select.sample_data import SampleData, TaskPredictions
from embedscope.select.strategies.random_input import random_values


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    points = rng.standard_normal((n, d)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def _run(
    points: np.ndarray,
    strategies: list[dict[str, Any]],
    *,
    n_samples: int,
    data: SampleData | None = None,
    **kwargs: Any,
) -> SelectionOutcome:
    config = SelectionConfig.model_validate({"strategies": strategies})
    names = [f"s{i:04d}.jpg" for i in range(points.shape[0])]
    if data is None:
        data = SampleData(names=names)
    return select_with_config(
        points, config=config, n_samples=n_samples, sample_data=data, names=names, **kwargs
    )


def _with(points: np.ndarray, **columns: Any) -> SampleData:
    names = [f"s{i:04d}.jpg" for i in range(points.shape[0])]
    numeric = {
        k: np.asarray(v, dtype=np.float64) for k, v in columns.items() if np.asarray(v).dtype != object
    }
    categorical = {
        k: np.asarray(v, dtype=object) for k, v in columns.items() if np.asarray(v).dtype == object
    }
    return SampleData(names=names, numeric=numeric, categorical=categorical, sources={"metadata": "meta.csv"})


EMBEDDINGS = {"type": "EMBEDDINGS"}


def test_balance_uniform_on_ninety_ten_split_alternates() -> None:
    rng = np.random.default_rng(1)
    points = _unit(rng, 100, 4)
    weather = np.array(["sunny"] * 90 + ["rainy"] * 10, dtype=object)
    outcome = _run(
        points,
        [
            {
                "input": {"type": "METADATA", "key": "weather"},
                "strategy": {"type": "BALANCE", "distribution": "UNIFORM"},
            }
        ],
        n_samples=20,
        data=_with(points, weather=weather),
    )
    picked = weather[outcome.indices]
    assert list(outcome.indices[:4]) == [
        0,
        90,
        1,
        91,
    ]  # first pick neutral → lowest index, then the short class
    assert np.sum(picked == "sunny") == 10 and np.sum(picked == "rainy") == 10
    assert outcome.stopped_reason is None and not outcome.filtered_out.any()


def test_balance_target_with_remainder_for_other_classes() -> None:
    rng = np.random.default_rng(2)
    points = _unit(rng, 300, 4)
    weather = np.array(["sunny", "rainy", "snow", "fog"] * 75, dtype=object)
    outcome = _run(
        points,
        [
            {
                "input": {"type": "METADATA", "key": "weather"},
                "strategy": {"type": "BALANCE", "target": {"sunny": 0.5}},
            }
        ],
        n_samples=40,
        data=_with(points, weather=weather),
    )
    picked = weather[outcome.indices]
    assert np.sum(picked == "sunny") == 20  # half; the other half is spread over the unnamed classes
    assert np.sum(picked != "sunny") == 20


def test_balance_on_object_predictions_counts_objects() -> None:
    rng = np.random.default_rng(3)
    points = _unit(rng, 40, 4)
    names = [f"s{i:04d}.jpg" for i in range(40)]
    # samples 0..29 hold three cars each, samples 30..39 one bus each
    classes = [("car", "car", "car")] * 30 + [("bus",)] * 10
    data = SampleData(
        names=names,
        predictions={"det": TaskPredictions(classes=classes, object_level=True)},
        sources={"predictions": "pred.csv"},
    )
    outcome = _run(
        points,
        [
            {
                "input": {"type": "PREDICTIONS", "task": "det"},
                "strategy": {"type": "BALANCE", "distribution": "UNIFORM"},
            }
        ],
        n_samples=8,
        data=data,
    )
    picked = outcome.indices
    # after one car image (3 cars), three bus images are needed to reach 3 buses: pattern car, bus, bus, bus
    assert list(picked[:4]) == [0, 30, 31, 32]
    assert int(np.sum(picked < 30)) == 2 and int(np.sum(picked >= 30)) == 6


def test_threshold_never_selects_the_wrong_side() -> None:
    rng = np.random.default_rng(4)
    points = _unit(rng, 300, 6)
    sharpness = rng.uniform(0.0, 40.0, 300)
    sharpness[:10] = np.nan  # no value: never passes
    outcome = _run(
        points,
        [
            {"input": EMBEDDINGS, "strategy": {"type": "DIVERSITY"}},
            {
                "input": {"type": "METADATA", "key": "sharpness"},
                "strategy": {"type": "THRESHOLD", "threshold": 20, "operation": "BIGGER_EQUAL"},
            },
        ],
        n_samples=200,
        data=_with(points, sharpness=sharpness),
    )
    kept = sharpness >= 20
    np.testing.assert_array_equal(outcome.filtered_out, ~kept)
    assert np.all(sharpness[outcome.indices] >= 20)
    assert int(kept.sum()) < 200 and outcome.indices.size == int(kept.sum())
    assert outcome.stopped_reason == f"only {int(kept.sum())} samples pass the thresholds"


def test_similarity_picks_the_queries_neighbours_first() -> None:
    rng = np.random.default_rng(5)
    points = _unit(rng, 200, 8)
    queries = _unit(rng, 2, 8)
    outcome = _run(
        points,
        [{"input": {"type": "EMBEDDINGS", "query": "q.txt"}, "strategy": {"type": "SIMILARITY"}}],
        n_samples=15,
        query_embeddings={"q.txt": queries},
    )
    nearest, _ = cKDTree(queries.astype(np.float64)).query(points.astype(np.float64), k=1)
    np.testing.assert_array_equal(outcome.indices, np.argsort(nearest, kind="stable")[:15])


def test_typicality_picks_the_dense_region_first() -> None:
    rng = np.random.default_rng(6)
    dense = rng.normal(0.0, 0.01, (25, 3)) + np.array([1.0, 0.0, 0.0])
    sparse = rng.uniform(-1.0, 1.0, (75, 3)) * 3.0
    points = np.concatenate([sparse, dense]).astype(np.float32)
    outcome = _run(
        points,
        [{"input": EMBEDDINGS, "strategy": {"type": "TYPICALITY", "num_nearest_neighbors": 5}}],
        n_samples=25,
    )
    assert set(outcome.indices.tolist()) == set(range(75, 100))
    distances, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=6)
    expected = np.argsort(-1.0 / distances[:, 1:].mean(axis=1), kind="stable")[:25]
    np.testing.assert_array_equal(outcome.indices, expected)


def test_typicality_stopping_condition_ends_the_pass() -> None:
    rng = np.random.default_rng(7)
    points = _unit(rng, 120, 4)
    distances, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=4)
    typical = 1.0 / distances[:, 1:].mean(axis=1)
    minimum = float(np.quantile(typical, 0.9))
    outcome = _run(
        points,
        [
            {
                "input": EMBEDDINGS,
                "strategy": {
                    "type": "TYPICALITY",
                    "num_nearest_neighbors": 3,
                    "stopping_condition_minimum_typicality": minimum,
                },
            }
        ],
        n_samples=100,
    )
    np.testing.assert_array_equal(np.sort(outcome.indices), np.flatnonzero(typical >= minimum))
    assert outcome.stopped_reason is not None and "TYPICALITY minimum" in outcome.stopped_reason


def test_weights_pick_highest_values_first_and_negative_strength_inverts() -> None:
    rng = np.random.default_rng(8)
    points = _unit(rng, 80, 4)
    score = rng.uniform(-2.0, 5.0, 80)
    data = SampleData(
        names=[f"s{i:04d}.jpg" for i in range(80)],
        scores={("det", "entropy"): score},
        sources={"scores": "scores.csv"},
    )
    source = {"type": "SCORES", "task": "det", "score": "entropy"}
    high = _run(points, [{"input": source, "strategy": {"type": "WEIGHTS"}}], n_samples=10, data=data)
    np.testing.assert_array_equal(high.indices, np.argsort(-score, kind="stable")[:10])
    low = _run(
        points,
        [{"input": source, "strategy": {"type": "WEIGHTS", "strength": -1.0}}],
        n_samples=10,
        data=data,
    )
    np.testing.assert_array_equal(low.indices[1:], np.argsort(score, kind="stable")[1:10])
    # the minimum maps to objective 0 (floored): with negative strength it is the very first pick
    assert low.indices[0] == int(np.argmin(score))


def test_negative_similarity_strength_prefers_far_samples() -> None:
    rng = np.random.default_rng(9)
    points = _unit(rng, 100, 6)
    queries = points[:3]
    outcome = _run(
        points,
        [
            {
                "input": {"type": "EMBEDDINGS", "query": "q"},
                "strategy": {"type": "SIMILARITY", "strength": -2.0},
            }
        ],
        n_samples=10,
        query_embeddings={"q": queries},
    )
    nearest, _ = cKDTree(queries.astype(np.float64)).query(points.astype(np.float64), k=1)
    np.testing.assert_array_equal(outcome.indices, np.argsort(-nearest, kind="stable")[:10])


def test_random_weights_follow_the_seed() -> None:
    rng = np.random.default_rng(10)
    points = _unit(rng, 50, 4)
    by_run_seed = _run(
        points, [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}], n_samples=10, seed=3
    )
    np.testing.assert_array_equal(
        by_run_seed.indices, np.argsort(-random_values(50, seed=3), kind="stable")[:10]
    )
    by_own_seed = _run(
        points,
        [{"input": {"type": "RANDOM", "random_seed": 11}, "strategy": {"type": "WEIGHTS"}}],
        n_samples=10,
        seed=3,
    )
    np.testing.assert_array_equal(
        by_own_seed.indices, np.argsort(-random_values(50, seed=11), kind="stable")[:10]
    )


@pytest.mark.parametrize("with_datapool", [False, True])
def test_diversity_alone_is_k_center_greedy(with_datapool: bool) -> None:
    rng = np.random.default_rng(11)
    points = _unit(rng, 400, 16)
    datapool = _unit(rng, 30, 16) if with_datapool else None
    outcome = _run(
        points, [{"input": EMBEDDINGS, "strategy": {"type": "DIVERSITY"}}], n_samples=50, datapool=datapool
    )
    reference = k_center_greedy(points, n_samples=50, datapool=datapool)
    np.testing.assert_array_equal(outcome.indices, reference.indices)
    assert outcome.cover_distances is not None
    np.testing.assert_array_equal(outcome.cover_distances, reference.min_distances)


def test_diversity_with_thresholds_is_k_center_greedy_on_the_kept_samples() -> None:
    rng = np.random.default_rng(12)
    points = _unit(rng, 300, 8)
    value = rng.uniform(0.0, 1.0, 300)
    outcome = _run(
        points,
        [
            {
                "input": EMBEDDINGS,
                "strategy": {"type": "DIVERSITY", "stopping_condition_minimum_distance": 0.9},
            },
            {
                "input": {"type": "METADATA", "key": "v"},
                "strategy": {"type": "THRESHOLD", "threshold": 0.3, "operation": "SMALLER"},
            },
        ],
        n_samples=200,
        data=_with(points, v=value),
    )
    kept = np.flatnonzero(value < 0.3)
    reference = k_center_greedy(points[kept], n_samples=min(200, kept.size), min_distance=0.9)
    assert reference.stopped_by_min_distance
    np.testing.assert_array_equal(outcome.indices, kept[reference.indices])
    assert outcome.cover_distances is None
    assert (
        outcome.stopped_reason is not None and "stopping_condition_minimum_distance" in outcome.stopped_reason
    )


def test_diversity_zero_strength_alone_goes_through_the_product() -> None:
    rng = np.random.default_rng(13)
    points = _unit(rng, 30, 4)
    outcome = _run(
        points, [{"input": EMBEDDINGS, "strategy": {"type": "DIVERSITY", "strength": 0.0}}], n_samples=5
    )
    np.testing.assert_array_equal(
        outcome.indices, np.arange(5)
    )  # every objective ** 0 = 1: lowest index first
