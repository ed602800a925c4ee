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
MAX_SHOWN_UNMATCHED = 3  # entries named in the warning line
MAX_LISTED_UNMATCHED = 100  # entries recorded in report_embedscope.json


@dataclass(frozen=True)
class RelevantFilenames:
    """The listed names and prefixes of a relevant-filenames file."""

    source: Path
    names: frozenset[str]
    prefixes: tuple[str, ...]

    def keep(self, names: Sequence[str]) -> list[str]:
        """The ``names`` (relative, ``/``-separated) that the file lists, in their order."""
        return [name for name in names if name in self.names or name.startswith(self.prefixes)]

    def unmatched(self, names: Sequence[str]) -> list[str]:
        """The entries that match none of ``names``, sorted (a prefix written as ``folder/*``)."""
        found = set(names)
        missing = [name for name in self.names if name not in found]
        missing += [prefix + PREFIX_MARK for prefix in self.prefixes if not any(n.startswith(prefix) for n in found)]
        return sorted(missing)

    def unmatched_summary(self, names: Sequence[str]) -> dict[str, object]:
        """For the report: the file, its entry count and the entries that match none of ``names`` (the first
        :data:`MAX_LISTED_UNMATCHED`)."""
        missing = self.unmatched(names)
        return {"file": str(self.source.resolve()), "nEntries": len(self.names) + len(self.prefixes),
                "nUnmatched": len(missing), "unmatched": missing[:MAX_LISTED_UNMATCHED]}

    def unmatched_warning(self, names: Sequence[str], *, root: Path) -> str | None:
        """One line naming the entries that match none of ``names`` (count and the first few); None when every
        entry matches. LightlyOne's docs do not say what a missing entry does; embedscope skips it and says so."""
        missing = self.unmatched(names)
        if not missing:
            return None
        shown = ", ".join(missing[:MAX_SHOWN_UNMATCHED]) + (", ..." if len(missing) > MAX_SHOWN_UNMATCHED else "")
        return (f"{self.source}: {len(missing)} of {len(self.names) + len(self.prefixes)} entries match no file "
                f"in {root} and are skipped: {shown}")


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
