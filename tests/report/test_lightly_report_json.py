"""report_v2.json loads in LightlyOne's own ``ReportV2`` model; the sibling file joins back to the same report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.io.annotation_costs import AnnotationCosts
from embedscope.report.json_writer import EXT_FILE_NAME, read_report_json, write_report_json
from embedscope.report.platform_fields import dataset_id, platform_fields
from tests.report.lightly_models import lightly_models
from tests.report.synthetic import synthetic_run


def _write(tmp_path: Path, rng: np.random.Generator, **kwargs: object) -> tuple[Path, object]:
    run = synthetic_run(rng, **kwargs)  # type: ignore[arg-type]
    source = tmp_path / "input.csv"
    source.write_text("filename,embedding_0\n")
    platform = platform_fields(input_path=source, out_dir=tmp_path / "out", n_not_selected=135,
                               costs=AnnotationCosts())
    path = tmp_path / "out" / "report_v2.json"
    write_report_json(run.report, path, platform)
    return path, run.report


@pytest.mark.parametrize("n_datapool", [0, 4])
def test_report_v2_json_loads_in_lightlys_report_v2(tmp_path: Path, rng: np.random.Generator, n_datapool: int) -> None:
    path, report = _write(tmp_path, rng, n_input=150, n_selected=15, n_datapool=n_datapool, with_sample_data=True)
    text = path.read_text()
    loaded = lightly_models().ReportV2.from_json(text)  # forbids unknown keys, requires the platform fields
    again = lightly_models().ReportV2.from_dict(json.loads(text))
    assert loaded == again
    info = loaded.general_information
    assert info.run_information.run_url == (tmp_path / "out").as_uri()
    assert info.dataset_information.dataset_url == (tmp_path / "input.csv").as_uri()
    assert info.dataset_information.dataset_id == dataset_id(tmp_path / "input.csv")
    assert info.dataset_information.dataset_sizes.n_selected == 15
    # 135 images not labelled × 5 s at 10 USD/h = 1.875 USD; × 0.04 kg/h = 0.0075 kg
    assert info.annotation_savings.image_classification.cost_savings == pytest.approx(135 * 5 / 3600 * 10)
    assert info.annotation_savings.object_detection.co2_savings == pytest.approx(135 * 60 / 3600 * 0.04)
    metadata = loaded.dataset_analysis.metadata_information
    in_memory = report.dataset_analysis.metadata_information
    assert set(metadata.custom_categorical) | set(metadata.custom_numeric) == set(in_memory)
    for column, entry in in_memory.items():
        if entry.type == "categorical":
            assert metadata.custom_categorical[column].input.counts == entry.category_distribution.input.counts
        else:
            assert metadata.custom_numeric[column].selected.counts == entry.numeric_distribution.selected.counts
    cover = loaded.dataset_analysis.embedding_information.distance_to_cover_input
    assert cover.selected.counts == report.dataset_analysis.embedding_information.distance_to_cover_input.selected.counts
    assert "embedscope" not in text and "schemaVersion" not in text


def test_sibling_file_holds_the_additions_and_joins_back(tmp_path: Path, rng: np.random.Generator) -> None:
    path, report = _write(tmp_path, rng, n_input=150, n_selected=15, n_datapool=4, with_sample_data=True)
    ext = json.loads((path.parent / EXT_FILE_NAME).read_text())
    assert ext["schemaVersion"] == "embedscope-report-ext-1"
    assert ext["embedscope"]["extraMetrics"]["randomBaseline"]["subsetSize"] == 15
    assert any("embedscopeProjection" in keys for keys in ext["inline"].values())
    assert read_report_json(path) == report


def test_empty_selected_distribution_gets_a_listed_placeholder(tmp_path: Path, rng: np.random.Generator) -> None:
    path, report = _write(tmp_path, rng, n_input=40, n_selected=1)
    loaded = lightly_models().ReportV2.from_json(path.read_text())
    placeholder = loaded.dataset_analysis.embedding_information.distance_to_nearest_neighbor_in_set.selected
    assert sum(placeholder.counts) == 0
    ext = json.loads((path.parent / EXT_FILE_NAME).read_text())
    assert "/datasetAnalysis/embeddingInformation/distanceToNearestNeighborInSet/selected" in ext["placeholders"]
    assert read_report_json(path) == report


def test_missing_sibling_file_is_named(tmp_path: Path, rng: np.random.Generator) -> None:
    path, _ = _write(tmp_path, rng, n_input=40, n_selected=4)
    (path.parent / EXT_FILE_NAME).unlink()
    with pytest.raises(InputFileError, match=rf"{EXT_FILE_NAME}: cannot read the report"):
        read_report_json(path)


def test_computed_metadata_goes_to_lightly_numeric_and_joins_back(tmp_path: Path, rng: np.random.Generator) -> None:
    """``lightly.*`` numeric columns (embedscope's computed image metadata) sit under ``lightlyNumeric`` with
    lightly's ``SampleMetaData`` style keys; user columns stay custom; the join restores columns and order."""
    run = synthetic_run(rng, n_input=60, n_selected=6, with_sample_data=True)
    columns = dict(run.report.dataset_analysis.metadata_information)
    brightness = columns["brightness"]
    metadata = {"lightly.sharpness": brightness, "weather": columns["weather"], "brightness": brightness,
                "lightly.aspect_ratio": brightness}
    report = run.report.model_copy(update={"dataset_analysis": run.report.dataset_analysis.model_copy(
        update={"metadata_information": metadata})})
    source = tmp_path / "input.csv"
    source.write_text("filename,embedding_0\n")
    path = tmp_path / "out" / "report_v2.json"
    write_report_json(report, path, platform_fields(input_path=source, out_dir=path.parent, n_not_selected=54,
                                                    costs=AnnotationCosts()))
    groups = json.loads(path.read_text())["datasetAnalysis"]["metadataInformation"]
    assert set(groups["lightlyNumeric"]) == {"sharpness", "aspectRatio"}
    assert set(groups["customNumeric"]) == {"brightness"} and set(groups["customCategorical"]) == {"weather"}
    loaded = lightly_models().ReportV2.from_json(path.read_text())
    lightly_numeric = loaded.dataset_analysis.metadata_information.lightly_numeric
    assert lightly_numeric["aspectRatio"].input.counts == brightness.numeric_distribution.input.counts
    joined = read_report_json(path)
    assert joined == report and list(joined.dataset_analysis.metadata_information) == list(metadata)
