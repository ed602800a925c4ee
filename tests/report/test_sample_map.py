"""The map's per-sample data: set codes, colour-by columns from a run, and the compact payload the page decodes."""

from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pytest

from embedscope.report.map_payload import (
    MAX_COLOR_CATEGORIES,
    drawn_coordinates,
    level_colors,
    map_payload,
    quantized,
)
from embedscope.report.run_sample_map import run_sample_map
from embedscope.report.sample_map import SET_CATEGORIES, MapColumn, SampleMap, folder_column, set_codes
from embedscope.select.sample_data import SampleData, TaskPredictions


def _codes(spec: dict) -> np.ndarray:
    dtype = np.uint8 if spec["dtype"] == "u1" else np.uint16
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)


def test_set_codes_put_selected_over_random_and_datapool_last() -> None:
    codes = set_codes(6, selected=np.array([1, 4]), random=np.array([0, 1]), n_datapool=2)
    assert [SET_CATEGORIES[c] for c in codes] == ["random", "selected", "input", "input", "selected", "input",
                                                  "datapool", "datapool"]


def test_folder_column_only_for_a_few_top_level_folders() -> None:
    column = folder_column(["day/a.jpg", "night/b.jpg", "day/c.jpg", "loose.jpg"])
    assert column is not None and column.categories == ("day", "night")
    assert column.values.tolist() == [0, 1, 0, -1]
    assert folder_column(["a.jpg", "b.jpg"]) is None and folder_column(["day/a.jpg", "day/b.jpg"]) is None


def test_run_sample_map_has_a_column_per_run_value(rng: np.random.Generator) -> None:
    names = ["day/a.jpg", "night/b.jpg", "day/c.jpg"]
    data = SampleData(
        names=names,
        numeric={"sharpness": np.array([1.0, np.nan, 3.0])},
        categorical={"weather": np.array(["sun", None, "rain"], dtype=object)},
        scores={("task", "entropy"): np.array([0.1, 0.2, 0.3])},
        predictions={"det": TaskPredictions(classes=[("car", "car", "bus"), (), ("bus",)], object_level=True)},
    )
    xy = rng.normal(size=(4, 2)).astype(np.float32)
    sample_map = run_sample_map(names, ["pool/d.jpg"], selected=np.array([2]), random=np.array([0]),
                                projections={"UMAP": xy}, cover_distance=np.array([0.5, 0.2, 0.0]),
                                nearest_neighbor_distance=np.array([0.3, 0.3, 0.4]), sample_data=(data, None))
    columns = {c.label: c for c in sample_map.columns}
    assert list(sample_map.names) == [*names, "pool/d.jpg"]
    assert columns["folder"].categories == ("day", "night", "pool")
    assert np.isnan(columns["distance to cover (selected)"].values[3])
    assert columns["metadata: weather"].categories == ("rain", "sun")
    assert columns["metadata: weather"].values.tolist() == [1, -1, 0, -1]
    assert np.array_equal(columns["metadata: sharpness"].values[[0, 2]], [1.0, 3.0])
    assert columns["score: task entropy"].values[1] == pytest.approx(0.2)
    detection = columns["prediction: det (most frequent object class)"]
    assert [detection.categories[c] if c >= 0 else None for c in detection.values] == ["car", None, "bus", None]
    with pytest.raises(ValueError, match="expected 4"):
        run_sample_map(names, ["pool/d.jpg"], selected=np.array([2]), random=None, projections={"UMAP": xy[:3]})


def test_payload_round_trips_to_what_the_page_draws(rng: np.random.Generator) -> None:
    n = 5_000
    xy = rng.normal(size=(n, 2)).astype(np.float32) * np.float32(7.0)
    values = rng.gamma(2.0, 0.1, n)
    values[::97] = np.nan
    categories = rng.integers(0, MAX_COLOR_CATEGORIES + 5, n)
    sample_map = SampleMap(
        names=[f"s{i}, \"odd\".jpg" for i in range(n)],
        set_codes=set_codes(n, selected=np.arange(0, n, 50), random=None, n_datapool=0),
        projections={"UMAP": xy},
        columns=[MapColumn("value", values), MapColumn("class", categories.astype(np.int32),
                                                       tuple(f"c{i:02d}" for i in range(MAX_COLOR_CATEGORIES + 5)))],
    )
    payload = json.loads(json.dumps(map_payload(sample_map)))
    assert json.loads(gzip.decompress(base64.b64decode(payload["names"]))) == list(sample_map.names)
    drawn = drawn_coordinates(payload)
    span = xy.max(axis=0) - xy.min(axis=0)
    assert np.all(np.abs(drawn - xy) <= span / 65_534 / 2 + 1e-6)  # half a uint16 step of each axis
    value_spec = payload["columns"][1]
    codes = _codes(value_spec)
    assert np.array_equal(codes == 65_535, np.isnan(values))
    finite = ~np.isnan(values)
    expected = np.rint((values[finite] - np.nanmin(values)) / (np.nanmax(values) - np.nanmin(values)) * 65_534)
    assert np.array_equal(codes[finite], expected.astype(np.uint16))
    class_spec = payload["columns"][2]
    assert len(class_spec["categories"]) == MAX_COLOR_CATEGORIES + 1 and class_spec["categories"][-1] == "other"
    counts = np.bincount(categories, minlength=MAX_COLOR_CATEGORIES + 5)
    kept = sorted(range(len(counts)), key=lambda c: (-counts[c], c))[:MAX_COLOR_CATEGORIES]
    assert class_spec["categories"][:-1] == [f"c{c:02d}" for c in kept]
    assert class_spec["counts"][-1] == int(counts.sum() - counts[kept].sum())
    shown = _codes(class_spec)
    assert all(class_spec["categories"][s] == f"c{c:02d}" for s, c in zip(shown[:200], categories[:200]) if c in kept)
    assert payload["columns"][0]["counts"] == [n - n // 50, 0, 0, n // 50]
    assert len(payload["levelColors"]) == 24


def test_quantized_constant_values() -> None:
    codes, lo, hi = quantized(np.array([2.0, 2.0]))
    assert codes.tolist() == [0, 0] and lo == hi == 2.0
    assert level_colors(2) == ["#3b528b", "#5ec962"]
