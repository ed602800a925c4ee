"""Videos as a stream of frames (PyAV): finding video files, decoding frames, naming them, writing them out.

Frame name convention (LightlyOne's, from ``lightly.data._video.VideoDataset``)::

    <video path without extension>-<frame index>-<video extension>.png

e.g. frame 153 of ``drive/cam.mp4`` (1,000 frames) is ``drive/cam-0153-mp4.png``: the index counts decoded
frames from 0 in presentation order and is zero-padded to the number of digits of the video's frame count.
In a damaged video, frames after a gap are counted on from the last frame that decoded (the same count is
used when frames are read again for export, so names stay consistent).

A video that cannot be opened yields no frame; a truncated or damaged video yields the frames that decode,
and its fault is reported (:attr:`VideoSummary.fault`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import av
import numpy as np
from av.video.frame import VideoFrame
from av.video.reformatter import Interpolation, VideoReformatter

from embedscope.errors import ConfigError
from embedscope.ingest.file_walk import find_files, link_problem

logger = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"})
FRAME_EXTENSION = "png"
DEFAULT_BATCH_SIZE = 64  # frames handed on at a time: 64 x 224 x 224 x 3 bytes = 9.6 MB
MAX_CONSECUTIVE_PACKET_ERRORS = 50  # past this many undecodable packets in a row the rest is taken as garbage
DURATION_TOLERANCE = 0.05  # frame counts estimated from duration x rate are approximate (VFR, rounding)
RIGHT_ANGLE = 90  # display rotations are multiples of 90 degrees
THREAD_TYPE = "AUTO"  # frame + slice threads in the decoder: several times faster for H.264/HEVC
INTERPOLATION = Interpolation.BILINEAR  # libswscale widens it when shrinking (antialiased), like Pillow's


@dataclass(frozen=True)
class FrameRef:
    """One frame that became a sample.

    Attributes:
        name: the frame's name (see the module docstring).
        video: the video's name, relative to the input folder with ``/`` separators.
        index: the frame's index in the video (0-based, decoded frames in presentation order).
        pts: the frame's presentation timestamp in the stream's time base, None when the container has none.
        seconds: the presentation time in seconds (pts x time base), None when unknown.
    """

    name: str
    video: str
    index: int
    pts: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class FrameBatch:
    """Consecutive sampled frames of one video.

    Attributes:
        indices: (b,) int64 frame indices.
        pixels: (b, height, width, 3) uint8 RGB, upright (display rotation applied).
    """

    indices: np.ndarray
    pixels: np.ndarray


@dataclass(frozen=True)
class VideoSummary:
    """What decoding one video gave.

    Attributes:
        video: the video's name.
        n_frames: frames decoded (every frame, before the stride).
        sampled: (n_sampled,) indices of the frames that became samples (every ``frame_stride``-th).
        fps: the average frame rate the container states, or None.
        width, height: the upright frame size in pixels (0 when nothing decoded).
        expected_frames: the frame count the container declares or its duration implies, or None.
        fault: why the video could not be read completely, or None.
        sampled_pts, sampled_seconds: the presentation timestamp (stream time base) and time in seconds of
            each sampled frame (None where unknown); empty when not recorded.
    """

    video: str
    n_frames: int
    sampled: list[int]
    fps: float | None = None
    width: int = 0
    height: int = 0
    expected_frames: int | None = None
    fault: str | None = None
    sampled_pts: list[int | None] = field(default_factory=list)
    sampled_seconds: list[float | None] = field(default_factory=list)

    def frame_refs(self) -> list[FrameRef]:
        """A :class:`FrameRef` per sampled frame, named with this video's frame count."""
        times = zip(self.sampled_pts, self.sampled_seconds, strict=True) if self.sampled_pts else None
        refs = []
        for index in self.sampled:
            pts, seconds = next(times) if times is not None else (None, None)
            name = frame_name(self.video, index, n_frames=self.n_frames)
            refs.append(FrameRef(name=name, video=self.video, index=index, pts=pts, seconds=seconds))
        return refs


def is_video_name(name: str) -> bool:
    """True when ``name`` has one of :data:`VIDEO_EXTENSIONS` (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def find_video_files(root: Path) -> list[str]:
    """Every video file below ``root``, recursively, as relative names with ``/`` separators, sorted by
    code point (the same order on every platform). Links to files are followed, links to folders are not.

    Raises:
        InputFileError: ``root`` is not an existing folder.
    """
    return find_files(root, is_video_name, kind="videos")


def frame_name(video: str, index: int, *, n_frames: int) -> str:
    """``<video path without extension>-<index zero-padded to len(str(n_frames))>-<extension>.png``."""
    path = PurePosixPath(video)
    extension = path.suffix.removeprefix(".")
    padding = len(str(max(n_frames, 1)))
    return f"{path.with_suffix('').as_posix()}-{index:0{padding}d}-{extension}.{FRAME_EXTENSION}"


def upright_pixels(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """``pixels`` turned by the display rotation (degrees counter-clockwise, a multiple of 90)."""
    turns = (rotation // RIGHT_ANGLE) % 4
    return np.ascontiguousarray(np.rot90(pixels, k=turns)) if turns else pixels


def frame_rotation(frame: VideoFrame) -> int:
    try:
        return int(frame.rotation)
    except (AttributeError, ValueError, TypeError):
        return 0


def _describe(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).splitlines()[0]


class VideoFrameReader:
    """Decodes one video frame by frame and hands on every ``frame_stride``-th frame in batches.

    Iterate over :meth:`batches`; afterwards :attr:`summary` tells how many frames there were and any fault.

    Args:
        path: the video file.
        name: the video's name in the run (for the summary and frame names).
        frame_stride: keep frames 0, stride, 2*stride, ... (1 keeps every frame).
        size: (width, height) to scale every kept frame to while converting it to RGB (one libswscale pass,
            much cheaper than converting at full size and resizing); None keeps the full size.
        batch_size: frames per :class:`FrameBatch`.

    Memory: one batch of frames at ``size``, plus the decoder's reference frames.
    """

    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        frame_stride: int = 1,
        size: tuple[int, int] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if frame_stride < 1:
            raise ConfigError(f"--frame-stride must be at least 1, got {frame_stride}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.path = Path(path)
        self.name = name if name is not None else self.path.name
        self.frame_stride = frame_stride
        self.size = size
        self.batch_size = batch_size
        self._summary: VideoSummary | None = None

    @property
    def summary(self) -> VideoSummary:
        """The result of the finished iteration.

        Raises:
            RuntimeError: :meth:`batches` was not iterated to the end.
        """
        if self._summary is None:
            raise RuntimeError("iterate VideoFrameReader.batches() to the end before reading its summary")
        return self._summary

    def batches(self) -> Iterator[FrameBatch]:
        """Yield the kept frames in batches; sets :attr:`summary` when done."""
        scan = DecodeState()
        reformatter = VideoReformatter()  # keeps its libswscale context: 3-4x faster than one per frame
        indices: list[int] = []
        pixels: list[np.ndarray] = []
        kept_pts: list[int | None] = []
        kept_seconds: list[float | None] = []
        for index, frame in decoded_frames(self.path, scan):
            if index % self.frame_stride:
                continue
            kept_pts.append(frame.pts)
            kept_seconds.append(float(frame.time) if frame.time is not None else None)
            indices.append(index)
            pixels.append(self._pixels(frame, scan, reformatter))
            if len(indices) == self.batch_size:
                yield FrameBatch(indices=np.asarray(indices, dtype=np.int64), pixels=np.stack(pixels))
                indices, pixels = [], []
        if indices:
            yield FrameBatch(indices=np.asarray(indices, dtype=np.int64), pixels=np.stack(pixels))
        n_frames = scan.n_frames
        self._summary = VideoSummary(
            video=self.name,
            n_frames=n_frames,
            sampled=list(range(0, n_frames, self.frame_stride)),
            fps=scan.fps,
            width=scan.width,
            height=scan.height,
            expected_frames=scan.expected_frames,
            fault=scan.fault(),
            sampled_pts=kept_pts,
            sampled_seconds=kept_seconds,
        )
        if self._summary.fault:
            logger.warning("video %s: %s", self.name, self._summary.fault)

    def _pixels(self, frame: VideoFrame, scan: DecodeState, reformatter: VideoReformatter) -> np.ndarray:
        rotation = frame_rotation(frame)
        turned = (rotation // RIGHT_ANGLE) % 2 == 1
        if not scan.width:
            scan.width, scan.height = (frame.height, frame.width) if turned else (frame.width, frame.height)
        if self.size is None:
            converted = reformatter.reformat(frame, format="rgb24")
        else:
            width, height = (self.size[1], self.size[0]) if turned else self.size
            converted = reformatter.reformat(
                frame, width=width, height=height, format="rgb24", interpolation=INTERPOLATION
            )
        return upright_pixels(converted.to_ndarray(), rotation)


@dataclass
class DecodeState:
    """What :func:`decoded_frames` learnt about a video while decoding it.

    Attributes:
        n_frames: frames decoded so far.
        fps: the stream's average (or guessed) frame rate, or None.
        width, height: the upright frame size (set by the first converted frame), else 0.
        declared_frames: the frame count the container states, or None.
        duration_frames: duration x frame rate, or None.
        open_error, read_error: why the file could not be opened / why reading stopped early.
        n_packet_errors, first_packet_error: undecodable packets that were skipped.
    """

    n_frames: int = 0
    fps: float | None = None
    width: int = 0
    height: int = 0
    declared_frames: int | None = None
    duration_frames: int | None = None
    open_error: str | None = None
    read_error: str | None = None
    n_packet_errors: int = 0
    first_packet_error: str | None = None

    @property
    def expected_frames(self) -> int | None:
        """The frame count the container declares, else the one its duration implies, else None."""
        return self.declared_frames if self.declared_frames is not None else self.duration_frames

    def _short_of_duration(self) -> bool:
        if self.duration_frames is None:
            return False
        return self.n_frames < self.duration_frames * (1.0 - DURATION_TOLERANCE) - 1

    def fault(self) -> str | None:
        """One line describing what went wrong, or None.

        A video counts as short when fewer frames decoded than the container declares and, if it states a
        duration, also clearly fewer than that duration implies (a declared count may include frames an
        edit list hides, which are rightly not decoded).
        """
        if self.open_error is not None:
            return self.open_error
        parts: list[str] = []
        if self.n_packet_errors:
            parts.append(
                f"{self.n_packet_errors} packet(s) could not be decoded (first: {self.first_packet_error})"
            )
        if self.read_error is not None:
            parts.append(f"reading stopped after {self.n_frames} frame(s): {self.read_error}")
        if self.declared_frames is not None:
            if self.n_frames < self.declared_frames and (
                self.duration_frames is None or self._short_of_duration()
            ):
                parts.append(
                    f"decoded {self.n_frames} of the {self.declared_frames} frames the container declares"
                )
        elif self._short_of_duration():
            parts.append(
                f"decoded {self.n_frames} frame(s), the container's duration implies about "
                f"{self.duration_frames}"
            )
        if self.n_frames == 0 and not parts:
            parts.append("no frame could be decoded")
        return "; ".join(parts) or None


def _read_stream_info(
    state: DecodeState, container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> None:
    rate = stream.average_rate or stream.guessed_rate
    state.fps = float(rate) if rate else None
    state.declared_frames = int(stream.frames) if stream.frames else None
    if container.duration and rate:
        state.duration_frames = round(container.duration / av.time_base * float(rate))


def decoded_frames(path: Path, state: DecodeState | None = None) -> Iterator[tuple[int, VideoFrame]]:
    """Every decodable frame of the first video stream of ``path``, with its index, in presentation order.

    Damage does not stop decoding: undecodable packets are skipped (up to
    :data:`MAX_CONSECUTIVE_PACKET_ERRORS` in a row), a read error ends the video; both are recorded in
    ``state``. The decoder uses frame and slice threads.
    """
    state = state if state is not None else DecodeState()
    if (broken := link_problem(path)) is not None:
        state.open_error = broken
        return
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as error:
        state.open_error = f"cannot open: {_describe(error)}"
        return
    with container:
        if not container.streams.video:
            state.open_error = "holds no video stream"
            return
        stream = container.streams.video[0]
        stream.thread_type = THREAD_TYPE
        _read_stream_info(state, container, stream)
        consecutive_errors = 0
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError as error:
                    state.n_packet_errors += 1
                    state.first_packet_error = state.first_packet_error or _describe(error)
                    consecutive_errors += 1
                    if consecutive_errors > MAX_CONSECUTIVE_PACKET_ERRORS:
                        state.read_error = (
                            f"more than {MAX_CONSECUTIVE_PACKET_ERRORS} undecodable packets in a row"
                        )
                        return
                    continue
                consecutive_errors = 0
                for frame in frames:
                    if isinstance(frame, VideoFrame):
                        yield state.n_frames, frame
                        state.n_frames += 1
        except av.FFmpegError as error:
            state.read_error = _describe(error)
