"""INPUT as a folder of videos: frames → embeddings → :class:`LoadedInputs` (the embed stage of video folders).

Frames are decoded straight to the network's 224x224 RGB input (one libswscale pass per frame) and embedded
batch by batch while the next batch decodes in a second thread, so memory holds two batches of small frames
and the (n_frames, 1280) float32 features, never the full-size frames.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE, embed_images
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.embed.projected_table import InputsOf, projected_inputs
from embedscope.errors import InputFileError
from embedscope.ingest.sample_statistics import SampleStatistics, StatisticsCollector
from embedscope.ingest.samples import LoadedInputs
from embedscope.ingest.video_frames import (
    FrameBatch,
    FrameRef,
    VideoFrameReader,
    VideoSummary,
    find_video_files,
)
from embedscope.progress import Progress, SilentProgress
from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM

logger = logging.getLogger(__name__)

Item = TypeVar("Item")



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
        statistics: the computed image metadata of every embedded frame (see
            :mod:`embedscope.ingest.sample_statistics`).
    """

    inputs: LoadedInputs
    videos: list[VideoSummary]
    frames: dict[str, FrameRef]
    frame_stride: int
    video_root: Path
    statistics: SampleStatistics | None = None

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
    names: Sequence[str] | None = None,
    frame_stride: int = 1,
    embedding_dim: int = DEFAULT_EMBEDDING_DIM,
    datapool_path: Path | None = None,
    normalize: bool = True,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    model: ModelChoice | None = None,
) -> VideoInputs:
    """Decode every video below ``video_root``, embed every ``frame_stride``-th frame, project, prepare.

    Args:
        video_root: the INPUT folder (videos found recursively, see ``VIDEO_EXTENSIONS``).
        names: only these videos (relative names), e.g. those a ``relevant_filenames_file`` lists; None: all.
        frame_stride: keep frames 0, stride, 2*stride, ... of each video.
        embedding_dim: PCA output dimension; 0 keeps the 1280 features.
        datapool_path: embeddings of frames selected earlier (same names), or None.
        normalize: L2-normalise (the embeddings already are after projection).
        progress: receives one stage and an advance per embedded batch (total unknown up front).
        batch_size: frames per network call.
        cache_dir: the model cache folder (default: see ``resolve_cache_dir``).
        model: the image model (default EfficientNet-Lite0).

    Every embedded frame's computed image metadata is measured on the same decoded pixels (see
    :mod:`embedscope.ingest.sample_statistics`).

    Memory: (n_kept_frames, 1280) float32 features (5 KB a frame) plus two batches of 224x224 RGB frames.

    Raises:
        InputFileError: no video files, no decodable frame at all, or fewer than 2 frames.
        ConfigError: ``frame_stride`` < 1 or a bad ``embedding_dim``.
    """
    root = Path(video_root)
    progress = progress or SilentProgress()
    names = video_names(root, names)
    progress.stage(f"decoding and embedding frames of {len(names):,} video(s) (stride {frame_stride})")
    feature_blocks: list[np.ndarray] = []
    summaries: list[VideoSummary] = []
    n_done = 0
    statistics = StatisticsCollector()
    first_row = 0  # the current video's first row in ``statistics``
    for item in _prefetched(_video_batches(root, names, frame_stride=frame_stride, batch_size=batch_size)):
        if isinstance(item, VideoSummary):
            summaries.append(item)
            statistics.set_size_since(first_row, (item.width, item.height))
            first_row = statistics.n_measured
            continue
        for index, pixels in zip(item.indices, item.pixels, strict=True):  # named once the video's length is known
            statistics.add(f"{len(summaries)}:{int(index)}", pixels)
        feature_blocks.append(embed_images(list(item.pixels), batch_size=batch_size, cache_dir=cache_dir, model=model))
        n_done += len(item.indices)
        progress.advance(n_done)
    return assemble_video_inputs(
        root, names, summaries, _named_by_frame(statistics.result(), summaries),
        inputs_of=projected_inputs(feature_blocks, source=root, embedding_dim=embedding_dim,
                                   datapool_path=datapool_path, normalize=normalize),
        frame_stride=frame_stride, progress=progress,
    )


def video_names(root: Path, names: Sequence[str] | None) -> list[str]:
    """``names``, or every video below ``root`` when None.

    Raises:
        InputFileError: no video.
    """
    names = list(names) if names is not None else find_video_files(root)
    if not names:
        raise InputFileError(
            root, "no video files found (looked recursively for mp4, mov, avi, mkv, webm, m4v)"
        )
    return names


def assemble_video_inputs(
    root: Path,
    names: Sequence[str],
    summaries: Sequence[VideoSummary],
    statistics: SampleStatistics,
    *,
    inputs_of: InputsOf,
    frame_stride: int,
    progress: Progress,
) -> VideoInputs:
    """The :class:`VideoInputs` of decoded videos (the local and the Ray engine's): frame names from the
    summaries, the corrupt list, and ``inputs_of(frame names, corrupt list)`` = the inputs of those frames (their
    projected embeddings with the datapool attached; the Ray engine's may hold the rows on the cluster).

    Raises:
        InputFileError: no decodable frame at all, or fewer than 2 frames.
    """
    refs = [ref for summary in summaries for ref in summary.frame_refs()]
    corrupt = {s.video: _fault(s) for s in summaries if s.fault or not s.n_frames}
    if not refs:
        first = min(corrupt)
        raise InputFileError(
            root,
            f"none of the {len(names)} video(s) has a decodable frame (first: '{first}': {corrupt[first]})",
        )
    progress.stage(f"projecting {len(refs):,} frame embeddings")
    inputs = inputs_of([ref.name for ref in refs], corrupt)
    logger.info("videos: %d, frames embedded: %d, unreadable videos: %d", len(names), len(refs), len(corrupt))
    return VideoInputs(
        inputs=inputs,
        videos=list(summaries),
        frames={ref.name: ref for ref in refs},
        frame_stride=frame_stride,
        video_root=root,
        statistics=statistics,
    )


def _named_by_frame(measured: SampleStatistics, summaries: Sequence[VideoSummary]) -> SampleStatistics:
    """The statistics keyed ``<video number>:<frame index>`` while decoding, renamed to the frame names."""
    names = {
        f"{number}:{index}": ref.name
        for number, summary in enumerate(summaries)
        for index, ref in zip(summary.sampled, summary.frame_refs(), strict=True)
    }
    return SampleStatistics(names=[names[key] for key in measured.names], columns=measured.columns)


def _fault(summary: VideoSummary) -> str:
    """The corrupt-list reason of a video: its fault, and whether any of its frames are used."""
    fault = summary.fault or "no frame could be decoded"
    if summary.n_frames:
        return f"{fault}; the {summary.n_frames} frame(s) that decoded are used"
    return fault
