"""Raw 1280-d EfficientNet-Lite0 features of images in memory or image files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.batched_features import BatchedFeatures, batched_features
from embedscope.embed.feature_extractor import load_feature_extractor
from embedscope.embed.model_spec import FEATURE_DIM
from embedscope.embed.preprocess import model_input_from_file, model_input_from_image

DEFAULT_BATCH_SIZE = 64  # large enough to amortise per-call overhead, small enough to stay in cache


def embed_images(
    images: Sequence[Image.Image | np.ndarray],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Features of images already in memory (video frames, object crops).

    Each image is converted to RGB, resized to 224x224 as a whole, and normalised with ImageNet mean/std.

    Args:
        images: PIL images (any mode) or arrays (H, W) / (H, W, 3) / (H, W, 4) uint8 or (H, W) uint16.
        batch_size: images per network call.
        cache_dir: the cache folder holding the exported model (default: see ``resolve_cache_dir``).
        progress: called with the number of images done after each batch.

    Returns:
        (len(images), 1280) float32 raw pooled features (not normalised, not projected).

    Raises:
        ValueError: an array of an unsupported shape or dtype.
    """
    if len(images) == 0:
        return np.empty((0, FEATURE_DIM), dtype=np.float32)
    extractor = load_feature_extractor(cache_dir)
    result = batched_features(
        images, model_input_from_image, extractor, batch_size=batch_size, progress=progress
    )
    return result.features


def embed_image_files(
    paths: Sequence[Path],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchedFeatures:
    """Features of image files, each decoded once (JPEG draft mode, EXIF orientation, RGB).

    Returns:
        :class:`BatchedFeatures`: rows for the decodable files, ``failures`` (index → reason) for the others.
    """
    extractor = load_feature_extractor(cache_dir)
    return batched_features(paths, model_input_from_file, extractor, batch_size=batch_size, progress=progress)
