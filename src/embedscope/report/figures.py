"""Matplotlib figures of the report, drawn from the :class:`ReportV2` model only, returned as PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from embedscope.report.colors import SET_COLORS, SET_LABELS
from embedscope.report.model import EmbeddingData2D, NumericDistributionPerSet

FIGURE_DPI = 150  # sharp when printed at the PDF's width, still small files
_DIST_FIELDS = {
    "input": "input",
    "selected": "selected",
    "random": "random",
    "preselectedDatapool": "preselected_datapool",
    "selectedWithDatapool": "selected_with_datapool",
}


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _marker_size(n_points: int) -> float:
    """Smaller markers for more points so dense plots stay readable."""
    return float(np.clip(3000.0 / max(n_points, 1), 0.3, 12.0))


def scatter_png(data: EmbeddingData2D, *, title: str) -> bytes:
    """Input grey, selected blue, datapool orange, with a legend. Points are rasterised (small PDFs)."""
    figure, axes = plt.subplots(figsize=(6.4, 5.0))
    layers = [
        ("input", np.asarray(data.input2d_embeddings, dtype=float).reshape(-1, 2)),
        ("preselectedDatapool", np.asarray(data.datapool2d_embeddings or [], dtype=float).reshape(-1, 2)),
        ("selected", np.asarray(data.selected_excluding_datapool2d_embeddings, dtype=float).reshape(-1, 2)),
    ]
    for name, xy in layers:
        if len(xy) == 0:
            continue
        size = _marker_size(len(xy)) * (1.0 if name == "input" else 2.0)
        axes.scatter(
            xy[:, 0], xy[:, 1], s=size, c=SET_COLORS[name], label=f"{SET_LABELS[name]} ({len(xy):,})",
            linewidths=0, alpha=0.6 if name == "input" else 0.9, rasterized=True,
        )
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(loc="best", markerscale=3, fontsize=8, framealpha=0.85)
    if data.projection is not None and data.projection.n_input_listed < data.projection.n_input_total:
        axes.text(
            0.01, 0.01, f"{data.projection.n_input_listed:,} of {data.projection.n_input_total:,} input samples shown",
            transform=axes.transAxes, fontsize=7, color="#555555",
        )
    return _png(figure)


def histogram_png(distribution: NumericDistributionPerSet, *, title: str, xlabel: str) -> bytes:
    """Each set's histogram on the shared bins, as overlaid step lines, in fraction of the set."""
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    lo, hi = distribution.range
    edges = np.linspace(lo, hi, distribution.bins + 1)
    for name, field in _DIST_FIELDS.items():
        dist = getattr(distribution, field)
        if dist is None:
            continue
        counts = np.asarray(dist.counts, dtype=float)
        total = counts.sum()
        fractions = counts / total if total else counts
        axes.stairs(fractions, edges, color=SET_COLORS[name], linewidth=1.6,
                    label=f"{SET_LABELS[name]} (mean {dist.metrics.mean:.3f})")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("fraction of the set")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.25)
    return _png(figure)
