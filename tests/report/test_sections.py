"""The shared document content: number formatting and the selected-vs-random verdicts."""

from __future__ import annotations

import numpy as np

from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.model import (
    DetectionTaskInformation,
    EmbeddingInformation,
    MeanSd,
    NeighborSearchInfo,
    NumericDistributionPerSet,
    PredictionTaskInformation,
)
from embedscope.report.sections import (
    _compare,
    distribution_notes,
    fmt,
    fmt_mean_sd,
    headline_rows,
    headline_table,
    own_crop_analysis,
)
from embedscope.select.k_center_greedy import COVER_METHOD
from tests.report.synthetic import synthetic_run


def test_fmt() -> None:
    """Four decimals for every value of a column (the user saw 3 and 4 mixed, and "± 9.81e-04")."""
    assert [fmt(v) for v in (None, 0.0, 0.0000123, 0.000123, 0.12345, 1.23456, 12345.6)] == [
        "n/a", "0.0000", "1.23e-05", "0.0001", "0.1235", "1.2346", "12,346"]
    assert fmt_mean_sd(MeanSd(mean=0.5, sd=0.0123, values=[0.5])) == "0.5000 ± 0.0123"
    assert fmt_mean_sd(MeanSd(mean=0.0242, sd=0.000981, values=[0.0242])) == "0.0242 ± 0.0010"


def test_verdicts_against_random() -> None:
    assert _compare(0.4, 0.9, 0.1, lower_is_better=True) == ("2.25× lower", "better")
    assert _compare(0.85, 0.9, 0.1, lower_is_better=True) == ("1.06× lower", "within noise")
    assert _compare(1.2, 0.9, 0.1, lower_is_better=True) == ("1.33× higher", "worse")
    assert _compare(0.6, 0.3, 0.01, lower_is_better=False) == ("2.00× higher", "better")
    assert _compare(0.6, 0.3, None, lower_is_better=False) == ("2.00× higher", "better")
    assert _compare(None, 0.3, None, lower_is_better=False) == ("n/a", "n/a")


def test_headline_uses_random_error_bars(rng: np.random.Generator) -> None:
    report = synthetic_run(rng, n_input=200, n_selected=20).report
    rows = headline_rows(report, None)
    assert [r.random.count("±") for r in rows] == [0, 0, 0]  # only the report's random set: no error bars
    extra = read_extra_metrics(report)
    rows = headline_rows(report, extra)
    assert len(rows) == 6 and all("±" in r.random for r in rows)
    table = headline_table(rows, n_seeds=5)
    assert table.header[3] == "random (mean ± sd, 5 seeds)" and len(table.rows) == 6
    assert table.is_numeric(2) and table.is_numeric(4) and not table.is_numeric(5)


def test_crop_analysis_is_shown_only_when_it_is_not_the_main_analysis() -> None:
    run = synthetic_run(np.random.default_rng(4), n_input=60, n_selected=6)
    main = run.report.dataset_analysis.embedding_information
    other = synthetic_run(np.random.default_rng(5), n_input=40, n_selected=4).report.dataset_analysis.embedding_information

    def task(crops: EmbeddingInformation | None) -> PredictionTaskInformation:
        detection = DetectionTaskInformation(crop_embedding_information=crops)
        return PredictionTaskInformation(task_type="OBJECT_DETECTION", detection_task_information=detection)

    assert own_crop_analysis(run.report, task(main)) is None  # object-level run: already the main analysis
    assert own_crop_analysis(run.report, task(other)) == other  # image-level run with a crop analysis
    assert own_crop_analysis(run.report, task(None)) is None


def test_only_searches_with_a_measured_recall_get_an_approximate_search_note() -> None:
    """Exact searches ("exact", "exact (ray map)") and the greedy's running minimum have no recall: no note
    (the Ray map's method used to be printed as "approximate search (exact (ray map)), recall@1 n/a")."""
    search = {
        "selected": NeighborSearchInfo(method=COVER_METHOD),
        "random": NeighborSearchInfo(method="exact (ray map)"),
        "input": NeighborSearchInfo(method="ivf (ray tasks)", recall=0.9871, recall_sample_size=1000),
    }
    distribution = NumericDistributionPerSet(bins=10, range=(0.0, 1.0), neighbor_search=search)
    assert distribution_notes(distribution) == [
        "input: approximate search (ivf (ray tasks)), recall@1 0.987 measured on 1000 samples."]
