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
"""Input samples the extra random subsets' coverage is measured on above this size (the mean's standard error
is then ~0.3 % of the distances' spread)."""

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
) -> SubsetMetrics:
    """:class:`SubsetMetrics` of ``vectors[rows]``; pass distances already computed to reuse them.

    Args:
        vectors: (n, d) float32 input. rows: (k,) int64. datapool: (p, d) or None.
        nearest_in_set: (k,) distances within the subset, if known. cover: (n,) distances to subset ∪ datapool.
        coverage_queries: (m,) sorted input rows the coverage is measured on (None: every input sample).
    """
    subset = vectors[rows]
    if nearest_in_set is None and len(rows) >= 2:
        nearest_in_set = nearest_neighbor_in_set(subset, exact=exact, seed=seed).distances
    if cover is None:
        centres = subset if datapool is None else np.concatenate([subset, datapool])
        queries = vectors if coverage_queries is None else vectors[coverage_queries]
        cover = nearest_in_other_set(queries, centres, exact=exact, seed=seed).distances
    return SubsetMetrics(
        diversity_mean=float(np.mean(nearest_in_set)) if nearest_in_set is not None else None,
        coverage_mean=float(np.mean(cover)),
        coverage_max=float(np.max(cover)),
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
        max_coverage_queries: above this many input samples, the coverage of a subset that is not ``known`` is
            measured on a uniform sample of this many input samples (seeded by the first seed, the same sample
            for every seed): its mean is an unbiased estimate, its max a lower bound of the subset's radius.

        prdc: also judge each seed's subset ∪ datapool by PRDC (``known`` seeds included), into ``prdc.results``.

    Cost: per seed one coverage search of min(n, max_coverage_queries) input samples against the subset (blocked,
    see neighbors.search): at 1M × 768 with 10k picks, 100k queries instead of 1M (~12 s instead of ~2 min).
    When every input sample is a query and the subset ∪ datapool is judged whole, that search also answers
    the subset's PRDC (:func:`prdc.cover_and_judge`); otherwise PRDC costs one search of the reference more.
    """
    queries = None
    if len(vectors) > max_coverage_queries and seeds:
        queries = random_subset(len(vectors), max_coverage_queries, seed=seeds[0] + COVERAGE_SAMPLE_SEED_OFFSET)
    results: dict[int, SubsetMetrics] = {}
    for seed in seeds:
        if known is not None and seed in known:
            results[seed] = known[seed]
            continue
        rows = random_subset(len(vectors), subset_size, seed=seed)
        centres = vectors[rows] if datapool is None else np.concatenate([vectors[rows], datapool])
        cover = None
        if prdc is not None and queries is None and prdc.k < len(centres) <= prdc.max_samples:
            nearest, prdc.results[seed] = cover_and_judge(prdc.reference, vectors, centres, k=prdc.k, members=rows)
            cover = exact_distances_to(vectors, centres, nearest)
        elif prdc is not None:
            prdc.results[seed] = prdc.judge(centres)
        results[seed] = subset_metrics(vectors, rows, datapool=datapool, exact=exact, seed=seed, cover=cover,
                                       coverage_queries=queries)
    if prdc is not None:
        for seed in set(seeds) - set(prdc.results):
            rows = random_subset(len(vectors), subset_size, seed=seed)
            prdc.results[seed] = prdc.judge(vectors[rows] if datapool is None else np.concatenate([vectors[rows], datapool]))
    return results
