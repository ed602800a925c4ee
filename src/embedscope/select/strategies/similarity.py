"""SIMILARITY: prefer samples close to a set of query samples."""

from __future__ import annotations

import numpy as np

from embedscope.neighbors.exact import exact_nearest_in_other_set


def similarity_objective(embeddings: np.ndarray, *, queries: np.ndarray) -> np.ndarray:
    """(n,) float64 objective ``1 / (1 + d)`` with ``d`` the distance to the nearest query, in (0, 1].

    ``1 / (1 + d)`` is 1 on a query and decreases smoothly with distance; for L2-normalised embeddings
    (d ≤ 2) it stays within [1/3, 1], so similarity steers a combined selection without vetoing a sample.

    Args:
        embeddings: (n, d) float32 candidate samples.
        queries: (q, d) float32 query samples, q ≥ 1, in the same embedding space.

    Cost: O(n·q·d) time in blocks (exact search), O(n) memory besides the inputs.
    """
    nearest = exact_nearest_in_other_set(embeddings, queries)
    return 1.0 / (1.0 + nearest.distances)
