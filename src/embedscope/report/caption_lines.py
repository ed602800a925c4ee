"""Filenames as captions of a narrow column: lines break after "/", "_" or "-" (never inside a word when the
pieces fit), a piece wider than the column shrinks the font down to a readable minimum, and only a piece too
wide even then is split (the start of a name is never cut off).

The renderer passes ``measure(text, size)``: the width in points of ``text`` at font size ``size`` in its own
font (reportlab's ``stringWidth``, matplotlib's text path), so the lines fit what is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MIN_CAPTION_SIZE = 6.0
"""Smallest font size, in points on the page, that a caption shrinks to (readable on paper)."""

_PIECE = re.compile(r"[^/_\-]*[/_\-]?")


def name_pieces(name: str) -> list[str]:
    """``name`` cut after each "/", "_" and "-": ``day/coffee_0067.jpg`` → ``day/``, ``coffee_``, ``0067.jpg``."""
    return [piece for piece in _PIECE.findall(name) if piece]


def _split_to_fit(piece: str, width: float, measure: Callable[[str, float], float], size: float) -> list[str]:
    """``piece`` in chunks no wider than ``width`` (each as long as fits, at least one character)."""
    chunks: list[str] = []
    while piece:
        end = len(piece)
        while end > 1 and measure(piece[:end], size) > width:
            end -= 1
        chunks.append(piece[:end])
        piece = piece[end:]
    return chunks


def caption_lines(name: str, width: float, measure: Callable[[str, float], float], *, size: float,
                  min_size: float = MIN_CAPTION_SIZE) -> tuple[list[str], float]:
    """The lines of ``name`` in a column ``width`` points wide, and the font size to draw them at.

    Args:
        measure: width in points of a text at a font size.
        size: the caption's font size; the result is smaller (down to ``min_size``) only when one piece
            between break characters is wider than the column at ``size``.

    Returns:
        (lines, size): the lines joined give ``name`` back; every line fits ``width`` at the returned size.
    """
    pieces = name_pieces(name) or [name]
    widest = max(measure(piece, size) for piece in pieces)
    if widest > width:
        size = max(min_size, size * width / widest)
    lines = [""]
    for piece in pieces:
        for part in _split_to_fit(piece, width, measure, size):
            if lines[-1] and measure(lines[-1] + part, size) > width:
                lines.append("")
            lines[-1] += part
    return lines, size
