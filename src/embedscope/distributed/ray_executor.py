"""The Ray executor: the stages of :mod:`embedscope.pipeline.stages` with the heavy ones on a Ray cluster.

ingest: the folder scan (header check + content hash) as Ray Data tasks, the rest as locally. embed: images,
video frames and object crops on Ray Data (decode, frame extraction, cutting as CPU tasks; the ONNX model of
``--model`` / ``--checkpoint`` / ``--model-precision`` in an actor pool, on GPUs when the cluster has them or
``--device cuda`` asks) into resumable feature shards (:mod:`embedscope.distributed.ray_image_folder`,
:mod:`~embedscope.distributed.ray_videos`, :mod:`~embedscope.distributed.ray_crops`); embeddings files as
read. ``--train-embedding`` is refused (training runs on the local engine). select: the
composable k-center and the coverage map (:mod:`embedscope.distributed.ray_selection`). analyze and report:
the local stages, on the gathered N × D matrix (within ``--memory-budget``), given the Ray coverage distances.
The output folder and ``report_v2.json`` keys are the local engine's, plus ``embedscope.engine``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from embedscope.distributed.cluster import ray_cluster
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_embed import EngineRecord, embed_folder_with_ray
from embedscope.distributed.ray_selection import (
    check_ray_strategies,
    diversity_min_distance,
    select_on_blocks,
)
from embedscope.distributed.vector_blocks import VectorBlocks, default_memory_budget
from embedscope.errors import ConfigError, EmbedscopeError
from embedscope.ingest.image_folder import ImageFolderScan
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.relevant_filenames import RelevantFilenames
from embedscope.pipeline import stages
from embedscope.progress import Progress, SilentProgress
from embedscope.report.assemble.run_report import RunClock
from embedscope.report.run_outcome import RunOutcome
from embedscope.run_parameters import RunParameters
from embedscope.select.config import config_sample_request
from embedscope.select.hygiene import find_hygiene
from embedscope.select.path_metadata import with_path_metadata
from embedscope.select.run_sample_data import align_run_sample_data
from embedscope.select.run_selection import Selection, selection_from_names
from embedscope.select.sample_count import resolve_n_samples
from embedscope.select.strategies.threshold import apply_thresholds

Result = TypeVar("Result")

BLOCKS_PER_PARTITION = 4  # round-1 partitions get a few blocks each, so blocks stay small (object-store friendly)
MIN_PARTITIONS = 2


def embed_stage_on_ray(ingested: stages.Ingested, params: RunParameters, progress: Progress, record: EngineRecord,
                       options: RayEngineOptions) -> LoadedInputs:
    """The embed stage on Ray: a folder's images, video frames or object crops embedded on the connected
    cluster with the run's model (an embeddings file as read); ``record.details`` gets the embedding details.

    Raises:
        EmbedscopeError: as :func:`embedscope.pipeline.stages.embed`; ConfigError: ``--device cuda`` on a cluster
            without GPUs, a ``--shard-dir`` of another model.
    """
    if ingested.samples is not None or ingested.folder is None:
        record.details["embedEngine"] = "none (embeddings file)"
        return stages.embed(ingested, params, progress)
    from embedscope.distributed.ray_crops import ray_object_inputs
    from embedscope.distributed.ray_videos import ray_video_inputs
    from embedscope.embed.folder_samples import embed_folder
    from embedscope.embed.image_samples import samples_of_embedded_images
    from embedscope.embed.model_choice import model_choice_of

    def embed_images(scan: ImageFolderScan, params: RunParameters, progress: Progress) -> LoadedInputs:
        model = model_choice_of(params)
        progress.stage(f"embedding {len(scan.names):,} images on Ray ({model.label})", total=len(scan.names))
        embedded, vectors = embed_folder_with_ray(
            scan.root, record=record, options=options, embedding_dim=params.embedding_dim, scan=scan,
            progress=progress.advance, model=model,
        )
        return samples_of_embedded_images(embedded.scan, vectors, params)

    plan = ingested.folder
    cluster, details = record.cluster, record.details
    record.details["embedEngine"] = "ray"
    return embed_folder(
        plan, params, progress, embed_images=embed_images,
        load_videos=functools.partial(ray_video_inputs, cluster=cluster, options=options, details=details),
        load_objects=functools.partial(
            ray_object_inputs, cluster=cluster, options=options, details=details,
            content_hashes=plan.scan.content_hashes if plan.scan is not None else None),
    )


def _select(ingested: stages.Ingested, samples: LoadedInputs, params: RunParameters, progress: Progress,
            record: EngineRecord, options: RayEngineOptions) -> stages.Selected:
    sample_data = align_run_sample_data(ingested.side_files, samples)
    if params.extra.get("outliers") is not None:
        raise ConfigError("--outliers (k-center with outliers) runs on the local engine only; drop --engine ray")
    if params.selected_sequence_length > 1:
        raise ConfigError("selected_sequence_length (sequence selection) runs on the local engine only; drop --engine ray")
    if ingested.config is not None and ingested.config.lightly_path_regex is not None:
        sample_data = with_path_metadata(sample_data, ingested.config.lightly_path_regex)
    hygiene, reduced, sample_data = find_hygiene(samples, sample_data, params, progress)
    kept = reduced if reduced is not samples else None
    samples = reduced
    if params.selected_path is not None:
        selection = selection_from_names(samples, params.selected_path)
        return stages.Selected(sample_data=sample_data, selection=selection, hygiene=hygiene, samples=kept)
    config = ingested.config
    n_samples, proportion = params.n_samples, params.proportion
    if config is not None:
        n_samples, proportion = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=proportion)
    n_input = len(samples.input)
    n_samples = resolve_n_samples(n_input, n_samples=n_samples, proportion=proportion)
    partitions = options.partitions or max(MIN_PARTITIONS, record.cluster.cpus)
    keep = np.ones(n_input, dtype=bool)
    if config is not None:
        prefix = f"{config.source}: " if config.source is not None else ""
        keep = apply_thresholds(list(enumerate(config.strategies)), sample_data.input, n=n_input, prefix=prefix)
        if not keep.any():
            raise ConfigError(f"{prefix}the THRESHOLD strategies keep no input sample; loosen a threshold")
    candidates = np.flatnonzero(keep)
    n_picks = min(n_samples, len(candidates))
    progress.stage(f"selecting {n_picks:,} of {len(candidates):,} samples on Ray (composable k-center, P = {partitions})")
    vectors = samples.input.vectors if keep.all() else samples.input.vectors[candidates]
    blocks = VectorBlocks.from_array(vectors, n_blocks=BLOCKS_PER_PARTITION * partitions)
    min_distance = diversity_min_distance(config, params.min_distance)
    result = select_on_blocks(
        blocks, n_samples=n_picks, partitions=partitions, min_distance=min_distance,
        datapool=samples.datapool.vectors if samples.datapool is not None else None,
    )
    record.details["selection"] = result.as_json()
    reason = f"only {len(candidates)} samples pass the thresholds" if n_picks < n_samples else None
    if result.stopped_by_min_distance:
        reason = f"no remaining sample is farther than the minimum distance {min_distance}"
    selection = Selection(
        indices=candidates[result.indices], cover_distances=result.cover if keep.all() else None,
        stopped_early=reason is not None, stopped_reason=reason, n_filtered_out=int(np.count_nonzero(~keep)),
    )
    return stages.Selected(sample_data=sample_data, selection=selection, hygiene=hygiene, samples=kept)


def execute_run_on_ray(
    params: RunParameters, *, options: RayEngineOptions, progress: Progress | None = None
) -> RunOutcome:
    """Run every stage (the heavy ones on Ray) up to the report model; ``report.embedscope["engine"]`` records
    the cluster, partitions, seconds per stage and object-store bytes spilled.

    Raises:
        EmbedscopeError: any input or parameter problem; RayClusterError: the cluster cannot be reached;
            MemoryBudgetError: the N × D matrix exceeds ``--memory-budget``.
    """
    progress = progress or SilentProgress()
    clock = RunClock(start_wall=time.time(), start_perf=time.perf_counter())
    timings: dict[str, float] = {}
    with ray_cluster(options.address) as cluster:
        record = EngineRecord(cluster=cluster)
        ingested = _timed(timings, record, "ingest", lambda: stages.ingest(
            params, progress, scan_folder=_ray_scan))
        check_ray_strategies(ingested.config)
        samples = _timed(timings, record, "embed", lambda: embed_stage_on_ray(ingested, params, progress, record, options))
        budget = options.memory_budget or default_memory_budget()
        if samples.input.vectors.nbytes > budget:
            raise EmbedscopeError(
                f"the {len(samples.input):,} × {samples.input.dim} embeddings exceed --memory-budget "
                f"{budget / 2**30:.2f} GiB; the report's metrics need them on the driver: raise the budget"
            )
        selected = _timed(timings, record, "select", lambda: _select(ingested, samples, params, progress, record, options))
        from_greedy = False  # the 2-approximation bound of one greedy does not apply to the composable selection
        analysis = stages.analyze(samples, selected, params, from_greedy=from_greedy, progress=progress)
        timings.update(analysis.seconds)
        record.stage_seconds.update(analysis.seconds)
        assembled = stages.report(ingested, samples, selected, analysis, params, timings=timings, clock=clock)
        assembled.report.embedscope["engine"] = record.as_json()
    return RunOutcome(
        parameters=params, inputs=stages.samples_of(samples, selected), selection=selected.selection, sets=analysis.sets,
        metrics=analysis.metrics, report=assembled.report, timings=timings, extra_plots=assembled.extra_plots,
        extra_plot_titles=assembled.extra_plot_titles, side_outputs=assembled.side_outputs,
        scatter=(analysis.pca, analysis.umap), sample_data=selected.sample_data, hygiene=selected.hygiene,
    )


def _ray_scan(root: Path, *, relevant: RelevantFilenames | None = None) -> ImageFolderScan:
    from embedscope.distributed.ray_image_folder import scan_image_folder_on_ray

    return scan_image_folder_on_ray(root, relevant=relevant)


def _timed(timings: dict[str, float], record: EngineRecord, name: str, run: Callable[[], Result]) -> Result:
    start = time.perf_counter()
    try:
        return run()
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
        record.timed(name, start)
