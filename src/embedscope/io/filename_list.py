"""Plain-text filename lists, in the one format embedscope writes and reads back unchanged.

Format: UTF-8 (a leading byte-order mark is accepted), one name a line, each line ended by ``\\n`` (a
``\\r\\n`` ending is accepted). A name is the whole line: spaces at its start or end belong to it. Lines
that are empty or only blanks are ignored (a blank name is refused at input). Names holding a line break or
NUL cannot be written this way, so every reader of names refuses them at input
(:func:`embedscope.io.validation.name_problem`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_write_text
from embedscope.io.text_file import read_text
from embedscope.io.validation import name_problem


def parse_filename_list(path: Path, text: str) -> list[str]:
    """The names in ``text`` (the content of ``path``, for messages), in file order.

    Raises:
        InputFileError: no names, a NUL character, or a name listed twice (naming the line).
    """
    names: list[str] = []
    seen: dict[str, int] = {}
    for line_number, line in enumerate(text.split("\n"), start=1):
        name = line.removesuffix("\r")
        if not name.strip():
            continue
        problem = name_problem(name)
        if problem is not None:
            raise InputFileError(path, f"line {line_number}: {problem}")
        if name in seen:
            raise InputFileError(
                path, f"line {line_number}: filename '{name}' is listed twice (first on line {seen[name]})"
            )
        seen[name] = line_number
        names.append(name)
    if not names:
        raise InputFileError(path, "no filenames in the file (expected one filename a line)")
    return names


def read_filename_list(path: Path) -> list[str]:
    """Read a filename list (format above).

    Raises:
        InputFileError: missing, unreadable or not UTF-8 (naming the line), no names, a NUL, or a duplicate.
    """
    path = Path(path)
    return parse_filename_list(path, read_text(path))


def filename_list_text(names: Iterable[str], *, path: Path | str) -> str:
    """The text of a filename list (format above): one name a line; ``path`` only names the file in errors.

    Raises:
        ValueError: a name the format cannot hold (readers refuse such names at input, so this is a bug).
    """
    lines = []
    for name in names:
        problem = name_problem(name)
        if problem is not None:
            raise ValueError(f"cannot write {path}: {problem}")
        lines.append(f"{name}\n")
    return "".join(lines)


def write_filename_list(path: Path, names: Iterable[str]) -> None:
    """Write one filename a line (format above), atomically.

    Raises:
        ValueError: a name the format cannot hold (readers refuse such names at input, so this is a bug).
    """
    atomic_write_text(Path(path), filename_list_text(names, path=path))
