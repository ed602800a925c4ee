"""What a finished run hands to the writers of the output folder: every stage's result, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from embedscope.analyze.embedding_metrics import EmbeddingMetrics
from embedscope.analyze.scatter import ScatterInput
from embedscope.analyze.sets import AnalysisSets
from embedscope.ingest.samples import LoadedInputs
from embedscope.report.model import ReportV2
from embedscope.run_parameters import RunParameters
from embedscope.select.hygiene import HygieneFindings
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection

if TYPE_CHECKING:
    from embedscope.report.assemble.side_files import SideOutput


@dataclass
class RunOutcome:
    """A finished run.

    Attributes:
        parameters: the run's parameters.
        inputs: the samples (after ingest and embed).
        selection: the select stage's result.
        sets, metrics: the analyze stage's sets and distance metrics.
        report: the ``report_v2.json`` model.
        timings: stage name → wall seconds.
        extra_plots: figure name → PNG bytes beyond the report's own figures (video timelines, bounding-box
            examples), for ``plots/`` and the PDF/HTML; ``extra_plot_titles`` captions them.
        side_outputs: extra files (skipped predictions, ``--export-frames``), as plain data.
        scatter: the PCA and UMAP views of every sample (report.html's map).
        sample_data: the per-sample data aligned with the samples (colour-by columns of the map).
        hygiene: the select stage's near-duplicate groups and outliers (colour-by columns of the map).
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
    side_outputs: list[SideOutput] = field(default_factory=list)
    scatter: tuple[ScatterInput, ScatterInput] | None = None
    sample_data: RunSampleData | None = None
    hygiene: HygieneFindings | None = None
