"""Near-duplicate groups: every pair closer than a threshold, joined into connected components.

A group is a connected component (of size >= 2) of the graph whose edges are the pairs closer than the
threshold (:func:`embedscope.neighbors.range_search.pairs_within`; components by
``scipy.sparse.csgraph.connected_components``). Each group keeps one representative: the member nearest
to the group's mean (float64; ties to the lowest index), as in SemDeDup (Abbas et al. 2023,
https://arxiv.org/abs/2303.09540), which keeps one sample per cluster of near-duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from embedscope.errors import ConfigError
from embedscope.neighbors.range_search import RangePairs, pairs_within

DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.05
"""Reported without the flag: on L2-normalised embeddings, cosine similarity above 0.99875."""

REPRESENTATIVE_RULE = "the member nearest to the group's mean embedding (ties: the first in input order)"


@dataclass(frozen=True)
class NearDuplicateGroups:
    """Near-duplicate pairs and their groups.

    Attributes:
        threshold: the Euclidean distance under which two samples are near-duplicates.
        pairs: every pair (first < second) closer than ``threshold``, with float64 distances.
        group_of: (n,) int64 group index of each sample, -1 for a sample in no pair.
        groups: per group, (members,) int64 sample indices in increasing order; groups ordered by their
            smallest member.
        representatives: (n_groups,) int64 the kept sample of each group.
        removed: (n_removed,) int64 sorted indices of the samples that are not representatives.
    """

    threshold: float
    pairs: RangePairs
    group_of: np.ndarray
    groups: list[np.ndarray]
    representatives: np.ndarray
    removed: np.ndarray


def validate_threshold(value: object, *, flag: str = "--near-duplicate-threshold") -> float:
    """The threshold as a float.

    Raises:
        ConfigError: not a number, NaN, infinite or negative.
    """
    try:
        threshold = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{flag} must be a number >= 0 (a Euclidean distance), got {value!r}") from None
    if not math.isfinite(threshold) or threshold < 0:
        raise ConfigError(f"{flag} must be a finite number >= 0 (a Euclidean distance), got {value!r}")
    return threshold


def near_duplicate_groups(
    embeddings: np.ndarray, *, threshold: float, exact: bool = False, seed: int = 0
) -> NearDuplicateGroups:
    """Group ``embeddings`` (n, d) float32 by pairs closer than ``threshold`` (Euclidean).

    Args:
        embeddings: (n, d) float32, the space selection uses.
        threshold: Euclidean distance >= 0; pairs at a distance strictly below it are joined.
        exact: passed to the range search (never drop clusters above its exact limit).
        seed: seeds the range search's k-means.

    Returns:
        NearDuplicateGroups.

    Raises:
        ConfigError: a bad threshold.

    Cost: the range search's, then O(n + pairs) for the components; memory O(n·d + pairs).
    """
    threshold = validate_threshold(threshold)
    points = np.asarray(embeddings)
    pairs = pairs_within(points, threshold=threshold, exact=exact, seed=seed)
    return groups_from_pairs(pairs, n=points.shape[0], threshold=threshold, rows_of=lambda rows: points[rows])


def groups_from_pairs(
    pairs: RangePairs, *, n: int, threshold: float, rows_of: Callable[[np.ndarray], np.ndarray]
) -> NearDuplicateGroups:
    """The groups (connected components of size ≥ 2) of ``pairs`` among ``n`` samples, each with its
    representative; ``rows_of(members)`` returns the (m, d) float32 embeddings of those sample indices (called
    once per group). See :func:`near_duplicate_groups`.

    Cost: O(n + pairs) for the components, plus the members' rows.
    """
    graph = coo_matrix((np.ones(pairs.first.size, dtype=np.int8), (pairs.first, pairs.second)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels, minlength=labels.max(initial=-1) + 1)
    in_group = sizes[labels] >= 2
    member_order = np.lexsort((np.arange(n), labels))
    member_order = member_order[in_group[member_order]]
    member_labels = labels[member_order]
    boundaries = np.flatnonzero(np.diff(member_labels)) + 1
    raw_groups = np.split(member_order, boundaries) if member_order.size else []
    groups = sorted(raw_groups, key=lambda members: int(members[0]))
    group_of = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    representatives = np.array([_representative(rows_of(members), members) for members in groups], dtype=np.int64)
    removed = np.setdiff1d(np.flatnonzero(group_of >= 0), representatives)
    return NearDuplicateGroups(
        threshold=threshold,
        pairs=pairs,
        group_of=group_of,
        groups=groups,
        representatives=representatives,
        removed=removed,
    )


def _representative(member_rows: np.ndarray, members: np.ndarray) -> int:
    vectors = np.asarray(member_rows).astype(np.float64)
    distances = np.linalg.norm(vectors - vectors.mean(axis=0), axis=1)
    return int(members[int(np.argmin(distances))])
