"""Figures of the hygiene sections (PNG bytes for ``plots/``, the PDF and the HTML): near-duplicates,
outliers, per-group coverage. They read the JSON pieces of :mod:`embedscope.report.hygiene_json`."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from embedscope.report.figures import _png
from embedscope.report.near_duplicate_gallery import example_groups_gallery_png
from embedscope.report.thumbnails import thumbnail_jpegs

UNDER_COVERED_COLOUR = "#f4c7c3"
"""Row shading of an under-covered group: stands out on paper and on screen, readable in grey."""

TABLE_ROWS = 25
"""Groups per coverage table figure (under-covered first): longer tables are in the JSON."""

NEAR_DUPLICATE_GROUPS_FIGURE = "near_duplicate_groups"
"""The name (in ``plots/``) of the figure of the largest near-duplicate groups."""


def near_duplicates_png(info: dict[str, Any]) -> bytes:
    """Group-size histogram (when there are groups) and the nearest-neighbour distances near zero (threshold
    marked). The caller draws no figure when both would be empty (:func:`hygiene_json.nothing_near_zero`)."""
    if info["nGroups"]:
        figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
        sizes = info["groupSizeHistogram"]
        left.bar([int(s) for s in sizes], list(sizes.values()), width=0.8, color="#4c72b0")
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_xlim(1.4, max(int(s) for s in sizes) + 0.6)
        left.set(title=f"{info['nGroups']:,} groups, {info['nPairs']:,} pairs", xlabel="group size", ylabel="groups")
    else:
        figure, right = plt.subplots(figsize=(6, 3.2))
    near = info["nearestNeighborDistanceNearZero"]
    edges = near["edges"]
    right.stairs(near["counts"], edges, fill=True, color="#55a868")
    right.axvline(info["threshold"], color="#c44e52", linestyle="--", label=f"threshold {info['threshold']:g}")
    after = " after removal" if info["removedFromInput"] else ""
    none = "" if info["nGroups"] else "; no near-duplicate groups"
    right.set(title=f"nearest-neighbour distance near zero (input{after}){none}", xlabel="distance", ylabel="samples")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.legend()
    figure.tight_layout()
    return _png(figure)


def example_groups_png(groups: Sequence[dict[str, Any]], image_root: Path | None) -> bytes:
    """The largest groups: thumbnails with relative paths (kept one framed) for images, else a table of names."""
    if image_root is None:
        return _groups_table_png(groups)
    return example_groups_gallery_png(groups, image_root)


def _shortened(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, the middle left out: its start (folder) and end (file) stay."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[len(name) - (limit - 1 - head):]


def _groups_table_png(groups: Sequence[dict[str, Any]]) -> bytes:
    cells = [
        [_shortened(g["kept"], 40), f"{len(g['members'])}",
         _shortened(", ".join(_shortened(m, 24) for m in g["members"] if m != g["kept"]), 70),
         f"{max((p['distance'] for p in g['pairs']), default=0.0):.4f}"]
        for g in groups
    ]
    figure, ax = plt.subplots(figsize=(9, 0.3 * (len(cells) + 2)))
    ax.axis("off")
    table = ax.table(cellText=cells or [["—"] * 4], colLabels=["kept", "size", "others", "largest pair distance"],
                     loc="center", cellLoc="left", colWidths=[0.3, 0.07, 0.48, 0.15])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    return _png(figure)


def outliers_png(info: dict[str, Any], image_root: Path | None) -> bytes:
    """The radius with and without the outliers, and the first outliers (thumbnails or names)."""
    listed = info["outliers"][:8]
    figure = plt.figure(figsize=(9, 3.4))
    bars = figure.add_subplot(1, 3, 1)
    bars.bar(["with", "without"], [info["radiusWithOutliers"], info["radiusWithoutOutliers"]],
             color=["#c44e52", "#4c72b0"])
    bars.set(title=f"coverage radius ({info['nOutliers']} outliers)", ylabel="distance")
    thumbs = thumbnail_jpegs(image_root, [o["filename"] for o in listed]) if image_root is not None else {}
    for i, entry in enumerate(listed):
        ax = figure.add_subplot(2, 6, 3 + (i // 4) * 6 + i % 4)
        ax.set_xticks([])
        ax.set_yticks([])
        if entry["filename"] in thumbs:
            from PIL import Image  # image folders only: the image extra

            ax.imshow(Image.open(io.BytesIO(thumbs[entry["filename"]])))
        else:
            ax.text(0.5, 0.5, entry["filename"][-24:], ha="center", va="center", fontsize=6)
        ax.set_title(f"score {entry['outlierScore']:.3g}", fontsize=6)
    figure.tight_layout()
    return _png(figure)


def group_coverage_png(source: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """A table of one grouping, under-covered groups first and shaded."""
    ordered = sorted(rows, key=lambda row: (not row["underCovered"], row["group"]))[:TABLE_ROWS]
    header = ["group", "input", "selected", "random", "radius (sel / rand)", "mean cover (sel / rand)",
              "mean NN (sel / rand)"]
    cells = [
        [
            row["group"][:24], f"{row['nInput']:,}", f"{row['nSelected']:,}", f"{row['nRandom']:,}",
            _pair(row["coverageRadius"]), _pair(row["meanCoverageDistance"]), _pair(row["meanNearestNeighborDistance"]),
        ]
        for row in ordered
    ]
    figure, ax = plt.subplots(figsize=(9, 0.32 * (len(cells) + 2)))
    ax.axis("off")
    table = ax.table(cellText=cells or [["—"] * len(header)], colLabels=header, loc="center", cellLoc="right",
                     colWidths=[0.16, 0.09, 0.09, 0.09, 0.19, 0.19, 0.19])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for r, row in enumerate(ordered, start=1):
        if row["underCovered"]:
            for c in range(len(header)):
                table[r, c].set_facecolor(UNDER_COVERED_COLOUR)
    n_under = sum(row["underCovered"] for row in rows)
    ax.set_title(f"{source}: {n_under} of {len(rows)} groups under-covered (shaded)", fontsize=9)
    return _png(figure)


def _pair(values: dict[str, float | None]) -> str:
    return " / ".join("—" if values[k] is None else f"{values[k]:.3f}" for k in ("selected", "random"))


def blank_frames_png(info: dict[str, Any]) -> bytes:
    """The blank, uniform or grey frames: their count, the rule and the first names."""
    listed = info["frames"][:TABLE_ROWS]
    figure, ax = plt.subplots(figsize=(9, 0.3 * (len(listed) + 3)))
    ax.axis("off")
    more = f" (first {len(listed)} listed)" if info["nFrames"] > len(listed) else ""
    ax.set_title(f"{info['nFrames']:,} blank, uniform or grey frames left out of the selection{more}\n"
                 f"rule: {info['rule']}", fontsize=8)
    table = ax.table(cellText=[[name] for name in listed], colLabels=["frame"], loc="center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    return _png(figure)
