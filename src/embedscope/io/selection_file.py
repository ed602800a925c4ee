"""The selection ``embedscope report --selected FILE`` reads: a filename list, or a CSV with a ``selected`` column.

CSV forms (what the map of ``report.html`` exports): a Lightly embeddings CSV with a ``selected`` column
(``filenames,embedding_0..,selected,labels``) or ``filenames[,labels],selected``. The chosen names are the
rows whose ``selected`` is 1 (or ``true``), in file order. A file whose first line starts with ``filenames,``
is read as a CSV (and refused without a ``selected`` column); any other is a filename list
(:mod:`embedscope.io.filename_list`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.io.filename_list import parse_filename_list
from embedscope.io.text_file import read_text
from embedscope.io.validation import name_problem

SELECTED_COLUMN = "selected"
TRUE_FLAGS = ("1", "true", "1.0")
FALSE_FLAGS = ("0", "false", "0.0")


def _is_csv(path: Path, first_line: str) -> bool:
    """A first line ``filenames,...`` is a CSV header; a CSV without a ``selected`` column selects nothing."""
    header = [c.strip() for c in first_line.removesuffix("\r").split(",")]
    if header[0] != "filenames" or len(header) < 2:
        return False
    if SELECTED_COLUMN not in header[1:]:
        raise InputFileError(path, "a CSV without a 'selected' column: add one (1 = selected) or pass a filename "
                                   "list, one name a line")
    return True


def _selected_rows(path: Path, text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [c.strip() for c in next(reader)]
    column = header.index(SELECTED_COLUMN)
    names: list[str] = []
    seen: set[str] = set()
    for row_number, row in enumerate(reader, start=1):
        if not row:
            continue
        if len(row) != len(header):
            raise InputFileError(path, f"row {row_number} (line {row_number + 1}) has {len(row)} fields, "
                                       f"expected {len(header)} like the header")
        flag = row[column].strip().lower()
        if flag not in TRUE_FLAGS + FALSE_FLAGS:
            raise InputFileError(path, f"row {row_number} (line {row_number + 1}), column 'selected': "
                                       f"{row[column]!r} is not 0 or 1")
        if flag in TRUE_FLAGS:
            if (problem := name_problem(row[0])) is not None or row[0] in seen:
                raise InputFileError(path, f"row {row_number}: {problem or repr(row[0]) + ' is listed twice'}")
            seen.add(row[0])
            names.append(row[0])
    if not names:
        raise InputFileError(path, "no row has selected = 1 (the CSV selects no sample)")
    return names


def read_selected_names(path: Path) -> list[str]:
    """The selected names in ``path``: a filename list, or a CSV's rows with ``selected`` = 1 (see above).

    Raises:
        InputFileError: missing, unreadable or not UTF-8; a CSV without a selected column, a row with the wrong field count or a flag that
            is not 0/1; no name selected; a name listed twice, blank or holding a NUL.
    """
    path = Path(path)
    text = read_text(path)
    if not _is_csv(path, text.split("\n", 1)[0]):
        return parse_filename_list(path, text)
    try:
        names = _selected_rows(path, text)
    except csv.Error as error:
        raise InputFileError(path, f"not valid CSV ({error})") from None
    return names
