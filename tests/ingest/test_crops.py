"""Object crops: names, padded and clipped boxes, minimum size, and the pixels actually cut (compared with
slices of the upright image array)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import ConfigError
from embedscope.ingest.crops import (
    CropPlan,
    check_crop_settings,
    crop_name,
    iter_image_crops,
    load_crop,
    padded_box,
    plan_crops,
)
from embedscope.ingest.predictions import ObjectPrediction, TaskPredictions, read_image_sizes

CATEGORIES = {0: "cat", 1: "dog"}


def _reference_box(
    bbox: tuple[float, float, float, float], size: tuple[int, int], padding: float
) -> tuple[int, ...]:
    """Independent reference: grow, round outwards, clip."""
    x, y, w, h = bbox
    x0, y0, x1, y1 = x - padding * w, y - padding * h, x + w + padding * w, y + h + padding * h
    return (
        int(np.clip(math.floor(x0), 0, size[0])),
        int(np.clip(math.floor(y0), 0, size[1])),
        int(np.clip(math.ceil(x1), 0, size[0])),
        int(np.clip(math.ceil(y1), 0, size[1])),
    )


def test_crop_names_follow_the_convention() -> None:
    assert crop_name("street/0001.jpg", 2) == "street/0001-2-jpg.png"
    assert crop_name("a.b.PNG", 10) == "a.b-10-PNG.png"


def test_padded_box_by_hand() -> None:
    assert padded_box((10, 5, 20, 16), image_size=(64, 48), padding=0.1) == (8, 3, 32, 23)
    assert padded_box((0, 0, 64, 48), image_size=(64, 48), padding=0.1) == (0, 0, 64, 48)
    assert padded_box((60.5, 44.2, 3.5, 3.8), image_size=(64, 48), padding=0.0) == (60, 44, 64, 48)
    assert padded_box((10, 5, 20, 16), image_size=(64, 48), padding=1.0) == (0, 0, 50, 37)


def test_plan_skips_small_boxes_and_keeps_order() -> None:
    objects = {
        "b.png": [ObjectPrediction("b.png", 0, 1, (1, 1, 10, 10), 0.9)],
        "a.png": [
            ObjectPrediction("a.png", 0, 0, (10, 5, 20, 16)),
            ObjectPrediction("a.png", 2, 1, (1, 1, 3, 20)),  # 3 px wide
            ObjectPrediction("a.png", 3, 0, (40, 30, 8, 8)),
        ],
    }
    task = TaskPredictions(task="t", categories=CATEGORIES, predictions=objects)

    plan = plan_crops(task, image_sizes={"a.png": (64, 48), "b.png": (20, 20)}, padding=0.1, min_size=4)

    assert [(c.name, c.category, c.box) for c in plan.crops] == [
        ("a-0-png.png", "cat", (8, 3, 32, 23)),
        ("a-3-png.png", "cat", _reference_box((40, 30, 8, 8), (64, 48), 0.1)),
        ("b-0-png.png", "dog", (0, 0, 12, 12)),
    ]
    assert plan.crops[2].score == 0.9
    assert list(plan.skipped) == ["a-2-png.png"]
    assert "under the minimum crop size of 4 px" in plan.skipped["a-2-png.png"]


@pytest.mark.parametrize(
    ("padding", "min_size"), [(-0.1, 4), (float("nan"), 4), (0.1, 0), (0.1, float("inf"))]
)
def test_bad_crop_settings(padding: float, min_size: float) -> None:
    with pytest.raises(ConfigError):
        check_crop_settings(padding=padding, min_size=min_size)


def test_crop_pixels_are_slices_of_the_upright_image(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    plain = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    stored = rng.integers(0, 256, size=(30, 50, 3), dtype=np.uint8)  # shown rotated: 30 wide, 50 high
    Image.fromarray(plain).save(tmp_path / "plain.png")
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "turned.png", exif=exif)
    (tmp_path / "broken.png").write_bytes(Image.fromarray(plain).tobytes()[:100])
    upright = {"plain.png": plain, "turned.png": np.rot90(stored, k=-1)}
    boxes = {
        "plain.png": [(10.0, 5.0, 20.0, 16.0), (0.0, 0.0, 64.0, 48.0), (50.3, 40.7, 13.2, 7.0)],
        "turned.png": [(2.0, 30.0, 25.0, 19.5)],
        "broken.png": [(1.0, 1.0, 5.0, 5.0)],
    }
    task = TaskPredictions(
        task="t",
        categories=CATEGORIES,
        predictions={
            image: [ObjectPrediction(image, i, i % 2, box) for i, box in enumerate(image_boxes)]
            for image, image_boxes in boxes.items()
        },
    )
    sizes = {**read_image_sizes(tmp_path, ["plain.png", "turned.png"]), "broken.png": (64, 48)}
    assert sizes["turned.png"] == (30, 50)

    plan = plan_crops(task, image_sizes=sizes, padding=0.15, min_size=4)
    results = list(iter_image_crops(tmp_path, plan))

    assert [r.image for r in results] == ["broken.png", "plain.png", "turned.png"]
    assert results[0].crops is None and results[0].failure
    n_checked = 0
    for result in results[1:]:
        assert result.crops is not None
        for spec, crop in zip(result.specs, result.crops, strict=True):
            left, top, right, bottom = _reference_box(spec.bbox, sizes[spec.image], 0.15)
            expected = upright[spec.image][top:bottom, left:right]
            np.testing.assert_array_equal(np.asarray(crop), expected)
            n_checked += 1
    assert n_checked == 4
    turned = next(spec for spec in plan.crops if spec.image == "turned.png")
    left, top, right, bottom = _reference_box(turned.bbox, (30, 50), 0.15)
    np.testing.assert_array_equal(
        np.asarray(load_crop(tmp_path, turned)), upright["turned.png"][top:bottom, left:right]
    )


def test_many_images_stream_in_plan_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    arrays = {}
    for i in range(20):
        arrays[f"im{i:02d}.png"] = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
        Image.fromarray(arrays[f"im{i:02d}.png"]).save(tmp_path / f"im{i:02d}.png")
    task = TaskPredictions(
        task="t",
        categories=CATEGORIES,
        predictions={name: [ObjectPrediction(name, 0, 0, (4, 4, 8, 8))] for name in arrays},
    )
    plan = plan_crops(task, image_sizes={name: (16, 16) for name in arrays}, padding=0.0, min_size=4)

    results = list(iter_image_crops(tmp_path, CropPlan(crops=plan.crops)))

    assert [r.image for r in results] == sorted(arrays)
    for result in results:
        assert result.crops is not None
        np.testing.assert_array_equal(np.asarray(result.crops[0]), arrays[result.image][4:12, 4:12])
