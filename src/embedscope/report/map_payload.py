"""The :class:`SampleMap` as a compact JSON payload for ``report.html``: typed arrays in base64, not JSON numbers.

Sizes at n samples: each 2-D projection 4 bytes a point (x and y as uint16 steps of the axis range: 1/65,535
of the range, far below a pixel), the set and each categorical column 1 byte a sample (2 above 255
categories), each continuous column 2 bytes a sample (uint16 steps of its range, 65,535 = missing), the names
as gzip-compressed JSON. Base64 adds a third. At 1,000,000 samples with two projections, two continuous and
two categorical columns and names of ~20 characters that is ~25 MB (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import numpy as np

from embedscope.report.sample_map import MISSING_CATEGORY, SET_CATEGORIES, MapColumn, SampleMap

QUANTIZATION_STEPS = 65_535  # uint16 levels of a quantised value
MISSING_VALUE = 65_535  # the uint16 code of a missing continuous value (values use 0 .. 65,534)
GZIP_LEVEL = 6  # zlib's default trade of time for size
MAX_COLOR_CATEGORIES = 20  # categories coloured individually (most frequent first); the rest are "other"
OTHER_CATEGORY = "other"
CATEGORY_COLORS = (  # Tableau 20, reordered so the first ten are the distinct "tab10" hues
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)
SET_CATEGORY_COLORS = {"input": "#b0b7bb", "random": "#2ca02c", "datapool": "#ff7f0e", "selected": "#1f77b4"}
MISSING_COLOR = "#dddddd"
N_LEVELS = 24  # colours of a continuous value: the map draws one WebGL trace per level (see html_map_script)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def quantized(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(uint16 codes, lo, hi) of float values: code = round((v - lo) / (hi - lo) · 65,534), NaN → 65,535."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    lo = float(values[finite].min()) if finite.any() else 0.0
    hi = float(values[finite].max()) if finite.any() else 0.0
    span = hi - lo if hi > lo else 1.0
    codes = np.full(values.shape, MISSING_VALUE, dtype=np.uint16)
    codes[finite] = np.rint((values[finite] - lo) / span * (QUANTIZATION_STEPS - 1)).astype(np.uint16)
    return codes, lo, hi


def dequantized(codes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The float64 values the page draws for ``codes`` (NaN for missing): the inverse of :func:`quantized`."""
    span = hi - lo if hi > lo else 1.0
    values = lo + codes.astype(np.float64) / (QUANTIZATION_STEPS - 1) * span
    values[codes == MISSING_VALUE] = np.nan
    return values


def _quantized_spec(values: np.ndarray) -> dict[str, Any]:
    codes, lo, hi = quantized(values)
    return {"dtype": "u2", "bdata": _b64(codes), "lo": lo, "hi": hi}


def shown_categories(column: MapColumn, *, colors: list[str] | None = None) -> tuple[np.ndarray, list[str], list[str]]:
    """(codes, labels, colours) of the categories the map shows: the most frequent :data:`MAX_COLOR_CATEGORIES`
    (ties by name), then "other", then "(missing)"; codes (n,) uint8 (uint16 above 256 categories)."""
    if column.categories is None:
        raise ValueError(f"column {column.label!r} is continuous, not categorical")
    codes = np.asarray(column.values, dtype=np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(column.categories))
    if colors is None:
        kept = sorted(range(len(column.categories)), key=lambda c: (-counts[c], column.categories[c]))  # type: ignore[index]
        kept = [c for c in kept[:MAX_COLOR_CATEGORIES] if counts[c] > 0]
    else:
        kept = list(range(len(column.categories)))
    remap = np.full(len(column.categories) + 1, -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    labels = [column.categories[c] for c in kept]
    shown_colors = list(colors) if colors is not None else [CATEGORY_COLORS[i] for i in range(len(kept))]
    shown = np.where(codes >= 0, remap[np.where(codes >= 0, codes, len(column.categories))], -1)
    if (shown[codes >= 0] < 0).any():
        shown[(codes >= 0) & (shown < 0)] = len(labels)
        labels.append(OTHER_CATEGORY)
        shown_colors.append("#8d6e63")
    if (codes < 0).any():
        shown[codes < 0] = len(labels)
        labels.append(MISSING_CATEGORY)
        shown_colors.append(MISSING_COLOR)
    return shown.astype(np.uint8 if len(labels) <= 256 else np.uint16), labels, shown_colors


def _categorical_spec(column: MapColumn, *, colors: list[str] | None = None) -> dict[str, Any]:
    """The shown categories' codes (base64), labels, colours and counts."""
    codes, labels, shown_colors = shown_categories(column, colors=colors)
    return {"label": column.label, "kind": "category", "dtype": "u1" if codes.dtype == np.uint8 else "u2",
            "bdata": _b64(codes), "categories": labels, "colors": shown_colors,
            "counts": np.bincount(codes, minlength=len(labels)).astype(int).tolist()}


def _column_spec(column: MapColumn) -> dict[str, Any]:
    if column.is_categorical:
        return _categorical_spec(column)
    return {"label": column.label, "kind": "value", **_quantized_spec(column.values)}


def map_payload(sample_map: SampleMap) -> dict[str, Any]:
    """The JSON-able payload the page's map script reads (see :data:`html_map_script.MAP_SCRIPT`).

    Keys: ``n``; ``names`` (base64 of gzip of the JSON list of names); ``projections`` (label, x and y
    quantised specs); ``columns`` (the set column first; categorical: codes, category labels, colours,
    counts; continuous: quantised values); ``nInputTotal``.
    """
    names = gzip.compress(json.dumps(list(sample_map.names)).encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)
    projections = [
        {"label": label, "x": _quantized_spec(xy[:, 0]), "y": _quantized_spec(xy[:, 1])}
        for label, xy in sample_map.projections.items()
    ]
    set_spec = _categorical_spec(sample_map.set_column(), colors=list(SET_CATEGORY_COLORS.values()))
    set_spec["categories"] = set_legend_labels(set_spec["counts"])
    return {
        "n": len(sample_map),
        "names": base64.b64encode(names).decode("ascii"),
        "projections": projections,
        "columns": [set_spec, *(_column_spec(c) for c in sample_map.columns)],
        "nInputTotal": sample_map.n_input_total,
        "levelColors": level_colors(),
    }


def set_legend_labels(counts: list[int]) -> list[str]:
    """The set column's labels (in :data:`SET_CATEGORIES` order) for the legend, which counts every sample
    once (a selected sample of the random subset as selected): the input and random entries say what they
    leave out, so "input (324)" beside "selected (40)" is not read as the size of a 400-sample input."""
    random = " or random" if counts[SET_CATEGORIES.index("random")] else ""
    labels = {"input": f"input, not selected{random}", "random": "random, not selected"}
    return [labels.get(name, name) for name in SET_CATEGORIES]


def level_colors(n_levels: int = N_LEVELS) -> list[str]:
    """Viridis (matplotlib's) at the centres of ``n_levels`` equal steps of a value's range, dark to yellow."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return [to_hex(colormaps["viridis"]((i + 0.5) / n_levels)) for i in range(n_levels)]


def drawn_coordinates(payload: dict[str, Any], projection: int = 0) -> np.ndarray:
    """(n, 2) float64 coordinates the page draws for one projection of ``payload`` (for tests and checks)."""
    spec = payload["projections"][projection]
    axes = []
    for axis in ("x", "y"):
        codes = np.frombuffer(base64.b64decode(spec[axis]["bdata"]), dtype=np.uint16)
        axes.append(dequantized(codes, spec[axis]["lo"], spec[axis]["hi"]))
    return np.column_stack(axes)
