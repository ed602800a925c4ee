"""Images as ``data:`` URIs for the self-contained ``report.html``: figures, and thumbnails of input images."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.ingest.thumbnail import load_thumbnail

logger = logging.getLogger(__name__)

THUMBNAIL_PX = 96  # longest side; enough to recognise an image in a hover box
THUMBNAIL_JPEG_QUALITY = 75  # ~3 KB per thumbnail
MAX_THUMBNAILS = 1000
"""Thumbnails embedded per page (~3 MB): the first names given (callers put example and selected images first)."""


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_data_uris(plots: Mapping[str, bytes]) -> dict[str, str]:
    """Figure name → PNG data URI."""
    return {name: png_data_uri(png) for name, png in plots.items()}


def jpeg_data_uri(jpeg: bytes) -> str:
    """``data:image/jpeg;base64,…`` of JPEG bytes."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def thumbnail_data_uris(image_root: Path, names: Iterable[str], *, limit: int = MAX_THUMBNAILS) -> dict[str, str]:
    """:func:`thumbnail_jpegs` as data URIs (for ``report.html``)."""
    return {name: jpeg_data_uri(jpeg) for name, jpeg in thumbnail_jpegs(image_root, names, limit=limit).items()}


def thumbnail_jpegs(image_root: Path, names: Iterable[str], *, limit: int = MAX_THUMBNAILS) -> dict[str, bytes]:
    """Filename → JPEG thumbnail (longest side THUMBNAIL_PX) for the first ``limit`` distinct ``names`` that are
    image files under ``image_root``; names that are not files there (e.g. crops, video frames) or do not
    decode are skipped.

    Cost: one draft-mode decode per thumbnail.
    """
    root = Path(image_root)
    result: dict[str, bytes] = {}
    tried: set[str] = set()
    for name in names:  # lazily: stops at the budget without reading the rest of ``names``
        if len(result) >= limit:
            break
        if name in tried:
            continue
        tried.add(name)
        path = root / name
        if not path.is_file():
            continue
        try:
            image = load_thumbnail(path, size=THUMBNAIL_PX)
        except InputFileError as error:
            logger.debug("no thumbnail for %s: %s", name, error)
            continue
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=THUMBNAIL_JPEG_QUALITY)
        result[name] = buffer.getvalue()
    return result
