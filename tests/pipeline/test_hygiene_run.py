"""Hygiene inside a run: computed image metadata reaches THRESHOLD strategies and the report; near-duplicate
removal and outliers change the input and the selection as stated."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageFilter

from embedscope.ingest.image_statistics import image_statistics
from embedscope.ingest.sample_data_files import read_sample_data_files
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.pipeline import stages
from embedscope.progress import SilentProgress
from embedscope.report.assemble.run_report import AssembledReport, RunClock
from embedscope.report.write_outputs import write_side_outputs
from embedscope.run_parameters import RunParameters
from embedscope.select.worker_config import run_selection_config


def _run_stages(params: RunParameters, samples: LoadedInputs) -> tuple[LoadedInputs, stages.Selected, AssembledReport]:
    """The select, analyze and report stages on hand-made samples (the stages run by the local executor);
    pickled between stages as an executor ships them. Returns the samples the selection indexes."""
    progress = SilentProgress()
    side_files = read_sample_data_files(
        metadata_path=params.metadata_path, scores_path=params.scores_path, predictions_path=params.predictions_path
    )
    ingested = stages.Ingested(config=run_selection_config(params), side_files=side_files, samples=samples)
    selected = pickle.loads(pickle.dumps(stages.select(ingested, samples, params, progress)))
    analysis = pickle.loads(pickle.dumps(stages.analyze(samples, selected, params, from_greedy=False, progress=progress)))
    assembled = stages.report(ingested, samples, selected, analysis, params, timings={}, clock=RunClock(0.0, 0.0))
    return stages.samples_of(samples, selected), selected, assembled


def _image_folder(root: Path) -> list[str]:
    photo = Image.fromarray(skimage.data.astronaut()).resize((96, 96))
    names = []
    for i in range(24):
        image = photo.rotate(15 * i).filter(ImageFilter.GaussianBlur(radius=i % 4))
        names.append(f"img_{i:02d}.png")
        image.save(root / names[-1])
    return names


def test_sharpness_threshold_strategy_uses_computed_metadata(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    names = _image_folder(images)
    sharpness = np.array([image_statistics(Image.open(images / n))["lightly.sharpness"] for n in names])
    cut = float(np.median(sharpness))
    vectors = np.random.default_rng(0).standard_normal((24, 8)).astype(np.float32)

    samples = LoadedInputs(input=EmbeddingTable(names=names, vectors=vectors), datapool=None, image_root=images)

    config = tmp_path / "selection.yaml"
    config.write_text(
        "strategies:\n"
        "  - input: {type: METADATA, key: lightly.sharpness}\n"
        f"    strategy: {{type: THRESHOLD, threshold: {cut}, operation: BIGGER}}\n"
        "  - input: {type: EMBEDDINGS}\n"
        "    strategy: {type: DIVERSITY}\n"
    )
    params = RunParameters(input_path=images, out_dir=tmp_path / "out", n_samples=5, selection_config_path=config)
    _, selected, assembled = _run_stages(params, samples)
    chosen = selected.selection.indices
    assert len(chosen) == 5 and np.all(sharpness[chosen] > cut)
    metadata = assembled.report.dataset_analysis.metadata_information
    assert metadata is not None and "lightly.sharpness" in metadata and "lightly.entropy" in metadata
    write_side_outputs(assembled.side_outputs, tmp_path / "out")  # the hygiene files (the report: elsewhere)
    lines = (tmp_path / "out" / "data" / "computed_metadata.csv").read_text().splitlines()
    assert lines[0].split(",")[:2] == ["filename", "lightly.sharpness"] and len(lines) == 25


def test_removed_near_duplicates_leave_the_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    base = rng.standard_normal((200, 8))
    vectors = np.vstack([base, base[:10] + 1e-4]).astype(np.float32)
    names = [f"s{i:03d}" for i in range(210)]

    samples = LoadedInputs(input=EmbeddingTable(names=names, vectors=vectors), datapool=None)

    params = RunParameters(
        input_path=tmp_path / "x.csv", out_dir=tmp_path / "out", n_samples=20, normalize=False,
        extra={"near_duplicate_threshold": 0.01, "remove_near_duplicates": True, "outliers": "3"},
    )
    kept, selected, assembled = _run_stages(params, samples)
    assert len(kept.input) == 200 and len(selected.sample_data.input.names) == 200
    write_side_outputs(assembled.side_outputs, tmp_path / "out")
    removed = (tmp_path / "out" / "filenames" / "near_duplicate_filenames.txt").read_text().split()
    assert len(removed) == 10 and not set(removed) & set(kept.input.names)
    document = json.loads((tmp_path / "out" / "near_duplicates.json").read_text())
    assert len(document["groups"]) == 10 and all(len(g["members"]) == 2 for g in document["groups"])
    outliers = (tmp_path / "out" / "filenames" / "outlier_filenames.txt").read_text().split()
    chosen = {kept.input.names[int(i)] for i in selected.selection.indices}
    assert len(outliers) == 3 and not set(outliers) & chosen
    ext = assembled.report.embedscope
    assert ext["outliers"]["radiusWithoutOutliers"] <= ext["outliers"]["radiusWithOutliers"]
    assert ext["nearDuplicates"]["nRemoved"] == 10
