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
- entropy: Shannon entropy in bits of the histogram of the 8-bit grey levels round((299 R + 587 G + 114 B) /
  1000), ties to even (0 for a one-colour image, 8 max);
- low_information: 1 when the image is blank, uniform or grey (contrast below UNIFORM_CONTRAST or entropy
  below LOW_ENTROPY_BITS), as LightlyOne's content check flags broken video frames; else 0.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
from PIL import Image

from embedscope.ingest.image_decode import ImageDecodeError, decode_image

PREFIX = "lightly."
"""Column prefix of computed metadata (LightlyOne's name for its own metadata keys)."""

STATISTICS = (
    "sharpness", "brightness", "contrast", "saturation", "width", "height", "aspect_ratio", "entropy",
    "low_information",
)
"""Column names (without PREFIX), in report order.

Cost of :func:`image_statistics`: two passes over the pixels in a numba kernel, ~1-2 ms for 224x224.
"""

STATISTICS_THREADS = os.cpu_count() or 1  # one decode thread per core
STATISTICS_CHUNK = 256  # names handed to the threads at a time

UNIFORM_CONTRAST = 0.01
"""Grey-level standard deviation below 1 % of the range: a single colour to the eye (JPEG noise included)."""

LOW_ENTROPY_BITS = 0.5
"""Histogram entropy below half a bit: almost every pixel has one grey level."""


def column_names() -> list[str]:
    """The metadata columns this module fills: ``lightly.sharpness``, …"""
    return [PREFIX + name for name in STATISTICS]


def folder_image_statistics(
    image_root: Path, names: Sequence[str], *, threads: int = STATISTICS_THREADS
) -> dict[str, np.ndarray]:
    """``lightly.<name>`` → (n,) float64 statistics of the images ``image_root / name``; NaN for a file that
    no longer decodes (it was readable when embedded; the run goes on).

    Cost: one full decode per image, on ``threads`` threads (Pillow and the statistics kernel release the GIL);
    names go to the threads ``STATISTICS_CHUNK`` at a time, so memory stays bounded at any n. The values do not
    depend on ``threads``.
    """
    rows = np.full((len(names), len(STATISTICS)), np.nan)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for start in range(0, len(names), STATISTICS_CHUNK):
            chunk = names[start : start + STATISTICS_CHUNK]
            rows[start : start + len(chunk)] = list(pool.map(functools.partial(_statistics_row, image_root), chunk))
    return columns_of_rows(rows)


def statistics_rows(names: Sequence[str], *, root: str) -> list[tuple[float, ...]]:
    """One tuple of the STATISTICS values (in that order) per image ``root / name``, NaN for a file that does
    not decode; a per-chunk function for Ray tasks
    (:func:`embedscope.distributed.ray_image_statistics.image_statistics_on_ray`)."""
    return [_statistics_row(Path(root), name) for name in names]


def columns_of_rows(rows: np.ndarray | Sequence[Sequence[float]]) -> dict[str, np.ndarray]:
    """(n, len(STATISTICS)) rows in STATISTICS order → ``lightly.<name>`` → (n,) float64 columns."""
    table = np.asarray(rows, dtype=np.float64).reshape(-1, len(STATISTICS))
    return {name: table[:, j].copy() for j, name in enumerate(column_names())}


def _statistics_row(image_root: Path, name: str) -> tuple[float, ...]:
    try:
        values = image_statistics(decode_image(Path(image_root) / name))
    except ImageDecodeError:
        return (np.nan,) * len(STATISTICS)
    return tuple(values[column] for column in column_names())


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
    sharpness, brightness, contrast, saturation, counts = _fused_statistics(np.ascontiguousarray(rgb, dtype=np.uint8))
    entropy = _histogram_entropy(counts)
    values = {
        "sharpness": sharpness,
        "brightness": brightness,
        "contrast": contrast,
        "saturation": saturation,
        "width": float(width),
        "height": float(height),
        "aspect_ratio": width / height,
        "entropy": entropy,
        "low_information": float(contrast < UNIFORM_CONTRAST or entropy < LOW_ENTROPY_BITS),
    }
    return {PREFIX + name: values[name] for name in STATISTICS}


def _histogram_entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


@numba.njit(cache=True, nogil=True)
def _fused_statistics(rgb: np.ndarray) -> tuple[float, float, float, float, np.ndarray]:
    """(sharpness, brightness, contrast, saturation, 256-bin grey-level counts) of an (h, w, 3) uint8 image
    in two passes over its pixels (a video frame: ~1 ms instead of ~10 with numpy temporaries). The
    grey = Σ (c / 255)·luma weight in R, G, B order; the Laplacian with mirrored borders (scipy 'reflect');
    variances two-pass, so the values agree with numpy/scikit-image to float64 rounding."""
    h, w = rgb.shape[0], rgb.shape[1]
    grey = np.empty((h, w))
    counts = np.zeros(256, dtype=np.int64)
    total = 0.0
    saturation = 0.0
    for i in range(h):
        for j in range(w):
            r, g, b = rgb[i, j, 0] / 255.0, rgb[i, j, 1] / 255.0, rgb[i, j, 2] / 255.0
            value = r * 0.299 + g * 0.587 + b * 0.114
            grey[i, j] = value
            total += value
            # the 8-bit level exactly: round((299 R + 587 G + 114 B) / 1000), ties to even (a float grey
            # · 255 lands on either side of a .5 tie depending on summation order)
            counts[int(np.rint((299 * int(rgb[i, j, 0]) + 587 * int(rgb[i, j, 1]) + 114 * int(rgb[i, j, 2])) / 1000.0))] += 1
            high, low = max(r, g, b), min(r, g, b)
            if high > 0.0:
                saturation += (high - low) / high
    n = h * w
    mean = total / n
    spread = 0.0
    laplacian_sum = 0.0
    for i in range(h):
        up, down = (i - 1 if i > 0 else 0), (i + 1 if i < h - 1 else h - 1)  # mirrored borders ('symmetric')
        for j in range(w):
            left, right = (j - 1 if j > 0 else 0), (j + 1 if j < w - 1 else w - 1)
            deviation = grey[i, j] - mean
            spread += deviation * deviation
            laplacian_sum += grey[up, j] + grey[down, j] + grey[i, left] + grey[i, right] - 4.0 * grey[i, j]
    laplacian_mean = laplacian_sum / n
    laplacian_spread = 0.0
    for i in range(h):
        up, down = (i - 1 if i > 0 else 0), (i + 1 if i < h - 1 else h - 1)
        for j in range(w):
            left, right = (j - 1 if j > 0 else 0), (j + 1 if j < w - 1 else w - 1)
            deviation = grey[up, j] + grey[down, j] + grey[i, left] + grey[i, right] - 4.0 * grey[i, j] - laplacian_mean
            laplacian_spread += deviation * deviation
    return laplacian_spread / n, mean, np.sqrt(spread / n), saturation / n, counts
