"""Object-level inputs from a COCO file over generated images: crop names, the pixels that were embedded
(compared with embeddings of reference slices), skipped crops, and the datapool."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.crop_samples import load_object_inputs
from embedscope.embed.image_embedder import embed_images
from embedscope.embed.projection import project_features
from embedscope.errors import InputFileError
from embedscope.ingest.predictions import read_coco_predictions, read_image_sizes
from embedscope.io.lightly_csv import write_lightly_csv

EMBEDDING_DIM = 6
PADDING = 0.2
SIZE = (64, 48)
# image → boxes (x, y, w, h), category id = position % 2
BOXES = {
    "im0.png": [(4.0, 4.0, 20.0, 16.0), (30.0, 10.0, 30.0, 30.0), (1.0, 1.0, 2.0, 9.0)],  # last: too small
    "im1.png": [(0.0, 0.0, 64.0, 48.0), (10.5, 20.5, 12.0, 12.0)],
    "im2.png": [(40.0, 2.0, 24.0, 44.0), (5.0, 30.0, 16.0, 16.0)],
    "im3.png": [(20.0, 20.0, 8.0, 8.0)],
    "broken.png": [(2.0, 2.0, 10.0, 10.0)],  # undecodable image data
}


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path, dict[str, np.ndarray]]:
    rng = np.random.default_rng(21)
    root = tmp_path / "images"
    root.mkdir()
    arrays: dict[str, np.ndarray] = {}
    for name in BOXES:
        # smooth colour blobs plus noise: crops of different places look different to the network
        yy, xx = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
        base = np.stack(
            [np.sin(xx / rng.uniform(3, 12)), np.cos(yy / rng.uniform(3, 12)), np.sin((xx + yy) / 9)], -1
        )
        pixels = np.clip(127 + 100 * base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
        arrays[name] = pixels
        Image.fromarray(pixels).save(root / name)
    png = (root / "broken.png").read_bytes()
    (root / "broken.png").write_bytes(png[: len(png) // 3])  # header intact, pixel data cut
    coco = {
        "images": [
            {"id": i, "file_name": name, "width": SIZE[0], "height": SIZE[1]} for i, name in enumerate(BOXES)
        ],
        "categories": [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}],
        "annotations": [
            {"image_id": i, "category_id": k % 2, "bbox": list(box)}
            for i, boxes in enumerate(BOXES.values())
            for k, box in enumerate(boxes)
        ],
    }
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    return root, tmp_path / "coco.json", arrays


def _reference_crop(pixels: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = box
    left, top = max(0, math.floor(x - PADDING * w)), max(0, math.floor(y - PADDING * h))
    right, bottom = min(SIZE[0], math.ceil(x + w + PADDING * w)), min(SIZE[1], math.ceil(y + h + PADDING * h))
    return pixels[top:bottom, left:right]


def test_crops_are_embedded_like_reference_slices(dataset: tuple[Path, Path, dict[str, np.ndarray]]) -> None:
    root, coco, arrays = dataset
    task = read_coco_predictions(coco, image_sizes=read_image_sizes(root, BOXES), task="animals")

    inputs, metadata = load_object_inputs(
        root, task, padding=PADDING, min_size=4, embedding_dim=EMBEDDING_DIM
    )

    expected = [
        (f"{name[:-4]}-{k}-png.png", name, box, ["cat", "dog"][k % 2])
        for name, boxes in BOXES.items()
        if name != "broken.png"
        for k, box in enumerate(boxes)
        if min(box[2:]) >= 4
    ]
    assert inputs.input.names == [name for name, *_ in expected]
    assert [(c.image, c.bbox, c.category) for c in metadata.crops] == [tuple(rest) for _, *rest in expected]
    assert inputs.image_root is None
    assert metadata.task == "animals" and metadata.categories == {0: "cat", 1: "dog"}
    assert set(metadata.skipped) == {"im0-2-png.png", "broken-0-png.png"}
    assert "minimum crop size" in metadata.skipped["im0-2-png.png"]
    assert "could not be decoded" in metadata.skipped["broken-0-png.png"]
    reference = project_features(
        embed_images([_reference_crop(arrays[image], box) for _, image, box, _ in expected]),
        embedding_dim=EMBEDDING_DIM,
    )
    np.testing.assert_allclose(inputs.input.vectors, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(inputs.input.vectors, axis=1), 1.0, atol=1e-5)
    assert metadata.categories_of(["im1-1-png.png", "im3-0-png.png"]) == [("dog",), ("cat",)]
    assert metadata.images_of(["im2-1-png.png", "im1-0-png.png", "im2-0-png.png"]) == ["im1.png", "im2.png"]


def test_datapool_crops_leave_the_input(
    dataset: tuple[Path, Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    root, coco, _ = dataset
    task = read_coco_predictions(coco, image_sizes=read_image_sizes(root, BOXES))
    pool = tmp_path / "pool.csv"
    rng = np.random.default_rng(2)
    write_lightly_csv(pool, ["im1-0-png.png", "im3-0-png.png"], rng.normal(size=(2, EMBEDDING_DIM)))

    inputs, metadata = load_object_inputs(
        root, task, padding=PADDING, embedding_dim=EMBEDDING_DIM, datapool_path=pool
    )

    assert inputs.removed_from_input == ["im1-0-png.png", "im3-0-png.png"]
    assert len(inputs.input) == len(metadata.crops) - 2
    assert inputs.datapool is not None and inputs.datapool.names == ["im1-0-png.png", "im3-0-png.png"]


def test_too_few_crops_is_an_error(dataset: tuple[Path, Path, dict[str, np.ndarray]]) -> None:
    root, coco, _ = dataset
    task = read_coco_predictions(coco, image_sizes=read_image_sizes(root, BOXES))
    with pytest.raises(InputFileError, match="gives 1 usable object crop"):
        load_object_inputs(root, task, min_size=40, embedding_dim=EMBEDDING_DIM)
