"""SIMILARITY queries of a selection config as vectors: a list of input/datapool names, or an embeddings file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.ingest.samples import LoadedInputs, l2_normalize
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.filename_list import read_filename_list
from embedscope.select.config import SelectionConfig

NAME_LIST_SUFFIXES = (".txt",)  # a query given as a list of input/datapool filenames


def resolve_queries(config: SelectionConfig, inputs: LoadedInputs, *, normalize: bool) -> dict[str, np.ndarray]:
    """SIMILARITY ``query`` value → (q, d) float32 query embeddings.

    A ``.txt`` query lists filenames of the input or the datapool; any other file is an embeddings file of
    the same dimension. Relative paths are resolved against the configuration file's folder.
    """
    base = config.source.parent if config.source is not None else Path(".")
    queries: dict[str, np.ndarray] = {}
    for query in config.query_files():
        path = Path(query) if Path(query).is_absolute() else base / query
        if path.suffix.lower() in NAME_LIST_SUFFIXES:
            queries[query] = _vectors_of_names(path, inputs)
            continue
        table = read_embeddings(path)
        if table.dim != inputs.input.dim:
            raise InputFileError(
                path, f"query embeddings have dimension {table.dim} but the input has {inputs.input.dim}"
            )
        queries[query] = (l2_normalize(table) if normalize else table).vectors
    return queries


def _vectors_of_names(path: Path, inputs: LoadedInputs) -> np.ndarray:
    names = read_filename_list(path)
    rows = {name: vector for name, vector in zip(inputs.input.names, inputs.input.vectors)}
    if inputs.datapool is not None:
        rows.update(zip(inputs.datapool.names, inputs.datapool.vectors))
    missing = [name for name in names if name not in rows]
    if missing:
        raise InputFileError(
            path, f"{len(missing)} query name(s) are neither input nor datapool samples, e.g. '{missing[0]}'"
        )
    return np.stack([rows[name] for name in names]).astype(np.float32)
