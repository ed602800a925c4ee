"""Object-detection predictions from a Lightly predictions folder, COCO JSON or YOLO label folders.

Every reader keeps going past bad entries: each skipped file or prediction is listed with its reason in
:attr:`TaskPredictions.skipped`.
"""

from embedscope.ingest.predictions.coco import read_coco_predictions
from embedscope.ingest.predictions.image_sizes import read_image_sizes, upright_size
from embedscope.ingest.predictions.lightly_folder import (
    LightlyPredictions,
    find_lightly_predictions_folder,
    read_lightly_predictions,
)
from embedscope.ingest.predictions.model import BoxXYWH, ImageSize, ObjectPrediction, TaskPredictions
from embedscope.ingest.predictions.yolo import read_yolo_classes, read_yolo_predictions

__all__ = [
    "BoxXYWH",
    "ImageSize",
    "LightlyPredictions",
    "ObjectPrediction",
    "TaskPredictions",
    "find_lightly_predictions_folder",
    "read_coco_predictions",
    "read_image_sizes",
    "read_lightly_predictions",
    "read_yolo_classes",
    "read_yolo_predictions",
    "upright_size",
]
