"""The video parts of a report: ``videoLevelSizes`` (frames in and selected per video) and a frame timeline
figure per video."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from embedscope.embed.video_samples import VideoInputs
from embedscope.ingest.video_frames import VideoSummary
from embedscope.report.colors import SET_COLORS

TIMELINE_DPI = 150  # the report's figure resolution
TIMELINE_SIZE_INCHES = (6.4, 1.2)  # one page-wide strip per video
FAULT_COLOR = "#d62728"  # frames the container announces but that did not decode


def video_level_sizes(
    videos: VideoInputs, *, selected_names: Sequence[str], input_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """The ``videoLevelSizes`` (ext) block of the report: videos in, frames in and selected, per video.

    ``input_names``: the frames the selection chose from (default: every embedded input frame; fewer once
    blank frames or near-duplicates left the input).

    Keys: ``nVideos``, ``nVideosWithFault``, ``nVideosUnreadable``, ``frameStride``, ``nFramesDecoded``
    (every decoded frame), ``nFramesInput`` (frames in the input set), ``nFramesSelected``, and ``videos``:
    one entry per video with ``video``, ``nFramesDecoded``, ``nFramesInput``, ``nFramesSelected``, ``fps``,
    ``width``, ``height``, ``fault`` (None when the video read completely).
    """
    inputs = videos.inputs.input.names if input_names is None else input_names
    input_counts = Counter(videos.frames[name].video for name in inputs)
    selected_counts = Counter(videos.frames[name].video for name in selected_names)
    per_video = [
        {
            "video": summary.video,
            "nFramesDecoded": summary.n_frames,
            "nFramesInput": input_counts.get(summary.video, 0),
            "nFramesSelected": selected_counts.get(summary.video, 0),
            "fps": summary.fps,
            "width": summary.width,
            "height": summary.height,
            "fault": summary.fault,
        }
        for summary in videos.videos
    ]
    return {
        "nVideos": len(videos.videos),
        "nVideosWithFault": sum(1 for summary in videos.videos if summary.fault),
        "nVideosUnreadable": sum(1 for summary in videos.videos if summary.n_frames == 0),
        "frameStride": videos.frame_stride,
        "nFramesDecoded": sum(summary.n_frames for summary in videos.videos),
        "nFramesInput": len(inputs),
        "nFramesSelected": len(selected_names),
        "videos": per_video,
    }


def frame_timeline_png(
    summary: VideoSummary, *, input_indices: Sequence[int], selected_indices: Sequence[int]
) -> bytes:
    """One video's frames on a time line: input frames as grey ticks, selected frames as blue bars, and the
    frames the container announced but that did not decode as a red band.

    Args:
        summary: the video.
        input_indices: frame indices of the video's input samples.
        selected_indices: frame indices of its selected samples.

    Returns:
        PNG bytes.
    """
    figure = Figure(figsize=TIMELINE_SIZE_INCHES)
    axes = figure.subplots()
    end = max(summary.n_frames, summary.expected_frames or 0, 1)
    axes.vlines(
        np.asarray(input_indices), 0.25, 0.75, colors=SET_COLORS["input"], linewidth=0.6, label="input"
    )
    axes.vlines(
        np.asarray(selected_indices),
        0.0,
        1.0,
        colors=SET_COLORS["selected"],
        linewidth=1.6,
        label=f"selected ({len(selected_indices)})",
    )
    if summary.fault and summary.expected_frames and summary.expected_frames > summary.n_frames:
        axes.axvspan(
            summary.n_frames, summary.expected_frames, color=FAULT_COLOR, alpha=0.25, label="not decodable"
        )
    axes.set_xlim(-0.5, end - 0.5)
    axes.set_ylim(0.0, 1.0)
    axes.set_yticks([])
    axes.set_xlabel("frame index")
    axes.set_title(
        f"{summary.video}: {len(selected_indices)} of {len(input_indices)} frames selected", fontsize=9
    )
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)  # beside, not over, frames
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=TIMELINE_DPI, bbox_inches="tight")
    return buffer.getvalue()


def frame_timelines(
    videos: VideoInputs,
    *,
    selected_names: Sequence[str],
    limit: int | None = None,
    input_names: Sequence[str] | None = None,
) -> dict[str, bytes]:
    """Video name → :func:`frame_timeline_png`, for the videos with input frames, in name order (the first
    ``limit`` when given); ``input_names`` as for :func:`video_level_sizes`."""
    input_frames: dict[str, list[int]] = {}
    for name in videos.inputs.input.names if input_names is None else input_names:
        ref = videos.frames[name]
        input_frames.setdefault(ref.video, []).append(ref.index)
    selected_frames: dict[str, list[int]] = {}
    for name in selected_names:
        ref = videos.frames[name]
        selected_frames.setdefault(ref.video, []).append(ref.index)
    shown = [summary for summary in videos.videos if summary.video in input_frames][:limit]
    return {
        summary.video: frame_timeline_png(
            summary,
            input_indices=sorted(input_frames[summary.video]),
            selected_indices=sorted(selected_frames.get(summary.video, [])),
        )
        for summary in shown
    }
