"""LightlyOne's ``relevant_filenames_file``: only the listed images (names and ``folder/*`` prefixes) are
scanned; bad entries are named with their line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.image_folder import scan_image_folder
from embedscope.io.relevant_filenames import read_relevant_filenames


def _images(root: Path, names: list[str]) -> None:
    rng = np.random.default_rng(0)
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(root / name)


def test_only_listed_files_and_prefixes_are_scanned(tmp_path: Path) -> None:
    # the docs' example: image_1.png, subdir/image_2.png and subdir/image_3.png of six files
    names = ["image_1.png", "image_9.png", "subdir/image_2.png", "subdir/image_3.png", "subdir/image_40.png",
             "keep/a.png", "keep/deeper/b.png"]
    _images(tmp_path, names)
    listing = tmp_path / ".lightly" / "relevant_filenames.txt"
    listing.parent.mkdir()
    listing.write_text("image_1.png\nsubdir/image_2.png\n\nsubdir/image_3.png\nkeep/*\nmissing.png\n")
    scan = scan_image_folder(tmp_path, relevant=read_relevant_filenames(listing))
    assert scan.names == ["image_1.png", "keep/a.png", "keep/deeper/b.png", "subdir/image_2.png", "subdir/image_3.png"]


@pytest.mark.parametrize(("text", "message"), [
    ("a.png\n../b.png\n", r"line 2: '\.\./b\.png': give paths relative to the input folder"),
    ("\n\n", "lists no file"),
])
def test_bad_listing_is_named(tmp_path: Path, text: str, message: str) -> None:
    listing = tmp_path / "relevant.txt"
    listing.write_text(text)
    with pytest.raises(InputFileError, match=message):
        read_relevant_filenames(listing)


def test_listing_that_names_no_image_is_refused(tmp_path: Path) -> None:
    _images(tmp_path, ["a.png"])
    listing = tmp_path / "relevant.txt"
    listing.write_text("b.png\n")
    with pytest.raises(InputFileError, match="relevant.txt: lists none of the image files"):
        scan_image_folder(tmp_path, relevant=read_relevant_filenames(listing))
