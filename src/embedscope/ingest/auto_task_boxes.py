"""The boxes of LightlyOne's auto tasks: object predictions generated for every image instead of read from a
file, so that object-level selection runs on fixed parts of the images (the predictions they become:
:mod:`embedscope.ingest.predictions.auto_tasks` (docs: https://docs.lightly.ai/docs/auto-tasks; schema:
``AutoTaskTiling`` / ``AutoTaskCrop`` of LightlyOne's API, lightly 1.5.x ``openapi_generated`` models).

- **Tiling** (``num_rows``, ``num_cols``, ``overlap``): the image is split into a grid of ``num_rows`` x
  ``num_cols`` equal tiles. ``overlap`` is "the relative overlap between tiles … a fraction of the tile size: if
  the overlap is 0.1 and the tile size is 100, the overlap is 10 pixels". So along a side of S pixels with n
  tiles of size t, neighbours overlap by ``overlap`` x t and the tiles span the side exactly:
  t + (n - 1)(1 - overlap) t = S, i.e. t = S / (1 + (n - 1)(1 - overlap)); tile i starts at i (1 - overlap) t.
  Tiles are numbered row by row (object index = row x num_cols + column).
- **Crop** (``bboxs``): the same boxes on every image, each ``[x, y, width, height]`` as fractions of the image
  width and height (LightlyOne's schema gives four numbers in [0, 1]; embedscope reads them in the order of
  LightlyOne's prediction format, top-left corner then size).

The generated objects have one category, ``tile`` or ``crop``; their crops are cut without padding (the tile is
the sample). Coordinates are pixels of the upright image, as every prediction here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BoxXYWH = tuple[float, float, float, float]  # as embedscope.ingest.predictions.model.BoxXYWH (no image import here)

AutoTaskKind = Literal["TILING", "CROP"]
CATEGORY = {"TILING": "tile", "CROP": "crop"}  # auto tasks have no meaningful class; one per kind


@dataclass(frozen=True)
class AutoTaskSpec:
    """One auto task as plain data (the selection config's ``auto_tasks`` entries turn into these).

    Attributes:
        name: the task's name (unique among the run's tasks).
        kind: ``TILING`` or ``CROP``.
        num_rows, num_cols, overlap: the tiling grid (TILING).
        boxes: relative ``(x, y, width, height)`` boxes (CROP).
    """

    name: str
    kind: AutoTaskKind
    num_rows: int = 1
    num_cols: int = 1
    overlap: float = 0.0
    boxes: tuple[BoxXYWH, ...] = ()


def tile_spans(size: float, count: int, overlap: float) -> list[tuple[float, float]]:
    """(start, length) of ``count`` equal tiles along a side of ``size`` pixels that overlap by ``overlap`` x
    their length and span the side exactly (see the module docstring)."""
    length = size / (1.0 + (count - 1) * (1.0 - overlap))
    step = (1.0 - overlap) * length
    return [(i * step, length) for i in range(count)]


def tiling_boxes(width: int, height: int, *, num_rows: int, num_cols: int, overlap: float) -> list[BoxXYWH]:
    """The tiles of a ``width`` x ``height`` image, row by row, as (x, y, width, height) pixels."""
    columns = tile_spans(width, num_cols, overlap)
    rows = tile_spans(height, num_rows, overlap)
    return [(x, y, w, h) for (y, h) in rows for (x, w) in columns]


def crop_boxes(width: int, height: int, boxes: Sequence[BoxXYWH]) -> list[BoxXYWH]:
    """Relative ``(x, y, width, height)`` boxes in pixels of a ``width`` x ``height`` image."""
    return [(x * width, y * height, w * width, h * height) for (x, y, w, h) in boxes]
