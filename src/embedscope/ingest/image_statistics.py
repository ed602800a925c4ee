"""Computed image metadata: sharpness, brightness, contrast, saturation, size, entropy, low-information flag.

Every value is a plain number per sample, named ``lightly.<name>`` so that selection strategies can use it
(``input: {type: METADATA, key: lightly.sharpness}``) and the report shows it like any numeric metadata
column (LightlyOne's ``metadataInformation.lightlyNumeric``). Grey levels are the ITU-R BT.601 luma
0.299 R + 0.587 G + 0.114 B, scaled to [0, 1].

- sharpness: variance of the Laplacian of the grey image (Pech-Pacheco et al. 2000,
  https://doi.org/10.1109/ICPR.2000.903548), kernel [[0,1,0],[1,-4,1],[0,1,0]], borders mirrored — the
  value of ``skimage.filters.laplace(grey).var()``;
- brightness: mean grey level; contrast: standard deviation of the grey levels (RMS contrast);
- saturation: mean HSV saturation (max - min) / max of each pixel's RGB (0 for black pixels);
- width, height (pixels), aspect_ratio = width / height;
- entropy: Shannon entropy in bits of the 256-bin grey-level histogram (0 for a one-colour image, 8 max);
- low_information: 1 when the image is blank, uniform or grey (contrast below UNIFORM_CONTRAST or entropy
  below LOW_ENTROPY_BITS), as LightlyOne's content check flags broken video frames; else 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.ingest.image_decode import ImageDecodeError, decode_image

PREFIX = "lightly."
"""Column prefix of computed metadata (LightlyOne's name for its own metadata keys)."""

STATISTICS = (
    "sharpness", "brightness", "contrast", "saturation", "width", "height", "aspect_ratio", "entropy",
    "low_information",
)
"""Column names (without PREFIX), in report order."""

UNIFORM_CONTRAST = 0.01
"""Grey-level standard deviation below 1 % of the range: a single colour to the eye (JPEG noise included)."""

LOW_ENTROPY_BITS = 0.5
"""Histogram entropy below half a bit: almost every pixel has one grey level."""

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])
"""ITU-R BT.601 luma, as Pillow's ``convert("L")``."""


def column_names() -> list[str]:
    """The metadata columns this module fills: ``lightly.sharpness``, …"""
    return [PREFIX + name for name in STATISTICS]


def folder_image_statistics(image_root: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """``lightly.<name>`` → (n,) float64 statistics of the images ``image_root / name``; NaN for a file that
    no longer decodes (it was readable when embedded; the run goes on).

    Cost: one full decode per image.
    """
    columns = {name: np.full(len(names), np.nan) for name in column_names()}
    for row, name in enumerate(names):
        try:
            values = image_statistics(decode_image(Path(image_root) / name))
        except ImageDecodeError:
            continue
        for key, value in values.items():
            columns[key][row] = value
    return columns


def image_statistics(image: Image.Image | np.ndarray) -> dict[str, float]:
    """The statistics of one image.

    Args:
        image: a Pillow image (any mode; converted to RGB) or an (h, w, 3) uint8 RGB array.

    Returns:
        ``lightly.<name>`` → float for every name of STATISTICS.
    """
    rgb = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (h, w, 3) RGB image, got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    channels = rgb.astype(np.float64) / 255.0
    grey = channels @ LUMA_WEIGHTS
    contrast = float(grey.std())
    highest = channels.max(axis=2)
    lowest = channels.min(axis=2)
    saturation = np.divide(highest - lowest, highest, out=np.zeros_like(highest), where=highest > 0)
    entropy = grey_entropy(grey)
    values = {
        "sharpness": laplacian_variance(grey),
        "brightness": float(grey.mean()),
        "contrast": contrast,
        "saturation": float(saturation.mean()),
        "width": float(width),
        "height": float(height),
        "aspect_ratio": width / height,
        "entropy": entropy,
        "low_information": float(contrast < UNIFORM_CONTRAST or entropy < LOW_ENTROPY_BITS),
    }
    return {PREFIX + name: values[name] for name in STATISTICS}


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of ``grey`` (h, w) float64, borders mirrored (scipy 'reflect')."""
    padded = np.pad(grey, 1, mode="symmetric")
    laplacian = (
        padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4.0 * padded[1:-1, 1:-1]
    )
    return float(laplacian.var())


def grey_entropy(grey: np.ndarray) -> float:
    """Shannon entropy (bits) of the 256-bin histogram of ``grey`` levels in [0, 1]."""
    levels = np.clip(np.rint(grey * 255.0), 0, 255).astype(np.int64)
    counts = np.bincount(levels.ravel(), minlength=256)
    p = counts[counts > 0] / levels.size
    return float(-(p * np.log2(p)).sum()) + 0.0
