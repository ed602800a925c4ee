"""Sizes of the upright images, read from file headers only (boxes are checked against them)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from embedscope.ingest.image_decode import DECODE_ERRORS
from embedscope.ingest.predictions.model import ImageSize

EXIF_ORIENTATION_TAG = 0x0112  # EXIF "Orientation"
TRANSPOSING_ORIENTATIONS = frozenset({5, 6, 7, 8})  # rotations by 90/270 degrees: width and height swap
HEADER_WORKERS = 4  # header reads are I/O bound; a few threads hide file-system latency


def upright_size(path: Path) -> ImageSize:
    """(width, height) of ``path`` after its EXIF orientation is applied, from the header only.

    Raises:
        OSError, SyntaxError, ValueError, ...: the header cannot be parsed (see ``DECODE_ERRORS``).
    """
    with Image.open(path) as image:
        width, height = image.size
        try:
            orientation = image.getexif().get(EXIF_ORIENTATION_TAG, 1)
        except DECODE_ERRORS:
            orientation = 1
    if orientation in TRANSPOSING_ORIENTATIONS:
        return height, width
    return width, height


def _size_or_none(path: Path) -> ImageSize | None:
    try:
        return upright_size(path)
    except DECODE_ERRORS:
        return None


def read_image_sizes(root: Path, names: Iterable[str]) -> dict[str, ImageSize]:
    """Upright (width, height) of every named image below ``root``; names whose header cannot be read
    are left out (the caller treats them as missing images).

    Cost: one header read per image (no pixel decoding), in a few threads.
    """
    names = list(names)
    workers = max(1, min(HEADER_WORKERS, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sizes = list(pool.map(_size_or_none, (Path(root) / name for name in names)))
    return {name: size for name, size in zip(names, sizes, strict=True) if size is not None}
