"""YOLO label folders (``--yolo DIR --classes FILE``): one ``<image path without extension>.txt`` per image
(paths mirror the images' paths below INPUT), one object a line: ``class cx cy w h`` with the box centre and
size as fractions of the image's width and height, and an optional sixth value, the confidence (what
YOLO writes with ``save_conf``). The classes file is ``classes.txt`` (one name a line, line i = class i) or a
YOLO ``data.yaml`` (``names`` as a list or an id → name mapping).

Why not ``labelformat.formats.yolov8.YOLOv8ObjectDetectionInput``: it needs a ``data.yaml`` with split
folders, finds images by its own scan without EXIF orientation, and logs and drops bad lines without
returning why. embedscope reads any label folder next to INPUT, lists every skipped line with its reason,
and uses labelformat's box model for the centre-size → corner conversion
(:mod:`embedscope.ingest.predictions.boxes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import yaml

from embedscope.errors import InputFileError
from embedscope.ingest.predictions import boxes
from embedscope.ingest.predictions.boxes import PredictionProblem
from embedscope.ingest.predictions.model import ImageSize, ObjectPrediction, TaskPredictions
from embedscope.io.text_file import parse_yaml, read_text

LABEL_SUFFIX = ".txt"
YAML_SUFFIXES = (".yaml", ".yml")
VALUES_WITHOUT_SCORE = 5  # class cx cy w h
VALUES_WITH_SCORE = 6  # class cx cy w h confidence
DEFAULT_TASK = "yolo"


def read_yolo_classes(path: Path) -> dict[int, str]:
    """Class id → name from ``classes.txt`` (line 1 names class 0; trailing blank lines are ignored) or a
    ``data.yaml`` (``names``).

    Raises:
        InputFileError: unreadable, empty, or ``names`` missing/malformed.
    """
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        return _yaml_classes(path, text)
    names = [line.strip() for line in text.rstrip().splitlines()]
    if not names or any(not name for name in names):
        raise InputFileError(path, "expected one class name a line (line 1 = class 0), without blank lines")
    return dict(enumerate(names))


def _yaml_classes(path: Path, text: str) -> dict[int, str]:
    try:
        data = parse_yaml(text)
    except ValueError as error:
        raise InputFileError(path, str(error)) from None
    except yaml.YAMLError as error:
        raise InputFileError(path, f"malformed YAML: {str(error).splitlines()[0]}") from None
    names = data.get("names") if isinstance(data, dict) else None
    if isinstance(names, list) and names and all(isinstance(name, str) for name in names):
        return dict(enumerate(names))
    if (
        isinstance(names, dict)
        and names
        and all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, str) for k, v in names.items()
        )
    ):
        return dict(sorted(names.items()))
    raise InputFileError(path, "expected 'names': a list of class names or a mapping {id: name}")


def read_yolo_predictions(
    labels_dir: Path,
    *,
    classes_path: Path,
    image_sizes: Mapping[str, ImageSize],
    task: str = DEFAULT_TASK,
) -> TaskPredictions:
    """Read every label file below ``labels_dir`` into one task.

    A label file is skipped when no usable input image has its path (without extension), or when two
    images do (``a.jpg`` and ``a.png``). A line is skipped when it does not hold 5 or 6 numbers, its class
    is unknown, its box has a non-positive size or reaches outside the image.

    Args:
        labels_dir: the folder of ``.txt`` label files (the classes file may lie inside; it is not a label).
        classes_path: ``classes.txt`` or ``data.yaml``.
        image_sizes: name → upright (width, height) of every usable input image.
        task: the task's name.

    Raises:
        InputFileError: ``labels_dir`` is not a folder, or the classes file is unusable.
    """
    labels_dir = Path(labels_dir)
    if not labels_dir.is_dir():
        raise InputFileError(labels_dir, "not a folder; expected the folder of YOLO .txt label files")
    categories = read_yolo_classes(classes_path)
    by_stem: dict[str, list[str]] = {}
    for name in image_sizes:
        by_stem.setdefault(PurePosixPath(name).with_suffix("").as_posix(), []).append(name)
    classes_file = Path(classes_path).resolve()
    files = sorted(
        path.relative_to(labels_dir).as_posix()
        for path in labels_dir.rglob(f"*{LABEL_SUFFIX}")
        if path.is_file() and path.resolve() != classes_file
    )
    predictions: dict[str, list[ObjectPrediction]] = {}
    skipped: dict[str, str] = {}
    for where in files:
        stem = where[: -len(LABEL_SUFFIX)]
        images = sorted(by_stem.get(stem, []))
        if len(images) != 1:
            skipped[where] = (
                f"no usable input image '{stem}.*' (missing, corrupt or a duplicate)"
                if not images
                else f"several images share the path '{stem}' ({', '.join(images)}); rename them"
            )
            continue
        try:
            lines = read_text(labels_dir / where).splitlines()
        except InputFileError as error:
            skipped[where] = error.problem
            continue
        image = images[0]
        predictions[image] = _objects(lines, where, image, categories, image_sizes[image], skipped)
    return TaskPredictions(
        task=task, categories=categories, predictions=predictions, skipped=skipped, source=labels_dir
    )


def _objects(
    lines: list[str],
    where: str,
    image: str,
    categories: Mapping[int, str],
    size: ImageSize,
    skipped: dict[str, str],
) -> list[ObjectPrediction]:
    objects: list[ObjectPrediction] = []
    index = 0
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            objects.append(_object(line, image, index, categories, size))
        except PredictionProblem as problem:
            skipped[f"{where}:{line_number}"] = problem.reason
        index += 1
    return objects


def _class_id(token: str) -> int:
    """A class id in any whole-number notation (``3``, ``3.0``, ``3.000000e+00`` as ``np.savetxt`` writes),
    as Ultralytics reads labels (as floats, then ``int``)."""
    try:
        value = float(token)
    except ValueError:
        raise PredictionProblem(f"class {token!r} is not a whole number") from None
    if not (math.isfinite(value) and value.is_integer()):
        raise PredictionProblem(f"class {token!r} is not a whole number")
    return int(value)


def _object(
    line: str, image: str, index: int, categories: Mapping[int, str], size: ImageSize
) -> ObjectPrediction:
    tokens = line.split()
    if len(tokens) not in (VALUES_WITHOUT_SCORE, VALUES_WITH_SCORE):
        raise PredictionProblem(
            f"{len(tokens)} values; expected 'class cx cy w h' with an optional confidence (5 or 6 values)"
        )
    class_id = _class_id(tokens[0])
    try:
        values = [float(token) for token in tokens[1:]]
    except ValueError:
        raise PredictionProblem(f"'{' '.join(tokens[1:])}' are not all numbers") from None
    if not all(math.isfinite(value) for value in values):
        raise PredictionProblem(f"'{' '.join(tokens[1:])}' are not all finite numbers")
    category = boxes.category_id(class_id, categories)
    bbox = boxes.box_from_normalized_cxcywh(values[:4], image_size=size)
    score = values[4] if len(values) == VALUES_WITH_SCORE - 1 else None
    return ObjectPrediction(image=image, index=index, category_id=category, bbox=bbox, score=score)
