"""The exported ONNX model computes what the torch network computes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from embedscope.embed.feature_extractor import FeatureExtractor
from embedscope.embed.model_spec import FEATURE_DIM, onnx_model_path
from embedscope.embed.onnx_export import build_torch_feature_network
from embedscope.embed.preprocess import model_input_from_image
from tests.embed.conftest import photo

MAX_ABS_DIFFERENCE = 1e-4  # the bound for ONNX vs torch
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])  # written out here, independently of the package
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def test_onnx_features_equal_torch_features(model_cache_dir: Path) -> None:
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, size=(3, 224, 224, 3), dtype=np.uint8)
    photos = np.stack([model_input_from_image(photo(name)) for name in ["chelsea", "coffee", "rocket"]])
    pixels = np.concatenate([noise, photos])
    normalized = ((pixels / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(0, 3, 1, 2).astype(np.float32)

    wrapper = build_torch_feature_network()
    classifier: Any = wrapper.network  # the package's network, with its ImageNet head
    with torch.no_grad():
        expected = classifier.extract_features(torch.from_numpy(normalized)).mean(dim=(2, 3)).numpy()
        logits = classifier(torch.from_numpy(normalized[3:])).numpy()
    onnx = FeatureExtractor(onnx_model_path(model_cache_dir))(pixels)

    assert onnx.shape == (6, FEATURE_DIM) and onnx.dtype == np.float32
    assert np.abs(onnx - expected).max() <= MAX_ABS_DIFFERENCE
    assert np.abs(expected).max() > 0.1  # real activations, not an all-zero output
    # the weights really are ImageNet's: Egyptian cat (285), espresso (967), missile (657) come first
    assert logits.argmax(axis=1).tolist() == [285, 967, 657]
