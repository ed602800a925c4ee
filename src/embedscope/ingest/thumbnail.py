"""Small upright RGB previews of images for the report."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.image_decode import ImageDecodeError, decode_image


def load_thumbnail(path: Path, *, size: int = 96) -> Image.Image:
    """An RGB thumbnail of ``path``, EXIF-orientated, aspect ratio kept, longest side ``size`` pixels
    (smaller images are not enlarged).

    Raises:
        InputFileError: the file cannot be decoded.
    """
    try:
        image = decode_image(Path(path), draft_size=(size, size))
    except ImageDecodeError as error:
        raise InputFileError(path, error.reason) from error
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return image
