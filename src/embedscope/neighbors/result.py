"""The result of a nearest-neighbour search: one distance and one index per query."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NearestNeighbors:
    """For each query, its nearest point of the searched set.

    Attributes:
        distances: (n_queries,) float64, Euclidean distance to the nearest neighbour.
        indices: (n_queries,) int64, index of that neighbour in the searched set.
        method: ``"exact"``, or the approximate index used (e.g. ``"hnsw"``).
        recall: recall@1 of the approximate search measured against exact search on a sample of
            queries (fraction whose returned distance equals the exact nearest distance within
            :data:`embedscope.neighbors.approximate.RECALL_TOLERANCE`); ``None`` for exact search.
        recall_sample_size: number of queries that ``recall`` was measured on; ``None`` for exact search.
    """

    distances: np.ndarray
    indices: np.ndarray
    method: str
    recall: float | None
    recall_sample_size: int | None


@dataclass(frozen=True)
class SearchMethod:
    """How nearest distances were found when no search result is at hand, only the distances (e.g. the k-center
    greedy's running minimum, the selection's coverage): the ``method``/``recall`` part of
    :class:`NearestNeighbors`, which the report's ``embedscopeNeighborSearch`` records."""

    method: str
    recall: float | None = None
    recall_sample_size: int | None = None
