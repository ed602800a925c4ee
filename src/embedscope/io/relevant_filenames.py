"""LightlyOne's ``relevant_filenames_file``: the run considers only the listed files of the input folder.

One entry a line, relative to the input folder (``image_1.png``, ``subdir/image_2.png``); a line ending in
``*`` is a prefix and keeps every file below it (``subdir/*``). Blank lines are skipped. As in LightlyOne,
``./`` and ``../`` are not allowed. Docs: https://docs.lightly.ai/docs/relevant-filenames
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embedscope.errors import InputFileError

PREFIX_MARK = "*"


@dataclass(frozen=True)
class RelevantFilenames:
    """The listed names and prefixes of a relevant-filenames file."""

    source: Path
    names: frozenset[str]
    prefixes: tuple[str, ...]

    def keep(self, names: Sequence[str]) -> list[str]:
        """The ``names`` (relative, ``/``-separated) that the file lists, in their order."""
        return [name for name in names if name in self.names or name.startswith(self.prefixes)]


def read_relevant_filenames(path: Path) -> RelevantFilenames:
    """Read a relevant-filenames file.

    Raises:
        InputFileError: unreadable file, no entry, or an entry with ``./`` / ``../`` or a leading ``/``.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(path, f"cannot read the relevant filenames: {error}") from None
    names, prefixes = set(), []
    for number, line in enumerate(lines, start=1):
        entry = line.strip()
        if not entry:
            continue
        parts = entry.split("/")
        if entry.startswith("/") or "." in parts or ".." in parts:
            raise InputFileError(path, f"line {number}: {entry!r}: give paths relative to the input folder "
                                 "without ./ or ../ (as LightlyOne requires)")
        if entry.endswith(PREFIX_MARK):
            prefixes.append(entry.removesuffix(PREFIX_MARK))
        else:
            names.add(entry)
    if not names and not prefixes:
        raise InputFileError(path, "lists no file; give one relative file name or folder/* a line")
    return RelevantFilenames(source=Path(path), names=frozenset(names), prefixes=tuple(prefixes))
