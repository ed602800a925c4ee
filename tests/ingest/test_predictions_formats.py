"""Reading detection predictions written by Lightly's own ``labelformat`` writers (Lightly folder, COCO,
YOLO) over generated images with known boxes: every box, category and score comes back in pixels."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
import yaml
from labelformat.formats.coco import COCOObjectDetectionOutput
from labelformat.formats.lightly import LightlyObjectDetectionOutput
from labelformat.formats.yolov8 import YOLOv8ObjectDetectionOutput
from labelformat.model.bounding_box import BoundingBox, BoundingBoxFormat
from labelformat.model.category import Category
from labelformat.model.image import Image as LabelImage
from labelformat.model.object_detection import (
    ImageObjectDetection,
    ObjectDetectionInput,
    SingleObjectDetection,
)
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.predictions import (
    ObjectPrediction,
    find_lightly_predictions_folder,
    read_coco_predictions,
    read_image_sizes,
    read_lightly_predictions,
    read_yolo_classes,
    read_yolo_predictions,
    upright_size,
)

CATEGORIES = {0: "cat", 1: "dog", 2: "bird"}
SIZES = {"a.png": (64, 48), "sub/b.png": (80, 60), "c.png": (50, 40)}
# image → [(x, y, w, h), category id, score]
OBJECTS: dict[str, list[tuple[tuple[float, float, float, float], int, float]]] = {
    "a.png": [((10.0, 5.0, 20.0, 16.0), 0, 0.9), ((30.5, 20.25, 12.0, 10.0), 1, 0.4)],
    "sub/b.png": [((0.0, 0.0, 80.0, 60.0), 1, 0.75)],
    "c.png": [],
}


class _Labels(ObjectDetectionInput):
    """The test dataset as a labelformat input, to be written by labelformat's writers."""

    @staticmethod
    def add_cli_arguments(parser: ArgumentParser) -> None:
        del parser

    def get_categories(self) -> Iterable[Category]:
        return [Category(id=key, name=name) for key, name in CATEGORIES.items()]

    def get_images(self) -> Iterable[LabelImage]:
        return [
            LabelImage(id=i, filename=name, width=w, height=h)
            for i, (name, (w, h)) in enumerate(SIZES.items())
        ]

    def get_labels(self) -> Iterable[ImageObjectDetection]:
        categories = {c.id: c for c in self.get_categories()}
        for image in self.get_images():
            yield ImageObjectDetection(
                image=image,
                objects=[
                    SingleObjectDetection(
                        category=categories[category],
                        box=BoundingBox.from_format(bbox=list(box), format=BoundingBoxFormat.XYWH),
                        confidence=score,
                    )
                    for box, category, score in OBJECTS[image.filename]
                ],
            )


@pytest.fixture
def image_root(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    root = tmp_path / "images"
    for name, (width, height) in SIZES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)).save(root / name)
    return root


def _expected(with_scores: bool = True) -> dict[str, list[tuple[object, ...]]]:
    return {
        image: [
            (index, category, box, score if with_scores else None)
            for index, (box, category, score) in enumerate(objs)
        ]
        for image, objs in OBJECTS.items()
    }


def _as_tuples(predictions: dict[str, list[ObjectPrediction]]) -> dict[str, list[tuple[object, ...]]]:
    """(index, category, box compared to 1e-9, score) per object."""
    return {
        image: [
            (o.index, o.category_id, tuple(pytest.approx(v, abs=1e-9) for v in o.bbox), o.score) for o in objs
        ]
        for image, objs in predictions.items()
    }


def test_image_sizes_are_upright_sizes_from_headers(image_root: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated by 90 degrees
    Image.fromarray(rng.integers(0, 256, size=(30, 50, 3), dtype=np.uint8)).save(
        image_root / "turned.png", exif=exif
    )
    (image_root / "broken.png").write_bytes(b"not an image")

    sizes = read_image_sizes(image_root, [*SIZES, "turned.png", "broken.png", "missing.png"])

    assert sizes == {**SIZES, "turned.png": (30, 50)}
    assert upright_size(image_root / "turned.png") == (30, 50)


def test_lightly_folder_written_by_labelformat(image_root: Path, tmp_path: Path) -> None:
    datasource = tmp_path / "lightly"
    LightlyObjectDetectionOutput(output_folder=datasource / ".lightly/predictions/animals").save(_Labels())
    (datasource / ".lightly/predictions/tasks.json").write_text(json.dumps(["animals"]))

    assert find_lightly_predictions_folder(datasource) == datasource / ".lightly/predictions"
    result = read_lightly_predictions(datasource, image_sizes=read_image_sizes(image_root, SIZES))

    assert list(result.tasks) == ["animals"] and result.skipped_tasks == {}
    task = result.tasks["animals"]
    assert task.categories == CATEGORIES
    assert task.skipped == {}
    assert _as_tuples(task.predictions) == _expected()
    assert task.n_objects == 3
    assert task.object_categories("a.png") == ("cat", "dog")
    assert task.object_categories("not-listed.png") == ()


def test_lightly_folder_can_be_given_directly_and_by_task(image_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "predictions"
    LightlyObjectDetectionOutput(output_folder=folder / "first").save(_Labels())
    LightlyObjectDetectionOutput(output_folder=folder / "second").save(_Labels())
    (folder / "tasks.json").write_text(json.dumps(["first", "second"]))
    sizes = read_image_sizes(image_root, SIZES)

    result = read_lightly_predictions(folder, image_sizes=sizes, tasks=["second"])

    assert list(result.tasks) == ["second"]
    with pytest.raises(InputFileError, match="has no task 'third'"):
        read_lightly_predictions(folder, image_sizes=sizes, tasks=["third"])
    with pytest.raises(InputFileError, match=r"no tasks\.json found"):
        read_lightly_predictions(tmp_path / "images", image_sizes=sizes)


def test_coco_written_by_labelformat(image_root: Path, tmp_path: Path) -> None:
    path = tmp_path / "instances.json"
    COCOObjectDetectionOutput(output_file=path).save(_Labels())

    task = read_coco_predictions(path, image_sizes=read_image_sizes(image_root, SIZES))

    assert task.task == "instances"
    assert task.categories == CATEGORIES
    assert task.skipped == {}
    assert _as_tuples(task.predictions) == _expected()
    assert task.predictions["c.png"] == []


def test_coco_without_scores_and_with_string_ids(image_root: Path, tmp_path: Path) -> None:
    data = {
        "images": [{"id": "img-a", "file_name": "a.png", "width": 64, "height": 48}],
        "categories": [{"id": 5, "name": "cat"}],
        "annotations": [
            {"image_id": "img-a", "category_id": 5, "bbox": [1, 2, 3, 4]},
            {"image_id": "img-a", "category_id": 5, "bbox": [10, 20, 30, 25], "iscrowd": 0},
        ],
    }
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(data))

    task = read_coco_predictions(path, image_sizes=read_image_sizes(image_root, SIZES), task="truth")

    assert task.task == "truth"
    assert _as_tuples(task.predictions) == {
        "a.png": [(0, 5, (1, 2, 3, 4), None), (1, 5, (10, 20, 30, 25), None)]
    }


def test_yolo_written_by_labelformat_with_data_yaml(image_root: Path, tmp_path: Path) -> None:
    data_yaml = tmp_path / "yolo" / "data.yaml"
    YOLOv8ObjectDetectionOutput(output_file=data_yaml, output_split="train").save(_Labels())

    task = read_yolo_predictions(
        tmp_path / "yolo" / "labels", classes_path=data_yaml, image_sizes=read_image_sizes(image_root, SIZES)
    )

    assert task.categories == CATEGORIES
    assert task.skipped == {}
    assert _as_tuples(task.predictions) == _expected(with_scores=False)


def test_yolo_classes_txt_confidence_column_and_conversion(image_root: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    (labels / "sub").mkdir(parents=True)
    (labels / "classes.txt").write_text("cat\ndog\n\n")  # inside the label folder: not a label file
    (labels / "a.txt").write_text("1 0.5 0.5 0.25 0.5 0.8\n\n0 0.25 0.75 0.5 0.25\n")
    (labels / "sub" / "b.txt").write_text("")

    task = read_yolo_predictions(
        labels,
        classes_path=labels / "classes.txt",
        image_sizes=read_image_sizes(image_root, SIZES),
        task="det",
    )

    width, height = SIZES["a.png"]
    first = ((0.5 - 0.125) * width, (0.5 - 0.25) * height, 0.25 * width, 0.5 * height)
    second = ((0.25 - 0.25) * width, (0.75 - 0.125) * height, 0.5 * width, 0.25 * height)
    assert task.categories == {0: "cat", 1: "dog"}
    assert task.skipped == {}
    assert _as_tuples(task.predictions) == {
        "a.png": [(0, 1, first, 0.8), (1, 0, second, None)],
        "sub/b.png": [],
    }


def test_yolo_classes_files(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump({"names": ["a", "b"]}))
    mapped = tmp_path / "map.yml"
    mapped.write_text(yaml.safe_dump({"names": {2: "c", 0: "a"}}))
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({"nc": 2}))
    gap = tmp_path / "gap.txt"
    gap.write_text("a\n\nb\n")

    assert read_yolo_classes(listed) == {0: "a", 1: "b"}
    assert read_yolo_classes(mapped) == {0: "a", 2: "c"}
    with pytest.raises(InputFileError, match="expected 'names'"):
        read_yolo_classes(broken)
    with pytest.raises(InputFileError, match="without blank lines"):
        read_yolo_classes(gap)
    with pytest.raises(InputFileError, match="missing.txt: file not found"):
        read_yolo_classes(tmp_path / "missing.txt")
