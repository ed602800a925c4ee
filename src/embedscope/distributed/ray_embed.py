"""An image folder's embeddings on Ray, gathered on the driver when they fit its memory budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.ray_image_folder import (
    RayFolderEmbedding,
    embed_folder_on_ray,
    scan_image_folder_on_ray,
)
from embedscope.distributed.shard_embedding import DEFAULT_FILES_PER_SHARD


@dataclass(frozen=True)
class RayEmbedOptions:
    """The ``--engine ray`` flags of ``embed`` and ``run``.

    Attributes:
        address: None (a local instance), ``auto``, ``host:port`` or ``ray://host:port``.
        shard_dir: the resumable shard folder (default: in the cache, per image folder and model).
        files_per_shard: images per shard and per model call.
        memory_budget: bytes the driver may spend on the N × D matrix (None: a fraction of RAM).
        partitions: round-1 partitions of the composable k-center (None: the cluster's CPUs, at least 2).
    """

    address: str | None = None
    shard_dir: Path | None = None
    files_per_shard: int = DEFAULT_FILES_PER_SHARD
    memory_budget: int | None = None
    partitions: int | None = None


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
    options: RayEmbedOptions,
    embedding_dim: int,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RayFolderEmbedding, np.ndarray]:
    """Scan and embed ``image_dir`` on the connected cluster; the (N, D) float32 vectors in ``scan.names`` order.

    Raises:
        InputFileError: no usable image; MemoryBudgetError: the vectors exceed the memory budget.
    """
    from embedscope.distributed.vector_blocks import default_memory_budget

    start = time.perf_counter()
    scan = scan_image_folder_on_ray(image_dir)
    record.timed("scan", start)
    start = time.perf_counter()
    embedded = embed_folder_on_ray(
        scan, cluster=record.cluster, embedding_dim=embedding_dim, shard_dir=options.shard_dir,
        files_per_shard=options.files_per_shard, cache_dir=cache_dir, progress=progress,
    )
    vectors = embedded.blocks.gather(memory_budget=options.memory_budget or default_memory_budget())
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
        }
    )
    return embedded, vectors
