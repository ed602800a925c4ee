"""What a finished run hands to the writers of the output folder: every stage's result, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

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


EMBEDDINGS_CSV = "data/embeddings.csv"


@dataclass(frozen=True)
class InputOffDriver:
    """The input's N × D matrix stayed off the driver (the Ray engine above ``--memory-budget``): what the
    writers need instead of ``inputs.input.vectors``, which then has no rows.

    Attributes:
        selected_vectors: (k, D) float32 embeddings of the selected input samples, in selection order.
        written: output files (paths relative to the output folder) the engine already wrote there, block by
            block (:data:`EMBEDDINGS_CSV`).
    """

    selected_vectors: np.ndarray
    written: frozenset[str] = frozenset()


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
        input_off_driver: set when the input matrix stayed on a cluster (see :class:`InputOffDriver`).
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
    input_off_driver: InputOffDriver | None = None
