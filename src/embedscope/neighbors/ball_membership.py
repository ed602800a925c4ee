"""Each query's exact nearest centre and whether it lies strictly inside some centre's ball, in one pass.

PRDC (Naeem et al. 2020, https://arxiv.org/abs/2002.09797) asks both of the same real × fake pairs: coverage
needs each real sample's nearest fake sample, recall whether the real sample lies in the k-NN ball
``B(c, r_c)`` of some fake sample. ``|q − c|² < r_c²`` ⇔ ``(|c|² − r_c²) − 2q·c < −|q|²``, so the deepest
ball is the minimum of a second score over the same float32 tile of products ``q·c`` that the nearest-centre
search scans (:func:`embedscope.neighbors.block_search.search_blocks_with_offsets`): both answers cost one
matrix product. A query within the float32 error window of a ball's boundary is decided again in float64,
and a pair within float64 rounding of it by :func:`embedscope.neighbors.pair_distances.pair_distances`, the
formula the radii come from, so the strict inequality of the authors' code holds bit for bit on ties.
"""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.block_search import FLOAT32_UNIT_ROUNDOFF, search_blocks_with_offsets, settle_window
from embedscope.neighbors.exact import all_pairs_tasks, settle_nearest
from embedscope.neighbors.pair_distances import pair_distances

FLOAT64_CHECK_BYTES = 64 * 2**20
"""Working memory of the float64 re-check of queries near a ball's boundary (one block of scores)."""

FLOAT64_TIE_TOLERANCE = 1e-9
"""Relative margin under which a float64 expansion score is re-decided by the pair formula itself."""


def nearest_center_and_ball_membership(
    queries: np.ndarray, centers: np.ndarray, radii: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre of each query (exact) and whether ``|q − c| < r_c`` for some centre c (strict).

    Args:
        queries: (m, d) float32 or float64. centers: (n, d) float32 or float64, n >= 1.
        radii: (n,) float, each centre's ball radius (>= 0).

    Returns:
        (nearest, inside): (m,) int64 index into ``centers`` (among equally near centres the lowest index),
        (m,) bool.

    Raises:
        ValueError: shapes that do not match.

    float64 inputs are centred on the centres' mean before the float32 pass (distances do not change; far from
    the origin the rounding would otherwise swamp small radii) and their float32 rounding widens the window.

    Cost: one m × n × d float32 product (blocked, all cores) and two scans of it; O(m + n) state.
    """
    queries, centers = np.asarray(queries), np.asarray(centers)
    radii = np.asarray(radii, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[0] < 1 or queries.ndim != 2 or queries.shape[1] != centers.shape[1]:
        raise ValueError(f"queries (m, d) and centers (n >= 1, d) expected, got {queries.shape} and {centers.shape}")
    if radii.shape != (centers.shape[0],):
        raise ValueError(f"radii must have shape ({centers.shape[0]},), got {radii.shape}")
    queries32, centers32, rounding = _float32_operands(queries, centers)
    sq = np.einsum("ij,ij->i", centers32, centers32)
    lifted = (sq.astype(np.float64) - radii * radii).astype(np.float32)
    tasks = all_pairs_tasks(queries.shape[0], centers.shape[0])
    own = np.full(queries.shape[0], -1, dtype=np.int64)
    nearest_state, ball_state = search_blocks_with_offsets(queries32, centers32, tasks, own, [sq, lifted])
    window = settle_window(queries32, centers32) + rounding
    nearest = settle_nearest(queries, centers, nearest_state, window=window)
    radius_max = float(radii.max(initial=0.0))
    ball_window = window + 8.0 * FLOAT32_UNIT_ROUNDOFF * (float(sq.max(initial=0.0)) + radius_max * radius_max)
    query_sq = np.einsum("ij,ij->i", queries32, queries32, dtype=np.float64)
    margin = query_sq + ball_state[0].astype(np.float64)  # ≈ min over centres of |q − c|² − r_c²
    inside = margin < -ball_window
    unsure = np.flatnonzero(np.abs(margin) <= ball_window)
    if unsure.size:
        inside[unsure] = _inside_in_float64(queries[unsure], centers, radii)
    return nearest, inside


def _float32_operands(queries: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """C-contiguous float32 operands and the bound on squared-distance error their own rounding adds."""
    if queries.dtype == np.float32 and centers.dtype == np.float32:
        return np.ascontiguousarray(queries), np.ascontiguousarray(centers), 0.0
    origin = np.asarray(centers, dtype=np.float64).mean(axis=0)
    queries32 = np.ascontiguousarray(np.asarray(queries, dtype=np.float64) - origin, dtype=np.float32)
    centers32 = np.ascontiguousarray(np.asarray(centers, dtype=np.float64) - origin, dtype=np.float32)
    reach = np.sqrt(np.einsum("ij,ij->i", queries32, queries32, dtype=np.float64).max(initial=0.0))
    reach += np.sqrt(np.einsum("ij,ij->i", centers32, centers32, dtype=np.float64).max(initial=0.0))
    return queries32, centers32, 8.0 * FLOAT32_UNIT_ROUNDOFF * reach * reach


def _inside_in_float64(queries: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(m,) bool strict ball membership, by float64 products in blocks; pairs within float64 rounding of the
    boundary are decided by the pair formula."""
    m = queries.shape[0]
    inside = np.zeros(m, dtype=bool)
    centers64 = np.asarray(centers, dtype=np.float64)
    center_sq = np.einsum("ij,ij->i", centers64, centers64)
    block = max(1, FLOAT64_CHECK_BYTES // (8 * max(1, centers64.shape[0])))
    for start in range(0, m, block):
        stop = min(m, start + block)
        q64 = np.asarray(queries[start:stop], dtype=np.float64)
        query_sq = np.einsum("ij,ij->i", q64, q64)
        margin = query_sq[:, None] + (center_sq - radii * radii)[None, :] - 2.0 * (q64 @ centers64.T)
        scale = query_sq[:, None] + center_sq[None, :] + (radii * radii)[None, :]
        tolerance = FLOAT64_TIE_TOLERANCE * scale
        inside[start:stop] = (margin < -tolerance).any(axis=1)
        rows, cols = np.nonzero(np.abs(margin) <= tolerance)
        if rows.size:
            close = pair_distances(centers, cols, queries, rows + start) < radii[cols]
            np.logical_or.at(inside, rows[close] + start, True)
    return inside
