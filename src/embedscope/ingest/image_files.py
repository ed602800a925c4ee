"""Finding image files in a folder tree."""

from __future__ import annotations

import os
from pathlib import Path

from embedscope.errors import InputFileError

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
    root = Path(root)
    if not root.is_dir():
        problem = "is a file, expected a folder of images" if root.exists() else "folder not found"
        raise InputFileError(root, problem)
    names: list[str] = []
    for folder, _subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        for file_name in files:
            if is_image_name(file_name) and os.path.isfile(os.path.join(folder, file_name)):
                names.append((relative / file_name).as_posix())
    names.sort()
    return names
