"""The Ray engine's options (light: importable by the CLI without Ray, numpy or Pillow)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILES_PER_SHARD = 64
"""Images per shard = per model call: the local engine's batch size, and a small unit of lost work on a crash."""


@dataclass(frozen=True)
class RayEngineOptions:
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
