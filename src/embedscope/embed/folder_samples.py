"""The embed stage of a folder INPUT: the planned images, video frames or object crops → vectors →
:class:`FolderInputs`, the usual :class:`~embedscope.ingest.samples.LoadedInputs` plus what the report needs
later: the videos' frame counts, the detection predictions, the crops.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from embedscope.embed.crop_samples import CropMetadata
from embedscope.embed.model_choice import model_choice_of
from embedscope.embed.video_samples import VideoInputs
from embedscope.ingest.folder_plan import FolderPlan
from embedscope.ingest.image_folder import ImageFolderScan
from embedscope.ingest.predictions.run_predictions import RunPredictions, read_run_predictions
from embedscope.ingest.samples import LoadedInputs
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters


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


EmbedImages = Callable[[ImageFolderScan, RunParameters, Progress], LoadedInputs]
LoadVideos = Callable[..., VideoInputs]
"""As :func:`~embedscope.embed.video_samples.load_video_inputs` (same arguments and result)."""
LoadObjects = Callable[..., tuple[LoadedInputs, CropMetadata]]
"""As :func:`~embedscope.embed.crop_samples.load_object_inputs` (same arguments and result)."""


def embed_folder(
    plan: FolderPlan, params: RunParameters, progress: Progress, *, embed_images: EmbedImages | None = None,
    load_videos: LoadVideos | None = None, load_objects: LoadObjects | None = None,
) -> FolderInputs:
    """Embed the samples of an ingested folder (see :func:`~embedscope.ingest.folder_plan.plan_folder`).

    Args:
        embed_images: embeds an image folder's scan (default :func:`~embedscope.embed.image_samples.embed_scanned_images`,
            in this process; the Ray executor passes its own).
        load_videos, load_objects: embed video frames / object crops (default
            :func:`~embedscope.embed.video_samples.load_video_inputs` /
            :func:`~embedscope.embed.crop_samples.load_object_inputs`; the Ray executor passes its own).

    Raises:
        InputFileError: every file unreadable; fewer than 2 samples; a bad datapool.
    """
    if plan.kind == "videos":
        from embedscope.embed.video_samples import load_video_inputs

        videos = (load_videos or load_video_inputs)(
            plan.root,
            names=plan.videos,
            frame_stride=params.frame_stride,
            embedding_dim=params.embedding_dim,
            datapool_path=params.datapool_path,
            normalize=params.normalize,
            progress=progress,
            model=model_choice_of(params),
        )
        return _with_details(videos.inputs, videos=videos)
    assert plan.scan is not None
    if plan.kind == "crops":
        assert plan.predictions is not None
        return _embed_crops(plan, params, progress, load_objects)
    from embedscope.embed.image_samples import embed_scanned_images

    inputs = (embed_images or embed_scanned_images)(plan.scan, params, progress)
    if plan.predictions is None:
        return _with_details(inputs)
    predictions = plan.predictions
    embedded_names = [*inputs.input.names, *inputs.removed_from_input]
    if set(embedded_names) != set(plan.scan.names):  # files found corrupt while decoding: read again without them
        predictions = read_run_predictions(
            params, image_root=plan.root, names=embedded_names, auto_tasks=plan.auto_tasks
        )
    return _with_details(inputs, predictions=predictions)


def _embed_crops(
    plan: FolderPlan, params: RunParameters, progress: Progress, load_objects: LoadObjects | None
) -> FolderInputs:
    """Object level: cut and embed the crops of ``--object-level TASK`` (an auto task's without padding: its
    tiles and crops are the samples)."""
    from embedscope.embed.crop_samples import load_object_inputs

    assert plan.scan is not None and plan.predictions is not None
    corrupt, duplicates, predictions = plan.scan.corrupt, plan.scan.duplicates, plan.predictions
    name = str(plan.object_task or params.object_level_task)
    task = predictions.tasks[name]
    generated = any(spec.name == name for spec in plan.auto_tasks)
    inputs, crops = (load_objects or load_object_inputs)(
        params.input_path,
        task,
        padding=0.0 if generated else params.crop_padding,
        min_size=params.min_crop_size,
        embedding_dim=params.embedding_dim,
        progress=progress,
        datapool_path=params.datapool_path,
        normalize=params.normalize,
        image_sizes=predictions.image_sizes,
        model=model_choice_of(params),
    )
    inputs = dataclasses.replace(inputs, corrupt=dict(corrupt), duplicates=dict(duplicates))
    return _with_details(inputs, predictions=predictions, crops=crops)
