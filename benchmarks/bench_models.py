"""Embedding models on a labelled photo set: float32 vs int8 speed and quality, and SimCLR fine-tuning's effect.

Usage: .venv/bin/python benchmarks/bench_models.py [--views 48] [--epochs 3] [--image-size 96] [--repeats 2]

The labelled set: each class is one of :data:`CLASSES` (photos that ship inside scikit-image); each image is a
random crop keeping 20-60 % of each side of its photo, mirrored half of the time, with a lighting change
(brightness 0.5-1.5, gamma 0.7-1.5, a third of them darkened and blue-tinted like night shots), saved as a
160x120 JPEG. Small crops make the classes hard to tell apart: a crop of a brick wall looks like gravel.

Rows, all in this process on the same files:
  float32 / int8     embedscope's model at each precision, end to end (parallel decode + ONNX, no cache); the
                     images/s is the best of --repeats interleaved runs; int8 quantising (once) is not timed
  fine-tuned         `embedscope train` for --epochs at --image-size on the set itself, then embedded (float32)
Quality columns: 1-NN label accuracy (leave-one-out, on the run's 32-d PCA + L2 embedding, and on the raw
L2-normalised features) and the class coverage of a k-center greedy selection of as many images as classes
(share of classes that have at least one selected image; the mean over 5 random subsets of that size as a
reference).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.image_embedder import embed_image_files
from embedscope.embed.model_choice import ModelChoice, load_feature_extractor
from embedscope.embed.projection import l2_normalize_rows, project_features
from embedscope.select.k_center_greedy import k_center_greedy

CLASSES = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "motorcycle",
    "hubble",
    "immunohistochemistry",
    "retina",
    "camera",
    "brick",
    "grass",
    "gravel",
    "moon",
    "cell",
    "coins",
    "clock",
    "page",
    "text",
)
SAMPLE_SIZE = (160, 120)
SIDE_RANGE = (0.2, 0.6)
NIGHT_SHARE = 1 / 3
EMBEDDING_DIM = 32
RANDOM_SUBSETS = 5


def _photo(name: str) -> Image.Image:
    import skimage.data

    loaders = {
        "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
        "hubble": skimage.data.hubble_deep_field,
        "clock": skimage.data.clock,
    }
    pixels = loaders[name]() if name in loaders else getattr(skimage.data, name)()
    return Image.fromarray(np.asarray(pixels)).convert("RGB")


def _view(photo: Image.Image, rng: np.random.Generator) -> Image.Image:
    width, height = photo.size
    crop_w, crop_h = int(width * rng.uniform(*SIDE_RANGE)), int(height * rng.uniform(*SIDE_RANGE))
    left, top = int(rng.integers(0, width - crop_w + 1)), int(rng.integers(0, height - crop_h + 1))
    view = photo.crop((left, top, left + crop_w, top + crop_h)).resize(SAMPLE_SIZE, Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    view = ImageEnhance.Brightness(view).enhance(float(rng.uniform(0.5, 1.5)))
    pixels = (np.asarray(view, dtype=np.float64) / 255.0) ** rng.uniform(0.7, 1.5)
    if rng.random() < NIGHT_SHARE:
        pixels = 0.4 * pixels**1.5 * np.array([0.75, 0.85, 1.15])
    return Image.fromarray(np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8))


def build_labelled_set(dest: Path, *, views_per_class: int, seed: int = 0) -> tuple[list[Path], np.ndarray]:
    """JPEGs ``dest/<class>/<index>.jpg``; returns their paths and (n,) int64 class labels."""
    rng = np.random.default_rng(seed)
    paths, labels = [], []
    for label, name in enumerate(CLASSES):
        photo = _photo(name)
        (dest / name).mkdir(parents=True, exist_ok=True)
        for index in range(views_per_class):
            path = dest / name / f"{index:03d}.jpg"
            _view(photo, rng).save(path, quality=90)
            paths.append(path)
            labels.append(label)
    return paths, np.asarray(labels, dtype=np.int64)


def nearest_neighbour_accuracy(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out 1-NN label accuracy (float64 squared L2, brute force: the set is small)."""
    v = vectors.astype(np.float64)
    squared = (v * v).sum(1)
    distances = squared[:, None] + squared[None, :] - 2.0 * v @ v.T
    np.fill_diagonal(distances, np.inf)
    return float((labels[distances.argmin(axis=1)] == labels).mean())


def class_coverage(vectors: np.ndarray, labels: np.ndarray, n_picks: int) -> tuple[float, float]:
    """Share of classes hit by k-center greedy's ``n_picks`` picks, and the mean over random subsets."""
    n_classes = len(np.unique(labels))
    picked = k_center_greedy(vectors, n_samples=n_picks).indices
    greedy = len(np.unique(labels[picked])) / n_classes
    rng = np.random.default_rng(0)
    random = [
        len(np.unique(labels[rng.choice(len(labels), n_picks, replace=False)])) / n_classes
        for _ in range(RANDOM_SUBSETS)
    ]
    return greedy, float(np.mean(random))


def timed_features(paths: list[Path], choice: ModelChoice) -> tuple[np.ndarray, float]:
    """Features of ``paths`` (end to end: decode, resize, ONNX) and the images/s of that call."""
    started = time.perf_counter()
    result = embed_image_files(paths, model=choice)
    seconds = time.perf_counter() - started
    assert not result.failures
    return result.features, len(paths) / seconds


def time_split(paths: list[Path], choice: ModelChoice) -> tuple[float, float]:
    """Where end-to-end time goes: seconds to decode + resize ``paths`` (the same thread pool as the
    pipeline, no network) and seconds of the network alone on the prepared batches."""
    from concurrent.futures import ThreadPoolExecutor

    from embedscope.embed.batched_features import DECODE_WORKERS
    from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE
    from embedscope.embed.preprocess import model_input_from_file

    extractor = load_feature_extractor(choice)
    started = time.perf_counter()
    with ThreadPoolExecutor(DECODE_WORKERS) as pool:
        pixels = np.stack(list(pool.map(lambda p: model_input_from_file(p, extractor.input_size), paths)))
    prepare_s = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(pixels), DEFAULT_BATCH_SIZE):
        extractor(pixels[start : start + DEFAULT_BATCH_SIZE])
    return prepare_s, time.perf_counter() - started


def quality(features: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    projected = project_features(features, embedding_dim=EMBEDDING_DIM)
    greedy, random = class_coverage(projected, labels, len(np.unique(labels)))
    return {
        "1nn_32d": nearest_neighbour_accuracy(projected, labels),
        "1nn_raw": nearest_neighbour_accuracy(l2_normalize_rows(features), labels),
        "coverage": greedy,
        "coverage_random": random,
    }


def fine_tuned_features(paths: list[Path], args: argparse.Namespace, out: Path) -> tuple[np.ndarray, float]:
    """`embedscope train` on the set itself, then its features (float32) and images/s."""
    from embedscope.train.augment import ViewAugmentation
    from embedscope.train.simclr import TrainSettings, fine_tune

    settings = TrainSettings(epochs=args.epochs, augmentation=ViewAugmentation(size=args.image_size))
    trained = fine_tune(paths, out, settings)
    print(
        f"fine-tuning: {args.epochs} epoch(s) at {args.image_size} px in {trained.seconds:.0f} s; "
        f"NT-Xent per epoch {[round(x, 3) for x in trained.epoch_losses]}"
    )
    tuned_choice = ModelChoice(checkpoint=trained.checkpoint_path)
    load_feature_extractor(tuned_choice)  # the one-time ONNX export of the checkpoint is not timed
    return timed_features(paths, tuned_choice)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--views", type=int, default=48, help="images per class")
    parser.add_argument("--epochs", type=int, default=3, help="0: no fine-tuned row")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[CACHE_DIR_ENV] = str(Path(scratch) / "cache")
        paths, labels = build_labelled_set(Path(scratch) / "set", views_per_class=args.views)
        print(
            f"labelled set: {len(CLASSES)} classes x {args.views} views = {len(paths)} images of {SAMPLE_SIZE}"
        )
        float_choice, int8_choice = ModelChoice(), ModelChoice(precision="int8")
        load_feature_extractor(float_choice)
        started = time.perf_counter()
        load_feature_extractor(int8_choice)
        print(f"int8 quantisation (once, cached): {time.perf_counter() - started:.1f} s")
        speeds: dict[str, list[float]] = {"float32": [], "int8": []}
        features: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for name, choice in (("float32", float_choice), ("int8", int8_choice)):
                features[name], speed = timed_features(paths, choice)
                speeds[name].append(speed)
        for name, choice in (("float32", float_choice), ("int8", int8_choice)):
            prepare_s, model_s = time_split(paths, choice)
            print(
                f"{name}: decode + resize {len(paths) / prepare_s:.0f} images/s alone, "
                f"network {len(paths) / model_s:.1f} images/s alone"
            )
        best = {name: max(values) for name, values in speeds.items()}
        if args.epochs > 0:
            features["fine-tuned"], best["fine-tuned"] = fine_tuned_features(
                paths, args, Path(scratch) / "model"
            )
        print()
        print(
            "| model | images/s end to end | vs float32 | 1-NN acc. (32-d) | 1-NN acc. (raw) | class coverage, "
            f"{len(CLASSES)} picks (random) |"
        )
        print("|---|---|---|---|---|---|")
        for name, vectors in features.items():
            q = quality(vectors, labels)
            print(
                f"| {name} | {best[name]:.1f} | {best[name] / best['float32']:.2f}x | {q['1nn_32d']:.3f} | "
                f"{q['1nn_raw']:.3f} | {q['coverage']:.3f} ({q['coverage_random']:.3f}) |"
            )


if __name__ == "__main__":
    main()
