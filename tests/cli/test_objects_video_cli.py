"""``embedscope run`` end to end on object crops (``--object-level`` with a Lightly predictions folder inside
INPUT) and on a folder of videos (``--frame-stride``)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.io.embeddings_file import read_embeddings
from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import run_cli
from tests.ingest.test_video_frames import write_video

# image → (category id, [x, y, w, h]); a Lightly predictions folder is written for them
OBJECTS = {
    "street/0.png": [(0, [2, 2, 30, 30]), (1, [40, 8, 20, 40])],
    "street/1.png": [(1, [10, 10, 44, 30]), (0, [0, 30, 25, 18]), (0, [50, 0, 14, 14])],
    "2.png": [(0, [8, 4, 40, 40]), (1, [1, 1, 3, 3])],  # the second box is under the minimum crop size
}


def _lightly_folder(root: Path) -> None:
    predictions = root / ".lightly" / "predictions"
    task = predictions / "det"
    task.mkdir(parents=True)
    (predictions / "tasks.json").write_text(json.dumps(["det"]))
    schema = {"task_type": "object-detection", "categories": [{"id": 0, "name": "car"}, {"id": 1, "name": "bike"}]}
    (task / "schema.json").write_text(json.dumps(schema))
    for image, objects in OBJECTS.items():
        entries = [{"category_id": c, "bbox": box, "score": 0.5} for c, box in objects]
        path = task / image.replace(".png", ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"file_name": image, "predictions": entries}))
    (task / "broken.json").write_text('{"file_name": "broken.png", "predictions": [')  # malformed JSON


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_object_level_run(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    root = tmp_path / "images"
    for image in OBJECTS:
        (root / image).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(root / image)
    _lightly_folder(root)
    out = tmp_path / "out"
    result = run_cli("run", root, "--object-level", "det", "--n-samples", "3", "--embedding-dim", "4",
                     "--crop-padding", "0.05", "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    report = read_report_dict(out / "report_v2.json")
    names = read_embeddings(out / "data" / "embeddings.csv").names
    assert names == sorted(["street/0-0-png.png", "street/0-1-png.png", "street/1-0-png.png",
                            "street/1-1-png.png", "street/1-2-png.png", "2-0-png.png"])
    task = report["predictionTaskInformation"]["det"]
    assert task["taskType"] == "OBJECT_DETECTION"
    assert task["categoryIdToName"] == {"0": "car", "1": "bike"}
    assert task["categoryDistribution"]["input"]["counts"] == {"car": 4, "bike": 2}
    selected = (out / "filenames" / "sampled_filenames_excluding_datapool.txt").read_text().split()
    category = {f"{i.removesuffix('.png')}-{k}-png.png": ("car", "bike")[c]
                for i, objects in OBJECTS.items() for k, (c, _) in enumerate(objects)}
    expected = Counter(category[name] for name in selected)
    assert task["categoryDistribution"]["selected"]["counts"] == {k: expected.get(k, 0) for k in ("car", "bike")}
    crop_info = task["detectionTaskInformation"]["cropEmbeddingInformation"]
    assert crop_info == report["datasetAnalysis"]["embeddingInformation"]
    assert set(crop_info["distanceToNearestNeighborInSet"]) >= {"bins", "range", "input", "selected"}
    ext = report["embedscope"]
    assert ext["objectLevel"]["nCropsInput"] == 6 and ext["objectLevel"]["cropPadding"] == 0.05
    skipped = ext["predictions"]["tasks"]["det"]
    assert "malformed JSON" in skipped["skippedPredictions"]["broken.json"]
    assert "under the minimum crop size" in skipped["skippedCrops"]["2-1-png.png"]
    written = json.loads((out / "skipped_predictions.json").read_text())
    assert "malformed JSON" in written["tasks"]["det"]["skippedPredictions"]["broken.json"]
    boxes = sorted(p.name for p in (out / "plots").glob("bounding_boxes_det_*.png"))
    assert boxes, "bounding-box examples are written to plots/"
    pdf = _pdf_text(out / "report.pdf")
    assert "Predictions read" in pdf and "6 crops from 3 images" in pdf
    assert "Bounding boxes of task det:" in pdf


def test_video_folder_run(tmp_path: Path) -> None:
    root = tmp_path / "clips"
    write_video(root / "a.mp4", n_frames=12)
    write_video(root / "day" / "b.mov", n_frames=6)
    out = tmp_path / "out"
    result = run_cli("run", root, "--frame-stride", "2", "--n-samples", "3", "--embedding-dim", "4",
                     "--export-frames", "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    names = (out / "filenames" / "sampled_filenames_excluding_datapool.txt").read_text().split()
    removed = (out / "filenames" / "removed_filenames.txt").read_text().split()
    assert sorted(names + removed) == sorted(
        [f"a-{i:02d}-mp4.png" for i in range(0, 12, 2)] + [f"day/b-{i}-mov.png" for i in range(0, 6, 2)]
    )
    level = read_report_dict(out / "report_v2.json")["embedscope"]["videoLevelSizes"]
    assert (level["nVideos"], level["nFramesDecoded"], level["nFramesInput"], level["nFramesSelected"]) == (
        2, 18, 9, 3,
    )
    assert [v["nFramesInput"] for v in level["videos"]] == [6, 3]
    assert sum(v["nFramesSelected"] for v in level["videos"]) == 3
    exported = sorted(str(p.relative_to(out / "frames")) for p in (out / "frames").rglob("*.png"))
    assert exported == sorted(names)
    assert len(list((out / "plots").glob("timeline_*.png"))) == 2
    pdf = _pdf_text(out / "report.pdf")
    assert "2 videos; 18 frames decoded, every 2nd frame kept: 9 frames in the input, 3 selected." in pdf
    assert "Frame timeline: day/b.mov" in pdf and "Frame timeline: a.mp4" in pdf
    page = (out / "report.html").read_text()
    assert "Frame timeline: day/b.mov" in page and "every 2nd frame kept" in page


def test_bad_video_flags_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "clips"
    write_video(root / "a.mp4", n_frames=4)
    result = run_cli("run", root, "--frame-stride", "0", "--n-samples", "2", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "--frame-stride must be at least 1" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--coco", "boxes.json"], "--coco"),
        (["--export-frames", "--frame-stride", "3"], "--frame-stride, --export-frames"),
        (["--object-level", "det", "--crop-padding", "0.2"], "--object-level, --crop-padding"),
    ],
)
def test_folder_flags_on_an_embeddings_file_exit_2(tmp_path: Path, flags: list[str], named: str) -> None:
    np.save(tmp_path / "e.npy", np.random.default_rng(0).normal(size=(20, 4)))
    result = run_cli("run", tmp_path / "e.npy", "-n", "3", *flags, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"e.npy: {named} need a folder of images or videos" in result.stderr
    assert not (tmp_path / "out").exists()


def _comparable(out: Path) -> dict[str, object]:
    report = read_report_dict(out / "report_v2.json")
    report.pop("generalInformation")  # run id, timestamps, run time
    for key in ("parameters", "stageSeconds"):
        report["embedscope"].pop(key)
    return report


def test_object_and_video_runs_repeat_exactly(tmp_path: Path) -> None:
    """Same input and seed → same selection and same numbers (decoding threads and the network included)."""
    rng = np.random.default_rng(8)
    images = tmp_path / "images"
    for image in OBJECTS:
        (images / image).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(images / image)
    _lightly_folder(images)
    clips = tmp_path / "clips"
    write_video(clips / "a.mp4", n_frames=12)
    write_video(clips / "b.mkv", n_frames=9)
    for root, extra in ((images, ["--object-level", "det"]), (clips, [])):
        outs = [tmp_path / f"{root.name}_{i}" for i in range(2)]
        for out in outs:
            result = run_cli("run", root, *extra, "-n", "3", "--embedding-dim", "4", "--seed", "5", "--out", out, "-q")
            assert result.returncode == 0, result.stderr
        assert _comparable(outs[0]) == _comparable(outs[1])
        selected = [(out / "filenames/sampled_filenames_excluding_datapool.txt").read_text() for out in outs]
        assert selected[0] == selected[1] and len(selected[0].split()) == 3
