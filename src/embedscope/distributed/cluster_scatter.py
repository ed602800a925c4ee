"""The 2-D views with the input on the cluster: PCA axes fitted on the driver on the rows the local engine fits
them on (:func:`embedscope.analyze.projection.pca_2d_fit_rows`: all up to 100k rows, else a seeded 100k sample;
fewer only where that sample would pass the driver's share of ``--memory-budget``) and applied to every block by
Ray tasks; UMAP fitted on a seeded sample plus every selected sample and every other
row placed by Ray tasks (UMAP's ``transform`` start, as the local engine places the rows outside its fit).

The coordinates of every row come back to the driver ((n, 2) float32, for report.html's map); the rows do not.
Above UMAP_INPUT_DIMS dimensions UMAP works on a PCA of UMAP_INPUT_DIMS components fitted on a seeded sample,
applied in the same tasks, as :func:`embedscope.analyze.projection.umap_2d` does locally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from embedscope.analyze.projection import (
    PCA_2D_FIT_SAMPLE,
    PCA_FIT_SAMPLE,
    UMAP_FIT_SAMPLE,
    UMAP_INPUT_DIMS,
    UMAP_TRANSFORM_BATCH,
    PcaAxes,
    UmapLayout,
    fit_pca_axes,
    fit_reduction,
    fit_umap_layout,
    pca_2d_fit_rows,
)
from embedscope.analyze.scatter import ScatterInput, listed_input_rows
from embedscope.analyze.sets import random_subset
from embedscope.distributed.block_maps import per_row, rows_at
from embedscope.distributed.vector_blocks import VectorBlocks, driver_sample_rows
from embedscope.progress import Progress

N_EXAMPLE_IMAGES = 6  # as embedscope.analyze.scatter: the first picks are shown as thumbnails


@dataclass(frozen=True)
class ClusterScatter:
    """Both views and the rows they were fitted on (recorded in embedscope's engine JSON).

    Attributes:
        pca_fit_rows: (m,) sorted int64 input rows the PCA axes were fitted on.
        umap_fit_rows: (u,) sorted int64 input rows UMAP was fitted on (a seeded sample ∪ the selected rows).
    """

    pca: ScatterInput
    umap: ScatterInput
    pca_fit_rows: np.ndarray
    umap_fit_rows: np.ndarray


def pca_fit_rows(n_rows: int, *, dim: int, seed: int, memory_budget: int) -> np.ndarray:
    """(m,) sorted int64 input rows the 2-D PCA axes are fitted on: the local engine's
    (:func:`~embedscope.analyze.projection.pca_2d_fit_rows` with the run's seed: every row up to
    :data:`~embedscope.analyze.projection.PCA_2D_FIT_SAMPLE`, else a seeded sample of that size), so both engines
    fit the same axes; a seeded sample of fewer rows where ``m × dim`` float32 would pass the driver's share of
    ``memory_budget`` (:func:`~embedscope.distributed.vector_blocks.driver_sample_rows`; m is recorded as
    ``pcaFitRows`` in the engine JSON)."""
    size = driver_sample_rows(PCA_2D_FIT_SAMPLE, dim=dim, memory_budget=memory_budget)
    rows = pca_2d_fit_rows(n_rows, seed=seed, max_rows=size)
    return np.arange(n_rows, dtype=np.int64) if rows is None else rows.astype(np.int64)


def _pca_block(vectors: np.ndarray, axes: PcaAxes) -> np.ndarray:
    return axes.project([vectors])


def pca_on_cluster(
    blocks: VectorBlocks, *, datapool: np.ndarray | None, seed: int, memory_budget: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`embedscope.analyze.projection.pca_2d` of the input held in ``blocks``: the axes fitted on the driver
    on the rows of :func:`pca_fit_rows` (the local engine's within the budget), every block projected by a Ray
    task, the datapool (p, D) float32 on the driver.

    Returns:
        (n + p, 2) float32 coordinates (the datapool's after the input's) and the (m,) int64 rows fitted.
    """
    rows = pca_fit_rows(blocks.n_rows, dim=blocks.dim, seed=seed, memory_budget=memory_budget)
    axes = fit_pca_axes(rows_at(blocks, rows))
    pool = datapool if datapool is not None and len(datapool) else None
    return _stacked(per_row(blocks, _pca_block, axes), None if pool is None else axes.project([pool])), rows


def _umap_block(vectors: np.ndarray, reduction: Any, layout: UmapLayout) -> np.ndarray:
    out = np.empty((len(vectors), 2), dtype=np.float32)
    for start in range(0, len(vectors), UMAP_TRANSFORM_BATCH):
        batch = vectors[start:start + UMAP_TRANSFORM_BATCH]
        reduced = batch if reduction is None else reduction.transform(batch).astype(np.float32)
        out[start:start + len(batch)] = layout.place(reduced)
    return out


def scatter_on_cluster(
    blocks: VectorBlocks, *, names: list[str], selected: np.ndarray,
    datapool: np.ndarray | None, seed: int, memory_budget: int, progress: Progress,
) -> ClusterScatter:
    """PCA and UMAP :class:`ScatterInput` of every input row (and the datapool rows after them), as
    :func:`embedscope.analyze.scatter.scatter_inputs` lays them out.

    Args:
        selected: (k,) int64 input rows in pick order.
        datapool: (p, D) float32 or None (on the driver: projected there).

    Memory on the driver: the fit samples (PCA ≤ 100,000 × D, UMAP and its pre-UMAP PCA ≤ 20,000 × D; each fewer
    where it would pass 1/16 of ``memory_budget``), (n + p, 2) coordinates.
    """
    n, dim = blocks.n_rows, blocks.dim
    pool = datapool if datapool is not None and len(datapool) else None
    progress.stage("2-D projection (PCA) on Ray")
    pca_xy, pca_rows = pca_on_cluster(blocks, datapool=datapool, seed=seed, memory_budget=memory_budget)

    progress.stage("2-D projection (UMAP) on Ray")
    sample_size = min(n, driver_sample_rows(UMAP_FIT_SAMPLE, dim=dim, memory_budget=memory_budget))
    umap_rows = np.union1d(random_subset(n, sample_size, seed=seed), np.asarray(selected, dtype=np.int64))
    fit_vectors = rows_at(blocks, umap_rows)
    reduction, method = None, "umap"
    if dim > UMAP_INPUT_DIMS:
        reduction_rows = random_subset(n, min(n, driver_sample_rows(PCA_FIT_SAMPLE, dim=dim, memory_budget=memory_budget)),
                                       seed=seed)
        reduction = fit_reduction(rows_at(blocks, reduction_rows), n_components=UMAP_INPUT_DIMS, seed=seed)
        fit_vectors = reduction.transform(fit_vectors).astype(np.float32)
        method = f"umap on pca-{UMAP_INPUT_DIMS}"
    layout = fit_umap_layout(fit_vectors, seed=seed)
    umap_input = per_row(blocks, _umap_block, reduction, layout)
    umap_input[umap_rows] = layout.fitted
    umap_xy = _stacked(umap_input, None if pool is None else _umap_block(pool, reduction, layout))

    listed = listed_input_rows(n, seed=seed)

    def make(xy: np.ndarray, method: str, fit_size: int) -> ScatterInput:
        examples = [(names[int(row)], (float(xy[row, 0]), float(xy[row, 1]))) for row in selected[:N_EXAMPLE_IMAGES]]
        return ScatterInput(
            input_xy=xy[listed], selected_xy=xy[selected], datapool_xy=xy[n:] if datapool is not None else None,
            examples=examples, method=method, fit_sample_size=fit_size, n_input_total=n, all_xy=xy,
        )

    return ClusterScatter(
        pca=make(pca_xy, "pca", len(pca_rows)), umap=make(umap_xy, method, len(umap_rows)),
        pca_fit_rows=pca_rows, umap_fit_rows=umap_rows,
    )


def _stacked(input_xy: np.ndarray, datapool_xy: np.ndarray | None) -> np.ndarray:
    return input_xy if datapool_xy is None else np.concatenate([input_xy, datapool_xy])
