"""INPUT as a folder: images, videos (one sample per frame) or object crops (``--object-level TASK``).

:func:`load_folder_inputs` is the run's loader for folders. It returns :class:`FolderInputs`, the usual
:class:`~embedscope.pipeline.inputs.LoadedInputs` plus what the report needs later: the videos' frame counts,
the detection predictions, the crops.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.image_files import IMAGE_EXTENSIONS, find_image_files
from embedscope.ingest.video_frames import VIDEO_EXTENSIONS, find_video_files
from embedscope.pipeline.inputs import LoadedInputs
from embedscope.pipeline.object_inputs import CropMetadata
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.prediction_inputs import (
    RunPredictions,
    check_prediction_flags,
    has_predictions,
    read_run_predictions,
)
from embedscope.pipeline.progress import Progress
from embedscope.pipeline.video_inputs import VideoInputs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderInputs(LoadedInputs):
    """:class:`LoadedInputs` of a folder INPUT, with the details the report needs.

    Attributes:
        videos: the videos and their frames when INPUT holds videos, else None.
        predictions: the detection tasks read for an image folder, else None.
        crops: the embedded crops of an object-level run (the input samples are then crops), else None.
    """

    videos: VideoInputs | None = None
    predictions: RunPredictions | None = None
    crops: CropMetadata | None = None


def _with_details(inputs: LoadedInputs, **details: object) -> FolderInputs:
    base = {item.name: getattr(inputs, item.name) for item in dataclasses.fields(LoadedInputs)}
    return FolderInputs(**base, **details)  # type: ignore[arg-type]


def _extensions(extensions: frozenset[str]) -> str:
    return ", ".join(sorted(extension.removeprefix(".") for extension in extensions))


def load_folder_inputs(params: RunParameters, progress: Progress) -> FolderInputs:
    """Embed the images, the video frames or the object crops of the folder ``params.input_path``.

    A folder holds images or videos, not both (as a LightlyOne dataset is of one type). Predictions are read
    for image folders only; ``--object-level TASK`` makes the crops of that task the samples.

    Raises:
        InputFileError: no image or video files; every file unreadable; fewer than 2 samples.
        ConfigError: images and videos mixed; predictions or ``--object-level`` with videos; bad flags.
    """
    from embedscope.pipeline.image_inputs import load_image_folder_inputs
    from embedscope.pipeline.video_inputs import load_video_inputs

    check_prediction_flags(params)
    root = params.input_path
    n_images, n_videos = len(find_image_files(root)), len(find_video_files(root))
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
        if params.object_level_task is not None or params.coco_path or params.yolo_path:
            raise ConfigError(
                f"{root}: holds videos; predictions (--coco, --yolo) and --object-level work on image folders"
            )
        videos = load_video_inputs(
            root,
            frame_stride=params.frame_stride,
            embedding_dim=params.embedding_dim,
            datapool_path=params.datapool_path,
            normalize=params.normalize,
            progress=progress,
            model=params.model_choice(),
        )
        return _with_details(videos.inputs, videos=videos)
    if params.export_frames or params.frame_stride != 1:
        logger.warning("%s holds images, not videos: --frame-stride and --export-frames have no effect", root)
    if params.object_level_task is not None:
        return _load_crops(params, progress)
    inputs = load_image_folder_inputs(params, progress)
    if not has_predictions(params):
        return _with_details(inputs)
    progress.stage("reading predictions")
    predictions = read_run_predictions(
        params, image_root=root, names=list(inputs.input.names) + list(inputs.removed_from_input)
    )
    return _with_details(inputs, predictions=predictions)


def _load_crops(params: RunParameters, progress: Progress) -> FolderInputs:
    """Object-level: scan the images (corrupt/duplicate check), read the predictions, embed the task's crops."""
    from embedscope.ingest.image_folder import scan_image_folder
    from embedscope.pipeline.object_inputs import load_object_inputs

    root = params.input_path
    if not has_predictions(params):
        raise ConfigError(
            f"--object-level needs predictions: put a Lightly predictions folder in {root}/.lightly/predictions "
            "or pass --lightly-predictions, --coco or --yolo with --classes"
        )
    progress.stage("scanning images (corrupt and duplicate check)")
    scan = scan_image_folder(root)
    progress.stage("reading predictions")
    predictions = read_run_predictions(params, image_root=root, names=scan.names)
    task = predictions.tasks[str(params.object_level_task)]
    inputs, crops = load_object_inputs(
        root,
        task,
        padding=params.crop_padding,
        min_size=params.min_crop_size,
        embedding_dim=params.embedding_dim,
        progress=progress,
        datapool_path=params.datapool_path,
        normalize=params.normalize,
        image_sizes=predictions.image_sizes,
        model=params.model_choice(),
    )
    inputs = dataclasses.replace(inputs, corrupt=dict(scan.corrupt), duplicates=dict(scan.duplicates))
    return _with_details(inputs, predictions=predictions, crops=crops)
