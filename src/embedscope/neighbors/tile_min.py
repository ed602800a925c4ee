"""Fused nearest-candidate tracking over tiles of float32 dot products (numba kernels).

The exact search (:mod:`embedscope.neighbors.exact`) computes a tile ``G = A · Bᵀ`` of dot products with
BLAS and hands it here. For a query q, the score of candidate p is ``|p|² - 2 q·p`` (its squared distance
minus the constant ``|q|²``). Each query keeps its best score ``best``, the candidate ``arg`` that gave it,
and ``second``, the best score of any other candidate — tracked exactly whenever it is below
``best + window``. A query whose ``second`` ends above ``best + window`` has a unique nearest neighbour
even with the float32 rounding of the scores (the window is twice their error bound); the others are
resolved in float64 by the caller.
"""

from __future__ import annotations

import numba
import numpy as np

FAST_MATH = {"nnan", "nsz", "arcp", "contract", "reassoc"}
"""Vectorise min-reductions; not ``ninf``: +inf is a legitimate 'nothing yet' score."""

TWO = np.float32(2.0)
"""Kept float32 so that scores are computed in float32 (a float64 literal would promote them)."""

INF = np.float32(np.inf)

LANES = 16
"""Independent running minima per row in :func:`update_rows` (one AVX-512 register), so it vectorises."""


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)
def update_columns(
    tile: np.ndarray,
    row_sq: np.ndarray,
    row_offset: int,
    best: np.ndarray,
    second: np.ndarray,
    arg: np.ndarray,
    col_offset: int,
    own: np.ndarray,
) -> None:
    """Columns are queries, rows are candidates.

    Args:
        tile: (r, c) float32 dot products, rows = candidates ``row_offset..``, columns = queries.
        row_sq: (r,) float32 squared norms of the candidate rows.
        best, second: (n_queries,) float32 state; arg: (n_queries,) int64 state; columns map to
            ``col_offset..col_offset+c-1``.
        own: (n_queries,) int64 candidate index that is the query itself (excluded), or -1.
    """
    n_rows, n_cols = tile.shape
    b1 = best[col_offset : col_offset + n_cols].copy()
    b2 = second[col_offset : col_offset + n_cols].copy()
    a1 = np.empty(n_cols, dtype=np.int32)
    a1[:] = -1
    own_cols = own[col_offset : col_offset + n_cols]
    for i in range(n_rows):
        norm = row_sq[i]
        row = tile[i]
        candidate = row_offset + i
        for j in range(n_cols):
            v = norm - TWO * row[j]
            if own_cols[j] == candidate:
                v = INF
            lower = v < b1[j]
            b2[j] = b1[j] if lower else min(b2[j], v)
            a1[j] = i if lower else a1[j]
            b1[j] = v if lower else b1[j]
    for j in range(n_cols):
        q = col_offset + j
        if a1[j] >= 0:
            arg[q] = row_offset + a1[j]
        best[q] = b1[j]
        second[q] = b2[j]


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)
def update_rows(
    tile: np.ndarray,
    col_sq: np.ndarray,
    col_offset: int,
    best: np.ndarray,
    second: np.ndarray,
    arg: np.ndarray,
    row_offset: int,
    window: float,
) -> None:
    """Rows are queries, columns are candidates (no query is among the candidates).

    A row is scanned candidate by candidate only when its tile minimum is within ``window`` of its best
    score (rare after the first tiles); otherwise one vectorised minimum settles it.
    """
    n_rows, n_cols = tile.shape
    lows = np.empty(LANES, dtype=np.float32)
    for i in range(n_rows):
        q = row_offset + i
        row = tile[i]
        lows[:] = INF
        for j0 in range(0, n_cols - LANES + 1, LANES):
            for lane in range(LANES):
                v = col_sq[j0 + lane] - TWO * row[j0 + lane]
                lows[lane] = v if v < lows[lane] else lows[lane]  # noqa: FURB136 (select vectorises, min() does not)
        low = INF
        for j in range(n_cols - n_cols % LANES, n_cols):
            v = col_sq[j] - TWO * row[j]
            low = v if v < low else low  # noqa: FURB136
        for lane in range(LANES):
            low = lows[lane] if lows[lane] < low else low  # noqa: FURB136
        if low >= best[q] + window:
            continue
        b1, b2, a = best[q], second[q], arg[q]
        for j in range(n_cols):
            v = col_sq[j] - TWO * row[j]
            if v < b1:
                b2 = b1
                b1 = v
                a = col_offset + j
            elif v < b2:
                b2 = v
        best[q], second[q], arg[q] = b1, b2, a


@numba.njit(cache=True, nogil=True)
def merge_states(
    best: np.ndarray,
    second: np.ndarray,
    arg: np.ndarray,
    other_best: np.ndarray,
    other_second: np.ndarray,
    other_arg: np.ndarray,
) -> None:
    """Merge a state computed over a disjoint set of candidates into (best, second, arg), in place."""
    for q in range(best.shape[0]):
        if other_best[q] < best[q]:
            second[q] = min(best[q], other_second[q])
            best[q] = other_best[q]
            arg[q] = other_arg[q]
        else:
            second[q] = min(second[q], other_best[q])
