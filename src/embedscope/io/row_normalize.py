"""L2 normalisation of embedding rows into one float32 array, block by block (no full-size temporary)."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError

BLOCK_BYTES = 64 * 2**20
"""Bytes of the float64 copy of the rows normalised at a time, the only temporary (10,922 rows at 768-d)."""

ZERO_NORM = 1e-12
"""Below this a vector has no direction to normalise."""


def l2_normalized_rows(vectors: np.ndarray, *, source: Path, names: Sequence[str], first_row: int = 0) -> np.ndarray:
    """Rows of ``vectors`` scaled to unit length, as a new (n, d) float32 array.

    Each row is divided by its float64 norm in float64 and rounded once to float32 (the same values as
    ``(v.astype(float64) / norm).astype(float32)`` on the whole array). A memory-mapped input is read
    block by block and its pages are released from this process after each block, so the peak memory is
    the output (n·d·4 bytes) plus one block, not twice the data.

    Args:
        vectors: (n, d) float (may be a read-only ``np.memmap``); never modified.
        source, names: name the file and row in the error (``names`` of these rows).
        first_row: the row number of the first row in the whole input (a block of it), for the error.

    Raises:
        InputFileError: a zero vector (names the file and row).
    """
    out = np.empty(vectors.shape, dtype=np.float32)
    rows = max(1, BLOCK_BYTES // (8 * max(vectors.shape[1], 1)))
    for start in range(0, vectors.shape[0], rows):
        block = np.asarray(vectors[start : start + rows], dtype=np.float64)
        norms = np.linalg.norm(block, axis=1)
        zero = norms < ZERO_NORM
        if zero.any():
            row = start + int(np.argmax(zero))
            raise InputFileError(
                source,
                f"row {first_row + row + 1} ('{names[row]}') is a zero vector, which cannot be L2-normalised; "
                "remove it or pass --no-normalize",
            )
        block /= norms[:, None]
        out[start : start + block.shape[0]] = block
        release_mapped_pages(vectors)
    return out


def release_mapped_pages(array: np.ndarray) -> None:
    """Drop the resident pages of a memory-mapped array from this process (they stay in the page cache
    and are read again on use); nothing for an ordinary array. Keeps a pass over a mapped file from
    adding the whole file to the process's resident memory."""
    current: object = array
    while current is not None and not isinstance(current, np.memmap):
        current = current.base if isinstance(current, np.ndarray) else None
    handle = getattr(current, "_mmap", None)
    if handle is not None and hasattr(mmap, "MADV_DONTNEED"):
        handle.madvise(mmap.MADV_DONTNEED)
