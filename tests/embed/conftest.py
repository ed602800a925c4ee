"""The exported model once per test session, in a temporary cache folder; photo helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageEnhance

from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.feature_extractor import ensure_onnx_model

PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": skimage.data.astronaut,
    "coffee": skimage.data.coffee,
    "chelsea": skimage.data.chelsea,
    "rocket": skimage.data.rocket,
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
    "hubble": skimage.data.hubble_deep_field,
    "immunohistochemistry": skimage.data.immunohistochemistry,
    "retina": skimage.data.retina,
    "camera": skimage.data.camera,
    "brick": skimage.data.brick,
    "coins": skimage.data.coins,
    "moon": skimage.data.moon,
}


def photo(name: str) -> Image.Image:
    """One of :data:`PHOTOS` as an RGB image (gray photos converted)."""
    return Image.fromarray(np.asarray(PHOTOS[name]())).convert("RGB")


def random_view(
    image: Image.Image, rng: np.random.Generator, *, size: tuple[int, int] = (160, 120)
) -> Image.Image:
    """A random crop of 30-100 % of each side, mirrored half of the time, brightness 0.6-1.4x, resized."""
    width, height = image.size
    crop_w = int(width * rng.uniform(0.3, 1.0))
    crop_h = int(height * rng.uniform(0.3, 1.0))
    left = int(rng.integers(0, width - crop_w + 1))
    top = int(rng.integers(0, height - crop_h + 1))
    view = image.crop((left, top, left + crop_w, top + crop_h))
    if rng.random() < 0.5:
        view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    view = ImageEnhance.Brightness(view).enhance(float(rng.uniform(0.6, 1.4)))
    return view.resize(size, Image.Resampling.BILINEAR)


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the exported ONNX model (exported once per session, with torch)."""
    cache = tmp_path_factory.mktemp("embedscope_cache")
    ensure_onnx_model(cache)
    return cache


@pytest.fixture(autouse=True)
def _use_test_cache(model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's ~/.cache in tests."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(model_cache_dir))
