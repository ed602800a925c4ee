"""Combined strategies against a plain product-of-objectives greedy written here, and their error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy.spatial import cKDTree

from embedscope.errors import ConfigError
from embedscope.select.combined import SelectionOutcome, select_with_config
from embedscope.select.config import SelectionConfig
from embedscope.select.config_file import load_selection_config
from embedscope.select.sample_data import SampleData
from embedscope.select.strategies import OBJECTIVE_FLOOR
from embedscope.select.strategies.random_input import random_values


@dataclass
class Objective:
    """One strategy for the reference: its kind, strength and data over all input samples."""

    kind: str
    strength: float = 1.0
    values: np.ndarray | None = None  # weights / typicality values, class labels (object, None = no class)
    queries: np.ndarray | None = None
    stop: float | None = None
    target: dict[str, float] = field(default_factory=dict)  # balance: class → share (already resolved)


def reference_greedy(
    points: np.ndarray,
    objectives: list[Objective],
    *,
    candidates: np.ndarray,
    n_picks: int,
    datapool: np.ndarray | None = None,
) -> list[int]:
    """Pick one sample at a time maximising Π max(objective, FLOOR) ** strength, recomputed from scratch
    in float64 for every candidate; ties to the lowest index; stopping conditions rule samples out."""
    x = points.astype(np.float64)
    pool = [] if datapool is None else list(datapool.astype(np.float64))
    mean = x[candidates].mean(axis=0)
    selected: list[int] = []
    for _ in range(n_picks):
        best, best_score = None, -np.inf
        for i in candidates:
            if i in selected:
                continue
            score, eligible = 1.0, True
            for objective in objectives:
                if objective.kind == "diversity":
                    references = [x[j] for j in selected] + pool
                    if references:
                        value = min(np.linalg.norm(x[i] - r) for r in references)
                        eligible &= objective.stop is None or value >= objective.stop
                    else:
                        value = np.linalg.norm(x[i] - mean)
                elif objective.kind == "weights":
                    assert objective.values is not None
                    value = objective.values[i] / np.max(objective.values[candidates])
                elif objective.kind == "similarity":
                    assert objective.queries is not None
                    value = 1.0 / (1.0 + min(np.linalg.norm(x[i] - q) for q in objective.queries))
                elif objective.kind == "typicality":
                    assert objective.values is not None
                    value = objective.values[i]
                    eligible &= objective.stop is None or value >= objective.stop
                else:  # balance over single-class samples
                    assert objective.values is not None
                    label = objective.values[i]
                    chosen = [objective.values[j] for j in selected if objective.values[j] is not None]
                    if label is None:
                        value = 1.0
                    else:
                        share = objective.target[label]
                        value = share * (len(chosen) + 1) / (chosen.count(label) + share)
                score *= max(value, OBJECTIVE_FLOOR) ** objective.strength
            if eligible and score > best_score:
                best, best_score = int(i), score
        if best is None:
            break
        selected.append(best)
    return selected


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    points = rng.standard_normal((n, d)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def _names(n: int) -> list[str]:
    return [f"img_{i:04d}.png" for i in range(n)]


def _run(
    points: np.ndarray, strategies: list[dict[str, Any]], *, n_samples: int, data: SampleData, **kw: Any
) -> Any:
    config = SelectionConfig.model_validate({"strategies": strategies})
    names = _names(points.shape[0])
    return select_with_config(points, config=config, n_samples=n_samples, sample_data=data, names=names, **kw)


def _typicality(points: np.ndarray, k: int) -> np.ndarray:
    distances, _ = cKDTree(points.astype(np.float64)).query(points.astype(np.float64), k=k + 1)
    return 1.0 / distances[:, 1:].mean(axis=1)


def test_diversity_times_weights() -> None:
    rng = np.random.default_rng(31)
    points = _unit(rng, 120, 6)
    quality = rng.uniform(0.1, 1.0, 120)
    data = SampleData(names=_names(120), numeric={"quality": quality}, sources={"metadata": Path("m.csv")})
    outcome = _run(
        points,
        [
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
            {
                "input": {"type": "METADATA", "key": "quality"},
                "strategy": {"type": "WEIGHTS", "strength": 0.5},
            },
        ],
        n_samples=30,
        data=data,
    )
    expected = reference_greedy(
        points,
        [Objective("diversity"), Objective("weights", 0.5, values=quality)],
        candidates=np.arange(120),
        n_picks=30,
    )
    assert outcome.indices.tolist() == expected


def test_diversity_stop_balance_target_similarity_and_threshold() -> None:
    rng = np.random.default_rng(32)
    points = _unit(rng, 150, 5)
    queries = _unit(rng, 3, 5)
    weather = rng.choice(np.array(["sunny", "rainy", "fog"], dtype=object), size=150, p=[0.7, 0.2, 0.1])
    sharpness = rng.uniform(0.0, 10.0, 150)
    data = SampleData(
        names=_names(150),
        numeric={"sharpness": sharpness},
        categorical={"weather": weather},
        sources={"metadata": Path("m.csv")},
    )
    outcome = _run(
        points,
        [
            {
                "input": {"type": "EMBEDDINGS"},
                "strategy": {"type": "DIVERSITY", "stopping_condition_minimum_distance": 0.55},
            },
            {
                "input": {"type": "METADATA", "key": "weather"},
                "strategy": {"type": "BALANCE", "target": {"rainy": 0.5}},
            },
            {
                "input": {"type": "EMBEDDINGS", "query": "q"},
                "strategy": {"type": "SIMILARITY", "strength": 0.7},
            },
            {
                "input": {"type": "METADATA", "key": "sharpness"},
                "strategy": {"type": "THRESHOLD", "threshold": 2.0, "operation": "BIGGER"},
            },
        ],
        n_samples=80,
        data=data,
        query_embeddings={"q": queries},
    )
    kept = np.flatnonzero(sharpness > 2.0)
    merged = np.array([w if w == "rainy" else "other" for w in weather], dtype=object)
    expected = reference_greedy(
        points,
        [
            Objective("diversity", stop=0.55),
            Objective("balance", values=merged, target={"rainy": 0.5, "other": 0.5}),
            Objective("similarity", 0.7, queries=queries.astype(np.float64)),
        ],
        candidates=kept,
        n_picks=80,
    )
    assert outcome.indices.tolist() == expected
    assert len(expected) < 80 and outcome.stopped_reason is not None
    assert "DIVERSITY minimum distance 0.55" in outcome.stopped_reason
    np.testing.assert_array_equal(outcome.filtered_out, sharpness <= 2.0)


def test_datapool_typicality_random_and_uniform_balance() -> None:
    rng = np.random.default_rng(33)
    points = _unit(rng, 100, 4)
    datapool = _unit(rng, 10, 4)
    group = rng.choice(np.array(["x", "y", "z"], dtype=object), size=100, p=[0.6, 0.3, 0.1])
    group[[5, 17]] = None
    data = SampleData(names=_names(100), categorical={"group": group}, sources={"metadata": Path("m.csv")})
    outcome = _run(
        points,
        [
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY", "strength": 2.0}},
            {
                "input": {"type": "EMBEDDINGS"},
                "strategy": {"type": "TYPICALITY", "strength": -0.5, "num_nearest_neighbors": 5},
            },
            {"input": {"type": "RANDOM", "random_seed": 4}, "strategy": {"type": "WEIGHTS", "strength": 0.3}},
            {
                "input": {"type": "METADATA", "key": "group"},
                "strategy": {"type": "BALANCE", "distribution": "UNIFORM", "strength": 1.5},
            },
        ],
        n_samples=40,
        data=data,
        datapool=datapool,
    )
    expected = reference_greedy(
        points,
        [
            Objective("diversity", 2.0),
            Objective("typicality", -0.5, values=_typicality(points, 5)),
            Objective("weights", 0.3, values=random_values(100, seed=4)),
            Objective("balance", 1.5, values=group, target={"x": 1 / 3, "y": 1 / 3, "z": 1 / 3}),
        ],
        candidates=np.arange(100),
        n_picks=40,
        datapool=datapool,
    )
    assert outcome.indices.tolist() == expected


def test_negative_diversity_strength_gathers_samples() -> None:
    rng = np.random.default_rng(34)
    points = _unit(rng, 60, 3)
    scores = rng.uniform(0.5, 1.0, 60)
    data = SampleData(names=_names(60), scores={("t", "s"): scores}, sources={"scores": Path("s.csv")})
    outcome = _run(
        points,
        [
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY", "strength": -1.0}},
            {
                "input": {"type": "SCORES", "task": "t", "score": "s"},
                "strategy": {"type": "WEIGHTS", "strength": 2.0},
            },
        ],
        n_samples=12,
        data=data,
    )
    expected = reference_greedy(
        points,
        [Objective("diversity", -1.0), Objective("weights", 2.0, values=scores)],
        candidates=np.arange(60),
        n_picks=12,
    )
    assert outcome.indices.tolist() == expected


def test_same_input_and_seed_give_the_same_selection() -> None:
    rng = np.random.default_rng(35)
    points = _unit(rng, 200, 8)
    data = SampleData(names=_names(200))
    strategies = [
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
        {"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}},
    ]
    first: SelectionOutcome = _run(points, strategies, n_samples=20, data=data, seed=9)
    again: SelectionOutcome = _run(points, strategies, n_samples=20, data=data, seed=9)
    other: SelectionOutcome = _run(points, strategies, n_samples=20, data=data, seed=10)
    np.testing.assert_array_equal(first.indices, again.indices)
    assert first.indices.tolist() != other.indices.tolist()
    assert first.indices.dtype == np.int64 and first.filtered_out.shape == (200,)


def _file_config(tmp_path: Path, strategies: list[dict[str, Any]]) -> SelectionConfig:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"n_samples": 5, "strategies": strategies}), encoding="utf-8")
    return load_selection_config(path)


@pytest.mark.parametrize(
    ("strategies", "kwargs", "message"),
    [
        (
            [
                {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
                {
                    "input": {"type": "METADATA", "key": "v"},
                    "strategy": {"type": "THRESHOLD", "threshold": 50, "operation": "BIGGER"},
                },
            ],
            {},
            r"cfg\.yaml: the THRESHOLD strategies keep no input sample; loosen a threshold",
        ),
        (
            [{"input": {"type": "EMBEDDINGS", "query": "q.txt"}, "strategy": {"type": "SIMILARITY"}}],
            {},
            r"cfg\.yaml: strategies\[0\]\.input\.query: no query embeddings were loaded for 'q\.txt'",
        ),
        (
            [{"input": {"type": "EMBEDDINGS", "query": "q.txt"}, "strategy": {"type": "SIMILARITY"}}],
            {"query_embeddings": {"q.txt": np.zeros((2, 3), dtype=np.float32)}},
            r"strategies\[0\]\.input\.query: 'q\.txt' gives query embeddings of shape \(2, 3\); expected \(q >= 1, 4\)",
        ),
        (
            [
                {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
                {"input": {"type": "METADATA", "key": "kind"}, "strategy": {"type": "WEIGHTS"}},
            ],
            {},
            r"cfg\.yaml: strategies\[1\]\.input\.key: metadata column 'kind' is categorical",
        ),
        (
            [
                {
                    "input": {"type": "METADATA", "key": "kind"},
                    "strategy": {"type": "BALANCE", "target": {"dog": 0.5}},
                }
            ],
            {},
            r"cfg\.yaml: strategies\[0\]\.strategy\.target: class 'dog' does not occur in the input \(classes: a, b\)",
        ),
        (
            [
                {
                    "input": {"type": "PREDICTIONS", "task": "det"},
                    "strategy": {"type": "BALANCE", "distribution": "INPUT"},
                }
            ],
            {},
            r"cfg\.yaml: strategies\[0\]\.input: PREDICTIONS input needs a --predictions file",
        ),
        (
            [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}],
            {"datapool": np.zeros((3, 5), dtype=np.float32)},
            r"cfg\.yaml: the datapool has dimension 5, the input 4",
        ),
    ],
)
def test_data_problems_name_the_config_entry(
    tmp_path: Path, strategies: list[dict[str, Any]], kwargs: dict[str, Any], message: str
) -> None:
    rng = np.random.default_rng(36)
    points = _unit(rng, 10, 4)
    data = SampleData(
        names=_names(10),
        numeric={"v": np.arange(10.0)},
        categorical={"kind": np.array(["a", "b"] * 5, dtype=object)},
        sources={"metadata": Path("meta.csv")},
    )
    config = _file_config(tmp_path, strategies)
    with pytest.raises(ConfigError, match=message):
        select_with_config(points, config=config, n_samples=5, sample_data=data, names=_names(10), **kwargs)


def test_misaligned_sample_data_is_a_programming_error() -> None:
    points = np.eye(3, dtype=np.float32)
    config = SelectionConfig.model_validate(
        {"strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}
    )
    with pytest.raises(ValueError, match="must describe the same"):
        select_with_config(
            points, config=config, n_samples=1, sample_data=SampleData(names=["x"]), names=_names(3)
        )
