"""Embedding a folder: rows match names, late decode failures, the feature cache."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.feature_cache import feature_cache_path
from embedscope.embed.image_embedder import embed_images
from embedscope.embed.image_folder_embedding import embed_image_folder
from embedscope.embed.model_choice import load_feature_extractor
from embedscope.errors import InputFileError
from embedscope.ingest.image_folder import scan_image_folder
from tests.embed.conftest import photo, random_view


def _photo_folder(root: Path, rng: np.random.Generator, names: dict[str, str]) -> None:
    """``names``: file name → photo; each file a random view saved as PNG (lossless) or JPEG."""
    for file_name, photo_name in names.items():
        path = root / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        random_view(photo(photo_name), rng).save(path)


def test_rows_follow_names_and_equal_features_of_the_decoded_images(
    tmp_path: Path, model_cache_dir: Path
) -> None:
    rng = np.random.default_rng(12)
    _photo_folder(
        tmp_path, rng, {"b.png": "coffee", "a/c.png": "rocket", "d.png": "chelsea", "e.png": "coins"}
    )
    scan = scan_image_folder(tmp_path)
    calls: list[tuple[int, int]] = []

    result = embed_image_folder(
        scan,
        embedding_dim=0,
        batch_size=3,
        cache_dir=model_cache_dir,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert result.names == ["a/c.png", "b.png", "d.png", "e.png"]
    expected = embed_images([Image.open(tmp_path / name) for name in result.names], cache_dir=model_cache_dir)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(result.vectors, expected, atol=1e-5)
    assert calls == [(0, 4), (3, 4), (4, 4)]
    assert (result.n_embedded, result.n_from_cache) == (4, 0)


def test_second_run_embeds_nothing_and_a_changed_file_is_re_embedded(
    tmp_path: Path, model_cache_dir: Path
) -> None:
    rng = np.random.default_rng(13)
    root = tmp_path / "data"
    _photo_folder(
        root, rng, {f"img_{i}.jpg": name for i, name in enumerate(["astronaut", "coffee", "moon", "brick"])}
    )

    first = embed_image_folder(scan_image_folder(root), embedding_dim=3, cache_dir=model_cache_dir)
    again = embed_image_folder(scan_image_folder(root), embedding_dim=3, cache_dir=model_cache_dir)
    assert (first.n_embedded, first.n_from_cache) == (4, 0)
    assert (again.n_embedded, again.n_from_cache) == (0, 4)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    model_key = load_feature_extractor(cache_dir=model_cache_dir).spec.key
    assert feature_cache_path(model_cache_dir, root, model_key=model_key).is_file()

    random_view(photo("retina"), rng).save(root / "img_2.jpg")  # changed content
    _photo_folder(root, rng, {"new.jpg": "hubble"})  # a new file
    os.utime(root / "img_0.jpg")  # touched only: same bytes, still cached
    third = embed_image_folder(scan_image_folder(root), embedding_dim=3, cache_dir=model_cache_dir)
    assert (third.n_embedded, third.n_from_cache) == (2, 3)
    fresh = embed_image_folder(scan_image_folder(root), embedding_dim=3, cache_dir=tmp_path / "empty_cache")
    assert fresh.n_embedded == 5
    np.testing.assert_allclose(third.vectors, fresh.vectors, atol=1e-5)


def test_truncated_file_is_reported_late_and_remembered(tmp_path: Path, model_cache_dir: Path) -> None:
    rng = np.random.default_rng(14)
    _photo_folder(tmp_path, rng, {"a.jpg": "camera", "b.jpg": "coffee", "c.jpg": "rocket"})
    data = (tmp_path / "b.jpg").read_bytes()
    (tmp_path / "b.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "copy_of_b.jpg").write_bytes(data[: len(data) // 2])
    scan = scan_image_folder(tmp_path)
    assert scan.corrupt == {} and scan.duplicates == {"copy_of_b.jpg": "b.jpg"}

    result = embed_image_folder(scan, embedding_dim=0, cache_dir=model_cache_dir)

    reason = result.late_corrupt["b.jpg"]
    assert reason.startswith("cannot decode: image file is truncated")
    assert result.names == ["a.jpg", "c.jpg"] and result.vectors.shape == (2, 1280)
    assert result.scan.corrupt == {
        "b.jpg": reason,
        "copy_of_b.jpg": f"same bytes as corrupt file 'b.jpg': {reason}",
    }
    assert result.scan.duplicates == {}
    rerun = embed_image_folder(scan_image_folder(tmp_path), embedding_dim=0, cache_dir=model_cache_dir)
    assert (rerun.n_embedded, rerun.n_from_cache, rerun.late_corrupt) == (0, 2, {"b.jpg": reason})


def test_every_file_failing_to_decode_is_an_input_error(tmp_path: Path, model_cache_dir: Path) -> None:
    _photo_folder(tmp_path, np.random.default_rng(15), {"a.jpg": "moon"})
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "a.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(
        InputFileError, match=r"all 1 image files are corrupt \(first: 'a.jpg': cannot decode"
    ):
        embed_image_folder(scan_image_folder(tmp_path), embedding_dim=0, cache_dir=model_cache_dir)


def test_unreadable_cache_file_is_ignored(tmp_path: Path, model_cache_dir: Path) -> None:
    root = tmp_path / "data"
    _photo_folder(root, np.random.default_rng(16), {"a.png": "coins", "b.png": "brick"})
    model_key = load_feature_extractor(cache_dir=model_cache_dir).spec.key
    cache_file = feature_cache_path(tmp_path / "cache", root, model_key=model_key)
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b"garbage")
    (tmp_path / "cache" / "models").symlink_to(model_cache_dir / "models")
    result = embed_image_folder(scan_image_folder(root), embedding_dim=0, cache_dir=tmp_path / "cache")
    assert result.n_embedded == 2
    again = embed_image_folder(scan_image_folder(root), embedding_dim=0, cache_dir=tmp_path / "cache")
    assert again.n_from_cache == 2
