"""An image folder's embeddings on Ray, gathered on the driver when they fit its memory budget, else left on the
cluster as the input's blocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.cluster_input import HoldOnCluster, block_bytes, inputs_within_budget
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_image_folder import (
    RayFolderEmbedding,
    ScanWithModel,
    embed_folder_on_ray,
    scan_with_model_on_ray,
)
from embedscope.distributed.ray_model import RayModel
from embedscope.distributed.vector_blocks import default_memory_budget
from embedscope.embed.model_choice import ModelChoice
from embedscope.ingest.image_folder import ImageFolderScan
from embedscope.ingest.samples import LoadedInputs
from embedscope.run_parameters import RunParameters


@dataclass
class EngineRecord:
    """The engine section of embedscope's JSON: cluster, partitions, seconds per stage, spilled bytes."""

    cluster: ClusterInfo
    stage_seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    def timed(self, stage: str, start: float) -> None:
        """Add the seconds since ``start`` (``time.perf_counter()``) to ``stage``."""
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + time.perf_counter() - start

    def as_json(self) -> dict[str, object]:
        from embedscope.distributed.spill import spilled_bytes

        return {
            "name": "ray",
            **self.cluster.as_json(),
            **self.details,
            "stageSeconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "objectStoreSpilledBytes": spilled_bytes(),
        }


def embed_folder_blocks_with_ray(
    image_dir: Path,
    *,
    record: EngineRecord,
    options: RayEngineOptions,
    embedding_dim: int,
    cache_dir: Path | None = None,
    scan: ImageFolderScan | ScanWithModel | None = None,
    progress: Callable[[int, int], None] | None = None,
    model: ModelChoice | None = None,
) -> RayFolderEmbedding:
    """Scan (unless ``scan`` is given) and embed ``image_dir`` on the connected cluster with ``model`` (default
    EfficientNet-Lite0); the vectors stay in the object store, in blocks of at most
    :func:`~embedscope.distributed.cluster_input.block_bytes` of the memory budget. ``record`` gets the scan's
    seconds and the embedding details.

    Without ``scan`` (the embed command) the scan runs with the model loading on the driver
    (:func:`~embedscope.distributed.ray_image_folder.scan_with_model_on_ray`) and ``record`` gets the stages
    ``scan`` and ``embed``; a caller that passes ``scan`` (``run``'s ingest stage scanned with the same function)
    times its own stages, and a :class:`ScanWithModel`'s model replaces ``model``. ``record.details`` gets the
    embedding details, and ``modelLoadSeconds`` (the model load, overlapped with the scan) when it was loaded so.

    Raises:
        InputFileError: no usable image; ConfigError: ``--device cuda`` on a cluster without GPUs, a
            ``--shard-dir`` of another model.
    """
    timed = scan is None  # a caller that passes its scan (run's ingest stage) times its own stages
    if scan is None:  # the model is loaded on the driver while the scan's tasks run
        start = time.perf_counter()
        scan = scan_with_model_on_ray(image_dir, model, cluster=record.cluster, cache_dir=cache_dir)
        record.timed("scan", start)
    prepared: ModelChoice | RayModel | None = model
    if isinstance(scan, ScanWithModel):
        record.details["modelLoadSeconds"] = round(scan.model_seconds, 3)
        folder, prepared = scan.scan, scan.model
    else:
        folder = scan
    start = time.perf_counter()
    embedded = embed_folder_on_ray(
        folder, cluster=record.cluster, embedding_dim=embedding_dim, shard_dir=options.shard_dir,
        files_per_shard=options.files_per_shard, cache_dir=cache_dir, progress=progress, model=prepared,
        max_block_bytes=block_bytes(options.memory_budget or default_memory_budget()),
    )
    if timed:
        record.timed("embed", start)
    record.details.update(
        {
            "shardDir": str(embedded.shard_dir),
            "shardsWritten": len(embedded.run.shards_written),
            "imagesEmbedded": embedded.run.n_model_images,
            "modelCalls": embedded.run.n_model_calls,
            "imagesFromShards": embedded.n_from_shards,
            "decodeFailuresFromShards": embedded.n_failures_from_shards,
            "modelActors": embedded.run.actors,
            "modelDevice": embedded.run.device,
            "model": (prepared or ModelChoice()).label,
        }
    )
    return embedded


def folder_samples_on_ray(
    embedded: RayFolderEmbedding, params: RunParameters, *, memory_budget: int, on_cluster: HoldOnCluster | None,
) -> LoadedInputs:
    """The embedded images with the datapool attached, as the local engine's
    :func:`~embedscope.embed.image_samples.samples_of_embedded_images`: gathered on the driver when the N × D
    matrix fits ``memory_budget``, else left on the cluster and handed to ``on_cluster`` (its rows and names in
    the same order, the same datapool removal and normalisation;
    :func:`~embedscope.distributed.cluster_input.inputs_within_budget`).

    Raises:
        InputFileError: fewer than 2 samples, a bad datapool, a zero vector under ``--normalize``;
        MemoryBudgetError: above the budget without ``on_cluster``.
    """
    scan = embedded.scan
    return inputs_within_budget(
        scan.names, embedded.blocks, source=params.input_path, datapool_path=params.datapool_path,
        normalize=params.normalize, memory_budget=memory_budget, on_cluster=on_cluster, corrupt=scan.corrupt,
        duplicates=scan.duplicates, image_root=params.input_path,
    )
