"""The per-sample data behind the interactive map of ``report.html``: every sample's name, set, 2-D positions
and any number of named per-sample columns to colour by.

The colour-by mechanism is generic: a :class:`MapColumn` is a name plus either categories (one code per
sample) or a continuous value per sample. Later features (near-duplicate groups, outlier flags, …) add a
column; the page needs no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embedscope.report.html_figures import ScatterNames
from embedscope.report.model import EmbeddingData2D

SET_COLUMN = "set"
MISSING_CATEGORY = "(missing)"
SET_CATEGORIES = ("input", "random", "datapool", "selected")
"""Codes of the set column, in drawing order: later sets are drawn on top of earlier ones. A sample that is
both selected and in the random subset is "selected"."""

INPUT_CODE, RANDOM_CODE, DATAPOOL_CODE, SELECTED_CODE = range(len(SET_CATEGORIES))
MIN_FOLDERS = 2  # a "folder" column is offered when the names live in at least two top-level folders
MAX_FOLDERS = 50  # ... and in at most this many (more are ids, not groups a person colours by)


@dataclass(frozen=True)
class MapColumn:
    """One per-sample value the map can colour by.

    Attributes:
        label: what the colour-by menu shows.
        values: (n_samples,) float for a continuous column (NaN where missing), or int codes into
            ``categories`` for a categorical one (-1 where missing).
        categories: the category names of a categorical column; None for a continuous column.
    """

    label: str
    values: np.ndarray
    categories: tuple[str, ...] | None = None

    @property
    def is_categorical(self) -> bool:
        return self.categories is not None

    @property
    def varies(self) -> bool:
        """False for a column that would paint every point alike: a continuous one whose present values are
        all equal (the demo's ``lightly.width`` 320 everywhere) or absent, a categorical one with one code."""
        values = np.asarray(self.values)
        if self.is_categorical:
            return bool(values.size) and bool((values != values[0]).any())
        present = values[np.isfinite(values)]
        return bool(present.size) and bool(present.min() < present.max())


@dataclass(frozen=True)
class SampleMap:
    """Every sample of the run, for the map of ``report.html``.

    Attributes:
        names: (n_samples,) filenames: the input samples (in input order), then the datapool samples.
        set_codes: (n_samples,) uint8 codes into :data:`SET_CATEGORIES`.
        projections: label (e.g. "PCA") → (n_samples, 2) float32 coordinates.
        columns: further colour-by columns (the set column is always offered first).
        n_input_total: input samples of the run; more than the input rows here when the map lists a subsample.
        vectors: (n_input, dim) float32 embeddings of the input rows (the rows of ``data/embeddings.csv``), for
            the page's Lightly CSV export; None when the map has no embeddings (then it exports names and flags).
        labels: (n_input,) int64 Lightly CSV labels of the input rows; None with ``vectors`` None.
    """

    names: Sequence[str]
    set_codes: np.ndarray
    projections: Mapping[str, np.ndarray]
    columns: list[MapColumn] = field(default_factory=list)
    n_input_total: int | None = None
    vectors: np.ndarray | None = None
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.names)

    @property
    def n_input(self) -> int:
        """Input rows of the map (the first rows; the datapool rows follow)."""
        return int((self.set_codes != DATAPOOL_CODE).sum())

    def set_column(self) -> MapColumn:
        return MapColumn(SET_COLUMN, self.set_codes.astype(np.int32), SET_CATEGORIES)


def set_codes(n_input: int, *, selected: np.ndarray, random: np.ndarray | None, n_datapool: int) -> np.ndarray:
    """(n_input + n_datapool,) uint8 :data:`SET_CATEGORIES` codes from the selected and random input rows."""
    codes = np.full(n_input + n_datapool, INPUT_CODE, dtype=np.uint8)
    if random is not None:
        codes[np.asarray(random, dtype=np.int64)] = RANDOM_CODE
    codes[np.asarray(selected, dtype=np.int64)] = SELECTED_CODE
    codes[n_input:] = DATAPOOL_CODE
    return codes


def categorical_column(label: str, values: Sequence[object]) -> MapColumn:
    """A categorical column from one value per sample (None or NaN = missing); categories sorted by name."""
    text = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    categories = sorted({v for v in text if v is not None})
    code_of = {c: i for i, c in enumerate(categories)}
    codes = np.array([-1 if v is None else code_of[v] for v in text], dtype=np.int32)
    return MapColumn(label, codes, tuple(categories))


def continuous_column(label: str, values: np.ndarray) -> MapColumn:
    return MapColumn(label, np.asarray(values, dtype=np.float64))


def folder_column(names: Sequence[str]) -> MapColumn | None:
    """The top-level folder of each name (e.g. ``day`` / ``night``), when the names use 2 to 50 folders."""
    folders = [name.split("/", 1)[0] if "/" in name else None for name in names]
    distinct = {f for f in folders if f is not None}
    if not MIN_FOLDERS <= len(distinct) <= MAX_FOLDERS:
        return None
    return categorical_column("folder", folders)


def padded(values: np.ndarray, n_samples: int) -> np.ndarray:
    """Input-row values extended to ``n_samples`` rows (the datapool rows missing: NaN)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(n_samples, np.nan)
    out[: len(values)] = values
    return out


def sample_map_from_report(data: EmbeddingData2D, pca: EmbeddingData2D | None = None, *,
                           names: ScatterNames | None) -> SampleMap:
    """The map of the points listed in a report's scatter data (when no :class:`SampleMap` was given).

    ``data`` is the UMAP (or only) projection; ``pca`` its PCA twin with the same points. The points are the
    listed input points, then the selected ones (a selected sample listed among the input appears twice), then
    the datapool; names come from ``names`` (``#i`` without them).
    """
    n_input = len(data.input2d_embeddings)
    n_selected = len(data.selected_excluding_datapool2d_embeddings)
    n_datapool = len(data.datapool2d_embeddings or [])
    codes = np.concatenate([np.full(n_input, INPUT_CODE), np.full(n_selected, SELECTED_CODE),
                            np.full(n_datapool, DATAPOOL_CODE)]).astype(np.uint8)
    keep = np.ones(len(codes), dtype=bool)
    if names is not None and (len(names.input), len(names.selected), len(names.datapool)) == (n_input, n_selected, n_datapool):
        all_names: Sequence[str] = [*names.input, *names.selected, *names.datapool]
        chosen = set(names.selected)
        keep[:n_input] = [name not in chosen for name in names.input]  # a listed selected sample: drawn once
    else:
        all_names = [f"#{i}" for i in range(len(codes))]
    def stacked(projection: EmbeddingData2D) -> np.ndarray:
        parts = [projection.input2d_embeddings, projection.selected_excluding_datapool2d_embeddings,
                 projection.datapool2d_embeddings or []]
        return np.concatenate([np.asarray(p, dtype=np.float32).reshape(-1, 2) for p in parts])

    projections = {"UMAP": stacked(data)[keep]}
    if pca is not None and len(stacked(pca)) == len(codes):
        projections["PCA"] = stacked(pca)[keep]
    total = data.projection.n_input_total if data.projection is not None else None
    return SampleMap(names=[n for n, k in zip(all_names, keep) if k], set_codes=codes[keep], projections=projections,
                     n_input_total=total)
