"""Decoding: EXIF orientation, every mode to RGB, first frames, draft mode, and the fault kinds."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.image_decode import ImageDecodeError, decode_image
from embedscope.ingest.thumbnail import load_thumbnail

EXIF_ORIENTATION_TAG = 0x0112
ROTATE_90_CW = 6  # EXIF orientation: the stored image must be turned 90 degrees clockwise for display


def _left_red_right_blue(width: int = 80, height: int = 40) -> Image.Image:
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return Image.fromarray(pixels)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = ROTATE_90_CW
    path = tmp_path / "rotated.jpg"
    _left_red_right_blue().save(path, quality=95, exif=exif)

    decoded = np.asarray(decode_image(path), dtype=np.float64)

    # 80x40 turned clockwise is 40 wide, 80 high; the left (red) half ends up on top.
    assert decoded.shape == (80, 40, 3)
    np.testing.assert_allclose(decoded[5:35].mean(axis=(0, 1)), [255, 0, 0], atol=12)
    np.testing.assert_allclose(decoded[45:75].mean(axis=(0, 1)), [0, 0, 255], atol=12)


def _save(image: Image.Image, path: Path, **options: Any) -> Path:
    image.save(path, **options)
    return path


def test_grayscale_and_bilevel_become_gray_rgb(tmp_path: Path) -> None:
    gray = Image.fromarray(np.full((6, 7), 77, dtype=np.uint8), mode="L")
    bilevel = Image.fromarray(np.eye(6, dtype=bool))
    rgb_gray = np.asarray(decode_image(_save(gray, tmp_path / "g.png")))
    rgb_bilevel = np.asarray(decode_image(_save(bilevel, tmp_path / "b.bmp")))
    assert rgb_gray.shape == (6, 7, 3) and (rgb_gray == 77).all()
    np.testing.assert_array_equal(rgb_bilevel[..., 0], np.eye(6) * 255)
    np.testing.assert_array_equal(rgb_bilevel[..., 0], rgb_bilevel[..., 2])


def test_palette_with_transparency_and_rgba_are_composited_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[:2] = (10, 200, 30, 255)  # opaque green top
    rgba[2:] = (0, 0, 0, 0)  # fully transparent bottom (hidden colour black)
    rgba[0, 0] = (200, 0, 0, 128)  # half-transparent red
    decoded = np.asarray(
        decode_image(_save(Image.fromarray(rgba, "RGBA"), tmp_path / "a.png")), dtype=np.int64
    )
    assert (decoded[0, 1] == (10, 200, 30)).all()
    assert (decoded[2:] == 255).all()
    np.testing.assert_allclose(decoded[0, 0], [200 * 128 / 255 + 255 * 127 / 255, 127, 127], atol=1.5)

    palette = Image.fromarray(np.array([[0, 1], [1, 1]], dtype=np.uint8), mode="P")
    palette.putpalette([0, 0, 255, 90, 90, 90] + [0] * 762)
    palette.info["transparency"] = 0
    decoded_palette = np.asarray(decode_image(_save(palette, tmp_path / "p.png", transparency=0)))
    assert (decoded_palette[0, 0] == 255).all()
    assert (decoded_palette[1, 1] == 90).all()

    gray_alpha = Image.fromarray(
        np.dstack([np.full((2, 2), 50, np.uint8), np.array([[255, 0], [255, 0]], np.uint8)]), mode="LA"
    )
    decoded_la = np.asarray(decode_image(_save(gray_alpha, tmp_path / "la.png")))
    assert (decoded_la[:, 0] == 50).all() and (decoded_la[:, 1] == 255).all()


def test_sixteen_bit_is_scaled_to_eight_bit(tmp_path: Path) -> None:
    values = np.array([[0, 257 * 128, 65535]], dtype=np.uint16)
    path = _save(Image.fromarray(values), tmp_path / "deep.png")
    with Image.open(path) as image:
        assert image.mode.startswith("I")
    decoded = np.asarray(decode_image(path))
    np.testing.assert_array_equal(decoded[0, :, 0], [0, 128, 255])


def test_cmyk_tiff_and_first_frame_of_gif_and_tiff(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (3, 3), (0, 255, 255, 0))  # pure red in CMYK
    np.testing.assert_array_equal(
        np.asarray(decode_image(_save(cmyk, tmp_path / "c.tif")))[1, 1], [255, 0, 0]
    )

    frames = [Image.new("RGB", (5, 5), colour) for colour in [(255, 0, 0), (0, 255, 0)]]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(tmp_path / "pages.tiff", save_all=True, append_images=frames[1:])
    for name in ["anim.gif", "pages.tiff"]:
        np.testing.assert_array_equal(np.asarray(decode_image(tmp_path / name))[2, 2], [255, 0, 0])

    webp = _save(Image.new("RGB", (9, 9), (0, 0, 250)), tmp_path / "w.webp", lossless=True)
    np.testing.assert_array_equal(np.asarray(decode_image(webp))[4, 4], [0, 0, 250])


def test_draft_mode_decodes_jpeg_at_a_reduced_scale_covering_the_request(tmp_path: Path) -> None:
    path = _save(_left_red_right_blue(640, 480), tmp_path / "big.jpg", quality=90)
    assert decode_image(path).size == (640, 480)
    assert decode_image(path, draft_size=(224, 224)).size == (320, 240)  # 1/2 scale; 1/4 would be < 224
    assert decode_image(path, draft_size=(100, 100)).size == (160, 120)


def test_each_fault_kind_raises_with_a_reason(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(6).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
        buffer, "JPEG"
    )
    (tmp_path / "zero.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("just text")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    expected = {
        "zero.jpg": "empty file (0 bytes)",
        "text.jpg": "not an image Pillow can read",
        "cut.jpg": "cannot decode: image file is truncated",
    }
    for name, reason in expected.items():
        with pytest.raises(ImageDecodeError) as raised:
            decode_image(tmp_path / name)
        assert raised.value.reason.startswith(reason), (name, raised.value.reason)


def test_thumbnail_keeps_aspect_and_orientation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = ROTATE_90_CW
    path = tmp_path / "photo.jpg"
    _left_red_right_blue(640, 480).save(path, exif=exif)
    thumb = load_thumbnail(path, size=96)
    assert thumb.mode == "RGB"
    assert thumb.size == (72, 96)
    top, bottom = np.asarray(thumb)[:40].mean(axis=(0, 1)), np.asarray(thumb)[56:].mean(axis=(0, 1))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]
    (tmp_path / "bad.jpg").write_bytes(b"")
    with pytest.raises(InputFileError, match="bad.jpg: empty file"):
        load_thumbnail(tmp_path / "bad.jpg")
