"""report_v2.json: the model survives dump → validate and the JSON file round trip; the extraMetrics block."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedscope.analyze.embedding_metrics import compute_embedding_metrics
from embedscope.analyze.extra_metrics.summary import compute_extra_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.io.annotation_costs import AnnotationCosts
from embedscope.report.extra_metrics import (
    COSINE_KERNEL,
    NO_BOUND_NOTE,
    RAW_COSINE_KERNEL,
    extra_metrics_model,
    read_extra_metrics,
)
from embedscope.report.json_writer import EXT_FILE_NAME, read_report_json, write_report_json
from embedscope.report.model import ExtraMetrics, ReportV2
from embedscope.report.platform_fields import platform_fields
from tests.report.synthetic import synthetic_run


def test_model_dump_validate_round_trip(rng: np.random.Generator) -> None:
    report = synthetic_run(rng, n_input=150, n_selected=15, n_datapool=4, with_sample_data=True).report
    assert ReportV2.model_validate(report.model_dump()) == report
    assert ReportV2.model_validate(report.model_dump(by_alias=True)) == report
    assert ReportV2.model_validate_json(report.model_dump_json(by_alias=True)) == report


def test_json_file_round_trip_with_camel_case_keys(tmp_path: Path, rng: np.random.Generator) -> None:
    report = synthetic_run(rng, n_input=150, n_selected=15, with_sample_data=True).report
    path = tmp_path / "report_v2.json"
    platform = platform_fields(input_path=path.parent, out_dir=tmp_path, n_not_selected=135, costs=AnnotationCosts())
    write_report_json(report, path, platform)
    raw = json.loads((tmp_path / EXT_FILE_NAME).read_text(encoding="utf-8"))
    extra = raw["embedscope"]["extraMetrics"]
    assert {"selected", "randomBaseline", "prdc", "vendiScore", "kCenter"} <= set(extra)
    assert {"coverageMax", "prdcCoverage", "subsetSize"} <= set(extra["randomBaseline"])
    again = read_report_json(path)
    assert read_extra_metrics(again) == read_extra_metrics(report)
    assert again.model_dump(exclude_none=True) == report.model_dump(exclude_none=True)


def test_extra_metrics_block_holds_the_computed_values(rng: np.random.Generator) -> None:
    data = rng.normal(size=(200, 6)).astype(np.float32)
    selected = rng.choice(200, size=20, replace=False).astype(np.int64)
    sets = AnalysisSets(input=data, selected_indices=selected, random_indices=random_subset(200, 20, seed=4),
                        datapool=None)
    metrics = compute_embedding_metrics(sets, exact=True, seed=4)
    result = compute_extra_metrics(sets, metrics, from_greedy=False, normalized=False, seed=4, exact=True)
    block = extra_metrics_model(result)
    assert ExtraMetrics.model_validate(block.model_dump(by_alias=True)) == block
    baseline = block.random_baseline
    assert baseline.seeds == [4, 5, 6, 7, 8] and baseline.subset_size == 20
    radii = np.array([result.random_subsets[s].coverage_max for s in baseline.seeds])
    assert baseline.coverage_max.values == pytest.approx(list(radii))
    assert baseline.coverage_max.mean == pytest.approx(radii.mean())
    assert baseline.coverage_max.sd == pytest.approx(radii.std(ddof=1))
    recalls = [result.prdc_random[s].scores.recall for s in baseline.seeds]
    assert baseline.prdc_recall is not None and baseline.prdc_recall.mean == pytest.approx(np.mean(recalls))
    assert block.prdc is not None and block.prdc.random.coverage == result.prdc_random[4].scores.coverage
    assert block.vendi_score.kernel == RAW_COSINE_KERNEL != COSINE_KERNEL
    assert block.vendi_score.random == result.random_subsets[4].vendi
    assert block.k_center.optimal_radius_lower_bound is None and block.k_center.lower_bound_note == NO_BOUND_NOTE
    assert block.k_center.random_radius == pytest.approx(metrics.cover_input["random"].max())
