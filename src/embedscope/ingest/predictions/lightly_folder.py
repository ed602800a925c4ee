"""The Lightly predictions folder: ``.lightly/predictions/tasks.json``, ``<task>/schema.json`` and one
``<task>/<image path without extension>.json`` per image (LightlyOne's prediction format,
https://docs.lightly.ai/docs/prediction-format). Only object-detection tasks are read.

Why not ``labelformat.formats.lightly.LightlyObjectDetectionInput``: it reads a whole task in one pass and
stops at the first bad file (malformed JSON, an unknown ``category_id`` raises ``KeyError``, a file without
image raises ``LabelWithoutImageError`` or is dropped silently), and it finds images through its own folder
scan without EXIF orientation. embedscope must skip each bad file or prediction with a reason and go on,
and must check boxes against the images of the run; so files are parsed here one at a time, and
labelformat's box model does the coordinate conversion (:mod:`embedscope.ingest.predictions.boxes`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from embedscope.errors import InputFileError
from embedscope.ingest.predictions import boxes
from embedscope.ingest.predictions.boxes import PredictionProblem
from embedscope.ingest.predictions.json_file import JsonFileError, read_json
from embedscope.ingest.predictions.model import ImageSize, ObjectPrediction, TaskPredictions

logger = logging.getLogger(__name__)

PREDICTIONS_SUBFOLDER = PurePosixPath(".lightly/predictions")  # inside a Lightly datasource
TASKS_FILE = "tasks.json"
SCHEMA_FILE = "schema.json"
OBJECT_DETECTION = "object-detection"  # schema.json task_type of detection tasks


@dataclass(frozen=True)
class LightlyPredictions:
    """The object-detection tasks of a Lightly predictions folder.

    Attributes:
        folder: the folder holding ``tasks.json``.
        tasks: task name → its predictions, in ``tasks.json`` order.
        skipped_tasks: task name → why it was not read (another task type, a missing or bad schema).
    """

    folder: Path
    tasks: dict[str, TaskPredictions]
    skipped_tasks: dict[str, str]


class UnusableTaskError(Exception):
    """A task that cannot be read at all (no folder, no or a bad schema, not object detection)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_lightly_predictions_folder(path: Path) -> Path | None:
    """The folder holding ``tasks.json``: ``path`` or ``path/.lightly/predictions``; None if neither."""
    path = Path(path)
    for candidate in (path, path / PREDICTIONS_SUBFOLDER):
        if (candidate / TASKS_FILE).is_file():
            return candidate
    return None


def _task_names(tasks_path: Path) -> list[str]:
    try:
        names = read_json(tasks_path)
    except JsonFileError as error:
        raise InputFileError(tasks_path, f"{error.reason}; expected a JSON list of task names") from None
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise InputFileError(tasks_path, 'expected a JSON list of task names, e.g. ["my_detection_task"]')
    return list(dict.fromkeys(names))


def read_lightly_predictions(
    path: Path,
    *,
    image_sizes: Mapping[str, ImageSize],
    tasks: Collection[str] | None = None,
) -> LightlyPredictions:
    """Read every object-detection task listed in ``tasks.json`` (or only ``tasks``).

    Args:
        path: a Lightly datasource folder (holding ``.lightly/predictions``) or the predictions folder itself.
        image_sizes: name → upright (width, height) of every usable input image; predictions of other
            names are skipped.
        tasks: the task names to read; None reads all.

    Raises:
        InputFileError: no ``tasks.json`` found, ``tasks.json`` malformed, or a requested task not listed.
    """
    folder = find_lightly_predictions_folder(path)
    if folder is None:
        raise InputFileError(
            path,
            f"no {TASKS_FILE} found here or in {PREDICTIONS_SUBFOLDER}/; "
            "expected a Lightly predictions folder",
        )
    names = _task_names(folder / TASKS_FILE)
    if tasks is not None:
        missing = [task for task in tasks if task not in names]
        if missing:
            raise InputFileError(
                folder / TASKS_FILE, f"has no task '{missing[0]}' (tasks: {', '.join(names) or 'none'})"
            )
        names = [name for name in names if name in tasks]
    read: dict[str, TaskPredictions] = {}
    skipped_tasks: dict[str, str] = {}
    for name in names:
        try:
            read[name] = read_lightly_task(folder / name, task=name, image_sizes=image_sizes)
        except UnusableTaskError as skipped:
            logger.warning("Lightly predictions task '%s' skipped: %s", name, skipped.reason)
            skipped_tasks[name] = skipped.reason
    return LightlyPredictions(folder=folder, tasks=read, skipped_tasks=skipped_tasks)


def _categories(schema_path: Path) -> dict[int, str]:
    """Category id → name from ``schema.json``; raises :class:`UnusableTaskError` when unusable."""
    if not schema_path.is_file():
        raise UnusableTaskError(f"{SCHEMA_FILE} not found in {schema_path.parent}")
    try:
        schema = read_json(schema_path)
    except JsonFileError as error:
        raise UnusableTaskError(f"{SCHEMA_FILE}: {error.reason}") from None
    if not isinstance(schema, dict):
        raise UnusableTaskError(f"{SCHEMA_FILE}: expected an object with task_type and categories")
    task_type = schema.get("task_type")
    if task_type != OBJECT_DETECTION:
        raise UnusableTaskError(
            f"task_type is {task_type!r}; only '{OBJECT_DETECTION}' tasks have boxes to crop"
        )
    entries = schema.get("categories")
    if not isinstance(entries, list) or not entries:
        raise UnusableTaskError(f"{SCHEMA_FILE}: expected a non-empty list 'categories' of {{id, name}}")
    categories: dict[int, str] = {}
    for position, entry in enumerate(entries):
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), int)
            and not isinstance(entry.get("id"), bool)
            and isinstance(entry.get("name"), str)
        )
        if not ok:
            raise UnusableTaskError(
                f'{SCHEMA_FILE}: categories[{position}] is not {{"id": int, "name": str}}'
            )
        if entry["id"] in categories:
            raise UnusableTaskError(f"{SCHEMA_FILE}: category id {entry['id']} appears twice")
        categories[entry["id"]] = entry["name"]
    return categories


def read_lightly_task(
    task_folder: Path, *, task: str, image_sizes: Mapping[str, ImageSize]
) -> TaskPredictions:
    """Read one task folder: its schema and every prediction file below it.

    A prediction file is skipped (with its reason) when it is not valid JSON, lacks ``file_name`` or
    ``predictions``, names an image that is not a usable input image, or lies at another path than
    ``<file_name without extension>.json``. A prediction inside a file is skipped when it is malformed,
    has an unknown category, a non-positive size, or reaches outside its image.

    Raises:
        UnusableTaskError: the folder or its schema is missing, malformed, or not object detection.
    """
    task_folder = Path(task_folder)
    if not task_folder.is_dir():
        raise UnusableTaskError(f"task folder {task_folder} not found")
    categories = _categories(task_folder / SCHEMA_FILE)
    predictions: dict[str, list[ObjectPrediction]] = {}
    skipped: dict[str, str] = {}
    files = sorted(
        path.relative_to(task_folder).as_posix()
        for path in task_folder.rglob("*.json")
        if path.is_file() and path != task_folder / SCHEMA_FILE
    )
    for where in files:
        try:
            image, entries = _prediction_file(task_folder / where, where, image_sizes)
        except PredictionProblem as problem:
            skipped[where] = problem.reason
            continue
        objects: list[ObjectPrediction] = []
        for index, entry in enumerate(entries):
            try:
                objects.append(_object(entry, image, index, categories, image_sizes[image]))
            except PredictionProblem as problem:
                skipped[f"{where}#{index}"] = problem.reason
        predictions[image] = objects
    return TaskPredictions(
        task=task, categories=categories, predictions=predictions, skipped=skipped, source=task_folder
    )


def _prediction_file(path: Path, where: str, image_sizes: Mapping[str, ImageSize]) -> tuple[str, list[Any]]:
    try:
        data = read_json(path)
    except JsonFileError as error:
        raise PredictionProblem(error.reason) from None
    if not isinstance(data, dict) or not isinstance(data.get("file_name"), str):
        raise PredictionProblem('expected an object {"file_name": str, "predictions": [...]}')
    image = data["file_name"]
    entries = data.get("predictions")
    if not isinstance(entries, list):
        raise PredictionProblem(f"'predictions' of '{image}' is not a list")
    expected = PurePosixPath(image).with_suffix(".json").as_posix()
    if where != expected:
        raise PredictionProblem(
            f"file_name '{image}' belongs in '{expected}'; a prediction file lies at the image's path "
            "without its extension"
        )
    if image not in image_sizes:
        raise PredictionProblem(f"no usable input image '{image}' (missing, corrupt or a duplicate)")
    return image, entries


def _object(
    entry: object, image: str, index: int, categories: Mapping[int, str], size: ImageSize
) -> ObjectPrediction:
    if not isinstance(entry, dict):
        raise PredictionProblem('expected an object {"category_id", "bbox", "score"}')
    for key in ("category_id", "bbox"):
        if key not in entry:
            raise PredictionProblem(f"missing '{key}'")
    category = boxes.category_id(entry["category_id"], categories)
    bbox = boxes.box_from_xywh(entry["bbox"], image_size=size)
    return ObjectPrediction(
        image=image, index=index, category_id=category, bbox=bbox, score=boxes.score(entry.get("score"))
    )
