"""SimCLR's view augmentations with Pillow and numpy (no torchvision).

Chen et al. 2020, https://arxiv.org/abs/2002.05709, Appendix A: random resized crop and horizontal flip,
colour jitter (brightness, contrast, saturation, hue, in random order) with probability 0.8, greyscale with
probability 0.2, Gaussian blur with probability 0.5. Crop scale and jitter strength are milder than the
paper's ImageNet setting because the network starts from ImageNet weights and datasets are small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

MAX_CROP_TRIES = 10  # torchvision's RandomResizedCrop also gives up after 10 tries and takes a centre crop


@dataclass(frozen=True)
class ViewAugmentation:
    """Parameters of one random view.

    Attributes:
        size: side of the square output in pixels.
        crop_scale: range of the crop's area as a fraction of the image (SimCLR: 0.08-1; MoCo v2 style 0.2-1).
        crop_ratio: range of the crop's aspect ratio (width / height).
        flip_probability, jitter_probability, grey_probability, blur_probability: how often each step runs.
        jitter_strength: s of the paper: brightness/contrast/saturation vary by up to 0.8 s, hue by 0.2 s.
        blur_sigma: range of the blur's sigma as a fraction of ``size`` (paper: kernel 10 % of the side).
    """

    size: int = 128
    crop_scale: tuple[float, float] = (0.2, 1.0)
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)
    flip_probability: float = 0.5
    jitter_probability: float = 0.8
    jitter_strength: float = 0.5
    grey_probability: float = 0.2
    blur_probability: float = 0.5
    blur_sigma: tuple[float, float] = (0.1 / 224, 2.0 / 224)


def _crop_box(
    width: int, height: int, aug: ViewAugmentation, rng: np.random.Generator
) -> tuple[int, int, int, int]:
    area = width * height
    for _ in range(MAX_CROP_TRIES):
        target = area * rng.uniform(*aug.crop_scale)
        ratio = float(np.exp(rng.uniform(np.log(aug.crop_ratio[0]), np.log(aug.crop_ratio[1]))))
        crop_w = round(np.sqrt(target * ratio))
        crop_h = round(np.sqrt(target / ratio))
        if 0 < crop_w <= width and 0 < crop_h <= height:
            left = int(rng.integers(0, width - crop_w + 1))
            top = int(rng.integers(0, height - crop_h + 1))
            return left, top, left + crop_w, top + crop_h
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def _shift_hue(image: Image.Image, shift: float) -> Image.Image:
    """Rotate the hue by ``shift`` of a full turn (in [-0.5, 0.5])."""
    hsv = np.asarray(image.convert("HSV"), dtype=np.uint8).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + round(shift * 255)) % 256
    return Image.fromarray(hsv, mode="HSV").convert("RGB")


def _jitter(image: Image.Image, aug: ViewAugmentation, rng: np.random.Generator) -> Image.Image:
    strength = 0.8 * aug.jitter_strength
    for step in rng.permutation(4):
        if step == 0:
            image = ImageEnhance.Brightness(image).enhance(float(rng.uniform(1 - strength, 1 + strength)))
        elif step == 1:
            image = ImageEnhance.Contrast(image).enhance(float(rng.uniform(1 - strength, 1 + strength)))
        elif step == 2:
            image = ImageEnhance.Color(image).enhance(float(rng.uniform(1 - strength, 1 + strength)))
        else:
            hue = 0.2 * aug.jitter_strength
            image = _shift_hue(image, float(rng.uniform(-hue, hue)))
    return image


def random_view(image: Image.Image, aug: ViewAugmentation, rng: np.random.Generator) -> np.ndarray:
    """One augmented view of an RGB image.

    Returns:
        (size, size, 3) uint8 RGB; the same for the same image, parameters and generator state.
    """
    view = image.crop(_crop_box(image.width, image.height, aug, rng))
    view = view.resize((aug.size, aug.size), Image.Resampling.BILINEAR)
    if rng.random() < aug.flip_probability:
        view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if rng.random() < aug.jitter_probability:
        view = _jitter(view, aug, rng)
    if rng.random() < aug.grey_probability:
        view = view.convert("L").convert("RGB")
    if rng.random() < aug.blur_probability:
        sigma = float(rng.uniform(*aug.blur_sigma)) * aug.size
        view = view.filter(ImageFilter.GaussianBlur(radius=sigma))
    return np.asarray(view, dtype=np.uint8)
