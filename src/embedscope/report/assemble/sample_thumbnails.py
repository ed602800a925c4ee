"""Small previews of the run's samples for the documents (hover boxes, example galleries): image files, object
crops cut again from their images, or video frames decoded again."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.image_decode import ImageDecodeError
from embedscope.ingest.samples import LoadedInputs
from embedscope.report.thumbnails import MAX_THUMBNAILS, THUMBNAIL_JPEG_QUALITY, THUMBNAIL_PX, thumbnail_jpegs

logger = logging.getLogger(__name__)

MAX_FRAMES_REDECODED = 20_000
"""Frames decoded again for video thumbnails (about 20 s): each video with a wanted frame is decoded from its
start to its last wanted frame; videos beyond this budget get no thumbnails."""


def sample_thumbnails(
    inputs: LoadedInputs, names: Iterable[str], *, input_path: Path, limit: int = MAX_THUMBNAILS
) -> dict[str, bytes]:
    """Sample name → JPEG thumbnail (longest side THUMBNAIL_PX) for the first ``limit`` distinct ``names``.

    Args:
        inputs: the run's inputs; image folders, object crops and video frames get thumbnails, embeddings
            files none.
        names: sample names, most wanted first (callers put the selected samples first).
        input_path: the run's INPUT (the folder crops are cut from).
    """
    from embedscope.embed.folder_samples import FolderInputs

    if isinstance(inputs, FolderInputs) and inputs.crops is not None:
        return _crop_thumbnails(inputs, _first_distinct(names, limit), image_root=input_path)
    if isinstance(inputs, FolderInputs) and inputs.videos is not None:
        return _frame_thumbnails(inputs, _first_distinct(names, limit))
    if inputs.image_root is not None:
        return thumbnail_jpegs(inputs.image_root, names, limit=limit)
    return {}


def _first_distinct(names: Iterable[str], limit: int) -> list[str]:
    first: dict[str, None] = {}
    for name in names:
        if len(first) >= limit:
            break
        first.setdefault(name)
    return list(first)


def _jpeg(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=THUMBNAIL_JPEG_QUALITY)
    return buffer.getvalue()


def _crop_thumbnails(inputs: LoadedInputs, names: list[str], *, image_root: Path) -> dict[str, bytes]:
    """Each source image is decoded once for all its wanted crops."""
    from embedscope.embed.folder_samples import FolderInputs
    from embedscope.ingest.image_decode import decode_image

    assert isinstance(inputs, FolderInputs) and inputs.crops is not None
    specs = inputs.crops.by_name()
    by_image: dict[str, list[str]] = {}
    for name in names:
        if name in specs:
            by_image.setdefault(specs[name].image, []).append(name)
    found: dict[str, bytes] = {}
    for image_name, crop_names in by_image.items():
        try:
            image = decode_image(Path(image_root) / image_name)
        except ImageDecodeError as error:
            logger.debug("no crop thumbnails from %s: %s", image_name, error)
            continue
        for name in crop_names:
            found[name] = _jpeg(image.crop(specs[name].box))
    return {name: found[name] for name in names if name in found}


def _frame_thumbnails(inputs: LoadedInputs, names: list[str]) -> dict[str, bytes]:
    """Videos in the order their first wanted frame appears in ``names``, while the decode budget lasts."""
    from embedscope.embed.folder_samples import FolderInputs
    from embedscope.ingest.frame_access import read_frames

    assert isinstance(inputs, FolderInputs) and inputs.videos is not None
    frames = inputs.videos.frames
    by_video: dict[str, list[str]] = {}
    for name in names:
        if name in frames:
            by_video.setdefault(frames[name].video, []).append(name)
    chosen, budget = [], MAX_FRAMES_REDECODED
    for video_names in by_video.values():
        cost = 1 + max(frames[name].index for name in video_names)
        if cost > budget:
            continue
        budget -= cost
        chosen += [frames[name] for name in video_names]
    found: dict[str, bytes] = {}
    try:
        for ref, image in read_frames(inputs.videos.video_root, chosen):
            found[ref.name] = _jpeg(image)
    except InputFileError as error:  # the video changed since it was embedded: keep what decoded
        logger.warning("video thumbnails incomplete: %s", error)
    return {name: found[name] for name in names if name in found}
