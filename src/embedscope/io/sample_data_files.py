"""Readers for per-sample data that selection strategies use: ``--metadata``, ``--scores``, ``--predictions``.

Each file is CSV (a header row) or JSON lines (one object a line; a ``.json`` file may also hold one JSON
array of objects). Every row names its sample in a ``filename`` column.

- metadata: ``filename`` plus any columns. A column whose every non-missing value is a number is numeric
  (float64, NaN where missing); any other column is categorical (text, None where missing). In JSON,
  nested objects are flattened with dots (``{"weather": {"temp": 3}}`` → column ``weather.temp``), the
  key paths LightlyOne uses. Missing = empty CSV cell, ``nan``, JSON null, or an absent key.
- scores (long format): ``filename, task, score, value``; one row per sample, task and score name.
- predictions: ``filename, task, class``; one row per sample (classification) or per object (detection).
  A row with an empty class records a sample with no objects.

Readers check the file's own consistency (columns, numbers, duplicates) and name file, line and column;
matching the filenames against the input is done by :mod:`embedscope.select.sample_data`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.errors import InputFileError
from embedscope.io.text_file import TOO_DEEP, parse_json, read_text

logger = logging.getLogger(__name__)

FILENAME = "filename"
SCORE_COLUMNS = ("filename", "task", "score", "value")
PREDICTION_COLUMNS = ("filename", "task", "class")
CSV_SUFFIXES = (".csv",)
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
MISSING_TEXT = ("", "nan", "NaN", "NAN")
"""CSV cells that mean "no value" (pandas writes NaN for missing numbers)."""


@dataclass(frozen=True)
class MetadataRecords:
    """The rows of a metadata file.

    Attributes:
        source: the file.
        names: (rows,) filenames, unique, in file order.
        numeric: column → (rows,) float64, NaN where missing.
        categorical: column → (rows,) object array of str, None where missing.
    """

    source: Path
    names: list[str]
    numeric: dict[str, np.ndarray]
    categorical: dict[str, np.ndarray]


@dataclass(frozen=True)
class ScoreRecords:
    """The rows of a scores file, grouped by (task, score name).

    Attributes:
        source: the file.
        values: (task, score) → {filename: value} (finite floats).
    """

    source: Path
    values: dict[tuple[str, str], dict[str, float]]

    def filenames(self) -> set[str]:
        """Every filename that has at least one score."""
        return {name for per_name in self.values.values() for name in per_name}


@dataclass(frozen=True)
class PredictionRecords:
    """The rows of a predictions file, grouped by task.

    Attributes:
        source: the file.
        classes: task → {filename: [class of each object]} (a single class for classification; an empty
            list for a sample recorded with no objects).
    """

    source: Path
    classes: dict[str, dict[str, list[str]]]

    def filenames(self) -> set[str]:
        """Every filename that has a prediction row."""
        return {name for per_name in self.classes.values() for name in per_name}


# ---- rows -----------------------------------------------------------------------------------------------


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (where, row) for every data row; ``where`` is e.g. ``"line 3"``. Raises on a malformed file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + JSON_SUFFIXES:
        raise InputFileError(
            path, f"unknown extension '{path.suffix}'; expected .csv or JSON lines (.jsonl, .json)"
        )
    text = read_text(path)
    if not text.strip():
        raise InputFileError(path, "empty file")
    if suffix in CSV_SUFFIXES:
        try:
            yield from _csv_rows(path, text)
        except csv.Error as error:
            raise InputFileError(path, f"not valid CSV ({error})") from None
    elif suffix == ".json" and text.lstrip().startswith("["):
        yield from _json_array_rows(path, text)
    else:
        yield from _json_lines_rows(path, text)


def _csv_rows(path: Path, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip() for cell in next(reader)]
    if len(set(header)) != len(header):
        twice = next(name for name in header if header.count(name) > 1)
        raise InputFileError(path, f"line 1: column '{twice}' appears twice in the header")
    produced = False
    for cells in reader:
        line = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise InputFileError(path, f"line {line}: {len(cells)} cells, the header has {len(header)}")
        produced = True
        yield f"line {line}", {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    if not produced:
        raise InputFileError(path, "header only; expected one row per sample below the header")


def _json_lines_rows(path: Path, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = parse_json(raw)
        except json.JSONDecodeError as error:
            raise InputFileError(path, f"line {line}: invalid JSON: {error.msg}") from None
        except ValueError as error:
            raise InputFileError(path, f"line {line}: {error}") from None
        yield f"line {line}", _as_row(path, f"line {line}", value)


def _json_array_rows(path: Path, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        items = parse_json(text)
    except json.JSONDecodeError as error:
        raise InputFileError(path, f"line {error.lineno}: invalid JSON: {error.msg}") from None
    except ValueError as error:
        raise InputFileError(path, str(error)) from None
    if not isinstance(items, list):
        raise InputFileError(path, "expected a JSON array of objects or one JSON object a line")
    for number, value in enumerate(items, start=1):
        yield f"item {number}", _as_row(path, f"item {number}", value)


def _as_row(path: Path, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputFileError(path, f"{where}: expected a JSON object with a 'filename' key")
    try:
        return _flatten(value)
    except RecursionError:
        raise InputFileError(path, f"{where}: {TOO_DEEP}") from None


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            flat.update(_flatten(item, prefix=f"{name}."))
        else:
            flat[name] = item
    return flat


def _require(path: Path, where: str, row: dict[str, Any], columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in row]
    if missing:
        raise InputFileError(
            path, f"{where}: no '{missing[0]}' column; expected columns {', '.join(columns)}"
        )


def _text(path: Path, where: str, column: str, value: Any, *, allow_empty: bool = False) -> str:
    """A cell as text: str, or an int (a class id); empty only when allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_empty:
            return ""
        raise InputFileError(path, f"{where}, column '{column}': empty; every row needs a {column}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputFileError(path, f"{where}, column '{column}': expected text, got {value!r}")
    return str(value).strip()


def _number(path: Path, where: str, column: str, value: Any) -> float:
    """A finite number from a CSV cell or a JSON value."""
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value))
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        raise InputFileError(path, f"{where}, column '{column}': {value!r} is not a finite number")
    return number


def _check_new(path: Path, where: str, key: Any, seen: dict[Any, str], *, what: str) -> None:
    """Raise when ``key`` was seen before (``what`` describes it, e.g. ``"filename 'a.jpg'"``)."""
    if key in seen:
        raise InputFileError(path, f"{where}: {what} already has a row ({seen[key]}); give each only once")
    seen[key] = where


# ---- metadata -------------------------------------------------------------------------------------------


def read_metadata_file(path: Path) -> MetadataRecords:
    """Read a ``--metadata`` file (CSV or JSON lines); see the module docstring for the format.

    Raises:
        InputFileError: naming the file, line and column of the first problem (no ``filename`` column,
            empty or duplicate filename, an infinite number, ragged CSV row, invalid JSON).
    """
    path = Path(path)
    names: list[str] = []
    rows: list[dict[str, Any]] = []
    wheres: list[str] = []
    seen: dict[Any, str] = {}
    for where, row in _rows(path):
        _require(path, where, row, (FILENAME,))
        name = _text(path, where, FILENAME, row.pop(FILENAME))
        _check_new(path, where, name, seen, what=f"filename '{name}'")
        names.append(name)
        rows.append(row)
        wheres.append(where)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    numeric: dict[str, np.ndarray] = {}
    categorical: dict[str, np.ndarray] = {}
    for column in columns:
        cells = [row.get(column) for row in rows]
        values = _numeric_column(cells)
        if values is None:
            categorical[column] = np.array([_category(cell) for cell in cells], dtype=object)
            continue
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            first = int(infinite[0])
            raise InputFileError(
                path, f"{wheres[first]}, column '{column}': {cells[first]!r} is infinite; use a finite number"
            )
        numeric[column] = values
    logger.debug(
        "%s: %d rows, numeric %s, categorical %s", path, len(names), list(numeric), list(categorical)
    )
    return MetadataRecords(source=path, names=names, numeric=numeric, categorical=categorical)


def _is_missing(cell: Any) -> bool:
    return (
        cell is None
        or (isinstance(cell, str) and cell.strip() in MISSING_TEXT)
        or (isinstance(cell, float) and math.isnan(cell))
    )


def _numeric_column(cells: list[Any]) -> np.ndarray | None:
    """(rows,) float64 with NaN for missing cells, or None when some present cell is not a number."""
    values = np.full(len(cells), np.nan)
    for row, cell in enumerate(cells):
        if _is_missing(cell):
            continue
        if isinstance(cell, (bool, list, dict)):
            return None
        if isinstance(cell, (int, float)):
            values[row] = float(cell)
            continue
        try:
            values[row] = float(cell)
        except ValueError:
            return None
    return values


def _category(cell: Any) -> str | None:
    """A categorical cell as text (JSON booleans as ``true``/``false``), or None when missing."""
    if _is_missing(cell):
        return None
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, (list, dict)):
        return json.dumps(cell, sort_keys=True)
    return str(cell).strip()


# ---- scores ---------------------------------------------------------------------------------------------


def read_scores_file(path: Path) -> ScoreRecords:
    """Read a ``--scores`` file: rows ``filename, task, score, value`` (CSV or JSON lines).

    Raises:
        InputFileError: a missing column, an empty name, a value that is not a finite number, or a
            (filename, task, score) given twice — naming file, line and column.
    """
    path = Path(path)
    values: dict[tuple[str, str], dict[str, float]] = {}
    seen: dict[Any, str] = {}
    for where, row in _rows(path):
        _require(path, where, row, SCORE_COLUMNS)
        name = _text(path, where, "filename", row["filename"])
        task = _text(path, where, "task", row["task"])
        score = _text(path, where, "score", row["score"])
        value = _number(path, where, "value", row["value"])
        _check_new(
            path, where, (name, task, score), seen, what=f"'{name}' with task '{task}' and score '{score}'"
        )
        values.setdefault((task, score), {})[name] = value
    return ScoreRecords(source=path, values=values)


# ---- predictions ----------------------------------------------------------------------------------------


def read_predictions_file(path: Path) -> PredictionRecords:
    """Read a ``--predictions`` file: rows ``filename, task, class`` (CSV or JSON lines).

    One row per sample gives its class (classification); several rows of one sample and task give the
    classes of its objects (detection). An empty class records a sample without objects.

    Raises:
        InputFileError: a missing column or an empty filename/task — naming file, line and column.
    """
    path = Path(path)
    classes: dict[str, dict[str, list[str]]] = {}
    for where, row in _rows(path):
        _require(path, where, row, PREDICTION_COLUMNS)
        name = _text(path, where, "filename", row["filename"])
        task = _text(path, where, "task", row["task"])
        label = _text(path, where, "class", row["class"], allow_empty=True)
        objects = classes.setdefault(task, {}).setdefault(name, [])
        if label:
            objects.append(label)
    return PredictionRecords(source=path, classes=classes)
