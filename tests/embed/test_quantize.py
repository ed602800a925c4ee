"""``--model-precision int8``: onnxruntime's static quantisation of an image model, cached next to the float one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from embedscope.embed.image_embedder import embed_images
from embedscope.embed.model_choice import ModelChoice, resolve_model_file
from embedscope.embed.quantize import calibration_views
from tests.embed.conftest import photo, random_view
from tests.embed.tiny_models import tiny_image_model

MIN_COSINE = 0.99  # 8-bit weights and activations of a 2-layer network stay this close to float


def test_int8_copy_is_quantised_cached_and_close_to_float(tmp_path: Path) -> None:
    model = tiny_image_model(tmp_path / "tiny.onnx")
    model.with_suffix(".yaml").write_text("mean: [0.5, 0.5, 0.5]\nstd: [0.25, 0.25, 0.25]\n")
    cache = tmp_path / "cache"
    int8 = resolve_model_file(ModelChoice(path=model, precision="int8"), cache)
    assert int8.parent == cache / "models" and int8.with_suffix(".yaml").is_file()
    ops = {node.op_type for node in onnx.load(str(int8)).graph.node}
    assert "QLinearConv" in ops and "Conv" not in ops
    modified = int8.stat().st_mtime_ns
    assert resolve_model_file(ModelChoice(path=model, precision="int8"), cache) == int8
    assert int8.stat().st_mtime_ns == modified

    rng = np.random.default_rng(5)
    views = [random_view(photo(name), rng) for name in ["astronaut", "coffee", "rocket", "brick", "coins"]]
    exact = embed_images(views, cache_dir=cache, model=ModelChoice(path=model))
    quantised = embed_images(views, cache_dir=cache, model=ModelChoice(path=model, precision="int8"))
    cosine = (exact * quantised).sum(1) / np.linalg.norm(exact, axis=1) / np.linalg.norm(quantised, axis=1)
    assert cosine.min() >= MIN_COSINE, cosine


def test_calibration_views_are_reproducible() -> None:
    first = calibration_views((40, 30), n_images=4, seed=1)
    assert first.shape == (4, 40, 30, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, calibration_views((40, 30), n_images=4, seed=1))
    assert not np.array_equal(first, calibration_views((40, 30), n_images=4, seed=2))


def test_a_deep_network_keeps_its_first_and_last_convolution_float(tmp_path: Path) -> None:
    import torch

    from embedscope.embed.quantize import quantize_model
    from tests.embed.tiny_models import SIDE, export

    layers: list[torch.nn.Module] = []
    for channels_in, channels_out in [(3, 8), (8, 8), (8, 8), (8, 8), (8, 4)]:
        layers += [torch.nn.Conv2d(channels_in, channels_out, kernel_size=3, padding=1), torch.nn.ReLU()]
    model = export(torch.nn.Sequential(*layers), tmp_path / "deep.onnx", torch.zeros(2, 3, SIDE, SIDE))
    int8 = quantize_model(model, tmp_path / "deep-int8.onnx")
    ops = [
        node.op_type for node in onnx.load(str(int8)).graph.node if node.op_type in ("Conv", "QLinearConv")
    ]
    assert ops == ["Conv", "QLinearConv", "QLinearConv", "QLinearConv", "Conv"]
