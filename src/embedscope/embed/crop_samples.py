"""Object-level inputs: one sample per predicted object crop of a detection task (``--object-level TASK``).

Each image is decoded once, its crops are cut (:mod:`embedscope.ingest.crops`) and embedded with the same
model as whole images, then projected (PCA + L2) like any image run, so selection and analysis run on crops
unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE, embed_images
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.projected_table import InputsOf, projected_inputs
from embedscope.errors import InputFileError, first_reasons
from embedscope.ingest.crops import (
    DEFAULT_CROP_PADDING,
    DEFAULT_MIN_CROP_SIZE,
    CropPlan,
    CropSpec,
    iter_image_crops,
    plan_crops,
)
from embedscope.ingest.predictions.image_sizes import read_image_sizes
from embedscope.ingest.predictions.model import ImageSize, TaskPredictions
from embedscope.ingest.sample_statistics import SampleStatistics, StatisticsCollector
from embedscope.ingest.samples import MIN_INPUT_SAMPLES, LoadedInputs
from embedscope.progress import Progress, SilentProgress
from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM

logger = logging.getLogger(__name__)

CROPS_PER_CALL = 4 * DEFAULT_BATCH_SIZE  # crops collected before one embed call: 256 small RGB images at most


@dataclass(frozen=True)
class CropMetadata:
    """What each crop sample of an object-level run is.

    Attributes:
        task: the detection task's name.
        crops: one :class:`CropSpec` per embedded crop (source image, category, boxes), in embedding order
            (before datapool crops are taken out of the input).
        skipped: crop name → why it was not embedded (box under the minimum size, image not decodable).
        categories: category id → name of the task.
        statistics: the computed image metadata of every embedded crop, measured on the cut crop (see
            :mod:`embedscope.ingest.sample_statistics`).
    """

    task: str
    crops: list[CropSpec]
    skipped: dict[str, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    statistics: SampleStatistics | None = None

    def by_name(self) -> dict[str, CropSpec]:
        """Crop name → its spec."""
        return {crop.name: crop for crop in self.crops}

    def categories_of(self, names: Sequence[str]) -> list[tuple[str, ...]]:
        """The category of each named crop as a one-element tuple (the shape category counts take); an
        empty tuple for a name that is not a crop of this run (e.g. a datapool crop of an earlier run)."""
        specs = self.by_name()
        return [(specs[name].category,) if name in specs else () for name in names]

    def images_of(self, names: Sequence[str]) -> list[str]:
        """The distinct source images of the named crops of this run, sorted (e.g. the images holding the
        selected crops)."""
        specs = self.by_name()
        return sorted({specs[name].image for name in names if name in specs})


def crop_batches(
    image_root: Path, plan: CropPlan, skipped: dict[str, str]
) -> Iterator[tuple[list[CropSpec], list[Image.Image]]]:
    """The cut crops of ``plan`` in groups of about :data:`CROPS_PER_CALL` (the object-level embedding and
    ``embedscope train --object-level`` both take their crops from here); crops of undecodable images go to
    ``skipped``."""
    batch_specs: list[CropSpec] = []
    batch_crops: list[Image.Image] = []
    for result in iter_image_crops(image_root, plan):
        if result.crops is None:
            for spec in result.specs:
                skipped[spec.name] = f"image '{result.image}' could not be decoded: {result.failure}"
            continue
        batch_specs.extend(result.specs)
        batch_crops.extend(result.crops)
        if len(batch_specs) >= CROPS_PER_CALL:
            yield batch_specs, batch_crops
            batch_specs, batch_crops = [], []
    if batch_specs:
        yield batch_specs, batch_crops


def load_object_inputs(
    image_root: Path,
    predictions: TaskPredictions,
    *,
    padding: float = DEFAULT_CROP_PADDING,
    min_size: float = DEFAULT_MIN_CROP_SIZE,
    embedding_dim: int = DEFAULT_EMBEDDING_DIM,
    progress: Progress | None = None,
    datapool_path: Path | None = None,
    normalize: bool = True,
    image_sizes: Mapping[str, ImageSize] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    model: ModelChoice | None = None,
) -> tuple[LoadedInputs, CropMetadata]:
    """Cut, embed and project every usable object of ``predictions``.

    Args:
        image_root: the folder the predictions' image names are relative to.
        predictions: one detection task (from a Lightly folder, COCO or YOLO).
        padding: fraction of each box's width/height added on every side (``--crop-padding``).
        min_size: boxes narrower or lower than this many pixels are skipped.
        embedding_dim: PCA output dimension; 0 keeps the 1280 features.
        progress: one stage, advanced per embedded group of crops (total = planned crops).
        datapool_path: crop embeddings selected earlier (same crop names), or None.
        normalize: L2-normalise (the embeddings already are after projection).
        image_sizes: upright sizes of the images (read from the headers when None).
        batch_size: crops per network call.
        cache_dir: the model cache folder.
        model: the image model (default EfficientNet-Lite0).

    Returns:
        The crop samples as :class:`LoadedInputs` (names = crop names; ``image_root`` None because crops
        are not files, see :func:`~embedscope.ingest.crops.cut_crops`) and their :class:`CropMetadata`.

    Every embedded crop's computed image metadata is measured on the cut crop.

    Memory: (n_crops, 1280) float32 features plus a few decoded images and :data:`CROPS_PER_CALL` crops.

    Raises:
        InputFileError: fewer than 2 crops can be embedded.
        ConfigError: bad ``padding``, ``min_size`` or ``embedding_dim``.
    """
    root = Path(image_root)
    progress = progress or SilentProgress()
    sizes = image_sizes if image_sizes is not None else read_image_sizes(root, predictions.predictions)
    plan = plan_crops(predictions, image_sizes=sizes, padding=padding, min_size=min_size)
    skipped = dict(plan.skipped)
    progress.stage(
        f"cutting and embedding {len(plan.crops):,} object crops of task '{predictions.task}'",
        total=len(plan.crops),
    )
    embedded: list[CropSpec] = []
    blocks: list[np.ndarray] = []
    statistics = StatisticsCollector()
    for specs, crops in crop_batches(root, plan, skipped):
        for spec, crop in zip(specs, crops, strict=True):
            statistics.add(spec.name, crop)
        blocks.append(embed_images(crops, batch_size=batch_size, cache_dir=cache_dir, model=model))
        embedded.extend(specs)
        progress.advance(len(embedded), len(plan.crops))
    return assemble_object_inputs(
        predictions, embedded, skipped, statistics.result(),
        inputs_of=projected_inputs(blocks, source=predictions.source, embedding_dim=embedding_dim,
                                   datapool_path=datapool_path, normalize=normalize),
        progress=progress,
    )


def assemble_object_inputs(
    predictions: TaskPredictions,
    embedded: Sequence[CropSpec],
    skipped: Mapping[str, str],
    statistics: SampleStatistics,
    *,
    inputs_of: InputsOf,
    progress: Progress,
) -> tuple[LoadedInputs, CropMetadata]:
    """The crop samples and their :class:`CropMetadata` (the local and the Ray engine's): ``embedded`` crops in
    embedding order, ``inputs_of(crop names, {})`` = their inputs (projected embeddings with the datapool
    attached; the Ray engine's may hold the rows on the cluster).

    Raises:
        InputFileError: fewer than 2 crops were embedded.
    """
    if len(embedded) < MIN_INPUT_SAMPLES:
        raise InputFileError(
            predictions.source,
            f"task '{predictions.task}' gives {len(embedded)} usable object crop(s) "
            f"({predictions.n_skipped} prediction(s) and {len(skipped)} crop(s) skipped); at least "
            f"{MIN_INPUT_SAMPLES} are needed for an object-level run; "
            + (first_reasons({**predictions.skipped, **skipped}) or "the task has no predictions"),
        )
    progress.stage(f"projecting {len(embedded):,} crop embeddings")
    inputs = inputs_of([spec.name for spec in embedded], {})
    logger.info("task %s: %d crops embedded, %d skipped", predictions.task, len(embedded), len(skipped))
    metadata = CropMetadata(
        task=predictions.task,
        crops=list(embedded),
        skipped=dict(sorted(skipped.items())),
        categories=dict(predictions.categories),
        statistics=statistics,
    )
    return inputs, metadata
