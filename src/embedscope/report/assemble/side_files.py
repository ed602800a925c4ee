"""Files written beside the report, as plain data (picklable, no callback): the writer is
:func:`embedscope.report.write_outputs.write_side_outputs`. Importing this module needs no image extra."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PyAV: only video runs build a FrameExport
    from embedscope.ingest.video_frames import FrameRef

FRAMES_FOLDER = "frames"  # --export-frames writes OUT/frames/<frame name>


@dataclass(frozen=True)
class SideFile:
    """A text file written beside the report (e.g. ``skipped_predictions.json``), relative to OUT."""

    relative_path: str
    text: str


@dataclass(frozen=True)
class FrameExport:
    """``--export-frames``: the selected frames, decoded again and written as PNGs to OUT/``folder``."""

    video_root: Path
    refs: list[FrameRef]
    folder: str = FRAMES_FOLDER


SideOutput = SideFile | FrameExport
