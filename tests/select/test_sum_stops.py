"""WEIGHTS ``stopping_condition_max_sum`` and ``target_range`` (LightlyOne v4 keys) against a brute-force sum:
the selection is the longest prefix of the unconstrained pick order whose input sum stays ≤ the maximum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.select.combined import select_with_config
from embedscope.select.config import SelectionConfig
from embedscope.select.config_file import load_selection_config
from embedscope.select.sample_data import SampleData

N = 80


def _run(rng_seed: int, weights: dict[str, object], *, diversity: bool) -> tuple[np.ndarray, str | None, np.ndarray]:
    rng = np.random.default_rng(rng_seed)
    points = rng.normal(size=(N, 5)).astype(np.float32)
    values = rng.uniform(0.5, 3.0, size=N)
    names = [f"s{i}" for i in range(N)]
    data = SampleData(names=names, numeric={}, categorical={}, scores={("t", "cost"): values}, predictions={},
                      sources={"scores": Path("scores.csv")})
    strategies = [{"input": {"type": "SCORES", "task": "t", "score": "cost"}, "strategy": {"type": "WEIGHTS", **weights}}]
    if diversity:
        strategies.append({"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}})
    config = SelectionConfig.model_validate({"nSamples": -1, "strategies": strategies})
    outcome = select_with_config(points, config=config, n_samples=N, sample_data=data, names=names)
    return outcome.indices, outcome.stopped_reason, values


@pytest.mark.parametrize("diversity", [False, True])
@pytest.mark.parametrize("key", ["stopping_condition_max_sum", "targetRange"])
def test_max_sum_stops_at_the_longest_prefix_within_the_sum(diversity: bool, key: str) -> None:
    order, reason, values = _run(3, {}, diversity=diversity)
    assert reason is None and len(order) == N  # unconstrained: every sample, in greedy order
    max_sum = 17.5
    limit = {key: max_sum} if key != "targetRange" else {key: {"maxSum": max_sum}}
    picks, reason, _ = _run(3, limit, diversity=diversity)
    sums = np.cumsum(values[order], dtype=np.float64)  # brute force over the unconstrained order
    k = int(np.searchsorted(sums, max_sum, side="right"))
    assert picks.tolist() == order[:k].tolist()
    assert values[picks].sum() <= max_sum < values[order[: k + 1]].sum()
    assert reason is not None and "above 17.5" in reason


def test_target_range_min_sum_shortfall_is_reported() -> None:
    picks, reason, values = _run(4, {"target_range": {"min_sum": 20.0, "max_sum": 25.0}}, diversity=False)
    assert values[picks].sum() <= 25.0
    assert reason is not None and "below target_range.min_sum" not in reason  # reached 20 ≤ sum ≤ 25
    picks, reason, values = _run(4, {"target_range": {"min_sum": 1000.0}}, diversity=False)
    assert len(picks) == N and reason is not None and f"WEIGHTS sum {values.sum():g} is below" in reason


def test_target_range_min_above_max_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text("n_samples: 3\nstrategies:\n  - input: {type: SCORES, task: t, score: s}\n"
                    "    strategy: {type: WEIGHTS, target_range: {min_sum: 5, max_sum: 2}}\n")
    with pytest.raises(InputFileError, match=r"strategies\[0\]\.strategy\.target_range\.min_sum: 5 is above max_sum 2"):
        load_selection_config(path)
