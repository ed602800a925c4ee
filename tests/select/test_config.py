"""Selection configuration: parsing .json/.yaml, and one-line messages for every kind of mistake."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedscope.errors import ConfigError, InputFileError
from embedscope.select.config import (
    BalanceDistribution,
    BalanceStrategy,
    DiversityStrategy,
    EmbeddingsInput,
    RandomInput,
    SelectionConfig,
    ThresholdOperation,
    ThresholdStrategy,
    TypicalityStrategy,
    config_sample_request,
)
from embedscope.select.config_file import load_selection_config

FULL: dict[str, Any] = {
    "n_samples": 500,
    "strategies": [
        {
            "input": {"type": "EMBEDDINGS"},
            "strategy": {"type": "DIVERSITY", "stopping_condition_minimum_distance": 0.2, "strength": 1.0},
        },
        {
            "input": {"type": "SCORES", "task": "my_task", "score": "uncertainty_entropy"},
            "strategy": {"type": "WEIGHTS", "strength": 0.5},
        },
        {
            "input": {"type": "METADATA", "key": "weather"},
            "strategy": {"type": "BALANCE", "target": {"sunny": 0.3, "rainy": 0.7}},
        },
        {
            "input": {"type": "METADATA", "key": "lightly.sharpness"},
            "strategy": {"type": "THRESHOLD", "threshold": 20, "operation": "BIGGER_EQUAL"},
        },
        {"input": {"type": "EMBEDDINGS", "query": "query_names.txt"}, "strategy": {"type": "SIMILARITY"}},
        {
            "input": {"type": "EMBEDDINGS"},
            "strategy": {
                "type": "TYPICALITY",
                "num_nearest_neighbors": 20,
                "stopping_condition_minimum_typicality": 0.1,
            },
        },
        {
            "input": {"type": "PREDICTIONS", "task": "my_task", "name": "CLASS_DISTRIBUTION"},
            "strategy": {"type": "BALANCE", "distribution": "UNIFORM"},
        },
        {"input": {"type": "RANDOM", "random_seed": 42}, "strategy": {"type": "WEIGHTS"}},
    ],
}


def _write(tmp_path: Path, data: Any, name: str = "cfg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data), encoding="utf-8")
    return path


def _edited(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(FULL)
    edit(data)
    return data


def test_full_yaml_config_parses_every_field(tmp_path: Path) -> None:
    config = load_selection_config(_write(tmp_path, FULL))
    assert config.n_samples == 500 and config.proportion_samples is None
    assert config.source == tmp_path / "cfg.yaml"
    diversity, weights, balance, threshold, similarity, typical, predictions, random = (
        e.strategy for e in config.strategies
    )
    assert isinstance(diversity, DiversityStrategy) and diversity.stopping_condition_minimum_distance == 0.2
    assert weights.strength == 0.5
    assert isinstance(balance, BalanceStrategy) and balance.target == {"sunny": 0.3, "rainy": 0.7}
    assert balance.effective_distribution is BalanceDistribution.TARGET
    assert isinstance(threshold, ThresholdStrategy)
    assert threshold.operation is ThresholdOperation.BIGGER_EQUAL and threshold.threshold == 20.0
    assert isinstance(typical, TypicalityStrategy) and typical.num_nearest_neighbors == 20
    assert isinstance(predictions, BalanceStrategy)
    assert predictions.effective_distribution is BalanceDistribution.UNIFORM
    assert similarity.strength == 1.0 and random.strength == 1.0
    assert (
        isinstance(config.strategies[7].input, RandomInput) and config.strategies[7].input.random_seed == 42
    )
    assert config.query_files() == ["query_names.txt"]
    assert config.strategy_summary()[3] == "THRESHOLD on METADATA lightly.sharpness: BIGGER_EQUAL 20"
    assert config.strategy_summary()[1] == "WEIGHTS on SCORES my_task/uncertainty_entropy (strength 0.5)"


@pytest.mark.parametrize("name", ["cfg.json", "cfg.yml"])
def test_json_and_yml_give_the_same_config(tmp_path: Path, name: str) -> None:
    other = load_selection_config(_write(tmp_path, FULL, name))
    assert other.model_dump() == load_selection_config(_write(tmp_path, FULL)).model_dump()


def test_defaults_and_integer_target_keys(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(
        "proportion_samples: 0.25\n"
        "strategies:\n"
        "  - {input: {type: EMBEDDINGS}, strategy: {type: TYPICALITY}}\n"
        "  - {input: {type: METADATA, key: location_id}, strategy: {type: BALANCE, target: {1: 0.5}}}\n",
        encoding="utf-8",
    )
    config = load_selection_config(path)
    typical, balance = (e.strategy for e in config.strategies)
    assert isinstance(typical, TypicalityStrategy)
    assert typical.num_nearest_neighbors == 20 and typical.strength == 1.0
    assert typical.stopping_condition_minimum_typicality is None
    assert isinstance(balance, BalanceStrategy) and balance.target == {"1": 0.5}
    assert config.proportion_samples == 0.25 and config.n_samples is None


BAD_CONFIGS = [
    (
        lambda d: d["strategies"][1]["strategy"].update(type="FOO"),
        (
            r"cfg\.yaml: strategies\[1\]\.strategy\.type: unknown 'FOO'; allowed: DIVERSITY, WEIGHTS, THRESHOLD, "
            r"BALANCE, SIMILARITY, TYPICALITY$"
        ),
    ),
    (
        lambda d: d["strategies"][2]["input"].update(type="IMAGES"),
        r"strategies\[2\]\.input\.type: unknown 'IMAGES'; allowed: EMBEDDINGS, SCORES, METADATA, PREDICTIONS, RANDOM",
    ),
    (
        lambda d: d["strategies"][1]["strategy"].pop("type"),
        r"strategies\[1\]\.strategy\.type: missing; allowed: DIV",
    ),
    (
        lambda d: d["strategies"][0]["strategy"].update(stopping_distance=0.1),
        (
            r"strategies\[0\]\.strategy\.stopping_distance: unknown key; allowed keys: type, strength, "
            r"stopping_condition_minimum_distance"
        ),
    ),
    (
        lambda d: d.update(n_sample=3),
        r"cfg\.yaml: n_sample: unknown key; allowed keys: n_samples, proportion_samples",
    ),
    (
        lambda d: d["strategies"][3]["strategy"].update(strength=2),
        r"strategies\[3\]\.strategy\.strength: unknown key; allowed keys: type, threshold, operation",
    ),
    (
        lambda d: d["strategies"][3]["strategy"].update(operation="GREATER"),
        (
            r"strategies\[3\]\.strategy\.operation: unknown 'GREATER'; allowed: SMALLER, SMALLER_EQUAL, BIGGER, "
            r"BIGGER_EQUAL"
        ),
    ),
    (
        lambda d: d["strategies"][6]["strategy"].update(distribution="EVEN"),
        r"strategies\[6\]\.strategy\.distribution: unknown 'EVEN'; allowed: UNIFORM, INPUT, TARGET",
    ),
    (
        lambda d: d["strategies"][6]["input"].update(name="COUNTS"),
        r"strategies\[6\]\.input\.name: unknown 'COUNTS'; allowed: CLASS_DISTRIBUTION",
    ),
    (
        lambda d: d["strategies"][3].update(input={"type": "EMBEDDINGS"}),
        r"strategies\[3\]\.input\.type: THRESHOLD needs a numeric input \(SCORES or METADATA\), got EMBEDDINGS",
    ),
    (
        lambda d: d["strategies"][2].update(input={"type": "SCORES", "task": "t", "score": "s"}),
        r"strategies\[2\]\.input\.type: BALANCE needs a categorical input \(METADATA or PREDICTIONS\), got SCORES",
    ),
    (
        lambda d: d["strategies"][0].update(input={"type": "METADATA", "key": "k"}),
        r"strategies\[0\]\.input\.type: DIVERSITY needs an input \(EMBEDDINGS\), got METADATA",
    ),
    (
        lambda d: d["strategies"][5].update(input={"type": "RANDOM"}),
        r"strategies\[5\]\.input\.type: TYPICALITY needs an input \(EMBEDDINGS\), got RANDOM",
    ),
    (
        lambda d: d["strategies"][4]["input"].pop("query"),
        r"strategies\[4\]\.input\.query: missing; SIMILARITY needs a query file",
    ),
    (
        lambda d: d["strategies"][0]["input"].update(query="q.txt"),
        r"strategies\[0\]\.input\.query: only SIMILARITY uses a query; remove it from this DIVERSITY entry",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].update(target={"sunny": 0.6, "rainy": 0.5}),
        r"strategies\[2\]\.strategy\.target: fractions sum to 1\.1; they must sum to at most 1",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].update(target={"sunny": 1.5}),
        r"strategies\[2\]\.strategy\.target\.sunny: input should be less than or equal to 1, got 1\.5",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].update(target={"sunny": -0.1}),
        r"strategies\[2\]\.strategy\.target\.sunny: input should be greater than or equal to 0",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].update(distribution="UNIFORM"),
        r"strategies\[2\]\.strategy\.target: not used with distribution UNIFORM; remove one of the two",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].pop("target"),
        r"strategies\[2\]\.strategy\.target: missing; give target: \{class: fraction, \.\.\.\} or distribution",
    ),
    (
        lambda d: d["strategies"][2]["strategy"].update(target={}),
        r"strategies\[2\]\.strategy\.target: empty; name at least one class",
    ),
    (
        lambda d: d["strategies"][0]["strategy"].update(stopping_condition_minimum_distance=-1),
        r"strategies\[0\]\.strategy\.stopping_condition_minimum_distance: input should be greater than or equal to 0",
    ),
    (
        lambda d: d["strategies"][5]["strategy"].update(num_nearest_neighbors=0),
        r"strategies\[5\]\.strategy\.num_nearest_neighbors: input should be greater than or equal to 1, got 0",
    ),
    (
        lambda d: d["strategies"][1]["strategy"].update(strength=True),
        r"strategies\[1\]\.strategy\.strength: input should be a valid number, got True",
    ),
    (
        lambda d: d["strategies"][1]["strategy"].update(strength="high"),
        r"strategies\[1\]\.strategy\.strength: input should be a valid number, got 'high'",
    ),
    (
        lambda d: d.update(proportion_samples=0.5),
        r"n_samples: give n_samples or proportion_samples, not both",
    ),
    (lambda d: d.update(n_samples=0), r"n_samples: input should be greater than or equal to 1, got 0"),
    (
        lambda d: (d.pop("n_samples"), d.update(proportion_samples=1.5)),
        r"proportion_samples: input should be less than or equal to 1, got 1\.5",
    ),
    (lambda d: d.update(strategies=[]), r"strategies: list should have at least 1 item"),
    (lambda d: d.pop("strategies"), r"cfg\.yaml: strategies: missing \(required\)$"),
    (lambda d: d["strategies"].__setitem__(0, 5), r"strategies\[0\]: expected a mapping, got number"),
    (
        lambda d: d.update(strategies=[d["strategies"][3]]),
        r"strategies: only THRESHOLD strategies; add one that chooses among the kept samples",
    ),
]


@pytest.mark.parametrize(("edit", "message"), BAD_CONFIGS)
def test_invalid_config_gives_one_line_naming_file_and_field(tmp_path: Path, edit: Any, message: str) -> None:
    path = _write(tmp_path, _edited(edit))
    with pytest.raises(InputFileError, match=message) as caught:
        load_selection_config(path)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "cfg.toml",
            "n_samples = 3",
            r"cfg\.toml: unknown extension '\.toml'; a selection config is \.json, \.yaml",
        ),
        ("cfg.yaml", "", r"cfg\.yaml: empty; expected a mapping with n_samples and strategies"),
        (
            "cfg.yaml",
            "- 1\n- 2\n",
            r"cfg\.yaml: expected a mapping with n_samples and strategies, got a list",
        ),
        ("cfg.yaml", "n_samples: 3\nstrategies: [\n", r"cfg\.yaml: line \d+: invalid YAML"),
        ("cfg.json", '{"n_samples": 3,\n "strategies": ]}', r"cfg\.json: line 2: invalid JSON"),
    ],
)
def test_unreadable_config_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        load_selection_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"nope\.yaml: file not found"):
        load_selection_config(tmp_path / "nope.yaml")


def test_config_built_in_code_reports_the_field_too() -> None:
    with pytest.raises(ValueError, match=r"input\.query: missing; SIMILARITY needs a query"):
        SelectionConfig.model_validate(
            {"strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "SIMILARITY"}}]}
        )
    config = SelectionConfig.model_validate(
        {
            "strategies": [
                {"input": {"type": "EMBEDDINGS", "query": "q.txt"}, "strategy": {"type": "SIMILARITY"}}
            ]
        }
    )
    assert isinstance(config.strategies[0].input, EmbeddingsInput) and config.source is None


def test_sample_request_prefers_flags_over_config(tmp_path: Path) -> None:
    config = load_selection_config(_write(tmp_path, FULL))
    assert config_sample_request(config, cli_n_samples=None, cli_proportion=None) == (500, None)
    assert config_sample_request(config, cli_n_samples=None, cli_proportion=0.5) == (None, 0.5)
    assert config_sample_request(config, cli_n_samples=7, cli_proportion=None) == (7, None)
    without_size = load_selection_config(_write(tmp_path, _edited(lambda d: d.pop("n_samples")), "size.yaml"))
    assert config_sample_request(without_size, cli_n_samples=3, cli_proportion=None) == (3, None)
    with pytest.raises(
        ConfigError, match=r"size\.yaml: no n_samples or proportion_samples; add one .* --n-samples"
    ):
        config_sample_request(without_size, cli_n_samples=None, cli_proportion=None)
