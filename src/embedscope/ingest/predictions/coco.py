"""COCO object-detection JSON (``--coco FILE``): ``images``, ``categories`` and ``annotations`` with
``bbox = [x, y, width, height]`` in pixels and an optional ``score`` (COCO results format).

Why not ``labelformat.formats.coco.COCOObjectDetectionInput``: it raises ``KeyError`` on the first
annotation with an unknown ``image_id`` or ``category_id`` and on any malformed entry, so one bad annotation
would stop the run. embedscope skips each bad entry with a reason and goes on; labelformat's box model does
the coordinate conversion (:mod:`embedscope.ingest.predictions.boxes`).

Images are matched by ``file_name`` exactly as written (relative to INPUT, ``/`` separators). A stated
``width``/``height`` that differs from the image file's upright size makes its boxes untrustworthy: the image
and its annotations are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embedscope.errors import InputFileError
from embedscope.ingest.predictions import boxes
from embedscope.ingest.predictions.boxes import PredictionProblem
from embedscope.ingest.predictions.json_file import JsonFileError, read_json
from embedscope.ingest.predictions.model import ImageSize, ObjectPrediction, TaskPredictions

REQUIRED_LISTS = ("images", "annotations", "categories")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_image_id(value: object) -> bool:
    """COCO ids are integers; some exporters write strings, which are accepted too."""
    return _is_int(value) or isinstance(value, str)


def _read_categories(entries: list[Any], skipped: dict[str, str]) -> dict[int, str]:
    categories: dict[int, str] = {}
    for position, entry in enumerate(entries):
        where = f"categories[{position}]"
        if not (isinstance(entry, dict) and _is_int(entry.get("id")) and isinstance(entry.get("name"), str)):
            skipped[where] = 'expected {"id": int, "name": str}'
        elif entry["id"] in categories:
            skipped[where] = f"category id {entry['id']} appears twice; the first one is used"
        else:
            categories[entry["id"]] = entry["name"]
    return categories


def _read_images(
    entries: list[Any], image_sizes: Mapping[str, ImageSize], skipped: dict[str, str]
) -> tuple[dict[int | str, str], dict[int | str, str]]:
    """(image id → name of usable images, image id → why the image entry was skipped)."""
    usable: dict[int | str, str] = {}
    unusable: dict[int | str, str] = {}
    for position, entry in enumerate(entries):
        where = f"images[{position}]"
        if not (
            isinstance(entry, dict)
            and _is_image_id(entry.get("id"))
            and isinstance(entry.get("file_name"), str)
        ):
            skipped[where] = 'expected {"id": int, "file_name": str, "width": int, "height": int}'
            continue
        image_id, name = entry["id"], entry["file_name"]
        if image_id in usable or image_id in unusable:
            skipped[where] = f"image id {image_id} appears twice; the first one is used"
            continue
        reason = _image_problem(entry, name, image_sizes)
        if reason is None:
            usable[image_id] = name
        else:
            skipped[where] = reason
            unusable[image_id] = f"its image ({where}, '{name}') was skipped: {reason}"
    return usable, unusable


def _image_problem(entry: dict[str, Any], name: str, image_sizes: Mapping[str, ImageSize]) -> str | None:
    if name not in image_sizes:
        return f"no usable input image '{name}' (missing, corrupt or a duplicate)"
    stated = (entry.get("width"), entry.get("height"))
    if all(_is_int(value) for value in stated) and stated != tuple(image_sizes[name]):
        width, height = image_sizes[name]
        return f"stated size {stated[0]}x{stated[1]} differs from the image file's {width}x{height}"
    return None


def read_coco_predictions(
    path: Path, *, image_sizes: Mapping[str, ImageSize], task: str | None = None
) -> TaskPredictions:
    """Read a COCO detection file into one task.

    Args:
        path: the COCO JSON file.
        image_sizes: name → upright (width, height) of every usable input image.
        task: the task's name (default: the file name without extension).

    Returns:
        Every listed usable image (with an empty list when it has no usable annotation); bad categories,
        images and annotations in ``skipped``.

    Raises:
        InputFileError: the file cannot be read, is not JSON, or lacks a list images/annotations/categories.
    """
    path = Path(path)
    try:
        data = read_json(path)
    except JsonFileError as error:
        raise InputFileError(path, f"{error.reason}; expected a COCO detection JSON file") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), list) for key in REQUIRED_LISTS):
        raise InputFileError(
            path, "expected a COCO object with the lists 'images', 'annotations' and 'categories'"
        )
    skipped: dict[str, str] = {}
    categories = _read_categories(data["categories"], skipped)
    images, unusable = _read_images(data["images"], image_sizes, skipped)
    predictions: dict[str, list[ObjectPrediction]] = {name: [] for name in images.values()}
    n_seen: dict[int | str, int] = {}
    for position, entry in enumerate(data["annotations"]):
        where = f"annotations[{position}]"
        image_id = entry.get("image_id") if isinstance(entry, dict) else None
        index = 0
        if _is_image_id(image_id):
            index = n_seen.get(image_id, 0)  # type: ignore[arg-type]
            n_seen[image_id] = index + 1  # type: ignore[index]
        try:
            obj = _annotation(entry, index, images, unusable, categories, image_sizes)
        except PredictionProblem as problem:
            skipped[where] = problem.reason
            continue
        predictions[obj.image].append(obj)
    return TaskPredictions(
        task=task or path.stem, categories=categories, predictions=predictions, skipped=skipped, source=path
    )


def _annotation(
    entry: object,
    index: int,
    images: Mapping[int | str, str],
    unusable: Mapping[int | str, str],
    categories: Mapping[int, str],
    image_sizes: Mapping[str, ImageSize],
) -> ObjectPrediction:
    if not isinstance(entry, dict):
        raise PredictionProblem('expected an object {"image_id", "category_id", "bbox"}')
    for key in ("image_id", "category_id", "bbox"):
        if key not in entry:
            raise PredictionProblem(f"missing '{key}'")
    image_id = entry["image_id"]
    if not _is_image_id(image_id):
        raise PredictionProblem(f"image_id {image_id!r} is not an integer")
    if image_id in unusable:
        raise PredictionProblem(unusable[image_id])
    if image_id not in images:
        raise PredictionProblem(f"image_id {image_id!r} is not among the file's images")
    image = images[image_id]
    category = boxes.category_id(entry["category_id"], categories)
    bbox = boxes.box_from_xywh(entry["bbox"], image_size=image_sizes[image])
    return ObjectPrediction(
        image=image, index=index, category_id=category, bbox=bbox, score=boxes.score(entry.get("score"))
    )
