"""The Ray executor: the stages of :mod:`embedscope.pipeline.stages` with the heavy ones on a Ray cluster.

ingest: the folder scan (header check + content hash) as Ray Data tasks, the rest as locally. embed: images,
video frames and object crops on Ray Data (decode, frame extraction, cutting as CPU tasks; the ONNX model of
``--model`` / ``--checkpoint`` / ``--model-precision`` in an actor pool, on GPUs when the cluster has them or
``--device cuda`` asks) into resumable feature shards (:mod:`embedscope.distributed.ray_image_folder`,
:mod:`~embedscope.distributed.ray_videos`, :mod:`~embedscope.distributed.ray_crops`); embeddings files as
read. ``--train-embedding`` is refused (training runs on the local engine). select: the
composable k-center and the coverage map (:mod:`embedscope.distributed.ray_select_stage`). analyze and report:
the local stages on the gathered N × D matrix within ``--memory-budget``; above it (an image folder, video frames,
object crops, a ``.npy``, Parquet or CSV INPUT; :mod:`embedscope.distributed.cluster_input`) the matrix stays on
the cluster and the analysis runs from its blocks (:mod:`embedscope.distributed.cluster_analysis`).
The output folder and ``report_v2.json`` keys are the local engine's, plus ``embedscope.engine``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from embedscope.distributed.cluster import ClusterInfo, ray_cluster
from embedscope.distributed.cluster_analysis import analyze_on_cluster, write_embeddings_csv_from_blocks
from embedscope.distributed.cluster_input import InputOnCluster
from embedscope.distributed.held_inputs import embeddings_on_cluster
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_embed import EngineRecord, embed_folder_blocks_with_ray, folder_samples_on_ray
from embedscope.distributed.ray_image_folder import ScanWithModel
from embedscope.distributed.ray_select_stage import select_stage_on_ray
from embedscope.distributed.ray_selection import check_ray_strategies
from embedscope.distributed.vector_blocks import MemoryBudgetError, default_memory_budget
from embedscope.errors import ConfigError
from embedscope.ingest.image_folder import ImageFolderScan
from embedscope.ingest.samples import LoadedInputs, load_inputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.relevant_filenames import RelevantFilenames
from embedscope.pipeline import stages
from embedscope.progress import Progress, SilentProgress
from embedscope.report.assemble.run_report import RunClock
from embedscope.report.extra_metrics import note_composable_bound
from embedscope.report.run_outcome import EMBEDDINGS_CSV, InputOffDriver, RunOutcome
from embedscope.run_parameters import RunParameters

Result = TypeVar("Result")


def embed_stage_on_ray(ingested: stages.Ingested, params: RunParameters, progress: Progress, record: EngineRecord,
                       options: RayEngineOptions, *, scanned: ScanWithModel | None = None,
                       held_by: _EmbeddingsReader | None = None) -> LoadedInputs:
    """The embed stage on Ray: a folder's images, video frames or object crops embedded on the connected
    cluster with the run's model (an embeddings file as read); ``record.details`` gets the embedding details.
    Vectors above ``--memory-budget`` stay on the cluster, kept in ``held_by.held`` (the budget is decided
    before anything is gathered: :func:`~embedscope.distributed.cluster_input.inputs_within_budget`).

    Args:
        scanned: the ingest stage's scan of ``ingested.folder`` with the model loaded during it (see
            :class:`ModelDuringScan`); without it the model is loaded here.

    Raises:
        EmbedscopeError: as :func:`embedscope.pipeline.stages.embed`; ConfigError: ``--device cuda`` on a cluster
            without GPUs, a ``--shard-dir`` of another model; MemoryBudgetError: vectors above the budget and no
            ``held_by`` (nothing gathered).
    """
    if ingested.samples is not None or ingested.folder is None:
        record.details["embedEngine"] = "none (embeddings file)"
        return stages.embed(ingested, params, progress)
    from embedscope.distributed.ray_crops import ray_object_inputs
    from embedscope.distributed.ray_videos import ray_video_inputs
    from embedscope.embed.folder_samples import embed_folder
    from embedscope.embed.model_choice import model_choice_of

    hold = held_by.hold if held_by is not None else None

    def embed_images(scan: ImageFolderScan, params: RunParameters, progress: Progress) -> LoadedInputs:
        model = model_choice_of(params)
        progress.stage(f"embedding {len(scan.names):,} images on Ray ({model.label})", total=len(scan.names))
        embedded = embed_folder_blocks_with_ray(
            scan.root, record=record, options=options, embedding_dim=params.embedding_dim, progress=progress.advance,
            scan=scanned if scanned is not None and scanned.scan is scan else scan, model=model,
        )
        budget = options.memory_budget or default_memory_budget()
        return folder_samples_on_ray(embedded, params, memory_budget=budget, on_cluster=hold)

    plan = ingested.folder
    cluster, details = record.cluster, record.details
    record.details["embedEngine"] = "ray"
    return embed_folder(
        plan, params, progress, embed_images=embed_images,
        load_videos=functools.partial(ray_video_inputs, cluster=cluster, options=options, details=details,
                                      on_cluster=hold),
        load_objects=functools.partial(
            ray_object_inputs, cluster=cluster, options=options, details=details, on_cluster=hold,
            content_hashes=plan.scan.content_hashes if plan.scan is not None else None),
    )


def execute_run_on_ray(
    params: RunParameters, *, options: RayEngineOptions, progress: Progress | None = None, out_dir: Path | None = None,
) -> RunOutcome:
    """Run every stage (the heavy ones on Ray) up to the report model; ``report.embedscope["engine"]`` records
    the cluster, partitions, seconds per stage, object-store bytes spilled and ``driverHoldsMatrix``.

    An INPUT whose N × D × 4 bytes exceed ``--memory-budget`` (an image folder, video frames, object crops, a
    ``.npy``, Parquet or CSV file) stays on the cluster (:mod:`embedscope.distributed.cluster_input`): select
    (blank frames and near-duplicates included), analyze and ``data/embeddings.csv`` run from its blocks, and the
    outcome's ``input_off_driver`` carries what the writers need instead of the matrix.

    Args:
        out_dir: the folder the outputs are written into (the CLI's staging folder); needed above the budget,
            where ``data/embeddings.csv`` is written there block by block while the cluster holds the blocks.

    Raises:
        EmbedscopeError: any input or parameter problem; RayClusterError: the cluster cannot be reached;
            MemoryBudgetError: an embeddings file read on the driver (one the cluster readers leave to it)
            exceeds ``--memory-budget``.
    """
    progress = progress or SilentProgress()
    clock = RunClock(start_wall=time.time(), start_perf=time.perf_counter())
    timings: dict[str, float] = {}
    budget = options.memory_budget or default_memory_budget()
    with ray_cluster(options.address) as cluster:
        record = EngineRecord(cluster=cluster)
        reader = _EmbeddingsReader(budget)
        scanner = ModelDuringScan(params, cluster=cluster)
        ingested = _timed(timings, record, "ingest", lambda: stages.ingest(
            params, progress, scan_folder=scanner, load_embeddings=reader.load))
        check_ray_strategies(ingested.config)
        samples = _timed(timings, record, "embed", lambda: embed_stage_on_ray(
            ingested, params, progress, record, options, scanned=scanner.done, held_by=reader))
        held = reader.held
        record.details["driverHoldsMatrix"] = held is None
        if held is None and samples.input.vectors.nbytes > budget:
            raise MemoryBudgetError(_above_budget(samples.input, budget))
        if held is not None and out_dir is None:
            raise ConfigError("an INPUT above --memory-budget needs the output folder (out_dir) to write into")
        on_ray = _timed(timings, record, "select", lambda: select_stage_on_ray(
            ingested, samples, params, progress, record, options, blocks=None if held is None else held.blocks,
            memory_budget=budget))
        selected = on_ray.selected
        from_greedy = False  # the 2-approximation bound of one greedy does not apply to the composable selection
        if on_ray.blocks is None:
            analysis = stages.analyze(samples, selected, params, from_greedy=from_greedy, progress=progress)
        else:
            analysis = analyze_on_cluster(samples, on_ray, params, from_greedy=from_greedy, memory_budget=budget,
                                          progress=progress, details=record.details)
        timings.update(analysis.seconds)
        record.stage_seconds.update(analysis.seconds)
        off_driver = None
        if on_ray.blocks is not None and out_dir is not None:
            start = time.perf_counter()
            progress.stage("writing data/embeddings.csv block by block")
            inputs = stages.samples_of(samples, selected)
            write_embeddings_csv_from_blocks(out_dir / EMBEDDINGS_CSV, on_ray.blocks, inputs.input.names,
                                             inputs.input.labels)
            timings["embeddings csv"] = time.perf_counter() - start
            record.timed("embeddings csv", start)
            off_driver = InputOffDriver(selected_vectors=on_ray.selected_vectors, written=frozenset({EMBEDDINGS_CSV}))
        assembled = stages.report(ingested, samples, selected, analysis, params, timings=timings, clock=clock)
        assembled.report.embedscope["engine"] = record.as_json()
        note_composable_bound(assembled.report)
    return RunOutcome(
        parameters=params, inputs=stages.samples_of(samples, selected), selection=selected.selection, sets=analysis.sets,
        metrics=analysis.metrics, report=assembled.report, timings=timings, extra_plots=assembled.extra_plots,
        extra_plot_titles=assembled.extra_plot_titles, side_outputs=assembled.side_outputs,
        scatter=(analysis.pca, analysis.umap), sample_data=selected.sample_data, hygiene=selected.hygiene,
        input_off_driver=off_driver,
    )


class _EmbeddingsReader:
    """The ingest stage's reader of an embeddings-file INPUT: a ``.npy``, Parquet or CSV file above the budget is
    left on the cluster (``held``; :func:`~embedscope.distributed.held_inputs.embeddings_on_cluster`), anything
    else read as the local engine reads it."""

    def __init__(self, memory_budget: int) -> None:
        self.memory_budget = memory_budget
        self.held: InputOnCluster | None = None

    def hold(self, held: InputOnCluster) -> None:
        """Keep the embed stage's input left on the cluster (images, frames or crops above the budget)."""
        self.held = held

    def load(self, path: Path, *, datapool_path: Path | None, filenames_path: Path | None, normalize: bool) -> LoadedInputs:
        self.held = embeddings_on_cluster(path, datapool_path=datapool_path, filenames_path=filenames_path,
                                          normalize=normalize, memory_budget=self.memory_budget)
        if self.held is not None:
            return self.held.samples
        return load_inputs(path, datapool_path=datapool_path, filenames_path=filenames_path, normalize=normalize)


def _above_budget(table: EmbeddingTable, budget: int) -> str:
    """The one line refusing an input that was read on the driver above the budget (an embeddings file the cluster
    readers leave to the local reader)."""
    return (f"the {len(table):,} × {table.dim} embeddings exceed --memory-budget {budget / 2**30:.2f} GiB; above the "
            "budget --engine ray keeps .npy, .parquet and .csv embeddings files, image folders, video frames and "
            "object crops off the driver, not this INPUT: raise --memory-budget or use a driver with more memory")


class ModelDuringScan:
    """The ``scan_folder`` of the ingest stage (:func:`embedscope.ingest.folder_plan.plan_folder`):
    :func:`~embedscope.distributed.ray_image_folder.scan_with_model_on_ray`, so that ``run --engine ray`` loads
    the run's model while the scan's Ray tasks run, as ``embed --engine ray`` does; the embed stage takes
    ``done``. A run whose model flags are wrong just scans: the embed stage raises their error, as locally.

    Attributes:
        done: the scan with its model, or None before a scan (a folder of videos is not scanned).
    """

    def __init__(self, params: RunParameters, *, cluster: ClusterInfo) -> None:
        self.params, self.cluster = params, cluster
        self.done: ScanWithModel | None = None

    def __call__(self, root: Path, *, relevant: RelevantFilenames | None = None) -> ImageFolderScan:
        """The scan of ``root`` (``relevant``: only the images it lists), as
        :func:`~embedscope.distributed.ray_image_folder.scan_image_folder_on_ray`."""
        from embedscope.distributed.ray_image_folder import scan_image_folder_on_ray, scan_with_model_on_ray
        from embedscope.embed.model_choice import model_choice_of

        try:
            choice = model_choice_of(self.params)
        except ConfigError:
            return scan_image_folder_on_ray(root, relevant=relevant)
        self.done = scan_with_model_on_ray(root, choice, cluster=self.cluster, relevant=relevant)
        return self.done.scan


def _timed(timings: dict[str, float], record: EngineRecord, name: str, run: Callable[[], Result]) -> Result:
    start = time.perf_counter()
    try:
        return run()
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
        record.timed(name, start)
