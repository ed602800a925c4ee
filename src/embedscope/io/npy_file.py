"""Embeddings as a NumPy ``.npy`` array, with names from a filename list or generated."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.filename_list import read_filename_list
from embedscope.io.validation import as_float32, check_unique_names, embedding_column_names


def generated_names(n_samples: int) -> list[str]:
    """``sample_000000``, ``sample_000001``, … for arrays without names."""
    return [f"sample_{i:06d}" for i in range(n_samples)]


def read_npy(path: Path, *, filenames_path: Path | None = None) -> EmbeddingTable:
    """Read an (n_samples, dim) numeric ``.npy`` array.

    Args:
        filenames_path: a text file with one name a line, as many lines as rows; else generated names.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "created on Python 2": the checks below decide
            array = np.load(path, allow_pickle=False, mmap_mode=None)
    except Exception as error:  # noqa: BLE001 - numpy parses the header with ast/tokenize: any error means "not .npy"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputFileError(path, f"not a readable .npy array ({reason})") from None
    if array.ndim != 2:
        raise InputFileError(path, f"expected a 2-D array (n_samples, dim), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise InputFileError(path, f"expected a real numeric array, got dtype {array.dtype}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputFileError(path, f"the array is empty (shape {array.shape})")
    vectors = as_float32(path, np.asarray(array, dtype=np.float64), embedding_column_names(array.shape[1]), first_line=0)
    if filenames_path is not None:
        names = read_filename_list(filenames_path)
        if len(names) != vectors.shape[0]:
            raise InputFileError(
                filenames_path, f"has {len(names)} filenames but {path} has {vectors.shape[0]} rows; they must match"
            )
    else:
        names = generated_names(vectors.shape[0])
    check_unique_names(path, names)
    return EmbeddingTable(names=names, vectors=vectors, source=path, labels=np.zeros(len(names), dtype=np.int64))
