"""The figure of the largest near-duplicate groups: member thumbnails with their relative paths, the kept
sample framed, laid out at the PDF's text width so that captions print at their own size (≥ 6 pt).

Groups are packed into rows of :data:`COLUMNS` cells without splitting a group; a shaded band joins the
members of one group. At most :data:`MAX_ROWS` rows are drawn (one page); the figure's title says how many
groups it shows, and every group is in ``near_duplicates.json``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextToPath

from embedscope.report.caption_lines import caption_lines
from embedscope.report.figures import _png
from embedscope.report.thumbnails import thumbnail_jpegs

FIGURE_WIDTH = 6.7
"""Inches: the PDF's text width (A4 less 2 cm margins), so the figure is drawn at scale 1 there."""
COLUMNS = 6  # thumbnails per row
MAX_MEMBERS = COLUMNS  # members drawn per group (the rest are in near_duplicates.json)
MAX_ROWS = 6  # rows of thumbnails: the figure stays within one PDF page at scale 1
CAPTION_SIZE = 7.0  # points
LINE_SPACING = 1.2  # caption line height / font size (matplotlib's default)
THUMB_HEIGHT = 0.8  # inches
TITLE_HEIGHT = 0.3  # inches
CELL_GAP = 0.06  # inches between cells; a group band adds its own padding
KEPT_COLOUR, OTHER_COLOUR, BAND_COLOUR = "#2ca02c", "#999999", "#eef1f3"

_TEXT = TextToPath()


def _measure(value: str, size: float) -> float:
    """Width in points of ``value`` at ``size`` in matplotlib's default font (what the captions use)."""
    return _TEXT.get_text_width_height_descent(value, FontProperties(size=size), ismath=False)[0]


def packed_rows(group_sizes: Sequence[int], *, columns: int = COLUMNS, max_rows: int = MAX_ROWS) -> list[list[int]]:
    """Groups (by index) packed in order into rows of at most ``columns`` members (a group's drawn members:
    at most ``columns``), a group never split; stops before ``max_rows`` rows would be exceeded."""
    rows: list[list[int]] = []
    used = columns
    for index, size in enumerate(group_sizes):
        size = min(size, columns)
        if used + size > columns:
            if len(rows) == max_rows:
                break
            rows.append([])
            used = 0
        rows[-1].append(index)
        used += size
    return rows


def example_groups_gallery_png(groups: Sequence[dict[str, Any]], image_root: Path) -> bytes:
    """The gallery of ``groups`` (``members`` and ``kept`` relative names, as in the report JSON)."""
    members = [list(group["members"][:MAX_MEMBERS]) for group in groups]
    rows = packed_rows([len(m) for m in members]) or [[]]
    thumbs = thumbnail_jpegs(image_root, [name for group in members for name in group])
    cell_width = FIGURE_WIDTH / COLUMNS
    caption_width = 72 * (cell_width - CELL_GAP)  # captions may use the gap between thumbnails
    captions = {name: caption_lines(name, caption_width, _measure, size=CAPTION_SIZE)
                for group in members for name in group}
    row_heights = [THUMB_HEIGHT + 2 * CELL_GAP + 0.04 + max(
        (len(captions[name][0]) * captions[name][1] * LINE_SPACING / 72 for g in row for name in members[g]),
        default=0.0) for row in rows]
    height = TITLE_HEIGHT + sum(row_heights)
    figure = plt.figure(figsize=(FIGURE_WIDTH, height))
    shown = sum(len(row) for row in rows)
    more = f" (the {shown} largest of {len(groups)} listed; all in near_duplicates.json)" if shown < len(groups) else ""
    figure.text(0.0, 1 - 0.12 / height, f"{shown} groups, kept sample framed green{more}", fontsize=8, va="top")
    top = height - TITLE_HEIGHT  # inches from the bottom
    for row, row_height in zip(rows, row_heights, strict=True):
        column = 0
        for g in row:
            names = members[g]
            band = FancyBboxPatch((column * cell_width / FIGURE_WIDTH + 0.002, (top - row_height + CELL_GAP / 2) / height),
                                  len(names) * cell_width / FIGURE_WIDTH - 0.004, (row_height - CELL_GAP) / height,
                                  boxstyle="round,pad=0,rounding_size=0.01", transform=figure.transFigure,
                                  facecolor=BAND_COLOUR, edgecolor="none", zorder=-1)
            figure.patches.append(band)
            for name in names:
                _cell(figure, thumbs.get(name), captions[name], kept=name == groups[g]["kept"],
                      left=column * cell_width + CELL_GAP, top=top - CELL_GAP, width=cell_width - 2 * CELL_GAP,
                      height=height)
                column += 1
        top -= row_height
    return _png(figure)


def _cell(figure: plt.Figure, thumb: bytes | None, caption: tuple[list[str], float], *, kept: bool, left: float,
          top: float, width: float, height: float) -> None:
    """One member: thumbnail (an empty frame when it has none) and its relative path below, in lines."""
    ax = figure.add_axes((left / FIGURE_WIDTH, (top - THUMB_HEIGHT) / height, width / FIGURE_WIDTH,
                          THUMB_HEIGHT / height))
    ax.set_xticks([])
    ax.set_yticks([])
    if thumb is not None:
        from PIL import Image  # image folders only: the image extra

        ax.imshow(Image.open(io.BytesIO(thumb)))
    for spine in ax.spines.values():
        spine.set(edgecolor=KEPT_COLOUR if kept else OTHER_COLOUR, linewidth=2.5 if kept else 0.5)
    lines, size = caption
    figure.text((left + width / 2) / FIGURE_WIDTH, (top - THUMB_HEIGHT - 0.03) / height, "\n".join(lines),
                fontsize=size, ha="center", va="top", linespacing=LINE_SPACING)
