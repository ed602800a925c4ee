"""SimCLR views: reproducible, of the asked size, and each step doing what the paper describes."""

from __future__ import annotations

import numpy as np
from PIL import Image

from embedscope.train.augment import ViewAugmentation, random_view

NO_CHANGE = ViewAugmentation(
    size=32,
    crop_scale=(1.0, 1.0),
    crop_ratio=(1.0, 1.0),
    flip_probability=0.0,
    jitter_probability=0.0,
    grey_probability=0.0,
    blur_probability=0.0,
)


def _image() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, size=(48, 48, 3), dtype=np.uint8))


def test_same_seed_same_view_and_size() -> None:
    aug = ViewAugmentation(size=40)
    first = random_view(_image(), aug, np.random.default_rng(1))
    assert first.shape == (40, 40, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, random_view(_image(), aug, np.random.default_rng(1)))
    assert not np.array_equal(first, random_view(_image(), aug, np.random.default_rng(2)))


def test_whole_square_crop_is_a_resize_and_flip_mirrors_it() -> None:
    image = _image()
    resized = np.asarray(image.resize((32, 32), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(random_view(image, NO_CHANGE, np.random.default_rng(3)), resized)
    flip = ViewAugmentation(**{**NO_CHANGE.__dict__, "flip_probability": 1.0})
    np.testing.assert_array_equal(random_view(image, flip, np.random.default_rng(3)), resized[:, ::-1])


def test_grey_view_has_equal_channels_and_crops_stay_in_range() -> None:
    grey = ViewAugmentation(**{**NO_CHANGE.__dict__, "grey_probability": 1.0})
    view = random_view(_image(), grey, np.random.default_rng(4)).astype(int)
    assert (view[..., 0] == view[..., 1]).all() and (view[..., 1] == view[..., 2]).all()
    tall = Image.new("RGB", (20, 200), (10, 20, 30))
    for seed in range(20):
        out = random_view(
            tall, ViewAugmentation(size=16, jitter_probability=0.0), np.random.default_rng(seed)
        )
        assert out.shape == (16, 16, 3)
