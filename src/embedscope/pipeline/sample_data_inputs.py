"""Per-sample data (metadata, scores, predictions) and SIMILARITY queries, aligned with the run's samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.filename_list import read_filename_list
from embedscope.io.name_matching import NameIndex, rows_of
from embedscope.io.sample_data_files import read_metadata_file, read_predictions_file, read_scores_file
from embedscope.pipeline.inputs import LoadedInputs, l2_normalize
from embedscope.select.config import SelectionConfig
from embedscope.select.sample_data import SampleData, align_sample_data

NAME_LIST_SUFFIXES = (".txt",)  # a query given as a list of input/datapool filenames


@dataclass(frozen=True)
class RunSampleData:
    """Per-sample data of the input and of the datapool (None where no file was given)."""

    input: SampleData
    datapool: SampleData | None

    @property
    def is_empty(self) -> bool:
        data = self.input
        return not (data.numeric or data.categorical or data.scores or data.predictions)


def load_sample_data(
    inputs: LoadedInputs,
    *,
    metadata_path: Path | None,
    scores_path: Path | None,
    predictions_path: Path | None,
) -> RunSampleData:
    """Read the given files and align them with the input (and the datapool).

    Raises:
        InputFileError: a format problem, or filenames that are neither input nor datapool samples.
    """
    metadata = read_metadata_file(metadata_path) if metadata_path is not None else None
    scores = read_scores_file(scores_path) if scores_path is not None else None
    predictions = read_predictions_file(predictions_path) if predictions_path is not None else None
    pool_names = inputs.datapool.names if inputs.datapool is not None else []
    known = [*inputs.input.names, *pool_names, *inputs.removed_from_input]
    input_data = align_sample_data(
        inputs.input.names, metadata=metadata, scores=scores, predictions=predictions, known_names=known
    )
    pool_data = None
    if inputs.datapool is not None:
        pool_data = align_sample_data(
            pool_names, metadata=metadata, scores=scores, predictions=predictions, known_names=known
        )
    return RunSampleData(input=input_data, datapool=pool_data)


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
    known = list(inputs.input.names) + (list(inputs.datapool.names) if inputs.datapool is not None else [])
    vectors = inputs.input.vectors if inputs.datapool is None else np.concatenate([inputs.input.vectors, inputs.datapool.vectors])
    rows, missing = rows_of(names, NameIndex(known))
    if missing:
        raise InputFileError(
            path, f"{len(missing)} query name(s) are neither input nor datapool samples, e.g. '{missing[0]}'"
        )
    return vectors[rows].astype(np.float32)
