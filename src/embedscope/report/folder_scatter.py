"""The PDF's scatter plots coloured by top-level folder (the demo's day / night), as the HTML map opens.

When the run's names live in a few folders (:func:`embedscope.report.html_map.default_column`), the PCA and
UMAP scatter plots of ``report.pdf`` (and ``plots/``) colour the samples by folder, with the same colours as the
map of ``report.html``, and draw the selected samples as dark rings on top: a folder's cluster and the picks in
it are visible at once. Cost: one matplotlib scatter per folder over at most :data:`MAX_DRAWN` points.
"""

from __future__ import annotations

import numpy as np

from embedscope.report.figures import _marker_size, _png, plt
from embedscope.report.html_map import default_column
from embedscope.report.map_payload import shown_categories
from embedscope.report.sample_map import DATAPOOL_CODE, SELECTED_CODE, SampleMap

MAX_DRAWN = 50_000  # points drawn per plot (a seeded uniform subsample above it; every selected sample is drawn)
RING_COLOR = "#0b2545"  # the map's ring colour for the selected samples
FIGURES = {"scatter_pca": ("PCA", "PCA of the embeddings"), "scatter_umap": ("UMAP", "UMAP of the embeddings")}


def _drawn_rows(sample_map: SampleMap, seed: int) -> np.ndarray:
    n = len(sample_map)
    if n <= MAX_DRAWN:
        return np.arange(n)
    chosen = np.flatnonzero(sample_map.set_codes == SELECTED_CODE)
    others = np.setdiff1d(np.arange(n), chosen)
    picked = np.random.default_rng(seed).choice(others, max(MAX_DRAWN - len(chosen), 0), replace=False)
    return np.sort(np.concatenate([chosen, picked]))


def _folder_png(sample_map: SampleMap, xy: np.ndarray, rows: np.ndarray, column: int, title: str) -> bytes:
    shown, labels, colors = shown_categories(sample_map.columns[column - 1])
    counts = np.bincount(shown, minlength=len(labels))
    figure, axes = plt.subplots(figsize=(6.4, 5.0))
    size = _marker_size(len(rows))
    for code, (label, color) in enumerate(zip(labels, colors)):
        here = rows[shown[rows] == code]
        if len(here):
            axes.scatter(xy[here, 0], xy[here, 1], s=size, c=color, linewidths=0, alpha=0.7, rasterized=True,
                         label=f"{label} ({counts[code]:,})")
    picked = rows[sample_map.set_codes[rows] == SELECTED_CODE]
    if len(picked):
        axes.scatter(xy[picked, 0], xy[picked, 1], s=max(4 * size, 14), facecolors="none", edgecolors=RING_COLOR,
                     linewidths=0.9, rasterized=True, label=f"selected ({len(picked):,})")
    axes.set_title(f"{title}, coloured by folder")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(loc="best", markerscale=2, fontsize=8, framealpha=0.85)
    if len(rows) < len(sample_map):
        axes.text(0.01, 0.01, f"{len(rows):,} of {len(sample_map):,} samples shown", transform=axes.transAxes,
                  fontsize=7, color="#555555")
    return _png(figure)


def folder_scatter_plots(sample_map: SampleMap | None, *, seed: int = 0) -> dict[str, bytes]:
    """``scatter_pca`` / ``scatter_umap`` PNGs coloured by folder; empty when the map opens coloured by set."""
    if sample_map is None or (column := default_column(sample_map)) == 0:
        return {}
    rows = _drawn_rows(sample_map, seed)
    return {name: _folder_png(sample_map, np.asarray(sample_map.projections[label], dtype=float), rows, column, title)
            for name, (label, title) in FIGURES.items() if label in sample_map.projections}


def folder_colours_text(sample_map: SampleMap) -> str:
    """The PDF's sentence on the colours of the folder-coloured scatter plots."""
    folders = sample_map.columns[default_column(sample_map) - 1].categories or ()
    pool = " Datapool samples are in their folder's colour too." if (sample_map.set_codes == DATAPOOL_CODE).any() else ""
    return (f"Samples coloured by top-level folder ({', '.join(folders)}); the selected samples are dark rings.{pool} "
            f"report.html's map offers the other colourings (set, distances, metadata).")

