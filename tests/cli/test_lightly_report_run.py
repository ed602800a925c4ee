"""A LightlyOne user's run on an image folder, read back with lightly's own ``ReportV2``: the platform URL is the
final ``--out`` (not the staging folder it was written in), the computed image metadata sits in
``lightlyNumeric`` with the statistics of ``data/computed_metadata.csv``, the example pairs are true nearest
unselected neighbours, and a relevant-filenames entry that matches no file is warned about and recorded."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.ingest.sample_dataset import build_sample_image_folder
from embedscope.io.embeddings_file import read_embeddings
from embedscope.report.json_writer import EXT_FILE_NAME, read_report_dict
from embedscope.report.lightly_split import lightly_metadata_key
from tests.cli.conftest import run_cli
from tests.report.lightly_models import lightly_models

N_IMAGES, N_SELECTED = 20, 6
UNMATCHED = ["day/no_such_photo.jpg", "gone/*", "night/typo.jpg"]


def _computed_metadata(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {key: np.array([float(row[key]) for row in rows]) for key in rows[0] if key != "filename"}


def test_report_v2_of_an_image_folder_run(tmp_path: Path) -> None:
    root = build_sample_image_folder(tmp_path / "photos", n_images=N_IMAGES, seed=3)
    images = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jpg"))
    listing = root / ".lightly" / "relevant_filenames.txt"
    listing.parent.mkdir()
    listing.write_text("\n".join([*images[:-2], *UNMATCHED]) + "\n")  # the last two images are not listed
    worker = tmp_path / "worker.json"
    worker.write_text(json.dumps({"workerConfig": {"relevantFilenamesFile": ".lightly/relevant_filenames.txt"},
                                  "selectionConfig": {"nSamples": N_SELECTED, "strategies": [
                                      {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}}))
    out = tmp_path / "result"
    result = run_cli("run", root, "--worker-config", worker, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "match no file" in line]
    assert len(warnings) == 1 and f"3 of {N_IMAGES - 2 + 3} entries match no file" in warnings[0]
    assert all(name in warnings[0] for name in UNMATCHED)

    text = (out / "report_v2.json").read_text()
    for written in out.rglob("*"):  # no output names the staging folder the run was written in
        if written.suffix in {".json", ".yaml", ".html", ".txt", ".csv"}:
            assert ".embedscope-staging" not in written.read_text(errors="replace"), written
    report = lightly_models().ReportV2.from_json(text)  # strict: forbids unknown keys
    assert report.general_information.run_information.run_url == out.resolve().as_uri()
    assert report.general_information.dataset_information.dataset_url == root.resolve().as_uri()

    computed = _computed_metadata(out / "data" / "computed_metadata.csv")
    groups = report.dataset_analysis.metadata_information
    assert computed and set(groups.lightly_numeric) == {lightly_metadata_key(key) for key in computed}
    assert not any(key.startswith("lightly.") for key in groups.custom_numeric)
    for column, values in computed.items():
        metrics = groups.lightly_numeric[lightly_metadata_key(column)].input.metrics
        finite = values[np.isfinite(values)]
        assert [metrics.mean, metrics.std, metrics.min, metrics.median, metrics.max] == pytest.approx(
            [finite.mean(), finite.std(), finite.min(), np.median(finite), finite.max()], rel=1e-6, abs=1e-9), column
    joined = read_report_dict(out / "report_v2.json")  # what the PDF and HTML read: the columns as computed
    assert list(joined["datasetAnalysis"]["metadataInformation"]) == list(computed)

    embeddings = read_embeddings(out / "data" / "embeddings.csv")
    assert len(embeddings) == N_IMAGES - 2
    row = {name: i for i, name in enumerate(embeddings.names)}
    selected = (out / "filenames" / "sampled_filenames_excluding_datapool.txt").read_text().split()
    unselected = [name for name in embeddings.names if name not in set(selected)]
    examples = report.general_information.selected_and_removed_image_examples
    assert len(examples) == N_SELECTED and [e.selected_image for e in examples] == selected
    distances = cdist(embeddings.vectors[[row[e.selected_image] for e in examples]].astype(np.float64),
                      embeddings.vectors[[row[n] for n in unselected]].astype(np.float64))
    for example, to_unselected in zip(examples, distances):
        assert example.distance == pytest.approx(to_unselected.min(), rel=1e-4)
        assert to_unselected[unselected.index(example.removed_image)] == pytest.approx(to_unselected.min(), rel=1e-4)

    record = json.loads((out / EXT_FILE_NAME).read_text())["embedscope"]["relevantFilenames"]
    assert record["nEntries"] == N_IMAGES - 2 + 3 and record["nUnmatched"] == 3 and record["unmatched"] == UNMATCHED
    assert record["file"] == str(listing.resolve())
