"""Finding the files of one kind in a folder tree (images, videos)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.io.validation import name_problem


def find_files(root: Path, accept: Callable[[str], bool], *, kind: str) -> list[str]:
    """Every file below ``root`` whose name ``accept`` takes, recursively, as relative names with ``/``
    separators, sorted by code point (the same order on every platform). Links to files are followed, links
    to folders are not (no cycles). Broken links and link loops with an accepted name are listed too, so that
    the caller reports them as unreadable (:func:`link_problem`) instead of leaving them out silently.

    Args:
        kind: what the folder should hold, for the error message (e.g. "images").

    Raises:
        InputFileError: ``root`` is not an existing folder, or a file name that a filename list cannot hold
            (a line break; see :func:`embedscope.io.validation.name_problem`).
    """
    root = Path(root)
    if not root.is_dir():
        raise InputFileError(root, f"is a file, expected a folder of {kind}" if root.exists() else "folder not found")
    names: list[str] = []
    for folder, _subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        for file_name in files:
            path = os.path.join(folder, file_name)
            if accept(file_name) and (os.path.isfile(path) or os.path.islink(path)):
                name = (relative / file_name).as_posix()
                if (problem := name_problem(name)) is not None:
                    raise InputFileError(root, problem)
                names.append(name)
    names.sort()
    return names


def link_problem(path: Path) -> str | None:
    """Why the symbolic link ``path`` cannot be read (broken, a loop, or not to a file); None otherwise."""
    if not os.path.islink(path):
        return None
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
        return f"broken symbolic link (its target '{os.readlink(path)}' does not exist)"
    if not os.path.isfile(path):
        return f"symbolic link to a non-file ('{os.readlink(path)}')"
    return None
