"""Object crops (``--object-level TASK``) on Ray: decoding and cutting as Ray Data CPU tasks, the model in the
actor pool, resumable Parquet shards; the result equals :func:`embedscope.embed.crop_samples.load_object_inputs`'s.

Pipeline: the crop plan (:func:`~embedscope.ingest.crops.plan_crops`, on the driver, as locally) → one row per
``--shard-files`` images with crops not in a shard yet → ``map`` (a CPU task: each image decoded once and its
crops cut by :func:`~embedscope.embed.crop_samples.crop_batches`, the local code; statistics measured on the cut
crops; each crop resized to the model's input) → the actor pool of :mod:`embedscope.distributed.shard_embedding`
writing ``crops-*`` shards (a crop of an undecodable image is stored with its reason, as locally skipped).

A crop's key is ``<image content hash>:<left>,<top>,<right>,<bottom>`` (its pixel box), so a rerun with other
padding or predictions embeds the new boxes only.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.cluster_input import HoldOnCluster
from embedscope.distributed.feature_shards import read_shard_index, shard_name
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_samples import SampleRun, hashes_on_ray, progress_of, statistics_at
from embedscope.distributed.shard_embedding import ShardRunSummary, decoded_row, embed_decoded_rows
from embedscope.embed.crop_samples import CropMetadata, assemble_object_inputs, crop_batches
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.preprocess import model_input_from_image
from embedscope.ingest.crops import (
    DEFAULT_CROP_PADDING,
    DEFAULT_MIN_CROP_SIZE,
    CropPlan,
    CropSpec,
    plan_crops,
)
from embedscope.ingest.image_statistics import column_names
from embedscope.ingest.predictions.image_sizes import read_image_sizes
from embedscope.ingest.predictions.model import ImageSize, TaskPredictions
from embedscope.ingest.sample_statistics import StatisticsCollector
from embedscope.ingest.samples import LoadedInputs
from embedscope.progress import Progress, SilentProgress
from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM

CROP_SHARDS = "crops"


def crop_key(digest: str, spec: CropSpec) -> str:
    """``<image content hash>:<left>,<top>,<right>,<bottom>``."""
    return f"{digest}:{','.join(str(v) for v in spec.box)}"


def decode_crops(row: dict[str, Any], *, root: str, size: list[int]) -> dict[str, Any]:
    """Ray Data ``map`` function: the crops of a few images (``row``: pickled (spec, key) pairs) cut and
    measured as locally, as one decoded row."""
    pairs: list[tuple[CropSpec, str]] = pickle.loads(row["crops"])  # written by this driver
    key_of = {spec.name: key for spec, key in pairs}
    skipped: dict[str, str] = {}
    names: list[str] = []
    images: list[np.ndarray] = []
    statistics = StatisticsCollector()
    for specs, crops in crop_batches(Path(root), CropPlan(crops=[spec for spec, _ in pairs]), skipped):
        for spec, crop in zip(specs, crops, strict=True):
            statistics.add(spec.name, crop)
            names.append(spec.name)
            images.append(model_input_from_image(crop, (int(size[0]), int(size[1]))))
    failed = sorted(skipped)
    keys = [key_of[n] for n in [*names, *failed]]
    rows = np.full((len(keys), len(column_names())), np.nan)  # failed crops: no statistics
    if names:
        measured = statistics.result().columns
        rows[: len(names)] = np.column_stack([measured[name] for name in column_names()])
    return decoded_row(
        shard_name(keys, CROP_SHARDS), [*names, *failed], keys, [""] * len(names) + [skipped[n] for n in failed],
        images, rows,
    )


def ray_object_inputs(
    image_root: Path,
    predictions: TaskPredictions,
    *,
    cluster: ClusterInfo,
    options: RayEngineOptions,
    content_hashes: Mapping[str, str] | None = None,
    padding: float = DEFAULT_CROP_PADDING,
    min_size: float = DEFAULT_MIN_CROP_SIZE,
    embedding_dim: int = DEFAULT_EMBEDDING_DIM,
    progress: Progress | None = None,
    datapool_path: Path | None = None,
    normalize: bool = True,
    image_sizes: Mapping[str, ImageSize] | None = None,
    model: ModelChoice | None = None,
    cache_dir: Path | None = None,
    details: dict[str, object] | None = None,
    on_cluster: HoldOnCluster | None = None,
) -> tuple[LoadedInputs, CropMetadata]:
    """:func:`embedscope.embed.crop_samples.load_object_inputs` with the decoding, cutting and model on Ray.

    Args:
        cluster, options: the connected cluster and the ``--engine ray`` flags (``--shard-files``: images per
            shard).
        content_hashes: image name → content hash (the folder scan's; hashed on Ray when None).
        details: filled with the engine record's embedding details.
        on_cluster: takes the crops' input when its N × d × 4 bytes exceed ``--memory-budget``: the projected
            rows then stay on the cluster (the inputs' ``input.vectors`` has no rows); None: such crops raise
            MemoryBudgetError (:meth:`~embedscope.distributed.ray_samples.SampleRun.inputs_of`).

    Memory on the driver: the crop plan, names and keys; the PCA's fit rows; the projected (N, d) vectors only
    when they fit ``--memory-budget``.

    Raises:
        InputFileError, ConfigError: as the local engine; ConfigError: ``--device cuda`` without GPUs, a
            ``--shard-dir`` of another model; MemoryBudgetError: above the budget without ``on_cluster``.
    """
    import ray

    root = Path(image_root)
    progress = progress or SilentProgress()
    sizes = image_sizes if image_sizes is not None else read_image_sizes(root, predictions.predictions)
    plan = plan_crops(predictions, image_sizes=sizes, padding=padding, min_size=min_size)
    run = SampleRun.start(root, model, cluster=cluster, options=options, kind=CROP_SHARDS, cache_dir=cache_dir)
    groups = plan.by_image()
    hashes = dict(content_hashes) if content_hashes is not None else {}
    missing = [image for image in groups if image not in hashes]
    hashes.update(hashes_on_ray(root, missing) if missing else {})
    keys = {spec.name: crop_key(hashes[spec.image], spec) for spec in plan.crops}
    progress.stage(
        f"cutting and embedding {len(plan.crops):,} object crops of task '{predictions.task}' on Ray",
        total=len(plan.crops),
    )
    before = read_shard_index(run.shard_dir, CROP_SHARDS)
    todo = [image for image, specs in groups.items() if any(keys[s.name] not in before.location for s in specs)]
    per_row = options.files_per_shard
    items = [
        {"crops": pickle.dumps([(spec, keys[spec.name]) for image in todo[i : i + per_row] for spec in groups[image]])}
        for i in range(0, len(todo), per_row)
    ]
    n_from_shards = len(plan.crops) - sum(len(groups[image]) for image in todo)
    progress.advance(n_from_shards, len(plan.crops))
    summary = embed_decoded_rows(
        ray.data.from_items(items, override_num_blocks=len(items)).map(
            decode_crops, num_cpus=1,  # type: ignore[arg-type]  # ray passes fn_kwargs
            fn_kwargs={"root": str(root), "size": list(run.model.input_size)}),
        shard_dir=run.shard_dir, model=run.model, cluster=cluster, statistics=column_names(),
        progress=progress_of(lambda done: progress.advance(done, len(plan.crops)), n_from_shards),
    ) if items else ShardRunSummary([], 0, 0, 0, "GPU" if cluster.gpus else "CPU")
    run.note(summary, n_samples=len(plan.crops), n_from_shards=n_from_shards)
    if details is not None:
        details.update(run.details)
    index = read_shard_index(run.shard_dir, CROP_SHARDS)
    skipped = dict(plan.skipped)
    embedded = []
    for specs in groups.values():
        for spec in specs:
            failure = index.failures.get(keys[spec.name])
            if failure is None:
                embedded.append(spec)
            else:
                skipped[spec.name] = failure
    embedded_keys = [keys[spec.name] for spec in embedded]
    names = [spec.name for spec in embedded]
    return assemble_object_inputs(
        predictions, embedded, skipped, statistics_at(index.location, embedded_keys, names),
        inputs_of=run.inputs_of(index.location, embedded_keys, source=predictions.source, embedding_dim=embedding_dim,
                                datapool_path=datapool_path, normalize=normalize, on_cluster=on_cluster),
        progress=progress,
    )
