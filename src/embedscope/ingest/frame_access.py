"""Chosen video frames decoded again after the run's decode pass: as images (thumbnails) or as PNG files
(``--export-frames``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from av.video.reformatter import VideoReformatter
from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.video_frames import FrameRef, decoded_frames, frame_rotation, upright_pixels
from embedscope.io.atomic import atomic_path


def read_frames(video_root: Path, frames: Iterable[FrameRef]) -> Iterator[tuple[FrameRef, Image.Image]]:
    """The given frames as full-size upright RGB images (e.g. to export them or make thumbnails).

    Each video is decoded once, from its start up to its last requested frame; videos in name order,
    frames in index order.

    Raises:
        InputFileError: a requested frame does not exist in its video (e.g. the file changed since).
    """
    by_video: dict[str, dict[int, FrameRef]] = {}
    for ref in frames:
        by_video.setdefault(ref.video, {})[ref.index] = ref
    for video in sorted(by_video):
        wanted = by_video[video]
        remaining = set(wanted)
        reformatter = VideoReformatter()
        for index, frame in decoded_frames(Path(video_root) / video):
            if index in remaining:
                pixels = upright_pixels(reformatter.reformat(frame, format="rgb24").to_ndarray(), frame_rotation(frame))
                yield wanted[index], Image.fromarray(pixels)
                remaining.discard(index)
                if not remaining:
                    break
        if remaining:
            raise InputFileError(
                Path(video_root) / video,
                f"has no frame {min(remaining)}; was the video changed during the run?",
            )


def export_frames(video_root: Path, frames: Iterable[FrameRef], out_dir: Path) -> list[Path]:
    """Write the given frames as full-size upright RGB PNGs to ``out_dir / <frame name>`` (--export-frames).

    Returns:
        The written files, videos in name order, frames in index order.

    Raises:
        InputFileError: a requested frame does not exist in its video.
    """
    written: list[Path] = []
    for ref, image in read_frames(video_root, frames):
        target = Path(out_dir) / ref.name
        with atomic_path(target) as tmp:  # a crash never leaves a half-written PNG under the frame's name
            image.save(tmp, format="PNG")
        written.append(target)
    return written
