"""INPUT as a folder of videos: frames → embeddings → :class:`LoadedInputs`, plus per-video counts
(``videoLevelSizes``) and a frame timeline figure per video for the report.

Frames are decoded straight to the network's 224x224 RGB input (one libswscale pass per frame) and embedded
batch by batch while the next batch decodes in a second thread, so memory holds two batches of small frames
and the (n_frames, 1280) float32 features, never the full-size frames.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from matplotlib.figure import Figure

from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE, embed_images
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.errors import InputFileError
from embedscope.ingest.video_frames import (
    FrameBatch,
    FrameRef,
    VideoFrameReader,
    VideoSummary,
    find_video_files,
)
from embedscope.pipeline.inputs import LoadedInputs, prepare_inputs
from embedscope.pipeline.parameters import DEFAULT_EMBEDDING_DIM
from embedscope.pipeline.progress import Progress, SilentProgress
from embedscope.pipeline.projected_table import projected_table
from embedscope.report.colors import SET_COLORS

logger = logging.getLogger(__name__)

Item = TypeVar("Item")

TIMELINE_DPI = 150  # the report's figure resolution
TIMELINE_SIZE_INCHES = (6.4, 1.2)  # one page-wide strip per video
FAULT_COLOR = "#d62728"  # frames the container announces but that did not decode


@dataclass(frozen=True)
class VideoInputs:
    """The run's inputs when INPUT is a folder of videos.

    Attributes:
        inputs: one sample per kept frame (names: :func:`~embedscope.ingest.video_frames.frame_name`);
            ``corrupt`` lists every video with a fault (video name → reason; the frames that decoded before
            or around the damage are samples all the same); ``image_root`` is None because frames are not
            files (see :func:`~embedscope.ingest.video_frames.read_frames`).
        videos: every video found, in name order, with its frame count and fault.
        frames: frame name → :class:`FrameRef`, for every embedded frame (also those taken out of the input
            because the datapool holds them).
        frame_stride: every how many frames one was kept.
        video_root: the input folder.
    """

    inputs: LoadedInputs
    videos: list[VideoSummary]
    frames: dict[str, FrameRef]
    frame_stride: int
    video_root: Path

    def refs(self, names: Sequence[str]) -> list[FrameRef]:
        """The :class:`FrameRef` of each frame name (e.g. the selected ones, for ``--export-frames``)."""
        return [self.frames[name] for name in names]


def _prefetched(items: Iterator[Item]) -> Iterator[Item]:
    """``items`` produced one step ahead in a second thread (decoding overlaps embedding)."""
    done = object()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = pool.submit(next, items, done)
            yield item  # type: ignore[misc]


def _video_batches(
    root: Path, videos: Sequence[str], *, frame_stride: int, batch_size: int
) -> Iterator[FrameBatch | VideoSummary]:
    """Each video's frame batches, followed by its summary."""
    for video in videos:
        reader = VideoFrameReader(
            root / video,
            name=video,
            frame_stride=frame_stride,
            size=(INPUT_SIZE, INPUT_SIZE),
            batch_size=batch_size,
        )
        yield from reader.batches()
        yield reader.summary


def load_video_inputs(
    video_root: Path,
    *,
    frame_stride: int = 1,
    embedding_dim: int = DEFAULT_EMBEDDING_DIM,
    datapool_path: Path | None = None,
    normalize: bool = True,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
) -> VideoInputs:
    """Decode every video below ``video_root``, embed every ``frame_stride``-th frame, project, prepare.

    Args:
        video_root: the INPUT folder (videos found recursively, see ``VIDEO_EXTENSIONS``).
        frame_stride: keep frames 0, stride, 2*stride, ... of each video.
        embedding_dim: PCA output dimension; 0 keeps the 1280 features.
        datapool_path: embeddings of frames selected earlier (same names), or None.
        normalize: L2-normalise (the embeddings already are after projection).
        progress: receives one stage and an advance per embedded batch (total unknown up front).
        batch_size: frames per network call.
        cache_dir: the model cache folder (default: see ``resolve_cache_dir``).

    Memory: (n_kept_frames, 1280) float32 features (5 KB a frame) plus two batches of 224x224 RGB frames.

    Raises:
        InputFileError: no video files, no decodable frame at all, or fewer than 2 frames.
        ConfigError: ``frame_stride`` < 1 or a bad ``embedding_dim``.
    """
    root = Path(video_root)
    progress = progress or SilentProgress()
    names = find_video_files(root)
    if not names:
        raise InputFileError(
            root, "no video files found (looked recursively for mp4, mov, avi, mkv, webm, m4v)"
        )
    progress.stage(f"decoding and embedding frames of {len(names):,} video(s) (stride {frame_stride})")
    feature_blocks: list[np.ndarray] = []
    summaries: list[VideoSummary] = []
    n_done = 0
    for item in _prefetched(_video_batches(root, names, frame_stride=frame_stride, batch_size=batch_size)):
        if isinstance(item, VideoSummary):
            summaries.append(item)
            continue
        feature_blocks.append(embed_images(list(item.pixels), batch_size=batch_size, cache_dir=cache_dir))
        n_done += len(item.indices)
        progress.advance(n_done)
    refs = [ref for summary in summaries for ref in summary.frame_refs()]
    corrupt = {s.video: _fault(s) for s in summaries if s.fault or not s.n_frames}
    if not refs:
        first = min(corrupt)
        raise InputFileError(
            root,
            f"none of the {len(names)} video(s) has a decodable frame (first: '{first}': {corrupt[first]})",
        )
    progress.stage(f"projecting {len(refs):,} frame embeddings")
    table = projected_table(feature_blocks, [ref.name for ref in refs], source=root, embedding_dim=embedding_dim)
    inputs = prepare_inputs(table, datapool_path=datapool_path, normalize=normalize, corrupt=corrupt)
    logger.info("videos: %d, frames embedded: %d, unreadable videos: %d", len(names), len(refs), len(corrupt))
    return VideoInputs(
        inputs=inputs,
        videos=summaries,
        frames={ref.name: ref for ref in refs},
        frame_stride=frame_stride,
        video_root=root,
    )


def _fault(summary: VideoSummary) -> str:
    """The corrupt-list reason of a video: its fault, and whether any of its frames are used."""
    fault = summary.fault or "no frame could be decoded"
    if summary.n_frames:
        return f"{fault}; the {summary.n_frames} frame(s) that decoded are used"
    return fault


def video_level_sizes(videos: VideoInputs, *, selected_names: Sequence[str]) -> dict[str, Any]:
    """The ``videoLevelSizes`` (ext) block of the report: videos in, frames in and selected, per video.

    Keys: ``nVideos``, ``nVideosWithFault``, ``nVideosUnreadable``, ``frameStride``, ``nFramesDecoded``
    (every decoded frame), ``nFramesInput`` (frames in the input set), ``nFramesSelected``, and ``videos``:
    one entry per video with ``video``, ``nFramesDecoded``, ``nFramesInput``, ``nFramesSelected``, ``fps``,
    ``width``, ``height``, ``fault`` (None when the video read completely).
    """
    input_counts = Counter(videos.frames[name].video for name in videos.inputs.input.names)
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
        "nFramesInput": len(videos.inputs.input),
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
    videos: VideoInputs, *, selected_names: Sequence[str], limit: int | None = None
) -> dict[str, bytes]:
    """Video name → :func:`frame_timeline_png`, for the videos with input frames, in name order (the first
    ``limit`` when given)."""
    input_frames: dict[str, list[int]] = {}
    for name in videos.inputs.input.names:
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
