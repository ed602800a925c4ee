"""Selected / nearest-removed example pairs against a scipy brute force."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from embedscope.analyze import example_pairs
from embedscope.analyze.example_pairs import selected_and_removed_pairs


def test_pairs_equal_brute_force_across_blocks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(example_pairs, "BLOCK_BYTES", 8 * 24 * 37)  # 37 rows a block: many blocks
    rng = np.random.default_rng(4)
    x = rng.standard_normal((500, 24)).astype(np.float32)
    selected = rng.choice(500, size=40, replace=False)
    pairs = selected_and_removed_pairs(x, selected, limit=8)
    x64 = x.astype(np.float64)
    unselected = np.setdiff1d(np.arange(500), selected)
    distances = cdist(x64[selected[:8]], x64[unselected])
    assert [p.selected for p in pairs] == [int(s) for s in selected[:8]]
    assert [p.removed for p in pairs] == [int(unselected[j]) for j in distances.argmin(axis=1)]
    np.testing.assert_allclose([p.distance for p in pairs], distances.min(axis=1), rtol=1e-12)


def test_no_pairs_when_everything_or_nothing_is_selected() -> None:
    x = np.eye(3, dtype=np.float32)
    assert selected_and_removed_pairs(x, np.arange(3)) == []
    assert selected_and_removed_pairs(x, np.zeros(0, dtype=np.int64)) == []
