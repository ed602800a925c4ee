"""PRDC coverage and recall (Naeem et al. 2020, https://arxiv.org/abs/2002.09797) by nearest-neighbour search.

With real samples X (the input) and fake samples Y (the set judged), ``B(x, r)`` the open ball and
``NND_k(x)`` the distance of x to its k-th nearest other sample of its own set:

- coverage = (1/N) Σ_i 1[∃ j: Y_j ∈ B(X_i, NND_k(X_i))]  — the share of real samples whose neighbourhood
  holds a fake sample;
- recall = (1/N) Σ_i 1[∃ j: X_i ∈ B(Y_j, NND_k(Y_j))]  — the share of real samples inside the fake manifold.

Strict inequalities as in the authors' code (github.com/clovaai/generative-evaluation-prdc).
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from embedscope.analyze.sets import random_subset
from embedscope.neighbors.k_nearest import k_nearest_neighbors

DEFAULT_K = 5
"""The paper's recommended k (with 10k samples a fake copy of the real distribution scores coverage ≈ 0.97)."""

MAX_SAMPLES = 10_000
"""Real and fake sets above this size are replaced by a seeded uniform subsample of this size: the paper
evaluates with 10k real and 10k fake samples, and exact k-NN radii of 10k points take about a second."""

CANDIDATE_BALLS = 8
"""Balls re-checked in float64 per real sample after the float32 inner-product search (guards rounding)."""

PAIR_BLOCK_BYTES = 32 * 2**20
"""Working memory of the float64 re-computation of neighbour distances (gathered rows per block)."""

FAKE_SUBSAMPLE_SEED_OFFSET = 1
"""The fake subsample's seed is the run's seed plus this, so it is drawn independently of the real one."""


@dataclass(frozen=True)
class CoverageRecall:
    """PRDC coverage and recall, each in [0, 1].

    Attributes:
        coverage: share of real samples whose k-NN ball holds at least one fake sample.
        recall: share of real samples inside the k-NN ball of at least one fake sample.
    """

    coverage: float
    recall: float


@dataclass(frozen=True)
class PrdcResult:
    """PRDC of one fake set against the input, with the sample sizes used.

    Attributes:
        scores: coverage and recall.
        n_real, n_real_total: real samples used / available (``n_real < n_real_total`` when subsampled).
        n_fake, n_fake_total: the same for the fake set.
    """

    scores: CoverageRecall
    n_real: int
    n_real_total: int
    n_fake: int
    n_fake_total: int


def pair_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances of paired rows, float64, shapes broadcast: (..., d), (..., d) → (...).

    Every distance that PRDC compares goes through this one formula, so the common ties of PRDC on a
    subset of the real set (a real sample whose k-th neighbour is also its nearest fake sample) compare
    bit-identical numbers, as in the authors' single distance matrix.
    """
    difference = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return np.asarray(np.sqrt(np.sum(difference * difference, axis=-1)))


def paired_row_distances(a: np.ndarray, a_rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(m, c) float64 ``pair_distances(a[a_rows], b[:, None, :])`` for a_rows (m, c), computed in blocks of
    rows so the gathered float64 copies stay within PAIR_BLOCK_BYTES (at 768-d, 10k × 8 rows would take
    490 MB). Each distance is the same float64 number as the unblocked formula gives."""
    m, c = a_rows.shape
    block = max(1, PAIR_BLOCK_BYTES // max(1, 8 * c * a.shape[1]))
    out = np.empty((m, c), dtype=np.float64)
    for start in range(0, m, block):
        stop = min(m, start + block)
        out[start:stop] = pair_distances(a[a_rows[start:stop]], np.asarray(b[start:stop])[:, None, :])
    return out


def knn_radii(points: np.ndarray, *, k: int) -> np.ndarray:
    """(n,) float64 distance of each point to its k-th nearest *other* point.

    Exact (blocked faiss flat search); the k distances found are recomputed in float64 and the largest kept.

    Args:
        points: (n, d) float, n > k.

    Memory: the search's blocks plus PAIR_BLOCK_BYTES for the float64 recomputation.
    """
    _, indices = k_nearest_neighbors(points, points, k=k, exclude_self=True)
    return paired_row_distances(points, indices, points).max(axis=1)


def inside_any_ball(queries: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(m,) bool: is each query strictly closer than ``radii[j]`` to some centre ``j``?

    ``|q - c|² < r²`` ⇔ ``q·(2c) + (r² - |c|²) > |q|²``, so with ``c̃ = [2c, r² - |c|²]`` and ``q̃ = [q, 1]``
    the ball with the largest margin ``r² - |q - c|²`` is one exact maximum-inner-product search (faiss
    flat index, BLAS, blocked internally): no m × n matrix is held. The data are centred first (distances
    do not change) to keep float32 rounding small, and the ``CANDIDATE_BALLS`` best balls of each query
    are re-checked in float64, so only a query within float32 rounding of a ball's boundary can be misjudged.

    Args:
        queries: (m, d) float. centers: (n, d) float. radii: (n,) float.

    Memory: O((m + n) d) plus PAIR_BLOCK_BYTES for the float64 re-check.
    """
    centers64 = np.asarray(centers, dtype=np.float64)
    queries64 = np.asarray(queries, dtype=np.float64)
    radii64 = np.asarray(radii, dtype=np.float64)
    origin = centers64.mean(axis=0)
    centred_centers, centred_queries = centers64 - origin, queries64 - origin
    lifted_centers = np.hstack([2.0 * centred_centers, (radii64**2 - np.sum(centred_centers**2, axis=1))[:, None]])
    lifted_queries = np.hstack([centred_queries, np.ones((len(queries64), 1))])
    index = faiss.IndexFlatIP(lifted_centers.shape[1])
    index.add(np.ascontiguousarray(lifted_centers, dtype=np.float32))
    n_candidates = min(CANDIDATE_BALLS, len(centers64))
    _, candidates = index.search(np.ascontiguousarray(lifted_queries, dtype=np.float32), n_candidates)
    gaps = paired_row_distances(centers64, candidates, queries64)
    return np.asarray((gaps < radii64[candidates]).any(axis=1))


@dataclass(frozen=True)
class RealReference:
    """The real side of PRDC, computed once and shared by every fake set judged against it.

    Attributes:
        points: (n_real, d) the real samples used (a subsample when ``n_real < n_total``).
        radii: (n_real,) float64 distance of each to its k-th nearest other real sample.
        n_total: real samples available.
    """

    points: np.ndarray
    radii: np.ndarray
    n_total: int


def real_reference(real: np.ndarray, *, k: int = DEFAULT_K, max_samples: int | None = None, seed: int = 0
                   ) -> RealReference:
    """The k-NN radii of ``real`` (n, d), n > k, or of a seeded uniform subsample of ``max_samples`` of it."""
    if len(real) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} real samples, got {len(real)}")
    rows = subsample_rows(len(real), max_size=max_samples if max_samples is not None else len(real), seed=seed)
    points = np.asarray(real)[rows]
    return RealReference(points=points, radii=knn_radii(points, k=k), n_total=len(real))


def judge_against(reference: RealReference, fake: np.ndarray, *, k: int = DEFAULT_K, max_samples: int | None = None,
                  seed: int = 0) -> PrdcResult:
    """PRDC coverage and recall of ``fake`` (m, d), m > k (or of a seeded subsample of ``max_samples``).

    The nearest fake sample of each real one is found by a flat (BLAS, float32) search and its distance
    recomputed in float64; only two fake samples within float32 rounding of each other's distance and of
    the ball's radius could be misjudged.

    Cost: exact k-NN radii of the fake samples, one nearest-fake search and one ball test per real sample
    (about 2 s at 10k × 32 on two cores).
    """
    if len(fake) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} fake samples, got {len(fake)}")
    rows = subsample_rows(len(fake), max_size=max_samples if max_samples is not None else len(fake),
                          seed=seed + FAKE_SUBSAMPLE_SEED_OFFSET)
    fake_used = np.asarray(fake)[rows]
    real = reference.points
    _, nearest = k_nearest_neighbors(real, fake_used, k=1)
    coverage = float(np.mean(pair_distances(fake_used[nearest[:, 0]], real) < reference.radii))
    recall = float(np.mean(inside_any_ball(real, fake_used, knn_radii(fake_used, k=k))))
    return PrdcResult(
        scores=CoverageRecall(coverage=coverage, recall=recall),
        n_real=len(real), n_real_total=reference.n_total, n_fake=len(fake_used), n_fake_total=len(fake),
    )


def prdc_coverage_recall(real: np.ndarray, fake: np.ndarray, *, k: int = DEFAULT_K) -> CoverageRecall:
    """PRDC coverage and recall of ``fake`` against ``real`` (every sample of both; exact).

    Args:
        real: (n, d) float, n > k (the reference set: the input).
        fake: (m, d) float, m > k (the set judged: the selection with the datapool).
        k: neighbours defining the balls.

    Memory: O(block × max(n, m)) for the k-NN radii (blocked); O((n + m) d) otherwise.
    Time: O((n² + m² + n m) d).
    """
    if len(fake) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} real and fake samples, got {len(real)} and {len(fake)}")
    return judge_against(real_reference(real, k=k), fake, k=k).scores


def subsample_rows(n_rows: int, *, max_size: int, seed: int) -> np.ndarray:
    """All rows when ``n_rows <= max_size``, else ``max_size`` sorted rows drawn uniformly with ``seed``."""
    if n_rows <= max_size:
        return np.arange(n_rows, dtype=np.int64)
    return random_subset(n_rows, max_size, seed=seed)
