"""An image folder's embeddings on Ray, gathered on the driver when they fit its memory budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_image_folder import (
    RayFolderEmbedding,
    ScanWithModel,
    embed_folder_on_ray,
    scan_with_model_on_ray,
)
from embedscope.distributed.ray_model import RayModel
from embedscope.embed.model_choice import ModelChoice
from embedscope.ingest.image_folder import ImageFolderScan


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


def embed_folder_with_ray(
    image_dir: Path,
    *,
    record: EngineRecord,
    options: RayEngineOptions,
    embedding_dim: int,
    cache_dir: Path | None = None,
    scan: ImageFolderScan | ScanWithModel | None = None,
    progress: Callable[[int, int], None] | None = None,
    model: ModelChoice | None = None,
) -> tuple[RayFolderEmbedding, np.ndarray]:
    """Scan (unless ``scan`` is given) and embed ``image_dir`` on the connected cluster with ``model`` (default
    EfficientNet-Lite0); the (N, D) float32 vectors in the final ``scan.names`` order.

    Without ``scan`` (the embed command) the scan runs with the model loading on the driver
    (:func:`~embedscope.distributed.ray_image_folder.scan_with_model_on_ray`) and ``record`` gets the stages
    ``scan`` and ``embed``; a caller that passes ``scan`` (``run``'s ingest stage scanned with the same function)
    times its own stages, and a :class:`ScanWithModel`'s model replaces ``model``. ``record.details`` gets the
    embedding details, and ``modelLoadSeconds`` (the model load, overlapped with the scan) when it was loaded so.

    Raises:
        InputFileError: no usable image; MemoryBudgetError: the vectors exceed the memory budget;
            ConfigError: ``--device cuda`` on a cluster without GPUs, a ``--shard-dir`` of another model.
    """
    from embedscope.distributed.vector_blocks import default_memory_budget

    timed = scan is None
    if scan is None:
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
    )
    vectors = embedded.blocks.gather(memory_budget=options.memory_budget or default_memory_budget())
    if timed:
        record.timed("embed", start)
    record.details.update(
        {
            "shardDir": str(embedded.shard_dir),
            "shardsWritten": len(embedded.run.shards_written),
            "imagesEmbedded": embedded.run.n_model_images,
            "modelCalls": embedded.run.n_model_calls,
            "imagesFromShards": embedded.n_from_shards,
            "modelActors": embedded.run.actors,
            "modelDevice": embedded.run.device,
            "model": (prepared or ModelChoice()).label,
        }
    )
    return embedded, vectors
