"""Embedding samples into feature shards with Ray Data: CPU decode tasks feed an actor pool of the ONNX model.

Pipeline: one row per shard (its filenames and content hashes) → ``map`` (per shard: decode, EXIF-orient,
resize to the model's input with :func:`embedscope.embed.preprocess.model_input_from_file`, exactly as the local
engine; video frames and object crops have their own decode tasks, :mod:`embedscope.distributed.ray_videos` and
:mod:`embedscope.distributed.ray_crops`, giving the same :func:`decoded_row` rows) → ``map_batches`` on an actor
pool (one actor per GPU with onnxruntime's CUDA provider, fed by CPU decode tasks; on CPU clusters one actor per
CPU, into which Ray Data fuses the decode) that runs the network and writes the shard atomically → a small
summary row per shard.

Fault tolerance is Ray Data's: its tasks are retried without limit when a node is lost, and its actors are
restarted without limit (``max_restarts=-1``), so a lost node or an actor that fails to start does not end the
job; a shard is only ever written whole, under a name fixed by its content.

Ray Data: https://docs.ray.io/en/latest/data/api/doc/ray.data.Dataset.map_batches.html
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.feature_shards import shard_name, write_feature_shard
from embedscope.distributed.options import DEFAULT_FILES_PER_SHARD
from embedscope.distributed.ray_model import RayModel
from embedscope.embed.preprocess import model_input_from_file
from embedscope.ingest.image_decode import ImageDecodeError
from embedscope.io.atomic import atomic_path

logger = logging.getLogger(__name__)


def decoded_row(
    shard: str, names: Sequence[str], keys: Sequence[str], reasons: Sequence[str], images: Sequence[np.ndarray],
    statistics: np.ndarray | None = None, marker: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    """One row of decoded samples for :class:`ShardEmbedder` (scalar columns only: every block has one schema).

    Args:
        shard: the shard file name to write ("" for none: a row carrying only a marker).
        names, keys, reasons: one per sample; ``reasons[i]`` is "" when decoded, else its one-line failure.
        images: the decoded samples' (H, W, 3) uint8 model inputs, in order.
        statistics: (len(names), S) float64 computed image statistics, or None.
        marker: (file name, text) of a marker file written once the row is done, or ("", "").
    """
    return {
        "shard": shard,
        "samples": json.dumps({"names": list(names), "keys": list(keys), "reasons": list(reasons)}),
        "pixels": np.stack(images).tobytes() if len(images) else b"",
        "statistics": b"" if statistics is None else np.asarray(statistics, dtype=np.float64).tobytes(),
        "marker_name": marker[0],
        "marker": marker[1],
    }


def decode_shard(row: dict[str, Any], *, root: str, size: tuple[int, int]) -> dict[str, Any]:
    """Ray Data ``map`` function: decode the images of one shard (``row``: names, hashes) to the model's
    input ``size`` = (height, width), as the local engine does."""
    images: list[np.ndarray] = []
    reasons: list[str] = []
    for name in row["names"]:
        try:
            images.append(model_input_from_file(Path(root) / str(name), tuple(size)))  # type: ignore[arg-type]
            reasons.append("")
        except ImageDecodeError as error:
            reasons.append(error.reason)
    hashes = [str(h) for h in row["hashes"]]
    return decoded_row(shard_name(hashes), [str(n) for n in row["names"]], hashes, reasons, images)


class ShardEmbedder:
    """Ray Data actor: the ONNX network, run on one decoded row per call, which it writes as a Parquet shard
    (skipping the network when that shard is already written: a video read again after a crash).

    Args:
        model: the model (shipped through the object store, so workers need no cache).
        shard_dir: the shard folder (on storage every node sees).
        providers: onnxruntime execution providers.
        num_threads: inference threads (the actor's CPUs).
        statistics: the names of the statistics columns rows carry (empty: none).
    """

    def __init__(
        self, model: RayModel, *, shard_dir: str, providers: tuple[str, ...], num_threads: int,
        statistics: Sequence[str] = (),
    ) -> None:
        from embedscope.embed.feature_extractor import FeatureExtractor

        device = "cuda" if "CUDAExecutionProvider" in providers else "cpu"
        self._extractor = FeatureExtractor(model.write(), device=device, num_threads=num_threads)
        self._shard_dir = Path(shard_dir)
        self._statistics = list(statistics)

    def _write(self, row: dict[str, Any]) -> tuple[int, int]:
        """Write one row's shard; (images run through the network, network calls)."""
        samples = json.loads(str(row["samples"]))
        shard = str(row["shard"])
        if not shard or (self._shard_dir / shard).is_file():
            return 0, 0
        height, width = self._extractor.input_size
        images = np.frombuffer(row["pixels"], dtype=np.uint8).reshape(-1, height, width, 3)
        features = (self._extractor(images) if len(images)
                    else np.empty((0, self._extractor.feature_dim), np.float32))
        statistics = None
        if len(row["statistics"]):
            table = np.frombuffer(row["statistics"], dtype=np.float64).reshape(len(samples["names"]), -1)
            statistics = {name: table[:, j] for j, name in enumerate(self._statistics)}
        write_feature_shard(
            self._shard_dir, names=samples["names"], content_hashes=samples["keys"], features=features,
            ok=np.asarray([reason == "" for reason in samples["reasons"]], dtype=bool),
            failures=[r or None for r in samples["reasons"]], name=shard, statistics=statistics,
        )
        return len(images), 1 if len(images) else 0

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        summary: dict[str, list[Any]] = {"shard": [], "n_rows": [], "n_model_images": [], "n_model_calls": []}
        for index in range(len(batch["shard"])):
            row = {key: values[index] for key, values in batch.items()}
            n_images, n_calls = self._write(row)
            if row["marker_name"]:  # written after the shards of the same task (a video's done marker)
                with atomic_path(self._shard_dir / str(row["marker_name"])) as tmp:
                    Path(tmp).write_text(str(row["marker"]), encoding="utf-8")
            summary["shard"].append(str(row["shard"]))
            summary["n_rows"].append(len(json.loads(str(row["samples"]))["names"]))
            summary["n_model_images"].append(n_images)
            summary["n_model_calls"].append(n_calls)
        return summary


def quiet_ray_data_console() -> None:
    """Ray Data's own progress lines and INFO messages off the console (embedscope shows its own progress, and
    ``--quiet`` means quiet); its warnings and errors still print, and its log file in the Ray session's
    ``logs/ray-data`` folder keeps everything."""
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.enable_operator_progress_bars = False
    context.print_on_execution_start = False
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setLevel(max(handler.level, logging.WARNING))


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


def embed_decoded_rows(
    decoded: Any,
    *,
    shard_dir: Path,
    model: RayModel,
    cluster: ClusterInfo,
    statistics: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    fused_decode: bool = False,
) -> ShardRunSummary:
    """Run the actor pool over ``decoded`` (a Ray Dataset of :func:`decoded_row` rows) and write the shards.

    Args:
        progress: called with the number of samples done so far after each row.
        fused_decode: ``decoded`` is a one-to-one ``map`` with ``num_cpus=1`` that Ray Data fuses into the
            actors on a CPU cluster (the image path), so the pool may start with all its actors.
    """
    import ray

    on_gpu = cluster.gpus > 0
    # GPU clusters: one actor per GPU, fed by CPU decode tasks. CPU clusters: one actor per CPU; Ray Data fuses
    # the decode into it (same resources), so each CPU decodes and embeds its shard without a copy in between.
    actors = cluster.gpus if on_gpu else max(1, cluster.cpus)
    # min 1: the job goes on with the actors that do start. A decode fused into the actors (``fused_decode``)
    # needs no other CPUs, so the pool starts whole instead of growing from one actor after it is ready (each
    # start-up is seconds: worker, imports, model session); otherwise the decode tasks need the CPUs the pool
    # has not taken (a whole pool on a CPU-only cluster starves them: the job would wait forever).
    initial = actors if fused_decode and not on_gpu else 1
    pool = ray.data.ActorPoolStrategy(min_size=1, max_size=actors, initial_size=initial)
    quiet_ray_data_console()
    dataset = decoded.map_batches(
        ShardEmbedder,
        fn_constructor_kwargs={
            "model": model,
            "shard_dir": str(shard_dir),
            "providers": model.providers(cluster),
            "num_threads": 1,
            "statistics": list(statistics),
        },
        batch_size=1,
        batch_format="numpy",
        compute=pool,
        num_cpus=1,
        num_gpus=1 if on_gpu else 0,
    )
    written: list[str] = []
    n_images = n_calls = done = 0
    for row in dataset.iter_rows():
        if row["shard"]:
            written.append(str(row["shard"]))
        n_images += int(row["n_model_images"])
        n_calls += int(row["n_model_calls"])
        done += int(row["n_rows"])
        if progress is not None:
            progress(done)
    if logger.isEnabledFor(logging.INFO):  # stats() queries Ray Data's stats actor: only when it is shown
        logger.info("Ray Data embedding stats:\n%s", dataset.stats())
    return ShardRunSummary(written, n_images, n_calls, actors, "GPU" if on_gpu else "CPU")


def embed_into_shards(
    root: Path,
    todo: Sequence[tuple[str, str]],
    *,
    shard_dir: Path,
    model: RayModel,
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
    decoded = ray.data.from_items(items, override_num_blocks=len(items)).map(
        decode_shard, fn_kwargs={"root": str(root), "size": list(model.input_size)}, num_cpus=1  # type: ignore[arg-type]  # ray passes fn_kwargs
    )
    return embed_decoded_rows(decoded, shard_dir=shard_dir, model=model, cluster=cluster, progress=progress,
                              fused_decode=True)
