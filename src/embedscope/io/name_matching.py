"""Matching names from side files and lists against the samples' names, as a user expects.

A name matches its sample exactly first. When it does not, names that refer to the same file still match:
the same text in another Unicode normal form (macOS writes NFD), with blanks around it (a hand-edited
CSV), with a leading ``./`` or with ``\\`` separators (written on Windows). Such a looser match is used
only when exactly one sample has that form, so it never picks between two samples.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping

_AMBIGUOUS = -1


def name_key(name: str) -> str:
    """The form two names of the same file share: NFC, no surrounding blanks, ``/`` separators, no ``./``."""
    key = unicodedata.normalize("NFC", name).strip().replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key


class NameIndex(Mapping[str, int]):
    """Name → row of ``names``, with the looser matching above.

    Args:
        names: (n,) unique sample names; row i is ``names[i]``.

    Cost: two dicts of n entries.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._rows: dict[str, int] = {}
        self._rows_by_key: dict[str, int] = {}
        for row, name in enumerate(names):
            self._rows[name] = row
            key = name_key(name)
            self._rows_by_key[key] = _AMBIGUOUS if key in self._rows_by_key else row

    def __getitem__(self, name: str) -> int:
        row = self._rows.get(name)
        if row is None:
            row = self._rows_by_key.get(name_key(name), _AMBIGUOUS)
        if row == _AMBIGUOUS:
            raise KeyError(name)
        return row

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def rows_of(names: Iterable[str], index: Mapping[str, int]) -> tuple[list[int], list[str]]:
    """(rows of the names found in ``index``, names not found), in the order of ``names``."""
    rows: list[int] = []
    missing: list[str] = []
    for name in names:
        row = index.get(name)
        if row is None:
            missing.append(name)
        else:
            rows.append(row)
    return rows, missing
