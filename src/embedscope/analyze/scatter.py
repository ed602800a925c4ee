"""2-D coordinates for the scatter plots: which points are listed, and their PCA and UMAP positions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.analyze.projection import Projection2D, pca_2d, pca_2d_fit_rows, umap_2d
from embedscope.analyze.sets import AnalysisSets
from embedscope.progress import Progress

MAX_LISTED_INPUT_POINTS = 50_000  # keeps report_v2.json and the plots small; selected/datapool always listed
N_EXAMPLE_IMAGES = 6  # thumbnails placed on a scatter plot


@dataclass(frozen=True)
class ScatterInput:
    """2-D coordinates of the listed points of one projection.

    Attributes:
        input_xy: (n_listed, 2) coordinates of the listed input samples.
        selected_xy: (k, 2) coordinates of the selected samples.
        datapool_xy: (m, 2) or None.
        examples: (filename, (x, y)) pairs to show as thumbnails.
        all_xy: (n_input + n_datapool, 2) coordinates of every sample (input rows, then datapool rows), for the
            map of ``report.html``; None when only the listed points were projected.
    """

    input_xy: np.ndarray
    selected_xy: np.ndarray
    datapool_xy: np.ndarray | None
    examples: list[tuple[str, tuple[float, float]]]
    method: str
    fit_sample_size: int
    n_input_total: int
    all_xy: np.ndarray | None = None


def listed_input_rows(n_input: int, *, seed: int) -> np.ndarray:
    if n_input <= MAX_LISTED_INPUT_POINTS:
        return np.arange(n_input)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_input, size=MAX_LISTED_INPUT_POINTS, replace=False))


def _example_rows(selected: np.ndarray) -> np.ndarray:
    """The first picks of the greedy: spread over the space, so their thumbnails do not overlap much."""
    return selected[:N_EXAMPLE_IMAGES]


def scatter_inputs(
    sets: AnalysisSets, names: list[str], *, seed: int, progress: Progress
) -> tuple[ScatterInput, ScatterInput]:
    """PCA and UMAP :class:`ScatterInput` for the input, the selected samples and the datapool.

    Every sample is placed (report.html draws them all); UMAP is fitted on a subsample, so its cost is
    bounded, and neither projection copies the (n, d) input.
    """
    n_input = len(sets.input)
    listed = listed_input_rows(n_input, seed=seed)
    n_datapool = 0 if sets.datapool is None else len(sets.datapool)

    progress.stage("2-D projection (PCA)")
    pca = pca_2d(  # every sample is projected (report.html draws them all), the axes fitted on a sample above 100k
        sets.input, fit_indices=pca_2d_fit_rows(n_input, seed=seed), also_project=sets.datapool
    )
    progress.stage("2-D projection (UMAP)", total=n_input + n_datapool)
    umap = umap_2d(sets.input, also_project=sets.datapool, seed=seed, on_progress=progress.advance)

    def make(projection: Projection2D) -> ScatterInput:
        xy = projection.coordinates
        datapool_xy = xy[n_input:] if n_datapool else None
        examples = [(names[int(row)], (float(xy[row, 0]), float(xy[row, 1]))) for row in _example_rows(sets.selected_indices)]
        return ScatterInput(
            input_xy=xy[listed],
            selected_xy=xy[sets.selected_indices],
            datapool_xy=datapool_xy if sets.datapool is not None else None,
            examples=examples,
            method=projection.method,
            fit_sample_size=projection.fit_sample_size,
            n_input_total=n_input,
            all_xy=xy,
        )

    return make(pca), make(umap)
