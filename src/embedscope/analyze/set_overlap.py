"""Leaks between two embedding sets: every cross-set pair closer than a threshold (e.g. train vs test).

Pairs come from :func:`embedscope.neighbors.range_search.pairs_across` (exact by Voronoi pruning; approximate
with measured recall only when a large threshold exceeds the work budget above the exact limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.errors import ConfigError
from embedscope.neighbors.range_search import RangePairs, pairs_across


@dataclass(frozen=True)
class SetOverlap:
    """The pairs (a index, b index, distance) under ``threshold`` and how many samples of each set they touch."""

    threshold: float
    pairs: RangePairs
    n_a: int
    n_b: int
    n_a_with_match: int
    n_b_with_match: int


def set_overlap(a: np.ndarray, b: np.ndarray, *, threshold: float, exact: bool = False, seed: int = 0) -> SetOverlap:
    """Every (i, j) with |a[i] - b[j]| < ``threshold``.

    Args:
        a: (n_a, d) float32; b: (n_b, d) float32, same d.
        threshold: Euclidean distance >= 0.

    Raises:
        ConfigError: different dimensions.

    Cost: that of the range search; memory O((n_a + n_b)·d + pairs), never n_a × n_b.
    """
    if a.shape[1] != b.shape[1]:
        raise ConfigError(f"the two sets have different embedding dimensions: {a.shape[1]} and {b.shape[1]}")
    pairs = pairs_across(a, b, threshold=threshold, exact=exact, seed=seed)
    return SetOverlap(
        threshold=threshold,
        pairs=pairs,
        n_a=int(a.shape[0]),
        n_b=int(b.shape[0]),
        n_a_with_match=int(np.unique(pairs.first).size),
        n_b_with_match=int(np.unique(pairs.second).size),
    )
