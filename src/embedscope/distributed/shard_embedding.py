"""Embedding image files into feature shards with Ray Data: CPU decode tasks feed an actor pool of the ONNX model.

Pipeline: one row per shard (its filenames and content hashes) → ``map`` (per shard: decode, EXIF-orient,
resize to 224×224 with :func:`embedscope.embed.preprocess.model_input_from_file`, exactly as the local engine)
→ ``map_batches`` on an actor pool (one actor per GPU with onnxruntime's CUDA provider, fed by CPU decode tasks;
on CPU clusters one actor per CPU, into which Ray Data fuses the decode) that runs the network and writes the
shard atomically → a small summary row per shard.

Fault tolerance is Ray Data's: its tasks are retried without limit when a node is lost, and its actors are
restarted without limit (``max_restarts=-1``), so a lost node or an actor that fails to start does not end the
job; a shard is only ever written whole, under a name fixed by its content.

Ray Data: https://docs.ray.io/en/latest/data/api/doc/ray.data.Dataset.map_batches.html
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.feature_shards import write_feature_shard
from embedscope.distributed.options import DEFAULT_FILES_PER_SHARD
from embedscope.embed.model_spec import FEATURE_DIM, INPUT_SIZE
from embedscope.embed.preprocess import model_input_from_file
from embedscope.ingest.image_decode import ImageDecodeError

logger = logging.getLogger(__name__)

CUDA_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")
PIXELS_PER_IMAGE = INPUT_SIZE * INPUT_SIZE * 3


def decode_shard(row: dict[str, Any], *, root: str) -> dict[str, Any]:
    """Ray Data ``map`` function: decode the images of one shard.

    Returns:
        The row plus ``reasons`` (one per image: "" when decoded, else the one-line failure) and ``pixels``:
        the decoded images' (n_ok, 224, 224, 3) uint8 bytes, in order.
    """
    images: list[np.ndarray] = []
    reasons: list[str] = []
    for name in row["names"]:
        try:
            images.append(model_input_from_file(Path(root) / str(name)))
            reasons.append("")
        except ImageDecodeError as error:
            reasons.append(error.reason)
    pixels = np.stack(images).tobytes() if images else b""
    return {"names": list(row["names"]), "hashes": list(row["hashes"]), "reasons": reasons, "pixels": pixels}


class ShardEmbedder:
    """Ray Data actor: the ONNX network, run on one decoded shard per call, which it writes as a Parquet shard.

    Args:
        model: the exported ONNX model's bytes (shipped through the object store, so workers need no cache).
        shard_dir: the shard folder (on storage every node sees).
        providers: onnxruntime execution providers.
        num_threads: inference threads (the actor's CPUs).
    """

    def __init__(self, model: bytes, *, shard_dir: str, providers: tuple[str, ...], num_threads: int) -> None:
        import tempfile

        from embedscope.embed.feature_extractor import FeatureExtractor

        model_file = Path(tempfile.mkdtemp(prefix="embedscope-actor-")) / "model.onnx"  # the session reads a file
        model_file.write_bytes(model)
        device = "cuda" if "CUDAExecutionProvider" in providers else "cpu"
        self._extractor = FeatureExtractor(model_file, device=device, num_threads=num_threads)
        self._shard_dir = Path(shard_dir)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        summary: dict[str, list[Any]] = {"shard": [], "n_rows": [], "n_model_images": [], "n_model_calls": []}
        for names, hashes, reasons, pixels in zip(batch["names"], batch["hashes"], batch["reasons"], batch["pixels"]):
            ok = np.asarray([reason == "" for reason in reasons], dtype=bool)
            images = np.frombuffer(pixels, dtype=np.uint8).reshape(-1, INPUT_SIZE, INPUT_SIZE, 3)
            features = self._extractor(images) if len(images) else np.empty((0, FEATURE_DIM), np.float32)
            path = write_feature_shard(
                self._shard_dir,
                names=[str(n) for n in names],
                content_hashes=[str(h) for h in hashes],
                features=features,
                ok=ok,
                failures=[str(r) if r else None for r in reasons],
            )
            summary["shard"].append(path.name)
            summary["n_rows"].append(len(names))
            summary["n_model_images"].append(len(images))
            summary["n_model_calls"].append(1 if len(images) else 0)
        return summary


@dataclass(frozen=True)
class ShardRunSummary:
    """What one embedding pass did.

    Attributes:
        shards_written: shard file names written in this pass.
        n_model_images: images run through the network (0 for a pass that found everything in shards).
        n_model_calls: network calls.
        actors: actor pool size; device: "GPU" or "CPU".
    """

    shards_written: list[str]
    n_model_images: int
    n_model_calls: int
    actors: int
    device: str


def embed_into_shards(
    root: Path,
    todo: Sequence[tuple[str, str]],
    *,
    shard_dir: Path,
    model: bytes,
    cluster: ClusterInfo,
    files_per_shard: int = DEFAULT_FILES_PER_SHARD,
    progress: Callable[[int], None] | None = None,
) -> ShardRunSummary:
    """Embed ``todo`` (name, content hash) pairs of ``root`` into new shards of ``files_per_shard`` images.

    Args:
        progress: called with the number of images done so far after each shard.

    Memory per decode task: files_per_shard × 150 KB decoded pixels; per actor: the model (~20 MB) plus one shard.
    """
    import ray

    shard_dir.mkdir(parents=True, exist_ok=True)
    groups = [todo[start : start + files_per_shard] for start in range(0, len(todo), files_per_shard)]
    if not groups:
        return ShardRunSummary([], 0, 0, 0, "GPU" if cluster.gpus else "CPU")
    items = [{"names": [n for n, _ in group], "hashes": [h for _, h in group]} for group in groups]
    on_gpu = cluster.gpus > 0
    # GPU clusters: one actor per GPU, fed by CPU decode tasks. CPU clusters: one actor per CPU; Ray Data fuses
    # the decode into it (same resources), so each CPU decodes and embeds its shard without a copy in between.
    actors = cluster.gpus if on_gpu else max(1, cluster.cpus)
    dataset = (
        ray.data.from_items(items, override_num_blocks=len(items))
        .map(decode_shard, fn_kwargs={"root": str(root)}, num_cpus=1)  # type: ignore[arg-type]  # ray passes fn_kwargs
        .map_batches(
            ShardEmbedder,
            fn_constructor_kwargs={
                "model": model,
                "shard_dir": str(shard_dir),
                "providers": CUDA_PROVIDERS if on_gpu else ("CPUExecutionProvider",),
                "num_threads": 1,
            },
            batch_size=1,
            batch_format="numpy",
            concurrency=(1, actors),
            num_cpus=1,
            num_gpus=1 if on_gpu else 0,
        )
    )
    written: list[str] = []
    n_images = n_calls = done = 0
    for row in dataset.iter_rows():
        written.append(str(row["shard"]))
        n_images += int(row["n_model_images"])
        n_calls += int(row["n_model_calls"])
        done += int(row["n_rows"])
        if progress is not None:
            progress(done)
    logger.info("Ray Data embedding stats:\n%s", dataset.stats())
    return ShardRunSummary(written, n_images, n_calls, actors, "GPU" if on_gpu else "CPU")
