"""The report stage's assembly: a finished run's results → the :class:`ReportV2` model (no metric computed here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import embedscope
from embedscope.analyze.embedding_metrics import EmbeddingMetrics
from embedscope.analyze.example_pairs import ExamplePair
from embedscope.analyze.extra_metrics.summary import ExtraMetricsResult
from embedscope.analyze.hygiene import HygieneAnalysis
from embedscope.analyze.scatter import ScatterInput
from embedscope.analyze.sets import AnalysisSets
from embedscope.ingest.samples import LoadedInputs
from embedscope.report.assemble.hygiene import hygiene_report
from embedscope.report.assemble.sample_data import (
    metadata_information,
    prediction_task_information,
    score_information,
)
from embedscope.report.build import embedding_data_2d, numeric_distribution
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
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig
from embedscope.select.hygiene import HygieneFindings
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection

if TYPE_CHECKING:  # the folder modules need the image extra (Pillow, PyAV); imported when INPUT is a folder
    from embedscope.report.assemble.folder import FolderReport
    from embedscope.report.assemble.side_files import SideOutput


@dataclass(frozen=True)
class RunClock:
    """When a run started: wall-clock seconds since the epoch and ``time.perf_counter()`` seconds."""

    start_wall: float
    start_perf: float


@dataclass
class AssembledReport:
    """The report stage's result before rendering.

    Attributes:
        report: the ``report_v2.json`` model.
        extra_plots: figure name → PNG bytes beyond the report's own figures (video timelines, bounding-box
            examples), for ``plots/`` and the PDF/HTML; ``extra_plot_titles`` captions them.
        side_outputs: extra files to write (skipped predictions, ``--export-frames``), as plain data.
    """

    report: ReportV2
    extra_plots: dict[str, bytes] = field(default_factory=dict)
    extra_plot_titles: dict[str, str] = field(default_factory=dict)
    side_outputs: list[SideOutput] = field(default_factory=list)


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


def assemble_run_report(
    *,
    params: RunParameters,
    inputs: LoadedInputs,
    config: SelectionConfig | None,
    sample_data: RunSampleData,
    selection: Selection,
    sets: AnalysisSets,
    metrics: EmbeddingMetrics,
    extra_metrics: ExtraMetricsResult,
    pca: ScatterInput,
    umap: ScatterInput,
    example_pairs: list[ExamplePair],
    hygiene: HygieneFindings,
    hygiene_analysis: HygieneAnalysis,
    timings: dict[str, float],
    clock: RunClock,
) -> AssembledReport:
    """The whole :class:`ReportV2` of a run, plus the folder-only and hygiene figures and side files.

    ``timings`` (stage → seconds) is recorded as ``embedscope.stageSeconds``; its "folder report" entry is added
    here, around the folder-only parts.
    """
    import time

    names = inputs.input.names
    examples = [
        SelectedAndRemovedImageExample(
            selected_image=names[pair.selected], removed_image=names[pair.removed], distance=pair.distance
        )
        for pair in example_pairs
    ]
    analysis = embedding_information(metrics, pca=pca, umap=umap)
    start = time.perf_counter()
    folder = _folder_report(params, inputs, selection, sets, analysis)
    timings["folder report"] = timings.get("folder report", 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    hygiene_out = hygiene_report(
        names, hygiene, hygiene_analysis, nearest_input=metrics.nearest_in_set.get("input", np.zeros(0))
    )
    timings["hygiene report"] = timings.get("hygiene report", 0.0) + time.perf_counter() - start
    end_wall = time.time()
    n_input = len(inputs.input)
    n_datapool = 0 if inputs.datapool is None else len(inputs.datapool)
    report = ReportV2(
        general_information=GeneralInformation(
            worker_information=WorkerInformation(build_version=embedscope.__version__, build_time=_build_time()),
            run_information=RunInformation(
                start_timestamp=int(clock.start_wall),
                end_timestamp=int(end_wall),
                total_processing_time_s=round(time.perf_counter() - clock.start_perf, 3),
                run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"embedscope:{params.input_path}:{clock.start_wall}")),
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
            "nMaskedInInput": len(inputs.masked),  # Lightly CSV ``masked`` rows, left out
            "nMarkedSelectedInInput": inputs.n_marked_selected,  # Lightly CSV ``selected`` rows, in the datapool
            EXTRA_METRICS_KEY: extra_metrics_model(extra_metrics).model_dump(mode="json", by_alias=True),
            **(folder.ext if folder is not None else {}),
            **hygiene_out.ext,
            "stageSeconds": {k: round(v, 3) for k, v in timings.items()},
        },
    )
    if folder is None:
        return AssembledReport(
            report=report, extra_plots=hygiene_out.plots, extra_plot_titles=hygiene_out.plot_titles,
            side_outputs=list(hygiene_out.side_outputs),
        )
    return AssembledReport(
        report=report, extra_plots={**folder.plots, **hygiene_out.plots},
        extra_plot_titles={**folder.plot_titles, **hygiene_out.plot_titles},
        side_outputs=[*folder.side_outputs, *hygiene_out.side_outputs],
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
    from embedscope.embed.folder_samples import FolderInputs
    from embedscope.report.assemble.folder import folder_report

    if not isinstance(inputs, FolderInputs):
        return None
    return folder_report(
        inputs, params=params, selected=selection.indices, random=sets.random_indices,
        embedding_information=analysis,
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
