"""Images per second, end to end (decode + resize + embed), on ~640x480 JPEGs, 2 cores.

Usage: .venv/bin/python benchmarks/bench_images.py [--n-images 500] [--baseline-images 128] [--repeats 3]

Rows (all measured in this process, on the same files, page cache warm):
  embedscope, cold feature cache  embed_image_folder: scan (header + hash) + parallel draft-mode decode +
                                  ONNX batches + PCA to 32-d, with an empty feature cache
  embedscope, warm feature cache  the same call again: only scan + hash + cache lookup + PCA
  decode+embed only               embed_image_files: parallel draft decode + ONNX, no scan/PCA/cache
  baseline: sequential ONNX       one thread decodes each JPEG in full (no draft), then the same ONNX model
  baseline: naive torch           sequential full decode + the torch network (2 threads), batches of 64
Each row except the torch baseline is the best of --repeats runs (interleaved), since the 2 cores are shared.
The ratios are images/s over the naive torch baseline and over the sequential ONNX baseline.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.feature_extractor import ensure_onnx_model
from embedscope.embed.image_embedder import embed_image_files
from embedscope.embed.image_folder_embedding import embed_image_folder
from embedscope.embed.model_choice import load_feature_extractor
from embedscope.embed.model_spec import INPUT_SIZE
from embedscope.embed.preprocess import resized_pixels
from embedscope.ingest.image_folder import scan_image_folder
from embedscope.ingest.rgb_image import to_rgb

FRAME_SIZE = (640, 480)  # the benchmark resolution
JPEG_QUALITY = 90
BATCH = 64


def make_jpegs(dest: Path, n_images: int, seed: int = 0) -> list[Path]:
    """``n_images`` 640x480 JPEGs: random crops/flips of scikit-image's photos."""
    import skimage.data

    photos = [
        skimage.data.astronaut(),
        skimage.data.coffee(),
        skimage.data.chelsea(),
        skimage.data.rocket(),
        skimage.data.stereo_motorcycle()[0],
        skimage.data.hubble_deep_field(),
        skimage.data.retina(),
    ]
    rng = np.random.default_rng(seed)
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_images):
        pixels = photos[i % len(photos)]
        h, w = pixels.shape[:2]
        ch, cw = int(h * rng.uniform(0.5, 1.0)), int(w * rng.uniform(0.5, 1.0))
        top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        image = Image.fromarray(pixels[top : top + ch, left : left + cw]).resize(
            FRAME_SIZE, Image.Resampling.BILINEAR
        )
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        path = dest / f"frame_{i:05d}.jpg"
        image.save(path, quality=JPEG_QUALITY)
        paths.append(path)
    return paths


def full_decode_input(path: Path) -> np.ndarray:
    """(224, 224, 3) uint8 without draft mode: the whole 640x480 JPEG decoded, then resized."""
    with Image.open(path) as image:
        return resized_pixels(to_rgb(image.convert("RGB")))


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def sequential_onnx(paths: list[Path]) -> None:
    extractor = load_feature_extractor()
    for start in range(0, len(paths), BATCH):
        extractor(np.stack([full_decode_input(p) for p in paths[start : start + BATCH]]))


def naive_torch(paths: list[Path]) -> None:
    import torch

    from embedscope.embed.onnx_export import build_torch_feature_network

    torch.set_num_threads(2)
    network = build_torch_feature_network()
    with torch.no_grad():
        for start in range(0, len(paths), BATCH):
            network(torch.from_numpy(np.stack([full_decode_input(p) for p in paths[start : start + BATCH]])))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-images", type=int, default=500)
    parser.add_argument("--baseline-images", type=int, default=128, help="images for the slow torch baseline")
    parser.add_argument("--repeats", type=int, default=3, help="runs per fast method; the best is kept")
    args = parser.parse_args()

    ensure_onnx_model()  # one-time export, not timed
    with tempfile.TemporaryDirectory(prefix="bench_images_") as tmp:
        folder = Path(tmp) / "images"
        paths = make_jpegs(folder, args.n_images)
        feature_cache = Path(tmp) / "cache"
        (feature_cache / "models").mkdir(parents=True)
        for model in (resolve_cache_dir() / "models").glob("*.onnx"):
            shutil.copy(model, feature_cache / "models" / model.name)
        load_feature_extractor()(np.zeros((1, INPUT_SIZE, INPUT_SIZE, 3), np.uint8))  # session warm-up
        for path in paths:
            path.read_bytes()  # page cache warm for every row alike

        def cold() -> None:
            shutil.rmtree(feature_cache / "features", ignore_errors=True)
            embed_image_folder(scan_image_folder(folder), cache_dir=feature_cache)

        def warm() -> None:
            embed_image_folder(scan_image_folder(folder), cache_dir=feature_cache)

        methods: dict[str, Callable[[], object]] = {
            "embedscope, cold feature cache": cold,
            "embedscope, warm feature cache": warm,
            "decode+embed only (embed_image_files)": lambda: embed_image_files(paths),
            "baseline: sequential full decode + ONNX": lambda: sequential_onnx(paths),
        }
        best = {name: float("inf") for name in methods}
        for _ in range(args.repeats):
            for name, method in methods.items():
                best[name] = min(best[name], timed(method))
        rows = [(name, len(paths), seconds) for name, seconds in best.items()]
        subset = paths[: args.baseline_images]
        rows.append(
            ("baseline: sequential full decode + torch", len(subset), timed(lambda: naive_torch(subset)))
        )

    torch_rate = rows[-1][1] / rows[-1][2]
    onnx_rate = rows[3][1] / rows[3][2]
    print(f"{'method':<42} {'images':>7} {'seconds':>8} {'images/s':>9} {'vs torch':>9} {'vs seq ONNX':>12}")
    for name, n, seconds in rows:
        rate = n / seconds
        print(
            f"{name:<42} {n:>7} {seconds:>8.2f} {rate:>9.1f} {rate / torch_rate:>8.1f}x {rate / onnx_rate:>11.2f}x"
        )


if __name__ == "__main__":
    main()
