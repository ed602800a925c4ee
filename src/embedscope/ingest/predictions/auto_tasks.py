"""The predictions an auto task generates on every image (see :mod:`embedscope.ingest.auto_task_boxes` for
the boxes and their meaning)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from embedscope.ingest.auto_task_boxes import CATEGORY, AutoTaskSpec, crop_boxes, tiling_boxes
from embedscope.ingest.predictions.model import ImageSize, ObjectPrediction, TaskPredictions


def auto_task_predictions(spec: AutoTaskSpec, image_sizes: Mapping[str, ImageSize]) -> TaskPredictions:
    """The generated objects of ``spec`` on every image of ``image_sizes`` (category 0: ``tile`` / ``crop``)."""
    predictions: dict[str, list[ObjectPrediction]] = {}
    for image in sorted(image_sizes):
        width, height = image_sizes[image]
        if spec.kind == "TILING":
            boxes = tiling_boxes(width, height, num_rows=spec.num_rows, num_cols=spec.num_cols, overlap=spec.overlap)
        else:
            boxes = crop_boxes(width, height, spec.boxes)
        predictions[image] = [
            ObjectPrediction(image=image, index=index, category_id=0, bbox=box) for index, box in enumerate(boxes)
        ]
    return TaskPredictions(
        task=spec.name, categories={0: CATEGORY[spec.kind]}, predictions=predictions,
        source=Path(f"auto_tasks/{spec.name}"),
    )
