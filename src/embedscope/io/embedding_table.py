"""The in-memory form of an embeddings file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class EmbeddingTable:
    """Named embedding vectors.

    Attributes:
        names: one unique filename per row.
        vectors: (n_samples, dim) float32, finite.
        source: the file the table was read from (for error messages).
        labels: (n_samples,) int64 labels column of a Lightly CSV (zeros when absent).
        masked, marked_selected: (n_samples,) bool ``masked`` / ``selected`` columns of a Lightly CSV (empty
            when absent): LightlyOne leaves masked rows out and counts selected rows as already selected.
    """

    names: list[str]
    vectors: np.ndarray
    source: Path | None = None
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    masked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    marked_selected: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.names)

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        return int(self.vectors.shape[1])

    def subset(self, indices: np.ndarray) -> EmbeddingTable:
        """Rows ``indices`` (in that order) as a new table."""
        def rows(column: np.ndarray) -> np.ndarray:
            return column[indices] if len(column) == len(self.names) else column

        return EmbeddingTable(
            names=[self.names[int(i)] for i in indices],
            vectors=self.vectors[indices],
            source=self.source,
            labels=rows(self.labels),
            masked=rows(self.masked),
            marked_selected=rows(self.marked_selected),
        )
