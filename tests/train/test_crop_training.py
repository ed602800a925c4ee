"""Training on object crops: ``embedscope train --object-level TASK`` and ``run --object-level TASK
--train-embedding E`` fine-tune on exactly the crops the object-level embedding cuts (same boxes, same
pixels), one epoch fits the test budget, and the ONNX export computes the checkpoint's features."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from embedscope.cli.app import main
from embedscope.cli.train_command import train_for_run
from embedscope.embed import crop_samples
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.image_embedder import embed_images
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.preprocess import model_input_from_image
from embedscope.ingest.predictions.run_predictions import read_run_predictions
from embedscope.run_parameters import RunParameters
from embedscope.train import simclr
from embedscope.train.augment import ViewAugmentation
from embedscope.train.checkpoint import load_feature_network
from embedscope.train.crop_images import object_crops_for_training

SIZE = (96, 72)
N_IMAGES = 12
TASK = "boxes"
TIME_LIMIT_S = 60.0
EXPORT_TOLERANCE = 1e-4
PADDING = 0.1


def _objects(rng: np.random.Generator) -> list[tuple[int, float, float, float, float]]:
    """Two or three boxes per image, one of them 3 px wide (under the 4 px minimum: no crop)."""
    boxes = []
    for _ in range(int(rng.integers(2, 4))):
        w, h = float(rng.integers(12, 50)), float(rng.integers(10, 40))
        x, y = float(rng.uniform(0, SIZE[0] - w)), float(rng.uniform(0, SIZE[1] - h))
        boxes.append((int(rng.integers(1, 3)), round(x, 1), round(y, 1), w, h))
    boxes.append((1, 5.0, 5.0, 3.0, 20.0))
    return boxes


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Images with smooth colour gradients plus noise, and a COCO file ``boxes.json`` next to the folder."""
    rng = np.random.default_rng(11)
    root = tmp_path_factory.mktemp("crops") / "images"
    root.mkdir()
    images, annotations = [], []
    yy, xx = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    for index in range(N_IMAGES):
        base = rng.uniform(0, 255, 3) + rng.uniform(-1, 1, 3) * (xx[..., None] + yy[..., None])
        pixels = np.clip(base + rng.normal(0, 20, (SIZE[1], SIZE[0], 3)), 0, 255).astype(np.uint8)
        name = f"img{index:02d}.png"
        Image.fromarray(pixels).save(root / name)
        images.append({"id": index, "file_name": name, "width": SIZE[0], "height": SIZE[1]})
        for category, x, y, w, h in _objects(rng):
            annotations.append(
                {"image_id": index, "category_id": category, "bbox": [x, y, w, h], "score": 0.8}
            )
    categories = [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]
    coco = {"images": images, "annotations": annotations, "categories": categories}
    (root.parent / f"{TASK}.json").write_text(json.dumps(coco))
    return root


def _params(folder: Path, tmp_path: Path) -> RunParameters:
    return RunParameters(
        input_path=folder,
        out_dir=tmp_path / "out",
        coco_path=folder.parent / f"{TASK}.json",
        object_level_task=TASK,
        crop_padding=PADDING,
    )


def test_training_crops_are_the_crops_the_embedding_cuts(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = _params(folder, tmp_path)
    training = object_crops_for_training(params)
    embedded: list[Image.Image] = []

    def record(crops: list[Image.Image], **_: object) -> np.ndarray:
        embedded.extend(crops)
        return np.random.default_rng(len(embedded)).normal(size=(len(crops), 8)).astype(np.float32)

    monkeypatch.setattr(crop_samples, "embed_images", record)
    predictions = read_run_predictions(
        params, image_root=folder, names=sorted(p.name for p in folder.iterdir())
    )
    _, metadata = crop_samples.load_object_inputs(
        folder, predictions.tasks[TASK], padding=PADDING, embedding_dim=0, image_sizes=predictions.image_sizes
    )
    assert [spec.box for spec in training.specs] == [spec.box for spec in metadata.crops]
    assert [spec.name for spec in training.specs] == [spec.name for spec in metadata.crops]
    assert len(training.images) == len(embedded) == len(metadata.crops) >= 2 * N_IMAGES
    for ours, theirs in zip(training.images, embedded, strict=True):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    # the 3 px boxes are skipped, one per image, as the run skips them
    assert sum("under the minimum crop size" in reason for reason in training.skipped.values()) == N_IMAGES


def test_training_crop_pixels_follow_the_padded_box(folder: Path, tmp_path: Path) -> None:
    """Independent of the crop code: the box grown by 10 % per side, floor/ceil to pixels, clipped."""
    coco = json.loads((folder.parent / f"{TASK}.json").read_text())
    training = object_crops_for_training(_params(folder, tmp_path))
    by_name = {spec.name: (spec, image) for spec, image in zip(training.specs, training.images, strict=True)}
    first_of_image: dict[int, int] = {}
    checked = 0
    for annotation in coco["annotations"]:
        image_id = annotation["image_id"]
        index = first_of_image.setdefault(image_id, 0)
        first_of_image[image_id] += 1
        x, y, w, h = annotation["bbox"]
        name = f"img{image_id:02d}-{index}-png.png"
        if w < 4:
            assert name not in by_name
            continue
        left, top = max(0, math.floor(x - PADDING * w)), max(0, math.floor(y - PADDING * h))
        right = min(SIZE[0], math.ceil(x + w + PADDING * w))
        bottom = min(SIZE[1], math.ceil(y + h + PADDING * h))
        source = np.asarray(Image.open(folder / f"img{image_id:02d}.png").convert("RGB"))
        np.testing.assert_array_equal(np.asarray(by_name[name][1]), source[top:bottom, left:right])
        checked += 1
    assert checked == len(training.images)


def test_max_side_shrinks_only_large_crops(folder: Path, tmp_path: Path) -> None:
    training = object_crops_for_training(_params(folder, tmp_path), max_side=30)
    full = object_crops_for_training(_params(folder, tmp_path))
    for small, large in zip(training.images, full.images, strict=True):
        assert max(small.size) <= 30
        if max(large.size) <= 30:
            assert small.size == large.size


@pytest.fixture(scope="module")
def trained(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("crop-model") / "model"
    started = time.perf_counter()
    code = main(
        [
            "train", str(folder), "--out", str(out), "--coco", str(folder.parent / f"{TASK}.json"),
            "--object-level", TASK, "--epochs", "1", "--batch-size", "16", "--image-size", "48", "--quiet",
        ]
    )  # fmt: skip
    assert code == 0
    return out, time.perf_counter() - started


def test_one_epoch_on_crops_fits_the_budget(
    trained: tuple[Path, float], folder: Path, tmp_path: Path
) -> None:
    out, seconds = trained
    summary = json.loads((out / "training.json").read_text())
    n_crops = len(object_crops_for_training(_params(folder, tmp_path)).images)
    assert summary["n_images"] == n_crops and len(summary["epoch_losses"]) == 1
    assert len(summary["skipped"]) == N_IMAGES  # the 3 px boxes
    assert summary["seconds"] < TIME_LIMIT_S and seconds < 2 * TIME_LIMIT_S, (summary["seconds"], seconds)


def test_crop_model_export_reproduces_the_checkpoint(
    trained: tuple[Path, float], folder: Path, tmp_path: Path
) -> None:
    out, _ = trained
    crops = object_crops_for_training(_params(folder, tmp_path)).images[:8]
    pixels = np.stack([model_input_from_image(crop) for crop in crops])
    with torch.no_grad():
        from_torch = load_feature_network(out / "checkpoint.pt")(torch.from_numpy(pixels)).numpy()
    from_onnx = embed_images(crops, model=ModelChoice(path=out / "model.onnx"))
    np.testing.assert_allclose(from_onnx, from_torch, atol=EXPORT_TOLERANCE, rtol=0)


def test_run_training_uses_the_crops_of_its_task(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run --object-level TASK --train-embedding E`` trains through :func:`train_for_run` (the whole run
    with a trained model is covered by ``tests/embed/test_model_flags_cli.py``); small views keep it fast."""
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    small = functools.partial(simclr.TrainSettings, batch_size=16, augmentation=ViewAugmentation(size=48))
    monkeypatch.setattr(simclr, "TrainSettings", small)
    params = dataclasses.replace(_params(folder, tmp_path), train_embedding=1)
    result = train_for_run(params, quiet=True)
    n_crops = len(object_crops_for_training(params).images)
    assert result.n_images == n_crops and len(result.epoch_losses) == 1
    assert result.checkpoint_path.parent.parent == tmp_path / "cache" / "trained"
    summary = json.loads((result.checkpoint_path.parent / "training.json").read_text())
    assert summary["n_images"] == n_crops and summary["settings"]["augmentation"]["size"] == 48


def test_predictions_without_object_level_are_exit_2(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coco = folder.parent / f"{TASK}.json"
    assert main(["train", str(folder), "--out", str(tmp_path / "m"), "--coco", str(coco), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--coco: predictions are used for training on crops; add --object-level" in err
    assert not (tmp_path / "m").exists()
