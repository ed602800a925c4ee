"""BALANCE: steer the class distribution of the selected samples toward a target distribution.

Objective of a candidate: how much its classes are under-represented in the selection so far relative
to the target. With ``c_k`` the number of selected objects of class k, ``C = Σ c_k`` and target ``t_k``
(summing to 1), the smoothed selected share is ``q_k = (c_k + t_k) / (C + 1)`` (one pseudo-object spread
by the target, so the first pick is neutral) and the class ratio is ``r_k = t_k / q_k``: above 1 for a
class that is short of its target, below 1 for one that has enough. A candidate's objective is the
average ratio over its objects (``Σ_k w_k r_k`` with ``w`` its share of objects per class); a candidate
without class gets 1 (neutral). The ratio keeps its pull as the selection grows (unlike a distance
between distributions, whose change per pick shrinks), so under DIVERSITY × BALANCE the classes stay
close to target. Alone, BALANCE UNIFORM on a 90/10 split picks the two classes alternately.

Targets (LightlyOne semantics): UNIFORM = equal share for every class present among the candidates;
INPUT = the candidates' own class distribution; TARGET = the given fractions, the remainder being the
joint target of all classes not named (one "other" bucket, as LightlyOne documents: "the remaining 40%
should come from any other class"); when every class is named and the fractions sum below 1 they are
rescaled to sum to 1. Datapool samples do not count toward the selected distribution.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from embedscope.errors import ConfigError
from embedscope.select.config import BalanceDistribution, BalanceStrategy
from embedscope.select.sample_data import ClassMembership
from embedscope.select.strategies import OBJECTIVE_FLOOR

OTHER = "<other>"
"""Name of the bucket holding every class a TARGET does not name."""

SHOWN_CLASSES = 10
"""Class names quoted in an error message."""


def balance_target(
    membership: ClassMembership, strategy: BalanceStrategy, *, candidates: np.ndarray, where: str
) -> tuple[ClassMembership, np.ndarray]:
    """The candidates' class membership (classes merged into OTHER where a TARGET needs it) and the target.

    Args:
        membership: over all input samples.
        candidates: (m,) int64 input rows that may be picked (after thresholds).
        where: the entry's location for messages, e.g. ``"cfg.yaml: strategies[2]"``.

    Returns:
        (membership over the candidates, (K,) float64 target summing to 1).

    Raises:
        ConfigError: a TARGET class that no input sample has, or targets that sum to 0.
    """
    counts = membership.counts[candidates]
    distribution = strategy.effective_distribution
    if distribution is BalanceDistribution.UNIFORM:
        present = np.asarray(counts.sum(axis=0)).ravel() > 0
        target = present / max(int(present.sum()), 1)
        return _with_counts(membership, counts, membership.categories), target
    if distribution is BalanceDistribution.INPUT:
        totals = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
        target = totals / max(totals.sum(), 1.0)
        return _with_counts(membership, counts, membership.categories), target
    given = strategy.target or {}  # BalanceStrategy validation guarantees a non-empty target here
    unknown = [name for name in given if name not in membership.categories]
    if unknown:
        shown = ", ".join(membership.categories[:SHOWN_CLASSES]) or "none"
        more = " ..." if len(membership.categories) > SHOWN_CLASSES else ""
        raise ConfigError(
            f"{where}.strategy.target: class '{unknown[0]}' does not occur in the input (classes: {shown}{more})"
        )
    named = list(given)
    others = [name for name in membership.categories if name not in given]
    categories = named + ([OTHER] if others else [])
    column_of = {name: column for column, name in enumerate(named)}
    mapping = np.array([column_of.get(name, len(named)) for name in membership.categories], dtype=np.int64)
    merge = sp.csr_matrix(
        (np.ones(mapping.size), (np.arange(mapping.size), mapping)), shape=(mapping.size, len(categories))
    )
    target = np.array([given[name] for name in named], dtype=np.float64)
    if others:
        target = np.append(target, max(0.0, 1.0 - math.fsum(target)))
    if target.sum() <= 0.0:
        raise ConfigError(
            f"{where}.strategy.target: the fractions sum to 0; give some class a positive fraction"
        )
    return _with_counts(membership, sp.csr_matrix(counts @ merge), categories), target / target.sum()


def _with_counts(template: ClassMembership, counts: sp.csr_matrix, categories: list[str]) -> ClassMembership:
    counts = sp.csr_matrix(counts)
    counts.sum_duplicates()
    single = bool(np.all(np.diff(counts.indptr) <= 1) and np.all(counts.data <= 1)) and template.single_label
    return ClassMembership(categories=list(categories), counts=counts, single_label=single)


class BalanceObjective:
    """The balance objective of every candidate, kept current as samples are picked.

    Args:
        membership: (m, K) object counts per class of the candidates.
        target: (K,) float64 target shares summing to 1.

    Cost per pick: O(K) plus O(m) (one gather) for single-class samples, O(nnz) for multi-object samples.
    """

    def __init__(self, membership: ClassMembership, target: np.ndarray) -> None:
        self._target = np.asarray(target, dtype=np.float64)
        self._counts = membership.counts
        self._selected = np.zeros(self._target.shape[0])
        self._labels = membership.labels() if membership.single_label else None
        row_sums = np.asarray(self._counts.sum(axis=1)).ravel()
        self._has_class = row_sums > 0
        self._shares = sp.diags(1.0 / np.maximum(row_sums, 1.0)) @ self._counts

    def ratios(self) -> np.ndarray:
        """(K,) float64 ``r_k = t_k (C + 1) / (c_k + t_k)`` (0 for a class with target 0)."""
        denominator = self._selected + self._target
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = self._target * (self._selected.sum() + 1.0) / denominator
        return np.where(self._target > 0.0, ratio, 0.0)

    def log_objective(self) -> np.ndarray:
        """(m,) float64 log of each candidate's objective (floored at OBJECTIVE_FLOOR)."""
        ratio = self.ratios()
        if self._labels is not None:
            log_ratio = np.append(np.log(np.maximum(ratio, OBJECTIVE_FLOOR)), 0.0)  # label -1 → neutral
            return log_ratio[self._labels]
        objective = np.where(self._has_class, self._shares @ ratio, 1.0)
        return np.log(np.maximum(objective, OBJECTIVE_FLOOR))

    def add(self, row: int) -> None:
        """Count candidate ``row``'s objects as selected."""
        start, stop = self._counts.indptr[row], self._counts.indptr[row + 1]
        np.add.at(self._selected, self._counts.indices[start:stop], self._counts.data[start:stop])
