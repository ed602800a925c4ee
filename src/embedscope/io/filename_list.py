"""Plain-text filename lists: one name a line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_write_text


def read_filename_list(path: Path) -> list[str]:
    """Read one filename a line; blank lines are ignored.

    Raises:
        InputFileError: missing or empty file, or a name listed twice.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not names:
        raise InputFileError(path, "no filenames in the file (expected one filename a line)")
    seen: set[str] = set()
    for line_number, name in enumerate(names, start=1):
        if name in seen:
            raise InputFileError(path, f"filename '{name}' is listed twice (line {line_number})")
        seen.add(name)
    return names


def write_filename_list(path: Path, names: Iterable[str]) -> None:
    """Write one filename a line, atomically."""
    text = "".join(f"{name}\n" for name in names)
    atomic_write_text(Path(path), text)
