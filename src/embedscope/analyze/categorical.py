"""Category counts of one set of samples, with two balance measures (``giniImbalance``, ``normalizedEntropy``).

With ``p_k`` the share of category k among the K categories:

- ``gini_imbalance = 1 - G / G_max`` where ``G = 1 - Σ p_k²`` is the Gini impurity and ``G_max = 1 - 1/K``
  its value for a uniform distribution: 0 when every category is equally frequent, 1 when all values
  fall into one category. LightlyOne's report names this metric ``giniImbalance`` but does not publish
  its formula; this normalised Gini impurity is our reading of it (0 = balanced, 1 = one category).
- ``normalized_entropy = H / log K`` with ``H = -Σ p_k log p_k``: 1 when uniform, 0 for one category.

K counts every category listed in ``categories`` (also those with count 0), else every observed
category. With K = 1 the distribution is trivially uniform (imbalance 0, entropy 1); an empty set gives
imbalance 0 and entropy 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple


class CategoricalDistribution(NamedTuple):
    """Counts per category and the two balance measures.

    Attributes:
        counts: category → number of values (objects, for per-object lists), in ``categories`` order or
            sorted by name.
        gini_imbalance: in [0, 1], 0 = balanced.
        normalized_entropy: in [0, 1], 1 = balanced.
    """

    counts: dict[str, int]
    gini_imbalance: float
    normalized_entropy: float


def categorical_distribution(
    values: Sequence[str | int | None | Sequence[str | int]],
    *,
    categories: list[str] | None = None,
) -> CategoricalDistribution:
    """Count the categories of a set's samples and measure how balanced they are.

    Args:
        values: one entry per sample: a category (str or int, compared as text), None for a sample
            without category, or a list/tuple with the category of each of the sample's objects.
        categories: every category to report (e.g. the union over all sets, so sets share keys); values
            outside it are an error. None: the observed categories, sorted.

    Raises:
        ValueError: a value that is not in ``categories``.
    """
    counter: Counter[str] = Counter()
    for value in values:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            counter.update(str(item) for item in value)
        else:
            counter[str(value)] += 1
    if categories is None:
        names = sorted(counter)
    else:
        outside = sorted(set(counter) - set(categories))
        if outside:
            raise ValueError(f"values {outside[:3]} are not among the given categories")
        names = list(categories)
    counts = {name: int(counter.get(name, 0)) for name in names}
    return CategoricalDistribution(counts, *_balance(list(counts.values())))


def _balance(counts: list[int]) -> tuple[float, float]:
    """(gini_imbalance, normalized_entropy) of category counts."""
    total = sum(counts)
    k = len(counts)
    if total == 0:
        return 0.0, 0.0
    if k == 1:
        return 0.0, 1.0
    shares = [count / total for count in counts]
    impurity = 1.0 - math.fsum(p * p for p in shares)
    imbalance = 1.0 - impurity / (1.0 - 1.0 / k)
    entropy = -math.fsum(p * math.log(p) for p in shares if p > 0.0)
    return min(max(0.0, imbalance), 1.0), min(max(0.0, entropy / math.log(k)), 1.0)  # max(0.0, -0.0) is 0.0
