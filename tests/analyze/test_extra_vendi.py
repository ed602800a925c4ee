"""Vendi score (dual d×d form) against the paper's definition on the n×n kernel matrix, in float64."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.analyze.extra_metrics import vendi
from embedscope.analyze.extra_metrics.vendi import vendi_score


def _reference_vendi(vectors: np.ndarray) -> float:
    """Friedman & Dieng 2022, eq. 1: exp of the Shannon entropy of the eigenvalues of K/n, K_ij = cos(x_i, x_j)."""
    x = vectors.astype(np.float64)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    eigenvalues = np.linalg.eigvalsh(x @ x.T / len(x))
    eigenvalues = eigenvalues[eigenvalues > 1e-15]
    return float(np.exp(-np.sum(eigenvalues * np.log(eigenvalues))))


@pytest.mark.parametrize(("n", "d"), [(5, 16), (40, 8), (300, 32), (600, 3)])
def test_vendi_matches_kernel_matrix_reference(rng: np.random.Generator, n: int, d: int) -> None:
    vectors = rng.normal(size=(n, d)).astype(np.float32) * rng.uniform(0.5, 3.0, size=(n, 1)).astype(np.float32)
    assert vendi_score(vectors) == pytest.approx(_reference_vendi(vectors), rel=1e-9)


def test_vendi_blocks_accumulate_like_one_pass(rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = rng.normal(size=(257, 6)).astype(np.float32)
    monkeypatch.setattr(vendi, "ROW_BLOCK_BYTES", 10 * 8 * 6)  # 10 rows a block
    assert vendi_score(vectors) == pytest.approx(_reference_vendi(vectors), rel=1e-9)


def test_vendi_known_values() -> None:
    same = np.tile(np.array([[1.0, 2.0, 2.0]], dtype=np.float32), (7, 1))
    assert vendi_score(same) == pytest.approx(1.0, abs=1e-9)
    assert vendi_score(np.eye(6, dtype=np.float32)) == pytest.approx(6.0, rel=1e-9)
    two_directions = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 5.0]], dtype=np.float32)
    assert vendi_score(two_directions) == pytest.approx(2.0, rel=1e-9)  # cosine kernel: lengths ignored
