"""Selected / nearest-removed example pairs: for the first picks, the nearest input sample left out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.neighbors.search import nearest_in_other_set

N_EXAMPLE_PAIRS = 8  # pairs shown in the report


@dataclass(frozen=True)
class ExamplePair:
    """One selected sample and the nearest input sample that was not selected.

    Attributes:
        selected: input row of the selected sample.
        removed: input row of its nearest unselected sample.
        distance: their Euclidean distance (embedding units).
    """

    selected: int
    removed: int
    distance: float


def selected_and_removed_pairs(
    vectors: np.ndarray, selected: np.ndarray, *, limit: int = N_EXAMPLE_PAIRS
) -> list[ExamplePair]:
    """For the first ``limit`` picks, the nearest input row that was not selected (exact search).

    Args:
        vectors: (n, d) float32 input embeddings.
        selected: (k,) int64 input rows in pick order.

    Cost: ``limit`` × (n − k) distances.
    """
    unselected = np.setdiff1d(np.arange(len(vectors)), selected)
    if len(unselected) == 0 or len(selected) == 0:
        return []
    shown = selected[:limit]
    nearest = nearest_in_other_set(vectors[shown], vectors[unselected], exact=True)
    return [
        ExamplePair(selected=int(s), removed=int(unselected[int(j)]), distance=float(d))
        for s, j, d in zip(shown, nearest.indices, nearest.distances)
    ]
