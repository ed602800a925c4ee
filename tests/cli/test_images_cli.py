"""`embedscope run IMAGE_DIR` and `embedscope embed` end to end: corrupt and duplicate files are set aside."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from embedscope.ingest.sample_dataset import build_sample_image_folder
from embedscope.io.embeddings_file import read_embeddings
from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import run_cli


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_sample_image_folder(tmp_path_factory.mktemp("images") / "photos", n_images=48, seed=1)
    first = min(root.rglob("*.jpg"))
    shutil.copy(first, root / "zz_copy.jpg")  # same bytes → duplicate of `first`
    (root / "broken.jpg").write_bytes(first.read_bytes()[:200])  # truncated JPEG
    (root / "empty.png").write_bytes(b"")
    (root / "notes.txt").write_text("not an image, ignored")
    return root


def test_run_on_an_image_folder(image_folder: Path, tmp_path: Path) -> None:
    result = run_cli("run", image_folder, "--n-samples", "8", "--out", tmp_path / "out", "-q")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    report = read_report_dict(out / "report_v2.json")
    sizes = report["generalInformation"]["datasetInformation"]["datasetSizes"]
    assert (sizes["nInput"], sizes["nCorrupt"], sizes["nDuplicate"], sizes["nSelected"]) == (48, 2, 1, 8)
    assert (out / "filenames/corrupt_filenames.txt").read_text().split() == ["broken.jpg", "empty.png"]
    assert (out / "filenames/duplicate_filenames.txt").read_text().split() == ["zz_copy.jpg"]
    corrupt = json.loads((out / "corruptness_check_information.json").read_text())["corrupt_samples"]
    assert set(corrupt) == {"broken.jpg", "empty.png"} and all(corrupt.values())
    embeddings = read_embeddings(out / "data/embeddings.csv")
    assert embeddings.dim == 32 and len(embeddings) == 48
    np.testing.assert_allclose(np.linalg.norm(embeddings.vectors, axis=1), 1.0, atol=1e-5)
    examples = report["generalInformation"]["selectedAndRemovedImageExamples"]
    pdf_text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert all(e["selectedImage"] in pdf_text and e["removedImage"] in pdf_text for e in examples)
    listing = subprocess.run(["pdfimages", "-list", str(out / "report.pdf")], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    thumbnails = [row for row in listing if row.split()[2] == "image" and max(map(int, row.split()[3:5])) <= 96]
    assert len(thumbnails) >= 2 * len(examples)  # each example pair drawn as two thumbnails (plus the gallery)


def test_embed_command_writes_a_lightly_csv(image_folder: Path, tmp_path: Path) -> None:
    result = run_cli("embed", image_folder, "--out", tmp_path / "e.csv", "--quiet")
    assert result.returncode == 0, result.stderr
    table = read_embeddings(tmp_path / "e.csv")
    assert len(table) == 48 and "broken.jpg" not in table.names and "zz_copy.jpg" not in table.names
    written = (tmp_path / "e.csv").read_bytes()
    again = run_cli("embed", image_folder, "--out", tmp_path / "e.csv", "--quiet")
    assert again.returncode == 2 and again.stderr.strip().count("\n") == 0 and "--overwrite" in again.stderr
    assert (tmp_path / "e.csv").read_bytes() == written
    assert run_cli("embed", image_folder, "--out", tmp_path / "e.csv", "--quiet", "--overwrite").returncode == 0


def test_all_corrupt_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs/a.jpg").write_text("nope")
    (tmp_path / "imgs/b.png").write_bytes(b"")
    result = run_cli("run", tmp_path / "imgs", "-n", "1", "--out", tmp_path / "out")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "imgs" in lines[0], result.stderr
