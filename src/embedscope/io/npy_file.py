"""Embeddings as a NumPy ``.npy`` array, memory-mapped, with names from a filename list or generated."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.filename_list import read_filename_list
from embedscope.io.npy_header import NpyHeader, check_npy_header, read_npy_header
from embedscope.io.row_normalize import release_mapped_pages
from embedscope.io.validation import as_float32, check_finite, check_unique_names, matrix_cells

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
        InputFileError: not a readable .npy, not 2-D, not real numeric (an object, structured or text array
            is named as such, nothing unpickled), empty, a non-finite value (``row 41 (0-based)``, the sample
            name when ``filenames_path`` gives it, ``dimension 7``), a name count that does not match,
            duplicate names.

    Memory: n·d·4 bytes at most (the float32 conversion), none for float32 files; O(block) temporaries.
    """
    array = open_npy(path)
    given = read_names(path, array.shape[0], filenames_path)
    vectors = checked_float32(path, array, names=given)
    names = given if given is not None else generated_names(vectors.shape[0])
    check_unique_names(path, names)
    return EmbeddingTable(names=names, vectors=vectors, source=path, labels=np.zeros(len(names), dtype=np.int64))


def read_names(path: Path, n_rows: int, filenames_path: Path | None) -> list[str] | None:
    """The names ``filenames_path`` gives the ``n_rows`` rows of ``path``, or None without a file.

    Raises:
        InputFileError: a bad filename list, or one whose count is not ``n_rows``.
    """
    if filenames_path is None:
        return None
    names = read_filename_list(filenames_path)
    if len(names) != n_rows:
        raise InputFileError(
            filenames_path, f"has {len(names)} filenames but {path} has {n_rows} rows; they must match"
        )
    return names


def open_npy(path: Path) -> np.ndarray:
    """The (n_samples, dim) real numeric array of a ``.npy`` file as a read-only memory map (only the header is read).

    The header is checked before numpy opens the file (:mod:`embedscope.io.npy_header`), so an object array is
    refused without touching its pickle, and the messages are ours, not numpy's.

    Raises:
        InputFileError: not a .npy file (a .npz, a pickle), a damaged header, an object / structured / text /
            other non-real dtype, not 2-D, empty, truncated.
    """
    header = read_npy_header(path)
    if header is not None:
        check_npy_header(path, header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "created on Python 2": the checks below decide
            array = np.load(path, allow_pickle=False, mmap_mode="r")
    except Exception as error:  # noqa: BLE001 - numpy parses the header with ast/tokenize: any error means "not .npy"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "pickle" in reason or "Python objects" in reason:  # numpy's advice to trust the file is not ours
            reason = "it holds pickled Python objects, which are not loaded"
        raise InputFileError(path, f"not a readable .npy array ({reason})") from None
    if header is None:  # a version-3 header, read by numpy: the same checks on what it found
        check_npy_header(path, NpyHeader(shape=array.shape, dtype=array.dtype, data_offset=int(array.offset)))
    return array


def checked_float32(
    path: Path, array: np.ndarray, *, first_row: int = 0, names: Sequence[str] | None = None
) -> np.ndarray:
    """``array`` as float32 (the memory map itself when it already is float32 and C-ordered), checked finite.

    Args:
        first_row: the file row of ``array``'s first row (a block of the file), for the error messages.
        names: the sample names of ``array``'s rows when the user gave them (``--filenames``), for the messages;
            None: rows are named by their index only.

    Raises:
        InputFileError: a non-finite value, or one beyond float32's range:
            ``<path>: row 41 (0-based), sample 'cat.jpg', dimension 7: NaN; embeddings must be finite numbers``.
    """
    in_place = array.dtype == np.float32 and array.flags.c_contiguous
    out = array if in_place else np.empty(array.shape, dtype=np.float32)
    cells = matrix_cells(names=names, first_row=first_row)
    for start in range(0, array.shape[0], CHECK_BLOCK_ROWS):
        block = np.asarray(array[start : start + CHECK_BLOCK_ROWS])
        block_cells = cells.block(start, start + block.shape[0])
        check_finite(path, block, block_cells)
        if not in_place:  # beyond float32's range is named here rather than becoming infinite
            out[start : start + block.shape[0]] = as_float32(path, block.astype(np.float64), block_cells)
        release_mapped_pages(array)
    return out
