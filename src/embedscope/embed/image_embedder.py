"""Raw image-model features (1280-d EfficientNet-Lite0 by default) of images in memory or image files."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.batched_features import BatchedFeatures, batched_features
from embedscope.embed.model_choice import ModelChoice, load_feature_extractor
from embedscope.embed.preprocess import model_input_from_file, model_input_from_image

DEFAULT_BATCH_SIZE = 64  # large enough to amortise per-call overhead, small enough to stay in cache


def embed_images(
    images: Sequence[Image.Image | np.ndarray],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    model: ModelChoice | None = None,
) -> np.ndarray:
    """Features of images already in memory (video frames, object crops).

    Each image is converted to RGB, resized to the model's input size (224x224 for the default model) as a
    whole, and normalised as the model wants (ImageNet mean/std for the default model).

    Args:
        images: PIL images (any mode) or arrays (H, W) / (H, W, 3) / (H, W, 4) uint8 or (H, W) uint16.
        batch_size: images per network call.
        cache_dir: the cache folder holding the exported model (default: see ``resolve_cache_dir``).
        progress: called with the number of images done after each batch.
        model: the image model (default: EfficientNet-Lite0, float32, CPU).

    Returns:
        (len(images), feature_dim) float32 raw pooled features (not normalised, not projected); feature_dim
        is 1280 for the default model.

    Raises:
        ValueError: an array of an unsupported shape or dtype.
        EmbedscopeError: a model that cannot be used (see :class:`FeatureExtractor`).
    """
    extractor = load_feature_extractor(model, cache_dir)
    if len(images) == 0:
        return np.empty((0, extractor.feature_dim), dtype=np.float32)
    prepare = functools.partial(model_input_from_image, size=extractor.input_size)
    result = batched_features(images, prepare, extractor, batch_size=batch_size, progress=progress)
    return result.features


def embed_image_files(
    paths: Sequence[Path],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    model: ModelChoice | None = None,
) -> BatchedFeatures:
    """Features of image files, each decoded once (JPEG draft mode, EXIF orientation, RGB).

    Returns:
        :class:`BatchedFeatures`: rows for the decodable files, ``failures`` (index → reason) for the others.
    """
    extractor = load_feature_extractor(model, cache_dir)
    prepare = functools.partial(model_input_from_file, size=extractor.input_size)
    return batched_features(paths, prepare, extractor, batch_size=batch_size, progress=progress)
