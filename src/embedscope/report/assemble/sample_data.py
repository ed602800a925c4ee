"""Distributions of metadata, scores and predictions per set, for ``report_v2.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from embedscope.analyze.categorical import categorical_distribution
from embedscope.analyze.sets import DATAPOOL, INPUT, RANDOM, SELECTED, SELECTED_WITH_DATAPOOL
from embedscope.report.build import numeric_distribution
from embedscope.report.model import (
    CategoricalDist,
    CategoricalDistributionPerSet,
    MetadataKeyInformation,
    PredictionTaskInformation,
)
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.sample_data import SampleData

_FIELD = {
    INPUT: "input",
    SELECTED: "selected",
    RANDOM: "random",
    DATAPOOL: "preselected_datapool",
    SELECTED_WITH_DATAPOOL: "selected_with_datapool",
}


def _set_data(data: RunSampleData, *, selected: np.ndarray, random: np.ndarray) -> dict[str, SampleData]:
    sets = {INPUT: data.input, SELECTED: data.input.subset(selected), RANDOM: data.input.subset(random)}
    if data.datapool is not None:
        sets[DATAPOOL] = data.datapool
        sets[SELECTED_WITH_DATAPOOL] = _concat(sets[SELECTED], data.datapool)
    return sets


def _concat(a: SampleData, b: SampleData) -> SampleData:
    return SampleData(
        names=a.names + b.names,
        numeric={k: np.concatenate([v, b.numeric[k]]) for k, v in a.numeric.items() if k in b.numeric},
        categorical={k: np.concatenate([v, b.categorical[k]]) for k, v in a.categorical.items() if k in b.categorical},
        scores={k: np.concatenate([v, b.scores[k]]) for k, v in a.scores.items() if k in b.scores},
        predictions={},
    )


def _categorical(per_set: Mapping[str, Sequence[object]]) -> CategoricalDistributionPerSet:
    categories = sorted({str(c) for values in per_set.values() for c in _flatten(values)})
    return categorical_per_set(per_set, categories=categories)


def categorical_per_set(
    per_set: Mapping[str, Sequence[object]], *, categories: list[str]
) -> CategoricalDistributionPerSet:
    """Counts per category of each set (keyed by the set names of ``analyze.sets``), with
    ``giniImbalance`` and ``normalizedEntropy``; every set lists all ``categories``, zeros included."""
    fields = {}
    for name, values in per_set.items():
        result = categorical_distribution(values, categories=categories)  # type: ignore[arg-type]
        fields[_FIELD[name]] = CategoricalDist(
            counts=result.counts,
            metrics={"giniImbalance": result.gini_imbalance, "normalizedEntropy": result.normalized_entropy},
        )
    return CategoricalDistributionPerSet(**fields)  # type: ignore[arg-type]


def _flatten(values: Sequence[object]) -> list[object]:
    flat: list[object] = []
    for value in values:
        if isinstance(value, (tuple, list)):
            flat.extend(value)
        elif value is not None:
            flat.append(value)
    return flat


def _numeric(per_set: dict[str, np.ndarray]) -> MetadataKeyInformation:
    present = {name: values[~np.isnan(values)] for name, values in per_set.items()}
    return MetadataKeyInformation(type="numeric", numeric_distribution=numeric_distribution(present))


def metadata_information(
    data: RunSampleData, *, selected: np.ndarray, random: np.ndarray
) -> dict[str, MetadataKeyInformation] | None:
    """Metadata column → its distribution per set (categorical counts, or a numeric histogram)."""
    if not data.input.numeric and not data.input.categorical:
        return None
    sets = _set_data(data, selected=selected, random=random)
    info: dict[str, MetadataKeyInformation] = {}
    for key in data.input.categorical:
        per_set = {name: list(d.categorical[key]) for name, d in sets.items() if key in d.categorical}
        info[key] = MetadataKeyInformation(type="categorical", category_distribution=_categorical(per_set))
    for key in data.input.numeric:
        info[key] = _numeric({name: d.numeric[key] for name, d in sets.items() if key in d.numeric})
    return info


def score_information(
    data: RunSampleData, *, selected: np.ndarray, random: np.ndarray
) -> dict[str, MetadataKeyInformation] | None:
    """``"<task>/<score>"`` → numeric distribution per set."""
    if not data.input.scores:
        return None
    sets = _set_data(data, selected=selected, random=random)
    return {
        f"{task}/{score}": _numeric({name: d.scores[(task, score)] for name, d in sets.items() if (task, score) in d.scores})
        for task, score in data.input.scores
    }


def prediction_task_information(
    data: RunSampleData, *, selected: np.ndarray, random: np.ndarray
) -> dict[str, PredictionTaskInformation]:
    """Task → category distribution of its predicted classes per set (objects counted for detection tasks)."""
    tasks: dict[str, PredictionTaskInformation] = {}
    for task, predictions in data.input.predictions.items():
        per_set: dict[str, Sequence[object]] = {
            INPUT: predictions.classes,
            SELECTED: [predictions.classes[int(i)] for i in selected],
            RANDOM: [predictions.classes[int(i)] for i in random],
        }
        if data.datapool is not None and task in data.datapool.predictions:
            pool = data.datapool.predictions[task].classes
            per_set[DATAPOOL] = pool
            per_set[SELECTED_WITH_DATAPOOL] = list(per_set[SELECTED]) + list(pool)
        distribution = _categorical(per_set)
        categories = sorted(distribution.input.counts) if distribution.input is not None else []
        tasks[task] = PredictionTaskInformation(
            task_type="OBJECT_DETECTION" if predictions.object_level else "CLASSIFICATION",
            category_id_to_name={str(i): name for i, name in enumerate(categories)},
            category_distribution=distribution,
        )
    return tasks
