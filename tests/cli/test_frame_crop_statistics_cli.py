"""Computed image metadata of video frames and object crops, end to end: the values equal scikit-image/numpy
on the same decoded pixels, planted blank/grey frames (and only they) are flagged and left out of the
selection, ``lightly.*`` keys drive THRESHOLD, and crop classes get per-group coverage equal to brute force."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from av.video.stream import VideoStream
from PIL import Image
from scipy.spatial.distance import cdist
from skimage.filters import laplace
from skimage.measure import shannon_entropy

from embedscope.analyze.sets import random_subset
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.ingest.crops import iter_image_crops, plan_crops
from embedscope.ingest.predictions.image_sizes import read_image_sizes
from embedscope.ingest.predictions.lightly_folder import read_lightly_task
from embedscope.ingest.video_frames import VideoFrameReader, frame_name
from embedscope.io.embeddings_file import read_embeddings
from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import run_cli
from tests.cli.test_objects_video_cli import OBJECTS, _lightly_folder
from tests.ingest.test_image_statistics import _levels

WIDTH, HEIGHT, N_FRAMES = 96, 64, 12
BLANK = {2: (0, 0, 0), 6: (0, 0, 0), 9: (128, 128, 128)}  # planted blank, uniform and grey frames


def _textured(i: int) -> np.ndarray:
    """A gradient with a coloured square that moves: plenty of contrast in every frame."""
    x = np.linspace(0, 255, WIDTH)[None, :, None]
    y = np.linspace(0, 255, HEIGHT)[:, None, None]
    pixels = np.broadcast_to((x * 0.7 + y * 0.3), (HEIGHT, WIDTH, 3)).astype(np.uint8).copy()
    pixels[10:30, 5 + 6 * i: 25 + 6 * i] = (220, 40, 30 + 15 * i)
    return pixels


def _write_video(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(N_FRAMES):
            pixels = np.full((HEIGHT, WIDTH, 3), BLANK[i], np.uint8) if i in BLANK else _textured(i)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) / 255.0 @ np.array([0.299, 0.587, 0.114])


def _reference(rgb: np.ndarray) -> dict[str, float]:
    """scikit-image / numpy on the same pixels: Laplacian variance, mean, std, HSV saturation, entropy."""
    grey = _grey(rgb)
    levels = _levels(rgb)
    channels = rgb.astype(np.float64)
    high, low = channels.max(axis=2), channels.min(axis=2)
    saturation = np.where(high > 0, (high - low) / np.where(high > 0, high, 1), 0.0)
    return {
        "lightly.sharpness": float(laplace(grey).var()), "lightly.brightness": float(grey.mean()),
        "lightly.contrast": float(grey.std()), "lightly.saturation": float(saturation.mean()),
        "lightly.entropy": float(shannon_entropy(levels, base=2)),
    }


def _computed_csv(path: Path) -> dict[str, dict[str, float]]:
    with path.open(newline="") as handle:
        return {row.pop("filename"): {k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)}


def test_blank_frames_flagged_and_frame_statistics_equal_references(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    _write_video(clips / "cam.mp4")
    out = tmp_path / "out"
    result = run_cli("run", clips, "--n-samples", "3", "--embedding-dim", "4", "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    blank_names = [frame_name("cam.mp4", i, n_frames=N_FRAMES) for i in sorted(BLANK)]
    assert (out / "filenames" / "blank_frame_filenames.txt").read_text().split() == blank_names
    ext = read_report_dict(out / "report_v2.json")["embedscope"]
    assert ext["blankFrames"]["nFrames"] == 3 and ext["blankFrames"]["frames"] == blank_names
    selected = (out / "filenames" / "sampled_filenames_excluding_datapool.txt").read_text().split()
    removed = (out / "filenames" / "removed_filenames.txt").read_text().split()
    assert not set(blank_names) & set(selected + removed), "blank frames are not in the input"
    assert len(selected) == 3 and len(selected + removed) == N_FRAMES - len(BLANK)
    assert ext["videoLevelSizes"]["nFramesInput"] == N_FRAMES - len(BLANK)
    pdf = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True)
    assert "9 frames in the input (3 blank, uniform or grey frames left out), 3 selected." in " ".join(pdf.stdout.split())

    computed = _computed_csv(out / "data" / "computed_metadata.csv")
    reader = VideoFrameReader(clips / "cam.mp4", size=(INPUT_SIZE, INPUT_SIZE))
    frames = {int(i): p for batch in reader.batches() for i, p in zip(batch.indices, batch.pixels, strict=True)}
    assert sorted(computed) == sorted(frame_name("cam.mp4", i, n_frames=N_FRAMES) for i in frames if i not in BLANK)
    for index, pixels in frames.items():
        reference = _reference(pixels)
        assert (reference["lightly.contrast"] < 0.01) == (index in BLANK), (index, reference)
        name = frame_name("cam.mp4", index, n_frames=N_FRAMES)
        if name in computed:
            row = computed[name]
            for key, value in reference.items():
                assert row[key] == pytest.approx(value, rel=1e-8, abs=1e-12), (name, key)  # the CSV holds 9 significant digits
            assert (row["lightly.width"], row["lightly.height"]) == (WIDTH, HEIGHT)
            assert row["lightly.aspect_ratio"] == pytest.approx(WIDTH / HEIGHT, rel=1e-6)
    metadata = read_report_dict(out / "report_v2.json")["datasetAnalysis"]["metadataInformation"]
    assert sum(metadata["lightly.sharpness"]["numericDistribution"]["input"]["counts"]) == N_FRAMES - len(BLANK)


def test_crop_statistics_threshold_and_per_class_coverage(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    root = tmp_path / "images"
    for image in OBJECTS:
        (root / image).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(root / image)
    _lightly_folder(root)
    # the crops as embedscope cuts them, measured here with the reference functions
    sizes = read_image_sizes(root, OBJECTS)
    task = read_lightly_task(root / ".lightly" / "predictions" / "det", task="det", image_sizes=sizes)
    plan = plan_crops(task, image_sizes=sizes, padding=0.05, min_size=4)
    reference = {
        spec.name: _reference(np.asarray(crop.convert("RGB")))
        for result in iter_image_crops(root, plan) for spec, crop in zip(result.specs, result.crops or [], strict=True)
    }
    cut = float(np.median([r["lightly.brightness"] for r in reference.values()]))
    config = tmp_path / "selection.yaml"
    config.write_text(
        "strategies:\n"
        "  - input: {type: METADATA, key: lightly.brightness}\n"
        f"    strategy: {{type: THRESHOLD, threshold: {cut!r}, operation: BIGGER_EQUAL}}\n"
        "  - input: {type: EMBEDDINGS}\n"
        "    strategy: {type: DIVERSITY}\n"
    )
    out = tmp_path / "out"
    result = run_cli("run", root, "--object-level", "det", "--n-samples", "3", "--embedding-dim", "4",
                     "--crop-padding", "0.05", "--selection-config", config, "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    computed = _computed_csv(out / "data" / "computed_metadata.csv")
    assert sorted(computed) == sorted(reference)
    for name, values in reference.items():
        for key, value in values.items():
            assert computed[name][key] == pytest.approx(value, rel=1e-8, abs=1e-12), (name, key)  # the CSV holds 9 significant digits
    selected = (out / "filenames" / "sampled_filenames_excluding_datapool.txt").read_text().split()
    assert selected and all(reference[n]["lightly.brightness"] >= cut for n in selected)

    # per-class coverage of the crops against brute force on the run's own embeddings
    table = read_embeddings(out / "data" / "embeddings.csv")
    names, x = table.names, table.vectors.astype(np.float64)
    chosen = np.array([names.index(n) for n in selected])
    drawn = random_subset(len(names), len(chosen), seed=0)
    d = cdist(x, x)
    rows = read_report_dict(out / "report_v2.json")["embedscope"]["groupCoverage"]["predictions:det"]
    category = {spec.name: spec.category for spec in plan.crops}
    assert sorted(r["group"] for r in rows) == ["bike", "car"]
    for row in rows:
        members = np.array([i for i, n in enumerate(names) if category[n] == row["group"]])
        mine = np.intersect1d(members, chosen)
        assert (row["nInput"], row["nSelected"]) == (members.size, mine.size)
        assert row["nRandom"] == np.intersect1d(members, drawn).size
        cover = d[np.ix_(members, chosen)].min(axis=1)
        assert row["coverageRadius"]["selected"] == pytest.approx(cover.max(), rel=1e-5)
        assert row["meanCoverageDistance"]["selected"] == pytest.approx(cover.mean(), rel=1e-5)
        assert row["meanCoverageDistance"]["random"] == pytest.approx(d[np.ix_(members, drawn)].min(axis=1).mean(), rel=1e-5)
        if mine.size >= 2:
            within = d[np.ix_(mine, mine)] + np.diag(np.full(mine.size, np.inf))
            assert row["meanNearestNeighborDistance"]["selected"] == pytest.approx(within.min(axis=1).mean(), rel=1e-5)
        else:
            assert row["meanNearestNeighborDistance"]["selected"] is None
