"""Per-sample metadata, scores and predictions, aligned row by row with the input samples.

Built from the records of ``--metadata``, ``--scores`` and ``--predictions`` files
(:mod:`embedscope.io.sample_data_files`); selection strategies read their inputs from here.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from embedscope.errors import ConfigError, InputFileError
from embedscope.io.name_matching import NameIndex
from embedscope.io.sample_data_files import MetadataRecords, PredictionRecords, ScoreRecords
from embedscope.select.config import MetadataInput, PredictionsInput, ScoresInput

logger = logging.getLogger(__name__)

SHOWN_NAMES = 3
"""Filenames quoted in an error message; enough to spot a pattern without flooding the line."""


@dataclass(frozen=True)
class TaskPredictions:
    """One prediction task's classes per sample.

    Attributes:
        classes: (n,) per sample, the class of each of its objects (one entry for classification; empty
            when the sample has no prediction or no objects).
        object_level: True when some sample has more than one object (a detection task).
    """

    classes: list[tuple[str, ...]]
    object_level: bool


@dataclass(frozen=True)
class ClassMembership:
    """How many objects of each class every sample holds (the input of a BALANCE strategy).

    Attributes:
        categories: (K,) class names, sorted.
        counts: (n, K) float64 CSR matrix of object counts (a single 1 per row for one-class samples;
            an empty row for a sample without class).
        single_label: True when every row holds at most one object.
    """

    categories: list[str]
    counts: sp.csr_matrix
    single_label: bool

    def labels(self) -> np.ndarray:
        """(n,) int64 class index per sample, -1 for none; only meaningful when ``single_label``."""
        labels = np.full(self.counts.shape[0], -1, dtype=np.int64)
        rows = np.flatnonzero(np.diff(self.counts.indptr))
        labels[rows] = self.counts.indices[self.counts.indptr[rows]]
        return labels


@dataclass(frozen=True)
class SampleData:
    """Metadata, scores and predictions of n samples, in the order of ``names``.

    Attributes:
        names: (n,) the samples' filenames.
        numeric: metadata column → (n,) float64, NaN where missing.
        categorical: metadata column → (n,) object array of str, None where missing.
        scores: (task, score name) → (n,) float64, NaN where missing.
        predictions: task → :class:`TaskPredictions`.
        sources: ``"metadata"`` / ``"scores"`` / ``"predictions"`` → the file each came from.
    """

    names: list[str]
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    categorical: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    predictions: dict[str, TaskPredictions] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, indices: np.ndarray) -> SampleData:
        """The rows ``indices`` (in that order), e.g. the selected samples."""
        rows = np.asarray(indices, dtype=np.int64)
        return SampleData(
            names=[self.names[int(i)] for i in rows],
            numeric={key: values[rows] for key, values in self.numeric.items()},
            categorical={key: values[rows] for key, values in self.categorical.items()},
            scores={key: values[rows] for key, values in self.scores.items()},
            predictions={
                task: TaskPredictions(classes=[p.classes[int(i)] for i in rows], object_level=p.object_level)
                for task, p in self.predictions.items()
            },
            sources=dict(self.sources),
        )

    def category_values(self, key: str) -> list[str | None]:
        """Metadata column ``key`` as categories: text, or integer-valued numbers as text; None if missing.

        Raises:
            KeyError: no such column.  ValueError: a numeric column with non-integer values.
        """
        if key in self.categorical:
            return list(self.categorical[key])
        values = self.numeric[key]
        present = ~np.isnan(values)
        if not np.all(values[present] == np.round(values[present])):
            raise ValueError(f"metadata column '{key}' holds non-integer numbers, not categories")
        return [str(int(v)) if ok else None for v, ok in zip(values, present, strict=True)]


def align_sample_data(
    names: Sequence[str],
    *,
    metadata: MetadataRecords | None = None,
    scores: ScoreRecords | None = None,
    predictions: PredictionRecords | None = None,
    known_names: Collection[str] | None = None,
) -> SampleData:
    """Arrange the records of the given files in the order of ``names``.

    Args:
        names: (n,) the samples to describe (e.g. the input, or the datapool).
        metadata, scores, predictions: records read from the files, or None.
        known_names: every filename a file may mention (default: ``names``); e.g. input ∪ datapool,
            so that one metadata file can describe both. Rows of known names outside ``names`` are skipped.

    Raises:
        InputFileError: a file mentions filenames that are not known (quotes a few).
    """
    row_of = NameIndex(names)
    known = row_of if known_names is None else NameIndex(known_names)
    data = SampleData(names=list(names))
    if metadata is not None:
        _check_known(metadata.source, metadata.names, known)
        _add_metadata(data, metadata, row_of)
    if scores is not None:
        _check_known(scores.source, scores.filenames(), known)
        _add_scores(data, scores, row_of)
    if predictions is not None:
        _check_known(predictions.source, predictions.filenames(), known)
        _add_predictions(data, predictions, row_of)
    return data


def _add_metadata(data: SampleData, metadata: MetadataRecords, row_of: Mapping[str, int]) -> None:
    n = len(data.names)
    take = np.array([row_of.get(name, -1) for name in metadata.names], dtype=np.int64)
    inside = take >= 0
    for key, values in metadata.numeric.items():
        column = np.full(n, np.nan)
        column[take[inside]] = values[inside]
        data.numeric[key] = column
    for key, texts in metadata.categorical.items():
        categories = np.full(n, None, dtype=object)
        categories[take[inside]] = texts[inside]
        data.categorical[key] = categories
    data.sources["metadata"] = metadata.source


def _add_scores(data: SampleData, scores: ScoreRecords, row_of: Mapping[str, int]) -> None:
    for key, per_name in scores.values.items():
        column = np.full(len(data.names), np.nan)
        for name, value in per_name.items():
            if name in row_of:
                column[row_of[name]] = value
        data.scores[key] = column
    data.sources["scores"] = scores.source


def _add_predictions(data: SampleData, predictions: PredictionRecords, row_of: Mapping[str, int]) -> None:
    for task, per_name in predictions.classes.items():
        classes: list[tuple[str, ...]] = [()] * len(data.names)
        for name, objects in per_name.items():
            if name in row_of:
                classes[row_of[name]] = tuple(objects)
        object_level = any(len(objects) > 1 for objects in per_name.values())
        data.predictions[task] = TaskPredictions(classes=classes, object_level=object_level)
    data.sources["predictions"] = predictions.source


def _check_known(source: Path, mentioned: Collection[str], known: Mapping[str, int]) -> None:
    unknown = sorted(name for name in mentioned if name not in known)
    if unknown:
        shown = ", ".join(f"'{name}'" for name in unknown[:SHOWN_NAMES])
        more = f" and {len(unknown) - SHOWN_NAMES} more" if len(unknown) > SHOWN_NAMES else ""
        raise InputFileError(
            source,
            f"{len(unknown)} filename(s) are not in the input: {shown}{more}; every row must name an input sample",
        )


# ---- strategy inputs ------------------------------------------------------------------------------------


def numeric_input(
    data: SampleData, source: ScoresInput | MetadataInput | PredictionsInput, *, where: str
) -> np.ndarray:
    """(n,) float64 values (NaN where missing) of a SCORES, numeric METADATA or PREDICTIONS ``CATEGORY_COUNT``
    input (each sample's number of objects, of ``categories`` only when given).

    Args:
        where: the entry's location for messages, e.g. ``"cfg.yaml: strategies[1]"``.

    Raises:
        ConfigError: the file was not given, the column/score does not exist, or the column is categorical.
    """
    if isinstance(source, PredictionsInput):
        counts = class_membership(data, source, where=where).counts
        return np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
    if isinstance(source, ScoresInput):
        if "scores" not in data.sources:
            raise ConfigError(
                f"{where}.input: SCORES input needs a --scores file (filename,task,score,value)"
            )
        key = (source.task, source.score)
        if key not in data.scores:
            have = ", ".join(f"{task}/{score}" for task, score in sorted(data.scores)) or "none"
            raise ConfigError(
                f"{where}.input: {data.sources['scores']} has no score '{source.score}' for task "
                f"'{source.task}' (task/score pairs: {have})"
            )
        return data.scores[key]
    _require_metadata_key(data, source, where=where)
    if source.key not in data.numeric:
        raise ConfigError(
            f"{where}.input.key: metadata column '{source.key}' is categorical; this strategy needs numbers"
        )
    return data.numeric[source.key]


def class_membership(
    data: SampleData, source: MetadataInput | PredictionsInput, *, where: str
) -> ClassMembership:
    """Object counts per class of a categorical METADATA or a PREDICTIONS input.

    Raises:
        ConfigError: the file was not given, the column/task does not exist, or a numeric column holds
            non-integer values.
    """
    if isinstance(source, PredictionsInput):
        if "predictions" not in data.sources:
            raise ConfigError(
                f"{where}.input: PREDICTIONS input needs a --predictions file (filename,task,class)"
            )
        if source.task not in data.predictions:
            have = ", ".join(sorted(data.predictions)) or "none"
            raise ConfigError(
                f"{where}.input.task: {data.sources['predictions']} has no task '{source.task}' (tasks: {have})"
            )
        classes = data.predictions[source.task].classes
        if source.categories is not None:
            wanted = set(source.categories)
            classes = [tuple(label for label in objects if label in wanted) for objects in classes]
        return _membership(classes)
    _require_metadata_key(data, source, where=where)
    try:
        values = data.category_values(source.key)
    except ValueError:
        raise ConfigError(
            f"{where}.input.key: metadata column '{source.key}' holds non-integer numbers; BALANCE needs "
            "categories (text or whole numbers)"
        ) from None
    return _membership([() if value is None else (value,) for value in values])


def _require_metadata_key(data: SampleData, source: MetadataInput, *, where: str) -> None:
    if "metadata" not in data.sources:
        raise ConfigError(f"{where}.input: METADATA input needs a --metadata file (filename plus columns)")
    if source.key not in data.numeric and source.key not in data.categorical:
        have = ", ".join(sorted([*data.numeric, *data.categorical])) or "none"
        raise ConfigError(
            f"{where}.input.key: {data.sources['metadata']} has no column '{source.key}' (columns: {have})"
        )


def _membership(classes: Sequence[tuple[str, ...]]) -> ClassMembership:
    categories = sorted({label for objects in classes for label in objects})
    column_of = {name: column for column, name in enumerate(categories)}
    indptr = np.zeros(len(classes) + 1, dtype=np.int64)
    np.cumsum([len(objects) for objects in classes], out=indptr[1:])
    indices = np.fromiter(
        (column_of[label] for objects in classes for label in objects), dtype=np.int64, count=int(indptr[-1])
    )
    counts = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(len(classes), len(categories)))
    counts.sum_duplicates()
    single_label = bool(np.all(np.diff(indptr) <= 1))
    return ClassMembership(categories=categories, counts=counts, single_label=single_label)
