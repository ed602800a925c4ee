"""Video frames and object crops per second: decoded, and decoded + embedded, on 2 cores.

Usage: .venv/bin/python benchmarks/bench_video_crops.py [--frames 600] [--images 60] [--boxes 8] [--repeats 2]

Inputs, generated in a temporary folder: one 640x480 H.264 video (a camera panning over a mosaic of
scikit-image photos, 30 fps) and ``--images`` 640x480 JPEGs with ``--boxes`` random boxes each (a COCO file).

Rows (all in this process, page cache warm, model exported beforehand):
  video decode, embedscope      VideoFrameReader: decoder frame+slice threads, each frame converted and scaled
                                to 224x224 RGB in one libswscale pass
  video decode, baseline        the usual loop: container.decode() with PyAV's default threading, full-size
                                frame.to_ndarray('rgb24'), then a Pillow bilinear resize to 224x224
  video decode+embed, embedscope  load_video_inputs: the above, decoding the next batch while the network
                                runs, then PCA to 32-d
  video decode+embed, baseline  baseline decode of every frame first, then embed_images in batches
  network only                  the ONNX model on ready 224x224 inputs (the upper bound of both)
  crops, embedscope             load_object_inputs: each image decoded once (2 threads), all its crops cut,
                                embedded in groups, PCA to 32-d
  crops, baseline               each crop decodes its image again (decode_image), crops, then embed_images
Each row is the best of --repeats runs, because the 2 cores are shared with other jobs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image

from embedscope.embed.crop_samples import load_object_inputs
from embedscope.embed.feature_extractor import ensure_onnx_model
from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE, embed_images
from embedscope.embed.model_choice import load_feature_extractor
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.embed.video_samples import load_video_inputs
from embedscope.ingest.crops import plan_crops
from embedscope.ingest.image_decode import decode_image
from embedscope.ingest.predictions import read_coco_predictions, read_image_sizes
from embedscope.ingest.video_frames import VideoFrameReader

FRAME_SIZE = (640, 480)  # the benchmark resolution
FPS = 30
JPEG_QUALITY = 90


def _mosaic() -> np.ndarray:
    import skimage.data

    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea(), skimage.data.rocket()]
    tiles = [np.asarray(Image.fromarray(p).convert("RGB").resize((640, 480))) for p in photos]
    return np.concatenate([np.concatenate(tiles[:2], axis=1), np.concatenate(tiles[2:], axis=1)], axis=0)


def make_video(path: Path, n_frames: int) -> None:
    """A 640x480 H.264 video panning over a 1280x960 photo mosaic along a closed loop."""
    mosaic = _mosaic()
    width, height = FRAME_SIZE
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(n_frames):
            angle = 2 * np.pi * i / n_frames
            left = int((mosaic.shape[1] - width) * (0.5 + 0.5 * np.cos(angle)))
            top = int((mosaic.shape[0] - height) * (0.5 + 0.5 * np.sin(2 * angle)))
            frame = av.VideoFrame.from_ndarray(
                mosaic[top : top + height, left : left + width], format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_images(folder: Path, n_images: int, n_boxes: int, seed: int = 0) -> Path:
    """``n_images`` 640x480 JPEGs cut from the mosaic, and a COCO file with ``n_boxes`` random boxes each."""
    mosaic = _mosaic()
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    images, annotations = [], []
    width, height = FRAME_SIZE
    for i in range(n_images):
        top, left = (
            int(rng.integers(0, mosaic.shape[0] - height)),
            int(rng.integers(0, mosaic.shape[1] - width)),
        )
        Image.fromarray(mosaic[top : top + height, left : left + width]).save(
            folder / f"im{i:04d}.jpg", quality=JPEG_QUALITY
        )
        images.append({"id": i, "file_name": f"im{i:04d}.jpg", "width": width, "height": height})
        for _ in range(n_boxes):
            w, h = rng.uniform(24, 240), rng.uniform(24, 200)
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            annotations.append({"image_id": i, "category_id": int(rng.integers(0, 3)), "bbox": [x, y, w, h]})
    coco = folder.parent / "coco.json"
    categories = [{"id": k, "name": name} for k, name in enumerate(["a", "b", "c"])]
    coco.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
    return coco


def baseline_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [
            np.asarray(
                Image.fromarray(frame.to_ndarray(format="rgb24")).resize(
                    (INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR
                )
            )
            for frame in container.decode(video=0)
        ]


def embedscope_frames(path: Path) -> int:
    reader = VideoFrameReader(path, size=(INPUT_SIZE, INPUT_SIZE))
    return sum(len(batch.indices) for batch in reader.batches())


def baseline_video_embed(path: Path) -> None:
    frames = baseline_frames(path)
    for start in range(0, len(frames), DEFAULT_BATCH_SIZE):
        embed_images(frames[start : start + DEFAULT_BATCH_SIZE])


def baseline_crops(root: Path, coco: Path) -> None:
    sizes = read_image_sizes(root, [path.name for path in root.glob("*.jpg")])
    task = read_coco_predictions(coco, image_sizes=sizes)
    crops = [
        decode_image(root / spec.image).crop(spec.box) for spec in plan_crops(task, image_sizes=sizes).crops
    ]
    for start in range(0, len(crops), DEFAULT_BATCH_SIZE):
        embed_images(crops[start : start + DEFAULT_BATCH_SIZE])


def best_of(repeats: int, function: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=600, help="frames of the 640x480 video")
    parser.add_argument("--images", type=int, default=60, help="640x480 images for the crop rows")
    parser.add_argument("--boxes", type=int, default=8, help="boxes per image")
    parser.add_argument("--repeats", type=int, default=2, help="runs per row; the best is kept")
    args = parser.parse_args()

    ensure_onnx_model()
    extractor = load_feature_extractor()
    with tempfile.TemporaryDirectory(prefix="bench_video_crops_") as tmp:
        video_folder = Path(tmp) / "videos"
        video_folder.mkdir()
        video = video_folder / "pan.mp4"
        make_video(video, args.frames)
        image_folder = Path(tmp) / "images"
        coco = make_images(image_folder, args.images, args.boxes)
        task = read_coco_predictions(
            coco, image_sizes=read_image_sizes(image_folder, [p.name for p in image_folder.glob("*.jpg")])
        )
        n_crops = task.n_objects
        ready = np.stack(baseline_frames(video)[:DEFAULT_BATCH_SIZE])
        extractor(ready)  # warm-up

        def network_only() -> None:
            for _ in range(0, args.frames, DEFAULT_BATCH_SIZE):
                extractor(ready)

        rows: list[tuple[str, str, int, float]] = [
            (
                "video decode",
                "embedscope",
                args.frames,
                best_of(args.repeats, lambda: embedscope_frames(video)),
            ),
            ("video decode", "baseline", args.frames, best_of(args.repeats, lambda: baseline_frames(video))),
            (
                "video decode+embed",
                "embedscope",
                args.frames,
                best_of(args.repeats, lambda: load_video_inputs(video_folder)),
            ),
            (
                "video decode+embed",
                "baseline",
                args.frames,
                best_of(args.repeats, lambda: baseline_video_embed(video)),
            ),
            ("network only", "-", args.frames, best_of(args.repeats, network_only)),
            (
                "crops decode+cut+embed",
                "embedscope",
                n_crops,
                best_of(args.repeats, lambda: load_object_inputs(image_folder, task)),
            ),
            (
                "crops decode+cut+embed",
                "baseline",
                n_crops,
                best_of(args.repeats, lambda: baseline_crops(image_folder, coco)),
            ),
        ]

    baseline_rate = {task_name: n / s for task_name, method, n, s in rows if method == "baseline"}
    print(f"{'task':<24} {'method':<11} {'items':>6} {'seconds':>8} {'items/s':>9} {'vs baseline':>12}")
    for task_name, method, n, seconds in rows:
        rate = n / seconds
        ratio = f"{rate / baseline_rate[task_name]:.2f}x" if task_name in baseline_rate else "-"
        print(f"{task_name:<24} {method:<11} {n:>6} {seconds:>8.2f} {rate:>9.1f} {ratio:>12}")


if __name__ == "__main__":
    main()
