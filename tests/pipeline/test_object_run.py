"""``execute_run`` on an image folder with detection predictions: image-level runs count the objects of
the selected images, object-level runs select crops and carry their analysis; skipped predictions are
listed and written; flag problems are errors before any embedding."""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope import run_parameters as parameters
from embedscope.embed.folder_samples import FolderInputs
from embedscope.errors import ConfigError
from embedscope.ingest import crops as crops_module
from embedscope.pipeline.local_executor import execute_run
from embedscope.report.write_outputs import image_thumbnails, write_side_outputs

SIZE = (80, 60)
CATEGORIES = {1: "car", 2: "person"}
# image → (category id, x, y, w, h); every image has at least one object
OBJECTS = {
    "a.png": [(1, 2, 2, 30, 20), (2, 40, 10, 20, 40)],
    "b.png": [(1, 10, 10, 40, 30)],
    "c.png": [(2, 0, 0, 80, 60), (2, 50, 5, 25, 25), (1, 5, 40, 20, 15)],
    "d.png": [(2, 30, 20, 16, 16)],
    "e.png": [(1, 60, 40, 18, 18), (1, 3, 3, 12, 12)],
    "sub/f.png": [(2, 20, 5, 30, 50)],
}
BAD = [  # (image, annotation) pairs the run must skip, one per kind
    ("a.png", {"category_id": 9, "bbox": [1, 1, 10, 10]}),  # unknown category
    ("b.png", {"category_id": 1, "bbox": [70, 50, 30, 30]}),  # reaches outside the image
    ("d.png", {"category_id": 1, "bbox": [5, 5, -4, 10]}),  # negative size
    ("missing.png", {"category_id": 1, "bbox": [1, 1, 5, 5]}),  # no such image
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(5)
    root = tmp_path_factory.mktemp("detections") / "images"
    for name in OBJECTS:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)).save(root / name)
    names = list(OBJECTS) + ["missing.png"]
    images = [{"id": i, "file_name": n, "width": SIZE[0], "height": SIZE[1]} for i, n in enumerate(names)]
    annotations = [
        {"image_id": names.index(image), "category_id": c, "bbox": [x, y, w, h], "score": 0.9}
        for image, objects in OBJECTS.items()
        for c, x, y, w, h in objects
    ] + [{"image_id": names.index(image), **entry} for image, entry in BAD]
    categories = [{"id": i, "name": n} for i, n in CATEGORIES.items()]
    coco = {"images": images, "annotations": annotations, "categories": categories}
    (root.parent / "boxes.json").write_text(json.dumps(coco))
    return root


def _params(root: Path, tmp_path: Path, **changes: object) -> parameters.RunParameters:
    defaults: dict[str, object] = {
        "input_path": root,
        "out_dir": tmp_path / "out",
        "n_samples": 3,
        "embedding_dim": 4,
        "coco_path": root.parent / "boxes.json",
    }
    return parameters.RunParameters(**{**defaults, **changes})  # type: ignore[arg-type]


def test_crop_defaults_agree() -> None:
    assert parameters.DEFAULT_CROP_PADDING == crops_module.DEFAULT_CROP_PADDING
    assert parameters.DEFAULT_MIN_CROP_SIZE == crops_module.DEFAULT_MIN_CROP_SIZE


def test_image_level_run_counts_objects_of_the_selected_images(folder: Path, tmp_path: Path) -> None:
    outcome = execute_run(_params(folder, tmp_path))
    assert isinstance(outcome.inputs, FolderInputs)
    names = outcome.inputs.input.names
    assert names == sorted(OBJECTS)
    task = outcome.report.prediction_task_information["boxes"]
    assert task.task_type == "OBJECT_DETECTION"
    assert task.category_id_to_name == {"1": "car", "2": "person"}
    distribution = task.category_distribution
    assert distribution is not None and distribution.input is not None and distribution.selected is not None
    expected_input = Counter(CATEGORIES[c] for objects in OBJECTS.values() for c, *_ in objects)
    assert distribution.input.counts == dict(expected_input)
    selected = [names[int(i)] for i in outcome.selection.indices]
    expected_selected = Counter(CATEGORIES[c] for name in selected for c, *_ in OBJECTS[name])
    assert distribution.selected.counts == {k: expected_selected.get(k, 0) for k in CATEGORIES.values()}
    assert task.detection_task_information is not None
    assert task.detection_task_information.crop_embedding_information is None
    ext = outcome.report.embedscope["predictions"]["tasks"]["boxes"]
    assert ext["nSkippedPredictions"] == len(BAD) + 1  # + the images entry of missing.png
    assert "missing.png" in ext["skippedPredictions"]["images[6]"]
    reasons = list(ext["skippedPredictions"].values())
    assert any("unknown category_id 9" in r for r in reasons)
    assert any("outside" in r for r in reasons)
    assert any("non-positive size" in r for r in reasons)
    assert any("missing.png" in r for r in reasons)
    assert "objectLevel" not in outcome.report.embedscope
    coverage = {row["group"]: row for row in outcome.report.embedscope["groupCoverage"]["predictions:boxes"]}
    assert {g: coverage[g]["nInput"] for g in coverage} == {  # issue 14: images holding each class
        category: sum(any(CATEGORIES[c] == category for c, *_ in objs) for objs in OBJECTS.values())
        for category in expected_input
    }
    out = tmp_path / "written"
    out.mkdir()
    write_side_outputs(outcome.side_outputs, out)
    written = json.loads((out / "skipped_predictions.json").read_text())
    assert written["tasks"]["boxes"]["skippedPredictions"] == ext["skippedPredictions"]


def test_object_level_run_selects_crops(folder: Path, tmp_path: Path) -> None:
    outcome = execute_run(_params(folder, tmp_path, object_level_task="boxes", n_samples=4, min_crop_size=13))
    names = outcome.inputs.input.names
    kept = {  # crop name → category, boxes at least 13 px wide and high (e.png's second box is 12 px)
        f"{name.removesuffix('.png')}-{k}-png.png": CATEGORIES[c]
        for name, objects in OBJECTS.items()
        for k, (c, _x, _y, w, h) in enumerate(objects)
        if min(w, h) >= 13
    }
    assert names == sorted(kept) and len(names) == 9
    assert outcome.inputs.input.vectors.shape == (9, 4)
    task = outcome.report.prediction_task_information["boxes"]
    distribution = task.category_distribution
    assert distribution is not None and distribution.input is not None and distribution.selected is not None
    assert distribution.input.counts == dict(Counter(kept.values()))
    selected = [names[int(i)] for i in outcome.selection.indices]
    assert sum(distribution.selected.counts.values()) == 4
    assert distribution.selected.counts == {k: Counter(kept[n] for n in selected).get(k, 0) for k in ("car", "person")}
    detection = task.detection_task_information
    assert detection is not None
    assert detection.crop_embedding_information == outcome.report.dataset_analysis.embedding_information
    level = outcome.report.embedscope["objectLevel"]
    assert level["task"] == "boxes" and level["nCropsInput"] == 9 and level["nCropsSelected"] == 4
    assert level["imagesWithSelectedCrops"] == sorted({n.rsplit("-", 2)[0] + ".png" for n in selected})
    skipped = outcome.report.embedscope["predictions"]["tasks"]["boxes"]
    assert skipped["nSkippedCrops"] == 1 and "e-1-png.png" in skipped["skippedCrops"]
    assert any(name.startswith("bounding_boxes_boxes_") for name in outcome.extra_plots)
    for png in outcome.extra_plots.values():
        assert png.startswith(b"\x89PNG")

    thumbnails = image_thumbnails(outcome)  # each crop cut again from its image
    assert sorted(thumbnails) == sorted(names)  # example pairs, selected, then the rest: all here
    for name, jpeg in thumbnails.items():
        image, index = name.removesuffix("-png.png").rsplit("-", 1)
        _c, x, y, w, h = OBJECTS[f"{image}.png"][int(index)]
        box = (max(0, math.floor(x - 0.1 * w)), max(0, math.floor(y - 0.1 * h)),
               min(SIZE[0], math.ceil(x + 1.1 * w)), min(SIZE[1], math.ceil(y + 1.1 * h)))
        crop = Image.open(folder / f"{image}.png").convert("RGB").crop(box)
        thumb = Image.open(io.BytesIO(jpeg)).convert("RGB")
        assert thumb.size == crop.size  # crops under 96 px are not enlarged
        encoded = io.BytesIO()
        crop.save(encoded, format="JPEG", quality=75)  # random pixels: compare like with like
        expected = np.asarray(Image.open(encoded).convert("RGB"), dtype=np.float64)
        assert np.abs(np.asarray(thumb, dtype=np.float64) - expected).max() <= 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"object_level_task": "nope"}, "--object-level 'nope': no such detection task.*'boxes'"),
        ({"coco_path": None, "object_level_task": "boxes"}, "--object-level needs predictions"),
        ({"yolo_path": Path("labels")}, "--yolo and --classes go together"),
        ({"frame_stride": 0}, "--frame-stride must be at least 1"),
    ],
)
def test_flag_problems(folder: Path, tmp_path: Path, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        execute_run(_params(folder, tmp_path, **changes))


def test_images_and_videos_do_not_mix(folder: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.png").write_bytes((folder / "a.png").read_bytes())
    (mixed / "clip.mp4").write_bytes(b"\x00" * 10)
    with pytest.raises(ConfigError, match=r"holds both images \(1\) and videos \(1\)"):
        execute_run(_params(mixed, tmp_path, coco_path=None))
