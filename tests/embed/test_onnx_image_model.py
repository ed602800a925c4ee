"""``--model PATH.onnx``: a model the user brings gives exactly torch's vectors; bad models are one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from embedscope.cli.app import main
from embedscope.embed.image_embedder import embed_images
from embedscope.embed.image_folder_embedding import embed_image_folder
from embedscope.embed.model_choice import ModelChoice
from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.image_folder import scan_image_folder
from tests.embed.conftest import photo, random_view
from tests.embed.tiny_models import SIDE, TwoLayerImageNet, export, tiny_image_model

MEAN = (0.5, 0.4, 0.3)
STD = (0.2, 0.25, 0.3)


def _views(n: int, seed: int) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    names = ["astronaut", "coffee", "chelsea", "rocket", "moon"]
    return [random_view(photo(names[i % len(names)]), rng) for i in range(n)]


def _torch_features(module: torch.nn.Module, views: list[Image.Image]) -> np.ndarray:
    """The module on the views resized to 32x32 (Pillow bilinear) and normalised with MEAN/STD in float64."""
    pixels = np.stack(
        [np.asarray(v.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BILINEAR)) for v in views]
    )
    normalized = (pixels.astype(np.float64) / 255.0 - np.asarray(MEAN)) / np.asarray(STD)
    with torch.no_grad():
        out = module.eval()(torch.from_numpy(normalized.transpose(0, 3, 1, 2).astype(np.float32)))
    return out.numpy().reshape(len(views), -1) if out.ndim == 2 else out.mean(dim=(2, 3)).numpy()


def _with_spec(path: Path) -> Path:
    path.with_suffix(".yaml").write_text(f"mean: {list(MEAN)}\nstd: {list(STD)}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("pooled", [True, False])
def test_user_model_gives_torch_vectors(tmp_path: Path, pooled: bool) -> None:
    model = _with_spec(tiny_image_model(tmp_path / "tiny.onnx", pooled=pooled))
    views = _views(7, seed=1)
    got = embed_images(views, batch_size=3, model=ModelChoice(path=model))
    expected = _torch_features(TwoLayerImageNet(pooled=pooled), views)
    assert got.shape == (7, 6)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_spec_states_the_size_of_a_dynamic_input(tmp_path: Path) -> None:
    model = tiny_image_model(tmp_path / "dyn.onnx", dynamic_hw=True)
    with pytest.raises(InputFileError, match="input height/width are dynamic: state them in a spec file"):
        embed_images(_views(1, seed=2), model=ModelChoice(path=model))
    model.with_suffix(".json").write_text(
        f'{{"input_size": {SIDE}, "mean": {list(MEAN)}, "std": {list(STD)}}}'
    )
    views = _views(3, seed=2)
    np.testing.assert_allclose(
        embed_images(views, model=ModelChoice(path=model)),
        _torch_features(TwoLayerImageNet(), views),
        rtol=1e-5,
        atol=1e-6,
    )


def test_feature_cache_separates_models(tmp_path: Path) -> None:
    root = tmp_path / "images"
    root.mkdir()
    for i, view in enumerate(_views(4, seed=3)):
        view.save(root / f"{i}.png")
    model_a = _with_spec(tiny_image_model(tmp_path / "a.onnx"))
    other = TwoLayerImageNet()
    with torch.no_grad():
        other.conv2.weight.mul_(-2.0)
    model_b = _with_spec(export(other, tmp_path / "b.onnx", torch.zeros(2, 3, SIDE, SIDE)))
    cache = tmp_path / "cache"

    first_a = embed_image_folder(
        scan_image_folder(root), embedding_dim=0, cache_dir=cache, model=ModelChoice(path=model_a)
    )
    first_b = embed_image_folder(
        scan_image_folder(root), embedding_dim=0, cache_dir=cache, model=ModelChoice(path=model_b)
    )
    again_a = embed_image_folder(
        scan_image_folder(root), embedding_dim=0, cache_dir=cache, model=ModelChoice(path=model_a)
    )

    assert (first_a.n_embedded, first_b.n_embedded, again_a.n_from_cache) == (4, 4, 4)
    views = [Image.open(root / name) for name in first_b.names]
    b_features = _torch_features(other, views)
    expected_b = b_features / np.linalg.norm(b_features, axis=1, keepdims=True)
    np.testing.assert_allclose(first_b.vectors, expected_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(again_a.vectors, first_a.vectors)
    assert not np.allclose(first_a.vectors, first_b.vectors, atol=1e-3)


class _Tabular(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(10, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class _Grey(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


def _embed_cli(tmp_path: Path, *flags: str) -> list[str]:
    images = tmp_path / "imgs"
    images.mkdir(exist_ok=True)
    for i, view in enumerate(_views(3, seed=4)):
        view.save(images / f"{i}.png")
    return ["embed", str(images), "--out", str(tmp_path / "e.csv"), "--quiet", *flags]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "model file not found"),
        (lambda p: (p.write_bytes(b"not a model"), p)[1], "cannot be loaded as an ONNX model"),
        (lambda p: export(_Tabular(), p, torch.zeros(2, 10)), "is not an image model: its input has rank 2"),
        (lambda p: export(_Grey(), p, torch.zeros(2, 1, 28, 28)), "is not an RGB image model: input shape"),
    ],
)
def test_bad_model_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    model = make(tmp_path / "m.onnx")
    argv = _embed_cli(tmp_path, "--model", str(model))
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(model) in err, err


def test_cuda_without_the_gpu_build_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has onnxruntime's CUDA provider: the no-GPU message cannot be shown")
    argv = _embed_cli(tmp_path, "--device", "cuda")
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device cuda: this onnxruntime has no CUDA execution provider" in err, (
        err
    )


def test_bad_precision_and_device_names() -> None:
    with pytest.raises(ConfigError, match="--model-precision must be one of float32, int8, got 'int4'"):
        ModelChoice(precision="int4")
    with pytest.raises(ConfigError, match="--device must be one of cpu, cuda, got 'tpu'"):
        ModelChoice(device="tpu")
    with pytest.raises(ConfigError, match="--model and --checkpoint both name a model"):
        ModelChoice(path=Path("a.onnx"), checkpoint=Path("c.pt"))
