"""The :class:`SampleMap` of a run: every input and datapool sample with the per-sample values the run has
(folder, distances, metadata, scores, predicted classes) as colour-by columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from embedscope.report.sample_map import (
    MapColumn,
    SampleMap,
    categorical_column,
    continuous_column,
    folder_column,
    padded,
    set_codes,
)
from embedscope.select.sample_data import SampleData


def _stacked(input_values: np.ndarray, datapool_values: np.ndarray | None, n_datapool: int, fill: object) -> np.ndarray:
    tail = datapool_values if datapool_values is not None else np.full(n_datapool, fill, dtype=object)
    return np.concatenate([np.asarray(input_values, dtype=object), np.asarray(tail, dtype=object)])


def _main_class(classes: tuple[str, ...]) -> str | None:
    """The class of a classified sample; the most frequent class of a detection's objects (ties: by name)."""
    if not classes:
        return None
    counts = Counter(classes)
    return min(counts, key=lambda c: (-counts[c], c))


def sample_data_columns(data: SampleData, datapool: SampleData | None, *, n_datapool: int) -> list[MapColumn]:
    """Colour-by columns of the run's metadata (numeric and categorical), scores and predicted classes.

    ``data`` holds the input rows, ``datapool`` the datapool rows (missing there when None).
    """
    pool = datapool
    columns: list[MapColumn] = []
    for key, values in data.categorical.items():
        other = pool.categorical.get(key) if pool is not None else None
        columns.append(categorical_column(f"metadata: {key}", list(_stacked(values, other, n_datapool, None))))
    for key, values in data.numeric.items():
        other = pool.numeric.get(key) if pool is not None else None
        stacked = _stacked(values, other, n_datapool, np.nan).astype(np.float64)
        columns.append(continuous_column(f"metadata: {key}", stacked))
    for (task, score), values in data.scores.items():
        other = pool.scores.get((task, score)) if pool is not None else None
        stacked = _stacked(values, other, n_datapool, np.nan).astype(np.float64)
        columns.append(continuous_column(f"score: {task} {score}", stacked))
    for task, predictions in data.predictions.items():
        other_task = pool.predictions.get(task) if pool is not None else None
        pool_classes = other_task.classes if other_task is not None else [()] * n_datapool
        label = f"prediction: {task}" + (" (most frequent object class)" if predictions.object_level else "")
        columns.append(categorical_column(label, [_main_class(c) for c in [*predictions.classes, *pool_classes]]))
    return columns


def run_sample_map(
    names: Sequence[str],
    datapool_names: Sequence[str],
    *,
    selected: np.ndarray,
    random: np.ndarray | None,
    projections: Mapping[str, np.ndarray],
    cover_distance: np.ndarray | None = None,
    nearest_neighbor_distance: np.ndarray | None = None,
    sample_data: tuple[SampleData, SampleData | None] | None = None,
    extra_columns: Sequence[MapColumn] = (),
    vectors: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> SampleMap:
    """Every sample of a run for the map of ``report.html``.

    Args:
        names: (n_input,) input names; ``datapool_names``: (n_datapool,).
        selected, random: int rows of the input in the selection and in the report's random subset.
        projections: label → (n_input + n_datapool, 2) coordinates (input rows, then datapool rows).
        cover_distance: (n_input,) each input sample's distance to the selection (with datapool).
        nearest_neighbor_distance: (n_input,) each input sample's distance to its nearest other input sample.
        sample_data: the input's and the datapool's metadata, scores and predictions.
        extra_columns: further (n_input + n_datapool,) columns (e.g. near-duplicate groups, outlier flags).
        vectors, labels: (n_input, dim) float32 embeddings and (n_input,) int labels of the input rows, as in
            ``data/embeddings.csv`` (the page exports them as a Lightly CSV); None: no embeddings in the page.

    Raises:
        ValueError: a projection or column whose length is not n_input + n_datapool (a programming error).
    """
    n_input, n_datapool = len(names), len(datapool_names)
    n = n_input + n_datapool
    all_names = [*names, *datapool_names]
    columns: list[MapColumn] = []
    if (folders := folder_column(all_names)) is not None:
        columns.append(folders)
    if cover_distance is not None:
        columns.append(continuous_column("distance to cover (selected)", padded(cover_distance, n)))
    if nearest_neighbor_distance is not None:
        columns.append(continuous_column("distance to nearest neighbour in input", padded(nearest_neighbor_distance, n)))
    if sample_data is not None:
        columns.extend(sample_data_columns(sample_data[0], sample_data[1], n_datapool=n_datapool))
    columns.extend(extra_columns)
    columns = [column for column in columns if column.varies]  # a constant column colours nothing
    for label, values in [*((k, v) for k, v in projections.items()), *((c.label, c.values) for c in columns)]:
        if len(values) != n:
            raise ValueError(f"map column {label!r} has {len(values)} rows; expected {n} (input + datapool)")
    return SampleMap(
        names=all_names,
        set_codes=set_codes(n_input, selected=selected, random=random, n_datapool=n_datapool),
        projections={k: np.asarray(v, dtype=np.float32) for k, v in projections.items()},
        columns=columns,
        n_input_total=n_input,
        vectors=None if vectors is None else np.asarray(vectors, dtype=np.float32),
        labels=None if labels is None else np.asarray(labels, dtype=np.int64),
    )
