"""Network features of a folder's samples (frames, crops) → the run's embeddings table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.embed.model_spec import FEATURE_DIM
from embedscope.embed.projection import project_features
from embedscope.io.embedding_table import EmbeddingTable


def projected_table(
    feature_blocks: Sequence[np.ndarray], names: Sequence[str], *, source: Path, embedding_dim: int
) -> EmbeddingTable:
    """Concatenate (n_i, FEATURE_DIM) float32 feature blocks, project them to ``embedding_dim`` (PCA, then
    L2-normalised; 0 keeps the features) and name the rows; labels are 0 (a Lightly CSV needs a column)."""
    features = np.concatenate(feature_blocks) if feature_blocks else np.empty((0, FEATURE_DIM), np.float32)
    vectors = project_features(features, embedding_dim=embedding_dim)
    return EmbeddingTable(names=list(names), vectors=vectors, source=source, labels=np.zeros(len(names), dtype=np.int64))
