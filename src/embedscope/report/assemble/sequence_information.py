"""``data/sequence_information.json`` of a sequence selection, in LightlyOne's documented shape: a list with one
object per selected sequence, ``{"video_name", "frame_names", "frame_timestamps_pts", "frame_indices"}``
(docs: https://docs.lightly.ai/docs/sequence-selection, "Sequence Selection Information")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from embedscope.embed.video_samples import VideoInputs
from embedscope.ingest.video_frames import FrameRef
from embedscope.select.sequences import sequence_key

SEQUENCE_INFORMATION_FILE = "data/sequence_information.json"  # where LightlyOne's worker writes it


def sequence_information(videos: VideoInputs, selected_names: Sequence[str], *, length: int) -> list[dict[str, Any]]:
    """One entry per selected sequence, sequences by video and first frame, frames in frame order.

    ``frame_timestamps_pts`` are the frames' presentation timestamps in the video stream's time base (what
    ``ffmpeg -filter trim=start_pts=…:end_pts=…`` takes); None for a frame whose container gives none.
    """
    groups: dict[tuple[str, int], list[FrameRef]] = {}
    for name in selected_names:
        ref = videos.frames[name]
        groups.setdefault(sequence_key(ref, length=length, frame_stride=videos.frame_stride), []).append(ref)
    entries = []
    for key in sorted(groups):
        refs = sorted(groups[key], key=lambda ref: ref.index)
        entries.append({
            "video_name": key[0],
            "frame_names": [ref.name for ref in refs],
            "frame_timestamps_pts": [ref.pts for ref in refs],
            "frame_indices": [ref.index for ref in refs],
        })
    return entries


def sequence_information_json(videos: VideoInputs, selected_names: Sequence[str], *, length: int) -> str:
    """:func:`sequence_information` as indented JSON text."""
    return json.dumps(sequence_information(videos, selected_names, length=length), indent=4)
