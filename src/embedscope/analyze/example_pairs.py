"""Selected / nearest-removed example pairs: for the first picks, the nearest input sample left out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_EXAMPLE_PAIRS = 8  # pairs shown in the report
BLOCK_BYTES = 32 * 2**20  # float64 input rows compared at a time


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

    Scores are float64 (rows converted one block at a time), the winner's distance recomputed from its difference
    vector; among equal scores the lowest row wins.

    Cost: ``limit`` × n distances; memory one float64 block of BLOCK_BYTES, never a copy of ``vectors``.
    """
    if len(selected) == 0 or len(selected) >= len(vectors):
        return []
    shown = np.asarray(selected[:limit], dtype=np.int64)
    queries = np.asarray(vectors[shown], dtype=np.float64)
    is_selected = np.zeros(len(vectors), dtype=bool)
    is_selected[selected] = True
    _, best_row = nearest_unselected_rows(queries, vectors, is_selected)
    distances = np.linalg.norm(np.asarray(vectors[best_row], dtype=np.float64) - queries, axis=1)
    return [
        ExamplePair(selected=int(s), removed=int(j), distance=float(d)) for s, j, d in zip(shown, best_row, distances)
    ]


def nearest_unselected_rows(
    queries: np.ndarray, vectors: np.ndarray, is_selected: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per query, the smallest float64 squared distance |q|² + |x|² − 2q·x to a row of ``vectors`` not marked in
    ``is_selected``, and that row (0 where every row is selected; the lower row among equal distances).

    Args:
        queries: (m, d) float64. vectors: (n, d) float (a memory map is read block by block).
        is_selected: (n,) bool.

    Returns:
        (m,) float64 squared distances (inf where every row is selected), (m,) int64 rows of ``vectors``.

    Memory: one float64 block of BLOCK_BYTES and one (m × block) score block, never a copy of ``vectors``.
    """
    query_sq = np.einsum("ij,ij->i", queries, queries)
    best = np.full(len(queries), np.inf)
    best_row = np.zeros(len(queries), dtype=np.int64)
    rows = max(1, BLOCK_BYTES // (8 * vectors.shape[1]))
    for start in range(0, len(vectors), rows):
        block = np.asarray(vectors[start:start + rows], dtype=np.float64)
        squared = query_sq[:, None] + np.einsum("ij,ij->i", block, block)[None, :] - 2.0 * (queries @ block.T)
        squared[:, is_selected[start:start + rows]] = np.inf
        local = np.argmin(squared, axis=1)
        value = squared[np.arange(len(queries)), local]
        better = value < best
        best[better], best_row[better] = value[better], start + local[better]
    return best, best_row
