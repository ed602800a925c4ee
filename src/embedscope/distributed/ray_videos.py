"""A folder of videos on Ray: frame extraction as Ray Data CPU tasks, the model in the actor pool, resumable
Parquet shards; the result equals :func:`embedscope.embed.video_samples.load_video_inputs`'s.

A frame's row in a shard is named ``<video>:<frame index>`` (its final name needs the video's frame count).

Pipeline: the videos' content hashes (Ray Data tasks) → one row per video not finished in an earlier pass →
``flat_map`` (a CPU task per video: :class:`~embedscope.ingest.video_frames.VideoFrameReader` decodes every
``frame_stride``-th frame to 224×224 RGB as locally, its statistics are measured on those pixels with
:class:`~embedscope.ingest.sample_statistics.StatisticsCollector`, and each chunk of ``--shard-files`` frames is
resized to the model's input) → the actor pool of :mod:`embedscope.distributed.shard_embedding`, which writes one
``frames-*`` shard per chunk and, for the video's last row, a ``video-<key>.json`` marker holding its
:class:`~embedscope.ingest.video_frames.VideoSummary` and the names of its shards.

A frame's key is ``<video content hash>-s<stride>:<frame index>``. A rerun skips every video whose marker and
shards are all written; a video read again (a crash mid-video, a lost node) rewrites no shard that exists.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.distributed.cluster import ClusterInfo
from embedscope.distributed.cluster_input import HoldOnCluster
from embedscope.distributed.feature_shards import read_shard_index, shard_name
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_samples import SampleRun, hashes_on_ray, progress_of, statistics_at
from embedscope.distributed.shard_embedding import ShardRunSummary, decoded_row, embed_decoded_rows
from embedscope.embed.model_choice import ModelChoice
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.embed.preprocess import model_input_from_image
from embedscope.embed.video_samples import VideoInputs, assemble_video_inputs, video_names
from embedscope.ingest.image_statistics import column_names
from embedscope.ingest.sample_statistics import SampleStatistics, StatisticsCollector, size_columns
from embedscope.ingest.video_frames import VideoFrameReader, VideoSummary
from embedscope.progress import Progress, SilentProgress
from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM

FRAME_SHARDS = "frames"


def _marker(key: str) -> str:
    return f"video-{key}.json"


def decode_video(
    row: dict[str, Any], *, root: str, frame_stride: int, frames_per_shard: int, size: Sequence[int]
) -> Iterator[dict[str, Any]]:
    """Ray Data ``flat_map`` function: one video (``row``: video, key) → a decoded row per chunk of frames,
    then a row carrying the video's marker (summary and shard names)."""
    video, key = str(row["video"]), str(row["key"])
    reader = VideoFrameReader(
        Path(root) / video, name=video, frame_stride=frame_stride, size=(INPUT_SIZE, INPUT_SIZE),
        batch_size=frames_per_shard,
    )
    shards = []
    for batch in reader.batches():
        keys = [f"{key}:{int(index)}" for index in batch.indices]
        statistics = StatisticsCollector()
        for frame_key, pixels in zip(keys, batch.pixels, strict=True):
            statistics.add(frame_key, pixels)
        measured = statistics.result().columns
        shards.append(shard_name(keys, FRAME_SHARDS))
        yield decoded_row(
            shards[-1], [f"{video}:{int(index)}" for index in batch.indices], keys, [""] * len(keys),
            [model_input_from_image(pixels, (int(size[0]), int(size[1]))) for pixels in batch.pixels],
            np.column_stack([measured[name] for name in column_names()]),
        )
    marker = json.dumps({"summary": dataclasses.asdict(reader.summary), "shards": shards})
    yield decoded_row("", [], [], [], [], marker=(_marker(key), marker))


def _finished(shard_dir: Path, key: str) -> VideoSummary | None:
    """The summary of a video whose marker and shards are all written, else None."""
    marker = shard_dir / _marker(key)
    if not marker.is_file():
        return None
    done = json.loads(marker.read_text(encoding="utf-8"))
    if not all((shard_dir / name).is_file() for name in done["shards"]):
        return None
    return VideoSummary(**done["summary"])


def ray_video_inputs(
    video_root: Path,
    *,
    cluster: ClusterInfo,
    options: RayEngineOptions,
    names: Sequence[str] | None = None,
    frame_stride: int = 1,
    embedding_dim: int = DEFAULT_EMBEDDING_DIM,
    datapool_path: Path | None = None,
    normalize: bool = True,
    progress: Progress | None = None,
    model: ModelChoice | None = None,
    cache_dir: Path | None = None,
    details: dict[str, object] | None = None,
    on_cluster: HoldOnCluster | None = None,
) -> VideoInputs:
    """:func:`embedscope.embed.video_samples.load_video_inputs` with the decoding and the model on Ray.

    Args:
        cluster, options: the connected cluster and the ``--engine ray`` flags (``--shard-dir``,
            ``--shard-files`` frames per shard, ``--memory-budget``).
        details: filled with the engine record's embedding details.
        on_cluster: takes the frames' input when its N × d × 4 bytes exceed ``--memory-budget``: the projected
            rows then stay on the cluster (``inputs.input.vectors`` has no rows); None: such frames raise
            MemoryBudgetError (:meth:`~embedscope.distributed.ray_samples.SampleRun.inputs_of`).

    Memory on the driver: names, keys and the summaries; the PCA's fit rows; the projected (N, d) vectors only
    when they fit ``--memory-budget``.

    Raises:
        InputFileError, ConfigError: as the local engine; ConfigError: ``--device cuda`` without GPUs, a
            ``--shard-dir`` of another model; MemoryBudgetError: above the budget without ``on_cluster``.
    """
    import ray

    root = Path(video_root)
    progress = progress or SilentProgress()
    names = video_names(root, names)
    VideoFrameReader(root / names[0], frame_stride=frame_stride)  # a bad stride: the local engine's ConfigError
    run = SampleRun.start(root, model, cluster=cluster, options=options, kind=f"frames-s{frame_stride}",
                          cache_dir=cache_dir)
    progress.stage(f"decoding and embedding frames of {len(names):,} video(s) on Ray (stride {frame_stride})")
    hashes = hashes_on_ray(root, names)
    keys = {video: f"{hashes[video]}-s{frame_stride}" for video in names}
    todo = [video for video in names if _finished(run.shard_dir, keys[video]) is None]
    items = [{"video": video, "key": keys[video]} for video in todo]
    summary = embed_decoded_rows(
        ray.data.from_items(items, override_num_blocks=max(1, len(items))).flat_map(
            decode_video, num_cpus=1, fn_kwargs={  # type: ignore[arg-type]  # ray passes fn_kwargs
                "root": str(root), "frame_stride": frame_stride, "frames_per_shard": options.files_per_shard,
                "size": list(run.model.input_size)}),
        shard_dir=run.shard_dir, model=run.model, cluster=cluster, statistics=column_names(),
        progress=progress_of(progress.advance, 0),
    ) if items else ShardRunSummary([], 0, 0, 0, "GPU" if cluster.gpus else "CPU")
    summaries = []
    for video in names:
        finished = _finished(run.shard_dir, keys[video])
        if finished is None:  # Ray Data raises when a task or actor fails for good; this is a bug
            raise RuntimeError(f"video {video}: the Ray embedding pass left no finished marker")
        summaries.append(dataclasses.replace(finished, video=video))
    frame_keys = [f"{keys[s.video]}:{index}" for s in summaries for index in s.sampled]
    frame_names = [ref.name for s in summaries for ref in s.frame_refs()]
    index = read_shard_index(run.shard_dir, FRAME_SHARDS)
    run.note(summary, n_samples=len(frame_keys), n_from_shards=len(frame_keys) - summary.n_model_images)
    if details is not None:
        details.update(run.details)
    return assemble_video_inputs(
        root, names, summaries, _with_video_sizes(statistics_at(index.location, frame_keys, frame_names), summaries),
        inputs_of=run.inputs_of(index.location, frame_keys, source=root, embedding_dim=embedding_dim,
                                datapool_path=datapool_path, normalize=normalize, on_cluster=on_cluster),
        frame_stride=frame_stride, progress=progress,
    )


def _with_video_sizes(statistics: SampleStatistics, summaries: Sequence[VideoSummary]) -> SampleStatistics:
    """Each frame's width, height and aspect ratio set to its video's upright frame size, as locally."""
    start = 0
    for summary in summaries:
        stop = start + len(summary.sampled)
        for name, value in size_columns((summary.width, summary.height)).items():
            statistics.columns[name][start:stop] = value
        start = stop
    return statistics
