"""Network features of a folder's samples (frames, crops) → the run's embeddings table and prepared inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embedscope.embed.model_spec import FEATURE_DIM
from embedscope.embed.projection import project_features
from embedscope.ingest.samples import LoadedInputs, prepare_inputs
from embedscope.io.embedding_table import EmbeddingTable

InputsOf = Callable[[list[str], dict[str, str]], LoadedInputs]
"""(names of the embedded samples in embedding order, corrupt list) → the run's inputs: their projected embeddings
with the datapool attached (:func:`~embedscope.ingest.samples.prepare_inputs`). The local engine's is
:func:`projected_inputs`; the Ray engine's may leave the rows on the cluster
(:meth:`embedscope.distributed.ray_samples.SampleRun.inputs_of`)."""


def projected_table(
    feature_blocks: Sequence[np.ndarray], names: Sequence[str], *, source: Path, embedding_dim: int
) -> EmbeddingTable:
    """Concatenate (n_i, FEATURE_DIM) float32 feature blocks, project them to ``embedding_dim`` (PCA, then
    L2-normalised; 0 keeps the features) and name the rows; labels are 0 (a Lightly CSV needs a column)."""
    features = np.concatenate(feature_blocks) if feature_blocks else np.empty((0, FEATURE_DIM), np.float32)
    vectors = project_features(features, embedding_dim=embedding_dim)
    return EmbeddingTable(names=list(names), vectors=vectors, source=source, labels=np.zeros(len(names), dtype=np.int64))


def projected_inputs(
    feature_blocks: Sequence[np.ndarray], *, source: Path, embedding_dim: int, datapool_path: Path | None,
    normalize: bool,
) -> InputsOf:
    """The local engine's :data:`InputsOf`: :func:`projected_table` of ``feature_blocks`` (read when called, so
    blocks appended later count) prepared with the datapool at ``datapool_path``.

    Raises:
        ConfigError: a bad ``embedding_dim``; InputFileError: as :func:`~embedscope.ingest.samples.prepare_inputs`
            (both from the returned function).
    """
    def inputs(names: list[str], corrupt: dict[str, str]) -> LoadedInputs:
        table = projected_table(feature_blocks, names, source=source, embedding_dim=embedding_dim)
        return prepare_inputs(table, datapool_path=datapool_path, normalize=normalize, corrupt=corrupt)

    return inputs
