"""PRDC coverage and recall against the formulas of Naeem et al. 2020 on full float64 distance matrices."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.analyze.extra_metrics.prdc import (
    FAKE_SUBSAMPLE_SEED_OFFSET,
    cover_and_judge,
    inside_any_ball,
    judge_against,
    knn_radii,
    prdc_coverage_recall,
    real_reference,
)
from embedscope.analyze.sets import random_subset


def _reference_radii(points: np.ndarray, k: int) -> np.ndarray:
    """k-th nearest other point (the authors' code: (k+1)-th smallest including self)."""
    return np.sort(cdist(points, points), axis=1)[:, k]


def _reference_prdc(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """coverage and recall as in github.com/clovaai/generative-evaluation-prdc (strict <)."""
    real64, fake64 = real.astype(np.float64), fake.astype(np.float64)
    real_radii, fake_radii = _reference_radii(real64, k), _reference_radii(fake64, k)
    distance = cdist(real64, fake64)
    coverage = float((distance.min(axis=1) < real_radii).mean())
    recall = float((distance < fake_radii[None, :]).any(axis=1).mean())
    return coverage, recall


@pytest.mark.parametrize(("n", "m", "d", "k"), [(60, 12, 2, 5), (400, 40, 8, 5), (500, 300, 16, 3)])
def test_prdc_matches_reference(rng: np.random.Generator, n: int, m: int, d: int, k: int) -> None:
    centres = rng.normal(scale=4.0, size=(5, d))
    real = (centres[rng.integers(0, 5, size=n)] + rng.normal(size=(n, d))).astype(np.float32)
    fake = real[rng.choice(n, size=m, replace=False)] + rng.normal(scale=0.3, size=(m, d)).astype(np.float32)
    result = prdc_coverage_recall(real, fake, k=k)
    coverage, recall = _reference_prdc(real, fake, k)
    assert result.coverage == pytest.approx(coverage, abs=1e-12)
    assert result.recall == pytest.approx(recall, abs=1e-12)


def test_knn_radii_match_reference(rng: np.random.Generator) -> None:
    points = rng.normal(size=(300, 7)).astype(np.float32)
    np.testing.assert_allclose(knn_radii(points, k=5), _reference_radii(points.astype(np.float64), 5), rtol=1e-12)


def test_inside_any_ball_far_from_origin(rng: np.random.Generator) -> None:
    """Vectors of norm ~1000 with radii ~1: the lifted float32 search alone would lose the radius."""
    offset = np.full(3, 1000.0)
    centers = offset + rng.normal(size=(80, 3))
    radii = rng.uniform(0.2, 1.0, size=80)
    queries = offset + rng.normal(scale=1.2, size=(500, 3))
    expected = (cdist(queries, centers) < radii[None, :]).any(axis=1)
    assert 0.1 < expected.mean() < 0.9
    np.testing.assert_array_equal(inside_any_ball(queries, centers, radii), expected)


def test_coverage_of_a_copy_of_the_distribution_is_one_minus_half_to_the_k(rng: np.random.Generator) -> None:
    """Naeem et al. 2020, Sec. 4: for fake ~ real with M = N, E[coverage] = 1 - 1/2^k (0.969 at k = 5)."""
    real = rng.normal(size=(2_000, 8)).astype(np.float32)
    fake = rng.normal(size=(2_000, 8)).astype(np.float32)
    assert prdc_coverage_recall(real, fake, k=5).coverage == pytest.approx(1 - 0.5**5, abs=0.015)


def test_subsampling_uses_stated_seeded_rows(rng: np.random.Generator) -> None:
    data = rng.normal(size=(300, 5)).astype(np.float32)
    real_rows = random_subset(300, 100, seed=7)
    reference = real_reference(data, k=5, max_samples=100, seed=7)
    np.testing.assert_array_equal(reference.points, data[real_rows])
    for n_fake in (150, 60):
        fake = data[rng.choice(300, size=n_fake, replace=False)]
        result = judge_against(reference, fake, k=5, max_samples=100, seed=7)
        fake_rows = random_subset(n_fake, 100, seed=7 + FAKE_SUBSAMPLE_SEED_OFFSET) if n_fake > 100 else slice(None)
        coverage, recall = _reference_prdc(data[real_rows], fake[fake_rows], 5)
        assert (result.n_real, result.n_real_total, result.n_fake_total) == (100, 300, n_fake)
        assert result.n_fake == min(n_fake, 100)
        assert result.scores.coverage == pytest.approx(coverage, abs=1e-12)
        assert result.scores.recall == pytest.approx(recall, abs=1e-12)


def test_too_few_samples_is_refused(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="needs more than 5 real and fake samples, got 20 and 5"):
        prdc_coverage_recall(rng.normal(size=(20, 3)), rng.normal(size=(5, 3)), k=5)
    with pytest.raises(ValueError, match="needs more than 5 real samples, got 4"):
        real_reference(rng.normal(size=(4, 3)), k=5)


def test_cover_and_judge_answers_coverage_and_prdc_in_one_search(rng: np.random.Generator) -> None:
    """The whole input against a random subset: nearest subset sample of every input sample (the random
    baseline's coverage) and the subset's PRDC against a reference drawn from the input."""
    data = rng.normal(size=(900, 12)).astype(np.float32)
    reference = real_reference(data, k=5, max_samples=400, seed=3)
    fake = data[random_subset(900, 120, seed=9)]
    nearest, result = cover_and_judge(reference, data, fake, k=5)
    np.testing.assert_array_equal(nearest, np.argmin(cdist(data.astype(np.float64), fake.astype(np.float64)), axis=1))
    coverage, recall = _reference_prdc(data[reference.rows], fake, 5)
    assert (result.n_real, result.n_fake) == (400, 120)
    assert result.scores.coverage == pytest.approx(coverage, abs=1e-12)
    assert result.scores.recall == pytest.approx(recall, abs=1e-12)


def test_members_of_the_fake_set_skip_the_search_unless_their_ball_is_empty(rng: np.random.Generator) -> None:
    """Rows 0–6 are one vector seven times: as fake samples with k = 5 their balls have radius 0, so those
    members must still be searched (another ball may hold them); every other member is inside its own ball."""
    data = rng.normal(size=(600, 6)).astype(np.float32)
    data[1:7] = data[0]
    data[7] = data[0] + 0.05  # a fake sample whose ball holds the seven copies
    drawn = random_subset(600, 90, seed=4)
    rows = np.concatenate([np.arange(8), drawn[drawn >= 8]])
    fake = data[rows]
    reference = real_reference(data, k=5, max_samples=300, seed=2)
    nearest, result = cover_and_judge(reference, data, fake, k=5, members=rows)
    distance = cdist(data.astype(np.float64), fake.astype(np.float64))
    np.testing.assert_array_equal(distance[np.arange(600), nearest], distance.min(axis=1))
    coverage, recall = _reference_prdc(data[reference.rows], fake, 5)
    assert result.scores.coverage == pytest.approx(coverage, abs=1e-12)
    assert result.scores.recall == pytest.approx(recall, abs=1e-12)


def test_knn_radii_are_exact_where_float32_cannot_rank_the_kth_neighbour(rng: np.random.Generator) -> None:
    """Far from the origin, neighbours 1e-6 apart in distance swap places in float32: the radius is still the
    float64 k-th distance (the unsettled rows are searched again in float64)."""
    dim = 64
    centre = np.full(dim, 300.0)
    directions = rng.normal(size=(12, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    steps = np.array([1.0, 1.1, 1.2, 1.3, 2.000001, 2.0, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5])
    points = np.vstack([centre, centre + steps[:, None] * directions]).astype(np.float32)
    np.testing.assert_allclose(knn_radii(points, k=5), _reference_radii(points.astype(np.float64), 5), rtol=1e-12)
