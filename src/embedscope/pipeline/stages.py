"""The five stages of a run — ingest, embed, select, analyze, report — as functions with plain data in and out.

Each stage's result is a frozen dataclass (or pydantic model) of numpy arrays, lists and small values: it can
be pickled and shipped to another process (the contract an executor such as Ray relies on) and holds no open
file or callback. A stage reads only the results of earlier stages and the run's :class:`RunParameters`;
progress goes to the :class:`~embedscope.progress.Progress` it is handed. ``docs/architecture.md`` describes
the contract.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from embedscope.analyze.embedding_metrics import EmbeddingMetrics, compute_embedding_metrics
from embedscope.analyze.example_pairs import ExamplePair, selected_and_removed_pairs
from embedscope.analyze.extra_metrics.summary import ExtraMetricsResult, compute_extra_metrics
from embedscope.analyze.hygiene import HygieneAnalysis, analyze_hygiene
from embedscope.analyze.scatter import ScatterInput, scatter_inputs
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.errors import ConfigError
from embedscope.ingest.sample_data_files import SampleDataFiles, read_sample_data_files
from embedscope.ingest.samples import LoadedInputs, load_inputs
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.selection_file import read_selected_names
from embedscope.progress import Progress
from embedscope.report.assemble.run_report import AssembledReport, RunClock, assemble_run_report
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig
from embedscope.select.hygiene import HygieneFindings, find_hygiene, select_with_outliers
from embedscope.select.path_metadata import with_path_metadata
from embedscope.select.run_sample_data import RunSampleData, align_run_sample_data
from embedscope.select.run_selection import Selection, select_samples
from embedscope.select.sequences import (
    check_sequence_proportion,
    check_sequence_request,
    select_video_sequences,
)
from embedscope.select.worker_config import run_selection_config

if TYPE_CHECKING:  # the folder modules need the image extra (Pillow, PyAV); imported when INPUT is a folder
    from embedscope.ingest.folder_plan import FolderPlan, ScanFolder


@dataclass(frozen=True)
class Ingested:
    """ingest → embed: everything read before any sample is embedded.

    Attributes:
        config: the selection config (None: k-center greedy alone).
        side_files: the parsed ``--metadata`` / ``--scores`` / ``--predictions`` files.
        samples: an embeddings-file INPUT, read with its vectors (the embed stage passes it on).
        folder: a folder INPUT's plan (kind, image scan, detection predictions).
    """

    config: SelectionConfig | None
    side_files: SampleDataFiles
    samples: LoadedInputs | None = None
    folder: FolderPlan | None = None


@dataclass(frozen=True)
class Selected:
    """select → analyze: the per-sample data aligned with the samples, the selection, the hygiene findings.

    Attributes:
        samples: the samples after ``--remove-near-duplicates`` when it removed any (the selection, the sample
            data and later stages index these), else None: the embed stage's samples (see :func:`samples_of`).
    """

    sample_data: RunSampleData
    selection: Selection
    hygiene: HygieneFindings
    samples: LoadedInputs | None = None


def samples_of(samples: LoadedInputs, selected: Selected) -> LoadedInputs:
    """The samples the selection indexes: the embed stage's, less removed near-duplicates."""
    return selected.samples if selected.samples is not None else samples


@dataclass(frozen=True)
class Analysis:
    """analyze → report: the sets, both distance metrics, the extra metrics, the 2-D views, the example pairs,
    the hygiene numbers (per-group coverage, outlier scores).

    Attributes:
        seconds: wall seconds of each analysis step ("metrics", "extra metrics", "projection", "examples").
    """

    sets: AnalysisSets
    metrics: EmbeddingMetrics
    extra_metrics: ExtraMetricsResult
    pca: ScatterInput
    umap: ScatterInput
    example_pairs: list[ExamplePair]
    hygiene: HygieneAnalysis
    seconds: dict[str, float] = field(default_factory=dict)


def ingest(
    params: RunParameters, progress: Progress, *, scan_folder: ScanFolder | None = None,
    load_embeddings: Callable[..., LoadedInputs] = load_inputs,
) -> Ingested:
    """Read the selection config and the side files, then INPUT: an embeddings file (with the datapool) or a
    folder's plan. Everything that can fail on bad input fails here, before any embedding.

    Args:
        scan_folder: scans an image folder (default: in this process; the Ray executor scans on the cluster).
        load_embeddings: reads an embeddings-file INPUT with the datapool, with the keyword arguments of
            :func:`~embedscope.ingest.samples.load_inputs` (the default); the Ray executor passes a reader that
            leaves a large ``.npy`` on the cluster.

    Raises:
        EmbedscopeError: any input or parameter problem.
    """
    if params.random_seeds < 1:
        raise ConfigError(f"--random-seeds must be at least 1, got {params.random_seeds}")
    config = run_selection_config(params)
    side_files = read_sample_data_files(
        metadata_path=params.metadata_path, scores_path=params.scores_path,
        predictions_path=params.predictions_path,
    )
    if params.selected_path is not None:  # matched against the samples by the select stage; read now to fail fast
        read_selected_names(params.selected_path)
    if params.selected_sequence_length > 1:
        check_sequence_request(params, config)
    if params.input_path.is_dir():
        from embedscope.ingest.folder_plan import plan_folder

        if params.datapool_path is not None:  # attached after the embedding: checked before it
            read_embeddings(params.datapool_path)
        auto_tasks = config.auto_task_specs() if config is not None else ()
        object_task = config.object_task if config is not None else None
        scan = {"scan_folder": scan_folder} if scan_folder is not None else {}
        plan = plan_folder(params, progress, auto_tasks=auto_tasks, object_task=object_task, **scan)
        if plan.kind == "videos" and params.selected_sequence_length > 1:
            _check_sequence_proportion(params, config, plan.videos)
        return Ingested(config=config, side_files=side_files, folder=plan)
    if flags := [*params.folder_only_flags(), *(config.folder_only_keys() if config is not None else [])]:
        raise ConfigError(
            f"{params.input_path}: {', '.join(flags)} need a folder of images or videos as INPUT, not an embeddings file"
        )
    progress.stage("reading embeddings")
    samples = load_embeddings(
        params.input_path, datapool_path=params.datapool_path, filenames_path=params.filenames_path,
        normalize=params.normalize,
    )
    return Ingested(config=config, side_files=side_files, samples=samples)


def _check_sequence_proportion(params: RunParameters, config: SelectionConfig | None, videos: list[str] | None) -> None:
    """A proportion too small for one sequence even of the videos' declared frames fails before embedding."""
    from embedscope.ingest.video_frame_bound import sampled_frames_at_most
    from embedscope.ingest.video_frames import find_video_files

    names = videos if videos is not None else find_video_files(params.input_path)
    bound = sampled_frames_at_most(params.input_path, names, frame_stride=params.frame_stride)
    if bound is not None:
        check_sequence_proportion(params, config, max_frames=bound)


def embed(ingested: Ingested, params: RunParameters, progress: Progress) -> LoadedInputs:
    """The samples with their vectors: an embeddings file's as read, a folder's images, frames or crops embedded.

    Raises:
        EmbedscopeError: every file unreadable, fewer than 2 samples, a bad datapool.
    """
    if ingested.samples is not None:
        return ingested.samples
    assert ingested.folder is not None
    from embedscope.embed.folder_samples import embed_folder

    return embed_folder(ingested.folder, params, progress)


def select(ingested: Ingested, samples: LoadedInputs, params: RunParameters, progress: Progress) -> Selected:
    """Align the side files with the samples, find near-duplicates and compute image statistics (removing
    near-duplicates under ``--remove-near-duplicates``, see :func:`~embedscope.select.hygiene.find_hygiene`),
    and select: under ``--outliers`` k-center with outliers (or, with a selection config, its strategies on the
    input less the outliers), else
    :func:`~embedscope.select.run_selection.select_samples`.

    Raises:
        EmbedscopeError: side-file names that are not samples, a bad sample count, selection config or hygiene
            flag.
    """
    embedded = samples
    sample_data = align_run_sample_data(ingested.side_files, samples)
    if ingested.config is not None and ingested.config.lightly_path_regex is not None:
        sample_data = with_path_metadata(sample_data, ingested.config.lightly_path_regex)
    hygiene, samples, sample_data = find_hygiene(samples, sample_data, params, progress)
    robust = select_with_outliers(params, samples, ingested.config, sample_data, progress)
    if robust is not None:
        hygiene = dataclasses.replace(hygiene, robust=robust[0])
        selection = robust[1]
    elif params.selected_sequence_length > 1 and params.selected_path is None:
        selection = select_video_sequences(params, samples, ingested.config, progress)
    else:
        selection = select_samples(params, samples, ingested.config, sample_data, progress)
    return Selected(
        sample_data=sample_data, selection=selection, hygiene=hygiene,
        samples=samples if samples is not embedded else None,
    )


def analyze(
    samples: LoadedInputs, selected: Selected, params: RunParameters, *, from_greedy: bool, progress: Progress
) -> Analysis:
    """Both distance metrics of every set, the extra metrics, the PCA/UMAP views and the example pairs.

    Args:
        from_greedy: the selection is the plain k-center greedy (its radius bound applies).
    """
    seconds: dict[str, float] = {}
    selection = selected.selection
    samples = samples_of(samples, selected)
    sets = AnalysisSets(
        input=samples.input.vectors,
        selected_indices=selection.indices,
        random_indices=random_subset(len(samples.input), len(selection.indices), seed=params.seed),
        datapool=samples.datapool.vectors if samples.datapool is not None else None,
    )
    start = time.perf_counter()
    metrics = compute_embedding_metrics(
        sets, selected_cover=selection.cover_distances, selected_cover_method=selection.cover_method,
        exact=params.exact, seed=params.seed,
        on_step=lambda label: progress.stage(label),
    )
    seconds["metrics"], start = time.perf_counter() - start, time.perf_counter()
    extra_metrics = compute_extra_metrics(
        sets, metrics, from_greedy=from_greedy, normalized=params.normalize, seed=params.seed, exact=params.exact,
        n_random_seeds=params.random_seeds, on_step=lambda label: progress.stage(label),
    )
    seconds["extra metrics"], start = time.perf_counter() - start, time.perf_counter()
    pca, umap = scatter_inputs(sets, samples.input.names, seed=params.seed, progress=progress)
    seconds["projection"], start = time.perf_counter() - start, time.perf_counter()
    pairs = selected_and_removed_pairs(samples.input.vectors, selection.indices)
    seconds["examples"], start = time.perf_counter() - start, time.perf_counter()
    hygiene = analyze_hygiene(
        samples, selected.sample_data, selected.hygiene, selected_indices=selection.indices,
        random_indices=sets.random_indices, metrics=metrics, seed=params.seed,
    )
    seconds["hygiene"] = time.perf_counter() - start
    return Analysis(
        sets=sets, metrics=metrics, extra_metrics=extra_metrics, pca=pca, umap=umap, example_pairs=pairs,
        hygiene=hygiene, seconds=seconds,
    )


def report(
    ingested: Ingested,
    samples: LoadedInputs,
    selected: Selected,
    analysis: Analysis,
    params: RunParameters,
    *,
    timings: dict[str, float],
    clock: RunClock,
) -> AssembledReport:
    """The :class:`ReportV2` model and the folder-only figures and side files (rendering is the writer's)."""
    return assemble_run_report(
        params=params, inputs=samples_of(samples, selected), config=ingested.config, sample_data=selected.sample_data,
        selection=selected.selection, sets=analysis.sets, metrics=analysis.metrics,
        extra_metrics=analysis.extra_metrics, pca=analysis.pca, umap=analysis.umap,
        example_pairs=analysis.example_pairs, hygiene=selected.hygiene, hygiene_analysis=analysis.hygiene,
        timings=timings, clock=clock,
    )
