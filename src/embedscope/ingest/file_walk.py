"""Finding the files of one kind in a folder tree (images, videos)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from embedscope.errors import InputFileError


def find_files(root: Path, accept: Callable[[str], bool], *, kind: str) -> list[str]:
    """Every file below ``root`` whose name ``accept`` takes, recursively, as relative names with ``/``
    separators, sorted by code point (the same order on every platform). Links to files are followed, links
    to folders are not (no cycles).

    Args:
        kind: what the folder should hold, for the error message (e.g. "images").

    Raises:
        InputFileError: ``root`` is not an existing folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputFileError(root, f"is a file, expected a folder of {kind}" if root.exists() else "folder not found")
    names: list[str] = []
    for folder, _subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        for file_name in files:
            if accept(file_name) and os.path.isfile(os.path.join(folder, file_name)):
                names.append((relative / file_name).as_posix())
    names.sort()
    return names
