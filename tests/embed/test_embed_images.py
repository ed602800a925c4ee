"""Embedding images in memory (for frames and crops): inputs of every kind give the same features."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.image_embedder import embed_images
from embedscope.embed.preprocess import model_input_from_image
from tests.embed.conftest import photo


def test_arrays_and_pil_images_give_the_same_features_whatever_the_batch() -> None:
    rgb = photo("chelsea")
    gray = photo("camera").convert("L")
    rgba = np.dstack([np.asarray(rgb), np.full(rgb.size[::-1], 255, np.uint8)])
    images: list[Image.Image | np.ndarray] = [rgb, np.asarray(rgb), gray, np.asarray(gray), rgba]

    features = embed_images(images, batch_size=2)
    one_by_one = np.concatenate([embed_images([image], batch_size=1) for image in images])

    assert features.shape == (5, 1280) and features.dtype == np.float32
    np.testing.assert_allclose(features, one_by_one, atol=1e-5)
    np.testing.assert_allclose(features[1], features[0], atol=1e-6)
    np.testing.assert_allclose(features[3], features[2], atol=1e-6)
    np.testing.assert_allclose(features[4], features[0], atol=1e-6)
    assert np.abs(features[0] - features[2]).max() > 0.1
    assert embed_images([]).shape == (0, 1280)


def test_model_input_is_the_whole_image_resized_to_224() -> None:
    rng = np.random.default_rng(17)
    pixels = rng.integers(0, 256, size=(224, 224, 3), dtype=np.uint8)
    np.testing.assert_array_equal(model_input_from_image(pixels), pixels)
    np.testing.assert_array_equal(
        model_input_from_image(pixels[..., 0].astype(np.uint16) * 257)[..., 2], pixels[..., 0]
    )
    wide = np.zeros((100, 400, 3), dtype=np.uint8)
    wide[:, 300:] = 255  # the right quarter is white: it must stay in view, squeezed, not cropped away
    resized = model_input_from_image(wide)
    assert resized.shape == (224, 224, 3)
    assert (resized[:, 170:] == 255).all() and (resized[:, :165] == 0).all()


@pytest.mark.parametrize(
    "array", [np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4), np.float32), np.zeros((4,), np.uint8)]
)
def test_unsupported_arrays_are_rejected(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"expected an image array .* got shape"):
        embed_images([array])
