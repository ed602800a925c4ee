"""Near-duplicate groups against float64 brute force + scipy connected components."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist

from embedscope.errors import ConfigError
from embedscope.neighbors.near_duplicates import near_duplicate_groups, validate_threshold


def test_groups_equal_brute_force_components() -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((600, 16))
    chains = [base[i] + np.cumsum(rng.normal(0, 0.01, (4, 16)), axis=0) for i in range(0, 60, 3)]
    x = np.vstack([base, *chains]).astype(np.float32)
    threshold = 0.05
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    adjacency = csr_matrix(np.triu(d < threshold, 1))
    _, labels = connected_components(adjacency, directed=False)
    expected = sorted(
        (np.flatnonzero(labels == g) for g in np.unique(labels) if np.sum(labels == g) >= 2),
        key=lambda members: members[0],
    )
    result = near_duplicate_groups(x, threshold=threshold)
    assert len(result.groups) == len(expected) >= 20  # planted chains, some split where a step exceeds 0.05
    for got, want in zip(result.groups, expected):
        np.testing.assert_array_equal(got, want)
        mean = x[want].astype(np.float64).mean(axis=0)
        rep = want[np.argmin(np.linalg.norm(x[want].astype(np.float64) - mean, axis=1))]
        assert rep in result.representatives
    assert result.removed.size == sum(len(g) - 1 for g in expected)
    assert not np.isin(result.representatives, result.removed).any()


@pytest.mark.parametrize("bad", ["-0.1", "abc", float("nan"), float("inf")])
def test_bad_threshold(bad: object) -> None:
    with pytest.raises(ConfigError, match="near-duplicate-threshold"):
        validate_threshold(bad)
