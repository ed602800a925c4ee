"""The ``--engine`` flags shared by ``run`` and ``embed``, their record in config.yaml, and ``embed --engine ray``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from embedscope.distributed.options import DEFAULT_FILES_PER_SHARD, RayEngineOptions
from embedscope.errors import ConfigError

if TYPE_CHECKING:
    from embedscope.embed.model_choice import ModelChoice

DEFAULT_SHARD_FILES = DEFAULT_FILES_PER_SHARD

ENGINES = ("local", "ray")

Engine = Annotated[str, typer.Option("--engine", help="Where stages run: local (this process) or ray (a Ray cluster).")]
RayAddress = Annotated[
    str | None,
    typer.Option("--ray-address", help="Join this Ray cluster: auto, host:port or ray://host:port (default: start one here)."),
]
ShardDir = Annotated[
    Path | None, typer.Option("--shard-dir", help="Ray: the resumable Parquet shard folder (default: in the cache).")
]
ShardFiles = Annotated[int, typer.Option("--shard-files", help="Ray: images per shard and per model call.")]
Partitions = Annotated[
    int | None, typer.Option("--partitions", help="Ray: round-1 partitions of the composable k-center (default: the cluster's CPUs).")
]
MemoryBudget = Annotated[
    float | None,
    typer.Option("--memory-budget", help="Ray: GiB the driver may hold of the N × D matrix (default: a quarter of RAM)."),
]


def check_engine(engine: str, *, ray_flags_given: bool) -> bool:
    """True for the Ray engine.

    Raises:
        ConfigError: an unknown engine, or Ray flags with the local engine.
    """
    if engine not in ENGINES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, got '{engine}'")
    if engine == "local" and ray_flags_given:
        raise ConfigError(
            "--ray-address, --shard-dir, --shard-files, --memory-budget and --partitions need --engine ray"
        )
    return engine == "ray"


def budget_bytes(memory_budget_gib: float | None) -> int | None:
    """``--memory-budget`` in bytes.

    Raises:
        ConfigError: not a positive number.
    """
    if memory_budget_gib is None:
        return None
    if not memory_budget_gib > 0:
        raise ConfigError(f"--memory-budget must be a positive number of GiB, got {memory_budget_gib}")
    return int(memory_budget_gib * 2**30)


def ray_engine_options(
    engine: str, *, address: str | None, shard_dir: Path | None, shard_files: int, memory_budget_gib: float | None,
    partitions: int | None,
) -> RayEngineOptions | None:
    """The Ray engine's options, or None for the local engine.

    Raises:
        ConfigError: an unknown engine, Ray flags without ``--engine ray``, bad numbers.
    """
    given = bool(address or shard_dir or memory_budget_gib or partitions or shard_files != DEFAULT_SHARD_FILES)
    if not check_engine(engine, ray_flags_given=given):
        return None
    if shard_files < 1:
        raise ConfigError(f"--shard-files must be at least 1, got {shard_files}")
    if partitions is not None and partitions < 1:
        raise ConfigError(f"--partitions must be at least 1, got {partitions}")
    return RayEngineOptions(
        address=address, shard_dir=shard_dir, files_per_shard=shard_files, memory_budget=budget_bytes(memory_budget_gib),
        partitions=partitions,
    )


def ray_config(options: RayEngineOptions, engine: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``--engine ray`` settings of a run as config.yaml records them, resolved where the run resolved them:
    ``engine``, ``ray_address`` (null: a Ray instance started on this machine), ``memory_budget_gib`` (default: a
    quarter of RAM), ``partitions`` (default: the cluster's CPUs; from the engine record's ``selection``),
    ``shard_dir`` (default: in the cache; from the record's ``shardDir`` when the run embedded) and
    ``shard_files``. ``engine``: the run's ``report.embedscope["engine"]`` record, or None."""
    from embedscope.distributed.vector_blocks import default_memory_budget

    record = engine or {}
    selection = record.get("selection") if isinstance(record.get("selection"), dict) else {}
    shard_dir = record.get("shardDir") or (str(options.shard_dir.absolute()) if options.shard_dir else None)
    return {
        "engine": "ray",
        "ray_address": options.address,
        "memory_budget_gib": (options.memory_budget or default_memory_budget()) / 2**30,
        "partitions": selection.get("partitions", options.partitions),
        "shard_dir": shard_dir,
        "shard_files": options.files_per_shard,
    }


def refuse_local_only_flags(ray_options: RayEngineOptions | None, *, train_embedding: int = 0) -> None:
    """Refuse the flags the Ray engine does not honour, instead of silently running without them. (``--model``,
    ``--checkpoint``, ``--model-precision`` and ``--device`` work on Ray: the actors load the same model.)

    Raises:
        ConfigError: ``--engine ray`` with ``--train-embedding`` (training runs on the local engine).
    """
    if ray_options is not None and train_embedding > 0:
        raise ConfigError(
            "--train-embedding: the local engine only (it trains in this process); train with 'embedscope train', "
            "then pass --checkpoint to --engine ray, or drop --engine ray"
        )


def embed_on_ray(
    image_dir: Path, out: Path, *, embedding_dim: int, options: RayEngineOptions, quiet: bool,
    model: ModelChoice | None = None,
) -> None:
    """``embedscope embed --engine ray``: the same CSV as the local engine, embedded on a Ray cluster with
    ``model`` (default EfficientNet-Lite0)."""
    from embedscope.distributed.cluster import ray_cluster

    with warnings.catch_warnings(), ray_cluster(options.address) as cluster:  # connect first: a bad address fails fast
        warnings.simplefilter("ignore", DeprecationWarning)  # Ray's own deprecations are not the user's concern
        import numpy as np
        from rich.console import Console

        from embedscope.cli.progress_display import RichProgress
        from embedscope.distributed.cluster_analysis import write_embeddings_csv_from_blocks
        from embedscope.distributed.ray_embed import EngineRecord, embed_folder_blocks_with_ray

        record = EngineRecord(cluster=cluster)
        if quiet:
            embedded = embed_folder_blocks_with_ray(
                image_dir, record=record, options=options, embedding_dim=embedding_dim, model=model)
        else:
            with RichProgress() as display:
                display.stage("embedding images on Ray")
                embedded = embed_folder_blocks_with_ray(
                    image_dir, record=record, options=options, embedding_dim=embedding_dim,
                    progress=lambda done, total: display.advance(done, total), model=model,
                )
        names = list(embedded.scan.names)  # the CSV is written block by block: the driver never holds N × D
        write_embeddings_csv_from_blocks(out, embedded.blocks, names, np.zeros(len(names), dtype=np.int64))
    if not quiet:
        scan = embedded.scan
        Console(stderr=True).print(
            f"embedded {len(scan.names):,} images on Ray ({cluster.nodes} node(s); {embedded.run.n_model_images:,} "
            f"run through the model, {embedded.n_from_shards:,} from shards"
            f"{_failures_from_shards(embedded.n_failures_from_shards)}), skipped {len(scan.corrupt):,} corrupt "
            f"and {len(scan.duplicates):,} duplicate files; wrote {out}"
        )


def _failures_from_shards(count: int) -> str:
    """The files whose decode failure an earlier pass recorded in the shards, for the summary line."""
    return f", {count:,} known decode failure{'s' if count != 1 else ''} from shards" if count else ""
