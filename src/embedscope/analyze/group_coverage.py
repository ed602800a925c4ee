"""Coverage and diversity per group (a metadata category, a predicted class, a video), selected vs random.

For each group g with input members I_g:
- counts: |I_g|, and how many selected / random samples belong to g;
- coverage radius and mean coverage distance: the max and the mean over I_g of each member's distance to
  the covering set (selected ∪ datapool, or random ∪ datapool — the ``distanceToCoverInput`` distances of
  REPORT_V2.md restricted to the group);
- diversity: the mean distance of each selected (random) member of g to the nearest *other* selected
  (random) member of g; absent (None) with fewer than two.
A group is *under-covered* when selection covers it worse than random does — a larger coverage radius,
the quantity k-center minimises (the mean is usually larger for k-center than for random, which samples
where the data is dense) — or when it has input samples but none selected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.neighbors.exact import exact_nearest_in_set


@dataclass(frozen=True)
class GroupCoverage:
    """One group's numbers (distances Euclidean, in the selection's embedding space; None when undefined)."""

    group: str
    n_input: int
    n_selected: int
    n_random: int
    coverage_radius_selected: float | None
    coverage_radius_random: float | None
    mean_coverage_selected: float | None
    mean_coverage_random: float | None
    mean_nn_selected: float | None
    mean_nn_random: float | None

    @property
    def under_covered(self) -> bool:
        """Selection covers this group worse than random (coverage radius), or picked none of it."""
        if self.n_input > 0 and self.n_selected == 0:
            return True
        if self.coverage_radius_selected is None or self.coverage_radius_random is None:
            return False
        return self.coverage_radius_selected > self.coverage_radius_random


def group_coverage(
    members: dict[str, np.ndarray],
    *,
    embeddings: np.ndarray,
    selected_indices: np.ndarray,
    random_indices: np.ndarray,
    cover_selected: np.ndarray,
    cover_random: np.ndarray,
) -> list[GroupCoverage]:
    """Per group, counts, coverage and diversity of the selected and the random subset.

    Args:
        members: group name → (m_g,) int64 input indices of its members (a sample may be in several groups).
        embeddings: (n, d) float32 input embeddings.
        selected_indices, random_indices: (k,) int64 input indices.
        cover_selected, cover_random: (n,) float64 distance of each input sample to selected ∪ datapool and
            to random ∪ datapool.

    Returns:
        One GroupCoverage per group, in the order of ``members``.

    Cost: O(Σ_g k_g²·d) for the within-group nearest neighbours (k_g = selected members of g); memory O(n).
    """
    n = embeddings.shape[0]
    in_selected = np.zeros(n, dtype=bool)
    in_selected[selected_indices] = True
    in_random = np.zeros(n, dtype=bool)
    in_random[random_indices] = True
    rows = []
    for group, indices in members.items():
        indices = np.asarray(indices, dtype=np.int64)
        chosen = indices[in_selected[indices]]
        drawn = indices[in_random[indices]]
        rows.append(
            GroupCoverage(
                group=group,
                n_input=int(indices.size),
                n_selected=int(chosen.size),
                n_random=int(drawn.size),
                coverage_radius_selected=_stat(cover_selected[indices], np.max),
                coverage_radius_random=_stat(cover_random[indices], np.max),
                mean_coverage_selected=_stat(cover_selected[indices], np.mean),
                mean_coverage_random=_stat(cover_random[indices], np.mean),
                mean_nn_selected=_mean_nearest(embeddings[chosen]),
                mean_nn_random=_mean_nearest(embeddings[drawn]),
            )
        )
    return rows


def _stat(values: np.ndarray, reduce: object) -> float | None:
    return float(reduce(values)) if values.size else None  # type: ignore[operator]


def _mean_nearest(vectors: np.ndarray) -> float | None:
    if vectors.shape[0] < 2:
        return None
    return float(exact_nearest_in_set(vectors).distances.mean())


def memberships_from_labels(labels: list[object] | np.ndarray) -> dict[str, np.ndarray]:
    """Group name → input indices from one label per sample (None: in no group), groups sorted by name."""
    by_group: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        if label is None:
            continue
        by_group.setdefault(str(label), []).append(row)
    return {group: np.asarray(by_group[group], dtype=np.int64) for group in sorted(by_group)}


def memberships_from_label_sets(label_sets: list[tuple[str, ...]]) -> dict[str, np.ndarray]:
    """Group name → input indices from several labels per sample (e.g. the classes of its objects)."""
    by_group: dict[str, set[int]] = {}
    for row, labels in enumerate(label_sets):
        for label in labels:
            by_group.setdefault(str(label), set()).add(row)
    return {group: np.asarray(sorted(by_group[group]), dtype=np.int64) for group in sorted(by_group)}
