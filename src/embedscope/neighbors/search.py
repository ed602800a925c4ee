"""The neighbour-search facade the pipeline calls: exact up to EXACT_LIMIT points, approximate above."""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.approximate import approximate_nearest_in_other_set, approximate_nearest_in_set
from embedscope.neighbors.exact import exact_nearest_in_other_set, exact_nearest_in_set
from embedscope.neighbors.projected_search import MIN_DIMENSIONS as PROJECTED_MIN_DIMENSIONS
from embedscope.neighbors.projected_search import projected_nearest_in_set
from embedscope.neighbors.result import NearestNeighbors

EXACT_LIMIT = 100_000
"""Exact search up to this many points in the searched set (seconds on 2 cores); approximate above."""


def nearest_neighbor_in_set(points: np.ndarray, *, exact: bool = False, seed: int = 0) -> NearestNeighbors:
    """For each point, the nearest *other* point of the same set.

    Exact up to EXACT_LIMIT points; above, from PROJECTED_MIN_DIMENSIONS dimensions on, candidates from a
    PCA space re-ranked in the full space (:mod:`embedscope.neighbors.projected_search`), below it cluster
    probing (:mod:`embedscope.neighbors.approximate`); both measure their recall@1.

    The point itself is excluded by index; a duplicate vector at another index counts, at distance 0.

    Args:
        points: (n, d) float32, n >= 2.
        exact: force exact search above EXACT_LIMIT.
        seed: seeds the approximate index and its recall sample (unused by exact search).

    Returns:
        NearestNeighbors: (n,) float64 Euclidean distances, (n,) int64 indices into ``points``.
    """
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 2:
        raise ValueError(f"points must have shape (n >= 2, d), got {points.shape}")
    if exact or points.shape[0] <= EXACT_LIMIT:
        return exact_nearest_in_set(points)
    if points.shape[1] >= PROJECTED_MIN_DIMENSIONS:
        return projected_nearest_in_set(points, seed=seed)
    return approximate_nearest_in_set(points, seed=seed)


def nearest_in_other_set(
    queries: np.ndarray, points: np.ndarray, *, exact: bool = False, seed: int = 0
) -> NearestNeighbors:
    """For each query, the nearest point of ``points``.

    Args:
        queries: (m, d) float32.
        points: (n, d) float32, n >= 1.
        exact: force exact search above EXACT_LIMIT.
        seed: seeds the approximate index and its recall sample (unused by exact search).

    Returns:
        NearestNeighbors: (m,) float64 Euclidean distances, (m,) int64 indices into ``points``.
    """
    queries = np.asarray(queries)
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[0] < 1:
        raise ValueError(f"points must have shape (n >= 1, d), got {points.shape}")
    if queries.ndim != 2 or queries.shape[1] != points.shape[1]:
        raise ValueError(f"queries must have shape (m, {points.shape[1]}), got {queries.shape}")
    if exact or points.shape[0] <= EXACT_LIMIT or queries.shape[0] == 0:
        return exact_nearest_in_other_set(queries, points)
    return approximate_nearest_in_other_set(queries, points, seed=seed)
