"""Opening and fully decoding one image file: EXIF orientation, RGB, and a one-line reason on failure."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from embedscope.ingest.rgb_image import to_rgb

# A dataset's images are the user's own files: a large valid image (a panorama, a satellite tile) is embedded,
# not refused as a "decompression bomb". JPEGs decode in draft mode at a fraction of their size; other formats
# cost width × height × 3 bytes while one is decoded.
Image.MAX_IMAGE_PIXELS = None

# Everything Pillow raises for a file it cannot open or decode (UnidentifiedImageError is an OSError;
# a truncated stream raises OSError; broken headers raise SyntaxError/ValueError/EOFError/IndexError).
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    Image.DecompressionBombError,
    MemoryError,
)


class ImageDecodeError(Exception):
    """A file Pillow cannot open or fully decode; ``reason`` is one line for corrupt_filenames.txt."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_decode_error(error: BaseException) -> str:
    """One line for a decode failure, e.g. ``cannot decode: image file is truncated (12 bytes not processed)``."""
    if isinstance(error, Image.UnidentifiedImageError):
        return "not an image Pillow can read"
    if isinstance(error, Image.DecompressionBombError):
        return f"too many pixels: {error}"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"cannot decode: {text}"


def _oriented(image: Image.Image) -> Image.Image:
    """``image`` turned upright by its EXIF orientation (in place); unreadable EXIF data leaves it as it is."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except DECODE_ERRORS:
        pass
    return image


def decode_image(path: Path, *, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """Open ``path``, fully decode it, apply its EXIF orientation, and convert it to RGB.

    Args:
        path: an image file (multi-frame GIF/TIFF: the first frame).
        draft_size: (width, height) in pixels the caller needs at least; JPEGs are then decoded at the
            smallest DCT scale (1/1, 1/2, 1/4, 1/8) that still covers it, which is several times faster.

    Returns:
        A loaded ``RGB`` image (before orientation: at least ``draft_size`` when given and the image is larger).

    Raises:
        ImageDecodeError: unreadable file, zero bytes, not an image, truncated or otherwise undecodable data.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImageDecodeError(f"cannot read: {error.strerror or error}") from error
    if not data:
        raise ImageDecodeError("empty file (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))  # from memory: no file handle stays open for multi-frame files
        if draft_size is not None:
            image.draft("RGB", draft_size)
        image.load()
        return to_rgb(_oriented(image))
    except DECODE_ERRORS as error:
        raise ImageDecodeError(describe_decode_error(error)) from error
