"""k-center greedy against a float64 textbook greedy written here, and its documented semantics."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.errors import ConfigError
from embedscope.select.k_center_greedy import float32_tie_tolerance, k_center_greedy
from embedscope.select.k_center_greedy_reference import k_center_greedy_reference

GREEDIES = [k_center_greedy, k_center_greedy_reference]


def textbook_greedy(
    x: np.ndarray, n_samples: int, datapool: np.ndarray | None = None, min_distance: float | None = None
) -> tuple[list[int], list[float], np.ndarray, bool]:
    """Gonzalez / Sener & Savarese Alg. 1 in float64: (picks, pick distances, coverage, stopped)."""
    x = x.astype(np.float64)
    n = len(x)
    picked = np.zeros(n, dtype=bool)
    if datapool is not None:
        pool = datapool.astype(np.float64)
        mind = np.sqrt(((x[:, None, :] - pool[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        first = int(np.argmax(mind))
        first_distance = float(mind[first])
    else:
        mind = np.full(n, np.inf)
        to_mean = np.linalg.norm(x - x.mean(axis=0), axis=1)
        first = int(np.argmax(to_mean))
        first_distance = float(to_mean[first])
    picks, dists = [first], [first_distance]
    stopped = False
    if datapool is not None and min_distance is not None and first_distance < min_distance:
        return [], [], mind, True
    while True:
        picked[picks[-1]] = True
        mind = np.minimum(mind, np.linalg.norm(x - x[picks[-1]], axis=1))
        if len(picks) == n_samples:
            break
        candidates = np.where(picked, -1.0, mind)
        nxt = int(np.argmax(candidates))
        if min_distance is not None and candidates[nxt] < min_distance:
            stopped = True
            break
        picks.append(nxt)
        dists.append(float(candidates[nxt]))
    return picks, dists, mind, stopped


def random_clusters(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    centres = rng.standard_normal((5, d)) * 2.0
    return (centres[rng.integers(0, 5, n)] + rng.standard_normal((n, d))).astype(np.float32)


@pytest.mark.parametrize("greedy", GREEDIES)
@pytest.mark.parametrize(("n", "d", "k"), [(1, 3, 1), (2, 1, 2), (60, 2, 10), (400, 16, 50), (1000, 32, 120)])
def test_matches_textbook(greedy, n: int, d: int, k: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(100 * n + d)
    x = random_clusters(rng, n, d)
    picks, dists, coverage, stopped = textbook_greedy(x, k)
    result = greedy(x, n_samples=k)
    assert result.indices.dtype == np.int64 and result.pick_distances.dtype == np.float64
    np.testing.assert_array_equal(result.indices, picks)
    np.testing.assert_allclose(result.pick_distances, dists, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.min_distances, coverage, rtol=1e-5, atol=1e-6)
    assert not result.stopped_by_min_distance and not stopped
    assert np.all(result.min_distances[result.indices] == 0.0)


@pytest.mark.parametrize("greedy", GREEDIES)
def test_coverage_equals_brute_force_with_datapool(greedy) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    x = random_clusters(rng, 500, 8)
    pool = random_clusters(rng, 30, 8)
    picks, dists, coverage, _ = textbook_greedy(x, 40, datapool=pool)
    result = greedy(x, n_samples=40, datapool=pool)
    np.testing.assert_array_equal(result.indices, picks)
    np.testing.assert_allclose(result.pick_distances, dists, rtol=1e-5, atol=1e-6)
    chosen = np.concatenate([x[result.indices], pool]).astype(np.float64)
    brute = np.sqrt(((x.astype(np.float64)[:, None, :] - chosen[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(result.min_distances, brute, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.min_distances, coverage, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("greedy", GREEDIES)
def test_datapool_duplicate_of_input_is_never_first(greedy) -> None:  # type: ignore[no-untyped-def]
    x = np.array([[0.0], [10.0], [4.0], [6.0]], dtype=np.float32)
    pool = np.array([[10.0], [0.0]], dtype=np.float32)
    result = greedy(x, n_samples=2, datapool=pool)
    np.testing.assert_array_equal(result.indices, [2, 3])
    np.testing.assert_allclose(result.pick_distances, [4.0, 2.0])
    np.testing.assert_allclose(result.min_distances, [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("greedy", GREEDIES)
def test_min_distance_stops_before_smaller_pick(greedy) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(12)
    x = random_clusters(rng, 300, 4)
    full = greedy(x, n_samples=60)
    threshold = float(full.pick_distances[25] + full.pick_distances[26]) / 2
    picks, _, coverage, stopped = textbook_greedy(x, 60, min_distance=threshold)
    result = greedy(x, n_samples=60, min_distance=threshold)
    assert stopped and result.stopped_by_min_distance
    np.testing.assert_array_equal(result.indices, full.indices[:26])
    np.testing.assert_array_equal(result.indices, picks)
    np.testing.assert_allclose(result.min_distances, coverage, rtol=1e-5, atol=1e-6)
    at_threshold = greedy(x, n_samples=60, min_distance=float(full.pick_distances[26]))
    assert len(at_threshold.indices) >= 27


@pytest.mark.parametrize("greedy", GREEDIES)
def test_min_distance_with_datapool_can_stop_at_once(greedy) -> None:  # type: ignore[no-untyped-def]
    x = np.array([[0.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    pool = np.array([[0.0, 0.5]], dtype=np.float32)
    result = greedy(x, n_samples=2, datapool=pool, min_distance=0.6)
    assert result.stopped_by_min_distance and result.indices.size == 0 and result.pick_distances.size == 0
    np.testing.assert_allclose(result.min_distances, [0.5, 0.5])


@pytest.mark.parametrize("greedy", GREEDIES)
def test_first_pick_without_datapool_ignores_min_distance(greedy) -> None:  # type: ignore[no-untyped-def]
    x = np.ones((3, 2), dtype=np.float32)
    result = greedy(x, n_samples=3, min_distance=0.1)
    np.testing.assert_array_equal(result.indices, [0])
    assert result.stopped_by_min_distance


@pytest.mark.parametrize("greedy", GREEDIES)
def test_ties_go_to_lowest_index(greedy) -> None:  # type: ignore[no-untyped-def]
    x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=np.float32)
    result = greedy(x, n_samples=5)
    # mean 2: 0 and 4 tie at 2 -> 0; then 4 (distance 4); then 2 (2); then 1 and 3 tie at 1 -> 1; then 3.
    np.testing.assert_array_equal(result.indices, [0, 4, 2, 1, 3])
    np.testing.assert_allclose(result.pick_distances, [2.0, 4.0, 2.0, 1.0, 1.0])


@pytest.mark.parametrize("greedy", GREEDIES)
def test_more_picks_than_distinct_points_continue_at_distance_zero(greedy) -> None:  # type: ignore[no-untyped-def]
    x = np.array([[0.0], [0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
    result = greedy(x, n_samples=5)
    # mean 0.4: farthest are 2 and 3 (0.6) -> 2; then 0 (distance 1); then all 0 -> 1, 3, 4.
    np.testing.assert_array_equal(result.indices, [2, 0, 1, 3, 4])
    np.testing.assert_allclose(result.pick_distances, [0.6, 1.0, 0.0, 0.0, 0.0], atol=1e-7)
    assert not result.stopped_by_min_distance
    np.testing.assert_array_equal(result.min_distances, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples must be an integer between 1 and the number of samples"),
        ({"n_samples": 11}, r"between 1 and the number of samples \(10\), got 11"),
        ({"n_samples": 2.5}, "n_samples must be an integer"),
        ({"n_samples": 2, "min_distance": -1.0}, "min_distance must be a finite number >= 0"),
        (
            {"n_samples": 2, "datapool": np.zeros((3, 4), dtype=np.float32)},
            "datapool embeddings must have dimension 2",
        ),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    x = np.zeros((10, 2), dtype=np.float32)
    with pytest.raises(ConfigError, match=message):
        k_center_greedy(x, **kwargs)  # type: ignore[arg-type]


def clustered_unit(rng: np.random.Generator, n: int, d: int, n_clusters: int) -> np.ndarray:
    centres = rng.standard_normal((n_clusters, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    x = centres[rng.integers(0, n_clusters, n)] + rng.uniform(0.1, 0.5) * rng.standard_normal(
        (n, d)
    ) / np.sqrt(d)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("with_datapool", [False, True])
@pytest.mark.parametrize(("n", "d", "k"), [(30_000, 32, 400), (2000, 768, 100)])  # column kernel; BLAS path
def test_fast_path_identical_to_reference_on_clustered_data(with_datapool: bool, n: int, d: int, k: int) -> None:
    rng = np.random.default_rng(31)
    x = clustered_unit(rng, n, d, 40)
    pool = clustered_unit(rng, 500 if d <= 32 else 20, d, 40) if with_datapool else None
    fast = k_center_greedy(x, n_samples=k, datapool=pool)
    reference = k_center_greedy_reference(x, n_samples=k, datapool=pool)
    np.testing.assert_array_equal(fast.indices, reference.indices)
    np.testing.assert_array_equal(fast.pick_distances, reference.pick_distances)
    np.testing.assert_array_equal(fast.min_distances, reference.min_distances)
    if d > 32:  # float64 brute force: no near-ties on this data, so exactly the float64 greedy
        picks, dists, coverage, _ = textbook_greedy(x, k, datapool=pool)
        assert fast.indices.tolist() == picks
        np.testing.assert_allclose(fast.pick_distances, dists, rtol=1e-5)
        np.testing.assert_allclose(fast.min_distances, coverage, rtol=1e-5, atol=1e-6)


def test_fast_path_identical_to_reference_with_many_ties() -> None:
    rng = np.random.default_rng(32)
    x = rng.integers(-2, 3, size=(5000, 4)).astype(np.float32)
    fast = k_center_greedy(x, n_samples=700)
    reference = k_center_greedy_reference(x, n_samples=700)
    assert len(np.unique(x, axis=0)) == 625
    np.testing.assert_array_equal(fast.indices, reference.indices)
    np.testing.assert_array_equal(fast.pick_distances, reference.pick_distances)
    assert np.all(fast.pick_distances[625:] == 0.0)


def test_near_ties_are_a_valid_float64_greedy_within_the_tolerance() -> None:
    """Points of a scaled simplex (all pairwise distances √2·s) moved by ~1e-9: float64 separates the ties,
    float32 cannot. Every pick must still be a float64 greedy step up to float32_tie_tolerance."""
    rng = np.random.default_rng(34)
    d = 768
    simplex = 0.5 * np.eye(d) + 1e-9 * rng.standard_normal((d, d))
    x = np.concatenate([simplex, 0.3 * clustered_unit(rng, 400, d, 5)]).astype(np.float32)
    result = k_center_greedy(x, n_samples=200)
    x64 = x.astype(np.float64)
    tolerance = float32_tie_tolerance(d)
    running = np.linalg.norm(x64 - x64.mean(axis=0), axis=1)
    near_ties = 0
    picked = np.zeros(len(x), dtype=bool)
    for step, pick in enumerate(result.indices):
        candidates = np.where(picked, -np.inf, running)
        best = candidates.max()
        assert candidates[pick] >= best * (1 - tolerance), f"pick {step} is not a float64 greedy step"
        near_ties += int(np.sum(candidates >= best * (1 - tolerance))) > 1
        picked[pick] = True
        distance = np.linalg.norm(x64 - x64[pick], axis=1)
        running = distance if step == 0 else np.minimum(running, distance)
    assert near_ties > 100  # the data really has near-ties for float32 to decide
