"""Fuzz tests of the detection-prediction readers (COCO, YOLO, Lightly predictions folder).

Whatever the files hold, a reader returns the usable objects — each with a positive-size box inside its
image and a known category — and lists the rest as skipped, or refuses a whole-file problem with an
InputFileError naming the file. Valid generated objects come back with their exact boxes.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from embedscope.ingest.predictions.boxes import BOX_TOLERANCE_PX
from embedscope.ingest.predictions.coco import read_coco_predictions
from embedscope.ingest.predictions.lightly_folder import read_lightly_predictions
from embedscope.ingest.predictions.model import TaskPredictions
from embedscope.ingest.predictions.yolo import read_yolo_predictions
from tests.fuzz_support import FUZZ, mutated, read_or_refuse, scratch_folder

SIZES = {"a.png": (64, 48), "sub/b.png": (80, 60)}
CATEGORIES = {0: "cat", 1: "dog"}
junk = st.none() | st.booleans() | st.integers(-3, 3) | st.floats() | st.text(max_size=4) | st.lists(st.integers(), max_size=5)


@st.composite
def boxes_inside(draw: st.DrawFn, image: str) -> tuple[float, float, float, float]:
    """(x, y, width, height) in whole pixels, positive size, inside ``image``."""
    width, height = SIZES[image]
    x, y = draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1))
    return float(x), float(y), float(draw(st.integers(1, width - x))), float(draw(st.integers(1, height - y)))


def _assert_usable(task: TaskPredictions) -> None:
    for image, objects in task.predictions.items():
        width, height = SIZES[image]
        for obj in objects:
            x, y, w, h = obj.bbox
            assert w > 0 and h > 0 and obj.category_id in task.categories
            assert x >= -BOX_TOLERANCE_PX and y >= -BOX_TOLERANCE_PX
            assert x + w <= width + BOX_TOLERANCE_PX and y + h <= height + BOX_TOLERANCE_PX


@FUZZ
@given(st.data())
def test_coco_keeps_valid_boxes_and_skips_the_rest(data: st.DataObject) -> None:
    valid_box = data.draw(boxes_inside("sub/b.png"))
    annotations = [{"id": 1, "image_id": 2, "category_id": 1, "bbox": list(valid_box), "score": 0.5}]
    annotations += data.draw(st.lists(st.fixed_dictionaries(
        {"image_id": st.sampled_from([1, 2, 9]) | junk, "category_id": st.sampled_from([0, 1, 7]) | junk,
         "bbox": st.lists(st.floats(-10, 100) | junk, max_size=5) | junk}), max_size=4))
    images = [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}, {"id": 2, "file_name": "sub/b.png"}]
    images += data.draw(st.lists(st.fixed_dictionaries({"id": junk, "file_name": junk}), max_size=2))
    categories = [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}, *data.draw(st.lists(junk, max_size=2))]
    with scratch_folder() as folder:
        path = folder / "det.json"
        path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
        task = read_or_refuse(path, lambda p: read_coco_predictions(p, image_sizes=SIZES))
    assert isinstance(task, TaskPredictions), task
    _assert_usable(task)
    assert task.predictions["sub/b.png"][0].bbox == valid_box


@FUZZ
@given(st.data())
def test_coco_with_random_byte_edits_never_crashes(data: st.DataObject) -> None:
    valid = {"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}],
             "annotations": [{"image_id": 1, "category_id": 0, "bbox": [1, 2, 3, 4]}],
             "categories": [{"id": 0, "name": "cat"}]}
    with scratch_folder() as folder:
        path = folder / "det.json"
        path.write_bytes(data.draw(mutated(json.dumps(valid).encode())))
        task = read_or_refuse(path, lambda p: read_coco_predictions(p, image_sizes=SIZES))
        if isinstance(task, TaskPredictions):
            _assert_usable(task)


def _whole_number_notations(class_id: int) -> st.SearchStrategy[str]:
    """How tools write a class id: ``1``, ``1.0``, ``1.000000000000000000e+00`` (np.savetxt), ``+1``."""
    return st.sampled_from([str(class_id), f"{class_id}.0", f"{class_id:.18e}", f"+{class_id}", f"{class_id:.3f}"])


@FUZZ
@given(st.data())
def test_yolo_reads_whole_number_class_ids_in_any_notation(data: st.DataObject) -> None:
    class_id = data.draw(st.sampled_from(sorted(CATEGORIES)))
    x, y, w, h = data.draw(boxes_inside("a.png"))
    centre = f"{(x + w / 2) / 64!r} {(y + h / 2) / 48!r} {w / 64!r} {h / 48!r}"
    good = f"{data.draw(_whole_number_notations(class_id))} {centre}"
    junk_lines = data.draw(st.lists(st.text(st.sampled_from("0123456789 .e+-x\t"), max_size=20), max_size=3))
    with scratch_folder() as folder:
        labels = folder / "labels"
        (labels / "sub").mkdir(parents=True)
        (labels / "a.txt").write_text("\n".join([good, *junk_lines]) + "\n")
        (labels / "sub" / "b.txt").write_bytes(data.draw(st.binary(max_size=30)))
        classes = folder / "classes.txt"
        classes.write_text("cat\ndog\n")
        task = read_or_refuse(
            labels, lambda p: read_yolo_predictions(p, classes_path=classes, image_sizes=SIZES), also=(classes,)
        )
    assert isinstance(task, TaskPredictions), task
    _assert_usable(task)
    first = task.predictions["a.png"][0]
    assert first.category_id == class_id
    assert all(abs(got - want) < 1e-9 for got, want in zip(first.bbox, (x, y, w, h)))


@FUZZ
@given(st.binary(max_size=40) | st.text(max_size=30).map(str.encode), st.sampled_from(["classes.txt", "data.yaml"]))
def test_yolo_classes_file_of_any_bytes_reads_or_refuses(data: bytes, name: str) -> None:
    with scratch_folder() as folder:
        (folder / "labels").mkdir()
        classes = folder / name
        classes.write_bytes(data)
        read_or_refuse(
            classes, lambda p: read_yolo_predictions(folder / "labels", classes_path=p, image_sizes=SIZES)
        )


def _lightly_folder(root: Path, prediction: bytes, schema: bytes, tasks: bytes) -> Path:
    folder = root / ".lightly" / "predictions"
    (folder / "det" / "sub").mkdir(parents=True)
    (folder / "tasks.json").write_bytes(tasks)
    (folder / "det" / "schema.json").write_bytes(schema)
    (folder / "det" / "a.json").write_text(
        json.dumps({"file_name": "a.png", "predictions": [{"category_id": 0, "bbox": [1, 2, 3, 4], "score": 0.9}]})
    )
    (folder / "det" / "sub" / "b.json").write_bytes(prediction)
    return folder


@FUZZ
@given(st.data())
def test_lightly_folder_with_random_byte_edits_skips_or_refuses(data: st.DataObject) -> None:
    prediction = json.dumps({"file_name": "sub/b.png", "predictions": [{"category_id": 1, "bbox": [5, 5, 10, 10]}]})
    schema = json.dumps({"task_type": "object-detection", "categories": [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}]})
    edit = data.draw(st.sampled_from(["prediction", "schema", "tasks"]))
    files = {"prediction": prediction.encode(), "schema": schema.encode(), "tasks": b'["det"]'}
    files[edit] = data.draw(mutated(files[edit]))
    with scratch_folder() as root:
        folder = _lightly_folder(root, files["prediction"], files["schema"], files["tasks"])
        result = read_or_refuse(folder, lambda p: read_lightly_predictions(root, image_sizes=SIZES))
    if edit == "prediction" and not isinstance(result, Exception):
        task = result.tasks["det"]
        _assert_usable(task)
        assert task.predictions["a.png"][0].bbox == (1.0, 2.0, 3.0, 4.0)  # the untouched file still counts


def test_deeply_nested_lightly_prediction_file_is_skipped_and_listed(tmp_path: Path) -> None:
    schema = json.dumps({"task_type": "object-detection", "categories": [{"id": 0, "name": "cat"}]})
    _lightly_folder(tmp_path, b"[" * 100_000 + b"]" * 100_000, schema.encode(), b'["det"]')
    task = read_lightly_predictions(tmp_path, image_sizes=SIZES).tasks["det"]
    assert task.predictions["a.png"][0].bbox == (1.0, 2.0, 3.0, 4.0)
    assert "nested too deeply" in task.skipped["sub/b.json"]
