"""One run: load → select → analyse → report model. Writing the folder is :mod:`embedscope.pipeline.outputs`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import embedscope
from embedscope.analyze.embedding_metrics import EmbeddingMetrics, compute_embedding_metrics
from embedscope.analyze.extra_metrics.summary import compute_extra_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.errors import ConfigError
from embedscope.neighbors.search import nearest_in_other_set
from embedscope.pipeline.hygiene_stage import HygieneStage  # issue 14: hygiene hooks
from embedscope.pipeline.inputs import LoadedInputs, load_inputs, resolve_n_samples
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.progress import Progress, SilentProgress
from embedscope.pipeline.sample_data_inputs import RunSampleData, load_sample_data
from embedscope.pipeline.sample_data_report import (
    metadata_information,
    prediction_task_information,
    score_information,
)
from embedscope.pipeline.scatter import scatter_inputs
from embedscope.pipeline.selection import Selection, select_configured, select_diverse, selection_from_names
from embedscope.report.build import ScatterInput, embedding_data_2d, numeric_distribution
from embedscope.report.extra_metrics import EXTRA_METRICS_KEY, extra_metrics_model
from embedscope.report.model import (
    DatasetAnalysis,
    DatasetInformation,
    DatasetSizes,
    EmbeddingInformation,
    GeneralInformation,
    ReportV2,
    RunInformation,
    ScatterPlotData,
    SelectedAndRemovedImageExample,
    WorkerInformation,
)
from embedscope.select.config import SelectionConfig, config_sample_request, load_selection_config

if TYPE_CHECKING:  # the folder modules need the image extra (Pillow, PyAV); imported when INPUT is a folder
    from embedscope.pipeline.folder_report import FolderReport

N_SELECTED_REMOVED_EXAMPLES = 8  # pairs shown in the report


@dataclass
class RunOutcome:
    """What a run produced, for the output writer and the CLI.

    Attributes:
        timings: stage name → wall seconds.
        extra_plots: figure name → PNG bytes beyond the report's own figures (video timelines, bounding-box
            examples), for ``plots/`` and the PDF/HTML; ``extra_plot_titles`` captions them.
        side_outputs: writers of extra files (skipped predictions, ``--export-frames``), each called with OUT.
    """

    parameters: RunParameters
    inputs: LoadedInputs
    selection: Selection
    sets: AnalysisSets
    metrics: EmbeddingMetrics
    report: ReportV2
    timings: dict[str, float] = field(default_factory=dict)
    extra_plots: dict[str, bytes] = field(default_factory=dict)
    extra_plot_titles: dict[str, str] = field(default_factory=dict)
    side_outputs: list[Callable[[Path], None]] = field(default_factory=list)


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


LoadFunction = Callable[[RunParameters, Progress], LoadedInputs]


def default_loader(params: RunParameters, progress: Progress) -> LoadedInputs:
    """Embeddings files; folders of images, videos or object crops go to the ingest stage."""
    from embedscope.pipeline.folder_inputs import load_folder_inputs
    from embedscope.pipeline.image_inputs import is_image_folder

    if is_image_folder(params.input_path):
        return load_folder_inputs(params, progress)
    if flags := params.folder_only_flags():
        raise ConfigError(
            f"{params.input_path}: {', '.join(flags)} need a folder of images or videos as INPUT, not an embeddings file"
        )
    progress.stage("reading embeddings")
    return load_inputs(
        params.input_path,
        datapool_path=params.datapool_path,
        filenames_path=params.filenames_path,
        normalize=params.normalize,
    )


def selected_and_removed_examples(
    inputs: LoadedInputs, selected: np.ndarray, *, limit: int = N_SELECTED_REMOVED_EXAMPLES
) -> list[SelectedAndRemovedImageExample]:
    """For the first ``limit`` picks, the nearest input sample that was not selected, with its distance."""
    unselected = np.setdiff1d(np.arange(len(inputs.input)), selected)
    if len(unselected) == 0 or len(selected) == 0:
        return []
    shown = selected[:limit]
    nearest = nearest_in_other_set(inputs.input.vectors[shown], inputs.input.vectors[unselected], exact=True)
    return [
        SelectedAndRemovedImageExample(
            selected_image=inputs.input.names[int(s)],
            removed_image=inputs.input.names[int(unselected[int(j)])],
            distance=float(d),
        )
        for s, j, d in zip(shown, nearest.indices, nearest.distances)
    ]


def load_and_select(
    params: RunParameters,
    *,
    progress: Progress | None = None,
    loader: LoadFunction = default_loader,
    timings: dict[str, float] | None = None,
    hygiene: HygieneStage | None = None,
) -> tuple[LoadedInputs, SelectionConfig | None, RunSampleData, Selection]:
    """The first stages of a run: the selection config (read first, so a bad one fails before any embedding),
    the inputs, their per-sample data, and the selection. ``timings`` receives the "load" and "select" stages.

    Raises:
        EmbedscopeError: any input or parameter problem.
    """
    progress = progress or SilentProgress()
    timings = timings if timings is not None else {}
    config = load_selection_config(params.selection_config_path) if params.selection_config_path else None
    with _timed(timings, "load"):
        inputs = loader(params, progress)
    sample_data = load_sample_data(
        inputs, metadata_path=params.metadata_path, scores_path=params.scores_path,
        predictions_path=params.predictions_path,
    )
    if hygiene is not None:  # issue 14: computed image metadata (lightly.*), near-duplicate removal
        inputs, sample_data = hygiene.apply(inputs, sample_data)
    with _timed(timings, "select"):
        robust = hygiene.select_robust(params, inputs, config, progress) if hygiene is not None else None  # issue 14
        selection = robust or _select(params, inputs, config, sample_data, progress)
    return inputs, config, sample_data, selection


def execute_run(
    params: RunParameters, *, progress: Progress | None = None, loader: LoadFunction = default_loader
) -> RunOutcome:
    """Run every stage up to the report model.

    Raises:
        EmbedscopeError: any input or parameter problem (before heavy work where possible).
    """
    if params.random_seeds < 1:
        raise ConfigError(f"--random-seeds must be at least 1, got {params.random_seeds}")
    progress = progress or SilentProgress()
    timings: dict[str, float] = {}
    start_wall = time.time()
    start = time.perf_counter()
    hygiene = HygieneStage(params, loader)  # issue 14
    inputs, config, sample_data, selection = load_and_select(
        params, progress=progress, loader=hygiene.load, timings=timings, hygiene=hygiene
    )
    n_input = len(inputs.input)
    sets = AnalysisSets(
        input=inputs.input.vectors,
        selected_indices=selection.indices,
        random_indices=random_subset(n_input, len(selection.indices), seed=params.seed),
        datapool=inputs.datapool.vectors if inputs.datapool is not None else None,
    )
    with _timed(timings, "metrics"):
        metrics = compute_embedding_metrics(
            sets, selected_cover=selection.cover_distances, exact=params.exact, seed=params.seed,
            on_step=lambda label: progress.stage(label),
        )
    with _timed(timings, "extra metrics"):
        extra_metrics = compute_extra_metrics(
            sets, metrics, from_greedy=config is None and params.selected_path is None,
            normalized=params.normalize, seed=params.seed, exact=params.exact, n_random_seeds=params.random_seeds,
            on_step=lambda label: progress.stage(label),
        )
    with _timed(timings, "projection"):
        pca, umap = scatter_inputs(sets, inputs.input.names, seed=params.seed, progress=progress)
    with _timed(timings, "examples"):
        examples = selected_and_removed_examples(inputs, selection.indices)
    analysis = embedding_information(metrics, pca=pca, umap=umap)
    with _timed(timings, "folder report"):
        folder = _folder_report(params, inputs, selection, sets, analysis)
    with _timed(timings, "hygiene report"):  # issue 14
        hygiene_out = hygiene.report(
            inputs, selection, cover=metrics.cover_input, random_indices=sets.random_indices,
            nearest_input=metrics.nearest_in_set.get("input", np.zeros(0)), sample_data=sample_data,
        )
    n_datapool = 0 if inputs.datapool is None else len(inputs.datapool)
    end_wall = time.time()
    report = ReportV2(
        general_information=GeneralInformation(
            worker_information=WorkerInformation(
                build_version=embedscope.__version__, build_time=_build_time()
            ),
            run_information=RunInformation(
                start_timestamp=int(start_wall),
                end_timestamp=int(end_wall),
                total_processing_time_s=round(time.perf_counter() - start, 3),
                run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"embedscope:{params.input_path}:{start_wall}")),
            ),
            dataset_information=DatasetInformation(
                dataset_name=params.input_path.name,
                dataset_sizes=DatasetSizes(
                    n_input=n_input,
                    n_corrupt=len(inputs.corrupt),
                    n_duplicate=len(inputs.duplicates),
                    n_removed=n_input - len(selection.indices),
                    n_selected=len(selection.indices),
                    n_preselected_datapool=n_datapool,
                    n_selected_with_datapool=len(selection.indices) + n_datapool,
                ),
            ),
            selected_and_removed_image_examples=examples,
        ),
        dataset_analysis=DatasetAnalysis(
            embedding_information=analysis,
            metadata_information=metadata_information(sample_data, selected=selection.indices, random=sets.random_indices),
            score_information=score_information(sample_data, selected=selection.indices, random=sets.random_indices),
        ),
        prediction_task_information={
            **prediction_task_information(sample_data, selected=selection.indices, random=sets.random_indices),
            **(folder.prediction_tasks if folder is not None else {}),
        },
        embedscope={
            "parameters": params.as_config(),
            "selectionStoppedEarly": selection.stopped_early,
            "selectionStoppedReason": selection.stopped_reason,
            "nFilteredOutByThresholds": selection.n_filtered_out,
            "selectionConfig": config.model_dump(mode="json", exclude_none=True) if config is not None else None,
            "strategies": config.strategy_summary() if config is not None else ["DIVERSITY on EMBEDDINGS (k-center greedy)"],
            "removedFromInputBecauseInDatapool": len(inputs.removed_from_input),
            EXTRA_METRICS_KEY: extra_metrics_model(extra_metrics).model_dump(mode="json", by_alias=True),
            **(folder.ext if folder is not None else {}),
            **hygiene_out.ext,  # issue 14
            "stageSeconds": {k: round(v, 3) for k, v in timings.items()},
        },
    )
    return RunOutcome(
        parameters=params, inputs=inputs, selection=selection, sets=sets, metrics=metrics, report=report,
        timings=timings,
        extra_plots={**(folder.plots if folder is not None else {}), **hygiene_out.plots},  # issue 14: + hygiene
        extra_plot_titles={**(folder.plot_titles if folder is not None else {}), **hygiene_out.plot_titles},
        side_outputs=[*(folder.side_outputs if folder is not None else []), *hygiene_out.side_outputs],
    )


def embedding_information(
    metrics: EmbeddingMetrics, *, pca: ScatterInput, umap: ScatterInput
) -> EmbeddingInformation:
    """The report's ``EmbeddingInformation``: both distance distributions and the 2D scatter data (of the
    samples, or of a task's object crops)."""
    return EmbeddingInformation(
        distance_to_nearest_neighbor_in_set=numeric_distribution(
            metrics.nearest_in_set, absent=metrics.absent,
            search={k: v for k, v in metrics.search.items() if not k.startswith("cover:")},
        ),
        distance_to_cover_input=numeric_distribution(
            metrics.cover_input,
            search={k.removeprefix("cover:"): v for k, v in metrics.search.items() if k.startswith("cover:")},
        ),
        scatter_plot_data=ScatterPlotData(
            pca_embedding_data=embedding_data_2d(pca), umap_embedding_data=embedding_data_2d(umap)
        ),
    )


def _folder_report(
    params: RunParameters,
    inputs: LoadedInputs,
    selection: Selection,
    sets: AnalysisSets,
    analysis: EmbeddingInformation,
) -> FolderReport | None:
    """Prediction tasks, video sizes, timelines and extra files of a folder run; None for other inputs
    (checked before importing the folder modules, which need the image extra)."""
    if type(inputs) is LoadedInputs:
        return None
    from embedscope.pipeline.folder_inputs import FolderInputs
    from embedscope.pipeline.folder_report import folder_report

    if not isinstance(inputs, FolderInputs):
        return None
    return folder_report(
        inputs, params=params, selected=selection.indices, random=sets.random_indices,
        embedding_information=analysis,
    )


def _select(
    params: RunParameters,
    inputs: LoadedInputs,
    config: SelectionConfig | None,
    sample_data: RunSampleData,
    progress: Progress,
) -> Selection:
    """A selection from names (``report``), from a strategy config, or k-center greedy."""
    n_input = len(inputs.input)
    if params.selected_path is not None:
        return selection_from_names(inputs, params.selected_path)
    n_samples, proportion = params.n_samples, params.proportion
    if config is not None:
        n_samples, proportion = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=proportion)
    n_samples = resolve_n_samples(n_input, n_samples=n_samples, proportion=proportion)
    if config is None:
        progress.stage(f"selecting {n_samples:,} of {n_input:,} samples (k-center greedy)")
        return select_diverse(inputs, n_samples=n_samples, min_distance=params.min_distance)
    progress.stage(f"selecting {n_samples:,} of {n_input:,} samples ({len(config.strategies)} strategies)")
    return select_configured(
        inputs, config=config, n_samples=n_samples, sample_data=sample_data, normalize=params.normalize,
        seed=params.seed,
    )


def _build_time() -> str:
    """The install time of this package (its metadata's mtime), ISO 8601 UTC."""
    from importlib import metadata

    try:
        files = metadata.distribution("embedscope").files or []
        stamp = min((Path(str(f.locate())).stat().st_mtime for f in files[:1]), default=0.0)
    except (metadata.PackageNotFoundError, OSError):
        stamp = 0.0
    return datetime.fromtimestamp(stamp, tz=UTC).isoformat()
