"""An upper bound of the frames a video folder run will sample, from the containers' headers alone (no
decoding), so that a sample request that cannot be met fails before any frame is embedded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av

FRAME_COUNT_SLACK = 1.05
"""Headers' frame counts and durations are estimates (a rounded duration, a variable frame rate): the bound
allows 5 % more frames than the larger of the two, so that it stays an upper bound."""


def declared_frames(path: Path) -> int | None:
    """The larger of a video's declared frame count and its duration x frame rate; None when the header
    says neither or the file cannot be opened (the decoding reports that file later).

    Cost: opening the container (header only).
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            counts = [int(stream.frames)] if stream.frames else []
            rate = stream.average_rate or stream.guessed_rate
            if container.duration and rate:
                counts.append(round(container.duration / av.time_base * float(rate)))
    except (OSError, av.FFmpegError, ValueError):
        return None
    return max(counts) if counts else None


def sampled_frames_at_most(root: Path, videos: Sequence[str], *, frame_stride: int) -> int | None:
    """Frames the run samples from ``videos`` (names relative to ``root``) at most: every ``frame_stride``-th
    of each video's :func:`declared_frames` (with :data:`FRAME_COUNT_SLACK`); None when any video's count is
    unknown (no bound).

    Args:
        frame_stride: ``--frame-stride`` (>= 1).
    """
    total = 0
    for name in videos:
        count = declared_frames(Path(root) / name)
        if count is None:
            return None
        bound = int(count * FRAME_COUNT_SLACK) + 1
        total += -(-bound // frame_stride)
    return total
