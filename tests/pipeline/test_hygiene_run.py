"""Hygiene inside a run: computed image metadata reaches THRESHOLD strategies and the report; near-duplicate
removal and outliers change the input and the selection as stated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageFilter

from embedscope.ingest.image_statistics import image_statistics
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.pipeline.inputs import LoadedInputs
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.run import execute_run


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

    def loader(params, progress):  # type: ignore[no-untyped-def]
        return LoadedInputs(input=EmbeddingTable(names=names, vectors=vectors), datapool=None, image_root=images)

    config = tmp_path / "selection.yaml"
    config.write_text(
        "strategies:\n"
        "  - input: {type: METADATA, key: lightly.sharpness}\n"
        f"    strategy: {{type: THRESHOLD, threshold: {cut}, operation: BIGGER}}\n"
        "  - input: {type: EMBEDDINGS}\n"
        "    strategy: {type: DIVERSITY}\n"
    )
    params = RunParameters(input_path=images, out_dir=tmp_path / "out", n_samples=5, selection_config_path=config)
    outcome = execute_run(params, loader=loader)
    chosen = outcome.selection.indices
    assert len(chosen) == 5 and np.all(sharpness[chosen] > cut)
    metadata = outcome.report.dataset_analysis.metadata_information
    assert metadata is not None and "lightly.sharpness" in metadata and "lightly.entropy" in metadata
    for write_side_output in outcome.side_outputs:  # the hygiene files (the report itself is tested elsewhere)
        write_side_output(tmp_path / "out")
    lines = (tmp_path / "out" / "data" / "computed_metadata.csv").read_text().splitlines()
    assert lines[0].split(",")[:2] == ["filename", "lightly.sharpness"] and len(lines) == 25


def test_removed_near_duplicates_leave_the_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    base = rng.standard_normal((200, 8))
    vectors = np.vstack([base, base[:10] + 1e-4]).astype(np.float32)
    names = [f"s{i:03d}" for i in range(210)]

    def loader(params, progress):  # type: ignore[no-untyped-def]
        return LoadedInputs(input=EmbeddingTable(names=names, vectors=vectors), datapool=None)

    params = RunParameters(
        input_path=tmp_path / "x.csv", out_dir=tmp_path / "out", n_samples=20, normalize=False,
        extra={"near_duplicate_threshold": 0.01, "remove_near_duplicates": True, "outliers": "3"},
    )
    outcome = execute_run(params, loader=loader)
    assert len(outcome.inputs.input) == 200
    for write_side_output in outcome.side_outputs:
        write_side_output(tmp_path / "out")
    removed = (tmp_path / "out" / "filenames" / "near_duplicate_filenames.txt").read_text().split()
    assert len(removed) == 10 and not set(removed) & set(outcome.inputs.input.names)
    document = json.loads((tmp_path / "out" / "near_duplicates.json").read_text())
    assert len(document["groups"]) == 10 and all(len(g["members"]) == 2 for g in document["groups"])
    outliers = (tmp_path / "out" / "filenames" / "outlier_filenames.txt").read_text().split()
    selected = {outcome.inputs.input.names[int(i)] for i in outcome.selection.indices}
    assert len(outliers) == 3 and not set(outliers) & selected
    ext = outcome.report.embedscope
    assert ext["outliers"]["radiusWithoutOutliers"] <= ext["outliers"]["radiusWithOutliers"]
    assert ext["nearDuplicates"]["nRemoved"] == 10
