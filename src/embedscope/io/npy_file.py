"""Embeddings as a NumPy ``.npy`` array, memory-mapped, with names from a filename list or generated."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.filename_list import read_filename_list
from embedscope.io.row_normalize import release_mapped_pages
from embedscope.io.validation import as_float32, check_finite, check_unique_names, embedding_column_names

CHECK_BLOCK_ROWS = 65_536
"""Rows checked or converted at a time: a few hundred MiB at 1024-d, so no full-size temporary exists."""


def generated_names(n_samples: int) -> list[str]:
    """``sample_000000``, ``sample_000001``, … for arrays without names."""
    return [f"sample_{i:06d}" for i in range(n_samples)]


def read_npy(path: Path, *, filenames_path: Path | None = None) -> EmbeddingTable:
    """Read an (n_samples, dim) numeric ``.npy`` array, memory-mapped.

    A float32 C-ordered array is returned as a read-only memory map of the file (no copy: pages are read
    as they are used); any other real dtype is converted block by block into one float32 array. Values are
    checked block by block (finite, also after the cast to float32).

    Args:
        filenames_path: a text file with one name a line, as many lines as rows; else generated names.

    Raises:
        InputFileError: not a readable .npy, not 2-D, not real numeric, empty, a non-finite value (row and
            column named), a name count that does not match, duplicate names.

    Memory: n·d·4 bytes at most (the float32 conversion), none for float32 files; O(block) temporaries.
    """
    array = open_npy(path)
    vectors = checked_float32(path, array)
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


def open_npy(path: Path) -> np.ndarray:
    """The (n_samples, dim) real numeric array of a ``.npy`` file as a read-only memory map (only the header is read).

    Raises:
        InputFileError: not a readable .npy, not 2-D, not real numeric, empty.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "created on Python 2": the checks below decide
            array = np.load(path, allow_pickle=False, mmap_mode="r")
    except Exception as error:  # noqa: BLE001 - numpy parses the header with ast/tokenize: any error means "not .npy"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputFileError(path, f"not a readable .npy array ({reason})") from None
    if array.ndim != 2:
        raise InputFileError(path, f"expected a 2-D array (n_samples, dim), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise InputFileError(path, f"expected a real numeric array, got dtype {array.dtype}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputFileError(path, f"the array is empty (shape {array.shape})")
    return array


def checked_float32(path: Path, array: np.ndarray, *, first_row: int = 0) -> np.ndarray:
    """``array`` as float32 (the memory map itself when it already is float32 and C-ordered), checked finite.

    Args:
        first_row: the file row of ``array``'s first row (a block of the file), for the error messages.

    Raises:
        InputFileError: a non-finite value, or one beyond float32's range (file row and column named).
    """
    in_place = array.dtype == np.float32 and array.flags.c_contiguous
    out = array if in_place else np.empty(array.shape, dtype=np.float32)
    columns = embedding_column_names(array.shape[1])
    for start in range(0, array.shape[0], CHECK_BLOCK_ROWS):
        block = np.asarray(array[start : start + CHECK_BLOCK_ROWS])
        check_finite(path, block, columns, first_line=0, first_row=first_row + start)
        if not in_place:  # beyond float32's range is named here rather than becoming infinite
            out[start : start + block.shape[0]] = as_float32(
                path, block.astype(np.float64), columns, first_line=0, first_row=first_row + start
            )
        release_mapped_pages(array)
    return out
