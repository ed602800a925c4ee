"""Finding image files in a folder tree."""

from __future__ import annotations

import os
from pathlib import Path

from embedscope.ingest.file_walk import find_files

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


def is_image_name(name: str) -> bool:
    """True when ``name`` has one of :data:`IMAGE_EXTENSIONS` (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def find_image_files(root: Path) -> list[str]:
    """Every image file below ``root``, recursively, as relative names with ``/`` separators.

    Files with other extensions are ignored; symbolic links to files are followed, links to folders are not
    (no cycles). Sorted by the name string (code point order), so the order is the same on every platform.

    Raises:
        InputFileError: ``root`` is not an existing folder.
    """
    return find_files(root, is_image_name, kind="images")
