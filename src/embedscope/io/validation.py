"""Checks shared by every embeddings reader: finite values, unique names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.errors import InputFileError


def check_finite(
    path: Path, values: np.ndarray, column_names: Sequence[str], *, first_line: int, first_row: int = 0
) -> None:
    """Raise naming the first non-finite cell of ``values`` (n_rows, n_cols).

    Args:
        first_line: the file line number of row 0 (for CSV: 2, below the header), or 0 to report rows only.
        first_row: the file row index of ``values[0]`` when ``values`` is a block of a larger array.
    """
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    kind = "NaN" if np.isnan(values[row, col]) else "an infinite value"
    row += first_row
    where = f"row {row + 1}" + (f" (line {row + first_line})" if first_line else "")
    raise InputFileError(path, f"{where}, column '{column_names[col]}': {kind}; embeddings must be finite numbers")


def check_unique_names(path: Path, names: Sequence[str]) -> None:
    """Raise naming the first filename that occurs twice."""
    seen: dict[str, int] = {}
    for row, name in enumerate(names, start=1):
        if name in seen:
            raise InputFileError(
                path, f"duplicate filename '{name}' (rows {seen[name]} and {row}); filenames must be unique"
            )
        seen[name] = row


def embedding_column_names(dim: int) -> list[str]:
    """``embedding_0`` … ``embedding_{dim-1}``."""
    return [f"embedding_{i}" for i in range(dim)]
