"""Every kind of bad prediction is skipped with its reason and counted, and the good ones are kept:
malformed JSON, a file for a missing image, an unknown category, a box outside the image, a box with a
negative size, malformed entries, misplaced files, unusable tasks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.predictions import (
    read_coco_predictions,
    read_image_sizes,
    read_lightly_predictions,
    read_yolo_predictions,
)

SIZES = {"a.png": (64, 48), "b.png": (80, 60)}
SCHEMA = {"task_type": "object-detection", "categories": [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}]}
GOOD = {"category_id": 1, "bbox": [2, 3, 10, 12], "score": 0.5}


@pytest.fixture
def sizes(tmp_path: Path) -> dict[str, tuple[int, int]]:
    rng = np.random.default_rng(5)
    root = tmp_path / "images"
    root.mkdir()
    for name, (width, height) in SIZES.items():
        Image.fromarray(rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)).save(root / name)
    return read_image_sizes(root, SIZES)


def _write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def test_lightly_folder_skips_each_bad_prediction_and_file(
    tmp_path: Path, sizes: dict[str, tuple[int, int]]
) -> None:
    folder = tmp_path / "predictions"
    _write(folder / "tasks.json", ["det", "classes", "absent", "broken_schema"])
    _write(folder / "det" / "schema.json", SCHEMA)
    _write(
        folder / "classes" / "schema.json",
        {"task_type": "classification", "categories": SCHEMA["categories"]},
    )
    _write(folder / "broken_schema" / "schema.json", "{oops")
    _write(
        folder / "det" / "a.json",
        {
            "file_name": "a.png",
            "predictions": [
                GOOD,
                {"category_id": 7, "bbox": [1, 1, 5, 5], "score": 0.1},  # unknown category
                {"category_id": 0, "bbox": [60, 40, 10, 10]},  # reaches outside the 64x48 image
                {"category_id": 0, "bbox": [5, 5, -3, 4]},  # negative width
                {"category_id": 0, "bbox": [1, 2, 3]},  # malformed box
                "not an object",
                {"bbox": [1, 1, 5, 5]},  # no category
                {"category_id": 0, "bbox": [1, 1, 5, 5], "score": "high"},
                {"category_id": 0, "bbox": [-0.5, 0, 64.8, 48]},  # within the 1 px tolerance: kept
            ],
        },
    )
    _write(folder / "det" / "b.json", "{not json")
    _write(folder / "det" / "ghost.json", {"file_name": "ghost.png", "predictions": [GOOD]})
    _write(folder / "det" / "sub" / "wrong.json", {"file_name": "b.png", "predictions": [GOOD]})
    _write(folder / "det" / "no_list.json", {"file_name": "no_list.png", "predictions": {}})

    result = read_lightly_predictions(folder, image_sizes=sizes)

    assert list(result.tasks) == ["det"]
    assert set(result.skipped_tasks) == {"classes", "absent", "broken_schema"}
    assert "task_type is 'classification'" in result.skipped_tasks["classes"]
    assert "not found" in result.skipped_tasks["absent"]
    assert "malformed JSON" in result.skipped_tasks["broken_schema"]
    task = result.tasks["det"]
    assert [(o.index, o.bbox) for o in task.predictions["a.png"]] == [
        (0, (2, 3, 10, 12)),
        (8, (-0.5, 0, 64.8, 48)),
    ]
    assert list(task.predictions) == ["a.png"]
    reasons = task.skipped
    assert sorted(reasons) == sorted(
        [f"a.json#{i}" for i in range(1, 8)] + ["b.json", "ghost.json", "sub/wrong.json", "no_list.json"]
    )
    assert task.n_skipped == 11
    assert "unknown category_id 7" in reasons["a.json#1"]
    assert "reaches outside the 64x48 image" in reasons["a.json#2"]
    assert "non-positive size" in reasons["a.json#3"]
    assert "not a list [x, y, width, height]" in reasons["a.json#4"]
    assert "expected an object" in reasons["a.json#5"]
    assert "missing 'category_id'" in reasons["a.json#6"]
    assert "score 'high' is not a number" in reasons["a.json#7"]
    assert "malformed JSON" in reasons["b.json"] and "line 1" in reasons["b.json"]
    assert "no usable input image 'ghost.png'" in reasons["ghost.json"]
    assert "belongs in 'b.json'" in reasons["sub/wrong.json"]
    assert "is not a list" in reasons["no_list.json"]


def test_lightly_tasks_file_problems(tmp_path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    _write(tmp_path / "p1" / "tasks.json", {"det": 1})
    _write(tmp_path / "p2" / "tasks.json", "[oops")
    with pytest.raises(InputFileError, match="expected a JSON list of task names"):
        read_lightly_predictions(tmp_path / "p1", image_sizes=sizes)
    with pytest.raises(InputFileError, match=r"malformed JSON.*expected a JSON list of task names"):
        read_lightly_predictions(tmp_path / "p2", image_sizes=sizes)


def test_coco_skips_each_bad_entry(tmp_path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    data = {
        "images": [
            {"id": 1, "file_name": "a.png", "width": 64, "height": 48},
            {"id": 2, "file_name": "ghost.png", "width": 10, "height": 10},
            {"id": 3, "file_name": "b.png", "width": 81, "height": 60},  # wrong size
            {"file_name": "no_id.png"},
            {"id": 1, "file_name": "b.png"},  # id twice
        ],
        "categories": [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}, {"name": "no id"}],
        "annotations": [
            {"image_id": 1, **GOOD},
            {"image_id": 1, "category_id": 9, "bbox": [1, 1, 4, 4]},
            {"image_id": 1, "category_id": 0, "bbox": [50, 40, 20, 5]},
            {"image_id": 1, "category_id": 0, "bbox": [5, 5, 4, -1]},
            {"image_id": 1, "category_id": 0, "bbox": "1 2 3 4"},
            {"image_id": 2, **GOOD},
            {"image_id": 3, **GOOD},
            {"image_id": 42, **GOOD},
            {"image_id": [1], **GOOD},
            {"category_id": 0, "bbox": [1, 1, 4, 4]},
            {"image_id": 1, "category_id": 0, "bbox": [1, 1, 4, 4], "score": float("nan")},
            {"image_id": 1, "category_id": 0, "bbox": [3, 4, 5, 6], "score": 1},
        ],
    }
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(data))

    task = read_coco_predictions(path, image_sizes=sizes)

    assert {name: [(o.index, o.bbox, o.score) for o in objs] for name, objs in task.predictions.items()} == {
        "a.png": [(0, (2, 3, 10, 12), 0.5), (6, (3, 4, 5, 6), 1.0)]  # the 7th annotation of image 1
    }
    reasons = task.skipped
    assert sorted(reasons) == sorted(
        ["images[1]", "images[2]", "images[3]", "images[4]", "categories[2]"]
        + [f"annotations[{i}]" for i in range(1, 11)]
    )
    assert "no usable input image 'ghost.png'" in reasons["images[1]"]
    assert "stated size 81x60 differs from the image file's 80x60" in reasons["images[2]"]
    assert "expected" in reasons["images[3]"]
    assert "appears twice" in reasons["images[4]"]
    assert "unknown category_id 9" in reasons["annotations[1]"]
    assert "reaches outside the 64x48 image" in reasons["annotations[2]"]
    assert "non-positive size" in reasons["annotations[3]"]
    assert "not a list" in reasons["annotations[4]"]
    assert "its image (images[1], 'ghost.png') was skipped" in reasons["annotations[5]"]
    assert "its image (images[2], 'b.png') was skipped" in reasons["annotations[6]"]
    assert "image_id 42 is not among the file's images" in reasons["annotations[7]"]
    assert "image_id [1] is not an integer" in reasons["annotations[8]"]
    assert "missing 'image_id'" in reasons["annotations[9]"]
    assert "not finite" in reasons["annotations[10]"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "malformed JSON"),
        ("", "empty file"),
        (json.dumps({"images": [], "annotations": []}), "'images', 'annotations' and 'categories'"),
        (json.dumps([1, 2]), "'images', 'annotations' and 'categories'"),
    ],
)
def test_coco_file_level_problems_are_errors(
    tmp_path: Path, sizes: dict[str, tuple[int, int]], content: str, message: str
) -> None:
    path = tmp_path / "coco.json"
    path.write_text(content)
    with pytest.raises(InputFileError, match=message):
        read_coco_predictions(path, image_sizes=sizes)


def test_yolo_skips_each_bad_file_and_line(tmp_path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    root = tmp_path / "images"
    Image.new("RGB", (8, 8)).save(root / "twin.png")
    Image.new("RGB", (8, 8)).save(root / "twin.jpg")
    sizes = read_image_sizes(root, [*SIZES, "twin.png", "twin.jpg"])
    labels = tmp_path / "labels"
    _write(labels / "classes.txt", "cat\ndog\n")
    _write(
        labels / "a.txt",
        "\n".join(  # noqa: FLY002 (one commented line per fault)
            [
                "1 0.5 0.5 0.25 0.5",  # line 1: good
                "0 0.5 0.5 0.25",  # line 2: 4 values
                "7 0.5 0.5 0.25 0.5",  # line 3: unknown class
                "0 0.95 0.5 0.25 0.5",  # line 4: reaches past the right border
                "0 0.5 0.5 -0.25 0.5",  # line 5: negative width
                "x 0.5 0.5 0.25 0.5",  # line 6: class not an integer
                "0 0.5 a 0.25 0.5",  # line 7: not a number
                "",
                "0 0.5 0.5 0.25 inf",  # line 9: not finite
                "0 0.5 0.5 0.5 0.5 0.3",  # line 10: good, with confidence
            ]
        ),
    )
    _write(labels / "ghost.txt", "0 0.5 0.5 0.1 0.1\n")
    _write(labels / "twin.txt", "0 0.5 0.5 0.1 0.1\n")

    task = read_yolo_predictions(labels, classes_path=labels / "classes.txt", image_sizes=sizes)

    assert [(o.index, o.category_id, o.score) for o in task.predictions["a.png"]] == [
        (0, 1, None),
        (8, 0, 0.3),
    ]
    reasons = task.skipped
    assert sorted(reasons) == sorted(
        [f"a.txt:{line}" for line in (2, 3, 4, 5, 6, 7, 9)] + ["ghost.txt", "twin.txt"]
    )
    assert "4 values" in reasons["a.txt:2"]
    assert "unknown category_id 7" in reasons["a.txt:3"]
    assert "reaches outside the 64x48 image" in reasons["a.txt:4"]
    assert "non-positive size" in reasons["a.txt:5"]
    assert "class 'x' is not a whole number" in reasons["a.txt:6"]
    assert "not all numbers" in reasons["a.txt:7"]
    assert "not all finite" in reasons["a.txt:9"]
    assert "no usable input image 'ghost.*'" in reasons["ghost.txt"]
    assert "several images share the path 'twin'" in reasons["twin.txt"]


def test_yolo_labels_folder_must_exist(tmp_path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    _write(tmp_path / "classes.txt", "cat\n")
    with pytest.raises(InputFileError, match="not a folder"):
        read_yolo_predictions(tmp_path / "nope", classes_path=tmp_path / "classes.txt", image_sizes=sizes)
