"""The sets the report compares (REPORT_V2.md), built from the input, the selection and the datapool."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INPUT = "input"
SELECTED = "selected"
RANDOM = "random"
DATAPOOL = "preselectedDatapool"
SELECTED_WITH_DATAPOOL = "selectedWithDatapool"
SET_ORDER = (INPUT, SELECTED, RANDOM, DATAPOOL, SELECTED_WITH_DATAPOOL)


@dataclass(frozen=True)
class AnalysisSets:
    """Embeddings of every set, all (n_i, dim) float32 in the selection's space.

    Attributes:
        input: (n, dim) the samples selection could pick from.
        selected_indices: (k,) int64 rows of ``input`` that were selected.
        random_indices: (k,) int64 rows of ``input`` drawn uniformly with the run's seed (sorted).
        datapool: (m, dim) or None.
    """

    input: np.ndarray
    selected_indices: np.ndarray
    random_indices: np.ndarray
    datapool: np.ndarray | None

    @property
    def selected(self) -> np.ndarray:
        return self.input[self.selected_indices]

    @property
    def random(self) -> np.ndarray:
        return self.input[self.random_indices]

    def with_datapool(self, vectors: np.ndarray) -> np.ndarray:
        """``vectors`` stacked on the datapool (the datapool rows last)."""
        if self.datapool is None or len(self.datapool) == 0:
            return vectors
        return np.concatenate([vectors, self.datapool], axis=0)

    def members(self) -> dict[str, np.ndarray]:
        """Set name → embeddings, for every set that exists in this run."""
        sets = {INPUT: self.input, SELECTED: self.selected, RANDOM: self.random}
        if self.datapool is not None:
            sets[DATAPOOL] = self.datapool
            sets[SELECTED_WITH_DATAPOOL] = self.with_datapool(self.selected)
        return sets


def random_subset(n_input: int, size: int, *, seed: int) -> np.ndarray:
    """(size,) sorted int64 indices drawn uniformly without replacement from ``range(n_input)``."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_input, size=size, replace=False)).astype(np.int64)
