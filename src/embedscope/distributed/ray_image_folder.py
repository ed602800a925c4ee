"""An image folder on Ray: the scan (corrupt + duplicate check) as Ray tasks, the embedding into
resumable feature shards, and the PCA projection fitted on the local engine's rows and applied per shard.

The result equals :func:`embedscope.embed.image_folder_embedding.embed_image_folder` on the same folder (the
same decode, network and projection code; the same rows fit the PCA), up to float rounding.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.feature_shards import read_shard_index
from embedscope.distributed.file_tasks import map_file_chunks
from embedscope.distributed.options import DEFAULT_FILES_PER_SHARD
from embedscope.distributed.ray_model import RayModel, claim_shard_dir, ray_model
from embedscope.distributed.ray_projection import project_on_ray
from embedscope.distributed.shard_embedding import ShardRunSummary, embed_into_shards
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.model_choice import ModelChoice
from embedscope.ingest.image_folder import (
    ImageFolderScan,
    check_image_file,
    listed_image_files,
    scan_from_checks,
)
from embedscope.io.relevant_filenames import RelevantFilenames

ROOT_KEY_BYTES = 8


def default_shard_dir(root: Path, model_key: str, cache_dir: Path | None = None) -> Path:
    """``<cache>/ray-shards/<hash of the absolute folder>-<model key>``: a rerun on the same folder with the same
    model resumes; another model (``--model``, ``--checkpoint``, int8) gets its own folder."""
    key = hashlib.blake2b(str(Path(root).resolve()).encode("utf-8"), digest_size=ROOT_KEY_BYTES).hexdigest()
    return resolve_cache_dir(cache_dir) / "ray-shards" / f"{key}-{model_key}"


def _check_files(names: list[str], *, root: str) -> list[tuple[str | None, str]]:
    return [check_image_file(Path(root) / name) for name in names]


def scan_image_folder_on_ray(root: Path, *, relevant: RelevantFilenames | None = None) -> ImageFolderScan:
    """:func:`embedscope.ingest.image_folder.scan_image_folder` with the per-file checks in Ray tasks of
    :data:`~embedscope.distributed.file_tasks.FILES_PER_TASK` files (``relevant``: only the images it lists
    take part).

    Raises:
        InputFileError: as the local scan.
    """
    root = Path(root)
    names = listed_image_files(root, relevant)
    return scan_from_checks(root, names, map_file_chunks(_check_files, names, root=str(root)))


def _prepare_model(
    choice: ModelChoice | RayModel | None, cluster: ClusterInfo, cache_dir: Path | None
) -> tuple[RayModel, float]:
    start = time.perf_counter()
    # imported here, while the scan runs, not after it: Ray Data (~0.6 s), scikit-learn for the PCA fit (~0.9 s)
    import ray.data  # noqa: F401
    import sklearn.decomposition  # noqa: F401

    return ray_model(choice, cluster, cache_dir), time.perf_counter() - start


@dataclass(frozen=True)
class ScanWithModel:
    """A folder scan and the model loaded while it ran.

    Attributes:
        scan: as :func:`scan_image_folder_on_ray`.
        model: the resolved model, ready for the actors.
        model_seconds: what resolving and loading the model (and importing Ray Data and scikit-learn) took on
            the driver thread, overlapped with the scan (recorded as ``modelLoadSeconds`` in the engine JSON).
    """

    scan: ImageFolderScan
    model: RayModel
    model_seconds: float


def scan_with_model_on_ray(
    root: Path, choice: ModelChoice | RayModel | None, *, cluster: ClusterInfo, cache_dir: Path | None = None,
    relevant: RelevantFilenames | None = None,
) -> ScanWithModel:
    """:func:`scan_image_folder_on_ray` and :func:`~embedscope.distributed.ray_model.ray_model` at once: a driver
    thread resolves and loads the model (and imports Ray Data and scikit-learn) while the scan's Ray tasks run,
    since the driver only waits on them (their worker start-up is most of a small scan's time).

    Args:
        relevant: only the images it lists take part (as :func:`scan_image_folder_on_ray`).

    Raises:
        InputFileError: as the scan (first) or the model; ConfigError: as :func:`ray_model`.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedscope-model") as pool:
        model = pool.submit(_prepare_model, choice, cluster, cache_dir)
        scan = scan_image_folder_on_ray(root, relevant=relevant)
        loaded, seconds = model.result()
        return ScanWithModel(scan=scan, model=loaded, model_seconds=seconds)


@dataclass(frozen=True)
class RayFolderEmbedding:
    """The embeddings of a folder's images, held as blocks in the Ray object store.

    Attributes:
        scan: the scan with late (decode) failures moved to ``corrupt``; ``scan.names`` are the rows.
        blocks: the (len(scan.names), D) float32 L2-normalised vectors, in blocks of consecutive rows.
        run: what this pass embedded; n_from_shards: images whose vectors were found in shards of earlier passes;
            n_failures_from_shards: files whose decode failure was found there (listed as corrupt, not embedded).
        shard_dir: where the shards are.
    """

    scan: ImageFolderScan
    blocks: VectorBlocks
    run: ShardRunSummary
    n_from_shards: int
    shard_dir: Path
    n_failures_from_shards: int = 0


def embed_folder_on_ray(
    scan: ImageFolderScan,
    *,
    cluster: ClusterInfo,
    embedding_dim: int = 32,
    shard_dir: Path | None = None,
    files_per_shard: int = DEFAULT_FILES_PER_SHARD,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    model: ModelChoice | RayModel | None = None,
    max_block_bytes: int | None = None,
) -> RayFolderEmbedding:
    """Embed the usable images of ``scan`` into shards (skipping content hashes already there), then project.

    Args:
        shard_dir: the shard folder (default :func:`default_shard_dir`); on a multi-node cluster it must be on
            storage every node sees, as must the image folder.
        progress: ``progress(done, total)`` over ``len(scan.names)`` images.
        model: the image model (default EfficientNet-Lite0; see :func:`embedscope.distributed.ray_model.ray_model`).
        max_block_bytes: float32 bytes of one block of ``blocks`` at most (see
            :func:`~embedscope.distributed.ray_projection.project_on_ray`).

    Memory on the driver: the names, the shard index (O(N) hashes) and the PCA's fit rows
    (≤ 20,000 × D float32, 100 MB for D = 1280); never the N × D features.

    Raises:
        InputFileError: every image is corrupt; ConfigError: bad ``embedding_dim``, ``--device cuda`` without
            GPUs, a ``shard_dir`` of another model.
    """
    model = ray_model(model, cluster, cache_dir)
    shard_dir = Path(shard_dir) if shard_dir is not None else default_shard_dir(scan.root, model.key, cache_dir)
    claim_shard_dir(shard_dir, model)
    hashes = [scan.content_hashes[name] for name in scan.names]
    before = read_shard_index(shard_dir)
    todo = [(name, digest) for name, digest in zip(scan.names, hashes) if digest not in before.location]
    n_done_before = len(hashes) - len(todo)
    n_failures_before = sum(1 for digest in hashes if digest in before.failures)
    if progress is not None:
        progress(n_done_before, len(hashes))
    run = embed_into_shards(
        scan.root, todo, shard_dir=shard_dir, model=model, cluster=cluster, files_per_shard=files_per_shard,
        progress=None if progress is None else (lambda done: progress(n_done_before + done, len(hashes))),
    )
    index = read_shard_index(shard_dir)
    late = {name: index.failures[d] for name, d in zip(scan.names, hashes) if d in index.failures}
    final = scan.with_corrupt(dict(sorted(late.items())))
    usable = [scan.content_hashes[name] for name in final.names]
    blocks = project_on_ray(index.location, usable, embedding_dim=embedding_dim, feature_dim=model.feature_dim,
                            max_block_bytes=max_block_bytes)
    return RayFolderEmbedding(scan=final, blocks=blocks, run=run, n_from_shards=n_done_before - n_failures_before,
                              shard_dir=shard_dir, n_failures_from_shards=n_failures_before)
