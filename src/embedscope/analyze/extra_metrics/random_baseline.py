"""Metrics of several uniform random subsets of the input, so "selected beats random" carries error bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embedscope.analyze.extra_metrics.prdc import PrdcResult, RealReference, cover_and_judge, judge_against
from embedscope.analyze.extra_metrics.vendi import vendi_score
from embedscope.analyze.sets import random_subset
from embedscope.neighbors.exact import exact_distances_to
from embedscope.neighbors.search import nearest_in_other_set, nearest_neighbor_in_set

MAX_COVERAGE_QUERIES = 100_000
"""Input samples the extra random subsets' coverage is measured on at most (the mean's standard error is then
~0.3 % of the distances' spread)."""

MIN_COVERAGE_QUERIES = 10_000
"""Input samples the extra random subsets' coverage is measured on at least (every one below this input size)."""

COVERAGE_SAMPLE_SEED_OFFSET = 7919
"""The query sample's seed is the first seed plus this, so it is drawn independently of the subsets."""


@dataclass(frozen=True)
class SubsetMetrics:
    """One subset's metrics.

    Attributes:
        diversity_mean: mean distance to the nearest other subset sample (None below 2 samples).
        coverage_mean: mean distance of the input samples to subset ∪ datapool.
        coverage_max: max of the same distances.
        vendi: Vendi score of the subset (None for an empty subset).
        coverage_queries: input samples the coverage was measured on when a seeded sample (None: all).
    """

    diversity_mean: float | None
    coverage_mean: float
    coverage_max: float
    vendi: float | None
    coverage_queries: int | None = None


def subset_metrics(
    vectors: np.ndarray,
    rows: np.ndarray,
    *,
    datapool: np.ndarray | None,
    exact: bool,
    seed: int,
    nearest_in_set: np.ndarray | None = None,
    cover: np.ndarray | None = None,
    coverage_queries: np.ndarray | None = None,
    coverage: tuple[float, float] | None = None,
) -> SubsetMetrics:
    """:class:`SubsetMetrics` of ``vectors[rows]``; pass distances already computed to reuse them.

    Args:
        vectors: (n, d) float32 input. rows: (k,) int64. datapool: (p, d) or None.
        nearest_in_set: (k,) distances within the subset, if known. cover: (n,) distances to subset ∪ datapool.
        coverage_queries: (m,) sorted input rows the coverage is measured on (None: every input sample).
        coverage: (mean, max) of the coverage distances when already estimated (then ``cover`` is not used).
    """
    subset = vectors[rows]
    if nearest_in_set is None and len(rows) >= 2:
        nearest_in_set = nearest_neighbor_in_set(subset, exact=exact, seed=seed).distances
    if coverage is None and cover is None:
        centres = _with_datapool(subset, datapool)
        queries = vectors if coverage_queries is None else vectors[coverage_queries]
        cover = nearest_in_other_set(queries, centres, exact=exact, seed=seed).distances
    if coverage is None:
        coverage = (float(np.mean(cover)), float(np.max(cover)))
    return SubsetMetrics(
        diversity_mean=float(np.mean(nearest_in_set)) if nearest_in_set is not None else None,
        coverage_mean=coverage[0],
        coverage_max=coverage[1],
        vendi=vendi_score(subset) if len(rows) > 0 else None,
        coverage_queries=None if coverage_queries is None else len(coverage_queries),
    )


@dataclass(frozen=True)
class PrdcRequest:
    """PRDC of each random subset ∪ datapool against one real reference (see :func:`prdc.judge_against`).

    Attributes:
        reference: the real samples drawn from the input, with their k-NN radii.
        k: neighbours of the balls. max_samples: fake sets above this are subsampled. seed: the run's seed.
        results: filled by :func:`random_baseline`: seed → PRDC of that seed's subset ∪ datapool.
    """

    reference: RealReference
    k: int
    max_samples: int
    seed: int
    results: dict[int, PrdcResult] = field(default_factory=dict)

    def judge(self, fake: np.ndarray) -> PrdcResult:
        return judge_against(self.reference, fake, k=self.k, max_samples=self.max_samples, seed=self.seed)


def random_baseline(
    vectors: np.ndarray,
    *,
    subset_size: int,
    seeds: Sequence[int],
    datapool: np.ndarray | None = None,
    exact: bool = False,
    known: Mapping[int, SubsetMetrics] | None = None,
    max_coverage_queries: int = MAX_COVERAGE_QUERIES,
    prdc: PrdcRequest | None = None,
) -> dict[int, SubsetMetrics]:
    """Seed → metrics of ``random_subset(n, subset_size, seed=seed)`` (the run's random set for its seed).

    Args:
        vectors: (n, d) float32 input.
        known: seed → metrics already computed (the report's own random set), not recomputed.
        max_coverage_queries: the most input samples the coverage of a subset that is not ``known`` is measured
            on (see :func:`coverage_sample_size`).
        prdc: also judge each seed's subset ∪ datapool by PRDC (``known`` seeds included), into ``prdc.results``.

    The coverage of a subset that is not ``known`` is measured on a seeded uniform sample Q of the input, the
    same for every seed, once the input is large enough (:func:`coverage_sample_size`; Q is the PRDC reference
    when that is large enough, or holds it). The subset's own
    samples are at distance 0, so only the other samples of Q are searched, and their mean distance, scaled by
    the share (n − k)/n of the input outside the subset, is an unbiased estimate of the coverage mean; their
    max is a lower bound of the subset's radius. With every input sample in Q both are exact.

    Cost: per seed one search of |Q| − k input samples against the subset (blocked, see neighbors.search). When
    the subset ∪ datapool is judged whole by PRDC, Q also holds the PRDC reference and the same search answers
    the subset's PRDC (:func:`prdc.cover_and_judge`); otherwise PRDC costs one search of the reference more.
    """
    n = len(vectors)
    extra = [seed for seed in seeds if known is None or seed not in known]
    fused = prdc is not None and prdc.k < subset_size + (0 if datapool is None else len(datapool)) <= prdc.max_samples
    queries = None
    sample_size = coverage_sample_size(n, len(extra), max_queries=max_coverage_queries)
    if sample_size < n and fused and prdc is not None and sample_size <= len(prdc.reference.rows):
        queries = prdc.reference.rows  # itself a seeded uniform sample of the input
    elif sample_size < n:
        queries = random_subset(n, sample_size, seed=seeds[0] + COVERAGE_SAMPLE_SEED_OFFSET)
        if fused and prdc is not None:
            queries = np.union1d(queries, prdc.reference.rows)  # the union of two uniform samples is uniform
    results: dict[int, SubsetMetrics] = {seed: known[seed] for seed in seeds if known is not None and seed in known}
    for seed in extra:
        rows = random_subset(n, subset_size, seed=seed)
        centres = _with_datapool(vectors[rows], datapool)
        searched = np.arange(n, dtype=np.int64) if queries is None else queries
        outside = np.ones(n, dtype=bool)
        outside[rows] = False
        if fused and prdc is not None:
            nearest, prdc.results[seed] = cover_and_judge(prdc.reference, vectors, centres, k=prdc.k, members=rows,
                                                          queries=queries)
            keep = outside[searched]
            cover = exact_distances_to(vectors[searched[keep]], centres, nearest[keep])
        else:
            others = searched[outside[searched]]
            cover = nearest_in_other_set(vectors[others], centres, exact=exact, seed=seed).distances
            if prdc is not None:
                prdc.results[seed] = prdc.judge(centres)
        results[seed] = subset_metrics(vectors, rows, datapool=datapool, exact=exact, seed=seed,
                                       coverage=_coverage_estimate(cover, n_outside=n - len(rows), n=n),
                                       coverage_queries=queries)
    if prdc is not None:
        for seed in set(seeds) - set(prdc.results):
            rows = random_subset(n, subset_size, seed=seed)
            prdc.results[seed] = prdc.judge(_with_datapool(vectors[rows], datapool))
    return {seed: results[seed] for seed in seeds}


def coverage_sample_size(n: int, n_extra_seeds: int, *, max_queries: int = MAX_COVERAGE_QUERIES) -> int:
    """Input samples the extra seeds' coverage is measured on: ``n / n_extra_seeds`` (so that together the extra
    subsets search as many pairs as the run's own random set), at least MIN_COVERAGE_QUERIES (all of a smaller
    input), at most ``max_queries``."""
    share = n // max(1, n_extra_seeds)
    return min(n, max_queries, max(MIN_COVERAGE_QUERIES, share))


def _coverage_estimate(outside_distances: np.ndarray, *, n_outside: int, n: int) -> tuple[float, float]:
    """(mean, max) coverage from the distances of sampled input samples outside the subset (members count 0)."""
    if outside_distances.size == 0:
        return 0.0, 0.0
    mean = float(np.mean(outside_distances, dtype=np.float64)) * n_outside / n
    return mean, float(np.max(outside_distances))


def _with_datapool(subset: np.ndarray, datapool: np.ndarray | None) -> np.ndarray:
    """The covering set: ``subset`` rows, then the datapool's (as ``AnalysisSets.with_datapool``)."""
    return subset if datapool is None else np.concatenate([subset, datapool])
