"""The PCA projection of shard features on Ray: fitted on the driver on the rows the local engine fits it on
(:func:`embedscope.embed.projection.projection_fit_rows`), applied in Ray tasks to blocks of consecutive rows
(each reading the shards that hold them) — or on the driver when the fit already read every row (N ≤ 20,000), as
the local engine does, saving the tasks' start-up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embedscope.distributed.feature_shards import read_shard_features
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE, VectorBlocks
from embedscope.embed.projection import FeatureProjection, fit_projection, projection_fit_rows

ROWS_PER_BLOCK = 65_536  # projected rows per object-store block: 8 MiB at 32-d, few tasks, bounded task memory

Location = Mapping[str, tuple[Path, int]]
"""content key → (shard path, row in the shard), as :class:`~embedscope.distributed.feature_shards.ShardIndex`."""


def rows_by_shard(location: Location, keys: Sequence[str]) -> dict[Path, tuple[np.ndarray, np.ndarray]]:
    """shard → (rows in it, positions in ``keys``), int64."""
    pairs: dict[Path, list[tuple[int, int]]] = defaultdict(list)
    for position, key in enumerate(keys):
        path, row = location[key]
        pairs[path].append((position, row))
    out = {}
    for path, found in sorted(pairs.items()):
        positions, rows = (np.asarray(v, dtype=np.int64) for v in zip(*found))
        out[path] = (rows, positions)
    return out


def features_at(location: Location, keys: Sequence[str], feature_dim: int) -> np.ndarray:
    """(len(keys), feature_dim) float32 raw features, read shard by shard (only the needed rows)."""
    out = np.empty((len(keys), feature_dim), dtype=np.float32)
    for path, (rows, positions) in rows_by_shard(location, keys).items():
        out[positions] = read_shard_features(path, rows)
    return out


def _project_shards(
    parts: list[tuple[str, np.ndarray, np.ndarray]], projection: FeatureProjection
) -> tuple[np.ndarray, np.ndarray]:
    """One block: the projected rows at consecutive positions, read from the shards that hold them, each given as
    (path, rows in it, their positions); the block's rows in position order."""
    positions = np.concatenate([p for _, _, p in parts])
    features = np.concatenate([read_shard_features(Path(path), rows) for path, rows, _ in parts])
    order = np.argsort(positions, kind="stable")
    return positions[order], projection.apply(features[order])


def _position_ranges(by_shard: dict[Path, tuple[np.ndarray, np.ndarray]], n_rows: int,
                     rows_per_block: int) -> list[list[tuple[str, np.ndarray, np.ndarray]]]:
    """The parts of each block of ``rows_per_block`` consecutive positions: per shard, its rows in that range."""
    blocks: list[list[tuple[str, np.ndarray, np.ndarray]]] = [[] for _ in range(-(-n_rows // rows_per_block))]
    for path, (rows, positions) in by_shard.items():
        block_of = positions // rows_per_block
        for block in np.unique(block_of):
            inside = block_of == block
            blocks[int(block)].append((str(path), rows[inside], positions[inside]))
    return blocks


def project_on_ray(location: Location, keys: Sequence[str], *, embedding_dim: int, feature_dim: int,
                   max_block_bytes: int | None = None) -> VectorBlocks:
    """The (len(keys), embedding_dim or D) float32 unit rows of :func:`embedscope.embed.projection.project_features`
    on the features of ``keys`` (in that order), held as blocks in the object store: block ``b`` holds the
    consecutive positions ``b · rows_per_block ..``, in order (the blocks of an input held on the cluster,
    :mod:`embedscope.distributed.cluster_input`), ``rows_per_block`` being :data:`ROWS_PER_BLOCK` or fewer when
    ``max_block_bytes`` (float32 bytes of one block) asks.

    When the fit rows are all the rows (N ≤ :data:`~embedscope.embed.projection.PCA_FIT_MAX_SAMPLES`) the
    driver holds every feature already and applies the projection itself, as the local engine does (the same
    rows in one call: bit-identical to it), and puts the result in the object store: Ray tasks would only add
    seconds of worker start-up (importing scikit-learn, unpickling the PCA) for milliseconds of work.

    Memory on the driver: the PCA's fit rows (≤ 20,000 × D float32), never all N × D features.

    Raises:
        ConfigError: a bad ``embedding_dim`` (as the local projection).
    """
    import ray

    fit_rows = projection_fit_rows(len(keys))
    fit_features = features_at(location, [keys[i] for i in fit_rows], feature_dim)
    projection = fit_projection(fit_features, n_samples=len(keys), embedding_dim=embedding_dim)
    rows_per_block = ROWS_PER_BLOCK
    if max_block_bytes is not None:
        rows_per_block = max(1, min(rows_per_block, max_block_bytes // (BYTES_PER_VALUE * projection.embedding_dim)))
    if len(fit_rows) == len(keys):
        return VectorBlocks.from_array(projection.apply(fit_features), n_blocks=-(-len(keys) // rows_per_block))
    del fit_features
    blocks = _position_ranges(rows_by_shard(location, keys), len(keys), rows_per_block)
    project = ray.remote(max_retries=3)(_project_shards)
    projection_ref = ray.put(projection)
    refs = [project.remote(parts, projection_ref) for parts in blocks]
    return VectorBlocks.from_position_refs(refs, n_rows=len(keys), dim=projection.embedding_dim)
