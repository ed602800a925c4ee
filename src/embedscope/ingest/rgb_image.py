"""Converting any Pillow image mode to 8-bit RGB."""

from __future__ import annotations

import numpy as np
from PIL import Image

BACKGROUND_RGB = (255, 255, 255)  # transparent pixels are shown on white, as image viewers and browsers do
UINT16_TO_UINT8 = 257.0  # 65535 / 255: maps the full 16-bit range onto 0..255
HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def _high_bit_to_l(image: Image.Image) -> Image.Image:
    """16-bit/32-bit integer images are taken as 16-bit data; float images are scaled by their own range."""
    values = np.asarray(image, dtype=np.float64)
    if image.mode == "F":
        low, high = float(values.min(initial=0.0)), float(values.max(initial=0.0))
        scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    else:
        scaled = values / UINT16_TO_UINT8
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), mode="L")


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` as mode ``RGB``.

    Grayscale (``1``, ``L``), palette (``P``), ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` convert directly; images
    with transparency (``RGBA``, ``LA``, ``PA``, palette with a transparent colour) are composited onto
    :data:`BACKGROUND_RGB`; 16-bit and 32-bit integer images are scaled from 0..65535 to 0..255, float images
    from their min..max.
    """
    if image.mode == "RGB":
        return image
    if image.mode in HIGH_BIT_MODES:
        return _high_bit_to_l(image).convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND_RGB + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
