"""The ingest stage of a folder INPUT: which kind of samples it holds (images, video frames or object crops),
the image scan (corrupt and exact-duplicate files), and the detection predictions — everything that is read
before any sample is embedded, so that a bad flag or side file fails fast."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.auto_task_boxes import AutoTaskSpec
from embedscope.ingest.image_files import IMAGE_EXTENSIONS, find_image_files
from embedscope.ingest.image_folder import ImageFolderScan, scan_image_folder
from embedscope.ingest.predictions.run_predictions import (
    RunPredictions,
    check_prediction_flags,
    has_predictions,
    read_run_predictions,
)
from embedscope.ingest.video_frames import VIDEO_EXTENSIONS, find_video_files
from embedscope.io.relevant_filenames import read_relevant_filenames
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters

logger = logging.getLogger(__name__)

FolderKind = Literal["images", "videos", "crops"]


@dataclass(frozen=True)
class FolderPlan:
    """What the embed stage embeds for a folder INPUT (plain data: picklable, no open files).

    Attributes:
        root: the INPUT folder.
        kind: ``images`` (one sample per image), ``videos`` (one per kept frame) or ``crops`` (one per object
            of ``--object-level TASK``).
        scan: the image scan (images and crops; None for videos).
        predictions: the detection tasks read against the scan's images, or None.
        object_task: the task whose objects are the samples (``kind`` crops), else None.
        auto_tasks: the auto tasks generated as predictions (their crops are cut without padding).
        videos: the videos that take part (a ``relevant_filenames_file`` lists them), or None: every video.
    """

    root: Path
    kind: FolderKind
    scan: ImageFolderScan | None = None
    predictions: RunPredictions | None = None
    videos: list[str] | None = None
    object_task: str | None = None
    auto_tasks: tuple[AutoTaskSpec, ...] = ()


def _extensions(extensions: frozenset[str]) -> str:
    return ", ".join(sorted(extension.removeprefix(".") for extension in extensions))


ScanFolder = Callable[..., ImageFolderScan]  # (root, *, relevant=None), as scan_image_folder


def plan_folder(
    params: RunParameters,
    progress: Progress,
    *,
    scan_folder: ScanFolder = scan_image_folder,
    auto_tasks: Sequence[AutoTaskSpec] = (),
    object_task: str | None = None,
) -> FolderPlan:
    """Ingest the folder ``params.input_path``: its kind, the scan of its images and their predictions.

    A folder holds images or videos, not both (as a LightlyOne dataset is of one type). Predictions are read
    for image folders only; ``--object-level TASK`` makes the crops of that task the samples.

    Cost: one pass over the files (hash + header check per image, by ``scan_folder``: in this process, or
    on a cluster for the Ray executor), then the prediction files.

    Args:
        auto_tasks: LightlyOne's auto tasks (tiling, fixed crops), generated as predictions of every image.
        object_task: the task a selection config's EMBEDDINGS input names (the same as ``--object-level``).

    Raises:
        InputFileError: no image or video files; a prediction source that cannot be read.
        ConfigError: images and videos mixed; predictions or ``--object-level`` with videos; bad flags.
    """
    check_prediction_flags(params)
    if object_task is not None:
        if params.object_level_task not in (None, object_task):
            raise ConfigError(f"--object-level '{params.object_level_task}' and the selection config's EMBEDDINGS "
                              f"task '{object_task}' differ; name one task")
        params = dataclasses.replace(params, object_level_task=object_task)
    root = params.input_path
    image_files = find_image_files(root)
    n_images, n_videos = len(image_files), len(find_video_files(root))
    if n_images == 0 and n_videos == 0:
        raise InputFileError(
            root,
            f"no image or video files found (looked recursively for {_extensions(IMAGE_EXTENSIONS)}, "
            f"{_extensions(VIDEO_EXTENSIONS)})",
        )
    if n_images and n_videos:
        raise ConfigError(
            f"{root}: holds both images ({n_images}) and videos ({n_videos}); a run analyses one kind, "
            "so put images and videos in separate folders"
        )
    if n_videos:
        if auto_tasks:
            raise ConfigError(f"{root}: holds videos; the selection config's auto_tasks (tiling, fixed crops) "
                              "work on image folders")
        if params.object_level_task is not None or params.coco_path or params.yolo_path:
            raise ConfigError(
                f"{root}: holds videos; predictions (--coco, --yolo) and --object-level work on image folders"
            )
        if params.selected_sequence_length != 1 and params.extra.get("outliers") is not None:
            raise ConfigError("--outliers selects single samples; it does not work with selected_sequence_length")
        return FolderPlan(root=root, kind="videos", videos=_relevant_videos(root, params.relevant_filenames_path))
    if params.selected_sequence_length != 1:
        raise ConfigError(f"{root}: selected_sequence_length works on folders of videos (as in LightlyOne); "
                          "this folder holds images")
    if params.export_frames or params.frame_stride != 1:
        logger.warning("%s holds images, not videos: --frame-stride and --export-frames have no effect", root)
    if params.object_level_task is not None and not (has_predictions(params) or auto_tasks):
        raise ConfigError(
            f"--object-level needs predictions: put a Lightly predictions folder in {root}/.lightly/predictions "
            "or pass --lightly-predictions, --coco or --yolo with --classes"
        )
    progress.stage("scanning images (corrupt and duplicate check)")
    relevant = read_relevant_filenames(params.relevant_filenames_path) if params.relevant_filenames_path else None
    if relevant is not None and (warning := relevant.unmatched_warning(image_files, root=root)):
        logger.warning("%s", warning)
    scan = scan_folder(root, relevant=relevant)
    predictions = None
    if has_predictions(params) or auto_tasks:
        progress.stage("reading predictions")
        predictions = read_run_predictions(params, image_root=root, names=scan.names, auto_tasks=auto_tasks)
    kind: FolderKind = "crops" if params.object_level_task is not None else "images"
    return FolderPlan(
        root=root, kind=kind, scan=scan, predictions=predictions, object_task=params.object_level_task,
        auto_tasks=tuple(auto_tasks),
    )


def _relevant_videos(root: Path, relevant_path: Path | None) -> list[str] | None:
    """The videos of ``root`` that LightlyOne's ``relevant_filenames_file`` lists (names or ``folder/*``), as
    for images; None without a list.

    Raises:
        InputFileError: an unreadable list, or one that names none of the folder's videos.
    """
    if relevant_path is None:
        return None
    found = find_video_files(root)
    relevant = read_relevant_filenames(relevant_path)
    kept = relevant.keep(found)
    if not kept:
        raise InputFileError(
            relevant_path, f"lists none of the {len(found)} video(s) in {root}; give video paths relative to it"
        )
    if warning := relevant.unmatched_warning(found, root=root):
        logger.warning("%s", warning)
    logger.info("relevant_filenames_file: %d of %d videos take part", len(kept), len(found))
    return kept
