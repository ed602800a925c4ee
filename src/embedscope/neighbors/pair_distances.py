"""Euclidean distances of listed pairs of rows, summed in float64 in one fixed order (a numba kernel).

PRDC (Naeem et al. 2020) compares a distance with a radius that is itself a distance, and the two are often the
same pair of points (a real sample whose k-th neighbour is also its nearest fake sample): such a tie must
compare two bit-identical numbers, as in the authors' single distance matrix. Every distance PRDC compares goes
through :func:`pair_distances`, which reads the two rows in place, converts each coordinate to float64 and sums
the squared differences in coordinate order, so a pair gives the same number in any call, block or dtype
(float32 rows convert to float64 exactly).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, parallel=True)
def _pair_distances(a: np.ndarray, a_rows: np.ndarray, b: np.ndarray, b_rows: np.ndarray) -> np.ndarray:
    out = np.empty(a_rows.shape[0], dtype=np.float64)
    dim = a.shape[1]
    for t in numba.prange(a_rows.shape[0]):
        i, j = a_rows[t], b_rows[t]
        total = 0.0
        for c in range(dim):
            difference = np.float64(a[i, c]) - np.float64(b[j, c])
            total += difference * difference
        out[t] = np.sqrt(total)
    return out


def pair_distances(a: np.ndarray, a_rows: np.ndarray, b: np.ndarray, b_rows: np.ndarray) -> np.ndarray:
    """``|a[a_rows[t]] − b[b_rows[t]]|`` for every t, in float64, with ``a_rows``'s shape.

    Args:
        a: (n, d) float32 or float64 (read in place; a memory map works). a_rows: int array of any shape.
        b: (m, d) float32 or float64. b_rows: int array of ``a_rows``'s shape.

    Returns:
        float64 array of ``a_rows``'s shape.

    Raises:
        ValueError: the row arrays' shapes differ or the dimensions of ``a`` and ``b`` differ.

    Cost: O(pairs · d) scalar float64 operations on all cores; no gathered copies.
    """
    a_rows, b_rows = np.asarray(a_rows, dtype=np.int64), np.asarray(b_rows, dtype=np.int64)
    if a_rows.shape != b_rows.shape:
        raise ValueError(f"row index arrays differ in shape: {a_rows.shape} and {b_rows.shape}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"rows of {a.shape[1]} and {b.shape[1]} dimensions cannot be paired")
    flat = _pair_distances(_native(a), a_rows.ravel(), _native(b), b_rows.ravel())
    return flat.reshape(a_rows.shape)


def _native(x: np.ndarray) -> np.ndarray:
    """``x`` itself when numba can read it (float32/float64, 2-D), else a float64 copy."""
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)
