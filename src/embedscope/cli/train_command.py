"""``embedscope train``: SimCLR fine-tuning of the image model on a folder's own images; and the same
training as the first step of ``embedscope run --train-embedding E``."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from embedscope.cli.progress_display import RichProgress
from embedscope.errors import ConfigError
from embedscope.run_parameters import RunParameters

if TYPE_CHECKING:
    from embedscope.train.simclr import TrainResult, TrainSettings

RUN_MODEL_FOLDER = "embedding_model"  # OUT/embedding_model/: the checkpoint a run trained, for --checkpoint
TRAINED_KEY_BYTES = 8


def _train(input_path: Path, out: Path, settings: TrainSettings, *, quiet: bool) -> TrainResult:
    from embedscope.ingest.image_folder import scan_image_folder
    from embedscope.train.simclr import fine_tune

    if not input_path.is_dir():
        raise ConfigError(f"{input_path}: training needs a folder of images")
    scan = scan_image_folder(input_path)
    paths = [scan.root / name for name in scan.names]
    if quiet:
        return fine_tune(paths, out, settings)
    with RichProgress() as display:
        display.stage(
            f"fine-tuning on {len(paths):,} images (SimCLR, {settings.epochs} epoch(s))", total=None
        )
        return fine_tune(paths, out, settings, progress=lambda done, total: display.advance(done, total))


def train_command(
    input_path: Annotated[
        Path, typer.Argument(metavar="IMAGE_DIR", help="Folder of images (searched recursively).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for checkpoint.pt, model.onnx and training.json.")
    ],
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the images.")] = 5,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Images per step (two views each).")] = 32,
    image_size: Annotated[
        int, typer.Option("--image-size", help="Side of the training views in pixels.")
    ] = 128,
    learning_rate: Annotated[
        float, typer.Option("--learning-rate", help="Adam step size of the network.")
    ] = 1e-4,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the views, the image order and the head.")] = 0,
    device: Annotated[
        str, typer.Option("--device", help="auto (GPU when torch sees one), cpu or cuda.")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
) -> None:
    """Fine-tune EfficientNet-Lite0 (ImageNet weights) on IMAGE_DIR with SimCLR; reuse the result with
    --checkpoint OUT/checkpoint.pt or --model OUT/model.onnx."""
    from embedscope.train.augment import ViewAugmentation
    from embedscope.train.simclr import TrainSettings

    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: --out is a file; give a folder")
    settings = TrainSettings(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        device=device,
        augmentation=ViewAugmentation(size=image_size),
    )
    result = _train(input_path, out, settings, quiet=quiet)
    if not quiet:
        losses = ", ".join(f"{loss:.3f}" for loss in result.epoch_losses)
        Console(stderr=True).print(
            f"trained on {result.n_images:,} images ({len(result.skipped)} skipped) in {result.seconds:.0f} s on "
            f"{result.device}; NT-Xent per epoch: {losses}"
        )
    print(f"checkpoint: {result.checkpoint_path}")
    print(f"model: {result.onnx_path}")


def train_for_run(input_path: Path, epochs: int, *, seed: int, quiet: bool) -> TrainResult:
    """``run --train-embedding E``: fine-tune on INPUT's images into the cache.

    The training folder is ``<cache>/trained/<hash of INPUT's absolute path, E and seed>/``; a later run with
    the same arguments trains afresh (the images may have changed).
    """
    from embedscope.embed.cache_location import resolve_cache_dir
    from embedscope.train.simclr import TrainSettings

    named = f"{input_path.resolve()}\0{epochs}\0{seed}".encode()
    key = hashlib.blake2b(named, digest_size=TRAINED_KEY_BYTES).hexdigest()
    folder = resolve_cache_dir() / "trained" / key
    return _train(input_path, folder, TrainSettings(epochs=epochs, seed=seed), quiet=quiet)


def copy_trained_model(checkpoint: Path, out_dir: Path) -> Path:
    """Copy the run's trained checkpoint, ONNX export and summary to ``OUT/embedding_model/``."""
    target = out_dir / RUN_MODEL_FOLDER
    shutil.copytree(checkpoint.parent, target, dirs_exist_ok=True)
    return target / checkpoint.name


def run_with_training(params: RunParameters, *, quiet: bool) -> None:
    """``run --train-embedding E``: check the output folder, fine-tune on INPUT, run with the trained model's
    ONNX export (the run's config names it as ``model_path``), and keep checkpoint and export in
    ``OUT/embedding_model/``."""
    from embedscope.cli.common import run_and_write
    from embedscope.embed.model_choice import model_choice_of
    from embedscope.report.write_outputs import check_output_folder

    if params.model_path is not None or params.checkpoint_path is not None:
        raise ConfigError(
            "--train-embedding trains the default model; it cannot be combined with --model or --checkpoint"
        )
    if not params.input_path.is_dir():
        raise ConfigError(f"{params.input_path}: --train-embedding needs a folder of images as INPUT")
    model_choice_of(params)  # bad --model-precision / --device fail before the training
    check_output_folder(params.out_dir, overwrite=params.overwrite)
    trained = train_for_run(params.input_path, params.train_embedding, seed=params.seed, quiet=quiet)
    run_and_write(dataclasses.replace(params, model_path=trained.onnx_path), quiet=quiet)
    kept = copy_trained_model(trained.checkpoint_path, params.out_dir)
    print(f"trained embedding model: {kept.resolve()}")
