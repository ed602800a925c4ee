"""The demo dataset: day and night variants of real photos that ship inside scikit-image (no download)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.errors import ConfigError

SAMPLE_SIZE = (320, 240)  # (width, height) of every sample image, a small 4:3 camera frame
NIGHT_FRACTION = 0.3  # share of "night" images: a second, clearly separated cluster in the scatter plots
MIN_CROP_AREA = 0.35  # random crops keep 35-100 % of the photo's area, so every crop still shows the scene
CROP_ASPECT = 4.0 / 3.0
NIGHT_BRIGHTNESS = 0.35  # night images keep about a third of the light ...
NIGHT_GAMMA = 1.6  # ... with deeper shadows ...
NIGHT_TINT = np.array([0.75, 0.85, 1.15])  # ... a blue cast (RGB gains) ...
NIGHT_NOISE_STD = 6.0  # ... and sensor noise (in 0..255 units)
JPEG_QUALITY = 90

# scikit-image's bundled colour photos (skimage.data functions that read files inside the wheel).
PHOTO_NAMES = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle", "immunohistochemistry")


def bundled_photo(name: str) -> np.ndarray:
    """(H, W, 3) uint8 photo ``name`` (one of :data:`PHOTO_NAMES`) from ``skimage.data``."""
    import skimage.data

    loaders: dict[str, Callable[[], np.ndarray]] = {
        "astronaut": skimage.data.astronaut,
        "coffee": skimage.data.coffee,
        "chelsea": skimage.data.chelsea,
        "rocket": skimage.data.rocket,
        "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
        "immunohistochemistry": skimage.data.immunohistochemistry,
    }
    return np.asarray(loaders[name]())[..., :3]


def _random_view(photo: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A random 4:3 crop (35-100 % of the area), maybe mirrored, resized to :data:`SAMPLE_SIZE`."""
    height, width = photo.shape[:2]
    area = rng.uniform(MIN_CROP_AREA, 1.0) * height * width
    crop_w = int(min(width, round(np.sqrt(area * CROP_ASPECT))))
    crop_h = int(min(height, round(crop_w / CROP_ASPECT)))
    top = int(rng.integers(0, height - crop_h + 1))
    left = int(rng.integers(0, width - crop_w + 1))
    view = Image.fromarray(photo[top : top + crop_h, left : left + crop_w])
    if rng.random() < 0.5:
        view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return view.resize(SAMPLE_SIZE, Image.Resampling.BILINEAR)


def _as_night(view: Image.Image, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(view, dtype=np.float64) / 255.0
    dark = 255.0 * NIGHT_BRIGHTNESS * pixels**NIGHT_GAMMA * NIGHT_TINT
    noisy = dark + rng.normal(0.0, NIGHT_NOISE_STD, size=dark.shape)
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def build_sample_image_folder(dest: Path, *, n_images: int = 400, seed: int = 0) -> Path:
    """Write ``n_images`` JPEGs (320x240) to ``dest/day/`` and ``dest/night/``.

    Each image is a random crop/flip of one of :data:`PHOTO_NAMES` (taken in turn); a random
    :data:`NIGHT_FRACTION` of them are darkened, blue-tinted and noisy "night" shots. Names are
    ``<day|night>/<photo>_<index:04d>.jpg``. Same ``seed`` → byte-identical files.

    Returns:
        ``dest``.

    Raises:
        ConfigError: ``n_images`` < 1.
    """
    if n_images < 1:
        raise ConfigError(f"the sample dataset needs at least 1 image, got n_images={n_images}")
    rng = np.random.default_rng(seed)
    photos = {name: bundled_photo(name) for name in PHOTO_NAMES}
    dest = Path(dest)
    for index in range(n_images):
        name = PHOTO_NAMES[index % len(PHOTO_NAMES)]
        view = _random_view(photos[name], rng)
        night = bool(rng.random() < NIGHT_FRACTION)
        if night:
            view = _as_night(view, rng)
        folder = dest / ("night" if night else "day")
        folder.mkdir(parents=True, exist_ok=True)
        view.save(folder / f"{name}_{index:04d}.jpg", quality=JPEG_QUALITY)
    return dest
