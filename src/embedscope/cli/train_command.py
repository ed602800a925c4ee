"""``embedscope train``: SimCLR fine-tuning of the image model on a folder's own images; and the same
training as the first step of ``embedscope run --train-embedding E``."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from embedscope.cli.progress_display import RichProgress
from embedscope.errors import ConfigError
from embedscope.progress import SilentProgress
from embedscope.run_parameters import DEFAULT_CROP_PADDING, DEFAULT_MIN_CROP_SIZE, RunParameters

if TYPE_CHECKING:
    from embedscope.train.simclr import TrainResult, TrainSettings

RUN_MODEL_FOLDER = "embedding_model"  # OUT/embedding_model/: the checkpoint a run trained, for --checkpoint
TRAINED_KEY_BYTES = 8


def _train(source: RunParameters, out: Path, settings: TrainSettings, *, quiet: bool) -> TrainResult:
    """Fine-tune on the images of the folder ``source.input_path``, or on the object crops of its task
    ``source.object_level_task`` (cut as an object-level run cuts them)."""
    from embedscope.train.simclr import fine_tune, fine_tune_images, training_side

    input_path = source.input_path
    if not input_path.is_dir():
        raise ConfigError(f"{input_path}: training needs a folder of images")
    display = SilentProgress() if quiet else RichProgress()
    with display if isinstance(display, RichProgress) else nullcontext():
        if source.object_level_task is not None:
            from embedscope.train.crop_images import object_crops_for_training

            crops = object_crops_for_training(source, max_side=training_side(settings), progress=display)
            display.stage(
                f"fine-tuning on {len(crops.images):,} object crops of task '{source.object_level_task}' "
                f"(SimCLR, {settings.epochs} epoch(s))",
                total=None,
            )
            return fine_tune_images(
                crops.images, out, settings, skipped=crops.skipped, progress=display.advance
            )
        from embedscope.ingest.image_folder import scan_image_folder

        scan = scan_image_folder(input_path)
        paths = [scan.root / name for name in scan.names]
        display.stage(
            f"fine-tuning on {len(paths):,} images (SimCLR, {settings.epochs} epoch(s))", total=None
        )
        return fine_tune(paths, out, settings, progress=display.advance)


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
    object_level: Annotated[
        str | None,
        typer.Option(
            "--object-level", metavar="TASK", help="Train on the object crops of this detection task."
        ),
    ] = None,
    lightly_predictions: Annotated[
        Path | None, typer.Option("--lightly-predictions", help="Lightly predictions folder (tasks.json).")
    ] = None,
    coco: Annotated[Path | None, typer.Option("--coco", help="COCO detection JSON over the images.")] = None,
    yolo: Annotated[Path | None, typer.Option("--yolo", help="YOLO label folder (task 'yolo').")] = None,
    classes: Annotated[Path | None, typer.Option("--classes", help="YOLO class names.")] = None,
    crop_padding: Annotated[
        float, typer.Option("--crop-padding", help="Crop margin on each side, as a fraction of the box size.")
    ] = DEFAULT_CROP_PADDING,
    min_crop_size: Annotated[
        float,
        typer.Option("--min-crop-size", help="Boxes narrower or lower than this (pixels) give no crop."),
    ] = DEFAULT_MIN_CROP_SIZE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
) -> None:
    """Fine-tune EfficientNet-Lite0 (ImageNet weights) on IMAGE_DIR with SimCLR (or, with --object-level TASK,
    on the object crops an object-level run embeds); reuse the result with --checkpoint OUT/checkpoint.pt or
    --model OUT/model.onnx."""
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
    prediction_flags = {
        "--lightly-predictions": lightly_predictions,
        "--coco": coco,
        "--yolo": yolo,
        "--classes": classes,
    }
    given = [flag for flag, value in prediction_flags.items() if value is not None]
    if object_level is None and given:
        raise ConfigError(
            f"{', '.join(given)}: predictions are used for training on crops; add --object-level TASK"
        )
    source = RunParameters(
        input_path=input_path,
        out_dir=out,
        lightly_predictions_path=lightly_predictions,
        coco_path=coco,
        yolo_path=yolo,
        yolo_classes_path=classes,
        object_level_task=object_level,
        crop_padding=crop_padding,
        min_crop_size=min_crop_size,
    )
    result = _train(source, out, settings, quiet=quiet)
    if not quiet:
        losses = ", ".join(f"{loss:.3f}" for loss in result.epoch_losses)
        Console(stderr=True).print(
            f"trained on {result.n_images:,} {'object crops' if object_level else 'images'} "
            f"({len(result.skipped)} skipped) in {result.seconds:.0f} s on "
            f"{result.device}; NT-Xent per epoch: {losses}"
        )
    print(f"checkpoint: {result.checkpoint_path}")
    print(f"model: {result.onnx_path}")


def train_for_run(params: RunParameters, *, quiet: bool) -> TrainResult:
    """``run --train-embedding E``: fine-tune on INPUT's images (with ``--object-level TASK``: on the task's
    object crops) into the cache.

    The training folder is ``<cache>/trained/<hash of INPUT's absolute path, E, seed and the crop source>/``;
    a later run with the same arguments trains afresh (the images may have changed).
    """
    from embedscope.embed.cache_location import resolve_cache_dir
    from embedscope.train.simclr import TrainSettings

    crop_source = [
        str(value)
        for value in (
            params.object_level_task,
            params.lightly_predictions_path,
            params.coco_path,
            params.yolo_path,
            params.crop_padding,
            params.min_crop_size,
        )
    ]
    named = "\0".join(
        [str(params.input_path.resolve()), str(params.train_embedding), str(params.seed), *crop_source]
    )
    key = hashlib.blake2b(named.encode(), digest_size=TRAINED_KEY_BYTES).hexdigest()
    folder = resolve_cache_dir() / "trained" / key
    settings = TrainSettings(epochs=params.train_embedding, seed=params.seed)
    return _train(params, folder, settings, quiet=quiet)


def copy_trained_model(checkpoint: Path, out_dir: Path) -> Path:
    """Copy the run's trained checkpoint, ONNX export and summary to ``OUT/embedding_model/``."""
    target = out_dir / RUN_MODEL_FOLDER
    shutil.copytree(checkpoint.parent, target, dirs_exist_ok=True)
    return target / checkpoint.name


def run_with_training(params: RunParameters, *, quiet: bool) -> None:
    """``run --train-embedding E``: check the output folder, fine-tune on INPUT (its object crops with
    ``--object-level``), run with the trained model's
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
    trained = train_for_run(params, quiet=quiet)
    run_and_write(dataclasses.replace(params, model_path=trained.onnx_path), quiet=quiet)
    kept = copy_trained_model(trained.checkpoint_path, params.out_dir)
    print(f"trained embedding model: {kept.resolve()}")
