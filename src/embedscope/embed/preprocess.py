"""Turning a file, a PIL image or an array into the network's input: the whole image as RGB uint8 of the
model's input size (224x224 for the default model).

ImageNet normalisation happens inside the ONNX graph, so images travel as uint8 (4x less memory).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.ingest.image_decode import decode_image
from embedscope.ingest.rgb_image import to_rgb

RESAMPLING = Image.Resampling.BILINEAR  # Pillow's bilinear filter is area-aware (antialiased) when shrinking


DEFAULT_SIZE = (INPUT_SIZE, INPUT_SIZE)  # (height, width) of the default model's input


def resized_pixels(image: Image.Image, size: tuple[int, int] = DEFAULT_SIZE) -> np.ndarray:
    """An RGB image resized to ``size`` = (height, width) as a whole (aspect ratio not kept, nothing cropped).

    Returns:
        (height, width, 3) uint8.
    """
    height, width = size
    if image.size != (width, height):
        image = image.resize((width, height), RESAMPLING)
    return np.asarray(image, dtype=np.uint8)


def model_input_from_file(path: Path, size: tuple[int, int] = DEFAULT_SIZE) -> np.ndarray:
    """Decode ``path`` (JPEG in draft mode, EXIF-orientated, RGB) into the network's input of ``size``.

    Returns:
        (height, width, 3) uint8.

    Raises:
        ImageDecodeError: the file cannot be opened or fully decoded.
    """
    return resized_pixels(decode_image(path, draft_size=(max(size), max(size))), size)


def model_input_from_image(image: Image.Image | np.ndarray, size: tuple[int, int] = DEFAULT_SIZE) -> np.ndarray:
    """The network's input from an image in memory (a video frame, an object crop).

    Args:
        image: a PIL image of any mode, or an array (H, W) / (H, W, 3) / (H, W, 4) of uint8
            (grayscale / RGB / RGBA) or (H, W) uint16.
        size: (height, width) of the model's input.

    Returns:
        (height, width, 3) uint8.

    Raises:
        ValueError: an array of another shape or dtype, or an empty image.
    """
    if isinstance(image, np.ndarray):
        image = _array_to_image(image)
    if image.width == 0 or image.height == 0:
        raise ValueError(f"cannot embed an empty image of size {image.size}")
    return resized_pixels(to_rgb(image), size)


def _array_to_image(array: np.ndarray) -> Image.Image:
    valid = (
        array.dtype == np.uint8 and (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4)))
    ) or (array.dtype == np.uint16 and array.ndim == 2)
    if not valid:
        raise ValueError(
            f"expected an image array (H, W) / (H, W, 3) / (H, W, 4) uint8 or (H, W) uint16, "
            f"got shape {array.shape} dtype {array.dtype}"
        )
    if array.dtype == np.uint16:
        return Image.fromarray(array.astype(np.int32), mode="I")
    return Image.fromarray(np.ascontiguousarray(array))
