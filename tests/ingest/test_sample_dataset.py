"""The demo dataset built from scikit-image's photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import ConfigError
from embedscope.ingest.sample_dataset import (
    NIGHT_FRACTION,
    PHOTO_NAMES,
    SAMPLE_SIZE,
    build_sample_image_folder,
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.jpg"))}


def test_sample_folder_layout_sizes_and_determinism(tmp_path: Path) -> None:
    first = _files(build_sample_image_folder(tmp_path / "a", n_images=60, seed=3))
    again = _files(build_sample_image_folder(tmp_path / "b", n_images=60, seed=3))
    other = _files(build_sample_image_folder(tmp_path / "c", n_images=60, seed=4))

    assert len(first) == 60
    assert first == again
    assert first != other
    photos = {name.split("/")[1].rsplit("_", 1)[0] for name in first}
    assert photos == set(PHOTO_NAMES)
    night = [name for name in first if name.startswith("night/")]
    assert 0.1 < len(night) / 60 < 2 * NIGHT_FRACTION
    brightness = {
        name: np.asarray(Image.open(tmp_path / "a" / name).convert("L"), dtype=np.float64).mean()
        for name in first
    }
    for name in first:
        assert Image.open(tmp_path / "a" / name).size == SAMPLE_SIZE
    day_mean = np.mean([v for k, v in brightness.items() if k.startswith("day/")])
    night_max = max(v for k, v in brightness.items() if k.startswith("night/"))
    assert night_max < day_mean / 2


def test_sample_folder_needs_an_image(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 1 image"):
        build_sample_image_folder(tmp_path, n_images=0)
