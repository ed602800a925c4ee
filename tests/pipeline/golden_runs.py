"""Fixed-seed runs whose outputs were recorded before the pipeline became explicit stages (issue 11).

``python -m tests.pipeline.golden_runs DIR`` writes the recorded outputs into DIR; the test compares a fresh
run with the files in ``tests/pipeline/golden/``. Only what varies between two identical runs is left out:
timestamps, durations, the run id, the build time and the temporary paths.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import clustered, run_cli

VOLATILE_KEYS = {"startTimestamp", "endTimestamp", "totalProcessingTimeS", "runId", "buildTime", "stageSeconds"}
COMPARED_FILES = (  # beside report_v2.json: the data files, compared by content
    "data/embeddings.csv",
    "data/selected_embeddings_including_datapool.csv",
    "filenames/sampled_filenames_excluding_datapool.txt",
    "filenames/removed_filenames.txt",
)


def _embeddings_case(root: Path) -> list[str]:
    rng = np.random.default_rng(11)
    vectors = clustered(rng, 420, 16, n_clusters=5)
    names = [f"scene_{i:03d}.jpg" for i in range(420)]
    write_lightly_csv(root / "input.csv", names[:400], vectors[:400])
    write_lightly_csv(root / "pool.csv", names[400:], vectors[400:])
    weather = ["sunny", "rainy", "foggy"]
    rows = ["filename,weather,sharpness"] + [
        f"{name},{weather[i % 3]},{float(rng.uniform(0, 50)):.3f}" for i, name in enumerate(names)
    ]
    (root / "metadata.csv").write_text("\n".join(rows) + "\n")
    (root / "selection.yaml").write_text(
        "strategies:\n"
        "  - input: {type: EMBEDDINGS}\n    strategy: {type: DIVERSITY}\n"
        "  - input: {type: METADATA, key: weather}\n    strategy: {type: BALANCE, distribution: UNIFORM}\n"
        "  - input: {type: METADATA, key: sharpness}\n    strategy: {type: WEIGHTS, strength: 0.5}\n"
    )
    return [
        "run", root / "input.csv", "--datapool", root / "pool.csv", "--metadata", root / "metadata.csv",
        "--selection-config", root / "selection.yaml", "--n-samples", "30", "--seed", "3", "--random-seeds", "3",
    ]


def _write_images(root: Path) -> None:
    rng = np.random.default_rng(5)
    for i in range(18):
        base = np.array([(i * 37) % 256, (i * 91) % 256, (i * 53) % 256], dtype=np.int16)
        pixels = np.clip(base + rng.integers(-40, 40, (60, 80, 3)), 0, 255).astype(np.uint8)
        name = f"{'sub/' if i % 4 == 0 else ''}img_{i:02d}.png"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(root / name)
    (root / "broken.jpg").write_bytes(b"not an image")
    (root / "copy_of_img_01.png").write_bytes((root / "img_01.png").read_bytes())


def _coco(root: Path, images: Path) -> Path:
    names = sorted(str(p.relative_to(images)) for p in images.rglob("img_*.png"))
    annotations = []
    for i, name in enumerate(names):
        for j in range(1 + i % 3):
            annotations.append(
                {"image_id": i, "category_id": 1 + (i + j) % 2, "bbox": [5 + 10 * j, 4 + 6 * j, 30, 24], "score": 0.8}
            )
    coco = {
        "images": [{"id": i, "file_name": n, "width": 80, "height": 60} for i, n in enumerate(names)],
        "annotations": annotations,
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    }
    path = root / "boxes.json"
    path.write_text(json.dumps(coco))
    return path


def _images_case(root: Path) -> list[str]:
    images = root / "images"
    _write_images(images)
    coco = _coco(root, images)
    return ["run", images, "--coco", coco, "--n-samples", "5", "--embedding-dim", "6", "--seed", "1"]


def _crops_case(root: Path) -> list[str]:
    images = root / "images"
    _write_images(images)
    coco = _coco(root, images)
    return [
        "run", images, "--coco", coco, "--object-level", "boxes", "--n-samples", "6", "--embedding-dim", "5",
        "--seed", "2",
    ]


def _videos_case(root: Path) -> list[str]:
    from tests.ingest.test_video_frames import write_video

    videos = root / "videos"
    write_video(videos / "drive" / "cam.mp4", n_frames=12)
    write_video(videos / "b.mkv", n_frames=8, size=(48, 32))
    (videos / "zz_broken.mov").write_bytes(b"\x00\x01" * 500)
    return ["run", videos, "--frame-stride", "2", "--n-samples", "4", "--embedding-dim", "4", "--seed", "4"]


CASES = {"embeddings": _embeddings_case, "images": _images_case, "crops": _crops_case, "videos": _videos_case}


def _normalized(value: Any, replace: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _normalized(v, replace) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_normalized(v, replace) for v in value]
    if isinstance(value, str):
        for old, new in replace.items():
            value = value.replace(old, new)
        return value
    return value


def run_case(name: str, work: Path) -> dict[str, Any]:
    """Run case ``name`` in ``work``; returns the normalised report and the digests of the data files.

    Raises:
        AssertionError: the run failed.
    """
    root = work / name
    root.mkdir(parents=True)
    args = CASES[name](root)
    out = root / "out"
    result = run_cli(*args, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    report = read_report_dict(out / "report_v2.json")
    digests = {f: hashlib.sha256((out / f).read_bytes()).hexdigest() for f in COMPARED_FILES}
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    fingerprints = {f: embeddings_fingerprint(out / f) for f in EMBEDDING_FILES}
    return {
        "report": _normalized(report, {str(root): "<ROOT>"}), "digests": digests, "files": files,
        "fingerprints": fingerprints,
    }


EMBEDDING_FILES = ("data/embeddings.csv", "data/selected_embeddings_including_datapool.csv")
"""Files of float32 embeddings: where a model computed them, their last bits depend on the CPU's kernels."""


def embeddings_fingerprint(path: Path) -> dict[str, Any]:
    """A CPU-portable summary of a Lightly embeddings CSV: the digest of its names and labels (exact) and the
    float64 sum of each embedding column (compared with a float32 tolerance)."""
    table = read_lightly_csv(path)
    names, vectors, labels = table.names, table.vectors, table.labels
    text = "\n".join(f"{name},{label}" for name, label in zip(names, labels))
    return {
        "rows": len(names),
        "names_and_labels_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "column_sums": [float(v) for v in vectors.astype(np.float64).sum(axis=0)],
    }


def main(destination: str) -> None:
    import tempfile

    target = Path(destination)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name in CASES:
            recorded = run_case(name, Path(work))
            (target / f"{name}.json").write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
            print(f"recorded {name}")


if __name__ == "__main__":
    main(sys.argv[1])
