"""PREDICTIONS ``CATEGORY_COUNT`` (objects per sample, of ``categories`` only) as a THRESHOLD/WEIGHTS number,
and ``categories`` limiting a BALANCE's classes (LightlyOne v4 keys), against counts taken by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.select.combined import select_with_config
from embedscope.select.config import SelectionConfig
from embedscope.select.config_file import load_selection_config
from embedscope.select.sample_data import SampleData, TaskPredictions, class_membership, numeric_input

N = 50
CLASSES = ("car", "person", "bike")


def _data(rng: np.random.Generator) -> tuple[SampleData, list[tuple[str, ...]]]:
    objects = [tuple(rng.choice(CLASSES, size=int(rng.integers(0, 5)))) for _ in range(N)]
    data = SampleData(names=[f"s{i}" for i in range(N)], numeric={}, categorical={}, scores={},
                      predictions={"det": TaskPredictions(classes=objects, object_level=True)},
                      sources={"predictions": Path("predictions.csv")})
    return data, objects


def test_category_count_threshold_keeps_samples_with_enough_listed_objects(rng: np.random.Generator) -> None:
    data, objects = _data(rng)
    count = {"type": "PREDICTIONS", "task": "det", "name": "CATEGORY_COUNT", "categories": ["car", "bike"]}
    config = SelectionConfig.model_validate({"strategies": [
        {"input": count, "strategy": {"type": "THRESHOLD", "threshold": 2, "operation": "BIGGER_EQUAL"}},
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
    ]})
    by_hand = np.array([sum(label in ("car", "bike") for label in row) for row in objects], dtype=float)
    assert numeric_input(data, config.strategies[0].input, where="t").tolist() == by_hand.tolist()
    points = rng.normal(size=(N, 4)).astype(np.float32)
    outcome = select_with_config(points, config=config, n_samples=N, sample_data=data, names=data.names)
    assert sorted(outcome.indices.tolist()) == np.flatnonzero(by_hand >= 2).tolist()


def test_categories_limit_a_balance_to_the_listed_classes(rng: np.random.Generator) -> None:
    data, objects = _data(rng)
    source = SelectionConfig.model_validate({"strategies": [{"input": {
        "type": "PREDICTIONS", "task": "det", "categories": ["person"]}, "strategy": {"type": "BALANCE",
        "distribution": "UNIFORM"}}]}).strategies[0].input
    membership = class_membership(data, source, where="t")
    assert membership.categories == ["person"]
    assert np.asarray(membership.counts.sum(axis=1)).ravel().tolist() == [row.count("person") for row in objects]


def test_wrong_prediction_name_for_the_strategy_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text("n_samples: 3\nstrategies:\n  - input: {type: PREDICTIONS, task: det}\n"
                    "    strategy: {type: WEIGHTS}\n")
    with pytest.raises(InputFileError, match=r"strategies\[0\]\.input\.name: WEIGHTS needs PREDICTIONS with name "
                       "CATEGORY_COUNT, got CLASS_DISTRIBUTION"):
        load_selection_config(path)
