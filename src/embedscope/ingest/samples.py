"""Load the input and the datapool, normalise, and take datapool samples out of the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.embeddings_file import read_embeddings

MIN_INPUT_SAMPLES = 2  # a selection and a nearest-neighbour metric need at least two samples
ZERO_NORM = 1e-12  # below this a vector has no direction to normalise


@dataclass(frozen=True)
class LoadedInputs:
    """The run's samples after loading.

    Attributes:
        input: the samples selection may pick from (datapool names removed), vectors normalised if asked.
        datapool: previously selected samples, or None.
        corrupt: unreadable files → reason (image folders).
        duplicates: duplicate name → kept name (image folders).
        removed_from_input: input names dropped because the datapool holds them.
        image_root: the image folder, when INPUT is one.
    """

    input: EmbeddingTable
    datapool: EmbeddingTable | None
    corrupt: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, str] = field(default_factory=dict)
    removed_from_input: list[str] = field(default_factory=list)
    image_root: Path | None = None


def l2_normalize(table: EmbeddingTable) -> EmbeddingTable:
    """Rows scaled to unit length (float32).

    Raises:
        InputFileError: a zero vector (names the file and row).
    """
    norms = np.linalg.norm(table.vectors.astype(np.float64), axis=1)
    zero = norms < ZERO_NORM
    if zero.any():
        row = int(np.argmax(zero))
        raise InputFileError(
            table.source or Path("<input>"),
            f"row {row + 1} ('{table.names[row]}') is a zero vector, which cannot be L2-normalised; "
            "remove it or pass --no-normalize",
        )
    vectors = (table.vectors.astype(np.float64) / norms[:, None]).astype(np.float32)
    return EmbeddingTable(names=table.names, vectors=vectors, source=table.source, labels=table.labels)


def load_inputs(
    input_path: Path,
    *,
    datapool_path: Path | None = None,
    filenames_path: Path | None = None,
    normalize: bool = True,
) -> LoadedInputs:
    """Read INPUT (an embeddings file) and the datapool, check them against each other, normalise.

    Raises:
        InputFileError: any file problem, a datapool of another dimension, fewer than 2 input samples.
    """
    table = read_embeddings(input_path, filenames_path=filenames_path)
    return prepare_inputs(table, datapool_path=datapool_path, normalize=normalize)


def prepare_inputs(
    table: EmbeddingTable,
    *,
    datapool_path: Path | None,
    normalize: bool,
    corrupt: dict[str, str] | None = None,
    duplicates: dict[str, str] | None = None,
    image_root: Path | None = None,
) -> LoadedInputs:
    """Attach the datapool to an already-read input table; see :func:`load_inputs`."""
    source = table.source or Path("<input>")
    datapool = read_embeddings(datapool_path) if datapool_path is not None else None
    removed: list[str] = []
    if datapool is not None:
        if datapool.dim != table.dim:
            raise InputFileError(
                datapool_path or Path("<datapool>"),
                f"embeddings have dimension {datapool.dim} but the input ({source}) has {table.dim}; "
                "both must come from the same model",
            )
        pool_names = set(datapool.names)
        keep = np.array([name not in pool_names for name in table.names], dtype=bool)
        removed = [name for name, kept in zip(table.names, keep) if not kept]
        if removed:
            table = table.subset(np.flatnonzero(keep))
    if len(table) < MIN_INPUT_SAMPLES:
        raise InputFileError(
            source, f"has {len(table)} usable sample(s) (after removing datapool samples); at least 2 are needed"
        )
    if normalize:
        table = l2_normalize(table)
        datapool = l2_normalize(datapool) if datapool is not None else None
    return LoadedInputs(
        input=table,
        datapool=datapool,
        corrupt=dict(corrupt or {}),
        duplicates=dict(duplicates or {}),
        removed_from_input=removed,
        image_root=image_root,
    )


