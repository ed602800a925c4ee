"""The training images of ``embedscope train --object-level TASK`` (and ``run --object-level TASK
--train-embedding E``): the object crops an object-level run embeds, cut by the same code.

The folder is ingested as a run ingests it (:func:`~embedscope.ingest.folder_plan.plan_folder`: corrupt and
duplicate images left out, the predictions read against the rest), the crops are planned with the run's
padding and minimum size (:func:`~embedscope.ingest.crops.plan_crops`) and cut by
:func:`~embedscope.embed.crop_samples.crop_batches`, so fine-tuning sees exactly the pixels the embedding
step later embeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from embedscope.embed.crop_samples import crop_batches
from embedscope.errors import ConfigError
from embedscope.ingest.crops import CropSpec, plan_crops
from embedscope.ingest.folder_plan import plan_folder
from embedscope.progress import Progress, SilentProgress
from embedscope.run_parameters import RunParameters


@dataclass(frozen=True)
class TrainingCrops:
    """The object crops to fine-tune on.

    Attributes:
        specs: one :class:`CropSpec` per crop (names, source images, pixel boxes), in the run's crop order.
        images: the cut crops (RGB), in the order of ``specs``; shrunk to at most ``max_side`` pixels on a side
            when one was given (a crop already that small is the cut crop itself).
        skipped: crop or image name → why it gives no crop (box under the minimum size, undecodable image,
            corrupt or duplicate image).
    """

    specs: list[CropSpec]
    images: list[Image.Image]
    skipped: dict[str, str] = field(default_factory=dict)


def object_crops_for_training(
    params: RunParameters, *, max_side: int | None = None, progress: Progress | None = None
) -> TrainingCrops:
    """Cut the crops of ``params.object_level_task`` in the image folder ``params.input_path``.

    Args:
        params: the folder, its prediction sources (Lightly folder, ``coco_path``, ``yolo_path``), the task,
            ``crop_padding`` and ``min_crop_size``, as for an object-level run.
        max_side: crops larger than this many pixels on a side are shrunk (aspect kept) after cutting, to bound
            memory; None keeps them as cut.
        progress: shows the folder scan.

    Memory: every crop at most ``max_side`` pixels on a side, plus a few decoded images being cut.

    Raises:
        ConfigError: no ``object_level_task``, INPUT not a folder of images, or bad prediction flags.
        InputFileError: no images, or a prediction source that cannot be read.
    """
    if params.object_level_task is None:
        raise ConfigError("training on crops needs --object-level TASK")
    if not Path(params.input_path).is_dir():
        raise ConfigError(f"{params.input_path}: training on crops needs a folder of images as INPUT")
    plan = plan_folder(params, progress or SilentProgress())
    if plan.kind != "crops" or plan.predictions is None or plan.scan is None:
        raise ConfigError(f"{params.input_path}: --object-level works on image folders with predictions")
    task = plan.predictions.tasks[params.object_level_task]
    crop_plan = plan_crops(
        task,
        image_sizes=plan.predictions.image_sizes,
        padding=params.crop_padding,
        min_size=params.min_crop_size,
    )
    skipped = {**plan.scan.corrupt, **plan.scan.duplicates, **crop_plan.skipped}
    specs: list[CropSpec] = []
    images: list[Image.Image] = []
    for batch_specs, crops in crop_batches(plan.root, crop_plan, skipped):
        specs.extend(batch_specs)
        for crop in crops:
            if max_side is not None and max(crop.size) > max_side:
                crop.thumbnail((max_side, max_side))
            images.append(crop)
    return TrainingCrops(specs=specs, images=images, skipped=dict(sorted(skipped.items())))
