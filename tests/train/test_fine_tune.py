"""``embedscope train``: one SimCLR epoch on 50 small images, a checkpoint, and an ONNX export that computes the
checkpoint's features; ``--checkpoint`` and ``--model`` reuse them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from embedscope.cli.app import main
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.image_embedder import embed_images
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.onnx_export import build_torch_feature_network
from embedscope.embed.preprocess import model_input_from_file
from embedscope.ingest.sample_dataset import build_sample_image_folder
from embedscope.train.checkpoint import load_feature_network

N_IMAGES = 50
TIME_LIMIT_S = 60.0  # the budget for one epoch on ~50 small images
EXPORT_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """The train command's output folder, the image folder, and the wall time of the command."""
    base = tmp_path_factory.mktemp("train")
    images = build_sample_image_folder(base / "images", n_images=N_IMAGES, seed=2)
    out = base / "model"
    started = time.perf_counter()
    code = main(
        [
            "train",
            str(images),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--batch-size",
            "25",
            "--image-size",
            "64",
            "--quiet",
        ]
    )
    assert code == 0
    return out, images, time.perf_counter() - started


def test_one_epoch_on_50_images_fits_the_budget(trained: tuple[Path, Path, float]) -> None:
    out, _, seconds = trained
    summary = json.loads((out / "training.json").read_text())
    assert summary["n_images"] == N_IMAGES and len(summary["epoch_losses"]) == 1
    # NT-Xent of 25 pairs lies between 0 and log(2 * 25 - 1) plus the positive's own term
    assert 0.0 < summary["epoch_losses"][0] < np.log(49.0) + 2.0 / 0.5
    # the training loop itself; the whole command (torch import, export) took `seconds`
    assert summary["seconds"] < TIME_LIMIT_S, (summary["seconds"], seconds)


def test_onnx_export_reproduces_the_checkpoint(trained: tuple[Path, Path, float]) -> None:
    out, images, _ = trained
    files = sorted(images.rglob("*.jpg"))[:6]
    pixels = np.stack([model_input_from_file(path) for path in files])
    network = load_feature_network(out / "checkpoint.pt")
    with torch.no_grad():
        from_torch = network(torch.from_numpy(pixels)).numpy()
        from_imagenet = build_torch_feature_network()(torch.from_numpy(pixels)).numpy()
    from_onnx = embed_images(list(pixels), model=ModelChoice(path=out / "model.onnx"))
    np.testing.assert_allclose(from_onnx, from_torch, atol=EXPORT_TOLERANCE, rtol=0)
    assert np.abs(from_torch - from_imagenet).max() > 100 * EXPORT_TOLERANCE  # training changed the weights


def test_checkpoint_flag_reuses_the_training(
    trained: tuple[Path, Path, float], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, images, _ = trained
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    by_model, by_checkpoint = tmp_path / "model.csv", tmp_path / "checkpoint.csv"
    assert main(["embed", str(images), "--out", str(by_model), "--model", str(out / "model.onnx"), "-q"]) == 0
    assert (
        main(
            [
                "embed",
                str(images),
                "--out",
                str(by_checkpoint),
                "--checkpoint",
                str(out / "checkpoint.pt"),
                "-q",
            ]
        )
        == 0
    )
    assert by_model.read_text() == by_checkpoint.read_text()


def test_a_file_that_is_no_checkpoint_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "checkpoint.pt"
    torch.save({"weights": torch.zeros(2)}, fake)
    images = build_sample_image_folder(tmp_path / "images", n_images=3, seed=0)
    capsys.readouterr()
    assert (
        main(["embed", str(images), "--out", str(tmp_path / "e.csv"), "--checkpoint", str(fake), "-q"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{fake}: is not a checkpoint written by 'embedscope train'" in err, err
