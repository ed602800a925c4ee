"""Computed image metadata against scikit-image's own functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image
from skimage.filters import laplace
from skimage.measure import shannon_entropy

from embedscope.ingest.image_statistics import (
    column_names,
    columns_of_rows,
    folder_image_statistics,
    image_statistics,
    statistics_rows,
)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) / 255.0 @ np.array([0.299, 0.587, 0.114])


def _levels(rgb: np.ndarray) -> np.ndarray:
    """8-bit grey levels round((299 R + 587 G + 114 B) / 1000), ties to even, in exact integer arithmetic."""
    weighted = rgb.astype(np.int64) @ np.array([299, 587, 114])
    quotient, remainder = np.divmod(weighted, 1000)
    return (quotient + ((remainder > 500) | ((remainder == 500) & (quotient % 2 == 1)))).astype(np.uint8)


def test_sharpness_equals_scikit_image_laplace_variance() -> None:
    rgb = skimage.data.astronaut()
    stats = image_statistics(Image.fromarray(rgb))
    assert stats["lightly.sharpness"] == pytest.approx(float(laplace(_grey(rgb)).var()), rel=1e-12)
    blurred = image_statistics(Image.fromarray(rgb).resize((128, 128)).resize((512, 512)))
    assert blurred["lightly.sharpness"] < stats["lightly.sharpness"] / 4


def test_other_statistics_against_references() -> None:
    rgb = skimage.data.coffee()
    stats = image_statistics(rgb)
    grey = _grey(rgb)
    levels = _levels(rgb)
    assert stats["lightly.entropy"] == pytest.approx(shannon_entropy(levels, base=2), rel=1e-12)
    assert stats["lightly.brightness"] == pytest.approx(grey.mean())
    assert stats["lightly.contrast"] == pytest.approx(grey.std())
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV"), dtype=np.float64)
    assert stats["lightly.saturation"] == pytest.approx(hsv[..., 1].mean() / 255, abs=0.005)
    assert (stats["lightly.width"], stats["lightly.height"]) == (600.0, 400.0)
    assert stats["lightly.aspect_ratio"] == pytest.approx(1.5)
    assert stats["lightly.low_information"] == 0.0
    assert list(stats) == column_names()


@pytest.mark.parametrize("colour", [(0, 0, 0), (128, 128, 128), (255, 255, 255), (30, 200, 90)])
def test_uniform_frames_are_low_information(colour: tuple[int, int, int]) -> None:
    rng = np.random.default_rng(0)
    frame = np.clip(np.full((64, 80, 3), colour) + rng.integers(-1, 2, (64, 80, 3)), 0, 255).astype(np.uint8)
    stats = image_statistics(frame)
    assert stats["lightly.low_information"] == 1.0
    assert stats["lightly.sharpness"] < 1e-3


def test_a_folders_statistics_are_each_images_own_on_any_number_of_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    names = []
    for i in range(21):  # more than one chunk of names when the chunk is made small below
        name = f"sub/img-{i:02d}.{'png' if i % 3 else 'jpg'}"
        (tmp_path / "sub").mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (20 + i, 31, 3), dtype=np.uint8)).save(tmp_path / name)
        names.append(name)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    names.insert(7, "broken.jpg")
    expected = {column: np.full(len(names), np.nan) for column in column_names()}
    for row, name in enumerate(names):
        if name != "broken.jpg":
            with Image.open(tmp_path / name) as image:
                for column, value in image_statistics(image.convert("RGB")).items():
                    expected[column][row] = value
    for threads, chunk in ((1, 256), (3, 4)):
        monkeypatch.setattr("embedscope.ingest.image_statistics.STATISTICS_CHUNK", chunk)
        measured = folder_image_statistics(tmp_path, names, threads=threads)
        assert list(measured) == column_names()
        for column in column_names():
            np.testing.assert_array_equal(measured[column], expected[column], err_msg=column)
    rows = statistics_rows(names[5:9], root=str(tmp_path))
    np.testing.assert_array_equal(columns_of_rows(rows)["lightly.width"], expected["lightly.width"][5:9])
