"""Pair distances in float64, one fixed summation order whatever the container."""

from __future__ import annotations

import numpy as np
import pytest

from embedscope.neighbors.pair_distances import pair_distances


def test_matches_float64_difference_norms(rng: np.random.Generator) -> None:
    a = rng.normal(size=(50, 33)).astype(np.float32)
    b = rng.normal(size=(40, 33)).astype(np.float32)
    a_rows, b_rows = rng.integers(0, 50, size=(40, 6)), np.broadcast_to(np.arange(40)[:, None], (40, 6))
    expected = np.linalg.norm(a[a_rows].astype(np.float64) - b[b_rows].astype(np.float64), axis=-1)
    np.testing.assert_allclose(pair_distances(a, a_rows, b, b_rows), expected, rtol=1e-14)


def test_a_pair_gives_the_same_bits_in_any_call(rng: np.random.Generator) -> None:
    """The tie rule of PRDC needs it: float32 or float64 rows, alone or among others, give one number."""
    a = rng.normal(size=(30, 768)).astype(np.float32)
    alone = pair_distances(a, np.array([3]), a, np.array([17]))[0]
    among = pair_distances(a.astype(np.float64), np.arange(30), a, np.full(30, 17))[3]
    flipped = pair_distances(a, np.array([[17]]), a.astype(np.float64), np.array([[3]]))[0, 0]
    assert alone == among == flipped


def test_mismatched_rows_are_refused(rng: np.random.Generator) -> None:
    a = rng.normal(size=(5, 3))
    with pytest.raises(ValueError, match="differ in shape"):
        pair_distances(a, np.arange(3), a, np.arange(4))
    with pytest.raises(ValueError, match="cannot be paired"):
        pair_distances(a, np.arange(3), rng.normal(size=(5, 4)), np.arange(3))
