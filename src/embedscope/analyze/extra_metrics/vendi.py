"""Vendi score (Friedman & Dieng 2022, https://arxiv.org/abs/2210.02410) with the cosine kernel, dual form."""

from __future__ import annotations

import numpy as np

ROW_BLOCK_BYTES = 64 * 2**20  # float64 rows accumulated into the d×d Gram matrix per step (two such copies)
ZERO_NORM = 1e-12  # rows shorter than this have no direction; they are left as zero vectors


def vendi_score(vectors: np.ndarray) -> float:
    """The Vendi score ``exp(-Σ λ log λ)`` of the kernel matrix ``K/n`` with ``K_ij = x̂_i · x̂_j``.

    ``x̂`` are the rows scaled to unit length, so ``K_ii = 1`` and the eigenvalues of ``K/n`` sum to 1.
    The nonzero eigenvalues of ``X̂ X̂ᵀ / n`` (n × n) equal those of ``X̂ᵀ X̂ / n`` (d × d), so only a d × d
    matrix is formed. The score lies in [1, min(n, d)]: 1 when all rows point the same way, d for
    evenly spread orthogonal directions; it reads as an effective number of distinct samples.

    Args:
        vectors: (n, d) float, n >= 1.

    Returns:
        The score as a float (computed in float64).

    Memory: O(block × d + d²); time O(n d²).
    """
    vectors = np.asarray(vectors)
    n_rows, dim = vectors.shape
    if n_rows == 0:
        raise ValueError("vendi_score needs at least one row")
    gram = np.zeros((dim, dim), dtype=np.float64)
    rows = max(1, ROW_BLOCK_BYTES // (8 * dim))
    for start in range(0, n_rows, rows):
        block = vectors[start:start + rows].astype(np.float64)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        block = np.divide(block, norms, out=np.zeros_like(block), where=norms > ZERO_NORM)
        gram += block.T @ block
    eigenvalues = np.linalg.eigvalsh(gram / n_rows)
    eigenvalues = eigenvalues[eigenvalues > 0]
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(np.exp(-np.sum(eigenvalues * np.log(eigenvalues))))
