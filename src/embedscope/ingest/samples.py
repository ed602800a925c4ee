"""Load the input and the datapool, normalise, and take datapool samples out of the input."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.row_normalize import l2_normalized_rows

MIN_INPUT_SAMPLES = 2  # a selection and a nearest-neighbour metric need at least two samples


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
        masked: input names left out because the Lightly CSV's ``masked`` column marks them.
        n_marked_selected: input rows the Lightly CSV's ``selected`` column marks as already selected; they
            are part of ``datapool`` and count toward the run's sample budget (LightlyOne's meaning).
    """

    input: EmbeddingTable
    datapool: EmbeddingTable | None
    corrupt: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, str] = field(default_factory=dict)
    removed_from_input: list[str] = field(default_factory=list)
    image_root: Path | None = None
    masked: list[str] = field(default_factory=list)
    n_marked_selected: int = 0


def l2_normalize(table: EmbeddingTable) -> EmbeddingTable:
    """Rows scaled to unit length (float32).

    Raises:
        InputFileError: a zero vector (names the file and row).
    """
    vectors = l2_normalized_rows(table.vectors, source=table.source or Path("<input>"), names=table.names)
    return dataclasses.replace(table, vectors=vectors)


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
    datapool = read_embeddings(datapool_path) if datapool_path is not None else None
    rows = input_rows(table, datapool, datapool_path=datapool_path)
    if rows.marked.size:
        marked = table.subset(rows.marked)
        datapool = marked if datapool is None else concat_tables(datapool, marked)
    if len(rows.kept) != len(table):
        table = table.subset(rows.kept)
    if normalize:
        table = l2_normalize(table)
        datapool = l2_normalize(datapool) if datapool is not None else None
    return LoadedInputs(
        input=table,
        datapool=datapool,
        corrupt=dict(corrupt or {}),
        duplicates=dict(duplicates or {}),
        removed_from_input=rows.removed,
        image_root=image_root,
        masked=rows.masked,
        n_marked_selected=len(rows.marked),
    )


@dataclass(frozen=True)
class InputRows:
    """Which rows of an input table stay in the input (:func:`input_rows`).

    Attributes:
        kept: (m,) int64 increasing rows of the table that stay in the input.
        marked: (j,) int64 increasing rows the Lightly CSV's ``selected`` column marks: they join the datapool
            (after its own rows).
        masked: names the ``masked`` column leaves out; removed: names dropped because the datapool holds them.
    """

    kept: np.ndarray
    marked: np.ndarray
    masked: list[str]
    removed: list[str]


def input_rows(table: EmbeddingTable, datapool: EmbeddingTable | None, *, datapool_path: Path | None) -> InputRows:
    """The rows of ``table`` that stay in the input, from its names and flag columns only (``table.vectors`` may
    have no rows, as for an input held on a cluster): masked rows out, rows marked selected moved to the datapool
    (LightlyOne's meaning), rows named in ``datapool`` out.

    Raises:
        InputFileError: ``datapool`` has another dimension than ``table``; fewer than 2 rows stay.
    """
    n_rows = len(table)
    masked = table.masked if len(table.masked) == n_rows else np.zeros(n_rows, dtype=bool)
    marked = table.marked_selected if len(table.marked_selected) == n_rows else np.zeros(n_rows, dtype=bool)
    marked = marked & ~masked
    if datapool is not None and datapool.dim != table.dim:
        raise InputFileError(
            datapool_path or Path("<datapool>"),
            f"embeddings have dimension {datapool.dim} but the input ({table.source or Path('<input>')}) has "
            f"{table.dim}; both must come from the same model",
        )
    staying = ~masked & ~marked
    removed: list[str] = []
    if datapool is not None:
        pool_names = set(datapool.names)
        in_pool = np.array([name in pool_names for name in table.names], dtype=bool) & staying
        removed = [table.names[int(i)] for i in np.flatnonzero(in_pool)]
        staying &= ~in_pool
    kept = np.flatnonzero(staying)
    if len(kept) < MIN_INPUT_SAMPLES:
        raise InputFileError(
            table.source or Path("<input>"),
            f"has {len(kept)} usable sample(s) (after removing datapool samples); at least 2 are needed",
        )
    return InputRows(kept=kept, marked=np.flatnonzero(marked), masked=[table.names[int(i)] for i in np.flatnonzero(masked)],
                     removed=removed)


def concat_tables(first: EmbeddingTable, second: EmbeddingTable) -> EmbeddingTable:
    """The rows of ``first`` then ``second`` (labels kept when both have them)."""
    both = len(first.labels) == len(first) and len(second.labels) == len(second)
    return EmbeddingTable(
        names=first.names + second.names,
        vectors=np.concatenate([first.vectors, second.vectors]),
        source=first.source,
        labels=np.concatenate([first.labels, second.labels]) if both else np.zeros(0, dtype=np.int64),
    )


