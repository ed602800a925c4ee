"""SimCLR fine-tuning of EfficientNet-Lite0 on a dataset's own images, starting from its ImageNet weights.

Chen et al. 2020, https://arxiv.org/abs/2002.05709: two random views of every image go through the network
and a 2-layer MLP projection head; NT-Xent pulls the views of one image together and pushes the other images'
views away. The head is dropped afterwards: the pooled features are the embedding.

Why SimCLR: it needs neither a momentum encoder nor a queue (BYOL, MoCo, DINO), so one small loss and one
network copy fit a 2-core CPU; with an ImageNet start, few epochs already adapt the features.
The network stays in eval mode: BatchNorm keeps its ImageNet statistics (batches of 32 are too small to
re-estimate them) and stochastic depth is off, so a checkpoint and its ONNX export compute the same function.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.image_decode import ImageDecodeError, decode_image
from embedscope.io.atomic import atomic_path
from embedscope.train.augment import ViewAugmentation, random_view
from embedscope.train.nt_xent import DEFAULT_TEMPERATURE, nt_xent_loss

logger = logging.getLogger(__name__)

CHECKPOINT_NAME = "checkpoint.pt"
ONNX_NAME = "model.onnx"
SUMMARY_NAME = "training.json"
FEATURE_DIM = 1280
DECODE_SIDE_FACTOR = 3  # images are kept at most 3x the view size: crops of 1/9 of the area stay sharp
MIN_IMAGES = 2  # NT-Xent needs at least one negative


@dataclass(frozen=True)
class TrainSettings:
    """How to fine-tune.

    Attributes:
        epochs: passes over the images (each gives every image two new views).
        batch_size: images per step (2 x views through the network); NT-Xent has 2 (batch - 1) negatives each.
        learning_rate: Adam step size of the network (small: the ImageNet start is kept, not overwritten).
        head_learning_rate: Adam step size of the freshly initialised projection head.
        temperature: τ of NT-Xent.
        projection_dim: output size of the projection head (SimCLR: 128).
        seed: seeds the views, the order of the images and the head's initialisation.
        device: ``auto`` (CUDA when torch sees a GPU, else CPU), ``cpu`` or ``cuda``.
        augmentation: the view augmentation (image size included).
    """

    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    temperature: float = DEFAULT_TEMPERATURE
    projection_dim: int = 128
    seed: int = 0
    device: str = "auto"
    augmentation: ViewAugmentation = field(default_factory=ViewAugmentation)

    def check(self) -> None:
        """Raise :class:`ConfigError` for a value out of range."""
        if self.epochs < 1:
            raise ConfigError(f"--epochs must be at least 1, got {self.epochs}")
        if self.batch_size < MIN_IMAGES:
            raise ConfigError(f"--batch-size must be at least {MIN_IMAGES}, got {self.batch_size}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"--device must be auto, cpu or cuda, got '{self.device}'")
        if self.augmentation.size < 32:
            raise ConfigError(f"--image-size must be at least 32 pixels, got {self.augmentation.size}")


@dataclass(frozen=True)
class TrainResult:
    """What a fine-tuning wrote and how it went.

    Attributes:
        checkpoint_path: ``<out>/checkpoint.pt`` (reuse with ``--checkpoint``).
        onnx_path: ``<out>/model.onnx`` (reuse with ``--model``).
        epoch_losses: mean NT-Xent loss of each epoch.
        n_images: images trained on; skipped: name → reason for images that could not be decoded.
        seconds: wall time of the training (export not included).
        device: where torch trained.
    """

    checkpoint_path: Path
    onnx_path: Path
    epoch_losses: list[float]
    n_images: int
    skipped: dict[str, str]
    seconds: float
    device: str


def _torch_device(requested: str) -> str:
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: torch sees no CUDA GPU here; use --device cpu (or auto)")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def _projection_head(dim: int):  # type: ignore[no-untyped-def]
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(FEATURE_DIM, FEATURE_DIM), torch.nn.ReLU(), torch.nn.Linear(FEATURE_DIM, dim)
    )


def _load_images(paths: Sequence[Path], side: int) -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
    """Decode every image once, shrunk to at most ``side`` pixels (views are cut from these)."""
    images, skipped = [], {}
    for path in paths:
        try:
            image = decode_image(path, draft_size=(side, side))
        except ImageDecodeError as error:
            skipped[str(path)] = error.reason
            continue
        image.thumbnail((side, side))
        images.append(image)
    return images, skipped


def fine_tune(
    image_paths: Sequence[Path],
    out_dir: Path,
    settings: TrainSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Fine-tune EfficientNet-Lite0 with SimCLR on ``image_paths``; write checkpoint, ONNX export and summary.

    Args:
        image_paths: the training images (undecodable ones are skipped and listed).
        out_dir: folder to write ``checkpoint.pt``, ``model.onnx`` and ``training.json`` to (created).
        settings: see :class:`TrainSettings`.
        progress: called as ``progress(steps_done, steps_total)`` after every step.

    Memory: the decoded images at most ``3 x image size`` on a side (110 KB each at 128 px) plus the network's
    activations for 2 x batch_size views (about 1.5 GB at 32 x 128 px).

    Raises:
        ConfigError: bad settings, or CUDA asked for and not seen by torch.
        InputFileError: fewer than 2 decodable images.
    """
    settings = settings or TrainSettings()
    settings.check()
    images, skipped = _load_images(image_paths, training_side(settings))
    return fine_tune_images(images, out_dir, settings, skipped=skipped, progress=progress)


def training_side(settings: TrainSettings) -> int:
    """The largest side training images are kept at: :data:`DECODE_SIDE_FACTOR` x the view size."""
    return DECODE_SIDE_FACTOR * settings.augmentation.size


def fine_tune_images(
    images: Sequence[Image.Image],
    out_dir: Path,
    settings: TrainSettings | None = None,
    *,
    skipped: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Fine-tune on decoded RGB images (whole images or object crops, see
    :mod:`embedscope.train.crop_images`); otherwise as :func:`fine_tune`.

    Args:
        images: the training images; views are cut from them as they are (shrink large ones first to
            :func:`training_side`).
        skipped: name → reason of the inputs that gave no image, recorded in ``training.json``.

    Raises:
        ConfigError: bad settings, or CUDA asked for and not seen by torch.
        InputFileError: fewer than 2 images.
    """
    import torch

    from embedscope.embed.onnx_export import build_torch_feature_network
    from embedscope.train.checkpoint import export_checkpoint, save_checkpoint

    settings = settings or TrainSettings()
    settings.check()
    skipped = dict(skipped or {})
    device = _torch_device(settings.device)
    aug = settings.augmentation
    if len(images) < MIN_IMAGES:
        raise InputFileError(
            Path(out_dir), f"training needs at least {MIN_IMAGES} decodable images, got {len(images)}"
        )
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    backbone = build_torch_feature_network().to(device)
    head = _projection_head(settings.projection_dim).to(device)
    optimizer = torch.optim.Adam(
        [
            {"params": backbone.parameters(), "lr": settings.learning_rate},
            {"params": head.parameters(), "lr": settings.head_learning_rate},
        ]
    )
    n_batches = max(1, len(images) // settings.batch_size)
    steps_total, steps_done = settings.epochs * n_batches, 0
    epoch_losses: list[float] = []
    started = time.perf_counter()
    for _ in range(settings.epochs):
        losses = []
        for batch in np.array_split(rng.permutation(len(images)), n_batches):
            views = [np.stack([random_view(images[i], aug, rng) for i in batch]) for _ in range(2)]
            z_a, z_b = (head(backbone(torch.from_numpy(v).to(device))) for v in views)
            loss = nt_xent_loss(z_a, z_b, temperature=settings.temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            steps_done += 1
            if progress is not None:
                progress(steps_done, steps_total)
        epoch_losses.append(float(np.mean(losses)))
        logger.info("epoch %d: NT-Xent %.4f", len(epoch_losses), epoch_losses[-1])
    seconds = time.perf_counter() - started
    out = Path(out_dir)
    details = {
        "settings": json.loads(json.dumps(asdict(settings))),
        "epoch_losses": epoch_losses,
        "n_images": len(images),
    }
    checkpoint = save_checkpoint(out / CHECKPOINT_NAME, backbone.cpu().eval(), head.cpu(), details)
    onnx_path = export_checkpoint(checkpoint, out / ONNX_NAME)
    summary = {**details, "device": device, "seconds": round(seconds, 2), "skipped": skipped}
    with atomic_path(out / SUMMARY_NAME) as tmp:
        tmp.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return TrainResult(checkpoint, onnx_path, epoch_losses, len(images), skipped, seconds, device)
