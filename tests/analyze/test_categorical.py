"""Category counts, normalised Gini imbalance and normalised entropy of a set."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import entropy

from embedscope.analyze.categorical import categorical_distribution


def _reference(counts: list[int]) -> tuple[float, float]:
    """Independent float64 computation: (1 - impurity / max impurity, H / log K)."""
    p = np.asarray(counts, dtype=np.float64) / np.sum(counts)
    k = len(counts)
    return 1.0 - (1.0 - np.sum(p**2)) / (1.0 - 1.0 / k), float(entropy(p) / np.log(k))


def test_ninety_ten_split_by_hand() -> None:
    result = categorical_distribution(["a"] * 90 + ["b"] * 10)
    assert result.counts == {"a": 90, "b": 10}
    # impurity 1 - 0.81 - 0.01 = 0.18, of at most 0.5 → imbalance 0.64; H = 0.325083 nats of log 2
    assert result.gini_imbalance == pytest.approx(0.64, abs=1e-12)
    assert result.normalized_entropy == pytest.approx(0.4689955935892812, abs=1e-12)
    counts, gini, normalized = result
    assert (counts, gini, normalized) == tuple(result)


def test_random_counts_match_reference() -> None:
    rng = np.random.default_rng(7)
    labels = rng.choice(["x", "y", "z", "w"], size=500, p=[0.5, 0.3, 0.15, 0.05])
    result = categorical_distribution(list(labels))
    counts = [int(np.sum(labels == name)) for name in sorted(set(labels))]
    assert list(result.counts.values()) == counts and list(result.counts) == sorted(set(labels))
    gini, normalized = _reference(counts)
    assert result.gini_imbalance == pytest.approx(gini, abs=1e-12)
    assert result.normalized_entropy == pytest.approx(normalized, abs=1e-12)


def test_uniform_and_single_category() -> None:
    uniform = categorical_distribution([1, 2, 3, 1, 2, 3])
    assert uniform.counts == {"1": 2, "2": 2, "3": 2}
    assert uniform.gini_imbalance == pytest.approx(0.0, abs=1e-12)
    assert uniform.normalized_entropy == pytest.approx(1.0, abs=1e-12)
    concentrated = categorical_distribution(["a", "a"], categories=["a", "b", "c"])
    assert concentrated.counts == {"a": 2, "b": 0, "c": 0}
    assert concentrated.gini_imbalance == pytest.approx(1.0) and concentrated.normalized_entropy == 0.0
    assert categorical_distribution(["a", "a"])[1:] == (0.0, 1.0)
    assert categorical_distribution([], categories=["a", "b"]) == ({"a": 0, "b": 0}, 0.0, 0.0)


def test_per_object_lists_count_objects_and_skip_missing() -> None:
    result = categorical_distribution(
        [("car", "car", "bus"), (), None, ["bus"]], categories=["bus", "car", "truck"]
    )
    assert result.counts == {"bus": 2, "car": 2, "truck": 0}
    gini, normalized = _reference([2, 2, 0])
    assert result.gini_imbalance == pytest.approx(gini) and result.normalized_entropy == pytest.approx(
        normalized
    )


def test_value_outside_given_categories() -> None:
    with pytest.raises(ValueError, match=r"\['d'\] are not among the given categories"):
        categorical_distribution(["a", "d"], categories=["a", "b"])
