"""The k nearest *other* points of every point of one set, each pair of points scored once (float32 tiles).

PRDC's balls need every point's k-th nearest neighbour (k = 5 by default). A flat search of the set against
itself (faiss ``search(X, k + 1)``) scores every pair twice; here a tile of products ``A · Bᵀ`` from BLAS
updates the k best candidates of the tile's rows *and* of its columns, as the exact 1-NN self search does
(:mod:`embedscope.neighbors.exact`), so half the products are computed. Candidates are ranked by the float32
score ``|p|² − 2q·p``: like any float32 search, two neighbours within rounding of each other may swap places
(the caller recomputes the distances it uses in float64).
"""

from __future__ import annotations

import numba
import numpy as np

from embedscope.neighbors.block_search import TILE, n_workers, run_workers
from embedscope.neighbors.tile_min import TWO


@numba.njit(cache=True, nogil=True)
def _insert(values: np.ndarray, indices: np.ndarray, q: int, v: float, candidate: int) -> None:
    """Insert (v, candidate) into row q of the ascending lists, dropping the last entry."""
    position = values.shape[1] - 1
    while position > 0 and values[q, position - 1] > v:
        values[q, position] = values[q, position - 1]
        indices[q, position] = indices[q, position - 1]
        position -= 1
    values[q, position] = v
    indices[q, position] = candidate


@numba.njit(cache=True, nogil=True)
def _update_columns(tile: np.ndarray, row_sq: np.ndarray, row_offset: int, values: np.ndarray,
                    indices: np.ndarray, col_offset: int) -> None:
    """Columns are queries (points ``col_offset..``), rows candidates (points ``row_offset..``)."""
    n_rows, n_cols = tile.shape
    last = values.shape[1] - 1
    worst = values[col_offset : col_offset + n_cols, last].copy()
    for i in range(n_rows):
        candidate = row_offset + i
        norm = row_sq[i]
        row = tile[i]
        for j in range(n_cols):
            v = norm - TWO * row[j]
            if v < worst[j] and candidate != col_offset + j:
                _insert(values, indices, col_offset + j, v, candidate)
                worst[j] = values[col_offset + j, last]


@numba.njit(cache=True, nogil=True)
def _update_rows(tile: np.ndarray, col_sq: np.ndarray, col_offset: int, values: np.ndarray,
                 indices: np.ndarray, row_offset: int) -> None:
    """Rows are queries (points ``row_offset..``), columns candidates (another block: no query among them)."""
    n_rows, n_cols = tile.shape
    last = values.shape[1] - 1
    for i in range(n_rows):
        q = row_offset + i
        row = tile[i]
        worst = values[q, last]
        for j in range(n_cols):
            v = col_sq[j] - TWO * row[j]
            if v < worst:
                _insert(values, indices, q, v, col_offset + j)
                worst = values[q, last]


@numba.njit(cache=True, nogil=True)
def _merge(values: np.ndarray, indices: np.ndarray, other_values: np.ndarray, other_indices: np.ndarray) -> None:
    """Merge lists found over disjoint candidates into (values, indices), in place."""
    for q in range(values.shape[0]):
        for t in range(other_values.shape[1]):
            if other_values[q, t] < values[q, values.shape[1] - 1]:
                _insert(values, indices, q, other_values[q, t], other_indices[q, t])


def k_nearest_in_set(points: np.ndarray, *, k: int) -> np.ndarray:
    """(n, k) int64 indices of each point's k nearest other points, nearest first (float32 ranking).

    See :func:`k_nearest_scores`."""
    return k_nearest_scores(points, k=k)[0]


def k_nearest_scores(points: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) int64 indices of each point's k nearest other points, nearest first (float32 ranking), and their
    (n, k) float32 scores ``|p|² − 2q·p`` (the squared distance minus the row's own ``|q|²``).

    The point itself is excluded by index; a duplicate vector at another index counts, at distance 0.

    Args:
        points: (n, d) float32 (other dtypes are converted), n > k >= 1.

    Raises:
        ValueError: n <= k or k < 1.

    Cost: n²·d/2 float32 products (each pair once) on all cores; memory O(threads · (n·k + TILE²)).
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    n = points.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be in [1, {n - 1}] for {n} points, got {k}")
    sq = np.einsum("ij,ij->i", points, points)
    starts = list(range(0, n, TILE))
    pairs = [(a, b) for ia, a in enumerate(starts) for b in starts[ia:]]

    def work(worker: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
        values = np.full((n, k), np.inf, dtype=np.float32)
        indices = np.full((n, k), -1, dtype=np.int64)
        tile = np.empty((TILE, TILE), dtype=np.float32)
        for a, b in pairs[worker::workers]:
            rows, cols = points[a : a + TILE], points[b : b + TILE]
            out = tile[: rows.shape[0], : cols.shape[0]]
            np.matmul(rows, cols.T, out=out)
            _update_columns(out, sq[a : a + TILE], a, values, indices, b)
            if a != b:
                _update_rows(out, sq[b : b + TILE], b, values, indices, a)
        return values, indices

    states = run_workers(work, min(n_workers(), len(pairs)))
    values, indices = states[0]
    for other_values, other_indices in states[1:]:
        _merge(values, indices, other_values, other_indices)
    return indices, values
