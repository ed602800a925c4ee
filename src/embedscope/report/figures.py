"""Matplotlib figures of the report, drawn from the :class:`ReportV2` model only, returned as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from embedscope.report.colors import SET_COLORS, SET_LABELS
from embedscope.report.comparison_notes import random_row_label
from embedscope.report.constant_values import constant_value
from embedscope.report.coverage_histogram import covering_counts, without_covering_samples
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.model import (
    CategoricalDistributionPerSet,
    EmbeddingData2D,
    EmbeddingInformation,
    ExtraMetrics,
    MetadataKeyInformation,
    NumericDistributionPerSet,
    ReportV2,
)
from embedscope.report.sections import SET_FIELDS as _DIST_FIELDS
from embedscope.report.sections import fmt, own_crop_analysis, random_comparisons

FIGURE_DPI = 150  # sharp when printed at the PDF's width, still small files
MAX_CATEGORY_BARS = 15  # most frequent input categories drawn; the tables list more

_Spec = tuple[str, Callable[[], bytes]]  # figure name, and how to draw it


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
        count = f"{len(xy):,}"
        if name == "input" and data.projection is not None and len(xy) < data.projection.n_input_total:
            count = f"{len(xy):,} of {data.projection.n_input_total:,} shown"
        axes.scatter(
            xy[:, 0], xy[:, 1], s=size, c=SET_COLORS[name], label=f"{SET_LABELS[name]} ({count})",
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


def histogram_png(distribution: NumericDistributionPerSet, *, title: str, xlabel: str,
                  random_label: str = SET_LABELS["random"]) -> bytes:
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
                    label=f"{random_label if name == 'random' else SET_LABELS[name]} (mean {fmt(dist.metrics.mean)})")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("fraction of the set")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.25)
    return _png(figure)


def comparison_png(extra: ExtraMetrics) -> bytes:
    """Selected against random subsets: one panel per statistic, random as mean ± sd with each seed's dot."""
    panels = [
        (f"{c.name}\n({'lower' if c.lower_is_better else 'higher'} is better)", c.selected, c.random)
        for c in random_comparisons(extra) if c.selected is not None and c.random is not None
    ]
    figure, axes_list = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.7), squeeze=False)
    for axes, (title, selected, random) in zip(axes_list[0], panels):
        axes.bar([0], [selected], color=SET_COLORS["selected"], width=0.6)
        axes.bar([1], [random.mean], yerr=[random.sd], color=SET_COLORS["random"], width=0.6, capsize=4,
                 ecolor="#333333")
        axes.scatter(np.full(len(random.values), 1.0), random.values, s=8, color="#222222", zorder=3)
        axes.set_xticks([0, 1], [SET_LABELS["selected"], SET_LABELS["random"]], fontsize=8)
        axes.set_title(title, fontsize=8.5)
        axes.tick_params(axis="y", labelsize=7)
        axes.grid(axis="y", alpha=0.25)
        axes.set_axisbelow(True)
    figure.tight_layout()
    return _png(figure)


def categorical_png(distribution: CategoricalDistributionPerSet, *, title: str) -> bytes:
    """Share of each category per set as grouped horizontal bars (the most frequent input categories)."""
    present = [(name, getattr(distribution, field)) for name, field in _DIST_FIELDS.items()
               if getattr(distribution, field) is not None]
    reference = present[0][1].counts if present else {}
    categories = sorted(reference, key=lambda c: (-reference[c], c))[:MAX_CATEGORY_BARS][::-1]
    height = 0.8 / max(len(present), 1)
    figure, axes = plt.subplots(figsize=(6.4, 1.2 + 0.32 * len(categories) * max(1, len(present)) ** 0.5))
    for offset, (name, dist) in enumerate(present):
        total = max(sum(dist.counts.values()), 1)
        shares = [dist.counts.get(c, 0) / total for c in categories]
        positions = np.arange(len(categories)) + (offset - (len(present) - 1) / 2) * height
        axes.barh(positions, shares, height=height, color=SET_COLORS[name], label=SET_LABELS[name])
    axes.set_yticks(np.arange(len(categories)), [c[:40] for c in categories], fontsize=7)
    axes.set_xlabel("share of the set")
    axes.set_title(title)
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(axis="x", alpha=0.25)
    return _png(figure)


def slug(text: str) -> str:
    """A file-name-safe form of a metadata key or task name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60] or "unnamed"


def _embedding_specs(info: EmbeddingInformation, *, prefix: str = "", what: str = "embeddings",
                     random_label: str = SET_LABELS["random"]) -> list[_Spec]:
    """The scatter plots and the two histograms of one embedding analysis (the coverage histogram without the
    covering samples themselves, see :mod:`coverage_histogram`)."""
    scatter = info.scatter_plot_data
    nn = info.distance_to_nearest_neighbor_in_set
    cover = without_covering_samples(info.distance_to_cover_input, covering_counts(info))
    return [
        (f"{prefix}scatter_pca", lambda: scatter_png(scatter.pca_embedding_data, title=f"PCA of the {what}")),
        (f"{prefix}scatter_umap", lambda: scatter_png(scatter.umap_embedding_data, title=f"UMAP of the {what}")),
        (f"{prefix}hist_nearest_neighbor", lambda: histogram_png(
            nn, title="Distance to nearest neighbour in set (diversity)", xlabel="Euclidean distance",
            random_label=random_label)),
        (f"{prefix}hist_cover", lambda: histogram_png(
            cover, title="Distance to cover input (coverage), covering samples left out", xlabel="Euclidean distance",
            random_label=random_label)),
    ]


def _distribution_spec(name: str, entry: MetadataKeyInformation, title: str) -> list[_Spec]:
    categorical, numeric = entry.category_distribution, entry.numeric_distribution
    if categorical is not None:
        return [(name, lambda: categorical_png(categorical, title=title))]
    if numeric is not None and constant_value(numeric) is None:
        return [(name, lambda: histogram_png(numeric, title=title, xlabel=title))]
    return []


def _figure_specs(report: ReportV2) -> list[_Spec]:
    extra = read_extra_metrics(report)
    specs = _embedding_specs(report.dataset_analysis.embedding_information, random_label=random_row_label(extra))
    if extra is not None:
        specs.append(("selected_vs_random", lambda: comparison_png(extra)))
    analysis = report.dataset_analysis
    for group, entries in (("metadata", analysis.metadata_information), ("score", analysis.score_information)):
        for key, entry in (entries or {}).items():
            specs += _distribution_spec(f"{group}_{slug(key)}", entry, key)
    for task, information in report.prediction_task_information.items():
        categories = information.category_distribution
        if categories is not None:
            specs.append((f"task_{slug(task)}_categories",
                          partial(categorical_png, categories, title=f"{task}: predicted categories")))
        crops = own_crop_analysis(report, information)
        if crops is not None:
            specs += _embedding_specs(crops, prefix=f"task_{slug(task)}_", what=f"{task} object crops")
    return specs


def figure_names(report: ReportV2) -> list[str]:
    """The names :func:`report_figures` gives, without drawing anything."""
    return [name for name, _ in _figure_specs(report)]


def report_figures(report: ReportV2) -> dict[str, bytes]:
    """Figure name → PNG bytes for every figure of the PDF (also written to ``plots/``).

    Names: ``scatter_pca``, ``scatter_umap``, ``hist_nearest_neighbor``, ``hist_cover``, ``selected_vs_random``,
    ``metadata_<key>``, ``score_<task_score>``, ``task_<task>_categories`` and ``task_<task>_<embedding figure>``
    for the object crops of a task.
    """
    return {name: draw() for name, draw in _figure_specs(report)}
