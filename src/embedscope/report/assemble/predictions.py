"""``predictionTaskInformation.<task>`` of the report for a detection task read from Lightly, COCO or YOLO
files: category counts per set, the crop analysis of object-level runs, and bounding-box example images.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from embedscope.analyze.sets import DATAPOOL, INPUT, RANDOM, SELECTED, SELECTED_WITH_DATAPOOL
from embedscope.embed.crop_samples import CropMetadata
from embedscope.ingest.crops import CropSpec
from embedscope.ingest.image_decode import decode_image
from embedscope.ingest.predictions.model import TaskPredictions
from embedscope.report.assemble.sample_data import categorical_per_set
from embedscope.report.colors import SET_COLORS
from embedscope.report.model import (
    CategoricalDistributionPerSet,
    DetectionTaskInformation,
    EmbeddingInformation,
    PredictionTaskInformation,
)

OBJECT_DETECTION = "OBJECT_DETECTION"  # LightlyOne's taskType of detection tasks
EXAMPLE_MAX_SIDE = 480  # pixels of the longest side of a bounding-box example image
N_BOX_EXAMPLES = 6  # bounding-box example images in the report
BOX_WIDTH_FRACTION = 0.006  # box outline width as a fraction of the example's longest side
LABEL_HEIGHT_FRACTION = 0.035  # category label text height as a fraction of the example's longest side
MIN_LABEL_PX = 10  # smaller text is unreadable in the PDF
UNSELECTED_BOX_COLOR = "#bdbdbd"
LABEL_TEXT_COLOR = "#ffffff"

Categories = tuple[str, ...]
"""The category name of each object of one sample (one entry for a crop)."""


def image_categories(task: TaskPredictions, names: Sequence[str]) -> list[Categories]:
    """For image-level runs: the categories of the objects of each named image (empty for images
    without predictions)."""
    return [task.object_categories(name) for name in names]


def crop_categories(metadata: CropMetadata, names: Sequence[str]) -> list[Categories]:
    """For object-level runs: the category of each named crop."""
    return metadata.categories_of(names)


def category_distribution_per_set(
    input_categories: Sequence[Categories],
    *,
    categories: list[str],
    selected: np.ndarray,
    random: np.ndarray,
    datapool_categories: Sequence[Categories] | None = None,
) -> CategoricalDistributionPerSet:
    """Object counts per category of every set, with ``giniImbalance`` and ``normalizedEntropy``.

    Args:
        input_categories: (n_input,) the categories of each input sample's objects.
        categories: every category name of the task (so all sets share the keys, zero counts included).
        selected, random: (k,) int64 rows of the input in each set.
        datapool_categories: the categories of each datapool sample's objects, or None without datapool.
    """
    per_set: dict[str, list[Categories]] = {
        INPUT: list(input_categories),
        SELECTED: [input_categories[int(row)] for row in selected],
        RANDOM: [input_categories[int(row)] for row in random],
    }
    if datapool_categories is not None:
        per_set[DATAPOOL] = list(datapool_categories)
        per_set[SELECTED_WITH_DATAPOOL] = per_set[SELECTED] + per_set[DATAPOOL]
    return categorical_per_set(per_set, categories=categories)


def prediction_task_information(
    task: TaskPredictions,
    *,
    input_categories: Sequence[Categories],
    selected: np.ndarray,
    random: np.ndarray,
    datapool_categories: Sequence[Categories] | None = None,
    crop_embedding_information: EmbeddingInformation | None = None,
) -> PredictionTaskInformation:
    """The report's ``predictionTaskInformation.<task>`` for one detection task.

    Args:
        task: the task's predictions (its categories name the count keys).
        input_categories: per input sample, its objects' categories (:func:`image_categories` for image-level
            runs, :func:`crop_categories` for object-level runs).
        selected, random: (k,) int64 input rows of the selected and random sets.
        datapool_categories: per datapool sample, its objects' categories; None without datapool.
        crop_embedding_information: the embedding analysis of the crops (object-level runs), else None.
    """
    return PredictionTaskInformation(
        task_type=OBJECT_DETECTION,
        category_id_to_name={str(key): task.categories[key] for key in sorted(task.categories)},
        category_distribution=category_distribution_per_set(
            input_categories,
            categories=task.category_names(),
            selected=selected,
            random=random,
            datapool_categories=datapool_categories,
        ),
        detection_task_information=DetectionTaskInformation(
            crop_embedding_information=crop_embedding_information
        ),
    )


def bounding_box_example_png(
    image_root: Path,
    image: str,
    crops: Sequence[CropSpec],
    *,
    selected: Collection[str],
    max_side: int = EXAMPLE_MAX_SIDE,
) -> bytes:
    """``image`` with its predicted boxes drawn: selected crops in the report's "selected" colour with their
    category, the others in light grey; scaled so its longest side is at most ``max_side`` pixels.

    Raises:
        ImageDecodeError: the image cannot be decoded.
    """
    picture = decode_image(Path(image_root) / image)
    scale = min(1.0, max_side / max(picture.size))
    if scale < 1.0:
        picture = picture.resize(
            (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
            Image.Resampling.LANCZOS,
        )
    draw = ImageDraw.Draw(picture)
    width = max(1, round(BOX_WIDTH_FRACTION * max(picture.size)))
    font = ImageFont.load_default(size=max(MIN_LABEL_PX, round(LABEL_HEIGHT_FRACTION * max(picture.size))))
    ordered = sorted(crops, key=lambda crop: crop.name in selected)  # selected boxes drawn last, on top
    for crop in ordered:
        x, y, w, h = (value * scale for value in crop.bbox)
        chosen = crop.name in selected
        color = SET_COLORS["selected"] if chosen else UNSELECTED_BOX_COLOR
        draw.rectangle((x, y, x + w, y + h), outline=color, width=width if chosen else max(1, width // 2))
        if chosen:  # the category on a filled tag at the box's top-left corner
            left, top, right, bottom = draw.textbbox((x, y), crop.category, font=font)
            draw.rectangle((left, top, right + 2 * width, bottom + 2 * width), fill=color)
            draw.text((x + width, y + width), crop.category, fill=LABEL_TEXT_COLOR, font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def bounding_box_examples(
    image_root: Path, metadata: CropMetadata, *, selected_names: Sequence[str], limit: int = N_BOX_EXAMPLES
) -> dict[str, bytes]:
    """Image name → :func:`bounding_box_example_png` for the images of the first selected crops (the greedy's
    first picks are spread over the embedding space), at most ``limit`` images, in pick order."""
    specs = metadata.by_name()
    by_image: dict[str, list[CropSpec]] = {}
    for crop in metadata.crops:
        by_image.setdefault(crop.image, []).append(crop)
    images = list(dict.fromkeys(specs[name].image for name in selected_names if name in specs))[:limit]
    chosen = set(selected_names)
    return {
        image: bounding_box_example_png(image_root, image, by_image[image], selected=chosen)
        for image in images
    }


def skipped_predictions(task: TaskPredictions, metadata: CropMetadata | None = None) -> dict[str, Any]:
    """What was left out of a task, with reasons, for the output folder and ``report.embedscope`` (ext).

    Keys: ``task``, ``source``, ``nSkippedPredictions`` / ``skippedPredictions`` (where in the source → why;
    see :attr:`TaskPredictions.skipped`), and for object-level runs ``nSkippedCrops`` / ``skippedCrops``
    (crop name → why: box under the minimum size, image not decodable).
    """
    summary: dict[str, Any] = {
        "task": task.task,
        "source": str(task.source),
        "nSkippedPredictions": task.n_skipped,
        "skippedPredictions": dict(task.skipped),
    }
    if metadata is not None:
        summary["nSkippedCrops"] = len(metadata.skipped)
        summary["skippedCrops"] = dict(metadata.skipped)
    return summary


def object_level_summary(
    metadata: CropMetadata,
    *,
    input_names: Sequence[str],
    selected_names: Sequence[str],
    padding: float,
    min_size: float,
) -> dict[str, Any]:
    """The ``objectLevel`` (ext) block of an object-level run: which task, how crops were cut, how many
    crops and images took part, and the images that hold a selected crop."""
    selected_images = metadata.images_of(selected_names)
    return {
        "task": metadata.task,
        "cropPadding": padding,
        "minCropSize": min_size,
        "nCropsInput": len(input_names),
        "nImagesWithInputCrops": len(metadata.images_of(input_names)),
        "nCropsSelected": len(selected_names),
        "nImagesWithSelectedCrops": len(selected_images),
        "imagesWithSelectedCrops": selected_images,
    }
