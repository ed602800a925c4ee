"""Checking one prediction's values: its box against the image, its category, its score.

Each check returns a one-line reason (for the skipped-predictions list) instead of raising, so a reader can
skip the prediction and go on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from labelformat.model.bounding_box import BoundingBox, BoundingBoxFormat

from embedscope.ingest.predictions.model import BoxXYWH, ImageSize

BOX_TOLERANCE_PX = 1.0
"""How far (pixels) a box may reach past the image border and still count as inside: detectors and
normalised formats (YOLO) round coordinates; such boxes are clipped when cropped."""


class PredictionProblem(Exception):
    """A prediction that cannot be used; ``reason`` is one line for the skipped-predictions list."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PredictionProblem(f"{what} {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise PredictionProblem(f"{what} {value!r} is not finite")
    return number


def _fmt(value: float) -> str:
    return f"{value:g}"


def checked_box(box: BoundingBox, *, image_size: ImageSize, given: str) -> BoxXYWH:
    """``box`` as (x, y, width, height) when it has a positive size and lies inside the image.

    Args:
        box: the box in pixels (labelformat's xmin/ymin/xmax/ymax).
        image_size: (width, height) of the upright image.
        given: the box as the source wrote it, quoted in reasons.

    Raises:
        PredictionProblem: zero or negative width/height, or the box reaches more than
            :data:`BOX_TOLERANCE_PX` past an image border.
    """
    x, y, width, height = box.to_format(BoundingBoxFormat.XYWH)
    if width <= 0 or height <= 0:
        raise PredictionProblem(
            f"box {given} has a non-positive size ({_fmt(width)} x {_fmt(height)} px); "
            "expected width and height > 0"
        )
    image_width, image_height = image_size
    tolerance = BOX_TOLERANCE_PX
    if (
        box.xmin < -tolerance
        or box.ymin < -tolerance
        or box.xmax > image_width + tolerance
        or box.ymax > image_height + tolerance
    ):
        raise PredictionProblem(
            f"box {given} (x {_fmt(box.xmin)}..{_fmt(box.xmax)}, y {_fmt(box.ymin)}..{_fmt(box.ymax)} px) "
            f"reaches outside the {image_width}x{image_height} image"
        )
    return (float(x), float(y), float(width), float(height))


def box_from_xywh(values: object, *, image_size: ImageSize) -> BoxXYWH:
    """A ``[x, y, width, height]`` pixel box (Lightly, COCO) checked against the image.

    Raises:
        PredictionProblem: not a list of 4 finite numbers, or see :func:`checked_box`.
    """
    if not isinstance(values, (list, tuple)) or len(values) != 4:
        raise PredictionProblem(f"bbox {values!r} is not a list [x, y, width, height] of 4 numbers")
    numbers = [_number(value, "bbox value") for value in values]
    box = BoundingBox.from_format(bbox=numbers, format=BoundingBoxFormat.XYWH)
    return checked_box(box, image_size=image_size, given=f"[{', '.join(_fmt(v) for v in numbers)}]")


def box_from_normalized_cxcywh(values: list[float], *, image_size: ImageSize) -> BoxXYWH:
    """A YOLO box (centre x, centre y, width, height as fractions of the image size) in pixels, checked.

    Raises:
        PredictionProblem: see :func:`checked_box`.
    """
    width, height = image_size
    cx, cy, w, h = values
    box = BoundingBox.from_format(
        bbox=[cx * width, cy * height, w * width, h * height], format=BoundingBoxFormat.CXCYWH
    )
    return checked_box(
        box, image_size=image_size, given=f"[{', '.join(_fmt(v) for v in values)}] (normalised)"
    )


def category_id(value: object, categories: Mapping[int, str]) -> int:
    """The category id when it is an integer the task knows.

    Raises:
        PredictionProblem: not an integer, or not among ``categories``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise PredictionProblem(f"category_id {value!r} is not an integer")
    if value not in categories:
        known = ", ".join(str(key) for key in sorted(categories)[:10])
        raise PredictionProblem(f"unknown category_id {value} (the task's category ids: {known})")
    return value


def score(value: object) -> float | None:
    """The confidence score (None when absent).

    Raises:
        PredictionProblem: not a finite number.
    """
    if value is None:
        return None
    return _number(value, "score")
