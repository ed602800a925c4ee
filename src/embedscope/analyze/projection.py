"""2-D projections of the embeddings for the scatter plots: PCA and UMAP.

UMAP is fitted on a seeded subsample and the remaining points are transformed in batches, so the time is
bounded for any N (McInnes et al. 2018, https://arxiv.org/abs/1802.03426). Above UMAP_INPUT_DIMS
dimensions (CLIP/DINOv2 embeddings: 512–1024) the points are first reduced by PCA, fitted on a seeded
sample, to UMAP_INPUT_DIMS dimensions, as umap-learn's documentation recommends for high-dimensional
data: the neighbour searches of UMAP then cost 50 instead of d products per pair.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedscope.neighbors.k_nearest import k_nearest_neighbors

logger = logging.getLogger(__name__)

UMAP_FIT_SAMPLE = 5_000  # fitting cost grows ~linearly; 5k points already show the cluster structure
UMAP_TRANSFORM_BATCH = 8_192  # points placed per k-NN search: bounds its memory (batch × fit sample × 4 B)
UMAP_NEIGHBORS = 15  # umap-learn's default
UMAP_EPOCHS = 200  # umap-learn uses 200 above 10k points; the layout is stable by then
PCA_BLOCK_ROWS = 65_536  # at most this many rows converted to float64 at a time (32 MiB at d = 64) ...
PCA_BLOCK_BYTES = 64 * 2**20  # ... and at most this many bytes of them (10,922 rows at d = 768)
PCA_THREAD_TOLERANCE = 1e-6  # max |difference| of PCA coordinates of unit vectors between thread counts
UMAP_MIN_POINTS = 10  # below this UMAP's neighbour graph is degenerate; PCA coordinates are used instead
UMAP_INPUT_DIMS = 50  # PCA size before UMAP: keeps the bulk of the variance of 512-1024-d embeddings
PCA_FIT_SAMPLE = 20_000  # points the pre-UMAP PCA is fitted on: a 768-d covariance is well estimated by then
PCA_2D_FIT_SAMPLE = 100_000  # above this many points the 2-D PCA's axes are fitted on a seeded sample of this size


@dataclass(frozen=True)
class Projection2D:
    """2-D coordinates of stacked points.

    Attributes:
        coordinates: (n_points, 2) float32.
        method: "pca" or "umap" (or "pca (too few points for umap)").
        fit_sample_size: how many points the projection was fitted on.
    """

    coordinates: np.ndarray
    method: str
    fit_sample_size: int


def pca_2d(
    points: np.ndarray, *, fit_indices: np.ndarray | None = None, also_project: np.ndarray | None = None
) -> Projection2D:
    """Project (n, d) points on the first two principal axes of ``points[fit_indices]`` (all by default).

    Computed in float64 (covariance accumulated in row blocks, eigendecomposition of the d × d matrix, the
    sign of each axis fixed so its largest-magnitude loading is positive, as scikit-learn's ``svd_flip``), and
    rounded to float32 at the end. So the coordinates do not depend on the BLAS thread count beyond float64
    rounding: runs with 1 and 2 threads agree to :data:`PCA_THREAD_TOLERANCE` (a float32 PCA differed by up
    to 4e-4).

    Args:
        points: (n, d) float32 (a memory map is read block by block, never copied whole).
        fit_indices: rows the axes are fitted on (all when None).
        also_project: (m, d) more rows projected on the same axes but not fitted (e.g. the datapool); their
            coordinates follow the n rows of ``points``.

    Returns:
        Projection2D with (n + m, 2) float32 coordinates.

    Memory: O(d² + block × d) besides the output (and a copy of ``points[fit_indices]`` when given).
    """
    points = np.asarray(points, dtype=np.float32)
    axes = fit_pca_axes(points if fit_indices is None else points[fit_indices])
    parts = [points] if also_project is None or len(also_project) == 0 else [points, np.asarray(also_project, dtype=np.float32)]
    return Projection2D(coordinates=axes.project(parts), method="pca", fit_sample_size=axes.fit_sample_size)


@dataclass(frozen=True)
class PcaAxes:
    """The first two principal axes fitted by :func:`fit_pca_axes`.

    Attributes:
        mean: (d,) float64 mean of the fitted rows.
        axes: (d, n_components) float64 unit axes, n_components = min(2, n_fit, d).
        fit_sample_size: rows fitted.
    """

    mean: np.ndarray
    axes: np.ndarray
    fit_sample_size: int

    def project(self, parts: list[np.ndarray]) -> np.ndarray:
        """(Σ len(part), 2) float32 coordinates of ``parts`` stacked vertically (read block by block; a missing
        second axis stays 0). The blocks are those of the stacked rows, so a row's value does not depend on
        how the rows are split into parts."""
        n_components = self.axes.shape[1]
        coordinates = np.zeros((sum(len(part) for part in parts), 2), dtype=np.float32)
        for offset, block in _row_blocks(parts, block_rows(len(self.mean))):
            coordinates[offset:offset + len(block), :n_components] = (np.asarray(block, dtype=np.float64) - self.mean) @ self.axes
        return coordinates


def fit_pca_axes(fit: np.ndarray) -> PcaAxes:
    """The first two principal axes of ``fit`` (n, d) float32 (float64 covariance in row blocks, signs fixed
    as scikit-learn's ``svd_flip``); see :func:`pca_2d`."""
    fit_size = len(fit)
    n_components = min(2, fit.shape[0], fit.shape[1])
    mean = fit.mean(axis=0, dtype=np.float64)
    covariance = np.zeros((fit.shape[1], fit.shape[1]))
    rows = block_rows(fit.shape[1])
    for start in range(0, fit.shape[0], rows):
        block = np.asarray(fit[start:start + rows], dtype=np.float64) - mean
        covariance += block.T @ block
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    axes = eigenvectors[:, np.argsort(eigenvalues)[::-1][:n_components]]
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(n_components)])
    axes = axes * np.where(signs == 0, 1.0, signs)
    return PcaAxes(mean=mean, axes=axes, fit_sample_size=fit_size)


def pca_2d_fit_rows(n_points: int, *, seed: int, max_rows: int | None = None) -> np.ndarray | None:
    """Rows the report's 2-D PCA is fitted on: all (None) up to ``max_rows`` points, else a sorted seeded sample
    of that size ((max_rows,) int64). A covariance over 1M × 768 points took ~30 s of a run; the top two axes of
    a sample of 100k differ from the full data's by sampling noise only (the plot's axes, not a metric).

    Args:
        max_rows: None for :data:`PCA_2D_FIT_SAMPLE` (both engines); the Ray engine passes fewer only where that
            sample would pass its driver's memory budget. The same ``n_points``, ``seed`` and ``max_rows`` give
            the same rows.
    """
    size = PCA_2D_FIT_SAMPLE if max_rows is None else max_rows
    if n_points <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_points, size=size, replace=False))


def block_rows(dim: int) -> int:
    """Rows per block at ``dim`` dimensions: PCA_BLOCK_ROWS, fewer where their float64 copy would pass
    PCA_BLOCK_BYTES."""
    return max(1, min(PCA_BLOCK_ROWS, PCA_BLOCK_BYTES // (8 * max(dim, 1))))


def _row_blocks(parts: list[np.ndarray], rows: int) -> Iterator[tuple[int, np.ndarray]]:
    """(offset, block) over ``parts`` stacked vertically, in blocks of ``rows`` stacked rows (the last may be
    shorter). The boundaries are those of the stacked array, so results match a stacked copy bit for bit; only a
    block that straddles two parts is gathered, no part is copied whole."""
    edges = np.cumsum([0] + [len(part) for part in parts])
    for start in range(0, int(edges[-1]), rows):
        stop = min(int(edges[-1]), start + rows)
        pieces = [
            part[max(start, lo) - lo:min(stop, hi) - lo]
            for part, lo, hi in zip(parts, edges[:-1], edges[1:]) if lo < stop and hi > start
        ]
        yield start, pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def umap_2d(
    points: np.ndarray,
    *,
    also_project: np.ndarray | None = None,
    seed: int = 0,
    fit_sample: int = UMAP_FIT_SAMPLE,
    on_progress: Callable[[int, int], None] | None = None,
) -> Projection2D:
    """UMAP of (n, d) points, bounded in time for any n.

    UMAP is fitted on at most ``fit_sample`` seeded points, with their exact k-nearest-neighbour graph
    computed here (so umap-learn does not JIT-compile its approximate search on every run). Every other
    point is placed where UMAP's own ``transform`` starts it: at the membership-weighted mean of the
    coordinates of its ``UMAP_NEIGHBORS`` nearest fitted points (the refinement epochs are skipped).

    Args:
        points: (n, d) float32; above UMAP_INPUT_DIMS dimensions read block by block into a
            (n + m, UMAP_INPUT_DIMS) PCA copy, never copied whole.
        also_project: (m, d) rows stacked after ``points`` (the datapool), projected like them.

    Returns:
        Projection2D with (n + m, 2) float32 coordinates.

    Memory: the stacked rows at min(d, UMAP_INPUT_DIMS) dimensions, float32, plus one block.
    """
    parts = [np.asarray(points, dtype=np.float32)]
    if also_project is not None and len(also_project):
        parts.append(np.asarray(also_project, dtype=np.float32))
    n_points = sum(len(part) for part in parts)
    if n_points < UMAP_MIN_POINTS:
        fallback = pca_2d(np.concatenate(parts))
        return Projection2D(fallback.coordinates, "pca (too few points for umap)", fallback.fit_sample_size)
    method = "umap"
    if parts[0].shape[1] > UMAP_INPUT_DIMS:
        points = reduce_dimensions(parts, n_components=UMAP_INPUT_DIMS, seed=seed)
        method = f"umap on pca-{UMAP_INPUT_DIMS}"
    else:
        points = parts[0] if len(parts) == 1 else np.concatenate(parts)
    rng = np.random.default_rng(seed)
    fit_indices = np.sort(rng.choice(n_points, size=min(fit_sample, n_points), replace=False))
    layout = fit_umap_layout(points[fit_indices], seed=seed)
    coordinates = np.zeros((n_points, 2), dtype=np.float32)
    coordinates[fit_indices] = layout.fitted
    rest = np.setdiff1d(np.arange(n_points), fit_indices)
    done = len(fit_indices)
    for start in range(0, len(rest), UMAP_TRANSFORM_BATCH):
        batch = rest[start:start + UMAP_TRANSFORM_BATCH]
        coordinates[batch] = layout.place(points[batch])
        done += len(batch)
        if on_progress is not None:
            on_progress(done, n_points)
    return Projection2D(coordinates=coordinates, method=method, fit_sample_size=len(fit_indices))


@dataclass(frozen=True)
class UmapLayout:
    """A UMAP layout fitted by :func:`fit_umap_layout`, and the points it was fitted on.

    Attributes:
        fit_points: (m, d') float32 fitted points (d' ≤ UMAP_INPUT_DIMS after the PCA reduction).
        fitted: (m, 2) float32 their UMAP coordinates.
        n_neighbors: neighbours of the UMAP graph (and of the placement of other points).
    """

    fit_points: np.ndarray
    fitted: np.ndarray
    n_neighbors: int

    def place(self, points: np.ndarray) -> np.ndarray:
        """(b, 2) float32 positions of ``points`` (b, d'), at most UMAP_TRANSFORM_BATCH rows: the
        membership-weighted mean of their ``n_neighbors`` nearest fitted points (UMAP's ``transform`` start)."""
        distances, neighbors = k_nearest_neighbors(points, self.fit_points, k=self.n_neighbors)
        return _weighted_placement(distances, neighbors, self.fitted)


def fit_umap_layout(fit_points: np.ndarray, *, seed: int) -> UmapLayout:
    """UMAP (umap-learn, ``random_state=seed``, one thread) of ``fit_points`` (m, d') float32, m ≥ UMAP_MIN_POINTS,
    on their exact k-nearest-neighbour graph computed here (so umap-learn does not JIT-compile its approximate
    search on every run)."""
    import umap

    from embedscope.analyze.umap_kernel_cache import enable_umap_kernel_cache

    enable_umap_kernel_cache()
    n_neighbors = min(UMAP_NEIGHBORS, len(fit_points) - 1)
    knn_distances, knn_indices = _self_knn_graph(fit_points, k=n_neighbors)
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        n_epochs=UMAP_EPOCHS,
        random_state=seed,
        n_jobs=1,
        precomputed_knn=(knn_indices, knn_distances, None),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = np.asarray(reducer.fit_transform(fit_points), dtype=np.float32)
    return UmapLayout(fit_points=fit_points, fitted=fitted, n_neighbors=n_neighbors)


def reduce_dimensions(points: np.ndarray | list[np.ndarray], *, n_components: int, seed: int = 0) -> np.ndarray:
    """(n, n_components) float32 PCA coordinates of ``points`` (n, d), PCA fitted on at most PCA_FIT_SAMPLE
    seeded points (randomized SVD, seeded). Cost O(PCA_FIT_SAMPLE·d·n_components + n·d·n_components).

    Args:
        points: (n, d) float32, or a list of such parts stacked vertically (not copied: read block by block).
    """
    parts = [points] if isinstance(points, np.ndarray) else list(points)
    n_points, dim = sum(len(part) for part in parts), parts[0].shape[1]
    fit_rows = reduction_fit_rows(n_points, seed=seed)
    fit_points = np.concatenate([
        np.asarray(part[fit_rows[(fit_rows >= offset) & (fit_rows < offset + len(part))] - offset])
        for offset, part in zip(np.cumsum([0] + [len(part) for part in parts[:-1]]), parts)
    ])
    pca = fit_reduction(fit_points, n_components=min(n_components, n_points, dim), seed=seed)
    reduced = np.empty((n_points, pca.n_components_), dtype=np.float32)
    for offset, block in _row_blocks(parts, block_rows(dim)):
        reduced[offset:offset + len(block)] = pca.transform(np.asarray(block))
    return reduced


def reduction_fit_rows(n_points: int, *, seed: int) -> np.ndarray:
    """(min(n_points, PCA_FIT_SAMPLE),) sorted int64 rows the pre-UMAP PCA of :func:`reduce_dimensions` is fitted on."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_points, size=min(PCA_FIT_SAMPLE, n_points), replace=False))


def fit_reduction(fit_points: np.ndarray, *, n_components: int, seed: int) -> Any:
    """scikit-learn's ``PCA(n_components, svd_solver="randomized", random_state=seed)`` fitted on ``fit_points``
    (m, d) float32; its ``transform`` gives float64 (b, n_components) coordinates."""
    from sklearn.decomposition import PCA

    return PCA(n_components=n_components, svd_solver="randomized", random_state=seed).fit(fit_points)


def _self_knn_graph(points: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """UMAP's kNN graph format: each row starts with the point itself at distance 0, then its k - 1 nearest."""
    distances, indices = k_nearest_neighbors(points, points, k=k - 1, exclude_self=True)
    own = np.arange(len(points), dtype=np.int64)[:, None]
    return (
        np.hstack([np.zeros((len(points), 1), np.float32), distances]),
        np.hstack([own, indices]),
    )


def _weighted_placement(distances: np.ndarray, neighbors: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """(m, 2) membership-weighted means of the neighbours' coordinates.

    Weights follow UMAP's fuzzy membership exp(-(d - rho) / sigma), with rho the distance to the nearest
    neighbour and sigma the mean excess distance of the row (a closed-form stand-in for UMAP's bisection).
    """
    rho = distances[:, :1]
    excess = distances - rho
    sigma = np.maximum(excess.mean(axis=1, keepdims=True), 1e-12)
    weights = np.exp(-excess / sigma)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("mk,mkc->mc", weights, fitted[neighbors]).astype(np.float32)
