"""Dataset hygiene in the analyze stage: per-group coverage tables (metadata categories, predicted classes —
of images, or of the crops themselves in an object-level run — videos) and, under ``--outliers``, every sample's outlier score."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embedscope.analyze.embedding_metrics import EmbeddingMetrics
from embedscope.analyze.group_coverage import (
    GroupCoverage,
    group_coverage,
    memberships_from_label_sets,
    memberships_from_labels,
)
from embedscope.analyze.outlier_scores import outlier_scores
from embedscope.ingest.samples import LoadedInputs
from embedscope.select.hygiene import HygieneFindings
from embedscope.select.run_sample_data import RunSampleData


@dataclass(frozen=True)
class HygieneAnalysis:
    """analyze → report: the hygiene numbers.

    Attributes:
        group_coverage: group source ("metadata:<column>", "predictions:<task>", "video") → one row per group.
        outlier_scores: (n_input,) float64 mean distance to the k nearest neighbours, under ``--outliers``;
            else None.
    """

    group_coverage: dict[str, list[GroupCoverage]] = field(default_factory=dict)
    outlier_scores: np.ndarray | None = None


def analyze_hygiene(
    samples: LoadedInputs,
    sample_data: RunSampleData,
    findings: HygieneFindings,
    *,
    selected_indices: np.ndarray,
    random_indices: np.ndarray,
    metrics: EmbeddingMetrics,
    seed: int,
) -> HygieneAnalysis:
    """Per-group coverage of the selected and the random subset, and outlier scores under ``--outliers``.

    Args:
        selected_indices, random_indices: (k,) int64 input rows of both subsets.
        metrics: the run's distance metrics (``cover_input`` "selected"/"random" restricted to each group).

    Cost: see :func:`~embedscope.analyze.group_coverage.group_coverage` and
    :func:`~embedscope.analyze.outlier_scores.outlier_scores`.
    """
    scores = outlier_scores(samples.input.vectors, seed=seed) if findings.robust is not None else None
    cover = metrics.cover_input
    if "selected" not in cover or "random" not in cover:
        return HygieneAnalysis(outlier_scores=scores)
    tables = {
        source: group_coverage(
            members, embeddings=samples.input.vectors, selected_indices=selected_indices,
            random_indices=random_indices, cover_selected=cover["selected"], cover_random=cover["random"],
        )
        for source, members in _group_sources(samples, sample_data).items()
        if members
    }
    return HygieneAnalysis(group_coverage=tables, outlier_scores=scores)


def _group_sources(samples: LoadedInputs, sample_data: RunSampleData) -> dict[str, dict[str, np.ndarray]]:
    """Group source → group → (members,) int64 input rows."""
    sources: dict[str, dict[str, np.ndarray]] = {}
    for column, values in sample_data.input.categorical.items():
        sources[f"metadata:{column}"] = memberships_from_labels(list(values))
    for task, predictions in sample_data.input.predictions.items():
        sources[f"predictions:{task}"] = memberships_from_label_sets(predictions.classes)
    folder_predictions = getattr(samples, "predictions", None)
    if folder_predictions is not None and getattr(samples, "crops", None) is None:  # image-level detections
        for task, found in folder_predictions.tasks.items():
            label_sets = [
                tuple(found.categories[o.category_id] for o in found.predictions.get(name, []))
                for name in samples.input.names
            ]
            sources[f"predictions:{task}"] = memberships_from_label_sets(label_sets)
    crops = getattr(samples, "crops", None)
    if crops is not None:  # object-level run: every crop's predicted class is its group
        sources[f"predictions:{crops.task}"] = memberships_from_label_sets(crops.categories_of(samples.input.names))
    videos = getattr(samples, "videos", None)
    if videos is not None:
        frames = videos.frames
        sources["video"] = memberships_from_labels([frames[n].video if n in frames else None for n in samples.input.names])
    return sources
