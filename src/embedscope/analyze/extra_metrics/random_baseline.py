"""Metrics of several uniform random subsets of the input, so "selected beats random" carries error bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embedscope.analyze.extra_metrics.vendi import vendi_score
from embedscope.analyze.sets import random_subset
from embedscope.neighbors.search import nearest_in_other_set, nearest_neighbor_in_set


@dataclass(frozen=True)
class SubsetMetrics:
    """One subset's metrics.

    Attributes:
        diversity_mean: mean distance to the nearest other subset sample (None below 2 samples).
        coverage_mean: mean distance of the input samples to subset ∪ datapool.
        coverage_max: max of the same distances.
        vendi: Vendi score of the subset (None for an empty subset).
    """

    diversity_mean: float | None
    coverage_mean: float
    coverage_max: float
    vendi: float | None


def subset_metrics(
    vectors: np.ndarray,
    rows: np.ndarray,
    *,
    datapool: np.ndarray | None,
    exact: bool,
    seed: int,
    nearest_in_set: np.ndarray | None = None,
    cover: np.ndarray | None = None,
) -> SubsetMetrics:
    """:class:`SubsetMetrics` of ``vectors[rows]``; pass distances already computed to reuse them.

    Args:
        vectors: (n, d) float32 input. rows: (k,) int64. datapool: (p, d) or None.
        nearest_in_set: (k,) distances within the subset, if known. cover: (n,) distances to subset ∪ datapool.
    """
    subset = vectors[rows]
    if nearest_in_set is None and len(rows) >= 2:
        nearest_in_set = nearest_neighbor_in_set(subset, exact=exact, seed=seed).distances
    if cover is None:
        centres = subset if datapool is None else np.concatenate([subset, datapool])
        cover = nearest_in_other_set(vectors, centres, exact=exact, seed=seed).distances
    return SubsetMetrics(
        diversity_mean=float(np.mean(nearest_in_set)) if nearest_in_set is not None else None,
        coverage_mean=float(np.mean(cover)),
        coverage_max=float(np.max(cover)),
        vendi=vendi_score(subset) if len(rows) > 0 else None,
    )


def random_baseline(
    vectors: np.ndarray,
    *,
    subset_size: int,
    seeds: Sequence[int],
    datapool: np.ndarray | None = None,
    exact: bool = False,
    known: Mapping[int, SubsetMetrics] | None = None,
) -> dict[int, SubsetMetrics]:
    """Seed → metrics of ``random_subset(n, subset_size, seed=seed)`` (the run's random set for its seed).

    Args:
        vectors: (n, d) float32 input.
        known: seed → metrics already computed (the report's own random set), not recomputed.

    Cost: per seed one coverage search of the input against the subset (blocked, see neighbors.search).
    """
    results: dict[int, SubsetMetrics] = {}
    for seed in seeds:
        if known is not None and seed in known:
            results[seed] = known[seed]
            continue
        rows = random_subset(len(vectors), subset_size, seed=seed)
        results[seed] = subset_metrics(vectors, rows, datapool=datapool, exact=exact, seed=seed)
    return results
