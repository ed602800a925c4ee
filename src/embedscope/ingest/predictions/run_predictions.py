"""The object-detection predictions of a run over an image folder.

Sources, all optional and combinable: a Lightly predictions folder inside INPUT (``INPUT/.lightly/predictions``,
found without a flag) or given with ``--lightly-predictions``, a COCO file (``--coco``, task = the file name
without extension) and a YOLO label folder (``--yolo`` with ``--classes``, task ``yolo``). Bad files and
predictions are skipped with their reason (:attr:`TaskPredictions.skipped`); the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedscope.errors import ConfigError
from embedscope.ingest.auto_task_boxes import AutoTaskSpec
from embedscope.ingest.predictions.auto_tasks import auto_task_predictions
from embedscope.ingest.predictions.coco import read_coco_predictions
from embedscope.ingest.predictions.image_sizes import read_image_sizes
from embedscope.ingest.predictions.lightly_folder import (
    find_lightly_predictions_folder,
    read_lightly_predictions,
)
from embedscope.ingest.predictions.model import ImageSize, TaskPredictions
from embedscope.ingest.predictions.yolo import DEFAULT_TASK as YOLO_TASK
from embedscope.ingest.predictions.yolo import read_yolo_predictions
from embedscope.run_parameters import RunParameters

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunPredictions:
    """Every detection task of a run.

    Attributes:
        tasks: task name → its usable predictions (Lightly tasks in ``tasks.json`` order, then COCO, then YOLO).
        skipped_tasks: task name → why a Lightly task could not be read at all.
        image_sizes: image name → upright (width, height) of every image the predictions were checked against.
    """

    tasks: dict[str, TaskPredictions]
    skipped_tasks: dict[str, str] = field(default_factory=dict)
    image_sizes: dict[str, ImageSize] = field(default_factory=dict)


def check_prediction_flags(params: RunParameters) -> None:
    """Raises ConfigError for ``--yolo`` without ``--classes`` (or the reverse) and a ``--frame-stride`` < 1,
    before any heavy work."""
    if (params.yolo_path is None) != (params.yolo_classes_path is None):
        raise ConfigError(
            "--yolo and --classes go together: give the YOLO label folder and its class names file"
        )
    if params.frame_stride < 1:
        raise ConfigError(f"--frame-stride must be at least 1, got {params.frame_stride}")


def lightly_predictions_source(params: RunParameters) -> Path | None:
    """``--lightly-predictions``, else INPUT when it holds ``.lightly/predictions/tasks.json``, else None."""
    if params.lightly_predictions_path is not None:
        return params.lightly_predictions_path
    if find_lightly_predictions_folder(params.input_path / ".lightly" / "predictions") is not None:
        return params.input_path
    return None


def has_predictions(params: RunParameters) -> bool:
    """True when the run has any prediction source."""
    return (
        lightly_predictions_source(params) is not None
        or params.coco_path is not None
        or params.yolo_path is not None
    )


def read_run_predictions(
    params: RunParameters, *, image_root: Path, names: Iterable[str], auto_tasks: Sequence[AutoTaskSpec] = ()
) -> RunPredictions:
    """Read every prediction source of the run against the named images, and generate the auto tasks' objects.

    Args:
        params: the run (its prediction flags; ``object_level_task`` must name a task read or generated here).
        image_root: the image folder the names are relative to.
        names: the usable images (not corrupt, not duplicates); predictions of other images are skipped.
        auto_tasks: LightlyOne's auto tasks (tiling, fixed crops) to generate on every image.

    Cost: one image header read per name, then the prediction files.

    Raises:
        InputFileError: a prediction source cannot be read at all (see the readers).
        ConfigError: two sources give the same task name, or ``--object-level`` names no task that was read.
    """
    check_prediction_flags(params)
    sizes = read_image_sizes(image_root, names)
    tasks: dict[str, TaskPredictions] = {}
    skipped_tasks: dict[str, str] = {}
    lightly = lightly_predictions_source(params)
    if lightly is not None:
        read = read_lightly_predictions(lightly, image_sizes=sizes)
        tasks.update(read.tasks)
        skipped_tasks.update(read.skipped_tasks)
    if params.coco_path is not None:
        _add(tasks, read_coco_predictions(params.coco_path, image_sizes=sizes))
    if params.yolo_path is not None and params.yolo_classes_path is not None:
        _add(
            tasks,
            read_yolo_predictions(
                params.yolo_path, classes_path=params.yolo_classes_path, image_sizes=sizes, task=YOLO_TASK
            ),
        )
    for spec in auto_tasks:
        _add(tasks, auto_task_predictions(spec, sizes))
    for task in tasks.values():
        logger.info("task %s: %d objects, %d predictions skipped", task.task, task.n_objects, task.n_skipped)
    wanted = params.object_level_task
    if wanted is not None and wanted not in tasks:
        known = ", ".join(f"'{name}'" for name in tasks) or "none"
        why = f" ('{wanted}' was skipped: {skipped_tasks[wanted]})" if wanted in skipped_tasks else ""
        raise ConfigError(
            f"--object-level '{wanted}': no such detection task{why}; tasks read: {known} "
            "(Lightly: folder names in tasks.json; COCO: the file name without extension; YOLO: 'yolo')"
        )
    return RunPredictions(tasks=tasks, skipped_tasks=skipped_tasks, image_sizes=sizes)


def _add(tasks: dict[str, TaskPredictions], task: TaskPredictions) -> None:
    if task.task in tasks:
        raise ConfigError(
            f"two prediction sources give the task '{task.task}' ({tasks[task.task].source} and {task.source}); "
            "rename one of them"
        )
    tasks[task.task] = task
