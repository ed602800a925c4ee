"""Scanning folders: names, ignored extensions, corrupt files of each kind, exact duplicates."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.image_folder import file_digest, scan_image_folder


def _jpeg_bytes(rng: np.random.Generator, size: tuple[int, int] = (64, 48)) -> bytes:
    pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _png_bytes(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, size=(20, 30), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_finds_images_recursively_sorted_and_ignores_other_extensions(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for name in ["b.jpg", "a/z.PNG", "a/c.Jpeg", "B.bmp", "d/e/f.webp", "g.tif", "h.TIFF", "i.gif"]:
        image = Image.fromarray(rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8))
        fmt = {
            "jpg": "JPEG",
            "png": "PNG",
            "jpeg": "JPEG",
            "bmp": "BMP",
            "webp": "WEBP",
            "tif": "TIFF",
            "tiff": "TIFF",
            "gif": "GIF",
        }[name.rsplit(".", 1)[1].lower()]
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        _write(tmp_path / name, buffer.getvalue())
    for ignored in ["notes.txt", "a/labels.json", "x.heic", "y.svg", "jpg", "d/.hidden"]:
        _write(tmp_path / ignored, b"not an image")

    scan = scan_image_folder(tmp_path)

    expected = sorted(["b.jpg", "a/z.PNG", "a/c.Jpeg", "B.bmp", "d/e/f.webp", "g.tif", "h.TIFF", "i.gif"])
    assert scan.names == expected
    assert scan.names == ["B.bmp", "a/c.Jpeg", "a/z.PNG", "b.jpg", "d/e/f.webp", "g.tif", "h.TIFF", "i.gif"]
    assert scan.corrupt == {}
    assert scan.duplicates == {}
    assert scan.content_hashes["b.jpg"] == file_digest(tmp_path / "b.jpg")


def test_empty_and_non_image_files_are_corrupt_at_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    _write(tmp_path / "good.jpg", _jpeg_bytes(rng))
    _write(tmp_path / "zero.jpg", b"")
    _write(tmp_path / "text.jpg", b"hello, I am a text file\n")
    _write(tmp_path / "sub/zero.png", b"")

    scan = scan_image_folder(tmp_path)

    assert scan.names == ["good.jpg"]
    assert scan.corrupt == {
        "sub/zero.png": "empty file (0 bytes)",
        "text.jpg": "not an image Pillow can read",
        "zero.jpg": "empty file (0 bytes)",
    }


def test_truncated_jpeg_passes_the_header_check_and_is_moved_by_with_corrupt(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = _jpeg_bytes(rng)
    _write(tmp_path / "a.jpg", _jpeg_bytes(rng))
    _write(tmp_path / "t.jpg", data[: len(data) // 2])
    _write(tmp_path / "u.jpg", data[: len(data) // 2])  # same bytes: a duplicate of t.jpg

    scan = scan_image_folder(tmp_path)
    assert scan.names == ["a.jpg", "t.jpg"]
    assert scan.duplicates == {"u.jpg": "t.jpg"}

    final = scan.with_corrupt({"t.jpg": "cannot decode: image file is truncated"})
    assert final.names == ["a.jpg"]
    assert final.duplicates == {}
    assert final.corrupt == {
        "t.jpg": "cannot decode: image file is truncated",
        "u.jpg": "same bytes as corrupt file 't.jpg': cannot decode: image file is truncated",
    }


def test_exact_duplicates_keep_the_first_name_in_sorted_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    first, second, other = _jpeg_bytes(rng), _png_bytes(rng), _jpeg_bytes(rng)
    _write(tmp_path / "m/copy.jpg", first)
    _write(tmp_path / "a.jpg", first)
    _write(tmp_path / "z.jpg", first)
    _write(tmp_path / "p1.png", second)
    _write(tmp_path / "p0.png", second)
    _write(tmp_path / "other.jpg", other)
    _write(tmp_path / "zero1.jpg", b"")
    _write(tmp_path / "zero2.jpg", b"")  # equal (empty) bytes, but corrupt, not duplicates

    scan = scan_image_folder(tmp_path)

    assert scan.names == ["a.jpg", "other.jpg", "p0.png"]
    assert scan.duplicates == {"m/copy.jpg": "a.jpg", "p1.png": "p0.png", "z.jpg": "a.jpg"}
    assert set(scan.corrupt) == {"zero1.jpg", "zero2.jpg"}


def test_all_corrupt_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path / "a.jpg", b"")
    _write(tmp_path / "b.png", b"text")
    with pytest.raises(InputFileError, match=r"all 2 image files are corrupt \(first: 'a.jpg': empty file"):
        scan_image_folder(tmp_path)


def test_late_corrupt_of_every_image_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path / "a.jpg", _jpeg_bytes(np.random.default_rng(5)))
    scan = scan_image_folder(tmp_path)
    with pytest.raises(InputFileError, match="all 1 image files are corrupt"):
        scan.with_corrupt({"a.jpg": "cannot decode: broken data stream"})


def test_folder_without_images_missing_folder_and_file_are_input_errors(tmp_path: Path) -> None:
    _write(tmp_path / "readme.txt", b"no images here")
    with pytest.raises(InputFileError, match="no image files found"):
        scan_image_folder(tmp_path)
    with pytest.raises(InputFileError, match="folder not found"):
        scan_image_folder(tmp_path / "missing")
    with pytest.raises(InputFileError, match="is a file, expected a folder"):
        scan_image_folder(tmp_path / "readme.txt")
