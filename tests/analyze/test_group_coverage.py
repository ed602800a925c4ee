"""Per-group coverage and diversity against a brute-force computation."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from embedscope.analyze.group_coverage import (
    group_coverage,
    memberships_from_label_sets,
    memberships_from_labels,
)


def test_group_numbers_equal_brute_force() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 6)).astype(np.float32)
    labels = [None if i % 17 == 0 else "abc"[i % 3] for i in range(400)]
    selected = rng.choice(400, 30, replace=False)
    random = np.sort(rng.choice(400, 30, replace=False))
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    cover_sel, cover_rnd = d[:, selected].min(axis=1), d[:, random].min(axis=1)
    rows = group_coverage(
        memberships_from_labels(labels), embeddings=x, selected_indices=selected, random_indices=random,
        cover_selected=cover_sel, cover_random=cover_rnd,
    )
    assert [r.group for r in rows] == ["a", "b", "c"]
    for row in rows:
        members = np.array([i for i, label in enumerate(labels) if label == row.group])
        chosen = np.intersect1d(members, selected)
        assert row.n_input == members.size and row.n_selected == chosen.size
        assert row.n_random == np.intersect1d(members, random).size
        assert np.isclose(row.coverage_radius_selected, d[np.ix_(members, selected)].min(axis=1).max())
        assert np.isclose(row.mean_coverage_random, d[np.ix_(members, random)].min(axis=1).mean())
        within = d[np.ix_(chosen, chosen)] + np.diag(np.full(chosen.size, np.inf))
        assert np.isclose(row.mean_nn_selected, within.min(axis=1).mean())
        assert row.under_covered == (row.coverage_radius_selected > row.coverage_radius_random)


def test_group_without_selection_is_under_covered() -> None:
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    rows = group_coverage(
        {"g": np.array([8, 9])}, embeddings=x, selected_indices=np.array([0]), random_indices=np.array([9]),
        cover_selected=np.linalg.norm(x - x[0], axis=1), cover_random=np.linalg.norm(x - x[9], axis=1),
    )
    assert rows[0].under_covered and rows[0].mean_nn_selected is None


def test_label_sets() -> None:
    groups = memberships_from_label_sets([("car", "car"), (), ("bus", "car")])
    assert list(groups) == ["bus", "car"]
    np.testing.assert_array_equal(groups["car"], [0, 2])
