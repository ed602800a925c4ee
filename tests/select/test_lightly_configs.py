"""Selection and worker configs as LightlyOne's own client writes them (lightly 1.5.26's generated models and
``selection_config_from_dict``) are read with the same meaning; cloud-only worker keys are refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import ConfigError, InputFileError
from embedscope.run_parameters import RunParameters
from embedscope.select.combined import select_with_config
from embedscope.select.config import SelectionConfig, config_sample_request
from embedscope.select.config_file import load_selection_config
from embedscope.select.sample_data import SampleData
from embedscope.select.worker_config import apply_worker_config, run_selection_config
from tests.report.lightly_models import lightly_models

DOCS_STYLE = {  # as LightlyOne's docs write it (snake_case), passed through its client's parser
    "proportion_samples": 0.2,
    "strategies": [
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY", "stopping_condition_minimum_distance": 0.1}},
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "TYPICALITY", "num_nearest_neighbors": 7}},
        {"input": {"type": "RANDOM", "random_seed": 42}, "strategy": {"type": "WEIGHTS", "strength": 0.5}},
        {"input": {"type": "SCORES", "task": "det", "score": "uncertainty_entropy"},
         "strategy": {"type": "THRESHOLD", "threshold": 0.3, "operation": "BIGGER_EQUAL", "strength": 1.0}},
    ],
    "auto_tasks": [],
}


def _client_dict(raw: dict[str, object]) -> dict[str, object]:
    from lightly.api.api_workflow_compute_worker import selection_config_from_dict

    lightly_models()  # sets lightly's offline switch before lightly.api is imported
    return selection_config_from_dict(raw).to_dict(by_alias=True)


def test_wire_form_from_lightlys_client_is_read_with_the_same_values(tmp_path: Path) -> None:
    wire = _client_dict(DOCS_STYLE)
    assert "proportionSamples" in wire and "autoTasks" in wire  # what the client sends: camelCase aliases
    path = tmp_path / "wire.json"
    path.write_text(json.dumps(wire))
    config = load_selection_config(path)
    reference = lightly_models().SelectionConfigV4.from_dict(wire)  # lightly's own reading of the same dict
    assert config.proportion_samples == reference.proportion_samples == 0.2
    assert config.strategies[0].strategy.stopping_condition_minimum_distance == pytest.approx(
        reference.strategies[0].strategy.stopping_condition_minimum_distance)
    assert config.strategies[1].strategy.num_nearest_neighbors == reference.strategies[1].strategy.num_nearest_neighbors == 7
    assert config.strategies[2].input.random_seed == reference.strategies[2].input.random_seed == 42
    assert config.strategies[3].strategy.operation.value == reference.strategies[3].strategy.operation == "BIGGER_EQUAL"
    assert config.auto_tasks == [] and reference.auto_tasks == []
    snake = tmp_path / "snake.yaml"
    snake.write_text(json.dumps(DOCS_STYLE))
    assert load_selection_config(snake).model_dump() == config.model_dump()


def test_n_samples_minus_one_selects_every_sample_that_passes_the_stopping_conditions() -> None:
    config = SelectionConfig.model_validate(
        {"nSamples": -1, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}
    )
    assert config_sample_request(config, cli_n_samples=None, cli_proportion=None) == (None, 1.0)


def test_strength_on_threshold_has_no_effect(rng: np.random.Generator) -> None:
    points = rng.normal(size=(60, 4)).astype(np.float32)
    names = [f"s{i}" for i in range(60)]
    data = SampleData(names=names, numeric={}, categorical={}, scores={("t", "s"): rng.uniform(size=60)},
                      predictions={}, sources={"scores": Path("scores.csv")})

    def picks(strength: float | None) -> list[int]:
        threshold = {"type": "THRESHOLD", "threshold": 0.4, "operation": "BIGGER"}
        if strength is not None:
            threshold["strength"] = strength
        config = SelectionConfig.model_validate({"strategies": [
            {"input": {"type": "SCORES", "task": "t", "score": "s"}, "strategy": threshold},
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
        ]})
        return select_with_config(points, config=config, n_samples=10, sample_data=data, names=names).indices.tolist()

    assert picks(None) == picks(5.0) == picks(0.0)


def _worker_file(tmp_path: Path, worker: dict[str, object], selection: dict[str, object] | None = None) -> Path:
    path = tmp_path / "worker.json"
    path.write_text(json.dumps({"worker_config": worker, "selection_config": selection or DOCS_STYLE}))
    return path


def test_worker_config_maps_the_offline_keys(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    path = _worker_file(tmp_path, {
        "normalizeEmbeddings": False,
        "relevant_filenames_file": ".lightly/relevant_filenames.txt",
        "object_level": {"task_name": "vehicles"},
        "corruptness_check": {"corruption_threshold": 0.1},
        "datasource": {"process_all": True},
        "shutdown_when_job_finished": False,
        "selected_sequence_length": 1,
    })
    params = apply_worker_config(RunParameters(input_path=folder, out_dir=tmp_path / "out"), path)
    assert params.normalize is False
    assert params.relevant_filenames_path == folder / ".lightly/relevant_filenames.txt"
    assert params.object_level_task == "vehicles"
    selection = run_selection_config(params)
    assert selection is not None and selection.model_dump() == SelectionConfig.model_validate(DOCS_STYLE).model_dump()


@pytest.mark.parametrize(
    ("worker", "named"),
    [
        ({"upload_report": True}, "upload_report"),
        ({"uploadReport": True}, "uploadReport"),  # named as the file wrote it
        ({"pretagging": True, "enableTraining": True}, "enableTraining, pretagging"),
        ({"datasource": {"inputExpiration": {"minDaysToExpiration": 1}}}, "datasource.inputExpiration"),
        ({"pretagging": True, "enable_training": True}, "enable_training, pretagging"),
        ({"datasource": {"input_expiration": {"min_days_to_expiration": 1, "handling_strategy": "SKIP"}}},
         "datasource.input_expiration"),
    ],
)
def test_cloud_only_worker_keys_are_refused_by_name(tmp_path: Path, worker: dict[str, object], named: str) -> None:
    path = _worker_file(tmp_path, worker)
    with pytest.raises(ConfigError, match=rf"worker\.json: worker_config: {named}: only LightlyOne's platform"):
        apply_worker_config(RunParameters(input_path=tmp_path, out_dir=tmp_path / "out"), path)


def test_unknown_worker_key_and_sequence_length_are_named(tmp_path: Path) -> None:
    params = RunParameters(input_path=tmp_path, out_dir=tmp_path / "out")
    with pytest.raises(InputFileError, match="worker_config: unknown key 'normalise_embeddings'"):
        apply_worker_config(params, _worker_file(tmp_path, {"normalise_embeddings": True}))
    with pytest.raises(ConfigError, match="selected_sequence_length: expected a whole number >= 1, got 0"):
        apply_worker_config(params, _worker_file(tmp_path, {"selected_sequence_length": 0}))
    assert apply_worker_config(params, _worker_file(tmp_path, {"selectedSequenceLength": 3})).selected_sequence_length == 3


def test_unknown_camel_case_keys_are_named_as_written(tmp_path: Path) -> None:
    params = RunParameters(input_path=tmp_path, out_dir=tmp_path / "out")
    with pytest.raises(InputFileError, match="worker_config: unknown key 'fooBar'"):
        apply_worker_config(params, _worker_file(tmp_path, {"fooBar": 1}))
    with pytest.raises(InputFileError, match=r"selection_config\.fooBar: unknown key"):
        apply_worker_config(params, _worker_file(tmp_path, {}, {**DOCS_STYLE, "fooBar": 1}))
    config = tmp_path / "selection.json"
    config.write_text(json.dumps({"nSamples": 5, "strategies": [
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY", "stoppingConditionMinimumDistanze": 1}}]}))
    with pytest.raises(InputFileError, match="stoppingConditionMinimumDistanze: unknown key") as error:
        load_selection_config(config)
    assert "stopping_condition_minimum_distanze" not in str(error.value)
