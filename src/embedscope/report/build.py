"""Assemble the :class:`ReportV2` model from the analysis results (plain data in, model out)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from embedscope.analyze.distribution import DEFAULT_BINS, SharedHistogram, shared_histogram
from embedscope.analyze.scatter import ScatterInput
from embedscope.analyze.sets import SET_ORDER
from embedscope.neighbors.result import NearestNeighbors, SearchMethod
from embedscope.report.model import (
    Dist,
    DistMetrics,
    EmbeddingData2D,
    ExampleImage,
    NeighborSearchInfo,
    NumericDistributionPerSet,
    ProjectionInfo,
)

_FIELD_OF_SET = {
    "input": "input",
    "selected": "selected",
    "random": "random",
    "preselectedDatapool": "preselected_datapool",
    "selectedWithDatapool": "selected_with_datapool",
}


def numeric_distribution(
    values_per_set: Mapping[str, np.ndarray],
    *,
    bins: int = DEFAULT_BINS,
    absent: Mapping[str, str] | None = None,
    search: Mapping[str, NearestNeighbors | SearchMethod] | None = None,
) -> NumericDistributionPerSet:
    """Histogram every set on shared bins and fill a :class:`NumericDistributionPerSet`.

    Args:
        values_per_set: REPORT_V2 set name → 1-D values; empty sets are listed as absent.
        search: set name → how its values were found (method, recall), written as ``embedscopeNeighborSearch``.
    """
    present = {name: v for name, v in values_per_set.items() if len(v) > 0}
    absent_sets = dict(absent or {})
    absent_sets.update({name: "the set is empty" for name, v in values_per_set.items() if len(v) == 0})
    fields: dict[str, object] = {}
    if present:
        histogram: SharedHistogram = shared_histogram(present, bins=bins)
        value_range = histogram.value_range
        for name in SET_ORDER:
            if name in present:
                summary = histogram.summaries[name]
                fields[_FIELD_OF_SET[name]] = Dist(
                    counts=[int(c) for c in histogram.counts[name]],
                    metrics=DistMetrics(
                        mean=summary.mean, std=summary.std, min=summary.min, median=summary.median, max=summary.max
                    ),
                )
    else:
        value_range = (0.0, 1.0)
    neighbor_search = {
        name: NeighborSearchInfo(
            method=result.method, recall=result.recall, recall_sample_size=result.recall_sample_size
        )
        for name, result in (search or {}).items()
    }
    return NumericDistributionPerSet(
        bins=bins,
        range=value_range,
        absent_sets=absent_sets,
        neighbor_search=neighbor_search,
        **fields,  # type: ignore[arg-type]
    )


def _pairs(xy: np.ndarray) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in np.asarray(xy, dtype=np.float64).round(5)]


def embedding_data_2d(scatter: ScatterInput) -> EmbeddingData2D:
    """The ``EmbeddingData2D`` of one projection."""
    return EmbeddingData2D(
        input2d_embeddings=_pairs(scatter.input_xy),
        selected_excluding_datapool2d_embeddings=_pairs(scatter.selected_xy),
        datapool2d_embeddings=_pairs(scatter.datapool_xy) if scatter.datapool_xy is not None else None,
        example_images=[ExampleImage(location=(float(x), float(y)), filename=name) for name, (x, y) in scatter.examples],
        projection=ProjectionInfo(
            method=scatter.method,
            fit_sample_size=scatter.fit_sample_size,
            n_input_total=scatter.n_input_total,
            n_input_listed=len(scatter.input_xy),
        ),
    )
