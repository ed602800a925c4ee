"""Checks shared by every embeddings reader: finite float32 values, usable unique names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

import numpy as np

from embedscope.errors import InputFileError

Problem: TypeAlias = tuple[tuple[int, ...], InputFileError]
"""A problem of a file and its rank: readers that check a file in pieces (row groups, chunks) rank each problem by the
order in which the reader of the whole file meets it, and report the one of smallest rank (:func:`raise_first`)."""


def raise_first(problems: Sequence[Problem | None]) -> None:
    """Raise the problem of smallest rank, if any."""
    found = [problem for problem in problems if problem is not None]
    if found:
        raise min(found, key=lambda problem: problem[0])[1]


def check_finite(
    path: Path, values: np.ndarray, column_names: Sequence[str], *, first_line: int, first_row: int = 0
) -> None:
    """Raise naming the first non-finite cell of ``values`` (n_rows, n_cols).

    Args:
        first_line: the file line number of row 0 (for CSV: 2, below the header), or 0 to report rows only.
        first_row: the file row index of ``values[0]`` when ``values`` is a block of a larger array.
    """
    problem = value_problem(path, values, column_names, first_line=first_line, first_row=first_row, finite_only=True)
    if problem is not None:
        raise problem[1]


FLOAT32_MAX = float(np.finfo(np.float32).max)

NON_FINITE, BEYOND_FLOAT32 = 0, 1
"""Kinds of :func:`value_problem`, in the order the checks report them (every non-finite cell comes first)."""


def value_problem(
    path: Path, values: np.ndarray, column_names: Sequence[str], *, first_line: int, first_row: int = 0,
    finite_only: bool = False,
) -> tuple[tuple[int, int, int], InputFileError] | None:
    """The first problem :func:`as_float32` would raise for ``values`` (n_rows, n_cols) float64, without raising:
    ``((kind, file row, column), error)`` with kind :data:`NON_FINITE` or :data:`BEYOND_FLOAT32`; None when fine.
    The tuples of two blocks of one file compare as their problems' order in the whole file."""
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(values[row, col]) else "an infinite value"
        return (NON_FINITE, row + first_row, col), InputFileError(
            path, f"{_where(row + first_row, first_line)}, column '{column_names[col]}': {kind}; embeddings must be finite numbers")
    beyond = np.zeros(0, dtype=bool) if finite_only else (values > FLOAT32_MAX) | (values < -FLOAT32_MAX)
    if beyond.any():
        row, col = (int(i) for i in np.argwhere(beyond)[0])
        return (BEYOND_FLOAT32, row + first_row, col), InputFileError(
            path,
            f"{_where(row + first_row, first_line)}, column '{column_names[col]}': {values[row, col]:g} is beyond the "
            f"float32 range (±{FLOAT32_MAX:.3g}); embeddings are stored as float32",
        )
    return None


def as_float32(
    path: Path, values: np.ndarray, column_names: Sequence[str], *, first_line: int, first_row: int = 0
) -> np.ndarray:
    """``values`` (n_rows, n_cols) float64, checked finite and within float32's range, as float32.

    Raises:
        InputFileError: naming the first NaN/infinite cell, or the first cell beyond ±3.4e38 (it would
            become infinite as float32).
    """
    problem = value_problem(path, values, column_names, first_line=first_line, first_row=first_row)
    if problem is not None:
        raise problem[1]
    return values.astype(np.float32)


def _where(row: int, first_line: int) -> str:
    return f"row {row + 1}" + (f" (line {row + first_line})" if first_line else "")


FORBIDDEN_NAME_CHARACTERS = {"\n": "a line break", "\r": "a carriage return", "\x00": "a NUL character"}
"""Characters a filename list (one name a line) cannot hold: names with them are refused at input."""


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a sample name (None if it can): not text, blank, or a character a filename
    list cannot hold faithfully (:data:`FORBIDDEN_NAME_CHARACTERS`)."""
    if not isinstance(name, str):
        return f"{'no filename (null)' if name is None else f'filename {name!r} is not text'}"
    if not name.strip():
        return f"filename {name!r} is blank"
    for character, what in FORBIDDEN_NAME_CHARACTERS.items():
        if character in name:
            return f"filename {name!r} holds {what}, which a one-name-a-line list cannot keep; rename it"
    return None


def check_unique_names(path: Path, names: Sequence[str], *, first_line: int = 0) -> None:
    """Raise naming the first filename that is unusable (:func:`name_problem`) or occurs twice."""
    seen: dict[str, int] = {}
    for row, name in enumerate(names, start=1):
        problem = name_problem(name)
        if problem is not None:
            raise InputFileError(path, f"{_where(row - 1, first_line)}: {problem}")
        if name in seen:
            raise InputFileError(
                path, f"duplicate filename '{name}' (rows {seen[name]} and {row}); filenames must be unique"
            )
        seen[name] = row


def embedding_column_names(dim: int) -> list[str]:
    """``embedding_0`` … ``embedding_{dim-1}``."""
    return [f"embedding_{i}" for i in range(dim)]
