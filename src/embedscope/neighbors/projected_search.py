"""Approximate self-1-NN for high-dimensional points: candidates found in a PCA space, re-ranked exactly.

For 512–1024-d embeddings (CLIP, DINOv2) the cluster probing of :mod:`embedscope.neighbors.approximate`
scores ~3·10⁴ candidates per point in every dimension (~5·10¹³ operations at 1M × 768) and needs a
cluster-ordered copy of the points (3 GB). Here, as in the "re-ranking" indexes of Jégou et al. 2011
(IVFADC + re-ranking, https://doi.org/10.1109/TPAMI.2010.57):

1. a PCA to :data:`PROJECTED_DIMS` dimensions (faiss ``PCAMatrix``, trained on a seeded sample) maps the
   points, block by block, into one (n, PROJECTED_DIMS) float32 array (512 MB at 1M);
2. an inverted file over the projected points (~sqrt(n) lists, :data:`N_PROBE` probed per point, scored list
   by list with matrix products: :mod:`embedscope.neighbors.list_batched_knn`) gives each point its
   :data:`CANDIDATES` nearest others in that space;
3. the candidates are re-ranked by their float32 distance in the full space, read block by block from the
   (possibly memory-mapped) input, and the winner's distance is recomputed in float64.

A point whose true nearest neighbour is not among its candidates gets a farther one; recall@1 is measured
on a seeded sample against exact search, as in :mod:`embedscope.neighbors.approximate`. The result is
deterministic for a seed (faiss's k-means and PCA are seeded, the sample is fixed, ties go to the lower
index).
"""

from __future__ import annotations

import faiss
import numba
import numpy as np

from embedscope.neighbors.approximate import with_measured_recall
from embedscope.neighbors.exact import exact_distances_to, exact_nearest_in_set
from embedscope.neighbors.list_batched_knn import ivf_k_nearest_candidates
from embedscope.neighbors.result import NearestNeighbors

MIN_DIMENSIONS = 128
"""From this many dimensions on the self search goes through the PCA space; below, a candidate search in
the full space is as cheap as the projection."""

PROJECTED_DIMS = 128
"""PCA size of the candidate search. On 50k × 768 clustered embeddings whose clusters each vary in their own
32-d subspace (benchmarks/synthetic.py; a global PCA's hardest case) recall@1 was 0.79 with 64 dimensions
and 16 candidates, 0.97 with 64 and 64, 1.00 with 128 and 32 (measured, 2026-12-01)."""

CANDIDATES = 32
"""Nearest points in the PCA space re-ranked in the full space per query."""

METHOD = f"ivf on pca-{PROJECTED_DIMS}, {CANDIDATES} candidates re-ranked exactly"
"""How the JSON names this search."""

PCA_TRAINING_POINTS = 20_000
"""Seeded sample the PCA is trained on: a 768-d covariance is well estimated by then."""

N_PROBE = 16
"""Inverted lists scanned per query (of ~sqrt(n)). At 1M × 768 (subspace clusters) the true neighbour was among
the 32 candidates for 93.6 % of sampled points; at 100k, 99.1 %."""

BLOCK_ROWS = 32_768
"""Rows projected / searched per block: bounds the float32 copies of input rows (96 MiB at 768-d)."""



def projected_nearest_in_set(points: np.ndarray, *, seed: int = 0, recall_sample: int = 1000) -> NearestNeighbors:
    """For each point, an approximate nearest *other* point, with recall@1 measured against exact search.

    Args:
        points: (n, d) float32 (a memory-mapped array is read block by block), n > CANDIDATES, d ≥ 2.
        seed: seeds the PCA sample, the k-means and the recall sample.
        recall_sample: queries checked against exact search.

    Returns:
        NearestNeighbors: (n,) float64 distances (exact for the neighbour found), (n,) int64 indices,
        method :data:`METHOD`, recall@1 and its sample size.

    Cost: O(n·d·PROJECTED_DIMS) for the projection, O(n·N_PROBE·sqrt(n)·PROJECTED_DIMS) for the candidate
    search, O(n·CANDIDATES·d) for the re-ranking; memory: the (n, PROJECTED_DIMS) projection and the index
    over it (2 × 4·n·PROJECTED_DIMS bytes) plus one block; the input is never copied whole.

    Raises:
        ValueError: fewer than CANDIDATES + 2 points or a non-2-D array.
    """
    if points.ndim != 2 or points.shape[0] < CANDIDATES + 2:
        raise ValueError(f"points must have shape (n >= {CANDIDATES + 2}, d), got {points.shape}")
    n = points.shape[0]
    projected = _project(points, seed=seed)
    candidates = _candidate_neighbours(projected, seed=seed)
    del projected
    indices = _rerank(points, candidates)
    distances = exact_distances_to(points, points, indices)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, recall_sample), replace=False))
    truth = exact_nearest_in_set(points, query_indices=sample)
    return with_measured_recall(distances, indices, truth.distances, sample, method=METHOD)


def _rows(points: np.ndarray, start: int, stop: int) -> np.ndarray:
    return np.ascontiguousarray(points[start:stop], dtype=np.float32)


def _project(points: np.ndarray, *, seed: int) -> np.ndarray:
    """(n, PROJECTED_DIMS) float32 PCA coordinates, the PCA trained on a seeded sample."""
    n, d = points.shape
    dims = min(PROJECTED_DIMS, d)
    rng = np.random.default_rng(seed)
    training = np.ascontiguousarray(
        points[np.sort(rng.choice(n, size=min(n, PCA_TRAINING_POINTS), replace=False))], dtype=np.float32
    )
    pca = faiss.PCAMatrix(d, dims)
    pca.train(training)
    projected = np.empty((n, dims), dtype=np.float32)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        projected[start:stop] = pca.apply(_rows(points, start, stop))
    return projected


def _candidate_neighbours(projected: np.ndarray, *, seed: int) -> np.ndarray:
    """(n, CANDIDATES) int64: each point's nearest others in the PCA space (-1 where fewer were found)."""
    return ivf_k_nearest_candidates(projected, CANDIDATES, n_probe=N_PROBE, seed=seed)


def _rerank(points: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """(n,) int64: the candidate nearest in the full space (distances summed in float64; ties → lower index).

    A numba loop reads each candidate row in place (no gathered copy: at 1M × 768 numpy's gather and difference
    arrays took 110 s of a run, this ~10 s); points without any candidate are searched exactly.
    """
    best = _nearest_candidate(np.asarray(points), candidates)
    lonely = np.flatnonzero(best < 0)
    if lonely.size:  # no candidate at all (tiny probed lists): search those points exactly
        best[lonely] = exact_nearest_in_set(points, query_indices=lonely).indices
    return best


@numba.njit(cache=True, nogil=True, parallel=True)
def _nearest_candidate(points, candidates):  # pragma: no cover - numba
    n, d = points.shape
    best = np.full(n, -1, dtype=np.int64)
    for i in numba.prange(n):
        best_squared = np.inf
        for a in range(candidates.shape[1]):
            j = candidates[i, a]
            if j < 0 or j == i:
                continue
            squared = 0.0
            for k in range(d):
                diff = np.float64(points[i, k]) - np.float64(points[j, k])
                squared += diff * diff
            if squared < best_squared or (squared == best_squared and j < best[i]):
                best_squared = squared
                best[i] = j
    return best
