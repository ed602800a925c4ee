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

import numpy as np

from embedscope.analyze.sets import random_subset
from embedscope.neighbors.ball_membership import nearest_center_and_ball_membership
from embedscope.neighbors.block_search import settle_window
from embedscope.neighbors.k_nearest_self import k_nearest_scores
from embedscope.neighbors.pair_distances import pair_distances

DEFAULT_K = 5
"""The paper's recommended k (with 10k samples a fake copy of the real distribution scores coverage ≈ 0.97)."""

MAX_SAMPLES = 10_000
"""Real and fake sets above this size are replaced by a seeded uniform subsample of this size: the paper
evaluates with 10k real and 10k fake samples, and exact k-NN radii of 10k points take about a second."""

EXTRA_NEIGHBOURS = 3
"""Candidates kept beyond the k-th, so that float32 ranking settles the exact k-th neighbour of almost every row."""

FLOAT64_BLOCK_BYTES = 64 * 2**20
"""Working memory of the float64 re-search of rows the float32 ranking could not settle."""

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


def knn_radii(points: np.ndarray, *, k: int) -> np.ndarray:
    """(n,) float64 distance of each point to its k-th nearest *other* point, exact.

    The k + EXTRA_NEIGHBOURS best candidates come from float32 symmetric tiles
    (:func:`~embedscope.neighbors.k_nearest_self.k_nearest_scores`, each pair scored once) and their distances
    from :func:`~embedscope.neighbors.pair_distances.pair_distances`. Where the last candidate's float32 score
    beats the k-th's by less than the float32 error window, a point outside the list could be nearer than the
    k-th: those rows are searched again in float64 (:func:`_float64_candidates`).

    Args:
        points: (n, d) float, n > k.

    Cost: n²·d/2 float32 products plus float64 products for the unsettled rows; memory O(threads · (n k + tile)).
    """
    n = len(points)
    width = min(k + EXTRA_NEIGHBOURS, n - 1)
    indices, scores = k_nearest_scores(points, k=width)
    if width > k:
        points32 = np.ascontiguousarray(points, dtype=np.float32)
        unsettled = np.flatnonzero(~(scores[:, width - 1] > scores[:, k - 1] + settle_window(points32, points32)))
        if unsettled.size:
            indices[unsettled] = _float64_candidates(points, unsettled, width)
    own = np.broadcast_to(np.arange(n)[:, None], indices.shape)
    return np.sort(pair_distances(points, indices, points, own), axis=1)[:, k - 1]


def _float64_candidates(points: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """(len(rows), width) indices of each row's ``width`` nearest other points by float64 products, in blocks."""
    points64 = np.asarray(points, dtype=np.float64)
    squared = np.einsum("ij,ij->i", points64, points64)
    out = np.empty((len(rows), width), dtype=np.int64)
    block = max(1, FLOAT64_BLOCK_BYTES // (8 * len(points64)))
    for start in range(0, len(rows), block):
        chosen = rows[start:start + block]
        distance = squared[None, :] - 2.0 * (points64[chosen] @ points64.T)
        distance[np.arange(len(chosen)), chosen] = np.inf
        out[start:start + block] = np.argpartition(distance, width - 1, axis=1)[:, :width]
    return out


def inside_any_ball(queries: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(m,) bool: is each query strictly closer than ``radii[j]`` to some centre ``j``?

    See :func:`embedscope.neighbors.ball_membership.nearest_center_and_ball_membership` (one float32 pass,
    boundary cases decided in float64 by the pair formula).

    Args:
        queries: (m, d) float. centers: (n, d) float. radii: (n,) float.
    """
    return nearest_center_and_ball_membership(queries, centers, radii)[1]


@dataclass(frozen=True)
class RealReference:
    """The real side of PRDC, computed once and shared by every fake set judged against it.

    Attributes:
        points: (n_real, d) the real samples used (a subsample when ``n_real < n_total``).
        rows: (n_real,) int64 sorted rows of ``points`` in the real set.
        radii: (n_real,) float64 distance of each to its k-th nearest other real sample.
        n_total: real samples available.
    """

    points: np.ndarray
    rows: np.ndarray
    radii: np.ndarray
    n_total: int


def real_reference(real: np.ndarray, *, k: int = DEFAULT_K, max_samples: int | None = None, seed: int = 0
                   ) -> RealReference:
    """The k-NN radii of ``real`` (n, d), n > k, or of a seeded uniform subsample of ``max_samples`` of it."""
    if len(real) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} real samples, got {len(real)}")
    rows = subsample_rows(len(real), max_size=max_samples if max_samples is not None else len(real), seed=seed)
    points = np.asarray(real)[rows]
    return RealReference(points=points, rows=rows, radii=knn_radii(points, k=k), n_total=len(real))


def judge_against(reference: RealReference, fake: np.ndarray, *, k: int = DEFAULT_K, max_samples: int | None = None,
                  seed: int = 0) -> PrdcResult:
    """PRDC coverage and recall of ``fake`` (m, d), m > k (or of a seeded subsample of ``max_samples``).

    Each real sample's exact nearest fake sample and its membership in the fake samples' balls come from one
    float32 pass (:func:`~embedscope.neighbors.ball_membership.nearest_center_and_ball_membership`); every
    distance compared is the pair formula's, so ties compare equal numbers as in the authors' code.

    Cost: exact k-NN radii of the fake samples and one real × fake float32 product (about 0.4 s at 10k real
    and 3k fake × 768 on two cores).
    """
    if len(fake) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} fake samples, got {len(fake)}")
    rows = subsample_rows(len(fake), max_size=max_samples if max_samples is not None else len(fake),
                          seed=seed + FAKE_SUBSAMPLE_SEED_OFFSET)
    fake_used = np.asarray(fake)[rows]
    real = reference.points
    nearest, inside = nearest_center_and_ball_membership(real, fake_used, knn_radii(fake_used, k=k))
    return _prdc_result(reference, fake_used, nearest, inside, n_fake_total=len(fake))


def cover_and_judge(reference: RealReference, real: np.ndarray, fake: np.ndarray, *, k: int = DEFAULT_K,
                    members: np.ndarray | None = None, queries: np.ndarray | None = None
                    ) -> tuple[np.ndarray, PrdcResult]:
    """Each queried real sample's exact nearest fake sample, and the PRDC of ``fake`` (every sample), in one pass.

    A random subset's coverage of the input and its PRDC ask the same question of the same pairs when the real
    reference is drawn from the input: one search of the input samples against the subset answers both. A
    real sample that is itself a fake sample (``members``) needs no search: it is its own nearest fake sample,
    at distance 0, and lies inside its own ball unless that ball has radius 0 (k duplicates of it).

    Args:
        reference: the PRDC reference, drawn from ``real`` (``reference.rows`` index ``real``).
        real: (n, d) float32, the whole real set (the input). fake: (m, d), m > k, judged without subsampling.
        members: (p,) int64 rows of ``real`` that are ``fake[:p]`` (a subset of the input drawn first), or None.
        queries: (q,) sorted int64 rows of ``real`` to search, holding every ``reference.rows`` (None: all).

    Returns:
        (nearest, prdc): (q,) int64 index into ``fake`` of each queried sample's nearest fake sample (a member's
        own index), and the PRDC of ``fake`` against the reference.

    Raises:
        ValueError: ``fake`` has at most k samples, or ``queries`` misses a reference row.

    Cost: one (q − members) × m × d float32 product, the k-NN radii of ``fake``; O(n + m) state.
    """
    if len(fake) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} fake samples, got {len(fake)}")
    fake = np.asarray(fake)
    rows = np.arange(len(real), dtype=np.int64) if queries is None else np.asarray(queries, dtype=np.int64)
    at = np.searchsorted(rows, reference.rows)
    if np.any(at >= len(rows)) or np.any(rows[np.minimum(at, len(rows) - 1)] != reference.rows):
        raise ValueError("the queried rows must hold every row of the PRDC reference")
    radii = knn_radii(fake, k=k)
    fake_position = np.full(len(real), -1, dtype=np.int64)
    if members is not None:
        fake_position[members] = np.arange(len(members))
    position = fake_position[rows]
    settled = position >= 0
    settled[settled] = radii[position[settled]] > 0
    searched = np.flatnonzero(~settled)
    nearest, inside = position, settled.copy()
    searched_rows = rows[searched]
    points = real if searched_rows.size == len(real) else real[searched_rows]
    nearest[searched], inside[searched] = nearest_center_and_ball_membership(points, fake, radii)
    return nearest, _prdc_result(reference, fake, nearest[at], inside[at], n_fake_total=len(fake))


def _prdc_result(reference: RealReference, fake_used: np.ndarray, nearest: np.ndarray, inside: np.ndarray, *,
                 n_fake_total: int) -> PrdcResult:
    """PRDC from each reference sample's nearest fake sample and its ball membership."""
    real = reference.points
    distances = pair_distances(fake_used, nearest, real, np.arange(len(real)))
    coverage = float(np.mean(distances < reference.radii))
    return PrdcResult(
        scores=CoverageRecall(coverage=coverage, recall=float(np.mean(inside))),
        n_real=len(real), n_real_total=reference.n_total, n_fake=len(fake_used), n_fake_total=n_fake_total,
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
