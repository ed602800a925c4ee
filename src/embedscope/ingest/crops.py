"""Object crops: which pixels of an image each predicted box becomes, and what the crop is called.

Crop name convention (one per object, unique within a task)::

    <image path without extension>-<object index>-<image extension>.png

e.g. object 2 of ``street/0001.jpg`` is ``street/0001-2-jpg.png``. The index is the object's position among
the image's predictions in the source file (:attr:`ObjectPrediction.index`, 0-based, not zero-padded), so a
crop keeps its name when other predictions of the image are fixed or dropped. The pattern is the one
LightlyOne uses for video frames (``<video>-<frame>-<ext>.png``), so a crop name maps back to its image.

Crop box: the predicted box grown by ``padding`` times its width (left and right) and height (top and
bottom), then rounded outwards to whole pixels and clipped to the image.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image

from embedscope.errors import ConfigError
from embedscope.ingest.image_decode import ImageDecodeError, decode_image
from embedscope.ingest.predictions.model import BoxXYWH, ImageSize, TaskPredictions

DEFAULT_CROP_PADDING = 0.1  # 10 % of the box on each side: some context around the object, as LightlyOne
DEFAULT_MIN_CROP_SIZE = 4  # boxes narrower or lower than this (pixels) hold too little to embed
CROP_EXTENSION = "png"
DECODE_WORKERS = 2  # Pillow decodes without the GIL; one thread per core of the 2-core target
PREFETCH_IMAGES = 8  # decoded images waiting for the consumer; bounds memory to a few full images

PixelBox = tuple[int, int, int, int]
"""(left, top, right, bottom) in whole pixels, right/bottom exclusive: ``image.crop(box)``."""


@dataclass(frozen=True)
class CropSpec:
    """One object crop to cut.

    Attributes:
        name: the crop's name (see the module docstring).
        image: the source image's name.
        index: the object's index among the image's predictions.
        category_id: the predicted category's id.
        category: the predicted category's name.
        bbox: the predicted (x, y, width, height) in pixels.
        box: the padded, clipped pixel box that is cut.
        score: the prediction's confidence, or None.
    """

    name: str
    image: str
    index: int
    category_id: int
    category: str
    bbox: BoxXYWH
    box: PixelBox
    score: float | None = None


@dataclass(frozen=True)
class CropPlan:
    """The crops of one task.

    Attributes:
        crops: one per usable object, images in name order, objects in index order.
        skipped: crop name → why no crop is cut (box under the minimum size).
    """

    crops: list[CropSpec]
    skipped: dict[str, str] = field(default_factory=dict)

    def by_image(self) -> dict[str, list[CropSpec]]:
        """Image name → its crops, in plan order."""
        groups: dict[str, list[CropSpec]] = {}
        for crop in self.crops:
            groups.setdefault(crop.image, []).append(crop)
        return groups


def crop_name(image: str, index: int) -> str:
    """``<image path without extension>-<index>-<image extension>.png`` (see the module docstring)."""
    path = PurePosixPath(image)
    extension = path.suffix.removeprefix(".")
    return f"{path.with_suffix('').as_posix()}-{index}-{extension}.{CROP_EXTENSION}"


def check_crop_settings(*, padding: float, min_size: float) -> None:
    """Raises ConfigError for a negative or non-finite padding, or a minimum size below 1 pixel."""
    if not (math.isfinite(padding) and padding >= 0):
        raise ConfigError(
            f"--crop-padding must be a finite number >= 0 (a fraction of the box size), got {padding}"
        )
    if not (math.isfinite(min_size) and min_size >= 1):
        raise ConfigError(f"the minimum crop size (--min-crop-size) must be at least 1 pixel, got {min_size}")


def padded_box(bbox: BoxXYWH, *, image_size: ImageSize, padding: float) -> PixelBox:
    """The pixel box cut for ``bbox``: grown by ``padding`` x its size on each side, rounded outwards
    (floor for left/top, ceil for right/bottom), clipped to the image. May be empty if ``bbox`` lies
    outside the image."""
    x, y, width, height = bbox
    image_width, image_height = image_size
    left = max(0, math.floor(x - padding * width))
    top = max(0, math.floor(y - padding * height))
    right = min(image_width, math.ceil(x + width + padding * width))
    bottom = min(image_height, math.ceil(y + height + padding * height))
    return left, top, right, bottom


def plan_crops(
    predictions: TaskPredictions,
    *,
    image_sizes: Mapping[str, ImageSize],
    padding: float = DEFAULT_CROP_PADDING,
    min_size: float = DEFAULT_MIN_CROP_SIZE,
) -> CropPlan:
    """One :class:`CropSpec` per usable object of ``predictions``.

    Args:
        predictions: one task's predictions (boxes already checked against the images).
        image_sizes: name → upright (width, height); the boxes' images must be in it.
        padding: fraction of the box's width/height added on each side.
        min_size: boxes with a width or height (before padding) below this many pixels are skipped.

    Raises:
        ConfigError: bad ``padding`` or ``min_size``.
    """
    check_crop_settings(padding=padding, min_size=min_size)
    crops: list[CropSpec] = []
    skipped: dict[str, str] = {}
    for obj in predictions.objects():
        name = crop_name(obj.image, obj.index)
        _, _, width, height = obj.bbox
        if width < min_size or height < min_size:
            skipped[name] = f"box {width:g} x {height:g} px is under the minimum crop size of {min_size:g} px"
            continue
        box = padded_box(obj.bbox, image_size=image_sizes[obj.image], padding=padding)
        if box[2] <= box[0] or box[3] <= box[1]:
            skipped[name] = f"box {obj.bbox} leaves no pixels inside the image"
            continue
        crops.append(
            CropSpec(
                name=name,
                image=obj.image,
                index=obj.index,
                category_id=obj.category_id,
                category=predictions.categories[obj.category_id],
                bbox=obj.bbox,
                box=box,
                score=obj.score,
            )
        )
    return CropPlan(crops=crops, skipped=skipped)


def cut_crops(image: Image.Image, crops: Sequence[CropSpec]) -> list[Image.Image]:
    """The crops of one decoded (upright RGB) image, in the order of ``crops``."""
    return [image.crop(crop.box) for crop in crops]


def load_crop(image_root: Path, crop: CropSpec) -> Image.Image:
    """One crop as an RGB image (e.g. for a thumbnail in the report).

    Raises:
        ImageDecodeError: the source image cannot be decoded.
    """
    return decode_image(Path(image_root) / crop.image).crop(crop.box)


@dataclass(frozen=True)
class ImageCrops:
    """The crops of one image, or why there are none.

    Attributes:
        image: the image's name.
        specs: its planned crops.
        crops: the cut crops (RGB, same order as ``specs``), or None when the image could not be decoded.
        failure: why the image could not be decoded, else None.
    """

    image: str
    specs: list[CropSpec]
    crops: list[Image.Image] | None
    failure: str | None = None


def _decode_and_cut(root: Path, image: str, specs: list[CropSpec]) -> ImageCrops:
    try:
        decoded = decode_image(root / image)
    except ImageDecodeError as error:
        return ImageCrops(image=image, specs=specs, crops=None, failure=error.reason)
    expected = max(spec.box[2] for spec in specs), max(spec.box[3] for spec in specs)
    if decoded.width < expected[0] or decoded.height < expected[1]:
        return ImageCrops(
            image=image,
            specs=specs,
            crops=None,
            failure=f"decoded size {decoded.width}x{decoded.height} is smaller than its boxes need",
        )
    return ImageCrops(image=image, specs=specs, crops=cut_crops(decoded, specs))


def iter_image_crops(image_root: Path, plan: CropPlan) -> Iterator[ImageCrops]:
    """Decode every image of ``plan`` once (in a few threads, in plan order) and cut its crops.

    Memory: at most :data:`PREFETCH_IMAGES` decoded images and their crops wait for the consumer.
    """
    groups = list(plan.by_image().items())
    root = Path(image_root)
    workers = max(1, min(DECODE_WORKERS, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque(
            pool.submit(_decode_and_cut, root, image, specs) for image, specs in groups[:PREFETCH_IMAGES]
        )
        following = len(pending)
        while pending:
            result = pending.popleft().result()
            if following < len(groups):
                image, specs = groups[following]
                pending.append(pool.submit(_decode_and_cut, root, image, specs))
                following += 1
            yield result
