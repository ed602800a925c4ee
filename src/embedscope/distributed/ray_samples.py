"""What the Ray embedding of video frames and object crops share: the model and shard folder of a run, content
hashes as Ray Data tasks, and reading the shards back as the local engine's inputs (gathered within
``--memory-budget``, else held on the cluster) and statistics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.cluster_input import HoldOnCluster, block_bytes, inputs_within_budget
from embedscope.distributed.feature_shards import read_shard_statistics
from embedscope.distributed.file_tasks import map_file_chunks
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_image_folder import default_shard_dir
from embedscope.distributed.ray_model import RayModel, claim_shard_dir, ray_model
from embedscope.distributed.ray_projection import Location, project_on_ray, rows_by_shard
from embedscope.distributed.shard_embedding import ShardRunSummary
from embedscope.distributed.vector_blocks import default_memory_budget
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.projected_table import InputsOf
from embedscope.ingest.image_folder import file_digest
from embedscope.ingest.image_statistics import column_names
from embedscope.ingest.sample_statistics import SampleStatistics
from embedscope.ingest.samples import LoadedInputs


@dataclass
class SampleRun:
    """One Ray embedding of frames or crops: the cluster, options, model and shard folder, and what it did.

    Attributes:
        details: filled for the engine record (shard folder, samples embedded and found in shards, model calls).
    """

    cluster: ClusterInfo
    options: RayEngineOptions
    model: RayModel
    shard_dir: Path
    details: dict[str, object] = field(default_factory=dict)

    @classmethod
    def start(
        cls, root: Path, choice: ModelChoice | None, *, cluster: ClusterInfo, options: RayEngineOptions,
        kind: str, cache_dir: Path | None = None,
    ) -> SampleRun:
        """Resolve the model (see :func:`~embedscope.distributed.ray_model.ray_model`) and claim the shard folder
        (default: ``<cache>/ray-shards/<folder hash>-<model key>-<kind>``).

        Raises:
            ConfigError: ``--device cuda`` without GPUs; a ``--shard-dir`` of another model.
        """
        model = ray_model(choice, cluster, cache_dir)
        shard_dir = options.shard_dir or default_shard_dir(root, f"{model.key}-{kind}", cache_dir)
        claim_shard_dir(Path(shard_dir), model)
        return cls(cluster=cluster, options=options, model=model, shard_dir=Path(shard_dir))

    def note(self, run: ShardRunSummary, *, n_samples: int, n_from_shards: int) -> None:
        """Record one pass for the engine record."""
        self.details.update({
            "shardDir": str(self.shard_dir), "shardsWritten": len(run.shards_written), "samplesEmbedded":
            run.n_model_images, "modelCalls": run.n_model_calls, "samplesFromShards": n_from_shards,
            "samples": n_samples, "modelActors": run.actors, "modelDevice": run.device, "model": self.model.label,
        })

    def inputs_of(
        self, location: Location, keys: Sequence[str], *, source: Path, embedding_dim: int,
        datapool_path: Path | None, normalize: bool, on_cluster: HoldOnCluster | None,
    ) -> InputsOf:
        """The ``inputs_of`` of :func:`~embedscope.embed.video_samples.assemble_video_inputs` /
        :func:`~embedscope.embed.crop_samples.assemble_object_inputs`: the projected embeddings of ``keys``
        (:func:`~embedscope.distributed.ray_projection.project_on_ray`, blocks of at most a
        :data:`~embedscope.distributed.cluster_input.BLOCKS_PER_BUDGET`-th of ``--memory-budget``) named by the
        names it is given (labels 0), with the datapool attached as the local engine does: gathered on the driver
        when their N × D × 4 bytes fit ``--memory-budget``, else left on the cluster and handed to
        ``on_cluster`` (:func:`~embedscope.distributed.cluster_input.inputs_within_budget`; the budget is
        decided before anything is fetched).

        Raises:
            MemoryBudgetError: above the budget without ``on_cluster``; InputFileError: as
                :func:`~embedscope.ingest.samples.prepare_inputs` (both from the returned function).
        """
        budget = self.options.memory_budget or default_memory_budget()

        def inputs(names: list[str], corrupt: dict[str, str]) -> LoadedInputs:
            blocks = project_on_ray(location, keys, embedding_dim=embedding_dim, feature_dim=self.model.feature_dim,
                                    max_block_bytes=block_bytes(budget))
            return inputs_within_budget(names, blocks, source=source, datapool_path=datapool_path,
                                        normalize=normalize, memory_budget=budget, on_cluster=on_cluster,
                                        corrupt=corrupt)

        return inputs


def _digests(names: list[str], *, root: str) -> list[str]:
    digests = []
    for name in names:
        try:
            digests.append(file_digest(Path(root) / name))
        except OSError:  # decoding reports the file's problem; the name keys it
            digests.append(f"unreadable-{name}")
    return digests


def hashes_on_ray(root: Path, names: Sequence[str]) -> dict[str, str]:
    """name → content hash (:func:`~embedscope.ingest.image_folder.file_digest`) of files of ``root``, hashed in
    Ray tasks (the files are read on the cluster, not by the driver)."""
    return dict(zip(names, map_file_chunks(_digests, names, root=str(root)), strict=True))


def statistics_at(location: Location, keys: Sequence[str], names: Sequence[str]) -> SampleStatistics:
    """The computed image statistics stored with ``keys``, named ``names`` (same order)."""
    columns = {name: np.full(len(keys), np.nan) for name in column_names()}
    for path, (rows, positions) in rows_by_shard(location, keys).items():
        for name, values in read_shard_statistics(path, rows).items():
            columns[name][positions] = values
    return SampleStatistics(names=list(names), columns=columns)


def progress_of(advance: Callable[..., None], done_before: int) -> Callable[[int], None]:
    """``advance(done_before + done)`` for a pass reporting the samples it has done."""
    return lambda done: advance(done_before + done)
