"""Checks shared by every embeddings reader: finite float32 values, usable unique names, and the words that
name a bad cell in each file's own vocabulary (:class:`Cells`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Cells:
    """How a message names a cell of an embeddings file, in the file's own words.

    A table (CSV, Parquet) has 1-based rows, maybe line numbers and named columns:
    ``row 42 (line 43), sample 'cat.jpg', column 'embedding_7'``. A ``.npy`` matrix has 0-based rows as numpy
    indexes them and dimensions: ``row 41 (0-based), sample 'cat.jpg', dimension 7``.

    Attributes:
        row: the file's row index (0-based) → its words.
        column: the column index → its words.
        names: the sample names of the checked rows (``names[i]`` is row ``first_row + i``'s), or None when
            the file gives no names of its own (a ``.npy`` without ``--filenames``).
        first_row: the file row of the checked array's first row (a block of a larger file).
    """

    row: Callable[[int], str]
    column: Callable[[int], str]
    names: Sequence[object] | None = None
    first_row: int = 0

    def at(self, i: int, j: int) -> str:
        """Cell (``i``, ``j``) of the checked array in the file's words (a name that is not text is left out:
        the name checks report it)."""
        name = self.names[i] if self.names is not None else None
        sample = f", sample '{name}'" if isinstance(name, str) else ""
        return f"{self.row(self.first_row + i)}{sample}, {self.column(j)}"

    def block(self, start: int, stop: int) -> Cells:
        """The same file's cells for rows ``start..stop`` of the checked array."""
        names = None if self.names is None else self.names[start:stop]
        return dataclasses.replace(self, names=names, first_row=self.first_row + start)


def table_cells(
    column_names: Sequence[str], *, names: Sequence[object] | None, first_line: int = 0, first_row: int = 0
) -> Cells:
    """A table's cells: 1-based rows (with the line, ``first_line`` being row 1's; 0: no lines), named columns;
    ``names`` and ``first_row`` as in :class:`Cells`."""
    return Cells(
        row=lambda r: _where(r, first_line), column=lambda j: f"column '{column_names[j]}'", names=names,
        first_row=first_row,
    )


def list_column_cells(column: str, *, names: Sequence[object] | None, first_row: int = 0) -> Cells:
    """A table whose vectors are one list column: 1-based rows, ``column 'embedding', element j``; ``names`` and
    ``first_row`` as in :class:`Cells`."""
    return Cells(row=lambda r: _where(r, 0), column=lambda j: f"column '{column}', element {j}", names=names,
                 first_row=first_row)


def matrix_cells(*, names: Sequence[object] | None, first_row: int = 0) -> Cells:
    """A ``.npy`` matrix's cells: rows 0-based as numpy indexes them, ``dimension j``."""
    return Cells(row=lambda r: f"row {r} (0-based)", column=lambda j: f"dimension {j}", names=names,
                 first_row=first_row)


def check_finite(path: Path, values: np.ndarray, cells: Cells) -> None:
    """Raise naming the first non-finite cell of ``values`` (n_rows, n_cols) in ``cells``' words.

    Raises:
        InputFileError: ``<path>: <row>, sample '<name>', <column>: NaN; embeddings must be finite numbers``
            (or "an infinite value"; no sample part when the file has no names).
    """
    problem = value_problem(path, values, cells, finite_only=True)
    if problem is not None:
        raise problem[1]


FLOAT32_MAX = float(np.finfo(np.float32).max)

NON_FINITE, BEYOND_FLOAT32 = 0, 1
"""Kinds of :func:`value_problem`, in the order the checks report them (every non-finite cell comes first)."""


def value_problem(
    path: Path, values: np.ndarray, cells: Cells, *, finite_only: bool = False,
) -> tuple[tuple[int, int, int], InputFileError] | None:
    """The first problem :func:`as_float32` would raise for ``values`` (n_rows, n_cols) float64, without raising:
    ``((kind, file row, column), error)`` with kind :data:`NON_FINITE` or :data:`BEYOND_FLOAT32`, the error
    naming the cell in ``cells``' words (its ``first_row`` places a block in the file); None when fine.
    The tuples of two blocks of one file compare as their problems' order in the whole file."""
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(values[row, col]) else "an infinite value"
        return (NON_FINITE, row + cells.first_row, col), InputFileError(
            path, f"{cells.at(row, col)}: {kind}; embeddings must be finite numbers")
    beyond = np.zeros(0, dtype=bool) if finite_only else (values > FLOAT32_MAX) | (values < -FLOAT32_MAX)
    if beyond.any():
        row, col = (int(i) for i in np.argwhere(beyond)[0])
        return (BEYOND_FLOAT32, row + cells.first_row, col), InputFileError(
            path,
            f"{cells.at(row, col)}: {values[row, col]:g} is beyond the "
            f"float32 range (±{FLOAT32_MAX:.3g}); embeddings are stored as float32",
        )
    return None


def as_float32(path: Path, values: np.ndarray, cells: Cells) -> np.ndarray:
    """``values`` (n_rows, n_cols) float64, checked finite and within float32's range, as float32.

    Raises:
        InputFileError: naming the first NaN/infinite cell, or the first cell beyond ±3.4e38 (it would
            become infinite as float32), in ``cells``' words.
    """
    problem = value_problem(path, values, cells)
    if problem is not None:
        raise problem[1]
    return values.astype(np.float32)


def _where(row: int, first_line: int) -> str:
    """A table's 0-based ``row`` as ``row R`` (1-based), with its line when ``first_line`` (row 1's line) is set."""
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
