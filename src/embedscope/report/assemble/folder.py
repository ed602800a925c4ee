"""The report parts of a folder run that only folders have: prediction tasks (category counts per set, the
crop analysis of object-level runs, bounding-box examples), ``videoLevelSizes`` and frame timelines, and the
files written beside the report (skipped predictions, exported frames).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.embed.crop_samples import CropMetadata
from embedscope.embed.folder_samples import FolderInputs
from embedscope.embed.video_samples import VideoInputs
from embedscope.ingest.image_decode import ImageDecodeError
from embedscope.ingest.predictions.run_predictions import RunPredictions
from embedscope.report.assemble.predictions import (
    bounding_box_examples,
    crop_categories,
    image_categories,
    object_level_summary,
    prediction_task_information,
    skipped_predictions,
)
from embedscope.report.assemble.sequence_information import (
    SEQUENCE_INFORMATION_FILE,
    sequence_information_json,
)
from embedscope.report.assemble.side_files import FrameExport, SideFile, SideOutput
from embedscope.report.assemble.videos import frame_timelines, video_level_sizes
from embedscope.report.figures import slug
from embedscope.report.model import EmbeddingInformation, PredictionTaskInformation
from embedscope.run_parameters import RunParameters

logger = logging.getLogger(__name__)

SKIPPED_PREDICTIONS_FILE = "skipped_predictions.json"  # beside corruptness_check_information.json
N_TIMELINES = 24  # timeline figures (one per video, in name order); videoLevelSizes lists every video
N_SKIPPED_IN_REPORT = 100  # skipped predictions listed in report_embedscope.json per task; the file lists all





@dataclass
class FolderReport:
    """What a folder run adds to the report and the output folder.

    Attributes:
        prediction_tasks: task → ``predictionTaskInformation.<task>``.
        ext: keys for ``report.embedscope`` (ext): ``videoLevelSizes``, ``predictions``, ``objectLevel``.
        plots: figure name → PNG bytes (``timeline_<video>``, ``bounding_boxes_<task>_<image>``), for
            ``plots/`` and the PDF/HTML ("Other figures").
        plot_titles: figure name → caption for the documents (the names are slugs of paths).
        side_outputs: extra files to write (skipped predictions, exported frames), as plain data.
    """

    prediction_tasks: dict[str, PredictionTaskInformation] = field(default_factory=dict)
    ext: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, bytes] = field(default_factory=dict)
    plot_titles: dict[str, str] = field(default_factory=dict)
    side_outputs: list[SideOutput] = field(default_factory=list)


def folder_report(
    inputs: FolderInputs,
    *,
    params: RunParameters,
    selected: np.ndarray,
    random: np.ndarray,
    embedding_information: EmbeddingInformation,
) -> FolderReport:
    """The folder-only report parts of a finished selection.

    Args:
        inputs: the run's folder inputs.
        params: the run's parameters (``export_frames``, crop settings).
        selected, random: (k,) int64 input rows of the selected and the random set.
        embedding_information: the run's embedding analysis; for object-level runs it is the crops' analysis
            and becomes ``detectionTaskInformation.cropEmbeddingInformation`` of the task.
    """
    report = FolderReport()
    names = inputs.input.names
    selected_names = [names[int(row)] for row in selected]
    if params.relevant_filenames_path is not None:
        report.ext["relevantFilenames"] = _relevant_filenames_summary(params, videos=inputs.videos is not None)
    if inputs.videos is not None:
        _video_parts(
            report, inputs.videos, params=params, selected_names=selected_names, input_names=inputs.input.names
        )
    if inputs.predictions is not None:
        _prediction_parts(
            report,
            inputs,
            inputs.predictions,
            params=params,
            selected=selected,
            random=random,
            embedding_information=embedding_information,
            selected_names=selected_names,
        )
    return report


def _relevant_filenames_summary(params: RunParameters, *, videos: bool) -> dict[str, object]:
    """``relevant_filenames_file``: its entries that match no file of the folder (the ingest stage warned).
    Cost: one listing of the folder."""
    from embedscope.ingest.image_files import find_image_files
    from embedscope.ingest.video_frames import find_video_files
    from embedscope.io.relevant_filenames import read_relevant_filenames

    assert params.relevant_filenames_path is not None
    found = (find_video_files if videos else find_image_files)(params.input_path)
    return read_relevant_filenames(params.relevant_filenames_path).unmatched_summary(found)


def _video_parts(
    report: FolderReport,
    videos: VideoInputs,
    *,
    params: RunParameters,
    selected_names: list[str],
    input_names: list[str],
) -> None:
    report.ext["videoLevelSizes"] = video_level_sizes(videos, selected_names=selected_names, input_names=input_names)
    timelines = frame_timelines(videos, selected_names=selected_names, limit=N_TIMELINES, input_names=input_names)
    for video, png in timelines.items():
        key = _unique(report.plots, f"timeline_{slug(video)}")
        report.plots[key] = png
        report.plot_titles[key] = f"Frame timeline: {video}"
    if params.selected_sequence_length > 1:
        length = params.selected_sequence_length
        report.side_outputs.append(SideFile(
            SEQUENCE_INFORMATION_FILE, sequence_information_json(videos, selected_names, length=length)
        ))
        report.ext["sequenceSelection"] = {
            "selectedSequenceLength": length, "nSequencesSelected": len(selected_names) // length,
            "file": SEQUENCE_INFORMATION_FILE,
        }
    if params.export_frames:
        report.side_outputs.append(FrameExport(video_root=videos.video_root, refs=videos.refs(selected_names)))


def _prediction_parts(
    report: FolderReport,
    inputs: FolderInputs,
    predictions: RunPredictions,
    *,
    params: RunParameters,
    selected: np.ndarray,
    random: np.ndarray,
    embedding_information: EmbeddingInformation,
    selected_names: list[str],
) -> None:
    crops = inputs.crops
    names = inputs.input.names
    pool_names = inputs.datapool.names if inputs.datapool is not None else None
    summaries: dict[str, Any] = {}
    for name, task in predictions.tasks.items():
        summaries[name] = skipped_predictions(
            task, crops if crops is not None and crops.task == name else None
        )
        if crops is not None and crops.task != name:
            continue  # the samples are another task's crops: this task's objects do not map onto them
        if crops is not None:
            input_categories = crop_categories(crops, names)
            pool_categories = crop_categories(crops, pool_names) if pool_names is not None else None
        else:
            input_categories = image_categories(task, names)
            pool_categories = image_categories(task, pool_names) if pool_names is not None else None
        report.prediction_tasks[name] = prediction_task_information(
            task,
            input_categories=input_categories,
            selected=selected,
            random=random,
            datapool_categories=pool_categories,
            crop_embedding_information=embedding_information if crops is not None else None,
        )
    report.ext["predictions"] = {
        "tasks": {name: _shortened(summary) for name, summary in summaries.items()},
        "skippedTasks": dict(predictions.skipped_tasks),
        "skippedPredictionsFile": SKIPPED_PREDICTIONS_FILE,
    }
    if crops is not None:
        report.ext["objectLevel"] = object_level_summary(
            crops,
            input_names=names,
            selected_names=selected_names,
            padding=params.crop_padding,
            min_size=params.min_crop_size,
        )
        _box_examples(report, params.input_path, crops, selected_names)
    full = {"tasks": summaries, "skippedTasks": dict(predictions.skipped_tasks)}
    report.side_outputs.append(SideFile(SKIPPED_PREDICTIONS_FILE, json.dumps(full, indent=1)))


def _shortened(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with at most :data:`N_SKIPPED_IN_REPORT` entries per list (the counts stay exact)."""
    return {
        key: dict(list(value.items())[:N_SKIPPED_IN_REPORT]) if isinstance(value, dict) else value
        for key, value in summary.items()
    }


def _box_examples(
    report: FolderReport, image_root: Path, crops: CropMetadata, selected_names: Sequence[str]
) -> None:
    try:
        examples = bounding_box_examples(image_root, crops, selected_names=selected_names)
    except ImageDecodeError as error:  # the image decoded for its crops moments ago; it changed since
        logger.warning("bounding-box examples left out: %s", error)
        return
    for image, png in examples.items():
        key = _unique(report.plots, f"bounding_boxes_{slug(crops.task)}_{slug(image)}")
        report.plots[key] = png
        report.plot_titles[key] = f"Bounding boxes of task {crops.task}: {image}"


def _unique(taken: dict[str, bytes], name: str) -> str:
    """``name``, or ``name_2``, ``name_3``… when taken (two names that slug alike)."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate
